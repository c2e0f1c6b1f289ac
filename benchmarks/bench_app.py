"""Speed of the trainer's app: simulated days per second per community; prints JSON (not a test).

Measures a paired run (baseline and remedies in lockstep, both communities
advance one day per tick) at a given size, (1) stepping only and (2) stepping
plus everything the app computes for a frame each day: both community
pictures, the five charts and their JSON for the browser. Usage::

    python benchmarks/bench_app.py [--adults 3000] [--days 120] [--scenario scenarios/integrated_package.toml]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adults", type=int, default=3000)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "integrated_package.toml"))
    args = ap.parse_args()

    from simulation import load_scenario
    from simulation.app.components import charts, pictures
    from simulation.app.session import PairedRun

    scn = load_scenario(args.scenario)
    if scn.community.adults != args.adults:
        scn = scn.scaled(adults=args.adults)
    out = {"python": platform.python_version(), "scenario": scn.name, "adults": scn.community.adults}

    run = PairedRun(scn, seed=args.seed)
    t0 = time.perf_counter()
    run.step(args.days)
    step_s = time.perf_counter() - t0

    run = PairedRun(scn, seed=args.seed)
    frame_bytes = 0
    t0 = time.perf_counter()
    for _ in range(args.days):
        run.step(1)
        figs = [*pictures(run, "en", "engaged", False), *charts(run, "en").values()]
        frame_bytes = sum(len(json.dumps(f, separators=(",", ":"), allow_nan=False)) for f in figs)
    frame_s = time.perf_counter() - t0

    out.update(
        {
            "days": args.days,
            "remedies": sorted(run.remedies),
            "days_per_second_stepping_only": round(args.days / step_s, 1),
            "days_per_second_with_every_frame": round(args.days / frame_s, 1),
            "ms_per_frame": round(1000 * frame_s / args.days, 1),
            "frame_kib_json": round(frame_bytes / 1024, 1),
            "note": "per community: both communities advance this many days per second, in lockstep",
        }
    )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
