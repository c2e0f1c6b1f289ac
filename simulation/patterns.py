"""The observed patterns the baseline must reproduce (docs/ODD.md §1), and how they are measured.

Pattern-oriented modelling (Grimm et al. 2005): each pattern is a published
figure, a model metric measured on the same quantity, and a tolerance. The
``fit`` patterns are what the calibration (docs/ODD.md §8) matches; the
``holdout`` patterns are never used in fitting and are reported separately,
as a test of the fitted model on data it has not seen.

Measurement window: one year after the burn-in, holding the residents'
committee election (day 300). Turnouts are read at that election; every
other pattern is the mean of the year's daily values. The model's age groups
are 18-39, 40-59 and 60+; SUNS 2017 reports turnout for 18-29, 50-59 and
70-79. The nearest band stands for each group, and the tolerance is widened
for the mismatch (turnout rises with age, so the model's young group should
lie a little above 13.8% and its elderly group a little below 77.7%).

A pattern's tolerance is read as three standard deviations of the
discrepancy between model and data (sampling error of the survey, the age
bands, the survey's wording): history matching (Vernon et al. 2010) rules a
parameter vector out when some fitted pattern's implausibility,
``|mean - target| / sqrt((tolerance / 3)^2 + var_of_mean)``, exceeds 3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from simulation.scenario import Scenario

FIT, HOLDOUT = "fit", "holdout"
MEASURE_DAYS = 365  # days measured after the burn-in; the election of day 300 lies inside
CUTOFF = 3.0  # implausibility above which a parameter vector is ruled out


@dataclass(frozen=True)
class Pattern:
    name: str  # the metric of simulation.metrics it is measured on
    target: float  # the published figure, as a share
    tolerance: float  # three standard deviations of the model-data discrepancy
    role: str  # FIT or HOLDOUT
    source: str
    description: str


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "turnout_young",
        0.138,
        0.10,
        FIT,
        "SUNS 2017: residents'-committee election turnout 13.8% at ages 18-29",
        "turnout of adults 18-39 at the election of the measured year",
    ),
    Pattern(
        "turnout_elderly",
        0.777,
        0.12,
        FIT,
        "SUNS 2017: turnout 77.7% at ages 70-79",
        "turnout of adults 60+ at the election",
    ),
    Pattern(
        "turnout_party",
        0.651,
        0.10,
        FIT,
        "SUNS 2017: turnout 65.1% of Party members",
        "turnout of Party members at the election",
    ),
    Pattern(
        "turnout_nonparty",
        0.484,
        0.10,
        FIT,
        "SUNS 2017: turnout 48.4% of non-members",
        "turnout of non-members at the election",
    ),
    Pattern(
        "isolated_share",
        0.275,
        0.08,
        FIT,
        "SUNS 2017: 27.5% almost never talk with or visit neighbours",
        "adults with no tie outside the household, mean of the year",
    ),
    Pattern(
        "activity_participation_rate_elderly",
        0.562,
        0.10,
        FIT,
        "CHARLS 2020: 56.2% of people 60+ took part in a social activity in the last month",
        "adults 60+ who attended a community activity in the last 30 days, mean of the year",
    ),
    Pattern(
        "turnout_middle",
        0.557,
        0.12,
        HOLDOUT,
        "SUNS 2017: turnout 55.7% at ages 50-59",
        "turnout of adults 40-59 at the election (the shape of the age gradient between the fitted ends)",
    ),
    Pattern(
        "weekly_contact_share",
        0.57,
        0.10,
        HOLDOUT,
        "SUNS 2017: about 57% talk with or visit neighbours at least weekly",
        "adults with a chat or co-attendance outside the household in the last 7 days, mean of the year",
    ),
)
FITTED = tuple(p for p in PATTERNS if p.role == FIT)
HELD_OUT = tuple(p for p in PATTERNS if p.role == HOLDOUT)


def pattern_scenario(scn: Scenario) -> Scenario:
    """``scn`` measured as the patterns need: one year after the burn-in, with the election inside it."""
    g = scn.governance
    if not (g.election_day >= 1 and g.election_day <= MEASURE_DAYS):
        scn = scn.override({"governance.election_day": 300}, source="patterns")
    return scn


def pattern_values(row: Mapping[str, float]) -> dict[str, float]:
    """The pattern measures of one run from its year means (``simulation.study.runner.window_means``).

    The turnout metrics are NaN before the first election and constant after
    it, so their year mean is the value at the election.
    """
    out = {p.name: float(row[p.name]) for p in PATTERNS}
    if np.isnan(out["turnout_young"]):
        raise ValueError("pattern_values: the measured year holds no residents' committee election (turnout is NaN)")
    return out


def run_patterns(scn: Scenario, seed: int) -> dict[str, float]:
    """Simulate ``scn`` (burn-in, then the measured year) with ``seed``; its pattern measures."""
    from simulation.model import CommunityModel
    from simulation.study.runner import window_means

    model = CommunityModel(scenario=pattern_scenario(scn), rng=seed)
    model.run_for(MEASURE_DAYS)
    return pattern_values(window_means(model.datacollector.get_model_vars_dataframe(), MEASURE_DAYS))


def summarise(values: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Per pattern over replications: mean, its 95% t-interval, variance of the mean, target and tolerance."""
    from scipy import stats

    rows = list(values)
    out = {}
    for p in PATTERNS:
        x = np.array([r[p.name] for r in rows], float)
        n = len(x)
        var_mean = float(x.var(ddof=1) / n) if n > 1 else 0.0
        half = float(stats.t.ppf(0.975, n - 1) * np.sqrt(var_mean)) if n > 1 else float("nan")
        out[p.name] = {
            "mean": float(x.mean()),
            "ci_low": float(x.mean() - half),
            "ci_high": float(x.mean() + half),
            "var_mean": var_mean,
            "target": p.target,
            "tolerance": p.tolerance,
            "role": p.role,
            "implausibility": implausibility(p, float(x.mean()), var_mean),
        }
    return out


def implausibility(p: Pattern, mean: float, var_mean: float = 0.0) -> float:
    """Distance of a simulated mean from the target in standard deviations of discrepancy plus simulation noise."""
    return float(abs(mean - p.target) / np.sqrt((p.tolerance / CUTOFF) ** 2 + var_mean))


def max_implausibility(summary: Mapping[str, Mapping[str, float]], patterns=FITTED) -> float:
    return max(summary[p.name]["implausibility"] for p in patterns)


def loss(means: Mapping[str, float], patterns=FITTED) -> float:
    """Sum of squared misfits in units of the tolerance (0 = every target met exactly)."""
    return float(sum(((means[p.name] - p.target) / p.tolerance) ** 2 for p in patterns))
