"""Phase 4, feedback and trust: outcomes move trust and efficacy.

The reporter (fully) and the other household members (by
``trust.household_share``) update trust in the handler and in the community
that took the report, and their efficacy. A failure weighs more than a
success (trust asymmetry, Slovic 1993): success closes a share of the gap
to 1 (less the longer the issue took: x exp(-days / ``trust.timely_days``)),
failure removes a (larger) share of the trust held. A reply that
closes the loop adds to trust in the community. A grievance given up
unreported costs the household some trust in the community. Several
events on one day for one resident compound (the rule of
``simulation.arrays.nudge``, the one gap-closing update of the model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.population import T_COMMUNITY
from simulation.processes.issues import FAILED, GIVEN_UP, RESOLVED

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def _household_weights(model: CommunityModel, households: np.ndarray, reporters: np.ndarray, share: float):
    """Residents touched by each event and their weights: reporter 1, other members ``share``."""
    pop = model.pop
    starts, ends = pop.hh_indptr[households], pop.hh_indptr[households + 1]
    sizes = (ends - starts).astype(np.int64)
    event = np.repeat(np.arange(len(households)), sizes)
    offset = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    member = pop.hh_members[np.repeat(starts, sizes) + offset]
    weight = np.where(member == reporters[event], 1.0, share)
    return event, member, weight


def feedback(model: CommunityModel, day: int) -> None:
    log, pop, tr = model.issues, model.pop, model.scenario.trust
    closed = log.closed_today
    if len(closed) == 0:
        return
    outcome = log.outcome[closed]

    given_up = closed[outcome == GIVEN_UP]
    if len(given_up):
        hh = log.household[given_up]
        _, member, weight = _household_weights(model, hh, np.full(len(hh), -1), 1.0)
        pop.nudge("trust", member, -tr.grievance_loss * weight, column=T_COMMUNITY)

    handled = closed[(outcome == RESOLVED) | (outcome == FAILED)]
    if len(handled) == 0:
        return
    ok = log.outcome[handled] == RESOLVED
    event, member, weight = _household_weights(model, log.household[handled], log.reporter[handled], tr.household_share)
    success = ok[event]
    # A late resolution satisfies less: the gain shrinks with the days the issue took.
    timely = np.exp(-(day - log.raised[handled]) / tr.timely_days)[event]
    # Share of the gap to 1 closed on success, of the trust held lost on failure (asymmetry), by weight.
    share = weight * np.where(success, tr.gain_success * timely, -tr.loss_failure)
    target = model.handlers.trust_target[log.handler[handled]][event]
    for col in np.unique(target):
        sel = target == col
        pop.nudge("trust", member[sel], share[sel], column=int(col))
    # The community took the report: it shares in the outcome of a referred case.
    referred = target != T_COMMUNITY
    if referred.any():
        pop.nudge("trust", member[referred], tr.referral_share * share[referred], column=T_COMMUNITY)
    pop.nudge("efficacy", member, weight * np.where(success, tr.efficacy_gain, -tr.efficacy_loss))
    # Replies that close the loop, whatever the outcome.
    u = model.streams["feedback.reply"].uniform(day, log.size)[handled]
    reply_prob = model.reply_probabilities()[np.maximum(log.channel[handled], 0)]
    replied = u < reply_prob
    if replied.any():
        pop.nudge("trust", log.reporter[handled[replied]], tr.reply_bonus, column=T_COMMUNITY)
