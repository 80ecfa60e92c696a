"""The files of the event log: where each session's log lives, and reading their lines.

A log is ``events/<session-id>.jsonl``; once compressed by ``journal events archive`` it is
``events/<session-id>.jsonl.gz`` and a later append starts a fresh ``.jsonl`` beside it.
Lines are read in blocks, bounded by MAX_LINE; garbage never stops a read: unparseable
lines and lines over MAX_LINE bytes are skipped and counted, a torn last line is skipped
with a warning.
"""
from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    """The log files of one session (compressed part first) or of every session: regular
    files only, never read through a symbolic link (``odd_log_files`` names the others)."""
    if session_id is not None:
        path = ws.events_path(session_id)
        return [p for p in (path.with_name(path.name + ".gz"), path) if _regular(p)]
    files = [Path(e.path) for e in _log_entries(ws) if e.is_file(follow_symlinks=False)]
    return sorted(files, key=lambda p: (session_of(p), p.name.endswith(".jsonl")))


def odd_log_files(ws: Workspace) -> list[tuple[Path, str, str]]:
    """The entries of events/ named as event logs that are not regular files: (path, kind, what)."""
    out = []
    for e in _log_entries(ws):
        from journal.problems import LINK_REFUSED, NOT_REGULAR

        if e.is_symlink():
            out.append((Path(e.path), "symlink", LINK_REFUSED))
        elif not e.is_file(follow_symlinks=False):
            out.append((Path(e.path), "not-a-file", NOT_REGULAR))
    return sorted(out)


def _log_entries(ws: Workspace) -> list[Any]:
    import os

    try:
        with os.scandir(ws.events_dir) as it:
            return [e for e in it if e.name.endswith((".jsonl", ".jsonl.gz"))]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _regular(path: Path) -> bool:
    import stat

    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def session_of(path: Path) -> str:
    name = path.name
    return name[: -len(".jsonl.gz")] if name.endswith(".gz") else name[: -len(".jsonl")]


_lock_paths: dict[tuple[str, str], tuple[Path, Path]] = {}


def gz_path(path: Path) -> Path:
    return path.with_name(path.name + ".gz")


def log_paths(ws: Workspace, session_id: str) -> tuple[Path, Path]:
    """The log path and its lock path (cached: resolving the lock path costs syscalls)."""
    key = (str(ws.root), session_id)
    hit = _lock_paths.get(key)
    if hit is None:
        path = ws.events_path(session_id)
        hit = (path, ws.lock_path(path))
        if len(_lock_paths) > 4096:
            _lock_paths.clear()
        _lock_paths[key] = hit
    return hit
