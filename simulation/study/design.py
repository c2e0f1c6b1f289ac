"""Study files (TOML) and their parameter designs: none, grid, Latin hypercube, Sobol (Saltelli), Morris.

A study file, all keys optional except ``scenarios`` and ``arms``::

    name = "coordination"
    scenarios = ["../scenarios/baseline.toml", "../scenarios/stranger_community.toml"]  # relative to this file
    arms = ["joint_meetings", "joint_meetings(every_days=7)+whistle_report"]   # the baseline arm always runs
    reps = 10            # replications; replication r uses seed + r in every arm and point
    days = 365           # default: the scenario's days
    window = 90          # days at the end whose mean is analysed
    seed = 0
    metrics = ["participation_rate", "trust_community"]   # shown and ranked; default: a core set

    [set]                # dotted overrides of every scenario, as --set
    "community.adults" = 3000

    [design]
    kind = "sobol"       # none | grid | lhs | sobol | morris | table ("method" is accepted too)
    samples = 8          # lhs: points; sobol: base samples N (N x (k + 2) points); morris: trajectories (N x (k + 1))
    levels = 4           # morris: grid levels
    seed = 0             # seed of the sampler (not of the runs)

    [design.parameters]  # dotted scenario fields, including interventions.<key>.<param>
    "casework.admin_burden" = [0.5, 0.9]          # lhs, sobol, morris: [low, high]
    "community.stranger_index" = [0.1, 0.3, 0.5]  # grid: the values
    # the table forms { low = 0.5, high = 0.9 } and { values = [...] } are accepted too;
    # morris: { low = 0.5, high = 0.9, group = "casework" } moves a group's parameters together
    # (Campolongo et al. 2007), and the indices are the groups'

A ``table`` design runs given points: ``file = "points.csv"`` (one column per
dotted parameter, one row per point, relative to the study file) or one list
per parameter in ``[design.parameters]``, all of one length (row i is point
i; no product is taken). Use it for a posterior or a set of accepted
parameter vectors.

``scenario = "one.toml"`` may stand for a list of one. Every scenario is run at
every design point; a design parameter ``interventions.<key>.<param>`` applies
only to the arms that contain ``<key>``.

Sampled values of integer fields are rounded when applied; the design and the
sensitivity analysis keep the sampled (unrounded) values.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulation.scenario import Scenario, ScenarioError, format_validation_error, read_toml

METHODS = ("none", "grid", "lhs", "sobol", "morris", "table")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Strict):
    """One varied field: a range (lhs, sobol, morris) or a list of values (grid)."""

    low: float | None = None
    high: float | None = None
    values: list[Any] | None = Field(None, min_length=1, max_length=100_000)
    group: str | None = Field(None, min_length=1, description="morris: parameters of one group move together")


class Design(_Strict):
    method: Literal["none", "grid", "lhs", "sobol", "morris", "table"] = Field(
        "none", validation_alias=AliasChoices("kind", "method"), serialization_alias="kind"
    )
    samples: int = Field(8, ge=1, le=100_000, description="lhs: points; sobol: base samples; morris: trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="seed of the sampler")
    parameters: dict[str, Param] = Field(default_factory=dict)
    file: str | None = Field(None, description="table: CSV of points, one column per parameter, relative to the study")

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        # A parameter given as a list: the values of a grid, or [low, high] of a sampled design.
        if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict):
            return data
        kind = data.get("kind", data.get("method", "none"))
        params = {}
        for name, given in data["parameters"].items():
            if isinstance(given, list):
                if kind in ("grid", "table"):
                    given = {"values": given}
                elif kind in ("lhs", "sobol", "morris") and len(given) != 2:
                    raise ValueError(f"parameters.{name}: {kind} needs [low, high] (got {len(given)} values)")
                else:  # a sampled kind, or one the checks below reject with a clearer message
                    given = {"low": given[0], "high": given[1]} if len(given) == 2 else {"values": given}
            params[name] = given
        return {**data, "parameters": params}

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        if self.method == "table":
            lengths = {len(p.values or []) for p in self.parameters.values()}
            if self.file is not None and not self.parameters:
                return self  # the loader reads the file into parameters
            if not self.parameters:
                raise ValueError("table needs file = 'points.csv' or one list of values per parameter")
            if len(lengths) != 1 or 0 in lengths:
                raise ValueError("table: every parameter needs a list of values, all of one length (a row per point)")
            return self
        if self.file is not None:
            raise ValueError(f"file is only read by kind = 'table' (kind is {self.method!r})")
        groups = [p.group for p in self.parameters.values() if p.group is not None]
        if groups and self.method != "morris":
            raise ValueError(f"group is only used by kind = 'morris' (kind is {self.method!r})")
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


class Quick(_Strict):
    """Settings of a quick rerun (``govsim reproduce --quick``): fewer replications and days."""

    reps: int = Field(3, ge=2, le=10_000)
    days: int | None = Field(None, ge=1, le=36_500)
    window: int | None = Field(None, ge=1, le=36_500)
    set: dict[str, Any] = Field(default_factory=dict, description="more dotted overrides, e.g. a shorter burn-in")


class StudyFile(_Strict):
    name: str = ""
    description: str = ""
    scenarios: list[str] = Field(min_length=1, max_length=100, description="scenario TOML files, relative to it")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted overrides of the base scenario")
    arms: list[str] = Field(
        default_factory=list, max_length=1000, description="interventions against the baseline; none: a sweep of levels"
    )
    reps: int = Field(10, ge=1, le=10_000, description="replications; 1 only with a design")
    days: int | None = Field(None, ge=1, le=36_500)
    window: int = Field(90, ge=1, le=36_500)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    metrics: list[str] = Field(default_factory=list)
    staff_hour_cost: float = Field(40.0, ge=0, le=1e6, description="yuan per staff hour")
    design: Design = Design()
    quick: Quick | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_scenario(cls, data: Any) -> Any:
        if isinstance(data, dict) and "scenario" in data:
            if "scenarios" in data:
                raise ValueError("give scenarios = [...] or scenario = '...', not both")
            data = {k: v for k, v in data.items() if k != "scenario"} | {"scenarios": [data["scenario"]]}
        return data

    @model_validator(mode="after")
    def _something_to_compare(self) -> StudyFile:
        if self.reps < 2 and self.design.method == "none":
            raise ValueError("reps: need at least 2 replications for an interval (1 is allowed with a [design])")
        if not self.arms and self.design.method == "none":
            raise ValueError("arms: give at least one arm, or a [design] to sweep the baseline's levels")
        return self


def read_study_file(path: Path) -> StudyFile:
    """Parse and validate a study file; mistakes raise ScenarioError naming the file and field."""
    data = read_toml(path, "study")
    # Unknown top-level keys first: a misspelt table hides the fields it holds.
    unknown = [k for k in data if k not in StudyFile.model_fields and k != "scenario"]
    if unknown:
        raise ScenarioError(f"{path}: {unknown[0]}: unknown field (allowed: {', '.join(StudyFile.model_fields)})")
    try:
        return StudyFile.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, str(path), root=StudyFile)) from None


def problem(design: Design) -> dict[str, Any]:
    """SALib's problem dict for a sampled design."""
    names = list(design.parameters)
    out: dict[str, Any] = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[design.parameters[n].low, design.parameters[n].high] for n in names],
    }
    if any(design.parameters[n].group for n in names):
        out["groups"] = [design.parameters[n].group or n for n in names]
    return out


def sample_points(design: Design) -> pd.DataFrame:
    """The design points: one row per point (column ``point``, then one per parameter)."""
    names = list(design.parameters)
    if design.method == "none":
        x = np.zeros((1, 0))
    elif design.method == "table":
        x = np.array([design.parameters[n].values for n in names], dtype=object).T
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
    from simulation.study.arms import applied_value, override

    changes = {dotted: applied_value(base, dotted, value) for dotted, value in values.items()}
    return override(base, changes, source) if changes else base
