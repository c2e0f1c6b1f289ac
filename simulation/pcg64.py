"""numpy's PCG64 uniform draws, compiled (numba), so that a stream's draws cost no Python objects.

A stream sets a PCG64 generator to a state hashed from (seed, name, day, slot) and takes its float64
draws (``simulation.streams``). numpy does that through a Python dict (about 4 us to set a state, 10 us
for a call drawing a few numbers). Here the state is four 64-bit words and the generator is a loop:

- the state advances as the 128-bit LCG ``s = s * MULTIPLIER + inc`` (mod 2**128), then
- the draw is the XSL-RR output of the new state, ``rotr(hi ^ lo, hi >> 58)``, and
- the float64 is its top 53 bits times 2**-53,

which is how numpy 1.17+ defines ``Generator(PCG64).random()`` (O'Neill 2014, "PCG: A family of simple
fast space-efficient statistically good algorithms for random number generation"). The tests compare
the draws with numpy's for random states, lengths and jumps, bit for bit.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_I64, _I128 = ir.IntType(64), ir.IntType(128)


@intrinsic
def _muladd(typingctx, a_hi, a_lo, b_hi, b_lo, c_hi, c_lo):
    """(high, low) words of a * b + c mod 2**128 for 128-bit numbers given as (high, low) uint64 words:
    one 128-bit multiply in LLVM (numba has no 128-bit integer type)."""
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64)

    def codegen(context, builder, signature, args):
        def wide(hi, lo):
            return builder.or_(builder.shl(builder.zext(hi, _I128), ir.Constant(_I128, 64)), builder.zext(lo, _I128))

        r = builder.add(builder.mul(wide(args[0], args[1]), wide(args[2], args[3])), wide(args[4], args[5]))
        hi = builder.trunc(builder.lshr(r, ir.Constant(_I128, 64)), _I64)
        return context.make_tuple(builder, signature.return_type, (hi, builder.trunc(r, _I64)))

    return sig, codegen


# The PCG64 multiplier (as numpy's), high and low words.
_M_HI, _M_LO = np.uint64(0x2360ED051FC65DA4), np.uint64(0x4385DF649FCCF645)
_SCALE = 1.0 / 9007199254740992.0  # 2**-53
# Gaps between wanted draws up to this many steps are crossed in one multiply-add, with the LCG's
# k-step multiplier and increment from a table made per call; longer ones are jumped as
# ``PCG64.advance`` does (about 4 x log2(gap) multiplies).
_TABLE = 64


@njit(cache=True, nogil=True, inline="always")
def _output(s_hi, s_lo):
    """The float64 draw of a state: XSL-RR output, top 53 bits."""
    x = s_hi ^ s_lo
    rot = s_hi >> np.uint64(58)
    v = (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
    return np.float64(v >> np.uint64(11)) * _SCALE


@njit(cache=True, nogil=True)
def _jump(s_hi, s_lo, i_hi, i_lo, delta):
    """The state ``delta`` (>= 0) steps on: the LCG's powers by squaring (Brown 1994, "Random number
    generation with arbitrary strides")."""
    zero, one = np.uint64(0), np.uint64(1)
    acc_mul_hi, acc_mul_lo, acc_add_hi, acc_add_lo = zero, one, zero, zero
    cur_mul_hi, cur_mul_lo, cur_add_hi, cur_add_lo = _M_HI, _M_LO, i_hi, i_lo
    while delta > 0:
        if delta & 1:
            acc_mul_hi, acc_mul_lo = _muladd(acc_mul_hi, acc_mul_lo, cur_mul_hi, cur_mul_lo, zero, zero)
            acc_add_hi, acc_add_lo = _muladd(acc_add_hi, acc_add_lo, cur_mul_hi, cur_mul_lo, cur_add_hi, cur_add_lo)
        # (mul + 1) * add, then mul * mul
        cur_add_hi, cur_add_lo = _muladd(cur_mul_hi, cur_mul_lo, cur_add_hi, cur_add_lo, cur_add_hi, cur_add_lo)
        cur_mul_hi, cur_mul_lo = _muladd(cur_mul_hi, cur_mul_lo, cur_mul_hi, cur_mul_lo, zero, zero)
        delta >>= 1
    return _muladd(acc_mul_hi, acc_mul_lo, s_hi, s_lo, acc_add_hi, acc_add_lo)


# ``start`` and ``step`` are inlined into kernels of other modules (``simulation.kernels``): numba's cache of
# those modules does not notice a change here, so clear their ``__pycache__`` after changing these.
@njit(cache=True, nogil=True, inline="always")
def start(words):
    """The generator of ``words`` as (state high, state low, increment high, increment low), for ``step``."""
    return words[1], words[0], words[3], words[2] | np.uint64(1)


@njit(cache=True, nogil=True, inline="always")
def step(s_hi, s_lo, i_hi, i_lo):
    """The next draw of a generator from ``start``: (new state high, new state low, the float64 draw)."""
    s_hi, s_lo = _muladd(s_hi, s_lo, _M_HI, _M_LO, i_hi, i_lo)
    return s_hi, s_lo, _output(s_hi, s_lo)


@njit(cache=True, nogil=True, inline="always")
def draw_at(words, index):
    """Draw number ``index`` (>= 0) of the state ``words``, as ``uniform_at`` gives it, by a jump from the
    start: for a few scattered draws of several states, where a sorted walk would cost more."""
    s_hi, s_lo, i_hi, i_lo = start(words)
    s_hi, s_lo = _jump(s_hi, s_lo, i_hi, i_lo, index + 1)
    return _output(s_hi, s_lo)


@njit(cache=True, nogil=True)
def uniform(words, out):
    """Fill ``out`` (float64) with the first ``len(out)`` draws of the state ``words``: uint64 (state low,
    state high, increment low, increment high), the increment made odd here as numpy makes it."""
    s_hi, s_lo, i_hi, i_lo = start(words)
    for k in range(out.shape[0]):
        s_hi, s_lo, out[k] = step(s_hi, s_lo, i_hi, i_lo)


@njit(cache=True, nogil=True)
def uniform_at(words, index, out):
    """``out[k]`` = draw number ``index[k]`` of the state ``words`` (as ``uniform``), for ascending indices
    (>= 0, repeats allowed). Reaching the next index costs one multiply-add whatever the gap up to
    ``_TABLE`` steps (the draws in between are never made), so the cost follows the number of indices, not
    their range. Returns False, leaving ``out`` unfinished, if an index is negative or the indices are not
    ascending (sorting is the caller's: numba's argsort is several times slower than numpy's)."""
    return _ascending(index) and _uniform_ascending(words, index, out)


@njit(cache=True, nogil=True)
def uniform_segments_at(words, offsets, index, out):
    """Draws of several states laid end to end: segment ``s`` covers positions ``offsets[s]`` to
    ``offsets[s + 1]`` and its position ``p`` is draw number ``p - offsets[s]`` of ``words[s]`` (one row of
    four words per segment, as ``uniform``). ``out[k]`` = the draw at position ``index[k]``, for ascending
    ``index`` (repeats allowed), each draw one multiply-add as in ``uniform_at``. Returns False, leaving
    ``out`` unfinished, if ``index`` is not ascending or outside the segments."""
    n = index.shape[0]
    if not _ascending(index) or (n and (index[0] < offsets[0] or index[n - 1] >= offsets[words.shape[0]])):
        return False
    lo = 0
    for s in range(words.shape[0]):
        hi = lo
        while hi < n and index[hi] < offsets[s + 1]:
            hi += 1
        if hi > lo and not _uniform_ascending(words[s], index[lo:hi] - offsets[s], out[lo:hi]):
            return False
        lo = hi
    return True


@njit(cache=True, nogil=True, inline="always")
def _ascending(index):
    for k in range(1, index.shape[0]):
        if index[k] < index[k - 1]:
            return False
    return True


@njit(cache=True, nogil=True)
def slot_keys(index, slot):
    """For draws at (``index[k]``, ``slot[k]``): the span (largest index + 1), the number of slots (largest
    + 1) and each draw's position ``slot * span + index`` when slot s's draws are laid out from s * span.
    The span is 0 if an index or a slot is negative."""
    span, slots = 0, 0
    for k in range(index.shape[0]):
        if index[k] < 0 or slot[k] < 0:
            return 0, 0, index[:0]
        span, slots = max(span, index[k] + 1), max(slots, slot[k] + 1)
    return span, slots, slot * span + index


@njit(cache=True, nogil=True)
def _uniform_ascending(words, index, out):
    """``uniform_at`` for ascending ``index`` (repeats allowed)."""
    n = index.shape[0]
    if n == 0:
        return True
    if index[0] < 0:
        return False
    s_hi, s_lo, i_hi, i_lo = start(words)
    # Row k: the LCG k steps at once, s -> mul * s + add, as (mul high, mul low, add high, add low); row 0
    # leaves the state as it is (a repeated index gets the same draw).
    zero, one = np.uint64(0), np.uint64(1)
    stride = np.empty((_TABLE + 1, 4), np.uint64)
    stride[0, 0], stride[0, 1], stride[0, 2], stride[0, 3] = zero, one, zero, zero
    stride[1, 0], stride[1, 1], stride[1, 2], stride[1, 3] = _M_HI, _M_LO, i_hi, i_lo
    for k in range(2, _TABLE + 1):
        stride[k, 0], stride[k, 1] = _muladd(_M_HI, _M_LO, stride[k - 1, 0], stride[k - 1, 1], zero, zero)
        stride[k, 2], stride[k, 3] = _muladd(_M_HI, _M_LO, stride[k - 1, 2], stride[k - 1, 3], i_hi, i_lo)
    position = 0  # the number of the next draw
    for k in range(n):
        steps = index[k] - position + 1  # to the state whose output is draw index[k]; 0 for a repeat
        if steps <= _TABLE:
            s_hi, s_lo = _muladd(stride[steps, 0], stride[steps, 1], s_hi, s_lo, stride[steps, 2], stride[steps, 3])
        else:
            s_hi, s_lo = _jump(s_hi, s_lo, i_hi, i_lo, steps)
        out[k] = _output(s_hi, s_lo)
        position = index[k] + 1
    return True
