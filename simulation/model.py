"""CommunityModel: builds the world, owns the state, runs the phases in order.

One step is one day. The phase order is data (``PHASES``), printed by
``govsim describe``; each phase is a vectorised function over the arrays
(docs/ARCHITECTURE.md: vectorised phases, one explicit order). Interventions act through the ``levers`` (mechanism
parameters) and the phase hooks, never on metrics.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from dataclasses import dataclass, field

import mesa
import numpy as np
from pydantic import ValidationError

from simulation.agents import (
    NGO,
    CommunityCommittee,
    Enterprise,
    GovernmentUnit,
    PartyBranch,
    PartyMember,
    Resident,
)
from simulation.arrays import compound_community
from simulation.branches import BranchTable
from simulation.handlers import COMMITTEE, GOVERNMENT, PROPERTY, HandlerTable
from simulation.interventions import INTERVENTIONS, Intervention
from simulation.metrics import METRICS, MetricsCollector, group_cells, measure_values
from simulation.network import PresenceSampler, build_network
from simulation.phases import PHASES
from simulation.population import T_COMMUNITY, T_GOVERNMENT, T_NGO, T_PROPERTY, build_population
from simulation.processes.activities import ActivityOrganiser, ActivityRecord, Organisers
from simulation.processes.casework import domain_index
from simulation.processes.issues import IssueLog
from simulation.processes.reporting import BASE_CHANNELS
from simulation.processes.resources import MONTH, ResourcePool
from simulation.scenario import ACTIVITY_TYPES, DOMAINS, Scenario, ScenarioError, format_validation_error
from simulation.state import DAY_START, SETUP
from simulation.streams import Streams, stable_slot

__all__ = ["PHASES", "CommunityModel", "Levers"]

ACTIVITY_DAYS_START = 1024  # initial length of the per-day activity count (doubles when a run is longer)
# Calendars start at staggered fractions of a day's credit (multiples of the golden ratio's fractional
# part spread evenly over [0, 1)), so organisers with equal rates do not all meet on the same day.
GOLDEN_STAGGER = 0.618


@dataclass
class Levers:
    """Mechanism parameters that interventions may change during set-up or a run."""

    issue_rate_factors: dict[str, np.ndarray]  # name -> (compounds, domains) multiplier of issue rates
    app_enabled: bool
    app_bonus: float
    app_reach: float
    notice_reach: float
    wall_stall: float
    referral_days: int
    reply_prob: float
    party_invite_rate: float
    escalated_success: float = 0.0  # floor of the success chance of escalated cases
    familiar_share: float = 0.9
    party_volunteer_hours: float = 0.0
    meeting_rate_mult: float = 1.0
    consultation_every_days: int = 30
    extra_channels: dict[str, np.ndarray] = field(default_factory=dict)  # name -> per-resident log-odds (-inf: closed)
    reply_prob_by_channel: dict[str, float] = field(default_factory=dict)  # channel name -> reply chance


class CommunityModel(mesa.Model):
    """A street of communities governed by many actors; one step is one day.

    Parameters: ``scenario`` (a :class:`Scenario`; default: the baseline),
    ``rng`` (an int seed; the same seed gives identical runs) and ``progress``
    (optional, for progress bars: called after each burn-in day with the burn-in days done).
    """

    def __init__(self, scenario: Scenario | None = None, rng: int | None = None, progress=None):
        super().__init__(rng=rng)
        self.scenario = scenario if scenario is not None else Scenario()
        self.seed = int(self._seed)
        self.burn_in = self.scenario.burn_in_days
        self.streams = Streams(self.seed, offset=self.burn_in)
        # The clock: day 1 is the first collected day; burn-in days are 1 - burn_in .. 0.
        self.day = -self.burn_in
        self.phases = PHASES
        scn = self.scenario

        self.pop = build_population(scn, self.streams)
        self.network = build_network(scn, self.pop, self.streams)
        # Buildings and presence are fixed: the chat partner sampler is built once.
        self.building_sampler = PresenceSampler(self.pop.building, self.pop.presence)
        self.issues = IssueLog()
        self.group_masks = self.pop.group_masks()
        self.group_counts = {g: int(m.sum()) for g, m in self.group_masks.items()}
        self.group_cells = group_cells(self)  # fixed groups: residents by their combination, for the group rates
        self.levers = Levers(
            issue_rate_factors={},
            app_enabled=scn.reporting.app_enabled,
            app_bonus=scn.reporting.app_bonus,
            app_reach=scn.activities.app_reach,
            notice_reach=scn.activities.notice_reach,
            wall_stall=scn.casework.wall_stall,
            referral_days=scn.casework.referral_days,
            reply_prob=scn.casework.reply_prob,
            party_invite_rate=scn.influence.party_invites,
            familiar_share=scn.network.familiar_share,
            party_volunteer_hours=scn.resources.party_volunteer_hours,
            consultation_every_days=scn.governance.consultation_every_days,
        )
        self._switching: str | None = None  # the intervention being switched on (for stable slots)
        self._added: dict[str, int] = {}  # calendars added per intervention key
        self._make_agents()
        self.pool = ResourcePool(self.pop.n_communities)
        self.pool.limited = scn.drivers.resources
        self.activity_days = np.zeros(ACTIVITY_DAYS_START, np.int32)  # activities held per day; grows as needed
        # Per day since set-up (index: tick): activities held, places offered, places taken.
        self.activity_places = np.zeros(ACTIVITY_DAYS_START, np.int64)
        self.activity_attendees = np.zeros(ACTIVITY_DAYS_START, np.int64)
        self.activity_log: list[ActivityRecord] = []
        self.consultations_held = 0
        self.elections_held = 0
        self.proposal_days = np.zeros(0, np.int32)  # day of every proposal made, in order
        self.last_election_day: int | None = None  # of the residents' committee (turnout counts its voters)

        # Interventions switched on at set-up (start_day 0) act before the pool is first filled;
        # the others wait for the start of their day.
        self.interventions: list[Intervention] = []
        self._hooks: dict[str, list] = defaultdict(list)  # "before_<phase>" -> bound hooks, in switch-on order
        self._scheduled: list[tuple[int, str, dict]] = []
        self._building = True
        # observer(stage, "before" | "after") is called around each phase (and the day's start and
        # switch-ons); None in normal runs. Tests use it to check who writes which state.
        self.observer = None
        for key, params in scn.interventions.items():
            start = int(params.get("start_day", 0))
            if start == 0 and self.burn_in == 0:
                self.switch_on(key, **params)
            else:  # after a burn-in, start_day 0 means the start of day 1
                self._scheduled.append((max(start, 1), key, dict(params)))
        self.pool.offer[:] = self.resource_offers()
        self.pool.refill()
        self._building = False

        self._measured = measure_values(self, 0)
        self.datacollector = MetricsCollector()
        # First day measured and collected (>= 1). A study that reports only the means of the last days
        # of a run sets it to the window's first day: no metric feeds back into the dynamics, so the
        # days it skips change nothing but the time they would cost (about a sixth of a day's work).
        self.collect_from = 1
        # Spin-up: days before day 1 run every phase with no intervention on and collect nothing.
        for done in range(1, self.burn_in + 1):
            CommunityModel.step(self)
            if progress is not None:
                progress(done)
        if self.burn_in:
            self._measured = measure_values(self, 0)

    # ``model.scenario`` is our validated Scenario. Mesa 3.5 also keeps a
    # scenario object of its own (set in Model.__init__); it is kept aside.
    @property
    def scenario(self) -> Scenario:
        return self._scenario_spec

    @scenario.setter
    def scenario(self, value) -> None:
        if isinstance(value, Scenario):
            self._scenario_spec = value
        else:
            self._mesa_scenario = value
            value.model = self

    # -- building ------------------------------------------------------------
    def _make_agents(self) -> None:
        pop, scn = self.pop, self.scenario
        # One Resident (or PartyMember) agent per adult, in index order.
        self.residents: list[Resident] = [
            (PartyMember if p else Resident)(self, i) for i, p in enumerate(pop.party.tolist())
        ]
        cw = scn.casework
        table = self.handlers = HandlerTable()
        committees = [CommunityCommittee(self, c) for c in range(pop.n_communities)]
        for c, agent in enumerate(committees):
            agent.handler_id = table.add(
                agent,
                COMMITTEE,
                T_COMMUNITY,
                cw.committee_success,
                cw.committee_work_days,
                community=c,
                staff=cw.committee_staff,
                staff_hours_per_day=cw.staff_hours_per_day,
                admin_burden=cw.admin_burden,
                hours_per_case=cw.hours_per_case,
            )
        self.committees = committees
        comp_community = compound_community(scn)
        self.branch_table = BranchTable(
            np.bincount(pop.compound[pop.party], minlength=pop.n_compounds), scn.party.branch_strength
        )
        self.branches = [PartyBranch(self, k, int(comp_community[k])) for k in range(pop.n_compounds)]
        properties: list[Enterprise] = []
        property_of = np.full(pop.n_compounds, -1)
        for k in np.flatnonzero(~pop.three_no):
            agent = Enterprise(self, f"property company {k}", int(comp_community[k]), "property_management", int(k))
            agent.handler_id = property_of[k] = table.add(
                agent,
                PROPERTY,
                T_PROPERTY,
                cw.property_success,
                cw.property_work_days,
                community=int(comp_community[k]),
                compound=int(k),
                stated_capacity=cw.property_capacity,
            )
            properties.append(agent)
        self.property_companies = properties
        units = [GovernmentUnit(self, spec) for spec in scn.government.units]
        for agent, spec in zip(units, scn.government.units, strict=True):
            # Units serve the whole street: their capacity grows with the communities they serve.
            agent.handler_id = table.add(
                agent,
                GOVERNMENT,
                T_GOVERNMENT,
                spec.success,
                spec.work_days,
                stated_capacity=spec.capacity * pop.n_communities,
            )
        self.government_units = units
        government_for = np.full(len(DOMAINS), -1)
        level_rank = {"street": 0, "district": 1, "city": 2}
        for d_i, d in enumerate(DOMAINS):
            # The lowest-level unit responsible for a domain takes its cases.
            cands = [(level_rank[u.level], u.handler_id) for u in units if d in u.domains]
            if cands:
                government_for[d_i] = min(cands)[1]
        table.committee_of = np.array([a.handler_id for a in committees], np.int32)
        table.property_of = property_of.astype(np.int32)
        table.government_for = government_for.astype(np.int32)
        table.committee_does = np.isin(np.arange(len(DOMAINS)), domain_index(cw.committee_domains))
        # Activity organisers: the committee, NGOs and resident units of each community.
        self.organisers = Organisers()
        self.ngos: list[NGO] = []
        self.resident_units: list[Enterprise] = []
        comm_members = [np.flatnonzero(pop.community == c) for c in range(pop.n_communities)]
        self.community_members = comm_members
        act = scn.activities
        for c in range(pop.n_communities):
            self.add_organiser(
                committees[c],
                c,
                comm_members[c],
                act.committee_types,
                act.committee_per_week,
                act.committee_capacity,
                T_COMMUNITY,
            )
            for spec in act.organisers:
                if spec.kind == "resident_unit":
                    agent = Enterprise(self, f"{spec.name} ({c})", c, "resident_unit", spec=spec)
                    self.resident_units.append(agent)
                else:
                    agent = NGO(self, f"{spec.name} ({c})", c, spec.kind, spec)
                    self.ngos.append(agent)
                trust_col = T_NGO if spec.kind != "resident_unit" else T_COMMUNITY
                self.add_organiser(
                    agent,
                    c,
                    comm_members[c],
                    spec.types,
                    spec.activities_per_week,
                    spec.capacity,
                    trust_col,
                    needs=spec.needs,
                )

    def add_organiser(
        self,
        agent,
        community: int,
        scope: np.ndarray,
        types: list[str],
        per_week: float,
        capacity: int,
        trust_col: int,
        invites: bool = False,
        **extra,
    ) -> ActivityOrganiser:
        """Register an activity calendar (used at set-up and by interventions).

        Its stream slot never changes: calendars of the scenario are numbered in
        order; one an intervention adds gets a slot from the intervention's key
        and its own count, so it draws the same numbers whatever else is on and
        whenever it is switched on (paired comparisons of combined arms).
        """
        if self._switching is None:
            slot = len(self.organisers)
        else:
            count = self._added[self._switching] = self._added.get(self._switching, 0) + 1
            slot = stable_slot(f"{self._switching}:{count}")
        org = ActivityOrganiser(
            name=getattr(agent, "name", str(agent)),
            slot=slot,
            community=community,
            scope=np.sort(np.asarray(scope, np.int64)),
            types=[ACTIVITY_TYPES.index(t) for t in types],
            per_week=per_week,
            capacity=capacity,
            trust_col=trust_col,
            agent=agent,
            invites=invites,
            **extra,
            # Stagger calendars so organisers do not all meet on the same day.
            credit=(slot * GOLDEN_STAGGER) % 1.0,
        )
        return self.organisers.add(org)

    def add_ngo(self, name: str, community: int, kind: str, spec) -> NGO:
        """A social organisation joins a community (e.g. one an intervention brings)."""
        agent = NGO(self, name, community, kind, spec)
        self.ngos.append(agent)
        return agent

    def join_pool(self, agents) -> None:
        """These organisations offer their resources to the pool from the next refill (双报到)."""
        for agent in agents:
            agent.joined = True

    def open_channel(self, name: str, logodds: np.ndarray, reply_prob: float | None = None) -> None:
        """Open (or re-aim) a reporting channel: per-resident log-odds bonus, ``-inf`` where it is closed.

        ``reply_prob`` is the chance a case reported through it gets a reply
        that closes the loop (default: the casework reply chance).
        """
        logodds = np.asarray(logodds, np.float32)
        if logodds.shape != (self.pop.n,):
            raise ValueError(f"open_channel {name!r}: need one log-odds per resident ({self.pop.n})")
        self.levers.extra_channels[name] = logodds
        if reply_prob is not None:
            self.levers.reply_prob_by_channel[name] = float(reply_prob)

    def resource_offers(self) -> np.ndarray:
        """Monthly offer of each community's pool: (communities, [venue hours, funds, volunteer hours])."""
        res = self.scenario.resources
        offer = np.tile(
            [res.venue_hours_per_month, res.funds_per_month, res.volunteer_hours_per_month], (self.pop.n_communities, 1)
        ).astype(float)
        # Registered Party members give their hours through their branch, as well as it organises them.
        mobilised = self.branch_table.members * self.branch_table.strength
        per_comm = np.bincount(compound_community(self.scenario), weights=mobilised, minlength=self.pop.n_communities)
        offer[:, 2] += self.levers.party_volunteer_hours * per_comm
        offer += self.pool.extra
        for agent in self.ngos + self.resident_units:
            s = agent.spec
            if agent.joined:
                offer[agent.community] += [s.venue_hours_per_month, s.funds_per_month, s.volunteer_hours_per_month]
        return offer

    def channel_names(self) -> list[str]:
        """Reporting channels in the order of ``issues.channel`` codes."""
        return list(BASE_CHANNELS) + list(self.levers.extra_channels)

    def reply_probabilities(self) -> np.ndarray:
        """Chance of a reply that closes the loop, per channel code."""
        lv = self.levers
        return np.array([lv.reply_prob_by_channel.get(c, lv.reply_prob) for c in self.channel_names()])

    # -- per-day helpers -------------------------------------------------------
    # -- interventions -----------------------------------------------------------
    def switch_on(self, key: str, **params) -> Intervention:
        """Switch intervention ``key`` on from now (before the next day's phases).

        ``params`` are its parameters (validated; defaults otherwise). During a
        run, the resources it brings enter the pool at once for the rest of the
        month, pro rata. Returns the intervention object.
        """
        cls = INTERVENTIONS.get(key)
        if cls is None:
            raise ScenarioError(f"switch_on: unknown intervention {key!r} (known: {', '.join(sorted(INTERVENTIONS))})")
        if any(iv.key == key for iv in self.interventions):
            raise ScenarioError(f"switch_on: {key!r} is already on")
        try:
            p = cls.Params.model_validate(params)
        except ValidationError as err:
            raise ScenarioError(format_validation_error(err, "switch_on", ("interventions", key), cls.Params)) from None
        iv = cls(p)
        self._switching = key
        try:
            iv.setup(self)
        finally:
            self._switching = None
        self.interventions.append(iv)
        for when, phase in cls.hooks():
            self._hooks[f"{when}_{phase}"].append(getattr(iv, f"{when}_{phase}"))
        if not self._building:
            offer = self.resource_offers()
            # The month runs to the refill at the end of the next multiple of 30 days.
            left_days = MONTH - (self.day % MONTH)
            self.pool.left += (offer - self.pool.offer) * (left_days / MONTH)
            self.pool.offer[:] = offer
        return iv

    # -- copies ------------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The whole model as bytes; ``CommunityModel.restore`` gives a copy that continues exactly as this one."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def restore(cls, snapshot: bytes) -> CommunityModel:
        """An independent model from ``snapshot()`` (same day, state, streams and collected data)."""
        model = pickle.loads(snapshot)
        if not isinstance(model, cls):
            raise TypeError(f"restore: not a {cls.__name__} snapshot")
        return model

    def fork(self) -> CommunityModel:
        """An independent copy of this model that continues exactly as it would (``copy.deepcopy`` gives the
        same copy).

        Made as ``restore(snapshot())``, through pickle: pickle copies the thousands of small
        objects (resident agents, logs) in C, about three times faster than ``copy.deepcopy``'s Python
        walk. In a sweep every arm of a replication is a fork of the shared burn-in: at 3,000 adults a
        fork took 42-65 ms of a run's 0.6-0.9 s (7%), now 15-25 ms (under 3%)."""
        return type(self).restore(self.snapshot())

    # -- running ---------------------------------------------------------------
    def step(self) -> None:
        """One day: the phases in order, with the interventions' hooks around each."""
        watch = self.observer
        # Interventions due today are switched on before the day begins, as by a call between days.
        due = self._scheduled and sorted(s for s in self._scheduled if s[0] <= self.day + 1)
        if due:
            if watch:
                watch(SETUP, "before")
            for start, key, params in due:
                self._scheduled.remove((start, key, params))
                self.switch_on(key, **params)
            if watch:
                watch(SETUP, "after")
        self.day += 1
        day = self.day
        if self.tick >= len(self.activity_days):  # the per-day buffers double
            for name in ("activity_days", "activity_places", "activity_attendees"):
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.zeros_like(old)]))
        if watch:
            watch(DAY_START, "before")
        self.pop.invited[:] = False
        self.issues.start_day()
        if watch:
            watch(DAY_START, "after")
        drivers = self.scenario.drivers
        hooks = self._hooks  # (empty without interventions: no lookups then)
        for phase in self.phases:
            if watch:
                watch(phase.name, "before")
            if hooks:
                for hook in hooks.get("before_" + phase.name, ()):
                    hook(self)
            if not phase.driver or getattr(drivers, phase.driver):
                phase.function(self, day)
            if hooks:
                for hook in hooks.get("after_" + phase.name, ()):
                    hook(self)
            if watch:
                watch(phase.name, "after")

    @property
    def tick(self) -> int:
        """Days simulated since set-up (burn-in included): the index of today in per-day buffers."""
        return self.day + self.burn_in

    def compound_metrics(self):
        """A DataFrame, one row per compound: its traits and main metrics today (see ``simulation.compounds``)."""
        from simulation.compounds import compound_metrics

        return compound_metrics(self)

    def metrics(self) -> dict[str, float]:
        """Current value of every metric in ``METRICS`` (as of the end of the last day)."""
        return dict(zip(METRICS, self._measured, strict=True))

    def run_days(self, days: int, progress=None) -> None:
        """Run ``days`` days, calling ``progress(day)`` after each (for progress bars)."""
        for _ in range(days):
            self.step()
            if progress is not None:
                progress(self.day)
