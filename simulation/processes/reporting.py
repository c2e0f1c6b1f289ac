"""Phase 2, reporting: each open, unreported issue is reported today or not.

The household's most willing member decides, by trust in the community,
efficacy and the best channel open to them: walking in (needs free time in
office hours), the compound Party branch (a Party member or an acquaintance
of one relays it), the community app (digital access), or channels that
interventions open (elder representatives, model households, ...).
Unreported issues linger as grievances and are given up after
``issues.grievance_days``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.arrays import f32
from simulation.population import T_COMMUNITY
from simulation.processes.reporting_kernels import report_today

if TYPE_CHECKING:
    from simulation.model import CommunityModel

# Channels every scenario has; "consultation" is never chosen here: issues raised at a
# consultation are reported through it by the governance phase.
BASE_CHANNELS = ("walk_in", "party_branch", "app", "consultation")


def reporting(model: CommunityModel, day: int) -> None:
    log, pop, rep = model.issues, model.pop, model.scenario.reporting
    # Issues given up; the pending ones and their households' most willing members. Channels: walking in
    # (free time in office hours), the Party branch (a Party member or an acquaintance of one relays it),
    # the app (digital access, once it runs), the consultation (never chosen here), and those interventions
    # open. Only the members of households with a pending issue are scored (each resident's score is its own).
    levers, net = model.levers, model.network
    extra = levers.extra_channels
    given_up = report_today(
        day, log.open, log.stage, log.raised, log.household, model.scenario.issues.grievance_days, pop.hh_indptr,
        log.closed, log.outcome, pop.free_time, f32(rep.walk_in_time_weight), pop.party, net.indptr,
        net.cols, net.weight, rep.branch_bonus, model.branch_table.strength, pop.compound, levers.app_enabled,
        pop.digital, f32(levers.app_bonus),
        np.stack(list(extra.values())) if extra else np.empty((0, pop.n), np.float32), pop.trust[:, T_COMMUNITY],
        pop.efficacy, f32(rep.base), f32(rep.trust_weight), f32(rep.efficacy_weight),
        model.streams["reporting.decide"].state(day), float(rep.urgency_days), log.reporter, log.reported,
        log.channel, log.ready, pop.last_report,
    )  # fmt: skip
    if len(given_up):  # grievances that lingered too long are given up
        log.closed_today = np.concatenate([log.closed_today, given_up])
