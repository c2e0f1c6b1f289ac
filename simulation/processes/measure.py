"""Phase 12, measure: every metric of the registry, read from the state (writes no state).

The values are kept as the model's metrics of the day and collected by
Mesa's DataCollector (one row per day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.metrics import measure_values

if TYPE_CHECKING:
    from simulation.model import CommunityModel


def measure_phase(model: CommunityModel, day: int) -> None:
    if day < max(1, model.collect_from):  # burn-in days (and days a study skips) are not measured or collected
        return
    model._measured = measure_values(model, day)
    model.datacollector.collect(model)
