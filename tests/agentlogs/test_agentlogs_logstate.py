"""The on-disk state of a log (``logstate``): small record + append-only id files, exact after crashes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_agentlogs_claude_fast import RECORD, assistant, edge_log, line, result, tool_use, usage, user

from journal.agentlogs import logstate, summarize
from journal.agentlogs.logstate import StoredIds
from journal.agentlogs.prices import default_book
from journal.agentlogs.reading import summarize_events


@pytest.fixture(autouse=True)
def _state_outside_a_workspace(tmp_path: Path) -> None:
    """These tests save reader state in their own folders, with no workspace: allow it."""
    from journal.fsutil import allow_outside

    allow_outside(tmp_path, "a test's own state folder", tree=True)


def comparable(s: Any) -> dict[str, Any]:
    d = s.to_dict()
    del d["path"], d["bytes_read"]
    return d


def same_figures(a: Any, b: Any) -> None:
    default_book().price(a)
    default_book().price(b)
    assert a.buckets == b.buckets
    assert comparable(a) == comparable(b)


def grow_and_refresh(data: bytes, cuts: list[int], p: Path, d: Path) -> Any:
    """Write ``data`` up to each cut, refreshing through a saved state each time; the last summary."""
    s = None
    for cut in cuts:
        p.write_bytes(data[:cut])
        s, state = summarize(p, "claude-code", logstate.load(d))
        logstate.save(d, state)
    return s


def test_refreshes_through_saved_state_equal_one_read(tmp_path: Path) -> None:
    data = edge_log()
    p = tmp_path / "grow.jsonl"
    d = tmp_path / "state"
    ends = [i + 1 for i, c in enumerate(data) if c == 10]
    s = grow_and_refresh(data, [*ends[::2], len(data)], p, d)
    same_figures(s, summarize_events(p, "claude-code")[0])
    loaded = logstate.load(d)
    assert loaded is not None
    held = [k for k in logstate.KINDS if loaded["tally"][k] and isinstance(loaded["tally"][k][0], StoredIds)]
    assert {"users", "calls", "rows"} <= set(held)
    assert sorted(f.name for f in d.glob("*.ids")) == sorted(loaded["tally"][k][0].name for k in held)


def test_refresh_appends_ids_and_keeps_the_file(tmp_path: Path) -> None:
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2))))
    logstate.save(d, summarize(p, "claude-code")[1])
    before = {f.name: f.read_bytes() for f in d.glob("*.ids")}
    with open(p, "ab") as f:
        f.write(line(assistant("a2", "2026-01-01T00:00:03.000Z", "m2", [tool_use("t2", "Read")], usage(1, 2))))
    logstate.save(d, summarize(p, "claude-code", logstate.load(d))[1])
    after = {f.name: f.read_bytes() for f in d.glob("*.ids")}
    calls = [n for n in before if n.startswith("calls.")]
    assert len(calls) == 1 and after[calls[0]] == b"t1\nt2"  # appended to, not rewritten under a new name
    assert sorted(after.values()) == sorted([b"t1\nt2", b"m1"])  # m2 is still open: no row yet


def rows_file(d: Path) -> Path:
    (f,) = d.glob("table.*.rows")
    return f


def test_refresh_appends_usage_rows_and_keeps_the_file(tmp_path: Path) -> None:
    """The usage rows live in a file of raw cells, which a refresh appends its new rows to."""
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    msgs = [line(assistant(f"a{i}", f"2026-01-01T00:00:0{i}.000Z", f"m{i}", [], usage(10 * i, i))) for i in range(1, 6)]
    p.write_bytes(b"".join(msgs[:3]))
    logstate.save(d, summarize(p, "claude-code")[1])
    f = rows_file(d)
    before = f.read_bytes()
    assert len(before) == 2 * 6 * 4  # m1 and m2 are closed; m3 is still open: six 4-byte cells a row
    assert orjson.loads((d / logstate.RECORD).read_bytes())["tally"]["table"] is None  # not in the record
    with open(p, "ab") as fh:
        fh.write(b"".join(msgs[3:]))
    s, state = summarize(p, "claude-code", logstate.load(d))
    logstate.save(d, state)
    assert rows_file(d) == f and f.read_bytes()[:len(before)] == before and len(f.read_bytes()) == 4 * 6 * 4
    assert (s.tokens.input, s.tokens.output, s.assistant_turns) == (150, 15, 5)
    same_figures(s, summarize_events(p, "claude-code")[0])


def test_a_changed_old_row_writes_the_rows_anew(tmp_path: Path) -> None:
    """An old message's usage coming back changes a row the file holds: a new file, the figures exact."""
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    first = [line(assistant(f"a{i}", f"2026-01-01T00:00:0{i}.000Z", f"m{i}", [], usage(1, 1))) for i in range(1, 4)]
    p.write_bytes(b"".join(first))
    logstate.save(d, summarize(p, "claude-code")[1])
    old = rows_file(d)
    with open(p, "ab") as fh:  # m1 again, with a larger usage: its last usage counts
        fh.write(line(assistant("a9", "2026-01-01T00:00:09.000Z", "m1", [], usage(50, 7))))
        fh.write(line(assistant("a10", "2026-01-01T00:00:10.000Z", "m4", [], usage(1, 1))))
    s, state = summarize(p, "claude-code", logstate.load(d))
    logstate.save(d, state)
    new = rows_file(d)
    assert new != old and not old.exists()
    assert (s.tokens.input, s.tokens.output, s.assistant_turns) == (50 + 1 + 1 + 1, 7 + 1 + 1 + 1, 4)
    same_figures(s, summarize_events(p, "claude-code")[0])
    s, _ = summarize(p, "claude-code", logstate.load(d))  # and read back from the new file
    same_figures(s, summarize_events(p, "claude-code")[0])


def test_wide_rows_are_written_anew_and_read_back(tmp_path: Path) -> None:
    """A count over 32 bits widens the table to 8-byte cells: a new file of those."""
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    msgs = [line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [], usage(1, 1))),
            line(assistant("a2", "2026-01-01T00:00:02.000Z", "m2", [], usage(1, 1))),
            line(assistant("a3", "2026-01-01T00:00:03.000Z", "m3", [], usage(2**40, 1))),
            line(assistant("a4", "2026-01-01T00:00:04.000Z", "m4", [], usage(1, 1)))]
    p.write_bytes(b"".join(msgs[:2]))
    logstate.save(d, summarize(p, "claude-code")[1])
    old = rows_file(d)
    with open(p, "ab") as fh:
        fh.write(b"".join(msgs[2:]))
    s, state = summarize(p, "claude-code", logstate.load(d))
    logstate.save(d, state)
    assert rows_file(d) != old and len(rows_file(d).read_bytes()) == 3 * 6 * 8
    assert orjson.loads((d / logstate.RECORD).read_bytes())["table_file"][2] == "q"
    assert s.tokens.input == 2**40 + 3
    s, _ = summarize(p, "claude-code", logstate.load(d))
    same_figures(s, summarize_events(p, "claude-code")[0])


def test_a_state_with_its_rows_in_the_record_is_resumed(tmp_path: Path) -> None:
    """A state of the earlier layout (the rows base64 in the record) is read on from its offset,
    and saved in the new one."""
    import base64

    data = edge_log()
    ends = [i + 1 for i, c in enumerate(data) if c == 10]
    p = tmp_path / "grow.jsonl"
    d = tmp_path / "state"
    p.write_bytes(data[:ends[len(ends) // 2]])
    _s, state = summarize(p, "claude-code")
    table = state["tally"].pop("table")
    state["tally"].pop("table_stored")
    state["tally"]["table"] = base64.b64encode(table.tobytes()).decode("ascii")
    state["version"] = 3
    logstate.save(d, state)
    assert not list(d.glob("*.rows"))
    p.write_bytes(data)
    s, state = summarize(p, "claude-code", logstate.load(d))
    assert s.bytes_read == len(data) - ends[len(ends) // 2]  # resumed, not read again whole
    same_figures(s, summarize_events(p, "claude-code")[0])
    logstate.save(d, state)
    assert rows_file(d).stat().st_size > 0
    assert orjson.loads((d / logstate.RECORD).read_bytes())["version"] == 4


@pytest.mark.parametrize("crash_at", ["record", "appends", "rows"])
def test_crash_between_the_writes_leaves_an_exact_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         crash_at: str) -> None:
    """A save killed after its id appends (or during them) leaves the old state: the next refresh is exact."""
    data = edge_log()
    ends = [i + 1 for i, c in enumerate(data) if c == 10]
    half = ends[len(ends) // 2]
    p = tmp_path / "grow.jsonl"
    d = tmp_path / "state"
    grow_and_refresh(data, [ends[2], half], p, d)
    record = (d / "state.json").read_bytes()
    p.write_bytes(data)
    _s, state = summarize(p, "claude-code", logstate.load(d))

    class Crash(Exception):
        pass

    def crash(*a: Any, **k: Any) -> None:
        raise Crash

    with monkeypatch.context() as m:
        if crash_at == "record":
            m.setattr(logstate, "_replace", crash)
        elif crash_at == "rows":  # the rows appended, the record not yet replaced
            write_table = logstate._write_table

            def crash_after(*a: Any) -> None:
                write_table(*a)
                raise Crash

            m.setattr(logstate, "_write_table", crash_after)
        else:
            m.setattr(logstate, "_sync", crash)  # the first file synced: during the appends
        with pytest.raises(Crash):
            logstate.save(d, state)
    assert (d / "state.json").read_bytes() == record
    # the old record stands; the ids past its lengths are not part of it
    s, state = summarize(p, "claude-code", logstate.load(d))
    same_figures(s, summarize_events(p, "claude-code")[0])
    logstate.save(d, state)
    with open(p, "ab") as f:  # history repeated: old ids are looked up in the files
        f.write(data)
    s, _ = summarize(p, "claude-code", logstate.load(d))
    same_figures(s, summarize_events(p, "claude-code")[0])


def test_old_id_coming_back_is_found_in_the_file(tmp_path: Path) -> None:
    first = line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2)))
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(first)
    logstate.save(d, summarize(p, "claude-code")[1])
    with open(p, "ab") as f:
        f.write(line(user("r1", "2026-01-01T00:00:02.000Z", [result("t1")])))
        f.write(first)
    s, _ = summarize(p, "claude-code", logstate.load(d))
    assert (s.tool_calls, s.assistant_turns, s.tokens_out) == (1, 1, 2)


def test_ids_a_file_cannot_hold_stay_in_the_record(tmp_path: Path) -> None:
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    recs = [assistant("a1", "2026-01-01T00:00:01.000Z", "m\n1", [tool_use(7, "Bash")], usage(1, 2)),  # type: ignore[arg-type]
            assistant("a2", "2026-01-01T00:00:02.000Z", "m2", [tool_use("t\n2", "Read")], usage(1, 2))]
    data = b"".join(line(r) for r in recs)
    s = grow_and_refresh(data * 2, [len(line(recs[0])), len(data), 2 * len(data)], p, d)
    same_figures(s, summarize_events(p, "claude-code")[0])
    # 7 is no string and "m\n1", "t\n2" would read back as two ids each: no id file can hold them
    assert list(d.glob("*.ids")) == []
    record = orjson.loads((d / logstate.RECORD).read_bytes())
    assert record["id_files"] == {}

    def ids(runs: Any) -> list[Any]:
        return [i for r in runs for i in (r if isinstance(r, list) else r.split("\n"))]

    assert ids(record["tally"]["calls"]) == [7, "t\n2"]
    assert ids(record["tally"]["rows"]) == ["m\n1", "m2"]


def test_a_missing_or_short_id_file_means_no_state(tmp_path: Path) -> None:
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2))))
    logstate.save(d, summarize(p, "claude-code")[1])
    f = next(d.glob("calls.*.ids"))
    f.write_bytes(b"t")
    assert logstate.load(d) is None
    f.unlink()
    assert logstate.load(d) is None
    assert logstate.load(tmp_path / "nothing") is None


@pytest.mark.parametrize("entry", [None, 7, [], ["x"], ["a", "b", "c"], ["../calls.ids", 2, 1], [3, 2, 1]])
def test_a_malformed_id_file_entry_means_no_state(tmp_path: Path, entry: Any) -> None:
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2))))
    logstate.save(d, summarize(p, "claude-code")[1])
    record = orjson.loads((d / logstate.RECORD).read_bytes())
    record["id_files"]["calls"] = entry
    (d / logstate.RECORD).write_bytes(orjson.dumps(record))
    assert logstate.load(d) is None
    record["id_files"] = {"nonsense": record["id_files"]["users"] if "users" in record["id_files"] else ["x", 1, 1]}
    (d / logstate.RECORD).write_bytes(orjson.dumps(record))
    assert logstate.load(d) is None


def test_a_fifo_for_a_state_file_means_no_state(tmp_path: Path) -> None:
    import signal

    class Waited(Exception):  # (not an OSError, which the load takes for "no state")
        pass

    def waited(*_a: Any) -> None:
        raise Waited("the load waited for a writer on the FIFO")

    old = signal.signal(signal.SIGALRM, waited)
    signal.alarm(20)
    try:
        fifo_loads(tmp_path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def fifo_loads(tmp_path: Path) -> None:
    """A FIFO where the rows and where an id file should be: the load says "no state" at once."""
    import os

    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2))))
    logstate.save(d, summarize(p, "claude-code")[1])
    for f in [rows_file(d), next(d.glob("calls.*.ids"))]:
        keep = f.read_bytes()
        f.unlink()
        os.mkfifo(f)
        assert logstate.load(d) is None  # at once: not waiting for a writer
        f.unlink()
        f.write_bytes(keep)
    assert logstate.load(d) is not None


@pytest.mark.parametrize("damage", ["short", "missing", "typecode", "odd length"])
def test_a_damaged_rows_file_or_entry_means_no_state(tmp_path: Path, damage: str) -> None:
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(b"".join(line(assistant(f"a{i}", f"2026-01-01T00:00:0{i}.000Z", f"m{i}", [], usage(1, 2)))
                           for i in range(1, 4)))
    logstate.save(d, summarize(p, "claude-code")[1])
    assert logstate.load(d) is not None
    f = rows_file(d)
    record = orjson.loads((d / logstate.RECORD).read_bytes())
    if damage == "short":
        f.write_bytes(f.read_bytes()[:-1])
    elif damage == "missing":
        f.unlink()
    else:
        name, n, _code = record["table_file"]
        record["table_file"] = [name, n, "d"] if damage == "typecode" else [name, n - 2, "i"]
        (d / logstate.RECORD).write_bytes(orjson.dumps(record))
    assert logstate.load(d) is None
    s, _ = summarize(p, "claude-code", logstate.load(d))  # no state: read whole
    assert s.bytes_read == p.stat().st_size and s.tokens.input == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(RECORD, min_size=1, max_size=12), st.lists(st.integers(0, 10**6), max_size=4))
def test_saved_state_refreshes_equal_the_event_stream(tmp_path: Path, recs: list[Any], raw: list[int]) -> None:
    data = b"".join(line(r) for r in recs)
    cuts = sorted({c % (len(data) + 1) for c in raw} | {len(data)})
    d = tmp_path / f"state-{len(list(tmp_path.iterdir()))}"
    p = d.with_suffix(".jsonl")
    s = grow_and_refresh(data, cuts, p, d)
    same_figures(s, summarize_events(p, "claude-code")[0])


def test_hash_collisions_fall_back_to_the_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With 2-bit hashes nearly every new id hits an old hash: the ids are read, and the figures stay exact."""
    monkeypatch.setattr(logstate, "HASH_MASK", 0x3)
    reads: list[str] = []
    real = StoredIds.text

    def spy(self: StoredIds) -> str:
        reads.append(self.name)
        return real(self)

    monkeypatch.setattr(StoredIds, "text", spy)
    data = edge_log()
    ends = [i + 1 for i, c in enumerate(data) if c == 10]
    p = tmp_path / "grow.jsonl"
    d = tmp_path / "state"
    s = grow_and_refresh(data, [*ends[::2], len(data)], p, d)
    same_figures(s, summarize_events(p, "claude-code")[0])
    assert reads  # the exact ids were consulted
    assert all(max(StoredIds.hashes(r[0])) <= 3 for r in (logstate.load(d) or {})["tally"].values()
               if isinstance(r, list) and r and isinstance(r[0], StoredIds))


def test_full_width_hashes_spare_reading_the_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    real = StoredIds.text

    def spy(self: StoredIds) -> str:
        reads.append(self.name)
        return real(self)

    monkeypatch.setattr(StoredIds, "text", spy)
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2))))
    logstate.save(d, summarize(p, "claude-code")[1])
    for i in range(2, 5):
        with open(p, "ab") as f:
            f.write(line(assistant(f"a{i}", f"2026-01-01T00:00:0{i}.000Z", f"m{i}", [tool_use(f"t{i}", "Read")],
                                   usage(1, 2))))
        s, state = summarize(p, "claude-code", logstate.load(d))
        logstate.save(d, state)
    assert reads == [] and (s.tool_calls, s.assistant_turns) == (4, 4)
    with open(p, "ab") as f:  # an old id again: now the ids are read
        f.write(line(assistant("a9", "2026-01-01T00:00:09.000Z", "m2", [tool_use("t2", "Read")], usage(5, 6))))
    s, _ = summarize(p, "claude-code", logstate.load(d))
    assert reads and (s.tool_calls, s.assistant_turns) == (4, 4)
    same_figures(s, summarize_events(p, "claude-code")[0])


def test_a_kind_with_nothing_new_is_left_alone(tmp_path: Path) -> None:
    p = tmp_path / "s.jsonl"
    d = tmp_path / "state"
    p.write_bytes(line(user("u1", "2026-01-01T00:00:01.000Z", "hello")))
    logstate.save(d, summarize(p, "claude-code")[1])
    f = next(d.glob("users.*.ids"))
    mtime = f.stat().st_mtime_ns
    with open(p, "ab") as fh:
        fh.write(line(assistant("a1", "2026-01-01T00:00:02.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2))))
    s, state = summarize(p, "claude-code", logstate.load(d))
    logstate.save(d, state)
    assert f.stat().st_mtime_ns == mtime and f.read_bytes() == b"u1"
    s, _ = summarize(p, "claude-code", logstate.load(d))
    same_figures(s, summarize_events(p, "claude-code")[0])
