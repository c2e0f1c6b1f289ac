"""Casework's day, compiled (numba): one pass each where numpy made a few dozen calls.

``route_new_cases`` routes the cases reported since yesterday, splits them into
parts (one per unit they need) and queues the cases that reached their
handler; ``work_parts`` finds the day's workable parts, stalls some at departmental
walls, ranks each unit's queue and works as many parts as the unit can;
``pay_repairs`` takes the committees' repairs from the pool; ``finish_parts`` draws the
outcomes of the parts finished, hands cases on to their next unit and closes the cases
whose last part is done (``work_day``: the three in one call). The rules are
those of ``simulation.processes.casework`` (its docstring), and the draws are
the streams' own: the draw of (case, part) is draw number ``case`` of the
stream's state for slot ``part``, as ``Stream.uniform_by_slot`` gives it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation import pcg64
from simulation.handlers import COMMITTEE, GOVERNMENT, PROPERTY
from simulation.kernels import distinct, pay_in_order, stable_by
from simulation.processes.issues import (
    CLOSED,
    FAILED,
    IN_TRANSIT,
    MAINTENANCE,
    NO_DAY,
    NOT_YET,
    PROPERTY_SERVICE,
    QUEUED,
    RESOLVED,
)


@njit(cache=True, nogil=True)
def route_new_cases(
    day,
    open_issues,
    stage,
    handler,
    ready,
    parts,
    domain,
    compound,
    community,
    cross,
    committee_of,
    property_of,
    government_for,
    committee_does,
    h_kind,
    units_per_cross_case,
    referral_days,
    unit_words,
    work_words,
    work_days,
):
    """Route the open cases on their way and not yet routed, and queue the cases that reach their handler.

    Maintenance and property service go to the compound's property company (a
    day later) where there is one; the committee keeps its own domains
    (``committee_does``, per domain) unless the case needs several departments;
    everything else goes to the government unit for the domain (``government_for``,
    -1: none, then the committee keeps it) after ``referral_days``. A
    cross-department case at a government unit has ``units_per_cross_case``
    parts (at most one per unit): its unit, then others drawn among the units
    not yet on the case (``unit_words``, slot = part). Returns the new parts as
    (case, part, unit, ready day, minus): ``minus`` holds the arguments of the two logarithms of each
    part's handling days (``handling_days``: first ``-u`` of every part, u its draw from ``work_words``,
    slot = part; then ``-min(p, 1 - 1e-12)``, p = 1 / its unit's ``work_days``, at least 1), whose
    ``log1p`` ``new_parts`` takes; later parts wait (``NOT_YET``).
    """
    units = np.flatnonzero(h_kind == GOVERNMENT)
    per_case = min(units_per_cross_case, units.shape[0])
    if per_case > unit_words.shape[0] or per_case > work_words.shape[0]:
        raise ValueError("route_new_cases: a part number has no stream slot")
    n = open_issues.shape[0]
    new_issue = np.empty(n * max(per_case, 1), np.int64)
    new_part = np.empty(new_issue.shape[0], np.int8)
    new_unit = np.empty(new_issue.shape[0], np.int32)
    new_ready = np.empty(new_issue.shape[0], np.int32)
    new_u = np.empty(new_issue.shape[0])
    on_case = np.empty(max(per_case, 1), np.int64)
    m = 0
    for k in range(n):
        i = open_issues[k]
        if stage[i] != IN_TRANSIT or handler[i] >= 0:
            continue
        d = domain[i]
        to = committee_of[community[i]]
        delay = 0
        prop = property_of[compound[i]]
        if (d == PROPERTY_SERVICE or d == MAINTENANCE) and prop >= 0:
            to, delay = prop, 1
        elif (not committee_does[d] or cross[i]) and government_for[d] >= 0:
            to, delay = government_for[d], referral_days
        handler[i] = to
        ready[i] = day + delay
        n_parts = per_case if cross[i] and h_kind[to] == GOVERNMENT else 1
        parts[i] = n_parts
        on_case[0] = to
        for part in range(n_parts):
            if part > 0:  # another government unit, drawn among those not yet on the case
                n_free = units.shape[0] - part
                pick = min(np.int64(pcg64.draw_at(unit_words[part], i) * n_free), n_free - 1)
                for unit in units:
                    taken = False
                    for q in range(part):
                        taken = taken or on_case[q] == unit
                    if not taken:
                        if pick == 0:
                            on_case[part] = unit
                            break
                        pick -= 1
            new_issue[m], new_part[m], new_unit[m] = i, part, on_case[part]
            new_ready[m] = day + delay if part == 0 else NOT_YET
            new_u[m] = pcg64.draw_at(work_words[part], i)
            m += 1
    for k in range(n):  # the cases that reach their handler today
        i = open_issues[k]
        if stage[i] == IN_TRANSIT and ready[i] <= day:
            stage[i] = QUEUED
    minus = np.empty(2 * m)
    for k in range(m):
        minus[k] = -new_u[k]
        minus[m + k] = -min(_handling_chance(work_days[new_unit[k]]), 1 - 1e-12)
    return new_issue[:m], new_part[:m], new_unit[:m], new_ready[:m], minus


@njit(cache=True, nogil=True, inline="always")
def _handling_chance(mean):
    """The daily chance that a part's work ends, for a mean of ``mean`` handling days (at least 1)."""
    return 1.0 / max(mean, 1.0)


@njit(cache=True, nogil=True)
def handling_days(logs, work_days, unit):
    """Handling days of the new parts, geometric on 1, 2, ... with their unit's mean ``work_days`` (at least
    1), by inverse CDF of their draws: from ``logs``, the ``log1p`` of ``route_new_cases``' ``minus``
    (``log1p(-u)`` then ``log1p(-min(p, 1 - 1e-12))``)."""
    m = unit.shape[0]
    out = np.empty(m, np.int32)
    for k in range(m):
        p = _handling_chance(work_days[unit[k]])
        extra = 0.0 if p >= 1.0 else np.floor(logs[k] / logs[m + k])
        out[k] = np.int32(1.0 + extra)
    return out


@njit(cache=True, nogil=True)
def new_parts(
    day, open_issues, stage, handler, ready, parts, domain, compound, community, cross, committee_of, property_of,
    government_for, committee_does, h_kind, units_per_cross_case, referral_days, unit_words, work_words, work_days,
    at, t_issue, t_part, t_handler, t_ready, t_work_left,
):  # fmt: skip
    """``route_new_cases`` and the new parts' handling days (``handling_days`` of the ``log1p`` of its
    ``minus``), in one call: the new parts' issue, part number, unit, ready day and handling days written
    into the task log's columns from row ``at`` (room made by the caller: up to ``units_per_cross_case``
    rows, at least 1, per open issue). Returns how many (the caller then counts them in)."""
    issue, part, unit, ready_day, minus = route_new_cases(
        day, open_issues, stage, handler, ready, parts, domain, compound, community, cross, committee_of,
        property_of, government_for, committee_does, h_kind, units_per_cross_case, referral_days, unit_words,
        work_words, work_days,
    )  # fmt: skip
    logs = np.empty(minus.shape[0])
    for k in range(minus.shape[0]):
        logs[k] = np.log1p(minus[k])
    work_left = handling_days(logs, work_days, unit)
    for k in range(issue.shape[0]):
        row = at + k
        t_issue[row], t_part[row], t_handler[row] = issue[k], part[k], unit[k]
        t_ready[row], t_work_left[row] = ready_day[k], work_left[k]
    return issue.shape[0]


@njit(cache=True, nogil=True)
def work_parts(
    day,
    open_parts,
    t_issue,
    t_part,
    t_handler,
    t_ready,
    t_work_left,
    t_done,
    stage,
    coordinated,
    escalated,
    cross,
    reported,
    stalled_days,
    domain,
    h_kind,
    capacity,
    capacity_words,
    stall_words,
    wall_stall,
    cases_worked,
):
    """One day's work on the open parts ``open_parts`` (task rows).

    A part is workable when its case is queued and its ready day has come (a
    coordinated or escalated case's parts are all ready at once). A workable
    part of a cross-department case at a government unit, neither escalated
    nor coordinated, stalls with chance ``wall_stall`` (draw: ``stall_words``,
    one row of generator words per part number). Each unit works
    ``floor(capacity + u)`` parts (u: draw number unit of ``capacity_words``):
    escalated first, then by report day, case and part. Worked parts lose a day
    of ``t_work_left``, units count them in ``cases_worked``, stalled cases a
    day in ``stalled_days``. Returns the worked parts whose work is done (in
    queue order), which of them are repairs the committee pays for
    (maintenance at a committee: positions in the former), and the number of
    cases stalled today.
    """
    n = open_parts.shape[0]
    workable = np.empty(n, np.int64)
    m = 0
    for k in range(n):
        p = open_parts[k]
        if t_done[p]:
            continue
        i = t_issue[p]
        if stage[i] != QUEUED:
            continue
        if (coordinated[i] or escalated[i]) and t_ready[p] > day:
            t_ready[p] = day  # the remaining parts are worked at once
        if t_ready[p] <= day:
            workable[m] = p
            m += 1
    # Departmental walls.
    stalled = np.empty(m, np.int64)
    n_stalled, kept = 0, 0
    for k in range(m):
        p = workable[k]
        i = t_issue[p]
        if cross[i] and h_kind[t_handler[p]] == GOVERNMENT and not escalated[i] and not coordinated[i]:
            if t_part[p] >= stall_words.shape[0]:
                raise ValueError("work_parts: a part number has no stall stream slot")
            if pcg64.draw_at(stall_words[t_part[p]], i) < wall_stall:
                stalled[n_stalled] = i
                n_stalled += 1
                continue
        workable[kept] = p
        kept += 1
    stalled = distinct(stalled[:n_stalled])
    for i in stalled:
        stalled_days[i] += 1
    cases_stalled = stalled.shape[0]
    # Each unit's queue: escalated first, then oldest report, then case and part (a lexicographic sort,
    # least significant key first).
    parts = workable[:kept]
    issue = t_issue[parts]
    order = np.arange(kept)
    order = stable_by(order, t_part[parts])
    order = stable_by(order, issue)
    order = stable_by(order, reported[issue])
    order = stable_by(order, np.logical_not(escalated[issue]))
    order = stable_by(order, t_handler[parts])
    # Capacity: whole parts a day, the fraction carried by a draw per unit.
    slots = np.empty(capacity.shape[0], np.int64)
    s_hi, s_lo, i_hi, i_lo = pcg64.start(capacity_words)
    for h in range(capacity.shape[0]):
        s_hi, s_lo, u = pcg64.step(s_hi, s_lo, i_hi, i_lo)
        slots[h] = np.int64(np.floor(capacity[h] + u))
    finishing = np.empty(kept, np.int64)
    n_finishing, rank, last = 0, 0, -1
    for k in range(kept):
        p = parts[order[k]]
        h = t_handler[p]
        rank = rank + 1 if h == last else 0
        last = h
        if rank < slots[h]:
            t_work_left[p] -= 1
            cases_worked[h] += 1
            if t_work_left[p] <= 0:
                finishing[n_finishing] = p
                n_finishing += 1
    finishing = finishing[:n_finishing]
    repairs = np.empty(n_finishing, np.int64)
    n_repairs = 0
    for k in range(n_finishing):
        if domain[t_issue[finishing[k]]] == MAINTENANCE and h_kind[t_handler[finishing[k]]] == COMMITTEE:
            repairs[n_repairs] = k
            n_repairs += 1
    return finishing, repairs[:n_repairs], cases_stalled


@njit(cache=True, nogil=True)
def overdue(day, open_issues, stage, reported, max_days):
    """The open cases reported ``max_days`` or more days ago and not closed (in ``open_issues`` order)."""
    out = np.empty(open_issues.shape[0], np.int64)
    n = 0
    for i in open_issues:
        if stage[i] != CLOSED and reported[i] != NO_DAY and day - reported[i] >= max_days:
            out[n] = i
            n += 1
    return out[:n]


@njit(cache=True, nogil=True)
def finish_parts(
    day,
    finishing,
    open_parts,
    t_issue,
    t_part,
    t_handler,
    t_ready,
    t_done,
    t_ok,
    h_kind,
    h_success,
    escalated,
    compound,
    branch_strength,
    property_link,
    escalated_success,
    outcome_words,
    referral_days,
    part_failed,
    stage,
    closed,
    outcome,
):
    """Outcomes of the parts ``finishing`` (task rows) and what follows from them.

    A part succeeds with its unit's chance (a property company's raised by the
    compound's Party branch, ``property_link`` x strength, up to 1; an escalated
    case's at least ``escalated_success``), by a draw of ``outcome_words`` (one
    row per part number). The next waiting part of each case is ready after
    ``referral_days``; a case with no part left closes, resolved if no part
    failed. Returns the closed cases: the resolved ones, then the failed ones,
    each ascending.
    """
    for k in range(finishing.shape[0]):
        p = finishing[k]
        i, h = t_issue[p], t_handler[p]
        if t_part[p] >= outcome_words.shape[0]:
            raise ValueError("finish_parts: a part number has no outcome stream slot")
        u = pcg64.draw_at(outcome_words[t_part[p]], i)
        success = h_success[h]
        if h_kind[h] == PROPERTY:
            success = min(1.0, success + property_link * branch_strength[compound[i]])
        if escalated[i]:
            success = max(success, escalated_success)
        t_ok[p] = u < success
        t_done[p] = True
        if not t_ok[p]:
            part_failed[i] = True
    cases = distinct(t_issue[finishing])
    left = np.zeros(cases.shape[0], np.bool_)  # a part of the case is still to do
    first = np.full(cases.shape[0], -1, np.int64)  # its lowest waiting part
    for k in range(open_parts.shape[0]):
        p = open_parts[k]
        if t_done[p]:
            continue
        j = np.searchsorted(cases, t_issue[p])
        if j == cases.shape[0] or cases[j] != t_issue[p]:
            continue
        left[j] = True
        if t_ready[p] == NOT_YET and (first[j] < 0 or t_part[p] < t_part[first[j]]):
            first[j] = p
    for j in range(cases.shape[0]):
        if first[j] >= 0:
            t_ready[first[j]] = day + referral_days  # passed on to the next unit
    closing = np.empty(cases.shape[0], np.int64)
    n = 0
    for failed in (False, True):
        for j in range(cases.shape[0]):
            i = cases[j]
            if not left[j] and part_failed[i] == failed:
                stage[i] = CLOSED
                closed[i] = day
                outcome[i] = FAILED if failed else RESOLVED
                closing[n] = i
                n += 1
    return closing[:n]


@njit(cache=True, nogil=True)
def pay_repairs(finishing, repairs, funds, limited, t_issue, community, t_work_left, left, reserve, used_today):
    """Committee repairs (``repairs``: positions in ``finishing``) take ``funds`` each from their community's
    pool, oldest first (``ResourcePool.pay``: ``pay_in_order`` on ``left``, ``reserve`` and ``used_today``; an
    unlimited pool, not ``limited``, pays them all); those it cannot pay wait a day (one day of work left).
    Returns the parts that finish today."""
    if not limited:
        used_today[1] += funds * repairs.shape[0]
        return finishing
    communities = np.empty(repairs.shape[0], np.int64)
    for k in range(repairs.shape[0]):
        communities[k] = community[t_issue[finishing[repairs[k]]]]
    paid = pay_in_order(communities, funds, left, reserve, used_today)
    keep = np.ones(finishing.shape[0], np.bool_)
    for k in range(repairs.shape[0]):
        if not paid[k]:
            t_work_left[finishing[repairs[k]]] = 1  # the last day of work waits for funds
            keep[repairs[k]] = False
    return finishing[keep]


@njit(cache=True, nogil=True)
def work_day(
    day, open_parts, t_issue, t_part, t_handler, t_ready, t_work_left, t_done, t_ok, stage, coordinated, escalated,
    cross, reported, stalled_days, domain, compound, community, part_failed, closed, outcome, h_kind, h_success,
    capacity, cases_worked, capacity_words, stall_words, outcome_words, wall_stall, branch_strength,
    property_link, escalated_success, referral_days, repair_funds, limited, pool_left, pool_reserve, used_today,
):  # fmt: skip
    """Casework's day after the routing, in one call: ``work_parts``, ``pay_repairs`` (when ``repair_funds`` >
    0) and ``finish_parts`` of the parts that finish. Returns the cases closed and the cases stalled today."""
    finishing, repairs, stalled = work_parts(
        day, open_parts, t_issue, t_part, t_handler, t_ready, t_work_left, t_done, stage, coordinated, escalated,
        cross, reported, stalled_days, domain, h_kind, capacity, capacity_words, stall_words, wall_stall,
        cases_worked,
    )  # fmt: skip
    if repair_funds > 0 and repairs.shape[0]:
        finishing = pay_repairs(
            finishing, repairs, repair_funds, limited, t_issue, community, t_work_left, pool_left, pool_reserve,
            used_today,
        )  # fmt: skip
    if finishing.shape[0] == 0:
        return np.empty(0, np.int64), stalled
    closing = finish_parts(
        day, finishing, open_parts, t_issue, t_part, t_handler, t_ready, t_done, t_ok, h_kind, h_success, escalated,
        compound, branch_strength, property_link, escalated_success, outcome_words, referral_days, part_failed,
        stage, closed, outcome,
    )  # fmt: skip
    return closing, stalled
