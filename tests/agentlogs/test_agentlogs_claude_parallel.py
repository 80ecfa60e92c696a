"""A Claude Code log read in parts (on several cores) gives exactly what one read gives.

``claude_parallel`` cuts a big log into byte ranges, tallies them apart and merges
the tallies. The summary and the saved state (for a later refresh) must equal those
of a single read, wherever the cuts fall: inside a streamed message, between copies
of one message id, across history a resumed session repeats.

Big logs are built from the own Claude Code samples (and, as a second case, from the
real ones when ../shared/fixtures/agent_logs exists) repeated with fresh ids.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from agentlog_samples import CLAUDE_MAIN, CLAUDE_REAL, CLAUDE_SUB, SETS, path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_agentlogs_claude_fast import CLAUDE_SAMPLES, RECORD, as_saved, edge_log, line

from journal.agentlogs import claude_parallel, summarize
from journal.agentlogs.claude_tally import ClaudeTally
from journal.agentlogs.reading import summarize_events

# What a big log is made of: samples whose every message, tool and record id ``fresh_ids`` renews.
BASE = {"own": [CLAUDE_MAIN, CLAUDE_SUB], "real": CLAUDE_REAL}


@pytest.fixture(params=SETS)
def source(request: pytest.FixtureRequest) -> str:
    """Which samples big logs are built from: the own ones, and the real ones when present."""
    return str(request.param)


def base_log(source: str) -> bytes:
    return b"".join(path(source, name).read_bytes() for name in BASE[source])


def fresh_ids(src: bytes, tag: str) -> bytes:
    """``src`` with every message, tool and record id made unique to ``tag``."""
    t = tag.encode()
    return (src.replace(b'"msg_', b'"msg_' + t + b"_").replace(b'"toolu_', b'"toolu_' + t + b"_")
            .replace(b'"uuid":"', b'"uuid":"' + t + b"-").replace(b'"parentUuid":"', b'"parentUuid":"' + t + b"-"))


def big_log(mb: float, source: str) -> bytes:
    """The samples of ``source`` repeated with fresh ids (as the benchmark builds its log)."""
    src = base_log(source)
    out: list[bytes] = []
    n = 0
    while sum(map(len, out)) < mb * 2**20:
        out.append(fresh_ids(src, f"r{n}"))
        n += 1
    return b"".join(out)


def ends(data: bytes) -> list[int]:
    return [m.end() for m in re.finditer(b"\n", data)]


def norm_state(state: dict[str, Any]) -> dict[str, Any]:
    """The state with sets of ids compared as sets (a set's order is not the log's)."""
    from journal.agentlogs.claude_tally import _ids

    from journal.agentlogs.logstate import StoredIds

    def plain(v: Any) -> Any:  # the usage rows (an array); ids loaded from a saved state's files
        return v.text() if isinstance(v, StoredIds) else list(v)

    d = orjson.loads(orjson.dumps(state, default=plain))
    t = d["tally"]
    t.pop("table_stored", None)  # (the name of a saved state's file)
    for k in ("users", "error_keys", "calls"):
        t[k] = sorted(_ids(t[k]))
    t["rows"] = list(_ids(t["rows"]))  # in row order: that order is kept
    return d


def serial(p: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, Any]]:
    monkeypatch.setattr(claude_parallel, "PARALLEL_MIN", 1 << 62)
    return summarize(p, "claude-code")


def parallel(p: Path, monkeypatch: pytest.MonkeyPatch, parts: int) -> tuple[Any, dict[str, Any]]:
    monkeypatch.setattr(claude_parallel, "PARALLEL_MIN", 0)
    monkeypatch.setattr(claude_parallel, "MAX_PARTS", parts)
    monkeypatch.setattr(claude_parallel, "cores", lambda: parts)
    return summarize(p, "claude-code")


def assert_same(a: Any, b: Any) -> None:
    (sa, sta), (sb, stb) = a, b
    assert sa.to_dict() == sb.to_dict()  # exactly: cost and tool times too
    assert sa.buckets == sb.buckets
    assert norm_state(sta) == norm_state(stb)


def tally_of(data: bytes, tmp_path: Path, cuts: list[int], fork: bool = False) -> tuple[ClaudeTally, list[bool]]:
    p = tmp_path / "cut.jsonl"
    p.write_bytes(data)
    merged: list[bool] = []
    return claude_parallel.read(p, cuts, merged.append, fork=fork).tally, merged


def one_read(data: bytes) -> ClaudeTally:
    t = ClaudeTally()
    t.feed(data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"))
    return t


def same_tally(a: ClaudeTally, b: ClaudeTally) -> None:
    assert a.summary().to_dict() == b.summary().to_dict()
    da, db = a.dump(), b.dump()
    assert norm_state({"tally": da}) == norm_state({"tally": db})



@pytest.fixture(autouse=True, params=["typed", "dicts"])
def decoding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: lines decoded into typed records (any read size), and parsed whole (orjson)."""
    from journal.agentlogs import claude_tally

    monkeypatch.setattr(claude_tally, "TYPED_MIN", 0 if request.param == "typed" else 1 << 62)
    if request.param == "dicts":
        monkeypatch.setattr(claude_tally.ClaudeTally, "feed", claude_tally.ClaudeTally._feed_dicts)
    return str(request.param)

# ---- the samples, made big ------------------------------------------------------------------
@pytest.mark.parametrize("parts", [2, 3, 4])
def test_parallel_equals_serial_on_big_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: int,
                                           source: str) -> None:
    p = tmp_path / "big.jsonl"
    p.write_bytes(big_log(3, source))
    merged: list[bool] = []
    real_read = claude_parallel.read
    monkeypatch.setattr(claude_parallel, "read", lambda path, cuts, on_merge=None, fork=True:
                        real_read(path, cuts, merged.append, fork))
    par = parallel(p, monkeypatch, parts)
    assert merged == [True] * (parts - 1)  # every part merged, none read again
    assert_same(par, serial(p, monkeypatch))
    assert par[0].tool_calls > 400


def test_cut_moves_to_a_message_start(tmp_path: Path, source: str) -> None:
    data = big_log(0.2, source)
    p = tmp_path / "b.jsonl"
    p.write_bytes(data)
    for at in range(0, len(data) - 60000, 997):
        c = claude_parallel.find_cut(p, at)
        assert c is not None and c > at and data[c - 1:c] == b"\n"
        rec = orjson.loads(data[c:data.index(b"\n", c)])
        assert rec["type"] == "assistant"


@pytest.mark.parametrize("src,name", CLAUDE_SAMPLES)
def test_every_cut_of_the_samples(src: str, name: str, tmp_path: Path) -> None:
    """Two parts, cut at every line start; three parts at many pairs: same tally as one read."""
    data = path(src, name).read_bytes()
    whole = one_read(data)
    es = ends(data)[:-1]
    for c in es:
        same_tally(tally_of(data, tmp_path, [0, c])[0], whole)
    for c1 in es[::3]:
        for c2 in es[::5]:
            if c2 > c1:
                same_tally(tally_of(data, tmp_path, [0, c1, c2])[0], whole)


def test_cuts_across_repeated_history_and_duplicate_ids(tmp_path: Path, source: str) -> None:
    """A resumed session repeats lines (same uuids, message and tool ids) later in the file."""
    src = base_log(source)
    a, b = fresh_ids(src, "a"), fresh_ids(src, "b")
    half = ends(a)[len(ends(a)) // 2]
    data = a + b + a[:half] + b[half // 3:] + a  # history repeated, in part and whole
    whole = one_read(data)
    es = ends(data)[:-1]
    outcomes: set[bool] = set()
    for c in es[::2]:
        t, merged = tally_of(data, tmp_path, [0, c])
        outcomes.update(merged)
        same_tally(t, whole)
    for c1, c2 in zip(es[::7], es[len(es) // 2::7]):
        same_tally(tally_of(data, tmp_path, [0, c1, c2])[0], whole)
    assert outcomes == {True, False}  # both ways taken: merged, and read again on a repeat


def test_edge_log_every_cut(tmp_path: Path) -> None:
    data = edge_log()
    whole = one_read(data)
    es = ends(data)[:-1]
    for c1 in es:
        same_tally(tally_of(data, tmp_path, [0, c1])[0], whole)
        for c2 in es:
            if c2 > c1:
                same_tally(tally_of(data, tmp_path, [0, c1, c2])[0], whole)


def test_workers_in_processes(tmp_path: Path, source: str) -> None:
    """The same with real worker processes, and a torn last line left for the next read."""
    data = big_log(1, source) + b'{"type":"user","uuid":"torn'
    es = ends(data)
    cuts = [0, es[len(es) // 3], es[2 * len(es) // 3]]
    t, merged = tally_of(data, tmp_path, cuts, fork=True)
    assert len(merged) == 2
    same_tally(t, one_read(data[:es[-1]]))


def test_a_failed_worker_is_read_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    def fail(conn: Any, *_args: Any) -> None:
        conn.send(None)
        conn.close()

    monkeypatch.setattr(claude_parallel, "_worker", fail)
    data = big_log(0.5, source)
    es = ends(data)
    t, merged = tally_of(data, tmp_path, [0, es[len(es) // 2]], fork=True)
    assert merged == [False]
    same_tally(t, one_read(data))


def test_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """One part for a small log, on one core, or while threads run (no fork then)."""
    import threading

    p = tmp_path / "b.jsonl"
    p.write_bytes(big_log(1, source))
    size = p.stat().st_size
    monkeypatch.setattr(claude_parallel, "cores", lambda: 8)
    assert claude_parallel.plan(p, size) == [0]  # under PARALLEL_MIN
    cuts = claude_parallel.plan(p, size, min_size=0)
    assert len(cuts) == claude_parallel.MAX_PARTS and cuts == sorted(set(cuts))
    assert claude_parallel.plan(p, size, parts=1, min_size=0) == [0]
    stop = threading.Event()
    th = threading.Thread(target=stop.wait)
    th.start()
    try:
        assert claude_parallel.plan(p, size, min_size=0) == [0]
    finally:
        stop.set()
        th.join()


def test_refresh_after_a_parallel_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """The state a parallel read saves serves a refresh exactly as a single read's does."""
    data = big_log(2, source)
    es = ends(data)
    cut = es[int(len(es) * 0.97)]
    p = tmp_path / "grow.jsonl"
    p.write_bytes(data[:cut])
    _s, st_par = parallel(p, monkeypatch, 2)
    _s, st_ser = serial(p, monkeypatch)
    assert norm_state(st_par) == norm_state(st_ser)
    with open(p, "ab") as f:
        f.write(data[cut:] + data[:4000])  # new lines, then repeated ones (a re-read with lookups)
    after_par = summarize(p, "claude-code", as_saved(st_par, tmp_path))
    after_ser = summarize(p, "claude-code", as_saved(st_ser, tmp_path))
    assert_same(after_par, after_ser)
    a, b = after_par[0].to_dict(), serial(p, monkeypatch)[0].to_dict()
    assert a.pop("bytes_read") < b.pop("bytes_read") / 10
    assert a == b


# ---- property: random logs, random parts ----------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(RECORD, max_size=30), st.lists(st.integers(0, 10_000), max_size=4))
def test_random_logs_random_parts(tmp_path: Path, recs: list[Any], picks: list[int]) -> None:
    data = b"".join(line(r) for r in recs)
    es = ends(data)[:-1]
    cuts = sorted({es[i % len(es)] for i in picks}) if es else []
    t, _ = tally_of(data, tmp_path, [0, *cuts])
    whole = one_read(data)
    same_tally(t, whole)
    p = tmp_path / "cut.jsonl"
    ref_s, got_s = summarize_events(p, "claude-code")[0], t.summary()
    assert got_s.buckets == ref_s.buckets
    ref, got = ref_s.to_dict(), got_s.to_dict()
    for d in (got, ref):
        for k in ("path", "bytes_read", "offset", "lines", "skipped", "subagents"):
            d.pop(k)
    assert got == ref
