"""Study files (TOML) and their parameter designs: none, grid, Latin hypercube, Sobol (Saltelli), Morris.

A study file, all keys optional except ``scenario`` and ``arms``::

    name = "coordination"
    scenario = "../scenarios/baseline.toml"     # relative to the study file
    arms = ["joint_meetings", "joint_meetings(every_days=7)+whistle_report"]
    reps = 10            # replications; replication r uses seed + r in every arm and point
    days = 365           # default: the scenario's days
    window = 90          # days at the end whose mean is analysed
    seed = 0
    metrics = ["participation_rate", "trust_community"]   # shown and ranked; default: a core set

    [set]                # dotted overrides of the base scenario, as --set
    "community.adults" = 3000

    [design]
    method = "sobol"     # none | grid | lhs | sobol | morris
    samples = 8          # lhs: points; sobol: base samples N (N x (k + 2) points); morris: trajectories (N x (k + 1))
    levels = 4           # morris: grid levels
    seed = 0             # seed of the sampler (not of the runs)

    [design.parameters]
    "casework.admin_burden" = { low = 0.5, high = 0.9 }   # lhs, sobol, morris
    "community.stranger_index" = { values = [0.1, 0.5] }  # grid

Sampled values of integer fields are rounded when applied; the design and the
sensitivity analysis keep the sampled (unrounded) values.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulation.scenario import Scenario, ScenarioError, format_validation_error

METHODS = ("none", "grid", "lhs", "sobol", "morris")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Strict):
    """One varied field: a range (lhs, sobol, morris) or a list of values (grid)."""

    low: float | None = None
    high: float | None = None
    values: list[Any] | None = Field(None, min_length=1, max_length=1000)


class Design(_Strict):
    method: Literal["none", "grid", "lhs", "sobol", "morris"] = "none"
    samples: int = Field(8, ge=1, le=100_000, description="lhs: points; sobol: base samples; morris: trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="seed of the sampler")
    parameters: dict[str, Param] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        if self.method == "none":
            if self.parameters:
                raise ValueError("parameters given but method is 'none' (allowed: grid, lhs, sobol, morris)")
            return self
        if not self.parameters:
            raise ValueError(f"method {self.method!r} needs at least one entry in [design.parameters]")
        for name, p in self.parameters.items():
            if self.method == "grid" and p.values is None:
                raise ValueError(f"parameters.{name}: grid needs values = [...]")
            if self.method != "grid":
                if p.low is None or p.high is None:
                    raise ValueError(f"parameters.{name}: {self.method} needs low and high")
                if not p.low < p.high:
                    raise ValueError(f"parameters.{name}: low must be below high (got {p.low}, {p.high})")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"sobol samples must be a power of 2 (got {self.samples}; e.g. 8, 16, 32)")
        return self


class StudyFile(_Strict):
    name: str = ""
    description: str = ""
    scenario: str = Field(description="scenario TOML file, relative to the study file")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted overrides of the base scenario")
    arms: list[str] = Field(min_length=1, max_length=1000)
    reps: int = Field(10, ge=2, le=10_000)
    days: int | None = Field(None, ge=1, le=36_500)
    window: int = Field(90, ge=1, le=36_500)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    metrics: list[str] = Field(default_factory=list)
    staff_hour_cost: float = Field(40.0, ge=0, le=1e6, description="yuan per staff hour")
    design: Design = Design()


def read_study_file(path: Path) -> StudyFile:
    """Parse and validate a study file; mistakes raise ScenarioError naming the file and field."""
    if not path.is_file():
        raise ScenarioError(f"{path}: study file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    try:
        return StudyFile.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, str(path), root=StudyFile)) from None


def problem(design: Design) -> dict[str, Any]:
    """SALib's problem dict for a sampled design."""
    names = list(design.parameters)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[design.parameters[n].low, design.parameters[n].high] for n in names],
    }


def sample_points(design: Design) -> pd.DataFrame:
    """The design points: one row per point (column ``point``, then one per parameter)."""
    names = list(design.parameters)
    if design.method == "none":
        x = np.zeros((1, 0))
    elif design.method == "grid":
        x = np.array(list(itertools.product(*(design.parameters[n].values for n in names))), dtype=object)
    elif design.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(design.seed)).random(design.samples)
        lo = np.array([design.parameters[n].low for n in names])
        hi = np.array([design.parameters[n].high for n in names])
        x = qmc.scale(unit, lo, hi)
    elif design.method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem(design), design.samples, calc_second_order=False, seed=design.seed)
    else:
        from SALib.sample import morris

        x = morris.sample(problem(design), design.samples, num_levels=design.levels, seed=design.seed)
    df = pd.DataFrame(x, columns=names)
    df.insert(0, "point", range(len(df)))
    return df


def point_scenario(base: Scenario, values: dict[str, Any], source: str) -> Scenario:
    """The base scenario with one design point's values (integer fields rounded)."""
    from simulation.study.arms import is_int_field, override

    changes = {}
    for dotted, value in values.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and is_int_field(base, dotted):
            value = round(value)
        changes[dotted] = value
    return override(base, changes, source) if changes else base
