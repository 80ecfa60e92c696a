"""Changes that touch more than one file, made recoverable by an intent record.

A change to a session that writes more than one file (its log and its event log; the shared
knowledge too, for share-learning; two folders, for archive and restore) runs under the
session's lock in this order:

1. the **intent record** ``.journal/intents/<session>.json`` (local, never committed) is
   written and made durable: what each file will be once the change is done, and the
   event, built and validated, that records it;
2. the files, each written atomically (a replace, or one whole append), in a fixed order;
3. the event, appended last and made durable;
4. the record is removed.

A SIGKILL or a power loss at any instant leaves either no record (nothing was changed, or
everything was) or a record that names the half-done change. ``journal check`` reports
each record (exit 1); ``journal check --fix``, and the next change to the same session
(which holds the same lock), **roll it forward** from the record: a file still as it was
before gets its new text, an append not yet in the file is appended (shared knowledge is
append-only: nothing is ever removed from it), a missing event is appended with its
original id and time. A file changed by hand since the crash is not overwritten: when the
change cannot be finished, what it wrote that nothing refers to (an archive copy whose
original stayed active) is removed, and the rest is left as it is.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from journal.errors import JournalError
from journal.problems import Problem
from journal.workspace import Workspace

INTENT_VERSION = 1


def _hash(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        from _blake2 import blake2b  # the hash without hashlib's start-up cost
    except ImportError:  # pragma: no cover
        from hashlib import blake2b
    return blake2b(data, digest_size=16).hexdigest()


def text_hash(text: str | None) -> str | None:
    return _hash(None if text is None else text.encode("utf-8"))


def intents_dir(ws: Workspace) -> Path:
    return ws.state_dir / "intents"


def intent_path(ws: Workspace, session_id: str) -> Path:
    return intents_dir(ws) / f"{session_id}.json"


def session_lock(ws: Workspace, session_id: str) -> Path:
    """The one lock of a session, whichever folder its log is in: every change to it holds this."""
    return ws.lock_path(ws.active_path(session_id))


# -- steps ----------------------------------------------------------------------------
def write_step(ws: Workspace, path: Path, before: str | None, after: str) -> dict[str, Any]:
    """Replace (or create, when ``before`` is None) a file."""
    return {"op": "write", "path": ws.rel(path), "before": text_hash(before), "after": after}


def append_step(ws: Workspace, path: Path, record: str) -> dict[str, Any]:
    """Append one whole record to an append-only file (shared knowledge). ``offset``, the size
    before, tells this record from an identical older one."""
    try:
        offset = os.path.getsize(path)
    except OSError:
        offset = 0
    return {"op": "append", "path": ws.rel(path), "record": record, "offset": offset}


def move_step(ws: Workspace, src: Path, dst: Path, before: str, after: str, git: bool) -> dict[str, Any]:
    """Move a log between ACTIVE and ARCHIVE, rewritten (``git mv`` when git tracks it)."""
    return {"op": "move", "from": ws.rel(src), "to": ws.rel(dst), "before": text_hash(before),
            "after": after, "git": git}


def _read(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


# -- the normal path --------------------------------------------------------------------
def run(ws: Workspace, session_id: str, action: str, steps: list[dict[str, Any]],
        events: list[dict[str, Any]]) -> None:
    """Carry out a change: record, files in order, events, remove the record.

    The caller holds the session's lock (and defers SIGINT/SIGTERM); ``events`` are built and
    validated already (``journal.events.store.build_event``), with their timestamps set.
    """
    from journal.events.files import log_paths
    from journal.events.store import append_built
    from journal.fsutil import guard

    # Every path the change will write is checked before the first write: a refused one
    # (a link, a pipe, a place outside the workspace) leaves nothing half-done.
    targets = [ws.root / (s.get("path") or s["to"]) for s in steps] + [ws.root / s["from"] for s in steps if "from" in s]
    if events:
        targets += list(log_paths(ws, session_id))
    if steps:
        targets.append(intent_path(ws, session_id))
    for target in targets:
        guard(target)
    for step in steps:
        if step["op"] == "append":
            guard(ws.lock_path(ws.root / step["path"]))
    if not steps:
        if events:
            append_built(ws, session_id, events)
        return
    record = {"version": INTENT_VERSION, "action": action, "session": session_id, "pid": os.getpid(),
              "steps": steps, "events": events}
    _write_record(ws, session_id, record)
    for step in steps:
        _apply(ws, step)
    if events:
        append_built(ws, session_id, events)
    from journal.fsutil import remove

    remove(intent_path(ws, session_id))


def _write_record(ws: Workspace, session_id: str, record: dict[str, Any]) -> None:
    import orjson

    from journal.fsutil import atomic_replace

    path = intent_path(ws, session_id)
    data = orjson.dumps(record)
    atomic_replace(path, lambda f: f.write(data))
    _sync_dir(path.parent)  # the record is on disk before the first file it protects changes


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a platform without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _apply(ws: Workspace, step: dict[str, Any]) -> None:
    """One step, on the normal path (the files are known to be as the record says before)."""
    from journal.fsutil import atomic_write, locked, remove

    op = step["op"]
    if op == "write":
        atomic_write(ws.root / step["path"], step["after"])
    elif op == "append":
        path = ws.root / step["path"]
        with locked(ws.lock_path(path)):
            _append_whole(path, step["record"])
    elif op == "move":
        from journal import gitops

        src, dst = ws.root / step["from"], ws.root / step["to"]
        repo = ws.git_root
        moved = bool(step.get("git")) and repo is not None and gitops.move(repo, src, dst)
        atomic_write(dst, step["after"])
        if moved and repo is not None:
            gitops.stage(repo, dst)
        else:
            remove(src)
    else:  # pragma: no cover - a record of a newer version
        raise JournalError(f"unknown step {op!r} in an intent record")


def _append_whole(path: Path, record: str) -> None:
    """Append ``record`` after a blank line (an entry of its own), in one write."""
    from journal.fsutil import append_record

    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            tail = b""
            if size:
                f.seek(max(0, size - 2))
                tail = f.read()
    except FileNotFoundError:
        size, tail = 0, b""
    lead = "" if tail.endswith(b"\n\n") or size == 0 else ("\n" if tail.endswith(b"\n") else "\n\n")
    append_record(path, (lead + record).encode("utf-8"))


# -- after a crash ------------------------------------------------------------------------
def _load(path: Path) -> dict[str, Any] | None:
    import orjson

    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("version") != INTENT_VERSION or not isinstance(data.get("steps"), list):
        return None
    return data


def _event_recorded(ws: Workspace, session_id: str, event_id: str) -> bool:
    from journal.events.files import log_files, scan_lines

    needle = f'"event_id":"{event_id}"'.encode()
    for path in log_files(ws, session_id):
        try:
            for _line in scan_lines(path, [needle]):
                return True
        except OSError:
            continue
    return False


def _lines_present(text: bytes, events: list[dict[str, Any]]) -> bool:
    """Whether the lines the events say they wrote all stand in ``text`` (the change landed,
    and the file was edited since)."""
    from journal.session.links import keys_of, line_hash

    keys = [k for e in events if isinstance(e.get("data"), dict) for k in keys_of(e["data"], "lines")]
    if not keys:
        return False
    have = {line_hash(line) for line in text.decode("utf-8", "replace").split("\n") if line.strip()}
    return set(keys) <= have


def _state(ws: Workspace, step: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """``done``, ``pending`` (can be carried out now) or ``changed`` (a file changed by hand since)."""
    op = step["op"]
    if op == "write":
        data = _read(ws.root / step["path"])
        if _hash(data) == text_hash(step["after"]):
            return "done"
        if _hash(data) == step["before"]:
            return "pending"
        return "done" if data is not None and _lines_present(data, events) else "changed"
    if op == "append":
        data = _read(ws.root / step["path"]) or b""
        return "done" if step["record"].encode("utf-8") in data[int(step.get("offset") or 0):] else "pending"
    if op == "move":
        src, dst = _read(ws.root / step["from"]), _read(ws.root / step["to"])
        after = text_hash(step["after"])
        if _hash(dst) == after and src is None:
            return "done"
        if _hash(dst) in (None, after, step["before"]) and (src is None or _hash(src) == step["before"]):
            return "pending"
        return "changed"
    return "changed"


def _describe(ws: Workspace, record: dict[str, Any], states: list[str], recorded: bool) -> str:
    steps = record["steps"]
    done = [_target(s) for s, st in zip(steps, states) if st == "done"]
    todo = [_target(s) for s, st in zip(steps, states) if st != "done"]
    for s, st in zip(steps, states):  # a move cut short between writing the copy and removing the original
        if s.get("op") == "move" and st != "done" and (ws.root / str(s["to"])).exists():
            todo.remove(_target(s))
            done.append(f"{s['to']} (its copy; {s['from']} not removed yet)")
    events = [str(e.get("event_id")) for e in record.get("events") or []]
    if not recorded and events:
        todo.append(f"event {events[0]}")
    what = f"{record.get('action')} in session {record.get('session')!r} was interrupted"
    if not done:
        return f"{what} before it changed a file (to write: {', '.join(todo)})"
    return f"{what}: {', '.join(done)} written, {', '.join(todo) or 'its record not removed'} not"


def _target(step: dict[str, Any]) -> str:
    return str(step.get("path") or step.get("to"))


def pending(ws: Workspace) -> list[Path]:
    """The intent records in the workspace (changes in progress, or left half-done by a crash)."""
    try:
        names = os.listdir(intents_dir(ws))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(intents_dir(ws) / n for n in names if n.endswith(".json") and not n.startswith("."))


def recover(ws: Workspace, session_id: str) -> str | None:
    """Finish (or, when it cannot be finished, settle) the change a crash left half-done in
    ``session_id``; the caller holds the session's lock. Returns what was done, or None when
    there was no record."""
    from journal.fsutil import remove

    path = intent_path(ws, session_id)
    if not path.exists():
        return None
    record = _load(path)
    if record is None:
        remove(path)
        return "removed an unreadable intent record (nothing refers to it)"
    events: list[dict[str, Any]] = list(record.get("events") or [])
    recorded = all(_event_recorded(ws, session_id, str(e.get("event_id"))) for e in events) if events else True
    states = [_state(ws, s, events) for s in record["steps"]]
    told = _describe(ws, record, states, recorded)
    if recorded or all(st != "changed" for st in states):
        for step, st in zip(record["steps"], states):
            if st == "pending":
                _roll_forward(ws, step)
        if not recorded:
            from journal.events.store import append_built

            append_built(ws, session_id, [e for e in events if not _event_recorded(ws, session_id, str(e["event_id"]))])
        remove(path)
        return f"finished: {told}"
    # A file changed by hand since: it is not overwritten. Appends are still made (shared
    # knowledge only grows); an archive copy whose original stayed is removed (nothing refers
    # to it); the event is recorded when something it describes stands.
    undone, landed = [], False
    for step, st in zip(record["steps"], states):
        if st == "done":
            landed = True
        elif step["op"] == "append":
            _roll_forward(ws, step)
            landed = True
        elif step["op"] == "move" and _read(ws.root / step["from"]) is not None:
            dst = ws.root / step["to"]
            if _hash(_read(dst)) == text_hash(step["after"]):
                remove(dst)
                undone.append(step["to"])
    if landed and not recorded:
        from journal.events.store import append_built

        append_built(ws, session_id, [e for e in events if not _event_recorded(ws, session_id, str(e["event_id"]))])
    remove(path)
    return (f"settled: {told}; a file changed since is left as it is"
            + (f"; removed {', '.join(undone)}, which nothing refers to" if undone else "")
            + ("; its event recorded" if landed and not recorded else ""))


def _roll_forward(ws: Workspace, step: dict[str, Any]) -> None:
    from journal.fsutil import atomic_write, locked, remove

    op = step["op"]
    if op == "write":
        atomic_write(ws.root / step["path"], step["after"])
    elif op == "append":
        path = ws.root / step["path"]
        with locked(ws.lock_path(path)):
            if step["record"].encode("utf-8") not in (_read(path) or b"")[int(step.get("offset") or 0):]:
                _append_whole(path, step["record"])
    elif op == "move":
        src, dst = ws.root / step["from"], ws.root / step["to"]
        atomic_write(dst, step["after"])
        if src.exists():
            remove(src)
        repo = ws.git_root if step.get("git") else None
        if repo is not None:
            from journal import gitops
            from journal.errors import GitError

            for p in (src, dst):
                try:
                    gitops.stage(repo, p)
                except GitError:
                    pass


def recover_pending(ws: Workspace, session_id: str) -> None:
    """Before a change to ``session_id`` (its lock held): finish one a crash left half-done."""
    if os.path.exists(intent_path(ws, session_id)):
        recover(ws, session_id)


def check_intents(ws: Workspace, fix: bool) -> list[Problem]:
    """A problem for each change left half-done (``fix``: finished, or settled), and for each
    leftover temporary file of a record. A record whose session lock is held belongs to a
    change in progress and is passed over."""
    from journal.errors import LockTimeout
    from journal.fsutil import locked, remove

    out: list[Problem] = []
    for path in pending(ws):
        sid = path.name[: -len(".json")]
        try:
            with locked(session_lock(ws, sid), timeout=2.0):
                if not path.exists():
                    continue
                if fix:
                    done = recover(ws, sid)
                    if done:
                        out.append(Problem(ws.rel(path), 0, "half-done", done, fixed=True))
                    continue
                record = _load(path)
                if record is None:
                    out.append(Problem(ws.rel(path), 0, "half-done", "unreadable intent record "
                                       "(journal check --fix removes it)"))
                    continue
                events = list(record.get("events") or [])
                recorded = all(_event_recorded(ws, sid, str(e.get("event_id"))) for e in events)
                states = [_state(ws, s, events) for s in record["steps"]]
                out.append(Problem(ws.rel(path), 0, "half-done", _describe(ws, record, states, recorded)
                                   + " (journal check --fix finishes it)"))
        except LockTimeout:
            continue  # a change in progress
        except JournalError as e:
            out.append(Problem(ws.rel(path), 0, "half-done", str(e)))
    folder = intents_dir(ws)
    for tmp in sorted(folder.glob(".*.tmp")) if folder.is_dir() else []:
        sid = tmp.name[1:].split(".json.", 1)[0]
        try:
            with locked(session_lock(ws, sid), timeout=0.5):
                if fix:
                    remove(tmp)
                else:
                    out.append(Problem(ws.rel(tmp), 0, "temp-file", "temporary file of an interrupted "
                                       "intent record (journal check --fix removes it)"))
        except (LockTimeout, FileNotFoundError):
            continue
        except JournalError:
            continue
    return out

