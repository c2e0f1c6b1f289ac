"""The idiomatic Mesa reference: one agent object per resident stepping itself, two trivial rules.

Each resident agent holds its acquaintances (a Watts-Strogatz graph from
networkx) and, every step, (1) engages when the share of engaged
acquaintances reaches its threshold (Watts 2002) and (2) moves its trust a
share of the way to its acquaintances' mean trust (DeGroot averaging). Agents
step in a random order (``AgentSet.shuffle_do``), the usual Mesa way. This is
what our vectorised model is compared against per resident-day; it is not a
test. Usage::

    python benchmarks/reference_mesa.py [--adults 3000] [--days 100]
"""

from __future__ import annotations

import argparse
import json
import time

import mesa
import networkx as nx


class Resident(mesa.Agent):
    """A resident with a threshold, an engagement flag and a trust level (0..1)."""

    def __init__(self, model: ReferenceModel, threshold: float, trust: float):
        super().__init__(model)
        self.threshold = threshold
        self.trust = trust
        self.engaged = False
        self.acquaintances: list[Resident] = []

    def step(self) -> None:
        if not self.acquaintances:
            return
        engaged = sum(a.engaged for a in self.acquaintances) / len(self.acquaintances)
        if engaged >= self.threshold:
            self.engaged = True
        mean = sum(a.trust for a in self.acquaintances) / len(self.acquaintances)
        self.trust += self.model.rate * (mean - self.trust)


class ReferenceModel(mesa.Model):
    def __init__(self, adults: int = 3000, degree: int = 6, rewire: float = 0.1, rate: float = 0.02, rng: int = 1):
        super().__init__(rng=rng)
        self.rate = rate
        graph = nx.watts_strogatz_graph(adults, degree, rewire, seed=rng)
        people = [Resident(self, float(self.rng.normal(0.25, 0.1)), float(self.rng.random())) for _ in range(adults)]
        for i, person in enumerate(people):
            person.acquaintances = [people[j] for j in graph.neighbors(i)]
        for person in self.rng.choice(people, size=max(1, adults // 100), replace=False):
            person.engaged = True

    def step(self) -> None:
        self.agents.shuffle_do("step")


def ns_per_resident_day(adults: int, days: int, seed: int = 1) -> float:
    model = ReferenceModel(adults=adults, rng=seed)
    t0 = time.perf_counter()
    model.run_for(days)
    return (time.perf_counter() - t0) / (days * adults) * 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adults", type=int, nargs="+", default=[3_000, 100_000])
    ap.add_argument("--days", type=int, default=30)
    args = ap.parse_args()
    out = {n: round(ns_per_resident_day(n, args.days), 1) for n in args.adults}
    print(json.dumps({"benchmark": "reference_mesa", "days": args.days, "ns_per_resident_day": out}, indent=2))


if __name__ == "__main__":
    main()
