"""The report opens in a real browser with no network: plots are drawn from the embedded plotly."""

import shutil

import pytest

from simulation import Scenario, compare
from simulation.study.report import write_report

CHROMIUM = shutil.which("chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_report_renders_offline_in_chromium(tmp_path):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    out = tmp_path / "cmp"
    compare(
        Scenario().scaled(adults=300).override({"burn_in_days": 0}),
        ["whistle_report", "community_app"],
        reps=2,
        days=10,
        out=out,
    )
    html = write_report(out)
    blocked = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", only_files)
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(html.as_uri())
            page.wait_for_selector(".main-svg", timeout=20_000)
            assert page.locator(".plotly").count() >= 2
            assert page.locator(".scatterlayer .point").count() >= 2  # the effect markers were drawn
            assert "whistle_report" in page.inner_text("table.rank")
            shot = page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert len(shot) > 10_000
    assert not blocked, f"the report asked the network for {blocked}"
    assert not errors, errors
