"""Compressing the logs of archived sessions, restoring them, and storage figures."""
from __future__ import annotations

import gzip
import re
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput, NotFound
from journal.events.files import GZIP_ERRORS, gz_path, log_files, log_paths, session_of
from journal.fsutil import atomic_replace, locked, remove
from journal.workspace import Workspace

_ARCHIVED = re.compile(r"^(?P<id>.+)-(?P<date>\d{4}-\d{2}-\d{2})\.md$")


def archived_sessions(ws: Workspace) -> dict[str, date]:
    """Session id -> date it was archived, from sessions/ARCHIVE/<id>-YYYY-MM-DD.md (latest wins)."""
    out: dict[str, date] = {}
    if not ws.archive_dir.is_dir():
        return out
    for p in ws.archive_dir.iterdir():
        m = _ARCHIVED.match(p.name)
        if not m:
            continue
        try:
            day = date.fromisoformat(m.group("date"))
        except ValueError:
            continue
        sid = m.group("id")
        if sid not in out or day > out[sid]:
            out[sid] = day
    return out


def compress_log(ws: Workspace, session_id: str) -> int:
    """Move ``<id>.jsonl`` into ``<id>.jsonl.gz`` (appending to an existing one); return bytes compressed."""
    from journal.events.store import ingest

    ingest(ws, session_id)  # spooled hook records go in before the log is compressed
    path, lock = log_paths(ws, session_id)
    gz = gz_path(path)
    with locked(lock):
        if not path.is_file():
            return 0
        size = path.stat().st_size

        def write(f: Any) -> None:
            if gz.is_file():
                with open(gz, "rb") as old:  # gzip members concatenate: keep the old one as is
                    shutil.copyfileobj(old, f)
            with open(path, "rb") as src, gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as z:
                shutil.copyfileobj(src, z, 1 << 20)

        atomic_replace(gz, write)
        remove(path)
    return size


def archive_logs(ws: Workspace, older_than_days: int, today: date | None = None) -> list[dict[str, Any]]:
    """Compress the logs of sessions archived at least ``older_than_days`` days ago."""
    if older_than_days < 0:
        raise InvalidInput("--older-than must be 0 or more days")
    today = today or datetime.now(timezone.utc).date()
    done = []
    for sid, day in sorted(archived_sessions(ws).items()):
        if (today - day).days < older_than_days:
            continue
        try:
            path = ws.events_path(sid)
        except InvalidInput:
            continue
        if path.is_file():
            size = compress_log(ws, sid)
            done.append({"session_id": sid, "archived": day.isoformat(), "bytes": size,
                         "compressed_bytes": gz_path(path).stat().st_size, "path": ws.rel(gz_path(path))})
    return done


def restore_log(ws: Workspace, session_id: str) -> dict[str, Any]:
    """Decompress ``<id>.jsonl.gz`` back to ``<id>.jsonl`` (events appended since come after)."""
    path, lock = log_paths(ws, session_id)
    gz = gz_path(path)
    with locked(lock):
        if not gz.is_file():
            raise NotFound(f"no compressed event log for session {session_id!r} ({ws.rel(gz)})")

        def write(f: Any) -> None:
            try:
                with gzip.open(gz, "rb") as z:
                    shutil.copyfileobj(z, f, 1 << 20)
            except GZIP_ERRORS as e:
                from journal.errors import MalformedFile

                raise MalformedFile(f"{ws.rel(gz)} is not a readable gzip file ({e})") from e
            if path.is_file():
                with open(path, "rb") as newer:
                    shutil.copyfileobj(newer, f, 1 << 20)

        atomic_replace(path, write)
        remove(gz)
    return {"session_id": session_id, "path": ws.rel(path), "bytes": path.stat().st_size}


def _count_lines(path: Path) -> int:
    opener = gzip.open if path.name.endswith(".gz") else open
    n = 0
    last = b"\n"
    with opener(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def log_stats(ws: Workspace) -> dict[str, Any]:
    """Files, bytes and events of plain (active) and compressed (archived) logs, per session too."""
    from journal.events.query import ingest_spool

    ingest_spool(ws, None)  # spooled hook records count as the events they are
    archived = archived_sessions(ws)
    groups = {"active": {"files": 0, "bytes": 0, "events": 0}, "archived": {"files": 0, "bytes": 0, "events": 0}}
    logs = []
    for p in log_files(ws):
        group = "archived" if p.name.endswith(".gz") else "active"
        size = p.stat().st_size
        try:
            events = _count_lines(p)
        except GZIP_ERRORS:
            events = None
        g = groups[group]
        g["files"] += 1
        g["bytes"] += size
        g["events"] += events or 0
        sid = session_of(p)
        logs.append({"session_id": sid, "path": ws.rel(p), "compressed": group == "archived", "bytes": size,
                     "events": events, "session_archived": day.isoformat() if (day := archived.get(sid)) else None})
    return {**groups, "logs": logs}
