#!/usr/bin/env python3
"""Per log: journal's token totals and cost beside ccusage's, for each format ccusage reads.

Lays the agent-log samples (tests/data/agentlogs and, when present, the shared real
ones) out in a temporary home the way each agent keeps its logs, runs
`ccusage <agent> session --json --offline` there, and summarizes the same files with
journal. Prints one row per log: input, cache read, cache write, output, total and
cost from each tool, and whether they agree. ccusage is installed once from the npm
registry into benchmarks/.corpus/ccusage (as bench_agentlogs.py does). Exits 0
whatever the figures are.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "data" / "agentlogs"
REAL = ROOT.parent / "shared" / "fixtures" / "agent_logs"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_agentlogs import CCUSAGE_VERSION, ccusage_bin  # noqa: E402

# (sample, agent) -> where the agent would keep it, under the home
CLAUDE = "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80"
SAMPLES: list[tuple[Path, str, str]] = [
    (OWN / f"claude_projects/-srv-shop/{CLAUDE}.jsonl", "claude", f".claude/projects/-srv-shop/{CLAUDE}.jsonl"),
    (OWN / "claude_sidechain.jsonl", "claude", ".claude/projects/-repo-app/11111111-2222-3333-4444-555555555555.jsonl"),
    (OWN / "codex_rollout.jsonl", "codex", ".codex/sessions/2026/03/15/rollout-2026-03-15T10-02-11-0195a1c4.jsonl"),
    (OWN / "codex_ide.jsonl", "codex", ".codex/sessions/2026/03/20/rollout-2026-03-20T23-55-00-019d0a7e.jsonl"),
    (OWN / "gemini_session.jsonl", "gemini", ".gemini/tmp/shop/chats/session-2026-03-16T08-30-c7e2a915.jsonl"),
    (OWN / "gemini_injected.jsonl", "gemini", ".gemini/tmp/shop/chats/session-2026-03-22T14-00-f3b1c6d2.jsonl"),
    (OWN / "copilot_events.jsonl", "copilot", ".copilot/session-state/9e4f1b27-6c3a-4d85-b0e9-3a7c2d1f5e68/events.jsonl"),
    (OWN / "copilot_resumed.jsonl", "copilot", ".copilot/session-state/5c2e8a41-9d07-4b3f-a1e6-7f0b2d4c6e19/events.jsonl"),
]
if REAL.is_dir():
    SAMPLES += [
        (REAL / "claude_code/spotter_short.jsonl", "claude",
         ".claude/projects/-p/55604662-cf2a-4331-851a-ec234028f8ca.jsonl"),
        (REAL / "claude_code/spotter_tool_heavy.jsonl", "claude",
         ".claude/projects/-p/d6e0bada-1959-4eec-a9d2-0bfade768d8f.jsonl"),
        *[(f, "codex", f".codex/sessions/2026/02/23/{f.name.removeprefix('localpush_')}")
          for f in sorted((REAL / "codex").glob("*.jsonl"))],
        (REAL / "gemini/vct_gemini_session.jsonl", "gemini",
         ".gemini/tmp/proj/chats/session-2026-04-23T12-52-0ab84937.jsonl"),
        (REAL / "copilot_cli/lantern_049410b4_events.jsonl", "copilot",
         ".copilot/session-state/049410b4-c1df-44ee-87a5-caa1c349091e/events.jsonl"),
    ]


def ccusage_sessions(exe: Path, home: Path, agent: str) -> list[dict[str, Any]]:
    env = {**os.environ, "HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"),
           "CODEX_HOME": str(home / ".codex"), "NO_COLOR": "1", "TZ": "UTC"}
    p = subprocess.run([str(exe), agent, "session", "--json", "--offline"], capture_output=True, env=env, timeout=600)
    if p.returncode:
        return []
    import orjson

    return list(orjson.loads(p.stdout).get("sessions") or [])


def theirs(row: dict[str, Any]) -> list[Any]:
    cost = row.get("totalCost", row.get("costUSD"))
    return [row.get("inputTokens", 0), row.get("cacheReadTokens", 0), row.get("cacheCreationTokens", 0),
            row.get("outputTokens", 0), row.get("totalTokens", 0), cost]


def match(agent: str, rows: list[dict[str, Any]], s: Any, dest: str) -> dict[str, Any] | None:
    """ccusage's row for the log summarized as ``s``."""
    stem = Path(dest).stem
    for r in rows:
        sid = str(r.get("sessionId") or "")
        if sid and (sid == s.provider_session_id or sid.endswith(stem) or (s.provider_session_id or "-") in sid
                    or Path(dest).parent.name == sid):
            return r
    return rows[0] if len(rows) == 1 else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    from journal.agentlogs import summarize

    exe = ccusage_bin() if shutil.which("node") else None
    if exe is None:
        print("ccusage unavailable (node/npm missing or the install failed): journal's figures only")
    out_rows = []
    with tempfile.TemporaryDirectory(prefix="ccusage-compare-") as tmp:
        by_agent: dict[str, list[tuple[Path, str]]] = {}
        for src, agent, dest in SAMPLES:
            target = Path(tmp) / agent / dest  # one home per agent: ccusage reports one agent a run
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            by_agent.setdefault(agent, []).append((src, dest))
        for agent, items in by_agent.items():
            home = Path(tmp) / agent
            rows = ccusage_sessions(exe, home, agent) if exe else []
            for src, dest in items:
                s, _ = summarize(home / dest)
                t = s.tokens
                ours = [t.input, t.cache_read, t.cache_write, t.output, t.total, s.cost.usd]
                row = match(agent, rows, s, dest) if rows else None
                th = theirs(row) if row else None
                same = th is not None and th[:5] == ours[:5] and (
                    (th[5] or 0.0) == 0.0 if ours[5] is None else abs((th[5] or 0.0) - ours[5]) < 1e-9)
                name = src.relative_to(OWN if src.is_relative_to(OWN) else REAL).as_posix()
                note = ""
                if (th is not None and not same and agent == "gemini" and th[4] == ours[4]
                        and th[3] == ours[3] - t.reasoning):
                    note = "same total and cost; ccusage's output leaves the thoughts out"
                out_rows.append((name, agent, ours, th, same, s.cost.unpriced, note))
    fmt_cost = lambda c: "-" if c is None else f"{c:.6f}"  # noqa: E731
    if args.markdown:
        print(f"| log | journal in / cache read / cache write / out / total, cost | ccusage {CCUSAGE_VERSION} | same |")
        print("|---|---|---|---|")
    for name, agent, ours, th, same, unpriced, note in out_rows:
        j = " / ".join(f"{v:,}" for v in ours[:5]) + f", {fmt_cost(ours[5])}" + (
            f" (unpriced: {', '.join(unpriced)})" if unpriced else "")
        c = "-" if th is None else " / ".join(f"{v:,}" for v in th[:5]) + f", {fmt_cost(th[5])}"
        verdict = "yes" if same else ("—" if th is None else note or "no")
        if args.markdown:
            print(f"| `{name}` | {j} | {c} | {verdict} |")
        else:
            print(f"{name} ({agent})\n  journal: {j}\n  ccusage: {c}\n  same: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
