"""Speed and memory of the model against the idiomatic Mesa reference; prints JSON (not a test).

In one run: nanoseconds per resident-day of the model (the baseline, after a
short warm-up, without burn-in; a day's steady cost, see below) and of the two-rule Mesa reference
(``benchmarks/reference_mesa.py``) at each size, their ratio; optionally the
district figures (``--district``: about 1,000,000 adults, its build and a
whole year, peak memory) and sweep throughput with 1 and 2 workers (``--sweep``, through
``benchmarks/bench_sweep.py``, with its control: as many independent processes running the model
without the study engine, after each sweep, and the engine's share of what they gained); and a
per-phase profile (``--phases``: each phase's share of the day and the share of its time spent in
compiled kernels, the rest being Python and numpy between them).
Each measurement runs in its own process so that peak memory (max resident
set size) is its own. The model and the reference alternate ``--repeat``
times per size and each reports its fastest run (a shared machine's speed
drifts by up to 2x; the fastest run is the least disturbed), with every
run's figure, the paired ratios and their median alongside. The model splits its products over large networks
among threads (``simulation/threads.py``: as many as the cores, or ``GOVSIM_THREADS``; networks of
under 200,000 tie entries, about 30,000 adults, stay on one); each result says how many it could use. The Mesa reference
runs on one. Numba loads each compiled kernel's machine code from its cache at the kernel's first call
(a few milliseconds each, once per process): a throwaway run of 3,000 adults over two months, in the
same process before the timed model is built, makes those first calls (the first consultation falls on
day 25, after the timed model's warm-up), so the timed days measure the day's work; its seconds are
reported as ``first_calls_run_s``. Usage::

    python benchmarks/bench_model.py [--sizes 3000 100000] [--days 60] [--repeat 3] [--district] [--sweep] [--phases]
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def model_one(adults: int, days: int, seed: int, phases: bool) -> dict:
    from simulation import CommunityModel, Scenario, threads
    from simulation.study.runner import load_kernels

    scn = Scenario().scaled(adults=adults).override({"burn_in_days": 0})
    # First calls of every kernel a day can use (numba loads each from its cache then: one-time costs of
    # the process, not of a day), made by a throwaway run covering the calendars (consultations: 30 days).
    t0 = time.perf_counter()
    load_kernels()
    first_calls = time.perf_counter() - t0
    gc.collect()  # (the throwaway model is a reference cycle: freed now, not by a collection while timed)
    t0 = time.perf_counter()
    model = CommunityModel(scenario=scn, rng=seed)
    setup = time.perf_counter() - t0
    model.run_for(min(10, days))  # warm-up: first calendars, caches
    spent: collections.Counter = collections.Counter()
    compiled: collections.Counter = collections.Counter()
    start: dict = {}
    if phases:
        now = [""]  # the stage running

        def watch(stage: str, when: str) -> None:
            if when == "before":
                start[stage], now[0] = time.perf_counter(), stage
            else:
                spent[stage] += time.perf_counter() - start[stage]

        model.observer = watch
        _time_compiled_calls(now, compiled)
    t0 = time.perf_counter()
    model.run_for(days)
    run = time.perf_counter() - t0
    out = {
        "adults": model.pop.n,
        "communities": model.pop.n_communities,
        "ties": model.network.n_ties,
        "days": days,
        "first_calls_run_s": round(first_calls, 3),
        "setup_s": round(setup, 3),
        "seconds_per_simulated_year": round(run * 365 / days, 3),
        "ns_per_resident_day": round(run / (days * model.pop.n) * 1e9, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": threads.threads(),
    }
    if phases:
        out["phase_share"] = {k: round(v / run, 3) for k, v in spent.most_common()}
        out["compiled_share_of_phase"] = {k: round(compiled[k] / v, 2) for k, v in spent.most_common() if v}
        out["compiled_share"] = round(sum(compiled.values()) / run, 3)
    return out


def _time_compiled_calls(now: list, compiled: collections.Counter) -> None:
    """Time every call from Python into a compiled kernel (numba) of the package, by the stage running
    (``now[0]``): each kernel a module holds is replaced there by a timing wrapper. What is left of a
    phase's time is Python and numpy between the kernels."""
    from numba.core.registry import CPUDispatcher

    wrappers: dict = {}

    def timed(kernel):
        if id(kernel) not in wrappers:

            def call(*args, **kwargs):
                t = time.perf_counter()
                try:
                    return kernel(*args, **kwargs)
                finally:
                    compiled[now[0]] += time.perf_counter() - t

            wrappers[id(kernel)] = call
        return wrappers[id(kernel)]

    for name, module in list(sys.modules.items()):
        if name == "simulation" or name.startswith("simulation."):
            for attr, value in list(vars(module).items()):
                if isinstance(value, CPUDispatcher):
                    setattr(module, attr, timed(value))


def reference_one(adults: int, days: int, seed: int) -> dict:
    sys.path.insert(0, str(HERE))
    from reference_mesa import ns_per_resident_day

    return {"adults": adults, "days": days, "ns_per_resident_day": round(ns_per_resident_day(adults, days, seed), 1)}


def district_one(adults: int, days: int, seed: int) -> dict:
    from simulation import CommunityModel, Scenario, threads

    scn = Scenario().scaled(adults=adults).override({"burn_in_days": 0})
    t0 = time.perf_counter()
    model = CommunityModel(scenario=scn, rng=seed)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.run_for(days)
    run = time.perf_counter() - t0
    return {
        "adults": model.pop.n,
        "communities": model.pop.n_communities,
        "build_s": round(build, 1),
        "days": days,
        "run_s": round(run, 1),
        "build_and_year_s": round(build + run * 365 / days, 1),
        "ns_per_resident_day": round(run / (days * model.pop.n) * 1e9, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": threads.threads(),
    }


def in_process(kind: str, *args) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, *map(str, args)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[3_000, 100_000])
    ap.add_argument("--days", type=int, default=60, help="days timed per size (after a 10-day warm-up)")
    ap.add_argument("--reference-days", type=int, default=10, help="days of the Mesa reference per size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of the model and of the reference per size")
    ap.add_argument("--district", action="store_true", help="also build and run about 1,000,000 adults")
    ap.add_argument(
        "--district-days",
        type=int,
        default=365,
        help="days of the district run (default a whole year; fewer are extrapolated to a year, and underestimate it:"
        " the ties grow for the first five months, and a day at month six costs about 1.5x a day of the first month)",
    )
    ap.add_argument("--sweep", action="store_true", help="also sweep throughput with 1 and 2 workers")
    ap.add_argument(
        "--sweep-runs",
        type=int,
        default=48,
        help="runs per sweep (each setting sweeps twice, the settings alternating; the workers' start-up, "
        "about 2 s for the first sweep with several workers in a process and 0.5 s for later ones, weighs more "
        "in shorter sweeps)",
    )
    ap.add_argument(
        "--phases",
        action="store_true",
        help="also the share of each phase in the day and of compiled kernels in each phase (the timers add a"
        " little to these runs' figures)",
    )
    ap.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        kind, *rest = args.one
        if kind == "model":
            print(json.dumps(model_one(int(rest[0]), int(rest[1]), int(rest[2]), rest[3] == "True")))
        elif kind == "reference":
            print(json.dumps(reference_one(int(rest[0]), int(rest[1]), int(rest[2]))))
        else:
            print(json.dumps(district_one(int(rest[0]), int(rest[1]), int(rest[2]))))
        return
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    rows = []
    for n in args.sizes:
        models, refs = [], []
        for _ in range(args.repeat):  # alternating, so that drift touches both alike
            models.append(in_process("model", n, args.days, args.seed, args.phases))
            refs.append(in_process("reference", n, args.reference_days, args.seed))
        model = min(models, key=lambda r: r["ns_per_resident_day"])
        ref = min(refs, key=lambda r: r["ns_per_resident_day"])
        ratio = round(ref["ns_per_resident_day"] / model["ns_per_resident_day"], 2)
        paired = [
            round(r["ns_per_resident_day"] / m["ns_per_resident_day"], 2) for m, r in zip(models, refs, strict=True)
        ]
        median = statistics.median(paired)
        rows.append(
            {
                "model": model,
                "mesa_reference": ref,
                "reference_over_model": ratio,
                "model_ns_each_run": [r["ns_per_resident_day"] for r in models],
                "reference_ns_each_run": [r["ns_per_resident_day"] for r in refs],
                "paired_ratios": paired,
                # Each pair ran minutes apart at most; the fastest runs of each may not have: the median of the
                # pairs is the steadier comparison on a machine whose speed drifts.
                "median_paired_ratio": round(median, 2),
            }
        )
        print(
            f"{n:>9,} adults: model {model['ns_per_resident_day']} ns, Mesa {ref['ns_per_resident_day']} ns, x{ratio}"
            f" (fastest of {args.repeat}; median of the paired ratios x{median:.2f})",
            file=sys.stderr,
        )
    result = {
        "benchmark": "model",
        "platform": {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()},
        "load_average_at_start": os.getloadavg()[0],
        "sizes": rows,
    }
    if args.district:
        result["district"] = in_process("district", 1_000_000, args.district_days, args.seed)
        print(f"district: {result['district']}", file=sys.stderr)
    if args.sweep:
        out = subprocess.run(
            [sys.executable, str(HERE / "bench_sweep.py"), "--workers", "1", "2", "--runs", str(args.sweep_runs)],
            capture_output=True,
            text=True,
        )
        result["sweep"] = sweep = json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr[-500:]}
        if "speedup" in sweep:
            print(
                f"sweep: {sweep['runs_per_minute']} runs per minute by workers, x{sweep['speedup']} "
                f"(steady x{sweep.get('steady_speedup')}); cores busy {sweep.get('cores_busy')}, "
                f"CPU seconds per run {sweep.get('cpu_s_per_run')}; independent processes "
                f"x{sweep.get('independent_speedup')}, the engine's share {sweep.get('engine_share')}",
                file=sys.stderr,
            )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
