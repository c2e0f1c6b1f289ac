"""Studies: paired comparisons, parameter sweeps, sensitivity analysis and reports (docs/STUDIES.md)."""

from simulation.study.compare import compare, paired_effects

__all__ = ["compare", "paired_effects"]
