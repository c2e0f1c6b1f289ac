"""Governance's consultations, compiled (numba): who hears of one and their log-odds of joining, then who
takes the seats (the rules: ``simulation.processes.governance``); the draws are ``Stream.uniform_at``'s."""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation import pcg64
from simulation.kernels import distinct, draws_at, nudge_values, stable_by, take_reports
from simulation.processes.issues import CLOSED, IN_TRANSIT, UNREPORTED


@njit(cache=True, nogil=True, inline="always")
def _logit(
    r, public_affairs, trust, efficacy, free_time, invited, party, base, interest_weight, trust_weight,
    efficacy_weight, free_time_weight, mobilisation_weight, party_weight,
):  # fmt: skip
    """Resident ``r``'s log-odds of taking part (a consultation, a vote), as numpy computed it from Python
    floats and the residents' arrays: the first five terms in float32 (``base`` .. ``free_time_weight`` are
    float32; ``trust``: the column that counts), the two boolean terms added in float64."""
    x = base + interest_weight * public_affairs[r]
    x = x + trust_weight * trust[r]
    x = x + efficacy_weight * efficacy[r]
    x = x + free_time_weight * free_time[r]
    return np.float64(x) + mobilisation_weight * np.float64(invited[r]) + party_weight * np.float64(party[r])


@njit(cache=True, nogil=True)
def governance_logits(
    who, public_affairs, trust, efficacy, free_time, invited, party, base, interest_weight, trust_weight,
    efficacy_weight, free_time_weight, mobilisation_weight, party_weight,
):  # fmt: skip
    """``_logit`` of each resident of ``who``."""
    out = np.empty(who.shape[0])
    for k in range(who.shape[0]):
        out[k] = _logit(
            who[k], public_affairs, trust, efficacy, free_time, invited, party, base, interest_weight,
            trust_weight, efficacy_weight, free_time_weight, mobilisation_weight, party_weight,
        )  # fmt: skip
    return out


@njit(cache=True, nogil=True)
def consultation_candidates(
    compound, holding, n_compounds, aware_words, notice_reach, public_affairs, trust, efficacy, free_time,
    invited, party, base, interest_weight, trust_weight, efficacy_weight, free_time_weight,
    mobilisation_weight, party_weight,
):  # fmt: skip
    """The residents of the compounds ``holding`` a consultation today who hear of it (invited, or the
    awareness draw, from ``aware_words``, below ``notice_reach``), ascending, and their ``_logit`` of
    joining."""
    held = np.zeros(n_compounds, np.bool_)
    for c in holding:
        held[c] = True
    n = compound.shape[0]
    in_scope = np.empty(n, np.int64)
    m = 0
    for r in range(n):
        in_scope[m] = r
        m += held[compound[r]]
    in_scope = in_scope[:m]
    u = np.empty(m)
    pcg64.uniform_at(aware_words, in_scope, u)  # (ascending)
    cand = np.empty(m, np.int64)
    logit = np.empty(m)
    k = 0
    for q in range(m):
        r = in_scope[q]
        cand[k] = r
        logit[k] = _logit(
            r, public_affairs, trust, efficacy, free_time, invited, party, base, interest_weight, trust_weight,
            efficacy_weight, free_time_weight, mobilisation_weight, party_weight,
        )  # fmt: skip
        k += invited[r] | (u[q] < notice_reach)
    return cand[:k], logit[:k]


@njit(cache=True, nogil=True)
def consultation_seats(cand, logit, join_words, order_words, compound, capacity, day, last_governance, actions):
    """Who takes part: the candidates (ascending) whose join draw is below their chance (the logistic of
    their ``logit``), seated per
    compound up to ``capacity`` in a random order of arrival (the order stream's draw; ``np.lexsort`` by
    compound, then draw). They act in governance today (``last_governance``, ``actions``). Returns them by
    compound and arrival."""
    m = cand.shape[0]
    u = np.empty(m)
    pcg64.uniform_at(join_words, cand, u)
    join = np.empty(m, np.int64)
    k = 0
    for q in range(m):
        join[k] = cand[q]
        k += u[q] < 1.0 / (1.0 + np.exp(-logit[q]))
    join = join[:k]
    arrival = np.empty(k)
    pcg64.uniform_at(order_words, join, arrival)  # (ascending: a subset of the candidates)
    key = np.empty(k, np.int64)
    for q in range(k):
        key[q] = compound[join[q]]
    order = stable_by(stable_by(np.arange(k), arrival), key)
    seated = np.empty(k, np.int64)
    s = rank = 0
    for q in range(k):
        first = q == 0 or key[order[q]] != key[order[q - 1]]
        rank = 0 if first else rank + 1
        if rank < capacity:
            seated[s] = join[order[q]]
            s += 1
    seated = seated[:s]
    for r in seated:
        last_governance[r] = day
        actions[r] += 1
    return seated


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch (the gap-closing rule)
def proposals(
    day, attendees, propose_words, adopt_words, base, efficacy_weight, efficacy, last_proposal, last_governance,
    actions, community, compound, household, admin_burden, committee_of, adoption_prob, open_issues, stage,
    issue_household, issue_domain, raised, issue_compound, visible_domain, notice_days, n_households,
    n_compounds, consultation, reporters, reported, channels, ready, coordinated, trust, trust_column,
    heard_gain, unheard_loss, slot,
):  # fmt: skip
    """The attendees' proposals and what the committee does with them (the rules:
    ``simulation.processes.governance._proposals``), in one call.

    An attendee (``attendees``, distinct) proposes when their draw (``propose_words``) is below the
    logistic of ``base + efficacy_weight * efficacy`` (float32, as numpy computed it); proposers act in
    governance today. A proposal is adopted when its draw (``adopt_words``) is below ``adoption_prob``
    times the share of the committee's staff free of tasks from above (``1 - admin_burden``). It is about
    the proposer's household's open issue if it has one (adopted: the unreported ones are reported at the
    consultation, through channel ``consultation``, by the household's first proposer; the others are
    coordinated), else repairs when a problem of a ``visible_domain`` stands open in the compound longer than
    ``notice_days``, else an activity. Efficacy and trust (``trust_column``) of those heard gain
    ``heard_gain``; efficacy of those not heard loses ``unheard_loss``.

    Returns the number of proposals, the communities (ascending) whose committee keeps funds for repairs,
    and the proposers of adopted activity proposals (in attendee order)."""
    m = attendees.shape[0]
    u = draws_at(propose_words, attendees)
    one = np.float32(1.0)
    who = np.empty(m, np.int64)
    n = 0
    for k in range(m):
        a = attendees[k]
        x = base + efficacy_weight * efficacy[a]  # float32
        who[n] = a
        n += u[k] < one / (one + np.exp(-x))
    who = who[:n]
    none = np.empty(0, np.int64)
    if n == 0:
        return 0, none, none
    for a in who:
        last_proposal[a] = day
        last_governance[a] = day
        actions[a] += 1
    u_adopt = draws_at(adopt_words, who)
    # What each proposal is about: the open issues' households, and problems in sight by compound.
    household_issue = np.zeros(n_households, np.bool_)
    open_problem = np.zeros(n_compounds, np.bool_)
    for i in open_issues:
        if stage[i] != CLOSED:
            household_issue[issue_household[i]] = True
            if visible_domain[issue_domain[i]] and day - raised[i] > notice_days:
                open_problem[issue_compound[i]] = True
    adopted = np.empty(n, np.bool_)
    taken_households = np.zeros(n_households, np.bool_)
    reporter_of = np.full(n_households, -1, np.int64)  # each taken household's first proposer
    repairs = np.empty(n, np.int64)
    wanted = np.empty(n, np.int64)
    n_repairs = n_wanted = 0
    for k in range(n):
        a = who[k]
        adopted[k] = u_adopt[k] < adoption_prob * (1.0 - admin_burden[committee_of[community[a]]])
        if not adopted[k]:
            continue
        h = household[a]
        if household_issue[h]:
            taken_households[h] = True
            if reporter_of[h] < 0:
                reporter_of[h] = a
        elif open_problem[compound[a]]:
            repairs[n_repairs] = community[a]
            n_repairs += 1
        else:
            wanted[n_wanted] = a
            n_wanted += 1
    # The households' open issues: reported at the consultation, or coordinated if already reported.
    unreported = np.empty(open_issues.shape[0], np.int64)
    n_unreported = 0
    for i in open_issues:
        if stage[i] != CLOSED and taken_households[issue_household[i]]:
            if stage[i] == UNREPORTED:
                unreported[n_unreported] = i
                n_unreported += 1
            else:
                coordinated[i] = True
    unreported = unreported[:n_unreported]
    by = np.empty(n_unreported, np.int64)
    for k in range(n_unreported):
        by[k] = reporter_of[issue_household[unreported[k]]]
    take_reports(
        unreported, by, day, np.full(n_unreported, consultation, np.int64), reporters, reported, channels, stage,
        ready, IN_TRANSIT,
    )  # fmt: skip
    # Being heard, or not.
    heard, unheard = np.empty(n, np.int64), np.empty(n, np.int64)
    n_heard = n_unheard = 0
    for k in range(n):
        if adopted[k]:
            heard[n_heard] = who[k]
            n_heard += 1
        else:
            unheard[n_unheard] = who[k]
            n_unheard += 1
    if n_heard:
        nudge_values(efficacy, heard[:n_heard], np.full(1, heard_gain), slot)
        nudge_values(trust[:, trust_column], heard[:n_heard], np.full(1, heard_gain), slot)
    if n_unheard:
        nudge_values(efficacy, unheard[:n_unheard], np.full(1, -unheard_loss), slot)
    return n, distinct(repairs[:n_repairs]), wanted[:n_wanted]
