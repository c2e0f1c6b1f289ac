"""Governance's consultations, compiled (numba): who hears of one and their log-odds of joining, then who
takes the seats (the rules: ``simulation.processes.governance``); the draws are ``Stream.uniform_at``'s."""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation import pcg64
from simulation.kernels import stable_by


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
