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

from simulation.processes.casework_kernels import finish_parts, new_parts, overdue, work_parts
from simulation.processes.issues import FAILED
from simulation.scenario import DOMAINS

if TYPE_CHECKING:
    from simulation.model import CommunityModel

# The streams casework draws from (each state per part number; capacity uses the first).
_STREAMS = ("casework.units", "casework.work", "casework.capacity", "casework.stall", "casework.outcome")


def casework(model: CommunityModel, day: int) -> None:
    log, h = model.issues, model.handlers
    # Part numbers are draw slots; a case has at most ``units_per_cross_case`` parts. The day's states of the
    # five streams, hashed in one call.
    slots = range(max(1, model.scenario.casework.units_per_cross_case))
    words = dict(zip(_STREAMS, model.streams.words_of(day, tuple((name, slots) for name in _STREAMS)), strict=True))
    # The new parts are written straight into the task log's next rows (room for the most the open cases
    # can have).
    per_case, tasks = model.scenario.casework.units_per_cross_case, log.tasks
    at = tasks.reserve(len(log.open) * max(1, per_case))
    k = new_parts(
        day, log.open, log.stage, log.handler, log.ready, log.parts, log.domain, log.compound, log.community,
        log.cross, h.committee_of, h.property_of, h.government_for, h.committee_does, h.kind, per_case,
        model.levers.referral_days, words["casework.units"], words["casework.work"], h.work_days, at, tasks.issue,
        tasks.part, tasks.handler, tasks.ready, tasks.work_left,
    )  # fmt: skip
    if k:
        tasks.added(k)
    _work_parts(model, day, words)
    # Time-out: reported cases open too long close unresolved, wherever they are.
    too_old = overdue(day, log.open, log.stage, log.reported, model.scenario.casework.max_days)
    if len(too_old):
        log.close(too_old, day, FAILED)


def _work_parts(model: CommunityModel, day: int, words: dict[str, np.ndarray]) -> None:
    """Walls, capacities, repairs and outcomes for today's workable parts (``words``: the streams' states of
    the day, one per part number)."""
    log, h, tasks = model.issues, model.handlers, model.issues.tasks
    finishing, repairs, log.stalled_today = work_parts(
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
        log.domain,
        h.kind,
        h.capacity(),
        words["casework.capacity"][0],
        words["casework.stall"],
        model.levers.wall_stall,
        h.cases_worked,
    )
    finishing = _pay_repairs(model, finishing, repairs)
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
        words["casework.outcome"],
        model.levers.referral_days,
        log.part_failed,
        log.stage,
        log.closed,
        log.outcome,
    )
    log.closed_today = np.concatenate([log.closed_today, closing])


def _pay_repairs(model: CommunityModel, finishing: np.ndarray, repair: np.ndarray) -> np.ndarray:
    """Committee repairs (``repair``: positions in ``finishing``) take their funds from the pool, oldest
    first; those it cannot pay wait a day."""
    funds = model.scenario.casework.repair_funds
    if funds <= 0 or len(repair) == 0:
        return finishing
    log, tasks = model.issues, model.issues.tasks
    paid = model.pool.pay(log.community[tasks.issue[finishing[repair]]], funds)
    unpaid = repair[~paid]
    tasks.work_left[finishing[unpaid]] = 1  # the last day of work waits for funds
    keep = np.ones(len(finishing), bool)
    keep[unpaid] = False
    return finishing[keep]


def domain_index(names: list[str]) -> np.ndarray:
    return np.array([DOMAINS.index(d) for d in names], dtype=np.int8)
