"""Phase 5, social influence: Watts's threshold rule.

Each resident compares the tie-weighted share of engaged acquaintances with
their own threshold; when it is reached they are *pulled* (a term in the
attendance decision). Party members also invite acquaintances personally.
With ``influence.direct`` the rule is the pure threshold model: a pulled
resident engages at once (with ``engagement.permanent``: Watts 2002).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.kernels import invite, reach_threshold

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def influence(model: CommunityModel, day: int) -> None:
    pop, inf = model.pop, model.scenario.influence
    # Engaged acquaintances and Party acquaintances, weighted by ties: one pass over the ties.
    engaged_ties, party_ties = model.ties_to(pop.engaged.astype(np.float32))
    # A small tolerance so that "k of n acquaintances" thresholds are met exactly despite float rounding.
    reach_threshold(engaged_ties, model.network.weight_sums(), pop.threshold, np.float32(1e-6), pop.pulled)
    if inf.direct:
        newly = pop.pulled & ~pop.engaged
        pop.engaged |= newly
        pop.last_activity[newly] = day
    # Personal invitations by Party members: more Party acquaintances, more chances to be asked.
    # Only residents with a Party acquaintance can be asked (elsewhere the chance is 0).
    asked = (party_ties > 0).nonzero()[0]
    strength = model.branch_table.strength[pop.compound[asked]]  # the branch organises its members' asking
    p_invite = 1.0 - np.exp(-model.levers.party_invite_rate * strength * party_ties[asked])
    invite(model.streams["influence.invite"].words(day, [0])[0], asked, p_invite, pop.invited)
