"""Benchmark: `journal board` and `journal inbox` over many sessions and messages.

Builds a workspace of --sessions active logs carrying --messages messages in
total (5% broadcasts, a quarter of direct messages acknowledged), then times,
against `grep -rh '→' ACTIVE` in the same run (the anchor):

- the CLI in a real process (cold cache: first run; warm: median of --repeat),
- the library call in this process (warm), which leaves out interpreter start-up.

Usage: python benchmarks/bench_coordination.py [--sessions 500] [--messages 20000] [--repeat 7]
It never fails on a timing; it prints a table.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build(root: Path, sessions: int, messages: int, seed: int = 7) -> list[str]:
    """Create the workspace; messages are written in the exact format `journal message` writes."""
    from journal.config import load_config
    from journal.session.document import SessionDoc, entry_lines
    from journal.fsutil import atomic_write
    from journal.ids import ulid
    from journal.init import init_workspace
    from journal.session.sections import COORDINATION, MESSAGES_RECEIVED, MESSAGES_SENT
    from journal.session.store import create_session
    from journal.session.edits import add_entry
    from journal.workspace import Workspace

    rng = random.Random(seed)
    ws = Workspace(load_config(root))
    init_workspace(ws)
    ids = [f"session-{i}" for i in range(sessions)]
    for n, sid in enumerate(ids):
        create_session(ws, sid, rng.choice(["Backend", "DBA", "QA", "DevOps"]), f"Mission number {n}")
        if n % 7 == 0:
            add_entry(ws, sid, "blocker", f"Waiting on dependency {n}")
    outbox: dict[str, list[list[str]]] = {sid: [] for sid in ids}
    inbox_acks: dict[str, list[list[str]]] = {sid: [] for sid in ids}
    base = int(time.time() * 1000) - messages * 1000
    for k in range(messages):
        sender = rng.choice(ids)
        mid = ulid(base + k * 1000)
        stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime((base + k * 1000) / 1000))
        prio = rng.choice(["low", "normal", "normal", "high", "urgent"])
        to = "broadcast" if rng.random() < 0.05 else rng.choice([s for s in (rng.choice(ids), rng.choice(ids)) if s != sender] or [ids[0] if sender != ids[0] else ids[1]])
        text = f"Message {k} about the email service and database migration" + ("\nwith a second line" if k % 5 == 0 else "")
        marker = f'" ({prio}) <!-- msg:{mid} --> <!-- evt:evt_{mid} -->'
        outbox[sender].append(entry_lines(text, "\n", f'- {stamp} → {to}: "', marker))
        if to != "broadcast" and rng.random() < 0.25:
            inbox_acks[to].append(entry_lines(f"Message {k}", "\n", f'- {stamp} ← {sender}: "', marker))
    for sid in ids:
        path = ws.active_path(sid)
        doc = SessionDoc.read(path)
        section = doc.require(*COORDINATION)
        at = doc.find_label(section, MESSAGES_SENT)
        block = [line for entry in outbox[sid] for line in entry]
        doc.lines[at + 1 : at + 1] = block
        section = doc.require(*COORDINATION)
        at = doc.find_label(section, MESSAGES_RECEIVED)
        doc.lines[at + 1 : at + 1] = [line for entry in inbox_acks[sid] for line in entry]
        atomic_write(path, doc.text())
    return ids


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def median_of(fn, repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the generated workspace and print its path.")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-coordination-"))
    root = tmp / "coordination"
    t0 = time.perf_counter()
    ids = build(root, args.sessions, args.messages)
    build_s = time.perf_counter() - t0
    time.sleep(2.1)  # files changed in the last 2 s are never served from the cache (racy timestamps)
    # Time the CLI as installed normally, with compiled bytecode (kept in a temporary folder).
    env = {**os.environ, "JOURNAL_ROOT": str(root), "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    for var in ("JOURNAL_NOW", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    subprocess.run([sys.executable, "-m", "journal", "--version"], env=env, stdout=subprocess.DEVNULL, check=False)
    journal = [sys.executable, "-m", "journal"]
    who = ids[len(ids) // 2]
    active = str(root / "sessions" / "ACTIVE")
    size = sum(p.stat().st_size for p in Path(active).iterdir())

    anchor = median_of(lambda: timed(["grep", "-rh", "→", active], tmp, env), args.repeat)
    timed([*journal, "inbox", "-s", who], tmp, env)  # compile the command modules once
    shutil.rmtree(root / ".journal" / "cache", ignore_errors=True)
    board_cold = timed([*journal, "board"], tmp, env)
    board_cli = median_of(lambda: timed([*journal, "board"], tmp, env), args.repeat)
    inbox_cli = median_of(lambda: timed([*journal, "inbox", "-s", who, "--all"], tmp, env), args.repeat)
    version_cli = median_of(lambda: timed([*journal, "--version"], tmp, env), args.repeat)

    from journal.coordination import board
    from journal.coordination import mail as co
    from journal.config import load_config
    from journal.workspace import Workspace

    ws = Workspace(load_config(root))

    def lib(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    board_lib = median_of(lambda: lib(lambda: board.board(ws)), args.repeat)
    inbox_lib = median_of(lambda: lib(lambda: co.inbox(ws, who, include_read=True)), args.repeat)
    count = len(co.inbox(ws, who, include_read=True))

    rows = [
        ("grep -rh '→' ACTIVE (anchor)", anchor),
        ("journal --version (start-up only)", version_cli),
        ("journal board, cold cache", board_cold),
        ("journal board, warm", board_cli),
        (f"journal inbox -s {who} --all, warm", inbox_cli),
        ("library board(), warm", board_lib),
        ("library inbox(), warm", inbox_lib),
    ]
    print(f"{args.sessions} active sessions, {args.messages} messages, {size / 1e6:.1f} MB of logs "
          f"(built in {build_s:.1f}s); inbox of {who}: {count} messages; median of {args.repeat}")
    print(f"{'what':<42} {'seconds':>9} {'× grep':>8}")
    for name, seconds in rows:
        print(f"{name:<42} {seconds:>9.4f} {seconds / anchor:>8.2f}")
    if args.keep:
        print(f"workspace kept at {root}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
