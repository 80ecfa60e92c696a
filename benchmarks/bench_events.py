"""Benchmark of the native event log: validated appends and a type query over a big log.

    python benchmarks/bench_events.py                 # 1,000,000-event query corpus
    python benchmarks/bench_events.py --events 50000  # quick smoke run

Prints events/s of the Python API (single and batched appends, with validation) against a
bare ``f.write(json.dumps(e) + "\\n")`` loop writing the same events, and the time of
``journal events query --type error`` against ``grep -c`` on the same file. Timings are
informative only: nothing here fails on a slow machine.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from journal.config import load_config
from journal.events import append_event, append_events
from journal.workspace import Workspace

TYPES = ("tool_call", "tool_result", "note", "state_change", "decision", "user_message")


def spec(i: int) -> dict:
    """A realistic event: mostly tool traffic, one in twenty an error with a failure ledger."""
    if i % 20 == 7:
        return {"event_type": "error", "agent": "claude_code", "source": "render_api",
                "data": {"error_code": "500", "message": f"Internal server error on attempt {i}"},
                "failure_ledger": [{"attempt": "Deploy via git push", "failure_reason": "500 from Render",
                                    "timestamp": "2026-11-20T12:00:00Z", "error_code": "500"}]}
    kind = TYPES[i % len(TYPES)]
    return {"event_type": kind, "agent": "claude_code", "source": "hooks",
            "data": {"tool": "Edit", "file": f"src/module_{i % 97}.py", "change": "Added error handling", "n": i}}


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_appends(ws: Workspace, n: int, tmp: Path) -> list[tuple[str, float]]:
    specs = [spec(i) for i in range(n)]

    def single() -> None:
        for s in specs:
            s = dict(s)
            append_event(ws, "single", s.pop("event_type"), **s)

    written: list[dict] = []

    def batched() -> None:
        for k in range(0, n, 1000):
            written.extend(append_events(ws, "batch", specs[k:k + 1000]))

    t_single = best(single, 1)
    t_batch = best(batched, 1)
    events = written[:n]

    def bare() -> None:
        with open(tmp / "bare.jsonl", "w", encoding="utf-8") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")

    t_bare = best(bare, 3)
    return [("bare json.dumps loop", n / t_bare), ("append_event (one per call)", n / t_single),
            ("append_events (batches of 1000)", n / t_batch)]


def bench_query(ws: Workspace, n: int) -> list[tuple[str, float, str]]:
    sid = "big"
    for k in range(0, n, 10_000):
        append_events(ws, sid, [spec(i) for i in range(k, min(n, k + 10_000))])
    path = ws.events_path(sid)
    cmd_grep = ["grep", "-c", '"event_type": *"error"', str(path)]
    expected = subprocess.run(cmd_grep, capture_output=True, text=True).stdout.strip()
    journal = [sys.executable, "-m", "journal", "--root", str(ws.root), "events", "query", "-s", sid, "--type", "error"]
    counted = subprocess.run([*journal, "--count"], capture_output=True, text=True, check=True).stdout.strip()
    assert counted == expected, (counted, expected)

    def run(cmd: list[str]) -> None:
        # Output goes to a pipe, not /dev/null: GNU grep stops at the first match when it
        # sees /dev/null, which would make the anchor meaningless.
        subprocess.run(cmd, stdout=subprocess.PIPE, check=True)

    t_grep = best(lambda: run(cmd_grep), 5)
    rows = [("grep -c", t_grep, expected)]
    for label, extra in (("journal events query --type error", []),
                         ("  ... --count", ["--count"]),
                         ("  ... --jsonl", ["--jsonl"])):
        rows.append((label, best(lambda: run([*journal, *extra]), 3), ""))
    t_start = best(lambda: run([sys.executable, "-m", "journal", "--help"]), 3)
    rows.append(("(journal --help: interpreter start-up)", t_start, ""))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the query corpus")
    parser.add_argument("--appends", type=int, default=20_000, help="events appended in the append benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "coord" / "sessions" / "ACTIVE").mkdir(parents=True)
        ws = Workspace(load_config(tmp / "coord"))
        rows = bench_appends(ws, args.appends, tmp)
        bare = rows[0][1]
        print(f"\nappends ({args.appends:,} events, validated against the schema)")
        print(f"{'':36} {'events/s':>12} {'x bare':>8}")
        for label, rate in rows:
            print(f"{label:36} {rate:12,.0f} {rate / bare:8.2f}")
        qrows = bench_query(ws, args.events)
        size = ws.events_path("big").stat().st_size
        print(f"\nquery over {args.events:,} events ({size / 1_048_576:,.0f} MB, {qrows[0][2]} errors)")
        print(f"{'':40} {'seconds':>8} {'x grep':>8}")
        for label, secs, _ in qrows:
            print(f"{label:40} {secs:8.3f} {secs / qrows[0][1]:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
