"""The metric registry (docs/ARCHITECTURE.md): every metric defined once, measured from state.

``measure(model)`` computes all metrics from the arrays and the issue log
(phase 11); the DataCollector, the CLI, the studies and the app read them
through ``METRICS`` and the module-level reporter ``report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from simulation.population import TRUST_TARGETS
from simulation.processes.issues import RESOLVED

if TYPE_CHECKING:
    from simulation.model import CommunityModel

GROUPS = ("young", "middle", "elderly", "party", "nonparty")
PARTICIPATION_DAYS = 30
GOVERNANCE_DAYS = 90
ISSUE_DAYS = 90


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str
    low: float = 0.0  # allowed range, for checks
    high: float = 1.0
    # Which direction is an improvement: "higher", "lower", or "" (no direction;
    # studies then rank and cost it by neither). Read by the study's ranking.
    better: str = ""

    def __post_init__(self) -> None:
        if self.better not in ("higher", "lower", ""):
            raise ValueError(f"metric {self.name}: better must be 'higher', 'lower' or '' (got {self.better!r})")


def _defs() -> dict[str, Metric]:
    out: list[Metric] = []
    groups = {
        "young": "adults aged 18-39",
        "middle": "adults aged 40-59",
        "elderly": "adults aged 60+",
        "party": "Party members",
        "nonparty": "adults who are not Party members",
    }
    out.append(
        Metric(
            "participation_rate",
            "share",
            "adults who took part in a community activity or governance action in the last 30 days",
            better="higher",
        )
    )
    for g, who in groups.items():
        out.append(Metric(f"participation_rate_{g}", "share", f"participation_rate among {who}", better="higher"))
    out.append(
        Metric(
            "governance_participation_rate",
            "share",
            "adults who raised an issue, attended a consultation or voted in the last 90 days",
            better="higher",
        )
    )
    for g, who in groups.items():
        out.append(
            Metric(
                f"governance_participation_rate_{g}",
                "share",
                f"governance_participation_rate among {who}",
                better="higher",
            )
        )
    trust_desc = {
        "community": "the community Party committee and residents' committee",
        "government": "government units",
        "property": "property management",
        "ngo": "social organisations",
        "neighbours": "neighbours (generalised)",
    }
    for t in TRUST_TARGETS:
        out.append(Metric(f"trust_{t}", "trust 0..1", f"mean resident trust in {trust_desc[t]}", better="higher"))
    big = float("inf")
    out += [
        Metric("efficacy", "0..1", "mean political efficacy (belief that raising an issue works)", better="higher"),
        Metric(
            "engaged_share",
            "share",
            "adults currently engaged (took part within the engagement memory)",
            better="higher",
        ),
        Metric("issues_open", "issues", "issues raised and not yet closed (reported or not)", 0, big, "lower"),
        Metric(
            "issues_stalled",
            "issues",
            "cross-department cases that made no progress today (departmental walls)",
            0,
            big,
            "lower",
        ),
        Metric(
            "issues_unreported_share", "share", "issues raised in the last 90 days and never reported", better="lower"
        ),
        Metric(
            "issue_resolution_rate", "share", "issues raised in the last 90 days that are resolved", better="higher"
        ),
        Metric(
            "issue_resolution_days",
            "days",
            "median days from raising to resolution, issues resolved in the last 90 days (NaN if none)",
            0,
            big,
            "lower",
        ),
        Metric(
            "resource_utilization",
            "share",
            "used / available community resources (venue hours, funds, volunteer hours), last 30 days",
            # Higher: pooled venue hours, funds and volunteer time put to use rather than left idle.
            better="higher",
        ),
        Metric(
            "ties_per_resident", "ties", "mean acquaintance ties per adult (household ties included)", 0, big, "higher"
        ),
        Metric(
            "isolated_share", "share", "adults with no acquaintance tie outside their own household", better="lower"
        ),
        # Higher: more occasions to meet and take part (the paper's aim); a cost of staff time is counted separately.
        Metric("activities_held", "activities", "community activities held in the last 30 days", 0, big, "higher"),
    ]
    return {m.name: m for m in out}


METRICS: dict[str, Metric] = _defs()


def report(model: CommunityModel, name: str) -> float:
    """Module-level reporter for the DataCollector: the value measured today."""
    return model._measured[name]


def reporters() -> dict[str, partial]:
    return {name: partial(report, name=name) for name in METRICS}


def _group_rates(
    flag: np.ndarray, masks: dict[str, np.ndarray], counts: dict[str, int], prefix: str, out: dict
) -> None:
    out[prefix] = float(flag.mean()) if flag.size else 0.0
    for g in GROUPS:
        c = counts[g]
        out[f"{prefix}_{g}"] = float(flag[masks[g]].sum() / c) if c else float("nan")


def measure(model: CommunityModel, day: int) -> dict[str, float]:
    """All metrics of ``METRICS`` for the end of ``day``."""
    pop, log = model.pop, model.issues
    masks, counts = model.group_masks, model.group_counts
    out: dict[str, float] = {}
    last_part = np.maximum(pop.last_activity, pop.last_governance)
    _group_rates(last_part > day - PARTICIPATION_DAYS, masks, counts, "participation_rate", out)
    _group_rates(pop.last_governance > day - GOVERNANCE_DAYS, masks, counts, "governance_participation_rate", out)
    means = pop.trust.mean(axis=0, dtype=np.float64)
    for i, t in enumerate(TRUST_TARGETS):
        out[f"trust_{t}"] = float(means[i])
    out["efficacy"] = float(pop.efficacy.mean(dtype=np.float64))
    out["engaged_share"] = float(pop.engaged.mean())

    out["issues_open"] = float(log.n_open())
    out["issues_stalled"] = float(log.stalled_today)
    w = log.window(day, ISSUE_DAYS)
    raised = w.stop - w.start
    if raised:
        out["issues_unreported_share"] = float(np.mean(log.reported[w] < 0))
        out["issue_resolution_rate"] = float(np.mean(log.outcome[w] == RESOLVED))
    else:
        out["issues_unreported_share"] = 0.0
        out["issue_resolution_rate"] = 0.0
    # Resolved in the window: scan from the oldest issue that can have closed in it.
    longest = model.scenario.casework.max_days + model.scenario.issues.grievance_days
    recent = log.window(day, ISSUE_DAYS + longest + 1)
    closed = log.closed[recent]
    res = (log.outcome[recent] == RESOLVED) & (closed > day - ISSUE_DAYS)
    days = closed[res] - log.raised[recent][res]
    out["issue_resolution_days"] = float(np.median(days)) if len(days) else float("nan")

    out["resource_utilization"] = model.pool.utilization()
    deg = model.network.degree()
    out["ties_per_resident"] = float(deg.mean()) if pop.n else 0.0
    out["isolated_share"] = float(np.mean(model.network.degree(exclude_household=True) == 0))
    held, t = model.activity_days, day + model.burn_in
    out["activities_held"] = float(np.sum(held[max(0, t - PARTICIPATION_DAYS + 1) : t + 1]))
    return out
