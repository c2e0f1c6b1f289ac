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

from simulation.arrays import in_set, scratch_slots
from simulation.kernels import nudge_heard, reporters_sums
from simulation.population import T_COMMUNITY, T_GOVERNMENT, T_PROPERTY
from simulation.processes.feedback_kernels import closed_cases, outcomes_felt, outcomes_followed
from simulation.processes.issues import CLOSED, RESOLVED
from simulation.scenario import DOMAINS

# Problems residents see around them when left open.
VISIBLE_DOMAINS = [DOMAINS.index(d) for d in ("maintenance", "sanitation")]

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def feedback(model: CommunityModel, day: int) -> None:
    log, pop, tr = model.issues, model.pop, model.scenario.trust
    if tr.notice_every_days and day % tr.notice_every_days == 0:
        _notices(model, day)
    closed = log.closed_today
    if len(closed) == 0:
        return
    given_up, handled, minus_days, households, reporters, ok, target, channel = closed_cases(
        closed, log.outcome, log.raised, log.household, log.reporter, log.handler, model.handlers.trust_target,
        log.channel, day,
    )  # fmt: skip
    # A late resolution satisfies less: the gain shrinks with the days the issue took.
    timely = np.exp(minus_days / tr.timely_days)
    slot = scratch_slots(pop.n)
    event, member, weight, share, column = outcomes_felt(
        pop.trust, given_up, tr.grievance_loss, households, reporters, ok, timely, target, pop.hh_indptr,
        pop.hh_members, tr.household_share, tr.gain_success, tr.loss_failure, slot,
    )  # fmt: skip
    if len(handled) == 0:
        return
    if tr.hearsay_share > 0:  # the reporters' acquaintances hear of it
        is_reporter = member == reporters[event]
        _hearsay(model, member[is_reporter], share[is_reporter], column[is_reporter])
    # The community took the report (it shares in the outcome of a referred case); efficacy; replies that
    # close the loop, whatever the outcome.
    outcomes_followed(
        pop.trust, pop.efficacy, event, member, weight, share, column, ok, tr.referral_share, tr.efficacy_gain,
        tr.efficacy_loss, reporters, model.streams["feedback.reply"].uniform_at(day, handled),
        model.reply_probabilities()[channel], tr.reply_bonus, slot,
    )  # fmt: skip


def _hearsay(model: CommunityModel, reporters: np.ndarray, share: np.ndarray, cols: np.ndarray) -> None:
    """Acquaintances hear how reporters' cases went: they feel ``trust.hearsay_share`` of each update,
    weighted by tie weight (gains and losses apart, each summed over the reporters one knows, at most 1).

    ``cols`` is the trust column of each reporter's update; one sparse product serves every column and sign.
    """
    pop, tr = model.pop, model.scenario.trust
    held, columns, x = reporters_sums(reporters, cols, share)  # (reporters, column x sign) in one pass
    # Only the reporters' acquaintances hear anything: their rows of W @ x, in ascending order.
    reached, sums = model.network.spread(x, held)
    # Per column, gains then losses, each a gap-closing update of those who heard (at most 1).
    nudge_heard(pop.trust, reached, sums, np.float32(tr.hearsay_share), columns, scratch_slots(pop.n))


def _notices(model: CommunityModel, day: int) -> None:
    """Public notices (公示) and what residents see around them, every ``trust.notice_every_days`` days.

    The committee posts the cases resolved in the period and who resolved them; a
    resident who sees the notice board (``levers.notice_reach``; app users also
    through the app) gains ``trust.notice_gain`` per case resolved in their
    compound in the institution that resolved it (the committee, a government
    unit, the property company), up to ``trust.notice_max`` each. Residents who are around (daytime presence) see
    maintenance and sanitation problems left open longer than the period and lose
    ``trust.neglect_loss`` per problem (up to ``trust.neglect_max``) in the
    property company, or the community where there is none.
    """
    log, pop, tr, lv = model.issues, model.pop, model.scenario.trust, model.levers
    period = tr.notice_every_days
    recent = log.window(day, period + model.scenario.casework.max_days + model.scenario.issues.grievance_days)
    idx = np.arange(recent.start, recent.stop)
    resolved = idx[(log.outcome[idx] == RESOLVED) & (log.closed[idx] > day - period)]
    target = model.handlers.trust_target[log.handler[resolved]]
    u = model.streams["feedback.notice"].uniform(day, pop.n)
    reach = 1.0 - (1.0 - lv.notice_reach) * (1.0 - lv.app_reach * pop.digital)
    reads = u < reach
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
