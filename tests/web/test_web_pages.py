"""The web board's pages as data and as HTML, without a server: what each page holds, that
everything shown is redacted and escaped, and that the assets ship with the package."""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from journal.redact import Redactor
from journal.web import html, pages
from web_demo import PLANTED, demo  # noqa: F401 (demo: a fixture)

GH = "ghp_" + "Zq3Rt7Yu1Io5Pa9Sd2Fg6Hj0Kl4Zx8Cv3Bn7M"
REPO = Path(__file__).resolve().parents[2]


def scrub() -> pages.Scrub:
    return pages.Scrub(Redactor(b"k" * 32))


def only_our_scripts(page: str) -> None:
    """The one script of a served page is the packaged file; nothing planted became a tag."""
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/static/board.js" defer>']
    assert not re.search(r"<img\b", page) and not re.search(r"<[a-z][^>]*\son\w+\s*=", page)


# -- data --------------------------------------------------------------------------------

def test_board_rows_totals_and_attention(demo: Any) -> None:
    data = pages.board(demo, scrub())
    ids = [r["id"] for r in data["rows"]]
    assert sorted(ids) == ["api", "checkout", "docs", "ops", "search"]
    assert ids[0] == "checkout"  # blocked and with blockers: first
    search = next(r for r in data["rows"] if r["id"] == "search")
    assert search["stale"] and any(a.startswith("stale") for a in search["attention"])
    assert data["totals"] == {"active": 5, "stale": 1, "blocked": 1, "open_blockers": 1, "unread": 6}
    assert [b["blocker"] for b in data["blockers"]] == ["Checkout needs the total field from the orders API"]


def test_session_page_data(demo: Any) -> None:
    data = pages.session(demo, "api", scrub())
    assert data["info"]["status"] == "building" and data["info"]["progress"] == 60
    assert data["info"]["owner"] == "claude-code (sonnet)"
    assert not data["body"].startswith("---") and "<!--" not in data["body"]  # no frontmatter, no markers
    assert "## Current Work" in data["body"] and "- [x] SPECS.md written" in data["body"]
    assert data["text"].startswith("---\n") and "- **Status:** Building" in data["text"]  # the file as written
    types = [e["type"] for e in data["events"]]
    assert types[0] == "state_change" and len(types) >= 8
    assert any(e["entry"] and e["line"] for e in data["events"])  # linked to the Markdown line
    assert len(data["logs"]) == 4 and all(item["summary"] for item in data["logs"])
    assert data["tools"]["total"]["calls"] == sum(r["calls"] for r in data["tools"]["rows"]) == 6 + 4 + 7 + 8
    assert data["tools"]["rows"][0]["calls"] >= data["tools"]["rows"][-1]["calls"]
    assert [d["day"] for d in data["usage"]] == [f"2026-11-{d}" for d in range(15, 22)]
    assert [d["logs"] for d in data["usage"]] == [1, 0, 1, 0, 1, 0, 1]
    assert data["totals"]["cost_usd"] and data["totals"]["cost_estimated"]
    assert "_summaries" not in pages.public(data) and "_sources" not in pages.public(data)


def test_inbox_knowledge_and_usage(demo: Any) -> None:
    box = pages.inbox(demo, "api", scrub())
    assert [m["from"] for m in box["messages"]] == ["ops", "checkout"] and box["unread"] == 2
    k = pages.knowledge(demo, scrub())
    assert k["total"] == 3 and k["kinds"]["learnings"] == 1
    assert [e["category"] for e in pages.knowledge(demo, scrub(), "CENTS floats")["entries"]] == ["API"]
    assert pages.knowledge(demo, scrub(), "cents nginx")["entries"] == []  # every word must be in one entry
    assert [e["kind"] for e in pages.knowledge(demo, scrub(), "", "troubleshooting")["entries"]] == ["troubleshooting"]
    u = pages.usage(demo, scrub())
    assert u["logs"] == 7 and len(u["days"]) == 7 and sorted(s["id"] for s in u["sessions"]) == ["api", "docs"]
    assert u["totals"]["tokens_in"] == sum(d["tokens_in"] for d in u["days"])


def test_a_log_linked_twice_counts_once_in_usage(demo: Any) -> None:
    from journal.session.machine_logs import link

    before = pages.usage(demo, scrub())["totals"]
    link(demo, "ops", demo.root.parent / "logs" / "day0.jsonl")  # linked to api already
    after = pages.usage(demo, scrub())
    assert after["totals"] == before and after["logs"] == 7


def test_usage_days_fill_the_gaps_and_keep_the_last_year() -> None:
    f = [{"day": "2026-01-01", "tokens_in": 5, "tokens_out": 1, "cost_usd": 0.5, "cost_estimated": False},
         {"day": "2026-01-04", "tokens_in": 7, "tokens_out": 2, "cost_usd": None, "cost_estimated": False},
         {"day": "2026-01-04", "tokens_in": 1, "tokens_out": 1, "cost_usd": 0.25, "cost_estimated": True},
         {"day": "not a day", "tokens_in": 9, "tokens_out": 9, "cost_usd": None, "cost_estimated": False}]
    days = pages.usage_days(f)
    assert [(d["day"], d["tokens_in"], d["cost_usd"]) for d in days] == [
        ("2026-01-01", 5, 0.5), ("2026-01-02", 0, None), ("2026-01-03", 0, None), ("2026-01-04", 8, 0.25)]
    assert days[-1]["cost_estimated"] and days[-1]["logs"] == 2
    assert len(pages.usage_days([dict(f[0], day="2024-01-01"), f[0]], max_days=30)) == 30
    assert pages.usage_days([]) == []


def test_chart_geometry_stays_in_the_plot() -> None:
    days = [{"day": f"2026-01-{d:02d}", "tokens_in": d * 1000, "tokens_out": d * 100,
             "cost_usd": d / 10 if d % 2 else None} for d in range(1, 31)]
    c = html.chart(days)
    assert c["max_tokens"] >= 33_000 and c["max_cost"] == 5.0
    for b in c["bars"]:
        assert c["left"] <= b["x"] and b["x"] + b["w"] <= c["right_x"] + 0.01
        assert c["top"] - 0.01 <= b["out_y"] <= b["in_y"] <= c["base_y"]
    assert len(c["points"]) == 15 and len(c["labels"]) <= 9
    assert html.chart([])["bars"] == []


def test_signature_changes_when_a_file_changes(demo: Any) -> None:
    from journal.session.edits import add_entry

    one = pages.signature(demo)
    assert pages.signature(demo) == one
    add_entry(demo, "ops", "next", "Renew the wildcard certificate")
    two = pages.signature(demo)
    assert two != one
    scoped = pages.signature(demo, "api")
    log = demo.root.parent / "logs" / "day0.jsonl"
    log.write_text(log.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a linked log grew
    assert pages.signature(demo, "api") != scoped and pages.signature(demo) == two


# -- redaction -------------------------------------------------------------------------------

def test_every_page_redacts_what_it_shows(demo: Any) -> None:
    from journal.coordination.mail import send_message
    from journal.session.edits import add_entry
    from journal.session.knowledge import share_learning

    add_entry(demo, "ops", "blocker", f"CI cannot push: GH_TOKEN={GH}")
    send_message(demo, "ops", "api", f"use {GH} for now", "high")
    share_learning(demo, "CI", f"the bot token is {GH}", "Low", session_id="ops")
    s = scrub()
    built = [pages.board(demo, s), pages.session(demo, "ops", s), pages.inbox(demo, "api", s),
             pages.knowledge(demo, s, "bot"), pages.usage(demo, s)]
    for data in built:
        page = html.page(data, redacted=True, signature="1")
        assert GH not in page and GH not in repr(data), data["page"]
    assert "[REDACTED:github-token:" in html.page(built[0], redacted=True)
    shown = pages.Scrub(None)
    assert GH in html.page(pages.session(demo, "ops", shown), redacted=False)
    assert "secrets shown" in html.page(pages.board(demo, shown), redacted=False)


def test_markers_are_linkable_across_pages(demo: Any) -> None:
    from journal.coordination.mail import send_message
    from journal.session.edits import add_entry

    add_entry(demo, "ops", "blocker", f"token {GH}")
    send_message(demo, "ops", "api", f"token {GH}", "high")
    s = scrub()
    one = re.findall(r"\[REDACTED:github-token:[0-9a-f]{4}\]", pages.session(demo, "ops", s)["text"])
    two = re.findall(r"\[REDACTED:github-token:[0-9a-f]{4}\]", repr(pages.inbox(demo, "api", s)))
    assert one and set(one) == set(two)


# -- HTML --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=//evil.example></iframe>",
    "[click](javascript:alert(1))", "<a href=\"javascript:alert(1)\">x</a>", "<style>body{display:none}</style>",
    "```\n</code></pre><script>alert(1)</script>\n```", "<!-- hidden --><b onclick=alert(1)>b</b>",
    "[x](vbscript:msgbox) [y](data:text/html;base64,PHNjcmlwdD4=)",
])
def test_markdown_passes_no_raw_html(text: str) -> None:
    out = str(html.markdown(text))
    assert not re.search(r"<(script|img|iframe|style|b)\b", out), out
    assert not re.search(r"<[^>]*\son\w+=", out), out  # no tag with an event handler
    assert 'href="javascript' not in out and 'href="vbscript' not in out and 'href="data:' not in out


def test_markdown_images_become_links_and_tasks_get_a_class() -> None:
    out = str(html.markdown("![diagram](https://example.com/d.png)\n\n- [x] done\n- [ ] todo\n\n[a](https://x.example)"))
    assert "<img" not in out and 'class="image" href="https://example.com/d.png"' in out
    assert '<li class="task done">done</li>' in out and '<li class="task">todo</li>' in out
    assert 'rel="noopener noreferrer nofollow"' in out
    assert str(html.markdown("**A:** 1\n**B:** 2")).count("<br") == 1  # one field a line, as written


def test_markers_are_wrapped_in_text_only() -> None:
    out = str(html.markdown('[REDACTED:password:ab12] and [t](https://h.example "[REDACTED:token:cd34]")'))
    assert '<span class="redacted">[REDACTED:password:ab12]</span>' in out
    assert 'title="[REDACTED:token:cd34]"' in out  # inside an attribute: left as text
    assert str(html.marks("<b>[REDACTED:jwt:0000]</b>")) == '&lt;b&gt;<span class="redacted">[REDACTED:jwt:0000]</span>&lt;/b&gt;'


def test_every_page_renders_with_the_planted_script_as_text(demo: Any) -> None:
    s = scrub()
    for data in (pages.board(demo, s), pages.session(demo, "checkout", s), pages.inbox(demo, "checkout", s),
                 pages.knowledge(demo, s), pages.usage(demo, s),
                 {"page": "error", "status_code": 404, "reason": "Not Found", "message": PLANTED}):
        page = html.page(data, redacted=True, signature="sig", scope="")
        only_our_scripts(page)
        assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    page = html.page(pages.session(demo, "checkout", s), redacted=True, signature="sig")
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page


def test_the_web_environment_is_apart_from_the_session_templates() -> None:
    from jinja2 import PackageLoader
    from jinja2.sandbox import SandboxedEnvironment

    from journal import templates

    env = html.environment()
    assert env.autoescape is True and isinstance(env.loader, PackageLoader)
    assert sorted(env.loader.list_templates()) == sorted([*html.TEMPLATE_OF.values(), "_parts.html", "base.html"])
    session_env = templates._env()
    assert env is not session_env
    assert isinstance(session_env, SandboxedEnvironment) and session_env.loader is None  # as it was
    assert session_env.autoescape is False


def test_the_exported_page_allows_only_its_own_style() -> None:
    css = html.asset("board.css").decode()
    page = html.page({"page": "error", "status_code": 404, "reason": "Not Found", "message": "x"},
                     redacted=True, standalone=True)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1).replace("&#39;", "'")
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert html.csp_hash(css) in policy
    inline = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    assert html.csp_hash(inline) == html.csp_hash(css)
    assert "<script" not in page and "<link" not in page


# -- package data --------------------------------------------------------------------------------

def test_templates_and_assets_are_package_data() -> None:
    """Every file under journal/web/templates and static is matched by pyproject's package
    data, and readable through importlib.resources (as from an installed wheel)."""
    from fnmatch import fnmatch

    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["journal.web"]
    base = REPO / "journal" / "web"
    files = [p.relative_to(base).as_posix() for d in ("templates", "static") for p in (base / d).iterdir()]
    assert len(files) >= 10
    for f in files:
        assert any(fnmatch(f, g) for g in globs), f"{f} is not package data"
        assert resources.files("journal.web").joinpath(f).read_bytes()
    assert set(html.STATIC) == {f.split("/", 1)[1] for f in files if f.startswith("static/")}
    assert set(html.TEMPLATE_OF.values()) <= {f.split("/", 1)[1] for f in files if f.startswith("templates/")}
