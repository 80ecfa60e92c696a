"""Reading events: a bounded streaming reader with a byte-level prefilter, and the filters.

Lines are read in blocks; when a filter names an exact string (an event type, an agent,
or plain text), the raw block is searched for it first and only lines that contain it
are parsed. Garbage never stops a query: unparseable lines and lines over MAX_LINE bytes
are skipped and counted, a torn last line is skipped with a warning.
"""
from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput
from journal.events.files import ReadStats, is_event, log_files, scan_lines, session_of
from journal.workspace import Workspace

@dataclass
class QueryResult:
    """Matching events (oldest first) and warnings about what was skipped."""

    events: list[dict[str, Any]]
    warnings: list[str]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


_CANON_LEN = len("2026-01-01T00:00:00.000000Z")


def canonical_time(ts: Any) -> str | None:
    """The fixed-width form of a timestamp for string comparison (None if unreadable)."""
    if not isinstance(ts, str):
        return None
    if len(ts) == _CANON_LEN and ts[-1] == "Z" and ts[19] == ".":
        return ts
    from journal.clock import iso_micro, parse_time

    try:
        return iso_micro(parse_time(ts))
    except InvalidInput:
        return None


def _time_bound(value: str | datetime | None) -> str | None:
    if value is None:
        return None
    from journal.clock import iso_micro, parse_when

    return iso_micro(value if isinstance(value, datetime) else parse_when(value))


@dataclass(frozen=True)
class Filter:
    """What an event must match; every given criterion must hold."""

    types: tuple[str, ...] = ()
    agent: str | None = None
    since: str | None = None  # fixed-width UTC strings
    until: str | None = None
    contains: str | None = None
    raw_any: tuple[bytes, ...] = ()  # set by callers that know a raw string every match holds

    def needles(self) -> tuple[list[bytes] | None, bool]:
        """Byte strings one of which every matching raw line must contain, and case folding."""
        import orjson

        if self.raw_any:
            return list(self.raw_any), False
        if self.types:
            return [orjson.dumps(t) for t in self.types], False
        if self.agent:
            return [orjson.dumps(self.agent)], False
        text = self.contains
        if text and text.isascii() and not any(c in text for c in '"\\') and all(c >= " " for c in text):
            return [text.lower().encode()], True
        return None, False

    def match(self, event: dict[str, Any]) -> bool:
        if self.types and event.get("event_type") not in self.types:
            return False
        if self.agent is not None:
            prov = event.get("provenance")
            if not isinstance(prov, dict) or prov.get("agent") != self.agent:
                return False
        if self.since or self.until:
            ts = canonical_time(event.get("timestamp"))
            if ts is None or (self.since and ts < self.since) or (self.until and ts > self.until):
                return False
        if self.contains:
            needle = self.contains.casefold()
            if not any(needle in s.casefold() for s in _strings(event)):
                return False
        return True


def make_filter(types: Iterable[str] = (), agent: str | None = None, since: str | datetime | None = None,
                until: str | datetime | None = None, contains: str | None = None) -> Filter:
    return Filter(tuple(types), agent or None, _time_bound(since), _time_bound(until), contains or None)


def iter_file_events(path: Path, flt: Filter, stats: ReadStats) -> Iterator[dict[str, Any]]:
    """Matching events of one log file, in file order."""
    import orjson

    needles, fold = flt.needles()
    loads = orjson.loads
    for line in scan_lines(path, needles, fold, stats):
        try:
            event = loads(line)
        except orjson.JSONDecodeError:
            stats.skip(path)
            continue
        if not is_event(event):
            stats.skip(path)
            continue
        if flt.match(event):
            yield event


def _order(event: dict[str, Any]) -> tuple[str, str, int]:
    seq = event.get("seq")
    return (str(event.get("timestamp", "")), str(event.get("session_id", "")),
            seq if isinstance(seq, int) else 0)


def iter_events(ws: Workspace, session_id: str | None, flt: Filter, stats: ReadStats,
                limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Matching events oldest first: one session in log order, or all merged by time."""
    if limit is not None and limit < 0:
        raise InvalidInput("--limit must be 0 or more")
    stats.notes += ingest_spool(ws, session_id)
    files = log_files(ws, session_id)
    if session_id is not None and not files:
        stats.notes += missing_log_warning(ws, session_id)
    if session_id is not None:
        stream: Iterator[dict[str, Any]] = (e for p in files for e in iter_file_events(p, flt, stats))
    else:
        by_session: dict[str, list[Path]] = {}
        for p in files:
            by_session.setdefault(session_of(p), []).append(p)
        streams = [(e for p in paths for e in iter_file_events(p, flt, stats)) for paths in by_session.values()]
        stream = heapq.merge(*streams, key=_order) if len(streams) > 1 else (streams[0] if streams else iter(()))
    if limit is None:
        yield from stream
    else:
        # (a limit beyond any count keeps them all: deque takes no larger one)
        yield from deque(stream, maxlen=limit if limit < 1 << 62 else None) if limit else ()


def query_events(
    ws: Workspace,
    session_id: str | None = None,
    *,
    types: Iterable[str] | str = (),
    agent: str | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    contains: str | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Events of one session (or of all sessions when ``session_id`` is None), oldest first.

    ``since``/``until`` take datetimes, ISO 8601 strings or relative forms (2h, 3d, today).
    ``limit`` keeps the most recent N. Compressed logs are read like plain ones.
    """
    if isinstance(types, str):
        types = (types,)
    flt = make_filter(types, agent, since, until, contains)
    stats = ReadStats()
    events = list(iter_events(ws, session_id, flt, stats, limit))
    return QueryResult(events, stats.warnings(ws))


def logged_events(ws: Workspace, session_id: str, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """A session's events as its log files hold them, in log order, unfiltered; spooled hook
    records are not brought in first (as a query does): for a reader that writes nothing,
    such as ``journal check``. ``names``: the log files' names in ``events/`` (the compressed
    part first), when the caller has just listed them as regular files."""
    flt, stats = make_filter(), ReadStats()
    paths = log_files(ws, session_id) if names is None else [ws.events_dir / n for n in names]
    return [e for p in paths for e in iter_file_events(p, flt, stats)]


def ingest_spool(ws: Workspace, session_id: str | None) -> list[str]:
    """Bring spooled hook records into the logs about to be read; a warning if that failed
    (a read-only checkout, a lock held too long): the query then reads what is written."""
    from journal.errors import JournalError
    from journal.events.store import ingest, ingest_all

    try:
        if session_id is None:
            ingest_all(ws)
        else:
            ingest(ws, session_id)
    except (OSError, JournalError) as e:
        return [f"spooled hook events not read in: {e}"]
    return []


def missing_log_warning(ws: Workspace, session_id: str | None) -> list[str]:
    """A warning when a named session has no event log at all (a typo in -s, usually)."""
    if session_id is not None and not log_files(ws, session_id):
        return [f"session {session_id!r} has no event log ({ws.rel(ws.events_path(session_id))})"]
    return []
