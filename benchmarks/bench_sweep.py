"""Sweep throughput: runs per minute at 3,000 adults x 365 days with 1 and 2 local workers; prints JSON (not a test).

Each setting runs a comparison (baseline + one arm, paired replications)
through the study engine, so the figure includes process start-up, result
files and compaction. A run's days come after the scenario's burn-in
(``--burn-in``, default the scenario's), which the arms of a replication share.
Usage::

    python benchmarks/bench_sweep.py [--adults 3000] [--days 365] [--runs 96] [--workers 1 2] [--burn-in N]

Each worker process pays its start-up (imports and loading the compiled kernels, about 1.7 s) once
per sweep. In a short sweep that start-up weighs on the gain from a second worker: on a 2-core
machine, 24 runs (about 50 s on one worker) gave 1.45-1.75x, 96 runs 1.9-2.0x. With both 1 and 2
workers, ``speedup`` is the second's runs per minute over the first's.
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
    ap.add_argument("--runs", type=int, default=96, help="runs per setting (baseline + arm, so reps = runs / 2)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--burn-in", type=int, default=None, help="burn_in_days (default: the scenario's)")
    args = ap.parse_args()
    results = [one(args.adults, args.days, args.runs, w, args.burn_in) for w in args.workers]
    out = {"cores": os.cpu_count(), "python": platform.python_version(), "results": results}
    per_minute = {r["workers"]: r["runs_per_minute"] for r in results}
    if 1 in per_minute and 2 in per_minute:
        out["speedup"] = round(per_minute[2] / per_minute[1], 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
