"""`journal serve` over real HTTP on 127.0.0.1: it answers only at its own address (a
foreign Host header is refused), only GET and HEAD, with a strict Content-Security-Policy
on every response, serves nothing but its pages and packaged assets, and redacts."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from journal.cli.main import main  # noqa: E402
from journal.web.server import CSP, Board, allowed_hosts  # noqa: E402
from web_demo import demo, get, served  # noqa: E402, F401 (demo: a fixture)

GH = "ghp_" + "Zq3Rt7Yu1Io5Pa9Sd2Fg6Hj0Kl4Zx8Cv3Bn7M"


@pytest.fixture
def board(demo: Any) -> Any:
    from journal.session.edits import add_entry

    add_entry(demo, "api", "blocker", f"CI cannot push with GH_TOKEN={GH}")
    with served(demo) as b:
        yield b


def test_a_foreign_host_header_is_refused(board: Any) -> None:
    port = board.board.port
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}",
                 f"localhost.evil.example:{port}", f"10.0.0.1:{port}", ""):
        status, headers, body = get(board.url, host=host)
        assert status == 403, host
        assert b"api" not in body and b"<html" not in body and headers["content-security-policy"] == CSP
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert get(board.url, host=host)[0] == 200, host


def test_read_only_and_every_response_carries_the_policy(board: Any) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, headers, _ = get(board.url, method=method)
        assert status == 405 and headers["allow"] == "GET, HEAD"
    paths = ["", "session/api", "session/api/inbox", "knowledge?q=cents", "usage", "api/board",
             "api/sessions/api", "api/sessions/api/inbox", "api/knowledge?q=x", "api/usage",
             "api/signature?session=api", "static/board.css", "static/board.js", "static/favicon.svg",
             "session/ghost", "no/such/page", "api/sessions/ghost"]
    for path in paths:
        status, headers, _ = get(board.url + path)
        assert headers["content-security-policy"] == CSP, path
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert status == (404 if "ghost" in path or "no/such" in path else 200), path
    assert get(board.url, method="HEAD")[0] == 200


def test_nothing_outside_the_pages_and_the_packaged_assets(board: Any, demo: Any) -> None:
    secret = demo.root.parent / "secret.txt"  # beside the workspace
    secret.write_text("not for the web\n", encoding="utf-8")
    for path in ("static/../../secret.txt", "static/%2e%2e/%2e%2e/secret.txt", "static/..%2fsecret.txt",
                 "static/board.css/../../secret.txt", "static/__init__.py", "static/../templates/base.html",
                 "session/..%2F..%2Fsecret", "session/%2e%2e", "api/sessions/..%2f..%2fetc",
                 "secret.txt", "coordination/sessions/ACTIVE/api.md", "events/api.jsonl", "../secret.txt"):
        status, _, body = get(board.url + path)
        assert status == 404, path
        assert b"not for the web" not in body and b"Jinja" not in body
    status, headers, body = get(board.url + "static/board.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and b"/api/signature" in body


def test_pages_and_api_are_redacted_and_escaped(board: Any, demo: Any) -> None:
    for path in ("", "session/api", "api/board", "api/sessions/api"):
        status, _, body = get(board.url + path)
        assert status == 200 and GH.encode() not in body and b"[REDACTED:github-token:" in body, path
    status, _, body = get(board.url + "session/checkout")
    assert b"<script>window.__pwned" not in body and b"&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in body
    data = json.loads(get(board.url + "api/sessions/api")[2])
    assert data["id"] == "api" and data["events"] and "_sources" not in data
    assert json.loads(get(board.url + "api/sessions/ghost")[2]) == {"error": "no session 'ghost' in ACTIVE or ARCHIVE of "
                                                                              f"{demo.root}"}
    with served(demo, redact=False) as plain:
        assert GH.encode() in get(plain.url + "session/api")[2]
        assert b"secrets shown" in get(plain.url)[2]


def test_the_signature_follows_the_files(board: Any, demo: Any) -> None:
    from journal.session.edits import add_entry

    one = json.loads(get(board.url + "api/signature")[2])["signature"]
    assert json.loads(get(board.url + "api/signature")[2])["signature"] == one
    add_entry(demo, "ops", "next", "Renew the wildcard certificate")
    two = json.loads(get(board.url + "api/signature")[2])["signature"]
    assert two != one
    assert b"Renew the wildcard certificate" in get(board.url + "session/ops")[2]  # no restart needed


def test_allowed_hosts() -> None:
    assert allowed_hosts("127.0.0.1", 8765) == {"127.0.0.1:8765", "localhost:8765"}
    assert allowed_hosts("::1", 80) >= {"[::1]:80", "[::1]", "localhost", "127.0.0.1:80"}
    assert allowed_hosts("192.168.1.20", 9000) == {"192.168.1.20:9000"}
    assert {"127.0.0.1:9000", f"{socket.gethostname().lower()}:9000"} <= allowed_hosts("0.0.0.0", 9000)


def test_serve_binds_to_loopback_and_warns_for_another_host(demo: Any) -> None:
    b = Board(demo, "127.0.0.1", 0)
    try:
        assert b.sock.getsockname()[0] == "127.0.0.1" and not b.exposed and b.url == f"http://127.0.0.1:{b.port}/"
    finally:
        b.sock.close()
    proc = subprocess.Popen([sys.executable, "-m", "journal", "serve", "--host", "0.0.0.0", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith(f"journal: serving {demo.root} at http://127.0.0.1:")
        warning = proc.stderr.readline() if proc.stderr else ""
        assert warning.startswith("journal: warning: listening on 0.0.0.0: anyone who can reach this machine")
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        deadline = time.monotonic() + 10
        while True:
            try:
                assert get(url, timeout=2)[0] == 200
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_refusals(demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        capsys.readouterr()
        assert main(["serve", "--port", str(port)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"journal: error: cannot listen on 127.0.0.1:{port}: ") and err.count("\n") == 1
        assert "pass another --port (0 picks a free one)" in err
    finally:
        taken.close()
    assert main(["serve", "--port", "70000"]) == 2
    assert capsys.readouterr().err == "journal: error: --port must be between 0 and 65535 (not 70000)\n"
    assert main(["serve", "--stale-hours", "0"]) == 2
    assert capsys.readouterr().err == "journal: error: --stale-hours must be a positive number\n"
    assert main(["--root", str(tmp_path / "nowhere"), "serve", "--port", "0"]) == 2
    assert capsys.readouterr().err == f"journal: error: no journal workspace at {tmp_path / 'nowhere'} (run 'journal init')\n"


def test_serve_without_the_web_extra(demo: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if it were not installed
    capsys.readouterr()
    assert main(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err == "journal: error: journal serve needs the web extra: pip install 'session-journal[web]' (or '.[web]' in a checkout)\n"
