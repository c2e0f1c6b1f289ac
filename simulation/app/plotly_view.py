"""A plotly chart that needs no network: plotly.js comes from the installed plotly package.

Solara's ``FigurePlotly`` goes through plotly's ``FigureWidget`` and
anywidget; this component instead sends the figure as JSON to a small Vue
template that draws it with ``Plotly.react``. The browser gets plotly.js
either from the app server (``serve_from(url)``, set by ``govsim app``) or,
in a notebook, inline from the ``PlotlyLoader`` that the app places once.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import plotly
import solara

_SERVED_URL: str = ""  # set by the app server; empty in a notebook


def plotly_js_path() -> Path:
    """The plotly.js bundle that ships inside the plotly package."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def serve_from(url: str) -> None:
    """The app server serves plotly.js at ``url``; charts fetch it from there."""
    global _SERVED_URL
    _SERVED_URL = url


def served_url() -> str:
    return _SERVED_URL


@cache
def _inline_source() -> str:
    return plotly_js_path().read_text(encoding="utf-8")


@solara.component_vue("plotly.vue")
def _PlotlyVue(spec: str, src: str, js: str, height: int):
    """Draws ``spec`` (plotly JSON) with plotly.js from ``src`` (a URL) or ``js`` (its source)."""


@solara.component
def PlotlyFigure(fig: dict, height: int | None = None):
    """One chart from a plotly figure dict."""
    spec = solara.use_memo(lambda: json.dumps(fig, separators=(",", ":"), allow_nan=False), [fig])
    _PlotlyVue(spec=spec, src=_SERVED_URL, js="", height=height or fig.get("layout", {}).get("height", 330))


@solara.component
def PlotlyLoader():
    """In a notebook (no app server), sends plotly.js once with the app so charts can draw offline."""
    if not _SERVED_URL:
        _PlotlyVue(spec="", src="", js=_inline_source(), height=0)
