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

from simulation import threads
from simulation.kernels import party_invitations, threshold_rule

if TYPE_CHECKING:
    from simulation.model import CommunityModel

_TOLERANCE = np.float32(1e-6)  # the threshold rule's allowance for float rounding (see ``influence``)


def influence(model: CommunityModel, day: int) -> None:
    pop, inf, net = model.pop, model.scenario.influence, model.network
    # The threshold rule on engaged acquaintances and the Party acquaintances, weighted by ties: one pass
    # over the ties (in blocks of rows on large networks). Residents without ties are not pulled.
    # A small tolerance so that "k of n acquaintances" thresholds are met exactly despite float rounding.
    pop.pulled[:] = False
    party_ties = np.zeros(pop.n, np.float32)
    rows, cols, weight, tolerance = net.rows, net.cols, net.weight, _TOLERANCE

    def block(start: int, stop: int) -> None:
        threshold_rule(
            rows[start:stop], cols[start:stop], weight[start:stop], pop.engaged, pop.party, pop.threshold,
            tolerance, pop.pulled, party_ties,
        )  # fmt: skip

    threads.run_blocks(block, net.row_blocks())
    if inf.direct:
        newly = pop.pulled & ~pop.engaged
        pop.engaged |= newly
        pop.last_activity[newly] = day
    # Personal invitations by Party members: more Party acquaintances, more chances to be asked.
    # Only residents with a Party acquaintance can be asked (elsewhere the chance is 0); the branch
    # organises its members' asking.
    party_invitations(
        model.streams["influence.invite"].state(day), party_ties, model.branch_table.strength, pop.compound,
        model.levers.party_invite_rate, pop.invited,
    )  # fmt: skip
