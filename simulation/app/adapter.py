"""Everything the app reads from a model, in one place.

The model core is being refactored; the app touches it only through these
functions, so a change of attribute names is fixed here alone. Each returns
plain numpy arrays or Python values and never changes the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.interventions import INTERVENTIONS
from simulation.model import CommunityModel
from simulation.scenario import DOMAINS

# Issue stages (simulation.processes.issues): 0 unreported, 1 in transit, 2 queued, 3 closed.
UNREPORTED, IN_TRANSIT, QUEUED, CLOSED = 0, 1, 2, 3
# Columns of pop.trust.
TRUST_COLUMNS = ("community", "government", "property", "ngo", "neighbours")
HANDLER_KINDS = ("committee", "property_management", "government")


@dataclass(frozen=True)
class Structure:
    """Where residents live (fixed for a run)."""

    n: int
    building: np.ndarray  # per resident
    compound: np.ndarray  # per resident
    community: np.ndarray  # per resident
    household: np.ndarray  # per resident
    n_buildings: int
    n_compounds: int
    n_communities: int
    building_compound: np.ndarray  # per building
    three_no: np.ndarray  # per compound


@dataclass(frozen=True)
class Organisation:
    kind: str  # committee, property_management, government, party_branch, an NGO kind, resident_unit
    name: str
    community: int  # -1: the whole street
    compound: int  # -1: not tied to one compound


def structure(model: CommunityModel) -> Structure:
    pop = model.pop
    per_compound = max(1, pop.n_buildings // max(1, pop.n_compounds))
    return Structure(
        n=int(pop.n),
        building=pop.building,
        compound=pop.compound,
        community=pop.community,
        household=pop.household,
        n_buildings=int(pop.n_buildings),
        n_compounds=int(pop.n_compounds),
        n_communities=int(pop.n_communities),
        # Buildings are numbered compound by compound (population.build_population).
        building_compound=np.arange(pop.n_buildings) // per_compound,
        three_no=np.asarray(pop.three_no, bool),
    )


def engaged(model: CommunityModel) -> np.ndarray:
    return model.pop.engaged


def trust(model: CommunityModel, target: str = "community") -> np.ndarray:
    return model.pop.trust[:, TRUST_COLUMNS.index(target)]


def party(model: CommunityModel) -> np.ndarray:
    return model.pop.party


def in_model_household(model: CommunityModel) -> np.ndarray:
    """Per resident: lives in a Party-member model household (党员示范户)."""
    pop = model.pop
    return pop.model_household[pop.household]


def ties(model: CommunityModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected acquaintance ties as (i, j, weight) with i < j."""
    net = model.network
    once = net.rows < net.cols
    return net.rows[once], net.cols[once], net.weight[once]


def organisations(model: CommunityModel) -> list[Organisation]:
    out: list[Organisation] = []
    for a in model.committees:
        out.append(Organisation("committee", a.name, int(a.community), -1))
    for a in model.property_companies:
        out.append(Organisation("property_management", a.name, int(a.community), int(a.compound)))
    for a in model.branches:
        out.append(Organisation("party_branch", a.name, int(a.community), int(a.compound)))
    for a in list(model.ngos) + list(model.resident_units):
        out.append(Organisation(str(a.kind), a.name, int(a.community), -1))
    for a in model.government_units:
        out.append(Organisation("government", a.name, -1, -1))
    return out


def handler_kinds(model: CommunityModel) -> np.ndarray:
    """Kind of each case handler by handler id (index into HANDLER_KINDS)."""
    h = model.handlers
    kinds = getattr(h, "kind", None)
    if kinds is None:
        kinds = [a.kind for a in h.agents]
    kinds = np.asarray(kinds)
    if kinds.dtype.kind in "iu":
        return kinds.astype(np.int64)
    return np.array([HANDLER_KINDS.index(str(k)) for k in kinds], np.int64)


@dataclass(frozen=True)
class Board:
    """Open cases by domain (rows, DOMAINS order) and where they are (columns, BOARD_COLUMNS)."""

    counts: np.ndarray  # (domains, columns) int


BOARD_COLUMNS = ("unreported", "in_transit", "committee", "property_management", "government", "stalled")


def issue_board(model: CommunityModel) -> Board:
    """Open cases by domain and handler; cross-department cases held up at government units counted as stalled."""
    log = model.issues
    idx = log.open[log.stage[log.open] != CLOSED]
    stage = log.stage[idx]
    domain = log.domain[idx].astype(np.int64)
    column = np.where(stage == UNREPORTED, 0, 1).astype(np.int64)
    queued = stage == QUEUED
    if queued.any():
        kinds = handler_kinds(model)
        column[queued] = 2 + kinds[log.handler[idx[queued]]]
        stalled = queued & log.cross[idx] & (column == 4) & (log.stalled_days[idx] > 0)
        column[stalled] = 5
    n_col = len(BOARD_COLUMNS)
    counts = np.bincount(domain * n_col + column, minlength=len(DOMAINS) * n_col).reshape(len(DOMAINS), n_col)
    return Board(counts=counts)


def metrics_now(model: CommunityModel) -> dict[str, float]:
    return model.metrics()


def metrics_history(model: CommunityModel) -> pd.DataFrame:
    """One row per simulated day (``day`` column first), one column per metric."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "day", np.arange(1, len(df) + 1))
    return df


def day(model: CommunityModel) -> int:
    return int(model.day)


def adults(model: CommunityModel) -> int:
    return int(model.pop.n)


def remedies() -> dict[str, type]:
    """The intervention catalogue: key -> class with ``title``, ``paper_section``, ``Params``."""
    return dict(sorted(INTERVENTIONS.items()))


def switch_on(model: CommunityModel, key: str) -> None:
    """Switch remedy ``key`` on from the model's next day, at its default parameters."""
    model.switch_on(key)


def snapshot(model: CommunityModel) -> bytes:
    return model.snapshot()


def restore(data: bytes) -> CommunityModel:
    return CommunityModel.restore(data)
