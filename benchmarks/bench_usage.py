#!/usr/bin/env python3
"""Benchmark: `journal logs usage --by day` against `journal logs list` over the same linked logs.

Builds a workspace (in a temp dir, or --dir) whose sessions link --logs agent logs
(copies of the agent-log samples, every format, with their usage), linked through the
library, then times both commands in turn, each in its own process, median of
--repeat runs after one untimed warm-up. Target: usage <= 2x list. Prints figures
and the ratio; never fails on a timing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "data" / "agentlogs"
REAL = ROOT.parent / "shared" / "fixtures" / "agent_logs"
SAMPLES = [OWN / n for n in ("claude_sidechain.jsonl", "codex_rollout.jsonl", "codex_ide.jsonl",
                             "gemini_session.jsonl", "gemini_injected.jsonl", "copilot_events.jsonl",
                             "copilot_resumed.jsonl", "zag/w-1111.jsonl")]
if REAL.is_dir():
    SAMPLES += sorted(p for p in REAL.rglob("*.jsonl"))


def build(work: Path, n_logs: int, per_session: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    os.chdir(work)
    from journal.init import init_workspace
    from journal.session import machine_logs
    from journal.session.store import create_session
    from journal.workspace import Workspace

    ws = Workspace.open()
    init_workspace(ws)
    logs = work / "logs"
    logs.mkdir()
    past = time.time() - 3600
    for i in range(n_logs):
        sid = f"s{i // per_session:03d}"
        if i % per_session == 0:
            create_session(ws, sid, "Dev", "Benchmark")
        src = SAMPLES[i % len(SAMPLES)]
        dest = logs / f"{i:04d}-{src.name}"
        shutil.copyfile(src, dest)
        os.utime(dest, (past, past))
        machine_logs.link(ws, sid, dest)


def timed(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logs", type=int, default=200, help="linked logs (default 200)")
    ap.add_argument("--per-session", type=int, default=10, help="logs linked to each session (default 10)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each command (default 5)")
    ap.add_argument("--dir", default=None, help="build the workspace here and keep it")
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="bench-usage-"))
    exe = [str(Path(sys.executable).with_name("journal"))]
    if not Path(exe[0]).exists():
        exe = [sys.executable, "-m", "journal"]
    try:
        t = time.perf_counter()
        build(work, args.logs, args.per_session)
        print(f"built {work}: {args.logs} linked logs in {args.logs // args.per_session} sessions "
              f"({len(SAMPLES)} samples) in {time.perf_counter() - t:.1f}s")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        cmds = {"list": [*exe, "logs", "list", "--limit", str(args.logs)],
                "usage": [*exe, "logs", "usage", "--by", "day", "--all"]}
        for c in cmds.values():
            timed(c)  # warm-up: page cache, bytecode, saved summaries
        runs: dict[str, list[float]] = {k: [] for k in cmds}
        for r in range(args.repeat):
            for k in (cmds if r % 2 == 0 else reversed(list(cmds))):
                runs[k].append(timed(cmds[k]))
        lst, use = statistics.median(runs["list"]), statistics.median(runs["usage"])
        print(f"journal logs list          : {lst:6.3f}s (median of {args.repeat})")
        print(f"journal logs usage --by day: {use:6.3f}s (median of {args.repeat})")
        print(f"  ratio usage/list: {use / lst:.2f}x   (target <= 2x)")
    finally:
        if not args.dir:
            os.chdir("/")
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
