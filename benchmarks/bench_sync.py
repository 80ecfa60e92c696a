#!/usr/bin/env python3
"""Benchmark ``journal sync`` against bare git doing the same work, and agents syncing at once.

1. ``journal sync`` of N changed sessions (default 100 and 1,000, in a workspace of 1,000
   sessions, while another clone moved the remote) against the same work done with bare git
   commands in an identical clone pair: ``git add -A && git commit && git pull --rebase &&
   git push``, plus the CLI's own start-up (``journal --version``), timed in the same run.
   Ratio = sync ÷ (bare git + start-up); target ≤ 1.5×.
2. 8 agents in one clone, each adding an entry to its own session and then syncing, 5 times
   each, all at once: the total wall time as a ratio to the same 40 add+sync pairs run one
   after another (target ≤ 1.2×), with the number of commits that reached the remote and of
   entries on it (all 40).

A report, not a test: it exits 0 whatever the ratios are (and fails only when a command
fails). Run it with the Python of a venv where the project is installed:

    python benchmarks/bench_sync.py                        # 100 and 1,000 changed sessions, 5 runs; 8 agents × 5
    python benchmarks/bench_sync.py --changed 20 --sessions 100 --repeat 3 --agents 4 --rounds 2   # quick
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JOURNAL = [sys.executable, "-m", "journal"]


def run(cmd: list[str], cwd: Path, env: dict[str, str], shell: bool = False) -> None:
    proc = subprocess.run(cmd if not shell else cmd[0], cwd=cwd, env=env, shell=shell,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed in {cwd}: {proc.stderr}")


def timed(cmd: list[str], cwd: Path, env: dict[str, str], shell: bool = False) -> float:
    start = time.perf_counter()
    run(cmd, cwd, env, shell)
    return time.perf_counter() - start


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def build_pair(tmp: Path, name: str, sessions: int, env: dict[str, str]) -> tuple[Path, Path, Path]:
    """A repository with ``sessions`` session logs (and their event logs) at a bare remote, and
    two clones of it: the one that syncs, and one that moves the remote meanwhile."""
    seed = tmp / f"{name}-seed"
    seed.mkdir()
    git(seed, env, "init", "-q", "-b", "main")
    (seed / "README.md").write_text("project\n", encoding="utf-8")
    run([*JOURNAL, "init"], seed, env)
    run([*JOURNAL, "create", "s-0", "Dev", "Benchmark session"], seed, env)
    root = seed / "coordination"
    text = (root / "sessions/ACTIVE/s-0.md").read_text(encoding="utf-8")
    events = (root / "events/s-0.jsonl").read_text(encoding="utf-8")
    for i in range(1, sessions):
        (root / f"sessions/ACTIVE/s-{i}.md").write_text(text.replace("s-0", f"s-{i}"), encoding="utf-8")
        (root / f"events/s-{i}.jsonl").write_text(events.replace('"s-0"', f'"s-{i}"'), encoding="utf-8")
    git(seed, env, "add", "-A")
    git(seed, env, "commit", "-q", "-m", "workspace")
    remote = tmp / f"{name}.git"
    git(tmp, env, "clone", "-q", "--bare", str(seed), str(remote))
    a, b = tmp / f"{name}-a", tmp / f"{name}-b"
    for clone in (a, b):
        git(tmp, env, "clone", "-q", str(remote), str(clone))
    run([*JOURNAL, "list"], a, env)  # any command: the merge driver goes into the repository's config
    return remote, a, b


def change(clone: Path, ids: range, tag: str) -> None:
    """Add an entry and its event to each session of ``ids``: what ``journal add`` writes, in bulk."""
    from journal.config import load_config
    from journal.session.edits import add_entry
    from journal.workspace import Workspace

    ws = Workspace(load_config(clone / "coordination", cwd=clone))
    for i in ids:
        add_entry(ws, f"s-{i}", "completed", f"{tag} in s-{i}")


def move_remote(clone: Path, env: dict[str, str], session: int, tag: str) -> None:
    """Another clone's change to another session reaches the remote."""
    git(clone, env, "pull", "-q", "--rebase")
    change(clone, range(session, session + 1), tag)
    git(clone, env, "add", "-A")
    git(clone, env, "commit", "-q", "-m", f"other clone {tag}")
    git(clone, env, "push", "-q")


BARE = "git add -A && git commit -q -m sync && git pull -q --rebase && git push -q"


def bench_changed(tmp: Path, env: dict[str, str], sessions: int, changed: int, repeat: int) -> dict[str, float]:
    _, ja, jb = build_pair(tmp, f"j{changed}", sessions, env)
    _, ga, gb = build_pair(tmp, f"g{changed}", sessions, env)
    syncs, bares, starts = [], [], []
    for n in range(repeat + 1):  # the first round is a warm-up
        tag = f"round {n}"
        for a, b in ((ja, jb), (ga, gb)):
            move_remote(b, env, sessions - 1, tag)
            change(a, range(changed), tag)
        sync = timed([*JOURNAL, "sync"], ja, env)
        bare = timed([BARE], ga, env, shell=True)
        start = timed([*JOURNAL, "--version"], ga, env)
        if n:
            syncs.append(sync)
            bares.append(bare)
            starts.append(start)
    s, g, v = statistics.median(syncs), statistics.median(bares), statistics.median(starts)
    return {"sync": s, "bare_git": g, "startup": v, "ratio": s / (g + v), "ratio_to_git_alone": s / g}


AGENT = r"""
import subprocess, sys
journal, sid, rounds = sys.argv[1:4]
for n in range(int(rounds)):
    for args in (["add", "-s", sid, "completed", f"{sid} entry {n}"], ["sync"]):
        proc = subprocess.run([sys.executable, "-m", "journal", *args], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{sid}: journal {' '.join(args)} failed: {proc.stderr}")
"""


def bench_agents(tmp: Path, env: dict[str, str], agents: int, rounds: int) -> dict[str, float]:
    results = {}
    for mode in ("sequential", "concurrent"):
        remote, a, _ = build_pair(tmp, f"agents-{mode}", agents, env)
        base = git(a, env, "rev-parse", "HEAD").strip()
        start = time.perf_counter()
        if mode == "concurrent":
            procs = [subprocess.Popen([sys.executable, "-c", AGENT, "journal", f"s-{k}", str(rounds)], cwd=a, env=env)
                     for k in range(agents)]
            if any(p.wait() != 0 for p in procs):
                raise SystemExit("an agent failed")
        else:
            for n in range(rounds):
                for k in range(agents):
                    run([*JOURNAL, "add", "-s", f"s-{k}", "completed", f"s-{k} entry {n}"], a, env)
                    run([*JOURNAL, "sync"], a, env)
        results[mode] = time.perf_counter() - start
        commits = int(git(remote, env, "rev-list", "--count", "main", f"^{base}").strip())
        check = tmp / f"agents-{mode}-check"
        git(tmp, env, "clone", "-q", str(remote), str(check))
        entries = sum((check / f"coordination/sessions/ACTIVE/s-{k}.md").read_text(encoding="utf-8").count(" entry ")
                      for k in range(agents))
        results[f"{mode}_commits"] = commits
        results[f"{mode}_entries"] = entries
    results["ratio"] = results["concurrent"] / results["sequential"]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1000, help="Sessions in the workspace (default 1,000).")
    parser.add_argument("--changed", type=int, action="append", help="Changed sessions per sync (repeatable; default 100 and 1,000).")
    parser.add_argument("--repeat", type=int, default=5, help="Timed rounds per size (median; default 5).")
    parser.add_argument("--agents", type=int, default=8, help="Agents in one clone (default 8).")
    parser.add_argument("--rounds", type=int, default=5, help="add+sync pairs per agent (default 5).")
    parser.add_argument("--json-out", type=Path, help="Also write the results as JSON.")
    args = parser.parse_args()
    sizes = args.changed or [100, 1000]
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    home = tmp / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n",
                                     encoding="utf-8")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
           "JOURNAL_USER": "bench", "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    for var in ("JOURNAL_NOW", "PYTHONDONTWRITEBYTECODE", "JOURNAL_ROOT", "JOURNAL_SESSION"):
        env.pop(var, None)
    os.environ.update({k: env[k] for k in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "JOURNAL_USER")})
    report: dict[str, object] = {"sessions": args.sessions, "repeat": args.repeat}
    try:
        print(f"journal sync vs bare git ({BARE}) + journal --version; {args.sessions} sessions, "
              f"another clone moving the remote each round; median of {args.repeat}")
        print(f"{'changed':>8} {'sync s':>8} {'git s':>8} {'start-up s':>11} {'ratio':>7} {'vs git alone':>13}")
        for changed in sizes:
            r = bench_changed(tmp, env, max(args.sessions, changed), changed, args.repeat)
            report[f"changed_{changed}"] = r
            print(f"{changed:>8} {r['sync']:>8.3f} {r['bare_git']:>8.3f} {r['startup']:>11.3f} "
                  f"{r['ratio']:>6.2f}× {r['ratio_to_git_alone']:>12.2f}×   (target ≤ 1.5×)")
        r = bench_agents(tmp, env, args.agents, args.rounds)
        report["agents"] = r
        total = args.agents * args.rounds
        print(f"\n{args.agents} agents × {args.rounds} add+sync in one clone: all at once {r['concurrent']:.1f}s, "
              f"one after another {r['sequential']:.1f}s: ratio {r['ratio']:.2f}× (target ≤ 1.2×)")
        print(f"  at once: {r['concurrent_commits']} commits reached the remote, "
              f"{r['concurrent_entries']} of {total} entries on it; one after another: "
              f"{r['sequential_commits']} commits, {r['sequential_entries']} of {total} entries")
        if args.json_out:
            args.json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
