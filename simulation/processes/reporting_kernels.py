"""Reporting's day, compiled (numba): the pending issues, their households' most willing members and the
reports taken, in one call where numpy made about sixty (the rules: ``simulation.processes.reporting``)."""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation import pcg64
from simulation.kernels import distinct, take_report
from simulation.processes.issues import CLOSED, GIVEN_UP, IN_TRANSIT, UNREPORTED


@njit(cache=True, nogil=True)
def pending_households(day, open_issues, stage, raised, household, grievance_days, hh_indptr, closed, outcome):
    """Give up the unreported issues ``grievance_days`` old or more (closed today, given up) and gather the
    others' households. Returns (given up, pending issues, each pending issue's household number among
    the distinct households, the households' runs in ``members`` (``len + 1`` starts), and ``members``:
    the residents of those households, household by household, ascending)."""
    n = open_issues.shape[0]
    given_up, pending = np.empty(n, np.int64), np.empty(n, np.int64)
    n_old, n_pending = 0, 0
    for k in range(n):
        i = open_issues[k]
        if stage[i] != UNREPORTED:
            continue
        if day - raised[i] >= grievance_days:
            stage[i], closed[i], outcome[i] = CLOSED, day, GIVEN_UP
            given_up[n_old] = i
            n_old += 1
        else:
            pending[n_pending] = i
            n_pending += 1
    pending = pending[:n_pending]
    of = household[pending]
    households = distinct(of)
    of_issue = np.searchsorted(households, of)
    starts = np.empty(households.shape[0] + 1, np.int64)
    starts[0] = 0
    for h in range(households.shape[0]):
        starts[h + 1] = starts[h] + hh_indptr[households[h] + 1] - hh_indptr[households[h]]
    members = np.empty(starts[-1], np.int64)
    for h in range(households.shape[0]):
        for k in range(starts[h + 1] - starts[h]):
            members[starts[h] + k] = hh_indptr[households[h]] + k  # residents are numbered by household
    return given_up[:n_old], pending, of_issue, starts, members


@njit(cache=True, nogil=True)
def channel_scores(
    members, free_time, walk_in_weight, party, indptr, cols, weight, branch_bonus, strength, compound,
    app_on, digital, app_bonus, extra,
):  # fmt: skip
    """Log-odds bonus of each channel for ``members`` (rows; float32, -inf where closed), as numpy computed
    it into a float32 array: walking in ``walk_in_weight * free_time`` (float32); the Party branch for a
    member or an acquaintance of one (a positive float32 sum of tie weights to members, in row order),
    ``branch_bonus * strength`` of the compound's branch (float64, stored as float32); the app
    ``app_bonus`` (float32) for the digital when ``app_on``; the consultation closed; then the channels
    interventions open (``extra``: one float32 row per channel, over all residents)."""
    scores = np.full((members.shape[0], 4 + extra.shape[0]), -np.inf, np.float32)
    zero = np.float32(0.0)
    for k in range(members.shape[0]):
        m = members[k]
        scores[k, 0] = walk_in_weight * free_time[m]
        relay = party[m]
        if not relay:
            acc = zero
            for t in range(indptr[m], indptr[m + 1]):
                acc += weight[t] * np.float32(party[cols[t]])
            relay = acc > 0
        if relay:
            scores[k, 1] = branch_bonus * strength[compound[m]]
        if app_on and digital[m]:
            scores[k, 2] = app_bonus
        for c in range(extra.shape[0]):
            scores[k, 4 + c] = extra[c, m]
    return scores


@njit(cache=True, nogil=True)
def most_willing(scores, trust, efficacy, base, trust_weight, efficacy_weight, starts, members, words):
    """Each household's most willing member (the first on ties) and their best channel.

    A member's log-odds is ``base + trust_weight * trust + efficacy_weight * efficacy + best channel
    score`` in float32, as numpy computes it with float32 arrays and float32 weights; ``scores`` has a
    row per member, ``trust`` the trust that counts. Returns per household: the member, their channel
    (the first best column), their log-odds and their decision draw (``Stream.uniform_at``'s at the
    member, from ``words``).
    """
    n_h = starts.shape[0] - 1
    who, channel, logit = np.empty(n_h, np.int64), np.empty(n_h, np.int64), np.empty(n_h, np.float32)
    for h in range(n_h):
        for k in range(starts[h], starts[h + 1]):
            best = 0
            for c in range(1, scores.shape[1]):
                if scores[k, c] > scores[k, best]:
                    best = c
            m = members[k]
            x = base + trust_weight * trust[m] + efficacy_weight * efficacy[m] + scores[k, best]
            if k == starts[h] or x > logit[h]:
                who[h], channel[h], logit[h] = m, best, x
    u = np.empty(n_h)
    pcg64.uniform_at(words, who, u)  # (households ascending, so their members too)
    return who, channel, logit, u


@njit(cache=True, nogil=True)
def report_today(
    day, open_issues, stage, raised, household, grievance_days, hh_indptr, closed, outcome, free_time,
    walk_in_weight, party, indptr, cols, weight, branch_bonus, strength, compound, app_on, digital, app_bonus,
    extra, trust, efficacy, base, trust_weight, efficacy_weight, words, urgency_days, reporters, reported,
    channels, ready, last,
):  # fmt: skip
    """The reporting phase's day in one call: ``pending_households`` (issues given up, the pending ones and
    their households), ``channel_scores`` and ``most_willing`` (each household's most willing member, their
    channel, log-odds and decision draw), then the reports taken. A pending issue is reported when its
    household's draw is below ``logistic(log-odds) * exp(-age / urgency_days)`` (the logistic in float32
    from the float32 log-odds, the urgency in float64, as numpy computed them), by the household's most
    willing member through their channel (``take_report``); ``last`` (the members' last report) is
    today for them. Returns the issues given up."""
    given_up, pending, of_issue, starts, members = pending_households(
        day, open_issues, stage, raised, household, grievance_days, hh_indptr, closed, outcome
    )
    if pending.shape[0] == 0:
        return given_up
    scores = channel_scores(
        members, free_time, walk_in_weight, party, indptr, cols, weight, branch_bonus, strength, compound,
        app_on, digital, app_bonus, extra,
    )  # fmt: skip
    who, channel, logit, u = most_willing(
        scores, trust, efficacy, base, trust_weight, efficacy_weight, starts, members, words
    )
    one = np.float32(1.0)
    for k in range(pending.shape[0]):
        h = of_issue[k]
        willing = one / (one + np.exp(-logit[h]))  # float32
        age = np.float64(day - raised[pending[k]])
        if u[h] < np.float64(willing) * np.exp(-age / urgency_days):  # urgency fades
            take_report(pending[k], who[h], day, channel[h], reporters, reported, channels, stage, ready, IN_TRANSIT)
            last[who[h]] = day
    return given_up
