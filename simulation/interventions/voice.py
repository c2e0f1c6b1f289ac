"""Interventions that open channels and mobilise residents (§4.3): model households, elder
representatives, the community app, representative elections."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from simulation.arrays import members_by, ranked_within
from simulation.interventions import Intervention, InterventionParams, register
from simulation.population import ELDERLY, T_COMMUNITY
from simulation.processes.governance import hold_election
from simulation.scenario import ACTIVITY_TYPES
from simulation.streams import SETUP_DAY


@register
class ModelHouseholds(Intervention):
    """Party-member model households (社区党委+小区党支部+党员示范户).

    The compound Party branch picks, in each building, up to ``per_building``
    households with a Party member (those most interested in public affairs)
    and backs them (the branch grows stronger, ``branch_gain``). They invite
    building neighbours personally (a daily chance per neighbour), host small
    building gatherings, and relay neighbours' issues (a reporting channel for
    everyone in their building; they report back). Gatherings use the pool
    like every activity (a room, materials, volunteers' time); the programme
    brings its money, and the model households their homes' hours and their
    volunteer hours, to the pool.
    """

    TIE_BREAK = 0.1  # a random term (0..0.1) among households of similar interest (0..1)
    key = "model_households"
    title = {"en": "Party-member model households", "zh": "党员示范户"}
    paper_section = "4.3(1)"
    monthly_cost = {"staff_hours": 40.0, "money": 2000.0}

    class Params(InterventionParams):
        per_building: int = Field(1, ge=1, le=10, description="model households per building")
        invite_rate: float = Field(0.03, ge=0, le=1, description="daily chance a building neighbour is invited")
        relay_bonus: float = Field(1.2, ge=0, le=10, description="reporting log-odds through the model household")
        reply_prob: float = Field(0.8, ge=0, le=1, description="chance the model household reports back")
        gatherings_per_week: float = Field(0.25, ge=0, le=7, description="building gatherings per model household")
        gathering_capacity: int = Field(12, ge=1, le=200)
        gathering_types: list[str] = Field(default_factory=lambda: ["public_welfare", "handicraft", "music"])
        venue_hours_per_gathering: float = Field(1.0, ge=0, le=24, description="room hours a gathering uses")
        funds_per_gathering: float = Field(40.0, ge=0, le=10_000, description="yuan a gathering uses (materials, tea)")
        volunteer_hours_per_gathering: float = Field(2.0, ge=0, le=100, description="volunteer hours a gathering uses")
        household_volunteer_hours: float = Field(
            2.0, ge=0, le=100, description="monthly volunteer hours each model household gives the pool"
        )
        household_venue_hours: float = Field(
            2.0, ge=0, le=100, description="monthly hours each model household opens its home for gatherings"
        )
        branch_gain: float = Field(0.1, ge=0, le=1, description="rise of compound branches' strength")

    @classmethod
    def volume(cls, params) -> float:
        # Households supported, half fixed (training, relaying issues) and half their gatherings.
        return params.per_building * (0.5 + 0.5 * params.gatherings_per_week / 0.25)

    def setup(self, model) -> None:
        pop = model.pop
        starts = pop.hh_indptr[:-1]
        has_party = np.maximum.reduceat(pop.party.astype(np.int8), starts) > 0
        # The branch picks the Party households most interested in public affairs (a draw breaks ties).
        interest = np.maximum.reduceat(np.where(pop.party, pop.public_affairs, 0.0), starts)
        u = self.stream(model, "select").uniform(SETUP_DAY, pop.n_households)
        rank = ranked_within(pop.hh_building, np.where(has_party, interest + self.TIE_BREAK * u, -1.0))
        chosen = np.flatnonzero(has_party & (rank < self.params.per_building))
        pop.designate_model_households(chosen)
        model.branch_table.strengthen(self.params.branch_gain, np.unique(pop.hh_compound[chosen]))
        p = self.params
        model.pool.add_offer(
            funds=self.cost(p)["money"],
            venue_hours=p.household_venue_hours * len(chosen) / pop.n_communities,
            volunteer_hours=p.household_volunteer_hours * len(chosen) / pop.n_communities,
        )
        buildings = np.zeros(pop.n_buildings, bool)
        buildings[pop.hh_building[chosen]] = True
        self.in_building = buildings[pop.building]
        model.open_channel(
            "model_household", np.where(self.in_building, self.params.relay_bonus, -np.inf), self.params.reply_prob
        )
        by_building = members_by(pop.building)
        types = [t for t in self.params.gathering_types if t in ACTIVITY_TYPES]
        for h in chosen:
            b = int(pop.hh_building[h])
            branch = model.branches[int(pop.hh_compound[h])]
            model.add_organiser(
                branch,
                int(pop.hh_community[h]),
                by_building[b],
                types,
                self.params.gatherings_per_week,
                self.params.gathering_capacity,
                T_COMMUNITY,
                needs=(p.venue_hours_per_gathering, p.funds_per_gathering, p.volunteer_hours_per_gathering),
            )

    def before_activities(self, model) -> None:
        u = self.stream(model, "invite").uniform(model.day, model.pop.n)
        model.pop.invite(self.in_building & (u < self.params.invite_rate))


@register
class ElderRepresentatives(Intervention):
    """Elder representatives (长者代表).

    In each compound the ``per_compound`` elderly residents most interested in
    public affairs become representatives (the election among the elderly is
    not simulated; interest stands in for the vote): they collect the elderly's
    issues (a reporting channel for every elderly resident), report back
    regularly (replies on relayed issues) and are personally invited to
    every consultation.
    """

    # Interest in public affairs (0..1) decides; a small random term breaks ties between equals.
    TIE_BREAK = 0.1
    key = "elder_representatives"
    title = {"en": "Elder representatives", "zh": "长者代表"}
    paper_section = "4.3(2)"
    monthly_cost = {"staff_hours": 8.0, "money": 400.0}

    class Params(InterventionParams):
        per_compound: int = Field(2, ge=1, le=50, description="representatives per compound")
        relay_bonus: float = Field(1.5, ge=0, le=10, description="reporting log-odds of the elderly through them")
        reply_prob: float = Field(0.9, ge=0, le=1, description="chance they report back on a relayed issue")

    @classmethod
    def volume(cls, params) -> float:
        return params.per_compound / 2.0  # representatives (two per compound at the defaults)

    def setup(self, model) -> None:
        pop = model.pop
        elderly = pop.age_group == ELDERLY
        noise = self.stream(model, "select").uniform(SETUP_DAY, pop.n)
        score = np.where(elderly, pop.public_affairs + self.TIE_BREAK * noise, -1.0)
        self.reps = np.flatnonzero(elderly & (ranked_within(pop.compound, score) < self.params.per_compound))
        model.open_channel(
            "elder_representative", np.where(elderly, self.params.relay_bonus, -np.inf), self.params.reply_prob
        )

    def before_governance(self, model) -> None:
        model.pop.invite(self.reps)


@register
class CommunityApp(Intervention):
    """A community app (社区App/小程序) for reports, replies and notices.

    Residents with digital access (mostly the young) can report through the
    app and hear of activities through it; app reports get replies.
    """

    key = "community_app"
    title = {"en": "Community app", "zh": "社区App"}
    paper_section = "4.3(2)"
    monthly_cost = {"staff_hours": 20.0, "money": 1500.0}

    class Params(InterventionParams):
        app_bonus: float = Field(1.5, ge=0, le=10, description="reporting log-odds through the app")
        notice_reach: float = Field(
            0.5, ge=0, le=1, description="chance an app user hears of an activity (sets lever app_reach)"
        )
        reply_prob: float = Field(0.9, ge=0, le=1, description="chance an app report gets a reply")

    def setup(self, model) -> None:
        lv = model.levers
        lv.app_enabled = True
        lv.app_bonus = self.params.app_bonus
        lv.app_reach = max(lv.app_reach, self.params.notice_reach)
        lv.reply_prob_by_channel["app"] = self.params.reply_prob


@register
class RepresentativeElection(Intervention):
    """Open elections of community representatives balancing groups (代表选举).

    Every ``every_days`` (first on ``first_day``) each compound fields
    ``candidates_per_group`` candidates from each age group, who canvass
    their acquaintances (a campaign bonus to their log-odds of voting); every
    adult votes or not. The candidates, one slate per group, then serve as
    representatives and relay their acquaintances' issues (a reporting
    channel).
    """

    # Who stands: interest in public affairs (0..1) plus a random term of up to 0.3, so candidates
    # are not always the most interested few (nomination also depends on circumstance).
    CANDIDATE_NOISE = 0.3
    key = "representative_election"
    title = {"en": "Open representative elections", "zh": "代表选举制度"}
    paper_section = "4.3(2)"
    monthly_cost = {"staff_hours": 8.0, "money": 500.0}

    class Params(InterventionParams):
        first_day: int = Field(120, ge=1, le=36_500)
        every_days: int = Field(365, ge=30, le=3650)
        candidates_per_group: int = Field(1, ge=1, le=20, description="per compound and age group")
        campaign_bonus: float = Field(1.0, ge=0, le=10, description="voting log-odds for a candidate's acquaintances")
        relay_bonus: float = Field(
            1.2, ge=0, le=10, description="reporting log-odds through a representative one knows"
        )

    @classmethod
    def volume(cls, params) -> float:
        return 365.0 / params.every_days  # elections per year, costs spread over the months

    def setup(self, model) -> None:
        model.open_channel("representative", np.full(model.pop.n, -np.inf))

    def before_governance(self, model) -> None:
        day = model.day
        p = self.params
        if day < p.first_day or (day - p.first_day) % p.every_days:
            return
        pop = model.pop
        u = self.stream(model, "candidates").uniform(day, pop.n)
        group = pop.compound.astype(np.int64) * 3 + pop.age_group
        candidate = ranked_within(group, pop.public_affairs + self.CANDIDATE_NOISE * u) < p.candidates_per_group
        reach = model.network.dot(candidate.astype(np.float32))
        bonus = np.where(reach > 0, p.campaign_bonus, 0.0)
        hold_election(model, day, f"{self.key}.vote", bonus)
        served = (reach > 0) | candidate
        model.open_channel("representative", np.where(served, p.relay_bonus, -np.inf))
