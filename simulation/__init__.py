"""govsim: an agent-based simulator of multi-actor community governance (Mesa).

Public API (docs/ARCHITECTURE.md)::

    from simulation import CommunityModel, Scenario, load_scenario, INTERVENTIONS, METRICS
"""

from simulation.interventions import INTERVENTIONS
from simulation.metrics import METRICS
from simulation.model import CommunityModel
from simulation.phases import PHASES
from simulation.scenario import Scenario, ScenarioError, load_scenario
from simulation.study.compare import compare

__all__ = [
    "CommunityModel",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "INTERVENTIONS",
    "METRICS",
    "PHASES",
    "compare",
]
__version__ = "0.1.0"
