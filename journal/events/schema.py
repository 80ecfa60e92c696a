"""The event schema: loaded from package data, compiled once, with errors that name the field."""
from __future__ import annotations

import functools
import json
from typing import Any

from journal.errors import InvalidInput

SCHEMA_VERSION = 1
EVENT_TYPES = (
    "user_message", "tool_call", "tool_result", "state_change", "commitment",
    "error", "constraint_applied", "decision", "note",
)
OPTIONAL_FIELDS = (
    "data", "causal_steps", "active_constraints", "failure_ledger", "open_commitments",
    "key_entities", "dependencies", "tags",
)
COMMITMENT_STATUSES = ("open", "in_progress", "blocked", "done", "cancelled")
CLOSED_STATUSES = ("done", "cancelled")


@functools.lru_cache(maxsize=1)
def schema_text() -> str:
    """The JSON Schema of one event, as shipped in the package."""
    from importlib.resources import files

    return files("journal.events").joinpath("schema.json").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(schema_text())


@functools.lru_cache(maxsize=1)
def validator() -> Any:
    """A Draft 2020-12 validator compiled once per process (format checks off: patterns do the work)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def _where(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error: Any) -> str:
    """One line naming the offending field and what is wrong with it."""
    where = _where(error.absolute_path)
    prefix = f"{where}." if where else ""
    kind = error.validator
    if kind == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        return f"{prefix}{missing[0] if missing else '?'} is required"
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known and not str(k).startswith("x-"))
        name = extra[0] if extra else "?"
        return f"{prefix}{name} is not a known field (known: {', '.join(sorted(known))}; extensions start with 'x-')"
    if where == "event_type":
        return (f"event_type {error.instance!r} is not one of {', '.join(EVENT_TYPES)} "
                "or a user-defined 'x-name' (lower case)")
    if where == "timestamp":
        return f"timestamp {error.instance!r} is not an ISO 8601 UTC time like 2026-01-31T12:00:00Z"
    if kind == "enum":
        return f"{where} {error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{where or 'event'} must be {'an' if str(expected)[0] in 'aeiou' else 'a'} {expected}"
    if kind == "minLength":
        return f"{where} is empty"
    if kind == "maxLength":
        return f"{where} is longer than {error.validator_value} characters"
    return f"{where or 'event'}: {error.message}"


@functools.lru_cache(maxsize=1)
def _fast_parts() -> tuple[Any, Any, Any, frozenset[str]]:
    """Pieces of the schema for the fast path: the id and time patterns, a validator of the
    optional fields alone, and the set of known top-level fields."""
    import re

    from jsonschema import Draft202012Validator

    full = schema()
    props = full["properties"]
    rest = {**full, "required": [], "properties": {k: props[k] for k in OPTIONAL_FIELDS}}
    return (re.compile(props["event_id"]["pattern"]), re.compile(props["timestamp"]["pattern"]),
            Draft202012Validator(rest), frozenset(props))


_core_ok: set[tuple[Any, ...]] = set()


def _fast_valid(event: dict[str, Any]) -> bool:
    """True if ``event`` surely matches the schema; False means "ask the full validator".

    The fields the store sets itself are checked against the schema's own patterns, the
    (type, session, provenance) combination is validated once and remembered, and only the
    optional fields go through jsonschema on every call.
    """
    id_re, time_re, rest_validator, known = _fast_parts()
    if not known.issuperset(event):
        return False
    seq, event_id, ts, prov = event.get("seq"), event.get("event_id"), event.get("timestamp"), event.get("provenance")
    if (event.get("schema_version") != SCHEMA_VERSION or type(seq) is not int or seq < 1
            or type(event_id) is not str or not id_re.match(event_id)
            or type(ts) is not str or not time_re.match(ts)
            or type(prov) is not dict or len(prov) != 2):
        return False
    core = (event.get("event_type"), event.get("session_id"), prov.get("agent"), prov.get("source"))
    if not all(type(c) is str for c in core):
        return False
    if core not in _core_ok:
        probe = {"schema_version": SCHEMA_VERSION, "event_id": event_id, "seq": 1, "timestamp": ts,
                 "session_id": core[1], "event_type": core[0], "provenance": prov}
        if not validator().is_valid(probe):
            return False
        if len(_core_ok) > 10_000:
            _core_ok.clear()
        _core_ok.add(core)
    rest = {k: event[k] for k in OPTIONAL_FIELDS if k in event}
    return not rest or rest_validator.is_valid(rest)


def validate(event: dict[str, Any]) -> None:
    """Raise InvalidInput naming the first bad field unless ``event`` matches the schema."""
    if _fast_valid(event):
        return
    v = validator()
    if v.is_valid(event):
        return
    from jsonschema.exceptions import best_match

    error = best_match(v.iter_errors(event))
    raise InvalidInput(f"invalid event: {_describe(error)}")
