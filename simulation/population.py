"""Resident state as a struct of arrays; households, buildings, compounds.

One numpy array per attribute, indexed by a dense resident index 0..n-1
(docs/ARCHITECTURE.md: arrays are the truth). Mesa agents are views over these arrays. Generation draws
only from the set-up day of named streams, so the same seed gives the same
population whatever else the scenario switches on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simulation.arrays import nudge, nudge_columns
from simulation.scenario import ACTIVITY_TYPES, AGE_GROUPS, Scenario
from simulation.state import NEVER, declared
from simulation.streams import SETUP_DAY, Streams

YOUNG, MIDDLE, ELDERLY = 0, 1, 2
TRUST_TARGETS: tuple[str, ...] = ("community", "government", "property", "ngo", "neighbours")
T_COMMUNITY, T_GOVERNMENT, T_PROPERTY, T_NGO, T_NEIGHBOURS = range(5)


class Population:
    """All residents (adults) of the street: one array per state declared in ``simulation/state.py``.

    Structure sizes: ``n_buildings``, ``n_compounds``, ``n_communities``;
    ``three_no`` marks three-no compounds (bool per compound).
    """

    def __init__(self, n_buildings: int, n_compounds: int, n_communities: int, three_no: np.ndarray, **arrays):
        states = declared("pop")
        missing, unknown = set(states) - set(arrays), set(arrays) - set(states)
        if missing or unknown:
            raise TypeError(f"Population: missing {sorted(missing)}, undeclared {sorted(unknown)}")
        for name, var in states.items():
            values = np.asarray(arrays[name])
            if values.dtype != var.dtype:
                raise TypeError(f"Population.{name}: dtype {values.dtype}, declared {np.dtype(var.dtype)}")
            setattr(self, name, values)
        self.n_buildings, self.n_compounds, self.n_communities = n_buildings, n_compounds, n_communities
        self.three_no = np.asarray(three_no, bool)

    @property
    def n(self) -> int:
        return int(self.household.shape[0])

    @property
    def n_households(self) -> int:
        return int(self.hh_building.shape[0])

    # -- verbs (what interventions may change in resident state) ----------------
    def invite(self, who) -> None:
        """Personally invite these residents (indices or a mask) to what happens today."""
        self.invited[who] = True

    def designate_model_households(self, households: np.ndarray) -> None:
        """These households become model households (党员示范户)."""
        self.model_household[households] = True

    def nudge(self, name: str, who: np.ndarray, share, column: int | None = None) -> None:
        """The gap-closing update of a 0..1 state (``efficacy``, or a ``trust`` column) for residents ``who``.

        ``share`` > 0 closes that share of the gap to 1, < 0 removes that share of
        the value; repeats compound (``simulation.arrays.nudge`` states the rule).
        """
        values = getattr(self, name)
        nudge(values, who, share, column)

    def nudge_by_column(self, name: str, who: np.ndarray, share, columns: np.ndarray) -> None:
        """``nudge`` of a 2-D state (``trust``) where each entry names its column: as one ``nudge`` call per
        column, in ascending column order."""
        nudge_columns(getattr(self, name), who, share, columns)

    def group_masks(self) -> dict[str, np.ndarray]:
        """Boolean masks for the metric groups."""
        return {
            "young": self.age_group == YOUNG,
            "middle": self.age_group == MIDDLE,
            "elderly": self.age_group == ELDERLY,
            "party": self.party,
            "nonparty": ~self.party,
        }


def _trait(mean: np.ndarray, sd: float, noise: np.ndarray) -> np.ndarray:
    return np.clip(mean + sd * noise, 0.0, 1.0).astype(np.float32)


def build_population(scn: Scenario, streams: Streams) -> Population:
    """Generate the residents, households and structure of a scenario."""
    c = scn.community
    p = scn.population
    n = c.adults
    n_comm = c.communities
    n_comp = n_comm * c.compounds_per_community
    n_bld = n_comp * c.buildings_per_compound

    # Household sizes: 1 + Poisson(mean - 1), capped at 6, cut to exactly n adults.
    sizes_rng = streams["setup.households"].generator(SETUP_DAY)
    est = int(n / c.household_adults_mean * 1.2) + 10
    sizes = np.minimum(1 + sizes_rng.poisson(c.household_adults_mean - 1.0, est), 6)
    cum = np.cumsum(sizes)
    n_hh = int(np.searchsorted(cum, n) + 1)
    sizes = sizes[:n_hh].copy()
    sizes[-1] -= int(cum[n_hh - 1] - n)
    hh_indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    household = np.repeat(np.arange(n_hh, dtype=np.int32), sizes)

    # Households are dealt evenly over buildings (sizes differ by at most one household) in index
    # order, so a building's, compound's and community's residents have neighbouring indices. Households
    # are drawn independently, so this is as random as a shuffle; the locality makes every per-community
    # read and tie gather touch one stretch of memory (a district runs about 1.7x faster).
    per_building = np.full(n_bld, n_hh // n_bld) + (np.arange(n_bld) < n_hh % n_bld)
    hh_building = np.repeat(np.arange(n_bld, dtype=np.int32), per_building)
    hh_compound = (hh_building // c.buildings_per_compound).astype(np.int32)
    hh_community = (hh_compound // c.compounds_per_community).astype(np.int32)
    three_no = (np.arange(n_comp) % c.compounds_per_community) < c.three_no_compounds

    # Age: members mostly share the household's age group (couples, flatmates).
    shares = np.array([p.groups[g].share for g in AGE_GROUPS])
    age_u = streams["setup.age"].generator(SETUP_DAY).random((2, max(n_hh, n)))
    hh_age = np.searchsorted(np.cumsum(shares), age_u[0, :n_hh] * shares.sum(), side="right")
    own_age = np.searchsorted(np.cumsum(shares), age_u[1, :n] * shares.sum(), side="right")
    same = streams["setup.age_mix"].uniform(SETUP_DAY, n) < p.household_age_match
    age_group = np.where(same, hh_age[household], own_age).clip(0, 2).astype(np.int8)

    def by_group(attr: str) -> np.ndarray:
        return np.array([getattr(p.groups[g], attr) for g in AGE_GROUPS], dtype=np.float64)[age_group]

    weights = by_group("party_weight")
    mean_w = float(np.sum(shares * np.array([p.groups[g].party_weight for g in AGE_GROUPS])))
    party_prob = np.clip(p.party_share * weights / max(mean_w, 1e-12), 0.0, 1.0)
    party = streams["setup.party"].uniform(SETUP_DAY, n) < party_prob

    noise = streams["setup.traits"].generator(SETUP_DAY).standard_normal((n, 12 + len(ACTIVITY_TYPES)))
    sd = p.trait_sd
    trust = np.stack([_trait(by_group(f"trust_{t}"), sd, noise[:, i]) for i, t in enumerate(TRUST_TARGETS)], axis=1)
    interest_means = np.array([[getattr(p.groups[g].interests, t) for t in ACTIVITY_TYPES] for g in AGE_GROUPS])[
        age_group
    ]
    interest = np.clip(interest_means + sd * noise[:, 12:], 0.0, 1.0).astype(np.float32)
    digital = streams["setup.digital"].uniform(SETUP_DAY, n) < by_group("digital_access")
    inf = scn.influence
    threshold = np.clip(inf.threshold_mean + inf.threshold_sd * noise[:, 11], 0.0, 1.0).astype(np.float32)

    efficacy = _trait(by_group("efficacy"), sd, noise[:, 8])
    members = np.arange(n, dtype=np.int32)
    pop = Population(
        household=household,
        building=hh_building[household],
        compound=hh_compound[household],
        community=hh_community[household],
        age_group=age_group,
        party=party,
        free_time=_trait(by_group("free_time"), sd, noise[:, 5]),
        presence=_trait(by_group("presence"), sd, noise[:, 6]),
        digital=digital,
        public_affairs=_trait(by_group("public_affairs_interest"), sd, noise[:, 7]),
        interest=interest,
        threshold=threshold,
        trust=trust,
        trust_start=trust.copy(),
        efficacy=efficacy,
        efficacy_start=efficacy.copy(),
        engaged=np.zeros(n, bool),
        pulled=np.zeros(n, bool),
        last_activity=np.full(n, NEVER, np.int32),
        last_governance=np.full(n, NEVER, np.int32),
        last_vote=np.full(n, NEVER, np.int32),
        voted_last_election=np.zeros(n, bool),
        last_report=np.full(n, NEVER, np.int32),
        last_proposal=np.full(n, NEVER, np.int32),
        last_contact=np.full(n, NEVER, np.int32),
        activities_month=np.zeros(n, np.int16),
        activities_attended=np.zeros(n, np.int32),
        governance_actions=np.zeros(n, np.int32),
        invited=np.zeros(n, bool),
        hh_building=hh_building,
        hh_compound=hh_compound,
        hh_community=hh_community,
        hh_indptr=hh_indptr,
        hh_members=members,
        model_household=np.zeros(n_hh, bool),
        n_buildings=n_bld,
        n_compounds=n_comp,
        n_communities=n_comm,
        three_no=three_no,
    )
    if p.table:
        apply_table(pop, p.table, setup_day=-scn.burn_in_days)
    if scn.engagement.seed_residents:
        k = min(scn.engagement.seed_residents, n)
        seeds = streams["setup.seed_engaged"].generator(SETUP_DAY).choice(n, size=k, replace=False)
        pop.engaged[seeds] = True
        pop.last_activity[seeds] = -scn.burn_in_days  # engaged at set-up (the first simulated day is after it)
    return pop


TABLE_COLUMNS = {
    "threshold": "threshold",
    "efficacy": "efficacy",
    "free_time": "free_time",
    "presence": "presence",
    "public_affairs": "public_affairs",
    "digital": "digital",
    "party": "party",
    "engaged": "engaged",
}


def apply_table(pop: Population, path: str, setup_day: int = 0) -> None:
    """Replace generated traits by the columns of a per-adult table (CSV or Parquet)."""
    from simulation.scenario import ScenarioError, read_table

    p = Path(path)
    df = read_table(path, "population.table")
    if len(df) != pop.n:
        raise ScenarioError(f"population.table: {p} has {len(df)} rows; community.adults is {pop.n}")
    known = set(TABLE_COLUMNS) | {f"trust_{t}" for t in TRUST_TARGETS}
    unknown = [c for c in df.columns if c not in known]
    if unknown:
        raise ScenarioError(
            f"population.table: {p}: unknown column {unknown[0]!r} (allowed: {', '.join(sorted(known))})"
        )
    for col in df.columns:
        values = df[col].to_numpy()
        if col in ("digital", "party", "engaged"):
            getattr(pop, col)[:] = values.astype(bool)
            if col == "engaged":
                pop.last_activity[values.astype(bool)] = setup_day
            continue
        v = values.astype(np.float64)
        if not np.all(np.isfinite(v)) or v.min() < 0 or v.max() > 1:
            raise ScenarioError(f"population.table: {p}: column {col!r} must hold values in 0..1")
        if col.startswith("trust_"):
            pop.trust[:, TRUST_TARGETS.index(col[6:])] = v
            pop.trust_start[:, TRUST_TARGETS.index(col[6:])] = v
        else:
            getattr(pop, TABLE_COLUMNS[col])[:] = v
            if col == "efficacy":
                pop.efficacy_start[:] = v
