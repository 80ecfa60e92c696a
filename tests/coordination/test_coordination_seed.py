"""Reading a workspace kept by hand before and after `journal adopt`: list, board, show,
blockers, context and inbox show what a person reading the files would expect; seed-style
message lines reach their recipients, notes of received messages are never counted twice,
and writing commands stop with one line that names `journal adopt`."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import Cli, snapshot
from seed_workspace import NOW, WS, build, commit, jc, seeded, workspace  # noqa: F401 - fixtures

from journal.coordination import mail
from journal.coordination.board import board, team_blockers
from journal.coordination.context import briefing
from journal.coordination.messages import message_id
from journal.session.listing import list_sessions
from journal.session.show import show_session
from journal.workspace import Workspace

def mailbox(ws: Workspace, sid: str, everything: bool = False) -> list[tuple]:
    return [(m.sender, "broadcast" if m.broadcast else m.to, m.priority, m.sent, m.text, m.unread, m.noted_by_hand)
            for m in mail.inbox(ws, sid, include_read=everything)]


# What a person reading the six logs expects each active session's inbox to hold, newest first
# (sender, to, priority, sent, text, unread, noted by hand). Lines that give only a time are
# dated by the date above them, else by the day their file was last committed.
INBOXES = {
    "session-3": [
        ("session-9", "session-3", "urgent", "2025-11-19 14:20",
         "The booking form needs the harbour fee in the quote response", True, False),
        ("harbor-ops", "session-3", "normal", "2025-11-19 08:15", "Berth 4 is closed for dredging until December",
         False, True),  # noted by hand; no log here sent it
        ("session-11", "broadcast", "urgent", "2025-11-19 07:45", "Staging is frozen from 18:00 for the load test",
         True, False),
        ("session-7", "session-3", "high", "2025-11-18 10:05", "Schema v2 is on staging, bookings table renamed",
         False, True),  # noted by hand at 10:30: the same message, once
        ("session-2", "session-3", "high", "2025-11-13 09:30",
         "Please keep the v1 booking endpoint until the mobile app ships", False, True),
        ("session-1", "broadcast", "normal", "2025-11-11 15:00", "Staging cluster is up at staging.tidewater.example",
         True, False),
    ],
    "session-7": [
        ("session-3", "session-7", "high", "2025-11-19 16:05", "Can you add an index on bookings(berth_id, starts_at)?",
         True, False),
        ("session-3", "broadcast", "normal", "2025-11-19 16:00", "Booking API v2 is on staging for testing", True, False),
        ("session-11", "broadcast", "urgent", "2025-11-19 07:45", "Staging is frozen from 18:00 for the load test",
         True, False),
    ],  # session-1's broadcast of 2025-11-11 is older than session-7
    "session-9": [
        ("session-3", "broadcast", "normal", "2025-11-19 16:00", "Booking API v2 is on staging for testing", False, True),
        ("session-11", "broadcast", "urgent", "2025-11-19 07:45", "Staging is frozen from 18:00 for the load test",
         True, False),
    ],
    "session-11": [
        ("session-3", "broadcast", "normal", "2025-11-19 16:00", "Booking API v2 is on staging for testing", True, False),
        ("session-9", "session-11", "normal", "2025-11-19 14:25",
         "Blocked until the quote API returns the fee; skip the booking form tests today", True, False),
    ],
}
BOARD = {  # id: (role, owner, status, progress, working on, open blockers, unread by priority)
    "session-3": ("API Developer", "Alice Moreau", "building", 60, "Quote endpoint with harbour fees", 0,
                  {"low": 0, "normal": 1, "high": 0, "urgent": 2}),
    "session-7": ("Database Engineer", "Bilal Okafor", "building", 35, "Schema v2 on staging", 1,
                  {"low": 0, "normal": 1, "high": 1, "urgent": 1}),
    "session-9": ("Frontend Developer", "Chen Wei", "blocked", 20, "Quote step of the booking form", 1,
                  {"low": 0, "normal": 0, "high": 0, "urgent": 1}),
    "session-11": ("QA Engineer", "Dana Ruiz", "review", 75, "Acceptance tests for bookings", 0,
                   {"low": 0, "normal": 2, "high": 0, "urgent": 0}),
}


def _expected_board(ws: Workspace, adopted: bool) -> None:
    rows = {r["id"]: r for r in board(ws)}
    assert {sid: (r["role"], r["owner"], r["status"], r["progress"], r["working_on"], r["open_blockers"],
                  r["unread_by_priority"]) for sid, r in rows.items()} == BOARD
    assert all(r["adopted"] is adopted and ("not adopted" in r["attention"]) is not adopted for r in rows.values())
    assert "blocked" in rows["session-9"]["attention"] and "unreadable" not in rows["session-3"]["attention"]


def _expected_inboxes(ws: Workspace) -> None:
    for sid, expected in INBOXES.items():
        assert mailbox(ws, sid, everything=True) == expected, sid
        assert mailbox(ws, sid) == [m for m in expected if m[5]], sid


@pytest.mark.parametrize("adopted", [False, True], ids=["kept by hand", "adopted"])
def test_board_inbox_blockers_read_like_a_person_would(seeded: Path, jc: Cli, adopted: bool) -> None:
    if adopted:
        jc("adopt", "--all")
    ws = workspace(seeded)
    _expected_board(ws, adopted)
    _expected_inboxes(ws)
    assert [(b["session"], b["blocker"], b["since"], b["adopted"]) for b in team_blockers(ws)] == [
        ("session-7", "Waiting for the production database credentials", "2025-11-18", adopted),
        ("session-9", "Quote API does not return the harbour fee yet", "2025-11-19", adopted)]
    # a seed line's id is derived from what it says, as for journal's own lines
    first = mail.inbox(ws, "session-3")[0]
    assert first.id == message_id("session-9", "session-3", "2025-11-19 14:20",
                                  "The booking form needs the harbour fee in the quote response")


def test_read_commands_say_not_adopted(seeded: Path, jc: Cli) -> None:
    ws = workspace(seeded)
    rows = {r["id"]: r for r in list_sessions(ws, include_all=True)}
    assert {sid: (r["status"], r["progress"], r["adopted"]) for sid, r in rows.items()} == {
        "session-1": ("done", 100, False), "session-2": ("done", 90, False), "session-3": ("building", 60, False),
        "session-7": ("building", 35, False), "session-9": ("blocked", 20, False), "session-11": ("review", 75, False)}
    assert rows["session-3"]["created"] == "2025-11-11T10:30:00Z" and rows["session-1"]["ended"] == "2025-11-12"
    listed = jc("list", "--all").stdout
    assert listed.count("active, not adopted") == 4 and "archived 2025-11-12, not adopted" in listed
    shown = show_session(ws, "session-7")
    assert shown["adopted"] is False and shown["meta"]["role"] == "Database Engineer"
    assert shown["text"].encode() == (seeded / WS / "sessions/ACTIVE/session-7.md").read_bytes()  # CRLF and all
    proc = jc("show", "session-7", "--section", "blockers")
    assert "Waiting for the production database credentials" in proc.stdout
    assert proc.stderr == ("journal: note: session-7 is not adopted yet (no frontmatter): "
                           "'journal adopt session-7' writes it\n")
    context = briefing(ws, "session-3")
    assert context["adopted"] is False and "not adopted" in context["markdown"]
    assert [m["from"] for m in context["unread_messages"]] == ["session-9", "session-11", "session-1"]
    assert "(not adopted: 'journal adopt session-3' before --ack): 3 unread" in jc("inbox", "-s", "session-3").stdout
    assert "session-9 (not adopted)" in jc("blockers").stdout
    board_rows = json.loads(jc("board", "--json").stdout)
    assert all("not adopted" in r["attention"] for r in board_rows)


def test_writing_commands_stop_with_one_line_naming_adopt(seeded: Path, jc: Cli) -> None:
    before = snapshot(seeded)
    for args in (("add", "-s", "session-3", "next", "Ship it"), ("update", "-s", "session-3", "--progress", "70"),
                 ("message", "-s", "session-3", "session-7", "hello"), ("broadcast", "-s", "session-3", "hi all"),
                 ("resolve", "-s", "session-9", "blocker", "1"), ("archive", "session-3"), ("restore", "session-2"),
                 ("inbox", "-s", "session-3", "--ack"), ("handoff", "session-3", "session-30"),
                 ("share-learning", "API", "Use idempotency keys", "-s", "session-3")):
        proc = jc(*args, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "journal adopt session-" in proc.stderr, (args, proc.stderr)
        assert proc.stderr.startswith("journal: error: session 'session-"), proc.stderr
    assert snapshot(seeded) == before
    jc("edit", "session-3", EDITOR="true")  # editing by hand goes on as before
    assert snapshot(seeded) == before


def test_an_acknowledged_seed_message_stays_read_when_its_guessed_day_moves(seeded: Path, jc: Cli,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    jc("adopt", "session-7")  # the recipient; the sender, session-3, is still kept by hand
    ws = workspace(seeded)
    index = next(m for m in mail.inbox(ws, "session-7") if m.text.startswith("Can you add an index"))
    assert index.sent == "2025-11-19 16:05"  # no date above the line: its file's last commit
    jc("inbox", "-s", "session-7", "--ack", index.id)
    received = (seeded / WS / "sessions/ACTIVE/session-7.md").read_bytes()
    assert b'- 2025-11-19 16:05 \xe2\x86\x90 session-3: "Can you add an index on bookings(berth_id, starts_at)?" (high)\r\n' \
        in received
    unread = lambda: [m.text for m in mail.inbox(ws, "session-7")]  # noqa: E731
    assert "Can you add an index on bookings(berth_id, starts_at)?" not in unread()
    jc("adopt", "session-3")
    monkeypatch.setenv("JOURNAL_NOW", "2025-11-24T12:00:00Z")
    jc("add", "-s", "session-3", "completed", "Quote endpoint returns the fee", JOURNAL_NOW="2025-11-24T12:00:00Z")
    moved = next(m for m in mail.inbox(ws, "session-7", include_read=True) if m.text.startswith("Can you add"))
    assert moved.sent == "2025-11-24 16:05" and moved.id != index.id  # the day is a guess, and it moved
    assert moved.unread is False and "Can you add an index on bookings(berth_id, starts_at)?" not in unread()
    assert {r["id"]: r["unread"] for r in board(ws)}["session-7"] == 2


def test_acknowledging_seed_messages_after_adopting(seeded: Path, jc: Cli) -> None:
    jc("adopt", "--all")
    ws = workspace(seeded)
    urgent = mail.inbox(ws, "session-3")[0]
    proc = jc("inbox", "-s", "session-3", "--ack", urgent.id[:8])
    assert proc.stdout == f"session-3: acknowledged 1 message(s)\n  {urgent.id}  from session-9\n"
    assert [m[4] for m in mailbox(ws, "session-3")] == [
        "Staging is frozen from 18:00 for the load test", "Staging cluster is up at staging.tidewater.example"]
    jc("inbox", "-s", "session-3", "--ack")
    assert mailbox(ws, "session-3") == [] and {r["id"]: r["unread"] for r in board(ws)}["session-3"] == 0
    # hand notes and journal's acknowledgements side by side; every message once
    assert len(mailbox(ws, "session-3", everything=True)) == 6
    jc("check")


def _old(path: Path) -> None:
    """An mtime well in the past, so the per-file caches keep what they read of it."""
    os.utime(path, (1763000000, 1763000000))


def test_a_commit_is_seen_by_the_cached_readings(seeded: Path, jc: Cli) -> None:
    """A log kept by hand is dated by git: a commit moves HEAD, and cached readings follow it."""
    ws = workspace(seeded)
    log = seeded / WS / "sessions/ACTIVE/session-9.md"
    log.write_bytes(log.read_bytes().replace(b"**Progress:**20%", b"**Progress:**25%"))
    _old(log)
    assert {r["id"]: (r["progress"], r["updated"]) for r in list_sessions(ws)}["session-9"] == (25, "2025-11-17T11:00:00Z")
    assert {r["id"]: r["updated"] for r in board(ws)}["session-9"] == "2025-11-17T11:00:00Z"
    other = seeded / WS / "sessions/ACTIVE/session-11.md"
    other.write_bytes(other.read_bytes() + b"\nMore notes.\n")
    _old(other)
    assert [m.sent for m in mail.inbox(ws, "session-3") if m.sender == "session-11"] == ["2025-11-19 07:45"]
    commit(seeded, "2025-11-21T08:00:00Z", "chen", "progress and notes")  # the files stay as they are
    assert {r["id"]: r["updated"] for r in list_sessions(ws)}["session-9"] == "2025-11-21T08:00:00Z"
    assert {r["id"]: r["updated"] for r in board(ws)}["session-9"] == "2025-11-21T08:00:00Z"
    # session-11's broadcast gives only a time: it is dated by its file's last commit
    assert [m.sent for m in mail.inbox(ws, "session-3") if m.sender == "session-11"] == ["2025-11-21 07:45"]
