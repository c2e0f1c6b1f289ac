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

from simulation.arrays import sigmoid
from simulation.population import T_COMMUNITY
from simulation.processes.issues import GIVEN_UP, UNREPORTED

if TYPE_CHECKING:
    from simulation.model import CommunityModel

# Channels every scenario has; "consultation" is never chosen here: issues raised at a
# consultation are reported through it by the governance phase.
BASE_CHANNELS = ("walk_in", "party_branch", "app", "consultation")


def channel_scores(model: CommunityModel) -> tuple[np.ndarray, list[str]]:
    """Log-odds bonus of each open channel per resident, (n, channels); -inf where closed."""
    pop, rep = model.pop, model.scenario.reporting
    names = list(BASE_CHANNELS) + list(model.levers.extra_channels)
    scores = np.full((pop.n, len(names)), -np.inf, np.float32)
    scores[:, 0] = rep.walk_in_time_weight * pop.free_time
    relay = pop.party | (model.today_party_ties() > 0)
    scores[relay, 1] = rep.branch_bonus * model.branch_table.strength[pop.compound[relay]]
    if model.levers.app_enabled:
        scores[pop.digital, 2] = model.levers.app_bonus
    for k, name in enumerate(model.levers.extra_channels, start=len(BASE_CHANNELS)):
        scores[:, k] = model.levers.extra_channels[name]
    return scores, names


def reporting(model: CommunityModel, day: int) -> None:
    log, pop, rep = model.issues, model.pop, model.scenario.reporting
    pending = log.open[log.stage[log.open] == UNREPORTED]
    # Grievances that lingered too long are given up.
    old = pending[day - log.raised[pending] >= model.scenario.issues.grievance_days]
    if len(old):
        log.close(old, day, GIVEN_UP)
        pending = pending[day - log.raised[pending] < model.scenario.issues.grievance_days]
    if len(pending) == 0:
        return
    scores, _ = channel_scores(model)
    best_channel = np.argmax(scores, axis=1)
    logit = (
        rep.base
        + rep.trust_weight * pop.trust[:, T_COMMUNITY]
        + rep.efficacy_weight * pop.efficacy
        + scores[np.arange(pop.n), best_channel]
    )
    # The household's most willing member reports (first one on ties).
    starts = pop.hh_indptr[:-1]
    hh_best = np.maximum.reduceat(logit, starts)
    is_best = logit >= hh_best[pop.household]
    reporter_of = np.minimum.reduceat(np.where(is_best, np.arange(pop.n), pop.n), starts)
    u = model.streams["reporting.decide"].uniform(day, pop.n)
    who = reporter_of[log.household[pending]]
    # Urgency fades: an issue not reported in its first days is less and less likely to be.
    age = day - log.raised[pending]
    go = u[who] < sigmoid(logit[who]) * np.exp(-age / rep.urgency_days)
    done, who = pending[go], who[go]
    if len(done) == 0:
        return
    log.take_reports(done, who, day, best_channel[who])
    pop.last_report[who] = day
