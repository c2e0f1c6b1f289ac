"""Paired effects of arms against the baseline, cost per unit of effect, and the ranking of arms.

For replication r the baseline and every arm ran with seed + r, so the
difference of their window means pairs off the shared randomness. Per
(point, arm, metric): both means, the mean paired difference with a 95%
t-interval, Cohen's d on the paired differences (d_z = mean / sd) and the
monthly cost per unit of improvement.

Units of improvement: shares per percentage point (0.01), other 0..1 metrics
(trust, efficacy) per 0.01, counts and days per one unit. The cost per unit is
left blank (NaN) and flagged when the interval includes 0, when the effect
goes the wrong way (harmful), or when the metric declares no direction.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulation.metrics import METRICS, Metric

BASELINE_INDEX = 0
FLAG_CI_ZERO = "CI includes 0"
FLAG_HARMFUL = "harmful"
FLAG_NO_DIRECTION = "no direction"
FLAG_FEW = "fewer than 2 pairs"


def effect_step(metric: Metric) -> tuple[float, str]:
    """The unit an effect is costed per: (size, label)."""
    if metric.unit == "share":
        return 0.01, "percentage point"
    if metric.low == 0 and metric.high == 1:
        return 0.01, "0.01"
    return 1.0, metric.unit


def _paired(d: np.ndarray) -> tuple[int, float, float, float]:
    """n, mean, half-width of the 95% t-interval, d_z of paired differences (NaN dropped)."""
    from scipy import stats  # imported here: scipy.stats adds half a second to every govsim start

    d = d[~np.isnan(d)]
    n = len(d)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n == 1:
        return 1, mean, math.nan, math.nan
    sd = float(d.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if sd > 0 else 0.0
    dz = mean / sd if sd > 0 else (0.0 if mean == 0 else math.nan)
    return n, mean, half, dz


def _cost_and_flag(metric: Metric, n: int, diff: float, lo: float, hi: float, cost: float) -> tuple[float, str]:
    if not metric.better:
        return math.nan, FLAG_NO_DIRECTION
    if n < 2 or math.isnan(lo):
        return math.nan, FLAG_FEW
    if lo <= 0 <= hi:
        return math.nan, FLAG_CI_ZERO
    improvement = diff if metric.better == "higher" else -diff
    if improvement < 0:
        return math.nan, FLAG_HARMFUL
    step, _ = effect_step(metric)
    return cost / (improvement / step), ""


def paired_effects(runs: pd.DataFrame, costs: dict[tuple[int, str], float]) -> pd.DataFrame:
    """Tidy effects, one row per (point, arm, metric) for every arm but the baseline.

    ``runs`` has columns point, arm_index, arm, rep and one per metric;
    ``costs[(point, arm)]`` is the arm's extra monthly cost in yuan.
    """
    metrics = [m for m in METRICS if m in runs.columns]
    rows = []
    for point, at_point in runs.groupby("point", sort=True):
        base = at_point[at_point["arm_index"] == BASELINE_INDEX].set_index("rep").sort_index()
        for (_, arm), a in at_point[at_point["arm_index"] != BASELINE_INDEX].groupby(["arm_index", "arm"], sort=True):
            a = a.set_index("rep").sort_index()
            reps = base.index.intersection(a.index)
            cost = float(costs.get((int(point), arm), math.nan))
            for name in metrics:
                m = METRICS[name]
                b_vals = base.loc[reps, name].to_numpy(float)
                a_vals = a.loc[reps, name].to_numpy(float)
                n, diff, half, dz = _paired(a_vals - b_vals)
                lo, hi = diff - half, diff + half
                per_unit, flag = _cost_and_flag(m, n, diff, lo, hi, cost)
                rows.append(
                    {
                        "point": int(point),
                        "arm": arm,
                        "metric": name,
                        "n": n,
                        "baseline_mean": float(np.nanmean(b_vals)) if np.isfinite(b_vals).any() else math.nan,
                        "arm_mean": float(np.nanmean(a_vals)) if np.isfinite(a_vals).any() else math.nan,
                        "diff": diff,
                        "ci_low": lo,
                        "ci_high": hi,
                        "effect_size": dz,
                        "better": m.better,
                        "monthly_cost": cost,
                        "cost_per_unit": per_unit,
                        "cost_unit": effect_step(m)[1],
                        "flag": flag,
                    }
                )
    return pd.DataFrame(rows)


def ranking(effects: pd.DataFrame, metrics: list[str], point: int = 0) -> pd.DataFrame:
    """One table across arms: for each metric, arms ranked by improvement (best first).

    Improvement is the paired difference signed so that positive is better
    (``Metric.better``); a metric with no direction keeps the arms in their
    order and gets no rank.
    """
    e = effects[(effects["point"] == point) & effects["metric"].isin(metrics)].copy()
    sign = e["better"].map({"higher": 1.0, "lower": -1.0}).fillna(np.nan)
    e["improvement"] = e["diff"] * sign
    out = []
    for name in metrics:
        sub = e[e["metric"] == name]
        if sub.empty:
            continue
        if METRICS[name].better:
            sub = sub.sort_values("improvement", ascending=False, kind="stable", na_position="last")
            sub = sub.assign(rank=range(1, len(sub) + 1))
        else:
            sub = sub.assign(rank=pd.NA)
        out.append(sub)
    cols = [
        "metric",
        "rank",
        "arm",
        "baseline_mean",
        "arm_mean",
        "diff",
        "ci_low",
        "ci_high",
        "effect_size",
        "improvement",
        "monthly_cost",
        "cost_per_unit",
        "cost_unit",
        "flag",
    ]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)
