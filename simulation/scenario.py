"""Scenario schema, TOML loading, dotted overrides and clear errors.

A scenario is a validated, immutable description of one community and its
governance set-up. Every number has a unit and an allowed range here; a
malformed file raises :class:`ScenarioError` naming the file, the dotted
field and the allowed range. Defaults are the baseline community
(``scenarios/baseline.toml`` restates them with their sources).
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ACTIVITY_TYPES: tuple[str, ...] = (
    "performance",
    "propaganda",
    "handicraft",
    "music",
    "dance",
    "learning",
    "sports",
    "public_welfare",
)
DOMAINS: tuple[str, ...] = (
    "maintenance",
    "sanitation",
    "safety",
    "dispute",
    "elderly_care",
    "property_service",
)
AGE_GROUPS: tuple[str, ...] = ("young", "middle", "elderly")


# About 0.7 KB of state per adult (arrays, ties, cases): 400 communities of 3,000 adults fit in 2.5 GB.
MAX_COMMUNITIES = 400


class ScenarioError(ValueError):
    """A scenario file, override or field is invalid; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def unit(default: float, description: str = "") -> Any:
    """A value in [0, 1] (a probability, share or trust level)."""
    return Field(default, ge=0.0, le=1.0, description=description)


def nonneg(default: float, description: str = "", le: float | None = None) -> Any:
    return Field(default, ge=0.0, le=le, description=description)


class Interests(_Strict):
    """Mean interest (0..1) of a group in each activity type."""

    performance: float = unit(0.3)
    propaganda: float = unit(0.1)
    handicraft: float = unit(0.3)
    music: float = unit(0.3)
    dance: float = unit(0.3)
    learning: float = unit(0.3)
    sports: float = unit(0.3)
    public_welfare: float = unit(0.3)


class AgeGroup(_Strict):
    """Traits of one age group; individual values scatter around these means."""

    share: float = unit(0.33, "share of adults in this group")
    party_weight: float = nonneg(1.0, "relative odds of Party membership", le=10.0)
    free_time: float = unit(0.4, "mean share of evenings and weekends free")
    presence: float = unit(0.5, "mean share of daytime spent in the compound")
    digital_access: float = unit(0.5, "share who use a smartphone app for community affairs")
    trust_community: float = unit(0.5)
    trust_government: float = unit(0.5)
    trust_property: float = unit(0.4)
    trust_ngo: float = unit(0.4)
    trust_neighbours: float = unit(0.4)
    efficacy: float = unit(0.4, "belief that raising an issue works")
    public_affairs_interest: float = unit(0.3, "interest in consultations and elections")
    interests: Interests = Interests()


def _default_groups() -> dict[str, AgeGroup]:
    return {
        "young": AgeGroup(
            share=0.36,
            party_weight=0.7,
            free_time=0.22,
            presence=0.2,
            digital_access=0.95,
            trust_community=0.42,
            trust_government=0.5,
            trust_property=0.35,
            trust_ngo=0.35,
            trust_neighbours=0.3,
            efficacy=0.3,
            public_affairs_interest=0.0908,
            interests=Interests(
                performance=0.08,
                propaganda=0.02,
                handicraft=0.25,
                music=0.35,
                dance=0.15,
                learning=0.4,
                sports=0.5,
                public_welfare=0.3,
            ),
        ),
        "middle": AgeGroup(
            share=0.34,
            party_weight=1.0,
            free_time=0.35,
            presence=0.4,
            digital_access=0.8,
            trust_community=0.55,
            trust_government=0.6,
            trust_property=0.4,
            trust_ngo=0.4,
            trust_neighbours=0.4,
            efficacy=0.4,
            public_affairs_interest=0.4393,
            interests=Interests(
                performance=0.2,
                propaganda=0.08,
                handicraft=0.3,
                music=0.35,
                dance=0.35,
                learning=0.35,
                sports=0.4,
                public_welfare=0.35,
            ),
        ),
        "elderly": AgeGroup(
            share=0.30,
            party_weight=1.6,
            free_time=0.7,
            presence=0.85,
            digital_access=0.35,
            trust_community=0.68,
            trust_government=0.7,
            trust_property=0.45,
            trust_ngo=0.45,
            trust_neighbours=0.55,
            efficacy=0.5,
            public_affairs_interest=0.45,
            interests=Interests(
                performance=0.45,
                propaganda=0.2,
                handicraft=0.4,
                music=0.5,
                dance=0.55,
                learning=0.35,
                sports=0.35,
                public_welfare=0.4,
            ),
        ),
    }


class Community(_Strict):
    """Structure of the street: communities, compounds, buildings, households."""

    communities: int = Field(
        1, ge=1, description=f"communities (社区) in the street (at most {MAX_COMMUNITIES}: memory, see the check)"
    )
    compounds_per_community: int = Field(6, ge=1, le=100, description="compounds (小区) per community")
    buildings_per_compound: int = Field(8, ge=1, le=500, description="buildings (楼栋) per compound")
    adults: int = Field(3000, ge=10, le=2_000_000, description="adult residents in the street")
    household_adults_mean: float = Field(2.2, ge=1.0, le=6.0, description="mean adults per household")
    three_no_compounds: int = Field(
        1, ge=0, le=100, description="three-no compounds (三无小区) per community, without property company"
    )
    stranger_index: float = unit(
        0.3, "how much of a stranger community (陌生人社区): 0 = close-knit, 1 = no neighbour ties"
    )

    @model_validator(mode="after")
    def _size_fits(self) -> Community:
        if self.communities > MAX_COMMUNITIES:
            raise ValueError(
                f"communities: at most {MAX_COMMUNITIES} (got {self.communities}): a district of about "
                f"{MAX_COMMUNITIES * 3000:,} adults needs about 2.5 GB of memory; split larger areas into several runs"
            )
        return self

    @model_validator(mode="after")
    def _three_no_fit(self) -> Community:
        if self.three_no_compounds > self.compounds_per_community:
            raise ValueError(
                f"three_no_compounds must be at most compounds_per_community ({self.compounds_per_community})"
            )
        return self


class Population(_Strict):
    """Residents: group traits and individual scatter."""

    party_share: float = unit(0.10, "share of adults who are Party members")
    household_age_match: float = unit(
        0.7, "share of adults in their household's age group (couples, flatmates); the rest drawn independently"
    )
    trait_sd: float = Field(
        0.12,
        ge=0.0,
        le=0.5,
        description="sd of the normal scatter added to each trait's group mean (then clipped to 0..1)",
    )
    groups: dict[Literal["young", "middle", "elderly"], AgeGroup] = Field(default_factory=_default_groups)
    table: str = Field(
        "",
        description="optional CSV or Parquet, one row per adult in index order, whose columns replace generated "
        "traits: threshold, trust_community, trust_government, trust_property, trust_ngo, trust_neighbours, "
        "efficacy, free_time, presence, public_affairs, digital, party, engaged",
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_groups(cls, data: Any) -> Any:
        # A file that sets one field of one group keeps the defaults of the rest.
        if isinstance(data, dict) and isinstance(data.get("groups"), dict):
            merged = {g: a.model_dump() for g, a in _default_groups().items()}
            for g, given in data["groups"].items():
                if isinstance(given, dict) and g in merged:
                    base = merged[g]
                    interests = (
                        {**base["interests"], **given.get("interests", {})}
                        if isinstance(given.get("interests", {}), dict)
                        else given["interests"]
                    )
                    merged[g] = {**base, **given, "interests": interests}
                else:
                    merged[g] = given
            data = {**data, "groups": merged}
        return data

    @model_validator(mode="after")
    def _groups_complete(self) -> Population:
        missing = [g for g in AGE_GROUPS if g not in self.groups]
        if missing:
            raise ValueError(f"groups must define young, middle and elderly (missing: {', '.join(missing)})")
        total = sum(self.groups[g].share for g in AGE_GROUPS)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"group shares must sum to 1 (they sum to {total:.4f})")
        return self


class Network(_Strict):
    """The acquaintance network and how ties form and fade."""

    kind: Literal["neighbourhood", "erdos_renyi", "watts_strogatz", "complete", "edge_list"] = "neighbourhood"
    building_ties: float = nonneg(0.6309, "mean acquaintances per adult within the building (close-knit)", le=100)
    compound_ties: float = nonneg(1.5, "mean acquaintances drawn from the whole compound", le=100)
    cross_compound_ties: float = nonneg(0.5, "mean acquaintances drawn from the whole community", le=100)
    mean_degree: float = nonneg(
        6.0, "mean degree for erdos_renyi and watts_strogatz (the latter rounds down to an even number)", le=1000
    )
    rewire: float = unit(0.1, "watts_strogatz rewiring probability")
    path: str = Field("", description="edge_list: CSV or Parquet with columns source, target[, weight]")
    household_weight: float = Field(1.0, gt=0.0, le=1.0, description="weight of a household tie (never decays)")
    initial_weight: float = Field(0.5, gt=0.0, le=1.0, description="weight of a generated acquaintance tie")
    new_tie_weight: float = Field(0.2, gt=0.0, le=1.0, description="weight of a tie formed on a day")
    strengthen: float = unit(0.15, "weight added to an existing tie by a shared activity or meeting")
    decay_per_day: float = Field(0.015, ge=0.0, le=0.5, description="daily relative decay of unused ties (1/day)")
    min_weight: float = Field(0.05, ge=0.0, le=1.0, description="ties below this weight are dropped")
    meeting_rate: float = Field(
        0.0171, ge=0.0, le=1.0, description="daily chance that an adult of average presence chats with a neighbour"
    )
    familiar_share: float = unit(
        0.9, "share of chats that are with an existing acquaintance (else a building neighbour)"
    )


class Issues(_Strict):
    """How often household issues arise (per household per day)."""

    rate_per_household_day: float = Field(0.005, ge=0.0, le=1.0, description="issues per household per day")
    maintenance: float = nonneg(0.35, "relative weight of the domain")
    sanitation: float = nonneg(0.2)
    safety: float = nonneg(0.1)
    dispute: float = nonneg(0.15)
    elderly_care: float = nonneg(0.1)
    property_service: float = nonneg(0.1)
    three_no_maintenance_factor: float = Field(
        2.0, ge=0.0, le=20.0, description="maintenance issues in three-no compounds, times the usual rate"
    )
    cross_department_share: float = unit(0.25, "share of government issues needing several departments")
    grievance_days: int = Field(60, ge=1, le=3650, description="days an unreported issue lingers before it is given up")


class Reporting(_Strict):
    """The daily decision to report an open issue, and the channels."""

    base: float = Field(
        -4.5, ge=-20, le=20, description="log-odds of reporting on a fresh issue, before the terms below"
    )
    trust_weight: float = Field(2.5, ge=-20, le=20, description="log-odds per unit of trust in the community")
    efficacy_weight: float = Field(2.5, ge=-20, le=20, description="log-odds per unit of efficacy")
    walk_in_time_weight: float = Field(
        1.5, ge=0, le=20, description="walk-in: log-odds per unit of free time (office hours clash with work)"
    )
    branch_bonus: float = Field(
        2.6667, ge=0, le=50, description="log-odds per unit of branch strength when a Party tie relays the issue"
    )
    urgency_days: float = Field(
        7.0, gt=0, le=3650, description="days: the daily chance to report falls as exp(-age / urgency_days)"
    )
    app_enabled: bool = Field(False, description="the community app takes reports and sends replies")
    app_bonus: float = Field(1.5, ge=0, le=20, description="log-odds of the app channel (digital access only)")


class Casework(_Strict):
    """Capacities, routes and departmental walls."""

    committee_staff: int = Field(8, ge=0, le=1000, description="committee staff per community")
    staff_hours_per_day: float = Field(8.0, ge=0, le=24, description="hours per staff member per working day")
    admin_burden: float = unit(0.75, "share of committee time taken by administrative tasks from above")
    hours_per_case: float = Field(4.0, gt=0, le=200, description="committee staff hours per handled case-day")
    committee_domains: list[str] = Field(
        default_factory=lambda: ["dispute", "elderly_care", "maintenance"],
        description="domains the committee handles itself",
    )
    committee_success: float = unit(0.75, "chance a committee case ends resolved")
    committee_work_days: float = Field(2.0, ge=1, le=365, description="mean handling days of a committee case")
    property_capacity: float = Field(4.0, ge=0, le=10_000, description="cases per day per property company")
    property_success: float = unit(0.65)
    property_work_days: float = Field(3.0, ge=1, le=365)
    referral_days: int = Field(2, ge=0, le=60, description="days to pass a case from the committee to another unit")
    wall_stall: float = unit(0.7, "daily chance a cross-department case makes no progress (departmental walls)")
    units_per_cross_case: int = Field(
        2, ge=2, le=6, description="government units a cross-department case needs (worked in turn unless coordinated)"
    )
    repair_funds: float = Field(
        100.0, ge=0, le=1e6, description="yuan from the community pool for a repair the committee does itself"
    )
    max_days: int = Field(120, ge=1, le=3650, description="a case open this long is closed unresolved")
    reply_prob: float = unit(0.4, "chance the reporter gets a reply that closes the loop")
    satisfied_within_days: int = Field(
        15, ge=1, le=365, description="a case resolved within this many days of its report counts as satisfied"
    )


class GovernmentUnit(_Strict):
    """A government unit that takes cases referred by the committee."""

    name: str
    level: Literal["city", "district", "street"]
    domains: list[str]
    capacity: float = Field(ge=0, le=100_000, description="cases per day per community it serves")
    success: float = unit(0.6)
    work_days: float = Field(5.0, ge=1, le=365, description="mean handling days of a case")


def _default_units() -> list[GovernmentUnit]:
    return [
        GovernmentUnit(
            name="street office",
            level="street",
            domains=["elderly_care", "dispute"],
            capacity=6,
            success=0.65,
            work_days=4,
        ),
        GovernmentUnit(
            name="district housing bureau",
            level="district",
            domains=["maintenance", "property_service"],
            capacity=4,
            success=0.55,
            work_days=8,
        ),
        GovernmentUnit(
            name="district sanitation bureau",
            level="district",
            domains=["sanitation"],
            capacity=10,
            success=0.6,
            work_days=5,
        ),
        GovernmentUnit(
            name="public security sub-bureau",
            level="district",
            domains=["safety"],
            capacity=6,
            success=0.7,
            work_days=4,
        ),
        GovernmentUnit(
            name="city civil affairs bureau",
            level="city",
            domains=["elderly_care"],
            capacity=3,
            success=0.6,
            work_days=10,
        ),
    ]


class Government(_Strict):
    units: list[GovernmentUnit] = Field(default_factory=_default_units)

    @model_validator(mode="after")
    def _domains_known(self) -> Government:
        for unit in self.units:
            bad = [d for d in unit.domains if d not in DOMAINS]
            if bad:
                raise ValueError(f"unit {unit.name!r}: unknown domain {bad[0]!r} (allowed: {', '.join(DOMAINS)})")
        return self


class Trust(_Strict):
    """Feedback from outcomes and contact (per event, in trust units 0..1)."""

    gain_success: float = unit(0.06, "share of the gap to 1 closed by a case resolved at once")
    timely_days: float = Field(
        30.0, gt=0, le=3650, description="days: a resolution's gain shrinks as exp(-days taken / timely_days)"
    )
    loss_failure: float = unit(0.10, "share of trust lost on a failed case (> gain: Slovic asymmetry)")
    reply_bonus: float = unit(0.03, "share of the gap closed by a reply that closes the loop")
    household_share: float = unit(0.5, "share of the update felt by the reporter's household members")
    efficacy_gain: float = unit(0.05)
    efficacy_loss: float = unit(0.08)
    referral_share: float = unit(
        0.5, "share of a referred case's trust update also felt by the community that took the report"
    )
    grievance_loss: float = unit(0.03, "trust in the community lost when an issue is given up unreported")
    attendance_gain: float = unit(0.02, "gap to 1 closed in the organiser by attending its activity")
    contact_gain: float = unit(0.01, "gap closed in neighbour trust per new or renewed tie")
    forgetting: float = Field(0.003, ge=0, le=1, description="daily pull of neighbour trust back to its start")
    institution_forgetting: float = Field(
        0.004, ge=0, le=0.1, description="daily pull of trust in institutions and of efficacy back to resting levels"
    )
    hearsay_share: float = unit(
        0.2, "share of a reporter's trust update their acquaintances feel (word of mouth about cases), per tie weight"
    )
    notice_every_days: int = Field(
        30, ge=0, le=365, description="days between public notices of resolved cases (公示); 0: none"
    )
    notice_gain: float = unit(
        0.01, "gap to 1 closed in trust in the resolving institution per case on the notice (in one's compound)"
    )
    notice_max: float = unit(0.05, "largest gain in one institution from one notice")
    neglect_loss: float = unit(0.01, "trust lost per visible problem left open longer than a notice period")
    neglect_max: float = unit(0.05, "largest loss from visible problems at one notice")
    heard_gain: float = unit(0.05, "gap to 1 closed in efficacy and trust in the community when a proposal is adopted")
    unheard_loss: float = unit(0.02, "efficacy lost when a proposal is not adopted")


class Organiser(_Strict):
    """An organisation that holds activities (an NGO or a resident unit)."""

    name: str
    kind: Literal["cultural_sports", "public_welfare", "social_work", "resident_unit"]
    activities_per_week: float = Field(1.0, ge=0, le=100)
    types: list[str]
    capacity: int = Field(30, ge=1, le=100_000, description="places per activity")
    venue_hours_per_month: float = nonneg(0.0, "venue hours it offers the community pool", le=100_000)
    funds_per_month: float = nonneg(0.0, "yuan it offers the community pool", le=1e9)
    volunteer_hours_per_month: float = nonneg(0.0, le=1e7)
    joined: bool = Field(True, description="offers its resources to the shared pool (双报到 for units)")
    needs: tuple[float, float, float] | None = Field(
        None,
        description="venue hours, yuan and volunteer hours one of its activities takes from the pool "
        "(default: activities.venue_hours, .funds, .volunteer_hours)",
    )

    @model_validator(mode="after")
    def _types_known(self) -> Organiser:
        bad = [t for t in self.types if t not in ACTIVITY_TYPES]
        if bad:
            raise ValueError(f"unknown activity type {bad[0]!r} (allowed: {', '.join(ACTIVITY_TYPES)})")
        return self


def _default_organisers() -> list[Organiser]:
    return [
        Organiser(
            name="cultural-sports association",
            kind="cultural_sports",
            activities_per_week=5.0,
            types=["dance", "sports", "music"],
            capacity=60,
            # Square dancing and taiji in the open, led by a volunteer: no room, no money.
            needs=(0.0, 0.0, 1.0),
        ),
        Organiser(
            name="social-work agency",
            kind="social_work",
            activities_per_week=0.5,
            types=["learning", "handicraft"],
            capacity=20,
            volunteer_hours_per_month=40,
        ),
        Organiser(
            name="district hospital",
            kind="resident_unit",
            activities_per_week=0.0,
            types=["learning"],
            capacity=40,
            venue_hours_per_month=40,
            funds_per_month=2000,
            volunteer_hours_per_month=60,
            joined=False,
        ),
        Organiser(
            name="primary school",
            kind="resident_unit",
            activities_per_week=0.0,
            types=["sports"],
            capacity=60,
            venue_hours_per_month=60,
            funds_per_month=1000,
            volunteer_hours_per_month=30,
            joined=False,
        ),
    ]


class Activities(_Strict):
    """The committee's own activities and how residents decide to attend."""

    committee_per_week: float = Field(2.0, ge=0, le=100, description="committee activities per community per week")
    committee_types: list[str] = Field(default_factory=lambda: ["performance", "propaganda"])
    committee_capacity: int = Field(60, ge=1, le=100_000)
    venue_hours: float = Field(2.0, ge=0, le=24, description="venue hours an activity uses")
    funds: float = Field(150.0, ge=0, le=1e7, description="yuan an activity uses")
    volunteer_hours: float = Field(4.0, ge=0, le=1000, description="volunteer hours an activity uses")
    notice_reach: float = unit(0.3, "chance a resident in scope hears of an activity by notice")
    app_reach: float = unit(0.0, "chance an app user hears of it through the app")
    base: float = Field(-6.9626, ge=-20, le=20, description="attendance log-odds before the terms below")
    interest_weight: float = Field(3.0, ge=-20, le=20)
    free_time_weight: float = Field(2.1019, ge=-20, le=20)
    trust_weight: float = Field(1.5, ge=-20, le=20, description="per unit of trust in the organiser")
    social_weight: float = Field(1.2, ge=-20, le=20, description="when acquaintances' engagement reaches the threshold")
    invite_weight: float = Field(1.5, ge=-20, le=20, description="when personally invited")
    co_attendee_ties: int = Field(1, ge=0, le=50, description="acquaintances met per attendance")
    max_per_month: float = Field(
        8.0, ge=0, le=60, description="activities a month a resident with all evenings free can attend (x free time)"
    )
    organisers: list[Organiser] = Field(default_factory=_default_organisers)

    @model_validator(mode="after")
    def _types_known(self) -> Activities:
        bad = [t for t in self.committee_types if t not in ACTIVITY_TYPES]
        if bad:
            raise ValueError(f"unknown activity type {bad[0]!r} (allowed: {', '.join(ACTIVITY_TYPES)})")
        return self


class Influence(_Strict):
    """Social influence: Watts's threshold rule on the share of engaged acquaintances."""

    threshold_mean: float = unit(0.25, "mean threshold (share of engaged acquaintances)")
    threshold_sd: float = Field(0.1, ge=0, le=1)
    party_invites: float = Field(
        0.1667,
        ge=0,
        le=10,
        description="daily invitation rate per unit of tie weight to Party members, per unit of branch strength",
    )
    direct: bool = Field(False, description="pure threshold model: a resident whose threshold is met engages at once")


class Engagement(_Strict):
    memory_days: int = Field(30, ge=1, le=3650, description="days a taking-part keeps a resident engaged")
    permanent: bool = Field(False, description="engagement never lapses (for canonical reductions)")
    seed_residents: int = Field(0, ge=0, le=10_000_000, description="residents engaged at the start, drawn at random")


class WordOfMouth(_Strict):
    rate: float = Field(0.02, ge=0, le=1, description="daily share of the way to acquaintances' mean trust")


class Governance(_Strict):
    """Consultations (协商议事) and elections."""

    consultation_every_days: int = Field(30, ge=1, le=3650, description="days between consultations per compound")
    consultation_capacity: int = Field(25, ge=1, le=100_000)
    election_day: int = Field(300, ge=-1, le=100_000, description="day of the committee election (-1: none)")
    election_every_days: int = Field(1825, ge=1, le=100_000, description="term length in days (5 years)")
    base: float = Field(-5.985, ge=-20, le=20, description="log-odds of joining a consultation")
    vote_base: float = Field(-4.8314, ge=-20, le=20, description="log-odds of voting")
    interest_weight: float = Field(5.7562, ge=-20, le=20)
    trust_weight: float = Field(2.0, ge=-20, le=20)
    efficacy_weight: float = Field(1.5, ge=-20, le=20)
    free_time_weight: float = Field(1.8823, ge=-20, le=20)
    mobilisation_weight: float = Field(
        0.7972, ge=-20, le=20, description="when a Party member or branch asks in person"
    )
    party_weight: float = Field(0.7864, ge=-20, le=20, description="Party members' duty to take part")
    proposal_base: float = Field(-2.0, ge=-20, le=20, description="log-odds that a consultation attendee proposes")
    proposal_efficacy_weight: float = Field(3.0, ge=-20, le=20, description="log-odds per unit of efficacy")
    adoption_prob: float = unit(
        0.6, "chance a committee free of administrative burden adopts a proposal (x (1 - burden))"
    )
    repair_reserve: float = unit(0.2, "share of monthly funds kept for repairs after an adopted repair proposal")


class Party(_Strict):
    """Compound Party branches (小区党支部) as integrators."""

    branch_strength: float = unit(0.3, "how well a branch organises its members at the start (0..1)")
    property_link: float = unit(
        0.1, "added to a property company's success chance per unit of its compound branch's strength"
    )


class Resources(_Strict):
    """The community's own resources per month (the shared pool)."""

    venue_hours_per_month: float = nonneg(40.0, le=1e6)
    funds_per_month: float = nonneg(2500.0, le=1e9)
    volunteer_hours_per_month: float = nonneg(30.0, le=1e7)
    party_volunteer_hours: float = nonneg(
        0.0, "monthly volunteer hours each registered Party member gives (x the strength of their branch)", le=200
    )


class Drivers(_Strict):
    """Switches for the daily phases (to isolate mechanisms)."""

    issues: bool = True
    reporting: bool = True
    casework: bool = True
    feedback: bool = True
    activities: bool = True
    ties: bool = True
    influence: bool = True
    word_of_mouth: bool = True
    governance: bool = True
    resources: bool = True


class Scenario(_Strict):
    """A community and its governance set-up; see docs/ODD.md for every field."""

    name: str = "baseline"
    description: str = ""
    days: int = Field(365, ge=1, le=36_500, description="default run length in days")
    burn_in_days: int = Field(
        365,
        ge=0,
        le=3650,
        description="days simulated before day 1 with no intervention on and nothing collected (spin-up)",
    )
    community: Community = Community()
    population: Population = Population()
    network: Network = Network()
    issues: Issues = Issues()
    reporting: Reporting = Reporting()
    casework: Casework = Casework()
    government: Government = Government()
    trust: Trust = Trust()
    activities: Activities = Activities()
    influence: Influence = Influence()
    engagement: Engagement = Engagement()
    word_of_mouth: WordOfMouth = WordOfMouth()
    governance: Governance = Governance()
    resources: Resources = Resources()
    party: Party = Party()
    drivers: Drivers = Drivers()
    interventions: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        bad = [d for d in self.casework.committee_domains if d not in DOMAINS]
        if bad:
            raise ValueError(f"casework.committee_domains: unknown domain {bad[0]!r} (allowed: {', '.join(DOMAINS)})")
        if self.network.kind == "edge_list" and not self.network.path:
            raise ValueError("network.path is required when network.kind = 'edge_list'")
        from simulation.interventions import INTERVENTIONS

        for key, params in self.interventions.items():
            if key not in INTERVENTIONS:
                known = ", ".join(sorted(INTERVENTIONS)) or "none registered"
                raise ValueError(f"interventions: unknown intervention {key!r} (known: {known})")
            INTERVENTIONS[key].Params.model_validate(params)
        return self

    # -- derived copies -------------------------------------------------
    def value_at(self, dotted: str) -> Any:
        """The value of a field by its dotted name, e.g. ``"casework.admin_burden"`` (dict keys included)."""
        node: Any = self
        for part in dotted.split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node

    def override(self, changes: dict[str, Any], source: str = "override") -> Scenario:
        """A new scenario with dotted keys replaced, e.g. ``{"community.compounds_per_community": 6}``."""
        data = self.model_dump()
        for dotted, value in changes.items():
            _set_dotted(data, dotted, value, source)
        return _validate(data, source)

    def with_interventions(self, *keys: str, **params: dict[str, Any]) -> Scenario:
        """A new scenario with these interventions switched on (defaults unless params given)."""
        from simulation.interventions import INTERVENTIONS

        data = self.model_dump()
        for key in list(keys) + list(params):
            for part in key.split("+"):
                if part not in INTERVENTIONS:
                    known = ", ".join(sorted(INTERVENTIONS)) or "none registered"
                    raise ScenarioError(f"interventions: unknown intervention {part!r} (known: {known})")
                data["interventions"].setdefault(part, {})
                data["interventions"][part].update(params.get(part, {}))
        return _validate(data, "with_interventions")

    def scaled(self, adults: int) -> Scenario:
        """The same structure and shares with about ``adults`` adults.

        Communities stay the same size per compound where possible: the
        number of compounds per community scales with the population, so a
        street of 100,000 adults has many compounds, not giant ones.
        """
        factor = adults / self.community.adults
        per_compound = self.community.adults / (self.community.communities * self.community.compounds_per_community)
        communities = max(1, round(self.community.communities * factor))
        compounds = max(1, round(adults / (communities * per_compound)))
        three_no = min(
            compounds, round(self.community.three_no_compounds * compounds / self.community.compounds_per_community)
        )
        return self.override(
            {
                "community.adults": int(adults),
                "community.communities": int(communities),
                "community.compounds_per_community": int(compounds),
                "community.three_no_compounds": int(three_no),
            },
            source=f"scaled(adults={adults})",
        )


# -- loading and errors ---------------------------------------------------


def _set_dotted(data: dict, dotted: str, value: Any, source: str) -> None:
    parts = dotted.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"{source}: {'.'.join(parts[: i + 1])}: no such list item (0..{len(node) - 1})")
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ScenarioError(f"{source}: {'.'.join(parts[: i + 1])}: unknown field")
    last = parts[-1]
    if isinstance(node, dict):
        if last not in node and not dotted.startswith("interventions."):
            raise ScenarioError(f"{source}: {dotted}: unknown field")
        node[last] = value
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    else:
        raise ScenarioError(f"{source}: {dotted}: unknown field")


def _field_range(loc: tuple, root: Any = None) -> str:
    """The allowed range of the field at ``loc``, read from the schema (``root``: default Scenario)."""
    model: Any = root or Scenario
    info = None
    for part in loc:
        # List indices and dict keys (like an age group's name) are skipped:
        # the inner model of the list or dict annotation stays current.
        fields = getattr(model, "model_fields", {}) if model is not None else {}
        if isinstance(part, str) and part in fields:
            info = fields[part]
            model = _inner_model(info.annotation)
    if info is None:
        return ""
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", lo) if getattr(meta, "ge", None) is not None else lo
        lo = getattr(meta, "gt", lo) if getattr(meta, "gt", None) is not None else lo
        hi = getattr(meta, "le", hi) if getattr(meta, "le", None) is not None else hi
        hi = getattr(meta, "lt", hi) if getattr(meta, "lt", None) is not None else hi
    if lo is not None or hi is not None:
        return f"allowed range {_num(lo, '-inf')}..{_num(hi, 'inf')}"
    ann = info.annotation
    if getattr(ann, "__origin__", None) is Literal:
        return "allowed: " + ", ".join(map(str, ann.__args__))
    return ""


def _num(x: Any, missing: str) -> str:
    if x is None:
        return missing
    return f"{x:g}" if isinstance(x, float) else str(x)


def _inner_model(annotation: Any) -> Any:
    """The pydantic model inside an annotation like Model, list[Model] or dict[str, Model]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def format_validation_error(err: ValidationError, source: str, prefix: tuple = (), root: Any = None) -> str:
    """One line: source, dotted field, message, the value given and the allowed range."""
    first = err.errors()[0]
    loc = tuple(first["loc"])
    dotted = ".".join(str(p) for p in prefix + loc) or "(top level)"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown field"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    rng = _field_range(loc, root) if first["type"] != "extra_forbidden" else ""
    value = first.get("input")
    shown = (
        f" (got {value!r})"
        if first["type"] not in ("extra_forbidden", "missing") and not isinstance(value, dict)
        else ""
    )
    extra = f"; {rng}" if rng else ""
    more = f" [+{len(err.errors()) - 1} more]" if len(err.errors()) > 1 else ""
    return f"{source}: {dotted}: {msg}{shown}{extra}{more}"


def _validate(data: dict, source: str) -> Scenario:
    # Intervention parameters first, so a mistake there names interventions.<key>.<field>.
    ivs = data.get("interventions") if isinstance(data, dict) else None
    if isinstance(ivs, dict):
        from simulation.interventions import INTERVENTIONS

        for key, params in ivs.items():
            if key in INTERVENTIONS:
                cls = INTERVENTIONS[key].Params
                try:
                    cls.model_validate(params)
                except ValidationError as err:
                    raise ScenarioError(format_validation_error(err, source, ("interventions", key), cls)) from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, source)) from None


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A user's TOML file as a dict; a missing, unreadable or malformed file is a ScenarioError naming it."""
    if not path.is_file():
        raise ScenarioError(f"{path}: {what} file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario TOML file; relative edge-list paths resolve against it."""
    path = Path(path)
    data = copy.deepcopy(read_toml(path, "scenario"))
    # Relative data-file paths are read from the scenario file's folder.
    for section, key in (("network", "path"), ("population", "table")):
        part = data.get(section)
        if isinstance(part, dict) and isinstance(part.get(key), str) and part[key]:
            p = Path(part[key])
            if not p.is_absolute():
                part[key] = str((path.parent / p).resolve())
    scn = _validate(data, str(path))
    if overrides:
        scn = scn.override(overrides, source=str(path))
    return scn


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` (the value as a TOML value, else a plain string)."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected key=value")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key:
        raise ScenarioError(f"--set {text!r}: empty key")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def read_table(path: str, field: str):
    """Read a user's CSV or Parquet file for ``field``; mistakes become a ScenarioError naming it."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{field}: {p} not found")
    try:
        return pd.read_parquet(p) if p.suffix.lower() in (".parquet", ".pq") else pd.read_csv(p)
    except Exception as err:  # a user's file: report, don't crash
        raise ScenarioError(f"{field}: cannot read {p}: {err}") from None
