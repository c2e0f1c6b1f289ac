"""The observed patterns the baseline must reproduce (docs/ODD.md §1), and how they are measured.

Pattern-oriented modelling (Grimm et al. 2005): each pattern is a target with
a tolerance, measured on the quantity the data measure from a standard
365-day baseline run after its burn-in: turnout ratios at the run's
residents' committee election (day 300), isolation and the elderly's monthly
activity rate as means over the last 90 days (ordinary months).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from simulation.scenario import Scenario


@dataclass(frozen=True)
class Pattern:
    name: str
    target: float
    tolerance: float
    source: str
    description: str


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "turnout_young_over_elderly",
        0.18,
        0.08,
        "SUNS 2017: committee-election turnout 13.8% (18-29) vs 77.7% (70-79)",
        "turnout_young / turnout_elderly at the election of the run",
    ),
    Pattern(
        "turnout_middle_over_elderly",
        0.72,
        0.15,
        "SUNS 2017: turnout 55.7% (50-59) vs 77.7% (70-79)",
        "turnout_middle / turnout_elderly at the election of the run",
    ),
    Pattern(
        "turnout_party_over_nonparty",
        1.35,
        0.20,
        "SUNS 2017: turnout 65.1% (members) vs 48.4%",
        "turnout_party / turnout_nonparty at the election of the run",
    ),
    Pattern(
        "isolated_share", 0.275, 0.08, "SUNS 2017: 27.5% almost never talk with or visit neighbours", "isolated_share"
    ),
    Pattern(
        "activity_participation_rate_elderly",
        0.56,
        0.10,
        "CHARLS 2020: 56.2% of people 60+ took part in a social activity last month",
        "activity_participation_rate_elderly (activities only, 30 days)",
    ),
)
WINDOW = 90


def pattern_values(df) -> dict[str, float]:
    """The pattern measures of one run, from its daily metrics (a DataFrame).

    Turnout ratios are read on the last day (the run must contain an election);
    isolation and the elderly's activity rate are means of the last 90 days.
    """
    last = df.iloc[-1]
    tail = df.tail(WINDOW)
    if np.isnan(last["turnout"]):
        raise ValueError("pattern_values: the run holds no residents' committee election (turnout is NaN)")
    return {
        "turnout_young_over_elderly": float(last["turnout_young"] / last["turnout_elderly"]),
        "turnout_middle_over_elderly": float(last["turnout_middle"] / last["turnout_elderly"]),
        "turnout_party_over_nonparty": float(last["turnout_party"] / last["turnout_nonparty"]),
        "isolated_share": float(tail["isolated_share"].mean()),
        "activity_participation_rate_elderly": float(tail["activity_participation_rate_elderly"].mean()),
    }


def run_patterns(scn: Scenario, seed: int, days: int = 365) -> dict[str, float]:
    from simulation.model import CommunityModel

    model = CommunityModel(scenario=scn, rng=seed)
    model.run_for(days)
    return pattern_values(model.datacollector.get_model_vars_dataframe())


def summarise(values: Iterable[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean and 95% t-interval of each pattern over replications."""
    from scipy import stats

    rows = list(values)
    out = {}
    for p in PATTERNS:
        x = np.array([r[p.name] for r in rows], float)
        half = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")
        out[p.name] = {
            "mean": float(x.mean()),
            "ci_low": float(x.mean() - half),
            "ci_high": float(x.mean() + half),
            "target": p.target,
            "tolerance": p.tolerance,
        }
    return out


def loss(means: dict[str, float]) -> float:
    """Sum of squared misfits in units of the tolerance (0 = every target met exactly)."""
    return float(sum(((means[p.name] - p.target) / p.tolerance) ** 2 for p in PATTERNS))
