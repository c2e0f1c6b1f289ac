"""The metrics the app shows: the one place that names them.

Metric names belong to the model (``METRICS``) and may change; every name
the app uses is listed here and checked by :func:`check` when the app starts
(and by a test), so a rename fails loudly with the names to fix.
"""

from __future__ import annotations

from simulation.metrics import METRICS

# Chart -> (metric, label key in i18n.TEXTS), in drawing order.
PARTICIPATION = (
    ("participation_rate_young", "age.young"),
    ("participation_rate_middle", "age.middle"),
    ("participation_rate_elderly", "age.elderly"),
)
TRUST = (
    ("trust_community", "trust.community"),
    ("trust_government", "trust.government"),
    ("trust_property", "trust.property"),
    ("trust_ngo", "trust.ngo"),
    ("trust_neighbours", "trust.neighbours"),
)
ISSUES = (
    ("issues_open", "metric.issues_open"),
    ("issue_resolution_days", "metric.issue_resolution_days"),
)
# Extra rows of the numbers table.
EXTRA = (
    ("participation_rate", "metric.participation_rate"),
    ("issues_stalled", "metric.issues_stalled"),
)
ALL: tuple[tuple[str, str], ...] = PARTICIPATION + TRUST + ISSUES + EXTRA
NAMES: tuple[str, ...] = tuple(name for name, _ in ALL)


def check() -> None:
    """Raise ``KeyError`` naming every shown metric the model no longer defines."""
    missing = [name for name in NAMES if name not in METRICS]
    if missing:
        raise KeyError(
            f"simulation/app/shown.py names metrics the model does not define: {', '.join(missing)} "
            f"(known: {', '.join(METRICS)})"
        )
