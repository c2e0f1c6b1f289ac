"""Phase 3, casework: routes, capacities and departmental walls.

A reported issue reaches the community committee. Maintenance and property
service go to the compound's property company (after a day) where there is
one; in a three-no compound maintenance stays with the committee. The
committee handles its own domains (``casework.committee_domains``) except
cross-department issues; those and all other domains go to the lowest-level
government unit for the domain, after ``casework.referral_days``. Every handler works on at most its capacity of
cases a day, oldest (and escalated) first; a case needs a number of
handling days and then ends resolved with the handler's success chance. A
cross-department case at a government unit makes no progress on a day with
chance ``wall_stall`` (departmental walls) unless a coordination mechanism
(an intervention) moves it. Cases open longer than ``max_days`` close
unresolved.

Interventions act on these mechanisms through the issue log (``escalated``
cases are worked beyond capacity and never stall; ``coordinated`` cases no
longer stall) and the levers (``wall_stall``, ``referral_days``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.processes.issues import (
    CLOSED,
    FAILED,
    IN_TRANSIT,
    MAINTENANCE,
    PROPERTY_SERVICE,
    QUEUED,
    RESOLVED,
)
from simulation.scenario import DOMAINS

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def route(model: CommunityModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Handler id and referral delay (days) of each issue."""
    log, h = model.issues, model.handlers
    domain, compound, community = log.domain[idx], log.compound[idx], log.community[idx]
    handler = h.committee_of[community].copy()
    delay = np.zeros(len(idx), np.int32)
    committee_does = np.isin(domain, h.committee_domains)
    prop = h.property_of[compound]
    to_property = ((domain == PROPERTY_SERVICE) | (domain == MAINTENANCE)) & (prop >= 0)
    handler[to_property] = prop[to_property]
    delay[to_property] = 1
    # The committee handles its own domains, except cross-department issues, which need
    # the government unit for the domain (when one exists).
    to_gov = ~to_property & (~committee_does | log.cross[idx])
    gov = h.government_for[domain]
    ok = to_gov & (gov >= 0)
    handler[ok] = gov[ok]
    delay[ok] = model.levers.referral_days
    return handler, delay


def casework(model: CommunityModel, day: int) -> None:
    log, h = model.issues, model.handlers
    cw = model.scenario.casework
    arriving = log.open[log.stage[log.open] == IN_TRANSIT]
    arriving = arriving[log.handler[arriving] < 0]
    if len(arriving):
        handler, delay = route(model, arriving)
        log.handler[arriving] = handler
        log.ready[arriving] = day + delay
        u = model.streams["casework.work"].uniform(day, log.size)[arriving]
        log.work_left[arriving] = handling_days(u, h.work_days[handler])
    moving = log.open[(log.stage[log.open] == IN_TRANSIT) & (log.ready[log.open] <= day)]
    log.stage[moving] = QUEUED

    queued = log.open[log.stage[log.open] == QUEUED]
    _work_queues(model, day, queued)
    # Time-out: reported cases open too long close unresolved, wherever they are.
    too_old = log.open[(log.stage[log.open] != CLOSED) & (log.reported[log.open] >= 0)]
    too_old = too_old[day - log.reported[too_old] >= cw.max_days]
    if len(too_old):
        log.close(too_old, day, FAILED)


def _work_queues(model: CommunityModel, day: int, queued: np.ndarray) -> None:
    """Walls, capacities and outcomes for today's queued cases."""
    log, h = model.issues, model.handlers
    # Departmental walls: cross-department cases at government units stall.
    walls = log.cross[queued] & h.is_government[log.handler[queued]]
    u_stall = model.streams["casework.stall"].uniform(day, log.size)[queued]
    stalled = walls & (u_stall < model.levers.wall_stall) & ~log.escalated[queued] & ~log.coordinated[queued]
    log.stalled_days[queued[stalled]] += 1
    log.stalled_today = int(stalled.sum())
    ready = queued[~stalled]
    # Capacity: whole cases a day, the fraction carried by a draw per handler.
    cap = h.capacity()
    u_cap = model.streams["casework.capacity"].uniform(day, len(cap))
    slots = np.floor(cap + u_cap).astype(np.int64)
    handler = log.handler[ready]
    order = np.lexsort((ready, log.reported[ready], ~log.escalated[ready], handler))
    ready, handler = ready[order], handler[order]
    first = np.searchsorted(handler, handler, side="left")
    rank = np.arange(len(ready)) - first
    # Escalated cases are worked whatever the queue: the summoned department reports (报到).
    worked = ready[(rank < slots[handler]) | log.escalated[ready]]
    log.work_left[worked] -= 1
    h.cases_worked += np.bincount(log.handler[worked], minlength=len(cap))
    done = worked[log.work_left[worked] <= 0]
    if len(done):
        u_ok = model.streams["casework.outcome"].uniform(day, log.size)[done]
        success = h.success[log.handler[done]]
        # An escalated case has the leadership's attention: it ends resolved more surely.
        success = np.where(log.escalated[done], np.maximum(success, model.levers.escalated_success), success)
        ok = u_ok < success
        log.close(done[ok], day, RESOLVED)
        log.close(done[~ok], day, FAILED)


def handling_days(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Handling days, geometric on 1, 2, ... with the given mean (>= 1), by inverse CDF of ``u``."""
    p = 1.0 / np.maximum(mean, 1.0)
    with np.errstate(divide="ignore"):
        extra = np.where(p >= 1.0, 0.0, np.floor(np.log1p(-u) / np.log1p(-np.minimum(p, 1 - 1e-12))))
    return (1 + extra).astype(np.int32)


def domain_index(names: list[str]) -> np.ndarray:
    return np.array([DOMAINS.index(d) for d in names], dtype=np.int8)
