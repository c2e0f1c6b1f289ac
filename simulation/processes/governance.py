"""Phase 9, governance: consultations (协商议事) and representative elections.

Each compound holds a consultation every ``governance.consultation_every_days``
(compounds staggered). Residents of the compound hear of it by notice or
personal invitation (Party members, branch, interventions) and join with
log-odds from interest in public affairs, trust in the community, efficacy,
free time, invitation and Party duty, up to the capacity. On election days
every adult votes or not by the same terms. Taking part is a governance
action; consultation attendees also meet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.arrays import sigmoid
from simulation.network import ACTIVITY
from simulation.population import T_COMMUNITY

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def _logit(model: CommunityModel, base: float, idx) -> np.ndarray:
    pop, g = model.pop, model.scenario.governance
    return (
        base
        + g.interest_weight * pop.public_affairs[idx]
        + g.trust_weight * pop.trust[idx, T_COMMUNITY]
        + g.efficacy_weight * pop.efficacy[idx]
        + g.free_time_weight * pop.free_time[idx]
        + g.mobilisation_weight * pop.invited[idx]
        + g.party_weight * pop.party[idx]
    )


def _act(model: CommunityModel, day: int, who: np.ndarray) -> None:
    pop = model.pop
    pop.last_governance[who] = day
    pop.governance_actions[who] += 1


def governance(model: CommunityModel, day: int) -> None:
    pop, g = model.pop, model.scenario.governance
    every = model.levers.consultation_every_days
    holding = np.flatnonzero((day + np.arange(pop.n_compounds)) % every == 0)
    if len(holding):
        u_aware = model.streams["governance.aware"].uniform(day, pop.n)
        u_join = model.streams["governance.join"].uniform(day, pop.n)
        u_order = model.streams["governance.order"].uniform(day, pop.n)
        in_scope = np.isin(pop.compound, holding)
        aware = in_scope & (pop.invited | (u_aware < model.levers.notice_reach))
        cand = np.flatnonzero(aware)
        join = cand[u_join[cand] < sigmoid(_logit(model, g.base, cand))]
        # Capacity per compound: first comers in a random order.
        order = np.lexsort((u_order[join], pop.compound[join]))
        join = join[order]
        comp = pop.compound[join]
        rank = np.arange(len(join)) - np.searchsorted(comp, comp, side="left")
        join = join[rank < g.consultation_capacity]
        _act(model, day, join)
        model.consultations_held += len(holding)
        if model.scenario.drivers.ties and len(join) > 1:
            comp = pop.compound[join]
            same = comp[1:] == comp[:-1]
            model.network.meet(join[:-1][same], join[1:][same], ACTIVITY)
    if g.election_day >= 0 and day >= g.election_day and (day - g.election_day) % g.election_every_days == 0:
        hold_election(model, day, "governance.vote")


def hold_election(model: CommunityModel, day: int, stream: str, bonus: np.ndarray | float = 0.0) -> np.ndarray:
    """Every adult votes or not (a governance action); returns the voters.

    ``bonus`` adds log-odds per resident (e.g. a campaign by candidates of one's own group).
    """
    g = model.scenario.governance
    u = model.streams[stream].uniform(day, model.pop.n)
    votes = np.flatnonzero(u < sigmoid(_logit(model, g.vote_base, slice(None)) + bonus))
    _act(model, day, votes)
    model.elections_held += 1
    return votes
