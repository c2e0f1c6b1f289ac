"""The study engine on small runs: common random numbers, resume, failures, designs, refusals."""

import json

import numpy as np
import pandas as pd
import pytest

from simulation import Scenario, compare
from simulation.study import runner
from simulation.study.arms import parse_arms
from simulation.study.design import Design
from simulation.study.engine import Plan, StudyError, group_runs, run_plan
from simulation.study.runner import RunSpec, run_group, run_one
from simulation.study.store import Store

DAYS = 20
ARMS = ["joint_meetings(every_days=7)+whistle_report", "community_app"]


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return Scenario().scaled(adults=300).override({"burn_in_days": 0})  # spin-up is tested on its own


def plan(tiny, reps=3, **kw) -> Plan:
    return Plan(base=tiny, arms=parse_arms(ARMS), reps=reps, days=DAYS, window=10, seed=5, **kw)


@pytest.mark.parametrize("burn_in", [0, 5])
def test_replication_r_uses_seed_plus_r_in_every_arm(tiny, burn_in):
    tiny = tiny.override({"burn_in_days": burn_in})
    specs = plan(tiny).specs()
    assert len(specs) == 3 * 3 and len({s.key for s in specs}) == 9
    for s in specs:
        assert s.seed == 5 + s.rep
    # A run is its spec: the baseline run of rep 1 equals a model built with seed 6 by hand.
    from simulation import CommunityModel

    spec = next(s for s in specs if s.arm == "baseline" and s.rep == 1)
    model = CommunityModel(scenario=tiny, rng=6)
    model.run_for(DAYS)
    want = model.datacollector.get_model_vars_dataframe().tail(10)["trust_community"].mean()
    assert run_one(spec)["trust_community"] == pytest.approx(want, rel=0, abs=0)
    # The arm's run is the model of the arm's scenario, with the same seed.
    spec = next(s for s in specs if s.arm_index == 1 and s.rep == 1)
    model = CommunityModel(
        scenario=tiny.with_interventions("joint_meetings", "whistle_report", joint_meetings={"every_days": 7}), rng=6
    )
    model.run_for(DAYS)
    want = model.datacollector.get_model_vars_dataframe().tail(10)["issue_resolution_rate"].mean()
    assert run_one(spec)["issue_resolution_rate"] == want


def test_a_run_measures_only_its_window_and_reports_what_a_fully_measured_run_does(tiny):
    from simulation import CommunityModel

    tiny = tiny.override({"burn_in_days": 5})
    spec = next(s for s in plan(tiny).specs() if s.arm_index == 1 and s.rep == 0)
    model = runner._start_model(spec)
    row = runner._summary(spec, model)
    assert len(model.datacollector.get_model_vars_dataframe()) == spec.window  # the days before were skipped
    full = CommunityModel(scenario=runner._arm_scenario(spec), rng=spec.seed)
    full.run_for(DAYS)
    assert len(full.datacollector.get_model_vars_dataframe()) == DAYS
    want = runner.window_means(full.datacollector.get_model_vars_dataframe(), spec.window)
    assert {k: row[k] for k in want} == pytest.approx(want, rel=0, abs=0, nan_ok=True)


def test_compare_parallel_equals_serial_and_shares_baseline(tiny, tmp_path):
    serial = compare(tiny, ARMS, reps=3, days=DAYS, window=10, workers=1, seed=5)
    parallel = compare(tiny, ARMS, reps=3, days=DAYS, window=10, workers=2, seed=5, out=tmp_path / "c")
    pd.testing.assert_frame_equal(serial, parallel)
    assert set(serial["arm"]) == set(ARMS)
    # Both arms are paired with the same baseline runs.
    b = serial.groupby("metric")["baseline_mean"].nunique()  # 0 for a metric undefined in these runs (turnout)
    assert (b <= 1).all() and b["participation_rate"] == 1
    runs = pd.read_parquet(tmp_path / "c" / "runs.parquet")
    assert len(runs) == 9 and runs["key"].is_unique
    man = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert man["status"] == "complete" and man["provenance"]["seeds"] == [5, 6, 7]
    assert set(man["runs"].values()) == {"done"}
    for field in ("version", "git_commit", "scenario_sha256", "days", "window", "reps", "overrides"):
        assert field in man["provenance"]


def test_interrupted_sweep_resumes_without_losing_or_duplicating(tiny, tmp_path, monkeypatch):
    full = run_plan(plan(tiny), Store(tmp_path / "ref"))
    real = runner.run_one
    calls = {"n": 0}

    def flaky(spec):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # as if Ctrl-C arrived during the fifth run
        return real(spec)

    monkeypatch.setattr(runner, "run_one", flaky)
    store = Store(tmp_path / "r")
    with pytest.raises(KeyboardInterrupt):
        run_plan(plan(tiny), store)
    assert len(store.done_keys()) == 4
    assert json.loads((store.root / "manifest.json").read_text())["status"] == "interrupted"
    monkeypatch.setattr(runner, "run_one", real)
    seen = []
    again = run_plan(plan(tiny), store, progress=lambda done, total: seen.append(done))
    assert seen[0] == 4 and seen[-1] == 9  # only the five missing runs ran
    assert again.runs["key"].is_unique and len(again.runs) == 9
    pd.testing.assert_frame_equal(again.runs, full.runs)
    pd.testing.assert_frame_equal(again.effects, full.effects)
    # More replications extend the finished sweep: the first three are reused.
    seen.clear()
    more = run_plan(plan(tiny, reps=4), store, progress=lambda done, total: seen.append(done))
    assert seen[0] == 9 and len(more.runs) == 12


def test_failed_run_is_recorded_then_retried(tiny, tmp_path, monkeypatch):
    real = runner.run_one

    def broken(spec: RunSpec):
        if spec.key.endswith("a002-r00001"):
            raise ValueError("boom")
        return real(spec)

    monkeypatch.setattr(runner, "run_one", broken)
    store = Store(tmp_path / "f")
    out = run_plan(plan(tiny), store)
    assert list(out.failed) == ["p00000-a002-r00001"]
    text = (store.failures / "p00000-a002-r00001.txt").read_text()
    assert "ValueError: boom" in text and "seed 6" in text
    man = json.loads((store.root / "manifest.json").read_text())
    assert man["status"] == "incomplete" and man["runs"]["p00000-a002-r00001"] == "failed"
    with pytest.raises(RuntimeError, match="1 of 9 runs failed"):
        compare(tiny, ARMS, reps=3, days=DAYS, window=10, seed=5, out=tmp_path / "f")
    monkeypatch.setattr(runner, "run_one", real)
    out = run_plan(plan(tiny), store)
    assert not out.failed and len(out.runs) == 9 and not store.failed_keys()


def test_results_dir_of_another_plan_is_refused_unless_overwrite(tiny, tmp_path):
    store = Store(tmp_path / "o")
    run_plan(plan(tiny, reps=2), store)
    other = Plan(base=tiny, arms=parse_arms(["community_app"]), reps=2, days=DAYS, window=10, seed=5)
    with pytest.raises(StudyError, match="holds other results"):
        run_plan(other, Store(tmp_path / "o"))
    out = run_plan(other, Store(tmp_path / "o"), overwrite=True)
    assert set(out.runs["arm"]) == {"baseline", "community_app"}


def test_morris_design_gives_indices_with_intervals_per_arm_effect_and_level(tiny, tmp_path):
    design = Design(
        method="morris",
        samples=2,
        levels=4,
        seed=1,
        parameters={"activities.base": {"low": -3.0, "high": -1.0}, "casework.committee_staff": {"low": 2, "high": 10}},
    )
    p = Plan(
        base=tiny,
        arms=parse_arms(["community_app"]),
        reps=2,
        days=DAYS,
        window=10,
        design=design,
        metrics=["participation_rate", "trust_community"],
    )
    assert len(p.points) == 2 * 3
    # Integer fields are rounded when applied; the design keeps the sampled value.
    assert all(isinstance(pb.casework.committee_staff, int) for pb in p.point_bases)
    out = run_plan(p, Store(tmp_path / "m"))
    s = out.sensitivity
    assert set(s["quantity"]) == {"effect", "level"}
    assert set(s.loc[s["quantity"] == "level", "arm"]) == {"baseline", "community_app"}
    mu = s[(s["index"] == "mu_star") & (s["quantity"] == "level") & (s["metric"] == "participation_rate")]
    assert set(mu["parameter"]) == {"activities.base", "casework.committee_staff"}
    assert (mu["ci_low"] <= mu["value"]).all() and (mu["value"] <= mu["ci_high"]).all()
    # Attendance log-odds move participation far more than committee staff do.
    by = mu[mu["arm"] == "baseline"].set_index("parameter")["value"]
    assert by["activities.base"] > by["casework.committee_staff"]
    saved = pd.read_parquet(tmp_path / "m" / "sensitivity.parquet")
    assert len(saved) == len(s) and np.isfinite(saved["value"]).all()


def test_arms_forked_from_a_shared_burn_in_equal_runs_built_from_scratch(tiny):
    """With a burn-in, a (point, rep)'s arms continue from one burnt-in model: same numbers, bit for bit."""
    arms = ["joint_meetings(every_days=7)+whistle_report", "model_households(start_day=5)+community_app"]
    p = Plan(base=tiny.override({"burn_in_days": 15}), arms=parse_arms(arms), reps=2, days=DAYS, window=10)
    specs = p.specs()
    groups = group_runs(specs, workers=1)
    assert [len(g) for g in groups] == [3, 3] and {s.rep for s in groups[0]} == {0}
    forked = [row for g in groups for _, row, _ in run_group(g)]
    scratch = [run_one(s) for s in specs]
    assert pd.DataFrame(forked).equals(pd.DataFrame(scratch))
    # Fewer groups than workers: groups are split so every worker has work; without burn-in, one run a job.
    assert sorted(len(g) for g in group_runs(specs, workers=4)) == [1, 1, 2, 2]
    assert all(len(g) == 1 for g in group_runs(plan(tiny).specs(), workers=1))


def test_a_strength_parameter_moves_the_arm_never_the_baseline(tiny, tmp_path):
    """interventions.<key>.<param> in a design sets the arms' strength; the baseline is the same at every point."""
    design = Design(method="grid", parameters={"interventions.community_app.notice_reach": {"values": [0.1, 0.9]}})
    p = Plan(base=tiny, arms=parse_arms(["community_app"]), reps=2, days=DAYS, window=10, design=design)
    assert all(not pb.interventions for pb in p.point_bases)
    specs = {(s.point, s.arm, s.rep): s for s in p.specs()}
    assert specs[(0, "community_app", 0)].interventions["community_app"]["notice_reach"] == 0.1
    assert specs[(1, "community_app", 0)].interventions["community_app"]["notice_reach"] == 0.9
    runs = run_plan(p, Store(tmp_path / "s")).runs.set_index(["point", "arm", "rep"]).sort_index()
    base0, base1 = runs.loc[(0, "baseline")], runs.loc[(1, "baseline")]
    assert base0["trust_community"].tolist() == base1["trust_community"].tolist()
    arm0, arm1 = runs.loc[(0, "community_app")], runs.loc[(1, "community_app")]
    assert arm0["participation_rate"].tolist() != arm1["participation_rate"].tolist()


def test_a_strength_parameter_of_no_arm_is_refused(tiny):
    design = Design(method="grid", parameters={"interventions.joint_meetings.every_days": {"values": [7, 30]}})
    with pytest.raises(StudyError, match="interventions.joint_meetings.every_days: no arm switches joint_meetings"):
        Plan(base=tiny, arms=parse_arms(["community_app"]), reps=2, days=DAYS, window=10, design=design)


def test_a_table_design_runs_its_rows_and_grouped_morris_reports_groups(tiny, tmp_path):
    table = Design(
        method="table",
        parameters={
            "activities.base": {"values": [-3.0, -2.0, -1.0]},
            "trust.hearsay_share": {"values": [0.1, 0.2, 0.3]},
        },
    )
    p = Plan(base=tiny, arms=parse_arms(["community_app"]), reps=2, days=DAYS, window=10, design=table)
    assert p.points["activities.base"].tolist() == [-3.0, -2.0, -1.0]  # rows, not a product
    assert [pb.trust.hearsay_share for pb in p.point_bases] == [0.1, 0.2, 0.3]
    grouped = Design(
        method="morris",
        samples=2,
        parameters={
            "activities.base": {"low": -3.0, "high": -1.0, "group": "activities"},
            "activities.free_time_weight": {"low": 1.0, "high": 3.0, "group": "activities"},
            "casework.committee_staff": {"low": 2, "high": 10},
        },
    )
    p = Plan(
        base=tiny,
        arms=parse_arms(["community_app"]),
        reps=2,
        days=DAYS,
        window=10,
        design=grouped,
        metrics=["participation_rate"],
    )
    assert len(p.points) == 2 * (2 + 1)  # trajectories x (groups + 1)
    s = run_plan(p, Store(tmp_path / "g")).sensitivity
    assert set(s["parameter"]) == {"activities", "casework.committee_staff"}


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"activities.base": {"values": [1.0, 2.0]}, "trust.hearsay_share": {"values": [0.1]}}, "all of one length"),
        ({"activities.base": {"low": 1.0, "high": 2.0, "group": "a"}}, "only used by kind = 'morris'"),
    ],
)
def test_bad_table_and_group_designs_are_refused(params, words):
    kind = "table" if "values" in next(iter(params.values())) else "lhs"
    with pytest.raises(ValueError, match=words):
        Design(method=kind, parameters=params)
