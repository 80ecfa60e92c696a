"""The hook spool: records appended in one write, drained into the event log by the one writer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journal.events import spool
from journal.events.check import check_logs
from journal.events.query import query_events
from journal.events.store import append_event, ingest

DATA = Path(__file__).resolve().parents[1] / "data" / "hooks"


def payload(name: str, **changes: object) -> bytes:
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    data.update(changes)
    return json.dumps(data, indent=2).encode()  # pretty-printed, as a CLI may send it


def put(ws, sid: str, cli: str, raw: bytes) -> None:
    try:
        json.loads(raw)
        line = spool.record(cli, raw)
    except ValueError:
        line = spool.record(cli, raw=raw, error="not JSON")
    spool.append(str(ws.root), sid, line)


def test_a_record_is_one_line_that_keeps_the_payload(ws) -> None:
    raw = payload("claude-code/PostToolUse.json")
    line = spool.record("claude-code", raw)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    rec = json.loads(line)
    assert rec["v"] == 1 and rec["cli"] == "claude-code" and rec["p"] == json.loads(raw)
    assert isinstance(rec["ms"], int) and len(bytes.fromhex(rec["r"])) == 10 and rec["ts"].endswith("Z")
    bad = json.loads(spool.record("gemini", raw=b"{not json\n\xff", error="not JSON"))
    assert bad["error"] == "not JSON" and "p" not in bad and bad["raw"].startswith("{not json")


def test_an_event_id_is_made_of_its_records_time(ws) -> None:
    from journal.ids import ulid_time

    line = spool.record("claude-code", payload("claude-code/UserPromptSubmit.json"))
    spool.append(str(ws.root), "s1", line)
    (event,) = query_events(ws, "s1").events
    assert ulid_time(event["event_id"][len("evt_"):]) == json.loads(line)["ms"] / 1000


def test_spooled_records_become_events_on_the_next_read(ws) -> None:
    pre = payload("claude-code/PreToolUse.json")
    call_id = json.loads(pre)["tool_use_id"]
    post = payload("claude-code/PostToolUse.json", tool_name="Bash", tool_use_id=call_id)
    for raw in (payload("claude-code/UserPromptSubmit.json"), pre, post):
        put(ws, "s1", "claude-code", raw)
    assert not ws.events_path("s1").exists()  # nothing written yet: the hook only spooled
    events = query_events(ws, "s1").events
    assert [e["event_type"] for e in events] == ["user_message", "tool_call", "tool_result"]
    assert [e["seq"] for e in events] == [1, 2, 3]
    prompt, call, result = events
    assert prompt["data"]["text"].startswith("Add a --json flag")
    assert call["data"]["tool"] == "Bash" and call["data"]["kind"] == "shell"
    assert call["data"]["tool_use_id"] == call_id and call["data"]["input"]["command"]
    assert result["data"]["success"] is True and result["dependencies"] == {"depends_on": [call["event_id"]]}
    assert call["provenance"] == {"agent": "claude-code", "source": "hook:PreToolUse"} and call["tags"] == ["hook"]
    assert not spool.has_records(spool.spool_path(str(ws.root), "s1"))
    assert check_logs(ws) == []


def test_a_result_pairs_with_a_call_drained_earlier(ws) -> None:
    pre = payload("claude-code/PreToolUse.json")
    put(ws, "s1", "claude-code", pre)
    ingest(ws, "s1")
    fail = payload("claude-code/PostToolUseFailure.json", tool_use_id=json.loads(pre)["tool_use_id"])
    put(ws, "s1", "claude-code", fail)
    call, result = query_events(ws, "s1").events
    assert result["dependencies"]["depends_on"] == [call["event_id"]]
    assert result["data"]["success"] is False and "Exit code 1" in result["data"]["error"]
    assert result["failure_ledger"][0]["attempt"].startswith("Bash: python -m pytest")
    from journal.events.ledger import failures

    found, _ = failures(ws, "s1")
    assert [f["failure_reason"] for f in found] == [result["data"]["error"]]


def test_calls_without_ids_pair_by_tool_name(ws) -> None:
    put(ws, "g1", "gemini", payload("gemini/BeforeTool.json"))
    put(ws, "g1", "gemini", payload("gemini/AfterTool.json", tool_name="write_file"))
    put(ws, "g1", "gemini", payload("gemini/AfterTool.json", tool_name="run_shell_command"))
    call, unpaired, result = query_events(ws, "g1").events
    assert call["event_type"] == "tool_call" and "tool_use_id" not in call["data"]
    assert result["dependencies"]["depends_on"] == [call["event_id"]]
    assert "dependencies" not in unpaired and unpaired["data"]["input"]  # no call: the input is kept


def test_direct_appends_drain_the_spool_first_and_keep_numbering(ws) -> None:
    put(ws, "s1", "claude-code", payload("claude-code/UserPromptSubmit.json"))
    event = append_event(ws, "s1", "note", data={"text": "after the prompt"})
    events = query_events(ws, "s1").events
    assert [e["event_type"] for e in events] == ["user_message", "note"]
    assert event["seq"] == 2 and [e["seq"] for e in events] == [1, 2]


def test_what_cannot_be_read_becomes_an_unparsed_event(ws) -> None:
    put(ws, "s1", "claude-code", b"{truncated")
    put(ws, "s1", "claude-code", payload("claude-code/Setup.json"))  # an event journal has no use for
    path = spool.spool_path(str(ws.root), "s1")
    with open(path, "ab") as f:
        f.write(b"garbage that is no record\n")
    events = query_events(ws, "s1").events
    assert [e["event_type"] for e in events] == ["x-hook-unparsed"] * 3
    assert events[0]["data"]["raw"] == "{truncated" and events[0]["data"]["error"] == "not JSON"
    assert events[1]["data"]["event"] == "Setup" and events[1]["data"]["payload"]["hook_event_name"] == "Setup"
    assert events[2]["data"]["raw"] == "garbage that is no record"
    assert check_logs(ws) == []


def test_big_values_are_cut_so_events_stay_small(ws) -> None:
    huge = "x" * 3_000_000
    put(ws, "s1", "claude-code", payload("claude-code/PostToolUse.json", tool_response={"stdout": huge}))
    (event,) = query_events(ws, "s1").events
    assert len(json.dumps(event)) < 100_000
    assert event["data"]["output"]["stdout"].endswith("more characters]")


def test_a_drain_cut_short_is_not_written_twice(ws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed between writing the spooled events and emptying the spool: the next drain
    sees its events already at the end of the log."""
    put(ws, "s1", "claude-code", payload("claude-code/UserPromptSubmit.json"))
    monkeypatch.setattr(spool.Pending, "clear", lambda self: None)
    ingest(ws, "s1")
    monkeypatch.undo()
    assert spool.has_records(spool.spool_path(str(ws.root), "s1"))
    events = query_events(ws, "s1").events
    assert len(events) == 1 and not spool.has_records(spool.spool_path(str(ws.root), "s1"))


def test_queries_across_sessions_drain_every_spool(ws) -> None:
    put(ws, "a", "claude-code", payload("claude-code/UserPromptSubmit.json"))
    put(ws, "b", "codex", payload("codex/UserPromptSubmit.json"))
    events = query_events(ws, None, types=["user_message"]).events
    assert sorted(e["session_id"] for e in events) == ["a", "b"]


def test_an_empty_spool_costs_one_stat(ws, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(spool, "take", lambda path: calls.append(path))
    ingest(ws, "nobody")
    assert calls == []


WRITER = """
import sys
from journal.events import spool
root, sid, n, me = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for i in range(n):
    raw = ('{"hook_event_name":"UserPromptSubmit","session_id":"x","prompt":"%s-%d"}' % (me, i)).encode()
    spool.append(root, sid, spool.record("claude-code", raw))
"""

READER = """
import sys
from journal.config import load_config
from journal.workspace import Workspace
from journal.events.store import ingest
ws = Workspace(load_config(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    ingest(ws, sys.argv[3])
"""


def test_eight_writers_and_a_drainer_lose_nothing(ws) -> None:
    """Real processes: 8 spool writers race a process that keeps draining the spool."""
    n = 40
    env = dict(os.environ)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(ws.root), "s1", str(n), f"w{k}"], env=env)
               for k in range(8)]
    reader = subprocess.Popen([sys.executable, "-c", READER, str(ws.root), "200", "s1"], env=env)
    for p in [*writers, reader]:
        assert p.wait(timeout=120) == 0
    events = query_events(ws, "s1").events
    texts = sorted(e["data"]["text"] for e in events)
    assert texts == sorted(f"w{k}-{i}" for k in range(8) for i in range(n))
    assert [e["seq"] for e in events] == list(range(1, 8 * n + 1))
    assert len({e["event_id"] for e in events}) == 8 * n
    assert check_logs(ws) == []


def test_show_with_events_sees_spooled_records(ws) -> None:
    from journal.session.show import show_session
    from journal.session.store import create_session

    create_session(ws, "s1", "Dev", "Mission")
    put(ws, "s1", "claude-code", payload("claude-code/UserPromptSubmit.json"))
    result = show_session(ws, "s1", with_events=True)
    assert [row["event"]["event_type"] for row in result["events"]] == ["state_change", "user_message"]
    assert "user_message" in result["text"]


def test_check_reads_the_logs_as_written_and_leaves_the_spool_alone(ws) -> None:
    """`journal check` writes nothing: a spooled hook record stays spooled (the next query
    brings it in), and the event log keeps its bytes."""
    from journal.session.check import check_workspace
    from journal.session.store import create_session

    create_session(ws, "s1", "Backend Engineer", "Build the orders API")
    log = ws.events_path("s1")
    before = log.read_bytes()
    put(ws, "s1", "claude-code", payload("claude-code/UserPromptSubmit.json"))
    spooled = spool.spool_path(str(ws.root), "s1")
    assert spool.has_records(spooled)
    assert [p for p in check_workspace(ws) if not p.note] == []
    assert log.read_bytes() == before
    assert spool.has_records(spooled)
    events = query_events(ws, "s1").events  # a query brings the record in, as before
    assert len(events) == before.count(b"\n") + 1 and log.read_bytes() != before
