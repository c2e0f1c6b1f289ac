"""Canonical reductions through the real model (docs/ODD.md §4.13). Deterministic: fixed seeds."""

import numpy as np
import pytest

from simulation.validation import degroot, granovetter, watts_cascade

N = 2000
SEEDS = range(30)


def cascade_frequency(z: float, phi: float) -> float:
    """Share of 30 runs whose final engaged share exceeds 10% (a global cascade)."""
    return float(np.mean([watts_cascade(N, z, phi, seed) > 0.1 for seed in SEEDS]))


# Watts (2002, Fig. 1): on Erdős–Rényi graphs with uniform threshold phi, global
# cascades need a giant component (z > 1) and vulnerable nodes (degree <= 1/phi)
# that percolate; the window closes near z = 6-7 for phi = 0.18 and near z = 14
# for phi = 0.10. With n = 2000 and 30 runs, "frequent" inside means at least half
# of the runs (Watts reports 0.6-1.0 there; finite size lowers the edges), and
# "absent" outside means none: beyond the window a single adopter cannot tip any
# neighbour, below it the seed's component is tiny.
@pytest.mark.parametrize(
    ("phi", "inside", "below", "above"),
    [(0.18, [2.0, 4.0], 0.5, 12.0), (0.10, [4.0, 8.0], 0.5, 20.0)],
)
def test_watts_cascade_window(phi, inside, below, above):
    for z in inside:
        assert cascade_frequency(z, phi) >= 0.5, (phi, z)
    assert cascade_frequency(below, phi) == 0.0
    assert cascade_frequency(above, phi) == 0.0


def test_granovetter_riot():
    # Uniform thresholds 0..99: each engagement tips the next; everyone riots.
    assert granovetter(list(range(100))) == 100
    # Raise the threshold-1 resident to 2: nobody has a threshold of 1; only the instigator acts.
    thresholds = list(range(100))
    thresholds[1] = 2
    assert granovetter(thresholds) == 1


def _stationary(n, edges, weights, rate):
    w = np.zeros((n, n))
    for (i, j), x in zip(edges, weights, strict=True):
        w[i, j] = w[j, i] = x
    p = (1 - rate) * np.eye(n) + rate * w / w.sum(axis=1, keepdims=True)
    vals, vecs = np.linalg.eig(p.T)
    v = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    return v / v.sum()


def test_degroot_converges_to_left_eigenvector_mean():
    rng = np.random.default_rng(3)
    n = 12
    ring = [(i, (i + 1) % n) for i in range(n)]  # connected; self-weight makes it aperiodic
    chords = [(0, 5), (2, 9), (3, 7), (4, 10)]
    edges = ring + chords
    weights = rng.uniform(0.2, 1.0, len(edges))
    x0 = rng.uniform(0.0, 1.0, n)
    rate = 0.3
    final = degroot(edges, weights, x0, days=400, rate=rate)
    pi = _stationary(n, edges, weights, rate)
    target = float(pi @ x0)
    # float32 state: agreement to 1e-4 is the precision of the arrays, not a loose fit.
    assert np.allclose(final, target, atol=1e-4)
    # And it is not simply the plain mean (the weights matter).
    assert abs(target - x0.mean()) > 1e-3
