"""Outcomes per compound: one row per compound with its traits and the main metrics (read-only).

Claims about kinds of compounds (three-no compounds, compounds of strangers)
can be tested inside one street by comparing rows, rather than only between
whole scenarios.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulation.metrics import GOVERNANCE_DAYS, ISSUE_DAYS, PARTICIPATION_DAYS
from simulation.population import ELDERLY, TRUST_TARGETS, YOUNG
from simulation.processes.issues import CLOSED, NO_DAY, RESOLVED

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def compound_metrics(model: CommunityModel) -> pd.DataFrame:
    """One row per compound: traits (three-no, property company, adults, age and Party shares,
    presence, branch strength, model households) and the metrics of the end of the current day."""
    pop, log, day = model.pop, model.issues, model.day
    k = pop.compound
    n_comp = pop.n_compounds
    adults = np.bincount(k, minlength=n_comp).astype(float)

    def mean(values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(k, weights=values.astype(float), minlength=n_comp) / adults

    activity = pop.last_activity > day - PARTICIPATION_DAYS
    rows = {
        "compound": np.arange(n_comp),
        "community": np.arange(n_comp) // model.scenario.community.compounds_per_community,
        "three_no": pop.three_no.copy(),
        "property_company": model.handlers.property_of >= 0,
        "adults": adults.astype(int),
        "share_young": mean(pop.age_group == YOUNG),
        "share_elderly": mean(pop.age_group == ELDERLY),
        "share_party": mean(pop.party),
        "presence": mean(pop.presence),
        "branch_strength": model.branch_table.strength.copy(),
        "model_households": np.bincount(pop.hh_compound[pop.model_household], minlength=n_comp),
        "participation_rate": mean(activity | (pop.last_governance > day - PARTICIPATION_DAYS)),
        "activity_participation_rate": mean(activity),
        "governance_participation_rate": mean(pop.last_governance > day - GOVERNANCE_DAYS),
        "reporting_rate": mean(pop.last_report > day - ISSUE_DAYS),
        "turnout": mean(pop.voted_last_election) if model.last_election_day is not None else np.full(n_comp, np.nan),
        "efficacy": mean(pop.efficacy),
        "isolated_share": mean(model.network.degree(exclude_household=True) == 0),
    }
    for i, t in enumerate(TRUST_TARGETS):
        rows[f"trust_{t}"] = mean(pop.trust[:, i])
    # Issues raised in the last 90 days, and reported cases closed in the last 90 days.
    w = log.window(day, ISSUE_DAYS)
    rows["issues_raised_90d"] = np.bincount(log.compound[w], minlength=n_comp)
    longest = model.scenario.casework.max_days + model.scenario.issues.grievance_days
    r = log.window(day, ISSUE_DAYS + longest + 1)
    comp, reported = log.compound[r], log.reported[r]
    cases = (log.stage[r] == CLOSED) & (log.closed[r] > day - ISSUE_DAYS) & (reported != NO_DAY)
    resolved = cases & (log.outcome[r] == RESOLVED)
    timely = resolved & (log.closed[r] - reported <= model.scenario.casework.satisfied_within_days)
    n_cases = np.bincount(comp[cases], minlength=n_comp).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows["case_resolution_rate"] = np.bincount(comp[resolved], minlength=n_comp) / n_cases
        rows["service_satisfaction"] = np.bincount(comp[timely], minlength=n_comp) / n_cases
    return pd.DataFrame(rows)
