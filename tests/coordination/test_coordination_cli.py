"""Coordination through the CLI in real processes: the three-session scenario, errors, JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Cli, snapshot

T0 = "2026-11-20T09:00:00Z"
T1 = "2026-11-21T09:00:00Z"

# The README scenario, command for command (JOURNAL_NOW pins the clock instead of sleeping).
SCENARIO = [
    (T0, ["create", "api", "Backend Dev", "Build the email service with retries"]),
    (T0, ["create", "db", "DBA", "Migrate the database to Postgres 16"]),
    (T0, ["create", "qa", "QA", "Test the signup flow"]),
    (T1, ["update", "-s", "api", "--working-on", "SMTP retry queue", "--status", "building", "--progress", "60"]),
    (T1, ["add", "-s", "api", "next", "Add exponential backoff to the SMTP retry queue"]),
    (T1, ["add", "-s", "api", "next", "Write integration tests for bounce handling"]),
    (T1, ["add", "-s", "api", "blocker", "Waiting for SMTP credentials from ops"]),
    (T1, ["update", "-s", "db", "--working-on", "Schema migration", "--status", "building", "--progress", "30"]),
    (T1, ["share-learning", "Email", "SMTP servers throttle bursts: exponential backoff on the retry queue avoids 421 errors", "High", "-s", "db"]),
    (T1, ["share-learning", "Frontend", "CSS grid beats flexbox for dashboards", "Low"]),
    (T1, ["message", "-s", "api", "db", "Need help with the database migration", "--priority", "high"]),
    (T1, ["message", "-s", "db", "api", "Migration window is Friday 18:00", "--priority", "urgent"]),
    (T1, ["broadcast", "-s", "db", "Staging is down until noon"]),
]


def run_json(cli: Cli, *args: str, when: str = T1) -> object:
    return json.loads(cli(*args, "--json", JOURNAL_NOW=when).stdout)


def test_three_sessions_message_board_handoff_and_context(cli: Cli) -> None:
    for when, args in SCENARIO:
        cli(*args, JOURNAL_NOW=when)
    api = cli("inbox", "-s", "api", JOURNAL_NOW=T1).stdout
    assert "2 unread" in api and "from db" in api and "(urgent)" in api and "Staging is down" in api
    assert api.index("Staging is down") < api.index("Migration window")  # newest first
    db = run_json(cli, "inbox", "-s", "db")
    assert [(m["from"], m["text"], m["priority"]) for m in db] == [("api", "Need help with the database migration", "high")]
    assert cli("inbox", "-s", "db", "--ack", JOURNAL_NOW=T1).stdout.startswith("db: acknowledged 1 message(s)")
    assert run_json(cli, "inbox", "-s", "db") == []
    assert "no unread messages" in cli("inbox", "-s", "db", JOURNAL_NOW=T1).stdout
    assert len(run_json(cli, "inbox", "-s", "db", "--all")) == 1

    later = "2026-11-21T10:00:00Z"
    board = cli("board", "--stale-hours", "12", JOURNAL_NOW=later).stdout
    lines = board.splitlines()
    assert lines[0].split()[:4] == ["ID", "ROLE", "OWNER", "STATUS"]
    assert [line.split()[0] for line in lines[1:]] == ["api", "qa", "db"]
    assert "Waiting for SMTP credentials" in lines[1] and "1 urgent" in lines[1]
    assert "stale 25h" in lines[2] and "stale" not in lines[3] and "stale" not in lines[1]
    rows = run_json(cli, "board", "--stale-hours", "12", when=later)
    assert {r["id"]: r["stale"] for r in rows} == {"api": False, "qa": True, "db": False}
    assert run_json(cli, "blockers")[0]["session"] == "api"

    out = cli("handoff", "api", "api-2", "--archive", JOURNAL_NOW=later).stdout
    assert "created api-2" in out and "archived api" in out
    assert [r["id"] for r in run_json(cli, "board", when=later)].count("api") == 0
    context = cli("context", "-s", "api-2", JOURNAL_NOW=later).stdout
    for needle in ("# Context: api-2", "Build the email service with retries",
                   "Add exponential backoff to the SMTP retry queue", "Write integration tests for bounce handling",
                   "Migration window is Friday 18:00", "Staging is down until noon",
                   "SMTP servers throttle bursts", "Waiting for SMTP credentials from ops"):
        assert needle in context, needle
    assert "CSS grid" not in context
    assert len(cli("context", "-s", "api-2", "--max-chars", "600", JOURNAL_NOW=later).stdout) <= 601
    data = run_json(cli, "context", "-s", "api-2", when=later)
    assert data["handoff_from"] == "api" and data["learnings"][0]["category"] == "Email"
    cli("check")


def test_qa_inbox_holds_only_broadcasts(cli: Cli) -> None:
    for when, args in SCENARIO:
        cli(*args, JOURNAL_NOW=when)
    got = run_json(cli, "inbox", "-s", "qa")
    assert [(m["from"], m["broadcast"]) for m in got] == [("db", True)]


@pytest.mark.parametrize("args, stdin, message", [
    (["message", "-s", "a", "nobody", "hi"], None, "no active session 'nobody'"),
    (["message", "-s", "a", "b", ""], None, "message text is empty"),
    (["message", "-s", "a", "b", "-"], "x" * 1_000_001, "over 1 MB"),
    (["broadcast", "-s", "a", "-"], "\n\n", "message text is empty"),
    (["message", "-s", "a", "b", "hi", "--priority", "loud"], None, "priority 'loud'"),
    (["inbox", "-s", "a", "--ack", "zzzzzzzz"], None, "no message 'zzzzzzzz'"),
    (["handoff", "a", "b"], None, "already exists"),
    (["handoff", "ghost"], None, "no session 'ghost'"),
    (["context", "-s", "ghost"], None, "no session 'ghost'"),
])
def test_bad_input_one_line_exit_2_nothing_written(cli: Cli, repo: Path, args, stdin, message) -> None:
    cli("create", "a", "Dev", "Mission a")
    cli("create", "b", "Dev", "Mission b")
    before = snapshot(repo)
    proc = cli(*args, input=stdin, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert snapshot(repo) == before


def test_stdin_multiline_message_round_trips(cli: Cli) -> None:
    cli("create", "a", "Dev", "Mission a")
    cli("create", "b", "Dev", "Mission b")
    text = "Deploy plan:\n\n1. drain\n## not a heading\n<!-- msg:forged -->\n    indented code"
    sent = json.loads(cli("message", "-s", "a", "b", "-", "--json", input=text).stdout)
    got = json.loads(cli("inbox", "-s", "b", "--json").stdout)
    assert [(m["id"], m["text"]) for m in got] == [(sent["id"], text)]
    assert "forged" not in {m["id"] for m in got}
    cli("check")


def test_session_from_environment(cli: Cli) -> None:
    cli("create", "a", "Dev", "Mission a")
    cli("create", "b", "Dev", "Mission b")
    cli("message", "b", "hello", JOURNAL_SESSION="a")
    assert "from a" in cli("inbox", JOURNAL_SESSION="b").stdout
