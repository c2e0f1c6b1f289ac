"""Activities' day, compiled (numba): who is aware of today's activities and would go, who is seated
and what attendance does, in one call where numpy made about seventy (the rules:
``simulation.processes.activities``). Holds the GIL: the gap-closing rule's ``slot`` is
shared scratch."""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation import pcg64
from simulation.kernels import activity_aware, nudge_columns, nudge_values, stable_by
from simulation.population import T_NEIGHBOURS


@njit(cache=True)
def attend_today(
    day, s, offsets, kind, org_invites, aware_words, attend_words, interest, free_time, pulled, invited, digital,
    month_max, base, w_interest, w_free, w_trust, w_social, w_invite, not_noticed, app_reach, order_words,
    ring_words, capacity, trust_cols, last_activity, attended, month, trust, attendance_gain, ring_ties,
    contact_gain, slot,
):  # fmt: skip
    """Today's activities (their scopes laid end to end in ``s`` from ``offsets``): ``activity_aware`` (the
    places aware with budget left, their log-odds and attendance draws), then ``seat_and_attend`` with the
    chance of going, the logistic of the log-odds. Returns what ``seat_and_attend`` returns."""
    aware, logit, u = activity_aware(
        s, offsets, kind, trust_cols, org_invites, aware_words, attend_words, interest, free_time, trust, pulled,
        invited, digital, month, month_max, base, w_interest, w_free, w_trust, w_social, w_invite, not_noticed,
        app_reach,
    )  # fmt: skip
    return seat_and_attend(
        day, s, offsets, aware, logit, u, order_words, ring_words, capacity, trust_cols, last_activity, attended,
        month, trust, attendance_gain, ring_ties, contact_gain, slot,
    )  # fmt: skip


@njit(cache=True)
def seat_and_attend(
    day, s, offsets, aware, logit, u, order_words, ring_words, capacity, trust_cols, last_activity,
    attended, month, trust, attendance_gain, ring_ties, contact_gain, slot,
):  # fmt: skip
    """Seat the residents who want to go and let the attendees take part.

    ``aware``: positions (ascending) in today's scopes laid end to end (activity ``a`` from ``offsets[a]``;
    ``s``: the resident at each) with their log-odds ``logit`` and a draw ``u``; those whose draw is below
    their chance, the logistic of the log-odds, would go (``want``), with utility ``util`` (their log-odds). A
    resident drawn to several activities goes to the one liked best (the first on ties); an
    over-subscribed activity seats the first comers (arrival draws from ``order_words``, one row per
    activity) up to its ``capacity``. Attendees' ``last_activity`` becomes ``day``, their counts grow,
    and their trust in the activity's institution (``trust_cols``) closes ``attendance_gain`` of the gap.
    With ``ring_ties`` > 0 each attendee of an activity with two or more meets the next ``ring_ties`` in a
    random circular order (draws from ``ring_words``) and gains ``contact_gain`` of trust in neighbours.

    Returns the attendees (activity by activity), each activity's run of them (``len + 1`` bounds), each
    activity's demand (those who chose it, seated or not) and the ring pairs (i, j).
    """
    want = np.empty(aware.shape[0], np.int64)
    util = np.empty(aware.shape[0])
    n = 0
    for k in range(aware.shape[0]):
        want[n], util[n] = aware[k], logit[k]
        n += u[k] < 1.0 / (1.0 + np.exp(-logit[k]))
    want, util, n_act = want[:n], util[:n], capacity.shape[0]
    who = s[want]
    act_of = np.searchsorted(offsets, want, side="right") - 1
    arrival = np.empty(n)
    pcg64.uniform_segments_at(order_words, offsets, want, arrival)
    # One activity a day: each resident's best liked, then the lowest activity number (positions are laid
    # out activity by activity, so a stable sort keeps that order on ties).
    order = stable_by(stable_by(np.arange(n), -util), who)
    chosen = np.empty(n, np.int64)
    m = 0
    for k in range(n):
        if k == 0 or who[order[k]] != who[order[k - 1]]:
            chosen[m] = order[k]
            m += 1
    # Places: each activity seats its first comers.
    chosen = stable_by(stable_by(chosen[:m], arrival), act_of)
    demand = np.zeros(n_act, np.int64)
    bounds = np.zeros(n_act + 1, np.int64)
    seated = np.empty(m, np.int64)
    n_seated = 0
    for k in range(m):
        a = act_of[chosen[k]]
        if demand[a] < capacity[a]:
            seated[n_seated] = chosen[k]
            n_seated += 1
            bounds[a + 1] += 1
        demand[a] += 1
    for a in range(n_act):
        bounds[a + 1] += bounds[a]
    seated = seated[:n_seated]
    attendees = who[seated]
    none = np.empty(0, np.int64)
    if n_seated == 0:
        return attendees, bounds, demand, none, none
    column = np.empty(n_seated, np.int64)
    for k in range(n_seated):
        r = attendees[k]
        last_activity[r] = day
        attended[r] += 1
        month[r] += 1
        column[k] = trust_cols[act_of[seated[k]]]
    nudge_columns(trust, attendees, np.full(1, attendance_gain), column, slot)
    if ring_ties == 0:
        return attendees, bounds, demand, none, none
    # Meeting rings: each activity's attendees in the order of their draws (at their places).
    place = want[seated]
    by_place = stable_by(np.arange(n_seated), place)
    u_sorted = np.empty(n_seated)
    pcg64.uniform_segments_at(ring_words, offsets, place[by_place], u_sorted)
    u = np.empty(n_seated)
    u[by_place] = u_sorted
    in_ring = 0
    for a in range(n_act):
        if bounds[a + 1] - bounds[a] >= 2:
            in_ring += bounds[a + 1] - bounds[a]
    members = np.empty(in_ring, np.int64)
    i, j = np.empty(in_ring * ring_ties, np.int64), np.empty(in_ring * ring_ties, np.int64)
    m, n_members = 0, 0
    for a in range(n_act):
        lo, size = bounds[a], bounds[a + 1] - bounds[a]
        if size < 2:
            continue
        ring = attendees[lo : lo + size][stable_by(np.arange(size), u[lo : lo + size])]
        members[n_members : n_members + size] = attendees[lo : lo + size]
        n_members += size
        for p in range(size):
            for step in range(1, ring_ties + 1):
                i[m], j[m] = ring[p], ring[(p + step) % size]
                m += 1
    nudge_values(trust[:, T_NEIGHBOURS], members, np.full(1, contact_gain), slot)
    return attendees, bounds, demand, i, j
