"""Interventions on organisations, activities and resources (§3.2, §3.3, §4.1(2), §4.2, §4.3(1))."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from simulation.arrays import compound_community
from simulation.interventions import Intervention, InterventionParams, register
from simulation.population import T_NGO
from simulation.scenario import ACTIVITY_TYPES, DOMAINS, Organiser

SHARED_NEEDS = [DOMAINS.index(d) for d in ("maintenance", "sanitation", "dispute")]


def add_community_ngos(model, iv: Intervention, name: str, kind: str, types: list[str], on_attend=None) -> None:
    """One NGO per community with an activity calendar; it brings the intervention's money and volunteers.

    ``iv.params`` must have ``per_week``, ``capacity`` and ``volunteer_hours_per_month``.
    """
    p = iv.params
    spec = Organiser(
        name=name,
        kind=kind,
        types=list(types),
        capacity=p.capacity,
        activities_per_week=p.per_week,
        funds_per_month=iv.cost(p)["money"],
        volunteer_hours_per_month=p.volunteer_hours_per_month,
    )
    for c in range(model.pop.n_communities):
        agent = model.add_ngo(f"{name} ({c})", c, kind, spec)
        model.add_organiser(
            agent, c, model.community_members[c], list(types), p.per_week, p.capacity, T_NGO, on_attend=on_attend
        )


@register
class DualReporting(Intervention):
    """Dual reporting (双报到, 驻点直联): Party members and resident units register with the community.

    Resident units open their venues, funds and volunteers to the shared pool
    and hold activities. Party members register through their compound branch,
    which the registration strengthens (``branch_gain``); each gives
    ``party_volunteer_hours`` a month as well as the branch organises them
    (hours x branch strength).
    """

    key = "dual_reporting"
    title = {"en": "Dual reporting of Party members and resident units", "zh": "双报到"}
    paper_section = "4.1(2), 4.2"
    monthly_cost = {"staff_hours": 8.0, "money": 0.0}

    class Params(InterventionParams):
        party_volunteer_hours: float = Field(2.0, ge=0, le=40, description="monthly hours per registered Party member")
        unit_activities_per_week: float = Field(0.5, ge=0, le=7, description="activities per resident unit")
        branch_gain: float = Field(0.3, ge=0, le=1, description="rise of every compound branch's strength")

    def setup(self, model) -> None:
        model.levers.party_volunteer_hours = max(model.levers.party_volunteer_hours, self.params.party_volunteer_hours)
        model.branch_table.strengthen(self.params.branch_gain)
        model.join_pool(model.resident_units)
        for org in model.organisers.of(model.resident_units):
            model.organisers.set_rate(org, max(org.per_week, self.params.unit_activities_per_week))


@register
class DiversifiedActivities(Intervention):
    """Diversified activities (多元化活动): handicraft, music, dance, learning, sports.

    The committee's repertoire widens from performances and propaganda to
    types matched to every age group's interests, with ``extra_per_week``
    more activities; its monthly money (teachers, materials) joins the pool.
    """

    key = "diversified_activities"
    title = {"en": "Diversified activities", "zh": "多元化社区活动"}
    paper_section = "3.3"
    monthly_cost = {"staff_hours": 16.0, "money": 1500.0}

    class Params(InterventionParams):
        types: list[str] = Field(
            default_factory=lambda: ["handicraft", "music", "dance", "learning", "sports", "performance"]
        )
        extra_per_week: float = Field(1.0, ge=0, le=14, description="more committee activities per week")

    @classmethod
    def volume(cls, params) -> float:
        # Half is planning the wider repertoire, half the extra activities (one a week at the defaults).
        return 0.5 + 0.5 * params.extra_per_week / 1.0

    def setup(self, model) -> None:
        bad = [t for t in self.params.types if t not in ACTIVITY_TYPES]
        if bad:
            raise ValueError(f"diversified_activities.types: unknown type {bad[0]!r}")
        for org in model.organisers.of(model.committees):
            model.organisers.set_types(org, self.params.types)
            model.organisers.set_rate(org, org.per_week + self.params.extra_per_week)
        model.pool.add_offer(funds=self.cost(self.params)["money"])


@register
class PublicWelfareOrgs(Intervention):
    """Public-welfare organisations (公益性社区组织) for shared needs.

    Each community gets a public-welfare organisation holding clean-ups and
    mutual aid (type ``public_welfare``). Taking part raises efficacy (doing
    something together works), and the community's attendance over the last
    30 days lowers the rates of shared-need issues (maintenance, sanitation,
    disputes) up to ``issue_reduction``; cultural-sports activities do neither.
    """

    key = "public_welfare_orgs"
    title = {"en": "Public-welfare organisations", "zh": "公益性社区组织"}
    paper_section = "4.3(1)"
    monthly_cost = {"staff_hours": 8.0, "money": 2000.0}

    class Params(InterventionParams):
        per_week: float = Field(1.0, ge=0, le=14, description="activities per community per week")
        capacity: int = Field(30, ge=1, le=10_000)
        efficacy_gain: float = Field(0.03, ge=0, le=1, description="share of the efficacy gap closed per attendance")
        issue_reduction: float = Field(0.3, ge=0, le=1, description="largest relative cut of shared-need issue rates")
        full_effect_attendance: float = Field(
            0.05, gt=0, le=10, description="attendances per adult in 30 days for the full cut"
        )
        volunteer_hours_per_month: float = Field(
            30.0, ge=0, le=10_000, description="volunteers it brings, per community"
        )

    @classmethod
    def volume(cls, params) -> float:
        return params.per_week / 1.0  # activities per week (one at the defaults)

    def setup(self, model) -> None:
        # The organisation brings its own funds (the intervention's money) and volunteers to the pool.
        pop = model.pop
        self.attendance = np.zeros((30, pop.n_communities))
        add_community_ngos(
            model, self, "public-welfare organisation", "public_welfare", ["public_welfare"], on_attend=self._attended
        )
        self.adults = np.bincount(pop.community, minlength=pop.n_communities)
        self.comp_community = compound_community(model.scenario)

    def _attended(self, model, day, org, who) -> None:
        model.pop.nudge("efficacy", who, self.params.efficacy_gain)
        self.attendance[day % 30, org.community] += len(who)

    def before_issues(self, model) -> None:
        self.attendance[model.day % 30] = 0.0  # the slot is reused for today
        per_adult = self.attendance.sum(axis=0) / np.maximum(self.adults, 1)
        cut = self.params.issue_reduction * np.minimum(1.0, per_adult / self.params.full_effect_attendance)
        factor = np.ones((model.pop.n_compounds, len(DOMAINS)))
        factor[:, SHARED_NEEDS] = (1.0 - cut[self.comp_community])[:, None]
        model.levers.issue_rate_factors[self.key] = factor


@register
class NeighbourhoodNetworking(Intervention):
    """Neighbourhood exchange platforms (居民交流平台).

    Organised platforms raise the rate at which neighbours meet
    (``meeting_multiplier``) and move a share of chats from familiar faces to
    introductions to new neighbours.
    """

    key = "neighbourhood_networking"
    title = {"en": "Neighbourhood exchange platforms", "zh": "邻里交流平台"}
    paper_section = "4.3(1)"
    monthly_cost = {"staff_hours": 16.0, "money": 800.0}

    class Params(InterventionParams):
        meeting_multiplier: float = Field(1.8, ge=1, le=10, description="times the baseline chat rate")
        introductions: float = Field(0.1, ge=0, le=1, description="share of chats turned into introductions")

    @classmethod
    def volume(cls, params) -> float:
        return (
            params.meeting_multiplier - 1.0
        ) / 0.8  # extra meetings organised (0.8 of the usual rate at the defaults)

    def setup(self, model) -> None:
        lv = model.levers
        lv.meeting_rate_mult *= self.params.meeting_multiplier
        lv.familiar_share = max(0.0, lv.familiar_share - self.params.introductions)


@register
class SmartAnalytics(Intervention):
    """Smart analysis of complaint and resource data (智能分析).

    Every ``every_days`` the compound-and-domain with the most issues in the
    last 30 days is a hotspot and gets a proactive fix paid from the pool
    (``fix_funds``; its issue rate falls by ``hotspot_cut`` for ``fix_days``),
    to which the programme brings its monthly money;
    and the committee picks each
    activity's type by forecast demand (the type its community is most
    interested in among those it offers, discounted for its last three
    picks so the programme stays varied) instead of by rotation.
    """

    key = "smart_analytics"
    title = {"en": "Smart analytics of complaints and resources", "zh": "小程序智能分析"}
    paper_section = "3.2"
    monthly_cost = {"staff_hours": 12.0, "money": 2500.0}

    # A varied programme: each time a type was among the last PICK_MEMORY picks, it loses
    # REPEAT_PENALTY of forecast demand (mean interest, 0..1), so a close second takes turns.
    PICK_MEMORY = 3
    REPEAT_PENALTY = 0.1

    class Params(InterventionParams):
        every_days: int = Field(7, ge=1, le=365)
        hotspot_cut: float = Field(0.4, ge=0, le=1, description="relative cut of the hotspot's issue rate")
        fix_days: int = Field(60, ge=1, le=3650, description="days a fix lasts")
        fix_funds: float = Field(500.0, ge=0, le=1e6, description="yuan a proactive fix takes from the community pool")

    def setup(self, model) -> None:
        # Its budget (analysis, and the fixes it orders) joins the pool; the fixes are paid from there.
        model.pool.add_offer(funds=self.cost(self.params)["money"])
        self.fixed_until = np.zeros((model.pop.n_compounds, len(DOMAINS)), np.int64)
        self.recent_types: dict[int, list[int]] = {}
        for org in model.organisers.of(model.committees):
            model.organisers.set_chooser(org, self._choose)

    def _choose(self, model, org) -> int:
        # Demand forecast: mean interest of the community's residents in each offered type,
        # discounted by how often it was among the last three picks (a varied programme).
        interest = model.pop.interest[org.scope][:, org.types].mean(axis=0)
        recent = self.recent_types.get(org.slot, [])
        penalty = np.array([recent.count(t) for t in org.types]) * self.REPEAT_PENALTY
        pick = org.types[int(np.argmax(interest - penalty))]
        self.recent_types[org.slot] = (recent + [pick])[-self.PICK_MEMORY :]
        return pick

    def before_issues(self, model) -> None:
        log, day = model.issues, model.day
        if day % self.params.every_days == 0 and log.size:
            w = log.window(day - 1, 30)
            counts = np.zeros(self.fixed_until.shape)
            np.add.at(counts, (log.compound[w], log.domain[w]), 1)
            counts[self.fixed_until > day] = -1  # already being fixed
            comp, dom = np.unravel_index(int(np.argmax(counts)), counts.shape)
            # A fix is work paid from the community's pool: no money, no fix.
            community = compound_community(model.scenario)[comp]
            if counts[comp, dom] > 0 and model.pool.pay(np.array([community]), self.params.fix_funds)[0]:
                self.fixed_until[comp, dom] = day + self.params.fix_days
        factor = np.where(self.fixed_until > day, 1.0 - self.params.hotspot_cut, 1.0)
        model.levers.issue_rate_factors[self.key] = factor
