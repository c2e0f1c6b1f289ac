"""Named random streams for common random numbers (docs/ARCHITECTURE.md; ODD §4.9).

Every stochastic decision draws from its own stream. A stream's draws for a
given day depend only on ``(seed, stream name, day, slot)``, never on how
many numbers other streams (or earlier days) consumed. A stream draws one
number per index (resident, household, ...) per call, so two scenarios that
share a decision share its draws for every index, and paired differences
measure the intervention rather than noise.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> int:
    # A stable 64-bit key: Python's hash() is salted per process, so it would
    # break reproducibility across runs and worker processes.
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


# Slots derived from names start above any positional slot a scenario can need.
_NAMED_SLOT_BASE = 1 << 24


def stable_slot(name: str) -> int:
    """A slot number fixed by a name (e.g. "model_households:17"), the same in every run and process."""
    return _NAMED_SLOT_BASE + (_name_key(name) % (1 << 32))


class Stream:
    """One named stream; ``uniform(day, n)`` gives n draws in [0, 1).

    ``slot`` separates several independent draws of the same decision on the
    same day (for example a second column of choices).
    """

    __slots__ = ("name", "seed", "_key", "offset", "_prefix", "_bits", "_gen")

    def __init__(self, name: str, seed: int, offset: int = 0):
        self.name = name
        self.seed = int(seed)
        self._key = _name_key(name)
        self.offset = int(offset)  # burn-in days: simulated day d (d >= 1 - offset) is step d + offset
        self._prefix = f"{self.seed & 0xFFFFFFFFFFFFFFFF}:{self._key}:".encode()
        # One bit generator, re-seeded for every (day, slot): setting a PCG64 state from a hash of the
        # inputs is several times cheaper than building a generator through SeedSequence each draw.
        self._bits = np.random.PCG64(0)
        self._gen = np.random.Generator(self._bits)

    def _state(self, day: int, slot: int) -> dict:
        """The PCG64 state of (day, slot): a 128-bit state and an odd increment hashed from the inputs."""
        # Word 0 is the set-up; simulated days count from 1 after the set-up (burn-in days included),
        # so day d is word d + offset + 1 >= 1.
        word = 0 if day == SETUP_DAY else int(day) + self.offset + 1
        if word < 0 or (word == 0 and day != SETUP_DAY):
            raise ValueError(f"stream {self.name!r}: day {day} is before the first simulated day")
        h = hashlib.blake2b(self._prefix + f"{word}:{int(slot)}".encode(), digest_size=32).digest()
        state = int.from_bytes(h[:16], "little")
        inc = int.from_bytes(h[16:], "little") | 1
        return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}

    def generator(self, day: int, slot: int = 0) -> np.random.Generator:
        """A fresh generator for (day, slot); identical for identical inputs."""
        bits = np.random.PCG64(0)
        bits.state = self._state(day, slot)
        return np.random.Generator(bits)

    def uniform(self, day: int, n: int, slot: int = 0, out: np.ndarray | None = None) -> np.ndarray:
        """n uniform draws in [0, 1), one per index 0..n-1 (float64); written into ``out`` (n float64,
        contiguous) when given, so that many draws can be laid end to end without a copy."""
        self._bits.state = self._state(day, slot)
        if out is None:
            return self._gen.random(n)
        if out.shape != (n,):
            raise ValueError(f"stream {self.name!r}: out has shape {out.shape}, not ({n},)")
        return self._gen.random(out=out)

    def uniform_at(self, day: int, index: np.ndarray, slot: int = 0) -> np.ndarray:
        """The draws of ``uniform(day, n, slot)`` at ``index`` (any n above its largest entry), generating
        only the spans the indices fall in: the bit generator jumps over the draws before each span
        (``advance``), so a few hundred residents among a million cost a few hundred draws."""
        index = np.asarray(index, np.int64)
        if index.size == 0:
            return np.empty(0)
        lo, hi = int(index.min()), int(index.max()) + 1
        if hi - lo <= _ONE_SPAN or index.size * 8 > hi - lo:  # short or dense enough: one span
            return self._span(day, slot, lo, hi)[index - lo]
        # Clusters of indices separated by gaps longer than _SPAN_GAP draws each get their own span, drawn in
        # one pass: the state is set once and the bit generator jumps over each gap.
        order = np.argsort(index, kind="stable")
        ordered = index[order]
        cut = np.flatnonzero(np.diff(ordered) > _SPAN_GAP) + 1
        bounds = np.concatenate([[0], cut, [index.size]]).tolist()
        self._bits.state = self._state(day, slot)
        position = 0
        out = np.empty(index.size)
        for k in range(len(bounds) - 1):
            part = slice(bounds[k], bounds[k + 1])
            first, last = int(ordered[bounds[k]]), int(ordered[bounds[k + 1] - 1]) + 1
            if first > position:
                self._bits.advance(first - position)  # one 64-bit step per float64 draw
            out[order[part]] = self._gen.random(last - first)[ordered[part] - first]
            position = last
        return out

    def _span(self, day: int, slot: int, lo: int, hi: int) -> np.ndarray:
        """Draws lo .. hi - 1 of (day, slot)."""
        self._bits.state = self._state(day, slot)
        if lo:
            self._bits.advance(lo)  # one 64-bit step per float64 draw
        return self._gen.random(hi - lo)


# Draws skipped rather than generated when the indices leave a gap this long: a span of its own (a jump, a
# call and the indexing, about 7 us) costs about as much as generating a couple of thousand numbers
# (measured: gaps of 256-1,024 were up to 2.8x slower on scattered indices, 4,096 no faster).
_SPAN_GAP = 2048
# Spans up to this long are generated whole: looking for gaps (a sort and a split) costs more than
# generating them (measured: at 3,000-32,000 draws one span was as fast or up to 2x faster).
_ONE_SPAN = 32_768


class Streams:
    """The model's registry of named streams, created on first use.

    ``names()`` lists the streams used so far, so tests can check that an
    intervention draws only from streams of its own.
    """

    def __init__(self, seed: int, offset: int = 0):
        self.seed = int(seed)
        self.offset = int(offset)  # burn-in days before day 1
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        """The stream of this name (created on first use; ``names()`` lists those used)."""
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(name, self.seed, self.offset)
        return stream

    def names(self) -> list[str]:
        return sorted(self._streams)


# Set-up draws (population, network, an intervention's selections) use this day, which no simulated
# day can be (burn-in days are negative), so they never collide with a simulated day's draws.
SETUP_DAY = -(1 << 40)
