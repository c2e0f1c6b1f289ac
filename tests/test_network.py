"""The CSR network: generators, changes, export, edge lists."""

import numpy as np
import pytest

from simulation import CommunityModel, Scenario, ScenarioError, kernels, load_scenario, threads
from simulation.network import ACTIVITY, HOUSEHOLD, MEETING, Network


def _net(n, pairs, w=0.5):
    i, j = np.array(pairs).T
    return Network.from_pairs(n, i, j, np.full(len(i), w), np.full(len(i), ACTIVITY))


def test_from_pairs_symmetric_and_deduplicated():
    net = _net(4, [(0, 1), (1, 0), (2, 2), (1, 3)])
    assert net.n_ties == 2
    assert set(net.neighbours(1).tolist()) == {0, 3}
    assert np.array_equal(net.degree(), [1, 2, 0, 1])


def test_add_strengthen_decay_and_drop():
    net = _net(5, [(0, 1)], w=0.5)
    made = net.add_or_strengthen(np.array([0, 2, 2]), np.array([1, 3, 3]), 0.2, 0.1, ACTIVITY)
    assert made == 1
    assert net.has_ties(np.array([1, 3]), np.array([0, 2])).all()
    m = net.matrix()
    assert m[0, 1] == pytest.approx(0.6) and m[3, 2] == pytest.approx(0.2)
    dropped = net.decay(0.5, 0.15)
    assert dropped == 1  # 0.2 -> 0.1 < 0.15
    assert not net.has_ties(np.array([2]), np.array([3]))[0]
    assert net.matrix()[0, 1] == pytest.approx(0.3)


@pytest.mark.parametrize("row_blocks", [1, 3])
def test_new_ties_and_fading_in_one_pass_equal_a_plain_rebuild(monkeypatch, row_blocks):
    """``renew_and_fade`` (insertions and drops in one pass, copied as blocks; in one block of rows, or in
    three as in parallel threads) leaves the ties a plain rebuild from the pair list gives: the same
    pairs, weights (float32 arithmetic) and kinds, with the entries' rows and the degree without household ties
    kept up to date."""
    monkeypatch.setattr(threads, "MIN_ENTRIES_PER_THREAD", 1)
    monkeypatch.setattr(threads, "_threads", row_blocks)
    rng = np.random.default_rng(11)
    for trial in range(30):
        n = int(rng.integers(5, 60))
        m = int(rng.integers(0, 4 * n))
        i, j = rng.integers(0, n, m), rng.integers(0, n, m)
        kind = rng.choice([HOUSEHOLD, ACTIVITY, 2], m)
        net = Network.from_pairs(n, i, j, rng.uniform(0.05, 1.0, m).astype(np.float32), kind)
        net.degree(exclude_household=True)  # cached, so the pass must keep it up to date
        before = {(a, b): (w, k) for a, b, w, k in zip(net.rows, net.cols, net.weight, net.kind, strict=True)}
        qi, qj, qk = rng.integers(0, n, 10), rng.integers(0, n, 10), rng.choice([ACTIVITY, MEETING], 10)
        qi, qj, qk = np.r_[qi, qj[:6]], np.r_[qj, qi[:6]], np.r_[qk, ACTIVITY + MEETING - qk[:6]]  # met again
        rate, floor, new_w, gain = 0.3, np.float32(0.2), (0.25, 0.4)[trial % 2], 0.1  # new ties dropped, kept
        net.renew_and_fade(qi, qj, new_w, gain, qk.astype(np.int8), rate, floor)
        want, met = {}, {}
        for a, b, k in zip(qi, qj, qk, strict=True):  # a pair met twice is new with its first meeting's kind
            if a != b:
                met.setdefault((min(a, b), max(a, b)), k)
        for a, b in met.keys() | {(a, b) for a, b in before if a < b}:
            w, k = before.get((a, b), (np.float32(new_w), met.get((a, b))))
            if (a, b) in before and (a, b) in met:
                w = np.minimum(np.float32(1.0), w + np.float32(gain))
            if k != HOUSEHOLD:
                w = w * np.float32(1.0 - rate)
                if w < floor:
                    continue
            want[(a, b)] = want[(b, a)] = (w, k)
        got = {(a, b): (w, k) for a, b, w, k in zip(net.rows, net.cols, net.weight, net.kind, strict=True)}
        assert got == want, trial
        # The entries' rows the pass carried over are those the row pointers give.
        np.testing.assert_array_equal(net.rows, kernels.entry_rows(net.indptr))
        outside = np.bincount([a for (a, _), (_, k) in want.items() if k != HOUSEHOLD], minlength=n)
        np.testing.assert_array_equal(net.degree(exclude_household=True), outside)


def test_household_ties_never_decay():
    net = Network.from_pairs(3, np.array([0]), np.array([1]), np.array([1.0]), np.array([HOUSEHOLD]))
    net.decay(0.9, 0.5)
    assert net.n_ties == 1 and net.matrix()[0, 1] == 1.0


def test_to_networkx_matches():
    net = _net(6, [(0, 1), (1, 2), (4, 5)])
    g = net.to_networkx()
    assert g.number_of_nodes() == 6 and g.number_of_edges() == 3
    assert g.edges[0, 1]["weight"] == pytest.approx(0.5) and g.edges[0, 1]["kind"] == "activity"


@pytest.mark.parametrize("kind", ["erdos_renyi", "watts_strogatz"])
def test_random_generators_mean_degree(kind):
    scn = Scenario().override(
        {"burn_in_days": 0, "community.adults": 2000, "network.kind": kind, "network.mean_degree": 6.0}
    )
    net = CommunityModel(scn, rng=1).network
    assert abs(net.degree().mean() - 6.0) < 0.4


def test_complete_network():
    scn = Scenario().override({"burn_in_days": 0, "community.adults": 50, "network.kind": "complete"})
    net = CommunityModel(scn, rng=1).network
    assert np.all(net.degree() == 49)


def test_neighbourhood_stranger_index_cuts_ties():
    close = CommunityModel(Scenario().override({"burn_in_days": 0, "community.stranger_index": 0.0}), rng=1).network
    far = CommunityModel(Scenario().override({"burn_in_days": 0, "community.stranger_index": 0.9}), rng=1).network
    assert far.degree(exclude_household=True).mean() < 0.3 * close.degree(exclude_household=True).mean()


def test_edge_list_csv_and_errors(tmp_path):
    (tmp_path / "edges.csv").write_text("source,target,weight\n0,1,0.5\n1,2,1.0\n")
    (tmp_path / "s.toml").write_text(
        'burn_in_days = 0\n[community]\nadults = 10\n[network]\nkind = "edge_list"\npath = "edges.csv"\n'
    )
    net = CommunityModel(load_scenario(tmp_path / "s.toml"), rng=1).network
    assert net.n_ties == 2 and net.matrix()[1, 2] == 1.0
    (tmp_path / "bad.csv").write_text("source,target\n0,99\n")
    scn = Scenario().override(
        {
            "burn_in_days": 0,
            "community.adults": 10,
            "network.kind": "edge_list",
            "network.path": str(tmp_path / "bad.csv"),
        }
    )
    with pytest.raises(ScenarioError, match="network.path: .*out of range 0..9"):
        CommunityModel(scn, rng=1)
    scn = scn.override({"network.path": str(tmp_path / "missing.csv")})
    with pytest.raises(ScenarioError, match="network.path: .*not found"):
        CommunityModel(scn, rng=1)


def test_edge_list_needs_a_path():
    with pytest.raises(ScenarioError, match="network.path is required"):
        Scenario().override({"network.kind": "edge_list"})


def test_compiled_blake2b_equals_hashlib_and_streams_hash_their_documented_message():
    """The streams' states are hashlib's BLAKE2b-256 digests of ``b"<seed>:<name key>:<day word>:<slot>"``,
    made by the compiled copy: every message length of one block, and stream messages with any int64."""
    import hashlib

    from simulation.blake2b import digest_one_block, stream_words
    from simulation.streams import SETUP_DAY, Stream, _name_key

    rng = np.random.default_rng(11)
    for length in range(1, 129):
        block = np.zeros(128, np.uint8)
        block[:length] = rng.integers(0, 256, length)
        out = np.empty(4, np.uint64)
        digest_one_block(block, length, out)
        want = hashlib.blake2b(block[:length].tobytes(), digest_size=32).digest()
        np.testing.assert_array_equal(out, np.frombuffer(want, "<u8"), err_msg=f"{length} bytes")
    extremes = np.array([0, 1, 9, 10, -1, -10, 2**63 - 1, -(2**63)], np.int64)
    for _ in range(200):
        prefix = f"{int(rng.integers(0, 2**63)) * 2}:{int(rng.integers(0, 2**63))}:".encode()
        word = int(rng.choice(extremes)) if rng.random() < 0.3 else int(rng.integers(-(2**40), 2**40))
        slots = np.concatenate([rng.integers(-(2**40), 2**40, 3), rng.choice(extremes, 2)]).astype(np.int64)
        got = np.empty((len(slots), 4), np.uint64)
        stream_words(np.frombuffer(prefix, np.uint8), word, slots, got)
        for k, slot in enumerate(slots.tolist()):
            want = hashlib.blake2b(prefix + b"%d:%d" % (word, slot), digest_size=32).digest()
            np.testing.assert_array_equal(got[k], np.frombuffer(want, "<u8"))
    stream = Stream("casework.units", seed=2**64 + 5, offset=3)  # the seed is taken mod 2**64
    for day, word in ((1, 5), (SETUP_DAY, 0), (-2, 2)):
        message = b"5:%d:%d:" % (_name_key("casework.units"), word)
        want = [np.frombuffer(hashlib.blake2b(message + b"%d" % s, digest_size=32).digest(), "<u8") for s in (0, 1, 7)]
        np.testing.assert_array_equal(stream.words(day, [0, 1, 7]), want)
        np.testing.assert_array_equal(stream.words(day, range(2)), want[:2])
        np.testing.assert_array_equal(stream.state(day, 7), want[2])


def test_several_streams_states_hashed_at_once_equal_each_streams_own():
    """``Streams.words_of`` gives each stream's ``words`` for its range of slots, on any day (set-up and
    burn-in days included), for names of any length; anything but ranges is refused."""
    from simulation.streams import SETUP_DAY, Streams

    streams = Streams(2**63 + 11, offset=40)
    requests = (("casework.units", range(3)), ("a", range(1)), ("x" * 60, range(5, 7)), ("empty", range(0)))
    for day in (1, 17, -39, SETUP_DAY, 10**9):
        got = streams.words_of(day, requests)
        assert len(got) == len(requests)
        for (name, slots), words in zip(requests, got, strict=True):
            np.testing.assert_array_equal(words, streams[name].words(day, slots))
    with pytest.raises(ValueError, match="range of slots"):
        streams.words_of(1, (("a", [0, 1]),))


def test_compiled_draws_equal_numpy_pcg64_at_the_same_state():
    """The streams' compiled PCG64 gives numpy's draws bit for bit: from the state, after jumps, and at the
    stream's own (day, slot) states (``generator`` sets numpy's PCG64 there)."""
    from simulation import pcg64
    from simulation.streams import Stream

    rng = np.random.default_rng(11)
    for _ in range(40):
        words = rng.integers(0, 2**64, 4, dtype=np.uint64, endpoint=False)
        bits = np.random.PCG64(0)
        state, inc = (int(words[1]) << 64) | int(words[0]), (int(words[3]) << 64) | int(words[2]) | 1
        bits.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}
        n = int(rng.integers(1, 3_000))
        drawn = np.empty(n)
        pcg64.uniform(words, drawn)
        np.testing.assert_array_equal(drawn, np.random.Generator(bits).random(n))
        far = np.sort(rng.integers(0, 2**50, 3))  # jumps: numpy's advance() is the reference
        got = np.empty(3)
        assert pcg64.uniform_at(words, far, got)
        assert not pcg64.uniform_at(words, far[::-1].copy(), got)  # descending: refused (the caller sorts)
        for k in range(3):
            bits.state = {
                "bit_generator": "PCG64",
                "state": {"state": state, "inc": inc},
                "has_uint32": 0,
                "uinteger": 0,
            }
            bits.advance(int(far[k]))
            assert np.random.Generator(bits).random() == got[k]
    stream = Stream("ties.meet", seed=3, offset=5)
    for day, slot in ((-4, 0), (1, 2), (400, 9)):
        np.testing.assert_array_equal(stream.uniform(day, 777, slot), stream.generator(day, slot).random(777))
    with pytest.raises(ValueError, match="ties.meet.*negative index"):
        stream.uniform_at(1, np.array([5, -2, 7]))


def test_draws_at_indices_equal_the_full_draw_at_those_indices():
    """``uniform_at`` jumps over earlier draws; it must give exactly the values the full draw has there."""
    from simulation.streams import Stream

    stream = Stream("casework.outcome", seed=7, offset=30)
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(1, 50_000))
        index = rng.integers(0, n, size=int(rng.integers(1, 40)))
        np.testing.assert_array_equal(stream.uniform_at(12, index, 1), stream.uniform(12, n, 1)[index])
    # Clusters far apart (each drawn as its own span), in any order and with repeats.
    index = np.concatenate([c + rng.integers(0, 200, 30) for c in rng.integers(0, 3_000_000, 12)])
    np.testing.assert_array_equal(stream.uniform_at(12, index, 2), stream.uniform(12, 3_000_200, 2)[index])
    assert stream.uniform_at(12, np.empty(0, np.int64)).shape == (0,)
    # Written into a slice of a larger array: the same draws, and a slice of the wrong length is refused.
    buffer = np.zeros(1_000)
    stream.uniform(12, 600, 3, out=buffer[200:800])
    np.testing.assert_array_equal(buffer[200:800], stream.uniform(12, 600, 3))
    assert not buffer[:200].any() and not buffer[800:].any()
    with pytest.raises(ValueError, match="casework.outcome.*out has shape"):
        stream.uniform(12, 600, 3, out=buffer[:10])


def test_draws_of_segments_equal_each_slots_full_draw():
    """Several slots' draws laid end to end, taken at ascending positions (with empty segments and repeats)."""
    from simulation.streams import Stream

    stream = Stream("activities.attend", seed=4, offset=10)
    rng = np.random.default_rng(1)
    for _ in range(20):
        lengths = rng.integers(0, 3_000, size=int(rng.integers(1, 8)))
        slots = [int(x) for x in rng.integers(0, 500, len(lengths))]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        full = np.concatenate([stream.uniform(9, int(n), slot) for n, slot in zip(lengths, slots, strict=True)])
        index = np.sort(rng.integers(0, max(offsets[-1], 1), size=int(rng.integers(0, 400))))
        index = index[index < offsets[-1]]
        np.testing.assert_array_equal(stream.uniform_segments_at(9, slots, offsets, index), full[index])
    with pytest.raises(ValueError, match="activities.attend.*ascending"):
        stream.uniform_segments_at(9, [1, 2], np.array([0, 10, 20]), np.array([5, 3]))
    with pytest.raises(ValueError, match="activities.attend.*within the segments"):
        stream.uniform_segments_at(9, [1, 2], np.array([0, 10, 20]), np.array([5, 20]))


def test_draws_by_slot_equal_each_slots_draw_at_the_index():
    from simulation.streams import Stream

    stream = Stream("casework.outcome", seed=2)
    rng = np.random.default_rng(3)
    index, slot = rng.integers(0, 5_000, 300), rng.integers(0, 4, 300)
    want = [stream.uniform(6, 5_000, int(s))[i] for i, s in zip(index, slot, strict=True)]
    np.testing.assert_array_equal(stream.uniform_by_slot(6, index, slot), want)
    assert stream.uniform_by_slot(6, np.empty(0, np.int64), np.empty(0, np.int64)).shape == (0,)
    with pytest.raises(ValueError, match="casework.outcome.*>= 0"):
        stream.uniform_by_slot(6, np.array([3, -1]), np.array([0, 1]))


def test_draws_below_a_rate_follow_numpys_float32_arithmetic():
    """Weights put each resident's chance within rounding of its own draw: float64 arithmetic would differ."""
    from simulation.kernels import draws_below
    from simulation.streams import Stream

    stream = Stream("ties.meet", seed=11)
    u = stream.uniform(4, 20_000)
    rate, mean = 0.3, 0.7
    weight = (u * mean / rate).astype(np.float32)  # chance = u up to float32 rounding, either side
    want = np.flatnonzero(u < rate * (weight / mean))  # numpy: float32 (NEP 50), compared in float64
    assert 0 < len(want) < len(u)
    assert not np.array_equal(want, np.flatnonzero(u < rate * (weight.astype(np.float64) / mean)))
    got = draws_below(stream.words(4, [0])[0], np.float32(rate), weight, np.float32(mean))
    np.testing.assert_array_equal(got, want)


def test_chance_meetings_follow_the_numpy_steps():
    """The compiled meetings against the numpy steps they replaced: who meets, whom, which ties, who had contact."""
    from simulation.arrays import nudge, scratch_slots
    from simulation.kernels import chance_meetings
    from simulation.population import T_NEIGHBOURS

    m = CommunityModel(Scenario().scaled(adults=900).override({"burn_in_days": 0}), rng=3)
    m.run_for(20)
    pop, net, sampler, stream = m.pop, m.network, m.building_sampler, m.streams["ties.meet"]
    rate, familiar, closeness = np.float32(0.4), 0.6, 0.7
    mean = np.float32(pop.presence.mean())
    u = stream.uniform(21, pop.n)
    meets = np.flatnonzero(u < rate * (pop.presence / mean))
    u_kind, u_who = stream.uniform_at(21, meets, 1), stream.uniform_at(21, meets, 2)
    deg = np.diff(net.indptr)[meets]
    known = (u_kind < familiar) & (deg > 0)
    g = sampler.group[meets]  # someone of the building, by presence (inverse CDF)
    pos = np.searchsorted(sampler.cw, sampler.before[g] + u_who * sampler.total[g], side="right")
    partner = sampler.order[np.clip(pos, sampler.start[g], np.maximum(sampler.end[g] - 1, sampler.start[g]))]
    partner[known] = net.cols[net.indptr[meets[known]] + np.minimum((u_who * deg).astype(np.int64), deg - 1)[known]]
    keep = known | (stream.uniform_at(21, meets, 3) < closeness)
    chat = pop.household[partner] != pop.household[meets]
    contact = pop.last_contact.copy()
    contact[meets[chat]] = contact[partner[chat]] = 21
    got_contact = pop.last_contact.copy()
    trust, got_trust = pop.trust.copy(), pop.trust.copy()
    a, b = chance_meetings(
        stream.words(21, range(4)), rate, pop.presence, mean, net.indptr, net.cols, pop.household, familiar,
        closeness, sampler.arrays(), got_contact, 21, got_trust, T_NEIGHBOURS, 0.05, scratch_slots(pop.n),
    )  # fmt: skip
    assert 0 < len(a) < len(meets) and known.any() and (~known).any()
    np.testing.assert_array_equal(a, meets[keep & chat])
    np.testing.assert_array_equal(b, partner[keep & chat])
    np.testing.assert_array_equal(got_contact, contact)
    # Both ends of each tie formed or renewed gain trust in neighbours, once per meeting.
    nudge(trust, np.concatenate([a, b]), 0.05, column=T_NEIGHBOURS)
    assert len(np.unique(np.concatenate([a, b]))) < 2 * len(a)  # someone met twice
    np.testing.assert_array_equal(got_trust, trust)


def test_new_issues_follow_the_numpy_steps():
    from simulation.kernels import add_new_issues, new_issues
    from simulation.processes.issues import UNREPORTED, IssueLog
    from simulation.streams import Stream

    stream = Stream("issues.arise", seed=5, offset=3)
    rng = np.random.default_rng(4)
    group = rng.integers(0, 40, 10_000)
    rates = rng.random((40, 7)) * 0.01 * (rng.random((40, 7)) < 0.8)
    chance = 1.0 - np.exp(-rates.sum(axis=1))
    new = np.flatnonzero(stream.uniform(7, len(group)) < chance[group])
    new = new[np.argsort(stream.uniform_at(7, new, slot=3), kind="stable")]
    cdf = np.cumsum(rates[group[new]], axis=1)
    domain = (cdf < (stream.uniform_at(7, new, slot=1) * cdf[:, -1])[:, None]).sum(axis=1)
    cross = stream.uniform_at(7, new, slot=2) < 0.3
    got = new_issues(stream.words(7, range(4)), chance, group, rates, 0.3)
    assert len(new) > 100 and cross.any() and len(np.unique(domain)) == 7
    for a, b in zip(got, (new, domain, cross), strict=True):
        np.testing.assert_array_equal(a, b)
    # The phase's call writes the same issues into the log's next rows (after two already there).
    log, community_of = IssueLog(capacity=4), rng.integers(0, 3, len(group))
    log.append(domain=np.zeros(2, np.int8), household=np.arange(2), raised=1)
    at = log.reserve(len(group))
    k = add_new_issues(
        stream.words(7, range(4)), chance, group, rates, 0.3, community_of, 7, UNREPORTED, at, log.household,
        log.domain, log.compound, log.community, log.cross, log.raised, log.stage,
    )  # fmt: skip
    np.testing.assert_array_equal(log.added(k), np.arange(2, 2 + len(new)))
    rows = slice(2, log.size)
    for field, want in (("household", new), ("domain", domain), ("cross", cross), ("compound", group[new]),
                        ("community", community_of[new]), ("raised", 7), ("stage", UNREPORTED), ("reporter", -1)):  # fmt: skip
        np.testing.assert_array_equal(getattr(log, field)[rows], want, err_msg=field)
    np.testing.assert_array_equal(log.open, np.arange(log.size))


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.float32, np.float64, np.bool_])
def test_stable_sort_and_distinct_equal_numpys(dtype):
    rng = np.random.default_rng(6)
    for n in (0, 1, 15, 16, 17, 100, 1_000, 40_000):
        key = rng.integers(0, 7, n).astype(dtype) if dtype != np.float64 else rng.random(n).round(2)
        order = rng.permutation(n)  # any order in: ties keep it
        np.testing.assert_array_equal(kernels.stable_by(order, key), order[np.argsort(key[order], kind="stable")])
        np.testing.assert_array_equal(kernels.distinct(key), np.unique(key))


def test_draws_under_a_groups_chance_equal_the_numpy_comparison():
    from simulation.kernels import draws_under
    from simulation.streams import Stream

    stream = Stream("issues.arise", seed=5, offset=3)
    rng = np.random.default_rng(2)
    group = rng.integers(0, 40, 10_000)
    chance = rng.random(40) * 0.2
    want = np.flatnonzero(stream.uniform(7, len(group)) < chance[group])
    np.testing.assert_array_equal(draws_under(stream.words(7, [0])[0], chance, group), want)


@pytest.mark.parametrize("row_blocks", [1, 3])
def test_threshold_kernel_equals_the_numpy_rule(monkeypatch, row_blocks):
    """Pulled where the tie-weighted share of engaged acquaintances reaches the threshold less 1e-6, in
    float32 (k of n exactly); the Party ties are the product with the Party column (scipy's sums), also
    when the rows are split in blocks as among threads."""
    from simulation.kernels import invitation_odds, threshold_rule

    monkeypatch.setattr(threads, "MIN_ENTRIES_PER_THREAD", 1)
    monkeypatch.setattr(threads, "_threads", row_blocks)
    rng = np.random.default_rng(4)
    n = 3_000
    i, j = rng.integers(0, n, 6_000), rng.integers(0, n, 6_000)
    net = Network.from_pairs(n, i, j, np.full(6_000, 0.1, np.float32), np.full(6_000, ACTIVITY))
    engaged, party = rng.random(n) < 0.3, rng.random(n) < 0.1
    m = net.matrix()
    num, wsum, want_party = m @ engaged.astype(np.float32), m @ np.ones(n, np.float32), m @ party.astype(np.float32)
    degree = net.degree()
    # "k of n": the share of one's acquaintances who are engaged, which float32 sums of equal weights miss
    # by a rounding error for many residents (the tolerance meets it).
    k_of_n = ((m > 0).astype(np.float32) @ engaged.astype(np.float32)) / np.maximum(degree, 1)
    threshold = np.where(rng.random(n) < 0.5, k_of_n, rng.random(n)).astype(np.float32)
    want = (wsum > 0) & (num / np.where(wsum > 0, wsum, 1.0) >= threshold - 1e-6)
    pulled, party_ties = rng.random(n) < 0.5, np.zeros(n, np.float32)
    pulled[degree == 0] = False  # (the phase clears it first: residents without ties are never pulled)
    rows = net.rows
    for start, stop in net.row_blocks():
        threshold_rule(
            rows[start:stop], net.cols[start:stop], net.weight[start:stop], engaged, party, threshold,
            np.float32(1e-6), pulled, party_ties,
        )  # fmt: skip
    np.testing.assert_array_equal(pulled, want)
    np.testing.assert_array_equal(party_ties, want_party)
    assert 0 < want.sum() < len(want) and (degree == 0).any() and (party_ties > 0).any()
    # Who can be invited by the Party members they know, and the log of their chance of not being asked.
    strength, compound = rng.random(7), rng.integers(0, 7, n)
    asked, x = invitation_odds(party_ties, strength, compound, 0.2)
    np.testing.assert_array_equal(asked, np.flatnonzero(party_ties > 0))
    np.testing.assert_array_equal(x, 0.2 * strength[compound[asked]] * party_ties[asked])


def test_signed_column_sums_equal_add_at_per_group():
    from simulation.kernels import signed_column_sums

    rng = np.random.default_rng(6)
    row, col = rng.integers(0, 30, 400), rng.choice([1, 2, 4], 400)
    share = np.where(rng.random(400) < 0.1, 0.0, rng.uniform(-0.3, 0.3, 400))
    columns = np.unique(col)
    want = np.zeros((30, 2 * len(columns)), np.float32)
    for g, (c, sign) in enumerate((c, sign) for c in columns for sign in (1.0, -1.0)):
        sel = (col == c) & (share * sign > 0)
        np.add.at(want[:, g], row[sel], np.abs(share[sel]).astype(np.float32))
    np.testing.assert_array_equal(signed_column_sums(row, col, share, columns, 30), want)


def test_kernels_match_scipy_and_the_numpy_update():
    """The compiled sparse product equals scipy's bit for bit; the compiled nudge follows its stated rule."""
    from simulation.arrays import nudge

    rng = np.random.default_rng(3)
    n = 400
    i, j = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    net = Network.from_pairs(n, i, j, rng.random(3000).astype(np.float32), np.full(3000, 2))
    x = rng.random((n, 4)).astype(np.float32)
    np.testing.assert_array_equal(net.dot(x), net.matrix() @ x)
    # Every width, float32 and float64.
    for k in range(1, 7):
        wide = rng.random((n, k)).astype(np.float32)
        np.testing.assert_array_equal(net.dot(wide), net.matrix() @ wide)
    np.testing.assert_array_equal(net.dot(x[:, :2].astype(np.float64)), net.matrix() @ x[:, :2].astype(np.float64))
    np.testing.assert_array_equal(net.dot(x[:, 0]), net.matrix() @ x[:, 0])
    # The flat product walks the entries by their row: residents without ties (first, inside, last) included.
    lonely = Network.from_pairs(
        9, np.array([1, 1, 2, 6]), np.array([2, 3, 6, 7]), np.ones(4, np.float32), np.full(4, 2)
    )
    np.testing.assert_array_equal(lonely.rows, np.repeat(np.arange(9), np.diff(lonely.indptr)))
    np.testing.assert_array_equal(lonely.dot(np.eye(9, dtype=np.float32)), lonely.matrix().toarray())
    np.testing.assert_array_equal(lonely.dot(np.eye(9, 5, dtype=np.float32)), lonely.matrix() @ np.eye(9, 5))
    assert Network.from_pairs(3, np.empty(0), np.empty(0), np.empty(0), np.empty(0)).rows.shape == (0,)
    rows = np.flatnonzero(rng.random(n) < 0.1)
    sparse = np.zeros_like(x)
    sparse[rows] = x[rows]
    full = net.matrix() @ sparse
    reached, sums = net.spread(x[rows], rows)
    np.testing.assert_array_equal(reached, np.flatnonzero(net.dot(np.isin(np.arange(n), rows).astype(np.float32)) > 0))
    np.testing.assert_array_equal(sums, full[reached])
    np.testing.assert_array_equal(np.delete(full, reached, axis=0), 0)
    values = np.array([0.5, 0.5, 0.5, 0.2], np.float32)
    nudge(values, np.array([0, 1, 1, 2, 2]), np.array([0.1, 0.1, 0.1, 0.2, -0.5]))
    np.testing.assert_allclose(values, [0.55, 0.595, 0.3, 0.2], rtol=1e-6)
    with pytest.raises(IndexError, match="out of range"):
        nudge(values, np.array([4]), 0.1)


@pytest.mark.parametrize("row_blocks", [1, 3])
def test_word_of_mouth_kernel_equals_the_numpy_degroot_update(monkeypatch, row_blocks):
    """Each resident's trust moves toward the tie-weighted mean of the day before (scipy's sums), then back
    toward its start; residents without ties (first, inside, last) only forget; efficacy rests in place."""
    monkeypatch.setattr(threads, "MIN_ENTRIES_PER_THREAD", 1)
    monkeypatch.setattr(threads, "_threads", row_blocks)
    rng = np.random.default_rng(9)
    n = 500
    i, j = rng.integers(1, n - 1, 1500), rng.integers(1, n - 1, 1500)
    keep = (i % 50 != 7) & (j % 50 != 7)  # residents 0, 7, 57, ... and n - 1 have no ties
    net = Network.from_pairs(n, i[keep], j[keep], rng.random(keep.sum()).astype(np.float32), np.full(keep.sum(), 2))
    trust, start = rng.random((n, 5), np.float32), rng.random((n, 5), np.float32)
    efficacy, efficacy_start = rng.random(n, np.float32), rng.random(n, np.float32)
    rate, forget, rest = np.float32(0.3), np.array([0.01, 0.02, 0.0, 0.05, 0.1], np.float32), np.float32(0.02)
    m = net.matrix()
    num, wsum = m @ trust, m @ np.ones(n, np.float32)
    mean = num / np.where(wsum > 0, wsum, 1)[:, None]
    want = np.where(wsum[:, None] > 0, trust + rate * (mean - trust), trust)
    want = want + forget * (start - want)
    want_efficacy = efficacy + rest * (efficacy_start - efficacy)
    out = np.full_like(trust, np.nan)
    for r0, r1 in threads.row_ranges(net.indptr):
        e0, e1 = net.indptr[r0], net.indptr[r1]
        kernels.degroot_rows(
            net.rows[e0:e1], net.cols[e0:e1], net.weight[e0:e1], r0, r1, trust, rate, start, forget, True,
            efficacy, efficacy_start, rest, out,
        )  # fmt: skip
    assert (net.degree()[[0, 7, 57, n - 1]] == 0).all() and len(threads.row_ranges(net.indptr)) == row_blocks
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(efficacy, want_efficacy)
