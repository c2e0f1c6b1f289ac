"""Write the robustness study: the 14 remedies at parameter vectors the calibration did not rule out.

Each design point pairs one vector of calibrated (C) parameters not ruled
out by history matching (``experiments/calibration/result.json``) with one
draw of every remedy's strength from its plausible range
(``simulation.uncertainty.STRENGTHS``; a Latin hypercube over the strengths).
Every point runs the baseline and the 14 remedies on one seed in three
archetypes, so each remedy's paired effect is known at every point and the
remedies can be ranked point by point (``analyse.py``).

    python experiments/robustness/make_study.py [--points 20]
    govsim study experiments/robustness/study.toml --out experiments/robustness/runs --workers 2
    python experiments/robustness/analyse.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from simulation.interventions import INTERVENTIONS
from simulation.study.arms import Arm
from simulation.study.robust import robust_table

HERE = Path(__file__).resolve().parent
ARCHETYPES = ["baseline", "stranger_community", "three_no_compounds"]
METRICS = ["participation_rate", "governance_participation_rate", "trust_government", "service_satisfaction"]


def points(n: int, seed: int = 11) -> pd.DataFrame:
    """One row per point: a calibrated vector not ruled out and a draw of every remedy's strength."""
    return robust_table([Arm(k, {k: {}}) for k in sorted(INTERVENTIONS)], n, seed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=20, help="parameter vectors (default 20)")
    args = ap.parse_args()
    points(args.points).to_csv(HERE / "points.csv", index=False)
    arms = ", ".join(f'"{k}"' for k in sorted(INTERVENTIONS))
    scenarios = ", ".join(f'"../../scenarios/{a}.toml"' for a in ARCHETYPES)
    metrics = ", ".join(f'"{m}"' for m in METRICS)
    (HERE / "study.toml").write_text(
        f"""# Ranking robustness of the remedies (written by experiments/robustness/make_study.py).
name = "robustness"
scenarios = [{scenarios}]
arms = [{arms}]
reps = 1              # one seed per point: the points replicate each other
days = 180            # after the 365-day burn-in; the election (day 300) is outside
window = 90
seed = 7000           # never used by the calibration or the pattern tests
metrics = [{metrics}]

[design]
kind = "table"
file = "points.csv"   # calibrated vectors not ruled out x strength draws, one row per point
"""
    )
    print(HERE / "study.toml")


if __name__ == "__main__":
    main()
