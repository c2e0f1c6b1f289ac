"""Generate the parameter and metric tables of docs/ODD.md from the code.

Walks ``Scenario.model_fields`` recursively and prints one Markdown table per
scenario section: dotted field, default, unit, allowed range, description
(from the pydantic ``Field``) and source or assumption (from ``SOURCES``
below). The age-group dict is shown as one row per field with the three
groups' defaults; the lists ``government.units`` and ``activities.organisers``
as a field table plus a table of their default entries. The metric table is
read from ``simulation.metrics.METRICS``.

Usage::

    python docs/param_table.py           # print both blocks to stdout
    python docs/param_table.py --write   # rewrite the blocks in docs/ODD.md in place
    python docs/param_table.py --check   # exit 1 if docs/ODD.md is out of date

The blocks sit between ``<!-- params:start -->`` / ``<!-- params:end -->`` and
``<!-- metrics:start -->`` / ``<!-- metrics:end -->``. Fields missing from
``UNITS`` or ``SOURCES`` are reported on stderr (and get "assumption" as
source), so a new parameter cannot slip in undocumented unnoticed.
"""

from __future__ import annotations

import argparse
import fnmatch
import math
import sys
import typing
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from anywhere without installing the package
    sys.path.insert(0, str(ROOT))

from pydantic import BaseModel  # noqa: E402
from pydantic_core import PydanticUndefined  # noqa: E402

from simulation.interventions import INTERVENTIONS  # noqa: E402
from simulation.metrics import METRICS  # noqa: E402
from simulation.model import PHASES  # noqa: E402
from simulation.scenario import AGE_GROUPS, Scenario  # noqa: E402

ODD = Path(__file__).resolve().with_name("ODD.md")
MARKERS = {
    "params": ("<!-- params:start -->", "<!-- params:end -->"),
    "metrics": ("<!-- metrics:start -->", "<!-- metrics:end -->"),
    "interventions": ("<!-- interventions:start -->", "<!-- interventions:end -->"),
}
# Placeholders in dotted names: an age group, an entry of a list.
GROUP = "<group>"

# -- units (keyed by dotted field; "*" patterns allowed) -----------------------
UNITS: dict[str, str] = {
    "activities.max_per_month": "activities per month at full free time",
    "activities.organisers[].needs": "[venue h, yuan, volunteer h] per activity",
    "casework.repair_funds": "yuan per repair",
    "casework.satisfied_within_days": "days from report",
    "casework.units_per_cross_case": "government units per case",
    "governance.adoption_prob": "probability per proposal",
    "governance.proposal_base": "log-odds",
    "governance.proposal_efficacy_weight": "log-odds per unit efficacy",
    "governance.repair_reserve": "share of monthly funds",
    "party.branch_strength": "strength 0..1",
    "party.property_link": "probability per unit strength",
    "trust.heard_gain": "share of gap to 1 per adopted proposal",
    "trust.hearsay_share": "share of the reporter's update per unit tie weight",
    "trust.institution_forgetting": "share of gap to resting level per day",
    "trust.neglect_loss": "share of trust per visible problem",
    "trust.neglect_max": "share of trust per notice",
    "trust.notice_every_days": "days",
    "trust.notice_gain": "share of gap to 1 per resolved case",
    "trust.notice_max": "share of gap to 1 per notice",
    "trust.unheard_loss": "share of efficacy per rejected proposal",
    "interventions.*.branch_gain": "strength 0..1",
    "interventions.*.fix_funds": "yuan per fix",
    "interventions.*_per_gathering": "per gathering",
    "interventions.*.household_volunteer_hours": "volunteer hours per model household-month",
    "interventions.*.household_venue_hours": "venue hours per model household-month",
    "name": "text",
    "description": "text",
    "days": "days",
    "burn_in_days": "days",
    "interventions": "key → parameters",
    "community.communities": "communities",
    "community.compounds_per_community": "compounds per community",
    "community.buildings_per_compound": "buildings per compound",
    "community.adults": "adults",
    "community.household_adults_mean": "adults per household",
    "community.three_no_compounds": "compounds per community",
    "community.stranger_index": "index 0..1",
    "population.party_share": "share of adults",
    "population.trait_sd": "sd on the 0..1 trait scale",
    "population.household_age_match": "share of adults",
    "population.table": "file path",
    f"population.groups.{GROUP}.share": "share of adults",
    f"population.groups.{GROUP}.party_weight": "relative odds",
    f"population.groups.{GROUP}.free_time": "share of evenings and weekends",
    f"population.groups.{GROUP}.presence": "share of daytime",
    f"population.groups.{GROUP}.digital_access": "share of the group",
    f"population.groups.{GROUP}.trust_*": "trust 0..1",
    f"population.groups.{GROUP}.efficacy": "efficacy 0..1",
    f"population.groups.{GROUP}.public_affairs_interest": "interest 0..1",
    f"population.groups.{GROUP}.interests.*": "interest 0..1",
    "network.kind": "choice",
    "network.building_ties": "ties per adult",
    "network.compound_ties": "ties per adult",
    "network.cross_compound_ties": "ties per adult",
    "network.mean_degree": "ties per adult",
    "network.rewire": "probability",
    "network.path": "file path",
    "network.household_weight": "tie weight 0..1",
    "network.initial_weight": "tie weight 0..1",
    "network.new_tie_weight": "tie weight 0..1",
    "network.strengthen": "tie weight per contact-day",
    "network.decay_per_day": "1/day (relative)",
    "network.min_weight": "tie weight 0..1",
    "network.meeting_rate": "probability per adult-day",
    "network.familiar_share": "share of chats",
    "issues.rate_per_household_day": "issues per household-day",
    "issues.maintenance": "relative weight",
    "issues.sanitation": "relative weight",
    "issues.safety": "relative weight",
    "issues.dispute": "relative weight",
    "issues.elderly_care": "relative weight",
    "issues.property_service": "relative weight",
    "issues.three_no_maintenance_factor": "multiplier",
    "issues.cross_department_share": "share of issues",
    "issues.grievance_days": "days",
    "reporting.base": "log-odds",
    "reporting.trust_weight": "log-odds per unit trust",
    "reporting.efficacy_weight": "log-odds per unit efficacy",
    "reporting.walk_in_time_weight": "log-odds per unit free time",
    "reporting.branch_bonus": "log-odds per unit branch strength",
    "reporting.urgency_days": "days",
    "reporting.app_enabled": "switch",
    "reporting.app_bonus": "log-odds",
    "casework.committee_staff": "staff per community",
    "casework.staff_hours_per_day": "hours per staff-day",
    "casework.admin_burden": "share of staff time",
    "casework.hours_per_case": "staff hours per case-day",
    "casework.committee_domains": "list of domains",
    "casework.committee_success": "probability per finished case",
    "casework.committee_work_days": "days worked (mean)",
    "casework.property_capacity": "part-days per day per company",
    "casework.property_success": "probability per finished case",
    "casework.property_work_days": "days worked (mean)",
    "casework.referral_days": "days",
    "casework.wall_stall": "probability per case-day",
    "casework.max_days": "days",
    "casework.reply_prob": "probability per closed case",
    "government.units[].name": "text",
    "government.units[].level": "choice",
    "government.units[].domains": "list of domains",
    "government.units[].capacity": "part-days per day per community served",
    "government.units[].success": "probability per finished case",
    "government.units[].work_days": "days worked (mean)",
    "trust.gain_success": "share of gap to 1 per event",
    "trust.loss_failure": "share of trust per event",
    "trust.timely_days": "days",
    "trust.reply_bonus": "share of gap to 1 per reply",
    "trust.household_share": "weight 0..1",
    "trust.referral_share": "weight 0..1",
    "trust.efficacy_gain": "share of gap to 1 per event",
    "trust.efficacy_loss": "share of efficacy per event",
    "trust.grievance_loss": "share of trust per event",
    "trust.attendance_gain": "share of gap to 1 per attendance",
    "trust.contact_gain": "share of gap to 1 per contact",
    "trust.forgetting": "share of gap to resting level per day",
    "activities.committee_per_week": "activities per week per community",
    "activities.committee_types": "list of activity types",
    "activities.committee_capacity": "places per activity",
    "activities.venue_hours": "venue hours per activity",
    "activities.funds": "yuan per activity",
    "activities.volunteer_hours": "volunteer hours per activity",
    "activities.notice_reach": "probability per resident and activity",
    "activities.app_reach": "probability per app user and activity",
    "activities.base": "log-odds",
    "activities.interest_weight": "log-odds per unit interest",
    "activities.free_time_weight": "log-odds per unit free time",
    "activities.trust_weight": "log-odds per unit trust",
    "activities.social_weight": "log-odds",
    "activities.invite_weight": "log-odds",
    "activities.co_attendee_ties": "contacts per attendee and activity",
    "activities.organisers[].name": "text",
    "activities.organisers[].kind": "choice",
    "activities.organisers[].activities_per_week": "activities per week per community",
    "activities.organisers[].types": "list of activity types",
    "activities.organisers[].capacity": "places per activity",
    "activities.organisers[].venue_hours_per_month": "venue hours per month",
    "activities.organisers[].funds_per_month": "yuan per month",
    "activities.organisers[].volunteer_hours_per_month": "volunteer hours per month",
    "activities.organisers[].joined": "switch",
    "influence.threshold_mean": "share of tie weight",
    "influence.threshold_sd": "share of tie weight",
    "influence.party_invites": "1/day per unit tie weight to Party members and unit branch strength",
    "influence.direct": "switch",
    "engagement.memory_days": "days",
    "engagement.permanent": "switch",
    "engagement.seed_residents": "residents",
    "word_of_mouth.rate": "share of gap per day",
    "governance.consultation_every_days": "days",
    "governance.consultation_capacity": "places per consultation",
    "governance.election_day": "day of run",
    "governance.election_every_days": "days",
    "governance.base": "log-odds",
    "governance.vote_base": "log-odds",
    "governance.interest_weight": "log-odds per unit interest",
    "governance.trust_weight": "log-odds per unit trust",
    "governance.efficacy_weight": "log-odds per unit efficacy",
    "governance.free_time_weight": "log-odds per unit free time",
    "governance.mobilisation_weight": "log-odds",
    "governance.party_weight": "log-odds",
    "resources.venue_hours_per_month": "venue hours per month per community",
    "resources.funds_per_month": "yuan per month per community",
    "resources.volunteer_hours_per_month": "volunteer hours per month per community",
    "resources.party_volunteer_hours": "hours per Party member-month at full branch strength",
    "drivers.*": "switch",
    # intervention parameters: interventions.<key>.<param>
    "interventions.*_days": "days",
    "interventions.*_days_saved": "days",
    "interventions.*.every_days": "days",
    "interventions.*.first_day": "day of run",
    "interventions.*.start_day": "day of run (0: set-up)",
    "interventions.*bonus": "log-odds",
    "interventions.*.reply_prob": "probability per closed case",
    "interventions.*.escalated_success": "probability per finished case",
    "interventions.*.notice_reach": "probability per app user and activity",
    "interventions.*.invite_rate": "probability per resident-day",
    "interventions.*.per_week": "activities per week per community",
    "interventions.*_per_week": "activities per week",
    "interventions.*capacity": "places per activity",
    "interventions.*.types": "list of activity types",
    "interventions.*.gathering_types": "list of activity types",
    "interventions.*_cut": "relative cut",
    "interventions.*.issue_reduction": "relative cut",
    "interventions.*.efficacy_gain": "share of gap to 1 per attendance",
    "interventions.*.full_effect_attendance": "attendances per adult in 30 days",
    "interventions.*.meeting_multiplier": "multiplier",
    "interventions.*.introductions": "share of chats",
    "interventions.*.mediation_cases_per_day": "part-days per day per community",
    "interventions.*.volunteer_hours_per_month": "volunteer hours per month per community",
    "interventions.*.party_volunteer_hours": "hours per Party member-month at full branch strength",
    "interventions.*.per_building": "households per building",
    "interventions.*.per_compound": "residents per compound",
    "interventions.*.candidates_per_group": "candidates per compound and age group",
}

# -- descriptions for fields whose pydantic Field has none (marked † in the table)
DESCRIPTIONS: dict[str, str] = {
    "name": "scenario name",
    "description": "one-line description of the scenario",
    "interventions": "interventions switched on, with their parameters (catalogue in ODD §7.12)",
    f"population.groups.{GROUP}.trust_community": "mean starting trust in the community Party committee and residents' committee",
    f"population.groups.{GROUP}.trust_government": "mean starting trust in government units",
    f"population.groups.{GROUP}.trust_property": "mean starting trust in property management",
    f"population.groups.{GROUP}.trust_ngo": "mean starting trust in social organisations",
    f"population.groups.{GROUP}.trust_neighbours": "mean starting generalised trust in neighbours",
    f"population.groups.{GROUP}.efficacy": "mean starting political efficacy (belief that raising an issue works)",
    f"population.groups.{GROUP}.interests.*": "mean interest in activities of this type",
    "network.kind": "how the acquaintance network is generated",
    "issues.sanitation": "relative weight of the domain",
    "issues.safety": "relative weight of the domain",
    "issues.dispute": "relative weight of the domain",
    "issues.elderly_care": "relative weight of the domain",
    "issues.property_service": "relative weight of the domain",
    "casework.property_success": "chance a property-company case ends resolved",
    "casework.property_work_days": "mean handling days of a property-company case",
    "government.units[].name": "unit name",
    "government.units[].level": "administrative level; the lowest level responsible for a domain takes its cases",
    "government.units[].domains": "issue domains it is responsible for",
    "government.units[].success": "chance a case it finishes ends resolved",
    "trust.efficacy_gain": "share of the gap to 1 in efficacy closed by a resolved case",
    "trust.efficacy_loss": "share of efficacy lost on a failed case",
    "activities.committee_types": "activity types of the committee's own activities, in rotation",
    "activities.committee_capacity": "places per committee activity",
    "activities.interest_weight": "attendance log-odds per unit of interest in the activity's type",
    "activities.free_time_weight": "attendance log-odds per unit of free time",
    "activities.organisers[].name": "organiser name (one copy per community)",
    "activities.organisers[].kind": "kind of organisation; resident_unit = 驻区单位, others are NGOs",
    "activities.organisers[].activities_per_week": "activities it holds per week in each community",
    "activities.organisers[].types": "activity types it holds, in rotation",
    "activities.organisers[].volunteer_hours_per_month": "volunteer hours it offers the community pool",
    "influence.threshold_sd": "sd of individual thresholds (normal, clipped to 0..1)",
    "governance.consultation_capacity": "places per consultation (per compound)",
    "governance.interest_weight": "log-odds per unit of interest in public affairs",
    "governance.trust_weight": "log-odds per unit of trust in the community",
    "governance.efficacy_weight": "log-odds per unit of efficacy",
    "governance.free_time_weight": "log-odds per unit of free time",
    "resources.venue_hours_per_month": "venue hours the committee offers the pool each month",
    "resources.funds_per_month": "yuan the committee offers the pool each month",
    "resources.volunteer_hours_per_month": "volunteer hours the committee mobilises each month",
    "interventions.diversified_activities.types": "the committee's activity types, in rotation",
    "interventions.model_households.gathering_capacity": "places per building gathering",
    "interventions.model_households.gathering_types": "types of building gatherings, in rotation",
    "interventions.public_welfare_orgs.capacity": "places per activity",
    "interventions.representative_election.first_day": "day of the first representative election",
    "interventions.representative_election.every_days": "days between representative elections",
    "interventions.smart_analytics.every_days": "days between hotspot analyses",
}
# drivers.<phase>: "runs phase N: <description from simulation.model.PHASES>", plus these notes.
DRIVER_NOTES: dict[str, str] = {
    "ties": "off also stops co-attendance contacts and their neighbour-trust gain",
    "feedback": "off also stops hearsay, public notices and visible neglect",
    "word_of_mouth": "off also stops forgetting (every trust and efficacy back to its resting level)",
    "governance": "off also stops proposals (they are made at consultations)",
}
DESCRIPTIONS["drivers.resources"] = (
    "off makes the pool unlimited: activities are never cancelled for want of resources and committee repairs "
    "never wait for funds (the resources phase still records use)"
)
for _i, _phase in enumerate(PHASES, 1):
    if _phase.driver:
        _note = DRIVER_NOTES.get(_phase.driver)
        DESCRIPTIONS[f"drivers.{_phase.driver}"] = f"runs phase {_i} ({_phase.name}): {_phase.description}" + (
            f"; {_note}" if _note else ""
        )
# Titles of sections whose schema class has no docstring.
SECTION_TITLES: dict[str, str] = {
    "engagement": "How long taking part keeps a resident engaged.",
    "word_of_mouth": "Word of mouth: trust moves toward acquaintances' trust (DeGroot averaging).",
}

# -- sources and assumptions ----------------------------------------------------
# (A) = a modelling assumption, not a measurement. FITTED = one of the 12 values
# fitted to the patterns of ODD §8 (marked (C) in scenarios/baseline.toml);
# NOT_FITTED = an assumption that bears on the patterns but was held fixed in
# that calibration. Paper sections (§) refer to Song and Zai (2025).
A = "assumption"
FITTED = "calibrated (§8)"
NOT_FITTED = "assumption; not among the fitted parameters (§8)"
SWITCH = "model switch (no empirical value)"
SOURCES: dict[str, str] = {
    "interventions.whistle_report.escalate_after_days": "fitted to Beijing's 12345 reform, 2019: resolution +21 and "
    "satisfaction +20 points in a year (experiments/whistle_fit); plausible 5-10",
    "interventions.whistle_report.escalated_success": "fitted to Beijing's 12345 reform, 2019 (experiments/whistle_fit): "
    "the fit sits at the top of the range; plausible 0.9-1",
    "activities.max_per_month": "assumption: even the most available residents attend a few activities a week (A)",
    "activities.organisers[].needs": A,
    "casework.repair_funds": "assumption: small repairs (a light, a lock, a drain) the committee pays itself (A)",
    "casework.satisfied_within_days": "assumption: a reply and fix within about two weeks, as hotlines such as Beijing 12345 set time limits (A)",
    "casework.units_per_cross_case": "assumption: a cross-department case needs two units (paper §3.1, departmental walls) (A)",
    "governance.adoption_prob": A,
    "governance.proposal_base": A,
    "governance.proposal_efficacy_weight": A,
    "governance.repair_reserve": A,
    "party.branch_strength": "assumption: branches exist in every compound but organise few members (paper §3.1) (A)",
    "party.property_link": A,
    "trust.heard_gain": A,
    "trust.hearsay_share": "assumption: second-hand experience moves trust less than one's own (A)",
    "trust.institution_forgetting": "assumption: a resting level so the baseline does not drift after burn-in (A)",
    "trust.neglect_loss": A,
    "trust.neglect_max": A,
    "trust.notice_every_days": "assumption: monthly public notice (公示) of resolved cases (A)",
    "trust.notice_gain": A,
    "trust.notice_max": A,
    "trust.unheard_loss": A,
    "name": "—",
    "interventions.*.start_day": SWITCH,
    "burn_in_days": "model switch: long enough for the state to settle (ODD §5)",
    "description": "—",
    "days": "brief R2 (ODD §0): a standard run is 365 days",
    "interventions": "brief R7 (ODD §0); baseline: none (status quo, paper §3)",
    "community.communities": "brief R5 (ODD §0): baseline is one community",
    "community.compounds_per_community": "brief R5 (ODD §0) (“several compounds”); 6 is an assumption",
    "community.buildings_per_compound": A,
    "community.adults": "brief R5 (ODD §0): about 3,000 adults",
    "community.household_adults_mean": "China 2020 census: 2.62 persons per household (all ages); 2.2 adults is an assumption derived from it",
    "community.three_no_compounds": "assumption: one old compound without property management (三无小区, paper §4.3(1))",
    "community.stranger_index": A,
    "population.party_share": "assumption: about 7% of all Chinese are Party members, more among urban adults",
    "population.trait_sd": A,
    "population.household_age_match": A,
    "population.table": "— (optional input, ODD §6)",
    f"population.groups.{GROUP}.share": A,
    f"population.groups.{GROUP}.party_weight": "assumption: older cohorts joined more often",
    f"population.groups.{GROUP}.free_time": "assumption: work and commuting leave the young few free evenings; the elderly are retired",
    f"population.groups.{GROUP}.presence": "assumption: the young are away at work in the daytime",
    f"population.groups.{GROUP}.digital_access": "CNNIC: internet use near-universal under 40, about a third of people 60+; middle: assumption",
    f"population.groups.{GROUP}.trust_*": NOT_FITTED,
    f"population.groups.{GROUP}.efficacy": NOT_FITTED,
    f"population.groups.{GROUP}.public_affairs_interest": f"young, middle: {FITTED}; elderly: assumption",
    f"population.groups.{GROUP}.interests.*": "assumption; paper §3.3: activities mostly performances and propaganda, which suit few groups",
    "network.kind": "brief R4 (ODD §0): other kinds for the canonical reductions",
    "network.building_ties": f"{FITTED}, to isolated_share (weakly identified: untouched generated ties are gone "
    "153 days after set-up, inside the burn-in)",
    "network.compound_ties": NOT_FITTED,
    "network.cross_compound_ties": NOT_FITTED,
    "network.mean_degree": "assumption (only for erdos_renyi, watts_strogatz)",
    "network.rewire": "assumption (only for watts_strogatz)",
    "network.path": "—",
    "network.household_weight": A,
    "network.initial_weight": A,
    "network.new_tie_weight": A,
    "network.strengthen": A,
    "network.decay_per_day": NOT_FITTED,
    "network.min_weight": A,
    "network.meeting_rate": f"{FITTED}, to isolated_share",
    "network.familiar_share": A,
    "issues.rate_per_household_day": "assumption: about 1.8 issues per household a year",
    "issues.maintenance": A,
    "issues.sanitation": A,
    "issues.safety": A,
    "issues.dispute": A,
    "issues.elderly_care": A,
    "issues.property_service": A,
    "issues.three_no_maintenance_factor": "assumption (brief R3 (ODD §0): three-no compounds raise more maintenance issues)",
    "issues.cross_department_share": A,
    "issues.grievance_days": A,
    "reporting.base": NOT_FITTED,
    "reporting.trust_weight": NOT_FITTED,
    "reporting.efficacy_weight": NOT_FITTED,
    "reporting.walk_in_time_weight": "assumption: office hours clash with work",
    "reporting.branch_bonus": A,
    "reporting.urgency_days": A,
    "reporting.app_enabled": "baseline: no app (paper §3.2: the app only collects data)",
    "reporting.app_bonus": A,
    "casework.committee_staff": A,
    "casework.staff_hours_per_day": "assumption: an 8-hour working day",
    "casework.admin_burden": "assumption: most committee time goes to tasks from above (paper §4.2)",
    "casework.hours_per_case": A,
    "casework.committee_domains": A,
    "casework.committee_success": NOT_FITTED,
    "casework.committee_work_days": A,
    "casework.property_capacity": A,
    "casework.property_success": NOT_FITTED,
    "casework.property_work_days": A,
    "casework.referral_days": A,
    "casework.wall_stall": "assumption: departmental walls (部门墙, paper §3.2)",
    "casework.max_days": A,
    "casework.reply_prob": A,
    "government.units[].name": "—",
    "government.units[].level": "—",
    "government.units[].domains": A,
    "government.units[].capacity": A,
    "government.units[].success": NOT_FITTED,
    "government.units[].work_days": A,
    "trust.gain_success": "assumption; smaller than loss_failure (trust asymmetry, Slovic 1993); not fitted (§8)",
    "trust.timely_days": "assumption (pattern 5: faster handling raises satisfaction)",
    "trust.loss_failure": "assumption; failure weighs more than success (Slovic 1993)",
    "trust.reply_bonus": A,
    "trust.household_share": A,
    "trust.referral_share": A,
    "trust.efficacy_gain": "assumption; smaller than efficacy_loss (asymmetry as for trust)",
    "trust.efficacy_loss": A,
    "trust.grievance_loss": A,
    "trust.attendance_gain": A,
    "trust.contact_gain": A,
    "trust.forgetting": A,
    "activities.committee_per_week": A,
    "activities.committee_types": "paper §3.3: mostly performances and propaganda",
    "activities.committee_capacity": A,
    "activities.venue_hours": A,
    "activities.funds": A,
    "activities.volunteer_hours": A,
    "activities.notice_reach": A,
    "activities.app_reach": "baseline: no app announcements",
    "activities.base": FITTED,
    "activities.interest_weight": NOT_FITTED,
    "activities.free_time_weight": FITTED,
    "activities.trust_weight": NOT_FITTED,
    "activities.social_weight": NOT_FITTED,
    "activities.invite_weight": NOT_FITTED,
    "activities.co_attendee_ties": A,
    "activities.organisers[].name": "—",
    "activities.organisers[].kind": "paper §4.3(1) (文体类, 公益性 organisations), §4.1 (驻社区单位), 社工机构",
    "activities.organisers[].activities_per_week": "assumption; resident units hold none (paper §3.2: their resources stay idle)",
    "activities.organisers[].types": A,
    "activities.organisers[].capacity": A,
    "activities.organisers[].venue_hours_per_month": A,
    "activities.organisers[].funds_per_month": A,
    "activities.organisers[].volunteer_hours_per_month": A,
    "activities.organisers[].joined": "baseline: resident units have not joined (no 双报到, paper §4.1(2))",
    "influence.threshold_mean": "rule: Watts (2002); value an assumption, not fitted (§8)",
    "influence.threshold_sd": A,
    "influence.party_invites": A,
    "influence.direct": f"{SWITCH}; canonical reduction (Watts 2002, Granovetter 1978)",
    "engagement.memory_days": "assumption; equals the 30-day participation window (the 30-day window of participation_rate)",
    "engagement.permanent": f"{SWITCH}; canonical reduction",
    "engagement.seed_residents": f"{SWITCH}; canonical reduction (Watts 2002: one random initial adopter)",
    "word_of_mouth.rate": "rule: DeGroot (1974); value an assumption",
    "governance.consultation_every_days": A,
    "governance.consultation_capacity": A,
    "governance.election_day": "assumption: one election inside the standard year",
    "governance.election_every_days": "five-year terms of residents' committees since the 2018 amendment of the Organic Law",
    "governance.base": f"{FITTED} (weakly identified: consultations enter the patterns only through proposals)",
    "governance.vote_base": f"{FITTED}, to SUNS 2017 turnout by age and Party membership",
    "governance.interest_weight": FITTED,
    "governance.trust_weight": NOT_FITTED,
    "governance.efficacy_weight": NOT_FITTED,
    "governance.free_time_weight": FITTED,
    "governance.mobilisation_weight": FITTED,
    "governance.party_weight": f"{FITTED}, to SUNS 2017 (turnout 65.1% members vs 48.4% non-members)",
    "resources.venue_hours_per_month": A,
    "resources.funds_per_month": A,
    "resources.volunteer_hours_per_month": A,
    "resources.party_volunteer_hours": "baseline: Party members not registered with the community (no 双报到)",
    "drivers.*": SWITCH,
}

# Default entries of the two lists, one note each.
LIST_NOTES = {
    "government.units": "Default entries. Capacity is per community served: a unit's capacity is multiplied by the "
    "number of communities. All values are assumptions.",
    "activities.organisers": "Default entries; each is copied into every community. The cultural-sports association "
    "meets outdoors most evenings: its needs are one volunteer hour per activity, no room and no money. The district "
    "hospital and the primary school are resident units (驻区单位) whose resources stay idle (paper §3.2). All values "
    "are assumptions.",
}

_missing: set[str] = set()


# -- helpers ----------------------------------------------------------------------
def lookup(table: dict[str, str], dotted: str) -> str | None:
    if dotted in table:
        return table[dotted]
    for key, value in table.items():
        if "*" in key and fnmatch.fnmatchcase(dotted, key):
            return value
    return None


def esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def fmt(value: Any) -> str:
    """A default value as it would be written in a scenario TOML file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value.is_integer() and abs(value) < 1e13:
            return fmt(int(value))
        return f"{value:g}"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    if isinstance(value, dict):
        return "{}" if not value else ", ".join(f"{k}: {fmt(v)}" for k, v in value.items())
    return str(value)


def _origin_args(annotation: Any) -> tuple[Any, tuple]:
    return typing.get_origin(annotation), typing.get_args(annotation)


def allowed(info: Any, dotted: str) -> str:
    """The allowed range or values of a field, from its metadata and annotation."""
    lo = hi = None
    lo_open = hi_open = False
    for meta in info.metadata:
        if getattr(meta, "ge", None) is not None:
            lo = meta.ge
        if getattr(meta, "gt", None) is not None:
            lo, lo_open = meta.gt, True
        if getattr(meta, "le", None) is not None:
            hi = meta.le
        if getattr(meta, "lt", None) is not None:
            hi, hi_open = meta.lt, True
    if lo is not None or hi is not None:
        # Interval notation with "…" (numbers may contain thousands separators).
        left = "(" if lo_open or lo is None else "["
        right = ")" if hi_open or hi is None else "]"
        return f"{left}{fmt(lo) if lo is not None else '-∞'} … {fmt(hi) if hi is not None else '∞'}{right}"
    ann = info.annotation
    origin, args = _origin_args(ann)
    if origin is Literal:
        return " / ".join(str(a) for a in args)
    if ann is bool:
        return "true / false"
    if origin is list and args and args[0] is str:
        last = dotted.rsplit(".", 1)[-1]
        return "subset of the 6 domains" if "domain" in last else "subset of the 8 activity types"
    if ann is str:
        return "text"
    if origin is dict:
        return "registered intervention keys"
    return "—"


def describe(info: Any, dotted: str) -> str:
    if info.description:
        return info.description
    extra = lookup(DESCRIPTIONS, dotted)
    if extra is None:
        _missing.add(f"description: {dotted}")
        return ""
    return f"{extra} †"


def unit_of(dotted: str) -> str:
    u = lookup(UNITS, dotted)
    if u is None:
        _missing.add(f"unit: {dotted}")
        return "—"
    return u


def source_of(dotted: str) -> str:
    s = lookup(SOURCES, dotted)
    if s is None:
        _missing.add(f"source: {dotted}")
        return A
    return s


def class_default(info: Any) -> Any:
    if info.default is not PydanticUndefined:
        return info.default
    if info.default_factory is not None:
        return info.default_factory()
    return PydanticUndefined


def inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = inner_model(arg)
        if found is not None:
            return found
    return None


def first_line(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    if not doc or doc.startswith("Usage docs:") or doc == BaseModel.__doc__:
        return ""
    return doc.splitlines()[0]


# -- tables -----------------------------------------------------------------------
HEADER = "| field | default | unit | allowed | description | source / assumption |\n|---|---|---|---|---|---|"


def row(dotted: str, default: str, info: Any) -> str:
    cells = [f"`{dotted}`", default, unit_of(dotted), allowed(info, dotted), describe(info, dotted), source_of(dotted)]
    return "| " + " | ".join(esc(c) for c in cells) + " |"


def leaf_rows(model: BaseModel, prefix: str) -> tuple[list[str], list[tuple[str, Any, Any]]]:
    """Rows of the plain fields of ``model``, and its nested fields (name, info, value) to expand."""
    rows, nested = [], []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel) or (
            inner_model(info.annotation) is not None and isinstance(value, (dict, list))
        ):
            nested.append((name, info, value))
            continue
        rows.append(row(prefix + name, fmt(value), info))
    return rows, nested


def group_table(dotted: str, groups: dict[str, BaseModel]) -> list[str]:
    """One row per age-group field, the three groups' defaults side by side."""
    cls = type(next(iter(groups.values())))
    out = [
        f"### `{dotted}.{GROUP}`: {first_line(cls)}",
        "",
        "Defaults per group: young (18-39) · middle (40-59) · elderly (60+). A scenario file that sets some "
        "fields of a group keeps the defaults shown here for the rest.",
        "",
        HEADER,
    ]

    def walk(model_cls: type[BaseModel], getter, prefix: str) -> None:
        for name, info in model_cls.model_fields.items():
            sub = inner_model(info.annotation)
            if sub is not None:
                walk(sub, lambda g, n=name, get=getter: getattr(get(g), n), f"{prefix}{name}.")
                continue
            values = " · ".join(fmt(getattr(getter(g), name)) for g in AGE_GROUPS)
            out.append(row(f"{dotted}.{GROUP}.{prefix}{name}", values, info))

    walk(cls, lambda g: groups[g], "")
    return out + [""]


def list_tables(dotted: str, entries: list[BaseModel], item_cls: type[BaseModel]) -> list[str]:
    out = [f"### `{dotted}[]`: {first_line(item_cls)}", "", HEADER]
    for name, info in item_cls.model_fields.items():
        generic = class_default(info)
        default = "required" if generic is PydanticUndefined else fmt(generic)
        out.append(row(f"{dotted}[].{name}", default, info))
    out += ["", LIST_NOTES.get(dotted, "Default entries."), ""]
    names = list(item_cls.model_fields)
    out.append("| # | " + " | ".join(names) + " |")
    out.append("|---|" + "---|" * len(names))
    for i, entry in enumerate(entries):
        cells = [str(i)] + [fmt(getattr(entry, n)).strip("`") for n in names]
        out.append("| " + " | ".join(esc(c) for c in cells) + " |")
    return out + [""]


def section(model: BaseModel, dotted: str) -> list[str]:
    title = first_line(type(model)) or SECTION_TITLES.get(dotted, "")
    rows, nested = leaf_rows(model, dotted + ".")
    out = []
    if rows:  # a section with only nested fields (``government``) gets no table of its own
        out += [f"### `{dotted}`" + (f": {title}" if title else ""), "", HEADER, *rows, ""]
    for name, info, value in nested:
        sub = f"{dotted}.{name}"
        if isinstance(value, dict):
            out += group_table(sub, value)
        elif isinstance(value, list):
            out += list_tables(sub, value, inner_model(info.annotation))
        else:
            out += section(value, sub)
    return out


def params_block() -> str:
    scn = Scenario()
    out: list[str] = []
    top_rows, nested = [], []
    for name, info in Scenario.model_fields.items():
        value = getattr(scn, name)
        if isinstance(value, BaseModel):
            nested.append((name, value))
        else:
            top_rows.append(row(name, fmt(value), info))
    out += ["### Run (top level)", "", HEADER, *top_rows, ""]
    for name, value in nested:
        out += section(value, name)
    out.append(
        "† description supplied by `docs/param_table.py` because the schema field has none. "
        "“calibrated (§8)” marks the 12 (C) parameters of the history matching of §8 (marked (C) in "
        "`scenarios/baseline.toml`; the defaults are a vector not ruled out, the ranges not ruled out are in "
        "`experiments/calibration/result.json`); “not among the fitted parameters” marks assumptions that bear on "
        "the patterns but were held fixed in that calibration."
    )
    return "\n".join(out).rstrip() + "\n"


def metrics_block() -> str:
    out = ["| metric | unit | range | better | description |", "|---|---|---|---|---|"]
    for m in METRICS.values():
        rng = f"{fmt(float(m.low))} .. {fmt(float(m.high))}"
        cells = (f"`{m.name}`", m.unit, rng, m.better or "(no direction)", m.description)
        out.append("| " + " | ".join(esc(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def _doc(cls: type) -> tuple[str, str]:
    """First line and the rest of a docstring, each as one paragraph."""
    lines = [line.strip() for line in (cls.__doc__ or "").strip().splitlines()]
    head = lines[0] if lines else ""
    rest = " ".join(line for line in lines[1:] if line)
    return head, rest


def interventions_block() -> str:
    """One subsection per registered intervention: what it does (its docstring), cost, parameters."""
    if not INTERVENTIONS:
        return "No intervention is registered.\n"
    out = [
        "| key | title | paper | staff hours / month | yuan / month |",
        "|---|---|---|---|---|",
    ]
    for key, cls in sorted(INTERVENTIONS.items()):
        c = cls.monthly_cost
        title = f"{cls.title['en']} ({cls.title['zh']})"
        cells = [f"`{key}`", title, f"§{cls.paper_section}", fmt(float(c["staff_hours"])), fmt(float(c["money"]))]
        out.append("| " + " | ".join(esc(x) for x in cells) + " |")
    out.append("")
    for key, cls in sorted(INTERVENTIONS.items()):
        head, rest = _doc(cls)
        out += [f"#### `{key}` (§{cls.paper_section})", "", (head + " " + rest).strip(), ""]
        fields = cls.Params.model_fields
        if not fields:
            out += ["No parameters.", ""]
            continue
        out.append(HEADER)
        for name, info in fields.items():
            dotted = f"interventions.{key}.{name}"
            default = class_default(info)
            src = lookup(SOURCES, dotted) or (
                f"assumption (the paper, §{cls.paper_section}, names the measure, not its size)"
            )
            cells = [
                f"`{dotted}`",
                "required" if default is PydanticUndefined else fmt(default),
                unit_of(dotted),
                allowed(info, dotted),
                describe(info, dotted),
                src,
            ]
            out.append("| " + " | ".join(esc(x) for x in cells) + " |")
        out.append("")
    out.append(
        "Costs are per community and month at the default parameters; with other parameters they scale with the "
        "volume of work (`volume(params)` of each class: meetings, gatherings, visits per month). "
        "`simulation/study/arms.py` puts staff hours and money on one scale at an assumed 40 yuan per staff hour. "
        "All costs are assumptions."
    )
    return "\n".join(out).rstrip() + "\n"


BLOCKS = {"params": params_block, "metrics": metrics_block, "interventions": interventions_block}


def rewrite(text: str, blocks: dict[str, str]) -> str:
    for key, body in blocks.items():
        start, end = MARKERS[key]
        i, j = text.find(start), text.find(end)
        if i < 0 or j < i:
            raise SystemExit(f"{ODD}: markers {start} ... {end} not found")
        text = text[: i + len(start)] + "\n" + body + text[j:]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"rewrite the generated blocks in {ODD.name} in place")
    mode.add_argument("--check", action="store_true", help=f"exit 1 if {ODD.name} is out of date")
    args = parser.parse_args(argv)
    blocks = {key: make() for key, make in BLOCKS.items()}
    for item in sorted(_missing):
        print(f"param_table: no {item}", file=sys.stderr)
    if not (args.write or args.check):
        for key, body in blocks.items():
            print(f"{MARKERS[key][0]}\n{body}{MARKERS[key][1]}\n")
        return 0
    old = ODD.read_text(encoding="utf-8")
    new = rewrite(old, blocks)
    if args.check:
        if new != old:
            print(f"{ODD} is out of date: run python docs/param_table.py --write", file=sys.stderr)
            return 1
        return 0
    if new != old:
        ODD.write_text(new, encoding="utf-8")
        print(f"rewrote the generated blocks of {ODD}")
    else:
        print(f"{ODD} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
