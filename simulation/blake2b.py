"""BLAKE2b, compiled (numba), for the streams' states: the same digests as ``hashlib.blake2b``, bit for bit.

A stream's generator state for (day, slot) is the 32-byte BLAKE2b digest of ``"<seed>:<key>:<day word>:<slot>"``
(``simulation.streams``). hashlib computes one in about 0.5 us, but a call from Python to get a day's
states also pays for copies, bytes and an array made from them (about 4 us a call, a dozen calls a day).
Here the messages are written and hashed in one compiled loop. Only what the streams need is here:
unkeyed, 32-byte digests, messages of at most one 128-byte block (Saarinen & Aumasson 2015, RFC 7693:
the parameter block, the compression function G and its message schedule). The tests compare the
digests with hashlib's for many prefixes, days and slots.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_IV = np.array(
    [
        0x6A09E667F3BCC908,
        0xBB67AE8584CAA73B,
        0x3C6EF372FE94F82B,
        0xA54FF53A5F1D36F1,
        0x510E527FADE682D1,
        0x9B05688C2B3E6C1F,
        0x1F83D9ABFB41BD6B,
        0x5BE0CD19137E2179,
    ],
    dtype=np.uint64,
)
# The message schedule: the order in which each round reads the 16 message words (rounds 10 and 11
# repeat rows 0 and 1).
_SIGMA = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ],
    dtype=np.int64,
)
BLOCK = 128  # bytes: the longest message hashed here
# The parameter block of an unkeyed 32-byte digest (fanout 1, depth 1), folded into the first word.
_PARAMS = np.uint64(0x01010000 | 32)


@njit(cache=True, nogil=True, inline="always")
def _rotr(x, n):
    return (x >> np.uint64(n)) | (x << np.uint64(64 - n))


@njit(cache=True, nogil=True, inline="always")
def _mix(a, b, c, d, x, y):
    """The function G: four words of the working vector mixed with message words x and y."""
    a = a + b + x
    d = _rotr(d ^ a, 32)
    c = c + d
    b = _rotr(b ^ c, 24)
    a = a + b + y
    d = _rotr(d ^ a, 16)
    c = c + d
    b = _rotr(b ^ c, 63)
    return a, b, c, d


@njit(cache=True, nogil=True)
def digest_one_block(block, length, out):
    """The first four words of BLAKE2b-256 of the message ``block[:length]`` (``block``: 128 uint8, zero after
    the message; ``length`` <= 128), written to ``out`` (4 uint64): the digest's 32 bytes, little-endian."""
    _compress(block, length, out, np.empty(16, np.uint64))


@njit(cache=True, nogil=True, inline="always")
def _compress(block, length, out, m):
    """``digest_one_block`` with a scratch array ``m`` (16 uint64) for the message words. The working
    vector is sixteen local words (kept in registers), v0 .. v15."""
    for i in range(16):
        word = np.uint64(0)
        for b in range(8):
            word |= np.uint64(block[8 * i + b]) << np.uint64(8 * b)
        m[i] = word
    v0, v1, v2, v3, v4, v5, v6, v7 = _IV[0] ^ _PARAMS, _IV[1], _IV[2], _IV[3], _IV[4], _IV[5], _IV[6], _IV[7]
    v8, v9, v10, v11, v12, v13, v14, v15 = _IV[0], _IV[1], _IV[2], _IV[3], _IV[4], _IV[5], _IV[6], _IV[7]
    v12 ^= np.uint64(length)  # the byte count (its high word stays 0)
    v14 = ~v14  # the last block
    for r in range(12):
        s = _SIGMA[r % 10]
        v0, v4, v8, v12 = _mix(v0, v4, v8, v12, m[s[0]], m[s[1]])
        v1, v5, v9, v13 = _mix(v1, v5, v9, v13, m[s[2]], m[s[3]])
        v2, v6, v10, v14 = _mix(v2, v6, v10, v14, m[s[4]], m[s[5]])
        v3, v7, v11, v15 = _mix(v3, v7, v11, v15, m[s[6]], m[s[7]])
        v0, v5, v10, v15 = _mix(v0, v5, v10, v15, m[s[8]], m[s[9]])
        v1, v6, v11, v12 = _mix(v1, v6, v11, v12, m[s[10]], m[s[11]])
        v2, v7, v8, v13 = _mix(v2, v7, v8, v13, m[s[12]], m[s[13]])
        v3, v4, v9, v14 = _mix(v3, v4, v9, v14, m[s[14]], m[s[15]])
    out[0] = _IV[0] ^ _PARAMS ^ v0 ^ v8  # the state after the block: the start, v[i] and v[i + 8]
    out[1] = _IV[1] ^ v1 ^ v9
    out[2] = _IV[2] ^ v2 ^ v10
    out[3] = _IV[3] ^ v3 ^ v11


@njit(cache=True, nogil=True, inline="always")
def _write_decimal(block, at, value):
    """``value`` (int64) in decimal ASCII at ``block[at:]``, as Python's ``%d`` writes it; returns the end."""
    if value < 0:
        block[at] = 45  # "-"
        at += 1
    magnitude = np.uint64(0) - np.uint64(value) if value < 0 else np.uint64(value)  # (the most negative too)
    end, rest = at + 1, magnitude // np.uint64(10)
    while rest:  # the number of digits
        end += 1
        rest //= np.uint64(10)
    k, rest = end, magnitude
    while k > at:  # the digits, last first
        k -= 1
        block[k] = np.uint8(48 + rest % np.uint64(10))
        rest //= np.uint64(10)
    return end


@njit(cache=True, nogil=True)
def stream_words(prefix, word, slots, out):
    """BLAKE2b-256 of ``prefix + b"%d:%d" % (word, slot)`` for each slot, written to ``out``: one row of four
    uint64 words each (``prefix``: uint8, at most 86 bytes, so that every message fits one block). The
    caller makes ``out``: an array returned from compiled code costs more than the hashing here."""
    if prefix.shape[0] > BLOCK - 42:  # two int64 in decimal with signs and a colon: at most 41 bytes
        raise ValueError("stream_words: the prefix is too long for one block")
    if out.shape[0] != slots.shape[0] or out.shape[1] != 4:
        raise ValueError("stream_words: out needs a row of four words per slot")
    block = np.zeros(BLOCK, np.uint8)
    m = np.empty(16, np.uint64)
    block[: prefix.shape[0]] = prefix
    head = _write_decimal(block, prefix.shape[0], word)
    block[head] = 58  # ":"
    for k in range(slots.shape[0]):
        end = _write_decimal(block, head + 1, slots[k])
        _compress(block, end, out[k], m)
        block[head + 1 : end] = 0  # the next slot's digits start from zeros


@njit(cache=True, nogil=True)
def streams_words(prefixes, lengths, word, stream_of, slots, out):
    """``stream_words`` of several streams in one call: row ``d`` of ``out`` is BLAKE2b-256 of
    ``prefixes[p, :lengths[p]] + b"%d:%d" % (word, slots[d])`` with ``p = stream_of[d]`` (``prefixes``: one
    padded uint8 row per stream, each at most 86 bytes)."""
    if prefixes.shape[1] > BLOCK - 42:
        raise ValueError("streams_words: a prefix is too long for one block")
    if out.shape[0] != slots.shape[0] or stream_of.shape[0] != slots.shape[0] or out.shape[1] != 4:
        raise ValueError("streams_words: out needs a row of four words per slot, stream_of a stream per slot")
    block = np.zeros(BLOCK, np.uint8)
    m = np.empty(16, np.uint64)
    for d in range(slots.shape[0]):
        p = stream_of[d]
        block[:] = 0
        block[: lengths[p]] = prefixes[p, : lengths[p]]
        head = _write_decimal(block, lengths[p], word)
        block[head] = 58  # ":"
        end = _write_decimal(block, head + 1, slots[d])
        _compress(block, end, out[d], m)
