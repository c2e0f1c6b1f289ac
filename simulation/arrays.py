"""Small vectorised helpers shared by the phases and the interventions.

One definition each: the logistic function, ranks within groups, members by
group, the compound-to-community map, and the gap-closing update (moving a
0..1 state a share of the way to 1, or losing a share of it) with its rule
for a resident touched several times in one update.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from simulation.kernels import nudge_column
from simulation.kernels import nudge_columns as nudge_columns_kernel

if TYPE_CHECKING:
    from simulation.scenario import Scenario


@lru_cache(maxsize=4096)
def f32(x: float) -> np.float32:
    """``np.float32(x)``: a parameter as the kernels' float32 (the nearest float32), made once per value.

    Numpy's scalar constructor costs about 0.7 us here, and the phases pass a few dozen parameters a day
    to compiled kernels: kept, they cost a dictionary lookup (the values are immutable)."""
    return np.float32(x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function: log-odds to a probability."""
    return 1.0 / (1.0 + np.exp(-x))


def ranked_within(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rank (0 = highest score) of each entry within its group."""
    order = np.lexsort((-score, group))
    g = group[order]
    rank_sorted = np.arange(len(g)) - np.searchsorted(g, g, side="left")
    rank = np.empty(len(g), np.int64)
    rank[order] = rank_sorted
    return rank


def members_by(group: np.ndarray) -> list[np.ndarray]:
    """Indices per group value 0..max (one sort, not one scan per group)."""
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(int(group.max(initial=-1)) + 2))
    return [order[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]


def compound_community(scn: Scenario) -> np.ndarray:
    """Community index of each compound (compounds are numbered community by community)."""
    c = scn.community
    return np.arange(c.communities * c.compounds_per_community) // c.compounds_per_community


def nudge(values: np.ndarray, who: np.ndarray, share, column: int | None = None) -> None:
    """The gap-closing update, in place: a positive ``share`` (0..1) closes that share of the gap to 1,
    a negative one removes ``|share|`` of the value held.

    ``values`` is a 1-D float array (or a column view of one); ``who`` indexes it
    and may repeat; ``share`` is one number or one per entry of ``who``. The
    rule for repeats: every entry counts, and they compound as if applied one
    after another (two gains of 0.1 close 1 - 0.9^2 = 0.19 of the gap); a
    resident's gains in one call are applied before its losses. Values stay in
    [0, 1]. Computed in float64 and stored in the array's dtype. With ``column``, ``values`` is 2-D and
    its column ``column`` is updated.
    """
    who = np.asarray(who, np.int64).ravel()
    if who.size == 0:
        return
    share = np.asarray(share, np.float64).ravel()  # one number is used for every entry (no copy per entry)
    if share.shape[0] != 1 and share.shape[0] != who.shape[0]:
        raise ValueError(f"nudge: {share.shape[0]} shares for {who.shape[0]} residents")
    table, column = as_table(values, column)
    nudge_column(table, column, who, share, scratch_slots(len(values)))


def as_table(values: np.ndarray, column: int | None) -> tuple[np.ndarray, int]:
    """``values`` as the 2-D table and column the compiled update takes: a 1-D array as an (n, 1) view
    (indexing with None never copies), so that a 1-D state and a trust column compile to one signature."""
    table, column = (values[:, None], 0) if column is None else (values, int(column))
    if not 0 <= column < table.shape[1]:
        raise ValueError(f"nudge: column {column} is not in 0..{table.shape[1] - 1}")
    return table, column


def nudge_columns(values: np.ndarray, who: np.ndarray, share, column: np.ndarray) -> None:
    """``nudge`` of 2-D ``values`` where entry ``e`` updates column ``column[e]``: one update per column, in
    ascending column order (the rule for repeats holds within each column), in one compiled pass."""
    who, column = np.asarray(who, np.int64).ravel(), np.asarray(column, np.int64).ravel()
    if who.size == 0:
        return
    share = np.asarray(share, np.float64).ravel()
    if share.shape[0] != 1 and share.shape[0] != who.shape[0]:
        raise ValueError(f"nudge: {share.shape[0]} shares for {who.shape[0]} residents")
    if column.shape != who.shape or column.min() < 0 or column.max() >= values.shape[1]:
        raise ValueError(f"nudge: columns must be one per resident, in 0..{values.shape[1] - 1}")
    nudge_columns_kernel(values, who, share, column, scratch_slots(len(values)))


_SLOTS: dict[int, np.ndarray] = {}


def scratch_slots(n: int) -> np.ndarray:
    """A reusable array of n times -1 (the kernel restores it), one per length, so no call pays O(n)."""
    slots = _SLOTS.get(n)
    if slots is None:
        slots = _SLOTS[n] = np.full(n, -1, np.int64)
    return slots


def in_set(values: np.ndarray, members, size: int) -> np.ndarray:
    """``np.isin(values, members)`` for non-negative integers below ``size``, by a lookup table (no sort)."""
    table = np.zeros(size, bool)
    table[np.asarray(members, np.int64)] = True
    return table[values]
