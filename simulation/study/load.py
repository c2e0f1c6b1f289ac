"""A study file turned into a :class:`~simulation.study.engine.Plan` (validated before any run)."""

from __future__ import annotations

from pathlib import Path

from simulation.scenario import ScenarioError, load_scenario
from simulation.study.arms import override, parse_arms
from simulation.study.design import read_study_file
from simulation.study.engine import Plan, choose_metrics


def load_study(path: str | Path) -> Plan:
    """Read ``path``; every mistake raises ScenarioError naming the file, the field and the allowed range."""
    path = Path(path)
    sf = read_study_file(path)
    scenario_file = (path.parent / sf.scenario).resolve() if not Path(sf.scenario).is_absolute() else Path(sf.scenario)
    if not scenario_file.is_file():
        raise ScenarioError(f"{path}: scenario: {sf.scenario!r} not found (paths are relative to the study file)")
    base = load_scenario(scenario_file)
    if sf.set:
        base = override(base, sf.set, source=f"{path}: set")
    for name, p in sf.design.parameters.items():
        bounds = [p.low, p.high] if sf.design.method != "grid" else list(p.values or [])
        for value in bounds:
            override(base, {name: value}, source=f"{path}: design.parameters")
    return Plan(
        base=base,
        arms=parse_arms(sf.arms, f"{path}: arms"),
        reps=sf.reps,
        days=sf.days or base.days,
        window=sf.window,
        seed=sf.seed,
        metrics=choose_metrics(sf.metrics, f"{path}: metrics"),
        design=sf.design,
        staff_hour_cost=sf.staff_hour_cost,
        name=sf.name or path.stem,
        kind="study",
        scenario_file=str(scenario_file),
        overrides=[f"{k}={v!r}" for k, v in sf.set.items()],
        source=str(path),
    )
