"""Sweep throughput: runs per minute at 3,000 adults x 365 days with 1 and 2 local workers; prints JSON (not a test).

Each setting runs a comparison (baseline + one arm, paired replications)
through the study engine, so the figure includes process start-up, result
files and compaction. A run's days come after the scenario's burn-in
(``--burn-in``, default the scenario's), which the arms of a replication share.
Usage::

    python benchmarks/bench_sweep.py [--adults 3000] [--days 365] [--runs 24] [--workers 1 2] [--burn-in N]

Each worker process pays its start-up (imports and loading the compiled kernels, about 1.6 s) once
per sweep; on very short sweeps that start-up, not the runs, limits the gain from a second worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time

from simulation import Scenario
from simulation.study.arms import parse_arms
from simulation.study.engine import Plan, run_plan
from simulation.study.store import Store


def one(adults: int, days: int, runs: int, workers: int, burn_in: int | None) -> dict:
    reps = max(2, runs // 2)
    base = Scenario().scaled(adults=adults)
    if burn_in is not None:
        base = base.override({"burn_in_days": burn_in})
    plan = Plan(base=base, arms=parse_arms(["whistle_report"]), reps=reps, days=days, window=90)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out = run_plan(plan, Store(tmp), workers=workers)
        wall = time.perf_counter() - t0
    n = len(out.runs)
    return {
        "workers": workers,
        "runs": n,
        "adults": adults,
        "days": days,
        "burn_in_days": base.burn_in_days,
        "wall_s": round(wall, 2),
        "runs_per_minute": round(n / wall * 60, 1),
        # Other work on the machine skews the figures: a 1-minute load above the workers used means sharing.
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adults", type=int, default=3_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=24, help="runs per setting (baseline + arm, so reps = runs / 2)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--burn-in", type=int, default=None, help="burn_in_days (default: the scenario's)")
    args = ap.parse_args()
    results = [one(args.adults, args.days, args.runs, w, args.burn_in) for w in args.workers]
    print(
        json.dumps(
            {"cores": os.cpu_count(), "python": platform.python_version(), "results": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
