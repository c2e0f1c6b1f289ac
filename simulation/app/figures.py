"""The app's charts as plain plotly figure dicts (JSON-ready), in one language.

Plain dicts, not ``plotly.graph_objects``: building and serialising them is
cheap enough to redraw every simulated day, and the browser's plotly.js draws
them as they are. ``plotly.graph_objects.Figure(fig)`` accepts each one (the
tests check it), which is what the export uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.app import shown
from simulation.app.adapter import BOARD_COLUMNS, Board, Organisation
from simulation.app.i18n import t, unit_name
from simulation.app.layout import Layout
from simulation.scenario import DOMAINS

FONT = {"family": "Noto Sans CJK SC, Noto Sans SC, Noto Sans, Arial, sans-serif", "size": 13}
SERIES = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#d62728",
)
# One colour per shown metric, the same in every chart.
COLOUR = {name: SERIES[i % len(SERIES)] for i, name in enumerate(shown.NAMES)}
ENGAGED, NOT_ENGAGED = "#2ca02c", "#c7c7c7"
PARTY, MODEL_HH, THREE_NO = "#d62728", "#e6a700", "#d62728"
BOARD_COLOURS = {
    "unreported": "#bdbdbd",
    "in_transit": "#9ecae1",
    "committee": "#3182bd",
    "property_management": "#31a354",
    "government": "#756bb1",
    "stalled": "#d62728",
}
ORG_SYMBOLS = {
    "committee": "square",
    "government": "star",
    "property_management": "hexagon",
    "party_branch": "diamond",
    "resident_unit": "pentagon",
}
MAX_TIE_SEGMENTS = 2500


def _nan_to_none(a) -> list:
    """A float array as a JSON-safe list (NaN, which JSON lacks, becomes null)."""
    a = np.asarray(a, dtype=float)
    if np.isnan(a).any():
        return np.where(np.isnan(a), None, a).tolist()
    return a.tolist()


def _layout(title: str, **extra) -> dict:
    base = {
        "title": {"text": title, "x": 0.01, "font": {"size": 16}},
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 45},
        "legend": {"orientation": "h", "y": -0.18},
        "height": 330,
    }
    base.update(extra)
    return base


def _axis(title: str, **extra) -> dict:
    return {"title": {"text": title}, "gridcolor": "#eeeeee", "zeroline": False, **extra}


# -- time series of both sides ----------------------------------------------------
def _sides(hist: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return hist[hist["arm"] == "baseline"], hist[hist["arm"] == "remedy"]


def _paired_lines(hist: pd.DataFrame, items, lang: str, title: str, y_title: str, scale: float = 1.0) -> dict:
    base, rem = _sides(hist)
    data = []
    for metric, label in items:
        colour = COLOUR[metric]
        name = t(label, lang)
        for side, df, dash in (("baseline", base, "dot"), ("remedy", rem, "solid")):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": df["day"].tolist(),
                    "y": _nan_to_none(df[metric].to_numpy() * scale),
                    "name": f"{name} · {t(side, lang)}",
                    "legendgroup": metric,
                    "line": {"color": colour, "dash": dash, "width": 2 if side == "remedy" else 1.5},
                }
            )
    return {
        "data": data,
        "layout": _layout(title, xaxis=_axis(t("axis.day", lang)), yaxis=_axis(y_title)),
    }


def participation_figure(hist: pd.DataFrame, lang: str) -> dict:
    return _paired_lines(hist, shown.PARTICIPATION, lang, t("fig.participation", lang), t("axis.share", lang))


def trust_figure(hist: pd.DataFrame, lang: str) -> dict:
    return _paired_lines(hist, shown.TRUST, lang, t("fig.trust", lang), t("axis.trust", lang))


def issues_figure(hist: pd.DataFrame, lang: str) -> dict:
    fig = _paired_lines(hist, shown.ISSUES, lang, t("fig.issues", lang), t("axis.issues", lang))
    # Days to close on a second axis (other unit).
    for trace in fig["data"]:
        if trace["legendgroup"] == "issue_resolution_days":
            trace["yaxis"] = "y2"
    fig["layout"]["yaxis2"] = _axis(t("axis.days", lang), overlaying="y", side="right", showgrid=False)
    fig["layout"]["margin"]["r"] = 60
    return fig


def difference_figure(hist: pd.DataFrame, lang: str) -> dict:
    """Remedy minus baseline, day by day: participation (percentage points), trust, issues."""
    base, rem = _sides(hist)
    days = base["day"].tolist()
    panels = (
        (shown.PARTICIPATION, 100.0, "axis.diff_pp"),
        (shown.TRUST, 1.0, "axis.diff_trust"),
        (shown.ISSUES, 1.0, "axis.diff_issues"),
    )
    data, layout = [], _layout(t("fig.diff", lang), height=560)
    gap = 0.06
    h = (1.0 - 2 * gap) / 3
    for p, (items, scale, y_title) in enumerate(panels):
        ax = "" if p == 0 else str(p + 1)
        top = 1.0 - p * (h + gap)
        layout[f"yaxis{ax}"] = _axis(t(y_title, lang), domain=[top - h, top], zeroline=True, zerolinecolor="#888")
        xaxis = _axis(t("axis.day", lang) if p == 2 else "", anchor=f"y{ax}")
        if p:
            xaxis["matches"] = "x"  # one day axis for the three panels
        layout[f"xaxis{ax}"] = xaxis
        for metric, label in items:
            diff = (rem[metric].to_numpy() - base[metric].to_numpy()) * scale
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": days,
                    "y": _nan_to_none(diff),
                    "name": t(label, lang),
                    "xaxis": f"x{ax}",
                    "yaxis": f"y{ax}",
                    "line": {"color": COLOUR[metric], "width": 2},
                }
            )
    layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1}
    layout["margin"]["r"] = 170
    return {"data": data, "layout": layout}


# -- the issue board ------------------------------------------------------------------
def board_figure(boards: tuple[Board, Board], lang: str) -> dict:
    """Open cases by domain, stacked by where they are; baseline left, remedies right."""
    domains = [t(f"domain.{d}", lang) for d in DOMAINS]
    data = []
    for side, (board, ax) in enumerate(zip(boards, ("", "2"), strict=True)):
        for c, col in enumerate(BOARD_COLUMNS):
            bar = {
                "type": "bar",
                "orientation": "h",
                "y": domains,
                "x": board.counts[:, c].tolist(),
                "name": t(f"board.{col}", lang),
                "legendgroup": col,
                "showlegend": side == 0,
                "marker": {"color": BOARD_COLOURS[col]},
                "xaxis": f"x{ax}",
                "yaxis": f"y{ax}",
            }
            if col == "stalled":
                bar["marker"]["pattern"] = {"shape": "/", "fgcolor": "white"}
            data.append(bar)
    layout = _layout(t("fig.board", lang), barmode="stack", height=330)
    layout["xaxis"] = _axis(t("axis.cases", lang), domain=[0, 0.47])
    layout["xaxis2"] = _axis(t("axis.cases", lang), domain=[0.53, 1], anchor="y2", matches="x")
    layout["yaxis"] = {"automargin": True}
    layout["yaxis2"] = {"anchor": "x2", "matches": "y", "showticklabels": False}
    layout["annotations"] = [
        _note(t("baseline", lang), 0.0, 1.0, "left"),
        _note(t("remedy", lang), 0.53, 1.0, "left"),
    ]
    layout["legend"] = {"orientation": "h", "y": -0.25}
    return {"data": data, "layout": layout}


def _note(text: str, x: float, y: float, align: str) -> dict:
    return {
        "text": f"<b>{text}</b>",
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": align,
        "yanchor": "bottom",
        "showarrow": False,
    }


# -- the community picture ------------------------------------------------------------
def community_figure(
    lay: Layout,
    state: dict[str, np.ndarray],
    orgs: list[Organisation],
    three_no: np.ndarray,
    lang: str,
    title: str,
    colour_by: str = "engaged",
    ties: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """Compounds, buildings, residents (sampled) and organisations.

    ``state`` holds per-resident arrays over *all* residents: ``engaged``,
    ``trust`` (trust in the community), ``party``, ``model_household``.
    ``ties`` are (i, j) index pairs to draw (optional). Only colours change from
    day to day; positions come from the cached layout.
    """
    idx = lay.shown
    x, y = np.round(lay.x, 4), np.round(lay.y, 4)
    data: list[dict] = []
    if ties is not None:
        data.append(_tie_trace(lay, ties, lang))
    if colour_by == "trust":
        value = np.round(state["trust"][idx].astype(float), 3)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": x.tolist(),
                "y": y.tolist(),
                "name": t("legend.trust", lang),
                "marker": {
                    "size": 5,
                    "color": value.tolist(),
                    "cmin": 0,
                    "cmax": 1,
                    "colorscale": "Viridis",
                    "colorbar": {"title": {"text": t("legend.trust", lang)}, "thickness": 12, "len": 0.6},
                },
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    else:
        eng = state["engaged"][idx]
        for mask, key, colour in ((~eng, "legend.not_engaged", NOT_ENGAGED), (eng, "legend.engaged", ENGAGED)):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": x[mask].tolist(),
                    "y": y[mask].tolist(),
                    "name": t(key, lang),
                    "marker": {"size": 5, "color": colour},
                    "hoverinfo": "skip",
                }
            )
    for key, mask, symbol, colour, size in (
        ("legend.party", state["party"][idx], "circle-open", PARTY, 6),
        ("legend.model_household", state["model_household"][idx], "star-open", MODEL_HH, 9),
    ):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": x[mask].tolist(),
                "y": y[mask].tolist(),
                "name": t(key, lang),
                "marker": {"size": size, "symbol": symbol, "color": colour, "line": {"width": 1}},
                "hoverinfo": "skip",
            }
        )
    data.extend(_org_traces(lay, orgs, lang))
    shapes, notes = _compound_shapes(lay, three_no, lang)
    if lay.sampled:
        notes.append(_note(t("sampled", lang, shown=len(idx), n=lay.n), 0.0, -0.02, "left") | {"yanchor": "top"})
    width = lay.grid_cols + 1.6  # room for the organisations column
    layout = _layout(
        title,
        height=max(400, int(130 * lay.grid_rows + 140)),
        xaxis={"visible": False, "range": [-0.05, width]},
        yaxis={"visible": False, "range": [-0.1, lay.grid_rows + 0.05]},
        shapes=shapes,
        annotations=notes,
        hovermode="closest",
    )
    layout["legend"] = {"orientation": "h", "y": -0.04}
    layout["margin"] = {"l": 10, "r": 10, "t": 45, "b": 10}
    return {"data": data, "layout": layout}


def _tie_trace(lay: Layout, ties: tuple[np.ndarray, np.ndarray], lang: str) -> dict:
    i, j = ties
    # Only ties between drawn residents; at most MAX_TIE_SEGMENTS of them.
    pos = np.full(lay.n, -1, np.int64)
    pos[lay.shown] = np.arange(len(lay.shown))
    pi, pj = pos[i], pos[j]
    keep = np.flatnonzero((pi >= 0) & (pj >= 0))[:MAX_TIE_SEGMENTS]
    pi, pj = pi[keep], pj[keep]
    xs = np.empty(3 * len(keep), object)
    ys = np.empty(3 * len(keep), object)
    xs[0::3], xs[1::3] = np.round(lay.x[pi], 4), np.round(lay.x[pj], 4)
    ys[0::3], ys[1::3] = np.round(lay.y[pi], 4), np.round(lay.y[pj], 4)
    return {
        "type": "scatter",
        "mode": "lines",
        "x": xs.tolist(),
        "y": ys.tolist(),
        "name": t("legend.ties", lang),
        "line": {"color": "rgba(120,120,120,0.25)", "width": 0.6},
        "hoverinfo": "skip",
    }


def _compound_shapes(lay: Layout, three_no: np.ndarray, lang: str) -> tuple[list[dict], list[dict]]:
    shapes, notes = [], []
    for k, (x0, y0, x1, y1) in enumerate(np.round(lay.compound_box, 4).tolist()):
        bad = bool(three_no[k]) if k < len(three_no) else False
        shapes.append(
            {
                "type": "rect",
                "x0": x0,
                "y0": y0,
                "x1": x1,
                "y1": y1,
                "line": {"color": THREE_NO if bad else "#888888", "width": 1.5, "dash": "dash" if bad else "solid"},
                "fillcolor": "rgba(255,235,235,0.5)" if bad else "rgba(240,244,248,0.6)",
                "layer": "below",
            }
        )
        if len(lay.compound_box) <= 40:  # labels only where they stay legible
            label = f"{k + 1}" + (f" {t('three_no', lang)}" if bad else "")
            notes.append(
                {
                    "text": label,
                    "x": x0,
                    "y": y1,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 10, "color": THREE_NO if bad else "#555"},
                }
            )
    if len(lay.building_xy) <= 400:  # building marks only where they stay visible
        for bx, by in np.round(lay.building_xy, 4).tolist():
            shapes.append(
                {
                    "type": "circle",
                    "x0": bx - 0.012,
                    "y0": by - 0.012,
                    "x1": bx + 0.012,
                    "y1": by + 0.012,
                    "line": {"width": 0},
                    "fillcolor": "#555555",
                    "layer": "below",
                }
            )
    return shapes, notes


def _org_label(o: Organisation, lang: str) -> str:
    return unit_name(o.name, lang) if o.kind == "government" else t(f"org.{o.kind}", lang)


def _org_traces(lay: Layout, orgs: list[Organisation], lang: str) -> list[dict]:
    """Property companies and Party branches at their compound; the others in a labelled column."""
    traces = []
    for kind, corner in (("property_management", (0.93, 0.07)), ("party_branch", (0.07, 0.07))):
        at = [o.compound for o in orgs if o.kind == kind and 0 <= o.compound < len(lay.compound_box)]
        if not at:
            continue
        box = lay.compound_box[at]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": np.round(box[:, 0] + corner[0] * (box[:, 2] - box[:, 0]), 4).tolist(),
                "y": np.round(box[:, 1] + corner[1] * (box[:, 3] - box[:, 1]), 4).tolist(),
                "name": t(f"org.{kind}", lang),
                "marker": {
                    "symbol": ORG_SYMBOLS[kind],
                    "size": 11,
                    "color": "#31a354" if kind == "property_management" else PARTY,
                    "line": {"width": 1, "color": "white"},
                },
                "hovertext": [t(f"org.{kind}", lang)] * len(at),
                "hoverinfo": "text",
            }
        )
    # The column: one row per kind (and per government unit), with a count on a street.
    rows: dict[tuple[str, str], int] = {}
    for o in orgs:
        if o.kind in ("property_management", "party_branch"):
            continue
        label = _org_label(o, lang)
        rows[(o.kind, label)] = rows.get((o.kind, label), 0) + 1
    if rows:
        n = len(rows)
        top = lay.grid_rows - 0.1
        step = min(0.35, (lay.grid_rows - 0.2) / max(n, 1))
        xs, ys, texts, symbols, colours = [], [], [], [], []
        for r, ((kind, label), count) in enumerate(rows.items()):
            xs.append(lay.grid_cols + 0.12)
            ys.append(round(top - r * step, 4))
            texts.append(label if count == 1 else f"{label} ×{count}")
            symbols.append(ORG_SYMBOLS.get(kind, "triangle-up"))
            colours.append(SERIES[list(ORG_SYMBOLS).index(kind) if kind in ORG_SYMBOLS else 4])
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": xs,
                "y": ys,
                "text": texts,
                "textposition": "middle right",
                "textfont": {"size": 11},
                "name": t("legend.organisations", lang),
                "marker": {"symbol": symbols, "size": 12, "color": colours},
                "hoverinfo": "text",
            }
        )
    return traces
