"""Effects with a band for what we assumed: ``govsim compare --robust N``.

The seed-paired confidence interval of an effect says how sure we are of it
*given* the parameters. The robust band adds the parameters we are unsure
of: the comparison is rerun at ``N`` points, each a calibrated vector not
ruled out by history matching (docs/ODD.md §8) with a draw of every strength
the arms leave unset from its plausible range (``simulation.uncertainty``),
one seed per point. The band is the 5th-95th percentile of the effect over
the points; ``share_positive`` is how often the effect is above zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import qmc

from simulation.scenario import Scenario
from simulation.study.arms import Arm
from simulation.study.design import Design
from simulation.study.engine import Plan
from simulation.uncertainty import nroy_vectors, strength_ranges

SEED_OFFSET = 100_000  # the robust points' seeds never coincide with the comparison's replications


def robust_table(arms: list[Arm], n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` points, one row each: (C) vectors not ruled out, and strength draws for the arms' unset parameters."""
    vectors = nroy_vectors()
    if not vectors:
        raise ValueError("the calibration ruled out every parameter vector: nothing to carry forward")
    rng = np.random.default_rng(seed)
    if n <= len(vectors):  # distinct vectors, in the calibration's order
        pick = np.sort(rng.choice(len(vectors), size=n, replace=False))
    else:
        pick = rng.choice(len(vectors), size=n, replace=True)
    columns: dict[str, list[float]] = {k: [vectors[i][k] for i in pick] for k in vectors[0]}
    free = []
    for key in sorted({k for a in arms for k in a.interventions}):
        given = set().union(*(a.interventions.get(key, {}).keys() for a in arms))
        free += [(key, p, lo, hi) for p, (lo, hi) in strength_ranges(key).items() if p not in given]
    if free:
        unit = qmc.LatinHypercube(d=len(free), rng=np.random.default_rng(seed + 1)).random(n)
        for j, (key, p, lo, hi) in enumerate(free):
            columns[f"interventions.{key}.{p}"] = [round(float(v), 4) for v in lo + unit[:, j] * (hi - lo)]
    return pd.DataFrame(columns)


def robust_design(arms: list[Arm], n: int, seed: int = 0) -> Design:
    """``robust_table`` as a table design."""
    table = robust_table(arms, n, seed)
    return Design(method="table", parameters={k: {"values": table[k].tolist()} for k in table.columns})


def robust_plan(base: Scenario, arms: list[Arm], n: int, days: int, window: int, seed: int, metrics: list[str]) -> Plan:
    return Plan(
        base=base,
        arms=arms,
        reps=1,
        days=days,
        window=window,
        seed=seed + SEED_OFFSET,
        metrics=metrics,
        design=robust_design(arms, n, seed),
        source="--robust",
    )


def bands(effects: pd.DataFrame) -> pd.DataFrame:
    """Per (arm, metric) over the robust points: the 5th, 50th and 95th percentile and the share above zero."""
    g = effects.groupby(["arm", "metric"], sort=False)["diff"]
    return pd.DataFrame(
        {
            "band_low": g.quantile(0.05),
            "band_median": g.median(),
            "band_high": g.quantile(0.95),
            "share_positive": g.apply(lambda d: float((d > 0).mean())),
            "points": g.count(),
        }
    ).reset_index()
