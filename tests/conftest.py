import pytest

from simulation import CommunityModel, Scenario


@pytest.fixture(scope="session")
def small_scenario() -> Scenario:
    """The baseline at 600 adults without burn-in: same structure and shares, fast."""
    return Scenario().scaled(adults=600).override({"burn_in_days": 0})


@pytest.fixture(scope="session")
def baseline_run() -> CommunityModel:
    """One baseline run of 120 days (after its burn-in), shared by read-only tests."""
    model = CommunityModel(rng=7)
    model.run_for(120)
    return model
