"""The acquaintance network: weighted, undirected ties in CSR form.

Ties are stored once per direction in CSR arrays (row pointers, columns
ascending within a row), with a weight and a kind per entry. A lookup of many
pairs is a binary search within each row; the day's new ties, fading and
pruning are one compiled pass that also gives each row's weight sum; products
with the weight matrix (word of mouth, influence, hearsay) are compiled loops
that sum in row order, as scipy does (``simulation/kernels.py``,
docs/ARCHITECTURE.md). ``matrix()`` gives a scipy view for analysis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from simulation import kernels, threads
from simulation.arrays import f32, scratch_slots
from simulation.population import Population
from simulation.scenario import Scenario, ScenarioError, read_table
from simulation.streams import SETUP_DAY, Streams

# Tie kinds: how the acquaintance came about.
HOUSEHOLD, BUILDING, COMPOUND, CROSS, ACTIVITY, MEETING, GENERATED = range(7)
KIND_NAMES = ("household", "building", "compound", "cross_compound", "activity", "meeting", "generated")


class Network:
    """Weighted undirected ties among ``n`` residents."""

    def __init__(self, n: int, keys: np.ndarray, weight: np.ndarray, kind: np.ndarray):
        self.n = int(n)
        self.weight = weight.astype(np.float32, copy=False)
        self.kind = kind.astype(np.int8, copy=False)
        # Stored: CSR only (row pointers, columns); row and key of each entry are derived when asked.
        rows, self.cols = kernels.split_keys(keys.astype(np.int64, copy=False), self.n)
        self._refresh(kernels.row_pointers(rows, self.n))

    # -- construction -----------------------------------------------------
    @classmethod
    def from_pairs(cls, n: int, i: np.ndarray, j: np.ndarray, w: np.ndarray, kind: np.ndarray) -> Network:
        """Build from undirected pairs; self-pairs dropped, duplicates keep the strongest tie."""
        i, j, w, kind = _canonical(n, i, j, w, kind)
        return cls(n, *_symmetric(n, i, j, w, kind))

    def _refresh(self, indptr: np.ndarray) -> None:
        """After a change of structure (``cols``, ``weight`` and ``kind`` already new): the new row pointers."""
        self.indptr = indptr
        self._degree = None
        self._rows = None
        self._matrix = None  # shares its data with ``weight``: in-place weight changes keep it valid
        self._outside = None  # degree without household ties, for this structure
        self._ranges = None  # (what the split depends on, row ranges) of this structure (``row_ranges``)
        if not hasattr(self, "_pending"):
            self._pending: list[tuple[np.ndarray, np.ndarray, int]] = []

    # -- contacts of the day ------------------------------------------------
    def meet(self, i: np.ndarray, j: np.ndarray, kind: int) -> None:
        """Record contacts (co-attendance, consultations); they take effect in the ties phase."""
        if len(i):
            self._pending.append((np.asarray(i, np.int64), np.asarray(j, np.int64), kind))

    def take_contacts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The contacts recorded since the last call, both ends and the kind of tie each would form (the
        record is emptied; ``renew_and_fade`` turns them into ties)."""
        pending, self._pending = self._pending, []
        if not pending:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8)
        i = np.concatenate([a for a, _, _ in pending])
        j = np.concatenate([b for _, b, _ in pending])
        # Each record's kind repeated over its contacts: one call, not an array per record.
        return i, j, np.repeat(np.array([k for _, _, k in pending], np.int8), [len(a) for a, _, _ in pending])

    # -- queries ------------------------------------------------------------
    @property
    def n_ties(self) -> int:
        """Undirected ties."""
        return int(self.cols.shape[0] // 2)

    @property
    def rows(self) -> np.ndarray:
        """Row (resident) of each entry, in CSR order (derived; cached until the ties change; read only)."""
        if self._rows is None:
            self._rows = kernels.entry_rows(self.indptr)
            self._rows.flags.writeable = False
        return self._rows

    def row_ranges(self) -> list[tuple[int, int]]:
        """``threads.row_ranges`` of the row pointers: the blocks of rows the products split into (cached
        until the ties change or the threads to use do)."""
        split = (threads.threads(), threads.MIN_ENTRIES_PER_THREAD)  # what the split depends on, besides ties
        ranges = self.__dict__.get("_ranges")  # (a network restored from an older snapshot has none)
        if ranges is None or ranges[0] != split:
            ranges = self._ranges = (split, threads.row_ranges(self.indptr))
        return ranges[1]

    def row_blocks(self) -> list[tuple[int, int]]:
        """The entry ranges [start, stop) of ``row_ranges``."""
        return [(int(self.indptr[a]), int(self.indptr[b])) for a, b in self.row_ranges()]

    @property
    def keys(self) -> np.ndarray:
        """``row * n + col`` of each entry: strictly increasing (derived)."""
        return self.rows.astype(np.int64) * self.n + self.cols

    def matrix(self) -> sp.csr_array:
        """The symmetric weight matrix (scipy CSR), for analysis; cached until ties change (``dot`` is faster)."""
        if self._matrix is None:
            self._matrix = sp.csr_array((self.weight, self.cols, self.indptr), shape=(self.n, self.n))
        return self._matrix

    def neighbours(self, i: int) -> np.ndarray:
        return self.cols[self.indptr[i] : self.indptr[i + 1]]

    def degree(self, exclude_household: bool = False) -> np.ndarray:
        """Ties per resident (optionally not counting household ties)."""
        if exclude_household:
            if self._outside is None:
                self._outside = kernels.count_rows_not_of_kind(self.indptr, self.kind, HOUSEHOLD)
            return self._outside
        if self._degree is None:
            self._degree = np.diff(self.indptr)
        return self._degree

    def dot(self, x: np.ndarray) -> np.ndarray:
        """W @ x for ``x`` of shape (n,) or (n, k), summed exactly as ``matrix() @ x`` is."""
        if x.ndim == 2:
            return self._product(x)
        return self.dot_rows(x, np.arange(self.n))

    def dot_rows(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``dot(x)[rows]`` for 1-D ``x``, computing only those rows (same sums)."""
        out = np.zeros(len(rows), np.result_type(self.weight.dtype, x.dtype))
        return kernels.spmv(self.indptr, self.cols, self.weight, x, np.asarray(rows, np.int64), out)

    def _product(self, x: np.ndarray) -> np.ndarray:
        """W @ x for 2-D ``x``, in one pass over the ties (in blocks of whole rows on large networks)."""
        out = np.zeros(x.shape, np.result_type(self.weight.dtype, x.dtype))
        rows, cols, weight = self.rows, self.cols, self.weight

        def block(start: int, stop: int) -> None:  # whole rows: each row's sum as in one pass
            kernels.spmm(rows[start:stop], cols[start:stop], weight[start:stop], x, out)

        threads.run_blocks(block, self.row_blocks())
        return out

    def spread(self, x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For ``x`` (len(rows), k) held by ``rows`` (ascending), zero elsewhere: the residents reached
        (ascending) and their rows of W @ x, equal to those of ``dot`` (float32)."""
        return kernels.spread_from_rows(
            self.indptr, self.cols, self.weight, np.asarray(rows, np.int64), x, scratch_slots(self.n)
        )

    def has_ties(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Whether each pair (i, j) is tied."""
        return kernels.find_in_rows(self.indptr, self.cols, np.asarray(i, np.int64), np.asarray(j, np.int64))[1]

    # -- change -------------------------------------------------------------
    def add_or_strengthen(self, i: np.ndarray, j: np.ndarray, new_weight: float, strengthen: float, kind) -> int:
        """Strengthen existing ties by ``strengthen`` (capped at 1) and form new ones at ``new_weight``.

        ``kind`` (one value or one per pair) labels the new ties. Returns the
        number of pairs that were new ties (after de-duplication).
        """
        new = self._strengthen(i, j, new_weight, strengthen, kind)
        if len(new[0]):
            self._rebuild(*new, fade=False)
        return len(new[0]) // 2

    def decay(self, rate: float, min_weight: float) -> int:
        """Fade every non-household tie by ``rate``; drop ties below ``min_weight``. Returns ties dropped."""
        return self.renew_and_fade(np.empty(0, np.int64), np.empty(0, np.int64), 0.0, 0.0, 0, rate, min_weight)[1]

    def renew_and_fade(
        self, i: np.ndarray, j: np.ndarray, new_weight: float, strengthen: float, kind, rate: float, min_weight: float
    ) -> tuple[int, int]:
        """``add_or_strengthen`` and then ``decay``, in one pass over the ties. Returns (new ties, ties dropped)."""
        # (The ties phase's day on a network of one block is ``meet_and_renew``, in one compiled call.)
        new = self._strengthen(i, j, new_weight, strengthen, kind)
        if rate <= 0 or len(self.cols) + len(new[0]) == 0:
            if len(new[0]):
                self._rebuild(*new, fade=False)
            return len(new[0]) // 2, 0
        return len(new[0]) // 2, self._rebuild(*new, fade=True, rate=rate, min_weight=min_weight)

    def one_block(self) -> bool:
        """Whether the ties are too few to split among threads (``row_ranges`` is one range)."""
        return len(self.row_ranges()) == 1

    def meet_and_renew(
        self, meetings: tuple, meeting_kind: int, new_weight: float, strengthen: float, rate: float, min_weight: float
    ) -> None:
        """On a network of one block whose ties fade (``rate`` > 0): the day's chance meetings (``meetings``:
        ``kernels.chance_meetings``' arguments but the tie arrays), recorded after today's other contacts, then
        ``renew_and_fade`` of every contact, in one compiled call (``kernels.meet_renew_and_rebuild``): what
        ``chance_meetings``, ``meet``, ``take_contacts``, ``mark_contacts`` and ``renew_and_fade`` do in turn."""
        if rate <= 0 or not self.one_block():
            raise ValueError("meet_and_renew: only for a network of one block whose ties fade (rate > 0)")
        i, j, kind = self.take_contacts()
        outside = self._outside_or_empty()
        rows, cols, weight, tie_kind, indptr, _, _ = kernels.meet_renew_and_rebuild(
            *meetings, i, j, kind, meeting_kind, f32(new_weight), f32(strengthen), self.indptr, self.rows, self.cols,
            self.weight, self.kind, f32(1.0 - rate), f32(min_weight), HOUSEHOLD, outside,
        )  # fmt: skip
        self._install(rows, cols, weight, tie_kind, indptr, outside)

    def _strengthen(self, i, j, new_weight: float, strengthen: float, kind):
        """Strengthen the pairs already tied (in place); the new ones, sorted: insertion positions, rows, columns,
        weights and kinds."""
        if len(i) == 0:
            return (np.empty(0, np.int64),) * 3 + (np.empty(0, np.float32), np.empty(0, np.int8))
        k = np.asarray(kind, np.int8)
        k = np.full(len(i), k, np.int8) if k.ndim == 0 else k
        return kernels.renew_pairs(
            self.n, np.asarray(i, np.int64), np.asarray(j, np.int64), k, f32(new_weight), self.indptr,
            self.cols, self.weight, f32(strengthen),
        )  # fmt: skip

    def _rebuild(self, at, ni, nj, wn, kn, fade: bool, rate: float = 0.0, min_weight: float = 0.0) -> int:
        """New tie arrays with the new ties inserted (and all faded, when ``fade``). Returns ties dropped."""
        # float32 factor and threshold, as numpy compares a float32 array with a Python float.
        factor, floor = f32(1.0 - rate), f32(min_weight)
        outside = self._outside_or_empty()
        ranges = self.row_ranges()
        new = (at, ni, nj, wn, kn, fade, factor, floor, HOUSEHOLD, outside)
        old = (self.indptr, self.rows, self.cols, self.weight, self.kind)  # the entries' rows are carried over
        if len(ranges) == 1:  # one block: one compiled call
            rows, *arrays, indptr, dropped = kernels.rebuild_ties(*old, *new)
        else:
            rows, *arrays, indptr, dropped = self._rebuild_in_blocks(ranges, *old, *new)
        self._install(rows, *arrays, indptr, outside)
        return dropped // 2

    def _outside_or_empty(self) -> np.ndarray:
        """The cached ties per row not of the household kind, which a rebuild keeps up to date; empty if none."""
        return self._outside if self._outside is not None else np.empty(0, np.int64)

    def _install(self, rows, cols, weight, kind, indptr, outside) -> None:
        """New tie arrays, with their entries' rows and the ties per row not of the household kind."""
        self.cols, self.weight, self.kind = cols, weight, kind
        self._refresh(indptr)
        rows.flags.writeable = False
        self._rows = rows
        self._outside = outside if len(outside) else None  # kept up to date by the kernels

    def _rebuild_in_blocks(
        self, ranges, indptr, rows, cols, weight, kind, at, ni, nj, wn, kn, fade, factor, floor, keep_kind, outside
    ):
        """``kernels.rebuild_ties`` in blocks of whole rows (``ranges``), in parallel threads: first each block
        fades its ties and counts what it keeps, which places its output; then each writes its part."""
        new_at = np.searchsorted(ni, [r for r, _ in ranges] + [self.n])  # each block's new entries
        counts = [(0, 0)] * len(ranges)

        def count(b: int) -> None:
            (r0, r1), b0, b1 = ranges[b], new_at[b], new_at[b + 1]
            counts[b] = kernels.fade_block(
                kind, weight, indptr[r0], indptr[r1], kn, wn, b0, b1, fade, factor, floor, keep_kind
            )

        blocks = [(b,) for b in range(len(ranges))]  # block numbers
        threads.run_blocks(count, blocks)
        kept = [int(indptr[r1] - indptr[r0]) - low + new for (r0, r1), (low, new) in zip(ranges, counts, strict=True)]
        starts = np.concatenate([[0], np.cumsum(kept)])
        size = int(starts[-1])
        out_cols, out_weight, out_kind = np.empty(size, np.int32), np.empty(size, np.float32), np.empty(size, np.int8)
        out_rows = np.empty(size, np.int32)
        out_indptr = np.empty(self.n + 1, np.int64)
        out_indptr[0] = 0
        dropped = [0] * len(ranges)

        def write(b: int) -> None:
            (r0, r1), b0, b1 = ranges[b], new_at[b], new_at[b + 1]
            dropped[b] = kernels.write_block(
                indptr, rows, cols, weight, kind, r0, r1, counts[b][0], at, ni, nj, wn, kn, b0, b1, fade, factor,
                floor, keep_kind, outside, out_rows, out_cols, out_weight, out_kind, out_indptr, int(starts[b]),
            )  # fmt: skip

        threads.run_blocks(write, blocks)
        return out_rows, out_cols, out_weight, out_kind, out_indptr, sum(dropped)

    def to_networkx(self):
        """An undirected networkx Graph with ``weight`` and ``kind`` edge attributes."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        upper = self.rows < self.cols
        g.add_edges_from(
            (int(a), int(b), {"weight": float(w), "kind": KIND_NAMES[k]})
            for a, b, w, k in zip(self.rows[upper], self.cols[upper], self.weight[upper], self.kind[upper], strict=True)
        )
        return g


def _canonical(n: int, i, j, w, kind):
    """Pairs as (low, high), self-pairs removed, duplicates keeping the strongest."""
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    ok = lo != hi
    lo, hi, w, kind = lo[ok], hi[ok], np.asarray(w, np.float32)[ok], np.asarray(kind, np.int8)[ok]
    q = lo * n + hi
    # Sort by key, strongest first, then keep the first of each key.
    order = np.lexsort((-w, q))
    q, w, kind = q[order], w[order], kind[order]
    first = np.ones(len(q), bool)
    first[1:] = q[1:] != q[:-1]
    q, w, kind = q[first], w[first], kind[first]
    return (q // n), (q % n), w, kind


def _symmetric(n: int, i, j, w, kind):
    keys = np.concatenate([i * n + j, j * n + i])
    order = np.argsort(keys, kind="stable")
    return keys[order], np.concatenate([w, w])[order], np.concatenate([kind, kind])[order]


# -- generators -----------------------------------------------------------


def _household_pairs(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    sizes = np.diff(pop.hh_indptr)
    starts = pop.hh_indptr[:-1]
    ii, jj = [], []
    for s in range(2, int(sizes.max(initial=1)) + 1):
        base = starts[sizes == s]
        a, b = np.triu_indices(s, 1)
        ii.append((base[:, None] + a[None, :]).ravel())
        jj.append((base[:, None] + b[None, :]).ravel())
    if not ii:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(ii), np.concatenate(jj)


class PresenceSampler:
    """Draws, for residents, a partner from the same group with probability ∝ a weight.

    Vectorised inverse-CDF sampling over residents sorted by group. The sort
    is done once, so a fixed grouping (buildings, presence) can be reused
    every day. A draw may return the resident itself (callers drop self-pairs).
    """

    def __init__(self, group: np.ndarray, weight: np.ndarray):
        self.group = group
        self.order = np.argsort(group, kind="stable")
        g_sorted = group[self.order]
        self.cw = np.cumsum(weight[self.order].astype(np.float64))
        groups = np.arange(int(group.max(initial=-1)) + 1)
        self.start = np.searchsorted(g_sorted, groups, side="left")
        self.end = np.searchsorted(g_sorted, groups, side="right")
        self.before = np.where(self.start > 0, self.cw[np.maximum(self.start - 1, 0)], 0.0)
        self.total = self.cw[np.maximum(self.end - 1, 0)] - self.before
        self.mean_weight = float(weight.mean())  # (the weights are fixed for a run)

    def arrays(self) -> tuple:
        """The sampler for compiled code (``simulation.kernels.partners_in_group``'s arrays)."""
        return self.cw, self.before, self.total, self.start, self.end, self.order, self.group

    def draw(self, who: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One partner per entry of ``who``; ``u`` are uniforms, one per entry."""
        return kernels.partners_in_group(*self.arrays(), np.asarray(who, np.int64), np.asarray(u, np.float64))


def _neighbourhood(scn: Scenario, pop: Population, streams: Streams) -> Network:
    net = scn.network
    n = pop.n
    hi, hj = _household_pairs(pop)
    parts_i, parts_j, parts_w, parts_k = (
        [hi],
        [hj],
        [np.full(len(hi), net.household_weight)],
        [np.full(len(hi), HOUSEHOLD)],
    )
    closeness = 1.0 - scn.community.stranger_index
    rel_presence = pop.presence / max(float(pop.presence.mean()), 1e-9)
    levels = (
        (BUILDING, pop.building, net.building_ties),
        (COMPOUND, pop.compound, net.compound_ties),
        (CROSS, pop.community, net.cross_compound_ties),
    )
    for kind, group, mean_ties in levels:
        if mean_ties <= 0 or closeness <= 0:
            continue
        rng = streams[f"setup.ties.{KIND_NAMES[kind]}"].generator(SETUP_DAY)
        # Each tie has two ends, so each resident starts half its expected ties;
        # partners are drawn by presence too, so people who are around know more neighbours.
        starts = rng.poisson(0.5 * mean_ties * closeness * rel_presence)
        who = np.repeat(np.arange(n), starts)
        partner = PresenceSampler(group, pop.presence).draw(who, rng.random(len(who)))
        keep = pop.household[who] != pop.household[partner]
        parts_i.append(who[keep])
        parts_j.append(partner[keep])
        parts_w.append(np.full(int(keep.sum()), net.initial_weight))
        parts_k.append(np.full(int(keep.sum()), kind))
    return Network.from_pairs(
        n, np.concatenate(parts_i), np.concatenate(parts_j), np.concatenate(parts_w), np.concatenate(parts_k)
    )


def _erdos_renyi(n: int, mean_degree: float, rng: np.random.Generator, weight: float) -> Network:
    """G(n, p) with p = mean_degree / (n - 1): a binomial number of distinct uniform pairs."""
    pairs = n * (n - 1) // 2
    p = min(1.0, mean_degree / max(n - 1, 1))
    m = int(rng.binomial(pairs, p))
    chosen = np.zeros(0, np.int64)
    while len(chosen) < m:  # rejection of repeated pairs; converges in a few rounds for sparse graphs
        extra = rng.integers(0, pairs, size=int((m - len(chosen)) * 1.1) + 10)
        chosen = np.unique(np.concatenate([chosen, extra]))
    chosen = rng.permutation(chosen)[:m]
    # Map a pair index to (i, j), i < j, in row-major order of the upper triangle.
    i = (n - 2 - np.floor(np.sqrt(-8 * chosen + 4 * n * (n - 1) - 7) / 2.0 - 0.5)).astype(np.int64)
    j = chosen + i + 1 - n * (n - 1) // 2 + (n - i) * ((n - i) - 1) // 2
    return Network.from_pairs(n, i, j, np.full(m, weight), np.full(m, GENERATED))


def _watts_strogatz(n: int, k: float, rewire: float, seed: int, weight: float) -> Network:
    import networkx as nx

    g = nx.watts_strogatz_graph(n, max(2, int(round(k))), rewire, seed=seed)
    e = np.array(g.edges(), dtype=np.int64).reshape(-1, 2)
    return Network.from_pairs(n, e[:, 0], e[:, 1], np.full(len(e), weight), np.full(len(e), GENERATED))


def _complete(n: int, weight: float) -> Network:
    if n > 5000:
        raise ScenarioError(f"network.kind: 'complete' needs at most 5000 adults (got {n})")
    i, j = np.triu_indices(n, 1)
    return Network.from_pairs(n, i, j, np.full(len(i), weight), np.full(len(i), GENERATED))


def _edge_list(path: str, n: int, weight: float) -> Network:
    p = Path(path)
    df = read_table(path, "network.path")
    missing = {"source", "target"} - set(df.columns)
    if missing:
        raise ScenarioError(f"network.path: {p} lacks column(s) {', '.join(sorted(missing))}")
    src, dst = df["source"].to_numpy(), df["target"].to_numpy()
    if not (np.issubdtype(src.dtype, np.integer) and np.issubdtype(dst.dtype, np.integer)):
        raise ScenarioError(f"network.path: {p}: source and target must be integer resident indices")
    bad = (src < 0) | (src >= n) | (dst < 0) | (dst >= n)
    if bad.any():
        raise ScenarioError(f"network.path: {p}: resident index out of range 0..{n - 1} in row {int(np.argmax(bad))}")
    w = df["weight"].to_numpy(np.float32) if "weight" in df.columns else np.full(len(df), weight, np.float32)
    if len(w) and ((w <= 0) | (w > 1) | ~np.isfinite(w)).any():
        raise ScenarioError(f"network.path: {p}: weight must be in (0, 1]")
    return Network.from_pairs(n, src, dst, w, np.full(len(df), GENERATED))


def build_network(scn: Scenario, pop: Population, streams: Streams) -> Network:
    """The scenario's network over the population."""
    net = scn.network
    rng = streams["setup.network"].generator(SETUP_DAY)
    if net.kind == "neighbourhood":
        return _neighbourhood(scn, pop, streams)
    if net.kind == "erdos_renyi":
        return _erdos_renyi(pop.n, net.mean_degree, rng, net.initial_weight)
    if net.kind == "watts_strogatz":
        return _watts_strogatz(pop.n, net.mean_degree, net.rewire, int(rng.integers(2**31)), net.initial_weight)
    if net.kind == "complete":
        return _complete(pop.n, net.initial_weight)
    return _edge_list(net.path, pop.n, net.initial_weight)
