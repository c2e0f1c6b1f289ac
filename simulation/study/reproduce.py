"""``govsim reproduce``: rerun an experiment of ``experiments/`` and check it against its stored numbers.

An experiment is a folder ``experiments/E<nn>-<name>/`` with ``study.toml`` (a
study file with an optional ``[quick]`` table), ``README.md`` (the claim, the
hypothesis, the design, the result and what it means) and ``expected.json``:
for the full and the quick settings, every checked number (the paired effect
of an arm on a metric in a scenario) with its tolerance. A tolerance is three
standard errors of the paired difference over the replications (so a rerun
whose draws differ, e.g. with other package versions, should fall inside it),
at least ``MIN_TOLERANCE``. A rerun with the same code, seeds and versions
gives the stored numbers exactly.

Reruns write to ``results/reproduce/<id>[-quick]/`` (resumable, with the
report and ``reproduce.json``); they never change ``expected.json`` unless
asked (``--update-expected``).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.scenario import ScenarioError

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
MIN_TOLERANCE = 1e-4
SE_MULTIPLE = 3.0  # tolerance = this many standard errors of the paired difference


@dataclass(frozen=True)
class Experiment:
    id: str  # "E03"
    folder: Path
    title: str  # the first heading of its README

    @property
    def study(self) -> Path:
        return self.folder / "study.toml"

    @property
    def expected(self) -> Path:
        return self.folder / "expected.json"


def experiments(root: Path = EXPERIMENTS) -> list[Experiment]:
    """The experiments under ``root``: folders named E<nn>-... holding a study.toml."""
    out = []
    for folder in sorted(root.glob("E[0-9][0-9]*")):
        if not (folder / "study.toml").is_file():
            continue
        readme = folder / "README.md"
        title = ""
        if readme.is_file():
            title = next(
                (
                    ln.lstrip("# ").strip()
                    for ln in readme.read_text(encoding="utf-8").splitlines()
                    if ln.startswith("#")
                ),
                "",
            )
        out.append(Experiment(folder.name.split("-")[0], folder, title))
    return out


def find(exp_id: str, root: Path = EXPERIMENTS) -> Experiment:
    known = experiments(root)
    for e in known:
        if e.id.lower() == exp_id.lower() or e.folder.name == exp_id:
            return e
    raise ScenarioError(f"reproduce: no experiment {exp_id!r} (known: {', '.join(e.id for e in known) or 'none'})")


def checked_numbers(effects: pd.DataFrame, metrics: list[str]) -> list[dict[str, Any]]:
    """The numbers a rerun is checked on: each arm's paired effect on each study metric, per scenario cell."""
    from scipy import stats

    out = []
    e = effects[effects["metric"].isin(metrics)]
    for r in e.itertuples(index=False):
        n = int(r.n)
        half = float(r.ci_high - r.diff) if not math.isnan(r.ci_high) else math.nan
        se = half / float(stats.t.ppf(0.975, n - 1)) if n > 1 and not math.isnan(half) else math.nan
        tol = max(SE_MULTIPLE * se, MIN_TOLERANCE) if not math.isnan(se) else MIN_TOLERANCE
        out.append(
            {
                "scenario": str(getattr(r, "scenario", "")),
                "point": int(r.point),
                "arm": r.arm,
                "metric": r.metric,
                "value": None if math.isnan(r.diff) else float(r.diff),
                "tolerance": float(tol),
            }
        )
    return out


def compare_numbers(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> pd.DataFrame:
    """Expected against got, one row per stored number (a number missing from the rerun is not within)."""
    index = {(g["scenario"], g["point"], g["arm"], g["metric"]): g["value"] for g in got}
    rows = []
    for x in expected:
        value = index.get((x["scenario"], x["point"], x["arm"], x["metric"]), math.nan)
        value = math.nan if value is None else value
        want = math.nan if x["value"] is None else x["value"]
        if math.isnan(want) or math.isnan(value):
            within = math.isnan(want) and math.isnan(value)
        else:
            within = abs(value - want) <= x["tolerance"]
        rows.append({**x, "expected": want, "got": value, "within": bool(within)})
    return pd.DataFrame(rows, columns=["scenario", "point", "arm", "metric", "expected", "got", "tolerance", "within"])


def run(
    exp: Experiment,
    quick: bool = False,
    update: bool = False,
    workers: int = 1,
    out_root: Path = Path("results") / "reproduce",
    progress=None,
) -> tuple[pd.DataFrame, Path, float]:
    """Rerun ``exp``; returns the comparison table, the results directory and the seconds it took.

    With ``update`` the stored numbers of this setting (full or quick) are replaced by the rerun's.
    """
    from simulation.study.engine import run_plan
    from simulation.study.load import load_study
    from simulation.study.report import write_report
    from simulation.study.store import Store, atomic_write

    mode = "quick" if quick else "full"
    stored = json.loads(exp.expected.read_text(encoding="utf-8")) if exp.expected.is_file() else {}
    if not update and mode not in stored:
        raise ScenarioError(
            f"{exp.expected}: no stored {mode} numbers yet (run govsim reproduce {exp.id}"
            f"{' --quick' if quick else ''} --update-expected once)"
        )
    plan = load_study(exp.study, quick=quick)
    out = out_root / (exp.id + ("-quick" if quick else ""))
    # Runs kept from a rerun with other code are not reused: that would check old numbers.
    old = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").is_file() else None
    prov = (old or {}).get("provenance") or {}
    from simulation.study.provenance import git_commit

    now = git_commit()
    fresh = old is not None and (prov.get("git_commit") != now["commit"] or prov.get("git_dirty") or now["dirty"])
    t0 = time.monotonic()
    result = run_plan(plan, Store(out), workers=workers, progress=progress, overwrite=fresh)
    seconds = time.monotonic() - t0
    if result.failed:
        raise ScenarioError(f"reproduce {exp.id}: {len(result.failed)} run(s) failed; tracebacks in {out}/failures")
    write_report(out)
    got = checked_numbers(result.effects, plan.metrics)
    if update:
        manifest = json.loads((out / "manifest.json").read_text())
        stored[mode] = {
            "reps": plan.reps,
            "days": plan.days,
            "window": plan.window,
            "seed": plan.seed,
            "tolerance_rule": f"{SE_MULTIPLE:g} standard errors of the paired difference, at least {MIN_TOLERANCE:g}",
            "seconds": round(seconds, 1),
            "made_with": {k: manifest["provenance"].get(k) for k in ("version", "git_commit", "versions")},
            "numbers": got,
        }
        atomic_write(exp.expected, lambda p: Path(p).write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8"))
        if not quick:  # the committed result: a table and a figure next to the README
            atomic_write(
                exp.folder / "result.md",
                lambda p: Path(p).write_text(result_table(result.effects, plan, seconds), encoding="utf-8"),
            )
            write_figure(result.effects, plan, exp.folder / "figure.png")
    table = compare_numbers(stored[mode]["numbers"], got)
    manifest = json.loads((out / "manifest.json").read_text())
    record = {
        "experiment": exp.id,
        "mode": mode,
        "seconds": round(seconds, 1),
        "all_within": bool(table["within"].all()),
        "provenance": manifest.get("provenance"),
        "comparison": json.loads(table.to_json(orient="records")),
    }
    atomic_write(out / "reproduce.json", lambda p: Path(p).write_text(json.dumps(record, indent=1), encoding="utf-8"))
    return table, out, seconds


def result_table(effects: pd.DataFrame, plan, seconds: float) -> str:
    """The full result as Markdown: each arm's paired effect [95% CI] on each metric, per scenario."""
    lines = [
        f"Paired effects against the baseline: {plan.reps} replications (seeds {plan.seed}..{plan.seed + plan.reps - 1}), "
        f"{plan.days} days after the burn-in, means of the last {plan.window} days; diff [95% CI]. "
        f"Computed in {seconds / 60:.1f} min on 2 cores.",
        "",
    ]
    e = effects[effects["metric"].isin(plan.metrics)]
    for scenario, sub in e.groupby("scenario", sort=False):
        if e["scenario"].nunique() > 1:
            lines += [f"**{scenario}**", ""]
        lines += ["| arm | " + " | ".join(plan.metrics) + " |", "|---|" + "---|" * len(plan.metrics)]
        base = sub.drop_duplicates("metric").set_index("metric")["baseline_mean"]
        lines.append("| baseline (level) | " + " | ".join(f"{base[m]:.4f}" for m in plan.metrics) + " |")
        for arm, a in sub.groupby("arm", sort=False):
            a = a.set_index("metric")
            cells = [
                f"{a.loc[m, 'diff']:+.4f} [{a.loc[m, 'ci_low']:+.4f}, {a.loc[m, 'ci_high']:+.4f}]" for m in plan.metrics
            ]
            lines.append(f"| {arm} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write_figure(effects: pd.DataFrame, plan, path: Path) -> None:
    """A forest plot of the effects (PNG through the system's Chromium); skipped with a note if there is none."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from simulation.app.export import figures_png_zip

    metrics = plan.metrics
    fig = make_subplots(rows=len(metrics), cols=1, subplot_titles=metrics, vertical_spacing=0.3 / len(metrics))
    for i, m in enumerate(metrics, 1):
        for scenario, sub in effects[effects["metric"] == m].groupby("scenario", sort=False):
            fig.add_trace(
                go.Scatter(
                    x=sub["diff"],
                    y=sub["arm"],
                    mode="markers",
                    name=scenario,
                    legendgroup=scenario,
                    showlegend=i == 1 and effects["scenario"].nunique() > 1,
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": sub["ci_high"] - sub["diff"],
                        "arrayminus": sub["diff"] - sub["ci_low"],
                    },
                ),
                row=i,
                col=1,
            )
        fig.add_vline(x=0, line_dash="dot", line_color="grey", row=i, col=1)
    fig.update_layout(height=170 * len(metrics) + 120, title=f"{plan.name}: paired effect vs baseline, 95% CI")
    try:
        import io
        import zipfile

        data = figures_png_zip({"figure": fig.to_dict()})
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            path.write_bytes(z.read("figure.png"))
    except Exception as err:  # e.g. no Chromium here: the table and report.html still hold it
        path.with_suffix(".txt").write_text(f"figure not rendered: {err}\n", encoding="utf-8")
