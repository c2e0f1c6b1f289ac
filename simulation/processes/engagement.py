"""Phase 11, engagement: a resident who took part recently is engaged.

Engaged means an activity attended or a governance action within the last
``engagement.memory_days`` days; with ``engagement.permanent`` engagement
never lapses (the canonical threshold models). The next day's influence
phase reads it (Watts's threshold rule on engaged acquaintances).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.kernels import engaged_since

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def engagement(model: CommunityModel, day: int) -> None:
    pop, eng = model.pop, model.scenario.engagement
    engaged_since(pop.last_activity, pop.last_governance, day - eng.memory_days, eng.permanent, pop.engaged)
