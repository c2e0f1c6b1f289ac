"""Interventions: small classes that change mechanisms, never metrics.

Each intervention declares ``key``, ``title`` ({"en", "zh"}), ``paper_section``,
``monthly_cost`` ({"staff_hours", "money"} per community at its default
parameters; ``cost(params)`` when it depends on them) and a pydantic
``Params`` model with units and ranges. It acts through hooks:

- ``setup(model)``: once, when it is switched on (at set-up, or on
  ``start_day`` / ``model.switch_on(key)`` during a run);
- ``before_<phase>(model)`` / ``after_<phase>(model)``: around a daily phase,
  where ``<phase>`` is a name in ``simulation.phases.PHASES``. A method named
  ``before_``/``after_`` that names no phase is a ``TypeError`` when the class
  is defined; the model calls only the hooks a class defines.

It changes the world only through the model's mechanism verbs (see
``docs/ARCHITECTURE.md``), the ``levers``, and state of its own; it draws only
from streams named ``"<key>.<decision>"``. Every module of this package is
imported on start-up, so a new intervention is one new file with an
``@register``-ed class.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from simulation.model import CommunityModel

HOOK_PREFIXES = ("before_", "after_")


class InterventionParams(BaseModel):
    """Base of every intervention's ``Params``: unknown fields are errors; values are fixed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_day: int = Field(
        0, ge=0, le=36_500, description="day the intervention is switched on, before that day's phases (0: at set-up)"
    )


class Intervention:
    """Base class: an intervention defines ``setup`` and any ``before_<phase>`` / ``after_<phase>`` hooks."""

    key: ClassVar[str] = ""
    title: ClassVar[dict[str, str]] = {"en": "", "zh": ""}
    paper_section: ClassVar[str] = ""
    monthly_cost: ClassVar[dict[str, float]] = {"staff_hours": 0.0, "money": 0.0}
    Params: ClassVar[type[BaseModel]] = InterventionParams

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        from simulation.phases import PHASE_NAMES

        for name in vars(cls):
            prefix = next((p for p in HOOK_PREFIXES if name.startswith(p)), None)
            if prefix is not None and name[len(prefix) :] not in PHASE_NAMES:
                raise TypeError(
                    f"{cls.__name__}.{name}: no phase named {name[len(prefix) :]!r}; "
                    f"hooks are before_<phase> / after_<phase> with <phase> one of: {', '.join(PHASE_NAMES)}"
                )

    def __init__(self, params: BaseModel):
        self.params = params

    @classmethod
    def hooks(cls) -> list[tuple[str, str]]:
        """The (``"before"`` | ``"after"``, phase) pairs this class defines, in phase order."""
        from simulation.phases import PHASE_NAMES

        return [
            (when, phase)
            for phase in PHASE_NAMES
            for when in ("before", "after")
            if callable(getattr(cls, f"{when}_{phase}", None))
        ]

    @classmethod
    def volume(cls, params: BaseModel) -> float:
        """Volume of work with these parameters relative to the defaults (1.0 at the defaults).

        An intervention whose work grows with its parameters (more meetings,
        more gatherings) overrides this; its cost scales with it.
        """
        return 1.0

    @classmethod
    def cost(cls, params: BaseModel | None = None) -> dict[str, float]:
        """Monthly cost per community with these parameters: ``{"staff_hours": h, "money": yuan}``.

        ``monthly_cost`` (the cost at the default parameters) times ``volume(params)``.
        """
        p = params if params is not None else cls.Params()
        v = float(cls.volume(p))
        return {k: float(x) * v for k, x in cls.monthly_cost.items()}

    def setup(self, model: CommunityModel) -> None:
        """Called once when the intervention is switched on."""

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


# The catalogue registers itself on import (after the base class exists): every module here.
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
