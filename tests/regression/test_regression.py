"""Same seed, same numbers: the frozen daily metrics of baseline and integrated_package (200 days)."""

import pandas as pd
import pytest

from tests.regression.make_baseline import FILE, RUNS, differences, frame


@pytest.mark.parametrize(("scenario", "seed"), RUNS)
def test_daily_metrics_match_the_frozen_baseline(scenario, seed):
    stored = pd.read_parquet(FILE)
    stored = stored[(stored.scenario == scenario) & (stored.seed == seed)].reset_index(drop=True)
    assert len(stored), f"no frozen run for {scenario} seed {seed}: python tests/regression/make_baseline.py --write"
    diff = differences(stored, frame(scenario, seed))
    assert not diff, "\n".join(diff[:10])


def test_a_changed_number_is_reported():
    stored = pd.read_parquet(FILE).head(5)
    changed = stored.copy()
    changed.loc[3, "trust_community"] += 1e-12
    diff = differences(stored, changed)
    assert len(diff) == 1 and diff[0].startswith("trust_community") and "day 4" in diff[0]
