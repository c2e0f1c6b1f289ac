"""Row blocks in threads: the same numbers as one thread, blocks of whole rows, bad settings refused."""

import numpy as np
import pytest

from simulation import CommunityModel, Scenario, threads
from simulation.network import Network


@pytest.fixture
def two_threads_always(monkeypatch):
    """Two threads even for a small network (normally only from 100,000 tie entries a thread)."""
    monkeypatch.setattr(threads, "MIN_ENTRIES_PER_THREAD", 50)
    before = threads.threads()
    threads.set_threads(2)
    yield
    threads.set_threads(before)


def test_blocks_are_whole_rows_covering_every_entry(two_threads_always):
    rng = np.random.default_rng(4)
    net = Network.from_pairs(
        300, rng.integers(0, 300, 2000), rng.integers(0, 300, 2000), np.ones(2000), np.full(2000, 2)
    )
    blocks = net.row_blocks()
    assert len(blocks) == 2
    assert blocks[0][0] == 0 and blocks[-1][1] == len(net.cols)
    assert blocks[0][1] == blocks[1][0] and blocks[0][1] in set(net.indptr.tolist())
    threads.set_threads(1)
    assert net.row_blocks() == [(0, len(net.cols))]
    assert threads.even_blocks(10, 3) == [(0, 10)]


def test_products_and_runs_are_the_same_with_two_threads(two_threads_always):
    rng = np.random.default_rng(5)
    n = 500
    net = Network.from_pairs(n, rng.integers(0, n, 4000), rng.integers(0, n, 4000), rng.random(4000), np.full(4000, 2))
    for k in (1, 2, 5):
        x = rng.random((n, k)).astype(np.float32)
        np.testing.assert_array_equal(net.dot(x), net.matrix() @ x)
    scenario = Scenario().scaled(adults=600).override({"burn_in_days": 0})
    parallel = CommunityModel(scenario=scenario, rng=3)
    parallel.run_for(40)
    threads.set_threads(1)
    single = CommunityModel(scenario=scenario, rng=3)
    single.run_for(40)
    np.testing.assert_array_equal(parallel.pop.trust, single.pop.trust)
    # The day's ties: made in steps on two blocks, in one call (``Network.meet_and_renew``) on one.
    for name in ("indptr", "cols", "weight", "kind"):
        np.testing.assert_array_equal(getattr(parallel.network, name), getattr(single.network, name), err_msg=name)
    np.testing.assert_array_equal(parallel.pop.last_contact, single.pop.last_contact)
    with pytest.raises(ValueError, match="one block whose ties fade"):
        single.network.meet_and_renew((), 0, 0.3, 0.1, 0.0, 0.05)
    a = parallel.datacollector.get_model_vars_dataframe()
    b = single.datacollector.get_model_vars_dataframe()
    assert a.equals(b)


@pytest.mark.parametrize("text", ["0", "two", "-1"])
def test_a_bad_thread_count_is_refused_naming_the_variable(monkeypatch, text):
    monkeypatch.setenv("GOVSIM_THREADS", text)
    with pytest.raises(ValueError, match="GOVSIM_THREADS must be a whole number >= 1"):
        threads._default_threads()
    with pytest.raises(ValueError, match="threads must be >= 1"):
        threads.set_threads(0)
