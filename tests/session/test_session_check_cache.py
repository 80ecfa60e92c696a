"""``journal check``'s caches: a run where nothing changed answers from them, yet every
change is seen (an in-place edit of the same size, a write within one timestamp tick);
a damaged cache is ignored; reading on several cores gives what one core gives."""
from __future__ import annotations

import marshal
import os
import shutil
import time
from pathlib import Path

import pytest

from journal import parallel
from journal.session.check import check_workspace

OLD = time.time() - 3600  # out of the racy window, as a history is


@pytest.fixture
def seeded(cli, repo):
    cli("create", "s1", "Dev", "Ship the thing")
    cli("create", "s2", "Ops", "Run the thing")
    cli("add", "-s", "s1", "completed", "wrote the first part")
    return repo


def _age(root: Path, when: float = OLD) -> None:
    for folder in ("sessions/ACTIVE", "sessions/ARCHIVE", "events", "shared-knowledge"):
        for path in (root / folder).iterdir():
            os.utime(path, (when, when))


def _edit_in_place(path: Path, old: str, new: str, mtime_ns: int) -> None:
    """Rewrite ``path``'s bytes in place (same inode, same size) and give it ``mtime_ns``."""
    assert len(old) == len(new)
    data = path.read_bytes()
    assert old.encode() in data
    with open(path, "r+b") as f:
        f.write(data.replace(old.encode(), new.encode()))
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_check_answers_from_its_cache_and_sees_an_in_place_edit_of_the_same_size(cli, seeded):
    root = seeded / "coordination"
    _age(root)
    assert cli("check").stdout == "ok: no problems found\n"
    assert (root / ".journal/cache/check-result.bin").exists()
    assert cli("check").stdout == "ok: no problems found\n"  # from the cache
    path = root / "sessions/ACTIVE/s1.md"
    before = path.stat()
    _edit_in_place(path, "status: planning", "status: sleeping", before.st_mtime_ns + 1_000_000_000)
    assert path.stat().st_size == before.st_size and path.stat().st_ino == before.st_ino
    proc = cli("check", check=False)
    assert proc.returncode == 1
    assert "sessions/ACTIVE/s1.md: status 'sleeping' is not one of" in proc.stdout
    shutil.rmtree(root / ".journal/cache")
    fresh = cli("check", check=False)
    assert (proc.stdout, proc.stderr) == (fresh.stdout, fresh.stderr)


def test_an_edit_within_one_timestamp_tick_of_the_last_run_is_not_missed(cli, seeded):
    """A run while a file is racy (changed in the last 2 s) stores nothing it read from it:
    a second write with the very same mtime and size is still seen (git's racy-index rule)."""
    root = seeded / "coordination"
    _age(root)
    path = root / "sessions/ACTIVE/s2.md"
    now = time.time_ns()
    os.utime(path, ns=(now, now))
    assert cli("check").returncode == 0
    _edit_in_place(path, "status: planning", "status: sleeping", now)  # same size and mtime: only the bytes differ
    proc = cli("check", check=False)
    assert proc.returncode == 1
    assert "sessions/ACTIVE/s2.md: status 'sleeping' is not one of" in proc.stdout


def test_a_damaged_or_foreign_cache_is_ignored_and_rebuilt(cli, seeded):
    root = seeded / "coordination"
    cli("add", "-s", "s2", "blocker", "needs keys")
    _age(root)
    (root / "sessions/ACTIVE/s2.md").write_text("---\nid: other\n---\n", encoding="utf-8")
    os.utime(root / "sessions/ACTIVE/s2.md", (OLD, OLD))
    first = cli("check", check=False)
    assert first.returncode == 1
    cache = root / ".journal/cache"
    result = cache / "check-result.bin"
    header = result.read_bytes().split(b"\n", 1)[0] + b"\n"
    for junk in (b"", b"\x00garbage", header + b"\xff\xfe", header + marshal.dumps(["a", "list"]),
                 b'{"signature": "x", "problems": []}'):
        result.write_bytes(junk)
        (cache / "check.json").write_bytes(junk)
        again = cli("check", check=False)
        assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)
    assert result.read_bytes().startswith(header)  # written anew
    shutil.rmtree(cache)
    again = cli("check", check=False)
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)


def test_check_of_named_files_answers_from_the_cache_too(cli, seeded):
    """What pre-commit runs: the problems of the staged files only, exit 1 when they have one."""
    root = seeded / "coordination"
    (root / "sessions/ACTIVE/s2.md").write_text("---\nid: s2\n---\n", encoding="utf-8")
    _age(root)
    for _ in range(2):  # the second run from the cache
        proc = cli("check", "coordination/sessions/ACTIVE/s1.md")
        assert proc.stdout == "ok: no problems found\n"
        proc = cli("check", "coordination/sessions/ACTIVE/s2.md", check=False)
        assert proc.returncode == 1
        assert proc.stdout.splitlines()[0] == "sessions/ACTIVE/s2.md: frontmatter lacks 'role'"
        assert all(line.startswith("sessions/ACTIVE/s2.md: ") for line in proc.stdout.splitlines())


# -- several cores ------------------------------------------------------------------------
def _history(ws, n: int) -> None:
    """``n`` sessions with entries, messages and blockers, some archived, some damaged."""
    from journal.coordination.mail import acknowledge, send_message
    from journal.session.edits import add_entry
    from journal.session.store import archive_session, create_session

    create_session(ws, "hub", "Lead", "Coordinate")
    for i in range(n):
        sid = f"s{i:03d}"
        create_session(ws, sid, "Dev", f"Part {i}")
        add_entry(ws, sid, "blocker", f"waiting on part {i - 1}")
        send_message(ws, sid, "hub", f"part {i} is ready", "high" if i % 3 else None)
        if i % 4 == 0:
            archive_session(ws, sid)
    acknowledge(ws, "hub", None)
    for i in range(0, n, 7):  # findings of every kind
        path = ws.active_path(f"s{i + 1:03d}")
        if path.exists():
            path.write_text(path.read_text(encoding="utf-8").replace("status: planning", "status: lost")
                            + "<<<<<<< HEAD\n", encoding="utf-8")
        with open(ws.events_path(f"s{i + 2:03d}"), "ab") as f:
            f.write(b"not json\n")
    _age(ws.root)


def _results(ws) -> tuple:
    from journal.coordination.board import board
    from journal.coordination.mail import inbox

    shutil.rmtree(ws.state_dir / "cache", ignore_errors=True)
    found = [str(p) for p in check_workspace(ws)]
    shutil.rmtree(ws.state_dir / "cache", ignore_errors=True)
    rows = [{k: v for k, v in r.items() if k != "idle_hours"} for r in board(ws)]
    shutil.rmtree(ws.state_dir / "cache", ignore_errors=True)
    mail = [m.as_dict() for m in inbox(ws, "hub", include_read=True)]
    return found, rows, mail


def test_reading_on_several_cores_gives_what_one_core_gives(ws, monkeypatch) -> None:
    _history(ws, 40)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**9)
    serial = _results(ws)
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    assert _results(ws) == serial
    assert forks  # the workers ran
    assert any("status 'lost'" in p for p in serial[0]) and any("not a JSON object" in p for p in serial[0])
    assert sum(m["to"] == "hub" for m in serial[2]) == 40


def test_ordered_map_keeps_the_order_and_survives_a_failing_worker(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    items = list(range(1000))
    assert parallel.ordered_map(lambda x: x * x, items, workers=4) == [x * x for x in items]
    parent = os.getpid()

    def dies_in_a_worker(x: int) -> int:
        if x == 501 and os.getpid() != parent:
            os._exit(9)  # killed half way: its share is computed again here
        return -x

    assert parallel.ordered_map(dies_in_a_worker, items, workers=2) == [-x for x in items]

    def fails(x: int) -> int:
        if x in (301, 700):
            raise ValueError(f"item {x}")
        return x

    with pytest.raises(ValueError, match="item 301"):  # the first failure in order, as a serial map
        parallel.ordered_map(fails, items, workers=2)
    assert parallel.ordered_map(str, items[:5], workers=8) == ["0", "1", "2", "3", "4"]


@pytest.mark.parametrize("serving", [False, True])
def test_the_cycle_collector_is_paused_only_while_a_history_is_read(ws, monkeypatch, serving) -> None:
    """A command freezes what it built (no later collection walks it); a server never does."""
    import gc

    from journal.coordination.board import board

    monkeypatch.setattr(parallel, "_freeze", not serving)
    _history(ws, 12)
    seen = []
    real = parallel.ordered_map

    def spy(fn, items, workers=None):
        seen.append(gc.isenabled())
        return real(fn, items, workers)

    parallel.ordered_map = spy
    try:
        assert gc.isenabled()
        shutil.rmtree(ws.state_dir / "cache", ignore_errors=True)
        assert len(board(ws)) == 10  # 13 sessions, 3 of them archived
        assert seen == [False] and gc.isenabled()  # paused while the logs were read, restored after
        assert (gc.get_freeze_count() > 0) is not serving
        gc.disable()
        with parallel.acyclic():
            pass
        assert not gc.isenabled()  # a collector paused before stays paused
    finally:
        parallel.ordered_map = real
        gc.unfreeze()
        gc.enable()
    with pytest.raises(KeyError), parallel.acyclic():
        raise KeyError("x")
    assert gc.isenabled()
    gc.unfreeze()


def test_unread_counts_are_of_active_sessions_only(ws) -> None:
    """The board shows active sessions; an archived one's mail is counted by its own inbox."""
    from journal.coordination.mail import inbox
    from journal.coordination.view import load_view

    _history(ws, 12)
    shutil.rmtree(ws.state_dir / "cache", ignore_errors=True)
    view = load_view(ws)
    archived = {sid for sid, d in view.sessions.items() if d["archived"]}
    active = set(view.sessions) - archived
    assert archived and active and view.counts is not None
    assert set(view.counts) == active
    for sid in active:
        assert sum(view.counts[sid].values()) == len(inbox(ws, sid))


def test_an_archived_log_briefs_the_same_from_the_slim_view_cache(ws) -> None:
    """The view cache and the digest cache keep an archived log's digest without its items; a
    briefing of it (or of the session that continues it) reads them back from the log."""
    from journal.coordination.context import briefing
    from journal.coordination.handoff import handoff
    from journal.session.edits import add_entry
    from journal.session.store import archive_session, create_session

    create_session(ws, "old", "Dev", "Build the importer")
    for n in range(3):
        add_entry(ws, "old", "completed", f"parsed format {n}")
    add_entry(ws, "old", "next", "wire the exporter")
    add_entry(ws, "old", "blocker", "waiting on the sample files")
    handoff(ws, "old", "new")
    archive_session(ws, "old")
    _age(ws.root)
    cache = ws.state_dir / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    cold = {sid: briefing(ws, sid) for sid in ("old", "new")}  # built from the logs, then cached
    view = (cache / "coordination-view.json").read_text(encoding="utf-8")
    assert "parsed format 1" not in view and "wire the exporter" in view  # (the active log's next step)
    warm = {sid: briefing(ws, sid) for sid in ("old", "new")}
    assert warm == cold
    assert [c["text"] for c in warm["old"]["completed"]] == [f"parsed format {n}" for n in range(3)]
    assert "parsed format 2" in warm["new"]["markdown"]  # what the predecessor finished
    digests = (cache / "coordination.json").read_text(encoding="utf-8")
    assert "parsed format 1" not in digests and "wire the exporter" in digests
    (cache / "coordination-view.json").unlink()
    assert {sid: briefing(ws, sid) for sid in ("old", "new")} == cold  # from the digest cache alone


@pytest.mark.parametrize("name,args,also", [
    ("check-result.bin", ["check"], []), ("check.json", ["check"], ["check-result.bin"]),
    ("coordination-view.json", ["board"], []), ("coordination.json", ["board"], ["coordination-view.json"]),
    ("coordination-mail.json", ["inbox", "-s", "s2"], None)])
def test_a_named_pipe_in_place_of_a_cache_file_is_one_line_and_exit_2(cli, seeded, name, args, also) -> None:
    """Reading it would wait for a writer forever; it is taken as no cache, and its write is refused.
    (``also``: the caches in front of it, removed so that it is read; None: a cache that is only
    read, the answer is then built from the logs.)"""
    from conftest import snapshot

    root = seeded / "coordination"
    cli("message", "s2", "the keys are in", "-s", "s1")
    _age(root)
    first = cli(*args)
    cache = root / ".journal/cache"
    for other in also or []:
        (cache / other).unlink()
    fifo = cache / name
    fifo.unlink()
    os.mkfifo(fifo)
    before = snapshot(seeded)
    proc = cli(*args, check=False)
    if also is None:
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, first.stdout, "")
    else:
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines() == [f"journal: error: {fifo} is not a regular file (a named pipe): "
                                            "journal writes only regular files"]
    assert snapshot(seeded) == before
