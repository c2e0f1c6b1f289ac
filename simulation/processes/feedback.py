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
from simulation.processes.feedback_kernels import notices, outcomes
from simulation.scenario import DOMAINS

# Problems residents see around them when left open.
VISIBLE_DOMAINS = [DOMAINS.index(d) for d in ("maintenance", "sanitation")]
VISIBLE = in_set(np.arange(len(DOMAINS)), VISIBLE_DOMAINS, len(DOMAINS))  # per domain: in sight
_NOTICE_STREAMS = (("feedback.notice", range(1)), ("feedback.neglect", range(1)))

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
    notice, neglect = model.streams.words_of(day, _NOTICE_STREAMS)
    notices(
        day, period, period + model.scenario.casework.max_days + model.scenario.issues.grievance_days, log.raised,
        log.size, log.outcome, log.closed, log.handler, model.handlers.trust_target, log.compound, log.open,
        log.stage, log.domain, VISIBLE, notice[0], neglect[0], float(lv.notice_reach), float(lv.app_reach),
        pop.digital, pop.presence, pop.compound, pop.n_compounds, model.handlers.property_of,
        float(tr.notice_gain), float(tr.notice_max), float(tr.neglect_loss), float(tr.neglect_max), pop.trust,
        scratch_slots(pop.n),
    )  # fmt: skip
