"""Concurrency with real processes, torn lines, garbage, compressed archives, relative times."""
from __future__ import annotations

import gzip
import multiprocessing
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.config import load_config
from journal.errors import InvalidInput, NotFound
from journal.events import append_event, query_events
from journal.events.archive import archive_logs, log_stats, restore_log
from journal.events.check import check_logs
from journal.clock import parse_when
from journal.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    (tmp_path / "coord" / "sessions" / "ACTIVE").mkdir(parents=True)
    return Workspace(load_config(tmp_path / "coord"))


def _writer(root: str, worker: int, n: int) -> None:
    ws = Workspace(load_config(Path(root)))
    for i in range(n):
        append_event(ws, "shared", "tool_call", agent=f"w{worker}", data={"worker": worker, "i": i})


def test_eight_processes_lose_and_tear_nothing(ws: Workspace) -> None:
    ctx = multiprocessing.get_context("spawn" if multiprocessing.get_start_method() != "fork" else "fork")
    procs = [ctx.Process(target=_writer, args=(str(ws.root), w, 1000)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    raw = ws.events_path("shared").read_bytes()
    assert raw.endswith(b"\n")
    events = [orjson.loads(line) for line in raw.split(b"\n")[:-1]]  # any torn line fails here
    assert len(events) == 8000
    assert [e["seq"] for e in events] == list(range(1, 8001))
    assert len({e["event_id"] for e in events}) == 8000
    for w in range(8):  # each writer's own events in its own order
        mine = [e["data"]["i"] for e in events if e["data"]["worker"] == w]
        assert mine == list(range(1000))
    assert check_logs(ws) == []


def test_torn_last_line_is_reported_skipped_and_fixed(ws: Workspace) -> None:
    for i in range(3):
        append_event(ws, "s1", "note", data={"i": i})
    path = ws.events_path("s1")
    whole = path.read_bytes()
    torn = b'{"schema_version":1,"event_id":"evt_cut","seq":4,"times'
    with open(path, "ab") as f:
        f.write(torn)
    result = query_events(ws, "s1")
    assert [e["data"]["i"] for e in result] == [0, 1, 2]
    assert any("torn last line" in w for w in result.warnings)
    problems = check_logs(ws)
    assert [p.kind for p in problems] == ["torn"] and problems[0].line == 4 and not problems[0].fixed
    fixed = check_logs(ws, fix=True)
    assert fixed[0].fixed
    assert path.read_bytes() == whole  # every whole line kept, the torn tail gone
    saved = list((ws.root / ".journal" / "torn").iterdir())
    assert len(saved) == 1 and saved[0].read_bytes().rstrip(b"\n") == torn
    assert check_logs(ws) == []
    assert append_event(ws, "s1", "note")["seq"] == 4


def test_append_after_torn_line_starts_a_new_line(ws: Workspace) -> None:
    append_event(ws, "s1", "note", data={"i": 0})
    with open(ws.events_path("s1"), "ab") as f:
        f.write(b'{"partial')
    e = append_event(ws, "s1", "note", data={"i": 1})
    assert e["seq"] == 2
    result = query_events(ws, "s1")
    assert [x["data"]["i"] for x in result] == [0, 1]
    assert any("skipped 1 unreadable line" in w for w in result.warnings)
    assert [p.kind for p in check_logs(ws)] == ["garbage"]
    check_logs(ws, fix=True)
    assert check_logs(ws) == [] and len(query_events(ws, "s1")) == 2


def test_garbage_lines_never_crash_a_query(ws: Workspace) -> None:
    append_event(ws, "s1", "error", data={"message": "first"})
    path = ws.events_path("s1")
    with open(path, "ab") as f:
        f.write(b"not json at all\n")
        f.write(b"[1, 2, 3]\n")
        f.write(b'{"event_type": "error", ' + b"x" * (17 * 1024 * 1024) + b"\n")  # over 16 MB
        f.write(b"\xff\xfe binary \x00\n")
        f.write(b"\n")
    append_event(ws, "s1", "error", data={"message": "second"})
    for kwargs in ({}, {"types": "error"}, {"contains": "second"}, {"agent": "unknown"}):
        result = query_events(ws, "s1", **kwargs)
        assert [e["data"]["message"] for e in result][-1] == "second"
    everything = query_events(ws, "s1")
    assert len(everything) == 2
    assert any("skipped 4 unreadable lines" in w for w in everything.warnings)
    kinds = sorted(p.kind for p in check_logs(ws))
    assert kinds == ["garbage", "garbage", "garbage", "too-long"]


def _archive_md(ws: Workspace, sid: str, day: date) -> None:
    ws.archive_dir.mkdir(parents=True, exist_ok=True)
    (ws.archive_dir / f"{sid}-{day.isoformat()}.md").write_text("# archived\n", encoding="utf-8")


def test_archive_compresses_old_logs_and_restore_round_trips(ws: Workspace) -> None:
    today = date(2026, 11, 21)
    for sid in ("old", "recent", "active"):
        for i in range(5):
            append_event(ws, sid, "error" if i == 2 else "note", data={"sid": sid, "i": i})
    _archive_md(ws, "old", today - timedelta(days=40))
    _archive_md(ws, "recent", today - timedelta(days=3))
    original = ws.events_path("old").read_bytes()
    before = [e["event_id"] for e in query_events(ws, None)]

    done = archive_logs(ws, 30, today=today)
    assert [d["session_id"] for d in done] == ["old"]
    gz = ws.events_dir / "old.jsonl.gz"
    assert gz.is_file() and not ws.events_path("old").exists()
    assert gzip.decompress(gz.read_bytes()) == original
    assert ws.events_path("recent").is_file()
    # every query still sees the compressed log
    assert [e["event_id"] for e in query_events(ws, None)] == before
    assert [e["data"]["i"] for e in query_events(ws, "old", types="error")] == [2]
    stats = log_stats(ws)
    assert stats["archived"]["files"] == 1 and stats["archived"]["events"] == 5
    assert stats["active"]["files"] == 2 and stats["active"]["events"] == 10
    # appending to a compressed session continues its seq; a second archive keeps both parts
    assert append_event(ws, "old", "note", data={"sid": "old", "i": 5})["seq"] == 6
    assert [e["seq"] for e in query_events(ws, "old")] == [1, 2, 3, 4, 5, 6]
    archive_logs(ws, 30, today=today)
    assert [e["seq"] for e in query_events(ws, "old")] == [1, 2, 3, 4, 5, 6]

    restore_log(ws, "old")
    assert not gz.exists()
    restored = ws.events_path("old").read_bytes()
    assert restored.startswith(original) and len(restored.splitlines()) == 6
    with pytest.raises(NotFound):
        restore_log(ws, "old")
    assert check_logs(ws) == []


def test_archive_threshold_counts_days(ws: Workspace) -> None:
    today = date(2026, 11, 21)
    append_event(ws, "a", "note")
    _archive_md(ws, "a", today - timedelta(days=7))
    assert archive_logs(ws, 8, today=today) == []
    assert [d["session_id"] for d in archive_logs(ws, 7, today=today)] == ["a"]
    with pytest.raises(InvalidInput):
        archive_logs(ws, -1, today=today)


NOW = datetime(2026, 11, 21, 15, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2h", NOW - timedelta(hours=2)),
        ("30m", NOW - timedelta(minutes=30)),
        ("3d", NOW - timedelta(days=3)),
        ("1w", NOW - timedelta(days=7)),
        ("today", datetime(2026, 11, 21, tzinfo=timezone.utc)),
        ("yesterday", datetime(2026, 11, 20, tzinfo=timezone.utc)),
        ("2026-11-01T10:00:00Z", datetime(2026, 11, 1, 10, tzinfo=timezone.utc)),
        ("2026-11-01T12:00:00+02:00", datetime(2026, 11, 1, 10, tzinfo=timezone.utc)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=timezone.utc)),
        ("2026-11-01T10:00:00.1234567Z", datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)),
    ],
)
def test_relative_and_absolute_times(text: str, expected: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNAL_NOW", "2026-11-21T15:30:00Z")
    assert parse_when(text) == expected


def test_bad_time_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="'soon'"):
        parse_when("soon")


def test_since_until_filter_by_event_time(ws: Workspace) -> None:
    old = append_event(ws, "s1", "note", timestamp="2026-01-01T00:00:00Z")
    new = append_event(ws, "s1", "note")
    assert old["timestamp"] == "2026-01-01T00:00:00.000000Z"
    assert [e["event_id"] for e in query_events(ws, "s1", since="1h")] == [new["event_id"]]
    assert [e["event_id"] for e in query_events(ws, "s1", until="2026-06-01")] == [old["event_id"]]
    assert [e["event_id"] for e in query_events(ws, "s1", since="2025-12-31", until="2026-01-02")] == [old["event_id"]]


def _forever(root: str) -> None:
    ws = Workspace(load_config(Path(root)))
    i = 0
    while True:
        append_event(ws, "killed", "note", data={"i": i, "pad": "x" * 2000})
        i += 1


def test_sigkill_mid_stream_leaves_whole_lines_and_a_free_lock(ws: Workspace) -> None:
    import os
    import signal
    import time

    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    proc = ctx.Process(target=_forever, args=(str(ws.root),))
    proc.start()
    path = ws.events_path("killed")
    deadline = time.monotonic() + 30
    while (not path.exists() or path.stat().st_size < 200_000) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    assert proc.exitcode == -signal.SIGKILL  # killed, not crashed before the kill
    # The kernel may cut a write at a page boundary when SIGKILL arrives (a fatal signal is
    # checked between pages): then only the last line is torn, check names it, --fix repairs it.
    found = check_logs(ws)
    assert found == [] or [(p.kind, p.line) for p in found] == [("torn", len(path.read_bytes().split(b"\n")))]
    assert [p for p in check_logs(ws, fix=True) if not p.fixed] == []
    assert check_logs(ws) == []
    seqs = [e["seq"] for e in query_events(ws, "killed")]
    assert len(seqs) > 50 and seqs == list(range(1, len(seqs) + 1))
    assert append_event(ws, "killed", "note")["seq"] == len(seqs) + 1  # the lock died with the process


def _damaged_gz(ws: Workspace, sid: str, how: str) -> None:
    """A compressed log that is garbage, or whose deflate data is corrupt part-way."""
    gz = ws.events_dir / f"{sid}.jsonl.gz"
    if how == "garbage":
        gz.write_bytes(b"garbage\n")
        return
    lines = b"".join(orjson.dumps({"schema_version": "1.0", "event_id": f"e{i}", "seq": i, "session_id": sid,
                                   "event_type": "error", "timestamp": "2026-01-01T00:00:00.000000Z",
                                   "data": {"message": f"old {i}", "pad": "y" * 20000},
                                   "failure_ledger": [{"attempt": f"a{i}", "failure_reason": "r"}],
                                   "open_commitments": [{"commitment": f"c{i}", "status": "open"}]}) + b"\n"
                     for i in range(1, 200))
    data = bytearray(gzip.compress(lines, mtime=0))
    mid = len(data) // 2
    data[mid: mid + 64] = b"\x00" * 64  # zlib.error or a CRC error further on
    gz.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["garbage", "corrupt"])
def test_a_damaged_compressed_log_is_skipped_with_a_warning(ws: Workspace, how: str) -> None:
    from journal.events.ledger import failures, open_commitments

    ws.events_dir.mkdir(parents=True, exist_ok=True)
    _damaged_gz(ws, "s1", how)
    (ws.events_dir / "s1.jsonl").write_bytes(b"")
    append_event(ws, "s1", "error", data={"message": "new"}, open_commitments=[{"commitment": "ship", "status": "open"}])
    for sid in ("s1", None):
        result = query_events(ws, sid)
        assert result.events[-1]["data"]["message"] == "new"
        assert any("s1.jsonl.gz: skipped the unreadable rest of a compressed log" in w for w in result.warnings)
        assert query_events(ws, sid, types="error", contains="new").events[-1]["data"]["message"] == "new"
        items, warnings = open_commitments(ws, sid)
        assert "ship" in [c["commitment"] for c in items] and any("compressed log" in w for w in warnings)
        found, warnings = failures(ws, sid)
        assert found[-1]["message"] == "new" and any("compressed log" in w for w in warnings)
    stats = log_stats(ws)
    assert stats["archived"]["files"] == 1 and stats["active"]["events"] == 1
    assert [log["events"] for log in stats["logs"] if log["compressed"]] == [None]


def test_json_lines_that_are_not_events_are_skipped(ws: Workspace) -> None:
    append_event(ws, "s1", "note", data={"text": "real"})
    with open(ws.events_path("s1"), "ab") as f:
        for bad in ({"seq": "x"}, {"seq": 5, "timestamp": 3}, {"event_type": "note", "timestamp": "2026-01-01T00:00:00Z"},
                    {"event_type": "note", "timestamp": "2026-01-01T00:00:00Z", "seq": True},
                    {"event_type": 7, "timestamp": "2026-01-01T00:00:00Z", "seq": 9}, {}):
            f.write(orjson.dumps(bad) + b"\n")
    for kwargs in ({}, {"types": "note"}, {"contains": "2026"}):
        result = query_events(ws, "s1", **kwargs)
        assert [e["data"]["text"] for e in result] == ["real"]
    assert any("skipped 6 unreadable lines" in w for w in query_events(ws, "s1").warnings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([b"", b"{}", b'{"a": 1}', b"garbage", b"\r", b" ", b"x" * 40]), max_size=12),
       st.booleans())
def test_a_log_read_whole_gives_the_lines_a_read_line_by_line_gives(tmp_path: Path, parts: list[bytes],
                                                                     newline_at_end: bool) -> None:
    """check reads a plain log whole and a compressed one line by line: the same lines,
    numbers, offsets and endings either way."""
    from journal.events.check import _lines

    data = b"\n".join(parts) + (b"\n" if newline_at_end and parts else b"")
    plain, packed = tmp_path / "s.jsonl", tmp_path / "s.jsonl.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    assert list(_lines(plain)) == list(_lines(packed))


def test_check_names_each_bad_sequence_number_and_duplicate_id(ws: Workspace) -> None:
    """Hand-edited logs: a seq of 0 first, one going back, a repeated event id, an id that is
    no string; each is one problem naming its line, and the read goes on."""
    ok = {"schema_version": 1, "timestamp": "2026-01-01T00:00:00Z", "session_id": "s1", "event_type": "note",
          "provenance": {"agent": "a", "source": "s"}}
    rows = [{"seq": 0, "event_id": "evt_a"}, {"seq": 2, "event_id": "evt_b"}, {"seq": 1, "event_id": "evt_c"},
            {"seq": 3, "event_id": "evt_b"}, {"seq": 4, "event_id": 7}, {"seq": 5, "event_id": "evt_d"}]
    ws.events_dir.mkdir(parents=True, exist_ok=True)
    ws.events_path("s1").write_bytes(b"".join(orjson.dumps({**ok, **r}) + b"\n" for r in rows))
    found = [(p.line, p.kind, p.message) for p in check_logs(ws)]
    assert found == [
        (1, "invalid", "invalid event: seq: 0 is less than the minimum of 1"),
        (1, "seq", "seq 0 does not follow 0"),
        (3, "seq", "seq 1 does not follow 2"),
        (4, "duplicate-id", "event_id evt_b appears twice"),
        (5, "invalid", "invalid event: event_id must be a string"),
    ]


_field_values = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=True),
                          st.sampled_from(["", "s1", "evt_a", "2026-01-01T00:00:00Z", "x" * 300]),
                          st.lists(st.integers(0, 2), max_size=2), st.dictionaries(st.sampled_from(["a", "b"]),
                                                                                  st.integers(0, 2), max_size=2))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.fixed_dictionaries({}, optional={k: _field_values for k in (
        "schema_version", "event_id", "seq", "timestamp", "session_id", "event_type", "provenance", "data", "tags")}),
    st.sampled_from([b"[]", b"7", b'"s"', b"{", b"\xff\xfe", b"null", b" ", b""])), max_size=8), st.booleans())
def test_check_reports_any_hand_edited_log_without_failing(ws: Workspace, rows: list, newline_at_end: bool) -> None:
    """Whatever a log holds, check lists problems (each with a line number) and never raises."""
    lines = [r if isinstance(r, bytes) else orjson.dumps(r, option=orjson.OPT_NON_STR_KEYS) for r in rows]
    ws.events_dir.mkdir(parents=True, exist_ok=True)
    ws.events_path("s1").write_bytes(b"\n".join(lines) + (b"\n" if newline_at_end and lines else b""))
    problems = check_logs(ws)
    assert all(p.line is None or 1 <= p.line <= max(len(lines), 1) for p in problems)
    well_formed = [r for r in rows if isinstance(r, dict)]
    if not well_formed and not any(isinstance(r, bytes) and r.strip() for r in rows):
        assert problems == []
