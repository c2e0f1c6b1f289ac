"""Where things are drawn: compounds, buildings and residents, computed once per structure.

Compounds sit on a grid (one cell each), buildings on a sub-grid inside their
compound, residents on a sunflower spiral around their building. Large
communities are sampled (a fixed, seeded sample) so the picture stays light;
the layout is cached by structure, and each frame only recolours the dots.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from simulation.app.adapter import Structure

MAX_DOTS = 3000  # residents drawn at most; more are sampled
GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))
PAD = 0.08  # gap between compound cells


@dataclass(frozen=True)
class Layout:
    shown: np.ndarray  # resident indices drawn (sorted)
    x: np.ndarray  # per shown resident
    y: np.ndarray
    compound_box: np.ndarray  # (compounds, 4): x0, y0, x1, y1
    building_xy: np.ndarray  # (buildings, 2)
    grid_cols: int
    grid_rows: int
    n: int  # all residents

    @property
    def sampled(self) -> bool:
        return len(self.shown) < self.n


_CACHE: dict[tuple, Layout] = {}


def _key(s: Structure, max_dots: int) -> tuple:
    digest = hashlib.blake2b(np.ascontiguousarray(s.building).tobytes(), digest_size=16).hexdigest()
    return (s.n, s.n_buildings, s.n_compounds, s.n_communities, digest, max_dots)


def layout_for(s: Structure, max_dots: int = MAX_DOTS) -> Layout:
    """The layout of structure ``s`` (cached: the same structure gives the same object)."""
    key = _key(s, max_dots)
    if key not in _CACHE:
        _CACHE[key] = compute_layout(s, max_dots)
    return _CACHE[key]


def compute_layout(s: Structure, max_dots: int = MAX_DOTS) -> Layout:
    n_comp = max(1, s.n_compounds)
    cols = max(1, math.ceil(math.sqrt(n_comp * 1.5)))  # wider than tall: a projector screen
    rows = math.ceil(n_comp / cols)
    k = np.arange(n_comp)
    x0 = (k % cols).astype(float) + PAD
    y0 = (rows - 1 - k // cols).astype(float) + PAD
    box = np.stack([x0, y0, x0 + 1 - 2 * PAD, y0 + 1 - 2 * PAD], axis=1)

    # Buildings on a sub-grid inside their compound.
    bc = s.building_compound
    per = np.bincount(bc, minlength=n_comp)
    first = np.searchsorted(bc, np.arange(n_comp))
    rank = np.arange(s.n_buildings) - first[bc]
    sub = np.maximum(1, np.ceil(np.sqrt(per[bc])).astype(int))
    cell = (1 - 2 * PAD) / sub
    bx = box[bc, 0] + (rank % sub + 0.5) * cell
    by = box[bc, 3] - (rank // sub + 0.5) * cell
    building_xy = np.stack([bx, by], axis=1)

    # A fixed sample of residents for large communities (same structure, same sample).
    if s.n > max_dots:
        shown = np.sort(np.random.default_rng(12345).choice(s.n, size=max_dots, replace=False))
    else:
        shown = np.arange(s.n)
    b = s.building[shown].astype(np.int64)
    order = np.argsort(b, kind="stable")
    sorted_b = b[order]
    pos = np.arange(len(b)) - np.searchsorted(sorted_b, sorted_b, side="left")
    within = np.empty(len(b), np.int64)
    within[order] = pos
    count = np.bincount(b, minlength=s.n_buildings)[b]
    radius = 0.42 * cell[b]
    r = radius * np.sqrt((within + 0.5) / np.maximum(count, 1))
    angle = within * GOLDEN_ANGLE
    x = building_xy[b, 0] + r * np.cos(angle)
    y = building_xy[b, 1] + r * np.sin(angle)
    return Layout(shown, x, y, box, building_xy, cols, rows, s.n)
