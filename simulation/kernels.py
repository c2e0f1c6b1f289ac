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

# -- the gap-closing update ----------------------------------------------------


@njit(cache=True)  # holds the GIL: ``slot`` is shared scratch, so two threads must not run it at once
def nudge_values(values, who, share, slot):
    """``simulation.arrays.nudge`` for 1-D ``values`` (any stride), ``who`` (int64), ``share`` (float64, one per entry).

    ``slot`` is a scratch int64 array of ``len(values)`` holding -1 everywhere; it is
    restored before returning. Per resident: the product of (1 - |share|) over its
    gains and over its losses, in entry order; gains are applied, stored, then losses.
    """
    m = who.shape[0]
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
        v = share[e]
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
def merge_new_ties(keys, weight, kind, new_keys, new_weight, new_kind, n):
    """Merge sorted new keys (none already present) into the sorted tie arrays, in one pass.

    Returns keys, rows, cols, weight, kind and the row pointers of the merged arrays.
    """
    a, b = keys.shape[0], new_keys.shape[0]
    total = a + b
    out_keys = np.empty(total, np.int64)
    out_weight = np.empty(total, np.float32)
    out_kind = np.empty(total, np.int8)
    i = j = 0
    for t in range(total):
        if j >= b or (i < a and keys[i] < new_keys[j]):
            out_keys[t], out_weight[t], out_kind[t] = keys[i], weight[i], kind[i]
            i += 1
        else:
            out_keys[t], out_weight[t], out_kind[t] = new_keys[j], new_weight[j], new_kind[j]
            j += 1
    rows, cols = split_keys(out_keys, n)
    return out_keys, rows, cols, out_weight, out_kind, row_pointers(rows, n)


@njit(cache=True, nogil=True)
def split_keys(keys, n):
    """Row and column (int32) of each key."""
    rows = np.empty(keys.shape[0], np.int32)
    cols = np.empty(keys.shape[0], np.int32)
    for t in range(keys.shape[0]):
        rows[t] = keys[t] // n
        cols[t] = keys[t] % n
    return rows, cols


@njit(cache=True, nogil=True)
def fade_ties(weight, kind, keep_kind, factor, min_weight):
    """Multiply every tie not of ``keep_kind`` by ``factor`` (float32) in place; count those now below ``min_weight``."""
    low = 0
    for t in range(weight.shape[0]):
        if kind[t] != keep_kind:
            weight[t] = weight[t] * factor
            if weight[t] < min_weight:
                low += 1
    return low


@njit(cache=True, nogil=True)
def drop_faded(keys, rows, cols, weight, kind, keep_kind, min_weight, n):
    """The tie arrays without the ties (not of ``keep_kind``) below ``min_weight``, and their row pointers."""
    keep = np.empty(keys.shape[0], np.bool_)
    m = 0
    for t in range(keys.shape[0]):
        keep[t] = kind[t] == keep_kind or not (weight[t] < min_weight)
        m += keep[t]
    out_keys = np.empty(m, np.int64)
    out_rows = np.empty(m, np.int32)
    out_cols = np.empty(m, np.int32)
    out_weight = np.empty(m, np.float32)
    out_kind = np.empty(m, np.int8)
    s = 0
    for t in range(keys.shape[0]):
        if keep[t]:
            out_keys[s], out_rows[s], out_cols[s] = keys[t], rows[t], cols[t]
            out_weight[s], out_kind[s] = weight[t], kind[t]
            s += 1
    return out_keys, out_rows, out_cols, out_weight, out_kind, row_pointers(out_rows, n)


# -- sparse products (the order of every sum is the CSR row order, as scipy's) ----


@njit(cache=True, nogil=True)
def row_sums(indptr, weight):
    """Sum of each row's weights (float32, summed in row order)."""
    n = indptr.shape[0] - 1
    out = np.zeros(n, np.float32)
    for i in range(n):
        acc = np.float32(0.0)
        for t in range(indptr[i], indptr[i + 1]):
            acc += weight[t]
        out[i] = acc
    return out


@njit(cache=True, nogil=True)
def spmv(indptr, cols, weight, x, out):
    """``out`` (zeros, n) += W @ x for 1-D ``x``: per row, products summed in row order, as scipy does."""
    for i in range(indptr.shape[0] - 1):
        acc = out[i]
        for t in range(indptr[i], indptr[i + 1]):
            acc += weight[t] * x[cols[t]]
        out[i] = acc
    return out


@njit(cache=True, nogil=True)
def spmm(indptr, cols, weight, x, out):
    """``out`` (zeros, n x k) += W @ x for 2-D ``x`` (n, k): as ``spmv`` for every column."""
    k = x.shape[1]
    for i in range(indptr.shape[0] - 1):
        for t in range(indptr[i], indptr[i + 1]):
            w = weight[t]
            j = cols[t]
            for c in range(k):
                out[i, c] += w * x[j, c]
    return out


@njit(cache=True, nogil=True)
def degroot_update(num, wsum, trust, rate, trust_start, forget, forgetting_on):
    """Word of mouth in place: each row of ``trust`` (n, k) moves ``rate`` of the way to its
    tie-weighted mean ``num / wsum`` (kept where ``wsum`` is 0), then ``forget`` (per column)
    of the way back to ``trust_start`` when ``forgetting_on``. All float32, as the numpy it replaced.
    """
    n, k = trust.shape
    for i in range(n):
        for c in range(k):
            t = trust[i, c]
            if wsum[i] > 0:
                t = t + rate * (num[i, c] / wsum[i] - t)
            if forgetting_on:
                t = t + forget[c] * (trust_start[i, c] - t)
            trust[i, c] = t
