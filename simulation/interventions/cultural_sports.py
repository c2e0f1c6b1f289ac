"""A comparator for public-welfare organisations: a cultural-sports organisation at the same cost (§4.3(1))."""

from __future__ import annotations

from pydantic import Field

from simulation.interventions import Intervention, InterventionParams, register
from simulation.interventions.organisations import add_community_ngos
from simulation.scenario import ACTIVITY_TYPES


@register
class CulturalSportsOrgs(Intervention):
    """Cultural-sports organisations (文体类社会组织): the paper's contrast to public-welfare ones.

    Each community gets one more cultural-sports organisation (dance, music,
    performance) with the same activities, places, money and volunteers as
    ``public_welfare_orgs`` at its defaults. Its activities bring people
    together but, unlike public-welfare activities, do not raise efficacy or
    lower the issues of shared needs: an arm to test whether the organisations'
    purpose, not only their size, matters (paper §4.3(1)).
    """

    key = "cultural_sports_orgs"
    title = {"en": "Cultural-sports organisations", "zh": "文体类社会组织"}
    paper_section = "4.3(1)"
    monthly_cost = {"staff_hours": 8.0, "money": 2000.0}

    class Params(InterventionParams):
        per_week: float = Field(1.0, ge=0, le=14, description="activities per community per week")
        capacity: int = Field(30, ge=1, le=10_000, description="places per activity")
        types: list[str] = Field(
            default_factory=lambda: ["dance", "music", "performance"], description="its activity types, in rotation"
        )
        volunteer_hours_per_month: float = Field(
            30.0, ge=0, le=10_000, description="volunteers it brings, per community"
        )

    @classmethod
    def volume(cls, params) -> float:
        return params.per_week / 1.0  # activities per week (one at the defaults)

    def setup(self, model) -> None:
        bad = [t for t in self.params.types if t not in ACTIVITY_TYPES]
        if bad:
            raise ValueError(f"cultural_sports_orgs.types: unknown type {bad[0]!r}")
        add_community_ngos(model, self, "cultural-sports organisation", "cultural_sports", self.params.types)
