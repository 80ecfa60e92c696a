"""Reading events: a bounded streaming reader with a byte-level prefilter, and the filters.

Lines are read in blocks; when a filter names an exact string (an event type, an agent,
or plain text), the raw block is searched for it first and only lines that contain it
are parsed. Garbage never stops a query: unparseable lines and lines over MAX_LINE bytes
are skipped and counted, a torn last line is skipped with a warning.
"""
from __future__ import annotations

import gzip
import heapq
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput
from journal.workspace import Workspace

MAX_LINE = 16 * 1024 * 1024
CHUNK = 1 << 20
# What reading a damaged .jsonl.gz raises: bad header, corrupt deflate data, cut short.
GZIP_ERRORS = (OSError, EOFError, zlib.error)


def is_event(value: Any) -> bool:
    """Whether a parsed line has the shape every reader relies on: a JSON object with a
    string event_type, a string timestamp and an integer seq."""
    if not isinstance(value, dict):
        return False
    seq = value.get("seq")
    return (isinstance(value.get("event_type"), str) and isinstance(value.get("timestamp"), str)
            and isinstance(seq, int) and not isinstance(seq, bool))


@dataclass
class ReadStats:
    """What a read skipped, per file, turned into warnings afterwards."""

    skipped: dict[Path, int] = field(default_factory=dict)
    torn: list[Path] = field(default_factory=list)
    broken: dict[Path, str] = field(default_factory=dict)  # unreadable compressed logs -> why
    files: int = 0
    notes: list[str] = field(default_factory=list)

    def skip(self, path: Path) -> None:
        self.skipped[path] = self.skipped.get(path, 0) + 1

    def warnings(self, ws: Workspace | None = None) -> list[str]:
        rel = ws.rel if ws else str
        out = list(self.notes)
        out += [f"{rel(p)}: skipped {n} unreadable line{'s' if n != 1 else ''} (not a JSON event or over 16 MB)"
               for p, n in self.skipped.items()]
        out += [f"{rel(p)}: skipped the unreadable rest of a compressed log ({why})"
                for p, why in self.broken.items()]
        out += [f"{rel(p)}: skipped a torn last line (repair with 'journal events check --fix')"
                for p in self.torn]
        return out


@dataclass
class QueryResult:
    """Matching events (oldest first) and warnings about what was skipped."""

    events: list[dict[str, Any]]
    warnings: list[str]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


def _open(path: Path) -> Any:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def scan_lines(
    path: Path,
    needles: list[bytes] | None = None,
    fold_case: bool = False,
    stats: ReadStats | None = None,
    max_line: int = MAX_LINE,
    chunk_size: int = CHUNK,
) -> Iterator[bytes]:
    """Yield the complete lines of ``path`` (without newline) that contain one of ``needles``.

    ``fold_case`` compares ASCII case-insensitively (needles must be lower case). Memory is
    bounded by ``max_line`` plus one block. An unterminated last line is yielded only if it
    parses as a JSON object; otherwise it is recorded as torn in ``stats``. A compressed log
    that cannot be decompressed is read up to the damage and recorded in ``stats.broken``.
    """
    stats = stats if stats is not None else ReadStats()
    stats.files += 1
    carry = b""
    skipping = False
    gz = path.name.endswith(".gz")
    with _open(path) as f:
        while True:
            try:
                block = f.read(chunk_size)
            except GZIP_ERRORS as e:
                if not gz:
                    raise
                stats.broken[path] = str(e) or type(e).__name__
                return  # the partial line before the damage is part of what is lost
            if not block:
                break
            if skipping:
                nl = block.find(b"\n")
                if nl < 0:
                    continue
                block = block[nl + 1:]
                skipping = False
            buf = carry + block if carry else block
            last_nl = buf.rfind(b"\n")
            if last_nl < 0:
                carry = buf
            else:
                carry = buf[last_nl + 1:]
                yield from _select(path, buf[: last_nl + 1], needles, fold_case, stats, max_line)
            if len(carry) > max_line:
                stats.skip(path)
                carry = b""
                skipping = True
    if skipping:
        return
    if carry.strip():
        import orjson

        try:
            ok = isinstance(orjson.loads(carry), dict)
        except orjson.JSONDecodeError:
            ok = False
        if not ok:
            stats.torn.append(path)
        elif needles is None or any(n in (carry.lower() if fold_case else carry) for n in needles):
            yield carry


def iter_raw_lines(path: Path, stats: ReadStats | None = None) -> Iterator[bytes]:
    """Every line of a log, bounded and garbage-tolerant (see scan_lines)."""
    return scan_lines(path, None, False, stats)


def _select(path: Path, body: bytes, needles: list[bytes] | None, fold: bool,
            stats: ReadStats, max_line: int) -> Iterator[bytes]:
    """Lines of ``body`` (which ends with a newline) holding a needle."""
    if needles is None:
        lines = body.split(b"\n")
        lines.pop()
        for line in lines:
            if len(line) > max_line:
                stats.skip(path)
            elif line:
                yield line
        return
    hay = body.lower() if fold else body
    if len(needles) == 1:
        needle = needles[0]
        i = hay.find(needle)
        while i >= 0:
            start = hay.rfind(b"\n", 0, i) + 1
            end = hay.find(b"\n", i)
            if end - start > max_line:
                stats.skip(path)
            else:
                yield body[start:end]
            i = hay.find(needle, end)
        return
    starts: set[int] = set()
    for needle in needles:
        i = hay.find(needle)
        while i >= 0:
            start = hay.rfind(b"\n", 0, i) + 1
            end = hay.find(b"\n", i)
            starts.add(start)
            i = hay.find(needle, end)
    for start in sorted(starts):
        end = hay.find(b"\n", start)
        if end - start > max_line:
            stats.skip(path)
        else:
            yield body[start:end]


def log_files(ws: Workspace, session_id: str | None = None) -> list[Path]:
    """The log files of one session (compressed part first) or of every session."""
    if session_id is not None:
        path = ws.events_path(session_id)
        return [p for p in (path.with_name(path.name + ".gz"), path) if p.is_file()]
    if not ws.events_dir.is_dir():
        return []
    files = [p for p in ws.events_dir.iterdir()
             if p.is_file() and (p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz"))]
    return sorted(files, key=lambda p: (session_of(p), p.name.endswith(".jsonl")))


def session_of(path: Path) -> str:
    name = path.name
    return name[: -len(".jsonl.gz")] if name.endswith(".gz") else name[: -len(".jsonl")]


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


def _canon(ts: Any) -> str | None:
    """The fixed-width form of a timestamp for string comparison (None if unreadable)."""
    if not isinstance(ts, str):
        return None
    if len(ts) == _CANON_LEN and ts[-1] == "Z" and ts[19] == ".":
        return ts
    from journal.events.store import format_time
    from journal.events.timeparse import parse_time

    try:
        return format_time(parse_time(ts))
    except InvalidInput:
        return None


def _time_bound(value: str | datetime | None) -> str | None:
    if value is None:
        return None
    from journal.events.store import format_time
    from journal.events.timeparse import parse_time

    return format_time(value if isinstance(value, datetime) else parse_time(value))


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
            ts = _canon(event.get("timestamp"))
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
        yield from deque(stream, maxlen=limit) if limit else ()


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


def missing_log_warning(ws: Workspace, session_id: str | None) -> list[str]:
    """A warning when a named session has no event log at all (a typo in -s, usually)."""
    if session_id is not None and not log_files(ws, session_id):
        return [f"session {session_id!r} has no event log ({ws.rel(ws.events_path(session_id))})"]
    return []
