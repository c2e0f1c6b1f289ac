"""Phase 1, issues arise; and the issue log (records, not agents).

Issues are rows of an append-only struct of arrays ordered by the day they
arose, so "raised in the last 90 days" is a slice found by ``searchsorted``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.arrays import in_set
from simulation.kernels import add_new_issues, keep_unless, take_reports
from simulation.scenario import DOMAINS
from simulation.state import NEVER, declared

if TYPE_CHECKING:
    from simulation.model import CommunityModel

MAINTENANCE = DOMAINS.index("maintenance")
PROPERTY_SERVICE = DOMAINS.index("property_service")

# "No such day yet" (not reported, not closed, not escalated): below any day, burn-in days included.
NO_DAY = NEVER

# Stages of an issue.
UNREPORTED, IN_TRANSIT, QUEUED, CLOSED = 0, 1, 2, 3
# Outcomes of a closed issue.
OPEN, RESOLVED, FAILED, GIVEN_UP = 0, 1, 2, 3

# One array per declared issue field (simulation/state.py: dtype, range, writers).
_FIELDS = {name: var.dtype for name, var in declared("issues").items()}
_TASK_FIELDS = {name: var.dtype for name, var in declared("tasks").items()}
NOT_YET = np.iinfo(np.int32).max  # ready day of a part that waits for the part before it


def _make_room(log, fields: dict, k: int, fresh: dict | None = None) -> None:
    """Room for ``k`` more rows in a struct of arrays (``log.size`` used), doubling its capacity. Rows not
    used yet hold their field's ``fresh`` value (0 if none), so that appending writes only the fields given."""
    first = getattr(log, next(iter(fields)))
    if log.size + k <= len(first):
        return
    cap = max(2 * len(first), log.size + k)
    for name in fields:
        old = getattr(log, name)
        new = np.full(cap, (fresh or {}).get(name, 0), old.dtype)
        new[: log.size] = old[: log.size]
        setattr(log, name, new)


class _Rows:
    """An append-only struct of arrays (one per field of ``_fields``), grown by doubling (``_make_room``); rows
    not used yet hold their field's ``_fresh`` value (0 if none), and new rows join ``open``. An ``append``
    adds as many rows as its ``_counted_by`` field has values."""

    _fields: dict
    _fresh: dict | None = None
    _counted_by: str

    def append(self, **cols: np.ndarray) -> np.ndarray:
        """Add rows; unspecified fields keep fresh rows' values. Returns the new rows."""
        k = len(cols[self._counted_by])
        rows = slice(self.reserve(k), self.size + k)  # a slice is cheaper to assign than the indices
        for name, values in cols.items():
            getattr(self, name)[rows] = values
        return self.added(k)

    def reserve(self, k: int) -> int:
        """Room for up to ``k`` more rows (fresh); the first of them, for a compiled call that writes new rows
        there in place (then ``added``). The field arrays may be new ones after it."""
        _make_room(self, self._fields, k, self._fresh)
        return self.size

    def added(self, k: int) -> np.ndarray:
        """The ``k`` rows written after the last one in use join the log, open. Returns them."""
        idx = np.arange(self.size, self.size + k)
        self.size += k
        self.open = np.concatenate([self.open, idx])
        return idx


class TaskLog(_Rows):
    """The parts of reported cases, one per unit a case needs, one array per declared field.

    A case handled by one unit has one part; a cross-department case has one
    part per government unit it needs. Parts are worked one after another
    (passed between departments) unless the case is coordinated or escalated,
    when the remaining parts are worked at once.
    """

    _fields, _counted_by = _TASK_FIELDS, "issue"

    def __init__(self, capacity: int = 1024):
        self.size = 0
        for name, dtype in _TASK_FIELDS.items():
            setattr(self, name, np.zeros(capacity, dtype))
        self.open = np.zeros(0, np.int64)  # parts not yet done

    def of(self, issues: np.ndarray) -> np.ndarray:
        """Open parts of these issues."""
        o = self.open
        issues = np.asarray(issues, np.int64)
        if len(o) == 0 or len(issues) == 0:
            return o[:0]
        return o[in_set(self.issue[o], issues, int(max(self.issue[o].max(), issues.max())) + 1)]

    def start_day(self) -> None:
        self.open = keep_unless(self.open, self.done, True)


_NONE_CLOSED = np.zeros(0, np.int64)  # (read only: today's closings are concatenated to it)
_NONE_CLOSED.flags.writeable = False

# The 'not yet' value of the issue fields that are not 0 before they happen (no reporter, not reported, ...).
_NOT_YET_VALUES = {
    "reporter": -1,
    "reported": NO_DAY,
    "channel": -1,
    "handler": -1,
    "closed": NO_DAY,
    "escalated_day": NO_DAY,
}


class IssueLog(_Rows):
    """All issues of a run, one array per field, grown by doubling (rows not used yet hold 'not yet' values)."""

    _fields, _fresh, _counted_by = _FIELDS, _NOT_YET_VALUES, "domain"

    def __init__(self, capacity: int = 1024):
        self.size = 0
        for name, dtype in _FIELDS.items():
            setattr(self, name, np.full(capacity, _NOT_YET_VALUES.get(name, 0), dtype))
        self.open = np.zeros(0, np.int64)  # indices of issues not yet closed
        self.closed_today = np.zeros(0, np.int64)
        self.stalled_today = 0
        self.tasks = TaskLog()

    def close(self, idx: np.ndarray, day: int, outcome: int) -> None:
        self.stage[idx] = CLOSED
        self.closed[idx] = day
        self.outcome[idx] = outcome
        self.closed_today = np.concatenate([self.closed_today, idx])
        parts = self.tasks.of(idx)
        self.tasks.done[parts] = True  # a case closed (e.g. timed out) ends its remaining parts

    def start_day(self) -> None:
        """A new day: closed issues leave the open index; nothing has closed or stalled today yet."""
        self.open = keep_unless(self.open, self.stage, CLOSED)
        self.closed_today = _NONE_CLOSED
        self.stalled_today = 0
        self.tasks.start_day()

    # -- verbs (what coordination mechanisms may do to cases) ----------------------
    def take_reports(self, idx: np.ndarray, reporters: np.ndarray, day: int, channels) -> None:
        """Issues reported on ``day`` by these residents through these channels (codes): on their way."""
        idx, reporters = np.asarray(idx, np.int64).ravel(), np.asarray(reporters, np.int64).ravel()
        channels = np.asarray(channels, np.int64).ravel()
        if channels.shape[0] == 1 and idx.shape[0] != 1:
            channels = np.full(idx.shape[0], channels[0])
        if not reporters.shape == channels.shape == idx.shape:
            raise ValueError(f"take_reports: {len(idx)} issues, {len(reporters)} reporters, {len(channels)} channels")
        if len(idx) and not 0 <= idx.min() <= idx.max() < self.size:
            raise IndexError(f"take_reports: issues must be in 0..{self.size - 1}")
        take_reports(idx, reporters, int(day), channels, self.reporter, self.reported, self.channel, self.stage,
                     self.ready, IN_TRANSIT)  # fmt: skip

    def coordinate(self, idx: np.ndarray) -> None:
        """Cases moved past departmental walls: the units they need work on them at once, without stalls."""
        self.coordinated[idx] = True

    def escalate(self, idx: np.ndarray, day: int) -> None:
        """Cases escalated on ``day``: every unit they need works them first, at once, beyond capacity."""
        self.escalated[idx] = True
        self.escalated_day[idx] = day

    def expedite(self, idx: np.ndarray) -> None:
        """Cases every unit must conclude at its next day of work (a deadline that must be met)."""
        parts = self.tasks.of(idx)
        self.tasks.work_left[parts] = np.minimum(self.tasks.work_left[parts], 1)

    # -- reads --------------------------------------------------------------------
    def open_in_stage(self, *stages: int) -> np.ndarray:
        """Open issues in these stages (indices)."""
        o = self.open
        return o[in_set(self.stage[o], stages, CLOSED + 1)]

    def window(self, day: int, days: int) -> slice:
        """Issues raised in the last ``days`` days up to ``day`` (inclusive)."""
        start = int(np.searchsorted(self.raised[: self.size], day - days + 1, side="left"))
        return slice(start, self.size)


def _rates_and_chances(model: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """Issue rate per household, day and domain, by compound (its households share it), and the chance of a
    new issue per household and day, by compound: (compounds, domains) and (compounds,). Without
    interventions' factors both are the scenario's, made once (scenarios are frozen); read only."""
    scn = model.scenario.issues
    cached = model.__dict__.get("_issue_rates")
    if cached is None or cached[0] is not scn:
        base = np.array([getattr(scn, d) for d in DOMAINS], dtype=np.float64)
        base = base / max(base.sum(), 1e-12) * scn.rate_per_household_day
        pop = model.pop
        per_compound = np.empty((pop.n_compounds, len(base)))
        per_compound[:] = base  # (np.tile is several times slower)
        per_compound[pop.three_no, MAINTENANCE] *= scn.three_no_maintenance_factor
        chance = 1.0 - np.exp(-per_compound.sum(axis=1))
        per_compound.flags.writeable = chance.flags.writeable = False
        cached = model._issue_rates = (scn, per_compound, chance)
    factors = model.levers.issue_rate_factors
    if not factors:
        return cached[1], cached[2]
    per_compound = cached[1].copy()
    for factor in factors.values():  # interventions (e.g. public-welfare clean-ups)
        per_compound *= factor
    return per_compound, 1.0 - np.exp(-per_compound.sum(axis=1))


def issues_arise(model: CommunityModel, day: int) -> None:
    """Each household raises at most one new issue a day, by domain rates."""
    # The chance of a new issue, once per compound, then read for each household (one compiled pass).
    rates, chance = _rates_and_chances(model)
    # Which households raise one, in a random order (same-day cases are queued and paid in log order,
    # which must not favour low-numbered places: residents are numbered building by building), of which
    # domain, and which need several departments: one compiled pass.
    # They are written straight into the log's next rows (room for one per household).
    log, pop = model.issues, model.pop
    at = log.reserve(len(pop.hh_compound))
    k = add_new_issues(
        model.streams["issues.arise"].words(day, range(4)), chance, pop.hh_compound, rates,
        model.scenario.issues.cross_department_share, pop.hh_community, day, UNREPORTED, at, log.household,
        log.domain, log.compound, log.community, log.cross, log.raised, log.stage,
    )  # fmt: skip
    if k:
        log.added(k)
