"""The paper's mechanisms: demand for activities, cases needing several units, repairs paid from the pool,
trust from what people see, Party branches, consultations with consequences, per-compound outputs, spin-up."""

import numpy as np
import pytest

from simulation import CommunityModel, Scenario
from simulation.handlers import COMMITTEE, GOVERNMENT, PROPERTY
from simulation.processes.issues import CLOSED, MAINTENANCE, NO_DAY, QUEUED
from simulation.scenario import ACTIVITY_TYPES

SEED = 4


@pytest.fixture(scope="module")
def scn() -> Scenario:
    return Scenario().scaled(adults=900).override({"burn_in_days": 0})


def run(scn, days=150, seed=SEED, **changes):
    m = CommunityModel(scenario=scn.override(changes) if changes else scn, rng=seed)
    m.run_for(days)
    return m


@pytest.fixture(scope="module")
def base(scn):
    return run(scn)


def window_mean(m, name, days=60):
    return float(m.datacollector.get_model_vars_dataframe()[name].tail(days).mean())


# -- activities: demand, not only supply ----------------------------------------------------
def test_activities_are_not_all_full():
    m = CommunityModel(scenario=Scenario().override({"burn_in_days": 0}), rng=SEED)  # the baseline's 3,000 adults
    m.run_for(120)
    log = m.activity_log
    assert len(log) > 50
    full = np.mean([a.attendees >= a.places for a in log])
    assert 0 < full < 1  # some over-subscribed, some not
    assert window_mean(m, "activity_fill_rate") < 0.95
    assert all(a.attendees <= a.places for a in log)


def test_free_time_budget_caps_attendance(scn):
    m = run(scn, days=60, **{"activities.max_per_month": 1.0})
    # Nobody attends more than their monthly budget (one activity a month at full free time).
    assert m.pop.activities_month.max() <= 1
    assert (m.pop.activities_attended <= 2).all()  # two months


@pytest.mark.slow
def test_doubling_places_raises_participation_far_less_than_double():
    scn = Scenario().scaled(adults=900).override({"burn_in_days": 90})
    doubled = {"activities.committee_capacity": 2 * scn.activities.committee_capacity}
    for i, org in enumerate(scn.activities.organisers):
        doubled[f"activities.organisers.{i}.capacity"] = 2 * org.capacity
    before = np.mean([window_mean(run(scn, 120, s), "activity_participation_rate") for s in range(3)])
    after = np.mean([window_mean(run(scn, 120, s, **doubled), "activity_participation_rate") for s in range(3)])
    assert after >= before - 0.01 and after < 1.3 * before


# -- casework: several units, walls, repairs -----------------------------------------------
def test_cross_department_cases_need_every_unit(base):
    log, tasks = base.issues, base.issues.tasks
    n = log.size
    cross = np.flatnonzero(log.cross[:n] & (log.parts[:n] > 1))
    assert len(cross) > 0
    assert (log.parts[cross] == base.scenario.casework.units_per_cross_case).all()
    units = tasks.handler[: tasks.size][np.isin(tasks.issue[: tasks.size], cross)]
    assert (base.handlers.kind[units] == GOVERNMENT).all()
    # A closed case with parts was closed only when all its parts were done; resolved only if all succeeded.
    closed = cross[(log.stage[cross] == CLOSED) & (log.outcome[cross] == 1)]
    parts = np.isin(tasks.issue[: tasks.size], closed)
    assert tasks.done[: tasks.size][parts].all() and tasks.ok[: tasks.size][parts].all()


def _cross_close_days(m):
    log, n = m.issues, m.issues.size
    sel = log.cross[:n] & (log.parts[:n] > 1) & (log.stage[:n] == CLOSED) & (log.reported[:n] != NO_DAY)
    return float(np.mean(log.closed[:n][sel] - log.reported[:n][sel]))


def test_joint_meetings_work_the_units_at_once(scn, base):
    coordinated = run(scn.with_interventions(joint_meetings={"every_days": 3}))
    assert _cross_close_days(coordinated) < _cross_close_days(base)


def test_committee_repairs_wait_for_funds(scn):
    broke = {"resources.funds_per_month": 0.0, "community.three_no_compounds": 1}  # the committee repairs there
    poor = run(scn, days=90, **broke, **{"casework.repair_funds": 100.0})
    free = run(scn, days=90, **broke, **{"casework.repair_funds": 0.0})

    def committee_repairs_closed(m):
        log, n = m.issues, m.issues.size
        rep = (log.domain[:n] == MAINTENANCE) & (m.handlers.kind[np.maximum(log.handler[:n], 0)] == COMMITTEE)
        return int((rep & (log.handler[:n] >= 0) & (log.outcome[:n] == 1)).sum())

    assert committee_repairs_closed(poor) == 0 < committee_repairs_closed(free)


def _pay_in_numpy(pool, communities, funds):
    """``ResourcePool.pay`` as numpy (the code ``kernels.pay_in_order`` replaced), the oracle."""
    order = np.argsort(communities, kind="stable")
    c = communities[order]
    nth = np.arange(len(c)) - np.searchsorted(c, c, side="left")  # 0, 1, ... within a community
    ok = np.empty(len(c), bool)
    ok[order] = (nth + 1) * funds <= pool.left[c, 1] + 1e-9
    spent = np.bincount(communities[ok], minlength=pool.left.shape[0]) * funds
    pool.left[:, 1] -= spent
    pool.reserve = np.maximum(0.0, pool.reserve - spent)
    pool.used_today[1] += spent.sum()
    return ok


def test_pool_pays_in_order_as_the_numpy_rule():
    from simulation.processes.resources import ResourcePool

    rng = np.random.default_rng(7)
    outcomes, emptied = np.zeros(2, int), 0
    for _ in range(40):
        n_c = int(rng.integers(1, 12))
        pools = [ResourcePool(n_c), ResourcePool(n_c)]
        left, reserve = rng.uniform(0, 500, (n_c, 3)), rng.uniform(0, 200, n_c) * (rng.random(n_c) < 0.7)
        left[rng.random(n_c) < 0.2, 1] = 0.0  # some communities have no funds at all
        for pool in pools:
            pool.left[:], pool.reserve[:], pool.used_today[:] = left, reserve, [1.0, 2.5, 3.0]
        communities = rng.integers(0, n_c, int(rng.integers(0, 60)))
        funds = float(rng.choice([0.5, 37.0, 100.0, 1 / 3]))
        got = pools[0].pay(communities, funds)
        want = _pay_in_numpy(pools[1], communities, funds)
        np.testing.assert_array_equal(got, want)
        for name in ("left", "reserve", "used_today"):
            np.testing.assert_array_equal(getattr(pools[0], name), getattr(pools[1], name), err_msg=name)
        outcomes += np.bincount(got.astype(int), minlength=2)
        emptied += int(((pools[0].reserve == 0) & (reserve > 0)).sum())
    assert outcomes.min() > 50 and emptied > 0  # both paid and short entries, reserves used up
    with pytest.raises(IndexError, match="pay: communities must be in 0..0"):
        ResourcePool(1).pay(np.array([1]), 10.0)


def test_pool_records_the_day_as_numpy_sums_it():
    """The daily offer is the communities' offers summed as numpy sums them over axis 0 (row by row; a
    pairwise sum would differ in the last bits for hundreds of communities), and the day's use restarts."""
    from simulation.processes.resources import MONTH, ResourcePool

    rng = np.random.default_rng(8)
    for n_c in (1, 9, 333):
        pool = ResourcePool(n_c)
        pool.offer[:] = rng.random((n_c, 3)) * rng.choice([1e-3, 1.0, 1e3], (n_c, 3))
        pool.used_today[:] = used = rng.random(3)
        pool.record(47)
        np.testing.assert_array_equal(pool.available[47 % MONTH], pool.offer.sum(axis=0) / MONTH)
        np.testing.assert_array_equal(pool.used[47 % MONTH], used)
        assert not pool.used_today.any() and not np.delete(pool.used, 47 % MONTH, axis=0).any()


def _lockstep(scenario, phase, oracle_phase, days, before_day=None):
    """Two runs of ``scenario`` day by day, the second with ``oracle_phase`` in place of ``phase`` (the
    numpy code a compiled phase replaced); ``before_day(model, day)`` acts on both before each day."""
    compiled, oracle = CommunityModel(scenario=scenario, rng=SEED), CommunityModel(scenario=scenario, rng=SEED)
    oracle.phases = [p._replace(function=oracle_phase) if p.name == phase else p for p in oracle.phases]
    for day in range(days):
        for m in (compiled, oracle):
            if before_day is not None:
                before_day(m, day)
            m.step()
    return compiled, oracle


def handling_days(u, mean):
    """Handling days, geometric on 1, 2, ... with the given mean (>= 1), by inverse CDF of ``u`` (the oracle)."""
    p = 1.0 / np.maximum(mean, 1.0)
    extra = np.where(p >= 1.0, 0.0, np.floor(np.log1p(-u) / np.log1p(-np.minimum(p, 1 - 1e-12))))
    return (1 + extra).astype(np.int32)


def _pay_repairs(model, finishing, repair):
    """Committee repairs (``repair``: positions in ``finishing``) take their funds from the pool, oldest first;
    those it cannot pay wait a day (the numpy the casework kernels replaced, the oracle's)."""
    funds = model.scenario.casework.repair_funds
    if funds <= 0 or len(repair) == 0:
        return finishing
    log, tasks = model.issues, model.issues.tasks
    paid = model.pool.pay(log.community[tasks.issue[finishing[repair]]], funds)
    model.__dict__.setdefault("repairs_paid", []).extend(paid.tolist())  # (for the test: both kinds happen)
    unpaid = repair[~paid]
    tasks.work_left[finishing[unpaid]] = 1  # the last day of work waits for funds
    keep = np.ones(len(finishing), bool)
    keep[unpaid] = False
    return finishing[keep]


def _casework_in_numpy(model, day):
    """The casework phase as numpy arrays (the code ``casework_kernels`` replaced), the oracle."""
    from simulation.arrays import in_set
    from simulation.processes.issues import FAILED, IN_TRANSIT, NOT_YET, PROPERTY_SERVICE, QUEUED, RESOLVED

    log, h, tasks, lv = model.issues, model.handlers, model.issues.tasks, model.levers

    def draw(name, issue, part):
        return model.streams[name].uniform_by_slot(day, issue, part)

    idx = log.open[(log.stage[log.open] == IN_TRANSIT) & (log.handler[log.open] < 0)]
    domain, compound = log.domain[idx], log.compound[idx]
    handler, delay = h.committee_of[log.community[idx]].copy(), np.zeros(len(idx), np.int32)
    prop = h.property_of[compound]
    to_property = ((domain == PROPERTY_SERVICE) | (domain == MAINTENANCE)) & (prop >= 0)
    handler[to_property], delay[to_property] = prop[to_property], 1
    gov = h.government_for[domain]
    to_gov = ~to_property & (~h.committee_does[domain] | log.cross[idx]) & (gov >= 0)
    handler[to_gov], delay[to_gov] = gov[to_gov], lv.referral_days
    log.handler[idx], log.ready[idx] = handler, day + delay
    units = np.flatnonzero(h.kind == GOVERNMENT)
    cross = log.cross[idx] & (h.kind[handler] == GOVERNMENT)
    parts = np.where(cross, min(model.scenario.casework.units_per_cross_case, len(units)), 1).astype(np.int8)
    log.parts[idx] = parts
    unit = np.full((len(idx), int(parts.max(initial=1))), -1, np.int32)
    unit[:, 0] = handler
    for k in range(1, unit.shape[1]):
        has = parts > k
        u = model.streams["casework.units"].uniform_at(day, idx[has], k)
        free = ~(units[None, :, None] == unit[has][:, None, :k]).any(axis=2)
        pick = np.minimum((u * free.sum(axis=1)).astype(np.int64), free.sum(axis=1) - 1)
        unit[has, k] = units[np.argmax(np.cumsum(free, axis=1) > pick[:, None], axis=1)]
    case, part = np.nonzero(unit >= 0)
    who = unit[case, part]
    ready = np.where(part == 0, day + delay[case], NOT_YET).astype(np.int32)
    work = handling_days(draw("casework.work", idx[case], part), h.work_days[who])
    tasks.append(issue=idx[case], part=part.astype(np.int8), handler=who, ready=ready, work_left=work)
    log.stage[log.open[(log.stage[log.open] == IN_TRANSIT) & (log.ready[log.open] <= day)]] = QUEUED

    t = tasks.open[~tasks.done[tasks.open]]
    t = t[log.stage[tasks.issue[t]] == QUEUED]
    together = log.coordinated[tasks.issue[t]] | log.escalated[tasks.issue[t]]
    tasks.ready[t[together]] = np.minimum(tasks.ready[t[together]], day)
    t = t[tasks.ready[t] <= day]
    issue, part = tasks.issue[t], tasks.part[t]
    escalated = log.escalated[issue]
    walls = log.cross[issue] & (h.kind[tasks.handler[t]] == GOVERNMENT) & ~escalated & ~log.coordinated[issue]
    stalled = walls & (draw("casework.stall", issue, part) < lv.wall_stall)
    stalled_cases = np.unique(issue[stalled])
    log.stalled_days[stalled_cases] += 1
    log.stalled_today = len(stalled_cases)
    t, issue, part, escalated = t[~stalled], issue[~stalled], part[~stalled], escalated[~stalled]
    cap = h.capacity()
    slots = np.floor(cap + model.streams["casework.capacity"].uniform(day, len(cap))).astype(np.int64)
    handler = tasks.handler[t]
    order = np.lexsort((part, issue, log.reported[issue], ~escalated, handler))
    t, handler = t[order], handler[order]
    rank = np.arange(len(t)) - np.searchsorted(handler, handler, side="left")
    worked = t[rank < slots[handler]]
    tasks.work_left[worked] -= 1
    h.cases_worked += np.bincount(tasks.handler[worked], minlength=len(cap))
    finishing = worked[tasks.work_left[worked] <= 0]
    repair = (log.domain[tasks.issue[finishing]] == MAINTENANCE) & (h.kind[tasks.handler[finishing]] == COMMITTEE)
    finishing = _pay_repairs(model, finishing, np.flatnonzero(repair))
    if len(finishing):
        issue = tasks.issue[finishing]
        handler = tasks.handler[finishing]
        link = model.scenario.party.property_link * model.branch_table.strength[log.compound[issue]]
        success = np.where(h.kind[handler] == PROPERTY, np.minimum(1.0, h.success[handler] + link), h.success[handler])
        success = np.where(log.escalated[issue], np.maximum(success, lv.escalated_success), success)
        ok = draw("casework.outcome", issue, tasks.part[finishing]) < success
        tasks.ok[finishing] = ok
        tasks.done[finishing] = True
        log.part_failed[issue[~ok]] = True
        nxt = tasks.open[in_set(tasks.issue[tasks.open], issue, log.size) & ~tasks.done[tasks.open]]
        waiting = nxt[tasks.ready[nxt] == NOT_YET]
        first = waiting[np.lexsort((tasks.part[waiting], tasks.issue[waiting]))]
        lead = np.ones(len(first), bool)
        lead[1:] = tasks.issue[first][1:] != tasks.issue[first][:-1]
        tasks.ready[first[lead]] = day + lv.referral_days
        cases = np.unique(issue)
        done = cases[~np.isin(cases, tasks.issue[nxt])]
        log.close(done[~log.part_failed[done]], day, RESOLVED)
        log.close(done[log.part_failed[done]], day, FAILED)
    too_old = log.open[(log.stage[log.open] != CLOSED) & (log.reported[log.open] != NO_DAY)]
    too_old = too_old[day - log.reported[too_old] >= model.scenario.casework.max_days]
    if len(too_old):
        log.close(too_old, day, FAILED)


def test_compiled_casework_follows_the_numpy_rules(scn):
    # Escalations jumping the queue, walls, joint meetings, property companies, three-part cases and units
    # over capacity: the compiled phase gives the numpy rules' routes, parts, cases and counts exactly.
    slow_units = {f"government.units.{i}.capacity": 0.4 for i in range(len(scn.government.units))}
    # Repairs by committees (no property companies) that the pool pays for only some of the time.
    repairs = {"community.three_no_compounds": 1, "resources.funds_per_month": 600.0, "casework.repair_funds": 100.0}
    busy = scn.override({"casework.wall_stall": 0.5, "casework.units_per_cross_case": 3, **slow_units, **repairs})
    busy = busy.with_interventions(joint_meetings={"every_days": 30})

    def jump_the_queue(m, day):
        queued = m.issues.open_in_stage(QUEUED)
        if day % 4 == 0 and len(queued):  # the newest queued case jumps the queue
            m.issues.escalate(queued[-1:], m.day)

    compiled, oracle = _lockstep(busy, "casework", _casework_in_numpy, 120, jump_the_queue)
    log, tasks = compiled.issues, compiled.issues.tasks
    assert log.escalated[: log.size].sum() > 10 and log.stalled_days[: log.size].sum() > 10
    assert (log.parts[: log.size] > 2).sum() > 10 and (log.stage[: log.size] == CLOSED).sum() > 100
    for name in ("stage", "handler", "ready", "parts", "closed", "outcome", "part_failed", "stalled_days"):
        np.testing.assert_array_equal(getattr(log, name)[: log.size], getattr(oracle.issues, name)[: log.size])
    for name in ("issue", "part", "handler", "ready", "work_left", "done", "ok"):
        np.testing.assert_array_equal(
            getattr(tasks, name)[: tasks.size], getattr(oracle.issues.tasks, name)[: tasks.size]
        )
    np.testing.assert_array_equal(compiled.handlers.cases_worked, oracle.handlers.cases_worked)
    np.testing.assert_array_equal(compiled.pop.trust, oracle.pop.trust)
    paid = oracle.repairs_paid
    assert sum(paid) > 10 and len(paid) - sum(paid) > 10, (sum(paid), len(paid))
    for name in ("left", "reserve", "used", "available"):
        np.testing.assert_array_equal(getattr(compiled.pool, name), getattr(oracle.pool, name), err_msg=name)


def _channel_scores_in_numpy(model, who):
    """Log-odds bonus of each open channel for residents ``who`` (the numpy the compiled scores replaced)."""
    from simulation.processes.reporting import BASE_CHANNELS

    pop, rep = model.pop, model.scenario.reporting
    names = list(BASE_CHANNELS) + list(model.levers.extra_channels)
    scores = np.full((len(who), len(names)), -np.inf, np.float32)
    scores[:, 0] = rep.walk_in_time_weight * pop.free_time[who]
    relay = pop.party[who] | (model.network.dot_rows(pop.party.astype(np.float32), who) > 0)
    scores[relay, 1] = rep.branch_bonus * model.branch_table.strength[pop.compound[who[relay]]]
    if model.levers.app_enabled:
        scores[pop.digital[who], 2] = model.levers.app_bonus
    for k, name in enumerate(model.levers.extra_channels, start=len(BASE_CHANNELS)):
        scores[:, k] = model.levers.extra_channels[name][who]
    return scores, names


def _reporting_in_numpy(model, day):
    """The reporting phase as numpy arrays (the code ``reporting_kernels`` replaced), the oracle."""
    from simulation.arrays import sigmoid
    from simulation.population import T_COMMUNITY
    from simulation.processes.issues import GIVEN_UP, UNREPORTED

    channel_scores = _channel_scores_in_numpy

    log, pop, rep = model.issues, model.pop, model.scenario.reporting
    pending = log.open[log.stage[log.open] == UNREPORTED]
    old = pending[day - log.raised[pending] >= model.scenario.issues.grievance_days]
    log.close(old, day, GIVEN_UP)
    pending = pending[day - log.raised[pending] < model.scenario.issues.grievance_days]
    if len(pending) == 0:
        return
    households, of_issue = np.unique(log.household[pending], return_inverse=True)
    first, sizes = pop.hh_indptr[households], np.diff(pop.hh_indptr)[households]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    members = np.repeat(first - starts, sizes) + np.arange(int(sizes.sum()))
    scores, _ = channel_scores(model, members)
    best_channel = np.argmax(scores, axis=1)
    logit = (
        rep.base
        + rep.trust_weight * pop.trust[members, T_COMMUNITY]
        + rep.efficacy_weight * pop.efficacy[members]
        + scores[np.arange(len(members)), best_channel]
    )
    is_best = logit >= np.repeat(np.maximum.reduceat(logit, starts), sizes)
    local = np.minimum.reduceat(np.where(is_best, np.arange(len(members)), len(members)), starts)[of_issue]
    who = members[local]
    u = model.streams["reporting.decide"].uniform_at(day, who)
    go = u < sigmoid(logit[local]) * np.exp(-(day - log.raised[pending]) / rep.urgency_days)
    log.take_reports(pending[go], who[go], day, best_channel[local[go]])
    pop.last_report[who[go]] = day


@pytest.mark.parametrize("package", [False, True])
def test_compiled_channel_scores_equal_the_numpy_scores(scn, package):
    """Every resident's channel scores: walking in, the branch (members and their acquaintances), the app
    once it runs, and the channels interventions open."""
    from simulation.processes.reporting_kernels import channel_scores

    if package:
        scn = scn.with_interventions(model_households={}, elder_representatives={}, community_app={})
    model = CommunityModel(scn, rng=SEED)
    model.run_days(20)
    pop, rep, levers, net = model.pop, model.scenario.reporting, model.levers, model.network
    who = np.arange(pop.n)
    want, names = _channel_scores_in_numpy(model, who)
    extra = levers.extra_channels
    got = channel_scores(
        who, pop.free_time, np.float32(rep.walk_in_time_weight), pop.party, net.indptr, net.cols, net.weight,
        rep.branch_bonus, model.branch_table.strength, pop.compound, levers.app_enabled, pop.digital,
        np.float32(levers.app_bonus), np.stack(list(extra.values())) if extra else np.empty((0, pop.n), np.float32),
    )  # fmt: skip
    relayed_by_acquaintance = ~pop.party & np.isfinite(want[:, 1])
    assert relayed_by_acquaintance.any() and (~np.isfinite(want[:, 1])).any()
    assert np.isfinite(want[:, 2]).any() == package and len(names) > 4 * package
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ties", [False, True])
def test_compiled_reporting_follows_the_numpy_rules(scn, ties):
    # With trust, efficacy and free time weighing nothing, household members tie: the first one reports.
    flat = {"reporting.trust_weight": 0.0, "reporting.efficacy_weight": 0.0, "reporting.walk_in_time_weight": 0.0}
    busy = scn.override({"issues.grievance_days": 10, **(flat if ties else {})})
    busy = busy.with_interventions(model_households={}, elder_representatives={})
    compiled, oracle = _lockstep(busy, "reporting", _reporting_in_numpy, 90)
    log = compiled.issues
    assert (log.outcome[: log.size] == 3).sum() > 10 and (log.reported[: log.size] != NO_DAY).sum() > 20
    assert len(np.unique(log.channel[: log.size])) >= 3  # not reported, and two channels or more
    for name in ("stage", "reporter", "reported", "channel", "closed", "outcome"):
        np.testing.assert_array_equal(getattr(log, name)[: log.size], getattr(oracle.issues, name)[: log.size])
    np.testing.assert_array_equal(compiled.pop.last_report, oracle.pop.last_report)


def _notices_in_numpy(model, day):
    """Public notices and problems in sight as numpy arrays (the code ``feedback_kernels.notices`` replaced)."""
    from simulation.arrays import in_set
    from simulation.population import T_COMMUNITY, T_GOVERNMENT, T_PROPERTY
    from simulation.processes.feedback import VISIBLE_DOMAINS
    from simulation.processes.issues import RESOLVED
    from simulation.scenario import DOMAINS

    log, pop, tr, lv = model.issues, model.pop, model.scenario.trust, model.levers
    period = tr.notice_every_days
    recent = log.window(day, period + model.scenario.casework.max_days + model.scenario.issues.grievance_days)
    idx = np.arange(recent.start, recent.stop)
    resolved = idx[(log.outcome[idx] == RESOLVED) & (log.closed[idx] > day - period)]
    target = model.handlers.trust_target[log.handler[resolved]]
    reads = model.streams["feedback.notice"].uniform(day, pop.n) < 1.0 - (1.0 - lv.notice_reach) * (
        1.0 - lv.app_reach * pop.digital
    )
    for col in (T_COMMUNITY, T_GOVERNMENT, T_PROPERTY):
        per_compound = np.bincount(log.compound[resolved[target == col]], minlength=pop.n_compounds)
        seen = np.flatnonzero(reads & (per_compound[pop.compound] > 0))
        gain = np.minimum(tr.notice_gain * per_compound[pop.compound[seen]], tr.notice_max)
        pop.nudge("trust", seen, gain, column=col)
    o = log.open[log.stage[log.open] != CLOSED]
    visible = in_set(log.domain[o], VISIBLE_DOMAINS, len(DOMAINS)) & (day - log.raised[o] > period)
    stale = np.bincount(log.compound[o[visible]], minlength=pop.n_compounds)
    u = model.streams["feedback.neglect"].uniform(day, pop.n)
    sees = np.flatnonzero((u < pop.presence) & (stale[pop.compound] > 0))
    loss = np.minimum(tr.neglect_loss * stale[pop.compound[sees]], tr.neglect_max)
    has_company = model.handlers.property_of[pop.compound[sees]] >= 0
    pop.nudge("trust", sees[has_company], -loss[has_company], column=T_PROPERTY)
    pop.nudge("trust", sees[~has_company], -loss[~has_company], column=T_COMMUNITY)


def _feedback_in_numpy(model, day):
    """The feedback phase as numpy arrays (the code ``feedback_kernels`` replaced), the oracle."""
    from simulation.population import T_COMMUNITY
    from simulation.processes.issues import FAILED, GIVEN_UP, RESOLVED

    log, pop, tr = model.issues, model.pop, model.scenario.trust
    if tr.notice_every_days and day % tr.notice_every_days == 0:
        _notices_in_numpy(model, day)

    def households(hh, reporters, share):
        sizes = np.diff(pop.hh_indptr)[hh]
        event = np.repeat(np.arange(len(hh)), sizes)
        member = pop.hh_members[
            np.repeat(pop.hh_indptr[hh], sizes) + np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        ]
        return event, member, np.where(member == reporters[event], 1.0, share)

    closed = log.closed_today
    given_up = closed[log.outcome[closed] == GIVEN_UP]
    _, member, weight = households(log.household[given_up], np.full(len(given_up), -1), 1.0)
    pop.nudge("trust", member, -tr.grievance_loss * weight, column=T_COMMUNITY)
    handled = closed[np.isin(log.outcome[closed], (RESOLVED, FAILED))]
    if len(handled) == 0:
        return
    event, member, weight = households(log.household[handled], log.reporter[handled], tr.household_share)
    success = (log.outcome[handled] == RESOLVED)[event]
    timely = np.exp(-(day - log.raised[handled]) / tr.timely_days)[event]
    share = weight * np.where(success, tr.gain_success * timely, -tr.loss_failure)
    target = model.handlers.trust_target[log.handler[handled]][event]
    is_reporter = member == log.reporter[handled][event]
    pop.nudge_by_column("trust", member, share, target)
    if tr.hearsay_share > 0:
        _hearsay_in_numpy(model, member[is_reporter], share[is_reporter], target[is_reporter])
    referred = target != T_COMMUNITY
    pop.nudge("trust", member[referred], tr.referral_share * share[referred], column=T_COMMUNITY)
    pop.nudge("efficacy", member, weight * np.where(success, tr.efficacy_gain, -tr.efficacy_loss))
    u = model.streams["feedback.reply"].uniform_at(day, handled)
    replied = u < model.reply_probabilities()[np.maximum(log.channel[handled], 0)]
    pop.nudge("trust", log.reporter[handled[replied]], tr.reply_bonus, column=T_COMMUNITY)


def _hearsay_in_numpy(model, reporters, share, cols):
    """The reporters' acquaintances hear of their cases (the oracle): per trust column, gains and losses
    summed apart (float32, in entry order), spread by one product with the ties, and each group's
    ``hearsay_share`` of it (at most 1) a gap-closing update, gains first."""
    pop, tr = model.pop, model.scenario.trust
    columns = np.unique(cols)
    x = np.zeros((pop.n, 2 * len(columns)), np.float32)
    heard = share != 0
    group = 2 * np.searchsorted(columns, cols) + (share < 0)
    np.add.at(x, (reporters[heard], group[heard]), np.abs(share[heard]).astype(np.float32))
    h = np.float32(tr.hearsay_share) * model.network.dot(x)
    for g in range(x.shape[1]):
        who = np.flatnonzero(h[:, g] > 0)
        if len(who):
            gain = np.minimum(h[who, g], np.float32(1.0)).astype(np.float64)
            pop.nudge("trust", who, gain if g % 2 == 0 else -gain, column=int(columns[g // 2]))


def test_compiled_feedback_follows_the_numpy_rules(scn):
    busy = scn.override({"issues.grievance_days": 10, "trust.notice_every_days": 10}).with_interventions(
        whistle_report={}, community_app={}
    )  # (a notice every 10 days: nine of them)
    compiled, oracle = _lockstep(busy, "feedback", _feedback_in_numpy, 90)
    log = compiled.issues
    assert (log.outcome[: log.size] == 3).sum() > 10 and (log.outcome[: log.size] == 1).sum() > 20
    assert (log.outcome[: log.size] == 2).sum() > 10
    np.testing.assert_array_equal(compiled.pop.trust, oracle.pop.trust)
    np.testing.assert_array_equal(compiled.pop.efficacy, oracle.pop.efficacy)


def _proposals_in_numpy(model, day, attendees):
    """The attendees' proposals as numpy arrays (the code ``governance_kernels.proposals`` replaced)."""
    from simulation.arrays import in_set, sigmoid
    from simulation.population import T_COMMUNITY
    from simulation.processes.feedback import VISIBLE_DOMAINS
    from simulation.processes.governance import CONSULTATION
    from simulation.processes.issues import UNREPORTED
    from simulation.scenario import DOMAINS

    if len(attendees) == 0:
        return
    pop, g, log, tr = model.pop, model.scenario.governance, model.issues, model.scenario.trust
    u = model.streams["governance.propose"].uniform_at(day, attendees)
    who = attendees[u < sigmoid(g.proposal_base + g.proposal_efficacy_weight * pop.efficacy[attendees])]
    if len(who) == 0:
        return
    pop.last_proposal[who] = day
    pop.last_governance[who] = day
    pop.governance_actions[who] += 1
    model.proposal_days = np.concatenate([model.proposal_days, np.full(len(who), day, np.int32)])
    free = 1.0 - model.handlers.admin_burden[model.handlers.committee_of[pop.community[who]]]
    adopted = model.streams["governance.adopt"].uniform_at(day, who) < g.adoption_prob * free
    o = log.open[log.stage[log.open] != CLOSED]
    household_issue = np.zeros(pop.n_households, bool)
    household_issue[log.household[o]] = True
    stale = in_set(log.domain[o], VISIBLE_DOMAINS, len(DOMAINS)) & (day - log.raised[o] > tr.notice_every_days)
    open_problem = np.zeros(pop.n_compounds, bool)
    open_problem[log.compound[o[stale]]] = True
    about_issue = household_issue[pop.household[who]]
    about_repairs = ~about_issue & open_problem[pop.compound[who]]
    about_activity = ~about_issue & ~about_repairs
    taken = who[adopted & about_issue]
    if len(taken):
        mine = o[in_set(log.household[o], pop.household[taken], pop.n_households) & (log.stage[o] != CLOSED)]
        unreported = log.stage[mine] == UNREPORTED
        households = log.household[mine[unreported]]
        hh = pop.household[taken]
        order = np.argsort(hh, kind="stable")  # the household's first proposer reports its issues
        reporters = taken[order][np.searchsorted(hh[order], households)]
        log.take_reports(mine[unreported], reporters, day, CONSULTATION)
        log.coordinate(mine[~unreported])
    for c in np.unique(pop.community[who[adopted & about_repairs]]):
        model.pool.reserve_for_repairs(int(c), g.repair_reserve)
    wanted = who[adopted & about_activity]
    for c in np.unique(pop.community[wanted]):
        committee = model.organisers.of([model.committees[int(c)]])[0]
        for t in np.argmax(pop.interest[wanted[pop.community[wanted] == c]], axis=1):
            model.organisers.request_type(committee, int(t))
    heard, unheard = who[adopted], who[~adopted]
    pop.nudge("efficacy", heard, tr.heard_gain)
    pop.nudge("trust", heard, tr.heard_gain, column=T_COMMUNITY)
    pop.nudge("efficacy", unheard, -tr.unheard_loss)


def _governance_in_numpy(model, day):
    """The governance phase with the consultations' candidates and seats and the proposals as numpy arrays
    (the code ``governance_kernels`` replaced), the oracle; elections are the phase's own."""
    from simulation.arrays import in_set, sigmoid
    from simulation.network import ACTIVITY
    from simulation.population import T_COMMUNITY

    pop, g = model.pop, model.scenario.governance

    def logit(base, idx):
        return (
            base
            + g.interest_weight * pop.public_affairs[idx]
            + g.trust_weight * pop.trust[idx, T_COMMUNITY]
            + g.efficacy_weight * pop.efficacy[idx]
            + g.free_time_weight * pop.free_time[idx]
            + g.mobilisation_weight * pop.invited[idx]
            + g.party_weight * pop.party[idx]
        )

    every = model.levers.consultation_every_days
    holding = np.arange(-day % every, pop.n_compounds, every)
    if len(holding):
        in_scope = np.flatnonzero(in_set(pop.compound, holding, pop.n_compounds))
        u_aware = model.streams["governance.aware"].uniform_at(day, in_scope)
        cand = in_scope[pop.invited[in_scope] | (u_aware < model.levers.notice_reach)]
        join = cand[model.streams["governance.join"].uniform_at(day, cand) < sigmoid(logit(g.base, cand))]
        order = np.lexsort((model.streams["governance.order"].uniform_at(day, join), pop.compound[join]))
        join = join[order]
        comp = pop.compound[join]
        rank = np.arange(len(join)) - np.searchsorted(comp, comp, side="left")
        join = join[rank < g.consultation_capacity]
        pop.last_governance[join] = day
        pop.governance_actions[join] += 1
        model.consultations_held += len(holding)
        _proposals_in_numpy(model, day, join)
        if model.scenario.drivers.ties and len(join) > 1:
            comp = pop.compound[join]
            same = comp[1:] == comp[:-1]
            model.network.meet(join[:-1][same], join[1:][same], ACTIVITY)
    if g.election_day >= 0 and (day - g.election_day) % g.election_every_days == 0:
        u = model.streams["governance.vote"].uniform(day, pop.n)
        votes = np.flatnonzero(u < sigmoid(logit(g.vote_base, slice(None))))
        pop.last_vote[votes] = day
        pop.voted_last_election[:] = False
        pop.voted_last_election[votes] = True
        model.last_election_day = day
        model.elections_held += 1


def test_compiled_governance_follows_the_numpy_rules(scn):
    from simulation.processes.governance import CONSULTATION

    # Consultations every 6 days, seats for 8, and a notice that reaches most: the seats run out.
    busy = scn.override(
        {
            "governance.consultation_every_days": 6,
            "governance.consultation_capacity": 8,
            "governance.election_day": 20,
            "governance.election_every_days": 25,
            "governance.adoption_prob": 1.0,  # (many proposals taken up: their issues reported or coordinated,
            "reporting.base": -6.0,  # and many issues left for consultations to report)
            "activities.notice_reach": 0.9,
        }
    ).with_interventions(model_households={}, representative_election={})
    compiled, oracle = _lockstep(busy, "governance", _governance_in_numpy, 60)
    assert compiled.consultations_held >= 20 and compiled.elections_held >= 2
    np.testing.assert_array_equal(compiled.pop.governance_actions, oracle.pop.governance_actions)
    assert compiled.pop.governance_actions.sum() > 100
    np.testing.assert_array_equal(compiled.pop.last_governance, oracle.pop.last_governance)
    np.testing.assert_array_equal(compiled.pop.last_vote, oracle.pop.last_vote)
    np.testing.assert_array_equal(compiled.pop.trust, oracle.pop.trust)
    np.testing.assert_array_equal(compiled.pop.efficacy, oracle.pop.efficacy)
    np.testing.assert_array_equal(compiled.network.weight, oracle.network.weight)
    # The proposals: who made them, what the committee did with them.
    np.testing.assert_array_equal(compiled.pop.last_proposal, oracle.pop.last_proposal)
    np.testing.assert_array_equal(compiled.proposal_days, oracle.proposal_days)
    assert len(compiled.proposal_days) > 50
    for name in ("stage", "reporter", "channel", "reported", "coordinated"):
        np.testing.assert_array_equal(getattr(compiled.issues, name), getattr(oracle.issues, name), err_msg=name)
    np.testing.assert_array_equal(compiled.pool.reserve, oracle.pool.reserve)
    log = compiled.issues
    assert (log.channel[: log.size] == CONSULTATION).sum() >= 2 and log.coordinated.sum() >= 2  # issues taken up


def _activities_in_numpy(model, day):
    """The activities phase with seating and attendance as numpy arrays (the code ``activities_kernels``
    replaced), the oracle; holding and awareness are the phase's own."""
    from simulation.arrays import sigmoid
    from simulation.kernels import activity_aware
    from simulation.network import ACTIVITY
    from simulation.population import T_NEIGHBOURS
    from simulation.processes.activities import MONTH, _hold_today, _record, activity_slot

    pop, act, tr = model.pop, model.scenario.activities, model.scenario.trust
    if day % MONTH == 1:
        pop.activities_month[:] = 0
    held = _hold_today(model, day)
    if not held:
        return
    orgs = [org for org, _, _ in held]
    slots = [activity_slot(org.slot, j) for org, j, _ in held]
    offsets = np.concatenate([[0], np.cumsum([len(org.scope) for org in orgs])])
    s = np.concatenate([org.scope for org in orgs])
    aware, logit, _ = activity_aware(
        s, offsets, np.array([k for _, _, k in held], np.int64), np.array([org.trust_col for org in orgs], np.int64),
        np.array([org.invites for org in orgs], bool), model.streams["activities.aware"].words(day, slots),
        model.streams["activities.attend"].words(day, slots), pop.interest, pop.free_time, pop.trust, pop.pulled, pop.invited, pop.digital,
        pop.activities_month, np.float32(act.max_per_month), np.float32(act.base),
        np.float32(act.interest_weight), np.float32(act.free_time_weight), np.float32(act.trust_weight),
        float(act.social_weight), float(act.invite_weight), 1.0 - model.levers.notice_reach,
        float(model.levers.app_reach),
    )  # fmt: skip
    # Only residents with free time left this month hear of it (the budget rule in numpy).
    assert (pop.activities_month < act.max_per_month * pop.free_time)[s[aware]].all()
    order_stream = model.streams["activities.order"]
    going = model.streams["activities.attend"].uniform_segments_at(day, slots, offsets, aware) < sigmoid(logit)
    want = aware[going]
    who, act_of = s[want], np.searchsorted(offsets, want, side="right") - 1
    util, arrival = logit[going], order_stream.uniform_segments_at(day, slots, offsets, want)
    order = np.lexsort((act_of, -util, who))
    first = np.ones(len(order), bool)
    first[1:] = who[order][1:] != who[order][:-1]
    chosen = order[first]
    chosen = chosen[np.lexsort((arrival[chosen], act_of[chosen]))]
    a_sorted = act_of[chosen]
    place = np.arange(len(chosen)) - np.searchsorted(a_sorted, a_sorted, side="left")
    demand = np.bincount(a_sorted, minlength=len(held))
    chosen = chosen[place < np.array([org.capacity for org in orgs])[a_sorted]]
    bounds = np.searchsorted(act_of[chosen], np.arange(len(held) + 1))
    attendees, sizes = who[chosen], np.diff(bounds)
    pop.last_activity[attendees] = day
    pop.activities_attended[attendees] += 1
    pop.activities_month[attendees] += 1
    pop.nudge_by_column("trust", attendees, tr.attendance_gain, np.repeat([org.trust_col for org in orgs], sizes))
    k = act.co_attendee_ties
    rings = [a for a in range(len(held)) if sizes[a] >= 2]
    if k and model.scenario.drivers.ties and rings:
        place = want[chosen]
        by_place = np.argsort(place)
        u = np.empty(len(attendees))
        u[by_place] = order_stream.uniform_segments_at(day, [x + 1 for x in slots], offsets, place[by_place])
        in_ring = np.repeat(sizes >= 2, sizes)
        members, u, length = attendees[in_ring], u[in_ring], sizes[rings]
        ring = members[np.lexsort((u, np.repeat(np.arange(len(rings)), length)))]
        start = np.repeat(np.cumsum(length) - length, length)
        step = np.tile(np.arange(1, k + 1), len(ring))
        at = (np.repeat(np.arange(len(ring)) - start, k) + step) % np.repeat(np.repeat(length, length), k)
        model.network.meet(np.repeat(ring, k), ring[np.repeat(start, k) + at], ACTIVITY)
        pop.nudge("trust", members, tr.contact_gain, column=T_NEIGHBOURS)
    _record(model, day, held, attendees, bounds, demand)


@pytest.mark.parametrize("ties", [False, True])
def test_compiled_activities_follow_the_numpy_rules(scn, ties):
    # With every weight but the base at 0, everyone likes every activity alike: the lowest-numbered wins.
    flat = {f"activities.{w}_weight": 0.0 for w in ("interest", "free_time", "trust", "social", "invite")}
    busy = scn.override({"activities.base": 1.0, **(flat if ties else {})}).with_interventions(
        cultural_sports_orgs={}, model_households={}
    )
    compiled, oracle = _lockstep(busy, "activities", _activities_in_numpy, 60)
    assert len(compiled.activity_log) > 40 and 0 < compiled.pop.activities_attended.mean()
    assert compiled.activity_log == oracle.activity_log
    assert any(a.demand > a.places for a in compiled.activity_log)
    for name in ("last_activity", "activities_attended", "activities_month", "trust", "last_contact"):
        np.testing.assert_array_equal(getattr(compiled.pop, name), getattr(oracle.pop, name))
    np.testing.assert_array_equal(compiled.network.cols, oracle.network.cols)
    np.testing.assert_array_equal(compiled.network.weight, oracle.network.weight)


# -- trust from what people see --------------------------------------------------------------
def test_hearsay_spreads_case_outcomes_to_acquaintances(scn):
    m = run(scn, days=59)
    deaf = m.fork()
    deaf._scenario_spec = m.scenario.override({"trust.hearsay_share": 0.0})  # the same day, without hearsay
    m.step()
    deaf.step()
    handled = m.issues.closed_today[np.isin(m.issues.outcome[m.issues.closed_today], (1, 2))]
    assert len(handled)
    reporters = m.issues.reporter[handled]
    households = np.isin(m.pop.household, m.pop.household[reporters])
    heard = np.zeros(m.pop.n, bool)
    for r in reporters:
        heard[m.network.neighbours(r)] = True
    outsiders = heard & ~households  # acquaintances outside the reporters' households
    moved = np.abs(m.pop.trust - deaf.pop.trust).sum(axis=1)
    assert (moved[outsiders] > 0).any()
    # Those who heard moved most; others only through the same day's word of mouth and its ripples.
    assert moved[outsiders].mean() > 5 * moved[~heard & ~households].mean()


def test_public_notices_raise_trust_in_the_community(scn, base):
    silent = run(scn, **{"trust.notice_every_days": 0})
    assert window_mean(base, "trust_community") > window_mean(silent, "trust_community")


@pytest.mark.slow
def test_the_baseline_rests_after_its_burn_in():
    m = CommunityModel(rng=11)  # the baseline with its burn-in
    m.run_for(730)
    df = m.datacollector.get_model_vars_dataframe()
    for name in ("trust_community", "trust_government", "efficacy"):
        year1, year2 = df[name].iloc[:365].mean(), df[name].iloc[365:].mean()
        assert abs(year2 - year1) < 0.01, (name, year1, year2)


# -- Party branches ---------------------------------------------------------------------------
def test_branches_integrate_dual_reporting_and_invitations(scn, base):
    m = run(scn.with_interventions("dual_reporting"), days=40)
    assert (m.branch_table.strength > base.branch_table.strength).all()
    assert m.branches[0].strength == pytest.approx(float(m.branch_table.strength[0]))
    # Stronger branches: their members ask more neighbours in person.
    weak = run(scn, days=40, **{"party.branch_strength": 0.05})
    strong = run(scn, days=40, **{"party.branch_strength": 0.9})
    assert window_mean(strong, "participation_rate", 20) > window_mean(weak, "participation_rate", 20)


# -- consultations with consequences -------------------------------------------------------------
def test_proposals_are_made_and_change_what_the_committee_does(scn, base):
    assert window_mean(base, "proposals_made") > 0
    assert (base.pop.last_proposal != NO_DAY).sum() > 0
    # A committee free of tasks from above takes every proposal up.
    heard = run(scn, **{"governance.adoption_prob": 1.0, "casework.admin_burden": 0.0})
    ignored = run(scn, **{"governance.adoption_prob": 0.0, "casework.admin_burden": 0.0})
    rotation = set(scn.activities.committee_types)
    committee = heard.organisers.of([heard.committees[0]])[0]
    held = {a.type for a in heard.activity_log if a.slot == committee.slot}
    assert held - rotation  # adopted proposals asked for activities outside the rotation
    assert {t for t in committee.types} == {ACTIVITY_TYPES.index(t) for t in rotation}  # which itself stays
    # Being heard matters: with every proposal adopted, efficacy ends higher than with none.
    assert heard.metrics()["efficacy"] > ignored.metrics()["efficacy"]


# -- outputs -------------------------------------------------------------------------------------
def test_compound_metrics_has_one_row_per_compound(base):
    df = base.compound_metrics()
    assert len(df) == base.pop.n_compounds
    assert df["adults"].sum() == base.pop.n
    assert df["three_no"].tolist() == base.pop.three_no.tolist()
    assert (df.loc[df.three_no, "property_company"] == False).all()  # noqa: E712
    m = base.metrics()
    weighted = (df["participation_rate"] * df["adults"]).sum() / df["adults"].sum()
    assert weighted == pytest.approx(m["participation_rate"])
    for col in ("trust_community", "isolated_share", "service_satisfaction", "issues_raised_90d"):
        assert col in df


def test_turnout_is_measured_at_elections_only(scn):
    m = run(scn, days=60, **{"governance.election_day": 30})
    df = m.datacollector.get_model_vars_dataframe()
    assert df["turnout"].iloc[:29].isna().all() and df["turnout"].iloc[29:].notna().all()
    assert df["turnout"].iloc[29:].nunique() == 1  # it stays what the election gave
    # No other rate jumps on election day.
    for name in ("participation_rate", "governance_participation_rate"):
        assert abs(df[name].iloc[29] - df[name].iloc[28]) < 0.05
