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

from simulation.processes.casework_kernels import new_parts, overdue, work_day
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
    the day, one per part number): one compiled call (``work_day``)."""
    log, h, tasks, pool, lv = model.issues, model.handlers, model.issues.tasks, model.pool, model.levers
    closing, log.stalled_today = work_day(
        day, tasks.open, tasks.issue, tasks.part, tasks.handler, tasks.ready, tasks.work_left, tasks.done, tasks.ok,
        log.stage, log.coordinated, log.escalated, log.cross, log.reported, log.stalled_days, log.domain,
        log.compound, log.community, log.part_failed, log.closed, log.outcome, h.kind, h.success, h.capacity(),
        h.cases_worked, words["casework.capacity"][0], words["casework.stall"], words["casework.outcome"],
        lv.wall_stall, model.branch_table.strength, model.scenario.party.property_link, lv.escalated_success,
        lv.referral_days, float(model.scenario.casework.repair_funds), pool.limited, pool.left, pool.reserve,
        pool.used_today,
    )  # fmt: skip
    if len(closing):
        log.closed_today = np.concatenate([log.closed_today, closing])


def domain_index(names: list[str]) -> np.ndarray:
    return np.array([DOMAINS.index(d) for d in names], dtype=np.int8)
