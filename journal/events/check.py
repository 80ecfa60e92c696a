"""Linting event logs: torn tails, garbage lines, schema errors, seq order, duplicate ids."""
from __future__ import annotations

import gzip
import os
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson

from journal.errors import InvalidInput
from journal.events.files import MAX_LINE, log_files, log_paths, odd_log_files, session_of
from journal.events.schema import clean_log, validate
from journal.fsutil import locked, read_upto
from journal.problems import Problem
from journal.workspace import Workspace


def _whole(path: Path) -> bytes | None:
    """A plain log's bytes when it is small enough that no line can be over MAX_LINE (an
    open, a stat and, most often, one read: no buffered file, which adds three calls)."""
    if path.name.endswith(".gz"):
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(fd).st_size
        data = read_upto(fd, MAX_LINE, size=size) if 0 < size <= MAX_LINE else None
    finally:
        os.close(fd)
    return data if data is not None and len(data) <= MAX_LINE else None


def _split(data: bytes) -> Iterator[tuple[int, int, bytes | None, bool]]:
    offset = 0
    parts = data.split(b"\n")
    last = parts.pop()
    for n, line in enumerate(parts, 1):
        yield n, offset, line, True
        offset += len(line) + 1
    if last:
        yield len(parts) + 1, offset, last, False


def _lines(path: Path, data: bytes | None = None) -> Iterator[tuple[int, int, bytes | None, bool]]:
    """(line number, byte offset, line or None when over MAX_LINE, ends with newline);
    ``data``: the file's bytes, when they were read whole already (``_whole``)."""
    if data is None:
        data = _whole(path)
    if data is not None:  # the whole file, so no line can be over MAX_LINE: split it whole
        yield from _split(data)
        return
    gz = path.name.endswith(".gz")
    offset = 0
    with (gzip.open if gz else open)(path, "rb") as f:
        n = 0
        while True:
            line = f.readline(MAX_LINE + 1)
            if not line:
                return
            n += 1
            start = offset
            offset += len(line)
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest without holding it
                    line = f.readline(1 << 20)
                    offset += len(line)
                yield n, start, None, line.endswith(b"\n")
                continue
            nl = line.endswith(b"\n")
            yield n, start, line[:-1] if nl else line, nl


def _torn_dir(ws: Workspace) -> Path:
    return ws.state_dir / "torn"


def _save_torn(ws: Workspace, path: Path, data: bytes) -> Path:
    from journal.fsutil import open_for_write

    folder = _torn_dir(ws)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = folder / f"{path.name}.{stamp}.{os.getpid()}.torn"
    with os.fdopen(open_for_write(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return target


def check_file(ws: Workspace, path: Path, state: dict[str, Any]) -> list[Problem]:
    """Problems of one log file; ``state`` carries seq and ids between a session's files."""
    rel = ws.rel(path)
    sid = session_of(path)
    problems: list[Problem] = []
    loads, bad_json = orjson.loads, orjson.JSONDecodeError
    seq_at = state.get("seq", 0)
    ids: set[str] = state.setdefault("ids", set())
    try:
        data = _whole(path)
        clean = clean_log(data) if data is not None else None
        if clean is not None:  # every line a valid event: only seq, session and ids are left to see
            fresh = {eid for _, eid, _ in clean}
            seqs = [seq for seq, _, _ in clean]
            if (len(fresh) == len(clean) and fresh.isdisjoint(ids) and all(s == sid for _, _, s in clean)
                    and (not seqs or seqs[0] > seq_at and all(a < b for a, b in pairwise(seqs)))):
                ids |= fresh
                if seqs:
                    state["seq"] = seqs[-1]
                return problems
        for n, offset, line, has_nl in _lines(path, data):
            if line is None:
                problems.append(Problem(rel, n, "too-long", f"line over {MAX_LINE // (1024 * 1024)} MB skipped by queries"))
                continue
            if not line or line.isspace():
                continue
            try:
                event = loads(line)
            except bad_json:
                event = None
            if type(event) is not dict:
                if not has_nl:
                    problems.append(Problem(rel, n, "torn", "torn last line (a write was cut short); "
                                            "'journal events check --fix' moves it aside"))
                    state["torn"] = (offset, line)
                else:
                    problems.append(Problem(rel, n, "garbage", "not a JSON object; skipped by queries"))
                    state.setdefault("garbage", []).append((offset, line))
                continue
            if not has_nl:
                problems.append(Problem(rel, n, "missing-newline", "last line has no final newline"))
                state["no_newline"] = True
            try:
                validate(event)
            except InvalidInput as e:
                problems.append(Problem(rel, n, "invalid", str(e)))
            if event.get("session_id") != sid:
                problems.append(Problem(rel, n, "session", f"session_id {event.get('session_id')!r} does not match the file name"))
            seq = event.get("seq")
            if isinstance(seq, int):
                if seq <= seq_at:
                    problems.append(Problem(rel, n, "seq", f"seq {seq} does not follow {seq_at}"))
                if seq > seq_at:
                    seq_at = state["seq"] = seq
            eid = event.get("event_id")
            if type(eid) is str:
                if eid in ids:
                    problems.append(Problem(rel, n, "duplicate-id", f"event_id {eid} appears twice"))
                ids.add(eid)
    except (OSError, EOFError) as e:
        problems.append(Problem(rel, None, "unreadable", f"cannot read: {e}"))
    return problems


def _repair(ws: Workspace, path: Path, problems: list[Problem]) -> None:
    """Under the log's lock: move a torn tail and garbage lines aside, end the file with a newline."""
    _, lock = log_paths(ws, session_of(path))
    with locked(lock):
        data = path.read_bytes()  # re-read inside the lock: another writer may have appended
        keep: list[bytes] = []
        removed: list[bytes] = []
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        for line in lines:
            ok = not line.strip()
            if not ok and len(line) <= MAX_LINE:
                try:
                    ok = isinstance(orjson.loads(line), dict)
                except orjson.JSONDecodeError:
                    ok = False
            (keep if ok else removed).append(line)
        tail_ok = False
        if tail:
            try:
                tail_ok = isinstance(orjson.loads(tail), dict)
            except orjson.JSONDecodeError:
                tail_ok = False
        if tail and not tail_ok:
            removed.append(tail)
        if removed:
            _save_torn(ws, path, b"\n".join(removed) + b"\n")
        from journal.fsutil import open_for_write

        if not removed and tail_ok:
            fd = open_for_write(path, os.O_WRONLY | os.O_APPEND)  # a whole event missing only its newline
            try:
                os.write(fd, b"\n")
            finally:
                os.close(fd)
        elif removed and len(removed) == 1 and not tail_ok and tail:
            fd = open_for_write(path, os.O_WRONLY)  # only a torn tail: cut it in one call
            try:
                os.ftruncate(fd, len(data) - len(tail))
            finally:
                os.close(fd)
        elif removed:
            from journal.fsutil import atomic_replace

            body = b"".join(line + b"\n" for line in keep) + (tail + b"\n" if tail_ok else b"")
            atomic_replace(path, lambda f: f.write(body))
    for p in problems:
        if p.kind in ("torn", "garbage", "missing-newline", "too-long"):
            p.fixed = True


def check_logs(ws: Workspace, fix: bool = False) -> list[Problem]:
    """Every problem in every event log; with ``fix``, repair what can be repaired without
    losing an event (bytes removed are kept under .journal/torn/)."""
    from journal.events.query import ingest_spool

    problems: list[Problem] = []
    for note in ingest_spool(ws, None):  # spooled hook records are part of the logs
        problems.append(Problem(ws.rel(ws.state_dir / "spool"), None, "spool", note))
    problems += [Problem(ws.rel(path), None, kind, what) for path, kind, what in odd_log_files(ws)]
    states: dict[str, dict[str, Any]] = {}
    for path in log_files(ws):
        state = states.setdefault(session_of(path), {})
        state.pop("torn", None)
        state.pop("garbage", None)
        state.pop("no_newline", None)
        found = check_file(ws, path, state)
        problems += found
        fixable = [p for p in found if p.kind in ("torn", "garbage", "missing-newline", "too-long")]
        if fix and fixable and not path.name.endswith(".gz"):
            _repair(ws, path, fixable)
    return problems
