"""Feedback's day, compiled (numba): the closed cases' households and their gap-closing updates, the
hearsay and the replies in one call (the rules: ``simulation.processes.feedback``).

The updates are the model's one gap-closing rule (``simulation.kernels.nudge_values``), called in the
order the numpy phase called it, so same-seed results are unchanged. The kernels hold the GIL: the
rule's ``slot`` is shared scratch.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation import pcg64
from simulation.kernels import (
    draws_at,
    nudge_columns,
    nudge_heard,
    nudge_values,
    reporters_sums,
    spread_from_rows,
)
from simulation.population import T_COMMUNITY, T_GOVERNMENT, T_PROPERTY
from simulation.processes.issues import CLOSED, FAILED, GIVEN_UP, RESOLVED


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


@njit(cache=True, nogil=True, inline="always")
def _handled(outcome):
    """Whether a closed issue was handled (resolved or failed), not given up."""
    return (outcome == RESOLVED) | (outcome == FAILED)


@njit(cache=True, nogil=True)
def days_taken(closed, outcome, raised, day):
    """``raised - day`` (the days taken, negated, as numpy's int32 arithmetic gives them) of today's closed
    issues that were handled (resolved or failed), in the order they closed."""
    minus_days = np.empty(closed.shape[0], np.int32)
    h = 0
    for k in range(closed.shape[0]):
        i = closed[k]
        minus_days[h] = -(np.int32(day) - raised[i])
        h += _handled(outcome[i])
    return minus_days[:h]


@njit(cache=True, nogil=True)
def _closed_cases(closed, outcome, household, reporter, handler, trust_target, channel):
    """Today's closed issues (``closed``, in the order they closed) sorted for the updates: the households
    of those given up; then of those handled (``_handled``, as ``days_taken`` picks them): the issues,
    households, reporters, whether resolved, the trust column of the unit that handled them, and the reply
    channel (0 where none)."""
    n = closed.shape[0]
    given_up = np.empty(n, np.int64)
    handled = np.empty(n, np.int64)
    g = h = 0
    for k in range(n):
        i = closed[k]
        given_up[g] = household[i]
        handled[h] = i
        g += outcome[i] == GIVEN_UP
        h += _handled(outcome[i])
    handled = handled[:h]
    households, reporters, targets = np.empty(h, np.int64), np.empty(h, np.int64), np.empty(h, np.int64)
    ok, channels = np.empty(h, np.bool_), np.empty(h, np.int64)
    for k in range(h):
        i = handled[k]
        households[k], reporters[k], ok[k] = household[i], reporter[i], outcome[i] == RESOLVED
        targets[k], channels[k] = trust_target[handler[i]], max(channel[i], 0)
    return given_up[:g], handled, households, reporters, ok, targets, channels


@njit(cache=True)
def _outcomes_felt(
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
def _outcomes_followed(
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


@njit(cache=True)
def outcomes(
    trust, efficacy, closed, outcome, household, reporter, handler, channel, trust_target, raised, day,
    timely_days, hh_indptr, hh_members, household_share, gain_success, loss_failure, grievance_loss, hearsay_share, indptr,
    cols, weight, referral_share, efficacy_gain, efficacy_loss, reply_words, reply_prob, reply_bonus, slot,
):  # fmt: skip
    """Everything today's closed issues (``closed``) do to trust and efficacy, in the order of the phase's
    rules, in one call: the households' updates (a success's gain shrinks as ``exp(-days taken /
    timely_days)``, the days from ``raised`` to ``day``), then, when ``hearsay_share`` > 0, what the reporters' acquaintances hear
    (``simulation.kernels.reporters_sums``, ``spread_from_rows``, ``nudge_heard`` over the ties ``indptr``,
    ``cols``, ``weight``), then the referral share, efficacy and the replies (each handled issue's draw of
    the reply stream's state ``reply_words``, as ``Stream.uniform_at``; ``reply_prob`` per channel code).

    One call where Python made eight, each returning arrays (about a microsecond each to hand over)."""
    given_up, handled, households, reporters, ok, targets, channels = _closed_cases(
        closed, outcome, household, reporter, handler, trust_target, channel
    )
    minus_days = days_taken(closed, outcome, raised, day)  # (int32, as numpy's arithmetic gave them)
    timely = np.empty(minus_days.shape[0])
    for k in range(minus_days.shape[0]):
        timely[k] = np.exp(np.float64(minus_days[k]) / timely_days)
    event, member, share_of, share, column = _outcomes_felt(
        trust, given_up, grievance_loss, households, reporters, ok, timely, targets, hh_indptr, hh_members,
        household_share, gain_success, loss_failure, slot,
    )  # fmt: skip
    h = handled.shape[0]
    if h == 0:
        return
    if hearsay_share > 0:  # the reporters' acquaintances hear of it
        told = np.empty(member.shape[0], np.int64)
        m = 0
        for k in range(member.shape[0]):
            told[m] = k
            m += member[k] == reporters[event[k]]
        told = told[:m]
        held, columns, x = reporters_sums(member[told], column[told], share[told])
        reached, sums = spread_from_rows(indptr, cols, weight, held, x, slot)
        nudge_heard(trust, reached, sums, np.float32(hearsay_share), columns, slot)
    # Each handled issue's reply draw, taken at the issues in ascending order.
    u_reply = draws_at(reply_words, handled)
    chance = np.empty(h)
    for k in range(h):
        chance[k] = reply_prob[channels[k]]
    _outcomes_followed(
        trust, efficacy, event, member, share_of, share, column, ok, referral_share, efficacy_gain,
        efficacy_loss, reporters, u_reply, chance, reply_bonus, slot,
    )  # fmt: skip


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch (the gap-closing rule)
def notices(
    day, period, window, raised, size, outcome, closed, handler, trust_target, issue_compound, open_issues, stage,
    domain, visible_domain, notice_words, neglect_words, notice_reach, app_reach, digital, presence, compound,
    n_compounds, property_of, notice_gain, notice_max, neglect_loss, neglect_max, trust, slot,
):  # fmt: skip
    """A public notice and what residents see around them (the rules: ``simulation.processes.feedback.
    _notices``), in one call.

    Cases resolved in the last ``period`` days (among the issues raised in the last ``window`` days), by
    the trust column of the unit that resolved them: each resident who reads the notice (their draw from
    ``notice_words`` below the reach of the board or the app) gains ``notice_gain`` per such case in their
    compound, at most ``notice_max``, in that column (community, government, property company, in that
    order). Problems of a ``visible_domain`` open longer than ``period`` days: each resident around (their
    draw from ``neglect_words`` below their ``presence``) loses ``neglect_loss`` per problem in their
    compound, at most ``neglect_max``, of trust in the property company, or in the community where there
    is none."""
    n = compound.shape[0]
    start = np.searchsorted(raised[:size], day - window + 1)
    resolved = np.zeros((3, n_compounds), np.int64)  # per column (community, government, property), compound
    for i in range(start, size):
        if outcome[i] == RESOLVED and closed[i] > day - period:
            t = trust_target[handler[i]]
            c = 0 if t == T_COMMUNITY else (1 if t == T_GOVERNMENT else (2 if t == T_PROPERTY else -1))
            if c >= 0:
                resolved[c, issue_compound[i]] += 1
    u = np.empty(n)
    pcg64.uniform(notice_words, u)
    reads = np.empty(n, np.bool_)
    for r in range(n):
        reads[r] = u[r] < 1.0 - (1.0 - notice_reach) * (1.0 - app_reach * np.float64(digital[r]))
    seen = np.empty(n, np.int64)
    gain = np.empty(n)
    for c, column in ((0, T_COMMUNITY), (1, T_GOVERNMENT), (2, T_PROPERTY)):
        m = 0
        for r in range(n):
            cases = resolved[c, compound[r]]
            if reads[r] and cases > 0:
                seen[m] = r
                gain[m] = min(notice_gain * cases, notice_max)
                m += 1
        if m:
            nudge_values(trust[:, column], seen[:m], gain[:m], slot)
    stale = np.zeros(n_compounds, np.int64)
    for i in open_issues:
        if stage[i] != CLOSED and visible_domain[domain[i]] and day - raised[i] > period:
            stale[issue_compound[i]] += 1
    pcg64.uniform(neglect_words, u)
    company, company_loss = np.empty(n, np.int64), np.empty(n)
    none, none_loss = np.empty(n, np.int64), np.empty(n)
    a = b = 0
    for r in range(n):
        problems = stale[compound[r]]
        if u[r] < presence[r] and problems > 0:
            loss = -min(neglect_loss * problems, neglect_max)
            if property_of[compound[r]] >= 0:
                company[a], company_loss[a] = r, loss
                a += 1
            else:
                none[b], none_loss[b] = r, loss
                b += 1
    if a:
        nudge_values(trust[:, T_PROPERTY], company[:a], company_loss[:a], slot)
    if b:
        nudge_values(trust[:, T_COMMUNITY], none[:b], none_loss[:b], slot)
