#!/usr/bin/env python3
"""Benchmark `journal check`, the first `board` and the first `inbox` on a big history.

Builds (or reuses) a workspace of --active active and --archived archived sessions, each
with its event log, written the way the CLI writes them (a seed session is made through
the library, then copied under new ids). Then, each as a ratio to an anchor timed in the
same run:

  check, nothing changed since its last run   vs  journal --version            (target <= 3x)
                                              and GNU find lstat'ing every file (its floor: info)
  check, no cache                             vs  journal list --all --json, no cache   (<= 2x)
  board, no cache (the first board)           vs  board, warm                   (<= 3x)
  inbox, no cache (the first inbox)           vs  inbox, warm                   (<= 3x)

Timings are medians of --repeat runs of a real process (the venv's `journal` script); the
cold runs delete <root>/.journal/cache first. A report, not a test: it exits 0 whatever
the ratios are.

    python benchmarks/bench_check.py                          # 2,000 active + 20,000 archived
    python benchmarks/bench_check.py --active 200 --archived 2000 --repeat 3   # quick run
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
CORPUS_VERSION = 2
SEED_NOW = "2026-03-02T09:00:00Z"


def journal_exe() -> str:
    exe = Path(sys.executable).parent / "journal"
    if not exe.exists():
        sys.exit(f"bench: no journal console script at {exe}; install the project in this venv")
    return str(exe)


def _seed(root: Path) -> tuple[str, str, str, str]:
    """A real session (and a peer it messages) made through the library: (md, jsonl, peer md, peer jsonl)."""
    os.environ["JOURNAL_NOW"] = SEED_NOW
    from journal.config import load_config
    from journal.coordination.mail import acknowledge, send_message
    from journal.init import init_workspace
    from journal.session.edits import add_entry, resolve_blocker, update_current_work
    from journal.session.knowledge import share_learning
    from journal.session.store import create_session
    from journal.workspace import Workspace

    ws = Workspace(load_config(root))
    init_workspace(ws)
    create_session(ws, "seedpeer", "Reviewer", "Review the changes")
    create_session(ws, "seedsess", "Backend Engineer", "Build the orders API", agent="claude-code", model="opus")
    update_current_work(ws, "seedsess", working_on="Orders endpoint", status="building", progress=40,
                        phases=("Design", "Endpoints", "Tests"), phases_done=("Design",))
    for i in range(8):
        add_entry(ws, "seedsess", "completed", f"Implemented step {i} of the orders API with tests and docs")
    add_entry(ws, "seedsess", "service", "orders-api (port 8080)")
    add_entry(ws, "seedsess", "learning", "Return money as integer cents, never floats")
    add_entry(ws, "seedsess", "blocker", "Waiting for the payments sandbox keys")
    add_entry(ws, "seedsess", "blocker", "CI runner is out of disk")
    resolve_blocker(ws, "seedsess", "2", "cleaned the cache")
    for i in range(3):
        add_entry(ws, "seedsess", "next", f"Next step number {i}: wire the webhook handler")
    share_learning(ws, "API", "Idempotency keys make retries safe", "High", session_id="seedsess")
    for i in range(3):
        send_message(ws, "seedsess", "seedpeer", f"Please review part {i} of the orders API", "high" if i else None)
    send_message(ws, "seedpeer", "seedsess", "Looks good, one comment on pagination")
    acknowledge(ws, "seedsess")
    read = lambda p: p.read_text(encoding="utf-8")  # noqa: E731
    out = (read(ws.active_path("seedsess")), read(ws.events_path("seedsess")),
           read(ws.active_path("seedpeer")), read(ws.events_path("seedpeer")))
    del os.environ["JOURNAL_NOW"]
    return out


def build(active: int, archived: int, rebuild: bool) -> Path:
    base = HERE / ".corpus" / f"check-a{active}-r{archived}"
    marker = base / "corpus.json"
    if not rebuild and marker.exists() and json.loads(marker.read_text()).get("version") == CORPUS_VERSION:
        return base / "coordination"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=base, check=True)
    root = base / "coordination"
    t0 = time.perf_counter()
    md, log, peer_md, peer_log = _seed(root)
    for p in (root / "sessions/ACTIVE").glob("seed*.md"):
        p.unlink()
    for p in (root / "events").glob("seed*.jsonl"):
        p.unlink()
    rng = random.Random(11)
    total = active + archived
    for i in range(total):
        sid = f"s{i:05d}"
        is_archived = i >= active
        # Every session messages the same peer: the messages' lines, and so their link keys, stay as
        # the seed wrote them (a line that names another peer would be an entry edited by hand).
        text = md.replace("seedsess", sid)
        events = log.replace("seedsess", sid)
        if is_archived:
            text = text.replace("status: building", "status: done").replace("- **Status:** Building", "- **Status:** Done")
            day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            path = root / "sessions" / "ARCHIVE" / f"{sid}-{day}.md"
        else:
            path = root / "sessions" / "ACTIVE" / f"{sid}.md"
        path.write_text(text, encoding="utf-8")
        (root / "events" / f"{sid}.jsonl").write_text(events, encoding="utf-8")
    (root / "sessions" / "ACTIVE" / "seedpeer.md").write_text(peer_md, encoding="utf-8")
    (root / "events" / "seedpeer.jsonl").write_text(peer_log, encoding="utf-8")
    old = time.time() - 3600  # older than the racy window, as a history is
    for folder in ("sessions/ACTIVE", "sessions/ARCHIVE", "events", "shared-knowledge"):
        for p in (root / folder).iterdir():
            os.utime(p, (old, old))
    marker.write_text(json.dumps({"version": CORPUS_VERSION, "active": active, "archived": archived,
                                  "build_seconds": round(time.perf_counter() - t0, 1)}) + "\n")
    return root


def timed(cmd: list[str], env: dict[str, str], cwd: str, ok: tuple[int, ...] = (0,)) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in ok:
        sys.exit(f"bench: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--active", type=int, default=2000)
    p.add_argument("--archived", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--rebuild", action="store_true")
    args = p.parse_args(argv)
    root = build(args.active, args.archived, args.rebuild)
    exe = journal_exe()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNAL_")}
    cwd = tempfile.mkdtemp(prefix="bench-check-")
    cache = root / ".journal" / "cache"
    who = "seedpeer"  # every session's messages are to it

    def j(*a: str) -> list[str]:
        return [exe, "--root", str(root), *a]

    def cold(cmd: list[str], ok: tuple[int, ...] = (0,)) -> Callable[[], float]:
        def run() -> float:
            shutil.rmtree(cache, ignore_errors=True)
            return timed(cmd, env, cwd, ok)
        return run

    def warm(cmd: list[str], ok: tuple[int, ...] = (0,)) -> Callable[[], float]:
        return lambda: timed(cmd, env, cwd, ok)

    # The floor of an unchanged check: GNU find lstat'ing every log and event log, in C.
    find = ["find", str(root / "sessions" / "ACTIVE"), str(root / "sessions" / "ARCHIVE"), str(root / "events"),
            "-newer", str(root.parent / "corpus.json")]
    pairs: list[tuple[str, Callable[[], float], str, Callable[[], float], float | None]] = [
        ("check, nothing changed", warm(j("check")), "journal --version", warm([exe, "--version"]), 3.0),
        ("check, nothing changed", warm(j("check")), "find: one lstat a file", warm(find), None),
        ("check, no cache", cold(j("check")), "list --all --json, no cache", cold(j("list", "--all", "--json")), 2.0),
        ("board, no cache", cold(j("board")), "board, warm", warm(j("board")), 3.0),
        ("inbox, no cache", cold(j("inbox", "-s", who)), "inbox, warm", warm(j("inbox", "-s", who)), 3.0),
    ]
    print(f"corpus: {root}: {args.active} active + {args.archived} archived sessions with event logs; "
          f"median of {args.repeat}\n")
    print(f"{'command':<26} {'s':>7}  {'anchor':<28} {'s':>7}  {'ratio':>6}  target")
    for name, cmd, anchor_name, anchor, target in pairs:
        cmd()
        anchor()  # one untimed warm-up each (and the warm runs' caches)
        a, c = [], []
        for _ in range(args.repeat):
            a.append(anchor())
            c.append(cmd())
        cs, as_ = statistics.median(c), statistics.median(a)
        ratio = cs / as_
        verdict = "info" if target is None else f"<= {target:g}x {'OK' if ratio <= target else 'over'}"
        print(f"{name:<26} {cs:>7.3f}  {anchor_name:<28} {as_:>7.3f}  {ratio:>5.2f}x  {verdict}")
    shutil.rmtree(cwd, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
