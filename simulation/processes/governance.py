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

from simulation.arrays import f32, in_set, sigmoid
from simulation.network import ACTIVITY
from simulation.population import T_COMMUNITY
from simulation.processes.feedback import VISIBLE_DOMAINS
from simulation.processes.governance_kernels import consultation_candidates, consultation_seats, governance_logits
from simulation.processes.issues import CLOSED, UNREPORTED
from simulation.processes.reporting import BASE_CHANNELS
from simulation.scenario import DOMAINS

CONSULTATION = BASE_CHANNELS.index("consultation")  # the reporting channel of issues raised at consultations

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
    u = model.streams["governance.propose"].uniform_at(day, attendees)
    who = attendees[u < sigmoid(g.proposal_base + g.proposal_efficacy_weight * pop.efficacy[attendees])]
    if len(who) == 0:
        return
    pop.last_proposal[who] = day
    pop.last_governance[who] = day
    pop.governance_actions[who] += 1
    model.proposal_days = np.concatenate([model.proposal_days, np.full(len(who), day, np.int32)])
    # The committee takes proposals up as far as its staff are free of tasks from above.
    free = 1.0 - model.handlers.admin_burden[model.handlers.committee_of[pop.community[who]]]
    adopted = model.streams["governance.adopt"].uniform_at(day, who) < g.adoption_prob * free
    # What each proposal is about.
    o = log.open[log.stage[log.open] != CLOSED]
    household_issue = np.zeros(pop.n_households, bool)
    household_issue[log.household[o]] = True
    # Problems in sight: maintenance or sanitation left open longer than a notice period.
    stale = in_set(log.domain[o], VISIBLE_DOMAINS, len(DOMAINS)) & (
        day - log.raised[o] > model.scenario.trust.notice_every_days
    )
    open_problem = np.zeros(pop.n_compounds, bool)
    open_problem[log.compound[o[stale]]] = True
    about_issue = household_issue[pop.household[who]]
    about_repairs = ~about_issue & open_problem[pop.compound[who]]
    about_activity = ~about_issue & ~about_repairs
    # Consequences of the adopted ones.
    taken = who[adopted & about_issue]
    if len(taken):
        mine = o[in_set(log.household[o], pop.household[taken], pop.n_households) & (log.stage[o] != CLOSED)]
        unreported = log.stage[mine] == UNREPORTED
        log.take_reports(mine[unreported], _reporter_of(pop, taken, log.household[mine[unreported]]), day, CONSULTATION)
        log.coordinate(mine[~unreported])
    for c in sorted(set(pop.community[who[adopted & about_repairs]].tolist())):  # (np.unique: 5x slower here)
        model.pool.reserve_for_repairs(int(c), g.repair_reserve)
    wanted = who[adopted & about_activity]
    for c in sorted(set(pop.community[wanted].tolist())):
        committee = model.organisers.of([model.committees[int(c)]])[0]
        for t in np.argmax(pop.interest[wanted[pop.community[wanted] == c]], axis=1):
            model.organisers.request_type(committee, int(t))
    heard, unheard = who[adopted], who[~adopted]
    pop.nudge("efficacy", heard, tr.heard_gain)
    pop.nudge("trust", heard, tr.heard_gain, column=T_COMMUNITY)
    pop.nudge("efficacy", unheard, -tr.unheard_loss)


def _reporter_of(pop, proposers: np.ndarray, households: np.ndarray) -> np.ndarray:
    """The proposer from each household (one per household among the proposers)."""
    hh = pop.household[proposers]
    order = np.argsort(hh, kind="stable")
    pos = np.searchsorted(hh[order], households)
    return proposers[order][pos]
