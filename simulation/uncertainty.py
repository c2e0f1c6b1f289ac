"""What we assumed, as ranges: the uncertainty the sensitivity and robustness studies carry (docs/ODD.md §8).

Three kinds of input are uncertain:

- **calibrated (C)** behavioural parameters: the range of the vectors the
  patterns did not rule out (history matching, ``experiments/calibration``);
- **assumed (A)** mechanism parameters: a band around the default by a rule
  (:func:`assumed_range`), since no data pin them;
- **intervention strengths**: a plausible range per remedy (``STRENGTHS``),
  with the reasoning; the whistle's comes from the fit to Beijing's 12345
  reform (``experiments/whistle_fit``).

The ranges are grouped by mechanism (``GROUPS``): a screening design moves a
group's parameters together, and a group is the unit of the answer "which
assumption does the ranking depend on".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulation.interventions import INTERVENTIONS
from simulation.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "experiments" / "calibration" / "result.json"

# Assumed (A) mechanism parameters, by the mechanism they belong to.
GROUPS: dict[str, tuple[str, ...]] = {
    "issues": ("issues.rate_per_household_day", "issues.cross_department_share", "issues.three_no_maintenance_factor"),
    "reporting": (
        "reporting.base",
        "reporting.trust_weight",
        "reporting.efficacy_weight",
        "reporting.walk_in_time_weight",
        "reporting.branch_bonus",
    ),
    "case capacity": (
        "casework.committee_staff",
        "casework.admin_burden",
        "casework.hours_per_case",
        "casework.property_capacity",
    ),
    "case outcomes": (
        "casework.committee_success",
        "casework.property_success",
        "casework.wall_stall",
        "casework.units_per_cross_case",
        "casework.referral_days",
        "casework.reply_prob",
        "casework.repair_funds",
    ),
    "trust from cases": (
        "trust.gain_success",
        "trust.loss_failure",
        "trust.reply_bonus",
        "trust.household_share",
        "trust.efficacy_gain",
        "trust.efficacy_loss",
        "trust.referral_share",
        "trust.grievance_loss",
    ),
    "trust spread and forgetting": (
        "trust.hearsay_share",
        "trust.notice_gain",
        "trust.neglect_loss",
        "trust.forgetting",
        "trust.institution_forgetting",
        "word_of_mouth.rate",
    ),
    "trust from taking part": ("trust.attendance_gain", "trust.contact_gain", "trust.heard_gain", "trust.unheard_loss"),
    "activity supply": (
        "activities.committee_per_week",
        "activities.committee_capacity",
        "activities.notice_reach",
        "activities.max_per_month",
    ),
    "activity choice": (
        "activities.interest_weight",
        "activities.trust_weight",
        "activities.social_weight",
        "activities.invite_weight",
    ),
    "ties": (
        "network.compound_ties",
        "network.cross_compound_ties",
        "network.strengthen",
        "network.decay_per_day",
        "network.new_tie_weight",
        "network.familiar_share",
    ),
    "influence": ("influence.threshold_mean", "influence.party_invites"),
    "consultations": (
        "governance.consultation_capacity",
        "governance.trust_weight",
        "governance.efficacy_weight",
        "governance.proposal_base",
        "governance.adoption_prob",
        "governance.repair_reserve",
    ),
    "resources": (
        "resources.venue_hours_per_month",
        "resources.funds_per_month",
        "resources.volunteer_hours_per_month",
    ),
    "party": ("party.branch_strength", "party.property_link", "population.party_share"),
}
# Calibrated (C) parameters, by the patterns that pin them.
CALIBRATED_GROUPS: dict[str, tuple[str, ...]] = {
    "calibrated: voting": (
        "governance.vote_base",
        "governance.interest_weight",
        "governance.free_time_weight",
        "governance.party_weight",
        "governance.mobilisation_weight",
        "population.groups.young.public_affairs_interest",
        "population.groups.middle.public_affairs_interest",
    ),
    "calibrated: consultations": ("governance.base",),
    "calibrated: ties": ("network.building_ties", "network.meeting_rate"),
    "calibrated: activities": ("activities.base", "activities.free_time_weight"),
}

# Plausible strength ranges (A) per remedy, and why. A remedy's parameters not named keep their defaults.
STRENGTHS: dict[str, tuple[dict[str, tuple[float, float]], str]] = {
    "affairs_admission": (
        {"burden_cut": (0.2, 0.6)},
        "admission lists remove a part of the tasks pushed down, never all: a fifth to three fifths",
    ),
    "community_app": (
        {"app_bonus": (0.75, 2.25), "notice_reach": (0.3, 0.7), "reply_prob": (0.6, 1.0)},
        "app use and replies vary widely between communities; half to 1.5 times the default pull, "
        "a third to two thirds of users reached",
    ),
    "cultural_sports_orgs": (
        {"per_week": (0.5, 2.0), "volunteer_hours_per_month": (15.0, 60.0)},
        "one organisation runs a session every one to four weeks and brings half to twice the default volunteers",
    ),
    "diversified_activities": (
        {"extra_per_week": (0.5, 2.0)},
        "the committee adds half to two activities a week with its own staff",
    ),
    "dual_reporting": (
        {"party_volunteer_hours": (1.0, 4.0), "unit_activities_per_week": (0.25, 1.0), "branch_gain": (0.1, 0.5)},
        "registered members give one to four hours a month; idle resources of resident units (the paper's "
        "point) are not measured, so the units' activity rate spans a factor of four",
    ),
    "elder_representatives": (
        {"relay_bonus": (0.75, 2.25), "reply_prob": (0.6, 1.0)},
        "how much an elder reports through a peer is not measured: half to 1.5 times the default pull",
    ),
    "four_party_teams": (
        {
            "visit_every_days": (7.0, 30.0),
            "visit_bonus": (0.75, 2.25),
            "mediation_cases_per_day": (0.1, 0.5),
            "branch_gain": (0.1, 0.3),
        },
        "teams visit weekly to monthly; their mediation time is a share of 64 staff hours a month",
    ),
    "joint_meetings": (
        {"every_days": (14.0, 60.0), "referral_days_saved": (0.0, 2.0)},
        "joint meetings are held fortnightly to every two months",
    ),
    "model_households": (
        {
            "invite_rate": (0.015, 0.06),
            "relay_bonus": (0.6, 1.8),
            "gatherings_per_week": (0.125, 0.5),
            "branch_gain": (0.05, 0.2),
        },
        "a model household invites and gathers its building half to twice as often as assumed",
    ),
    "neighbourhood_networking": (
        {"meeting_multiplier": (1.3, 2.5), "introductions": (0.05, 0.2)},
        "networking events raise everyday chats by a third to two and a half times",
    ),
    "performance_assessment": (
        {"work_days_cut": (0.1, 0.3), "reply_prob": (0.4, 0.8)},
        "assessment shortens handling by a tenth to three tenths",
    ),
    "public_welfare_orgs": (
        {"per_week": (0.5, 2.0), "efficacy_gain": (0.015, 0.06), "issue_reduction": (0.15, 0.45)},
        "sessions every one to four weeks; how much volunteering builds efficacy and prevents issues is "
        "not measured: half to 1.5 times (twice for efficacy) the default",
    ),
    "representative_election": (
        {"campaign_bonus": (0.5, 1.5), "relay_bonus": (0.6, 1.8)},
        "a candidate's pull on acquaintances' votes and reports, half to 1.5 times the default",
    ),
    "smart_analytics": (
        {"hotspot_cut": (0.2, 0.6), "fix_days": (30.0, 120.0)},
        "a proactive fix cuts a hotspot's issues by a fifth to three fifths, for one to four months",
    ),
    "whistle_report": (
        {"escalate_after_days": (5.0, 10.0), "respond_within_days": (3.0, 10.0), "escalated_success": (0.9, 1.0)},
        "fitted to the 12345 reform (experiments/whistle_fit): only escalation after 5 days with every escalated "
        "case resolved reaches its changes; the range keeps the settings within about two tolerances of them",
    ),
}


def _bounds(scn: Scenario, dotted: str) -> tuple[float | None, float | None]:
    """The schema's allowed range of a field."""
    parts = dotted.split(".")
    node: Any = scn
    for part in parts[:-1]:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    field = type(node).model_fields[parts[-1]]
    lo = hi = None
    for meta in field.metadata:
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    return lo, hi


def assumed_range(scn: Scenario, dotted: str) -> tuple[float, float]:
    """The band an assumed (A) parameter is varied over.

    Log-odds terms (fields allowed in -20..20): the default +/- 1 (a factor of
    e on the odds). Other non-negative quantities: 2/3 to 3/2 of the default,
    clipped to the allowed range (shares stay within 0..1).
    """
    value = float(scn.value_at(dotted))
    lo, hi = _bounds(scn, dotted)
    if lo is not None and lo < 0:  # a log-odds term
        return value - 1.0, value + 1.0
    a, b = value * 2 / 3, value * 1.5
    if lo is not None:
        a = max(a, float(lo))
    if hi is not None:
        b = min(b, float(hi))
    return a, b


def calibrated_ranges(path: Path = CALIBRATION) -> dict[str, tuple[float, float]]:
    """Range of each (C) parameter over the vectors not ruled out by history matching."""
    result = json.loads(Path(path).read_text())
    return {k: (v["nroy_min"], v["nroy_max"]) for k, v in result["identifiability"].items()}


def nroy_vectors(path: Path = CALIBRATION) -> list[dict[str, float]]:
    """The (C) parameter vectors the patterns did not rule out."""
    result = json.loads(Path(path).read_text())
    return [{k: v for k, v in row.items() if k != "I_max"} for row in result["nroy"]]


def strength_ranges(key: str) -> dict[str, tuple[float, float]]:
    if key not in INTERVENTIONS:
        raise KeyError(f"unknown intervention {key!r}")
    return STRENGTHS[key][0]


def model_factors(scn: Scenario | None = None) -> dict[str, tuple[str, tuple[float, float]]]:
    """Every uncertain model parameter: ``{dotted: (group, (low, high))}`` ((A) by rule, (C) from the calibration)."""
    scn = scn or Scenario()
    out: dict[str, tuple[str, tuple[float, float]]] = {}
    for group, names in GROUPS.items():
        for name in names:
            out[name] = (group, assumed_range(scn, name))
    calibrated = calibrated_ranges()
    for group, names in CALIBRATED_GROUPS.items():
        for name in names:
            out[name] = (group, calibrated[name])
    return out
