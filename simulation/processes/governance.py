"""Phase 9, governance: consultations (协商议事) with proposals, and the committee election.

Each compound holds a consultation every ``governance.consultation_every_days``
(compounds staggered). Residents of the compound hear of it by notice or
personal invitation (Party members, branch, interventions) and join with
log-odds from interest in public affairs, trust in the community, efficacy,
free time, invitation and Party duty, up to the capacity; attendees meet, and
some make proposals with consequences (``_proposals``). Attending or proposing
is a governance action. On the residents' committee election day (every
``election_every_days`` from ``election_day``, on the same clock as every
calendar, so a burn-in longer than a term holds an election too) every adult
votes or not by the same terms; votes are counted by ``turnout``, not as
governance actions. Interventions hold other elections with ``hold_election``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.arrays import f32, scratch_slots, sigmoid
from simulation.network import ACTIVITY
from simulation.population import T_COMMUNITY
from simulation.processes.feedback import VISIBLE
from simulation.processes.governance_kernels import (
    consultation_candidates,
    consultation_seats,
    governance_logits,
    proposals,
)
from simulation.processes.reporting import BASE_CHANNELS

CONSULTATION = BASE_CHANNELS.index("consultation")  # the reporting channel of issues raised at consultations
_PROPOSAL_STREAMS = (("governance.propose", range(1)), ("governance.adopt", range(1)))

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def _logit_terms(model: CommunityModel, base: float) -> tuple:
    """The residents' arrays and the weights of the log-odds of taking part (``governance_kernels._logit``:
    interest in public affairs, trust in the community, efficacy, free time, invitation, Party duty),
    with ``base`` added."""
    pop, g = model.pop, model.scenario.governance
    return (
        pop.public_affairs, pop.trust[:, T_COMMUNITY], pop.efficacy, pop.free_time, pop.invited, pop.party,
        f32(base), f32(g.interest_weight), f32(g.trust_weight), f32(g.efficacy_weight),
        f32(g.free_time_weight), g.mobilisation_weight, g.party_weight,
    )  # fmt: skip


def governance(model: CommunityModel, day: int) -> None:
    pop, g = model.pop, model.scenario.governance
    every = model.levers.consultation_every_days
    holding = np.arange(-day % every, pop.n_compounds, every)  # the compounds c with (day + c) % every == 0
    if len(holding):
        # Who hears of it (the draws only for the residents of the compounds holding one: the same numbers
        # as for everyone) and joins, up to the capacity per compound in a random order of arrival; they
        # act in governance today.
        streams = model.streams
        cand, logit = consultation_candidates(
            pop.compound, holding, pop.n_compounds, streams["governance.aware"].state(day),
            model.levers.notice_reach, *_logit_terms(model, g.base),
        )  # fmt: skip
        join = consultation_seats(
            cand, logit, streams["governance.join"].state(day),
            streams["governance.order"].state(day), pop.compound, g.consultation_capacity, day,
            pop.last_governance, pop.governance_actions,
        )  # fmt: skip
        model.consultations_held += len(holding)
        _proposals(model, day, join)
        if model.scenario.drivers.ties and len(join) > 1:
            comp = pop.compound[join]
            same = comp[1:] == comp[:-1]
            model.network.meet(join[:-1][same], join[1:][same], ACTIVITY)
    if g.election_day >= 0 and (day - g.election_day) % g.election_every_days == 0:
        hold_election(model, day, "governance.vote", committee=True)


def hold_election(
    model: CommunityModel, day: int, stream: str, bonus: np.ndarray | float = 0.0, committee: bool = False
) -> np.ndarray:
    """Every adult votes or not; returns the voters.

    ``bonus`` adds log-odds per resident (e.g. a campaign by candidates of one's own group).
    ``committee``: the residents' committee election, whose voters ``turnout`` counts.
    """
    g, pop = model.scenario.governance, model.pop
    u = model.streams[stream].uniform(day, pop.n)
    votes = np.flatnonzero(u < sigmoid(governance_logits(np.arange(pop.n), *_logit_terms(model, g.vote_base)) + bonus))
    pop.last_vote[votes] = day
    if committee:
        pop.voted_last_election[:] = False
        pop.voted_last_election[votes] = True
        model.last_election_day = day
    model.elections_held += 1
    return votes


def _proposals(model: CommunityModel, day: int, attendees: np.ndarray) -> None:
    """Attendees make proposals (民事民来提); the committee adopts some, and that changes what it does.

    An attendee proposes with log-odds ``proposal_base + proposal_efficacy_weight x efficacy``.
    What about: an open issue of their household if they have one; else repairs if
    maintenance or sanitation problems stand open in their compound for longer than a
    notice period (``trust.notice_every_days``); else the activity type they like best.
    The committee adopts a proposal with chance ``adoption_prob`` x (1 - its administrative
    burden): the household's issues are taken up (reported, or coordinated if already
    reported); the community keeps ``repair_reserve`` of its monthly funds for repairs;
    or one of the committee's next activities is of the type asked for. Being heard raises efficacy and
    trust in the community (``trust.heard_gain``); not being heard lowers efficacy
    (``trust.unheard_loss``).
    """
    if len(attendees) == 0:
        return
    pop, g, log, tr = model.pop, model.scenario.governance, model.issues, model.scenario.trust
    propose, adopt = model.streams.words_of(day, _PROPOSAL_STREAMS)
    n, repairs, wanted = proposals(
        day, attendees, propose[0], adopt[0], f32(g.proposal_base), f32(g.proposal_efficacy_weight), pop.efficacy,
        pop.last_proposal, pop.last_governance, pop.governance_actions, pop.community, pop.compound,
        pop.household, model.handlers.admin_burden, model.handlers.committee_of, float(g.adoption_prob),
        log.open, log.stage, log.household, log.domain, log.raised, log.compound, VISIBLE,
        model.scenario.trust.notice_every_days, pop.n_households, pop.n_compounds, CONSULTATION, log.reporter,
        log.reported, log.channel, log.ready, log.coordinated, pop.trust, T_COMMUNITY, float(tr.heard_gain),
        float(tr.unheard_loss), scratch_slots(pop.n),
    )  # fmt: skip
    if n == 0:
        return
    model.proposal_days = np.concatenate([model.proposal_days, np.full(n, day, np.int32)])
    for c in repairs.tolist():
        model.pool.reserve_for_repairs(c, g.repair_reserve)
    for c in sorted(set(pop.community[wanted].tolist())):  # (np.unique: 5x slower here)
        committee = model.organisers.of([model.committees[int(c)]])[0]
        for t in np.argmax(pop.interest[wanted[pop.community[wanted] == c]], axis=1):
            model.organisers.request_type(committee, int(t))
