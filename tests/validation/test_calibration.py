"""The calibrated baseline reproduces the observed patterns of docs/ODD.md §1, on seeds never used in fitting.

Ten replications of the standard 365-day baseline after its burn-in (seeds
100-109; the calibration searched on seeds 1000-1001 and verified on 0-5).
The tolerances are ODD §1's; we check the mean over replications, which is
what the model claims to reproduce (single runs of 3,000 adults scatter more).
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from simulation import Scenario
from simulation.patterns import PATTERNS, run_patterns, summarise
from simulation.study.compare import compare

REPS = 10
SEEDS = range(100, 100 + REPS)


@pytest.fixture(scope="module")
def patterns():
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = list(pool.map(run_patterns, [Scenario()] * REPS, SEEDS))
    return summarise(runs)


@pytest.mark.slow
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
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
