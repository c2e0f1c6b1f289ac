"""The metric registry: every metric defined once, measured read-only from state.

``measure(model, day)`` computes all metrics from the arrays, the issue log and
the activity records (the measure phase); the DataCollector, the CLI, the
studies and the app read them through ``METRICS`` and the module-level
reporter ``report``. Each metric declares its unit, range and which direction
is better (``"higher"``, ``"lower"`` or ``""`` where neither is).

Windows: participation is over the last 30 days (an ordinary month), governance,
reporting, proposals and case outcomes over the last 90 days; ``turnout`` is the
share who voted at the last residents' committee election (NaN before the first).
A change of a metric's meaning is recorded in the change log of docs/ODD.md.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cache, partial
from operator import itemgetter
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.kernels import day_metrics
from simulation.population import TRUST_TARGETS
from simulation.processes.issues import CLOSED, NO_DAY, RESOLVED

if TYPE_CHECKING:
    from simulation.model import CommunityModel

GROUPS = ("young", "middle", "elderly", "party", "nonparty")
GROUP_WHO = {
    "young": "adults aged 18-39",
    "middle": "adults aged 40-59",
    "elderly": "adults aged 60+",
    "party": "Party members",
    "nonparty": "adults who are not Party members",
}
PARTICIPATION_DAYS = 30
WEEK_DAYS = 7  # weekly contact (SUNS 2017 asks about talking with or visiting neighbours weekly)
GOVERNANCE_DAYS = 90
ISSUE_DAYS = 90


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str
    low: float = 0.0  # allowed range, for checks
    high: float = 1.0
    better: str = "higher"  # "higher", "lower", or "" (neither: a volume or a level)

    @property
    def may_be_nan(self) -> bool:
        """Undefined on some days (its description says when): no election yet, no case closed, ..."""
        return "NaN" in self.description


# Rates measured for every adult, with a variant per group (suffix _young, ..., _nonparty).
GROUP_RATES: dict[str, str] = {
    "participation_rate": "adults who attended an activity or a consultation, or made a proposal, in the last 30 days",
    "activity_participation_rate": "adults who attended at least one community activity in the last 30 days",
    "governance_participation_rate": "adults who attended a consultation or made a proposal in the last 90 days",
    "reporting_rate": "adults who reported an issue in the last 90 days",
    "turnout": "adults who voted at the last residents' committee election (NaN before the first)",
}


def _defs() -> dict[str, Metric]:
    out: list[Metric] = []
    for name, desc in GROUP_RATES.items():
        out.append(Metric(name, "share", desc))
        for g, who in GROUP_WHO.items():
            nan = " (NaN before the first)" if name == "turnout" else ""
            out.append(Metric(f"{name}_{g}", "share", f"{name} among {who}{nan}"))
    out.append(Metric("proposals_made", "per 1,000 adults", "proposals made at consultations, last 90 days", 0, 1000))
    trust_desc = {
        "community": "the community Party committee and residents' committee",
        "government": "government units",
        "property": "property management",
        "ngo": "social organisations",
        "neighbours": "neighbours (generalised)",
    }
    for t in TRUST_TARGETS:
        out.append(Metric(f"trust_{t}", "trust 0..1", f"mean resident trust in {trust_desc[t]}"))
    big = float("inf")
    out += [
        Metric("efficacy", "0..1", "mean political efficacy (belief that raising an issue works)"),
        Metric("issues_open", "issues", "issues raised and not yet closed (reported or not)", 0, big, "lower"),
        Metric(
            "issues_stalled",
            "issues",
            "cross-department cases that made no progress today at some unit (departmental walls)",
            0,
            big,
            "lower",
        ),
        Metric(
            "issues_unreported_share", "share", "issues raised in the last 90 days and never reported", better="lower"
        ),
        Metric("issue_resolution_rate", "share", "issues raised in the last 90 days that are resolved"),
        Metric(
            "issue_resolution_days",
            "days",
            "median days from raising to resolution, issues resolved in the last 90 days (NaN if none)",
            0,
            big,
            "lower",
        ),
        Metric(
            "case_resolution_rate",
            "share",
            "reported cases closed in the last 90 days that were resolved (NaN if none closed)",
        ),
        Metric(
            "service_satisfaction",
            "share",
            "reported cases closed in the last 90 days that were resolved within the timely limit "
            "(casework.satisfied_within_days of the report; NaN if none closed)",
        ),
        Metric(
            "case_close_days_mean",
            "days",
            "mean days from report to close of cases reported in the last 90 days, Kaplan-Meier with open cases "
            "censored, restricted to 90 days",
            0,
            90,
            "lower",
        ),
        Metric(
            "resource_utilization",
            "share",
            "used / available community resources (venue hours, funds, volunteer hours), last 30 days",
            better="",
        ),
        Metric(
            "activity_fill_rate",
            "share",
            "places taken / places offered at activities held in the last 30 days (NaN if none held)",
            better="",
        ),
        Metric("ties_per_resident", "ties", "mean acquaintance ties per adult (household ties included)", 0, big),
        Metric(
            "isolated_share",
            "share",
            "adults with no acquaintance tie outside their own household",
            better="lower",
        ),
        Metric(
            "weekly_contact_share",
            "share",
            "adults who chatted with, or met at an activity or consultation, someone outside their household "
            "in the last 7 days",
        ),
        Metric("activities_held", "activities", "community activities held in the last 30 days", 0, big, ""),
    ]
    return {m.name: m for m in out}


METRICS: dict[str, Metric] = _defs()


def report(model: CommunityModel, name: str) -> float:
    """Module-level reporter for the DataCollector: the value measured today."""
    return model._measured[_POSITION[name]]


def reporters() -> dict[str, partial]:
    return {name: partial(report, name=name) for name in METRICS}


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector, one reporter per metric, fed the day's measured values in one pass.

    The measure phase computes every metric at once, in the registry's order
    (``measure_values``); collecting appends those floats to ``model_vars`` (floats
    need no copy), instead of calling 80-odd reporters and deep-copying each
    result. ``get_model_vars_dataframe()`` and ``model_vars`` behave as Mesa's.
    """

    def __init__(self):
        super().__init__(model_reporters=reporters())

    def collect(self, model) -> None:
        # One pass in C (map of list.append), not a Python loop of 80 appends; the columns' lists are
        # looked up once (``model_vars`` keeps them).
        columns = self.__dict__.get("_columns")
        if columns is None or columns[0] is not self.model_vars[next(iter(METRICS))]:
            columns = self._columns = [self.model_vars[name] for name in METRICS]
        deque(map(list.append, columns, model._measured), maxlen=0)


def _bit_patterns(k: int) -> np.ndarray:
    """Every k-bit number (0 .. 2**k - 1) as a row of its bits, lowest first (2**k x k, 0 or 1)."""
    return (np.arange(1 << k)[:, None] >> np.arange(k)) & 1


def group_cells(model: CommunityModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residents by their combination of groups (all adults, then GROUPS; fixed for a run): each resident's
    cell, each cell's memberships (cells x 6, int64) and the group sizes (float32)."""
    masks = model.group_masks
    g = np.column_stack([np.ones(model.pop.n, bool)] + [masks[k] for k in GROUPS])
    # A resident's memberships are the bits of its cell number: 2**6 cells, most of them empty (a search for
    # the combinations that occur, np.unique over rows, took 2.4 s at a million residents).
    cell = (g.astype(np.intp) << np.arange(g.shape[1])).sum(axis=1)
    return cell, _bit_patterns(g.shape[1]), g.astype(np.float32).sum(axis=0)


@cache
def _rate_names(names: tuple[str, ...]) -> list[str]:
    """The metric names of flags' shares in the order of their (flags, all + groups) table, row by row."""
    return [name if grp is None else f"{name}_{grp}" for name in names for grp in (None, *GROUPS)]


_SHARE_NAMES = _rate_names(tuple(GROUP_RATES))  # the order of ``resident_measures``' flags
_TRUST_NAMES = [f"trust_{t}" for t in TRUST_TARGETS]
_ISSUE_NAMES = (
    "issues_unreported_share",
    "issue_resolution_rate",
    "issue_resolution_days",
    "case_resolution_rate",
    "service_satisfaction",
    "case_close_days_mean",
    "issues_open",
)


def measure(model: CommunityModel, day: int) -> dict[str, float]:
    """All metrics of ``METRICS`` for the end of ``day``, by name (reads state, writes none)."""
    return dict(zip(METRICS, measure_values(model, day), strict=True))


# ``measure_values`` lays the values out in the order it computes them (these names), then takes them in
# the registry's order in one call.
_COMPUTED = (
    *_SHARE_NAMES, "proposals_made", *_TRUST_NAMES, "efficacy", *_ISSUE_NAMES[:-1], "issues_open", "issues_stalled",
    "resource_utilization", "activity_fill_rate", "ties_per_resident", "isolated_share", "activities_held",
    "weekly_contact_share",
)  # fmt: skip
if sorted(_COMPUTED) != sorted(METRICS):  # (a metric added to the registry must be measured here too)
    raise RuntimeError(f"measure_values: computed {sorted(set(_COMPUTED) ^ set(METRICS))} differ from the registry")
_IN_REGISTRY_ORDER = itemgetter(*(_COMPUTED.index(name) for name in METRICS))
_POSITION = {name: k for k, name in enumerate(METRICS)}  # a metric's place in ``measure_values``
_TURNOUT = slice(_SHARE_NAMES.index("turnout"), _SHARE_NAMES.index("turnout") + 1 + len(GROUPS))
_NO_TURNOUT = [float("nan")] * (1 + len(GROUPS))


def measure_values(model: CommunityModel, day: int) -> tuple[float, ...]:
    """All metrics of ``METRICS`` for the end of ``day``, in the registry's order (reads state, writes none)."""
    pop, log, net = model.pop, model.issues, model.network
    quarter = day - GOVERNANCE_DAYS
    # One compiled call (``kernels.day_metrics``): a pass over the residents (group rates, trust and efficacy
    # means, isolation, weekly contact: exact counts, the means summed in numpy's order); the last month's
    # activities (integer sums: exact) and the quarter's proposals; issues raised in the window, cases closed
    # in it (scanning from the oldest issue that can have closed in it), days from report to close of cases
    # reported in it, open ones censored today; the pool's use; counts over the residents.
    cell, combos, sizes = model.group_cells
    t = day + model.burn_in
    cw = model.scenario.casework
    longest = cw.max_days + model.scenario.issues.grievance_days  # the most days an issue stays open
    out = day_metrics(
        cell, combos, sizes, pop.last_activity, pop.last_governance, pop.last_report, pop.voted_last_election,
        day - PARTICIPATION_DAYS, quarter, pop.trust, pop.efficacy, net.degree(exclude_household=True),
        pop.last_contact, day - WEEK_DAYS, model.activity_days, model.activity_places, model.activity_attendees,
        max(0, t - PARTICIPATION_DAYS + 1), t + 1, model.proposal_days, pop.n, log.raised, log.reported,
        log.closed, log.outcome, log.stage, log.size, log.open, day, ISSUE_DAYS, longest,
        cw.satisfied_within_days, NO_DAY, RESOLVED, CLOSED, log.stalled_today, model.pool.used,
        model.pool.available, int(net.indptr[-1]),
    ).tolist()  # fmt: skip
    if model.last_election_day is None:  # no election yet: no turnout
        out[_TURNOUT] = _NO_TURNOUT
    return _IN_REGISTRY_ORDER(out)
