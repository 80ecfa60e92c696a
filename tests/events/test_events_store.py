"""The Python API of the event log: append, validate, number, read back."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from journal.config import load_config
from journal.errors import InvalidInput
from journal.events import append_event, append_events, new_event_id, query_events
from journal.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    (tmp_path / "coord" / "sessions" / "ACTIVE").mkdir(parents=True)
    return Workspace(load_config(tmp_path / "coord"))


def lines(ws: Workspace, sid: str) -> list[dict]:
    return [orjson.loads(x) for x in ws.events_path(sid).read_bytes().splitlines()]


def test_append_assigns_required_fields(ws: Workspace) -> None:
    e = append_event(ws, "s1", "note", data={"text": "hi"}, agent="ana", source="cli")
    assert e["event_id"].startswith("evt_") and len(e["event_id"]) == 30
    assert e["seq"] == 1 and e["schema_version"] == 1 and e["session_id"] == "s1"
    assert e["timestamp"].endswith("Z") and e["timestamp"][10] == "T"
    assert e["provenance"] == {"agent": "ana", "source": "cli"}
    assert lines(ws, "s1") == [e]
    raw = ws.events_path("s1").read_bytes()
    assert b'"event_type":"note"' in raw and raw.endswith(b"}\n")


def test_seq_continues_and_ids_are_unique(ws: Workspace) -> None:
    for _ in range(5):
        append_event(ws, "s1", "note")
    batch = append_events(ws, "s1", [{"event_type": "tool_call", "data": {"i": i}} for i in range(3)])
    assert [e["seq"] for e in batch] == [6, 7, 8]
    got = lines(ws, "s1")
    assert [e["seq"] for e in got] == list(range(1, 9))
    assert len({e["event_id"] for e in got}) == 8


def test_given_event_id_is_kept(ws: Workspace) -> None:
    eid = new_event_id()
    e = append_event(ws, "s1", "state_change", event_id=eid, data={"action": "create", "section": "Current Work", "text": "x"})
    assert e["event_id"] == eid
    assert query_events(ws, "s1").events[0]["event_id"] == eid


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"event_type": "bogus"}, "event_type"),
        ({"event_type": "note", "data": [1, 2]}, "data"),
        ({"event_type": "note", "causal_steps": [{"reasoning": "no step"}]}, "causal_steps[0].step"),
        ({"event_type": "note", "active_constraints": [{"constraint": "c", "priority": "urgent"}]}, "active_constraints[0].priority"),
        ({"event_type": "note", "failure_ledger": [{"attempt": "a"}]}, "failure_ledger[0].failure_reason"),
        ({"event_type": "note", "open_commitments": [{"commitment": "c", "status": "wip"}]}, "open_commitments[0].status"),
        ({"event_type": "note", "dependencies": {"depends_on": "evt_1"}}, "dependencies.depends_on"),
        ({"event_type": "note", "tags": ["a", "a"]}, "tags"),
        ({"event_type": "note", "colour": "red"}, "colour"),
        ({"event_type": "note", "event_id": "has space"}, "event_id"),
        ({"event_type": "note", "source": ""}, "provenance.source"),
    ],
)
def test_invalid_event_names_field_and_writes_nothing(ws: Workspace, kwargs: dict, field: str) -> None:
    append_event(ws, "s1", "note")
    before = ws.events_path("s1").read_bytes()
    event_type = kwargs.pop("event_type")
    with pytest.raises(InvalidInput) as info:
        append_event(ws, "s1", event_type, **kwargs)
    assert field in str(info.value)
    assert ws.events_path("s1").read_bytes() == before


def test_bad_event_in_batch_rejects_all(ws: Workspace) -> None:
    with pytest.raises(InvalidInput, match="#2"):
        append_events(ws, "s1", [{"event_type": "note"}, {"event_type": "nope"}])
    assert not ws.events_path("s1").exists()


def test_extension_fields_and_types(ws: Workspace) -> None:
    e = append_event(ws, "s1", "x-deploy", **{"x-region": "eu"})
    assert lines(ws, "s1")[0]["x-region"] == "eu" and e["event_type"] == "x-deploy"


def test_bad_session_id_rejected(ws: Workspace) -> None:
    with pytest.raises(InvalidInput):
        append_event(ws, "../escape", "note")
    assert not (ws.root / "escape.jsonl").exists()


def test_seq_comes_from_the_last_line_not_a_scan(ws: Workspace) -> None:
    path = ws.events_path("s1")
    path.parent.mkdir(parents=True)
    first = append_event(ws, "other", "note")
    old = {**first, "session_id": "s1", "seq": 1000}
    last = {**first, "session_id": "s1", "seq": 5, "event_id": new_event_id()}
    filler = b"".join(orjson.dumps({**first, "session_id": "s1", "seq": 6 + i % 3}) + b"\n" for i in range(20_000))
    path.write_bytes(orjson.dumps(old) + b"\n" + filler + orjson.dumps(last) + b"\n")
    assert append_event(ws, "s1", "note")["seq"] == 6


def test_seq_skips_garbage_at_the_tail(ws: Workspace) -> None:
    for _ in range(3):
        append_event(ws, "s1", "note")
    with open(ws.events_path("s1"), "ab") as f:
        f.write(b"garbage\n" * 5000 + b"{}\n")
    assert append_event(ws, "s1", "note")["seq"] == 4


def test_large_event_then_next_seq(ws: Workspace) -> None:
    append_event(ws, "s1", "note", data={"blob": "x" * 900_000})
    assert append_event(ws, "s1", "note")["seq"] == 2
    with pytest.raises(InvalidInput, match="larger than"):
        append_event(ws, "s1", "note", data={"blob": "x" * 1_100_000})
    assert len(query_events(ws, "s1")) == 2
