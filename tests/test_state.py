"""Declared state: every array is declared once, and only its declared writers change it."""

import numpy as np
import pytest

from simulation import CommunityModel, Scenario, load_scenario
from simulation.state import ALL, DAY_START, SETUP, declared

OWNERS = {
    "pop": lambda m: m.pop,
    "issues": lambda m: m.issues,
    "tasks": lambda m: m.issues.tasks,
    "handlers": lambda m: m.handlers,
    "branches": lambda m: m.branch_table,
}


def test_owners_hold_exactly_the_declared_arrays():
    m = CommunityModel(scenario=Scenario().scaled(adults=600).override({"burn_in_days": 0}), rng=1)
    for owner, var in ((v.owner, v) for v in ALL):
        obj = m.network if owner == "network" else OWNERS[owner](m)
        values = getattr(obj, var.name)
        assert values.dtype == np.dtype(var.dtype), var.name
        if var.columns:
            assert values.ndim == 2 and values.shape[1] == var.columns, var.name


def _snapshot(model) -> dict:
    snap = {}
    for owner, get in OWNERS.items():
        obj = get(model)
        for name in declared(owner):
            arr = getattr(obj, name)
            rows = {"issues": model.issues.size, "tasks": model.issues.tasks.size}.get(owner)
            snap[(owner, name)] = arr[:rows].copy() if rows is not None else arr.copy()
    for name in declared("network"):
        snap[("network", name)] = getattr(model.network, name).copy()
    snap[("issues", "size")] = model.issues.size
    return snap


@pytest.mark.slow
def test_every_phase_writes_only_the_state_it_declares():
    scn = load_scenario("scenarios/integrated_package.toml").override(
        {
            "community.adults": 900,
            "burn_in_days": 0,
            "governance.election_day": 20,
            "interventions.representative_election.first_day": 25,
            "interventions.model_households.start_day": 12,
        }
    )
    model = CommunityModel(scenario=scn, rng=2)
    writes: dict[tuple[str, str], set[str]] = {}
    before: dict = {}

    def observe(stage: str, when: str) -> None:
        if when == "before":
            before.clear()
            before.update(_snapshot(model))
            return
        now = _snapshot(model)
        for key, old in before.items():
            new = now[key]
            if key == ("issues", "size"):
                if new != old:
                    writes.setdefault(("issues", "append"), set()).add(stage)
                continue
            n = len(old)
            # Issues and parts: rows that existed before (appending is recorded above); others: the whole array.
            changed = (len(new) != n and key[0] not in ("issues", "tasks")) or not np.array_equal(
                old, new[:n], equal_nan=old.dtype.kind == "f"
            )
            if changed:
                writes.setdefault(key, set()).add(stage)

    model.observer = observe
    model.run_for(70)
    states = {(v.owner, v.name): v for v in ALL}
    wrong = {
        f"{owner}.{name}": sorted(stages - set(states[(owner, name)].writers))
        for (owner, name), stages in writes.items()
        if (owner, name) in states and stages - set(states[(owner, name)].writers)
    }
    assert not wrong, wrong
    assert writes.get(("issues", "append")) == {"issues"}
    # The run exercised the dynamic state (the check is not vacuous).
    for key in [
        ("pop", "trust"),
        ("pop", "efficacy"),
        ("pop", "invited"),
        ("issues", "escalated"),
        ("network", "weight"),
    ]:
        assert key in writes, key
    assert writes[("pop", "model_household")] == {SETUP}  # switched on on day 12
    assert DAY_START in writes[("pop", "invited")]


def test_appended_issues_hold_not_yet_values_in_the_fields_not_given():
    from simulation.processes.issues import NO_DAY, IssueLog

    log = IssueLog(capacity=4)
    for day in range(3):  # 9 issues: the arrays grow twice
        log.append(domain=np.full(3, 2, np.int8), household=np.arange(3), raised=day, stage=0)
    n = log.size
    assert n == 9 and len(log.reported) >= 9
    assert (log.reporter[:n] == -1).all() and (log.handler[:n] == -1).all() and (log.channel[:n] == -1).all()
    assert (log.reported[:n] == NO_DAY).all() and (log.closed[:n] == NO_DAY).all()
    assert (log.escalated_day[:n] == NO_DAY).all() and not log.escalated[:n].any() and (log.ready[:n] == 0).all()
    assert (log.domain[:n] == 2).all() and list(log.raised[:n]) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
