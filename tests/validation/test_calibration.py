"""The calibrated baseline reproduces the fitted patterns of docs/ODD.md §1, on seeds never used in fitting.

Ten replications of the baseline, a year after its burn-in with the
election inside it (seeds 100-109; the calibration ran on seeds 1000-1001,
experiments/calibration). The tolerances are ODD §1's; we check the mean
over replications, which is what the model claims to reproduce. The holdout
patterns are never fitted: their distance from the data is reported by the
calibration experiment (pass or not), not asserted here.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from simulation import Scenario
from simulation.patterns import FITTED, HELD_OUT, PATTERNS, run_patterns, summarise
from simulation.study.compare import compare

REPS = 10
SEEDS = range(100, 100 + REPS)


@pytest.fixture(scope="module")
def patterns():
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = list(pool.map(run_patterns, [Scenario()] * REPS, SEEDS))
    return summarise(runs)


def test_fitted_and_holdout_patterns_are_apart_and_sourced():
    assert FITTED and len(HELD_OUT) >= 2
    assert not {p.name for p in FITTED} & {p.name for p in HELD_OUT}
    assert all(p.source and 0 < p.target < 1 and p.tolerance > 0 for p in PATTERNS)


@pytest.mark.slow
@pytest.mark.parametrize("pattern", FITTED, ids=lambda p: p.name)
def test_baseline_matches_pattern(patterns, pattern):
    got = patterns[pattern.name]["mean"]
    assert abs(got - pattern.target) <= pattern.tolerance, (pattern.name, got, pattern.target)


@pytest.mark.slow
def test_whistle_report_raises_satisfaction_through_speed_alone():
    """12345 reform: faster handling raises satisfaction and shortens cases (paired, 10 reps).

    The success floor of escalated cases is switched off (escalated_success = 0), so
    any gain comes from the mechanism (escalated cases worked first, by every unit at
    once, with a deadline), not from an assumed better outcome.
    """
    arm = "whistle_report(escalated_success=0.0)"
    table = compare(Scenario(), [arm], reps=REPS, days=365, workers=2, seed=100).set_index("metric")
    row = table.loc["service_satisfaction"]
    assert row["ci_low"] > 0, (row["diff"], row["ci_low"])
    assert table.loc["case_close_days_mean", "ci_high"] < 0
    # Without the floor, speed alone does not make more cases end resolved (Beijing's +21 points):
    # the model does not reproduce that half of the pattern from mechanism alone (docs/ODD.md §1).
    assert abs(table.loc["case_resolution_rate", "diff"]) < 0.02
