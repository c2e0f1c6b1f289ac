"""``govsim report DIR``: one self-contained HTML file from a results directory.

Plotly's JavaScript is embedded once (no network needed to open the file).
Contents: a run card (provenance, versions, seeds, command), the ranking of
arms per scenario, a forest plot of effects per arm and scenario, breakdowns
by age group and Party membership, cost-effectiveness, the spread of levels by
arm, and with a design the sensitivity indices and effects against each
parameter.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from simulation.scenario import ScenarioError
from simulation.study.effects import ranking
from simulation.study.store import Store, atomic_write

CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child,table.kv td,table.rank td:nth-child(3){text-align:left}
tr.sep td{border-top:2px solid #888}
.flag{color:#a33}
"""


def _num(x, fmt: str = "{:+.4f}") -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _table(headers: list[str], rows: list[list[str]], seps: set[int] | None = None, cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        sep = ' class="sep"' if seps and i in seps else ""
        body.append(f"<tr{sep}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _provenance(manifest: dict) -> str:
    prov = manifest.get("provenance", {})
    seeds = prov.get("seeds") or []
    seed_text = f"{seeds[0]}..{seeds[-1]}" if seeds else ""
    items = [
        ("kind", manifest.get("kind")),
        ("status", manifest.get("status")),
        ("scenario file", prov.get("scenario_file")),
        ("scenario SHA-256", prov.get("scenario_sha256")),
        ("overrides", ", ".join(prov.get("overrides") or []) or "none"),
        ("replications", prov.get("reps")),
        ("seeds (replication r: seed + r)", seed_text),
        ("days", prov.get("days")),
        ("window (days)", prov.get("window")),
        ("design", (manifest.get("design") or {}).get("method")),
        ("scenarios", ", ".join(manifest.get("scenarios") or []) or None),
        ("design points (cells: scenarios x points)", manifest.get("points")),
        ("command", manifest.get("command")),
        ("package versions", ", ".join(f"{k} {v}" for k, v in (prov.get("versions") or {}).items())),
        ("runs done / planned", f"{manifest.get('runs_done')} / {manifest.get('runs_planned')}"),
        ("govsim version", prov.get("version")),
        ("git commit", prov.get("git_commit") or "unknown (no git)"),
        ("started", manifest.get("started")),
        ("warning", manifest.get("warning") or "none"),
        ("finished", manifest.get("finished")),
    ]
    return _table(["", ""], [[html.escape(k), html.escape(str(v))] for k, v in items], cls="kv")


def _ranking_html(effects: pd.DataFrame, metrics: list[str], point: int = 0) -> str:
    ranked = ranking(effects, metrics, point)
    rows, seps, last = [], set(), None
    for r in ranked.itertuples(index=False):
        if last is not None and r.metric != last:
            seps.add(len(rows))
        last = r.metric
        flag = f'<span class="flag">{html.escape(r.flag)}</span>' if r.flag else ""
        per_unit = f"{r.cost_per_unit:,.0f} per {html.escape(r.cost_unit)}" if not r.flag else flag
        rank = "" if pd.isna(r.rank) else str(r.rank)
        rows.append(
            [
                html.escape(r.metric),
                rank,
                html.escape(r.arm),
                _num(r.baseline_mean, "{:.4f}"),
                _num(r.diff),
                f"[{_num(r.ci_low)}, {_num(r.ci_high)}]",
                _num(r.effect_size, "{:+.2f}"),
                _num(r.monthly_cost, "{:,.0f}"),
                per_unit,
            ]
        )
    headers = ["metric", "rank", "arm", "baseline", "diff", "95% CI", "d", "yuan/month", "yuan/month per unit"]
    return _table(headers, rows, seps, cls="rank")


def _bars(low, mid, high) -> dict:
    """Plotly error bars from ``low`` to ``high`` around ``mid`` (arrays)."""
    return {"type": "data", "symmetric": False, "array": high - mid, "arrayminus": mid - low}


GROUPS = ("young", "middle", "elderly", "party", "nonparty")
BREAKDOWN = ("participation_rate", "activity_participation_rate", "governance_participation_rate", "turnout")
COSTED = ("participation_rate", "trust_community", "trust_government", "service_satisfaction")


def _cells(effects: pd.DataFrame) -> dict[str, list[int]]:
    """Scenario -> its cells (design points), in order."""
    key = effects["scenario"] if "scenario" in effects else pd.Series("", index=effects.index)
    return {str(k): sorted(g["point"].unique()) for k, g in effects.assign(_s=key).groupby("_s", sort=False)}


def _summary_per_scenario(e: pd.DataFrame, cells: dict[str, list[int]]) -> pd.DataFrame:
    """One row per (scenario, arm, metric): the cell's effect, or with a design the mean over its points
    (interval: lowest to highest point)."""
    rows = []
    for scenario, pts in cells.items():
        sub = e[e["point"].isin(pts)]
        for (arm, metric), g in sub.groupby(["arm", "metric"], sort=False):
            if len(pts) == 1:
                r = g.iloc[0]
                rows.append(
                    [scenario, arm, metric, r["diff"], r["ci_low"], r["ci_high"], r["cost_per_unit"], r["flag"]]
                )
            else:
                rows.append(
                    [scenario, arm, metric, g["diff"].mean(), g["diff"].min(), g["diff"].max(), float("nan"), ""]
                )
    return pd.DataFrame(rows, columns=["scenario", "arm", "metric", "diff", "low", "high", "cost_per_unit", "flag"])


def _figures(runs: pd.DataFrame, effects: pd.DataFrame, sens: pd.DataFrame, points: pd.DataFrame, metrics):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figs = []
    cells = _cells(effects)
    design = any(len(p) > 1 for p in cells.values())
    s = _summary_per_scenario(effects, cells)
    what = "mean over design points (bars: lowest to highest point)" if design else "95% CI"
    # Forest plot: every arm in every scenario, one panel per metric.
    fig = make_subplots(rows=len(metrics), cols=1, subplot_titles=metrics, vertical_spacing=0.25 / len(metrics))
    for i, m in enumerate(metrics, 1):
        for scenario in cells:
            sub = s[(s["metric"] == m) & (s["scenario"] == scenario)]
            fig.add_trace(
                go.Scatter(
                    x=sub["diff"],
                    y=sub["arm"],
                    mode="markers",
                    error_x=_bars(sub["low"], sub["diff"], sub["high"]),
                    name=scenario or "effect",
                    legendgroup=scenario,
                    showlegend=i == 1 and len(cells) > 1,
                ),
                row=i,
                col=1,
            )
        fig.add_vline(x=0, line_dash="dot", line_color="grey", row=i, col=1)
    fig.update_layout(height=190 * len(metrics) + 120, title=f"Paired effect vs baseline per arm and scenario, {what}")
    figs.append(("Effects", fig))
    # Who gains: the breakdown by age group and Party membership.
    base_metrics = [b for b in BREAKDOWN if f"{b}_young" in set(s["metric"])]
    for scenario in cells:
        if not base_metrics:
            break
        fig = make_subplots(rows=1, cols=len(base_metrics), subplot_titles=base_metrics)
        for j, b in enumerate(base_metrics, 1):
            sub = s[(s["scenario"] == scenario) & s["metric"].isin([f"{b}_{g}" for g in GROUPS])]
            for arm in sub["arm"].unique():
                a = sub[sub["arm"] == arm].set_index("metric").reindex([f"{b}_{g}" for g in GROUPS])
                fig.add_trace(
                    go.Bar(
                        x=list(GROUPS),
                        y=a["diff"],
                        name=arm,
                        legendgroup=arm,
                        showlegend=j == 1,
                        error_y=_bars(a["low"], a["diff"], a["high"]),
                    ),
                    row=1,
                    col=j,
                )
        label = f": {scenario}" if len(cells) > 1 else ""
        fig.update_layout(title=f"Effect by age group and Party membership{label} ({what})", barmode="group")
        figs.append((f"Breakdown by group{label}", fig))
    # Cost-effectiveness: yuan a month per unit of improvement (blank where the CI includes 0 or it harms).
    costed = [m for m in COSTED if m in set(s["metric"])]
    if not design and costed:
        fig = make_subplots(rows=1, cols=len(costed), subplot_titles=[f"yuan/month per unit of {m}" for m in costed])
        for j, m in enumerate(costed, 1):
            for scenario in cells:
                sub = s[(s["metric"] == m) & (s["scenario"] == scenario)]
                text = [f or "" for f in sub["flag"]]
                fig.add_trace(
                    go.Bar(
                        x=sub["arm"],
                        y=sub["cost_per_unit"],
                        text=text,
                        name=scenario or "cost",
                        legendgroup=scenario,
                        showlegend=j == 1 and len(cells) > 1,
                    ),
                    row=1,
                    col=j,
                )
        fig.update_layout(
            title="Cost-effectiveness: monthly cost per percentage point (shares) or per 0.01 (trust); "
            "no bar where the 95% CI includes 0 or the effect is harmful",
            barmode="group",
        )
        figs.append(("Cost-effectiveness", fig))
    if not design:
        fig = go.Figure()
        first = metrics[0]
        for arm in runs.sort_values("arm_index")["arm"].unique():
            for scenario in cells:
                sel = (runs["arm"] == arm) & ((runs["scenario"] == scenario) if "scenario" in runs else True)
                fig.add_trace(go.Box(y=runs.loc[sel, first], name=f"{arm} · {scenario}" if len(cells) > 1 else arm))
        fig.update_layout(title=f"{first}: window mean per replication, by arm", showlegend=False)
        figs.append(("Levels", fig))
    if sens is not None and not sens.empty:
        main_idx = {"sobol": "ST", "morris": "mu_star", "prcc": "prcc"}[sens["method"].iloc[0]]
        sc = sens["scenario"] if "scenario" in sens else pd.Series("", index=sens.index)
        for scenario in dict.fromkeys(sc):
            for m in metrics:
                sub = sens[(sc == scenario) & (sens["quantity"] == "effect") & (sens["index"] == main_idx)]
                sub = sub[sub["metric"] == m]
                if sub.empty:
                    continue
                fig = go.Figure()
                for arm in sub["arm"].unique():
                    a = sub[sub["arm"] == arm]
                    fig.add_trace(
                        go.Bar(
                            x=a["parameter"],
                            y=a["value"],
                            name=arm,
                            error_y=_bars(a["ci_low"], a["value"], a["ci_high"]),
                        )
                    )
                label = f" ({scenario})" if len(cells) > 1 else ""
                fig.update_layout(
                    title=f"Sensitivity of the effect on {m}{label}: {main_idx} with 95% CI", barmode="group"
                )
                figs.append((f"Sensitivity: {m}{label}", fig))
        params = [c for c in points.columns if c not in ("point", "scenario", "design_point")]
        first = metrics[0]
        sub = effects[effects["metric"] == first].merge(points[["point", *params]], on="point")
        if params:
            fig = make_subplots(rows=1, cols=len(params), subplot_titles=params)
            for j, p in enumerate(params, 1):
                for arm in sub["arm"].unique():
                    a = sub[sub["arm"] == arm]
                    fig.add_trace(
                        go.Scatter(x=a[p], y=a["diff"], mode="markers", name=arm, showlegend=j == 1), row=1, col=j
                    )
            fig.update_layout(title=f"Effect on {first} at each design point")
            figs.append((f"Effect on {first} by parameter", fig))
    return figs


def write_report(directory: str | Path, out: str | Path | None = None) -> Path:
    """Build ``report.html`` (or ``out``) from a results directory; a missing piece is a ScenarioError."""
    store = Store(directory)
    manifest = store.read_manifest()
    if manifest is None:
        raise ScenarioError(f"{directory}: no manifest.json (not a results directory of govsim study/compare --out)")
    if not (store.root / "effects.parquet").is_file():
        raise ScenarioError(f"{directory}: no effects.parquet yet (the study has not finished; run it again)")
    import plotly.io as pio

    runs = pd.read_parquet(store.root / "runs.parquet")
    effects = pd.read_parquet(store.root / "effects.parquet")
    if effects.empty:
        raise ScenarioError(f"{directory}: effects.parquet is empty (no finished runs)")
    sens_path = store.root / "sensitivity.parquet"
    sens = pd.read_parquet(sens_path) if sens_path.is_file() else None
    points = pd.read_parquet(store.root / "design.parquet")
    metrics = [m for m in manifest.get("metrics", []) if m in set(effects["metric"])] or list(
        dict.fromkeys(effects["metric"])
    )
    parts = [
        f"<h1>{html.escape(manifest.get('name') or manifest.get('kind', 'study'))}</h1>",
        "<h2>Provenance</h2>",
        _provenance(manifest),
    ]
    for scenario, pts in _cells(effects).items():
        if len(pts) != 1:
            continue
        label = f" ({html.escape(scenario)})" if effects.get("scenario", pd.Series()).nunique() > 1 else ""
        parts += [
            f"<h2>Arms ranked by improvement, per metric{label}</h2>",
            "<p>Paired by replication (common random numbers): d is an effect size of seed-paired runs (d_z), "
            "not of the policy. Cost per unit: extra monthly cost of the arm per percentage point (shares), per "
            "0.01 (trust, efficacy) or per unit; blank when the 95% CI includes 0 or the effect is harmful.</p>",
            _ranking_html(effects, metrics, pts[0]),
        ]
    first = True
    for title, fig in _figures(runs, effects, sens, points, metrics):
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=first))
        first = False
    if sens is not None and not sens.empty:
        rows = [
            [
                html.escape(str(r.quantity)),
                html.escape(r.arm),
                html.escape(r.metric),
                html.escape(r.parameter),
                html.escape(r.index),
                _num(r.value, "{:.3f}"),
                f"[{_num(r.ci_low, '{:.3f}')}, {_num(r.ci_high, '{:.3f}')}]",
            ]
            for r in sens.itertuples(index=False)
        ]
        parts += [
            "<h2>Sensitivity indices</h2>",
            _table(["quantity", "arm", "metric", "parameter", "index", "value", "95% CI"], rows),
        ]
    doc = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>govsim report: {html.escape(manifest.get('name') or '')}</title><style>{CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
    path = Path(out) if out else store.root / "report.html"
    atomic_write(path, lambda p: Path(p).write_text(doc, encoding="utf-8"))
    return path
