"""Studies: paired comparisons (and, later, sweeps, sensitivity and reports)."""

from simulation.study.compare import compare, paired_effects

__all__ = ["compare", "paired_effects"]
