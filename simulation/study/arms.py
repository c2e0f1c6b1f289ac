"""Arms: which interventions a run switches on, written ``key`` or ``key(param=value, ...)`` joined by ``+``.

Example: ``joint_meetings(every_days=7)+whistle_report``. Values are TOML
values (``7``, ``0.5``, ``"text"``, ``true``). The same grammar is used by
``govsim compare -i``, study files and :func:`simulation.compare`. An arm is
applied on top of the base scenario: its parameters replace the base
scenario's for the same intervention, other interventions of the base stay on.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulation.interventions import INTERVENTIONS
from simulation.scenario import Scenario, ScenarioError, parse_override

BASELINE = "baseline"
STAFF_HOUR_YUAN = 40.0  # assumption: cost of one staff hour (yuan), to put staff time and money on one scale


@dataclass(frozen=True)
class Arm:
    """One arm: its name (the text as given, spaces removed) and ``{key: {param: value}}``."""

    name: str
    interventions: dict[str, dict[str, Any]]

    def apply(self, base: Scenario, source: str = "") -> Scenario:
        """The base scenario with this arm's interventions switched on (validated)."""
        if not self.interventions:
            return base
        changes = {
            f"interventions.{key}": {**base.interventions.get(key, {}), **params}
            for key, params in self.interventions.items()
        }
        return base.override(changes, source=source or f"arm {self.name!r}")


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses, brackets, braces and quotes."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_arm(text: str, source: str = "--intervention") -> Arm:
    """Parse one arm; a mistake raises ScenarioError naming ``source``, the arm and the field.

    Parameters are checked against the intervention's ``Params`` (names and
    ranges) here, before any run starts.
    """
    where = f"{source} {text!r}"
    name = "".join(text.split())
    if not name:
        raise ScenarioError(f"{where}: empty arm (expected key or key(param=value, ...) joined by '+')")
    if name == BASELINE:
        return Arm(BASELINE, {})
    interventions: dict[str, dict[str, Any]] = {}
    for part in _split_top(text, "+"):
        part = part.strip()
        if not part:
            raise ScenarioError(f"{where}: empty part between '+' (expected key or key(param=value, ...))")
        key, params = part, {}
        if "(" in part:
            key, _, rest = part.partition("(")
            key = key.strip()
            if not rest.rstrip().endswith(")"):
                raise ScenarioError(f"{where}: {key}: missing ')' after the parameters")
            inner = rest.rstrip()[:-1].strip()
            try:
                params = tomllib.loads(f"v = {{{inner}}}")["v"] if inner else {}
            except tomllib.TOMLDecodeError as err:
                raise ScenarioError(
                    f"{where}: {key}: parameters must be name=value pairs with TOML values ({err})"
                ) from None
        if key not in INTERVENTIONS:
            known = ", ".join(sorted(INTERVENTIONS)) or "none registered"
            raise ScenarioError(f"{where}: unknown intervention {key!r} (known: {known})")
        if key in interventions:
            raise ScenarioError(f"{where}: {key} appears twice in one arm")
        interventions[key] = params
    arm = Arm(name, interventions)
    arm.apply(Scenario(), source=where)  # checks every parameter against its Params (name, range)
    return arm


def parse_arms(texts: list[str], source: str = "--intervention") -> list[Arm]:
    """Parse arms in order, dropping repeats (same name); ``baseline`` is never one of them."""
    arms: dict[str, Arm] = {}
    for text in texts:
        arm = parse_arm(text, source)
        if arm.name == BASELINE:
            raise ScenarioError(f"{source} {text!r}: the baseline is always run; name interventions to compare")
        arms.setdefault(arm.name, arm)
    return list(arms.values())


def _normalised(scn: Scenario) -> dict[str, dict[str, Any]]:
    return {key: INTERVENTIONS[key].Params.model_validate(p).model_dump() for key, p in scn.interventions.items()}


def check_differs(base: Scenario, arm: Arm, source: str = "--intervention") -> None:
    """Refuse an arm that switches on nothing beyond the base scenario: its effect would be zero by construction."""
    if _normalised(arm.apply(base)) == _normalised(base):
        raise ScenarioError(
            f"{source} {arm.name!r}: equals the baseline (the base scenario already has these interventions "
            "with these parameters); change a parameter or drop the arm"
        )


def override(scn: Scenario, changes: dict[str, Any], source: str) -> Scenario:
    """``scn.override`` that also takes ``interventions.KEY.PARAM``: KEY is switched on with PARAM set."""
    plain: dict[str, Any] = {}
    ivs: dict[str, dict[str, Any]] = {}
    for key, value in changes.items():
        parts = key.split(".")
        if parts[0] == "interventions" and len(parts) == 3:
            ivs.setdefault(parts[1], {})[parts[2]] = value
        else:
            plain[key] = value
    if plain:
        scn = scn.override(plain, source=source)
    for key in ivs:
        if key not in INTERVENTIONS:
            known = ", ".join(sorted(INTERVENTIONS)) or "none registered"
            raise ScenarioError(f"{source}: interventions.{key}: unknown intervention (known: {known})")
    if ivs:
        scn = scn.override(
            {f"interventions.{k}": {**scn.interventions.get(k, {}), **p} for k, p in ivs.items()}, source=source
        )
    return scn


def apply_sets(scn: Scenario, sets: list[str] | None, source: str) -> Scenario:
    """Apply ``--set dotted.key=value`` overrides (TOML values); see :func:`override`."""
    if not sets:
        return scn
    return override(scn, dict(parse_override(s) for s in sets), source)


def is_int_field(scn: Scenario, dotted: str) -> bool:
    """Whether the field at ``dotted`` holds an integer (so sampled values are rounded)."""
    parts = dotted.split(".")
    if parts[0] == "interventions" and len(parts) == 3 and parts[1] in INTERVENTIONS:
        info = INTERVENTIONS[parts[1]].Params.model_fields.get(parts[2])
        return info is not None and info.annotation is int
    node: Any = scn.model_dump()
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return isinstance(node, int) and not isinstance(node, bool)


def applied_value(scn: Scenario, dotted: str, value: Any) -> Any:
    """A sampled value as it is applied: a plain Python value, rounded for an integer field."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and is_int_field(scn, dotted):
        value = round(value)
    return value


def scenario_cost(scn: Scenario, staff_hour_cost: float = STAFF_HOUR_YUAN) -> float:
    """Monthly cost (yuan) of all interventions a scenario switches on, over all its communities.

    Each intervention's ``cost(params)`` is per community and month; staff
    hours are put on the money scale at ``staff_hour_cost`` yuan per hour.
    """
    total = 0.0
    for key, params in scn.interventions.items():
        cls = INTERVENTIONS[key]
        c = cls.cost(cls.Params.model_validate(params))
        total += c["money"] + c["staff_hours"] * staff_hour_cost
    return total * scn.community.communities


def arm_cost(base: Scenario, arm: Arm, staff_hour_cost: float = STAFF_HOUR_YUAN) -> float:
    """Extra monthly cost (yuan) of an arm over its base scenario."""
    return scenario_cost(arm.apply(base), staff_hour_cost) - scenario_cost(base, staff_hour_cost)
