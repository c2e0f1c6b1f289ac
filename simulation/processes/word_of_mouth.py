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
from simulation.kernels import degroot_update
from simulation.population import T_NEIGHBOURS

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def word_of_mouth(model: CommunityModel, day: int) -> None:
    pop = model.pop
    rate = model.scenario.word_of_mouth.rate
    network = model.network
    num, wsum = network.dot_and_weight_sums(pop.trust)
    # Forgetting: without new experience, trust drifts back to each resident's resting level
    # (neighbours at trust.forgetting, institutions at trust.institution_forgetting per day).
    tr = model.scenario.trust
    f = np.full(pop.trust.shape[1], tr.institution_forgetting, np.float32)
    f[T_NEIGHBOURS] = tr.forgetting
    # Residents without acquaintances keep their trust (their target is their own trust).
    trust, start, on = pop.trust, pop.trust_start, bool(f.any())
    # Efficacy too rests where background sets it (at trust.institution_forgetting; 0: it stays).
    efficacy, efficacy_start, rest = pop.efficacy, pop.efficacy_start, np.float32(tr.institution_forgetting)

    def block(lo: int, hi: int) -> None:  # residents lo .. hi - 1 (each row's update depends on that row only)
        degroot_update(
            num[lo:hi], wsum[lo:hi], trust[lo:hi], np.float32(rate), start[lo:hi], f, on,
            efficacy[lo:hi], efficacy_start[lo:hi], rest,
        )  # fmt: skip

    threads.run_blocks(block, threads.even_blocks(pop.n, threads.MIN_ENTRIES_PER_THREAD // 5))
