"""Export: CSV of both sides, one self-contained HTML, and PNGs through kaleido with the system's chromium."""

import io
import json
import shutil
import zipfile

import pytest

from simulation import Scenario
from simulation.app import export
from simulation.app.components import charts
from simulation.app.session import PairedRun


@pytest.fixture(scope="module")
def run():
    r = PairedRun(Scenario().scaled(adults=600).override({"burn_in_days": 30}), seed=1)
    r.switch_on("joint_meetings")
    r.step(5)
    return r


def test_csv_has_both_sides(run):
    text = export.run_csv(run)
    lines = text.splitlines()
    assert lines[0].startswith("scenario,seed,remedies,day,arm,participation_rate")
    assert len(lines) == 11


def test_html_is_one_offline_page(run):
    html = export.figures_html(charts(run, "zh"), "govsim 测试")
    assert html.count('class="plotly-graph-div"') == 5
    assert "plotly.js v" in html and "<script src=" not in html  # plotly.js inline: nothing to download
    assert json.dumps("配对差异")[1:-1] in html  # the Chinese title, as plotly writes it (JSON escapes)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="PNG export needs Debian's chromium")
def test_png_zip_has_one_image_per_figure(run):
    figs = charts(run, "en")
    data = export.figures_png_zip({k: figs[k] for k in ("difference", "board")})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["board.png", "difference.png"]
        for name in z.namelist():
            assert z.read(name)[:8] == b"\x89PNG\r\n\x1a\n"
