"""The event schema: loaded from package data, compiled once, with errors that name the field."""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
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
    from pathlib import Path

    beside = Path(__file__).with_name("schema.json")
    if beside.is_file():  # an installed package: skip importlib.resources' import cost
        return beside.read_text(encoding="utf-8")
    from importlib.resources import files  # pragma: no cover - zipped packages

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


Check = Callable[[Any], bool]
_TYPES: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int,
    "number": lambda v: type(v) in (int, float),
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}
_ANNOTATIONS = {"description", "title", "$schema", "$id", "format", "examples"}


def _pred(fn: Callable[..., bool]) -> Check:
    """A predicate with bound defaults (``lambda v, n=n: ...``) typed as a Check."""
    return fn


def compile_check(node: dict[str, Any]) -> Check | None:
    """A fast predicate for the subset of JSON Schema this schema uses, or None if ``node``
    uses anything else. The predicate may be stricter than the schema (False means "ask
    jsonschema"), never looser: tests compare it with jsonschema on generated events."""
    import re

    checks: list[Check] = []
    for key, value in node.items():
        if key in _ANNOTATIONS:
            continue
        if key == "type":
            names = value if isinstance(value, list) else [value]
            if len(names) == 1:
                checks.append(_TYPES[names[0]])
            else:
                pytypes = tuple({"string": (str,), "integer": (int,), "object": (dict,), "array": (list,),
                                 "boolean": (bool,), "number": (int, float), "null": (type(None),)}[n]
                                for n in names)
                allowed_types = frozenset(t for group in pytypes for t in group)
                checks.append(_pred(lambda v, a=allowed_types: type(v) in a))
        elif key in ("enum", "const"):
            allowed = value if key == "enum" else [value]
            if not all(type(a) in (str, int) for a in allowed):
                return None
            pairs = frozenset((type(a), a) for a in allowed)
            checks.append(_pred(lambda v, pairs=pairs: type(v) in (str, int) and (type(v), v) in pairs))
        elif key == "required":
            req = tuple(value)
            checks.append(_pred(lambda v, req=req: type(v) is not dict or all(r in v for r in req)))
        elif key == "properties":
            compiled = {k: compile_check(sub) for k, sub in value.items()}
            props = {k: c for k, c in compiled.items() if c is not None}
            if len(props) != len(compiled):
                return None
            checks.append(_properties_check(props))
        elif key == "additionalProperties":
            known = frozenset(node.get("properties", {}))
            if node.get("patternProperties"):
                return None
            if value is False:
                checks.append(_pred(lambda v, known=known: type(v) is not dict or known.issuperset(v)))
            elif isinstance(value, dict):
                sub = compile_check(value)
                if sub is None:
                    return None
                checks.append(_pred(lambda v, known=known, sub=sub: type(v) is not dict
                              or all(sub(x) for k, x in v.items() if k not in known)))
            elif value is not True:
                return None
        elif key == "items":
            sub = compile_check(value)
            if sub is None:
                return None
            checks.append(_items_check(sub))
        elif key == "uniqueItems":
            if value:
                checks.append(_pred(lambda v: type(v) is not list
                              or (all(type(x) is str for x in v) and len(set(v)) == len(v))))
        elif key in ("minLength", "maxLength"):
            n = int(value)
            if key == "minLength":
                checks.append(_pred(lambda v, n=n: type(v) is not str or len(v) >= n))
            else:
                checks.append(_pred(lambda v, n=n: type(v) is not str or len(v) <= n))
        elif key == "minimum":
            checks.append(_pred(lambda v, n=value: type(v) not in (int, float) or v >= n))
        elif key == "pattern":
            search = re.compile(value).search
            checks.append(_pred(lambda v, search=search: type(v) is not str or search(v) is not None))
        else:
            return None
    return _all_of(checks)


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        a, b = checks
        return lambda v: a(v) and b(v)
    if len(checks) == 3:
        a, b, c = checks
        return lambda v: a(v) and b(v) and c(v)
    return lambda v: all(c(v) for c in checks)


def _properties_check(props: dict[str, Check]) -> Check:
    get = props.get

    def check(v: Any) -> bool:
        if type(v) is not dict:
            return True
        for k, x in v.items():
            c = get(k)
            if c is not None and not c(x):
                return False
        return True

    return check


def _items_check(sub: Check) -> Check:
    def check(v: Any) -> bool:
        if type(v) is not list:
            return True
        for x in v:
            if not sub(x):
                return False
        return True

    return check


@functools.lru_cache(maxsize=1)
def _fast_parts() -> tuple[dict[str, Check], frozenset[str], tuple[str, ...]]:
    """Compiled checks of each top-level field, and the set of known top-level fields."""
    props = schema()["properties"]
    compiled: dict[str, Check] = {}
    for name, sub in props.items():
        check = compile_check(sub)
        if check is not None:
            compiled[name] = check
    return compiled, frozenset(props), tuple(schema()["required"])


_seen_ok: set[tuple[str, Any]] = set()


def _fast_valid(event: dict[str, Any], trusted: frozenset[str] = frozenset()) -> bool:
    """True if ``event`` surely matches the schema; False means "ask the full validator".

    ``trusted`` names fields the caller built itself in a form known to be valid; they are
    not checked again. Valid event types and provenances are remembered.
    """
    compiled, known, required = _fast_parts()
    if type(event) is not dict or not known.issuperset(event):
        return False
    for name in required:
        if name not in event:
            return False
    for name, value in event.items():
        if name in trusted:
            continue
        if name == "event_type" or name == "provenance":
            key = (name, value if type(value) is str else _prov_key(value))
            if key[1] is not None and key in _seen_ok:
                continue
            check = compiled.get(name)
            if check is None or not check(value):
                return False
            if key[1] is not None and len(_seen_ok) < 10_000:
                _seen_ok.add(key)
            continue
        check = compiled.get(name)
        if check is None or not check(value):
            return False
    return True


def _prov_key(value: Any) -> tuple[str, str] | None:
    if type(value) is dict and len(value) == 2:
        agent, source = value.get("agent"), value.get("source")
        if type(agent) is str and type(source) is str:
            return (agent, source)
    return None


def validate(event: dict[str, Any], trusted: frozenset[str] = frozenset()) -> None:
    """Raise InvalidInput naming the first bad field unless ``event`` matches the schema.

    ``trusted``: fields the caller generated itself (skipped on the fast path only).
    """
    if _fast_valid(event, trusted):
        return
    v = validator()
    if v.is_valid(event):
        return
    from jsonschema.exceptions import best_match

    error = best_match(v.iter_errors(event))
    raise InvalidInput(f"invalid event: {_describe(error)}")


_LONG_DIGITS = re.compile(r"\d{19}").search
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 64) - 1  # what an event log can hold (orjson's range)


def _check_int(text: str, what: str) -> int:
    """parse_int hook: an integer literal the log can store exactly, else InvalidInput."""
    if len(text.lstrip("-")) <= 20:
        n = int(text)
        if _INT_MIN <= n <= _INT_MAX:
            return n
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise InvalidInput(f"{what}: integer out of range for 64 bits ({shown}); pass it as a string")


def parse_json(value: str, what: str, kind: type | None = None) -> Any:
    """JSON text given for an event (its data, commitments...) as a value the log can hold.

    orjson turns integers beyond 64 bits into floats without a word, so text holding a long
    run of digits is parsed again by the standard library, whose parse_int hook rejects them.
    """
    import orjson

    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError as e:
        raise InvalidInput(f"{what} is not valid JSON ({e})") from e
    if _LONG_DIGITS(value):
        try:
            json.loads(value, parse_int=lambda text: _check_int(text, what))
        except ValueError:  # orjson accepted it; only the range check matters here
            pass
    if kind is not None and not isinstance(parsed, kind):
        raise InvalidInput(f"{what} must be a JSON {'object' if kind is dict else 'array'}")
    return parsed
