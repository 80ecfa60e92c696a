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
_MISSING = object()
_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "object": (dict,), "array": (list,),
          "boolean": (bool,), "null": (type(None),)}
_ANNOTATIONS = {"description", "title", "$schema", "$id", "format", "examples"}


class _Source:
    """Python source of one predicate over the subset of JSON Schema this schema uses.

    Each schema node becomes statements that return False where a value fails it (the
    constants they need bound by name in ``names``), so a whole event is checked by one
    call of one function, with plain local variables, instead of a call per keyword: on a
    big history that was half of what ``journal check`` spent on event logs.
    """

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"_MISSING": _MISSING}
        self.vars = 0

    def const(self, value: Any) -> str:
        name = f"_c{len(self.names)}"
        self.names[name] = value
        return name

    def var(self) -> str:
        self.vars += 1
        return f"_v{self.vars}"

    def stmts(self, node: dict[str, Any], v: str) -> list[str] | None:
        """Lines (indented from 0) that return False unless the value named ``v`` passes
        ``node``; None when ``node`` uses a keyword outside the subset. A keyword that only
        applies to one kind of value is guarded by a type test unless ``type`` settled it."""
        types = node.get("type")
        names = types if isinstance(types, list) else [types] if types is not None else []
        if not all(n in _TYPES for n in names):
            return None
        sure = tuple(t for n in names for t in _TYPES[n]) if names else None  # what ``v`` must be

        def only(kind: type, lines: list[str]) -> list[str]:
            """``lines``, for a value of ``kind`` (none: ``v`` cannot be one, the keyword is moot)."""
            if sure is not None and kind not in sure:
                return []
            if sure == (kind,):
                return lines
            return [f"if type({v}) is {self.const(kind)}:", *("    " + ln for ln in lines)]

        out: list[str] = []
        for key, value in node.items():
            if key in _ANNOTATIONS:
                continue
            if key == "type":
                if sure is None:  # an empty list of types
                    return None
                out.append(f"if type({v}) is not {self.const(sure[0])}: return False" if len(sure) == 1
                           else f"if type({v}) not in {self.const(frozenset(sure))}: return False")
            elif key in ("enum", "const"):
                allowed = value if key == "enum" else [value]
                if not all(type(a) in (str, int) for a in allowed):
                    return None
                pairs = self.const(frozenset((type(a), a) for a in allowed))
                out.append(f"if (type({v}) is not str and type({v}) is not int) or (type({v}), {v}) not in {pairs}:"
                           " return False")
            elif key == "required":
                if value:
                    out += only(dict, [f"if {' or '.join(f'{k!r} not in {v}' for k in value)}: return False"])
            elif key == "properties":
                lines = []
                for k, sub in value.items():
                    x = self.var()
                    body = self.stmts(sub, x)
                    if body is None:
                        return None
                    if body:
                        lines += [f"{x} = {v}.get({k!r}, _MISSING)", f"if {x} is not _MISSING:",
                                  *("    " + ln for ln in body)]
                out += only(dict, lines)
            elif key == "additionalProperties":
                if node.get("patternProperties"):
                    return None
                known = self.const(frozenset(node.get("properties", {})))
                if value is False:
                    out += only(dict, [f"if not {known}.issuperset({v}): return False"])
                elif isinstance(value, dict):
                    k, x = self.var(), self.var()
                    body = self.stmts(value, x)
                    if body is None:
                        return None
                    if body:
                        out += only(dict, [f"for {k}, {x} in {v}.items():", f"    if {k} not in {known}:",
                                           *("        " + ln for ln in body)])
                elif value is not True:
                    return None
            elif key == "items":
                x = self.var()
                body = self.stmts(value, x)
                if body is None:
                    return None
                if body:
                    out += only(list, [f"for {x} in {v}:", *("    " + ln for ln in body)])
            elif key == "uniqueItems":
                if value:
                    out += only(list, [f"if not all(type(_u) is str for _u in {v}) or len(set({v})) != len({v}):"
                                       " return False"])
            elif key in ("minLength", "maxLength"):
                out += only(str, [f"if len({v}) {'<' if key == 'minLength' else '>'} {int(value)}: return False"])
            elif key == "minimum":
                if type(value) not in (int, float):
                    return None
                test = f"if {v} < {value!r}: return False"
                out += ([test] if sure is not None and set(sure) <= {int, float}
                        else [f"if type({v}) is int or type({v}) is float:", "    " + test])
            elif key == "pattern":
                out += only(str, [f"if {self.const(re.compile(value).search)}({v}) is None: return False"])
            else:
                return None
        return out

    def function(self, lines: list[str]) -> Check:
        # the constants are bound as defaults: local names, the fastest to load
        code = (f"def _check(v, {', '.join(f'{n}={n}' for n in self.names)}):\n"
                + "".join(f"    {ln}\n" for ln in [*lines, "return True"]))
        scope = dict(self.names)
        exec(compile(code, "<journal event schema>", "exec"), scope)  # noqa: S102 - source built above from the schema
        check: Check = scope["_check"]
        return check


def compile_check(node: dict[str, Any]) -> Check | None:
    """A fast predicate for the subset of JSON Schema this schema uses, or None if ``node``
    uses anything else. The predicate may be stricter than the schema (False means "ask
    jsonschema"), never looser: tests compare it with jsonschema on generated events."""
    src = _Source()
    lines = src.stmts(node, "v")
    return None if lines is None else src.function(lines)


@functools.lru_cache(maxsize=1)
def _fast_parts() -> tuple[dict[str, Check], Check | None, frozenset[str], tuple[str, ...]]:
    """The compiled check of each top-level field (for events with trusted fields), one of
    a whole event (None if a field is outside the subset), the known fields and the required
    ones. The whole event's node is the schema's without its ``patternProperties``: an event
    with an ``x-`` field goes to jsonschema."""
    sch = schema()
    props = sch["properties"]
    required = tuple(sch["required"])
    compiled = {name: check for name, sub in props.items() if (check := compile_check(sub)) is not None}
    whole = compile_check({"type": "object", "required": list(required), "properties": props,
                           "additionalProperties": False})
    return compiled, whole, frozenset(props), required


def _fast_valid(event: dict[str, Any], trusted: frozenset[str] = frozenset()) -> bool:
    """True if ``event`` surely matches the schema; False means "ask the full validator".

    ``trusted`` names fields the caller built itself in a form known to be valid; they are
    not checked again.
    """
    compiled, whole, known, required = _fast_parts()
    if not trusted and whole is not None:
        return whole(event)
    if type(event) is not dict or not known.issuperset(event) or not all(r in event for r in required):
        return False
    for name, value in event.items():
        if name in trusted:
            continue
        check = compiled.get(name)
        if check is None or not check(value):
            return False
    return True


# typed integers stay within orjson's int range (beyond it orjson reads a float) and msgspec's bounds (int64)
_INT_RANGE = (-(1 << 63), (1 << 63) - 1)


def _decoded_type(node: dict[str, Any], name: str, unique: list[str] | None) -> Any:
    """The msgspec type that decodes the values passing ``node`` or fewer, never more; None
    when ``node`` uses anything outside the subset below.

    An object with ``properties`` becomes a struct that refuses unknown fields even where the
    schema allows them (such an event goes the long way), so no value is skipped unread.
    msgspec cannot check ``uniqueItems``: where ``unique`` is a list (the event's own fields)
    the field's name is added to it for the caller to check, elsewhere the node is refused.
    """
    import keyword
    from typing import Annotated, Literal, Union

    import msgspec

    keys = set(node) - _ANNOTATIONS
    if "enum" in keys or "const" in keys:
        allowed = node["enum"] if "enum" in node else [node["const"]]
        if keys - {"enum", "const"} or not allowed or not all(type(a) in (str, int) for a in allowed):
            return None
        return Literal[tuple(allowed)]
    kind = node.get("type")
    if not keys:
        return Any
    if isinstance(kind, list):
        members = [_decoded_type({"type": t}, name, None) for t in kind]  # one type each: no struct among them
        return None if keys != {"type"} or not kind or None in members else Union[tuple(members)]  # noqa: UP007 - built at run time
    if kind == "string" and keys <= {"type", "minLength", "maxLength", "pattern"}:
        meta = {arg: node[key] for key, arg in (("minLength", "min_length"), ("maxLength", "max_length"),
                                                 ("pattern", "pattern")) if key in node}
        return Annotated[str, msgspec.Meta(**meta)] if meta else str
    if kind == "integer" and keys <= {"type", "minimum"}:
        low = node.get("minimum", _INT_RANGE[0])
        return None if type(low) is not int else Annotated[int, msgspec.Meta(ge=max(low, _INT_RANGE[0]),
                                                                              le=_INT_RANGE[1])]
    if kind == "boolean" and keys == {"type"}:
        return bool
    if kind == "null" and keys == {"type"}:
        return type(None)
    if kind == "array" and keys <= {"type", "items", "uniqueItems"}:
        item = _decoded_type(node["items"], name + "Item", None) if "items" in node else Any
        if item is None or node.get("uniqueItems") and (unique is None or item is Any):
            return None
        if node.get("uniqueItems") and unique is not None:
            unique.append(name)
        return list[item]  # type: ignore[valid-type]
    if kind != "object" or not keys <= {"type", "properties", "required", "additionalProperties"}:
        return None
    props: dict[str, Any] = node.get("properties", {})
    required = node.get("required", [])
    extra = node.get("additionalProperties", True)
    if not props:
        value = Any if extra is True else None if extra is False else _decoded_type(extra, name + "Value", None)
        return None if value is None or required else dict[str, value]  # type: ignore[valid-type]
    if extra not in (True, False) or not set(required) <= set(props):
        return None
    top = unique is not None and not name  # the event itself: its fields may leave uniqueItems to the caller
    fields: list[Any] = []
    for key, sub in props.items():
        if not key.isidentifier() or keyword.iskeyword(key):
            return None
        field = _decoded_type(sub, key if top else name + "_" + key, unique if top else None)
        if field is None:
            return None
        fields.append((key, field) if key in required else (key, field | msgspec.UnsetType, msgspec.UNSET))
    fields.sort(key=lambda f: len(f) == 3)  # the required fields first, as a struct wants them
    return msgspec.defstruct(name or "Event", fields, forbid_unknown_fields=True)


@functools.lru_cache(maxsize=1)
def _lines_decoder() -> tuple[Any, tuple[str, ...], tuple[tuple[str, Callable[[str], Any]], ...]] | None:
    """A msgspec decoder of a whole log into events checked against the schema in C (the
    schema without its ``x-`` fields, which send an event the long way), the fields whose
    items must be unique, and the event's own patterned string fields with their patterns'
    ``search``; None when the schema uses what it cannot express.

    msgspec runs a field's pattern on every value it decodes, through Python: two thirds of
    a log's decoding time. Those of the event's own fields (its id, time and type) are
    lifted out and run once per distinct value of the log instead, with the same
    ``re.search``; a pattern deeper in an event stays with msgspec."""
    sch = schema()
    unique: list[str] = []
    properties = dict(sch["properties"])
    lifted: list[tuple[str, Callable[[str], Any]]] = []
    for key, sub in sch["properties"].items():  # the event's own patterned strings: checked after decoding
        if isinstance(sub, dict) and sub.get("type") == "string" and isinstance(sub.get("pattern"), str):
            try:
                lifted.append((key, re.compile(sub["pattern"]).search))  # as msgspec would: re.search
            except re.error:
                return None
            properties[key] = {k: v for k, v in sub.items() if k != "pattern"}
    node = {"type": "object", "required": sch["required"], "properties": properties,
            "additionalProperties": False}
    try:
        import msgspec

        event = _decoded_type(node, "", unique)
        decoder = msgspec.json.Decoder(event) if event is not None else None
    except (ImportError, TypeError, ValueError):  # pragma: no cover - no msgspec, a union or bound it cannot take
        return None
    if decoder is None or not hasattr(decoder, "decode_lines"):
        return None
    return decoder, tuple(unique), tuple(lifted)


def clean_log(data: bytes) -> list[tuple[Any, Any, Any]] | None:
    """(seq, event_id, session_id) of each line of a whole log when every line is an event
    the schema accepts, written the way journal writes it (``{…}`` and a newline, nothing
    around it, no blank line); None when a line needs reading one at a time.

    msgspec's ``decode_lines`` reads JSON values separated by any whitespace, so the shape
    is what makes it line by line: with every line ending in ``}`` and the next starting with
    ``{``, no value can run on into the next line (after a ``}`` inside a value only ``,``,
    ``}`` or ``]`` may come), and as many values as lines leaves one value to a line. What
    msgspec would take and orjson does not is kept off this path: no field is skipped unread
    (msgspec checks neither UTF-8 nor numbers in what it skips) and typed integers stay
    within orjson's range.
    """
    if not data:
        return []
    lines = data.count(b"\n")
    if data[:1] != b"{" or data[-2:] != b"}\n" or data.count(b"}\n{") != lines - 1:
        return None
    parts = _lines_decoder()
    if parts is None:
        return None
    decoder, unique, lifted = parts
    import msgspec

    try:
        events = decoder.decode_lines(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    if len(events) != lines:
        return None
    for name, search in lifted:  # each distinct value once: a log repeats its types, often its times
        values = {getattr(e, name) for e in events}
        values.discard(msgspec.UNSET)
        if not all(map(search, values)):
            return None
    for name in unique:
        for e in events:
            items = getattr(e, name)
            if items is not msgspec.UNSET and len(set(items)) != len(items):
                return None
    return [(e.seq, e.event_id, e.session_id) for e in events]


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
