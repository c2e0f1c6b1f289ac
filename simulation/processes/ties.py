"""Phase 7, ties: chats renew ties or form new ones; unused ties fade.

Each day an adult chats with someone with chance ``network.meeting_rate`` x
relative presence (people who are around meet more). With chance
``network.familiar_share`` (lever ``familiar_share``) it is an existing acquaintance (the tie is
renewed); otherwise a building neighbour drawn by presence, taken on as a new
acquaintance with chance (1 - stranger index) (an independent draw). A meeting strengthens an
existing tie or forms a new one, and so does every contact recorded today
by the activities and governance phases (co-attendance). Then every non-household tie fades by
``network.decay_per_day`` and ties below ``network.min_weight`` are dropped.
(Co-attendance contacts are recorded by the activities phase and, the day
before, by the governance phase; they become ties here.) Every chat with
someone of another household and every such co-attendance sets both
residents' ``last_contact`` (read by ``weekly_contact_share``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.arrays import f32, scratch_slots
from simulation.kernels import chance_meetings, mark_contacts
from simulation.network import MEETING
from simulation.population import T_NEIGHBOURS

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def ties(model: CommunityModel, day: int) -> None:
    pop, net = model.pop, model.scenario.network
    network = model.network
    closeness = 1.0 - model.scenario.community.stranger_index
    sampler = model.building_sampler
    # Chance meetings (rate x relative presence), their partners, contact, and both ends' gain of trust in
    # neighbours (a resident in several meetings gains once per meeting), in one compiled pass.
    meetings = (
        model.streams["ties.meet"].words(day, range(4)), f32(net.meeting_rate * model.levers.meeting_rate_mult),
        pop.presence, f32(max(sampler.mean_weight, 1e-9)), pop.household, model.levers.familiar_share, closeness,
        sampler.arrays(), pop.last_contact, day, pop.trust, T_NEIGHBOURS, float(model.scenario.trust.contact_gain),
        scratch_slots(pop.n),
    )  # fmt: skip
    if net.decay_per_day > 0 and network.one_block():  # the meetings and all that follows in one call
        network.meet_and_renew(meetings, MEETING, net.new_tie_weight, net.strengthen, net.decay_per_day, net.min_weight)
        return
    a, b = chance_meetings(*meetings[:4], network.indptr, network.cols, *meetings[4:])
    network.meet(a, b, MEETING)
    # Co-attendance (activities, consultations) is contact too, when it is not within one household; then
    # the new and renewed ties, and the day's fading, in one pass over the tie arrays.
    i, j, kind = network.take_contacts()
    mark_contacts(pop.household, pop.last_contact, i, j, day)
    network.renew_and_fade(i, j, net.new_tie_weight, net.strengthen, kind, net.decay_per_day, net.min_weight)
