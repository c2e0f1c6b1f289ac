"""Write the sensitivity studies of the remedies' effects (experiments/sensitivity/README.md).

``morris/study.toml``: Morris screening (Campolongo, Cariboni & Saltelli 2007)
over every uncertain input, moved in groups (``simulation.uncertainty``): the
assumed (A) mechanism parameters by mechanism, the calibrated (C) ones by the
patterns that pin them, and each remedy's strength parameters as one group.
Every design point runs the baseline and the 14 remedies on one seed (a
screening design: the points replicate each other), so every remedy's
paired effect is measured at every point.

    python experiments/sensitivity/make_studies.py [--trajectories 5]
    govsim study experiments/sensitivity/morris/study.toml --out experiments/sensitivity/morris/runs --workers 2
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulation.interventions import INTERVENTIONS
from simulation.scenario import Scenario
from simulation.uncertainty import model_factors, strength_ranges

HERE = Path(__file__).resolve().parent
METRICS = [
    "participation_rate",
    "activity_participation_rate",
    "governance_participation_rate",
    "trust_community",
    "trust_government",
    "service_satisfaction",
]
DAYS, WINDOW = 180, 90  # after the burn-in; the election (day 300) is outside: effects in ordinary months


def parameter_lines(scn: Scenario) -> list[str]:
    lines = []
    for name, (group, (lo, hi)) in model_factors(scn).items():
        lines.append(f'"{name}" = {{ low = {lo:.6g}, high = {hi:.6g}, group = "{group}" }}')
    for key in sorted(INTERVENTIONS):
        for param, (lo, hi) in strength_ranges(key).items():
            lines.append(
                f'"interventions.{key}.{param}" = {{ low = {lo:.6g}, high = {hi:.6g}, group = "strength: {key}" }}'
            )
    return lines


def morris_study(trajectories: int) -> str:
    arms = ", ".join(f'"{k}"' for k in sorted(INTERVENTIONS))
    metrics = ", ".join(f'"{m}"' for m in METRICS)
    params = "\n".join(parameter_lines(Scenario()))
    return f"""# Morris screening of the remedies' effects (written by experiments/sensitivity/make_studies.py).
name = "sensitivity-morris"
scenarios = ["../../../scenarios/baseline.toml"]
arms = [{arms}]
reps = 1              # one seed per point: Morris points replicate each other
days = {DAYS}            # after the 365-day burn-in
window = {WINDOW}
seed = 4000           # never used by the calibration (1000-1001) or the pattern tests (100-109)
metrics = [{metrics}]

[design]
kind = "morris"
samples = {trajectories}           # trajectories, each of (groups + 1) points
levels = 4
seed = 7

[design.parameters]
{params}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trajectories", type=int, default=5)
    args = ap.parse_args()
    out = HERE / "morris" / "study.toml"
    out.parent.mkdir(exist_ok=True)
    out.write_text(morris_study(args.trajectories))
    print(out)


if __name__ == "__main__":
    main()
