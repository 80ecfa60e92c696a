"""The web board in a real browser (Debian's chromium, driven by Playwright): load the board,
open a session, see a change to a file appear without a reload, and check that a script
planted in an entry is shown as text and never runs, before and after a live update.

Screenshots go to tests/artifacts/ (not committed); with JOURNAL_UPDATE_DOCS=1 the board's
also replaces docs/web-board.png, the one the README shows. Without a browser the test is
skipped, unless JOURNAL_BROWSER=required (as in CI), where that is a failure.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web_demo import demo  # noqa: F401 (a fixture)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = os.environ.get("JOURNAL_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("JOURNAL_BROWSER") == "required"
TIMEOUT_MS = 15_000


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists():
        return f"no browser at {CHROMIUM} (apt-get install chromium, or set JOURNAL_CHROMIUM)"
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return "the web extra is not installed (pip install '.[web]')"
    return None


@pytest.fixture
def served_cli(demo: Any) -> Iterator[str]:
    """`journal serve --port 0` in its own process, as a user runs it; its URL."""
    missing = _browser_missing()
    if missing:
        if REQUIRED:
            pytest.fail(f"JOURNAL_BROWSER=required but {missing}")
        pytest.skip(missing)
    proc = subprocess.Popen([sys.executable, "-m", "journal", "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(timeout=20)
    try:
        assert lines and " at http://127.0.0.1:" in lines[0], (lines, proc.poll())
        yield lines[0].split(" at ", 1)[1].split(" ", 1)[0]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _shot(page: Any, name: str, full: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    assert path.stat().st_size > 5000
    return path


def test_the_board_in_a_browser(demo: Any, served_cli: str) -> None:
    from playwright.sync_api import sync_playwright

    from journal.session.edits import add_entry

    url = served_cli
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 640})
            page.set_default_timeout(TIMEOUT_MS)
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                                 " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("table.board tbody tr")
            load_s = time.perf_counter() - started

            # The board: every active session, the one needing attention first.
            rows = page.locator("table.board tbody tr")
            assert rows.count() == 5
            assert rows.first.get_attribute("data-session") == "checkout"
            assert "blocked" in rows.first.inner_text()
            assert page.locator("tr[data-session=search] .flag-stale").count() == 1
            assert page.locator("tr[data-session=api] progress").get_attribute("value") == "60"
            board_png = _shot(page, "board", full=False)
            if os.environ.get("JOURNAL_UPDATE_DOCS") == "1":
                (REPO / "docs").mkdir(exist_ok=True)
                shutil.copyfile(board_png, REPO / "docs" / "web-board.png")

            # A session: its Markdown rendered, its timeline, its logs' tool table and usage chart.
            page.click("tr[data-session=api] a.sid")
            page.wait_for_url(url + "session/api")
            page.wait_for_selector("#log h2")
            assert "Current Work" in page.locator("#log").inner_text()
            assert page.locator("#log li.task.done").count() >= 1
            assert page.locator("table.timeline tbody tr").count() >= 8
            assert page.locator("table.tools tfoot").inner_text().startswith("TOTAL")
            assert page.locator("#usage svg rect.bar-in").count() == 7
            _shot(page, "session")

            # A change to the file shows up without a reload.
            page.evaluate("window.__marker = 'the same page'")
            add_entry(demo, "api", "completed", "Live update: the totals endpoint is merged")
            # (polled from here: the page's policy forbids the string evaluation wait_for_function uses)
            page.locator("#log", has_text="Live update: the totals").wait_for()
            assert page.evaluate("window.__marker") == "the same page"
            assert int(page.evaluate("document.body.getAttribute('data-updates')")) >= 1
            _shot(page, "session-updated")

            # A planted script is text and never runs: on load, and when it arrives live.
            page.goto(url + "session/checkout")
            page.wait_for_selector("#log")
            assert "<script>window.__pwned = 1</script>" in page.locator("#log").inner_text()
            add_entry(demo, "checkout", "completed", "Pasted <script>window.__pwned = 3</script><svg onload=window.__pwned=4>")
            page.locator("#log", has_text="window.__pwned = 3").wait_for()
            assert page.evaluate("typeof window.__pwned") == "undefined"
            scripts = page.evaluate("[...document.scripts].map(s => s.getAttribute('src'))")
            assert scripts == ["/static/board.js"]
            assert page.locator("#content img, #content iframe, #content script").count() == 0
            _shot(page, "session-planted")

            # Shared knowledge with search; usage over time; an inbox.
            page.goto(url + "knowledge")
            page.fill("form.search input[type=search]", "cents")
            page.click("form.search button")
            page.wait_for_url("**/knowledge?q=cents**")
            assert page.locator("li.learning").count() == 1
            _shot(page, "knowledge")
            page.goto(url + "usage")
            assert page.locator("svg rect.bar-in").count() == 7 and page.locator("svg circle.cost-dot").count() == 7
            _shot(page, "usage")
            page.goto(url + "session/api/inbox")
            assert page.locator("li.message.unread").count() == 2
            _shot(page, "inbox")

            assert page.evaluate("window.__csp") == []
            assert problems == []
            print(f"\nweb board: first load in a browser {load_s:.2f}s; screenshots in {ARTIFACTS}")
        finally:
            browser.close()


def test_the_exported_page_opens_offline(demo: Any, tmp_path: Path) -> None:
    """`journal export --format html` opened from disk with the network off: the one request
    is the file itself, its inline stylesheet applies (its hash is in the page's policy),
    and nothing is blocked because nothing else is asked for."""
    missing = _browser_missing()
    if missing:
        if REQUIRED:
            pytest.fail(f"JOURNAL_BROWSER=required but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    from journal.web.export import export_session

    page_path = export_session(demo, "api", tmp_path / "api.html").path
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1100, "height": 700})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                                 " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
            page.goto(page_path.as_uri())
            page.wait_for_selector("#timeline table.timeline")
            assert requests == [page_path.as_uri()]
            assert page.evaluate("getComputedStyle(document.querySelector('header.top')).position") == "sticky"
            assert page.locator("table.tools tfoot").inner_text().startswith("TOTAL")
            assert page.locator("#usage svg rect.bar-in").count() == 7
            assert page.evaluate("window.__csp") == [] and page.evaluate("document.scripts.length") == 0
            _shot(page, "export-offline")
        finally:
            browser.close()
