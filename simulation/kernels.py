"""Compiled loops (numba) for the few steps that numpy can only do in many passes.

Each kernel is the single implementation of its step (there is no second,
pure-numpy path to drift from it) and reproduces the arithmetic of the numpy
code it replaced operation for operation (same dtypes, same order of sums and
products), so same-seed results did not change. Kernels are compiled once per
machine and cached on disk (``cache=True``); a fresh process loads them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation import pcg64

_RUN = 16  # stable_by sorts runs of this many by insertion, then merges them


@njit(cache=True, nogil=True)
def stable_by(order, key):
    """``order`` re-sorted by ``key[order]`` (no NaN), ties kept in their order: one pass of a lexicographic
    sort (least significant key first, as ``np.lexsort`` takes them). A merge sort written out: numba's
    own argsort compiles several times slower for each key type, and the sorts here are short."""
    n = order.shape[0]
    src = order.copy()
    for lo in range(0, n, _RUN):
        for a in range(lo + 1, min(lo + _RUN, n)):
            x, b = src[a], a - 1
            while b >= lo and key[src[b]] > key[x]:
                src[b + 1] = src[b]
                b -= 1
            src[b + 1] = x
    dst = np.empty_like(src)
    width = _RUN
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j = lo, mid
            for k in range(lo, hi):  # the left run's entry first on ties
                if j < hi and (i == mid or key[src[j]] < key[src[i]]):
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
        src, dst = dst, src
        width *= 2
    return src


@njit(cache=True, nogil=True)
def draws_at(words, index):
    """``Stream.uniform_at``'s draws at ``index`` (any order; equal indices, equal draws), in the order of
    ``index``: drawn at the indices sorted, then put back in place."""
    order = stable_by(np.arange(index.shape[0]), index)
    drawn = np.empty(index.shape[0])
    pcg64.uniform_at(words, index[order], drawn)
    out = np.empty(index.shape[0])
    for k in range(index.shape[0]):
        out[order[k]] = drawn[k]
    return out


@njit(cache=True, nogil=True)
def distinct(values):
    """The distinct values, ascending (``np.unique``; no NaN)."""
    order = stable_by(np.arange(values.shape[0]), values)
    out = np.empty(values.shape[0], values.dtype)
    m = 0
    for k in range(order.shape[0]):
        if m == 0 or values[order[k]] != out[m - 1]:
            out[m] = values[order[k]]
            m += 1
    return out[:m]


@njit(cache=True, nogil=True)
def keep_unless(index, values, value):
    """``index[values[index] != value]``: the entries of ``index`` whose value is not ``value`` (in order)."""
    out = np.empty(index.shape[0], np.int64)
    m = 0
    for k in range(index.shape[0]):
        out[m] = index[k]
        m += values[index[k]] != value  # (no branch: most entries are kept)
    return out[:m]


@njit(cache=True, nogil=True, inline="always")
def take_report(i, reporter, day, channel, reporters, reported, channels, stage, ready, in_transit):
    """``IssueLog.take_reports`` for issue ``i``: reported on ``day`` by ``reporter`` through ``channel``, on
    its way (the one definition of what taking a report writes)."""
    reporters[i] = reporter
    reported[i] = day
    channels[i] = channel
    stage[i] = in_transit
    ready[i] = day


@njit(cache=True, nogil=True)
def take_reports(idx, who, day, channel, reporters, reported, channels, stage, ready, in_transit):
    """``take_report`` for each issue ``idx[k]``, by ``who[k]`` through ``channel[k]``, in order."""
    for k in range(idx.shape[0]):
        take_report(idx[k], who[k], day, channel[k], reporters, reported, channels, stage, ready, in_transit)


# -- the gap-closing update ----------------------------------------------------


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch, so two threads must not run it at once
def nudge_values(values, who, share, slot):
    """``simulation.arrays.nudge`` for 1-D ``values`` (any stride), ``who`` (int64), ``share`` (float64, one per
    entry, or one for all).

    ``slot`` is a scratch int64 array of ``len(values)`` holding -1 everywhere; it is
    restored before returning. Per resident: the product of (1 - |share|) over its
    gains and over its losses, in entry order; gains are applied, stored, then losses.
    """
    m = who.shape[0]
    per_entry = share.shape[0] == m
    for e in range(m):
        if who[e] < 0 or who[e] >= values.shape[0]:
            raise IndexError("nudge: a resident index is out of range")
    first = np.empty(m, np.int64)  # the distinct residents, in order of first appearance
    gain = np.ones(m)
    loss = np.ones(m)
    has_gain = np.zeros(m, np.bool_)
    has_loss = np.zeros(m, np.bool_)
    k = 0
    for e in range(m):
        r = who[e]
        s = slot[r]
        if s < 0:
            s = k
            slot[r] = k
            first[k] = r
            k += 1
        v = share[e] if per_entry else share[0]
        if v > 0:
            gain[s] *= 1.0 - abs(v)
            has_gain[s] = True
        elif v < 0:
            loss[s] *= 1.0 - abs(v)
            has_loss[s] = True
    for s in range(k):
        r = first[s]
        slot[r] = -1
        if has_gain[s]:
            values[r] = 1.0 - (1.0 - np.float64(values[r])) * gain[s]
        if has_loss[s]:
            values[r] = np.float64(values[r]) * loss[s]


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch
def nudge_columns(values, who, share, column, slot):
    """``nudge_values`` on the columns of ``values`` (n, k): for each column in ascending order that entries
    name (``column[e]``), one call with those entries (in order) and their shares (``share``: one per entry,
    or one for all), as ``for c in np.unique(column): nudge(values[:, c], who[column == c], ...)``."""
    m = who.shape[0]
    per_entry = share.shape[0] == m
    sub_who = np.empty(m, np.int64)
    sub_share = np.empty(m)
    for c in range(values.shape[1]):
        k = 0
        for e in range(m):
            if column[e] == c:
                sub_who[k] = who[e]
                sub_share[k] = share[e] if per_entry else share[0]
                k += 1
        if k:
            nudge_values(values[:, c], sub_who[:k], sub_share[:k], slot)


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch
def nudge_column(table, column, who, share, slot):
    """``nudge_values`` on column ``column`` of ``table`` (n, k): Python's one entry to the update, so that
    a 1-D state (as an (n, 1) view) and a trust column compile to one signature, not one each."""
    nudge_values(table[:, column], who, share, slot)


# -- the tie arrays (sorted keys row * n + col, CSR order) ------------------------


@njit(cache=True, nogil=True)
def row_pointers(rows, n):
    """CSR row pointers (n + 1) of sorted row indices."""
    indptr = np.zeros(n + 1, np.int64)
    for r in rows:
        indptr[r + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    return indptr


@njit(cache=True, nogil=True)
def renew_pairs(n, i, j, kind, new_weight, indptr, cols, weight, strengthen):
    """Pairs met (``i[k]``, ``j[k]``, of ``kind[k]``), as (low, high) once each, self-pairs left out, a
    pair met several times keeping its first kind (``simulation.network._canonical`` for ties of one
    weight): those already tied are strengthened in place by ``strengthen`` (float32, capped at 1, as
    numpy adds a Python float to a float32 array); the new ones are returned as both directed entries of
    weight ``new_weight``, ordered by ``row * n + col``: (insertion position, row, col, weight, kind)."""
    m = i.shape[0]
    q = np.empty(m, np.int64)
    of = np.empty(m, np.int64)  # the pair each key came from
    c = 0
    for k in range(m):
        lo, hi = min(i[k], j[k]), max(i[k], j[k])
        if lo != hi:
            q[c], of[c] = lo * n + hi, k
            c += 1
    order = stable_by(np.arange(c), q[:c])  # by key, pairs met again after their first meeting
    ci, cj, ck = np.empty(c, np.int64), np.empty(c, np.int64), np.empty(c, np.int8)
    u = 0
    for t in range(c):
        e = order[t]
        if u == 0 or q[e] != q[order[t - 1]]:
            ci[u], cj[u], ck[u] = q[e] // n, q[e] % n, kind[of[e]]
            u += 1
    ci, cj, ck = ci[:u], cj[:u], ck[:u]
    qi, qj = np.concatenate((ci, cj)), np.concatenate((cj, ci))
    pos, found = find_in_rows(indptr, cols, qi, qj)
    new = np.flatnonzero(~found)
    for e in np.flatnonzero(found):
        weight[pos[e]] = min(np.float32(1.0), weight[pos[e]] + strengthen)
    new = stable_by(new, qi * n + qj)
    return (
        pos[new],
        qi[new],
        qj[new],
        np.full(new.shape[0], new_weight, np.float32),
        np.concatenate((ck, ck))[new],
    )


@njit(cache=True, nogil=True)
def find_in_rows(indptr, cols, qi, qj):
    """Position of each pair (qi, qj) in the CSR arrays (where it is, or would be inserted) and whether it is there."""
    pos = np.empty(qi.shape[0], np.int64)
    found = np.zeros(qi.shape[0], np.bool_)
    for e in range(qi.shape[0]):
        lo, hi = indptr[qi[e]], indptr[qi[e] + 1]
        target = qj[e]
        while lo < hi:  # binary search in the row's ascending columns
            mid = (lo + hi) // 2
            if cols[mid] < target:
                lo = mid + 1
            else:
                hi = mid
        pos[e] = lo
        found[e] = lo < indptr[qi[e] + 1] and cols[lo] == target
    return pos, found


@njit(cache=True, nogil=True)
def _row_of(indptr, t):
    """The row holding entry ``t`` (binary search in the row pointers)."""
    lo, hi = 0, indptr.shape[0] - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if indptr[mid] <= t:
            lo = mid
        else:
            hi = mid
    return lo


# New ties and the day's fading, in two kernels over a block of whole rows (rows r0 .. r1 - 1, entries
# e0 .. e1 - 1, new entries b0 .. b1 - 1), so that blocks can run in parallel threads: ``fade_block``
# fades and counts what each block keeps, which places every block's output; ``write_block`` then
# writes it. The new entries are inserted before positions ``at`` (ascending; none already present),
# and, when ``fade``, every tie not of ``keep_kind`` is multiplied by ``factor`` and dropped if then
# below ``floor`` (float32, as numpy compares a float32 array with a Python float).


@njit(cache=True, nogil=True)
def fade_block(kind, weight, e0, e1, new_kind, new_weight, b0, b1, fade, factor, floor, keep_kind):
    """Fade the block's entries in place (when ``fade``). Returns how many of them are now below ``floor``
    (to be dropped) and how many of its new entries are kept."""
    one = np.float32(1.0)
    low = 0
    if fade:
        # Views of the block, indexed from 0: the compiler then knows no index is negative, drops numba's
        # wraparound check and vectorises the loop (5x faster than indexing from e0).
        block_kind, block_weight = kind[e0:e1], weight[e0:e1]
        for t in range(block_weight.shape[0]):  # x 1 leaves household ties exactly as they are
            other_kind = block_kind[t] != keep_kind
            w = block_weight[t] * (factor if other_kind else one)
            block_weight[t] = w
            low += other_kind & (w < floor)
    kept = 0
    for e in range(b0, b1):
        kept += not (fade and new_kind[e] != keep_kind and new_weight[e] * factor < floor)
    return low, kept


@njit(cache=True, nogil=True)
def write_block(
    indptr, rows, cols, weight, kind, r0, r1, low, at, new_rows, new_cols, new_weight, new_kind, b0, b1, fade,
    factor, floor, keep_kind, other, out_rows, out_cols, out_weight, out_kind, out_indptr, m0,
):  # fmt: skip
    """Write the block's rows from output position ``m0``: old entries (faded by ``fade_block``, which found
    ``low`` of them to drop) and new ones in order, with their rows (``rows``: ``entry_rows``), and
    ``out_indptr[r0 + 1 .. r1]``. Runs of old entries between insertions and drops are copied as blocks, so
    the cost is a few passes over the arrays whatever the number of rows (the rows are copied with the
    rest: cheaper than ``entry_rows`` after). ``other`` (ties per row not of ``keep_kind``; empty to skip) is
    kept up to date in place. Returns the entries dropped (old and new)."""
    e0, e1 = indptr[r0], indptr[r1]
    # The old entries to drop, ascending, then a sentinel past the block (written without a branch per entry).
    gone = np.empty(low + 1, np.int64)
    g = 0
    if low:
        block_kind, block_weight = kind[e0:e1], weight[e0:e1]  # indexed from 0, as in ``fade_block``
        for t in range(block_weight.shape[0]):
            gone[g] = e0 + t
            g += (block_kind[t] != keep_kind) & (block_weight[t] < floor)
    gone[low] = e1
    delta = np.zeros(r1 - r0 + 1, np.int64)  # entries gained (lost) by row r, at r - r0 + 1
    track = other.shape[0] == indptr.shape[0] - 1
    m, src, dropped, d = m0, e0, 0, 0
    for e in range(b0, b1 + 1):
        stop = at[e] if e < b1 else e1
        while src < stop:  # old entries up to the next insertion: blocks between the dropped ones
            end = min(gone[d], stop)
            size = end - src
            # Element loops over views from 0 (one per array): compiled to plain copies, a third faster
            # than numba's slice assignment.
            to_cols, to_weight, to_kind = out_cols[m : m + size], out_weight[m : m + size], out_kind[m : m + size]
            from_cols, from_weight, from_kind = cols[src:end], weight[src:end], kind[src:end]
            to_rows, from_rows = out_rows[m : m + size], rows[src:end]
            for q in range(size):
                to_rows[q] = from_rows[q]
            for q in range(size):
                to_cols[q] = from_cols[q]
            for q in range(size):
                to_weight[q] = from_weight[q]
            for q in range(size):
                to_kind[q] = from_kind[q]
            m += size
            src = end
            if end < stop:  # the entry at ``end`` is dropped
                dropped += 1
                r = _row_of(indptr, end)
                delta[r - r0 + 1] -= 1
                if track:
                    other[r] -= 1
                src += 1
                d += 1
        if e < b1:
            kd = new_kind[e]
            w = new_weight[e]
            if fade and kd != keep_kind:
                w = w * factor
                if w < floor:
                    dropped += 1
                    continue
            r = new_rows[e]
            out_rows[m] = r
            out_cols[m] = new_cols[e]
            out_weight[m] = w
            out_kind[m] = kd
            m += 1
            delta[r - r0 + 1] += 1
            if track and kd != keep_kind:
                other[r] += 1
    shift = m0 - e0  # entries gained before the block
    for r in range(r0, r1):
        shift += delta[r - r0 + 1]
        out_indptr[r + 1] = indptr[r + 1] + shift
    return dropped


@njit(cache=True, nogil=True)
def rebuild_ties(indptr, rows, cols, weight, kind, at, ni, nj, wn, kn, fade, factor, floor, keep_kind, other):
    """``fade_block`` and ``write_block`` over all rows at once (a network too small to split into
    blocks): the new tie arrays (rows, cols, weight, kind, indptr) and the entries dropped."""
    n, m = indptr.shape[0] - 1, ni.shape[0]
    low, new = fade_block(kind, weight, indptr[0], indptr[n], kn, wn, 0, m, fade, factor, floor, keep_kind)
    size = indptr[n] - indptr[0] - low + new
    out_cols, out_weight, out_kind = np.empty(size, np.int32), np.empty(size, np.float32), np.empty(size, np.int8)
    out_rows = np.empty(size, np.int32)
    out_indptr = np.empty(n + 1, np.int64)
    out_indptr[0] = 0
    dropped = write_block(
        indptr, rows, cols, weight, kind, 0, n, low, at, ni, nj, wn, kn, 0, m, fade, factor, floor, keep_kind,
        other, out_rows, out_cols, out_weight, out_kind, out_indptr, 0,
    )  # fmt: skip
    return out_rows, out_cols, out_weight, out_kind, out_indptr, dropped


@njit(cache=True, nogil=True)
def renew_and_rebuild(
    n, i, j, kind, new_weight, strengthen, indptr, rows, cols, weight, tie_kind, factor, floor, keep_kind, other
):  # fmt: skip
    """``renew_pairs`` then ``rebuild_ties`` with fading, in one call (a network of one block): the new tie
    arrays (rows, cols, weight, kind, indptr), the entries added and the entries dropped."""
    at, ni, nj, wn, kn = renew_pairs(n, i, j, kind, new_weight, indptr, cols, weight, strengthen)
    out_rows, out_cols, out_weight, out_kind, out_indptr, dropped = rebuild_ties(
        indptr, rows, cols, weight, tie_kind, at, ni, nj, wn, kn, True, factor, floor, keep_kind, other
    )
    return out_rows, out_cols, out_weight, out_kind, out_indptr, ni.shape[0], dropped


@njit(cache=True, nogil=True)
def split_keys(keys, n):
    """Row and column (int32) of each key."""
    rows = np.empty(keys.shape[0], np.int32)
    cols = np.empty(keys.shape[0], np.int32)
    for t in range(keys.shape[0]):
        rows[t] = keys[t] // n
        cols[t] = keys[t] % n
    return rows, cols


# -- sparse products (the order of every sum is the CSR row order, as scipy's) ----


@njit(cache=True, nogil=True)
def spmv(indptr, cols, weight, x, rows, out):
    """``out`` (zeros, len(rows)) += (W @ x)[rows] for 1-D ``x``: each row's products summed in row order,
    as scipy does."""
    one = np.uint64(1)
    for e in range(rows.shape[0]):
        i = np.uint64(rows[e])  # unsigned indices: no negative-index checks (30% faster)
        acc = out[e]
        for t in range(np.uint64(indptr[i]), np.uint64(indptr[i + one])):
            acc += weight[t] * x[np.uint64(cols[t])]
        out[e] = acc
    return out


@njit(cache=True, nogil=True)
def entry_rows(indptr):
    """The row (int32) of each CSR entry: a mark at each row's first entry, then a running sum (two passes
    without a branch per row, several times faster than ``np.repeat`` over ~4 entries a row)."""
    n = indptr.shape[0] - 1
    marks = np.zeros(indptr[n] + 1, np.int32)
    for i in range(1, n):
        marks[indptr[i]] += 1
    rows = np.empty(indptr[n], np.int32)
    r = np.int32(0)
    for t in range(rows.shape[0]):
        r += marks[t]
        rows[t] = r
    return rows


@njit(cache=True, nogil=True)
def spmm(rows, cols, weight, x, out):
    """``out`` (zeros, n x k) += W @ x for 2-D ``x``, as ``spmv`` for every column. ``rows``:
    ``entry_rows(indptr)``.

    One flat pass over the entries: every sum still adds a row's products in its entry order, as scipy
    does, but without a loop per row, whose exit the CPU mispredicts at almost every row (rows hold
    about four ties); that cost about 40% more."""
    k = x.shape[1]
    for t in range(cols.shape[0]):
        i = np.uint64(rows[t])  # unsigned indices: see the note below
        w = weight[t]
        j = np.uint64(cols[t])
        for c in range(k):
            out[i, c] += w * x[j, c]
    return out


# The products index with unsigned copies of the rows and columns (which are never negative): numba then
# skips its negative-index check at every gather (five columns, 530,000 entries: 2.3 -> 2.0 ms).


@njit(cache=True, nogil=True)
def degroot_rows(
    rows, cols, weight, r0, r1, trust, rate, trust_start, forget, forgetting_on, efficacy, efficacy_start, rest, out
):
    """Word of mouth for residents ``r0 .. r1 - 1``, given their tie entries (``rows``: ``entry_rows``):
    each row of ``trust`` (n x 5) moves ``rate`` of the way to its tie-weighted mean (kept where it has
    no tie weight), then ``forget`` (per column) of the way back to ``trust_start`` when
    ``forgetting_on``; written to ``out`` (``trust`` is only read: every update reads the acquaintances'
    trust of before the phase). And, when ``rest`` > 0, ``efficacy`` moves ``rest`` of the way back to
    ``efficacy_start`` (in place). All float32, as the numpy it replaced; each row's sums are its
    products added in entry order from zero, as scipy's product sums them.

    One flat pass over the entries with the sums held in registers until a row ends (a loop per row
    mispredicts its exit at almost every row: rows hold about four ties)."""
    if trust.shape[1] != 5:
        raise ValueError("degroot_rows: trust needs its five columns")
    if rest > 0:
        for i in range(r0, r1):
            efficacy[i] = efficacy[i] + rest * (efficacy_start[i] - efficacy[i])
    zero = np.float32(0.0)
    s = a0 = a1 = a2 = a3 = a4 = zero
    cur = r0
    for t in range(cols.shape[0]):
        i = rows[t]
        while cur < i:  # row ``cur`` ends (the rows between have no ties)
            _degroot_row(cur, s, a0, a1, a2, a3, a4, trust, rate, trust_start, forget, forgetting_on, out)
            s = a0 = a1 = a2 = a3 = a4 = zero
            cur += 1
        w = weight[t]
        j = np.uint64(cols[t])  # unsigned: no negative-index checks at the gathers
        s += w
        a0 += w * trust[j, 0]
        a1 += w * trust[j, 1]
        a2 += w * trust[j, 2]
        a3 += w * trust[j, 3]
        a4 += w * trust[j, 4]
    while cur < r1:
        _degroot_row(cur, s, a0, a1, a2, a3, a4, trust, rate, trust_start, forget, forgetting_on, out)
        s = a0 = a1 = a2 = a3 = a4 = zero
        cur += 1


@njit(cache=True, inline="always")
def _degroot_row(i, s, a0, a1, a2, a3, a4, trust, rate, trust_start, forget, forgetting_on, out):
    """``degroot_rows``' update of row ``i`` from its weight ``s`` and column sums ``a0 .. a4``."""
    out[i, 0] = _moved(trust[i, 0], a0, s, rate, forget[0], trust_start[i, 0], forgetting_on)
    out[i, 1] = _moved(trust[i, 1], a1, s, rate, forget[1], trust_start[i, 1], forgetting_on)
    out[i, 2] = _moved(trust[i, 2], a2, s, rate, forget[2], trust_start[i, 2], forgetting_on)
    out[i, 3] = _moved(trust[i, 3], a3, s, rate, forget[3], trust_start[i, 3], forgetting_on)
    out[i, 4] = _moved(trust[i, 4], a4, s, rate, forget[4], trust_start[i, 4], forgetting_on)


@njit(cache=True, inline="always")
def _moved(t, num, s, rate, forget, start, forgetting_on):
    if s > 0:
        t = t + rate * (num / s - t)
    if forgetting_on:
        t = t + forget * (start - t)
    return t


@njit(cache=True, nogil=True)
def threshold_rule(rows, cols, weight, engaged, party, threshold, tolerance, pulled, party_ties):
    """Watts's threshold rule and the Party ties, in one pass over entries of whole rows (``rows``:
    ``entry_rows``): for each row ``i`` met, ``pulled[i]`` = it has ties and its tie-weighted share of
    engaged acquaintances reaches ``threshold[i] - tolerance``, and ``party_ties[i]`` its tie weight to
    Party members. Sums in float32 in entry order from zero (as ``degroot_rows``'), the share as
    the numpy it replaced; rows without entries are left as they are.

    Without a branch at the end of each row: the sums restart where the row changes (a select, not a
    jump) and every entry stores its row's running sums, so the last store of a row holds its sums; a
    second pass over the rows then applies the rule. Rows hold about four ties, so a branch at each row's
    end was mispredicted most of the time (on varied networks of 3,000 adults, 50 -> 37 us a call)."""
    n = cols.shape[0]
    if n == 0:
        return
    zero = np.float32(0.0)
    r0 = np.int64(rows[0])
    sums = np.zeros((np.int64(rows[n - 1]) + 1 - r0, 3), np.float32)  # per row met: ties, engaged, Party
    sums[:, 0] = -1.0  # rows not met (no entries) keep -1 and are left as they are
    cur = np.int64(-1)
    s = e = p = zero
    for t in range(n):
        i = np.int64(rows[t])
        new = i != cur
        cur = i
        s = zero if new else s
        e = zero if new else e
        p = zero if new else p
        w = weight[t]
        j = np.uint64(cols[t])  # unsigned: no negative-index checks at the gathers
        s += w
        e += w * np.float32(engaged[j])
        p += w * np.float32(party[j])
        k = np.uint64(i - r0)
        sums[k, 0] = s
        sums[k, 1] = e
        sums[k, 2] = p
    for k in range(sums.shape[0]):
        s = sums[k, 0]
        if s >= 0:
            i = r0 + k
            share = sums[k, 1] / (s if s > 0 else np.float32(1.0))
            pulled[i] = (s > 0) & (share >= threshold[i] - tolerance)
            party_ties[i] = sums[k, 2]


@njit(cache=True, nogil=True)
def invitation_odds(party_ties, strength, compound, rate):
    """The residents with Party acquaintances (ascending) and ``rate * strength[compound] * party_ties`` of
    each (float64, as numpy computes it from a float64 ``strength`` and float32 ties)."""
    asked, x = np.empty(party_ties.shape[0], np.int64), np.empty(party_ties.shape[0])
    m = 0
    for i in range(party_ties.shape[0]):
        asked[m] = i
        x[m] = rate * strength[compound[i]] * np.float64(party_ties[i])
        m += party_ties[i] > 0  # (no branch: about half the residents have Party acquaintances)
    return asked[:m], x[:m]


@njit(cache=True, nogil=True)
def party_invitations(words, party_ties, strength, compound, rate, invited):
    """Personal invitations by Party acquaintances: each resident with Party ties (``invitation_odds``, odds
    ``x``) is invited (``invited``) when their draw (``Stream.uniform_at``'s, from ``words``) is below
    ``1 - exp(-x)``."""
    asked, x = invitation_odds(party_ties, strength, compound, rate)
    u = np.empty(asked.shape[0])
    pcg64.uniform_at(words, asked, u)  # (ascending)
    for k in range(asked.shape[0]):
        # 1 - exp(-x) <= x: a draw above x (with room for rounding) is not below it, and needs no exp.
        if u[k] < x[k] + 1e-12 and u[k] < 1.0 - np.exp(-x[k]):
            invited[asked[k]] = True


@njit(cache=True, nogil=True)
def engaged_since(last_activity, last_governance, since, permanent, engaged):
    """``engaged[r]`` = resident ``r`` took part (an activity or a governance action) after day ``since``;
    with ``permanent``, engagement once gained stays."""
    for r in range(engaged.shape[0]):
        recent = max(last_activity[r], last_governance[r]) > since
        engaged[r] = (engaged[r] and permanent) or recent


@njit(cache=True, nogil=True)
def count_rows_not_of_kind(indptr, kind, skip_kind):
    """Ties per resident, not counting those of ``skip_kind``."""
    n = indptr.shape[0] - 1
    out = np.zeros(n, np.int64)
    for r in range(n):
        for t in range(np.uint64(indptr[r]), np.uint64(indptr[r + 1])):  # unsigned: no negative-index checks
            if kind[t] != skip_kind:
                out[r] += 1
    return out


@njit(cache=True, nogil=True)
def used_share(used, available):
    """Mean over the kinds offered (columns with any offer) of min(1, used / available), each column summed
    over the window's rows in order (as numpy sums a C-ordered array over axis 0); 0 if nothing is offered."""
    total, n = 0.0, 0
    for c in range(used.shape[1]):
        u, a = 0.0, 0.0
        for r in range(used.shape[0]):
            u += used[r, c]
            a += available[r, c]
        if a > 0:
            total += min(u / a, 1.0)
            n += 1
    return total / n if n else 0.0


@njit(cache=True, nogil=True)
def pay_in_order(communities, funds, left, reserve, used_today):
    """``ResourcePool.pay``: each entry (in order) pays ``funds`` from its community's funds (``left[c, 1]``)
    if the entries of that community before it and it fit (as of the start of the call, 1e-9 of slack);
    then the payments leave ``left``, ``reserve`` (never below 0, as ``np.maximum(0.0, ...)``) and add to
    ``used_today[1]`` (their sum in numpy's order). Returns who paid."""
    n_c = left.shape[0]
    seen = np.zeros(n_c, np.int64)  # entries of each community so far: the next one's rank
    spent = np.zeros(n_c)  # (first the payments' count)
    ok = np.empty(communities.shape[0], np.bool_)
    for e in range(communities.shape[0]):
        c = communities[e]
        ok[e] = np.float64(seen[c] + 1) * funds <= left[c, 1] + 1e-9
        seen[c] += 1
        spent[c] += ok[e]
    for c in range(n_c):
        spent[c] = spent[c] * funds
        left[c, 1] = left[c, 1] - spent[c]
        v = reserve[c] - spent[c]
        reserve[c] = 0.0 if 0.0 >= v else v
    used_today[1] = used_today[1] + pairwise_sum(spent)
    return ok


@njit(cache=True, nogil=True, error_model="numpy")  # (numpy's division: x / 0 is inf, not an error)
def handler_capacity(kind, staff, hours, admin_burden, hours_per_case, extra, stated, committee):
    """``HandlerTable.capacity``: cases per day of each handler, the committees' from their staff's free
    hours (``staff * hours * (1 - admin_burden) / hours_per_case``), the others' as stated; plus extra."""
    out = np.empty(kind.shape[0])
    for h in range(kind.shape[0]):
        if kind[h] == committee:
            out[h] = staff[h] * hours[h] * (1.0 - admin_burden[h]) / hours_per_case[h] + extra[h]
        else:
            out[h] = stated[h] + extra[h]
    return out


@njit(cache=True, nogil=True)
def record_use(used, available, used_today, offer, k, days):
    """``ResourcePool.record``: row ``k`` of the rings holds the day's use and the daily offer (the offers
    summed over communities in row order, as numpy sums a C-ordered array over axis 0, over ``days``);
    the day's use starts again from zero."""
    for c in range(used.shape[1]):
        used[k, c] = used_today[c]
        total = offer[0, c]
        for r in range(1, offer.shape[0]):
            total += offer[r, c]
        available[k, c] = total / days
        used_today[c] = 0.0


@njit(cache=True, nogil=True)
def window_counts(held, places, attendees, lo, hi, proposal_days, after):
    """The activities held, their places and attendees on days ``lo .. hi - 1`` of the per-day counts
    (integer sums: exact), and the proposals made after day ``after`` (``proposal_days`` ascending)."""
    n_held = n_places = n_attendees = 0
    for t in range(max(lo, 0), min(hi, held.shape[0])):  # (as a slice clamps)
        n_held += held[t]
        n_places += places[t]
        n_attendees += attendees[t]
    return n_held, n_places, n_attendees, proposal_days.shape[0] - np.searchsorted(proposal_days, after, "right")


@njit(cache=True, nogil=True)
def resident_measures(
    cell, combos, sizes, last_activity, last_governance, last_report, voted, month, quarter,
    trust, efficacy, outside, last_contact, week_start,
):  # fmt: skip
    """The residents' metrics of ``simulation.metrics.measure``, in one pass over the residents.

    Five flags per resident, each a share in every group (``shares[f, g]``, float32; NaN for an empty
    group other than the first, all residents): took part in the last month (an activity after day
    ``month``, or governance), an activity in the month, governance after day ``quarter``, a report
    after ``quarter``, voted. A resident's groups are the bits of its ``cell`` (``combos[cell]``: 1 per
    group it is in), so the flags are counted per cell (exact integers) and the cells' counts summed
    into their groups; the division is numpy's float32 one. Also each trust column's mean (float64,
    summed row after row as numpy reduces axis 0), efficacy's (float64, numpy's pairwise order), the
    residents without a tie outside their household (``outside`` == 0) and those with a contact after
    ``week_start``.
    """
    k, n_cells, n_groups, n = 5, combos.shape[0], combos.shape[1], cell.shape[0]
    # Each resident's cell and flag bits as one key, then the keys counted (residents by cell and by the
    # bits their flags spell): counting in a loop of its own is about twice as fast.
    key = np.empty(n, np.int64)
    isolated = weekly = 0
    for r in range(n):
        activity = np.int64(last_activity[r] > month)
        bits = activity | np.int64(last_governance[r] > month)
        bits |= activity << 1
        bits |= np.int64(last_governance[r] > quarter) << 2
        bits |= np.int64(last_report[r] > quarter) << 3
        bits |= np.int64(voted[r]) << 4
        key[r] = (cell[r] << k) | bits
        isolated += outside[r] == 0
        weekly += last_contact[r] > week_start
    hist = np.zeros((n_cells, 1 << k), np.int64)
    flat = hist.reshape(-1)
    for r in range(n):
        flat[key[r]] += 1
    trust_sums = np.zeros(trust.shape[1])
    for r in range(n):
        for c in range(trust.shape[1]):
            trust_sums[c] += np.float64(trust[r, c])
    per_cell = np.zeros((k, n_cells), np.int64)
    for c in range(n_cells):
        for bits in range(1, 1 << k):
            if hist[c, bits]:
                for f in range(k):
                    per_cell[f, c] += hist[c, bits] * ((bits >> f) & 1)
    shares = np.empty((k, n_groups), np.float32)
    for f in range(k):
        for g in range(n_groups):
            count = 0
            for c in range(n_cells):
                count += per_cell[f, c] * combos[c, g]
            if sizes[g] > 0:
                shares[f, g] = np.float32(count) / sizes[g]
            else:
                shares[f, g] = np.float32(count) / np.float32(1.0) if g == 0 else np.nan
    return shares, trust_sums / n, pairwise_sum(efficacy) / n, isolated, weekly


@njit(cache=True, nogil=True)
def draws_below(words, rate, weight, mean):
    """The residents whose draw (``Stream.uniform``'s, from ``words``) is below ``rate * weight / mean``,
    ascending, all float32 as numpy computes ``rate * (weight / mean)`` for a float32 array ``weight``
    and Python floats (NEP 50), compared in float64 as numpy compares float64 draws with it."""
    n = weight.shape[0]
    hits = np.empty(n, np.int64)
    s_hi, s_lo, i_hi, i_lo = pcg64.start(words)
    m = 0
    for r in range(n):
        s_hi, s_lo, u = pcg64.step(s_hi, s_lo, i_hi, i_lo)
        hits[m] = r
        m += u < np.float64(rate * (weight[r] / mean))
    return hits[:m]


@njit(cache=True, nogil=True, inline="always")
def _partner_in_group(cw, before, total, start, end, order, g, u):
    """A member of group ``g`` with chance proportional to its weight, by inverse CDF of ``u``
    (``simulation.network.PresenceSampler``'s arrays)."""
    pos = np.searchsorted(cw, before[g] + u * total[g], side="right")
    return order[min(max(pos, start[g]), max(end[g] - 1, start[g]))]


@njit(cache=True, nogil=True)
def partners_in_group(cw, before, total, start, end, order, group, who, u):
    """For each entry of ``who``, a partner in its group drawn by ``u`` (``PresenceSampler.draw``)."""
    out = np.empty(who.shape[0], np.int64)
    for k in range(who.shape[0]):
        out[k] = _partner_in_group(cw, before, total, start, end, order, group[who[k]], u[k])
    return out


@njit(cache=True, nogil=True)
def chance_meetings(
    words, rate, presence, mean, indptr, cols, household, familiar_share, closeness, sampler, last_contact, day,
    trust, column, contact_gain, slot,
):  # fmt: skip
    """The day's chance meetings (``simulation.processes.ties``), in one pass over the residents who meet.

    Resident r meets someone with chance ``rate * presence[r] / mean`` (``draws_below``, slot 0 of
    ``words``). The partner is an acquaintance (with chance ``familiar_share``, if r has any; draw slot 1)
    picked uniformly by the slot 2 draw, or else someone of r's building by presence (``sampler``: the
    ``PresenceSampler`` arrays and the grouping; slot 2 again), taken on as an acquaintance with chance
    ``closeness`` (slot 3). Both ends of a meeting across households get ``last_contact = day``. Returns
    the pairs (r, partner) whose tie forms or is renewed, ascending in r; both ends of each gain
    ``contact_gain`` of trust column ``column`` (``nudge`` of r's, then of the partners': a resident in
    several meetings gains once per meeting; ``slot``: ``nudge_values``' scratch).
    """
    meets = draws_below(words[0], rate, presence, mean)
    n = meets.shape[0]
    u_kind, u_who, u_new = np.empty(n), np.empty(n), np.empty(n)
    pcg64.uniform_at(words[1], meets, u_kind)
    pcg64.uniform_at(words[2], meets, u_who)
    pcg64.uniform_at(words[3], meets, u_new)
    cw, before, total, start, end, order, group = sampler
    a, b = np.empty(n, np.int64), np.empty(n, np.int64)
    m = 0
    for k in range(n):
        r = meets[k]
        deg = indptr[r + 1] - indptr[r]
        if u_kind[k] < familiar_share and deg > 0:
            partner = np.int64(cols[indptr[r] + min(np.int64(u_who[k] * deg), deg - 1)])
            keep = True
        else:
            partner = _partner_in_group(cw, before, total, start, end, order, group[r], u_who[k])
            keep = u_new[k] < closeness  # a stranger is only taken on in a close-knit place
        if household[partner] != household[r]:  # a chat with another household is contact
            last_contact[r] = day
            last_contact[partner] = day
            if keep:
                a[m], b[m] = r, partner
                m += 1
    a, b = a[:m], b[:m]
    nudge_values(trust[:, column], np.concatenate((a, b)), np.full(1, contact_gain), slot)
    return a, b


@njit(cache=True, nogil=True)
def meet_renew_and_rebuild(
    words, rate, presence, mean, household, familiar_share, closeness, sampler, last_contact, day, trust, column,
    contact_gain, slot, i_before, j_before, kind_before, meeting_kind, new_weight, strengthen, indptr, rows, cols,
    weight, tie_kind, factor, floor, keep_kind, other,
):  # fmt: skip
    """The ties phase's day on a network of one block, in one call: ``chance_meetings`` (its arguments first),
    then every contact of the day, those recorded before (``i_before``, ``j_before`` of ``kind_before``) and
    the meetings (of ``meeting_kind``) after them, marks ``last_contact`` (``mark_contacts``) and renews or
    forms ties, all fading (``renew_and_rebuild``, whose results it returns)."""
    a, b = chance_meetings(
        words, rate, presence, mean, indptr, cols, household, familiar_share, closeness, sampler, last_contact,
        day, trust, column, contact_gain, slot,
    )  # fmt: skip
    m0, m = i_before.shape[0], i_before.shape[0] + a.shape[0]
    i, j, kind = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int8)
    i[:m0], j[:m0], kind[:m0] = i_before, j_before, kind_before
    i[m0:], j[m0:], kind[m0:] = a, b, meeting_kind
    mark_contacts(household, last_contact, i, j, day)
    return renew_and_rebuild(
        indptr.shape[0] - 1, i, j, kind, new_weight, strengthen, indptr, rows, cols, weight, tie_kind, factor,
        floor, keep_kind, other,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def mark_contacts(household, last_contact, i, j, day):
    """``last_contact = day`` at both ends of each contact (i[k], j[k]) between two households."""
    for k in range(i.shape[0]):
        if household[i[k]] != household[j[k]]:
            last_contact[i[k]] = day
            last_contact[j[k]] = day


@njit(cache=True, nogil=True)
def draws_under(words, chance, group):
    """The members ``r`` (ascending) whose draw (``Stream.uniform``'s, from ``words``) is below
    ``chance[group[r]]``: one chance per group (e.g. per compound), read for each member."""
    n = group.shape[0]
    hits = np.empty(n, np.int64)
    s_hi, s_lo, i_hi, i_lo = pcg64.start(words)
    m = 0
    for r in range(n):
        s_hi, s_lo, u = pcg64.step(s_hi, s_lo, i_hi, i_lo)
        hits[m] = r
        m += u < chance[np.uint64(group[r])]
    return hits[:m]


@njit(cache=True, nogil=True)
def new_issues(words, chance, group, rates, cross_share):
    """The day's new issues, one draw per household each (rows of ``words``: slot 0 whether, 3 the
    order, 1 the domain, 2 whether cross-department): household r raises one with chance
    ``chance[group[r]]`` (``draws_under``); the day's issues are put in a random order (their slot 3
    draws, ascending, ties in household order); the domain is the first whose cumulative rate
    (``rates[group[r]]``, summed in order) reaches the slot 1 draw times the total; the issue needs
    several departments when its slot 2 draw is below ``cross_share``. Returns (households, domains,
    cross) in that order."""
    new = draws_under(words[0], chance, group)
    n = new.shape[0]
    u_order, u_domain, u_cross = np.empty(n), np.empty(n), np.empty(n)
    pcg64.uniform_at(words[3], new, u_order)
    pcg64.uniform_at(words[1], new, u_domain)
    pcg64.uniform_at(words[2], new, u_cross)
    order = stable_by(np.arange(n), u_order)
    domain, cross = np.empty(n, np.int8), np.empty(n, np.bool_)
    cdf = np.empty(rates.shape[1])
    for k in range(n):
        e = order[k]
        total = 0.0
        for d in range(rates.shape[1]):
            total += rates[group[new[e]], d]
            cdf[d] = total
        pick = u_domain[e] * total
        below = 0
        for d in range(rates.shape[1]):
            below += cdf[d] < pick
        domain[k], cross[k] = below, u_cross[e] < cross_share
    return new[order], domain, cross


@njit(cache=True, nogil=True)
def add_new_issues(
    words, chance, group, rates, cross_share, community_of, day, stage_value, at, household, domain, compound,
    community, cross, raised, stage,
):  # fmt: skip
    """``new_issues``, written into the issue log's columns from row ``at`` (room made by the caller): each
    new issue's household, domain, compound (``group``), community (``community_of``), cross flag, the day
    it is raised and its stage ``stage_value``. Returns how many (the caller then counts them in)."""
    new, dom, crs = new_issues(words, chance, group, rates, cross_share)
    for k in range(new.shape[0]):
        h, row = new[k], at + k
        household[row], domain[row], cross[row] = h, dom[k], crs[k]
        compound[row], community[row] = group[h], community_of[h]
        raised[row], stage[row] = day, stage_value
    return new.shape[0]


@njit(cache=True, nogil=True)
def activity_aware(
    s, offsets, kind, col, org_invites, words, attend_words, interest, free_time, trust, pulled, invited_pop,
    digital, month_count, month_max, base, w_interest, w_free, w_trust, w_social, w_invite, not_noticed, app_reach,
):  # fmt: skip
    """Today's places (activity ``a``'s scope at ``s[offsets[a]:offsets[a + 1]]``, its type ``kind[a]``, trust
    column ``col[a]``, personal invitations ``org_invites[a]``): the places whose resident is aware of the
    activity with budget left (ascending), the log-odds of going there and the attendance draw there (the
    ``a``-th row of ``attend_words``, as ``Stream.uniform_segments_at``). Awareness: invited, or reached by
    notices or the app, by the ``a``-th row of ``words`` (the awareness stream's draw of each place, drawn
    here as ``Stream.uniform`` would). Budget left: ``month_count[r] < month_max * free_time[r]`` (activities
    this month against the most a free-time share allows; float32, as numpy compares them).

    As the numpy it replaced: the first four terms in float32 (``base`` .. ``w_trust`` are float32), the
    two boolean terms added in float64; the reach of notices and the app in float64.
    """
    m = s.shape[0]
    aware = np.empty(m, np.int64)
    logit = np.empty(m)
    n = 0
    for a in range(offsets.shape[0] - 1):
        s_hi, s_lo, i_hi, i_lo = pcg64.start(words[a])
        k, c = np.uint64(kind[a]), np.uint64(col[a])  # unsigned indices: no negative-index checks
        for e in range(offsets[a], offsets[a + 1]):
            s_hi, s_lo, u = pcg64.step(s_hi, s_lo, i_hi, i_lo)
            r = np.uint64(s[e])
            # Bitwise, not short-circuit, logic and a store at every place: random outcomes would make
            # branches mispredict.
            inv = invited_pop[r] | org_invites[a]
            reach = 1.0 - not_noticed * (1.0 - app_reach * np.float64(digital[r]))
            p = base + w_interest * interest[r, k]
            p = p + w_free * free_time[r]
            p = p + w_trust * trust[r, c]
            x = np.float64(p) + w_social * np.float64(pulled[r])
            aware[n] = e
            logit[n] = x + w_invite * np.float64(inv)
            budget_left = np.float32(month_count[r]) < month_max * free_time[r]
            n += (inv | (u < reach)) & budget_left
    aware = aware[:n]
    attend = np.empty(n)
    pcg64.uniform_segments_at(attend_words, offsets, aware, attend)
    return aware, logit[:n], attend


@njit(cache=True, nogil=True)
def signed_column_sums(row, col, share, columns, n_rows):
    """``x`` (n_rows, 2 * len(columns), float32): entry ``e``'s ``|share[e]|`` added to row ``row[e]``, in
    group ``2 * c`` where ``col[e] == columns[c]`` if the share is a gain, ``2 * c + 1`` if a loss (zero
    shares count nowhere); entries are added in order, as ``np.add.at`` adds them."""
    x = np.zeros((n_rows, 2 * columns.shape[0]), np.float32)
    for e in range(row.shape[0]):
        v = share[e]
        if v == 0:
            continue
        c = 0
        while columns[c] != col[e]:
            c += 1
        x[row[e], 2 * c + (v < 0)] += np.float32(abs(v))
    return x


@njit(cache=True, nogil=True)
def reporters_sums(reporters, col, share):
    """``signed_column_sums`` by reporter: the distinct reporters (ascending), the distinct columns
    (ascending) and the sums, one row per reporter."""
    held, columns = distinct(reporters), distinct(col)
    return held, columns, signed_column_sums(np.searchsorted(held, reporters), col, share, columns, held.shape[0])


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch
def nudge_heard(trust, reached, sums, hearsay_share, columns, slot):
    """Hearsay's updates of ``trust`` (n, k): for each group ``g`` of ``signed_column_sums`` in turn (column
    ``columns[g // 2]``, a gain, then a loss), the residents ``reached`` whose ``hearsay_share * sums[:, g]``
    (float32) is above 0 take ``nudge`` with that share, at most 1, as one call each (``nudge_values``)."""
    m = reached.shape[0]
    who = np.empty(m, np.int64)
    share = np.empty(m)
    for g in range(sums.shape[1]):
        sign = 1.0 if g % 2 == 0 else -1.0
        k = 0
        for q in range(m):
            h = hearsay_share * sums[q, g]
            if h > 0:
                who[k] = reached[q]
                share[k] = sign * np.float64(min(h, np.float32(1.0)))
                k += 1
        if k:
            nudge_values(trust[:, columns[g // 2]], who[:k], share[:k], slot)


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch
def spread_from_rows(indptr, cols, weight, rows, xr, slot):
    """For a symmetric W and values ``xr`` (len(rows), k) held by ``rows`` (ascending; zero elsewhere): the
    residents reached (ascending) and their rows of W @ x, summed in ascending j as ``spmm`` sums them.

    ``slot`` is scratch of -1 (one per resident), restored before returning.
    """
    k = xr.shape[1]
    bound = 0
    for j in rows:
        bound += indptr[j + 1] - indptr[j]
    bound = min(bound, slot.shape[0])
    reached = np.empty(bound, np.int64)
    sums = np.zeros((bound, k), np.float32)
    m = 0
    for e in range(rows.shape[0]):
        j = rows[e]
        for t in range(indptr[j], indptr[j + 1]):
            i = cols[t]
            s = slot[i]
            if s < 0:
                s = m
                slot[i] = m
                reached[m] = i
                m += 1
            w = weight[t]
            for c in range(k):
                sums[s, c] += w * xr[e, c]
    order = stable_by(np.arange(m), reached)
    out_rows = reached[:m][order]
    out = np.empty((m, k), np.float32)
    for q in range(m):
        out[q] = sums[order[q]]
        slot[out_rows[q]] = -1
    return out_rows, out


# -- issue metrics -----------------------------------------------------------------


@njit(cache=True, nogil=True)
def _block_sum(a, lo, n):
    """Sum of ``a[lo:lo + n]``, n <= 128, as numpy sums a block: unrolled by 8 from 8 elements on."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r = a[lo : lo + 8].astype(np.float64)  # (float32 input is summed in float64, as numpy's dtype=)
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def pairwise_sum(a):
    """Sum of 1-D float64 ``a`` in numpy's order, so that it equals ``np.sum(a)`` bit for bit (float32 ``a``:
    ``np.sum(a, dtype=np.float64)``, as the mean with that dtype sums it): numpy
    splits a range of more than 128 in two (the first part a multiple of 8 long) and adds the parts'
    sums. Done with a stack, not recursion: numba cannot cache recursive functions."""
    n = a.shape[0]
    if n <= 128:
        return _block_sum(a, 0, n)
    frames = np.empty((128, 3), np.int64)  # (start, length, parts done); depth ~ log2(n / 128)
    sums = np.empty(128)
    frames[0, 0], frames[0, 1], frames[0, 2] = 0, n, 0
    top, n_sums = 1, 0
    while top:
        lo, m, done = frames[top - 1, 0], frames[top - 1, 1], frames[top - 1, 2]
        if m <= 128:
            sums[n_sums] = _block_sum(a, lo, m)
            n_sums += 1
            top -= 1
        elif done == 2:  # both parts summed: replace their sums by the total
            sums[n_sums - 2] = sums[n_sums - 2] + sums[n_sums - 1]
            n_sums -= 1
            top -= 1
        else:
            half = m // 2
            half -= half % 8
            frames[top - 1, 2] = done + 1
            start, length = (lo, half) if done == 0 else (lo + half, m - half)
            frames[top, 0], frames[top, 1], frames[top, 2] = start, length, 0
            top += 1
    return sums[0]


@njit(cache=True, nogil=True)
def km_restricted_mean(durations, closed, horizon):
    """Kaplan-Meier restricted mean of ``durations`` (whole days, >= 0) up to ``horizon`` (whole days);
    ``closed`` False = censored. The area under the survival step function from 0 to ``horizon``
    (NaN without durations). Durations are counted by day, not sorted (numba's sort is slow on the
    many ties of whole days).
    """
    m = durations.shape[0]
    if m == 0:
        return np.nan
    at_day = np.zeros(horizon + 1, np.int64)  # durations cut at the horizon, by day
    deaths_on = np.zeros(horizon + 1, np.int64)  # closures on each day (within the horizon)
    for i in range(m):
        d = min(durations[i], horizon)
        at_day[d] += 1
        deaths_on[d] += closed[i] & (durations[i] <= horizon)
    # Widths between event days (and the horizon) times the survival level before each: the area.
    area = np.empty(horizon + 2)
    level, previous, below, a = 1.0, 0.0, 0, 0
    for day in range(horizon + 1):
        if deaths_on[day]:
            area[a] = level * (np.float64(day) - previous)
            a += 1
            level = level * (1.0 - deaths_on[day] / (m - below))
            previous = np.float64(day)
        below += at_day[day]
    area[a] = level * (np.float64(horizon) - previous)
    return pairwise_sum(area[: a + 1])


@njit(cache=True, nogil=True)
def median_of_ints(x):
    """``np.median`` of a non-empty array of non-negative integers (float64), by counting values."""
    counts = np.zeros(x.max() + 1, np.int64)
    for v in x:
        counts[v] += 1
    n = x.shape[0]
    below, lower, upper = 0, -1, -1
    for v in range(counts.shape[0]):
        below += counts[v]
        if lower < 0 and below > (n - 1) // 2:
            lower = v
        if below > n // 2:
            upper = v
            break
    if n % 2:
        return np.float64(upper)
    return (np.float64(lower) + np.float64(upper)) / 2.0


@njit(cache=True, nogil=True)
def issue_metrics(
    raised, reported, closed, outcome, stage, size, open_issues, day, days, longest, satisfied_within,
    no_day, resolved_code, closed_stage,
):  # fmt: skip
    """The issue metrics of ``simulation.metrics.measure`` for the ``days`` up to ``day``, in one pass.

    Issues raised in the window are those from the first raised after ``day - days`` (``raised`` is
    ascending); an issue stays open at most ``longest`` days, so those raised in the ``days + longest +
    1`` days up to ``day`` are all that can have closed or been reported in it. Returns the unreported
    share and resolution rate of issues raised in the window; the median days to resolution, case
    resolution rate and satisfaction of cases closed in it; the Kaplan-Meier mean days to close of
    cases reported in it (open ones censored today); and the issues not closed among ``open_issues``.
    """
    first = np.searchsorted(raised[:size], day - days + 1)
    start = np.searchsorted(raised[:size], day - (days + longest + 1) + 1)
    n_open = 0
    for i in open_issues:
        n_open += stage[i] != closed_stage
    unreported_share = resolution_rate = 0.0
    if size > first:
        unreported = resolved = 0
        for i in range(first, size):
            unreported += reported[i] == no_day
            resolved += outcome[i] == resolved_code
        unreported_share = unreported / (size - first)
        resolution_rate = resolved / (size - first)
    m = size - start
    to_resolve = np.empty(m, np.int64)
    durations = np.empty(m, np.int64)
    is_closed = np.empty(m, np.bool_)
    n_resolved = n_cases = n_ok = n_timely = n_reported = 0
    # Written unconditionally and counted by flags, without branches: outcomes are random, so branches
    # on them would mispredict about every other issue.
    for i in range(start, size):
        done = stage[i] == closed_stage
        ok = outcome[i] == resolved_code
        in_window = done & (closed[i] > day - days)
        to_resolve[n_resolved] = closed[i] - raised[i]
        n_resolved += in_window & ok
        case = in_window & (reported[i] != no_day)
        n_cases += case
        n_ok += case & ok
        n_timely += case & ok & (closed[i] - reported[i] <= satisfied_within)
        durations[n_reported] = (closed[i] if done else day) - reported[i]
        is_closed[n_reported] = done
        n_reported += reported[i] > day - days
    resolution_days = median_of_ints(to_resolve[:n_resolved]) if n_resolved else np.nan
    case_rate = n_ok / n_cases if n_cases else np.nan
    satisfaction = n_timely / n_cases if n_cases else np.nan
    close_days = km_restricted_mean(durations[:n_reported], is_closed[:n_reported], days)
    return unreported_share, resolution_rate, resolution_days, case_rate, satisfaction, close_days, n_open


@njit(cache=True, nogil=True)
def day_metrics(
    cell, combos, sizes, last_activity, last_governance, last_report, voted, month, quarter, trust, efficacy,
    outside, last_contact, week_start, act_held, act_places, act_attendees, lo, hi, proposal_days, n,
    raised, reported, closed, outcome, stage, size, open_issues, day, days, longest, satisfied_within, no_day,
    resolved_code, closed_stage, stalled_today, used, available, ties,
):  # fmt: skip
    """``simulation.metrics.measure_values``' values in the order it computes them (its ``_COMPUTED``), in one
    call: ``resident_measures`` (the group shares row by row, the trust and efficacy means), the proposals
    per 1,000 adults made after day ``quarter`` and the activities of days ``lo .. hi - 1``
    (``window_counts``), ``issue_metrics``, the cases stalled today, the pool's use (``used_share``), the
    activities' fill rate, ties (entries, ``ties``) per resident, isolated and weekly contact shares and
    activities held; each value as the Python arithmetic it replaced (float64; NaN where it has no cases)."""
    shares, trust_means, eff, isolated, weekly = resident_measures(
        cell, combos, sizes, last_activity, last_governance, last_report, voted, month, quarter, trust,
        efficacy, outside, last_contact, week_start,
    )  # fmt: skip
    held, places, attended, proposals = window_counts(
        act_held, act_places, act_attendees, lo, hi, proposal_days, quarter
    )
    issues = issue_metrics(
        raised, reported, closed, outcome, stage, size, open_issues, day, days, longest, satisfied_within,
        no_day, resolved_code, closed_stage,
    )  # fmt: skip
    k = shares.shape[0] * shares.shape[1]
    out = np.empty(k + trust_means.shape[0] + 16)  # the shares, proposals, the trust means, then 15 more
    for f in range(shares.shape[0]):
        for g in range(shares.shape[1]):
            out[f * shares.shape[1] + g] = np.float64(shares[f, g])
    out[k] = 1000.0 * proposals / max(n, 1)
    for c in range(trust_means.shape[0]):
        out[k + 1 + c] = trust_means[c]
    at = k + 1 + trust_means.shape[0]
    out[at] = eff
    out[at + 1], out[at + 2], out[at + 3] = issues[0], issues[1], issues[2]
    out[at + 4], out[at + 5], out[at + 6] = issues[3], issues[4], issues[5]
    out[at + 7] = np.float64(issues[6])  # issues open
    out[at + 8] = np.float64(stalled_today)
    out[at + 9] = used_share(used, available)
    out[at + 10] = attended / places if places else np.nan  # activity fill rate
    # Counts over n: exactly the means numpy gives (sums of integers are exact in float64).
    out[at + 11] = np.float64(ties) / n if n else 0.0
    out[at + 12] = isolated / n if n else np.nan
    out[at + 13] = np.float64(held)
    out[at + 14] = weekly / n if n else 0.0
    return out
