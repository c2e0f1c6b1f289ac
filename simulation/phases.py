"""The day's phases, in order: the one place that defines what a step does.

``PHASES`` is data: ``CommunityModel.step`` runs it in order, ``govsim
describe`` prints it, and interventions name its phases in their hooks
(``before_<phase>`` / ``after_<phase>``, checked when the class is defined).
A phase is a function ``f(model, day)`` vectorised over the arrays; the
state each may write is declared with the state (``simulation/state.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from simulation.processes.activities import activities
from simulation.processes.casework import casework
from simulation.processes.engagement import engagement
from simulation.processes.feedback import feedback
from simulation.processes.governance import governance
from simulation.processes.influence import influence
from simulation.processes.issues import issues_arise
from simulation.processes.measure import measure_phase
from simulation.processes.reporting import reporting
from simulation.processes.resources import resources
from simulation.processes.ties import ties
from simulation.processes.word_of_mouth import word_of_mouth


class Phase(NamedTuple):
    name: str
    driver: str  # the scenario.drivers switch that turns it off ("" = always on)
    function: Callable
    description: str


PHASES: tuple[Phase, ...] = (
    Phase("issues", "issues", issues_arise, "issues arise per household and domain"),
    Phase("reporting", "reporting", reporting, "residents report issues (or not) through their channels"),
    Phase("casework", "casework", casework, "the committee, property companies and government units work on cases"),
    Phase("feedback", "feedback", feedback, "outcomes and replies update trust and efficacy"),
    Phase("influence", "influence", influence, "threshold rule on engaged acquaintances; personal invitations"),
    Phase("activities", "activities", activities, "organisers hold activities; residents attend"),
    Phase("ties", "ties", ties, "chance meetings form ties; unused ties decay"),
    Phase("word_of_mouth", "word_of_mouth", word_of_mouth, "trust moves toward acquaintances' trust"),
    Phase("governance", "governance", governance, "consultations and elections"),
    Phase(
        "resources",
        "",
        resources,
        "the community pool is refilled monthly (unlimited when drivers.resources is off); the day's use is recorded",
    ),
    Phase("engagement", "", engagement, "residents who took part recently are engaged"),
    Phase("measure", "", measure_phase, "metrics are measured (read-only) and collected"),
)
PHASE_NAMES: tuple[str, ...] = tuple(p.name for p in PHASES)
