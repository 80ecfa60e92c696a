"""Interrupting coordination commands (SIGINT, SIGTERM, SIGKILL) in real processes leaves every file whole."""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import orjson
import pytest

from journal.coordination import mail as co
from journal.session.document import SessionDoc
from journal.session.check import check_workspace
from journal.session.store import create_session
from journal.workspace import Workspace

# Sends multi-line messages and acknowledges in a loop until killed; prints each finished step.
_LOOP = r"""
import sys
from journal.config import load_config
from journal.workspace import Workspace
from journal.coordination import mail as co
ws = Workspace(load_config(sys.argv[1]))
i = int(sys.argv[2])
while True:
    co.send_message(ws, "s1", "s2", f"message {i}\nsecond line of {i}\n\n    code of {i}", "high")
    if i % 3 == 0:
        co.broadcast(ws, "s2", f"broadcast {i}\nmore of {i}")
    if i % 4 == 0:
        co.acknowledge(ws, "s1")
    print(i, flush=True)
    i += 1
"""


def _whole(ws: Workspace) -> dict[str, str]:
    """Every log parses, ``check`` finds nothing, and every message is complete; id -> text."""
    assert [str(p) for p in check_workspace(ws)] == []
    for path in ws.active_dir.glob("*.md"):
        SessionDoc.read(path)
    texts = {}
    for m in co.inbox(ws, "s2", include_read=True):
        n = m.text.split(" ", 1)[1].split("\n")[0]
        assert m.text == f"message {n}\nsecond line of {n}\n\n    code of {n}"
        texts[m.id] = m.text
    for m in co.inbox(ws, "s1", include_read=True):
        n = m.text.split(" ", 1)[1].split("\n")[0]
        assert m.text == f"broadcast {n}\nmore of {n}"
    return texts


def _message_ids(ws: Workspace, sid: str) -> set[str]:
    """The message ids the session's events record as sent."""
    path = ws.events_path(sid)
    events = [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []
    return {e["data"]["message_id"] for e in events if "message_id" in e["data"]}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_kill_mid_operation_leaves_whole_files(ws: Workspace, sig: signal.Signals) -> None:
    create_session(ws, "s1", "Dev", "Sender")
    create_session(ws, "s2", "Dev", "Receiver")
    rng = random.Random(sig)
    start = 0
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", _LOOP, str(ws.root), str(start)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the loop is running: now interrupt it somewhere
        assert first.strip().isdigit()
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == -sig, proc.returncode  # killed by the signal, not a crash (exit 1)
        done = [int(x) for x in (first + rest).split()]
        start = done[-1] + 1000
        if sig == signal.SIGKILL:  # nothing holds SIGKILL: check names a half-done change, --fix finishes it
            left = [p for p in check_workspace(ws) if not p.note]
            assert {p.kind for p in left} <= {"half-done", "temp-file"}, [str(p) for p in left]
            assert all(p.fixed for p in check_workspace(ws, fix=True))
        texts = _whole(ws)
        assert len(texts) >= len(done)
    assert len(_whole(ws)) >= 5
    if sig != signal.SIGKILL:  # a held signal lets the entry and its event land together
        sent = {m.id for m in co.inbox(ws, "s2", include_read=True)}
        assert sent <= _message_ids(ws, "s1")
        leftovers = [p.name for p in ws.active_dir.iterdir() if p.name.endswith(".tmp")]
        assert leftovers == []


def test_deferred_signal_is_delivered_after_the_block() -> None:
    code = r"""
import os, signal, sys
from journal.fsutil import deferred_signals
seen = []
signal.signal(signal.SIGTERM, lambda s, f: seen.append("handled"))
with deferred_signals():
    os.kill(os.getpid(), signal.SIGTERM)
    seen.append("block finished")
print(",".join(seen))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "block finished,handled"


def test_sending_writes_only_the_senders_files(ws: Workspace) -> None:
    """One writer per file: a message touches the sender's log and event log, nothing else."""
    create_session(ws, "s1", "Dev", "Sender")
    create_session(ws, "s2", "Dev", "Receiver")
    before = {p: p.read_bytes() for p in ws.root.rglob("*") if p.is_file() and ".journal" not in p.parts}
    co.send_message(ws, "s1", "s2", "hello")
    changed = {p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*")
               if p.is_file() and ".journal" not in p.parts and before.get(p) != p.read_bytes()}
    assert changed == {"sessions/ACTIVE/s1.md", "events/s1.jsonl"}


_SENDER = r"""
import sys
from journal.config import load_config
from journal.workspace import Workspace
from journal.coordination import mail as co
ws = Workspace(load_config(sys.argv[1]))
for i in range(15):
    co.send_message(ws, "s1", "s2", f"{sys.argv[2]} {i}\nline two")
    co.acknowledge(ws, "s2") if i % 5 == 0 else None
"""


def test_concurrent_senders_lose_nothing(ws: Workspace) -> None:
    create_session(ws, "s1", "Dev", "Sender")
    create_session(ws, "s2", "Dev", "Receiver")
    procs = [subprocess.Popen([sys.executable, "-c", _SENDER, str(ws.root), name]) for name in ("left", "right")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    got = sorted(m.text.split("\n")[0] for m in co.inbox(ws, "s2", include_read=True))
    assert got == sorted(f"{name} {i}" for name in ("left", "right") for i in range(15))
    received = ws.active_path("s2").read_text(encoding="utf-8").count(" ← s1: ")
    assert received == len({m.id for m in co.inbox(ws, "s2", include_read=True) if not m.unread})
    assert check_workspace(ws) == []


_HANDOFFS = r"""
import sys
from journal.config import load_config
from journal.workspace import Workspace
from journal.coordination.handoff import handoff
from journal.session.edits import add_entry
ws = Workspace(load_config(sys.argv[1]))
i = int(sys.argv[2])
while True:
    add_entry(ws, f"h{i}", "next", f"step after h{i}")
    handoff(ws, f"h{i}", f"h{i + 1}", archive=True)
    print(i, flush=True)
    i += 1
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_handoffs_leave_two_way_links(ws: Workspace, sig: signal.Signals) -> None:
    from journal.workspace import scan_sessions

    create_session(ws, "h0", "Dev", "Relay")
    rng = random.Random(int(sig))
    for _ in range(4):
        current = [r.id for r in scan_sessions(ws)]
        assert len(current) == 1  # exactly one live end of the relay
        proc = subprocess.Popen([sys.executable, "-c", _HANDOFFS, str(ws.root), current[0][1:]],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip().isdigit()
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        assert proc.returncode == -sig, proc.returncode  # killed by the signal, not a crash (exit 1)
        assert [str(p) for p in check_workspace(ws)] == []
        docs = {r.id: SessionDoc.read(r.path) for r in scan_sessions(ws, True, True)}
        assert any(doc.meta.get("handoff_to") for doc in docs.values())  # a handoff landed: the links are checked
        for sid, doc in docs.items():
            if doc.meta.get("handoff_from"):
                assert docs[doc.meta["handoff_from"]].meta.get("handoff_to") == sid
            if doc.meta.get("handoff_to"):
                assert docs[doc.meta["handoff_to"]].meta.get("handoff_from") == sid
