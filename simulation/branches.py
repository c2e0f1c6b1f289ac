"""Compound Party branches (小区党支部) as arrays: members and strength; the agents are views.

A branch's strength (0..1) is how well it organises its members: it scales
the personal invitations Party members make (influence), the relay of
neighbours' issues (the reporting channel), the branch's brokering between
residents and the property company (casework), and the volunteer hours its
registered members give the pool (dual reporting, 双报到). Interventions that
work through the branch (model households, dual reporting, four-party teams)
strengthen it (``strengthen``).
"""

from __future__ import annotations

import numpy as np

from simulation.state import declared


class BranchTable:
    """One row per compound: its Party branch."""

    def __init__(self, members: np.ndarray, strength: float):
        states = declared("branches")
        self.members = np.asarray(members, states["members"].dtype)
        self.strength = np.full(len(members), strength, states["strength"].dtype)

    def __len__(self) -> int:
        return len(self.members)

    def mobilised(self, compound: np.ndarray) -> np.ndarray:
        """Strength of the branch of each compound given (0..1)."""
        return self.strength[compound]

    # -- verbs -------------------------------------------------------------------
    def strengthen(self, amount: float, compounds: np.ndarray | None = None) -> None:
        """Raise branch strength by ``amount`` (capped at 1): training, registration, backing from above."""
        rows = slice(None) if compounds is None else compounds
        self.strength[rows] = np.minimum(1.0, self.strength[rows] + amount)
