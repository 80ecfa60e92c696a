"""The fast validation path never accepts what the published JSON Schema rejects."""
from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from journal import ids
from journal.events.schema import _fast_valid, validator

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=32),
                         st.sampled_from(["", "x", "a b", "mandatory", "open", "done", "evt_1", "wip"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "step", "reasoning"]), inner, max_size=3)), max_leaves=6)


def entry(base: dict, bad: dict[str, list]) -> st.SearchStrategy:
    """A valid entry, or one with a wrong value, a missing key, or any JSON at all."""

    @st.composite
    def make(draw: st.DrawFn) -> object:
        e = dict(base)
        roll = draw(st.integers(0, 4))
        if roll == 0:
            key = draw(st.sampled_from(sorted(bad)))
            e[key] = draw(st.sampled_from(bad[key]))
        elif roll == 1:
            del e[draw(st.sampled_from(sorted(base)))]
        elif roll == 2:
            return draw(json_values)
        return e

    return make()


optional = {
    "data": json_values,
    "causal_steps": st.one_of(json_values, st.lists(entry(
        {"step": "x", "reasoning": "y", "alternatives_considered": ["a"]},
        {"step": ["", 1, None], "reasoning": [1, ""], "alternatives_considered": [["a"], [1], "a"]}), max_size=3)),
    "active_constraints": st.lists(entry(
        {"constraint": "c", "source": "s", "priority": "mandatory"},
        {"priority": ["urgent", 1, "optional", None], "constraint": ["", 3]}), max_size=3),
    "failure_ledger": st.lists(entry(
        {"attempt": "a", "failure_reason": "r", "timestamp": "2025-12-10T12:00:00Z", "error_code": "500"},
        {"error_code": [500, 5.5, True, None, "x", [1]], "timestamp": ["yesterday", "2025-12-10T12:00Z", 5],
         "attempt": ["", 2]}), max_size=3),
    "open_commitments": st.lists(entry(
        {"commitment": "c", "status": "open", "dependencies": ["d"], "id": "c1"},
        {"status": ["wip", "done", None], "dependencies": [[1], "d", []], "id": ["", 1]}), max_size=3),
    "key_entities": st.one_of(json_values, st.dictionaries(st.text(max_size=3), entry(
        {"full_name": "f", "type": "t", "location": "l"}, {"type": [1, None], "full_name": [[], "x"]}), max_size=2)),
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


VALID_CORE = {"schema_version": 1, "event_id": "evt_01abc", "seq": 1, "timestamp": "2026-11-21T10:00:00.123456Z",
              "session_id": "s1", "event_type": "note", "provenance": {"agent": "a", "source": "s"}}


@st.composite
def events(draw: st.DrawFn) -> dict:
    """Mostly valid events with a few wrong parts, so both paths see many near misses."""
    event = {}
    for key, strategy in core.items():
        roll = draw(st.integers(0, 19))
        if roll == 0:
            continue  # missing
        event[key] = draw(strategy) if roll == 1 else VALID_CORE[key]
    for key, strategy in optional.items():
        if draw(st.integers(0, 3)) == 0:
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


def test_ulid_is_crockford_base32_of_time_and_randomness() -> None:
    """The base64-driven encoder gives the ULID layout: 10 characters of ms time, 16 of randomness."""
    for ms in (0, 1, 1_763_000_000_000, 2**48 - 1):
        rand = os.urandom(10)
        expected = ids._base32(ms, 10) + ids._base32(int.from_bytes(rand, "big"), 16)
        assert ids.ulid(ms, rand) == expected
        assert ids.ulid_time(expected) == ms / 1000


@settings(max_examples=300, deadline=None)
@given(events())
def test_generated_events_reach_the_fast_path(event: dict) -> None:
    """Guard for the test above: the generator must produce events the fast path accepts,
    and events it rejects, or the comparison proves nothing."""
    _SEEN.add(_fast_valid(event))


_SEEN: set[bool] = set()


def test_generator_covered_both_outcomes() -> None:
    assert _SEEN == {True, False}


NEAR_MISSES = [
    {"failure_ledger": [{"attempt": "a", "failure_reason": "r", "error_code": 5.5}]},
    {"failure_ledger": [{"attempt": "a", "failure_reason": "r", "error_code": True}]},
    {"failure_ledger": [{"attempt": "a", "failure_reason": "r", "timestamp": "noon"}]},
    {"failure_ledger": [{"attempt": "a"}]},
    {"open_commitments": [{"commitment": "c", "status": "wip"}]},
    {"open_commitments": [{"commitment": "c", "status": "open", "dependencies": [1]}]},
    {"active_constraints": [{"constraint": "c", "priority": "urgent"}]},
    {"causal_steps": [{"step": ""}]},
    {"causal_steps": {"step": "x"}},
    {"key_entities": {"broker": {"type": 1}}},
    {"key_entities": {"broker": "module"}},
    {"dependencies": {"depends_on": ["evt_1"], "other": []}},
    {"dependencies": {"blocks": [""]}},
    {"tags": ["a", "a"]},
    {"tags": ["a" * 101]},
    {"data": "text"},
    {"seq": True},
    {"seq": 0},
    {"schema_version": True},
    {"event_type": "x-"},
    {"event_type": "X-up"},
    {"provenance": {"agent": "a"}},
    {"provenance": {"agent": "", "source": "s"}},
    {"timestamp": "2026-11-21 10:00:00Z"},
    {"colour": "red"},
]


def test_near_misses_are_rejected_by_both_paths() -> None:
    for change in NEAR_MISSES:
        event = {**VALID_CORE, **change}
        assert not validator().is_valid(event), change
        assert not _fast_valid(event), change


SUBSET_NODES = [
    {"type": ["string", "integer"], "minLength": 2, "pattern": "^a"},
    {"type": "number", "minimum": 1.5},
    {"minimum": 0, "maxLength": 2},
    {"type": "array", "items": {"type": "object", "required": ["k"], "properties": {"k": {"enum": ["x", 1]}}}},
    {"type": "object", "additionalProperties": {"type": "array", "uniqueItems": True}},
    {"properties": {"a": {"type": "null"}}, "additionalProperties": False},
]
SUBSET_VALUES = ["ab", "b", "a", 5, 0, 1.5, 2.0, True, None, [], ["x"], [{"k": "x"}], [{"k": 2}], [{}], {"a": None},
                 {"a": 1}, {"b": ["x", "x"]}, {"b": ["x", "y"]}, {"b": "x"}]


def test_compiled_checks_agree_with_jsonschema_on_every_keyword_of_the_subset() -> None:
    """Each keyword alone and combined with others (several types at once, a keyword for
    another type than the node's): the compiled check never accepts what jsonschema rejects,
    and agrees with it exactly but for a float with no fraction, which jsonschema takes as an
    integer and the check leaves to jsonschema."""
    from jsonschema import Draft202012Validator

    from journal.events.schema import compile_check

    for node in SUBSET_NODES:
        check = compile_check(node)
        assert check is not None, node
        for value in SUBSET_VALUES:
            valid = Draft202012Validator(node).is_valid(value)
            assert check(value) == valid or (not check(value) and value == 2.0), (node, value)
