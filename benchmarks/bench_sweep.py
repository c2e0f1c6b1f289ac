"""Sweep throughput: runs per minute at 3,000 adults x 365 days with 1 and 2 local workers; prints JSON (not a test).

Each setting runs a comparison (baseline + one arm, paired replications)
through the study engine, so the figure includes process start-up, result
files and compaction. A run's days come after the scenario's burn-in
(``--burn-in``, default the scenario's), which the arms of a replication share.
Usage::

    python benchmarks/bench_sweep.py [--adults 3000] [--days 365] [--runs 48] [--rounds 2] [--workers 1 2] [--burn-in N]
        [--control-runs 6]

The speed of a shared virtual machine drifts by 10-20% over minutes, more than a second worker's
loss, so the settings alternate in rounds (1, 2 workers, then 2, 1, ...: drift that is steady over
the rounds cancels) and each setting's runs per minute is its runs over its time summed over the
rounds. ``speedup`` is 2 workers' runs per minute over 1 worker's; ``steady_speedup`` the same from each
sweep's first finished run to its last, without the start-up. One worker runs in this process. Several
workers are forked from a fork server that imports the package and loads the compiled kernels once per
process (about 2 s, paid by the first sweep with several workers, whose driver runs one short group
meanwhile; later sweeps in the process reuse it), so a worker starts its first run with them loaded.

Where a second worker gains less than 2x, the machine's CPU time tells idle cores from slower ones
(Linux's ``/proc/stat``, over the whole machine): ``cores_busy`` is the CPU seconds used per second of
each sweep, and ``cpu_s_per_run`` the CPU seconds used per run. Two busy cores whose runs each took more
CPU time than one worker's ran slower per core (they share caches, memory and, on a virtual machine, the
host), not idle; ``cpu_per_run_ratio`` is 2 workers' CPU seconds per run over 1 worker's.

What the machine itself gives two processes moves too (1.5-2.1x within minutes on a shared virtual
machine), so after each sweep the same number of independent processes, without the study engine, run
the same model (``--control-runs`` whole runs each: burn-in and days, no results written), started
together once each has loaded the kernels. Their runs per minute is the sum of each process's own
(a process that ends first leaves the other alone at the end, which flatters the control a little).
``independent_speedup`` is that figure's 2-over-1 ratio: what any way of running the model in two
processes got from the machine at that moment. ``engine_share`` is ``speedup`` over it: the share of that
gain the study engine delivered (1.0: all of it; start-up included).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

from simulation import CommunityModel, Scenario, threads
from simulation.study.arms import parse_arms
from simulation.study.engine import Plan, run_plan
from simulation.study.store import Store


def cpu_seconds() -> tuple[float, float] | None:
    """CPU seconds the machine's cores have been busy and stolen by the host (``/proc/stat``), or None
    where there is no such file."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting for I/O
    steal = fields[7] if len(fields) > 7 else 0
    # Guest time is already counted in user time: the first eight fields are the whole.
    return (sum(fields[:8]) - idle - steal) / tick, steal / tick


def _base(adults: int, burn_in: int | None) -> Scenario:
    base = Scenario().scaled(adults=adults)
    return base if burn_in is None else base.override({"burn_in_days": burn_in})


def one(adults: int, days: int, runs: int, workers: int, burn_in: int | None) -> dict:
    reps = max(2, runs // 2)
    base = _base(adults, burn_in)
    plan = Plan(base=base, arms=parse_arms(["whistle_report"]), reps=reps, days=days, window=90)
    load_before = os.getloadavg()[0]
    stamps: list[float] = []  # when each run finished

    def progress(done: int, total: int) -> None:
        if done:
            stamps.append(time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp:
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        out = run_plan(plan, Store(tmp), workers=workers, progress=progress)
        wall = time.perf_counter() - t0
        cpu1 = cpu_seconds()
    n = len(out.runs)
    busy, stolen = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]) if cpu0 and cpu1 else (None, None)
    return {
        "workers": workers,
        "runs": n,
        "adults": adults,
        "days": days,
        "burn_in_days": base.burn_in_days,
        "wall_s": round(wall, 2),
        "runs_per_minute": round(n / wall * 60, 1),
        # Start-up (worker processes, the first run) and the pace once the workers run: runs per minute from
        # the first finished run to the last.
        "first_run_done_s": round(stamps[0] - t0, 2) if stamps else None,
        "steady_runs_per_minute": (
            round((len(stamps) - 1) / (stamps[-1] - stamps[0]) * 60, 1) if len(stamps) > 1 else None
        ),
        # Other work on the machine skews the figures: a 1-minute load above the workers used means sharing.
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        # The machine's CPU time over the sweep (all processes): cores kept busy, and CPU seconds per run.
        "cpu_s": None if busy is None else round(busy, 2),
        "cores_busy": None if busy is None else round(busy / wall, 2),
        "cpu_s_per_run": None if busy is None else round(busy / n, 3),
        "stolen_s": None if stolen is None else round(stolen, 2),
    }


def independent(adults: int, days: int, burn_in: int | None, processes: int, runs_each: int) -> dict:
    """``processes`` processes, started together once each has loaded the kernels, each running the model
    ``runs_each`` times (whole runs, no results written): their runs per minute, the sum of each one's."""
    command = [sys.executable, os.path.abspath(__file__), "--control-child", str(runs_each)]
    command += ["--adults", str(adults), "--days", str(days)]
    command += [] if burn_in is None else ["--burn-in", str(burn_in)]
    # Each process with its share of the cores, as a sweep's workers have (``simulation/threads.py``).
    env = {**os.environ, "GOVSIM_THREADS": str(max(1, threads.threads() // processes))}
    children = [
        subprocess.Popen(
            [*command, "--seed", str(1000 * k)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        for k in range(processes)
    ]
    try:
        for child in children:
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a control process failed to start (exit code {child.wait()})")
        for child in children:  # all loaded: start them together
            child.stdin.write("go\n")
            child.stdin.flush()
        done = [json.loads(child.stdout.readline()) for child in children]
        for child in children:
            child.wait(timeout=60)
    except BaseException:  # (Ctrl-C included) no control process is left waiting for "go"
        for child in children:
            child.kill()
        raise
    return {
        "processes": processes,
        "runs_each": runs_each,
        "wall_s": [d["wall_s"] for d in done],
        "cpu_s": [d["cpu_s"] for d in done],
        "runs_per_minute": round(sum(runs_each / d["wall_s"] for d in done) * 60, 1),
    }


def _control_child(adults: int, days: int, burn_in: int | None, runs: int, seed: int) -> None:
    """One control process: load the kernels, say "ready", wait for "go", run, print wall and CPU seconds."""
    from simulation.study.runner import load_kernels

    load_kernels()
    base = _base(adults, burn_in)
    print("ready", flush=True)
    sys.stdin.readline()
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(runs):
        CommunityModel(scenario=base, rng=seed + k).run_days(days)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adults", type=int, default=3_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=48, help="runs per sweep (baseline + arm, so reps = runs / 2)")
    ap.add_argument("--rounds", type=int, default=2, help="sweeps per setting, the settings' order alternating")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--burn-in", type=int, default=None, help="burn_in_days (default: the scenario's)")
    ap.add_argument(
        "--control-runs",
        type=int,
        default=6,
        help="whole runs per independent process after each sweep (0: no control)",
    )
    ap.add_argument("--control-child", type=int, default=None, help=argparse.SUPPRESS)  # a control process's runs
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.control_child is not None:
        _control_child(args.adults, args.days, args.burn_in, args.control_child, args.seed)
        return
    if args.runs < 2 or args.rounds < 1 or min(args.workers) < 1 or args.control_runs < 0:
        ap.error("--runs must be at least 2, --rounds and --workers at least 1, --control-runs at least 0")
    results, controls = [], []
    for r in range(args.rounds):
        for w in args.workers if r % 2 == 0 else args.workers[::-1]:
            results.append(one(args.adults, args.days, args.runs, w, args.burn_in))
            line = f"{w} worker(s): {results[-1]['runs_per_minute']} runs per minute"
            if args.control_runs:
                controls.append(independent(args.adults, args.days, args.burn_in, w, args.control_runs))
                line += f"; {w} independent process(es): {controls[-1]['runs_per_minute']}"
            print(line, file=sys.stderr)
    per_minute = {}
    for w in args.workers:
        mine = [r for r in results if r["workers"] == w]
        per_minute[w] = round(sum(r["runs"] for r in mine) / sum(r["wall_s"] for r in mine) * 60, 1)
    out = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "runs_per_minute": per_minute,
        "sweeps": results,
    }
    steady = {}
    for w in args.workers:
        rates = [r["steady_runs_per_minute"] for r in results if r["workers"] == w and r["steady_runs_per_minute"]]
        if rates:
            steady[w] = round(sum(rates) / len(rates), 1)
    out["steady_runs_per_minute"] = steady
    per_run, busy_cores = {}, {}
    for w in args.workers:
        mine = [r for r in results if r["workers"] == w and r["cpu_s"] is not None]
        if mine:
            per_run[w] = round(sum(r["cpu_s"] for r in mine) / sum(r["runs"] for r in mine), 3)
            busy_cores[w] = round(sum(r["cpu_s"] for r in mine) / sum(r["wall_s"] for r in mine), 2)
    if per_run:
        out["cpu_s_per_run"], out["cores_busy"] = per_run, busy_cores
    if 1 in per_run and 2 in per_run:
        out["cpu_per_run_ratio"] = round(per_run[2] / per_run[1], 2)
    if 1 in per_minute and 2 in per_minute:
        out["speedup"] = round(per_minute[2] / per_minute[1], 2)
    if 1 in steady and 2 in steady:
        out["steady_speedup"] = round(steady[2] / steady[1], 2)
    if controls:
        independent_rate = {}  # by processes: the controls' mean runs per minute
        for w in args.workers:
            rates = [c["runs_per_minute"] for c in controls if c["processes"] == w]
            independent_rate[w] = round(sum(rates) / len(rates), 1)
        out["independent_runs_per_minute"] = independent_rate
        out["controls"] = controls
        if 1 in independent_rate and 2 in independent_rate:
            out["independent_speedup"] = round(independent_rate[2] / independent_rate[1], 2)
            if "speedup" in out:
                out["engine_share"] = round(out["speedup"] / out["independent_speedup"], 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
