"""Paired comparison of intervention arms against the baseline (common random numbers).

For replication r, the baseline and every arm run with the same seed, so they
share every draw of the decisions they have in common; the paired difference
of a metric's mean over the last ``window`` days measures the arm, not noise.
Reported per (arm, metric): both means, the mean paired difference with a
95% t-interval, Cohen's d on the paired differences (d_z), and the monthly
cost per unit of effect.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
from scipy import stats

from simulation.interventions import INTERVENTIONS
from simulation.metrics import METRICS
from simulation.scenario import Scenario, ScenarioError

STAFF_HOUR_YUAN = 40.0  # assumption: cost of one staff hour (yuan), to put staff time and money on one scale
WINDOW_DAYS = 90


def arm_scenario(base: Scenario, arm: str) -> Scenario:
    """The base scenario with an arm's interventions (``"a+b"``) switched on."""
    keys = [k.strip() for k in arm.split("+") if k.strip()]
    if not keys:
        raise ScenarioError(f"--intervention {arm!r}: empty arm")
    return base.with_interventions(*keys)


def arm_cost(arm: str, communities: int, staff_hour_cost: float = STAFF_HOUR_YUAN) -> float:
    """Monthly cost of an arm in yuan: (money + staff hours x hour cost) per community, all communities."""
    total = 0.0
    for key in arm.split("+"):
        c = INTERVENTIONS[key.strip()].cost()
        total += c["money"] + c["staff_hours"] * staff_hour_cost
    return total * communities


def run_summary(scenario: Scenario, seed: int, days: int, window: int = WINDOW_DAYS) -> dict[str, float]:
    """One run; each metric's mean over the last ``window`` days (NaN days skipped)."""
    from simulation.model import CommunityModel

    model = CommunityModel(scenario=scenario, rng=seed)
    model.run_for(days)
    df = model.datacollector.get_model_vars_dataframe().tail(window)
    return {
        name: float(np.nanmean(df[name].to_numpy(float))) if df[name].notna().any() else float("nan")
        for name in METRICS
    }


def _job(args):
    arm, rep, scenario, seed, days, window = args
    return arm, rep, run_summary(scenario, seed, days, window)


def paired_effects(
    runs: pd.DataFrame, arms: Sequence[str], communities: int, staff_hour_cost: float = STAFF_HOUR_YUAN
) -> pd.DataFrame:
    """Tidy effects table from per-run summaries (columns: arm, rep, and one per metric)."""
    base = runs[runs["arm"] == "baseline"].set_index("rep").sort_index()
    rows = []
    for arm in arms:
        a = runs[runs["arm"] == arm].set_index("rep").sort_index()
        reps = base.index.intersection(a.index)
        cost = arm_cost(arm, communities, staff_hour_cost)
        for name in METRICS:
            d = (a.loc[reps, name] - base.loc[reps, name]).to_numpy(float)
            d = d[~np.isnan(d)]
            n = len(d)
            mean = float(d.mean()) if n else float("nan")
            sd = float(d.std(ddof=1)) if n > 1 else float("nan")
            half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else float("nan")
            if n > 1 and sd == 0:
                half = 0.0
            effect = mean / sd if n > 1 and sd > 0 else (0.0 if n > 1 and mean == 0 else float("nan"))
            rows.append(
                {
                    "arm": arm,
                    "metric": name,
                    "n": n,
                    "baseline_mean": float(np.nanmean(base.loc[reps, name])) if len(reps) else float("nan"),
                    "arm_mean": float(np.nanmean(a.loc[reps, name])) if len(reps) else float("nan"),
                    "diff": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "effect_size": effect,
                    "monthly_cost": cost,
                    "cost_per_unit": cost / abs(mean) if n and mean != 0 else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def compare(
    scenario: Scenario,
    interventions: Sequence[str],
    reps: int = 20,
    days: int = 365,
    workers: int = 1,
    seed: int = 0,
    window: int = WINDOW_DAYS,
    progress: Callable[[int, int], None] | None = None,
    staff_hour_cost: float = STAFF_HOUR_YUAN,
) -> pd.DataFrame:
    """Paired baseline-vs-arm runs; one row per (arm, metric). Seeds are ``seed + r``.

    ``progress(done, total)`` is called after each run. ``workers > 1`` runs
    local processes in parallel.
    """
    if reps < 2:
        raise ScenarioError(f"reps: need at least 2 replications for an interval (got {reps})")
    if days < window:
        window = days
    arms = list(dict.fromkeys(interventions))
    scenarios = {"baseline": scenario} | {arm: arm_scenario(scenario, arm) for arm in arms}
    jobs = [(arm, r, scn, seed + r, days, window) for r in range(reps) for arm, scn in scenarios.items()]
    results = []
    if workers <= 1:
        for i, job in enumerate(jobs, 1):
            results.append(_job(job))
            if progress:
                progress(i, len(jobs))
    else:
        # Spawned workers: forking a process that holds threads (BLAS, rich) may deadlock.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_job, job) for job in jobs]
            for i, fut in enumerate(as_completed(futures), 1):
                results.append(fut.result())
                if progress:
                    progress(i, len(jobs))
    runs = pd.DataFrame([{"arm": arm, "rep": rep, **summary} for arm, rep, summary in results])
    return paired_effects(runs, arms, scenario.community.communities, staff_hour_cost)
