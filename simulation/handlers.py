"""The case handlers as arrays: committees, property companies, government units.

Arrays are the truth (one row per handler, an explicit ``kind``); the Mesa
agents (``CommunityCommittee``, property ``Enterprise``, ``GovernmentUnit``)
are views of a row, as residents are views of the population arrays. The
casework phase reads capacities, success chances and handling times from
here; interventions change them only through the verbs below.

A committee's case capacity is its staff's free hours over the hours a case
needs: ``staff x hours per day x (1 - administrative burden) / hours per
case + extra``; another handler's is its stated capacity (+ extra).
"""

from __future__ import annotations

import numpy as np

from simulation.arrays import in_set
from simulation.kernels import handler_capacity
from simulation.state import declared

COMMITTEE, PROPERTY, GOVERNMENT = 0, 1, 2
KIND_NAMES = ("committee", "property_management", "government")


class HandlerTable:
    """All case handlers, one row each, in the order they were added."""

    def __init__(self):
        self.agents: list = []  # the Mesa agent viewing each row
        # One array per declared handler state (simulation/state.py: dtype, range, writers).
        for name, var in declared("handlers").items():
            setattr(self, name, var.allocate(0))
        # Routing (set once the handlers exist).
        self.committee_of = np.zeros(0, np.int32)  # community -> committee row
        self.property_of = np.zeros(0, np.int32)  # compound -> property company row (-1: three-no compound)
        self.government_for = np.zeros(0, np.int32)  # domain -> government unit row (-1: none)
        self.committee_does = np.zeros(0, bool)  # domain -> the committee handles it itself

    def __len__(self) -> int:
        return len(self.agents)

    def add(self, agent, kind: int, trust_target: int, success: float, work_days: float, **values) -> int:
        """Append a handler row (values: community, compound, staff, ..., stated_capacity). Returns its id."""
        row = len(self.agents)
        self.agents.append(agent)
        given = {"kind": kind, "trust_target": trust_target, "success": success, "work_days": work_days, **values}
        defaults = {"community": -1, "compound": -1, "hours_per_case": 1.0}
        for name, var in declared("handlers").items():
            value = given.get(name, defaults.get(name, 0))
            setattr(self, name, np.append(getattr(self, name), np.asarray(value, var.dtype)))
        return row

    # -- reads ----------------------------------------------------------------
    def capacity(self) -> np.ndarray:
        """Cases per day of each handler."""
        # Committees: their staff's hours free of tasks from above, over the hours a case takes (one pass).
        return handler_capacity(
            self.kind, self.staff, self.staff_hours_per_day, self.admin_burden, self.hours_per_case,
            self.extra_capacity, self.stated_capacity, COMMITTEE,
        )  # fmt: skip

    def of_kind(self, *kinds: int) -> np.ndarray:
        """Row ids of the handlers of these kinds."""
        return np.flatnonzero(in_set(self.kind, kinds, len(KIND_NAMES)))

    @property
    def is_government(self) -> np.ndarray:
        return self.kind == GOVERNMENT

    # -- verbs (what interventions may change) ------------------------------------
    def add_capacity(self, kinds: tuple[int, ...], cases_per_day: float) -> None:
        """Extra cases per day for every handler of these kinds (e.g. mediation teams)."""
        rows = self.of_kind(*kinds)
        self.extra_capacity[rows] += cases_per_day

    def cut_admin_burden(self, share: float) -> None:
        """Remove ``share`` (0..1) of every committee's administrative burden, freeing staff hours."""
        rows = self.of_kind(COMMITTEE)
        self.admin_burden[rows] *= 1.0 - share

    def boost(self, kinds: tuple[int, ...], capacity_factor: float, work_days_factor: float) -> None:
        """Scale the stated capacity and the handling days (never below one day) of these kinds."""
        rows = self.of_kind(*kinds)
        self.stated_capacity[rows] *= capacity_factor
        self.work_days[rows] = np.maximum(1.0, self.work_days[rows] * work_days_factor)
