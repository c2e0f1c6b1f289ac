"""Phase 6, activities: organisers hold activities; residents decide to attend.

Organisers (the committee, NGOs, resident units, and those interventions add)
hold activities on a weekly rate, rotating through their activity types, if
the community pool has the venue hours, funds and volunteer hours. A
resident in scope hears of an activity by notice, by the app or by personal
invitation, and attends with log-odds
``base + interest[type] + free time + trust in the organiser + pulled + invited``.
Over-subscribed activities take the first comers (a random order). Attending
renews the engagement, raises trust in the organiser, and forms or
strengthens ties with a few co-attendees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simulation.arrays import f32, scratch_slots
from simulation.network import ACTIVITY
from simulation.processes.activities_kernels import attend_today
from simulation.processes.resources import MONTH
from simulation.scenario import ACTIVITY_TYPES

if TYPE_CHECKING:
    from simulation.model import CommunityModel


class ActivityRecord(NamedTuple):
    """One activity held: its day, organiser slot, type, attendees, places and how many wanted to come."""

    day: int
    slot: int
    type: str
    attendees: int
    places: int
    demand: int


@dataclass
class ActivityOrganiser:
    """One organiser's activity calendar in one community (or building) scope."""

    name: str
    slot: int  # stable id: its draws use stream slots derived from it
    community: int
    scope: np.ndarray  # resident indices who may attend
    types: list[int]
    per_week: float
    capacity: int
    trust_col: int
    agent: object = None
    invites: bool = False  # invites its whole scope personally
    needs: tuple[float, float, float] | None = None  # venue h, funds, volunteer h per activity (None: scenario's)
    on_attend: Callable | None = None  # on_attend(model, day, org, who): a follow-up, after all of the day's attendance
    choose_type: Callable | None = None  # choose_type(model, org) -> type index; None: rotate
    credit: float = 0.0  # at set-up; the registry (``Organisers``) keeps it from then on
    next_type: int = 0
    requested: list[int] = field(default_factory=list)  # types asked for at consultations, held next
    held: int = field(default=0)


# Stream slots: each organiser owns SLOTS_PER_ORGANISER consecutive slots, two per activity of a
# day (awareness, attendance and first-come order use the first; the meeting ring the second), for up
# to SLOTS_PER_ORGANISER // 2 activities a day (more wrap around and reuse draws).
SLOTS_PER_ORGANISER = 16


def activity_slot(organiser_slot: int, j: int) -> int:
    """The stream slot of an organiser's ``j``-th activity of a day (its meeting ring uses slot + 1)."""
    return organiser_slot * SLOTS_PER_ORGANISER + 2 * (j % (SLOTS_PER_ORGANISER // 2))


class Organisers:
    """The registry of activity calendars, in the order they were added (their slots never change).

    Iterating gives the calendars; the verbs change a calendar's rate, types
    or type chooser (interventions use these, not field writes).
    """

    def __init__(self):
        self._items: list[ActivityOrganiser] = []
        self._by_agent: dict[object, list[int]] = {}  # agent -> positions of its calendars
        # Per calendar: activities per week and the day's credit toward the next one (Python floats: a handful
        # of calendars, for which numpy's per-call cost exceeds the arithmetic).
        self._per_week: list[float] = []
        self._credit: list[float] = []

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i):
        return self._items[i]

    def add(self, org: ActivityOrganiser) -> ActivityOrganiser:
        self._by_agent.setdefault(org.agent, []).append(len(self._items))
        self._items.append(org)
        self._per_week = [*self._per_week, float(org.per_week)]
        self._credit = [*self._credit, float(org.credit)]
        return org

    def due_today(self) -> list[int]:
        """Activities each calendar holds today: its weekly rate spread evenly over days (a credit that
        carries the fraction over; float64 arithmetic, whole activities cut off)."""
        credit, due = self._credit, []
        for k, per_week in enumerate(self._per_week):
            c = credit[k] + per_week / 7.0
            whole = int(c)
            credit[k] = c - whole
            due.append(whole)
        return due

    def of(self, agents) -> list[ActivityOrganiser]:
        """The calendars held by these agents, in the order they were added."""
        positions = [k for a in {id(a): a for a in agents}.values() for k in self._by_agent.get(a, ())]
        return [self._items[k] for k in sorted(positions)]

    # -- verbs ----------------------------------------------------------------
    def set_rate(self, org: ActivityOrganiser, per_week: float) -> None:
        """Activities per week (>= 0) from now on."""
        org.per_week = float(per_week)
        self._per_week[self._items.index(org)] = org.per_week

    def set_types(self, org: ActivityOrganiser, types: list[str]) -> None:
        """The activity types it rotates through from now on."""
        org.types = [ACTIVITY_TYPES.index(t) for t in types]

    def request_type(self, org: ActivityOrganiser, kind: int) -> None:
        """One of its next activities will be of this type (a proposal the committee adopted)."""
        org.requested.append(int(kind))

    def set_chooser(self, org: ActivityOrganiser, choose: Callable) -> None:
        """``choose(model, org) -> type index`` picks each activity's type instead of the rotation."""
        org.choose_type = choose


def _hold_today(model: CommunityModel, day: int) -> list[tuple[ActivityOrganiser, int, int]]:
    """The activities held today: (organiser, j-th of its day, type), those the pool can cover."""
    act = model.scenario.activities
    held = []
    for k, count in enumerate(model.organisers.due_today()):
        if not count:
            continue
        org = model.organisers[k]
        for j in range(count):
            needs = org.needs or (act.venue_hours, act.funds, act.volunteer_hours)
            if not model.pool.take(org.community, *needs):
                model.pool.cancelled += 1
                continue
            if org.requested:  # a type residents asked for at a consultation (adopted proposal)
                kind = org.requested.pop(0)
            elif org.choose_type is not None:
                kind = org.choose_type(model, org)
            else:
                kind = org.types[org.next_type % len(org.types)]
                org.next_type += 1
            held.append((org, j, kind))
    return held


def activities(model: CommunityModel, day: int) -> None:
    pop, act = model.pop, model.scenario.activities
    if day % MONTH == 1:  # a new month of free time (the pool's month: days 1-30, 31-60, ...)
        pop.activities_month[:] = 0
    held = _hold_today(model, day)
    if not held:
        return
    att_stream = model.streams["activities.attend"]
    aware_stream = model.streams["activities.aware"]
    order_stream = model.streams["activities.order"]
    # 1. Who would go to each activity: aware of it and drawn to it. Draws are one per place in the
    #    organiser's scope (a fixed list), so each organiser's decisions stay paired across scenarios.
    # All of today's activities at once: their scopes laid end to end (each resident once per activity).
    orgs = [org for org, _, _ in held]
    slots = [activity_slot(org.slot, j) for org, j, _ in held]
    offsets = np.array([0, *accumulate(len(org.scope) for org in orgs)], np.int64)
    s = np.concatenate([org.scope for org in orgs]) if len(orgs) > 1 else orgs[0].scope  # (only read)
    trust_cols = np.array([org.trust_col for org in orgs], np.int64)
    # Aware (invited, or reached by notices or the app) with free time left this month (attended fewer than
    # activities.max_per_month x free time): about a third of the places, the only ones whose attendance is drawn.
    # 2. Those whose draw is below their chance would go: one activity a day, each resident's best liked;
    #    3. places for the first comers (a random arrival order); then the attendees take part (and meet in
    #    rings). All in one compiled call. A resident goes to at most one activity a day, so every update
    #    touches each resident once, whatever the order.
    tr = model.scenario.trust
    ring_slots = [slot + 1 for slot in slots]  # each activity's meeting ring
    words = order_stream.words(day, slots + ring_slots)
    attendees, bounds, demand, i, j = attend_today(
        day, s, offsets, np.array([k for _, _, k in held], np.int64), np.array([org.invites for org in orgs], bool),
        aware_stream.words(day, slots), att_stream.words(day, slots), pop.interest, pop.free_time, pop.pulled,
        pop.invited, pop.digital, f32(act.max_per_month), f32(act.base), f32(act.interest_weight),
        f32(act.free_time_weight), f32(act.trust_weight), float(act.social_weight), float(act.invite_weight),
        1.0 - model.levers.notice_reach, float(model.levers.app_reach), words[: len(slots)], words[len(slots) :],
        np.array([org.capacity for org in orgs], np.int64), trust_cols, pop.last_activity,
        pop.activities_attended, pop.activities_month, pop.trust, tr.attendance_gain,
        act.co_attendee_ties if model.scenario.drivers.ties else 0, tr.contact_gain, scratch_slots(pop.n),
    )  # fmt: skip
    model.network.meet(i, j, ACTIVITY)
    _record(model, day, held, attendees, bounds, demand)


def _record(model: CommunityModel, day: int, held: list, attendees: np.ndarray, bounds, demand) -> None:
    """Each activity held today (``attendees[bounds[a]:bounds[a + 1]]`` went to the ``a``-th, ``demand[a]``
    chose it): its organiser's hook, counts and the activity log."""
    t = model.tick
    for a, (org, _, kind) in enumerate(held):
        mine = attendees[bounds[a] : bounds[a + 1]]
        if org.on_attend is not None:
            org.on_attend(model, day, org, mine)
        org.held += 1
        model.activity_days[t] += 1
        model.activity_places[t] += org.capacity
        model.activity_attendees[t] += len(mine)
        model.activity_log.append(
            ActivityRecord(day, org.slot, ACTIVITY_TYPES[kind], len(mine), org.capacity, int(demand[a]))
        )
