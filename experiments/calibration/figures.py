"""Figures of the history matching (experiments/calibration/README.md): ``nroy.png`` and ``patterns.png``.

python experiments/calibration/figures.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulation.patterns import CUTOFF, PATTERNS

HERE = Path(__file__).resolve().parent


def main() -> None:
    result = json.loads((HERE / "result.json").read_text())
    points = pd.read_csv(HERE / "waves" / "points.csv")
    nroy = points[points.I_max <= CUTOFF]
    ident = result["identifiability"]
    names = list(ident)
    # Each parameter on its prior scale 0..1: every point tried (grey) and those not ruled out (blue).
    fig = go.Figure()
    for i, k in enumerate(names):
        lo, hi = ident[k]["prior"]
        for frame, colour, size in ((points, "lightgrey", 4), (nroy, "royalblue", 6)):
            fig.add_trace(
                go.Scatter(
                    x=(frame[k] - lo) / (hi - lo),
                    y=[k] * len(frame),
                    mode="markers",
                    marker={"color": colour, "size": size},
                    showlegend=False,
                )
            )
        d = result["defaults"]["values"][k]
        fig.add_trace(
            go.Scatter(
                x=[(d - lo) / (hi - lo)],
                y=[k],
                mode="markers",
                marker={"symbol": "x", "color": "red", "size": 10},
                showlegend=i == 0,
                name="baseline default",
            )
        )
    fig.update_layout(
        title="Points tried (grey) and not ruled out (blue), on each parameter's prior range",
        xaxis_title="position in the prior range (0 = low end, 1 = high end)",
        width=1100,
        height=560,
        margin={"l": 330},
    )
    fig.write_image(HERE / "nroy.png")

    fig = make_subplots(rows=2, cols=4, subplot_titles=[p.name for p in PATTERNS])
    for j, p in enumerate(PATTERNS):
        r, c = divmod(j, 4)
        fig.add_trace(go.Histogram(x=nroy[p.name], marker_color="royalblue", showlegend=False), row=r + 1, col=c + 1)
        for x, dash in ((p.target, "solid"), (p.target - p.tolerance, "dot"), (p.target + p.tolerance, "dot")):
            fig.add_vline(x=x, line_dash=dash, line_color="red", row=r + 1, col=c + 1)
    fig.update_layout(
        title="Pattern values of the points not ruled out (target: red line; tolerance: dotted); "
        "the last two are holdouts",
        width=1300,
        height=620,
    )
    fig.write_image(HERE / "patterns.png")


if __name__ == "__main__":
    main()
