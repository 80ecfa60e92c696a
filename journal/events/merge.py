"""Merging two clones' copies of one session's event log by meaning: a union by event id.

An event log is append-only, so two copies differ only by the events each appended (and
by compression: ``journal events archive`` moves the plain ``<id>.jsonl`` into
``<id>.jsonl.gz``). The merge keeps every event exactly once, wherever it was:

- the first side's events stay in its order, with their ``seq``; the other side's events
  it lacks follow, in their order;
- ``seq`` is then renumbered only where it must be: an event keeps its number when it is
  greater than the one before it, else it takes the one before it plus one.

So after a merge ``seq`` is still strictly increasing within a file, and an event that
both sides already had keeps its number; ``seq`` is a position in the file, not an
identity (the ``event_id`` is that, and never changes). ``journal sync`` puts the
remote's copy first, so what was published keeps its numbers and only the events
arriving from this clone are renumbered.
"""
from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from typing import Any

import orjson

from journal.errors import MalformedFile


@dataclass(frozen=True)
class Log:
    """One side's copy of a session's event log: the compressed part and the plain part."""

    gz: bytes | None = None
    plain: bytes | None = None


def _lines(data: bytes | None) -> list[bytes]:
    if not data:
        return []
    return [line for line in data.split(b"\n") if line.strip()]


def _event_id(line: bytes) -> str | None:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, dict) and isinstance(value.get("event_id"), str):
        return value["event_id"]
    return None


def decompress(data: bytes | None, where: str = "compressed event log") -> bytes:
    if not data:
        return b""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise MalformedFile(f"{where} is not a readable gzip file ({e})") from e


def compress(data: bytes) -> bytes:
    """Deterministic gzip (no time stamp): the same events give the same bytes in every clone."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def union(first: list[bytes], second: list[bytes], exclude: set[str] | None = None) -> list[bytes]:
    """Lines of ``first`` then those of ``second`` whose event is not in ``first`` (lines
    that are not events are kept once each)."""
    seen: set[str] = set(exclude or ())
    plain_seen: set[bytes] = set()
    out = []
    for line in (*first, *second):
        eid = _event_id(line)
        if eid is None:
            if line not in plain_seen:
                plain_seen.add(line)
                out.append(line)
            continue
        if eid in seen:
            continue
        seen.add(eid)
        out.append(line)
    return out


def renumber(lines: list[bytes], floor: int = 0) -> list[bytes]:
    """Keep each event's seq when it exceeds the one before it, else give it that one plus one."""
    prev = floor
    out = []
    for line in lines:
        try:
            value: Any = orjson.loads(line)
        except orjson.JSONDecodeError:
            out.append(line)
            continue
        seq = value.get("seq") if isinstance(value, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool):
            out.append(line)
            continue
        if seq > prev:
            prev = seq
            out.append(line)
        else:
            prev += 1
            value["seq"] = prev
            out.append(orjson.dumps(value))
    return out


def last_seq(lines: list[bytes]) -> int:
    best = 0
    for line in lines:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        seq = value.get("seq") if isinstance(value, dict) else None
        if isinstance(seq, int) and not isinstance(seq, bool) and seq > best:
            best = seq
    return best


def _join(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def merge_plain(base: bytes | None, ours: bytes | None, theirs: bytes | None) -> bytes:
    """Two copies of a plain ``.jsonl`` log, unioned by event id and renumbered."""
    if ours == theirs:
        return ours or b""
    if base == ours:
        return theirs or b""
    if base == theirs:
        return ours or b""
    return _join(renumber(union(_lines(ours), _lines(theirs))))


def merge_gz(base: bytes | None, ours: bytes | None, theirs: bytes | None) -> bytes:
    """Two copies of a compressed log, unioned by event id (recompressed deterministically)."""
    if ours == theirs or base == theirs:
        return ours or b""
    if base == ours:
        return theirs or b""
    merged = union(_lines(decompress(ours)), _lines(decompress(theirs)))
    return compress(_join(renumber(merged)))


def _pick(base: bytes | None, ours: bytes | None, theirs: bytes | None) -> tuple[bool, bytes | None]:
    """The trivial three-way choice: (decided, value)."""
    if ours == theirs:
        return True, ours
    if base == ours:
        return True, theirs
    if base == theirs:
        return True, ours
    return False, None


def merge_logs(base: Log, ours: Log, theirs: Log) -> Log:
    """Three copies of a session's whole log (compressed and plain parts) merged into one.

    The compressed part follows the side that changed it (both: the union of both); every
    event either side has that is not in it goes to the plain part, after it in seq. A log
    compressed in one clone while the other appended to it ends up as the compressed log
    plus a plain log holding the appended events, the layout ``events archive`` leaves
    after a later append.
    """
    decided, gz = _pick(base.gz, ours.gz, theirs.gz)
    if not decided:
        if ours.gz is None or theirs.gz is None:
            gz = ours.gz if ours.gz is not None else theirs.gz
        else:
            gz = merge_gz(base.gz, ours.gz, theirs.gz)
    if gz == ours.gz and ours.gz == theirs.gz:
        plain_decided, plain = _pick(base.plain, ours.plain, theirs.plain)
        if plain_decided:
            return Log(gz, plain)
    gz_lines = _lines(decompress(gz))
    in_gz = {eid for eid in map(_event_id, gz_lines) if eid is not None}
    everything = union(_lines(decompress(ours.gz)) + _lines(ours.plain),
                       _lines(decompress(theirs.gz)) + _lines(theirs.plain), exclude=in_gz)
    if not everything:
        return Log(gz, None if gz is not None else b"")
    plain = _join(renumber(everything, floor=last_seq(gz_lines)))
    return Log(gz, plain)
