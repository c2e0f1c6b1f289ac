"""Simulation runs of a sweep: build, simulate, summarise. Runs in a worker process.

A run is named by its key ``p<point>-a<arm>-r<rep>``; its seed is
``seed + rep`` in every arm and at every point (common random numbers).
A worker gets a group of runs of one (point, rep); with a burn-in the arms
share it (:func:`run_group`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulation.scenario import Scenario


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run (picklable; no reference to the driver)."""

    key: str
    point: int  # index of the cell: a scenario at a design point (0 for one scenario without design)
    arm_index: int  # 0 is the baseline
    arm: str
    rep: int
    seed: int
    base: Scenario  # the base scenario at this design point, no arm applied
    interventions: dict[str, dict[str, Any]]  # the arm: {key: params}, applied on top of ``base``
    days: int  # days simulated, >= 1
    window: int  # days at the end whose mean is reported, 1..days
    scenario: str = ""  # name of the scenario (its file's stem)


def run_key(point: int, arm_index: int, rep: int) -> str:
    return f"p{point:05d}-a{arm_index:03d}-r{rep:05d}"


def _arm_scenario(spec: RunSpec) -> Scenario:
    from simulation.study.arms import Arm

    return Arm(spec.arm, spec.interventions).apply(spec.base, source=f"run {spec.key}")


def _start_model(spec: RunSpec):
    """A model at day 0 with the arm switched on (or scheduled, after a burn-in): built from scratch."""
    from simulation.model import CommunityModel

    return CommunityModel(scenario=_arm_scenario(spec), rng=spec.seed)


def _schedule_arm(model, scenario: Scenario) -> bool:
    """Give a burnt-in model with no intervention the arm's interventions, as its constructor would.

    After a burn-in the constructor switches nothing on: it schedules every
    intervention of the scenario for the start of day ``max(start_day, 1)``.
    The model has no public call for that schedule, so this mirrors it (the
    one place that touches the model's internals; a test checks that forked
    runs equal runs built from scratch, bit for bit). False when the model
    does not look as expected: the caller then builds the run from scratch.
    """
    scheduled = getattr(model, "_scheduled", None)
    if not isinstance(scheduled, list) or scheduled or model.interventions or model.day != 0:
        return False
    for key, params in scenario.interventions.items():
        scheduled.append((max(int(params.get("start_day", 0)), 1), key, dict(params)))
    model.scenario = scenario
    return True


def _summary(spec: RunSpec, model) -> dict[str, Any]:
    # Only the window's days are reported, so only they are measured (the dynamics do not read metrics).
    model.collect_from = model.day + spec.days - spec.window + 1
    model.run_for(spec.days)
    df = model.datacollector.get_model_vars_dataframe()
    return {
        "key": spec.key,
        "point": spec.point,
        "scenario": spec.scenario,
        "arm_index": spec.arm_index,
        "arm": spec.arm,
        "rep": spec.rep,
        "seed": spec.seed,
        **window_means(df, spec.window),
    }


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run ``spec``; one row: key, point, arm_index, arm, rep, seed and each metric's window mean."""
    return _summary(spec, _start_model(spec))


def run_group(specs: list[RunSpec]) -> list[tuple[RunSpec, dict[str, Any] | None, str | None]]:
    """Runs of one (point, rep), i.e. one base scenario and seed: ``(spec, row, None)`` or ``(spec, None, traceback)``.

    With a burn-in, the burn-in is simulated once and each arm continues from a
    copy of it (``fork``) with its interventions scheduled, which gives the
    same numbers as building each run from scratch. Without burn-in each run
    is built on its own (a copy would save only the set-up, about 15 ms).
    """
    import traceback

    out: list[tuple[RunSpec, dict[str, Any] | None, str | None]] = []
    shared = None
    if len(specs) > 1 and specs[0].base.burn_in_days > 0:
        from simulation.model import CommunityModel

        try:
            shared = CommunityModel(scenario=specs[0].base, rng=specs[0].seed)
        except Exception:  # each run then fails (or succeeds) on its own below
            shared = None
    for spec in specs:
        try:
            model = shared.fork() if shared is not None else None
            if model is not None and _schedule_arm(model, _arm_scenario(spec)):
                row = _summary(spec, model)
            else:
                row = run_one(spec)
            out.append((spec, row, None))
        except Exception as exc:  # one arm's failure does not lose the others
            out.append((spec, None, "".join(traceback.format_exception(exc))))
    return out


def window_means(df, window: int) -> dict[str, float]:
    """Each metric's mean over the last ``window`` rows, NaN days skipped (NaN if all are NaN)."""
    from simulation.metrics import METRICS

    tail = df.tail(window)
    out = {}
    for name in METRICS:
        values = tail[name].to_numpy(float)
        out[name] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
    return out


def load_kernels() -> None:
    """Make every compiled kernel's first call in this process (numba loads each from its on-disk cache
    then, a few ms each): the baseline of 3,000 adults over two months (consultations come every 30 days,
    repairs get paid), then the two calls those months may miss: a proposal's issue reported at a
    consultation (``IssueLog.take_reports``) and the committee election (on day 300). For the workers' fork
    server (``simulation.study.preload``) and the benchmark, so that no run pays it mid-way (a missed one
    cost 6-7 ms at its first call: 5% of a benchmark's 120 days at 3,000 adults)."""
    from simulation import CommunityModel
    from simulation.processes.governance import CONSULTATION, hold_election

    scenario = Scenario().scaled(adults=3000).override({"burn_in_days": 0})
    model = CommunityModel(scenario=scenario, rng=0)
    model.run_for(60)
    none = np.empty(0, np.int64)
    model.issues.take_reports(none, none, model.day, CONSULTATION)
    hold_election(model, model.day, "governance.vote", committee=True)
