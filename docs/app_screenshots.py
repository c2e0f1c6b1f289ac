"""Make the app's screenshots in docs/img/ (English and Chinese), offline, with Debian's chromium.

Starts ``govsim app`` on 127.0.0.1, switches two remedies on, runs 60 days
and photographs the page in both languages. Requests to other hosts are
aborted (and reported). Usage: ``python docs/app_screenshots.py``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "simulation", "app", "baseline", "--port", str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    outside: list[str] = []
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1200})

            def guard(route):
                if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(url)
            page.wait_for_function("document.querySelectorAll('.govsim-plot .main-svg').length >= 7", timeout=60_000)
            for n, title in enumerate(("Party-member model households", "The community whistles"), 1):
                page.get_by_text(title, exact=False).click()
                page.wait_for_function(
                    f"[...document.querySelectorAll('input[type=checkbox]')].filter(c => c.checked).length >= {n}",
                    timeout=20_000,
                )
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_function(
                "parseInt(document.querySelector('.govsim-day').innerText.split(' ')[1]) >= 60", timeout=120_000
            )
            page.get_by_role("button", name="Pause", exact=True).click()
            page.wait_for_timeout(3000)
            page.screenshot(path=OUT / "app-en.png", full_page=True)
            page.get_by_role("button", name="中文", exact=True).click()
            page.get_by_role("button", name="English", exact=True).wait_for()
            page.wait_for_timeout(3000)
            page.screenshot(path=OUT / "app-zh.png", full_page=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"wrote {OUT / 'app-en.png'} and {OUT / 'app-zh.png'}; requests to other hosts: {len(outside)}")


if __name__ == "__main__":
    main()
