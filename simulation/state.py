"""Every state array, declared once: its owner, dtype, range and the phases that write it.

In the style of declared states in vectorised agent-based engines (e.g.
Starsim's ``define_states``): a ``StateVar`` names an array, what it is indexed
by, its dtype and allowed range, and who may write it. ``writers`` are phase
names of ``simulation.phases.PHASES`` (an intervention's hooks around a phase
count as that phase) plus ``set-up`` (building the model, and switching an
intervention on) and ``day start`` (the model's reset of day-scoped state).
The owners allocate their arrays from these declarations; ``govsim describe``
prints them, and a test runs every phase and checks that each array changed
only where a declared writer ran.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulation.scenario import ACTIVITY_TYPES

SETUP, DAY_START = "set-up", "day start"


class StateVar(NamedTuple):
    name: str
    owner: str  # "pop" (model.pop), "issues" (model.issues), "tasks" (model.issues.tasks), "handlers", "network"
    per: str  # what a row is: resident, household, issue, handler, tie entry
    dtype: type
    low: float
    high: float
    writers: tuple[str, ...]
    description: str
    columns: int = 0  # > 0: a 2-D array with this many columns

    def allocate(self, rows: int, fill=0) -> np.ndarray:
        shape = (rows, self.columns) if self.columns else (rows,)
        return np.full(shape, fill, self.dtype)


INF = float("inf")
_FIXED = (SETUP,)
NEVER = -1_000_000  # "day of last action" for residents who never acted

POPULATION: tuple[StateVar, ...] = (
    # structure and traits (fixed after set-up)
    StateVar("household", "pop", "resident", np.int32, 0, INF, _FIXED, "household index"),
    StateVar("building", "pop", "resident", np.int32, 0, INF, _FIXED, "building index (street-wide)"),
    StateVar("compound", "pop", "resident", np.int32, 0, INF, _FIXED, "compound index (street-wide)"),
    StateVar("community", "pop", "resident", np.int32, 0, INF, _FIXED, "community index"),
    StateVar("age_group", "pop", "resident", np.int8, 0, 2, _FIXED, "0 young (18-39), 1 middle (40-59), 2 elderly"),
    StateVar("party", "pop", "resident", np.bool_, 0, 1, _FIXED, "Party member"),
    StateVar("free_time", "pop", "resident", np.float32, 0, 1, _FIXED, "share of evenings and weekends free"),
    StateVar("presence", "pop", "resident", np.float32, 0, 1, _FIXED, "share of daytime spent in the compound"),
    StateVar("digital", "pop", "resident", np.bool_, 0, 1, _FIXED, "uses the community app when it exists"),
    StateVar("public_affairs", "pop", "resident", np.float32, 0, 1, _FIXED, "interest in consultations, elections"),
    StateVar(
        "interest",
        "pop",
        "resident",
        np.float32,
        0,
        1,
        _FIXED,
        "interest per activity type",
        columns=len(ACTIVITY_TYPES),
    ),
    StateVar("threshold", "pop", "resident", np.float32, 0, 1, _FIXED, "share of engaged acquaintances that pulls"),
    StateVar(
        "trust_start", "pop", "resident", np.float32, 0, 1, _FIXED, "resting trusts forgetting pulls back to", columns=5
    ),
    # dynamic state
    StateVar(
        "trust",
        "pop",
        "resident",
        np.float32,
        0,
        1,
        ("feedback", "activities", "ties", "word_of_mouth", "governance"),
        "trust in community, government, property, NGOs, neighbours",
        columns=5,
    ),
    StateVar(
        "efficacy",
        "pop",
        "resident",
        np.float32,
        0,
        1,
        ("feedback", "activities", "word_of_mouth", "governance"),
        "belief that raising an issue works",
    ),
    StateVar("efficacy_start", "pop", "resident", np.float32, 0, 1, _FIXED, "resting efficacy forgetting pulls to"),
    StateVar("engaged", "pop", "resident", np.bool_, 0, 1, ("influence", "engagement"), "took part recently"),
    StateVar("pulled", "pop", "resident", np.bool_, 0, 1, ("influence",), "acquaintances' engagement met threshold"),
    StateVar(
        "last_activity", "pop", "resident", np.int32, NEVER, INF, ("influence", "activities"), "day of last activity"
    ),
    StateVar(
        "last_governance",
        "pop",
        "resident",
        np.int32,
        NEVER,
        INF,
        ("governance",),
        "day of the last consultation attended or proposal made",
    ),
    StateVar("last_vote", "pop", "resident", np.int32, NEVER, INF, ("governance",), "day of the last vote cast"),
    StateVar(
        "voted_last_election",
        "pop",
        "resident",
        np.bool_,
        0,
        1,
        ("governance",),
        "voted at the last committee election",
    ),
    StateVar("last_report", "pop", "resident", np.int32, NEVER, INF, ("reporting",), "day of the last issue reported"),
    StateVar("last_proposal", "pop", "resident", np.int32, NEVER, INF, ("governance",), "day of the last proposal"),
    StateVar(
        "last_contact",
        "pop",
        "resident",
        np.int32,
        NEVER,
        INF,
        ("ties",),
        "day of the last chat or co-attendance with someone outside the household",
    ),
    StateVar("activities_attended", "pop", "resident", np.int32, 0, INF, ("activities",), "activities attended"),
    StateVar(
        "activities_month", "pop", "resident", np.int16, 0, INF, ("activities",), "activities attended this month"
    ),
    StateVar("governance_actions", "pop", "resident", np.int32, 0, INF, ("governance",), "consultations and proposals"),
    StateVar(
        "invited",
        "pop",
        "resident",
        np.bool_,
        0,
        1,
        (DAY_START, "influence", "activities", "governance"),
        "personally invited to something today",
    ),
    # households
    StateVar("hh_building", "pop", "household", np.int32, 0, INF, _FIXED, "building of the household"),
    StateVar("hh_compound", "pop", "household", np.int32, 0, INF, _FIXED, "compound of the household"),
    StateVar("hh_community", "pop", "household", np.int32, 0, INF, _FIXED, "community of the household"),
    StateVar("model_household", "pop", "household", np.bool_, 0, 1, _FIXED, "model household (党员示范户)"),
    StateVar("hh_indptr", "pop", "household + 1", np.int64, 0, INF, _FIXED, "members of h: hh_members[p[h]:p[h+1]]"),
    StateVar("hh_members", "pop", "resident", np.int32, 0, INF, _FIXED, "residents ordered by household"),
)

ISSUES: tuple[StateVar, ...] = (
    StateVar("domain", "issues", "issue", np.int8, 0, INF, ("issues",), "domain index"),
    StateVar("household", "issues", "issue", np.int32, 0, INF, ("issues",), "household that raised it"),
    StateVar("compound", "issues", "issue", np.int32, 0, INF, ("issues",), "its compound"),
    StateVar("community", "issues", "issue", np.int32, 0, INF, ("issues",), "its community"),
    StateVar("cross", "issues", "issue", np.bool_, 0, 1, ("issues",), "needs several departments"),
    StateVar("raised", "issues", "issue", np.int32, -INF, INF, ("issues",), "day raised (burn-in days are <= 0)"),
    StateVar(
        "reporter",
        "issues",
        "issue",
        np.int32,
        -1,
        INF,
        ("reporting", "governance"),
        "resident who reported it (-1: none)",
    ),
    StateVar(
        "reported", "issues", "issue", np.int32, NEVER, INF, ("reporting", "governance"), "day reported (NEVER: not)"
    ),
    StateVar(
        "channel", "issues", "issue", np.int8, -1, INF, ("reporting", "governance"), "channel code (-1: not reported)"
    ),
    StateVar("handler", "issues", "issue", np.int32, -1, INF, ("casework",), "handler row (-1: not routed)"),
    StateVar(
        "stage",
        "issues",
        "issue",
        np.int8,
        0,
        3,
        ("reporting", "casework", "governance"),
        "unreported, in transit, queued, closed",
    ),
    StateVar(
        "ready",
        "issues",
        "issue",
        np.int32,
        -INF,
        INF,
        ("reporting", "casework", "governance"),
        "day it reaches its handler",
    ),
    StateVar("parts", "issues", "issue", np.int8, 0, INF, ("casework",), "units the case needs (its parts)"),
    StateVar("part_failed", "issues", "issue", np.bool_, 0, 1, ("casework",), "a unit failed its part"),
    StateVar("closed", "issues", "issue", np.int32, NEVER, INF, ("reporting", "casework"), "day closed (NEVER: open)"),
    StateVar(
        "outcome", "issues", "issue", np.int8, 0, 3, ("reporting", "casework"), "open, resolved, failed, given up"
    ),
    StateVar("escalated", "issues", "issue", np.bool_, 0, 1, ("casework",), "escalated (whistle)"),
    StateVar("escalated_day", "issues", "issue", np.int32, NEVER, INF, ("casework",), "day escalated (NEVER: not)"),
    StateVar(
        "coordinated", "issues", "issue", np.bool_, 0, 1, ("casework", "governance"), "moved past departmental walls"
    ),
    StateVar("stalled_days", "issues", "issue", np.int32, 0, INF, ("casework",), "days stalled between departments"),
)

TASKS: tuple[StateVar, ...] = (
    StateVar("issue", "tasks", "part of a case", np.int64, 0, INF, ("casework",), "the case it is part of"),
    StateVar("part", "tasks", "part of a case", np.int8, 0, INF, ("casework",), "its place in the case's sequence"),
    StateVar("handler", "tasks", "part of a case", np.int32, 0, INF, ("casework",), "the unit that works it"),
    StateVar("ready", "tasks", "part of a case", np.int32, -INF, INF, ("casework",), "first day it can be worked"),
    StateVar("work_left", "tasks", "part of a case", np.int32, -INF, INF, ("casework",), "handling days still needed"),
    StateVar("done", "tasks", "part of a case", np.bool_, 0, 1, ("casework",), "finished (or its case closed)"),
    StateVar("ok", "tasks", "part of a case", np.bool_, 0, 1, ("casework",), "its unit succeeded"),
)

HANDLERS: tuple[StateVar, ...] = (
    StateVar("kind", "handlers", "handler", np.int8, 0, 2, _FIXED, "committee, property company, government unit"),
    StateVar("community", "handlers", "handler", np.int32, -1, INF, _FIXED, "community served (-1: the street)"),
    StateVar("compound", "handlers", "handler", np.int32, -1, INF, _FIXED, "compound served (-1: none)"),
    StateVar("staff", "handlers", "handler", np.float64, 0, INF, _FIXED, "committee staff"),
    StateVar("staff_hours_per_day", "handlers", "handler", np.float64, 0, 24, _FIXED, "hours per staff-day"),
    StateVar("admin_burden", "handlers", "handler", np.float64, 0, 1, _FIXED, "share of time for tasks from above"),
    StateVar("hours_per_case", "handlers", "handler", np.float64, 0, INF, _FIXED, "staff hours per case-day"),
    StateVar("stated_capacity", "handlers", "handler", np.float64, 0, INF, _FIXED, "cases per day (not committees)"),
    StateVar("extra_capacity", "handlers", "handler", np.float64, 0, INF, _FIXED, "cases per day added"),
    StateVar("success", "handlers", "handler", np.float64, 0, 1, _FIXED, "chance a finished case is resolved"),
    StateVar("work_days", "handlers", "handler", np.float64, 1, INF, _FIXED, "mean handling days"),
    StateVar("trust_target", "handlers", "handler", np.int8, 0, 4, _FIXED, "trust column its outcomes move"),
    StateVar("cases_worked", "handlers", "handler", np.int64, 0, INF, ("casework",), "case-days worked"),
)

BRANCHES: tuple[StateVar, ...] = (
    StateVar("members", "branches", "compound", np.int32, 0, INF, _FIXED, "Party members living in the compound"),
    StateVar("strength", "branches", "compound", np.float64, 0, 1, _FIXED, "how well the branch organises members"),
)

NETWORK: tuple[StateVar, ...] = (
    StateVar("keys", "network", "tie entry", np.int64, 0, INF, ("ties",), "row * n + col, sorted (CSR order)"),
    StateVar("weight", "network", "tie entry", np.float32, 0, 1, ("ties",), "tie weight"),
    StateVar("kind", "network", "tie entry", np.int8, 0, 6, ("ties",), "how the tie came about"),
)

ALL: tuple[StateVar, ...] = POPULATION + ISSUES + TASKS + HANDLERS + BRANCHES + NETWORK


def declared(owner: str) -> dict[str, StateVar]:
    """The declarations of one owner, by name."""
    return {v.name: v for v in ALL if v.owner == owner}
