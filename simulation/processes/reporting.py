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


def channel_scores(model: CommunityModel, who: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """Log-odds bonus of each open channel for residents ``who`` (default: all), (len(who), channels); -inf where closed."""
    pop, rep = model.pop, model.scenario.reporting
    if who is None:
        who = np.arange(pop.n)
    names = list(BASE_CHANNELS) + list(model.levers.extra_channels)
    scores = np.full((len(who), len(names)), -np.inf, np.float32)
    scores[:, 0] = rep.walk_in_time_weight * pop.free_time[who]
    relay = pop.party[who] | (model.party_ties_of(who) > 0)
    scores[relay, 1] = rep.branch_bonus * model.branch_table.strength[pop.compound[who[relay]]]
    if model.levers.app_enabled:
        scores[pop.digital[who], 2] = model.levers.app_bonus
    for k, name in enumerate(model.levers.extra_channels, start=len(BASE_CHANNELS)):
        scores[:, k] = model.levers.extra_channels[name][who]
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
    # Only the members of households with a pending issue are scored (each resident's score is its own).
    households, of_issue = np.unique(log.household[pending], return_inverse=True)
    first, last = pop.hh_indptr[households], pop.hh_indptr[households + 1]
    sizes = last - first
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    members = np.repeat(first - starts, sizes) + np.arange(int(sizes.sum()))  # residents are numbered by household
    scores, _ = channel_scores(model, members)
    best_channel = np.argmax(scores, axis=1)
    logit = (
        rep.base
        + rep.trust_weight * pop.trust[members, T_COMMUNITY]
        + rep.efficacy_weight * pop.efficacy[members]
        + scores[np.arange(len(members)), best_channel]
    )
    # The household's most willing member reports (first one on ties).
    hh_best = np.maximum.reduceat(logit, starts)
    is_best = logit >= np.repeat(hh_best, sizes)
    local = np.minimum.reduceat(np.where(is_best, np.arange(len(members)), len(members)), starts)[of_issue]
    who = members[local]
    u = model.streams["reporting.decide"].uniform_at(day, who)
    # Urgency fades: an issue not reported in its first days is less and less likely to be.
    age = day - log.raised[pending]
    go = u < sigmoid(logit[local]) * np.exp(-age / rep.urgency_days)
    done, who, local = pending[go], who[go], local[go]
    if len(done) == 0:
        return
    log.take_reports(done, who, day, best_channel[local])
    pop.last_report[who] = day
