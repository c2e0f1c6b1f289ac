"""Interventions on coordination between units (§4.1(1), §4.2): cases move faster and surer."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from simulation.handlers import COMMITTEE, GOVERNMENT, PROPERTY
from simulation.interventions import Intervention, InterventionParams, register
from simulation.processes.issues import IN_TRANSIT, QUEUED


@register
class JointMeetings(Intervention):
    """Cross-department joint meetings (跨部门联席会议).

    Every ``every_days`` the departments meet: every open cross-department
    case is coordinated and no longer stalls between departments, and the
    shared information shortens referrals by ``referral_days_saved``.
    """

    key = "joint_meetings"
    title = {"en": "Cross-department joint meetings", "zh": "跨部门联席会议"}
    paper_section = "4.1(1)"
    monthly_cost = {"staff_hours": 24.0, "money": 500.0}

    class Params(InterventionParams):
        every_days: int = Field(30, ge=1, le=365, description="days between joint meetings")
        referral_days_saved: int = Field(1, ge=0, le=30, description="days cut from each referral")

    @classmethod
    def volume(cls, params) -> float:
        return 30.0 / params.every_days  # meetings per month (one at the defaults)

    def setup(self, model) -> None:
        model.levers.referral_days = max(0, model.levers.referral_days - self.params.referral_days_saved)

    def before_casework(self, model) -> None:
        if model.day % self.params.every_days != 0:
            return
        log = model.issues
        waiting = log.open_in_stage(QUEUED, IN_TRANSIT)
        log.coordinate(waiting[log.cross[waiting]])


@register
class WhistleReport(Intervention):
    """ "The community whistles, departments report" (社区吹哨、部门报到).

    A referred case (at a property company or a government unit) still open
    ``escalate_after_days`` after it was reported is escalated: every unit it
    needs works on it at once and first in its queue (within its capacity:
    the whistle reorders work, it adds no staff), walls do not stall it, it
    must conclude within ``respond_within_days``, and with the departments on
    the spot it ends resolved with at least ``escalated_success``.

    Defaults: fitted to Beijing's 12345 reform (resolution +21 points,
    satisfaction +20 points in a year; experiments/whistle_fit): only the
    strongest setting tried, escalation after 5 days and every escalated case
    resolved, reaches those changes.
    """

    key = "whistle_report"
    title = {"en": "The community whistles, departments report", "zh": "社区吹哨、部门报到"}
    paper_section = "4.1(1)"
    monthly_cost = {"staff_hours": 16.0, "money": 0.0}

    class Params(InterventionParams):
        escalate_after_days: int = Field(5, ge=1, le=120, description="days a referred case waits before the whistle")
        respond_within_days: int = Field(5, ge=1, le=60, description="days the summoned unit has to conclude")
        escalated_success: float = Field(1.0, ge=0, le=1, description="least chance an escalated case ends resolved")

    def setup(self, model) -> None:
        model.levers.escalated_success = max(model.levers.escalated_success, self.params.escalated_success)

    def before_casework(self, model) -> None:
        log, day = model.issues, model.day
        queued = log.open_in_stage(QUEUED)
        # Referred: at a property company or a government unit, not the committee itself.
        referred = queued[(log.handler[queued] >= 0) & (model.handlers.kind[log.handler[queued]] != COMMITTEE)]
        late = referred[~log.escalated[referred] & (day - log.reported[referred] >= self.params.escalate_after_days)]
        log.escalate(late, day)
        due = referred[log.escalated[referred] & (day - log.escalated_day[referred] >= self.params.respond_within_days)]
        log.expedite(due)


@register
class FourPartyTeams(Intervention):
    """City, district, street and community co-building teams (四方共建团队).

    Teams visit each compound every ``visit_every_days`` and collect opinions
    (a reporting channel that day for residents they find at home), mediate
    disputes (extra committee case capacity) and run volunteer services
    (volunteer hours join the community pool). They work through the compound
    Party branches, which they strengthen (``branch_gain``).
    """

    key = "four_party_teams"
    title = {"en": "Four-level co-building teams", "zh": "市直、区直、镇街和社区四方共建团队"}
    paper_section = "4.1(1)"
    monthly_cost = {"staff_hours": 64.0, "money": 1000.0}

    class Params(InterventionParams):
        visit_every_days: int = Field(14, ge=1, le=365, description="days between a team's visits to a compound")
        visit_bonus: float = Field(1.5, ge=0, le=10, description="reporting log-odds when the team visits")
        mediation_cases_per_day: float = Field(
            0.25,
            ge=0,
            le=100,
            description="extra committee case-days per day per community (0.25 = 30 staff hours a month at 4 "
            "hours a case, within the teams' 64)",
        )
        volunteer_hours_per_month: float = Field(40.0, ge=0, le=10_000, description="per community")
        branch_gain: float = Field(
            0.2, ge=0, le=1, description="rise of compound branches' strength (teams work with them)"
        )

    @classmethod
    def volume(cls, params) -> float:
        # Visits, mediation and volunteer services, each relative to its default, weighted equally.
        return (
            14.0 / params.visit_every_days
            + params.mediation_cases_per_day / 0.25
            + params.volunteer_hours_per_month / 40.0
        ) / 3.0

    def setup(self, model) -> None:
        model.handlers.add_capacity((COMMITTEE,), self.params.mediation_cases_per_day)
        model.branch_table.strengthen(self.params.branch_gain)
        model.pool.add_offer(volunteer_hours=self.params.volunteer_hours_per_month)
        model.open_channel("four_party_team", np.full(model.pop.n, -np.inf, np.float32))

    def before_reporting(self, model) -> None:
        pop, day = model.pop, model.day
        visited = (day + pop.compound) % self.params.visit_every_days == 0
        home = self.stream(model, "visit").uniform(day, pop.n) < pop.presence
        model.open_channel("four_party_team", np.where(visited & home, self.params.visit_bonus, -np.inf))


@register
class AffairsAdmission(Intervention):
    """An admission list for community affairs (社区事务准入制).

    Tasks pushed down to the committee must pass an admission list: the
    administrative burden falls by ``burden_cut``, freeing staff hours for
    casework (committee capacity rises).
    """

    key = "affairs_admission"
    title = {"en": "Admission list for community affairs", "zh": "社区事务准入制"}
    paper_section = "4.2"
    monthly_cost = {"staff_hours": 4.0, "money": 0.0}

    class Params(InterventionParams):
        burden_cut: float = Field(0.4, ge=0, le=1, description="share of the administrative burden removed")

    def setup(self, model) -> None:
        model.handlers.cut_admin_burden(self.params.burden_cut)


@register
class PerformanceAssessment(Intervention):
    """Assessment and ranking of units by response and satisfaction (考核评比).

    Ranked units respond faster: government units and property companies
    need fewer handling days (``work_days_cut``: pressure to conclude, not
    more staff), and satisfaction call-backs raise the chance that a reporter
    gets a reply.
    """

    key = "performance_assessment"
    title = {"en": "Performance assessment and ranking", "zh": "考核评比"}
    paper_section = "4.2"
    monthly_cost = {"staff_hours": 16.0, "money": 1000.0}

    class Params(InterventionParams):
        work_days_cut: float = Field(0.2, ge=0, le=0.9, description="relative cut of handling days")
        reply_prob: float = Field(0.6, ge=0, le=1, description="reply chance after assessment call-backs")

    def setup(self, model) -> None:
        p = self.params
        model.handlers.boost((GOVERNMENT, PROPERTY), 1.0, 1.0 - p.work_days_cut)
        model.levers.reply_prob = max(model.levers.reply_prob, self.params.reply_prob)
