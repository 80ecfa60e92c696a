"""Logs as users' machines really hold them: a byte order mark, a pasted image as the first
line, negative counts, a compaction's summary, Copilot messages that name no model, a log
edited in place, a FIFO where a log was, a zag backfill beside the log it restates.

Each figure below is counted by hand from the lines the test writes.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
from agentlog_samples import CLAUDE_MAIN, CLAUDE_SID, own
from conftest import run

from journal.agentlogs import summarize

SID = "0b1f6a52-2a7e-4d7e-9c1e-5f1b2c3d4e5f"


def line(rec: dict[str, Any]) -> bytes:
    return json.dumps(rec).encode() + b"\n"


def user(uuid: str, ts: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "user", "uuid": uuid, "sessionId": SID, "cwd": "/r", "timestamp": ts,
            "message": {"role": "user", "content": text}, **extra}


def assistant(uuid: str, ts: str, mid: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {"type": "assistant", "uuid": uuid, "sessionId": SID, "cwd": "/r", "timestamp": ts,
            "message": {"id": mid, "model": "claude-sonnet-4-5-20250929", "role": "assistant",
                        "content": [{"type": "text", "text": "ok"}], "usage": usage}}


class Waited(Exception):  # (not an OSError: the code under test would take it for a refusal)
    pass


@pytest.fixture
def no_hang() -> Any:
    """Fail instead of hanging when a read waits on a FIFO."""
    def waited(*_a: Any) -> None:
        raise Waited("the command waited for a writer on a FIFO")

    old = signal.signal(signal.SIGALRM, waited)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# -- a UTF-8 byte order mark -------------------------------------------------------------------
def test_a_byte_order_mark_leaves_the_first_record_whole(tmp_path: Path) -> None:
    recs = [user("u1", "2026-03-01T10:00:00.000Z", "fix the login"),
            assistant("a1", "2026-03-01T10:00:05.000Z", "m1", {"input_tokens": 10, "output_tokens": 4})]
    plain, marked = tmp_path / "plain.jsonl", tmp_path / "marked.jsonl"
    plain.write_bytes(b"".join(map(line, recs)))
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    s, state = summarize(marked)  # detected as Claude Code, the BOM not part of the first line
    assert (s.format, s.user_turns, s.title, s.skipped, s.tokens.output) == ("claude-code", 1, "fix the login", 0, 4)
    assert s.start == "2026-03-01T10:00:00.000Z" and s.provider_session_id == SID
    more = line(user("u2", "2026-03-01T10:01:00.000Z", "and the logout"))
    with open(marked, "ab") as f:  # and a refresh resumes past it
        f.write(more)
    again, _ = summarize(marked, state=state)
    assert again.user_turns == 2 and again.bytes_read == len(more)


def test_a_byte_order_mark_before_a_codex_log_and_a_json_document(tmp_path: Path) -> None:
    codex = tmp_path / "rollout.jsonl"
    codex.write_bytes(b"\xef\xbb\xbf" + own("codex_rollout.jsonl").read_bytes())
    want = summarize(own("codex_rollout.jsonl"))[0]
    got = summarize(codex)[0]
    assert (got.format, got.provider_session_id, got.cwd, got.skipped, got.user_turns) == \
        (want.format, want.provider_session_id, want.cwd, 0, want.user_turns)
    legacy = own("gemini_legacy.json")
    doc = tmp_path / "session.json"
    doc.write_bytes(b"\xef\xbb\xbf" + legacy.read_bytes())
    assert summarize(doc)[0].to_dict()["tokens"] == summarize(legacy)[0].to_dict()["tokens"]


# -- a first line longer than the format sniff's first read --------------------------------------
def test_a_pasted_image_in_the_first_line_does_not_hide_the_format(tmp_path: Path) -> None:
    image = base64.b64encode(os.urandom(300_000)).decode()
    first = user("u1", "2026-03-01T10:00:00.000Z", "what is this?")
    first["message"]["content"] = [{"type": "text", "text": "what is this?"},
                                   {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                                "data": image}}]
    p = tmp_path / "img.jsonl"
    p.write_bytes(line(first))
    s, _ = summarize(p)
    assert (s.format, s.user_turns, s.title) == ("claude-code", 1, "what is this?")
    code, out = run("logs", "summary", str(p))
    assert code == 0 and "what is this?" in out


# -- counts a peer would not add up ---------------------------------------------------------------
def test_negative_token_counts_count_zero(tmp_path: Path) -> None:
    p = tmp_path / "neg.jsonl"
    p.write_bytes(line(assistant("a1", "2026-03-01T10:00:00.000Z", "m1", {"input_tokens": 100, "output_tokens": -50}))
                  + line(assistant("a2", "2026-03-01T10:00:01.000Z", "m2", {"input_tokens": -1000, "output_tokens": 10})))
    s, _ = summarize(p)
    assert (s.tokens.input, s.tokens.output, s.tokens.total) == (100, 10, 110)
    assert s.cost_usd is not None and s.cost_usd > 0
    from journal.agentlogs.reading import summarize_events

    assert summarize_events(p, "claude-code")[0].tokens.total == 110  # the reference reader agrees


def test_negative_counts_in_other_formats_count_zero(tmp_path: Path) -> None:
    from journal.agentlogs.base import as_int

    assert [as_int(v) for v in (5, 0, -1, -(1 << 70), 1.5, "7", True, None)] == [5, 0, 0, 0, 0, 0, 0, 0]


# -- Claude Code compaction ---------------------------------------------------------------------
def test_a_compaction_summary_is_no_user_turn(tmp_path: Path) -> None:
    summary = user("c1", "2026-03-01T11:00:01.000Z", "This session is being continued from a previous conversation "
                   "that ran out of context. The conversation is summarized below: …",
                   isCompactSummary=True, isVisibleInTranscriptOnly=True)
    boundary = {"type": "system", "subtype": "compact_boundary", "uuid": "b1", "sessionId": SID,
                "timestamp": "2026-03-01T11:00:00.000Z", "content": "Conversation compacted"}
    p = tmp_path / "compact.jsonl"
    p.write_bytes(line(user("u1", "2026-03-01T10:00:00.000Z", "first")) + line(boundary) + line(summary)
                  + line(user("u2", "2026-03-01T11:00:02.000Z", "second")))
    s, _ = summarize(p)
    assert (s.user_turns, s.title) == (2, "first")
    continued = tmp_path / "continued.jsonl"  # a session resumed from a compaction starts with its summary
    continued.write_bytes(line(summary) + line(user("u2", "2026-03-01T11:00:02.000Z", "second")))
    s, _ = summarize(continued)
    assert (s.user_turns, s.title) == (1, "second")
    from journal.agentlogs.reading import summarize_events

    assert summarize_events(continued, "claude-code")[0].user_turns == 1


# -- Copilot -----------------------------------------------------------------------------------
def copilot(*recs: tuple[str, dict[str, Any]]) -> bytes:
    return b"".join(line({"type": t, "data": d, "id": f"e{i}", "timestamp": f"2026-03-01T10:00:0{i}.000Z"})
                    for i, (t, d) in enumerate(recs))


def test_copilot_messages_that_name_no_model_are_counted_once(tmp_path: Path) -> None:
    shutdown = ("session.shutdown", {"shutdownType": "routine", "modelMetrics": {"claude-sonnet-4.5": {
        "requests": {"count": 2, "cost": 1},
        "usage": {"inputTokens": 1000, "outputTokens": 150, "cacheReadTokens": 0, "cacheWriteTokens": 0}}}})
    p = tmp_path / "events.jsonl"
    p.write_bytes(copilot(("session.start", {"sessionId": "cp1", "startTime": "2026-03-01T10:00:00.000Z",
                                             "context": {"cwd": "/r"}}),
                          ("user.message", {"content": "do it"}),
                          ("assistant.message", {"messageId": "m1", "content": "ok", "outputTokens": 100}),
                          ("assistant.message", {"messageId": "m2", "content": "ok", "outputTokens": 50}),
                          shutdown))
    s, _ = summarize(p)
    assert (s.format, s.tokens.input, s.tokens.output, s.tokens.total) == ("copilot", 1000, 150, 1150)
    assert s.cost.unpriced == [] and s.cost_usd is not None  # all of it the run's one model's
    two = tmp_path / "two.jsonl"  # a message of a model the totals do not name: the totals replace it
    metrics = {"gpt-5": {"requests": {"count": 1, "cost": 1},
                         "usage": {"inputTokens": 500, "outputTokens": 80, "cacheReadTokens": 0, "cacheWriteTokens": 0}},
               "claude-sonnet-4.5": shutdown[1]["modelMetrics"]["claude-sonnet-4.5"]}
    two.write_bytes(copilot(("user.message", {"content": "do it"}),
                            ("assistant.message", {"messageId": "m1", "model": "o3", "outputTokens": 100}),
                            ("session.shutdown", {"shutdownType": "routine", "modelMetrics": metrics})))
    s, _ = summarize(two)
    assert (s.tokens.input, s.tokens.output) == (1500, 230)


# -- a log edited in place ------------------------------------------------------------------------
def test_an_edit_in_place_past_the_first_bytes_means_a_read_anew(tmp_path: Path) -> None:
    recs = [assistant(f"a{i}", f"2026-03-01T10:{i:02d}:00.000Z", f"m{i}", {"input_tokens": 10, "output_tokens": 200})
            for i in range(40)]  # about 10 KB: the edit lands past the first 4 KB
    p = tmp_path / "c.jsonl"
    p.write_bytes(b"".join(map(line, recs)))
    _s, state = summarize(p)
    data = p.read_bytes()
    at = data.rindex(b'"output_tokens": 200')
    with open(p, "r+b") as f:  # same inode: 200 -> 9999 in the last message, the file 2 bytes longer
        f.write(data[:at] + b'"output_tokens": 9999' + data[at + len(b'"output_tokens": 200'):])
    s, _ = summarize(p, state=state)
    assert s.tokens.output == 39 * 200 + 9999 and s.bytes_read == p.stat().st_size


def test_an_append_still_resumes(tmp_path: Path) -> None:
    p = tmp_path / "c.jsonl"
    p.write_bytes(b"".join(line(assistant(f"a{i}", "2026-03-01T10:00:00.000Z", f"m{i}",
                                          {"input_tokens": 1, "output_tokens": 2})) for i in range(40)))
    _s, state = summarize(p)
    more = line(assistant("a99", "2026-03-01T10:09:00.000Z", "m99", {"input_tokens": 1, "output_tokens": 2}))
    with open(p, "ab") as f:
        f.write(more)
    s, _ = summarize(p, state=state)
    assert s.bytes_read == len(more) and s.tokens.output == 41 * 2


# -- FIFOs where logs are looked for ---------------------------------------------------------------
def test_a_fifo_in_place_of_a_linked_log_is_named_not_waited_on(proj: Path, no_hang: Any) -> None:
    shutil.copy(own(CLAUDE_MAIN), proj / "logs" / "l.jsonl")
    assert run("logs", "link", "logs/l.jsonl", "-s", "s1")[0] == 0
    (proj / "logs" / "l.jsonl").unlink()
    os.mkfifo(proj / "logs" / "l.jsonl")
    code, out = run("logs", "usage", "-s", "s1")
    assert code == 0 and "l.jsonl is a named pipe, not a regular file" in out
    assert "no usage in the linked logs" in out


def test_a_fifo_in_an_agents_home_is_passed_over(proj: Path, tmp_path: Path, no_hang: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "claude-home"
    (home / "projects" / "x").mkdir(parents=True)
    os.mkfifo(home / "projects" / "x" / "a.jsonl")
    logs = home / "projects" / "y"
    logs.mkdir()
    rec = user("u1", "2026-03-01T10:00:00.000Z", "hello")
    rec["cwd"] = str(proj.resolve())
    (logs / f"{SID}.jsonl").write_bytes(line(rec))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home))
    code, out = run("logs", "discover", "-s", "s1")
    assert code == 0 and f"{SID}.jsonl" in out and "a.jsonl" not in out


# -- a zag backfill beside the log it restates ---------------------------------------------------
def test_usage_counts_a_backfill_of_a_linked_log_once(proj: Path) -> None:
    backfill = proj / "logs" / "w-2222.jsonl"
    usage = {"seq": 9, "ts": "2026-03-14T09:22:47Z", "provider": "claude", "wrapper_session_id": "w-2222",
             "provider_session_id": CLAUDE_SID, "source_kind": "backfill", "completeness": "partial",
             "type": "usage", "input_tokens": 42, "output_tokens": 1324, "cache_read_tokens": 187824,
             "cache_creation_tokens": 9426, "total_cost_usd": 0.2215}
    backfill.write_bytes(own("zag/w-2222-backfill.jsonl").read_bytes() + line(usage))
    shutil.copy(own(CLAUDE_MAIN), proj / "logs" / "main.jsonl")
    assert run("logs", "link", "logs/w-2222.jsonl", "-s", "s1", "--format", "zag")[0] == 0
    assert run("logs", "link", "logs/main.jsonl", "-s", "s1")[0] == 0
    code, out = run("logs", "usage", "-s", "s1", "--by", "agent", "--no-subagents", "--json")
    assert code == 0, out
    rep = json.loads(out)
    main = summarize(proj / "logs" / "main.jsonl")[0]
    assert rep["total"]["total"] == main.tokens.total
    assert [r["key"] for r in rep["rows"]] == ["claude-code"]


# -- a format forced on another format's log ----------------------------------------------------
def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Through main(), the single exit point: exit 2 and one line on stderr; that line."""
    from journal.cli.main import main

    capsys.readouterr()
    assert main(list(args)) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_forced_format_that_the_log_is_not_is_refused(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = proj / "claude.jsonl"
    log.write_bytes(line(user("u1", "2026-03-01T10:00:00.000Z", "fix the login"))
                    + line(assistant("a1", "2026-03-01T10:00:05.000Z", "m1",
                                     {"input_tokens": 7, "output_tokens": 3})))
    before = (proj / "coordination" / "sessions" / "ACTIVE" / "s1.md").read_bytes()
    said = refused(capsys, "logs", "link", str(log), "-s", "s1", "--format", "gemini")
    assert "is a claude-code log, not gemini" in said and "--format claude-code" in said
    assert (proj / "coordination" / "sessions" / "ACTIVE" / "s1.md").read_bytes() == before
    assert "not copilot" in refused(capsys, "logs", "summary", str(log), "--format", "copilot", "--json")
    assert "a massgen log is a directory" in refused(capsys, "logs", "tools", str(log), "--format", "massgen")
    # the format it is, forced, reads as detection does: 7 in, 3 out, one user turn
    code, out = run("logs", "summary", str(log), "--format", "claude-code", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["tokens"]["input"], data["tokens"]["output"], data["user_turns"]) == (7, 3, 1)


def test_a_forced_format_reads_a_log_no_format_recognizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "odd.jsonl"
    log.write_bytes(line({"something": "else"}))
    assert "cannot tell the format" in refused(capsys, "logs", "summary", str(log))
    code, _ = run("logs", "summary", str(log), "--format", "codex", "--json")
    assert code == 0
