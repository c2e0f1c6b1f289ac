"""Speed and memory of the model at three sizes; prints JSON (not a test).

Each size runs in its own process so that peak memory (max resident set
size) belongs to that size alone. Usage::

    python benchmarks/bench_model.py [--sizes 3000 30000 100000] [--days 365] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time


def one(adults: int, days: int, seed: int) -> dict:
    from simulation import CommunityModel, Scenario

    scn = Scenario().scaled(adults=adults)
    t0 = time.perf_counter()
    model = CommunityModel(scenario=scn, rng=seed)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.run_for(days)
    run = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "adults": model.pop.n,
        "communities": model.pop.n_communities,
        "ties": model.network.n_ties,
        "days": days,
        "setup_s": round(setup, 3),
        "run_s": round(run, 3),
        "seconds_per_simulated_year": round(run * 365 / days, 3),
        "total_s_per_year_with_setup": round(setup + run * 365 / days, 3),
        "ns_per_resident_day": round(run / (days * model.pop.n) * 1e9, 1),
        "peak_memory_mb": round(peak_kib / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[3_000, 30_000, 100_000])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.days, args.seed)))
        return
    results = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--days", str(args.days), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout))
        print(f"{n:>7} adults: {results[-1]['total_s_per_year_with_setup']} s/year", file=sys.stderr)
    info = {"python": platform.python_version(), "machine": platform.machine(), "cpus": __import__("os").cpu_count()}
    print(json.dumps({"benchmark": "model", "platform": info, "results": results}, indent=2))


if __name__ == "__main__":
    main()
