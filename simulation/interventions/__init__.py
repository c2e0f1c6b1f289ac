"""Interventions: small classes that change mechanisms (DESIGN rule 4).

Each intervention declares ``key``, ``title`` ({"en", "zh"}), ``paper_section``,
``monthly_cost`` ({"staff_hours", "money"}) and a pydantic ``Params`` model, and
acts through hooks: ``setup(model)`` once after the world is built and
``before_phase(name, model)`` / ``after_phase(name, model)`` around each daily
phase. It never writes a metric or a resident's participation directly, and
draws only from streams named ``"<key>.<decision>"``.

The catalogue of the paper's remedies is registered here by ``register``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from simulation.model import CommunityModel


class InterventionParams(BaseModel):
    """Base of every intervention's ``Params``: unknown fields are errors; values are fixed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Intervention:
    """Base class: hooks do nothing unless overridden."""

    key: ClassVar[str] = ""
    title: ClassVar[dict[str, str]] = {"en": "", "zh": ""}
    paper_section: ClassVar[str] = ""
    monthly_cost: ClassVar[dict[str, float]] = {"staff_hours": 0.0, "money": 0.0}
    Params: ClassVar[type[BaseModel]] = InterventionParams

    def __init__(self, params: BaseModel):
        self.params = params

    @classmethod
    def cost(cls, params: BaseModel | None = None) -> dict[str, float]:
        """Monthly cost per community with these parameters: ``{"staff_hours": h, "money": yuan}``.

        The default is the class's ``monthly_cost``; an intervention whose cost
        grows with its parameters (more gatherings, more visits) overrides this.
        """
        return dict(cls.monthly_cost)

    def setup(self, model: CommunityModel) -> None:
        """Called once after the world is built, before day 1."""

    def before_phase(self, name: str, model: CommunityModel) -> None:
        """Called before each daily phase."""

    def after_phase(self, name: str, model: CommunityModel) -> None:
        """Called after each daily phase."""

    def stream(self, model: CommunityModel, decision: str):
        """This intervention's own named stream for one decision."""
        return model.streams[f"{self.key}.{decision}"]


INTERVENTIONS: dict[str, type[Intervention]] = {}


def register(cls: type[Intervention]) -> type[Intervention]:
    """Class decorator: add an intervention to the catalogue under its key."""
    if not cls.key or cls.key in INTERVENTIONS:
        raise ValueError(f"intervention key {cls.key!r} is empty or registered twice")
    INTERVENTIONS[cls.key] = cls
    return cls


# The catalogue registers itself on import (after the base class exists).
from simulation.interventions import coordination, organisations, voice  # noqa: E402, F401
