"""The model: determinism, conservation, ranges, agents, common random numbers."""

import math

import numpy as np
import pytest

from simulation import METRICS, CommunityModel, Scenario
from simulation.agents import (
    NGO,
    CommunityCommittee,
    Enterprise,
    GovernmentUnit,
    PartyBranch,
    PartyMember,
    Resident,
)
from simulation.phases import PHASES
from simulation.processes.issues import NO_DAY


def _run(scn, seed, days):
    m = CommunityModel(scenario=scn, rng=seed)
    m.run_for(days)
    return m


def test_same_seed_gives_identical_daily_metrics(small_scenario):
    a = _run(small_scenario, 3, 60).datacollector.get_model_vars_dataframe()
    b = _run(small_scenario, 3, 60).datacollector.get_model_vars_dataframe()
    assert a.equals(b)


def test_different_seeds_differ(small_scenario):
    a = _run(small_scenario, 3, 60).datacollector.get_model_vars_dataframe()
    b = _run(small_scenario, 4, 60).datacollector.get_model_vars_dataframe()
    assert not a.equals(b)


def test_one_row_per_day_and_one_column_per_metric(baseline_run):
    df = baseline_run.datacollector.get_model_vars_dataframe()
    assert len(df) == 120
    assert list(df.columns) == list(METRICS)
    assert baseline_run.metrics().keys() == METRICS.keys()


def test_every_metric_stays_in_range(baseline_run):
    df = baseline_run.datacollector.get_model_vars_dataframe()
    for name, m in METRICS.items():
        col = df[name].to_numpy(float)
        if m.may_be_nan:
            col = col[~np.isnan(col)]
        assert not np.isnan(col).any(), name
        assert (col >= m.low).all() and (col <= m.high).all(), (name, col.min(), col.max())


def test_no_resident_lost_or_duplicated(baseline_run):
    m = baseline_run
    pop = m.pop
    assert pop.n == m.scenario.community.adults
    residents = list(m.agents_by_type[Resident]) + list(m.agents_by_type[PartyMember])
    idx = sorted(a.index for a in residents)
    assert idx == list(range(pop.n))
    assert len(m.agents_by_type[PartyMember]) == int(pop.party.sum())
    assert all(pop.party[a.index] for a in m.agents_by_type[PartyMember])
    # Households partition the residents; every array has one row per resident.
    assert np.array_equal(np.sort(pop.hh_members), np.arange(pop.n))
    assert pop.hh_indptr[-1] == pop.n
    for name in ("household", "building", "compound", "trust", "efficacy", "last_activity", "interest"):
        assert getattr(pop, name).shape[0] == pop.n
    assert m.network.n == pop.n
    assert ((m.network.rows >= 0) & (m.network.rows < pop.n)).all()
    assert ((pop.trust >= 0) & (pop.trust <= 1)).all()


def test_residents_are_numbered_building_by_building_but_issues_enter_in_random_order(baseline_run):
    pop, log = baseline_run.pop, baseline_run.issues
    # Buildings, compounds and communities are runs of neighbouring indices, of near-equal size.
    for level in (pop.building, pop.compound, pop.community):
        assert (np.diff(level) >= 0).all()
    households_per_building = np.bincount(pop.hh_building, minlength=pop.n_buildings)
    assert households_per_building.max() - households_per_building.min() <= 1
    # Same-day issues are queued in log order; that order must not follow the numbering (places first).
    raised, household = log.raised[: log.size], log.household[: log.size]
    same_day = raised[1:] == raised[:-1]
    rising = household[1:][same_day] > household[:-1][same_day]
    assert same_day.sum() > 500
    assert 0.4 < rising.mean() < 0.6  # about half, as in a random order; 1.0 if in index order


def test_network_stays_symmetric(baseline_run):
    net = baseline_run.network
    mat = net.matrix()
    assert abs(mat - mat.T).max() == 0
    assert (net.rows != net.cols).all()
    assert np.all(np.diff(net.keys) > 0)


def test_all_actor_types_are_mesa_agents(baseline_run):
    m = baseline_run
    for cls in (CommunityCommittee, PartyBranch, NGO, Enterprise, GovernmentUnit):
        assert len(m.agents_by_type[cls]) > 0, cls
    kinds = {e.kind for e in m.agents_by_type[Enterprise]}
    assert kinds == {"property_management", "resident_unit"}
    # No property company in a three-no compound.
    managed = {e.compound for e in m.agents_by_type[Enterprise] if e.kind == "property_management"}
    three_no = set(np.flatnonzero(m.pop.three_no).tolist())
    assert managed.isdisjoint(three_no) and len(managed) + len(three_no) == m.pop.n_compounds
    levels = {u.level for u in m.agents_by_type[GovernmentUnit]}
    assert levels == {"city", "district", "street"}
    ngo_kinds = {g.kind for g in m.agents_by_type[NGO]}
    assert {"cultural_sports", "social_work"} <= ngo_kinds


def test_resident_agent_is_a_live_view(baseline_run):
    m = baseline_run
    r = m.residents[5]
    assert r.index == 5
    assert r.trust["community"] == pytest.approx(float(m.pop.trust[5, 0]))
    assert r.age_group in ("young", "middle", "elderly")
    assert set(r.acquaintances) == set(m.network.neighbours(5).tolist())


def test_default_model_and_phase_order():
    m = CommunityModel(rng=1)
    assert m.scenario == Scenario()
    names = [p.name for p in PHASES]
    assert names == [
        "issues",
        "reporting",
        "casework",
        "feedback",
        "influence",
        "activities",
        "ties",
        "word_of_mouth",
        "governance",
        "resources",
        "engagement",
        "measure",
    ]


def test_changing_one_decision_leaves_other_streams_draws_unchanged(small_scenario):
    """Common random numbers: reporting behaviour changes, issue arrivals do not."""
    a = _run(small_scenario, 11, 60)
    b = _run(small_scenario.override({"reporting.base": -1.0, "activities.base": -1.0}), 11, 60)
    # Issues arise from their own stream with state-independent rates: identical.
    n = a.issues.size
    assert n == b.issues.size
    for field in ("household", "domain", "raised", "cross"):
        assert np.array_equal(getattr(a.issues, field)[:n], getattr(b.issues, field)[:n])
    # The same population and starting network were drawn.
    assert np.array_equal(a.pop.age_group, b.pop.age_group)
    assert np.array_equal(a.pop.threshold, b.pop.threshold)
    # But the changed decisions did change behaviour.
    assert (b.issues.reported[:n] != NO_DAY).sum() > (a.issues.reported[:n] != NO_DAY).sum()
    # And a stream's draws depend only on (seed, name, day).
    for name in ("activities.attend", "ties.meet", "governance.vote"):
        assert np.array_equal(a.streams[name].uniform(30, 50), b.streams[name].uniform(30, 50))


def test_age_gradient_and_isolation_come_from_mechanisms(baseline_run):
    """No per-group participation rate exists; the gradient emerges from traits."""
    m = baseline_run.metrics()
    assert m["participation_rate_elderly"] > m["participation_rate_middle"] > m["participation_rate_young"]
    young = baseline_run.pop.age_group == 0
    iso = baseline_run.network.degree(exclude_household=True) == 0
    assert iso[young].mean() > iso[~young].mean()


@pytest.mark.slow
def test_more_committee_activities_raise_participation_in_expectation(small_scenario):
    def mean_rate(per_week):
        scn = small_scenario.override(
            {
                "activities.committee_per_week": per_week,
                "resources.venue_hours_per_month": 200.0,
                "resources.funds_per_month": 1e5,
                "resources.volunteer_hours_per_month": 500.0,
            }
        )
        vals = [_run(scn, s, 90).metrics()["participation_rate"] for s in range(4)]
        return sum(vals) / len(vals)

    low, high = mean_rate(0.5), mean_rate(6.0)
    assert high > low + 0.02


@pytest.mark.slow
def test_lower_admin_burden_speeds_casework_in_expectation(small_scenario):
    def rate(burden):
        scn = small_scenario.override({"casework.admin_burden": burden, "casework.committee_staff": 2})
        vals = [_run(scn, s, 120).metrics()["issue_resolution_rate"] for s in range(4)]
        return sum(vals) / len(vals)

    assert rate(0.1) > rate(0.9)


def test_drivers_switch_phases_off(small_scenario):
    scn = small_scenario.override({f"drivers.{d}": False for d in ("issues", "activities", "governance")})
    m = _run(scn, 2, 30)
    assert m.issues.size == 0
    assert m.metrics()["participation_rate"] == 0.0
    assert m.metrics()["activities_held"] == 0.0
    assert math.isnan(m.metrics()["issue_resolution_days"])
