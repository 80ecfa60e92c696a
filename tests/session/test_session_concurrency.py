"""Real processes writing at once lose nothing; a killed writer leaves no torn file."""
from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import time

import orjson
import pytest

from journal.config import load_config
from journal.session.document import SessionDoc
from journal.workspace import Workspace

WORKERS = 8
PER_WORKER = 12


def _worker(root: str, n: int, start: mp.Event) -> None:  # type: ignore[valid-type]
    from journal.session.knowledge import share_learning
    from journal.session.edits import add_entry

    ws = Workspace(load_config(root))
    start.wait()
    for i in range(PER_WORKER):
        add_entry(ws, "shared", "completed" if i % 2 else "next", f"worker {n} entry {i}")
        share_learning(ws, "Concurrency", f"worker {n} learning {i}\nsecond line {n}-{i}", session_id="shared")


def test_eight_processes_lose_nothing(tmp_path):
    from journal.session.store import create_session

    root = tmp_path / "coordination"
    ws = Workspace(load_config(root))
    create_session(ws, "shared", "Dev", "Many writers")
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_worker, args=(str(root), n, start)) for n in range(WORKERS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    text = (root / "sessions/ACTIVE/shared.md").read_text(encoding="utf-8")
    knowledge = (root / "shared-knowledge/learnings.md").read_text(encoding="utf-8")
    for n in range(WORKERS):
        for i in range(PER_WORKER):
            assert text.count(f"worker {n} entry {i}\n") == 1
            assert text.count(f"worker {n} learning {i} — shared to") == 1
            assert knowledge.count(f"- worker {n} learning {i}\n  second line {n}-{i}\n") == 1
    assert knowledge.count("### ") == WORKERS * PER_WORKER
    doc = SessionDoc(text)
    assert len(doc.sections()) == 7
    events = (root / "events/shared.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(events) == 1 + 2 * WORKERS * PER_WORKER


_LOOP = """
import sys
from journal.config import load_config
from journal.session.edits import add_entry
from journal.workspace import Workspace
ws = Workspace(load_config(sys.argv[1]))
print("ready", flush=True)
i = 0
while True:
    add_entry(ws, "victim", "next", "entry %d " % i + "x" * 2000)
    i += 1
"""


def test_sigkill_mid_write_leaves_whole_files(tmp_path):
    from journal.session.store import create_session

    root = tmp_path / "coordination"
    ws = Workspace(load_config(root))
    create_session(ws, "victim", "Dev", "Gets killed")
    for delay in (0.15, 0.3, 0.45):
        proc = subprocess.Popen([sys.executable, "-c", _LOOP, str(root)], stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL  # killed, not crashed before the kill
        path = root / "sessions/ACTIVE/victim.md"
        doc = SessionDoc.read(path)  # parses: never half written
        entries = [line for line in doc.text().splitlines() if line.startswith("- [ ] entry ")]
        assert all(line.endswith("x" * 2000) for line in entries)
        leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
        # a temp file may remain after SIGKILL, but the log itself is whole and check still passes
        assert all(name.startswith(".victim.md.") for name in leftovers)
    assert entries, "the writer was killed before any entry landed: the checks above saw nothing"


_ENTRIES = """
import sys
from journal.config import load_config
from journal.session.edits import add_entry
from journal.workspace import Workspace
ws = Workspace(load_config(sys.argv[1]))
i = int(sys.argv[2])
while True:
    add_entry(ws, "victim", ("next", "completed", "blocker", "learning")[i % 4], "entry %d\\nsecond line" % i)
    print(i, flush=True)
    i += 1
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_entries_keep_markers_and_events_together(ws: Workspace, sig: signal.Signals) -> None:
    """SIGINT/SIGTERM at any moment: each entry and its event land together or not at all."""
    from journal.session.links import place_events
    from journal.session.check import check_workspace
    from journal.session.store import create_session

    create_session(ws, "victim", "Dev", "Gets interrupted")
    path = ws.active_path("victim")
    rng = random.Random(int(sig))
    start = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", _ENTRIES, str(ws.root), str(start)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the loop is running: now interrupt it somewhere
        assert first.strip().isdigit()
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == -sig, proc.returncode  # killed by the signal, not a crash (exit 1)
        start = int((first + rest).split()[-1]) + 1000
        assert [str(p) for p in check_workspace(ws)] == []
        doc = SessionDoc.read(path)
        events = [orjson.loads(line) for line in ws.events_path("victim").read_bytes().splitlines()]
        placed = place_events(doc.lines, events)
        entries = [i for i, line in enumerate(doc.lines) if line.startswith("- ") and " entry " in line]
        linked = {e["event_id"] for e in events if e["data"]["action"] != "create"}
        assert set(placed) == linked  # every event finds its entry...
        assert sorted(i for where in placed.values() for i in where) == entries  # ...and every entry its event
        assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


_HOLD = """
import sys, time
from pathlib import Path
from journal.fsutil import allow_outside, locked
allow_outside(Path(sys.argv[1]).parent, "a test's own lock folder", tree=True)
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(30)
"""


def test_lock_excludes_other_processes_and_is_reentrant_within_one(tmp_path):
    import pytest

    from journal.errors import LockTimeout
    from journal.fsutil import allow_outside, locked

    lock = tmp_path / "locks" / "x.lock"
    (tmp_path / "locks").mkdir()
    allow_outside(tmp_path / "locks", "a test's own lock folder", tree=True)  # no workspace here
    with locked(lock):
        with locked(lock, timeout=1):  # the same thread may take it again
            pass
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(lock)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        with pytest.raises(LockTimeout, match="another journal process holds"):
            with locked(lock, timeout=0.3):
                pass
    finally:
        holder.kill()
        holder.wait()
    with locked(lock, timeout=5):  # a killed holder's lock is released by the kernel
        pass
