"""Calibrate the baseline's behavioural parameters to the patterns of docs/ODD.md §1.

Search: a seeded Latin hypercube over the free parameters (stage 1), then a
second hypercube in a box of half the width around the best point (stage 2);
each point is scored by the pattern loss (sum of squared misfits in units of
the tolerance) averaged over 2 replications. The best point is verified over
10 replications and written to ``result.json``. Rerun with::

    python experiments/calibration/calibrate.py [--points 120] [--workers 2]

It only reports: copying the fitted values into ``simulation/scenario.py``
and ``scenarios/baseline.toml`` is a deliberate, reviewed step.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy.stats import qmc

from simulation.patterns import PATTERNS, loss, run_patterns, summarise
from simulation.scenario import Scenario

FREE = {
    "governance.vote_base": (-6.0, -2.0),
    "governance.interest_weight": (1.0, 7.0),
    "governance.free_time_weight": (0.0, 4.0),
    "governance.party_weight": (0.0, 1.5),
    "governance.base": (-6.0, -3.0),
    "network.building_ties": (0.3, 3.5),
    "network.meeting_rate": (0.003, 0.05),
    "activities.base": (-9.0, -5.0),
    "activities.free_time_weight": (1.0, 4.0),
    "governance.mobilisation_weight": (0.0, 3.0),
    "population.groups.young.public_affairs_interest": (0.0, 0.2),
    "population.groups.middle.public_affairs_interest": (0.2, 0.5),
}
REPS = 2
SPAWN = multiprocessing.get_context("spawn")


def evaluate(point: dict[str, float], seeds) -> tuple[float, dict]:
    scn = Scenario().override(point, source="calibration")
    summary = summarise(run_patterns(scn, s) for s in seeds)
    means = {k: v["mean"] for k, v in summary.items()}
    return loss(means), means


def _eval(args):
    point, seeds = args
    return evaluate(point, seeds)


def hypercube(lo: np.ndarray, hi: np.ndarray, n: int, seed: int) -> list[dict[str, float]]:
    unit = qmc.LatinHypercube(d=len(FREE), seed=seed).random(n)
    values = lo + unit * (hi - lo)
    return [dict(zip(FREE, (round(float(v), 4) for v in row), strict=True)) for row in values]


def search(points: list[dict], workers: int, label: str) -> list[tuple[float, dict, dict]]:
    seeds = list(range(1000, 1000 + REPS))
    out = []
    t0 = time.time()
    with ProcessPoolExecutor(max_workers=workers, mp_context=SPAWN) as pool:
        for i, (point, (score, means)) in enumerate(
            zip(points, pool.map(_eval, [(p, seeds) for p in points]), strict=True), 1
        ):
            out.append((score, point, means))
            if i % 10 == 0 or i == len(points):
                best = min(out, key=lambda r: r[0])[0]
                print(
                    f"{label}: {i}/{len(points)} points, best loss {best:.3f}, {time.time() - t0:.0f}s", file=sys.stderr
                )
    return sorted(out, key=lambda r: r[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=120, help="points per stage (result.json: 120)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--verify-reps", type=int, default=10)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("result.json"))
    args = ap.parse_args()

    lo = np.array([b[0] for b in FREE.values()])
    hi = np.array([b[1] for b in FREE.values()])
    stage1 = search(hypercube(lo, hi, args.points, seed=2026), args.workers, "stage 1")
    best = np.array([stage1[0][1][k] for k in FREE])
    width = (hi - lo) / 4
    lo2, hi2 = np.maximum(lo, best - width), np.minimum(hi, best + width)
    stage2 = search(hypercube(lo2, hi2, args.points, seed=2027), args.workers, "stage 2")
    score, point, _ = min(stage1[:1] + stage2[:1], key=lambda r: r[0])

    seeds = list(range(args.verify_reps))
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=SPAWN) as pool:
        runs = list(pool.map(run_patterns, [Scenario().override(point)] * len(seeds), seeds))
    verified = summarise(runs)
    result = {
        "search": {
            "method": "Latin hypercube (scipy.stats.qmc, seeds 2026 and 2027), two stages, "
            f"{args.points} points each, {REPS} replications per point (seeds 1000-{999 + REPS})",
            "free_parameters": {k: list(v) for k, v in FREE.items()},
            "stage2_box": {k: [float(a), float(b)] for k, a, b in zip(FREE, lo2, hi2, strict=True)},
        },
        "best_loss_in_search": score,
        "fitted": point,
        "verified": {
            "reps": len(seeds),
            "seeds": seeds,
            "patterns": verified,
            "loss": loss({k: v["mean"] for k, v in verified.items()}),
        },
        "top5_stage1": [{"loss": s, "point": p} for s, p, _ in stage1[:5]],
    }
    args.out.write_text(json.dumps(result, indent=2))
    for p in PATTERNS:
        v = verified[p.name]
        print(
            f"{p.name:28s} target {p.target:.3f} ± {p.tolerance:.2f}   fitted {v['mean']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}]"
        )
    print(json.dumps(point, indent=2))


if __name__ == "__main__":
    main()
