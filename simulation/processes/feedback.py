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
from simulation.population import T_COMMUNITY, T_GOVERNMENT, T_PROPERTY
from simulation.processes.feedback_kernels import outcomes
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
    # The households' updates (a late resolution satisfies less: the gain shrinks with the days the issue
    # took), what the reporters' acquaintances hear (when ``hearsay_share`` > 0), the community's share of
    # referred cases, efficacy and the replies that close the loop, whatever the outcome: one compiled call.
    net = model.network
    outcomes(
        pop.trust, pop.efficacy, closed, log.outcome, log.household, log.reporter, log.handler, log.channel,
        model.handlers.trust_target, log.raised, day, float(tr.timely_days), pop.hh_indptr, pop.hh_members,
        tr.household_share, tr.gain_success, tr.loss_failure, tr.grievance_loss, tr.hearsay_share, net.indptr,
        net.cols, net.weight, tr.referral_share, tr.efficacy_gain, tr.efficacy_loss,
        model.streams["feedback.reply"].state(day), model.reply_probabilities(), tr.reply_bonus,
        scratch_slots(pop.n),
    )  # fmt: skip


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
