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

from simulation import pcg64
from simulation.blake2b import stream_words, streams_words


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

    __slots__ = ("name", "seed", "_key", "offset", "_prefix")

    def __init__(self, name: str, seed: int, offset: int = 0):
        self.name = name
        self.seed = int(seed)
        self._key = _name_key(name)
        self.offset = int(offset)  # burn-in days: simulated day d (d >= 1 - offset) is step d + offset
        # What every state's message starts with (at most 42 bytes: two 64-bit numbers and two colons).
        self._prefix = np.frombuffer(f"{self.seed & 0xFFFFFFFFFFFFFFFF}:{self._key}:".encode(), np.uint8)

    def state(self, day: int, slot: int = 0) -> np.ndarray:
        """The PCG64 state of (day, slot), hashed from the inputs: four uint64 words (the 128-bit state,
        low word first, then the increment, made odd where it is used); ``words`` for one slot."""
        return self.words(day, range(slot, slot + 1))[0]

    def _day_word(self, day: int) -> int:
        # Word 0 is the set-up; simulated days count from 1 after the set-up (burn-in days included),
        # so day d is word d + offset + 1 >= 1.
        word = 0 if day == SETUP_DAY else int(day) + self.offset + 1
        if word < 0 or (word == 0 and day != SETUP_DAY):
            raise ValueError(f"stream {self.name!r}: day {day} is before the first simulated day")
        return word

    def generator(self, day: int, slot: int = 0) -> np.random.Generator:
        """A fresh numpy generator for (day, slot), at the state the stream's draws start from: its
        ``random()`` gives ``uniform``'s draws; identical for identical inputs."""
        lo, hi, inc_lo, inc_hi = (int(w) for w in self.state(day, slot))
        bits = np.random.PCG64(0)
        bits.state = {
            "bit_generator": "PCG64",
            "state": {"state": hi << 64 | lo, "inc": (inc_hi << 64 | inc_lo) | 1},
            "has_uint32": 0,
            "uinteger": 0,
        }
        return np.random.Generator(bits)

    def uniform(self, day: int, n: int, slot: int = 0, out: np.ndarray | None = None) -> np.ndarray:
        """n uniform draws in [0, 1), one per index 0..n-1 (float64); written into ``out`` (n float64,
        contiguous) when given, so that many draws can be laid end to end without a copy."""
        if out is None:
            out = np.empty(n)
        elif out.shape != (n,):
            raise ValueError(f"stream {self.name!r}: out has shape {out.shape}, not ({n},)")
        pcg64.uniform(self.state(day, slot), out)
        return out

    def uniform_at(self, day: int, index: np.ndarray, slot: int = 0) -> np.ndarray:
        """The draws of ``uniform(day, n, slot)`` at ``index`` (integers >= 0, any order, repeats allowed;
        any n above the largest): the generator goes from one wanted draw to the next in one step (or a
        jump over a long gap), so the cost follows the number of indices, not their range."""
        index = np.asarray(index)
        if index.dtype != np.int64 and index.dtype != np.int32:
            index = index.astype(np.int64)
        out = np.empty(index.shape)
        words = self.state(day, slot)
        flat, drawn = (index, out) if index.ndim == 1 else (index.reshape(-1), out.reshape(-1))
        if pcg64.uniform_at(words, flat, drawn):
            return out
        if flat.min() < 0:
            raise ValueError(f"stream {self.name!r}: a negative index ({int(flat.min())}) has no draw")
        order = np.argsort(flat)  # not ascending: draw in ascending order (equal indices, equal draws)
        pcg64.uniform_at(words, flat[order], drawn)
        drawn[order] = drawn.copy()
        return out

    def uniform_by_slot(self, day: int, index: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """``out[k]`` = the draw of ``uniform(day, n, slot[k])`` at ``index[k]``, for a few slots (0 .. the
        largest given) at once: one sort and one compiled pass instead of a call per slot."""
        index, slot = np.asarray(index, np.int64), np.asarray(slot, np.int64)
        out = np.empty(len(index))
        if len(index) == 0:
            return out
        # Slot s's draws laid out from s * span: one ascending list of positions covers every slot.
        span, n_slots, key = pcg64.slot_keys(index, slot)
        if span == 0:
            raise ValueError(f"stream {self.name!r}: indices and slots must be >= 0")
        order = np.argsort(key)
        pcg64.uniform_segments_at(self.words(day, range(n_slots)), np.arange(n_slots + 1) * span, key[order], out)
        out[order] = out.copy()
        return out

    def words(self, day: int, slots) -> np.ndarray:
        """The generator states of (day, slot) for each slot, a row of four uint64 words each, for compiled
        code that draws as ``uniform`` does (``simulation.pcg64.start`` and ``step``): the BLAKE2b-256
        digests of ``b"<seed>:<name key>:<day word>:<slot>"``, read as little-endian words, made in one
        compiled call (``simulation.blake2b``, the digests of ``hashlib.blake2b``)."""
        slots = _slot_range(slots) if type(slots) is range else np.asarray(slots, np.int64)
        out = np.empty((slots.shape[0], 4), np.uint64)
        stream_words(self._prefix, self._day_word(day), slots, out)
        return out

    def uniform_segments_at(self, day: int, slots, offsets: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Several slots' draws laid end to end, ``uniform(day, offsets[s + 1] - offsets[s], slots[s])`` for
        segment ``s``, taken at the positions ``index`` (ascending, within the segments) only."""
        index = np.asarray(index, np.int64)
        out = np.empty(len(index))
        if not pcg64.uniform_segments_at(self.words(day, slots), np.asarray(offsets, np.int64), index, out):
            raise ValueError(f"stream {self.name!r}: positions must be ascending and within the segments")
        return out


_SLOT_RANGES: dict[range, np.ndarray] = {}


def _slot_range(slots: range) -> np.ndarray:
    """The slots of a range as an int64 array, kept (read only) for short ranges: the phases ask for the
    same few every day. (At most 4,096 kept, of at most 64 slots each.)"""
    array = _SLOT_RANGES.get(slots)
    if array is None:
        array = np.arange(slots.start, slots.stop, slots.step, dtype=np.int64)
        if len(array) <= 64 and len(_SLOT_RANGES) < 4096:
            array.flags.writeable = False
            _SLOT_RANGES[slots] = array
    return array


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

    def words_of(self, day: int, requests: tuple[tuple[str, range], ...]) -> list[np.ndarray]:
        """``self[name].words(day, slots)`` for each ``(name, slots)`` of ``requests`` (slots: a range), hashed
        in one compiled call: for a phase that draws from several streams each day (about 2.5 us a stream
        asked for alone, 0.3 us a state here). The layout of a ``requests`` is made once and kept."""
        plans = self.__dict__.setdefault("_plans", {})  # (a registry restored from an older snapshot has none)
        try:
            plan = plans.get(requests)
        except TypeError:  # not hashable: not ranges (``_plan`` says so)
            plan = self._plan(requests)
        if plan is None:
            plan = plans[requests] = self._plan(requests)
        prefixes, lengths, stream_of, slots, bounds, first = plan
        out = np.empty((slots.shape[0], 4), np.uint64)
        streams_words(prefixes, lengths, first._day_word(day), stream_of, slots, out)  # (one day word: one offset)
        return [out[a:b] for a, b in bounds]

    def _plan(self, requests: tuple[tuple[str, range], ...]) -> tuple:
        """The prefixes (padded rows), their lengths, each state's stream and slot, each request's rows."""
        streams = [self[name] for name, _ in requests]
        if not streams or any(type(slots) is not range for _, slots in requests):
            raise ValueError("words_of: give one or more (stream name, range of slots) pairs")
        width = max(len(st._prefix) for st in streams)
        prefixes = np.zeros((len(streams), width), np.uint8)
        for k, st in enumerate(streams):
            prefixes[k, : len(st._prefix)] = st._prefix
        lengths = np.array([len(st._prefix) for st in streams], np.int64)
        sizes = [len(slots) for _, slots in requests]
        stream_of = np.repeat(np.arange(len(streams), dtype=np.int64), sizes)
        slots = np.concatenate([_slot_range(r) for _, r in requests]) if sum(sizes) else np.empty(0, np.int64)
        ends = np.cumsum(sizes).tolist()
        bounds = list(zip([0, *ends[:-1]], ends, strict=True))
        return prefixes, lengths, stream_of, slots, bounds, streams[0]


# Set-up draws (population, network, an intervention's selections) use this day, which no simulated
# day can be (burn-in days are negative), so they never collide with a simulated day's draws.
SETUP_DAY = -(1 << 40)
