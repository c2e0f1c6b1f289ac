"""Does one measured year stand for the whole election cycle? (experiments/calibration/README.md)

The patterns are measured over the year after burn-in that holds the
residents' committee election (day 300). The term is five years. This runs
the baseline for the whole cycle after burn-in (1,825 days, one election)
and compares each year's mean of the ordinary-month patterns (isolation,
the elderly's monthly activity rate, weekly contact) in the election year
with the four years without one.

    python experiments/calibration/cycle_check.py [--seeds 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
METRICS = ["isolated_share", "activity_participation_rate_elderly", "weekly_contact_share"]
SEED0 = 3000  # never used in fitting


def yearly(seed: int) -> dict[str, list[float]]:
    from simulation.model import CommunityModel
    from simulation.scenario import Scenario

    model = CommunityModel(scenario=Scenario(), rng=seed)
    model.run_for(5 * 365)
    df = model.datacollector.get_model_vars_dataframe()
    return {m: [float(df[m].iloc[y * 365 : (y + 1) * 365].mean()) for y in range(5)] for m in METRICS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    seeds = list(range(SEED0, SEED0 + args.seeds))
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = list(pool.map(yearly, seeds))
    out = {"seeds": seeds, "years": {}}
    lines = ["| metric | year 1 (election, day 300) | years 2-5 (no election) | difference |", "|---|---|---|---|"]
    for m in METRICS:
        x = np.array([r[m] for r in runs])  # seeds x years
        first, rest = x[:, 0].mean(), x[:, 1:].mean()
        out["years"][m] = x.mean(axis=0).round(4).tolist()
        lines.append(f"| {m} | {first:.4f} | {rest:.4f} | {first - rest:+.4f} |")
    (HERE / "cycle_check.json").write_text(json.dumps(out, indent=1) + "\n")
    (HERE / "cycle_check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
