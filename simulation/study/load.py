"""A study file turned into a :class:`~simulation.study.engine.Plan` (validated before any run)."""

from __future__ import annotations

from pathlib import Path

from simulation.scenario import ScenarioError, load_scenario
from simulation.study.arms import applied_value, override, parse_arms
from simulation.study.design import Design, read_study_file
from simulation.study.engine import Plan, choose_metrics


def load_study(path: str | Path, quick: bool = False) -> Plan:
    """Read ``path``; every mistake raises ScenarioError naming the file, the field and the allowed range.

    ``quick``: apply the file's ``[quick]`` settings (fewer replications and days).
    """
    path = Path(path)
    sf = read_study_file(path)
    if sf.design.method == "table" and sf.design.file is not None:
        sf = sf.model_copy(update={"design": read_table(path, sf.design)})
    if quick:
        q = sf.quick
        if q is None:
            raise ScenarioError(f"{path}: quick: no [quick] table (reps, days, window, set) for a quick rerun")
        sf = sf.model_copy(
            update={
                "reps": q.reps,
                "days": q.days or sf.days,
                "window": q.window or sf.window,
                "set": {**sf.set, **q.set},
                "name": (sf.name or path.stem) + " (quick)",
            }
        )
    scenarios, files = [], []
    for i, given in enumerate(sf.scenarios):
        file = (path.parent / given).resolve() if not Path(given).is_absolute() else Path(given)
        if not file.is_file():
            raise ScenarioError(f"{path}: scenarios.{i}: {given!r} not found (paths are relative to the study file)")
        scn = load_scenario(file)
        if sf.set:
            scn = override(scn, sf.set, source=f"{path}: set")
        for name, p in sf.design.parameters.items():
            bounds = [p.low, p.high] if sf.design.method not in ("grid", "table") else list(p.values or [])
            for value in bounds:  # integer fields are rounded when applied, so check the value as applied
                override(scn, {name: applied_value(scn, name, value)}, source=f"{path}: design.parameters")
        scenarios.append((file.stem, scn))
        files.append(str(file))
    names = [n for n, _ in scenarios]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{path}: scenarios: two files share a name ({', '.join(names)}); rename one")
    return Plan(
        base=scenarios[0][1],
        scenarios=scenarios,
        arms=parse_arms(sf.arms, f"{path}: arms"),
        reps=sf.reps,
        days=sf.days or scenarios[0][1].days,
        window=sf.window,
        seed=sf.seed,
        metrics=choose_metrics(sf.metrics, f"{path}: metrics"),
        design=sf.design,
        staff_hour_cost=sf.staff_hour_cost,
        name=sf.name or path.stem,
        kind="study",
        scenario_file=files[0] if len(files) == 1 else files,
        overrides=[f"{k}={v!r}" for k, v in sf.set.items()],
        source=str(path),
    )


def read_table(path: Path, design: Design) -> Design:
    """The design with the points of its ``file`` (CSV, relative to the study file) as parameter columns."""
    import pandas as pd

    file = (path.parent / design.file).resolve() if not Path(design.file).is_absolute() else Path(design.file)
    if design.parameters:
        raise ScenarioError(f"{path}: design.parameters: give the points in file or in parameters, not both")
    try:
        table = pd.read_csv(file)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: design.file: {design.file!r} not found (relative to the study file)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: design.file: {design.file!r} is not a CSV table ({err})") from None
    if table.empty or table.isna().any().any():
        raise ScenarioError(f"{path}: design.file: {design.file!r} needs at least one row and no empty cells")
    params = {str(c): {"values": table[c].tolist()} for c in table.columns}
    return Design.model_validate({"kind": "table", "file": design.file, "parameters": params})
