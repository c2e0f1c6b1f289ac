"""Sensitivity of levels and effects to the design's parameters, with 95% confidence intervals.

Outputs, per design point: the *level* of a metric in an arm (its mean over
replications, the baseline included) and the *effect* of an arm (its mean
paired difference from the baseline). For each (quantity, arm, metric):

- sobol (Saltelli sample): first-order ``S1`` and total ``ST`` indices,
  bootstrap intervals (SALib; Saltelli et al. 2010, Comput. Phys. Commun. 181:259).
- morris: ``mu_star`` with a bootstrap interval, ``mu`` and ``sigma``
  (SALib; Campolongo, Cariboni & Saltelli 2007, Environ. Model. Softw. 22:1509).
- lhs and grid: partial rank correlation coefficients ``prcc`` with Fisher-z
  intervals (Marino et al. 2008, J. Theor. Biol. 254:178).

An output undefined (NaN) at some point, or constant everywhere, gets no indices.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from simulation.study.design import Design, problem

COLUMNS = ["quantity", "arm", "metric", "method", "parameter", "index", "value", "ci_low", "ci_high"]
Z95 = 1.959963984540054


def prcc(x: np.ndarray, y: np.ndarray) -> list[tuple[float, float, float]]:
    """Partial rank correlation of y with each column of x: (r, ci_low, ci_high)."""
    n, k = x.shape
    rx = np.column_stack([stats.rankdata(x[:, j]) for j in range(k)])
    ry = stats.rankdata(y)
    out = []
    for j in range(k):
        others = np.column_stack([np.ones(n), np.delete(rx, j, axis=1)])
        res_x = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        denom = math.sqrt(float(res_x @ res_x) * float(res_y @ res_y))
        r = float(res_x @ res_y) / denom if denom > 0 else math.nan
        dof = n - 3 - (k - 1)
        if dof > 0 and abs(r) < 1:
            z, se = math.atanh(r), 1 / math.sqrt(dof)
            lo, hi = math.tanh(z - Z95 * se), math.tanh(z + Z95 * se)
        elif dof > 0 and abs(r) == 1:  # ranks in perfect order: the interval shrinks to the point
            lo = hi = r
        else:
            lo = hi = math.nan
        out.append((r, lo, hi))
    return out


def _indices(design: Design, x: np.ndarray, y: np.ndarray) -> list[tuple[str, str, float, float, float]]:
    """(parameter, index, value, ci_low, ci_high) for one output vector."""
    names = list(design.parameters)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SALib divides by a zero variance on flat outputs
        if design.method == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(problem(design), y, calc_second_order=False, conf_level=0.95, seed=design.seed)
            for i, name in enumerate(names):
                for idx in ("S1", "ST"):
                    v, c = float(si[idx][i]), float(si[f"{idx}_conf"][i])
                    rows.append((name, idx, v, v - c, v + c))
        elif design.method == "morris":
            from SALib.analyze import morris

            si = morris.analyze(problem(design), x, y, conf_level=0.95, num_levels=design.levels, seed=design.seed)
            for i, name in enumerate(si["names"]):  # the groups' names when the design groups parameters
                v, c = float(si["mu_star"][i]), float(si["mu_star_conf"][i])
                rows.append((name, "mu_star", v, v - c, v + c))
                rows.append((name, "mu", float(si["mu"][i]), math.nan, math.nan))
                rows.append((name, "sigma", float(si["sigma"][i]), math.nan, math.nan))
        else:
            for name, (r, lo, hi) in zip(names, prcc(x, y), strict=True):
                rows.append((name, "prcc", r, lo, hi))
    return rows


def analyse(
    design: Design, points: pd.DataFrame, runs: pd.DataFrame, effects: pd.DataFrame, metrics: list[str]
) -> pd.DataFrame:
    """Sensitivity indices of every arm's levels and effects on ``metrics`` (empty without a design)."""
    if design.method == "none" or points.empty:
        return pd.DataFrame(columns=COLUMNS)
    names = list(design.parameters)
    try:
        x = points.sort_values("point")[names].to_numpy(float)
    except (TypeError, ValueError):  # a grid over non-numeric values has no ranks to correlate
        return pd.DataFrame(columns=COLUMNS)
    n_points = len(points)
    outputs: list[tuple[str, str, str, np.ndarray]] = []
    levels = runs.groupby(["arm", "point"])[metrics].mean()
    for arm in runs.sort_values("arm_index")["arm"].unique():
        lv = levels.loc[arm].reindex(range(n_points))
        for m in metrics:
            outputs.append(("level", arm, m, lv[m].to_numpy(float)))
    arm_effects = effects[effects["metric"].isin(metrics)] if not effects.empty else effects
    for (arm, m), sub in arm_effects.groupby(["arm", "metric"], sort=False) if not arm_effects.empty else ():
        y = sub.set_index("point")["diff"].reindex(range(n_points)).to_numpy(float)
        outputs.append(("effect", arm, m, y))
    rows = []
    method = design.method if design.method in ("sobol", "morris") else "prcc"
    for quantity, arm, m, y in outputs:
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            continue
        for parameter, idx, v, lo, hi in _indices(design, x, y):
            rows.append([quantity, arm, m, method, parameter, idx, v, lo, hi])
    return pd.DataFrame(rows, columns=COLUMNS)
