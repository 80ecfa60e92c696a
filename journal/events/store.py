"""Appending events: validate, number, stamp, and write one whole line under the log's lock.

A log is ``events/<session-id>.jsonl``; once compressed by ``journal events archive`` it is
``events/<session-id>.jsonl.gz`` and a later append starts a fresh ``.jsonl`` beside it
(queries read both, seq carries on).
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput
from journal.clock import now_micro
from journal.events.files import gz_path, iter_raw_lines, log_paths, session_of
from journal.events.schema import OPTIONAL_FIELDS, SCHEMA_VERSION, validate
from journal.fsutil import locked, open_for_write, write_all
from journal.ids import new_event_id, validate_id
from journal.workspace import Workspace

MAX_EVENT_BYTES = 1_048_576  # one serialized event line
_TAIL_BLOCK = 8192
_KEY_ORDER = ("schema_version", "event_id", "seq", "timestamp", "session_id", "event_type",
              "provenance", *OPTIONAL_FIELDS)


def _seq_in(line: bytes) -> int | None:
    import orjson

    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    seq = value.get("seq") if isinstance(value, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def tail_state(path: Path) -> tuple[int, bool]:
    """(last seq in the log, whether the file ends mid-line), reading backwards from the end."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return _gz_last_seq(gz_path(path)), False
    try:
        return _tail_state_fd(fd, path)
    finally:
        os.close(fd)


def _tail_state_fd(fd: int, path: Path) -> tuple[int, bool]:
    """tail_state on an open descriptor.

    Only the last blocks are read (the last line is almost always in the final 8 KB); a
    tail that is all garbage for megabytes falls back to a full scan. A compressed sibling
    (``.jsonl.gz``) is consulted when the plain log holds no event.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return _gz_last_seq(gz_path(path)), False
    end = size
    buf = b""
    torn: bool | None = None
    while end > 0 and size - end < 4 * 1024 * 1024:
        start = max(0, end - _TAIL_BLOCK)
        buf = os.pread(fd, end - start, start) + buf
        end = start
        if torn is None:
            torn = not buf.endswith(b"\n")
        # walk complete lines from the last one backwards
        stop = len(buf)
        while True:
            nl = buf.rfind(b"\n", 0, stop - 1) if stop > 0 else -1
            if nl < 0 and end > 0:
                break  # the first line in buf may be partial: read more
            line = buf[nl + 1: stop]
            if line.strip():
                seq = _seq_in(line)
                if seq is not None:
                    return seq, bool(torn)
            if nl < 0:
                break
            stop = nl + 1
        buf = buf[: stop]
    if end == 0:
        return _gz_last_seq(gz_path(path)), bool(torn)

    last = _gz_last_seq(gz_path(path))
    for line in iter_raw_lines(path):
        seq = _seq_in(line)
        if seq is not None and seq > last:
            last = seq
    return last, bool(torn)


def _gz_last_seq(gz: Path) -> int:
    if not gz.exists():
        return 0

    last = 0
    for line in iter_raw_lines(gz):
        seq = _seq_in(line)
        if seq is not None and seq > last:
            last = seq
    return last


_EPOCH = "1970-01-01T00:00:00.000000Z"
# Fields build_event makes itself in a valid form (the session id went through validate_id).
_TRUSTED_ALL = frozenset({"schema_version", "event_id", "seq", "timestamp", "session_id"})
_TRUSTED_SOME = frozenset({"schema_version", "seq", "session_id"})


def _default_agent() -> str:
    return os.environ.get("JOURNAL_AGENT") or "unknown"


def _normalize_time(value: str) -> str:
    from journal.clock import iso_micro, parse_when

    return iso_micro(parse_when(value, "event time"))


def build_event(
    session_id: str,
    event_type: str,
    *,
    data: dict[str, Any] | None = None,
    agent: str | None = None,
    source: str = "journal",
    event_id: str | None = None,
    timestamp: str | None = None,
    **optional: Any,
) -> dict[str, Any]:
    """A validated event with placeholder seq (and timestamp unless given); raises InvalidInput."""
    trusted = _TRUSTED_ALL if event_id is None and timestamp is None else _TRUSTED_SOME
    validate_id(session_id)
    event: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id if event_id is not None else new_event_id(),
        "seq": 1,
        "timestamp": _normalize_time(timestamp) if timestamp is not None else _EPOCH,
        "session_id": session_id,
        "event_type": event_type,
        "provenance": {"agent": agent or _default_agent(), "source": source},
    }
    if data is not None:
        event["data"] = data
    for key in OPTIONAL_FIELDS[1:]:
        if optional.get(key) is not None:
            event[key] = optional.pop(key)
        else:
            optional.pop(key, None)
    for key, value in optional.items():
        event[key] = value  # unknown keys are rejected by the schema unless 'x-'
    validate(event, trusted)
    if timestamp is None:
        event["timestamp"] = None
    return event


def _serialize(event: dict[str, Any]) -> bytes:
    import orjson

    try:
        line = orjson.dumps(event) + b"\n"
    except TypeError as e:
        raise InvalidInput(f"invalid event: a value is not JSON ({e})") from e
    if len(line) > MAX_EVENT_BYTES:
        raise InvalidInput(f"invalid event: larger than {MAX_EVENT_BYTES // 1024} KB once serialized")
    return line


def append_events(ws: Workspace, session_id: str, events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append several events (each a dict of append_event's keyword arguments plus event_type)
    in one locked write. All are validated first: one bad event rejects the batch.
    """
    path, lock = log_paths(ws, session_id)
    built = []
    for i, spec in enumerate(events):
        spec = dict(spec)
        try:
            event_type = spec.pop("event_type")
        except KeyError:
            raise InvalidInput(f"invalid event #{i + 1}: event_type is required") from None
        try:
            built.append(build_event(session_id, event_type, **spec))
        except InvalidInput as e:
            raise InvalidInput(f"event #{i + 1}: {e}") from e
    if not built:
        return []
    _write(path, lock, built, _spool_of(ws, session_id))
    return built


def append_event(
    ws: Workspace,
    session_id: str,
    event_type: str,
    *,
    data: dict[str, Any] | None = None,
    agent: str | None = None,
    source: str = "journal",
    event_id: str | None = None,
    **optional: Any,
) -> dict[str, Any]:
    """Validate and append one event to the session's log; return it as written.

    ``optional`` takes causal_steps, active_constraints, failure_ledger, open_commitments,
    key_entities, dependencies, tags, timestamp and ``x-`` extension fields.

    The session need not exist: callers such as backfills write logs for sessions on
    purpose. ``journal events add`` checks the workspace and the session before calling.
    """
    path, lock = log_paths(ws, session_id)
    event = build_event(session_id, event_type, data=data, agent=agent, source=source,
                        event_id=event_id, **optional)
    _write(path, lock, [event], _spool_of(ws, session_id))
    return event


def append_built(ws: Workspace, session_id: str, events: list[dict[str, Any]]) -> None:
    """Append events already built and validated (``build_event``, timestamps set), made
    durable (fsync) before returning: a later step of the same change relies on them."""
    path, lock = log_paths(ws, session_id)
    _write(path, lock, [dict(e) for e in events], _spool_of(ws, session_id), durable=True)


def _write(path: Path, lock: Path, events: list[dict[str, Any]], spool: str | None = None,
           durable: bool = False) -> None:
    with locked(lock):
        _append_locked(path, events, spool, durable)


def _spool_of(ws: Workspace, session_id: str) -> str:
    from journal.events.spool import spool_path

    return spool_path(str(ws.root), session_id)


def ingest(ws: Workspace, session_id: str) -> None:
    """Turn the session's spooled hook records into events (see ``journal.events.spool``).

    Cheap when the spool is empty (one ``stat``); otherwise the same locked append as
    every other event, so seq numbering and validation are the log's own.
    """
    from journal.events.spool import has_records

    validate_id(session_id)
    spool = _spool_of(ws, session_id)
    if not has_records(spool):
        return
    path, lock = log_paths(ws, session_id)
    _write(path, lock, [], spool)


def ingest_all(ws: Workspace) -> None:
    """``ingest`` every session with spooled records."""
    from journal.events.spool import spooled_sessions

    for sid in spooled_sessions(str(ws.root)):
        try:
            ingest(ws, sid)
        except InvalidInput:
            continue  # a stray file under .journal/spool/ named like no session


def _append_locked(path: Path, events: list[dict[str, Any]], spool: str | None = None,
                   durable: bool = False) -> None:
    """Number, stamp and append ``events``; the caller holds the log's lock.

    Records waiting in ``spool`` go first, in their own write, and the spool is emptied
    right after: they keep their place before ``events`` in the log. ``durable``: fsync
    before returning.
    """
    fd = open_for_write(path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
    try:
        last, torn = _tail_state_fd(fd, path)
        if spool is not None:
            last, torn = _drain(fd, path, spool, last, torn)
        if not events:
            return
        now = now_micro()
        chunks = [b"\n"] if torn else []  # never glue a new event onto a torn line
        for i, event in enumerate(events, 1):
            event["seq"] = last + i
            if event["timestamp"] is None:
                event["timestamp"] = now
            chunks.append(_serialize(event))
        record = b"".join(chunks)
        write_all(fd, record, path)  # one write of whole lines on an O_APPEND descriptor
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def _drain(fd: int, path: Path, spool: str, last: int, torn: bool) -> tuple[int, bool]:
    """Append the spool's records to the log open on ``fd``; return the new (last seq, torn)."""
    from journal.events.spool import take

    pending = take(spool)
    if pending is None:
        return last, torn
    try:
        built = _spooled_events(session_of(path), pending.lines(), fd)
        if built and _last_event_id(fd) in {e["event_id"] for e in built}:
            built = []  # a drain cut short between its write and emptying the spool
        if built:
            now = now_micro()
            chunks = [b"\n"] if torn else []
            for i, event in enumerate(built, 1):
                event["seq"] = last + i
                if event["timestamp"] is None:
                    event["timestamp"] = now
                chunks.append(_serialize(event))
            write_all(fd, b"".join(chunks), path)
            last, torn = last + len(built), False
        pending.clear()
    finally:
        pending.close()
    return last, torn


def _spooled_events(session_id: str, lines: list[bytes], fd: int) -> list[dict[str, Any]]:
    """Validated events of spooled records; a record that cannot become its own events
    becomes an ``x-hook-unparsed`` event holding what it said, so nothing is lost."""
    from journal.events.hooked import UNPARSED, Pairing, bounded, specs

    out: list[dict[str, Any]] = []
    pairing = Pairing(lambda tool_use_id: _recent_call(fd, tool_use_id))
    for line in lines:
        try:
            items = specs(line, pairing, new_event_id)
        except Exception as e:  # a payload shape no parser expected: keep its text
            items = [{"event_type": UNPARSED, "agent": "unknown", "source": "hook:unknown",
                      "data": {"error": f"{type(e).__name__}: {e}"[:500],
                               "raw": line.decode("utf-8", "replace")[:16384]}, "tags": ["hook"]}]
        for spec in items:
            spec = {k: v for k, v in spec.items() if v is not None}
            event_type = spec.pop("event_type")
            try:
                event = build_event(session_id, event_type, **spec)
                _serialize(event)
            except InvalidInput as e:
                keep = {k: spec.get(k) for k in ("event_id", "timestamp")}
                try:
                    event = build_event(session_id, UNPARSED, agent=spec.get("agent"), source="hook:invalid",
                                        data={"error": str(e)[:500], "event": bounded(spec)}, tags=["hook"],
                                        **{k: v for k, v in keep.items() if v is not None})
                    _serialize(event)
                except InvalidInput:
                    continue
            out.append(event)
    return out


_RECENT_BYTES = 1 << 20


def _recent_lines(fd: int) -> list[bytes]:
    size = os.fstat(fd).st_size
    start = max(0, size - _RECENT_BYTES)
    data = os.pread(fd, size - start, start)
    lines = data.split(b"\n")
    if start:
        lines = lines[1:]  # the first may be cut
    return lines


def _last_event_id(fd: int) -> str | None:
    import orjson

    for line in reversed(_recent_lines(fd)):
        if line.strip():
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                return None
            return event.get("event_id") if isinstance(event, dict) else None
    return None


def _recent_call(fd: int, tool_use_id: str) -> str | None:
    """The event id of the log's most recent tool_call with this tool-use id (last 1 MB)."""
    import orjson

    needle = orjson.dumps(tool_use_id)
    for line in reversed(_recent_lines(fd)):
        if needle in line and b'"tool_call"' in line:
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            data = event.get("data") if isinstance(event, dict) else None
            if event.get("event_type") == "tool_call" and isinstance(data, dict) \
                    and data.get("tool_use_id") == tool_use_id:
                return str(event.get("event_id"))
    return None


def sort_key(event: dict[str, Any]) -> tuple[str, str, int]:
    return (str(event.get("timestamp", "")), str(event.get("session_id", "")), int(event.get("seq", 0) or 0))
