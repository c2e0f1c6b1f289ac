"""The ranges of what we assumed: valid fields, valid values, and the robust comparison's design."""

import pytest

from simulation import Scenario
from simulation.interventions import INTERVENTIONS
from simulation.study.arms import is_int_field, parse_arms
from simulation.study.robust import bands, robust_design
from simulation.uncertainty import (
    CALIBRATED_GROUPS,
    GROUPS,
    STRENGTHS,
    assumed_range,
    model_factors,
    nroy_vectors,
)


def test_every_remedy_has_a_plausible_strength_range_within_its_allowed_values():
    assert set(STRENGTHS) == set(INTERVENTIONS)
    for key, (ranges, reason) in STRENGTHS.items():
        assert reason and ranges, key
        for param, (lo, hi) in ranges.items():
            assert lo < hi, (key, param)
            integer = INTERVENTIONS[key].Params.model_fields[param].annotation is int
            for value in (lo, hi):  # validated by the intervention's own schema
                Scenario().with_interventions(**{key: {param: round(value) if integer else value}})


def test_every_grouped_parameter_is_a_scenario_field_and_its_band_is_allowed():
    scn = Scenario()
    names = [n for g in (*GROUPS.values(), *CALIBRATED_GROUPS.values()) for n in g]
    assert len(names) == len(set(names))
    for name in [n for g in GROUPS.values() for n in g]:
        lo, hi = assumed_range(scn, name)
        assert lo < hi, name
        for value in (lo, hi):  # raises if outside the allowed range; integer fields are rounded when applied
            scn.override({name: round(value) if is_int_field(scn, name) else value})


def test_assumed_bands_follow_the_rule():
    scn = Scenario()
    assert assumed_range(scn, "reporting.base") == pytest.approx((-5.5, -3.5))  # log-odds: +/- 1
    lo, hi = assumed_range(scn, "casework.wall_stall")  # a share: 2/3 .. 3/2, clipped to 1
    assert lo == pytest.approx(0.7 * 2 / 3) and hi == 1.0


def test_model_factors_cover_calibrated_and_assumed_parameters():
    factors = model_factors()
    assert {"governance.vote_base", "trust.hearsay_share"} <= set(factors)
    assert all(lo <= hi for _, (lo, hi) in factors.values())


def test_the_robust_design_draws_calibrated_vectors_and_only_the_strengths_an_arm_leaves_unset():
    arms = parse_arms(["whistle_report(escalated_success=0.9)", "community_app"])
    design = robust_design(arms, 6, seed=3)
    cols = set(design.parameters)
    assert "interventions.whistle_report.escalated_success" not in cols  # given by the arm
    assert "interventions.whistle_report.escalate_after_days" in cols
    assert "interventions.community_app.app_bonus" in cols
    assert set(nroy_vectors()[0]) <= cols
    assert all(len(p.values) == 6 for p in design.parameters.values())


def test_bands_summarise_effects_over_points():
    import pandas as pd

    e = pd.DataFrame({"arm": ["a"] * 4, "metric": ["m"] * 4, "diff": [-0.1, 0.1, 0.2, 0.3]})
    b = bands(e).iloc[0]
    assert b.share_positive == 0.75 and b.points == 4 and b.band_low < b.band_median < b.band_high
