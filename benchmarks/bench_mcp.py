"""Benchmark of `journal mcp`: the latency of one tool call, against one `journal add` process.

    python benchmarks/bench_mcp.py                  # 100 calls of each tool, 20 `journal add` runs
    python benchmarks/bench_mcp.py --calls 300 --json-out mcp.json

Starts the venv's `journal mcp` over stdio with the SDK's own client (as an agent CLI does),
in a fresh git repository with a workspace, and times `add`, `update`, `board` and `show`
round trips one after another (the median of --calls each). The anchor is what an agent
without the server runs for the same `add`: one `journal add` process. Needs the 'mcp'
extra. Timings are informative only.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="tool calls of each kind (median reported)")
    parser.add_argument("--processes", type=int, default=20, help="`journal add` processes for the anchor")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    journal = Path(sys.executable).parent / "journal"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNAL_")}
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        subprocess.run([str(journal), "init"], cwd=repo, check=True, stdout=subprocess.DEVNULL, env=env)
        subprocess.run([str(journal), "create", "bench", "Dev", "Measure"], cwd=repo, check=True,
                       stdout=subprocess.DEVNULL, env=env)

        process_times = []
        for i in range(args.processes + 1):
            start = time.perf_counter()
            subprocess.run([str(journal), "add", "-s", "bench", "completed", f"entry from a process {i}"],
                           cwd=repo, check=True, stdout=subprocess.DEVNULL, env=env)
            if i:  # the first run warms the page cache
                process_times.append(time.perf_counter() - start)

        params = StdioServerParameters(command=str(journal), args=["mcp"], cwd=str(repo), env=env)
        calls = {"add": lambda i: ("add", {"session": "bench", "section": "completed", "text": f"entry over MCP {i}"}),
                 "update": lambda i: ("update", {"session": "bench", "progress": i % 101}),
                 "board": lambda i: ("board", {}),
                 "show": lambda i: ("show", {"session": "bench", "section": "Current Work"})}
        result: dict[str, list[float]] = {name: [] for name in calls}
        startup: list[float] = []

        async def run() -> None:
            start = time.perf_counter()
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    await session.list_tools()
                    startup.append(time.perf_counter() - start)
                    for name, make in calls.items():
                        tool, arguments = make(-1)
                        await session.call_tool(tool, arguments)  # warm-up: first imports
                        for i in range(args.calls):
                            tool, arguments = make(i)
                            t = time.perf_counter()
                            res = await session.call_tool(tool, arguments)
                            result[name].append(time.perf_counter() - t)
                            if res.is_error:
                                raise SystemExit(f"{tool} failed: {res.content}")

        anyio.run(run)
        anchor = statistics.median(process_times)
        rows = [{"what": "journal add (one process)", "median_s": round(anchor, 5), "ratio": 1.0}]
        print(f"{'what':<44} {'median':>9} {'vs journal add':>15}")
        print(f"{'journal add, one process (anchor)':<44} {anchor * 1000:7.1f}ms {1.0:14.2f}x")
        for name, values in result.items():
            median = statistics.median(values)
            rows.append({"what": f"MCP {name} call", "median_s": round(median, 5), "ratio": round(median / anchor, 3)})
            print(f"{'MCP ' + name + ' call (median of ' + str(len(values)) + ')':<44} {median * 1000:7.1f}ms "
                  f"{median / anchor:14.3f}x")
        print(f"{'server start to first list_tools':<44} {startup[0] * 1000:7.1f}ms")
        rows.append({"what": "server start", "median_s": round(startup[0], 5), "ratio": None})
        if args.json_out:
            args.json_out.write_text(json.dumps({"calls": args.calls, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
