"""Export: the current figures as PNG (zip) or one HTML file, the run's data as CSV. All offline.

PNG goes through kaleido (v1), which drives a Chrome/Chromium already on the
machine (``BROWSER_PATH`` or ``chromium`` on the PATH) and is given plotly.js
from the plotly package and no MathJax, so it loads nothing from the network.
The HTML file carries plotly.js inline and opens without a network too.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from html import escape
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from simulation.app.plotly_view import plotly_js_path

PNG_WIDTH, PNG_SCALE = 1200, 2


class ExportError(RuntimeError):
    """PNG export is impossible here (no Chrome/Chromium found); the message says what to do."""


def browser_path() -> str | None:
    """The Chrome/Chromium kaleido will use: $BROWSER_PATH, else chromium / chrome on the PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def figures_png_zip(figs: dict[str, dict]) -> bytes:
    """A zip of one PNG per figure (``<name>.png``), rendered by one kaleido browser session."""
    import kaleido

    browser = browser_path()
    if browser is None:
        raise ExportError("PNG export needs Chrome or Chromium (set BROWSER_PATH); HTML and CSV export work without")
    os.environ.setdefault("BROWSER_PATH", browser)
    with tempfile.TemporaryDirectory(prefix="govsim-png-") as tmp:
        jobs = []
        for name, fig in figs.items():
            height = int(fig.get("layout", {}).get("height", 400))
            jobs.append(
                {
                    "fig": go.Figure(fig).to_dict(),
                    "path": str(Path(tmp) / f"{name}.png"),
                    "opts": {"format": "png", "width": PNG_WIDTH, "height": height, "scale": PNG_SCALE},
                }
            )
        kaleido.write_fig_from_object_sync(
            jobs, kopts={"plotlyjs": str(plotly_js_path()), "mathjax": False}, cancel_on_error=True
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name in figs:
                z.write(Path(tmp) / f"{name}.png", f"{name}.png")
    return buf.getvalue()


def figures_html(figs: dict[str, dict], title: str) -> str:
    """One self-contained HTML page with every figure (plotly.js inline, once)."""
    parts = []
    for i, fig in enumerate(figs.values()):
        parts.append(pio.to_html(go.Figure(fig), full_html=False, include_plotlyjs=(i == 0), validate=False))
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def run_csv(run) -> str:
    """The paired run's daily metrics, both sides, as CSV text."""
    return run.export_frame().to_csv(index=False)
