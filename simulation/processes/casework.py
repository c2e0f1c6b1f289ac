"""Phase 3, casework: routes, capacities, departmental walls, and repairs paid from the pool.

A reported issue reaches the community committee. Maintenance and property
service go to the compound's property company (after a day) where there is
one; in a three-no compound maintenance stays with the committee. The
committee handles its own domains (``casework.committee_domains``) except
cross-department issues; those and all other domains go to the lowest-level
government unit for the domain, after ``levers.referral_days``.

A case is worked in parts, one per unit it needs: one part, or for a
cross-department case ``casework.units_per_cross_case`` parts at different
government units (the unit for the domain, then others drawn at random). The
case closes when its last part is done, resolved only if every unit
succeeded. Departmental walls: the parts are passed from one unit to the next
(each pass takes ``levers.referral_days``), and on any day a part of a
cross-department case stalls with chance ``levers.wall_stall``; so a case
waits for every unit in turn. A coordinated case (joint meetings) or an
escalated one (the whistle) has its remaining parts worked at once and never
stalls; escalated parts go to the front of every queue (within the unit's
capacity: the whistle reorders work, it adds no staff).

Every unit works at most its capacity of parts a day, escalated and oldest
first; a part needs a number of handling days. A repair the committee does
itself (maintenance) needs ``casework.repair_funds`` yuan from the community
pool on its last day, and waits while the pool has none (casework runs before
activities, so repairs come first). Cases open longer than ``max_days`` close
unresolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.arrays import in_set
from simulation.handlers import COMMITTEE, GOVERNMENT
from simulation.processes.casework_kernels import finish_parts, work_parts
from simulation.processes.issues import (
    CLOSED,
    FAILED,
    IN_TRANSIT,
    MAINTENANCE,
    NO_DAY,
    NOT_YET,
    PROPERTY_SERVICE,
    QUEUED,
)
from simulation.scenario import DOMAINS

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def route(model: CommunityModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Handler row and referral delay (days) of each issue."""
    log, h = model.issues, model.handlers
    domain, compound, community = log.domain[idx], log.compound[idx], log.community[idx]
    handler = h.committee_of[community].copy()
    delay = np.zeros(len(idx), np.int32)
    committee_does = in_set(domain, h.committee_domains, len(DOMAINS))
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


def _open_parts(model: CommunityModel, day: int, idx: np.ndarray, handler: np.ndarray, delay: np.ndarray) -> None:
    """Create the parts of newly routed cases: one per unit each needs."""
    log, h, tasks = model.issues, model.handlers, model.issues.tasks
    units = h.of_kind(GOVERNMENT)
    cross = log.cross[idx] & (h.kind[handler] == GOVERNMENT)
    parts = np.where(cross, min(model.scenario.casework.units_per_cross_case, len(units)), 1).astype(np.int8)
    log.parts[idx] = parts
    n_parts = int(parts.max(initial=1))
    unit = np.full((len(idx), n_parts), -1, np.int32)
    unit[:, 0] = handler
    for k in range(1, n_parts):  # another government unit, drawn among those not yet on the case
        has = parts > k
        u = model.streams["casework.units"].uniform_at(day, idx[has], k)
        free = ~(units[None, :, None] == unit[has][:, None, :k]).any(axis=2)  # (cases, units)
        n_free = free.sum(axis=1)
        pick = np.minimum((u * n_free).astype(np.int64), n_free - 1)
        unit[has, k] = units[np.argmax(np.cumsum(free, axis=1) > pick[:, None], axis=1)]
    case, part = np.nonzero(unit >= 0)
    who = unit[case, part]
    # The first unit can start when the case reaches it; the others wait for the one before.
    ready = np.where(part == 0, day + delay[case], NOT_YET).astype(np.int32)
    u = _draw(model, "casework.work", day, idx[case], part)
    work = handling_days(u, h.work_days[who])
    tasks.append(issue=idx[case], part=part.astype(np.int8), handler=who, ready=ready, work_left=work)


def casework(model: CommunityModel, day: int) -> None:
    log = model.issues
    cw = model.scenario.casework
    arriving = log.open[log.stage[log.open] == IN_TRANSIT]
    arriving = arriving[log.handler[arriving] < 0]
    if len(arriving):
        handler, delay = route(model, arriving)
        log.handler[arriving] = handler
        log.ready[arriving] = day + delay
        _open_parts(model, day, arriving, handler, delay)
    moving = log.open[(log.stage[log.open] == IN_TRANSIT) & (log.ready[log.open] <= day)]
    log.stage[moving] = QUEUED
    _work_parts(model, day)
    # Time-out: reported cases open too long close unresolved, wherever they are.
    too_old = log.open[(log.stage[log.open] != CLOSED) & (log.reported[log.open] != NO_DAY)]
    too_old = too_old[day - log.reported[too_old] >= cw.max_days]
    if len(too_old):
        log.close(too_old, day, FAILED)


def _work_parts(model: CommunityModel, day: int) -> None:
    """Walls, capacities, repairs and outcomes for today's workable parts (compiled: ``casework_kernels``)."""
    log, h, tasks, streams = model.issues, model.handlers, model.issues.tasks, model.streams
    # Part numbers are draw slots; a case has at most ``units_per_cross_case`` parts.
    slots = range(max(1, model.scenario.casework.units_per_cross_case))
    finishing, log.stalled_today = work_parts(
        day,
        tasks.open,
        tasks.issue,
        tasks.part,
        tasks.handler,
        tasks.ready,
        tasks.work_left,
        tasks.done,
        log.stage,
        log.coordinated,
        log.escalated,
        log.cross,
        log.reported,
        log.stalled_days,
        h.kind,
        h.capacity(),
        streams["casework.capacity"].words(day, (0,))[0],
        streams["casework.stall"].words(day, slots),
        model.levers.wall_stall,
        h.cases_worked,
    )
    finishing = _pay_repairs(model, finishing)
    if len(finishing) == 0:
        return
    closing = finish_parts(
        day,
        finishing,
        tasks.open,
        tasks.issue,
        tasks.part,
        tasks.handler,
        tasks.ready,
        tasks.done,
        tasks.ok,
        h.kind,
        h.success,
        log.escalated,
        log.compound,
        model.branch_table.strength,
        model.scenario.party.property_link,
        model.levers.escalated_success,
        streams["casework.outcome"].words(day, slots),
        model.levers.referral_days,
        log.part_failed,
        log.stage,
        log.closed,
        log.outcome,
    )
    log.closed_today = np.concatenate([log.closed_today, closing])


def _pay_repairs(model: CommunityModel, finishing: np.ndarray) -> np.ndarray:
    """Committee repairs take their funds from the pool, oldest first; those it cannot pay wait a day."""
    log, h, tasks = model.issues, model.handlers, model.issues.tasks
    funds = model.scenario.casework.repair_funds
    issue = tasks.issue[finishing]
    repair = np.flatnonzero((log.domain[issue] == MAINTENANCE) & (h.kind[tasks.handler[finishing]] == COMMITTEE))
    if funds <= 0 or len(repair) == 0:
        return finishing
    paid = model.pool.pay(log.community[issue[repair]], funds)
    unpaid = repair[~paid]
    tasks.work_left[finishing[unpaid]] = 1  # the last day of work waits for funds
    keep = np.ones(len(finishing), bool)
    keep[unpaid] = False
    return finishing[keep]


def _draw(model: CommunityModel, name: str, day: int, issue: np.ndarray, part: np.ndarray) -> np.ndarray:
    """One draw per (case, part): slot = part, index = case (paired across scenarios by case)."""
    return model.streams[name].uniform_by_slot(day, issue, part)


def handling_days(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Handling days, geometric on 1, 2, ... with the given mean (>= 1), by inverse CDF of ``u``."""
    p = 1.0 / np.maximum(mean, 1.0)
    # No division by zero: p > 0 for a finite mean, and it is kept below 1.
    extra = np.where(p >= 1.0, 0.0, np.floor(np.log1p(-u) / np.log1p(-np.minimum(p, 1 - 1e-12))))
    return (1 + extra).astype(np.int32)


def domain_index(names: list[str]) -> np.ndarray:
    return np.array([DOMAINS.index(d) for d in names], dtype=np.int8)
