"""Feedback's day, compiled (numba): the closed cases' households and their gap-closing updates in two
passes where numpy made about a hundred calls (the rules: ``simulation.processes.feedback``).

The updates are the model's one gap-closing rule (``simulation.kernels.nudge_values``), called in the
order the numpy phase called it, so same-seed results are unchanged. The kernels hold the GIL: the
rule's ``slot`` is shared scratch.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation.kernels import nudge_columns, nudge_values
from simulation.population import T_COMMUNITY
from simulation.processes.issues import FAILED, GIVEN_UP, RESOLVED


@njit(cache=True, inline="always")
def _households(households, reporters, hh_indptr, hh_members, share):
    """Residents touched by each event (one per household): the event, the member, and its weight
    (the reporter 1, other members ``share``)."""
    n = 0
    for h in households:
        n += hh_indptr[h + 1] - hh_indptr[h]
    event, member, weight = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    k = 0
    for e in range(households.shape[0]):
        for p in range(hh_indptr[households[e]], hh_indptr[households[e] + 1]):
            event[k], member[k] = e, hh_members[p]
            weight[k] = 1.0 if member[k] == reporters[e] else share
            k += 1
    return event, member, weight


@njit(cache=True, nogil=True)
def closed_cases(closed, outcome, raised, household, reporter, handler, trust_target, channel, day):
    """Today's closed issues (``closed``, in the order they closed) sorted for the updates: the households
    of those given up; then of those handled (resolved or failed): the issues, ``raised - day`` (days
    taken, negated, as numpy's int32 arithmetic gives them), households, reporters, whether resolved,
    the trust column of the unit that handled them, and the reply channel (0 where none)."""
    n = closed.shape[0]
    given_up = np.empty(n, np.int64)
    handled = np.empty(n, np.int64)
    g = h = 0
    for k in range(n):
        i = closed[k]
        given_up[g] = household[i]
        handled[h] = i
        g += outcome[i] == GIVEN_UP
        h += (outcome[i] == RESOLVED) | (outcome[i] == FAILED)
    handled = handled[:h]
    minus_days = np.empty(h, np.int32)
    households, reporters, targets = np.empty(h, np.int64), np.empty(h, np.int64), np.empty(h, np.int64)
    ok, channels = np.empty(h, np.bool_), np.empty(h, np.int64)
    for k in range(h):
        i = handled[k]
        minus_days[k] = -(np.int32(day) - raised[i])
        households[k], reporters[k], ok[k] = household[i], reporter[i], outcome[i] == RESOLVED
        targets[k], channels[k] = trust_target[handler[i]], max(channel[i], 0)
    return given_up[:g], handled, minus_days, households, reporters, ok, targets, channels


@njit(cache=True)
def outcomes_felt(
    trust, given_up_households, grievance_loss, households, reporters, ok, timely, target, hh_indptr, hh_members,
    household_share, gain_success, loss_failure, slot,
):  # fmt: skip
    """Households of grievances given up lose ``grievance_loss`` of their trust in the community; households
    of handled cases (``ok``: resolved) update trust in the handler (``target``: its trust column): the
    share ``weight * gain_success * timely`` of the gap closed on success, ``weight * loss_failure`` of the
    trust lost on failure. Returns each touched resident's (event, member, weight, share, column)."""
    _, member, weight = _households(given_up_households, np.full(given_up_households.shape[0], -1), hh_indptr,
                                    hh_members, 1.0)  # fmt: skip
    if member.shape[0]:
        nudge_values(trust[:, T_COMMUNITY], member, -grievance_loss * weight, slot)
    event, member, weight = _households(households, reporters, hh_indptr, hh_members, household_share)
    share, column = np.empty(member.shape[0]), np.empty(member.shape[0], np.int64)
    for k in range(member.shape[0]):
        e = event[k]
        share[k] = weight[k] * (gain_success * timely[e] if ok[e] else -loss_failure)
        column[k] = target[e]
    if member.shape[0]:
        nudge_columns(trust, member, share, column, slot)
    return event, member, weight, share, column


@njit(cache=True)
def outcomes_followed(
    trust, efficacy, event, member, weight, share, column, ok, referral_share, efficacy_gain, efficacy_loss,
    reporters, u_reply, reply_prob, reply_bonus, slot,
):  # fmt: skip
    """What follows the handled cases' updates: the community that took a referred case shares
    ``referral_share`` of its update; efficacy moves by ``weight * efficacy_gain`` (success) or
    ``weight * efficacy_loss`` (failure); reporters whose reply came (``u_reply < reply_prob``) gain
    ``reply_bonus`` of trust in the community."""
    referred = np.flatnonzero(column != T_COMMUNITY)
    if referred.shape[0]:
        nudge_values(trust[:, T_COMMUNITY], member[referred], referral_share * share[referred], slot)
    moved = np.empty(member.shape[0])
    for k in range(member.shape[0]):
        moved[k] = weight[k] * (efficacy_gain if ok[event[k]] else -efficacy_loss)
    if member.shape[0]:
        nudge_values(efficacy, member, moved, slot)
    replied = reporters[u_reply < reply_prob]
    if replied.shape[0]:
        nudge_values(trust[:, T_COMMUNITY], replied, np.full(1, reply_bonus), slot)
