"""A demo workspace for the web board and export tests: a small team in mid-flight, with
agent logs over a week, messages, blockers, shared knowledge and a planted script; and a
board served on 127.0.0.1 in a thread, with a bounded life."""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

NOW = "2026-11-21T15:00:00Z"
PLANTED = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def claude_log(path: Path, start: datetime, calls: int, tokens_in: int, tokens_out: int,
               model: str = "claude-sonnet-4-5", prompt: str = "Make the orders API return totals.",
               tools: tuple[str, ...] = ("Bash", "Read", "Edit", "Grep")) -> Path:
    """A small Claude Code log: one prompt, ``calls`` tool calls (every fifth fails) and a closing answer."""
    sid = f"4b1e9c7a-2f3d-4e5a-8b6c-{abs(hash((str(path), start))) % 10**12:012d}"
    t = start
    lines: list[dict[str, Any]] = []

    def stamp() -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/shop", "sessionId": sid, "version": "2.1.42",
            "gitBranch": "orders-api"}
    lines.append({**base, "type": "user", "uuid": f"u-{sid}-0", "timestamp": stamp(),
                  "message": {"role": "user", "content": prompt}})
    per_in, per_out = tokens_in // (calls + 1), tokens_out // (calls + 1)
    for i in range(calls):
        t += timedelta(seconds=20)
        tool = tools[i % len(tools)]
        lines.append({**base, "type": "assistant", "uuid": f"a-{sid}-{i}", "timestamp": stamp(),
                      "message": {"model": model, "id": f"msg_{sid[-8:]}{i:03d}", "type": "message", "role": "assistant",
                                  "content": [{"type": "tool_use", "id": f"toolu_{sid[-8:]}{i:03d}", "name": tool,
                                               "input": {"command": f"step {i}"}}],
                                  "usage": {"input_tokens": per_in, "output_tokens": per_out,
                                            "cache_read_input_tokens": per_in * 3}}})
        t += timedelta(seconds=3 + i % 4)
        lines.append({**base, "type": "user", "uuid": f"r-{sid}-{i}", "timestamp": stamp(),
                      "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{sid[-8:]}{i:03d}",
                                                               "content": "ok" if i % 5 != 4 else "exit 1",
                                                               "is_error": i % 5 == 4}]}})
    t += timedelta(seconds=15)
    lines.append({**base, "type": "assistant", "uuid": f"a-{sid}-end", "timestamp": stamp(),
                  "message": {"model": model, "id": f"msg_{sid[-8:]}end", "type": "message", "role": "assistant",
                              "content": [{"type": "text", "text": "Done."}],
                              "usage": {"input_tokens": per_in, "output_tokens": per_out, "cache_read_input_tokens": per_in * 3}}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def at(moment: str) -> None:
    os.environ["JOURNAL_NOW"] = moment


def build_demo(root: Path) -> Any:
    """The demo workspace under ``root`` (a folder that holds ``coordination/`` and ``logs/``)."""
    from journal.config import load_config
    from journal.coordination.mail import broadcast, send_message
    from journal.init import init_workspace
    from journal.session.edits import add_entry, resolve_blocker, update_current_work
    from journal.session.knowledge import share_learning
    from journal.session.machine_logs import link
    from journal.session.store import create_session
    from journal.workspace import Workspace

    ws = Workspace(load_config(root / "coordination", cwd=root))
    init_workspace(ws)
    at("2026-11-19T08:30:00Z")
    create_session(ws, "ops", "DevOps Engineer", "Keep staging healthy")
    update_current_work(ws, "ops", working_on="Rotate the staging certificates", status="testing", progress=70)
    create_session(ws, "search", "Search Engineer", "Index the product catalogue", agent="gemini-cli", model="gemini-3")
    update_current_work(ws, "search", working_on="Nightly reindex job", status="building", progress=20)
    at("2026-11-20T09:00:00Z")
    create_session(ws, "api", "Backend Engineer", "Build the orders API", agent="claude-code", model="sonnet")
    create_session(ws, "checkout", "Frontend Engineer", "Build the checkout page")
    create_session(ws, "docs", "Technical Writer", "Document the orders API", agent="codex", model="gpt-5")
    update_current_work(ws, "api", working_on="Orders endpoint with totals", status="building", progress=60,
                        phases=("SPECS.md written", "Core endpoints implemented", "Tests written"))
    update_current_work(ws, "api", phases_done=("SPECS.md written",))
    add_entry(ws, "api", "completed", "Deployed the orders service to staging")
    add_entry(ws, "api", "learning", "asyncio.gather() removes the sequential waits on the price service")
    add_entry(ws, "api", "service", "orders-api (port 8025)")
    add_entry(ws, "api", "next", "Add the total field to the order response")
    at("2026-11-21T10:00:00Z")
    update_current_work(ws, "checkout", working_on="Checkout form and totals", status="blocked", progress=35)
    add_entry(ws, "checkout", "blocker", "Checkout needs the total field from the orders API")
    add_entry(ws, "checkout", "blocker", "Design review of the payment step")
    resolve_blocker(ws, "checkout", "Design review", note="approved by design")
    add_entry(ws, "checkout", "completed", "Form layout done; the test note said " + PLANTED)
    update_current_work(ws, "docs", working_on="API reference for /orders", status="review", progress=90)
    send_message(ws, "api", "checkout", "Orders API is on staging, try it", "high")
    send_message(ws, "checkout", "api", "Need a total field in the order response", "urgent")
    broadcast(ws, "ops", "Staging is frozen from 16:00 for the release", "high")
    share_learning(ws, "API", "Return money as integer cents, never floats", "High", session_id="api")
    share_learning(ws, "Staging", "Certificates rotate with `make rotate-certs`; it restarts nginx", "Medium",
                   session_id="ops", kind="troubleshooting")
    share_learning(ws, "Testing", "Use tmp_path, not /tmp, in tests", "Medium", session_id="docs", kind="best-practices")
    # A week of agent logs.
    logs = root / "logs"
    day0 = datetime(2026, 11, 15, 9, 0, tzinfo=timezone.utc)
    sizes = [(6, 42_000, 3_100), (9, 88_000, 6_900), (4, 21_000, 1_800), (12, 130_000, 9_400),
             (7, 64_000, 5_200), (10, 97_000, 7_700), (8, 71_000, 6_100)]
    for n, (calls, tin, tout) in enumerate(sizes):
        sid = "api" if n % 2 == 0 else "docs"
        model = "claude-sonnet-4-5" if sid == "api" else "claude-haiku-4-5"
        path = claude_log(logs / f"day{n}.jsonl", day0 + timedelta(days=n, hours=n % 3), calls, tin, tout, model)
        link(ws, sid, path)
    at(NOW)
    return ws


class BoardThread:
    """A board on 127.0.0.1 (a free port) served by a thread; stopped and joined within seconds."""

    def __init__(self, ws: Any, redact: bool = True) -> None:
        from journal.web.server import Board

        self.board = Board(ws, "127.0.0.1", 0, redact=redact)
        self.url = self.board.url
        self.thread = threading.Thread(target=self.board.run, daemon=True)

    def __enter__(self) -> BoardThread:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.board.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the board did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.board.stop()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the board did not stop"


@contextmanager
def served(ws: Any, redact: bool = True) -> Iterator[BoardThread]:
    with BoardThread(ws, redact) as b:
        yield b


def get(url: str, host: str | None = None, method: str = "GET", timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """One request with an explicit Host header; (status, headers, body)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(method, parts.path + (f"?{parts.query}" if parts.query else ""), skip_host=True)
        conn.putheader("Host", host if host is not None else parts.netloc)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo workspace at tmp_path/shop/coordination; the clock pinned at NOW; cwd is
    tmp_path/out. (A fixture the web tests import: a conftest.py beside them would shadow
    the suite's own ``conftest`` module.)"""
    monkeypatch.setenv("JOURNAL_NOW", NOW)
    ws = build_demo(tmp_path / "shop")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    monkeypatch.setenv("JOURNAL_ROOT", str(ws.root))
    return ws
