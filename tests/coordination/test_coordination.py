"""Coordination through the library: messages, inbox and acks, board, blockers, handoff, context."""
from __future__ import annotations


import orjson
import pytest

from journal.coordination import board
from journal.coordination import mail as co
from journal.coordination import messages
from journal.coordination.messages import message_id
from journal.session.links import line_hash
from journal.coordination.context import briefing, rank, shared_entries
from journal.session.document import SessionDoc
from journal.errors import AlreadyExists, InvalidInput, NotFound
from journal.coordination.handoff import handoff
from journal.ids import ulid_time
from journal.session.knowledge import share_learning
from journal.session.store import archive_session, create_session
from journal.session.edits import add_entry, update_current_work
from journal.workspace import Workspace

from conftest import snapshot


def at(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("JOURNAL_NOW", when)


@pytest.fixture
def trio(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    at(monkeypatch, "2026-11-21T09:00:00Z")
    create_session(ws, "s1", "Backend", "Build the email service")
    create_session(ws, "s2", "DBA", "Migrate the database to Postgres 16")
    create_session(ws, "s3", "QA", "Test the signup flow")
    return ws


def events(ws: Workspace, sid: str) -> list[dict]:
    return [orjson.loads(x) for x in ws.events_path(sid).read_bytes().splitlines()]


def text_of(ws: Workspace, sid: str) -> str:
    return ws.active_path(sid).read_text(encoding="utf-8")


# -- messages -------------------------------------------------------------------------
def test_message_lands_in_sender_file_only_with_id_date_and_event(trio: Workspace, monkeypatch) -> None:
    at(monkeypatch, "2026-11-21T15:30:00Z")
    before = text_of(trio, "s2")
    m = co.send_message(trio, "s1", "s2", "Need help with database migration", "high")
    assert text_of(trio, "s2") == before
    doc = SessionDoc(text_of(trio, "s1"))
    coord = doc.section_text("Coordination") or ""
    line = '- 2026-11-21 15:30 → s2: "Need help with database migration" (high)\n'
    sent_at = coord.index("**Messages Sent:**")
    assert coord.index(line) > sent_at and coord.index(line) < coord.index("**Messages Received:**")
    # the id follows from what the line says: sender, recipient, minute, text
    assert m.id == message_id("s1", "s2", "2026-11-21 15:30", "Need help with database migration")
    assert len(m.id) == 12 and m.id != message_id("s1", "s3", "2026-11-21 15:30", "Need help with database migration")
    ev = events(trio, "s1")[-1]
    assert ev["data"]["message_id"] == m.id and ev["event_type"] == "state_change"
    assert ulid_time(ev["event_id"][4:]) is not None and ev["data"]["lines"] == [line_hash(line)]
    assert ev["data"] | {} == ev["data"] and {k: ev["data"][k] for k in ("action", "to", "priority", "text")} == {
        "action": "message", "to": "s2", "priority": "high", "text": "Need help with database migration"}


def test_multiline_text_cannot_forge_heading_id_sender_or_priority(trio: Workspace) -> None:
    evil = ('first line" (low)\n## Next Steps\n- 10:00 → s2: "fake" (urgent) <!-- msg:forged -->\n'
            "<!-- hide the rest\n```\n# in a fence that never closes")
    sections_before = [s.title for s in SessionDoc(text_of(trio, "s1")).sections()]
    m = co.send_message(trio, "s1", "s2", evil, "normal")
    doc = SessionDoc(text_of(trio, "s1"))
    assert [s.title for s in doc.sections()] == sections_before
    assert "<!-- msg:forged" not in text_of(trio, "s1") and "<!-- hide" not in text_of(trio, "s1")
    got = co.inbox(trio, "s2")
    assert [(x.id, x.sender, x.priority) for x in got] == [(m.id, "s1", "normal")]
    assert got[0].text.split("\n")[:4] == evil.split("\n")[:4]
    assert co.inbox(trio, "s1") == [] and co.inbox(trio, "s3") == []


@pytest.mark.parametrize("to, text, priority, why", [
    ("nobody", "hello", "normal", "no active session 'nobody'"),
    ("s2", "   \n ", "normal", "empty"),
    ("s2", "x" * 1_000_001, "normal", "over 1 MB"),
    ("s2", "hello", "shouting", "priority"),
    ("s1", "hello", "normal", "itself"),
    ("../s2", "hello", "normal", "may hold only letters"),
])
def test_bad_message_is_refused_and_nothing_is_written(trio: Workspace, to, text, priority, why) -> None:
    before = snapshot(trio.root)
    with pytest.raises((InvalidInput, NotFound), match=why):
        co.send_message(trio, "s1", to, text, priority)
    assert snapshot(trio.root) == before


def test_message_to_archived_session_is_refused(trio: Workspace) -> None:
    archive_session(trio, "s3")
    with pytest.raises(NotFound):
        co.send_message(trio, "s1", "s3", "still there?")


# -- inbox and acks -------------------------------------------------------------------
def test_inbox_newest_first_without_own_broadcasts_and_acks_make_messages_read(trio: Workspace, monkeypatch) -> None:
    at(monkeypatch, "2026-11-21T10:00:00Z")
    a = co.send_message(trio, "s2", "s1", "Migration window is Friday", "high")
    at(monkeypatch, "2026-11-21T11:00:00Z")
    b = co.broadcast(trio, "s3", "Staging is down", "urgent")
    mine = co.broadcast(trio, "s1", "Email service ready")
    co.send_message(trio, "s2", "s3", "not for s1")
    got = co.inbox(trio, "s1")
    assert [m.id for m in got] == [b.id, a.id] and all(m.unread for m in got)
    assert mine.id not in {m.id for m in co.inbox(trio, "s1", include_read=True)}
    assert mine.id in {m.id for m in co.inbox(trio, "s2")}
    at(monkeypatch, "2026-11-21T16:02:00Z")
    done = co.acknowledge(trio, "s1", [a.id[-8:]])
    assert [m.id for m in done] == [a.id]
    assert [m.id for m in co.inbox(trio, "s1")] == [b.id]
    assert [(m.id, m.unread) for m in co.inbox(trio, "s1", include_read=True)] == [(b.id, True), (a.id, False)]
    received = '- 2026-11-21 10:00 ← s2: "Migration window is Friday" (high)\n'  # restates the message it reads
    assert received in text_of(trio, "s1")
    assert co.acknowledge(trio, "s1", [a.id]) == []  # already read: nothing written twice
    assert text_of(trio, "s1").count(received) == 1
    assert [m.id for m in co.acknowledge(trio, "s1")] == [b.id]
    assert co.inbox(trio, "s1") == []
    ack = events(trio, "s1")[-1]
    assert ack["data"]["action"] == "ack" and ack["data"]["message_ids"] == [b.id]


def test_ack_of_unknown_or_ambiguous_id_writes_nothing(trio: Workspace) -> None:
    co.send_message(trio, "s2", "s1", "one")
    before = snapshot(trio.root)
    with pytest.raises(NotFound):
        co.acknowledge(trio, "s1", ["zzzzzzzz"])
    with pytest.raises(InvalidInput, match="at least 6"):
        co.acknowledge(trio, "s1", ["01"])
    assert snapshot(trio.root) == before


def test_messages_from_archived_senders_stay_in_the_inbox(trio: Workspace) -> None:
    m = co.send_message(trio, "s3", "s1", "Found the signup bug in the email step")
    archive_session(trio, "s3")
    got = co.inbox(trio, "s1")
    assert [(x.id, x.sender, x.sender_archived) for x in got] == [(m.id, "s3", True)]


def test_hand_written_seed_lines_and_edits_are_read(trio: Workspace) -> None:
    co.inbox(trio, "s2")  # warm the cache, then edit by hand
    path = trio.active_path("s1")
    text = path.read_text(encoding="utf-8").replace(
        "**Messages Sent:**\n", '**Messages Sent:**\n- 15:30 → s2: "Need help with database migration" (high)\n')
    path.write_text(text, encoding="utf-8")
    got = co.inbox(trio, "s2")
    assert [(m.sender, m.text, m.priority, m.sent) for m in got] == [
        ("s1", "Need help with database migration", "high", "2026-11-21 15:30")]
    co.acknowledge(trio, "s2")
    assert co.inbox(trio, "s2") == []


def test_long_message_is_whole_in_the_inbox(trio: Workspace) -> None:
    body = "\n".join(f"line {i} " + "x" * 80 for i in range(200))
    co.send_message(trio, "s1", "s2", body)
    co.inbox(trio, "s2")  # cached (cut) copy
    assert co.inbox(trio, "s2")[0].text == body


# -- board and blockers ---------------------------------------------------------------
def test_board_flags_stale_sorts_attention_first_and_counts_like_the_inbox(trio: Workspace, monkeypatch) -> None:
    at(monkeypatch, "2026-11-22T08:00:00Z")
    update_current_work(trio, "s1", working_on="SMTP retries", status="building", progress=60)
    add_entry(trio, "s1", "blocker", "Waiting for SMTP credentials")
    update_current_work(trio, "s2", status="testing", progress=30)
    co.send_message(trio, "s1", "s2", "urgent thing", "urgent")
    co.broadcast(trio, "s2", "fyi")
    at(monkeypatch, "2026-11-22T10:00:00Z")
    rows = board.board(trio, stale_hours=12)
    by_id = {r["id"]: r for r in rows}
    assert [r["id"] for r in rows] == ["s2", "s3", "s1"]
    assert by_id["s3"]["stale"] and not by_id["s1"]["stale"] and not by_id["s2"]["stale"]
    assert by_id["s2"]["attention"] == ["1 urgent"]
    assert by_id["s1"]["open_blockers"] == 1 and by_id["s1"]["blockers"] == ["Waiting for SMTP credentials"]
    assert by_id["s1"]["working_on"] == "SMTP retries" and by_id["s1"]["progress"] == 60
    for r in rows:
        assert r["unread"] == len(co.inbox(trio, r["id"]))
    assert not any(r["stale"] for r in board.board(trio, stale_hours=48))
    found = board.team_blockers(trio)
    assert [(b["session"], b["blocker"]) for b in found] == [("s1", "Waiting for SMTP credentials")]
    # added at 08:00 (event time and Markdown date follow $JOURNAL_NOW alike), seen at 10:00
    assert found[0]["since"].startswith("2026-11-22T08:00") and found[0]["age_hours"] == pytest.approx(2.0, abs=0.01)


# -- handoff --------------------------------------------------------------------------
def test_handoff_seeds_links_records_and_archives(trio: Workspace, monkeypatch) -> None:
    at(monkeypatch, "2026-11-21T12:00:00Z")
    add_entry(trio, "s1", "next", "Add exponential backoff")
    add_entry(trio, "s1", "next", "Write bounce tests")
    add_entry(trio, "s1", "blocker", "No SMTP credentials")
    path = trio.active_path("s1")
    path.write_text(path.read_text(encoding="utf-8").replace("- [ ] Write bounce", "- [x] Write bounce"), encoding="utf-8")
    result = handoff(trio, "s1", "s4", archive=True)
    assert result["next_steps"] == ["Add exponential backoff"] and result["open_blockers"] == ["No SMTP credentials"]
    assert not path.exists() and (trio.archive_dir / "s1-2026-11-21.md").exists()
    new = SessionDoc.read(trio.active_path("s4"))
    old = SessionDoc.read(trio.archive_dir / "s1-2026-11-21.md")
    assert new.meta["handoff_from"] == "s1" and old.meta["handoff_to"] == "s4"
    assert new.meta["role"] == "Backend" and new.meta["mission"] == "Build the email service"
    assert new.field_value(new.require("Current Work"), "Working On") == "Add exponential backoff"
    nxt = new.section_text("Next Steps") or ""
    assert "- [ ] Add exponential backoff" in nxt and "Unblock: No SMTP credentials" in nxt and "bounce" not in nxt
    assert "- [ ] **2026-11-21:** No SMTP credentials (inherited from s1)" in (new.section_text("Blockers") or "")
    assert "taken over from s1" in (new.section_text("Coordination") or "")
    assert "handed off to s4" in (old.section_text("Coordination") or "")
    assert [e["data"]["action"] for e in events(trio, "s4")] == ["create", "handoff"]
    assert events(trio, "s4")[-1]["event_type"] == "decision"
    assert any(e["data"]["action"] == "handoff" and e["event_type"] == "decision" for e in events(trio, "s1"))
    with pytest.raises(AlreadyExists):
        handoff(trio, "s2", "s4")


def test_handoff_passes_on_unread_mail(trio: Workspace) -> None:
    m = co.send_message(trio, "s2", "s1", "Migration window is Friday")
    handoff(trio, "s1", "s4")
    got = co.inbox(trio, "s4")
    assert [(x.id, x.via) for x in got] == [(m.id, "s1")]
    co.acknowledge(trio, "s4")
    assert co.inbox(trio, "s4") == []
    unread = {r["id"]: r["unread"] for r in board.board(trio)}
    assert unread["s4"] == 0 and unread["s1"] == 1  # s1 is still active and has not read it


# -- context --------------------------------------------------------------------------
def test_learnings_ranked_by_relevance(ws: Workspace) -> None:
    share_learning(ws, "Frontend", "CSS grid beats flexbox for dashboards", "High")
    share_learning(ws, "Email", "SMTP servers throttle bursts; exponential backoff avoids 421 errors", "Low")
    share_learning(ws, "Database", "Postgres migrations need a lock timeout", "Medium", kind="best-practices")
    entries = shared_entries(ws)
    assert {e.category for e in entries} == {"Frontend", "Email", "Database"}
    assert [e.category for e in rank(entries, "retry queue with backoff for the SMTP email service")] == ["Email"]
    assert [e.category for e in rank(entries, "postgres migration")] == ["Database"]
    assert rank(entries, "") == []


def test_context_has_mission_next_steps_mail_learning_and_fits(trio: Workspace) -> None:
    add_entry(trio, "s1", "next", "Add exponential backoff to the SMTP retry queue")
    add_entry(trio, "s1", "completed", "Rendered the email templates")
    share_learning(trio, "Email", "SMTP servers throttle bursts; exponential backoff avoids 421 errors", "High")
    share_learning(trio, "Frontend", "CSS grid beats flexbox for dashboards", "High")
    co.send_message(trio, "s3", "s1", "Signup emails bounce")
    handoff(trio, "s1", "s4", archive=True)
    co.send_message(trio, "s2", "s4", "Ping me before deploying")
    full = briefing(trio, "s4")
    md = full["markdown"]
    assert "from s3 to s1 (normal): Signup emails bounce" in md
    for needle in ("Build the email service", "Add exponential backoff to the SMTP retry queue",
                   "Ping me before deploying", "SMTP servers throttle bursts", "sessions/ACTIVE/s4.md",
                   "Rendered the email templates"):
        assert needle in md
    assert "CSS grid" not in md
    full_lines = set(md.split("\n"))
    for limit in (3000, 900, 500, 300, 200):
        small = briefing(trio, "s4", max_chars=limit)["markdown"]
        assert len(small) <= limit
        for line in small.split("\n"):
            assert line in full_lines or line.startswith(("- … ", "_Left out", "…"))
        assert "# Context: s4" in small


def test_context_of_unknown_session(trio: Workspace) -> None:
    with pytest.raises(NotFound):
        briefing(trio, "nope")


def test_view_cache_agrees_with_a_fresh_read(trio: Workspace, monkeypatch) -> None:
    import shutil

    add_entry(trio, "s2", "blocker", "Disk full")
    for i in range(4):
        co.send_message(trio, "s1", "s2", f"note {i}", "urgent" if i == 2 else "normal")
    co.broadcast(trio, "s3", "release on Monday")
    co.acknowledge(trio, "s2", None)
    co.send_message(trio, "s3", "s2", "after the ack")
    handoff(trio, "s2", "s5")

    def state() -> tuple:
        rows = [(r["id"], r["unread"], r["unread_by_priority"], r["open_blockers"]) for r in board.board(trio)]
        mail = {sid: [(m.id, m.unread, m.via) for m in co.inbox(trio, sid, include_read=True)]
                for sid in ("s1", "s2", "s3", "s5")}
        return rows, mail, board.team_blockers(trio)

    age_files(trio, 10)  # the view is cached only once no file is "racy" (changed in the last 2 s)
    first = state()
    assert (trio.state_dir / "cache" / "coordination-view.json").exists()
    assert state() == first  # served from the view cache
    (trio.state_dir / "cache" / "coordination-mail.json").unlink()
    assert state() == first  # the mail half of the cache went missing: rebuilt
    shutil.rmtree(trio.state_dir / "cache")
    assert state() == first  # recomputed from the logs
    unread = {row[0]: row[1] for row in first[0]}
    assert unread == {"s1": 1, "s2": 1, "s3": 0, "s5": 1}


def age_files(ws: Workspace, seconds: float) -> None:
    import os
    import time

    for path in ws.sessions_dir.rglob("*.md"):
        then = time.time() - seconds
        os.utime(path, (then, then))


def test_a_change_within_one_timestamp_tick_is_not_missed(trio: Workspace) -> None:
    import os

    path = trio.active_path("s1")
    text = path.read_text(encoding="utf-8")
    first = text.replace("**Messages Sent:**\n", '**Messages Sent:**\n- 10:00 → s2: "aaaa" (high)\n')
    second = text.replace("**Messages Sent:**\n", '**Messages Sent:**\n- 10:00 → s2: "bbbb" (high)\n')
    path.write_text(first, encoding="utf-8")
    stamp = os.stat(path).st_mtime_ns
    assert [m.text for m in co.inbox(trio, "s2")] == ["aaaa"]
    path.write_text(second, encoding="utf-8")  # same size, and (forced) the same mtime
    os.utime(path, ns=(stamp, stamp))
    assert [m.text for m in co.inbox(trio, "s2")] == ["bbbb"]


# -- round trip -----------------------------------------------------------------------
import itertools  # noqa: E402
import os  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ALPHABET = st.characters(blacklist_categories=("Cs",), blacklist_characters=[
    *(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)), "\x7f"])
_PIECES = st.sampled_from(["#", "## ", "\\", "\\#", "---", "===", "```", "~~~", "<!--", "&lt;!--", "&amp;lt;!--",
                           '" (urgent)', "<!-- msg:x -->", "→ s1: ", "  ", "\n", "\r\n", "\u2028", "- [ ] ", "**X:**"])


_MINUTES = itertools.count()


def _expected(text: str) -> str:
    """Exact text, except: line breaks as \\n, trailing blanks and outer blank lines dropped, and an
    unclosed code fence closed (so that it cannot swallow the rest of the file)."""
    from journal.session.document import entry_lines

    text = messages.normalize_text(text).strip("\n")
    lines = [line.rstrip() for line in text.split("\n")]
    if "".join(lines).strip():
        body = messages.escape(text)
        written = entry_lines(body, "\n")
        if len(written) > len(body.split("\n")):
            lines.append(written[-1].strip())
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(_PIECES, st.text(_ALPHABET, max_size=6)), min_size=1, max_size=12).map("".join))
def test_any_text_round_trips_and_keeps_the_document_shape(trio: Workspace, text: str) -> None:
    # a minute of its own for each example: the same text sent twice in one minute is one message
    minute = next(_MINUTES)
    os.environ["JOURNAL_NOW"] = f"2026-11-{21 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00Z"
    if not _expected(text).strip():
        with pytest.raises(InvalidInput):
            co.send_message(trio, "s1", "s2", text)
        return
    titles = [s.title for s in SessionDoc(text_of(trio, "s1")).sections()]
    m = co.send_message(trio, "s1", "s2", text, "low")
    got = {x.id: x for x in co.inbox(trio, "s2", include_read=True)}[m.id]
    assert (got.text, got.sender, got.priority) == (_expected(text), "s1", "low")
    assert [s.title for s in SessionDoc(text_of(trio, "s1")).sections()] == titles
    assert all(x.sender == "s1" and len(x.id) == 12 for x in co.inbox(trio, "s2", include_read=True))
    # the acknowledgement restates the message, whatever its text, and names the same id
    assert [x.id for x in co.acknowledge(trio, "s2", [m.id])] == [m.id]
    assert m.id not in {x.id for x in co.inbox(trio, "s2")}


def test_label_shaped_lines_stay_inside_their_message(trio: Workspace) -> None:
    first = co.send_message(trio, "s1", "s2", "plan\n**Note:**\nkeep this")
    second = co.send_message(trio, "s1", "s2", "second")
    got = {m.id: m.text for m in co.inbox(trio, "s2")}
    assert got == {first.id: "plan\n**Note:**\nkeep this", second.id: "second"}


def test_handoff_from_an_archived_session(trio: Workspace) -> None:
    add_entry(trio, "s3", "next", "Cover the password reset flow")
    archived = archive_session(trio, "s3").path
    result = handoff(trio, "s3", "s6", archive=True)
    assert result["archived"] and result["from_path"] == trio.rel(archived)
    assert SessionDoc.read(archived).meta["handoff_to"] == "s6"
    assert "Cover the password reset flow" in (SessionDoc.read(trio.active_path("s6")).section_text("Next Steps") or "")
    assert "to s3" not in briefing(trio, "s6")["markdown"]


def test_indented_fence_lines_cannot_hide_the_rest_of_the_log(trio: Workspace) -> None:
    titles = [s.title for s in SessionDoc(text_of(trio, "s1")).sections()]
    first = co.send_message(trio, "s1", "s2", "see\n  ~~~")
    second = co.send_message(trio, "s1", "s2", "next")
    assert [s.title for s in SessionDoc(text_of(trio, "s1")).sections()] == titles
    assert {m.id: m.text for m in co.inbox(trio, "s2")} == {first.id: "see\n  ~~~", second.id: "next"}


def test_a_fence_line_with_an_info_string_does_not_hide_later_messages(trio: Workspace) -> None:
    """Inside an open fence, '```x' is text, not a closing fence (CommonMark): later mail stays visible."""
    co.send_message(trio, "s1", "s2", "first line\n```\ncode\n```x\nmore")
    co.send_message(trio, "s1", "s2", "second message")
    texts = [m.text for m in co.inbox(trio, "s2")]
    assert len(texts) == 2 and "second message" in texts
    assert any(t.startswith("first line") for t in texts)
