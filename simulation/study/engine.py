"""The study engine: a plan of runs (design points x arms x replications), executed into a results directory.

``Plan`` says what to run; ``run_plan`` skips the runs the directory already
has, executes the rest, then compacts and analyses. A comparison is a plan
with one point and no design. See docs/STUDIES.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simulation.metrics import METRICS
from simulation.scenario import Scenario, ScenarioError
from simulation.study import effects as fx
from simulation.study.arms import BASELINE, STAFF_HOUR_YUAN, Arm, applied_value, arm_cost, check_differs, override
from simulation.study.design import Design, point_scenario, sample_points
from simulation.study.executors import open_executor
from simulation.study.provenance import provenance
from simulation.study.runner import RunSpec, run_key
from simulation.study.store import Store, atomic_write

# Shown and ranked when none are named; only those the registry has are used.
DEFAULT_METRICS = (
    "participation_rate",
    "participation_rate_young",
    "participation_rate_elderly",
    "governance_participation_rate",
    "turnout",
    "service_satisfaction",
    "trust_community",
    "trust_government",
    "trust_neighbours",
    "issue_resolution_rate",
    "issue_resolution_days",
    "isolated_share",
    "resource_utilization",
)


class StudyError(ScenarioError):
    """A study cannot start as asked (results directory, metrics); one line, exit status 2."""


def choose_metrics(names: list[str] | None, source: str) -> list[str]:
    """The named metrics (each must be in METRICS), or the defaults the registry has (else all)."""
    if names:
        bad = [m for m in names if m not in METRICS]
        if bad:
            raise StudyError(f"{source}: unknown metric {bad[0]!r} (see govsim describe)")
        return list(dict.fromkeys(names))
    return [m for m in DEFAULT_METRICS if m in METRICS] or list(METRICS)


def _is_arm_param(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "interventions" and len(parts) == 3


def _arm_params(scn: Scenario, values: dict[str, Any], source: str) -> dict[str, dict[str, Any]]:
    """The design point's ``interventions.<key>.<param>`` values as ``{key: {param: value}}`` (validated)."""
    out: dict[str, dict[str, Any]] = {}
    for dotted, value in values.items():
        if _is_arm_param(dotted):
            _, key, param = dotted.split(".")
            out.setdefault(key, {})[param] = applied_value(scn, dotted, value)
    if out:  # validation only: the values must be allowed for their interventions
        override(scn, {f"interventions.{k}.{p}": v for k, ps in out.items() for p, v in ps.items()}, source)
    return out


@dataclass
class Plan:
    """What to run. Seeds are ``seed + rep``, the same in every arm and at every point."""

    base: Scenario
    arms: list[Arm]  # not including the baseline
    reps: int
    days: int
    window: int
    seed: int = 0
    metrics: list[str] = field(default_factory=lambda: choose_metrics(None, ""))
    design: Design = field(default_factory=Design)
    staff_hour_cost: float = STAFF_HOUR_YUAN
    name: str = ""
    kind: str = "compare"  # "compare" or "study"
    scenarios: list[tuple[str, Scenario]] = field(default_factory=list)  # (name, scenario); default: [base]
    scenario_file: str | list[str] | None = None
    overrides: list[str] = field(default_factory=list)
    source: str = ""  # where arms and the design came from, for error messages

    def __post_init__(self) -> None:
        if self.reps < 1 or (self.reps < 2 and self.design.method == "none"):
            # With a design, one run per point is a valid screening design (points replicate each other).
            raise StudyError(f"{self.source or 'reps'}: reps: need at least 2 replications for an interval")
        self.window = min(self.window, self.days)
        if not self.scenarios:
            self.scenarios = [(self.base.name or "baseline", self.base)]
        # Cells: every scenario at every design point. ``point`` numbers the cells; runs are paired
        # within a cell, and the design's own index is ``design_point``.
        design = sample_points(self.design)
        names = list(self.design.parameters)
        switched = {k for a in self.arms for k in a.interventions}
        for name in filter(_is_arm_param, names):
            if name.split(".")[1] not in switched:
                raise StudyError(
                    f"{self.source or 'design'}: design.parameters.{name}: no arm switches "
                    f"{name.split('.')[1]} on (such a parameter sets the arms' strength, never the baseline's)"
                )
        # A design parameter interventions.<key>.<param> sets <param> in the arms that switch <key> on;
        # the baseline (and arms without <key>) are untouched, so the effect is the arm's at that strength.
        cells, self.point_bases, self.point_arm_params = [], [], []
        for label, scn in self.scenarios:
            for i, row in enumerate(design[names].itertuples(index=False)):
                values = dict(zip(names, row, strict=True))
                cells.append({"point": len(cells), "scenario": label, "design_point": i, **values})
                plain = {k: v for k, v in values.items() if not _is_arm_param(k)}
                where = f"{self.source} {label} design point {i}"
                self.point_bases.append(point_scenario(scn, plain, where))
                self.point_arm_params.append(_arm_params(scn, values, where))
        self.points = pd.DataFrame(cells, columns=["point", "scenario", "design_point", *names])
        for p, pb in enumerate(self.point_bases):
            for arm in self.arms:
                check_differs(pb, self.arm_at(arm, p), self.source or "--intervention")

    def arm_at(self, arm: Arm, point: int) -> Arm:
        """``arm`` with the design point's ``interventions.<key>.<param>`` values for the keys it switches on."""
        extra = self.point_arm_params[point]
        if not extra or not arm.interventions:
            return arm
        return Arm(arm.name, {k: {**v, **extra.get(k, {})} for k, v in arm.interventions.items()})

    @property
    def all_arms(self) -> list[Arm]:
        return [Arm(BASELINE, {}), *self.arms]

    def specs(self) -> list[RunSpec]:
        return [
            RunSpec(
                key=run_key(p, a, r),
                point=p,
                scenario=str(self.points["scenario"].iloc[p]),
                arm_index=a,
                arm=arm.name,
                rep=r,
                seed=self.seed + r,
                base=pb,
                interventions=self.arm_at(arm, p).interventions,
                days=self.days,
                window=self.window,
            )
            for p, pb in enumerate(self.point_bases)
            for r in range(self.reps)
            for a, arm in enumerate(self.all_arms)
        ]

    def costs(self) -> dict[tuple[int, str], float]:
        return {
            (p, a.name): arm_cost(pb, self.arm_at(a, p), self.staff_hour_cost)
            for p, pb in enumerate(self.point_bases)
            for a in self.arms
        }

    def fingerprint(self) -> str:
        """Identity of the runs' inputs. Replications are left out: raising ``reps`` extends a finished sweep."""
        ident = {
            "base": self.base.model_dump(mode="json"),
            "scenarios": [[n, s.model_dump(mode="json")] for n, s in self.scenarios] if len(self.scenarios) > 1 else [],
            "arms": [[a.name, a.interventions] for a in self.arms],
            "design": self.design.model_dump(mode="json"),
            "days": self.days,
            "window": self.window,
            "seed": self.seed,
        }
        return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()

    def manifest(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "fingerprint": self.fingerprint(),
            "arms": [{"name": a.name, "interventions": a.interventions} for a in self.all_arms],
            "design": self.design.model_dump(mode="json"),
            "points": len(self.points),
            "scenarios": [n for n, _ in self.scenarios],
            "metrics": self.metrics,
            "staff_hour_cost": self.staff_hour_cost,
            "command": " ".join(shlex.quote(a) for a in sys.argv),
            "runs_planned": len(self.points) * len(self.all_arms) * self.reps,
            "provenance": provenance(
                self.scenario_file,
                self.overrides,
                [self.seed + r for r in range(self.reps)],
                self.reps,
                self.days,
                self.window,
            ),
        }


@dataclass
class Outcome:
    runs: pd.DataFrame
    effects: pd.DataFrame
    sensitivity: pd.DataFrame
    failed: dict[str, str]  # key -> where its traceback is
    planned: int


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def prepare(store: Store, plan: Plan, overwrite: bool) -> dict[str, Any]:
    """Claim the directory: resume the same plan, refuse another unless ``overwrite``."""
    if store.root.exists() and not store.root.is_dir():
        raise StudyError(f"--out {store.root}: exists and is not a directory")
    if not store.lock():
        raise StudyError(f"--out {store.root}: in use by another govsim process")
    manifest = plan.manifest()
    old = store.read_manifest()
    if store.has_results():
        if overwrite:
            store.clear()
        elif old is None or old.get("fingerprint") != manifest["fingerprint"]:
            raise StudyError(
                f"--out {store.root}: holds other results (different scenario, arms, design, days, window or seed); "
                "use another directory or --overwrite"
            )
        else:
            manifest["resumed"] = old.get("started")
            was = (old.get("provenance") or {}).get("git_commit")
            now = manifest["provenance"]["git_commit"]
            if was and now and was != now:
                # Runs made by other code are kept (their seeds are the same); say so where it is read.
                manifest["warning"] = f"resumed runs made with git commit {was} (this code: {now})"
    manifest.update(status="running", started=_now())
    store.write_manifest(manifest)
    atomic_write(store.root / "design.parquet", lambda p: plan.points.to_parquet(p, index=False))
    return manifest


def run_plan(
    plan: Plan,
    store: Store,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Execute the plan's missing runs into ``store``, then compact and analyse.

    ``progress(done, total)`` counts runs over the whole plan (finished
    earlier included). A KeyboardInterrupt leaves every finished run in
    ``store`` (the manifest says "interrupted") and propagates.
    """
    with open_executor(executor, workers, scheduler) as run:
        try:
            manifest = prepare(store, plan, overwrite)
            return _execute(plan, store, manifest, run, progress, workers)
        finally:
            store.unlock()


def group_runs(specs: list[RunSpec], workers: int) -> list[list[RunSpec]]:
    """Jobs for the executor: the runs of one (point, rep) together when they can share a burn-in.

    Without burn-in every run is its own job. With one, a (point, rep)'s arms
    share it; when there are fewer such groups than workers, groups are split
    so that every worker has work (each part then simulates the burn-in).
    """
    if not specs or specs[0].base.burn_in_days == 0:
        return [[s] for s in specs]
    groups: dict[tuple[int, int], list[RunSpec]] = {}
    for s in specs:
        groups.setdefault((s.point, s.rep), []).append(s)
    parts = max(1, -(-workers // len(groups)))  # ceil(workers / groups)
    out = []
    for g in groups.values():
        size = -(-len(g) // parts)
        out += [g[i : i + size] for i in range(0, len(g), size)]
    return out


def _execute(plan, store, manifest, run, progress, workers) -> Outcome:
    specs = plan.specs()
    done = store.done_keys()
    todo = [s for s in specs if s.key not in done]
    count = [len(specs) - len(todo)]
    if progress:
        progress(count[0], len(specs))

    def tick() -> None:
        count[0] += 1
        if progress:
            progress(count[0], len(specs))

    def on_result(row: dict[str, Any]) -> None:
        store.write_part(row["key"], row)
        tick()

    def on_failure(spec: RunSpec, text: str) -> None:
        store.write_failure(spec.key, f"run {spec.key} (arm {spec.arm}, rep {spec.rep}, seed {spec.seed})\n{text}")
        tick()

    try:
        if todo:
            run(group_runs(todo, workers), on_result, on_failure)
    except BaseException:
        finished = len(store.done_keys() & {s.key for s in specs})
        store.write_manifest({**manifest, "status": "interrupted", "stopped": _now(), "runs_done": finished})
        raise
    return finish(plan, store, manifest)


def finish(plan: Plan, store: Store, manifest: dict[str, Any]) -> Outcome:
    """Compact the parts, compute effects (and sensitivity), write the closing manifest."""
    from simulation.study.sensitivity import analyse

    keys = {s.key for s in plan.specs()}
    runs = store.compact()
    runs = runs[runs["key"].isin(keys)].reset_index(drop=True) if not runs.empty else runs
    failed = {k: str(store.failures / f"{k}.txt") for k in sorted(store.failed_keys() & keys)}
    effects = fx.paired_effects(runs, plan.costs()) if not runs.empty else pd.DataFrame()
    if not effects.empty:
        effects.insert(1, "scenario", effects["point"].map(plan.points.set_index("point")["scenario"]))
    atomic_write(store.root / "effects.parquet", lambda p: effects.to_parquet(p, index=False))
    sens = None
    if not failed and not runs.empty:  # per scenario: its cells are the design's points
        parts = []
        for label, cells in plan.points.groupby("scenario", sort=False):
            renumber = dict(zip(cells["point"], cells["design_point"], strict=True))
            pts = cells.drop(columns=["point", "scenario"]).rename(columns={"design_point": "point"})
            r = runs[runs["point"].isin(renumber)].copy()
            r["point"] = r["point"].map(renumber)
            e = effects[effects["point"].isin(renumber)].copy() if not effects.empty else effects
            if not e.empty:
                e["point"] = e["point"].map(renumber)
            s = analyse(plan.design, pts, r, e, plan.metrics)
            parts.append(s.assign(scenario=label) if not s.empty else s)
        sens = pd.concat(parts, ignore_index=True) if parts else None
    if sens is not None and plan.design.method != "none":
        atomic_write(store.root / "sensitivity.parquet", lambda p: sens.to_parquet(p, index=False))
    status = {k: "done" for k in runs["key"]} if not runs.empty else {}
    status |= {k: "failed" for k in failed}
    status |= {k: "pending" for k in keys - status.keys()}
    complete = not failed and len(runs) == len(keys)
    store.write_manifest(
        {
            **manifest,
            "status": "complete" if complete else "incomplete",
            "finished": _now(),
            "runs_done": int(len(runs)),
            "runs_failed": len(failed),
            "runs": status,
        }
    )
    return Outcome(runs, effects, sens if sens is not None else pd.DataFrame(), failed, len(keys))
