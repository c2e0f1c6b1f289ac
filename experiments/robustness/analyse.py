"""Rank the remedies point by point: how often is each the best, and in the top three?

Reads ``runs/effects.parquet`` of the robustness study (one paired effect per
point, remedy and metric; a point is a calibrated vector not ruled out plus a
draw of every strength) and writes ``result.md``, ``result.json`` and
``ranking.png``. Criteria: the effect on participation, on trust in
government, and participation per yuan (points of participation per 1,000
yuan a month). A remedy's band is the 5th-95th percentile of its effect over
the points: it carries parameter uncertainty and one seed's noise.

    python experiments/robustness/analyse.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CRITERIA = {
    "participation": ("participation_rate", 1.0),
    "trust in government": ("trust_government", 1.0),
    "participation per 1,000 yuan": ("participation_rate", None),
}


def criterion_table(effects: pd.DataFrame, metric: str, per_yuan: bool) -> pd.DataFrame:
    e = effects[effects.metric == metric].copy()
    e["value"] = 100 * e["diff"] / (e["monthly_cost"] / 1000) if per_yuan else e["diff"]
    return e.pivot_table(index="point", columns="arm", values="value")


def summary(values: pd.DataFrame) -> pd.DataFrame:
    ranks = values.rank(axis=1, ascending=False, method="min")
    return pd.DataFrame(
        {
            "best": (ranks == 1).mean(),
            "top3": (ranks <= 3).mean(),
            "median": values.median(),
            "p05": values.quantile(0.05),
            "p95": values.quantile(0.95),
        }
    ).sort_values(["best", "top3", "median"], ascending=False)


def main() -> None:
    effects = pd.read_parquet(HERE / "runs" / "effects.parquet")
    out, lines = {}, []
    for scenario, e in effects.groupby("scenario", sort=False):
        out[scenario] = {}
        lines += [f"### {scenario} ({e.point.nunique()} points)", ""]
        for label, (metric, _) in CRITERIA.items():
            s = summary(criterion_table(e, metric, per_yuan=label.endswith("yuan")))
            out[scenario][label] = s.round(5).to_dict(orient="index")
            unit = "points per 1,000 yuan/month" if label.endswith("yuan") else "change"
            lines += [
                f"**{label}** ({unit}; median and 5-95% band over points)",
                "",
                "| remedy | best | top 3 | median | band |",
                "|---|---|---|---|---|",
            ]
            for arm, r in s.iterrows():
                lines.append(
                    f"| {arm} | {r.best:.0%} | {r.top3:.0%} | {r['median']:+.4f} | [{r.p05:+.4f}, {r.p95:+.4f}] |"
                )
            lines.append("")
    (HERE / "result.json").write_text(json.dumps(out, indent=1) + "\n")
    (HERE / "result.md").write_text("\n".join(lines))
    print("\n".join(lines))
    figure(effects)


def figure(effects: pd.DataFrame) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    scenarios = list(dict.fromkeys(effects.scenario))
    fig = make_subplots(rows=1, cols=len(scenarios), subplot_titles=scenarios, shared_yaxes=True)
    for j, scenario in enumerate(scenarios, 1):
        s = summary(criterion_table(effects[effects.scenario == scenario], "participation_rate", False))
        s = s.sort_values("median")
        fig.add_trace(
            go.Scatter(
                x=s["median"],
                y=s.index,
                mode="markers",
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": s.p95 - s["median"],
                    "arrayminus": s["median"] - s.p05,
                },
                name=scenario,
                showlegend=False,
            ),
            row=1,
            col=j,
        )
        fig.update_xaxes(title_text="effect on participation (5-95% over points)", row=1, col=j)
    fig.update_layout(width=1300, height=520, margin={"l": 190})
    fig.write_image(HERE / "ranking.png")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
