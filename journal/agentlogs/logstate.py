"""Resumable reader state on disk: one small JSON record plus append-only id files.

A Claude Code state holds the ids of everything its log has shown (tens of MB on
a multi-GB log). Parsing and rewriting them as JSON on each refresh made a
refresh cost follow the log's history, so each kind of id lives in a file of its
own, newline-joined, and a refresh only appends what it saw. The JSON record
(written atomically, after the appends are on disk) says which file holds each
kind and how many of its bytes belong to the state. Beside each id file is one
of their 32-bit hashes: a refresh checks its new ids against those, and reads
the ids themselves only on a hash hit or when it must look old ids up (see
``ClaudeTally.meets_saved``).

Crash safety: bytes past a recorded length are not part of the state; the next
save writes from the recorded length again (and cuts what is past it), so a
crash between the appends and the record leaves the old state, whose offset
means only that the appended part of the log is read again. A save that cannot
append (a full read; a file longer than its state knows, after such a crash or
another save) writes new files under fresh names and removes the old ones once
the record points away from them. Ids a joined file cannot hold (not strings, or
holding a newline) stay in the record.

The usage rows of a Claude Code state (an integer array, one row a message) are kept
the same way in a file of raw cells: appended to while no row the file holds has
changed (``ClaudeTally.table_stored``), else written anew. Read as JSON, they cost a
refresh two base64 conversions and a rewrite of a few MB a GB of log.
"""
from __future__ import annotations

import os
import zlib
from array import array
from pathlib import Path
from typing import Any, BinaryIO

from journal.errors import JournalError
from journal.fsutil import guard, make_dirs, open_for_write, open_regular, read_cache

RECORD = "state.json"
KINDS = ("users", "error_keys", "calls", "rows")
TABLE_TYPES = ("i", "q")  # the cells a usage table may have


HASH_MASK = 0xFFFFFFFF  # the width of the id hashes kept (narrowed in tests to force collisions)


def _hashes(ids: Any) -> array[int]:
    """CRC-32 of each id's UTF-8 bytes (a C call an id: a few % of a full read)."""
    hs = array("I", map(zlib.crc32, ids))
    if HASH_MASK != 0xFFFFFFFF:
        hs = array("I", (h & HASH_MASK for h in hs))
    return hs


class StoredIds:
    """A run of ids kept in a file: its first ``length`` bytes, newline-joined UTF-8.

    Beside it, a file of the ids' 32-bit hashes, in the same order: a read checks
    its new ids against those (``may_hold``), 4 bytes an id, and reads the ids
    themselves only on a hash hit. Both files are opened when the state is loaded
    and read on first use, so a save running meanwhile (which only writes past the
    recorded lengths, or to new files) cannot change what this run holds.
    """

    __slots__ = ("name", "length", "count", "_file", "_hfile", "_text", "_hashes")

    def __init__(self, name: str, length: int, count: int, file: BinaryIO, hfile: BinaryIO) -> None:
        self.name, self.length, self.count, self._file, self._hfile = name, length, count, file, hfile
        self._text: str | None = None
        self._hashes: array[int] | None = None

    def text(self) -> str:
        """The ids, newline-joined (as a joined run of ``claude_tally.run_part``)."""
        if self._text is None:
            self._text = _read(self._file, self.length, self.name).decode("utf-8")
        return self._text

    def hashes(self) -> array[int]:
        if self._hashes is None:
            self._hashes = array("I")
            self._hashes.frombytes(_read(self._hfile, self.count * 4, self.name))
        return self._hashes

    def may_hold(self, ids: Any) -> bool:
        """False when none of ``ids`` is in this run (proved by the hashes); True when one may be."""
        hs = set(_hashes(x.encode("utf-8") for x in ids if type(x) is str))  # the run holds strings only
        return not hs.isdisjoint(self.hashes())

    def __repr__(self) -> str:
        return f"StoredIds({self.name!r}, {self.length}, {self.count})"


def _read(f: BinaryIO, n: int, name: str) -> bytes:
    f.seek(0)
    data = f.read(n)
    f.close()
    if len(data) != n:
        raise OSError(f"{name}: {len(data)} of {n} bytes")
    return data


def load(d: Path) -> dict[str, Any] | None:
    """The state saved in directory ``d``, or None when there is none (or it is unreadable)."""
    import orjson

    try:
        rec = orjson.loads(read_cache(d / RECORD) or b"")
    except orjson.JSONDecodeError:
        return None
    if type(rec) is not dict:
        return None
    files = rec.pop("id_files", None) or {}
    tally: Any = rec.get("tally")
    if files and not isinstance(tally, dict):
        return None
    table_file = rec.pop("table_file", None)
    if table_file is not None:  # (before the id files are opened: nothing to close if it fails)
        try:
            name, n, typecode = table_file
            table = array(typecode)
            if typecode not in TABLE_TYPES or not _own_name(name) or n % table.itemsize or not isinstance(tally, dict):
                return None
            with open_regular(d / name) as f:
                data = f.read(n)
        except (OSError, TypeError, ValueError, JournalError):
            return None
        if len(data) != n:
            return None
        table.frombytes(data)
        tally["table"], tally["table_type"], tally["table_stored"] = table, typecode, [name, n]
    if type(files) is not dict:
        return None
    for k, entry in files.items():
        try:
            name, n, count = entry
        except (TypeError, ValueError):
            return None
        if k not in KINDS or not _own_name(name) or type(n) is not int or type(count) is not int:
            return None
        try:  # (a FIFO put there must not hang the read: regular files only)
            f = open_regular(d / name)  # kept open until the run is read (see StoredIds)
        except (OSError, JournalError):
            return None
        try:
            h = open_regular(d / (name + ".crc"))
        except (OSError, JournalError):
            f.close()
            return None
        if os.fstat(f.fileno()).st_size < n or os.fstat(h.fileno()).st_size < count * 4:
            f.close()
            h.close()
            return None
        tally[k] = [StoredIds(name, n, count, f, h)]
    return rec


def _own_name(name: Any) -> bool:
    """Whether a record's file ``name`` can be one of the state's own (a name in its folder)."""
    return type(name) is str and os.sep not in name


def _fileable(runs: Any) -> bool:
    """True when every run is a non-empty joined string (ids a newline-joined file holds exactly)."""
    return bool(runs) and all((type(r) is str and r) or isinstance(r, StoredIds) for r in runs)


def _write_ids(d: Path, kind: str, runs: list[Any]) -> list[Any]:
    """Put ``runs`` in an id file (+ its hashes): appended to those of a leading StoredIds, else new files.

    Returns the record's entry: [file name, bytes of ids, number of ids].
    """
    head = runs[0] if isinstance(runs[0], StoredIds) else None
    try:  # appended to only if no other save has written past the lengths this state knows
        same = head is not None and ((d / head.name).stat().st_size, (d / (head.name + ".crc")).stat().st_size
                                     ) == (head.length, head.count * 4)
    except OSError:
        same = False
    if head is not None and same:
        name, base, count, rest = head.name, head.length, head.count, runs[1:]
        if not rest:  # nothing new of this kind: the files stay as they are
            return [name, base, count]
    else:
        name, base, count, rest = _fresh_name(kind, "ids"), 0, 0, runs
    data = "\n".join(r.text() if isinstance(r, StoredIds) else r for r in rest).encode("utf-8")
    hs = _hashes(data.split(b"\n")).tobytes() if data else b""
    if base and data:
        data = b"\n" + data
    _put(d / (name + ".crc"), hs, count * 4)
    _put(d / name, data, base)
    return [name, base + len(data), count + len(hs) // 4]


def _write_table(d: Path, table: array[int], stored: Any) -> list[Any]:
    """Put the usage ``table`` in its file: the cells past ``stored`` = [name, bytes] appended to that
    file when it still has exactly those bytes, else a new file. Returns the record's entry:
    [file name, bytes, typecode]."""
    raw = memoryview(table).cast("B")
    try:
        name, base = stored if stored is not None else ("", -1)
        same = base <= len(raw) and (d / name).stat().st_size == base
    except (OSError, TypeError, ValueError):
        same = False
    if not same:
        name, base = _fresh_name("table", "rows"), 0
    _put(d / name, raw[base:], base)
    return [name, len(raw), table.typecode]


def _fresh_name(kind: str, suffix: str) -> str:
    """A file name no other save uses: the process and the moment in it."""
    import time

    return f"{kind}.{os.getpid()}-{time.time_ns()}.{suffix}"


def _put(path: Path, blob: Any, at: int) -> None:
    """``blob`` written at byte ``at`` of ``path`` (created if need be), the file cut right after
    it and synced: an append where ``at`` is the recorded length, a whole file where it is 0."""
    fd = open_for_write(path, os.O_WRONLY | os.O_CREAT)
    try:
        if len(blob):
            os.pwrite(fd, blob, at)
        os.ftruncate(fd, at + len(blob))
        _sync(fd)
    finally:
        os.close(fd)


def _sync(fd: int) -> None:
    """The file's data (and its size) on disk: ``fdatasync`` where there is one (it skips the times)."""
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def _replace(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: a file of a name of its own, fsync, rename.

    (``fsutil.atomic_write`` does the same for text, but its ``tempfile`` costs a
    refresh 5 ms of imports; here the lock makes a fixed temporary name safe.)
    """
    guard(path)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = open_for_write(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            _sync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save(d: Path, state: dict[str, Any]) -> None:
    """Save ``state`` (from ``reading.summarize``) in directory ``d``: id appends first, then the record."""
    import fcntl

    import orjson

    make_dirs(d)
    rec = dict(state)
    files: dict[str, list[Any]] = {}
    lock = open_for_write(d / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # saves one at a time: each appends at its own recorded length
        tally = state.get("tally")
        if type(tally) is dict:
            tally = rec["tally"] = dict(tally)
            for k in KINDS:
                runs: Any = tally.get(k)
                if _fileable(runs):
                    try:
                        files[k] = _write_ids(d, k, runs)
                    except UnicodeEncodeError:  # (not from orjson's strings) kept in the record below
                        pass
                    else:
                        tally[k] = None
                        continue
                if runs:
                    tally[k] = [r.text() if isinstance(r, StoredIds) else r for r in runs]
            table = tally.pop("table", None)
            stored = tally.pop("table_stored", None)
            if isinstance(table, array):
                rec["table_file"] = _write_table(d, table, stored)
                tally["table"] = None
            elif table is not None:
                tally["table"] = table
        rec["id_files"] = files
        _replace(d / RECORD, orjson.dumps(rec))
        keep = {name + x for name, _, _ in files.values() for x in ("", ".crc")}
        if "table_file" in rec:
            keep.add(rec["table_file"][0])
        for p in [*d.glob("*.ids"), *d.glob("*.ids.crc"), *d.glob("*.rows")]:
            if p.name not in keep:
                p.unlink(missing_ok=True)  # noqa: journal's own file in its own state folder
    finally:
        os.close(lock)
