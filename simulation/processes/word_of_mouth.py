"""Phase 8, word of mouth: trust moves toward acquaintances' (DeGroot averaging).

Every trust column moves a share ``word_of_mouth.rate`` of the way to the
tie-weighted mean of the resident's acquaintances. This is DeGroot updating
with the row-stochastic matrix (1 - rate) I + rate D^-1 W. Neighbour trust
also slowly returns to its starting level without contact (forgetting).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation import threads
from simulation.arrays import f32
from simulation.kernels import degroot_rows
from simulation.population import T_NEIGHBOURS

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def word_of_mouth(model: CommunityModel, day: int) -> None:
    pop = model.pop
    rate = f32(model.scenario.word_of_mouth.rate)
    network = model.network
    # Forgetting: without new experience, trust drifts back to each resident's resting level
    # (neighbours at trust.forgetting, institutions at trust.institution_forgetting per day).
    tr = model.scenario.trust
    f, on = _forgetting(model, tr.forgetting, tr.institution_forgetting)
    # Residents without acquaintances keep their trust (their target is their own trust).
    trust, start = pop.trust, pop.trust_start
    # Efficacy too rests where background sets it (at trust.institution_forgetting; 0: it stays).
    efficacy, efficacy_start, rest = pop.efficacy, pop.efficacy_start, f32(tr.institution_forgetting)
    # The updates go to a second array kept by the model (a new one each day would cost page faults at scale),
    # which then becomes the residents' trust; the old one is the next day's (no copy back: 2 MB a day at
    # 100,000 adults).
    moved = model.__dict__.get("_moved_trust")
    if moved is None or moved.shape != trust.shape:
        moved = model._moved_trust = np.empty_like(trust)
    indptr, rows, cols, weight = network.indptr, network.rows, network.cols, network.weight

    def block(r0: int, r1: int) -> None:  # residents r0 .. r1 - 1 and their ties (in parallel threads)
        e0, e1 = indptr[r0], indptr[r1]
        degroot_rows(
            rows[e0:e1], cols[e0:e1], weight[e0:e1], r0, r1, trust, rate, start, f, on, efficacy,
            efficacy_start, rest, moved,
        )  # fmt: skip

    threads.run_blocks(block, network.row_ranges())
    pop.trust, model._moved_trust = moved, trust


def _forgetting(model: CommunityModel, neighbours: float, institutions: float) -> tuple[np.ndarray, bool]:
    """The share of the way back to the resting level per trust column and day (float32; neighbours at
    ``neighbours``, the rest at ``institutions``), and whether any is above 0: made once and kept by the
    model until the scenario's rates change."""
    kept = model.__dict__.get("_forgetting")
    if kept is None or kept[0] != (neighbours, institutions):
        f = np.full(model.pop.trust.shape[1], institutions, np.float32)
        f[T_NEIGHBOURS] = neighbours
        kept = model._forgetting = ((neighbours, institutions), f, bool(f.any()))
    return kept[1], kept[2]
