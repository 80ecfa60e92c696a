"""Resumable reader state on disk: one small JSON record plus append-only id files.

A Claude Code state holds the ids of everything its log has shown (tens of MB on
a multi-GB log). Parsing and rewriting them as JSON on each refresh made a
refresh cost follow the log's history, so each kind of id lives in a file of its
own, newline-joined, and a refresh only appends what it saw. The JSON record
(written atomically, after the appends are on disk) says which file holds each
kind and how many of its bytes belong to the state; the ids are read from disk
only when a check needs them (see ``ClaudeTally.meets_saved``).

Crash safety: bytes past a recorded length are not part of the state; the next
save writes from the recorded length again (and cuts what is past it), so a
crash between the appends and the record leaves the old state, whose offset
means only that the appended part of the log is read again. A save that cannot
append (a full read; a file longer than its state knows, after such a crash or
another save) writes new files under fresh names and removes the old ones once
the record points away from them. Ids a joined file cannot hold (not strings, or
holding a newline) stay in the record.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

RECORD = "state.json"
KINDS = ("users", "error_keys", "calls", "rows")


class StoredIds:
    """A run of ids kept in a file: its first ``length`` bytes, newline-joined UTF-8.

    The file is opened when the state is loaded and read on first use, so a save
    running meanwhile (which only writes past ``length`` or to new files) cannot
    change what this run holds.
    """

    __slots__ = ("name", "length", "_file", "_text")

    def __init__(self, name: str, length: int, file: BinaryIO | None = None, text: str | None = None) -> None:
        self.name, self.length, self._file, self._text = name, length, file, text

    def text(self) -> str:
        """The ids, newline-joined (as a joined run of ``claude_tally._run``)."""
        if self._text is None:
            assert self._file is not None
            self._file.seek(0)
            data = self._file.read(self.length)
            self._file.close()
            if len(data) != self.length:
                raise OSError(f"{self.name}: {len(data)} of {self.length} bytes")
            self._text = data.decode("utf-8")
        return self._text

    def __repr__(self) -> str:
        return f"StoredIds({self.name!r}, {self.length})"


def load(d: Path) -> dict[str, Any] | None:
    """The state saved in directory ``d``, or None when there is none (or it is unreadable)."""
    import orjson

    try:
        rec = orjson.loads((d / RECORD).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if type(rec) is not dict:
        return None
    files = rec.pop("id_files", None) or {}
    tally = rec.get("tally")
    if files and type(tally) is not dict:
        return None
    for k, (name, n) in files.items():
        try:
            f = open(d / name, "rb")  # noqa: SIM115 - kept open until the run is read (see StoredIds)
        except OSError:
            return None
        if os.fstat(f.fileno()).st_size < n:
            f.close()
            return None
        tally[k] = [StoredIds(name, n, f)]
    return rec


def _fileable(runs: Any) -> bool:
    """True when every run is a non-empty joined string (ids a newline-joined file holds exactly)."""
    return bool(runs) and all((type(r) is str and r) or isinstance(r, StoredIds) for r in runs)


def _write_ids(d: Path, kind: str, runs: list[Any]) -> tuple[str, int]:
    """Put ``runs`` in an id file: appended to the file of a leading StoredIds, else a new file."""
    head = runs[0] if isinstance(runs[0], StoredIds) else None
    try:  # appended to only if no other save has written past the length this state knows
        size = (d / head.name).stat().st_size if head is not None else -1
    except OSError:
        size = -1
    if head is not None and size == head.length:
        name, base, rest = head.name, head.length, runs[1:]
    else:
        import time

        name, base, rest = f"{kind}.{os.getpid()}-{time.time_ns()}.ids", 0, runs
    data = "\n".join(r.text() if isinstance(r, StoredIds) else r for r in rest).encode("utf-8")
    if base and data:
        data = b"\n" + data
    fd = os.open(d / name, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        if data:
            os.pwrite(fd, data, base)
        os.ftruncate(fd, base + len(data))
        os.fsync(fd)
    finally:
        os.close(fd)
    return name, base + len(data)


def save(d: Path, state: dict[str, Any]) -> None:
    """Save ``state`` (from ``reading.summarize``) in directory ``d``: id appends first, then the record."""
    import fcntl

    import orjson

    from journal.fsutil import atomic_write

    d.mkdir(parents=True, exist_ok=True)
    rec = dict(state)
    files: dict[str, list[Any]] = {}
    lock = os.open(d / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # saves one at a time: each appends at its own recorded length
        tally = state.get("tally")
        if type(tally) is dict:
            tally = rec["tally"] = dict(tally)
            for k in KINDS:
                runs = tally.get(k)
                if _fileable(runs):
                    name, n = _write_ids(d, k, runs)
                    files[k] = [name, n]
                    tally[k] = None
                elif runs:
                    tally[k] = [r.text() if isinstance(r, StoredIds) else r for r in runs]
        rec["id_files"] = files
        atomic_write(d / RECORD, orjson.dumps(rec).decode())
        keep = {name for name, _ in files.values()}
        for p in d.glob("*.ids"):
            if p.name not in keep:
                p.unlink(missing_ok=True)
    finally:
        os.close(lock)
