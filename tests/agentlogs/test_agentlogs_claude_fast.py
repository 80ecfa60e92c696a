"""The Claude Code fast path (ClaudeTally) gives the same Summary as the event stream.

``summarize`` folds Claude Code lines straight into counters; ``summarize_events``
(ClaudeCodeReader → Accumulator) is the reference. They must agree on every
sample, on hand-built edge cases, and after resuming at any point of a log.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from agentlog_samples import CLAUDE_OWN, CLAUDE_REAL, cases, path
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from journal.agentlogs import summarize
from journal.agentlogs.claude_tally import MAX_RUNS, QUIET_MIN
from journal.agentlogs.model import Summary
from journal.agentlogs.prices import default_book
from journal.agentlogs.reading import summarize_events


def as_saved(state: dict[str, Any], under: Path) -> dict[str, Any]:
    """``state`` as the next refresh finds it: saved by ``logstate`` in a new folder under
    ``under`` (the usage rows in a file of their own, the ids in theirs), then loaded."""
    import tempfile

    from journal.agentlogs import logstate
    from journal.fsutil import allow_outside

    d = allow_outside(tempfile.mkdtemp(dir=under), "a test's own state folder", tree=True)
    logstate.save(d, state)
    loaded = logstate.load(d)
    assert loaded is not None
    return loaded

CLAUDE_SAMPLES = cases(CLAUDE_OWN, CLAUDE_REAL)  # (src, name): the own ones, and the real ones when present


def same(fast: Summary, ref: Summary) -> None:
    """The same figures, buckets and (both priced by the same book) the same cost, exactly."""
    default_book().price(fast)
    default_book().price(ref)
    assert fast.buckets == ref.buckets
    assert fast.to_dict() == ref.to_dict()


@pytest.mark.parametrize("src,name", CLAUDE_SAMPLES)
def test_fast_path_equals_event_stream_on_samples(src: str, name: str) -> None:
    log = path(src, name)
    same(summarize(log, "claude-code")[0], summarize_events(log, "claude-code")[0])



@pytest.fixture(autouse=True, params=["typed", "dicts"])
def decoding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: lines decoded into typed records (any read size), and parsed whole (orjson)."""
    from journal.agentlogs import claude_tally

    monkeypatch.setattr(claude_tally, "TYPED_MIN", 0 if request.param == "typed" else 1 << 62)
    if request.param == "dicts":
        monkeypatch.setattr(claude_tally.ClaudeTally, "feed", claude_tally.ClaudeTally._feed_dicts)
    return str(request.param)

# ---- hand-built edge cases ------------------------------------------------------------------
SID = "aaaaaaaa-0000-0000-0000-000000000001"


def line(rec: Any) -> bytes:
    return orjson.dumps(rec) + b"\n"


def base(t: str, uuid: str | None, ts: str, **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/repo",
                         "sessionId": SID, "version": "2.1.0", "gitBranch": "main", "type": t}
    if uuid is not None:
        r["uuid"] = uuid
    r["timestamp"] = ts
    r.update(kw)
    return r


def assistant(uuid: str | None, ts: str, mid: str | None, blocks: list[Any], usage: Any = None,
              model: str = "claude-opus-4-6", **kw: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"model": model, "type": "message", "role": "assistant", "content": blocks}
    if mid is not None:
        msg["id"] = mid
    if usage is not None:
        msg["usage"] = usage
    r = base("assistant", uuid, ts, **kw)
    r["message"] = msg
    return r


def user(uuid: str, ts: str, content: Any, **kw: Any) -> dict[str, Any]:
    r = base("user", uuid, ts, **kw)
    r["message"] = {"role": "user", "content": content}
    return r


def usage(i: int, o: int, cr: int = 0, cw: int = 0, cw1h: int | None = None) -> dict[str, Any]:
    u: dict[str, Any] = {"input_tokens": i, "output_tokens": o, "cache_read_input_tokens": cr,
                         "cache_creation_input_tokens": cw}
    if cw1h is not None:
        u["cache_creation"] = {"ephemeral_1h_input_tokens": cw1h, "ephemeral_5m_input_tokens": cw - cw1h}
    return u


def tool_use(tid: str, name: str) -> dict[str, Any]:
    return {"type": "tool_use", "id": tid, "name": name, "input": {"command": "ls"}}


def result(tid: str, err: bool = False, text: str = "ok") -> dict[str, Any]:
    return {"tool_use_id": tid, "type": "tool_result", "content": text, "is_error": err}


PAD = "x" * QUIET_MIN  # makes a line long enough for the byte-level quiet test


def quiet_record(ts: str) -> dict[str, Any]:
    """A long progress record in Claude Code's key order: nested data, then the top-level timestamp."""
    return {"parentUuid": "p", "isSidechain": False, "cwd": "/repo", "sessionId": SID, "type": "progress",
            "data": {"type": "agent_progress", "message": assistant("n2", "2027-06-01T00:00:00.000Z", "msg_n2",
                                                                    [tool_use("toolu_n2", "Bash")], usage(9, 9)),
                     "pad": PAD + '{"type":"user"}'},
            "toolUseID": "x", "timestamp": ts, "uuid": "p9"}


def edge_log() -> bytes:
    lines = [
        # a long quiet record holding the earliest timestamp, with nested records in its data
        line(base("progress", "p0", "2026-01-01T00:00:00.000Z", data={
            "type": "agent_progress", "message": assistant("n1", "2026-01-01T09:00:00.000Z", "msg_nested",
                                                           [tool_use("toolu_nested", "Bash")], usage(9, 9)),
            "pad": PAD})),
        line(user("u1", "2026-01-01T00:00:01.000Z", "Fix the parser", agentId="sub1")),
        line(user("u1", "2026-01-01T00:00:01.000Z", "Fix the parser", agentId="sub1")),  # repeated: one turn
        line(assistant("a1", "2026-01-01T00:00:02.000Z", "m1", [{"type": "thinking", "thinking": "hm"}],
                       usage(3, 1, 100, 50, 50))),
        line(assistant("a2", "2026-01-01T00:00:02.100Z", "m1", [tool_use("t1", "Bash")], usage(3, 1, 100, 50, 50))),
        line(assistant("a3", "2026-01-01T00:00:02.200Z", "m1", [tool_use("t2", "mcp__x__read_file")],
                       usage(3, 40, 100, 50, 50))),
        line(user("r1", "2026-01-01T00:00:03.500Z", [result("t1", err=True)])),
        line(user("r2", "2026-01-01T00:00:04.000Z", [result("t2"), {"type": "text", "text": "and also"}])),
        line(user("r2b", "2026-01-01T00:00:04.100Z", [result("t2")])),  # answered already
        b"\n", b"   \n", b"this is not json {\n", b"[1, 2]\n", b"42\n",
        line({"type": "mystery", "sessionId": SID, "pad": PAD}),              # long unknown type
        line({"type": ["user"], "timestamp": "2026-01-01T00:00:04.500Z"}),   # unhashable type
        # long quiet lines the byte test must not take at face value
        line({"type": "file-history-snapshot", "messageId": "x",
              "snapshot": {"timestamp": "2025-12-31T00:00:00.000Z", "pad": PAD}}),      # nested timestamp only
        line({"note": "{", "type": "queue-operation", "timestamp": "2026-01-01T00:00:05.000Z", "pad": PAD}),
        line({"type": "progress", "timestamp": "2026-01-01T00:00:05.500Z",
              "data": {"timestamp": "2027-01-01T00:00:00.000Z", "pad": PAD}}),         # top-level one first
        line({"type": "progress", "timestamp": None, "pad": PAD}),
        line({"type": "progress", "pad": PAD + '"type":"user"'}),
        line({"type": "pro\"gress", "timestamp": "2026-01-01T00:00:05.600Z", "pad": PAD}),
        # api errors (deduped by uuid), system errors
        line(assistant("e1", "2026-01-01T00:00:06.000Z", "m_err", [], isApiErrorMessage=True)),
        line(assistant("e1", "2026-01-01T00:00:06.000Z", "m_err", [], isApiErrorMessage=True)),
        line(base("system", "s1", "2026-01-01T00:00:06.500Z", subtype="api_error")),
        line(base("system", None, "2026-01-01T00:00:06.600Z", level="error")),
        line(base("system", "s3", "2026-01-01T00:00:06.700Z", subtype="turn_duration", durationMs=5)),
        # a second model, a message with no id at all (adds up), a synthetic one (ignored)
        line(assistant(None, "2026-01-01T00:00:07.000Z", None, [{"type": "text", "text": "x"}], usage(5, 5),
                       model="claude-sonnet-4-5-20250929")),
        line(assistant(None, "2026-01-01T00:00:07.100Z", None, [{"type": "text", "text": "x"}], usage(5, 5),
                       model="claude-sonnet-4-5-20250929")),
        line(assistant("syn", "2026-01-01T00:00:07.200Z", "m_syn", [], usage(1, 1), model="<synthetic>")),
        # m1 again, not in a run, with another usage: the last one wins
        line(assistant("a4", "2026-01-01T00:00:08.000Z", "m1", [tool_use("t1", "Bash")], usage(4, 44, 100, 50, 50))),
        # huge counts (need 64-bit cells), a message without usage, an unanswered call
        line(assistant("a5", "2026-01-01T00:00:09.000Z", "m2", [tool_use("t3", "Read")], usage(2**40, 7))),
        line(assistant("a6", "2026-01-01T00:00:09.500Z", "m3", [{"type": "redacted_thinking", "data": "?"}])),
        line(assistant("a7", "2026-01-01T00:00:10.000Z", "m4", [tool_use("t4", "Grep")], usage(1, 2))),
        # user lines that are not turns
        line(user("u2", "2026-01-01T00:00:11.000Z", "<command-name>/model</command-name>")),
        line(user("u3", "2026-01-01T00:00:11.100Z", "meta", isMeta=True)),
        line(user("u4", "2026-01-01T00:00:11.200Z", "side", isSidechain=True)),
        line(user("u5", "2026-01-01T00:00:11.300Z", "Second prompt")),
        line(user("u6", "2026-01-01T00:00:12.000Z", [result("t3")])),
        # the latest timestamp on a long quiet line laid out as Claude Code writes it (data first)
        line(quiet_record("2026-01-01T01:00:00.000Z")),
    ]
    return b"".join(lines)


@pytest.fixture()
def edge(tmp_path: Path) -> Path:
    p = tmp_path / "edge.jsonl"
    p.write_bytes(edge_log())
    return p


def test_edge_cases_equal_event_stream(edge: Path) -> None:
    fast, _ = summarize(edge, "claude-code")
    same(fast, summarize_events(edge, "claude-code")[0])
    # and the figures themselves, by construction
    # u1 (once), r2 (a result with a text block), u5
    assert (fast.user_turns, fast.assistant_turns, fast.reasoning_blocks) == (3, 6, 2)
    assert {n: (t.calls, t.failures) for n, t in fast.tools.items()} == {
        "Bash": (1, 1), "mcp__x__read_file": (1, 0), "Read": (1, 0), "Grep": (1, 0)}
    assert fast.errors == 1 + 1 + 2  # failed Bash, api error (once), two system errors
    assert fast.tokens_in == 4 + 2**40 + 1 + 5 + 5 and fast.tokens_out == 44 + 7 + 2 + 5 + 5
    assert (fast.start, fast.end) == ("2026-01-01T00:00:00.000Z", "2026-01-01T01:00:00.000Z")
    assert fast.models == ["claude-opus-4-6", "claude-sonnet-4-5-20250929"]
    assert fast.skipped == 2 + 1 + 3  # blank lines, garbage; types mystery, ["user"] and pro"gress
    assert fast.extra == {"subagent": True, "agent_id": "sub1"}


def test_long_quiet_lines_read_from_bytes(edge: Path) -> None:
    """The byte test takes the top-level timestamp of a long progress line, never a nested one."""
    from journal.agentlogs.claude_tally import ClaudeTally

    t = ClaudeTally()
    t.feed(edge.read_bytes().split(b"\n"))
    assert t.bts_max == b"2026-01-01T01:00:00.000Z"  # taken without parsing the line
    t = ClaudeTally()
    t.feed([orjson.dumps(quiet_record("2026-01-01T01:00:00.000Z"))] * 3)
    s = t.summary()
    assert (s.start, s.end, s.tool_calls, s.assistant_turns, s.skipped) == (
        "2026-01-01T01:00:00.000Z", "2026-01-01T01:00:00.000Z", 0, 0, 0)


def test_resume_at_every_cut_equals_one_read(edge: Path, tmp_path: Path) -> None:
    data = edge.read_bytes()
    whole, _ = summarize(edge, "claude-code")
    ends = [i + 1 for i, c in enumerate(data) if c == 10]
    cuts = sorted(set(ends) | {e - 7 for e in ends if e > 7})  # at line ends and inside lines
    for cut in cuts:
        p = tmp_path / f"cut{cut}.jsonl"
        p.write_bytes(data[:cut])
        first, state = summarize(p, "claude-code")
        state = as_saved(state, tmp_path)
        with open(p, "ab") as f:
            f.write(data[cut:])
        again, _ = summarize(p, "claude-code", state)
        assert again.bytes_read == len(data) - state["offset"]
        a, b = again.to_dict(), whole.to_dict()
        for d in (a, b):
            del d["path"], d["bytes_read"]
        assert a.pop("cost_usd") == pytest.approx(b.pop("cost_usd"))
        assert a == b, f"cut at {cut}"


def test_state_is_compact(tmp_path: Path) -> None:
    """Ids are kept once each, usage as 4 bytes a number: no per-line data in the state."""
    p = tmp_path / "many.jsonl"
    recs = []
    for n in range(2000):
        recs.append(line(assistant(f"a{n}", "2026-01-01T00:00:00.000Z", f"msg_{n:06d}",
                                   [tool_use(f"toolu_{n:06d}", "Bash")], usage(1, 2, 3, 4))))
        recs.append(line(user(f"r{n}", "2026-01-01T00:00:01.000Z", [result(f"toolu_{n:06d}", text=PAD)])))
    p.write_bytes(b"".join(recs))
    s, state = summarize(p, "claude-code")
    assert s.tool_calls == 2000 and s.assistant_turns == 2000
    as_saved(state, tmp_path)
    size = sum(f.stat().st_size for d in tmp_path.iterdir() if d.is_dir() for f in d.iterdir())
    # per message: its id and its call's id (10 and 12 characters here, each with a
    # separator) and a 4-byte hash of each, six 4-byte usage numbers; nothing per line
    assert size < 2000 * (11 + 13 + 8 + 24) + 3000, size
    assert not state["tally"]["pending"]


# ---- property: random logs from a small vocabulary -----------------------------------------
ID = st.sampled_from(["m1", "m2", "m3", None])
TOOL = st.sampled_from(["t1", "t2", "t3", "t4"])
TS = st.integers(0, 59).map(lambda s: f"2026-01-01T00:00:{s:02d}.000Z")
USAGE = st.one_of(st.none(), st.builds(usage, st.integers(0, 50), st.integers(0, 50), st.integers(0, 9),
                                       st.integers(0, 9)))
BLOCK = st.one_of(st.builds(tool_use, TOOL, st.sampled_from(["Bash", "Read"])),
                  st.just({"type": "thinking", "thinking": "t"}), st.just({"type": "text", "text": "x"}))
RECORD = st.one_of(
    st.builds(lambda u, ts, mid, b, us, m: assistant(u, ts, mid, b, us, model=m),
              st.sampled_from(["a1", "a2", None]), TS, ID, st.lists(BLOCK, max_size=2), USAGE,
              st.sampled_from(["claude-opus-4-6", "claude-haiku-4-5", "<synthetic>"])),
    st.builds(lambda u, ts, tid, err: user(u, ts, [result(tid, err)]), st.sampled_from(["r1", "r2"]), TS, TOOL,
              st.booleans()),
    st.builds(lambda u, ts, text: user(u, ts, text), st.sampled_from(["u1", "u2", "u3"]), TS,
              st.sampled_from(["hello", "<command-name>x", ""])),
    st.builds(lambda ts, pad: base("progress", "p", ts, data={"type": "hook_progress", "pad": pad}), TS,
              st.sampled_from(["", PAD])),
    st.builds(lambda u, ts: base("system", u, ts, subtype="api_error"), st.sampled_from(["s1", "s2", None]), TS),
    st.just({"type": "mystery"}),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(RECORD, max_size=25), st.integers(0, 10_000))
@example(recs=[assistant("a1", "2026-01-01T00:00:00.000Z", mid, [], None) for mid in ("m1", "m2", "m1", "m2")],
         cut_at=993)  # the open message at the cut comes back after it
@example(recs=[assistant("a1", "2026-01-01T00:00:00.000Z", mid, [], None, model=model) for mid, model in (
    ("m1", "claude-opus-4-6"), ("m2", "claude-opus-4-6"), ("m1", "claude-opus-4-6"), ("m2", "claude-haiku-4-5"))],
    cut_at=993)  # read again after a repeat: the first pass must not have changed the saved state
def test_random_logs_equal_event_stream_and_resume(tmp_path: Path, recs: list[Any], cut_at: int) -> None:
    data = b"".join(line(r) for r in recs)
    p = tmp_path / "r.jsonl"
    p.write_bytes(data)
    whole, _ = summarize(p, "claude-code")
    same(whole, summarize_events(p, "claude-code")[0])
    cut = cut_at % (len(data) + 1)
    p.write_bytes(data[:cut])
    _first, state = summarize(p, "claude-code")
    state = as_saved(state, tmp_path)
    p.write_bytes(data)  # same inode, grown
    again, _ = summarize(p, "claude-code", state)
    a, b = again.to_dict(), whole.to_dict()
    for d in (a, b):
        del d["bytes_read"]
    assert a.pop("cost_usd") == pytest.approx(b.pop("cost_usd"))
    assert a == b


def test_many_refreshes_equal_one_read(edge: Path, tmp_path: Path) -> None:
    """Each refresh saves a run of new ids; runs are joined when many; figures stay exact."""
    data = edge.read_bytes()
    whole, _ = summarize(edge, "claude-code")
    ends = [i + 1 for i, c in enumerate(data) if c == 10]
    p = tmp_path / "grow.jsonl"
    p.write_bytes(b"")
    state = None
    for cut in ends[::3] + [len(data)]:
        p.write_bytes(data[:cut])
        s, state = summarize(p, "claude-code", state)
        state = as_saved(state, tmp_path)
    assert all(len(state["tally"][k]) <= MAX_RUNS for k in ("users", "calls", "rows"))
    a, b = s.to_dict(), whole.to_dict()
    for d in (a, b):
        del d["path"], d["bytes_read"]
    assert a.pop("cost_usd") == pytest.approx(b.pop("cost_usd"))
    assert a == b


def test_refresh_rereads_only_when_an_old_id_comes_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from journal.agentlogs import reading

    passes: list[bool] = []
    real = reading._claude_pass

    def spy(path: Path, ident: dict[str, Any], state: dict[str, Any] | None, lookups: bool) -> Any:
        passes.append(lookups)
        return real(path, ident, state, lookups)

    monkeypatch.setattr(reading, "_claude_pass", spy)
    first = line(assistant("a1", "2026-01-01T00:00:01.000Z", "m1", [tool_use("t1", "Bash")], usage(1, 2)))
    p = tmp_path / "s.jsonl"
    p.write_bytes(first)
    _s, state = summarize(p, "claude-code")
    with open(p, "ab") as f:  # new ids only: one pass
        f.write(line(user("r1", "2026-01-01T00:00:02.000Z", [result("t1")])))
        f.write(line(assistant("a2", "2026-01-01T00:00:03.000Z", "m2", [tool_use("t2", "Read")], usage(1, 2))))
    passes.clear()
    s, state = summarize(p, "claude-code", state)
    assert passes == [False] and s.tool_calls == 2
    with open(p, "ab") as f:  # m1 and t1 again (history repeated): read again with lookups
        f.write(first)
    passes.clear()
    s, _ = summarize(p, "claude-code", state)
    assert passes == [False, True] and (s.tool_calls, s.assistant_turns) == (2, 2)


def test_usage_shapes_the_typed_record_does_not_take(tmp_path: Path) -> None:
    """A usage whose fields are not numbers, or whose ``cache_creation`` is not an object, counts
    as a full parse counts it; a message left open keeps its usage through a save and a resume."""
    odd = [{"input_tokens": 3, "output_tokens": 4, "cache_creation": 7},
           {"input_tokens": 2.5, "output_tokens": "9", "cache_read_input_tokens": None},
           ["not", "an", "object"],
           {"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 6,
            "cache_creation": {"ephemeral_1h_input_tokens": 6}}]
    log = tmp_path / "odd.jsonl"
    lines = [line(assistant(f"a{i}", f"2026-01-01T00:00:0{i}.000Z", f"m{i}", [tool_use(f"t{i}", "Bash")], u))
             for i, u in enumerate(odd)]
    log.write_bytes(b"".join(lines))
    fast, _ = summarize(log, "claude-code")
    same(fast, summarize_events(log, "claude-code")[0])
    assert (fast.tokens.input, fast.tokens.output, fast.tokens.cache_write) == (3 + 1, 4 + 1, 6)
    # cut after the last line opened its message: the open usage is saved and resumed
    cut = sum(map(len, lines[:-1]))
    log.write_bytes(b"".join(lines)[:cut])
    _, state = summarize(log, "claude-code")
    state = as_saved(state, tmp_path)
    log.write_bytes(b"".join(lines))
    resumed, _ = summarize(log, "claude-code", state)
    assert resumed.bytes_read == len(lines[-1])
    a, b = resumed.to_dict(), fast.to_dict()
    for d in (a, b):
        del d["bytes_read"]
    assert a == b
