"""Paired comparison of intervention arms against the baseline (common random numbers).

For replication r, the baseline and every arm run with seed ``seed + r``, so
they share every draw of the decisions they have in common; the paired
difference of a metric's mean over the last ``window`` days measures the arm,
not noise. A comparison is a study with one point (``simulation.study.engine``);
with ``out`` its runs are kept there and an interrupted comparison resumes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from simulation.scenario import Scenario
from simulation.study.arms import STAFF_HOUR_YUAN, Arm, parse_arms
from simulation.study.effects import paired_effects
from simulation.study.engine import Plan, run_plan
from simulation.study.store import Store

WINDOW_DAYS = 90

__all__ = ["compare", "paired_effects", "WINDOW_DAYS"]


class RunsFailed(RuntimeError):
    """Some runs raised; the message holds the first traceback (and where the others are)."""


def compare(
    scenario: Scenario,
    interventions: Sequence[str | Arm],
    reps: int = 20,
    days: int = 365,
    workers: int = 1,
    seed: int = 0,
    window: int = WINDOW_DAYS,
    progress: Callable[[int, int], None] | None = None,
    staff_hour_cost: float = STAFF_HOUR_YUAN,
    out: str | Path | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Paired baseline-vs-arm runs; one row per (arm, metric). Seeds are ``seed + r``.

    ``interventions``: arms such as ``"joint_meetings(every_days=7)+whistle_report"``.
    ``workers > 1`` runs local processes (also from a script without a
    ``__main__`` guard, or ``python -``); ``executor="dask"`` runs on a Dask
    cluster (``scheduler``: an address, or ``"local"``). ``out``: keep runs
    and results there (resumed when the same comparison is asked again).
    ``progress(done, total)`` is called after each run.
    """
    texts = [a for a in interventions if isinstance(a, str)]
    arms = parse_arms(texts, "interventions") if texts else []
    arms += [a for a in interventions if isinstance(a, Arm)]
    plan = Plan(
        base=scenario,
        arms=arms,
        reps=reps,
        days=days,
        window=window,
        seed=seed,
        staff_hour_cost=staff_hour_cost,
        source="interventions",
    )
    with tempfile.TemporaryDirectory(prefix="govsim-compare-") as tmp:
        store = Store(out if out is not None else tmp)
        result = run_plan(
            plan, store, executor=executor, workers=workers, scheduler=scheduler, overwrite=overwrite, progress=progress
        )
        if result.failed:
            first = next(iter(result.failed.values()))
            text = Path(first).read_text(encoding="utf-8")
            where = f"; all tracebacks in {store.failures}" if out is not None else ""
            raise RunsFailed(f"{len(result.failed)} of {result.planned} runs failed{where}. First:\n{text}")
    return result.effects.drop(columns="point")
