"""The paired run: lockstep, common random numbers, remedies on the remedy side only, resets, bad input."""

import numpy as np
import pytest

from simulation import Scenario, ScenarioError
from simulation.app.session import PairedRun

METRIC_COLS = ["participation_rate", "trust_community", "issues_open", "activity_participation_rate"]


@pytest.fixture(scope="module")
def scn():
    return Scenario().scaled(adults=600).override({"burn_in_days": 30})


def test_without_remedies_both_sides_are_identical(scn):
    run = PairedRun(scn, seed=3)
    run.step(12)
    assert run.day == 12 and run.remedy.day == 12
    base, rem = run.now()
    # Same seed, same scenario: common random numbers (NaN, e.g. turnout before an election, equals NaN).
    assert base.keys() == rem.keys() and all(
        base[k] == rem[k] or (base[k] != base[k] and rem[k] != rem[k]) for k in base
    )


def test_remedy_mid_run_changes_the_remedy_side_only(scn):
    plain = PairedRun(scn, seed=5)
    plain.step(40)
    run = PairedRun(scn, seed=5)
    run.step(10)
    run.switch_on("model_households")
    assert run.remedies["model_households"].since == 10
    run.step(30)
    h, p = run.history(), plain.history()
    base, plain_base = h[h.arm == "baseline"], p[p.arm == "baseline"]
    assert np.array_equal(base[METRIC_COLS].to_numpy(), plain_base[METRIC_COLS].to_numpy())
    rem, plain_rem = h[h.arm == "remedy"], p[p.arm == "remedy"]
    # Identical up to the day it was switched on, different afterwards.
    assert np.array_equal(rem[METRIC_COLS].to_numpy()[:10], plain_rem[METRIC_COLS].to_numpy()[:10])
    assert not np.array_equal(rem[METRIC_COLS].to_numpy()[10:], plain_rem[METRIC_COLS].to_numpy()[10:])


def test_switch_off_resets_to_day_zero_with_the_rest(scn):
    run = PairedRun(scn, seed=2)
    run.switch_on("community_app")
    run.step(5)
    run.switch_on("model_households")
    run.step(3)
    run.switch_off("community_app")
    assert run.day == 0 and run.remedy.day == 0
    assert list(run.remedies) == ["model_households"]
    assert run.remedies["model_households"].since == 0  # from set-up after the reset
    assert [iv.key for iv in run.remedy.interventions] == ["model_households"]


def test_reset_replays_the_same_days(scn):
    run = PairedRun(scn, seed=9)
    run.switch_on("whistle_report")
    run.step(15)
    first = run.history()
    run.reset()
    assert run.day == 0
    run.step(15)
    again = run.history()
    assert np.array_equal(first[METRIC_COLS].to_numpy(), again[METRIC_COLS].to_numpy())


def test_scenario_interventions_start_as_remedies_and_baseline_has_none(scn):
    with_two = scn.with_interventions("joint_meetings", "community_app")
    run = PairedRun(with_two, seed=1)
    assert set(run.remedies) == {"joint_meetings", "community_app"}
    assert run.baseline.interventions == []
    assert {iv.key for iv in run.remedy.interventions} == {"joint_meetings", "community_app"}


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "7", True])
def test_bad_seed_names_field_and_range(scn, seed):
    with pytest.raises(ScenarioError, match=r"seed: must be a whole number from 0 to 4294967295"):
        PairedRun(scn, seed=seed)


def test_bad_slider_value_leaves_the_run_as_it_was(scn):
    run = PairedRun(scn, seed=1)
    run.step(3)
    with pytest.raises(ScenarioError, match=r"casework\.admin_burden.*0\.\.1"):
        run.configure(overrides={"casework.admin_burden": 1.5})
    assert run.day == 3 and run.overrides == {}
    run.configure(overrides={"casework.admin_burden": 0.2})
    assert run.day == 0 and run.baseline.scenario.casework.admin_burden == 0.2
    assert run.remedy.scenario.casework.admin_burden == 0.2


def test_export_frame_has_both_arms_every_day(scn):
    run = PairedRun(scn, seed=1)
    run.switch_on("model_households")
    run.step(4)
    df = run.export_frame()
    assert list(df.columns[:5]) == ["scenario", "seed", "remedies", "day", "arm"]
    assert len(df) == 8 and set(df.arm) == {"baseline", "remedy"}
    assert df.remedies.iloc[0] == "model_households@0"
