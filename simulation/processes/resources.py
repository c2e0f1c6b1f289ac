"""Phase 10, resources: the community pool of venue hours, funds and volunteer hours.

Each community's pool is refilled every 30 days with what the committee
and the organisations that joined the pool offer (plus registered Party
members' volunteer hours). Activities take from it (``ResourcePool.take``);
an activity the pool cannot cover is cancelled. Use and offer are recorded
daily for ``resource_utilization`` (used / available, last 30 days).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.kernels import pay_in_order, record_use, used_share

if TYPE_CHECKING:
    from simulation.model import CommunityModel

KINDS = ("venue_hours", "funds", "volunteer_hours")
MONTH = 30


class ResourcePool:
    """Monthly offers and what is left, per community and kind."""

    def __init__(self, n_communities: int, days: int = MONTH):
        self.offer = np.zeros((n_communities, 3))  # per month
        self.left = np.zeros((n_communities, 3))
        self.used_today = np.zeros(3)
        self.used = np.zeros((days, 3))  # ring buffer of daily use
        self.available = np.zeros((days, 3))  # ring buffer of daily offer (monthly / 30)
        self.cancelled = 0
        self.limited = True  # False when the resources driver is off: nothing is ever short
        self.extra = np.zeros((n_communities, 3))  # monthly offers interventions bring, per community
        self.reserve = np.zeros(n_communities)  # funds kept for repairs this month (consultations decide)

    def add_offer(self, venue_hours: float = 0.0, funds: float = 0.0, volunteer_hours: float = 0.0) -> None:
        """Resources an intervention brings to every community's pool each month (its own budget)."""
        self.extra += np.array([venue_hours, funds, volunteer_hours], dtype=float)

    def refill(self) -> None:
        self.left[:] = self.offer
        self.reserve[:] = 0.0

    def reserve_for_repairs(self, community: int, share: float) -> None:
        """Keep ``share`` of the community's monthly funds for repairs until the next refill."""
        want = share * self.offer[community, 1]
        self.reserve[community] = min(self.left[community, 1], max(self.reserve[community], want))

    def take(self, community: int, venue: float, funds: float, volunteers: float) -> bool:
        """An activity's needs, if the pool has them (funds reserved for repairs excepted)."""
        # Scalar arithmetic (float64, as the arrays'): a day can hold hundreds of activities, and three-element
        # array operations cost several times more.
        left = self.left[community]
        v, f, w = left.tolist()
        if self.limited and (v + 1e-9 < venue or (f - self.reserve[community]) + 1e-9 < funds or w + 1e-9 < volunteers):
            return False
        left[0], left[1], left[2] = v - venue, f - funds, w - volunteers
        used = self.used_today
        used[0] += venue
        used[1] += funds
        used[2] += volunteers
        return True

    def pay(self, communities: np.ndarray, funds: float) -> np.ndarray:
        """Pay ``funds`` yuan for each entry (in order) from its community's pool; False where it is short."""
        communities = np.asarray(communities, np.int64)
        if not self.limited:
            self.used_today[1] += funds * len(communities)
            return np.ones(len(communities), bool)
        if len(communities) and not 0 <= communities.min() <= communities.max() < self.left.shape[0]:
            raise IndexError(f"pay: communities must be in 0..{self.left.shape[0] - 1}")
        # One compiled pass: an entry pays if its community's earlier entries and it fit the funds left.
        return pay_in_order(communities, float(funds), self.left, self.reserve, self.used_today)

    def record(self, day: int) -> None:
        # The day's use and the daily offer into the rings, in one compiled pass.
        record_use(self.used, self.available, self.used_today, self.offer, day % self.used.shape[0], float(MONTH))

    def utilization(self) -> float:
        """Mean over kinds offered of used / available in the window, in [0, 1]."""
        return used_share(self.used, self.available)


def resources(model: CommunityModel, day: int) -> None:
    """Record the day's use; refill at the end of days 30, 60, ... (for the month to come).

    The refill takes the offers of the pool's members. With ``drivers.resources``
    off the pool is unlimited (``ResourcePool.limited``), but use is still recorded.
    """
    if day % MONTH == 0:  # the end of a month; the set-up filled the first
        model.pool.offer[:] = model.resource_offers()
        model.pool.refill()
    model.pool.record(day)
