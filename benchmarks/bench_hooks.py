"""Benchmark of `journal hook`: what an agent pays on every step, as a ratio to `python -c pass`.

    python benchmarks/bench_hooks.py                 # 40 runs of each
    python benchmarks/bench_hooks.py --repeat 100 --json-out hooks.json

Runs the venv's own `journal` console script (the one agent CLIs run) in a fresh git
repository with a workspace, a Claude Code session mapped by SessionStart, and --sessions
other active sessions. The anchor is `python -c pass` with the same interpreter, timed
alternately with each command; `python -c "import json, os, fcntl"` is printed beside it
as the floor of any hook written in Python. Both wall time and the child's CPU time
(user + system) are reported: on a loaded machine the CPU ratio is the steadier one.
Timings are informative only.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "tests" / "data" / "hooks" / "claude-code"
PROVIDER = "3f2b9c1e-7a4d-4e8b-9c2a-1d5e6f7a8b90"


def payload(name: str, **changes: object) -> bytes:
    data = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    data.update(changes)
    return json.dumps(data).encode()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, stdin: bytes | None, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run."""
    cpu = _cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or proc.stderr:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return elapsed, _cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="runs of each command (median reported)")
    parser.add_argument("--sessions", type=int, default=20, help="other active sessions in the workspace")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    python = Path(sys.executable)
    journal = python.parent / "journal"
    if not journal.exists():
        raise SystemExit(f"no journal console script beside {python}: install the project in this venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNAL_")}
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        subprocess.run([str(journal), "init"], cwd=repo, check=True, stdout=subprocess.DEVNULL, env=env)
        for k in range(args.sessions):
            subprocess.run([str(journal), "create", f"other-{k}", "Dev", "Elsewhere"], cwd=repo, check=True,
                           stdout=subprocess.DEVNULL, env=env)
        out = subprocess.run([str(journal), "hook", "claude-code"], cwd=repo, check=True, capture_output=True,
                             input=payload("SessionStart.json", cwd=str(repo)), env=env).stdout
        sid = json.loads(out)["hookSpecificOutput"]["additionalContext"].split("`")[1]

        def send_message() -> None:
            subprocess.run([str(journal), "message", sid, "Please look at the failing build", "-s", "other-0"],
                           cwd=repo, check=True, stdout=subprocess.DEVNULL, env=env)

        cases: list[tuple[str, list[str], bytes | None, object]] = [
            ("python -c pass (anchor)", [str(python), "-c", "pass"], None, None),
            ("python -c 'import json, os, fcntl' (floor)", [str(python), "-c", "import json, os, fcntl"], None, None),
            ("hook PreToolUse", [str(journal), "hook", "claude-code"], payload("PreToolUse.json"), None),
            ("hook PostToolUse", [str(journal), "hook", "claude-code"], payload("PostToolUse.json"), None),
            ("hook PostToolUseFailure", [str(journal), "hook", "claude-code"], payload("PostToolUseFailure.json"), None),
            ("hook UserPromptSubmit, no new mail", [str(journal), "hook", "claude-code"],
             payload("UserPromptSubmit.json"), None),
            ("hook Notification", [str(journal), "hook", "claude-code"], payload("Notification.json"), None),
            ("hook UserPromptSubmit, a message waiting (delivered, acknowledged)", [str(journal), "hook", "claude-code"],
             payload("UserPromptSubmit.json"), send_message),
            ("hook SessionStart (resume: briefing)", [str(journal), "hook", "claude-code"],
             payload("SessionStart-resume.json", cwd=str(repo)), None),
            ("hook Stop (refresh, updated)", [str(journal), "hook", "claude-code"], payload("Stop.json"), None),
        ]
        times: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in cases}
        for name, cmd, stdin, before in cases:  # one untimed warm-up each
            if callable(before):
                before()
            timed(cmd, repo, stdin, env)
        for _ in range(args.repeat):
            for name, cmd, stdin, before in cases:
                if callable(before):
                    before()
                times[name].append(timed(cmd, repo, stdin, env))
        anchor = [statistics.median(t[i] for t in times[cases[0][0]]) for i in (0, 1)]
        rows = []
        print(f"{'command':<68} {'wall':>8} {'ratio':>6} {'cpu':>8} {'ratio':>6}")
        for name, *_ in cases:
            wall, cpu = (statistics.median(t[i] for t in times[name]) for i in (0, 1))
            rows.append({"command": name, "wall_s": round(wall, 5), "wall_ratio": round(wall / anchor[0], 2),
                         "cpu_s": round(cpu, 5), "cpu_ratio": round(cpu / anchor[1], 2)})
            print(f"{name:<68} {wall * 1000:6.1f}ms {wall / anchor[0]:5.2f}x {cpu * 1000:6.1f}ms {cpu / anchor[1]:5.2f}x")
        every_step = ("hook PreToolUse", "hook PostToolUse", "hook PostToolUseFailure",
                      "hook UserPromptSubmit, no new mail", "hook Notification")
        fast = [r for r in rows if r["command"] in every_step]
        print(f"\nfast path (the five every-step events): wall {min(r['wall_ratio'] for r in fast):.2f}x-"
              f"{max(r['wall_ratio'] for r in fast):.2f}x, cpu {min(r['cpu_ratio'] for r in fast):.2f}x-"
              f"{max(r['cpu_ratio'] for r in fast):.2f}x python -c pass (target <= 2.5x); "
              f"{args.repeat} runs each, {args.sessions + 1} active sessions")
        if args.json_out:
            args.json_out.write_text(json.dumps({"repeat": args.repeat, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
