"""SIGKILL at random instants during add, share-learning, resolve, archive and message.

Each kill is of a real process (forked from this one with the library loaded, so that 200
kills fit in CI) running the operations in a loop. After each kill, ``check`` must report
every half-done change (the truth is read from the files themselves: an entry without its
event, a learning without the session's entry, a log both active and archived...), and
after ``check --fix`` the Markdown, the event logs and the shared knowledge agree again:
each operation is there whole or not at all, and shared knowledge never shrank.
"""
from __future__ import annotations

import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from journal.config import load_config
from journal.init import init_workspace
from journal.session.check import check_workspace
from journal.workspace import Workspace

KILLS = int(os.environ.get("JOURNAL_CRASH_KILLS", "200"))
OPS = ("add", "share-learning", "resolve", "archive", "message")


def _worker(root: str, out: int, seed: int) -> None:
    """Run operations forever, announcing each: ``B n op session token`` before, ``E n`` after."""
    from journal.coordination.mail import send_message
    from journal.session.edits import add_entry, resolve_blocker
    from journal.session.knowledge import share_learning
    from journal.session.store import archive_session, create_session

    ws = Workspace(load_config(root))
    rng = random.Random(seed)
    n = 0

    def say(line: str) -> None:
        os.write(out, (line + "\n").encode())

    def op(name: str, sid: str, token: str, fn: Any) -> None:
        nonlocal n
        n += 1
        say(f"B {n} {name} {sid} {token}")
        fn()
        say(f"E {n}")

    say("ready")
    while True:
        token = f"tok{seed}x{n}"
        kind = rng.choice(OPS)
        if kind == "add":
            op("add", "w1", token, lambda: add_entry(ws, "w1", "completed", f"done {token}"))
        elif kind == "share-learning":
            op("share-learning", "w1", token, lambda: share_learning(ws, "Crash", f"learned {token}", "high",
                                                                      session_id="w1"))
        elif kind == "resolve":
            op("add", "w2", token, lambda: add_entry(ws, "w2", "blocker", f"blocked {token}"))
            op("resolve", "w2", token, lambda: resolve_blocker(ws, "w2", "1", f"fixed {token}"))
        elif kind == "message":
            op("message", "w1", token, lambda: send_message(ws, "w1", "w2", f"hello {token}"))
        else:
            sid = f"a{seed}x{n}"
            op("create", sid, token, lambda: create_session(ws, sid, "Temp", f"mission {token}"))
            op("archive", sid, token, lambda: archive_session(ws, sid))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _landed(ws: Workspace, op: str, sid: str, token: str) -> dict[str, bool]:
    """Which parts of one operation stand on disk."""
    md = _text(ws.active_path(sid))
    archived = list(ws.archive_dir.glob(f"{sid}-*.md"))
    events = _text(ws.events_path(sid))
    if op == "add":
        return {"entry": token in md, "event": token in events}
    if op == "message":
        return {"entry": f"hello {token}" in md, "event": f"hello {token}" in events}
    if op == "resolve":
        return {"entry": f"fixed {token}" in md, "event": f"fixed {token}" in events}
    if op == "share-learning":
        return {"knowledge": token in _text(ws.knowledge_path("learnings")), "entry": token in md,
                "event": token in events}
    if op == "create":
        return {"file": bool(md) or bool(archived), "event": '"action":"create"' in events}
    assert op == "archive", op
    return {"archive copy": bool(archived), "active copy gone": not md, "event": '"action":"archive"' in events}


def _read_lines(fd: int) -> list[str]:
    data = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return data.decode().splitlines()
        data += chunk


@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL")
def test_sigkill_at_random_instants_is_reported_and_repaired(tmp_path: Path) -> None:
    ws = Workspace(load_config(tmp_path / "coordination"))
    init_workspace(ws)
    from journal.session.edits import add_entry
    from journal.session.store import create_session

    create_session(ws, "w1", "Writer", "Gets killed")
    create_session(ws, "w2", "Peer", "Receives")
    add_entry(ws, "w2", "blocker", "a blocker to start with")
    rng = random.Random(20261201)
    counts: Counter[str] = Counter()
    started = time.monotonic()
    knowledge = ws.knowledge_path("learnings")
    for kill in range(KILLS):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns to pytest
            os.close(read)
            try:
                _worker(str(ws.root), write, kill)
            finally:
                os._exit(3)
        os.close(write)
        first = os.read(read, 6)
        assert first == b"ready\n", first
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
        lines = _read_lines(read)
        os.close(read)
        begun = [line.split() for line in lines if line.startswith("B ")]
        ended = {line.split()[1] for line in lines if line.startswith("E ")}
        open_ops = [b for b in begun if b[1] not in ended]
        counts["kills"] += 1
        size_before = knowledge.stat().st_size
        if not open_ops:
            counts["between operations"] += 1
            assert [str(p) for p in check_workspace(ws) if not p.note] == []
            continue
        _, _, op, sid, token = open_ops[-1]
        counts[f"killed in {op}"] += 1
        parts = _landed(ws, op, sid, token)
        half = len(set(parts.values())) > 1
        pending = (ws.state_dir / "intents" / f"{sid}.json").exists()
        failures = [p for p in check_workspace(ws) if not p.note]
        # a kill inside the event's append may leave part of its line (the kernel stops a
        # write of more than one page between pages): reported as torn, in that session's log
        assert {p.kind for p in failures} <= {"half-done", "temp-file", "torn"}, [str(p) for p in failures]
        torn = [p for p in failures if p.kind == "torn"]
        assert all(p.path == f"events/{sid}.jsonl" for p in torn), [str(p) for p in torn]
        if torn:
            counts["torn event line"] += 1
        if half:
            counts["half-done"] += 1
            named = [p for p in failures if p.kind == "half-done" and repr(sid) in p.message]
            assert named, f"kill {kill}: {op} {sid} half-done {parts}, check said {[str(p) for p in failures]}"
            counts["half-done reported"] += 1
        if pending:
            counts["intent records left"] += 1
            assert any(p.kind == "half-done" for p in failures)
        if not half and not pending and not any(parts.values()):
            counts["nothing written yet"] += 1
        fixed = check_workspace(ws, fix=True)
        assert all(p.fixed or p.note for p in fixed), [str(p) for p in fixed]
        after = _landed(ws, op, sid, token)
        assert len(set(after.values())) == 1, f"kill {kill}: {op} {sid} still half-done after --fix: {after}"
        if pending:
            assert all(after.values()), f"kill {kill}: {op} {sid}: the intent was known, yet not rolled forward"
            counts["rolled forward"] += 1
        assert knowledge.stat().st_size >= size_before  # shared knowledge is append-only
        assert [str(p) for p in check_workspace(ws) if not p.note] == []
    elapsed = time.monotonic() - started
    report = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    print(f"\ncrash test: {report} ({elapsed:.0f} s)")
    assert counts["kills"] == KILLS
    assert counts["half-done"] == counts["half-done reported"]


def test_an_archive_cut_short_after_its_copy_is_one_half_done_change(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The instant between writing the ARCHIVE/ copy and removing the ACTIVE/ original: check
    names one half-done change (not also "both active and archived"), and --fix finishes it."""
    from journal import fsutil
    from journal.session.store import archive_session, create_session

    ws = Workspace(load_config(tmp_path / "coordination"))
    init_workspace(ws)
    create_session(ws, "s1", "Dev", "Work")
    real_remove = fsutil.remove

    def crash(path: Path) -> None:
        if path.parent == ws.active_dir:
            raise KeyboardInterrupt  # what a kill at this instant leaves: the copy, and the original
        real_remove(path)

    monkeypatch.setattr(fsutil, "remove", crash)
    with pytest.raises(KeyboardInterrupt):
        archive_session(ws, "s1")
    monkeypatch.setattr(fsutil, "remove", real_remove)
    assert (ws.active_dir / "s1.md").exists() and list(ws.archive_dir.glob("s1-*.md"))
    failures = [p for p in check_workspace(ws) if not p.note]
    assert [p.kind for p in failures] == ["half-done"], [str(p) for p in failures]
    assert "(its copy; sessions/ACTIVE/s1.md not removed yet) written" in failures[0].message
    assert all(p.fixed for p in check_workspace(ws, fix=True))
    assert not (ws.active_dir / "s1.md").exists() and len(list(ws.archive_dir.glob("s1-*.md"))) == 1
    assert [str(p) for p in check_workspace(ws) if not p.note] == []


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_a_kill_inside_the_event_append_leaves_a_torn_line_that_fix_moves_aside(tmp_path: Path) -> None:
    """SIGKILL can cut a write of more than one page short (the kernel stops between pages),
    so a change killed while appending its event leaves part of a line. check reports the
    change as half-done and the line as torn; --fix moves the torn bytes to .journal/torn/
    and appends the event whole."""
    from journal.events import query_events
    from journal.session.edits import add_entry, resolve_blocker
    from journal.session.store import create_session

    ws = Workspace(load_config(tmp_path / "coordination"))
    init_workspace(ws)
    create_session(ws, "w2", "Peer", "Receives")
    add_entry(ws, "w2", "blocker", "waiting for keys")
    before = len(query_events(ws, session_id="w2").events)
    pid = os.fork()
    if pid == 0:  # the child: half of the event's bytes reach the log, then it dies
        try:
            from journal import fsutil
            from journal.events import store

            def torn(fd: int, data: bytes, path: Path) -> None:
                if path.name == "w2.jsonl":
                    os.write(fd, data[: len(data) // 2])
                    os.kill(os.getpid(), signal.SIGKILL)
                fsutil.write_all(fd, data, path)

            store.write_all = torn  # type: ignore[attr-defined]
            resolve_blocker(ws, "w2", "1", "got them")
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    failures = [p for p in check_workspace(ws) if not p.note]
    assert sorted(p.kind for p in failures) == ["half-done", "torn"], [str(p) for p in failures]
    fixed = check_workspace(ws, fix=True)
    assert all(p.fixed or p.note for p in fixed), [str(p) for p in fixed]
    assert [str(p) for p in check_workspace(ws) if not p.note] == []
    events = query_events(ws, session_id="w2").events
    assert len(events) == before + 1 and events[-1]["data"]["action"] == "resolve-blocker"
    assert "- [x]" in (ws.active_dir / "w2.md").read_text(encoding="utf-8")
    assert len(list((ws.state_dir / "torn").iterdir())) == 1
