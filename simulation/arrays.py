"""Small vectorised helpers shared by the phases and the interventions.

One definition each: the logistic function, ranks within groups, members by
group, the compound-to-community map, and the gap-closing update (moving a
0..1 state a share of the way to 1, or losing a share of it) with its rule
for a resident touched several times in one update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.scenario import Scenario


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
