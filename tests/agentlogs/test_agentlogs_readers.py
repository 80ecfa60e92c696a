"""Agent-log readers: counts equal hand counts, detection, robustness, incremental reads.

Every test runs on the own samples (tests/data/agentlogs) and, where it names
real ones, also on those in ../shared/fixtures/agent_logs when that folder
exists. The hand counts and how they were taken are in agentlog_samples.py.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from agentlog_samples import (
    CLAUDE_MAIN,
    CLAUDE_OWN,
    CLAUDE_SID,
    CLAUDE_SUB,
    CODEX_B,
    COUNTS,
    OWN,
    REAL,
    cases,
    check,
    own,
    path,
)

from journal.agentlogs import detect_format, iter_events, summarize
from journal.errors import InvalidInput


@pytest.mark.parametrize("src,name", cases(OWN, REAL))
def test_summary_matches_hand_counts(src: str, name: str) -> None:
    s, _state = summarize(path(src, name))
    check(s, COUNTS[src][name])


# Copilot's own cost is premium requests, kept apart from the USD estimate (see test_agentlogs_prices.py).
PREMIUM = {("own", "copilot_events.jsonl"): 2, ("own", "copilot_resumed.jsonl"): 1 + 1,
           ("real", "copilot_cli/lantern_049410b4_events.jsonl"): 0}


@pytest.mark.parametrize("src,name", cases([n for s, n in PREMIUM if s == "own"], [n for s, n in PREMIUM if s == "real"]))
def test_copilot_premium_requests_apart(src: str, name: str) -> None:
    s, _ = summarize(path(src, name))
    assert s.extra["premium_requests"] == PREMIUM[src, name]


# Duration from the first to the last timestamp; a tool's time from its call's line to its
# result's line. Own: Bash toolu_06 09:20:56.801 -> 09:20:58.960 and toolu_08 09:22:42.870 ->
# 09:22:44.915; real: Bash at 21:12:01.117Z, its rejected result at 21:12:02.480Z.
TIMES = {
    "own": {CLAUDE_MAIN: (167.238, "Bash", 2, 2159.0 + 2045.0)},
    "real": {"claude_code/spotter_short.jsonl": (259.943, "Bash", 1, 1363.0)},
}


@pytest.mark.parametrize("src,name", cases(TIMES["own"], TIMES["real"]))
def test_duration_and_tool_time_from_timestamps(src: str, name: str) -> None:
    s, _ = summarize(path(src, name))
    duration, tool, timed, time_ms = TIMES[src][name]
    assert s.duration_s == pytest.approx(duration)
    assert s.tools[tool].timed == timed and s.tools[tool].time_ms == pytest.approx(time_ms)


def test_copilot_without_shutdown_knows_only_output_tokens(tmp_path: Path) -> None:
    """A session that did not end cleanly (no session.shutdown): the messages' outputTokens."""
    lines = own("copilot_events.jsonl").read_bytes().splitlines(keepends=True)
    assert b'"session.shutdown"' in lines[-1]
    p = tmp_path / "events.jsonl"
    p.write_bytes(b"".join(lines[:-1]))
    s, _ = summarize(p)
    assert (s.tokens_in, s.tokens_out, s.tokens_cache_read) == (0, 88 + 240 + 61 + 40 + 25, 0)
    assert "premium_requests" not in s.extra and s.end == "2026-03-17T14:06:11.100Z"
    assert (s.user_turns, s.assistant_turns, s.tool_calls, s.tool_failures) == (2, 5, 4, 1)


def test_native_sample_is_what_the_journal_writes() -> None:
    from journal.events.schema import validate

    for line in own("native_session.jsonl").read_text(encoding="utf-8").splitlines():
        validate(json.loads(line))


def test_subagent_and_sidechain_marked() -> None:
    main, _ = summarize(own(CLAUDE_MAIN))
    sub, _ = summarize(own(CLAUDE_SUB))
    assert "subagent" not in main.extra
    assert sub.extra == {"subagent": True, "agent_id": "a7f3e21"}
    assert sub.provider_session_id == main.provider_session_id == CLAUDE_SID
    # the subagent file sits where Claude Code puts it: <session>/subagents/agent-<id>.jsonl
    assert own(CLAUDE_SUB).parent == own(CLAUDE_MAIN).with_suffix("") / "subagents"
    assert own(CLAUDE_SUB).name == f"agent-{sub.extra['agent_id']}.jsonl"


def test_massgen_votes_winner_restarts() -> None:
    flat, _ = summarize(own("massgen/flat"))
    assert {k: flat.extra[k] for k in ("answers", "votes", "winner", "restarts", "timeouts")} == {
        "answers": 3, "votes": 2, "winner": "agent_b", "restarts": 1, "timeouts": 1}
    assert flat.duration_s == 92.0
    nested, _ = summarize(own("massgen/nested/log_20251218_134125"))
    assert {k: nested.extra[k] for k in ("answers", "votes", "winner", "restarts", "attempts")} == {
        "answers": 3, "votes": 2, "winner": "agent2", "restarts": 1, "attempts": 2}


def test_zag_backfill_is_flagged() -> None:
    s, _ = summarize(own("zag/w-2222-backfill.jsonl"))
    assert s.extra["backfill_of"] == CLAUDE_SID
    live, _ = summarize(own("zag/w-1111.jsonl"))
    assert "backfill_of" not in live.extra


# ---- detection -----------------------------------------------------------------------------
@pytest.mark.parametrize("src,name", cases(OWN, REAL))
def test_detects_format(src: str, name: str) -> None:
    assert detect_format(path(src, name)) == COUNTS[src][name]["format"]


def test_unknown_file_names_formats_tried(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as e:
        summarize(own("unknown.jsonl"))
    msg = str(e.value)
    for fmt in ("claude-code", "codex", "gemini", "copilot", "zag", "massgen", "journal"):
        assert fmt in msg
    assert "\n" not in msg
    with pytest.raises(InvalidInput, match="MassGen"):
        summarize(tmp_path)


def test_forced_format_reads_what_it_can(tmp_path: Path) -> None:
    s, _ = summarize(own("zag/w-1111.jsonl"), "claude-code")
    # every zag line is a record type Claude Code does not write: all 13 skipped, none fabricated
    assert (s.user_turns, s.tool_calls, s.skipped) == (0, 0, 13)
    with pytest.raises(InvalidInput, match="unknown log format"):
        summarize(own("zag/w-1111.jsonl"), "nope")


def test_iter_events_streams_normalized_kinds() -> None:
    kinds = [e.kind for e in iter_events(own("zag/w-1111.jsonl"))]
    assert kinds.count("tool_call") == 2 and kinds.count("tool_result") == 2 and "usage" in kinds
    calls = [e for e in iter_events(own("claude_sidechain.jsonl")) if e.kind == "tool_call"]
    assert [(c.name, c.key) for c in calls][:2] == [("Task", "tu1"), ("Grep", "tu2")]


# ---- robustness ----------------------------------------------------------------------------
def test_torn_blank_garbage_unknown_counted_as_skipped() -> None:
    s, state = summarize(own("claude_torn.jsonl"))
    # 2 blank lines + 1 non-JSON line + 1 unknown record type + 1 torn last line
    assert s.skipped == 5
    assert s.user_turns == 1 and s.assistant_turns == 1 and s.tool_calls == 1
    size = own("claude_torn.jsonl").stat().st_size
    torn = own("claude_torn.jsonl").read_bytes().rsplit(b"\n", 1)[1]
    assert state["offset"] == size - len(torn) == s.offset


def test_oversized_line_skipped_without_crash(tmp_path: Path) -> None:
    src = own("claude_sidechain.jsonl").read_bytes().splitlines(keepends=True)
    big = b'{"type":"user","message":{"content":"' + b"x" * (17 * 1024 * 1024) + b'"}}\n'
    p = tmp_path / "big.jsonl"
    p.write_bytes(src[0] + big + b"".join(src[1:]))
    s, _ = summarize(p)
    ref, _ = summarize(own("claude_sidechain.jsonl"))
    assert s.skipped == 1
    assert (s.user_turns, s.tool_calls, s.tokens_out) == (ref.user_turns, ref.tool_calls, ref.tokens_out)


# ---- incremental ---------------------------------------------------------------------------
# (sample, lines read before the rest is appended)
SPLITS = {"own": {CLAUDE_MAIN: 16, "codex_rollout.jsonl": 20, "gemini_session.jsonl": 14},
          "real": {"claude_code/spotter_tool_heavy.jsonl": 20}}


@pytest.mark.parametrize("src,name", cases(SPLITS["own"], SPLITS["real"]))
def test_refresh_reads_only_appended_bytes(tmp_path: Path, src: str, name: str) -> None:
    full = path(src, name).read_bytes()
    lines = full.splitlines(keepends=True)
    n = SPLITS[src][name]
    head, rest = b"".join(lines[:n]), b"".join(lines[n:])
    p = tmp_path / "s.jsonl"
    p.write_bytes(head)
    s1, st1 = summarize(p)
    assert st1["offset"] == len(head) and s1.bytes_read == len(head)
    with open(p, "ab") as f:
        f.write(rest)
    s2, st2 = summarize(p, state=st1)
    assert s2.bytes_read == len(rest)
    assert st2["offset"] == len(full)
    check(s2, COUNTS[src][name])


@pytest.mark.parametrize("src,name", cases(["codex_rollout.jsonl", CLAUDE_MAIN, "copilot_events.jsonl"], [CODEX_B]))
def test_torn_line_reread_after_completion(tmp_path: Path, src: str, name: str) -> None:
    full = path(src, name).read_bytes()
    last = full.rfind(b"\n", 0, len(full) - 1) + 1
    cut = last + (len(full) - last) // 2  # inside the last line
    p = tmp_path / "log.jsonl"
    p.write_bytes(full[:cut])
    s1, st1 = summarize(p)
    assert s1.skipped == 1 and st1["offset"] == last
    with open(p, "ab") as f:
        f.write(full[cut:])
    s2, _ = summarize(p, state=st1)
    assert s2.skipped == 0
    assert s2.bytes_read == len(full) - st1["offset"]
    check(s2, COUNTS[src][name])


# (first log, the log that replaces it)
REPLACED = {"own": {"claude_sidechain.jsonl": CLAUDE_MAIN, "gemini_rewind.jsonl": "gemini_session.jsonl"},
            "real": {"claude_code/spotter_short.jsonl": "claude_code/spotter_tool_heavy.jsonl"}}


@pytest.mark.parametrize("src,name", cases(REPLACED["own"], REPLACED["real"]))
def test_replaced_or_shrunk_log_is_read_whole(tmp_path: Path, src: str, name: str) -> None:
    other_name = REPLACED[src][name]
    p = tmp_path / "g.jsonl"
    shutil.copy(path(src, name), p)
    _s, st = summarize(p)
    other = tmp_path / "other.jsonl"
    shutil.copy(path(src, other_name), other)
    os.replace(other, p)  # new inode, other content
    s2, _ = summarize(p, state=st)
    assert s2.bytes_read == p.stat().st_size
    check(s2, COUNTS[src][other_name])
    lines = p.read_bytes().splitlines(keepends=True)
    p.write_bytes(b"".join(lines[:5]))  # same inode, shrunk
    _s3, st3 = summarize(p)
    p.write_bytes(b"".join(lines[:3]))
    s4, _ = summarize(p, state=st3)
    assert s4.bytes_read == p.stat().st_size


def test_gemini_replay_state_survives_resume(tmp_path: Path) -> None:
    src = own("gemini_rewind.jsonl").read_bytes().splitlines(keepends=True)
    p = tmp_path / "session-x.jsonl"
    p.write_bytes(b"".join(src[:6]))  # up to g2, before the rewind
    s1, st = summarize(p)
    assert s1.user_turns == 2 and s1.tokens_in == 600
    with open(p, "ab") as f:
        f.write(b"".join(src[6:]))
    s2, _ = summarize(p, state=st)
    check(s2, OWN["gemini_rewind.jsonl"])
    assert json.loads(json.dumps(st))["format"] == "gemini"


def test_every_claude_sample_is_listed() -> None:
    """The Claude Code samples the fast-path and parallel tests run on are all the own ones."""
    assert sorted(CLAUDE_OWN) == sorted(n for n, e in OWN.items() if e["format"] == "claude-code")


# ---- property: any value where a log should hold another kind ------------------------------
_MUTANTS = {  # format -> own samples whose records are mutated
    "codex": ["codex_ide.jsonl", "codex_legacy.jsonl", "codex_rollout.jsonl"],
    "copilot": ["copilot_events.jsonl", "copilot_resumed.jsonl", "copilot_legacy.json", "copilot_legacy_completed.json"],
    "gemini": ["gemini_injected.jsonl", "gemini_rewind.jsonl", "gemini_session.jsonl", "gemini_legacy.json"],
    "claude-code": ["claude_sidechain.jsonl", "claude_torn.jsonl"],
    "zag": ["zag/w-1111.jsonl", "zag/w-2222-backfill.jsonl"],
    "journal": ["native.jsonl", "native_session.jsonl"],
}
_ODD = [None, 0, -1, 2**70, 1.5, 1e308, "", "x", "2026-13-45T00:00:00Z", [], [1], {}, {"a": 1}, True, "\u0000"]


def _places(value: object, at: tuple = ()) -> list[tuple]:
    """Every path into a JSON value (keys and indexes), the value itself first."""
    out = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _places(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _places(v, (*at, i))
    return out


def _put(value: object, at: tuple, new: object) -> object:
    if not at:
        return new
    cur = value
    for k in at[:-1]:
        cur = cur[k]  # type: ignore[index]
    cur[at[-1]] = new  # type: ignore[index]
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_value_of_the_wrong_kind_anywhere_never_stops_a_summary(tmp_path: Path, data: st.DataObject) -> None:
    """Hand edits, other versions and damage put any JSON value where a reader expects
    another kind: every reader still gives a summary (and one that resumes), never an error."""
    import copy

    fmt = data.draw(st.sampled_from(sorted(_MUTANTS)))
    name = data.draw(st.sampled_from(_MUTANTS[fmt]))
    text = path("own", name).read_text(encoding="utf-8")
    whole = name.endswith(".json")
    records = [json.loads(text)] if whole else [json.loads(ln) for ln in text.splitlines() if _json(ln)]
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(records) - 1))
        at = data.draw(st.sampled_from(_places(records[i])[1 if whole else 0:] or [()]))
        records[i] = _put(records[i], at, copy.deepcopy(data.draw(st.sampled_from(_ODD))))
    log = tmp_path / f"{os.getpid()}-{data.draw(st.integers(0, 10**9))}-{Path(name).name}"
    log.write_text(json.dumps(records[0]) if whole else "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    s, state = summarize(log, fmt)
    json.dumps(s.dump())
    again, _ = summarize(log, fmt, state)  # nothing new to read: the same figures
    assert {**again.dump(), "bytes_read": 0} == {**s.dump(), "bytes_read": 0}


def _json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
