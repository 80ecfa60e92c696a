"""The fast validation path never accepts what the published JSON Schema rejects."""
from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from journal import ids
from journal.events.schema import _fast_valid, validator
from journal.events.store import fast_ulid

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=32),
                         st.sampled_from(["", "x", "a b", "mandatory", "open", "done", "evt_1", "wip"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "step", "reasoning"]), inner, max_size=3)), max_leaves=6)


def entry(keys: list[str], enums: dict[str, list]) -> st.SearchStrategy:
    value = st.one_of(json_values, *(st.sampled_from(v) for v in enums.values()), st.text(max_size=3),
                      st.lists(st.text(max_size=3), max_size=2))
    return st.one_of(json_values, st.dictionaries(st.sampled_from(keys), value, max_size=len(keys)))


optional = {
    "data": json_values,
    "causal_steps": st.one_of(json_values, st.lists(entry(["step", "reasoning", "alternatives_considered"], {}), max_size=3)),
    "active_constraints": st.lists(entry(["constraint", "source", "priority"],
                                         {"priority": ["mandatory", "recommended", "optional", "urgent", 1]}), max_size=3),
    "failure_ledger": st.lists(entry(["attempt", "failure_reason", "timestamp", "error_code"],
                                     {"timestamp": ["2025-12-10T12:00:00Z", "yesterday"], "error_code": [500, "500", 5.5, True]}), max_size=3),
    "open_commitments": st.lists(entry(["commitment", "status", "dependencies", "id"],
                                       {"status": ["open", "done", "blocked", "wip"]}), max_size=3),
    "key_entities": st.one_of(json_values, st.dictionaries(st.text(max_size=3), entry(["full_name", "type", "location"], {}), max_size=2)),
    "dependencies": st.one_of(json_values, st.dictionaries(st.sampled_from(["depends_on", "blocks", "other"]),
                                                           st.lists(st.sampled_from(["evt_1", "", 3]), max_size=2), max_size=2)),
    "tags": st.one_of(json_values, st.lists(st.sampled_from(["a", "b", "", "a" * 101, 7]), max_size=3)),
}
core = {
    "schema_version": st.sampled_from([1, 1, 2, "1", True, 1.0]),
    "event_id": st.sampled_from(["evt_01abc", "evt x", "", "-x", 5, "evt_ok\n"]),
    "seq": st.sampled_from([1, 5, 0, -1, True, "3", 2.0]),
    "timestamp": st.sampled_from(["2026-11-21T10:00:00.123456Z", "2026-11-21T10:00:00Z", "2026-11-21 10:00", 0]),
    "session_id": st.sampled_from(["s1", "", "x" * 101, 3]),
    "event_type": st.sampled_from(["note", "error", "x-deploy", "x-", "X-up", "bogus", 1]),
    "provenance": st.one_of(json_values, st.fixed_dictionaries({"agent": st.sampled_from(["a", "", 1]),
                                                                "source": st.sampled_from(["s", "", None])})),
}


@st.composite
def events(draw: st.DrawFn) -> dict:
    event = {}
    for key, strategy in core.items():
        if draw(st.integers(0, 9)):  # usually present
            event[key] = draw(strategy)
    for key, strategy in optional.items():
        if draw(st.booleans()):
            event[key] = draw(strategy)
    if draw(st.integers(0, 9)) == 0:
        event[draw(st.sampled_from(["x-extra", "colour"]))] = 1
    return event


@settings(max_examples=1500, deadline=None)
@given(events())
def test_fast_path_is_never_looser_than_jsonschema(event: dict) -> None:
    if _fast_valid(event):
        assert validator().is_valid(event), event


def test_fast_path_accepts_the_common_event() -> None:
    event = {"schema_version": 1, "event_id": "evt_01abc", "seq": 3, "timestamp": "2026-11-21T10:00:00.123456Z",
             "session_id": "s1", "event_type": "tool_call", "provenance": {"agent": "a", "source": "s"},
             "data": {"tool": "Edit"}, "causal_steps": [{"step": "x", "reasoning": "y"}],
             "open_commitments": [{"commitment": "c", "status": "open", "dependencies": ["d"]}], "tags": ["t"]}
    assert _fast_valid(event) and validator().is_valid(event)


def test_fast_ulid_matches_journal_ids(monkeypatch) -> None:
    for ms in (0, 1, 1_763_000_000_000, 2**48 - 1):
        rand = os.urandom(10)
        monkeypatch.setattr(ids.os, "urandom", lambda n, r=rand: r)
        expected = ids.ulid(ms)
        monkeypatch.undo()
        assert fast_ulid(ms, rand) == expected
