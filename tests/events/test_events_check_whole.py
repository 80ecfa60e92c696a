"""A log whose every line is a valid event is checked whole, in C; it must say exactly what
the line-by-line check says, on every log, valid or not."""
from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.events import check as check_mod
from journal.events.check import check_file
from journal.events.schema import clean_log
from journal.workspace import Workspace

from test_events_schema import VALID_CORE, events


def _both(ws: Workspace, data: bytes, state: dict[str, Any] | None = None) -> tuple[list, list, bool]:
    """(problems checked whole, problems line by line, whether the whole path answered)."""
    path = ws.events_dir / "s1.jsonl"
    path.write_bytes(data)
    states = [dict(state or {}, ids=set((state or {}).get("ids", ()))) for _ in range(2)]
    whole = [p.as_dict() for p in check_file(ws, path, states[0])]
    saved = check_mod.clean_log
    check_mod.clean_log = lambda data: None  # type: ignore[assignment]
    try:
        slow = [p.as_dict() for p in check_file(ws, path, states[1])]
    finally:
        check_mod.clean_log = saved
    assert states[0] == states[1], data
    return whole, slow, clean_log(data) is not None


def _event(seq: int, **change: Any) -> dict[str, Any]:
    return {**VALID_CORE, "seq": seq, "event_id": f"evt_{seq:04d}", **change}


def _line(event: Any) -> bytes:
    return orjson.dumps(event) + b"\n"


GOOD = b"".join(_line(_event(n)) for n in range(1, 4))

# Lines a log may hold that orjson and msgspec read differently, or that only the shape
# rule keeps apart: each must leave the whole path and be reported as the slow path says.
ODD_LOGS = {
    "two events on one line": _line(_event(1))[:-1] + b" " + _line(_event(2)),
    "one event over two lines": orjson.dumps(_event(1)).replace(b',"seq"', b',\n"seq"') + b"\n",
    # two lines, two values: the first runs on into the second, which holds the second value too
    "two values over two lines": (orjson.dumps(_event(1, data={}))[:-3] + b"\n"
                                  + orjson.dumps(_event(1, data={}))[-3:] + b" " + _line(_event(2))),
    "blank line": GOOD + b"\n" + _line(_event(4)),
    "CR LF": GOOD.replace(b"\n", b"\r\n"),
    "no final newline": GOOD[:-1],
    "torn tail": GOOD + _line(_event(4))[:40],
    "invalid UTF-8 in data": _line(_event(1, data={"t": "x"})).replace(b'"x"', b'"\xff"'),
    "encoded surrogate": _line(_event(1, data={"t": "x"})).replace(b'"x"', b'"\xed\xa0\x80"'),
    "lone surrogate escape": _line(_event(1, data={"t": "x"})).replace(b'"x"', b'"\\ud800"'),
    "infinite number": _line(_event(1, data={"t": 1})).replace(b'"t":1', b'"t":1e999'),
    "integer beyond 64 bits in data": _line(_event(1, data={"t": 1})).replace(b'"t":1', b'"t":18446744073709551616'),
    "seq beyond 63 bits": _line(_event(1)).replace(b'"seq":1', b'"seq":18446744073709551615'),
    # orjson reads it as a float, which the schema takes as an integer: valid, and no seq to follow
    "seq beyond 64 bits": _line(_event(1)).replace(b'"seq":1', b'"seq":18446744073709551616'),
    "seq as a float": _line(_event(1)).replace(b'"seq":1', b'"seq":1.0'),
    "seq as true": _line(_event(1)).replace(b'"seq":1', b'"seq":true'),
    "repeated key, the last one bad": _line(_event(1)).replace(b'"seq":1', b'"seq":1,"seq":"x"'),
    "repeated key, the first one bad": _line(_event(1)).replace(b'"seq":1', b'"seq":"x","seq":1'),
    "an extension field": _line(_event(1, **{"x-colour": "red"})),
    "an extra provenance field": _line(_event(1, provenance={"agent": "a", "source": "s", "host": "h"})),
    "deep data": _line(_event(1, data={"t": 1})).replace(b'"t":1', b'"t":' + b"[" * 1020 + b"]" * 1020),
    "repeated tag": _line(_event(1, tags=["a", "a"])),
    "tags": _line(_event(1, tags=["a", "b"])),
    "seq going back": _line(_event(2)) + _line(_event(1)),
    "seq repeated": _line(_event(1)) + _line(_event(1, event_id="evt_x")),
    "id repeated": _line(_event(1)) + _line(_event(2, event_id="evt_0001")),
    "another session's event": _line(_event(1, session_id="s2")),
    "an array": b"[1]\n",
    "vertical tab line": GOOD + b"\x0b\n",
    "NUL after the event": _line(_event(1))[:-1] + b"\x00\n",
    "event_id ending in a newline escape": _line(_event(1, event_id="evt_ok\n")),
    "BOM": b"\xef\xbb\xbf" + GOOD,
    # the event's own patterned fields are checked after decoding, once per distinct value
    "event_id with a space": _line(_event(1, event_id="evt 1")),
    "time without its Z": _line(_event(1, timestamp="2026-11-21T10:00:00")),
    "unknown event type": _line(_event(1, event_type="bogus")),
    "extension event type": _line(_event(1, event_type="x-colour.change")),
    "bad type on a later line only": GOOD + _line(_event(4, event_type="Note")),
    "bad time on a later line only": GOOD + _line(_event(4, timestamp="2026-11-21 10:00:00Z")),
    "the same bad type on every line": b"".join(_line(_event(n, event_type="nope")) for n in range(1, 4)),
    # a pattern inside an event stays with the decoder
    "bad failure time": _line(_event(1, failure_ledger=[{"attempt": "a", "failure_reason": "b",
                                                           "timestamp": "yesterday"}])),
    "good failure time": _line(_event(1, failure_ledger=[{"attempt": "a", "failure_reason": "b",
                                                            "timestamp": "2026-11-21T10:00+01:00"}])),
}


def test_a_log_of_valid_events_is_checked_whole(ws: Workspace) -> None:
    whole, slow, fast = _both(ws, GOOD)
    assert fast and whole == slow == []


@pytest.mark.parametrize("name", sorted(ODD_LOGS))
def test_odd_logs_get_the_line_by_line_answer(ws: Workspace, name: str) -> None:
    whole, slow, _ = _both(ws, ODD_LOGS[name])
    assert whole == slow


def test_each_odd_log_that_is_wrong_leaves_the_whole_path(ws: Workspace) -> None:
    """The guards, not luck: every odd log the slow path finds fault with is one the whole
    path declined (it never answers 'no problems' for a log that has one)."""
    for name, data in ODD_LOGS.items():
        whole, slow, fast = _both(ws, data)
        if slow:
            assert not fast or name in ("seq going back", "seq repeated", "id repeated", "another session's event"), name
    assert clean_log(ODD_LOGS["tags"]) is not None  # a valid optional field stays on the whole path



def test_patterns_are_checked_on_every_line(ws: Workspace) -> None:
    """The id, time and type patterns run after decoding: a value that fails one, on any line,
    sends the log the long way, where it is reported; one that passes keeps it whole."""
    for name in ("extension event type", "good failure time"):
        whole, slow, fast = _both(ws, ODD_LOGS[name])
        assert fast and whole == slow == [], name
    for name in ("event_id with a space", "time without its Z", "unknown event type", "bad type on a later line only",
                 "bad time on a later line only", "the same bad type on every line", "bad failure time"):
        whole, slow, fast = _both(ws, ODD_LOGS[name])
        assert not fast, name
        assert whole == slow and [p["kind"] for p in slow] and all(p["kind"] == "invalid" for p in slow), (name, slow)
    assert clean_log(ODD_LOGS["two events on one line"]) is None
    assert clean_log(ODD_LOGS["two values over two lines"]) is None


def test_state_carries_from_the_compressed_part_to_the_live_one(ws: Workspace) -> None:
    """seq and ids go on from the file before: a live part repeating them is reported."""
    state: dict[str, Any] = {"seq": 3, "ids": {"evt_0001", "evt_0003"}}
    whole, slow, fast = _both(ws, GOOD, state)
    assert fast and whole == slow and {p["kind"] for p in whole} == {"seq", "duplicate-id"}
    whole, slow, _ = _both(ws, _line(_event(4)) + _line(_event(5)), state)
    assert whole == slow == []


_LINE_CHANGES = st.sampled_from([
    b"", b"\n", b" ", b"\r", b"}", b"{", b",", b"\xff", b"\\u", b"[", b"]", b'"', b"1e999", b"0", b"\x00",
])


@st.composite
def logs(draw: st.DrawFn) -> bytes:
    """Logs of generated events (valid and not), some lines cut, joined or changed a byte at a time."""
    lines = []
    for n in range(1, draw(st.integers(1, 5)) + 1):
        event = draw(events()) if draw(st.booleans()) else _event(n)
        if draw(st.integers(0, 3)) == 0 and isinstance(event, dict):
            event["seq"] = draw(st.sampled_from([n, n - 1, 1, 2**63, 2**64 - 1]))
        lines.append(orjson.dumps(event) + b"\n")
    data = b"".join(lines)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 2))
        data = data[:at] + draw(_LINE_CHANGES) + data[at + cut:]
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(logs())
def test_generated_logs_get_the_line_by_line_answer(ws: Workspace, data: bytes) -> None:
    whole, slow, fast = _both(ws, data)
    assert whole == slow, data
    _SEEN.add(fast)


_SEEN: set[bool] = set()


def test_the_generated_logs_took_both_paths() -> None:
    assert _SEEN == {True, False}


def test_a_log_over_the_whole_read_limit_is_read_line_by_line(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_mod, "MAX_LINE", 64)
    path = ws.events_dir / "s1.jsonl"
    path.write_bytes(GOOD)
    found = check_file(ws, path, {})
    assert {p.kind for p in found} == {"too-long"}


SUBSET_NODES = [
    {"type": "integer", "minimum": 1},
    {"type": "integer"},
    {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^a"},
    {"type": ["string", "integer"]},
    {"enum": ["x", 1]},
    {"const": 1},
    {"type": "boolean"},
    {"type": "null"},
    {"type": "array", "items": {"type": "object", "required": ["k"], "properties": {"k": {"enum": ["x", 1]}}}},
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    {"type": "object", "properties": {"a": {"type": "null"}, "b": {"type": "integer"}}, "required": ["b"]},
    {"type": "object", "properties": {"a": {"type": "null"}}, "additionalProperties": False},
    {"type": "object"},
    {},
]
SUBSET_VALUES = ["ab", "abc", "abcd", "b", "a", 5, 0, 1, -1, 1.0, 2**63, True, False, None, [], ["x"], [{"k": "x"}],
                 [{"k": 2}], [{}], [{"k": 1, "z": 0}], {"a": None}, {"a": 1}, {"b": 1}, {"a": None, "b": 2},
                 {"b": ["x", "x"]}, {"b": ["x", 1]}, {"b": "x"}]


def test_decoded_types_never_take_what_jsonschema_refuses() -> None:
    """Each keyword the decoder is built from: a value msgspec decodes is one jsonschema
    accepts (it may refuse more, and does for unknown fields); the ones it refuses to build
    (uniqueItems away from the event's own fields, types outside the subset) are None."""
    import msgspec
    from jsonschema import Draft202012Validator

    from journal.events.schema import _decoded_type

    for node in SUBSET_NODES:
        kind = _decoded_type(node, "T", None)
        assert kind is not None, node
        decoder = msgspec.json.Decoder(kind)
        taken = 0
        for value in SUBSET_VALUES:
            try:
                decoder.decode(orjson.dumps(value))
            except msgspec.ValidationError:
                continue
            taken += 1
            assert Draft202012Validator(node).is_valid(value), (node, value)
        assert taken, node  # each node takes something, or the loop proves nothing
    for node in ({"type": "array", "uniqueItems": True, "items": {"type": "string"}}, {"type": "number"},
                 {"minimum": 1}, {"type": "object", "patternProperties": {"^x": {}}},
                 {"enum": ["x", "abcd"], "minLength": 3}, {"type": ["string", "integer"], "minLength": 2}):
        assert _decoded_type(node, "T", None) is None, node
    unique: list[str] = []
    assert _decoded_type({"type": "array", "uniqueItems": True, "items": {"type": "string"}}, "tags", unique)
    assert unique == ["tags"]
