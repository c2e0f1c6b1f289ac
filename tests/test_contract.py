"""The phase and intervention contract: declared hooks, switch-on during a run, snapshots."""

import copy

import numpy as np
import pytest

from simulation import CommunityModel, Scenario, ScenarioError
from simulation.interventions import Intervention, InterventionParams
from simulation.phases import PHASE_NAMES

DAYS = 45


@pytest.fixture(scope="module")
def scn() -> Scenario:
    return Scenario().scaled(adults=600).override({"burn_in_days": 0})


def frame(model):
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def test_a_misspelt_hook_raises_at_class_definition():
    with pytest.raises(TypeError) as err:

        class Misspelt(Intervention):  # noqa: F841
            def before_casewrok(self, model):
                pass

    msg = str(err.value)
    assert "before_casewrok" in msg and "casework" in msg and "word_of_mouth" in msg


def test_hooks_are_the_methods_a_class_defines():
    class Two(Intervention):
        def after_ties(self, model):
            pass

        def before_issues(self, model):
            pass

    assert Two.hooks() == [("before", "issues"), ("after", "ties")]
    assert all(phase in PHASE_NAMES for _, phase in Two.hooks())


def test_every_params_model_has_start_day():
    assert "start_day" in InterventionParams.model_fields
    from simulation import INTERVENTIONS

    for cls in INTERVENTIONS.values():
        assert cls.Params().start_day == 0


@pytest.mark.parametrize("key", ["model_households", "dual_reporting", "whistle_report"])
def test_start_day_is_the_baseline_until_that_day(scn, key):
    start = 30
    base = CommunityModel(scenario=scn, rng=3)
    base.run_for(DAYS)
    late = CommunityModel(scenario=scn.with_interventions(key, **{key: {"start_day": start}}), rng=3)
    late.run_for(DAYS)
    a, b = frame(base), frame(late)
    assert a.iloc[: start - 1].equals(b.iloc[: start - 1])
    assert not a.iloc[start - 1 :].equals(b.iloc[start - 1 :])
    # The draws of decisions the remedy does not touch are the same all along.
    n = base.issues.size
    assert n == late.issues.size and np.array_equal(base.issues.household[:n], late.issues.household[:n])


def test_switch_on_during_a_run_equals_start_day(scn):
    planned = CommunityModel(scenario=scn.with_interventions(model_households={"start_day": 20}), rng=4)
    planned.run_for(DAYS)
    live = CommunityModel(scenario=scn, rng=4)
    live.run_for(19)
    slots = [o.slot for o in live.organisers]
    live.switch_on("model_households")
    live.run_for(DAYS - 19)
    assert frame(planned).equals(frame(live))
    # Organisers added mid-run never shift the slots (and so the draws) of those that existed.
    assert [o.slot for o in live.organisers[: len(slots)]] == slots


def test_switch_on_rejects_bad_input(scn):
    m = CommunityModel(scenario=scn, rng=1)
    with pytest.raises(ScenarioError, match="unknown intervention 'nope'"):
        m.switch_on("nope")
    with pytest.raises(ScenarioError, match=r"interventions\.joint_meetings\.every_days"):
        m.switch_on("joint_meetings", every_days=0)
    m.switch_on("joint_meetings")
    with pytest.raises(ScenarioError, match="already on"):
        m.switch_on("joint_meetings")


def test_switch_on_mid_month_adds_resources_pro_rata(scn):
    m = CommunityModel(scenario=scn, rng=2)
    m.run_for(20)
    before_left, before_offer = m.pool.left.copy(), m.pool.offer.copy()
    m.switch_on("dual_reporting")
    added = m.pool.offer - before_offer
    assert added.sum() > 0
    assert np.allclose(m.pool.left - before_left, added * 10 / 30)


@pytest.mark.parametrize("how", ["snapshot", "fork", "deepcopy"])
def test_a_copy_continues_exactly_as_the_original(scn, how):
    full = scn.with_interventions("model_households", "public_welfare_orgs", "whistle_report")
    m = CommunityModel(scenario=full, rng=6)
    m.run_for(20)
    if how == "snapshot":
        c = CommunityModel.restore(m.snapshot())
    elif how == "fork":
        c = m.fork()
    else:
        c = copy.deepcopy(m)
    m.run_for(25)
    c.run_for(25)
    assert c.day == m.day == 45
    assert frame(m).equals(frame(c))
    assert np.array_equal(m.pop.trust, c.pop.trust)
    assert c.pop is not m.pop


def test_restore_rejects_other_objects():
    import pickle

    with pytest.raises(TypeError, match="not a CommunityModel"):
        CommunityModel.restore(pickle.dumps({"a": 1}))


# -- the static contract: interventions write no other object's fields --------------------
def test_no_intervention_writes_another_objects_fields():
    from pathlib import Path

    from tests.intervention_scan import field_writes

    folder = Path(__file__).resolve().parents[1] / "simulation" / "interventions"
    found = []
    for path in sorted(folder.glob("*.py")):
        found += field_writes(path.read_text(encoding="utf-8"), path.name)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "body",
    [
        "log = model.issues\n    log.escalated[ids] = True",
        "model.pop.invited[ids] = True",
        "model.pop.trust[:, 0] += 0.1",
        "e = model.pop.efficacy\n    e[who] += 0.1",
        "for c in model.committees:\n        c.capacity *= 2",
        "log, day = model.issues, model.day\n    log.work_left[ids] = 1",
        "model.ngos.append(agent)",
        "np.add.at(model.pop.governance_actions, who, 1)",
        "np.clip(model.pop.trust, 0, 1, out=model.pop.trust)",
        "org.per_week = 3",
        "del model.levers_backup[0]",
    ],
)
def test_the_scan_catches_a_field_write(body):
    from tests.intervention_scan import field_writes

    assert field_writes(f"def hook(self, model, org, who, agent, ids):\n    {body}\n")


@pytest.mark.parametrize(
    "body",
    [
        "model.levers.referral_days = 1",
        "model.levers.issue_rate_factors[self.key] = f",
        "self.seen[ids] = True",
        "f = np.ones(3)\n    f[0] = 2",
        "queued = model.issues.open_in_stage(2)\n    queued = queued[:1]",
        "model.issues.escalate(ids, model.day)",
        "lv = model.levers\n    lv.app_bonus = 2.0",
    ],
)
def test_the_scan_allows_levers_own_state_and_verbs(body):
    from tests.intervention_scan import field_writes

    assert field_writes(f"def hook(self, model, org, who, agent, ids):\n    {body}\n") == []


def test_cost_follows_the_parameters():
    from simulation import INTERVENTIONS

    for key, cls in INTERVENTIONS.items():
        assert cls.cost() == {k: float(v) for k, v in cls.monthly_cost.items()}, key
    jm = INTERVENTIONS["joint_meetings"]
    weekly, monthly = jm.cost(jm.Params(every_days=7)), jm.cost(jm.Params(every_days=30))
    assert weekly["staff_hours"] > 4 * monthly["staff_hours"] * 0.99
    mh = INTERVENTIONS["model_households"]
    assert mh.cost(mh.Params(gatherings_per_week=1.0))["money"] > mh.cost()["money"]
    assert mh.cost(mh.Params(per_building=2))["staff_hours"] == 2 * mh.cost()["staff_hours"]


# -- the one gap-closing update --------------------------------------------------------------
def test_nudge_compounds_repeats_and_stays_in_range():
    from simulation.arrays import nudge

    v = np.array([0.5, 0.2, 0.9, 0.0], np.float32)
    nudge(v, np.array([0, 0, 1]), 0.1)
    assert v[0] == pytest.approx(1 - 0.5 * 0.9**2, abs=1e-6)  # two gains compound
    assert v[1] == pytest.approx(0.2 + 0.1 * 0.8, abs=1e-6)
    assert v[2] == pytest.approx(0.9) and v[3] == 0.0  # untouched
    w = np.array([0.5], np.float64)
    nudge(w, np.array([0, 0]), np.array([0.2, -0.5]))  # gains first, then losses
    assert w[0] == pytest.approx((1 - 0.5 * 0.8) * 0.5)
    x = np.random.default_rng(0).random(50)
    nudge(x, np.random.default_rng(1).integers(0, 50, 500), np.random.default_rng(2).uniform(-1, 1, 500))
    assert ((x >= 0) & (x <= 1)).all()
    with pytest.raises(ValueError, match="nudge: 2 shares for 3 residents"):
        nudge(v, np.array([0, 1, 2]), np.array([0.1, 0.2]))


def test_nudge_by_column_equals_one_nudge_per_column():
    from simulation.arrays import nudge, nudge_columns

    rng = np.random.default_rng(3)
    start = rng.random((40, 5)).astype(np.float32)
    who, col, share = rng.integers(0, 40, 300), rng.integers(0, 5, 300), rng.uniform(-0.4, 0.4, 300)
    want = start.copy()
    for c in np.unique(col):
        nudge(want[:, c], who[col == c], share[col == c])
    got = start.copy()
    nudge_columns(got, who, share, col)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="columns must be one per resident, in 0..4"):
        nudge_columns(got, who, share, col + 1)


def test_nudge_of_a_column_equals_nudge_of_its_view_and_shares_one_compiled_signature():
    """A 1-D state and a trust column go through one compiled signature (a second would be compiled or
    loaded from the cache mid-run, the first day a 1-D state is nudged); the column form is the view's."""
    from numba import typeof

    from simulation.arrays import as_table, nudge

    rng = np.random.default_rng(4)
    table = rng.random((30, 5)).astype(np.float32)
    who, share = rng.integers(0, 30, 60), rng.uniform(-0.5, 0.5, 60)
    want = table.copy()
    nudge(want[:, 2], who, share)  # a strided 1-D view
    got = table.copy()
    nudge(got, who, share, column=2)
    np.testing.assert_array_equal(got, want)
    state = table[:, 0].copy()
    assert typeof(as_table(state, None)[0]) == typeof(as_table(table, 2)[0])
    assert np.shares_memory(as_table(state, None)[0], state)  # a view: the update writes through
    nudge(state, who, share)
    first = table.copy()
    nudge(first, who, share, column=0)
    np.testing.assert_array_equal(state, first[:, 0])
    with pytest.raises(ValueError, match="nudge: column 5 is not in 0..4"):
        nudge(got, who, share, column=5)


def test_nudge_writes_through_a_column_view():
    from simulation.population import T_NEIGHBOURS

    m = CommunityModel(scenario=Scenario().scaled(adults=300).override({"burn_in_days": 0}), rng=1)
    before = m.pop.trust.copy()
    m.pop.nudge("trust", np.array([3, 3]), 0.5, column=T_NEIGHBOURS)
    assert m.pop.trust[3, T_NEIGHBOURS] == pytest.approx(1 - (1 - before[3, T_NEIGHBOURS]) * 0.25, abs=1e-6)
    changed = np.argwhere(m.pop.trust != before)
    assert changed.tolist() == [[3, T_NEIGHBOURS]]


def test_intervention_calendars_keep_their_slots_whatever_else_is_on():
    s = Scenario().scaled(adults=600).override({"burn_in_days": 0})
    alone = CommunityModel(scenario=s.with_interventions("model_households"), rng=1)
    both = CommunityModel(scenario=s.with_interventions("public_welfare_orgs", "model_households"), rng=1)
    slots = lambda m: sorted(o.slot for o in m.organisers if o.agent in m.branches)  # noqa: E731
    assert slots(alone) and slots(alone) == slots(both)


# -- spin-up -------------------------------------------------------------------------------
def test_burn_in_is_simulated_without_interventions_and_not_collected():
    s = Scenario().scaled(adults=600).override({"burn_in_days": 0}).override({"burn_in_days": 40})
    base = CommunityModel(scenario=s, rng=8)
    arm = CommunityModel(scenario=s.with_interventions("model_households", "community_app"), rng=8)
    assert base.day == arm.day == 0 and base.tick == 40
    # Nothing of the remedies acted before day 1: the state at day 0 is the baseline's.
    assert np.array_equal(base.pop.trust, arm.pop.trust) and not arm.pop.model_household.any()
    assert len(frame(base)) == 0
    fresh = CommunityModel(scenario=Scenario().scaled(adults=600).override({"burn_in_days": 0}), rng=8)
    assert not np.array_equal(base.pop.trust, fresh.pop.trust)  # the spin-up did run
    base.run_for(30)
    arm.run_for(30)
    assert len(frame(base)) == 30 and arm.pop.model_household.any()
    assert not frame(base).equals(frame(arm))


def test_burn_in_progress_counts_its_days_and_changes_nothing():
    s = Scenario().scaled(adults=300).override({"burn_in_days": 15})
    seen = []
    watched = CommunityModel(scenario=s, rng=4, progress=seen.append)
    assert seen == list(range(1, 16))
    plain = CommunityModel(scenario=s, rng=4)
    assert np.array_equal(watched.pop.trust, plain.pop.trust) and watched.tick == plain.tick == 15


def test_start_day_counts_from_day_one_after_burn_in():
    s = Scenario().scaled(adults=600).override({"burn_in_days": 0}).override({"burn_in_days": 25})
    base = CommunityModel(scenario=s, rng=9)
    late = CommunityModel(scenario=s.with_interventions(whistle_report={"start_day": 12}), rng=9)
    base.run_for(30)
    late.run_for(30)
    a, b = frame(base), frame(late)
    assert a.iloc[:11].equals(b.iloc[:11]) and not a.iloc[11:].equals(b.iloc[11:])


def test_keep_unless_keeps_the_entries_whose_value_differs_in_order():
    from simulation.kernels import keep_unless

    rng = np.random.default_rng(5)
    for n in (0, 1, 50):
        values, index = rng.integers(0, 4, 80).astype(np.int8), rng.integers(0, 80, n)
        np.testing.assert_array_equal(keep_unless(index, values, 3), index[values[index] != 3])
        done = values == 1
        np.testing.assert_array_equal(keep_unless(index, done, True), index[~done[index]])


def test_take_reports_writes_each_issue_once_and_refuses_mismatched_inputs():
    from simulation.processes.issues import IN_TRANSIT, IssueLog

    log = IssueLog()
    log.append(domain=np.zeros(5, np.int8), household=np.arange(5), raised=1)
    log.take_reports(np.array([1, 3]), np.array([7, 9]), 4, 2)  # one channel for all
    assert log.reporter[:5].tolist() == [-1, 7, -1, 9, -1] and log.channel[[1, 3]].tolist() == [2, 2]
    assert (log.stage[[1, 3]] == IN_TRANSIT).all() and log.ready[[1, 3]].tolist() == [4, 4]
    assert log.reported[[1, 3]].tolist() == [4, 4]
    with pytest.raises(ValueError, match="take_reports: 2 issues, 1 reporters"):
        log.take_reports(np.array([0, 2]), np.array([5]), 4, np.array([0, 1]))
    with pytest.raises(IndexError, match="take_reports: issues must be in 0..4"):
        log.take_reports(np.array([5]), np.array([5]), 4, 0)


def test_handler_capacity_equals_the_numpy_formula():
    """Committees: staff hours free of tasks from above over the hours a case takes (x / 0 is inf, as in
    numpy); others as stated; plus the extra capacity interventions add."""
    from simulation.handlers import COMMITTEE
    from simulation.kernels import handler_capacity

    rng = np.random.default_rng(2)
    for _ in range(100):
        n = int(rng.integers(1, 40))
        kind = rng.integers(0, 3, n).astype(np.int8)
        staff, hours, admin = rng.uniform(0, 9, n), rng.uniform(0, 12, n), rng.uniform(0, 1, n)
        per_case, stated = rng.uniform(0.1, 5, n), rng.uniform(0, 20, n)
        extra = rng.uniform(0, 3, n) * (rng.random(n) < 0.5)
        per_case[rng.random(n) < 0.1] = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            free = staff * hours * (1.0 - admin) / per_case + extra
        want = np.where(kind == COMMITTEE, free, stated + extra)
        got = handler_capacity(kind, staff, hours, admin, per_case, extra, stated, COMMITTEE)
        np.testing.assert_array_equal(got, want)
