"""The web board and export on the demo workspace of the tests (five sessions, seven
linked agent logs). Pages: the median time to serve each over HTTP on 127.0.0.1 (warm,
20 runs), against the anchor of the cheapest answer of the same server (its packaged
stylesheet). Exports: the time and size of each format, against the anchor of copying the
session's Markdown and event log. Prints figures and ratios; fails on nothing.

    python benchmarks/bench_web.py
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("JOURNAL_USER", "bench")
RUNS = 20


def _median_ms(fn: object, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    from web_demo import NOW, build_demo, get, served

    from journal.web.export import export_session

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["JOURNAL_NOW"] = NOW
        ws = build_demo(Path(tmp) / "shop")
        with served(ws) as b:
            get(b.url + "static/board.css")
            anchor = _median_ms(lambda: get(b.url + "static/board.css"))
            print(f"anchor: /static/board.css {anchor:.1f} ms\n")
            print(f"{'page':<28}{'median ms':>10}{'ratio':>8}{'bytes':>9}")
            for path in ("", "session/api", "session/checkout", "session/api/inbox", "knowledge?q=cents", "usage",
                         "api/board", "api/sessions/api", "api/signature?session=api"):
                status, _h, body = get(b.url + path)  # warm: imports, caches
                assert status == 200
                ms = _median_ms(lambda: get(b.url + path))
                print(f"/{path:<27}{ms:>10.1f}{ms / anchor:>8.1f}{len(body):>9}")
        src = [ws.active_path("api"), ws.events_path("api")]
        n = iter(range(10**6))
        copy = _median_ms(lambda: [shutil.copy(p, Path(tmp) / f"c{next(n)}") for p in src], 5)
        print(f"\nanchor: copying api.md and api.jsonl {copy:.1f} ms\n")
        print(f"{'export (session api)':<28}{'ms':>10}{'ratio':>8}{'bytes':>9}")
        for fmt in ("html", "md", "dir", "tar.gz"):
            sizes = []
            ms = _median_ms(lambda: sizes.append(export_session(ws, "api", Path(tmp) / f"x-{next(n)}", fmt,
                                                                include_logs=fmt in ("dir", "tar.gz")).size), 5)
            print(f"{fmt + (' --include-logs' if fmt in ('dir', 'tar.gz') else ''):<28}{ms:>10.0f}{ms / copy:>8.0f}"
                  f"{sizes[-1]:>9}")


if __name__ == "__main__":
    main()
