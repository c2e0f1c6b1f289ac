"""Canonical reductions (docs/ODD.md §4.13): thin wrappers that run the real model.

Each wrapper builds a scenario that switches off every driver but one, runs
``CommunityModel`` itself and returns the outcome; nothing is re-implemented
here. Known results these must reproduce:

- ``watts_cascade``: Watts (2002) threshold cascades on Erdős–Rényi networks
  (a cascade window in mean degree);
- ``granovetter``: Granovetter's (1978) riot model on a complete network;
- ``degroot``: DeGroot (1974) averaging; trust converges to the
  left-eigenvector-weighted mean of the starting trust.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.model import CommunityModel
from simulation.population import T_COMMUNITY
from simulation.scenario import Drivers, Scenario


def only_drivers(scn: Scenario, *keep: str, **overrides) -> Scenario:
    """``scn`` with every daily driver off except ``keep`` (plus dotted overrides)."""
    changes = {f"drivers.{d}": d in keep for d in Drivers.model_fields}
    changes["burn_in_days"] = 0  # the reductions start from their initial conditions
    changes.update(overrides)
    return scn.override(changes, source="validation")


def _threshold_scenario(n: int, **overrides) -> Scenario:
    return only_drivers(
        Scenario(),
        "influence",
        **{
            "community.adults": n,
            "influence.direct": True,
            "influence.threshold_sd": 0.0,
            "influence.party_invites": 0.0,
            "engagement.permanent": True,
            **overrides,
        },
    )


def run_to_rest(model: CommunityModel, max_days: int = 1000) -> CommunityModel:
    """Step until the number engaged stops changing (or ``max_days``)."""
    before = int(model.pop.engaged.sum())
    for _ in range(max_days):
        model.step()
        now = int(model.pop.engaged.sum())
        if now == before:
            break
        before = now
    return model


def watts_cascade(n: int, mean_degree: float, phi: float, seed: int) -> float:
    """Final engaged share after one random initial adopter (Watts 2002).

    Erdős–Rényi network with ``mean_degree``; everyone's threshold is ``phi``
    (share of acquaintances engaged); engagement is permanent and spreads only
    by the threshold rule.
    """
    scn = _threshold_scenario(
        n,
        **{
            "network.kind": "erdos_renyi",
            "network.mean_degree": float(mean_degree),
            "influence.threshold_mean": float(phi),
            "engagement.seed_residents": 1,
        },
    )
    model = run_to_rest(CommunityModel(scenario=scn, rng=seed))
    return float(model.pop.engaged.mean())


def granovetter(thresholds: Sequence[int], seed: int = 0) -> int:
    """Final number engaged on a complete network with thresholds given as counts (Granovetter 1978).

    Resident i engages once at least ``thresholds[i]`` others have.
    """
    t = np.asarray(thresholds, dtype=float)
    n = len(t)
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "population.csv"
        # A count k of n - 1 acquaintances is the share k / (n - 1).
        pd.DataFrame({"threshold": np.clip(t / max(n - 1, 1), 0.0, 1.0)}).to_csv(table, index=False)
        scn = _threshold_scenario(n, **{"network.kind": "complete", "population.table": str(table)})
        model = CommunityModel(scenario=scn, rng=seed)
    return int(run_to_rest(model).pop.engaged.sum())


def degroot(
    edges: Sequence[tuple[int, int]],
    weights: Sequence[float],
    x0: Sequence[float],
    days: int,
    rate: float | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Trust in the community after ``days`` of word of mouth only (DeGroot averaging).

    ``edges`` are undirected pairs of resident indices with ``weights`` in
    (0, 1]; ``x0`` is each resident's starting trust (0..1).
    """
    x0 = np.asarray(x0, dtype=float)
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    with tempfile.TemporaryDirectory() as tmp:
        edge_file, table = Path(tmp) / "edges.csv", Path(tmp) / "population.csv"
        pd.DataFrame({"source": e[:, 0], "target": e[:, 1], "weight": np.asarray(weights, float)}).to_csv(
            edge_file, index=False
        )
        pd.DataFrame({"trust_community": x0}).to_csv(table, index=False)
        extra = {"word_of_mouth.rate": float(rate)} if rate is not None else {}
        scn = only_drivers(
            Scenario(),
            "word_of_mouth",
            **{
                "community.adults": len(x0),
                "network.kind": "edge_list",
                "network.path": str(edge_file),
                "population.table": str(table),
                # Pure averaging: no forgetting pulls trust back to where it started.
                "trust.institution_forgetting": 0.0,
                "trust.forgetting": 0.0,
                **extra,
            },
        )
        model = CommunityModel(scenario=scn, rng=seed)
    model.run_for(days)
    return model.pop.trust[:, T_COMMUNITY].astype(float)
