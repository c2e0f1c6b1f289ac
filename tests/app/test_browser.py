"""The app in a real browser (Debian's chromium through Playwright), with the network cut off.

``govsim app`` runs on 127.0.0.1; every request the page makes to any other
host is counted and aborted, and the tests fail if there was one. The tests
share one page and run in order, like a trainer in a classroom.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from simulation import load_scenario
from simulation.app import shown
from simulation.app.components import fmt
from simulation.app.session import PairedRun
from simulation.interventions import INTERVENTIONS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL = {"127.0.0.1", "localhost"}
SEED = 3

if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    # ``govsim app`` loads the compiled kernels before it listens (on a fresh machine it compiles them first,
    # about a minute), so the page's timeouts measure the app; the start-up wait allows for the compiler.
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation", "app", "baseline", "--port", str(port), "--seed", str(SEED)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"govsim app did not start: {proc.stdout.read()}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def outside():
    """Requests to other hosts (each aborted)."""
    return []


@pytest.fixture(scope="module")
def page(server, outside):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
        pg = context.new_page()

        def guard(route):
            if urlparse(route.request.url).hostname in LOCAL:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        pg.route("**/*", guard)
        pg.goto(server)
        pg.wait_for_function("document.querySelectorAll('.govsim-plot .main-svg').length >= 7", timeout=60_000)
        yield pg
        browser.close()


def day(page) -> int:
    text = page.locator(".govsim-day").inner_text()
    return int(text.split("·")[0].strip().split()[-1])


def settled_day(page, quiet_ms: int = 1200, limit_s: float = 15) -> int:
    """The day shown once it has stopped changing for ``quiet_ms``."""
    deadline = time.monotonic() + limit_s
    last = day(page)
    while time.monotonic() < deadline:
        page.wait_for_timeout(quiet_ms)
        now = day(page)
        if now == last:
            return now
        last = now
    pytest.fail("the day kept changing after Pause")


def numbers(page, metric: str) -> list[str]:
    """Baseline, remedy and difference cells of a metric's row."""
    return page.locator(f'tr[data-metric="{metric}"] td').all_inner_texts()[1:]


def charts_png(page) -> bytes:
    return page.locator(".govsim-plot").nth(2).screenshot()  # the first line chart below the pictures


def click_step(page, times: int = 1) -> None:
    for _ in range(times):
        before = day(page)
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(
            f"!document.querySelector('.govsim-day').innerText.startsWith('Day {before} ')", timeout=20_000
        )


def test_page_renders_with_every_chart_and_no_outside_request(page, outside):
    assert page.locator(".govsim-plot .main-svg").count() >= 7
    for name in ("Step", "Play", "Reset", "中文"):
        assert page.get_by_role("button", name=name, exact=True).count() == 1, name
    assert day(page) == 0
    assert outside == []


def test_step_changes_the_charts(page):
    before = charts_png(page)
    click_step(page, 2)
    page.wait_for_timeout(500)  # plotly redraws after the new figure arrives
    assert day(page) == 2
    assert charts_png(page) != before


def test_play_then_pause_advances_several_days(page):
    start = day(page)
    page.get_by_role("button", name="Play", exact=True).click()
    # Wait for the days to advance rather than a fixed time: a loaded machine plays slower.
    deadline = time.monotonic() + 60
    while day(page) < start + 3 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.get_by_role("button", name="Pause", exact=True).click()
    stopped = settled_day(page)  # the last frames may still be on their way
    assert stopped >= start + 3
    page.wait_for_timeout(1500)
    assert day(page) == stopped  # paused: no more days


def test_remedy_mid_run_changes_the_remedy_side_only(page):
    switched_on = day(page)
    page.get_by_text(INTERVENTIONS["model_households"].title["en"], exact=False).click()
    page.wait_for_function(
        "[...document.querySelectorAll('label')].some(l => l.innerText.includes('from day'))", timeout=20_000
    )
    click_step(page, 6)
    now = day(page)
    # The same paired run without the remedy, computed here: the baseline side must match it.
    plain = PairedRun(load_scenario(ROOT / "scenarios" / "baseline.toml"), seed=SEED)
    plain.step(now)
    expect_base, expect_rem = plain.now()
    remedy_differs = False
    for metric in shown.NAMES:
        base, rem, _ = numbers(page, metric)
        assert base == fmt(metric, expect_base[metric]), (metric, switched_on, now)
        remedy_differs |= rem != fmt(metric, expect_rem[metric])
    assert remedy_differs


def test_export_downloads_the_runs_data(page, tmp_path):
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Run data (CSV)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("scenario,seed,remedies,day,arm,")
    assert len(lines) == 1 + 2 * day(page)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Figures (HTML)").click()
    html = tmp_path / info.value.suggested_filename
    info.value.save_as(html)
    assert html.stat().st_size > 1_000_000 and b"Paired difference" in html.read_bytes()


def test_chinese_shows_the_chinese_titles_of_the_remedies(page, outside):
    page.get_by_role("button", name="中文", exact=True).click()
    page.get_by_role("button", name="English", exact=True).wait_for(timeout=20_000)
    for cls in INTERVENTIONS.values():
        assert page.get_by_text(f"{cls.title['zh']} · {cls.title['en']}", exact=False).count() == 1, cls.key
    assert page.get_by_text("配对差异", exact=False).count() >= 1  # chart titles too
    assert page.get_by_role("button", name="Step").count() == 1  # "单步 Step"
    assert outside == []
