"""Agent-log readers: counts equal hand counts, detection, robustness, incremental reads.

Expected figures were counted by hand from the files with jq (independently of
the readers): e.g. unique ``message.id`` of assistant lines, the last usage per
id, ``tool_use`` ids, ``is_error`` results, the last ``total_token_usage``.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from journal.agentlogs import detect_format, iter_events, summarize
from journal.errors import InvalidInput

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "agent_logs"
DATA = Path(__file__).resolve().parents[1] / "data" / "agentlogs"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"real agent-log samples not found at {FIXTURES}")

CODEX_A = "codex/localpush_rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl"
CODEX_B = "codex/localpush_rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl"

# Hand counts. tokens_in excludes cache reads/writes (Codex/Gemini report cached
# input inside input: subtracted); Gemini's output adds its "thoughts".
HAND = {
    "claude_code/spotter_short.jsonl": dict(
        format="claude-code", user_turns=1, assistant_turns=1, tools={"Bash": (1, 1), "Glob": (1, 1)},
        errors=2, tokens_in=3, tokens_out=13, tokens_cache_read=11515, tokens_cache_write=13835,
        tokens_reasoning=0, start="2026-02-10T21:11:52.438Z", end="2026-02-10T21:16:12.381Z",
        cwd="/home/marco/projects/spotter", git_branch="master", models=["claude-opus-4-6"],
        provider_session_id="55604662-cf2a-4331-851a-ec234028f8ca", kinds={"shell": 1, "search": 1}),
    "claude_code/spotter_tool_heavy.jsonl": dict(
        format="claude-code", user_turns=2, assistant_turns=4,
        tools={"Bash": (2, 0), "WebSearch": (1, 0), "Glob": (1, 0), "Read": (1, 0), "WebFetch": (1, 0)},
        errors=0, tokens_in=54, tokens_out=212, tokens_cache_read=88231, tokens_cache_write=17696,
        tokens_reasoning=0, start="2026-02-10T22:57:51.291Z", end="2026-02-10T22:59:46.748Z",
        cwd="/home/marco/projects/spotter", git_branch="master", models=["claude-opus-4-6"],
        provider_session_id="d6e0bada-1959-4eec-a9d2-0bfade768d8f",
        kinds={"shell": 2, "web": 2, "search": 1, "file_read": 1}),
    CODEX_A: dict(
        format="codex", user_turns=1, assistant_turns=1, tools={"exec_command": (1, 1)}, errors=1,
        tokens_in=34469 - 3456, tokens_out=431, tokens_cache_read=3456, tokens_cache_write=0, tokens_reasoning=264,
        start="2026-02-23T12:19:38.535Z", end="2026-02-23T12:19:52.689Z", cwd="/redacted/path/da0ba47443",
        git_branch="main", models=["gpt-5.3-codex"], provider_session_id="019c8a70-dda7-7f33-98ea-f30553347322",
        kinds={"shell": 1}),
    CODEX_B: dict(
        format="codex", user_turns=1, assistant_turns=6,
        tools={"mcp__cloud-associates__search_workflows": (1, 0), "[REDACTED_NAME len=43 sha=c186413b]": (1, 0),
               "mcp__cloud-associates__execute_workflow": (3, 0)},
        errors=0, tokens_in=298373 - 238848, tokens_out=1123, tokens_cache_read=238848, tokens_cache_write=0,
        tokens_reasoning=483, start="2026-02-23T19:34:25.573Z", end="2026-02-23T19:36:02.635Z",
        cwd="/redacted/path/ea96e59ed9", git_branch="main", models=["gpt-5.3-codex"],
        provider_session_id="019c8bfe-ec25-79e0-97d7-bda6a9c575ff", kinds={"search": 1, "other": 4}),
    "gemini/vct_gemini_session.jsonl": dict(
        format="gemini", user_turns=3, assistant_turns=6,
        tools={"read_file": (7, 0), "update_topic": (3, 0), "write_file": (1, 0), "replace": (1, 0)},
        errors=0, tokens_in=202586 - 48951, tokens_out=2152 + 2141, tokens_cache_read=48951, tokens_cache_write=0,
        tokens_reasoning=2141, start="2026-04-23T12:52:52.759Z", end="2026-04-23T12:58:35.591Z", cwd=None,
        git_branch=None, models=["gemini-3-flash-preview", "gemini-3.1-pro-preview"],
        provider_session_id="0ab84937-9fe7-4284-986a-33c832af0b6a",
        kinds={"file_read": 7, "other": 3, "file_write": 1, "file_edit": 1}),
    "copilot_cli/lantern_049410b4_events.jsonl": dict(
        format="copilot", user_turns=1, assistant_turns=2, tools={"view": (2, 2)}, errors=2,
        tokens_in=4100, tokens_out=978, tokens_cache_read=0, tokens_cache_write=0, tokens_reasoning=0,
        start="2026-08-05T20:40:13.471Z", end="2026-08-05T20:41:27.949Z", cwd="/work", git_branch="master",
        models=["qwen3:0.6b"], provider_session_id="049410b4-c1df-44ee-87a5-caa1c349091e", kinds={"file_read": 2}),
}


def check(s, exp: dict) -> None:
    got = {"format": s.format, "user_turns": s.user_turns, "assistant_turns": s.assistant_turns,
           "tools": {n: (t.calls, t.failures) for n, t in s.tools.items()}, "errors": s.errors,
           "tokens_in": s.tokens_in, "tokens_out": s.tokens_out, "tokens_cache_read": s.tokens_cache_read,
           "tokens_cache_write": s.tokens_cache_write, "tokens_reasoning": s.tokens_reasoning,
           "start": s.start, "end": s.end, "cwd": s.cwd, "git_branch": s.git_branch, "models": s.models,
           "provider_session_id": s.provider_session_id, "kinds": s.tools_by_kind()}
    assert {k: got[k] for k in exp} == exp


@needs_fixtures
@pytest.mark.parametrize("name", sorted(HAND))
def test_fixture_summary_matches_hand_counts(name: str) -> None:
    s, _state = summarize(FIXTURES / name)
    check(s, HAND[name])
    assert s.skipped == 0


@needs_fixtures
def test_cost_only_when_recorded_or_labelled_estimate() -> None:
    s, _ = summarize(FIXTURES / "claude_code/spotter_short.jsonl")
    # opus-4-6 list prices: 3*5 + 13*25 + 13835 one-hour cache writes * 10 + 11515 * 0.5, per million
    assert s.cost_estimated is True
    assert s.cost_usd == pytest.approx((3 * 5 + 13 * 25 + 13835 * 10 + 11515 * 0.5) / 1e6)
    codex, _ = summarize(FIXTURES / CODEX_A)
    assert codex.cost_usd is None  # no price known for gpt-5.3-codex, none recorded
    copilot, _ = summarize(FIXTURES / "copilot_cli/lantern_049410b4_events.jsonl")
    assert copilot.cost_usd is None and copilot.extra["premium_requests"] == 0
    zag, _ = summarize(DATA / "zag/w-1111.jsonl")
    assert zag.cost_usd == pytest.approx(0.0425) and zag.cost_estimated is False


@needs_fixtures
def test_duration_and_tool_time_from_timestamps() -> None:
    s, _ = summarize(FIXTURES / "claude_code/spotter_short.jsonl")
    assert s.duration_s == pytest.approx(259.943)
    # Bash tool_use at 21:12:01.117Z, its rejected result at 21:12:02.480Z (jq on the two lines)
    assert s.tools["Bash"].timed == 1 and s.tools["Bash"].time_ms == pytest.approx(1363.0)


# ---- synthetic samples (counts by construction, see tests/data/agentlogs) ----------------
SYNTH = {
    "zag/w-1111.jsonl": dict(format="zag", user_turns=1, assistant_turns=2, tools={"Read": (1, 0), "Bash": (1, 1)},
                             errors=1, tokens_in=1200, tokens_out=300, tokens_cache_read=5000,
                             tokens_cache_write=800, cwd="/repo/app", provider_session_id="p-aaaa"),
    "claude_sidechain.jsonl": dict(
        format="claude-code", user_turns=2, assistant_turns=4,
        tools={"Task": (1, 0), "Grep": (1, 0), "Edit": (1, 1), "Bash": (1, 0)}, errors=2,
        tokens_in=40, tokens_out=40 + 7 + 25 + 60, tokens_cache_read=4000, tokens_cache_write=400,
        git_branch="feature-x", kinds={"sub_agent": 1, "search": 1, "file_edit": 1, "shell": 1}),
    "claude_subagents/11111111-2222-3333-4444-555555555555/subagents/agent-a1b2.jsonl": dict(
        format="claude-code", user_turns=0, assistant_turns=2, tools={"Grep": (1, 0)}, tokens_out=19),
    "codex_legacy.jsonl": dict(format="codex", user_turns=2, assistant_turns=2, tools={"shell": (2, 1)},
                               errors=1, provider_session_id="legacy-0001"),
    "gemini_legacy.json": dict(format="gemini", user_turns=2, assistant_turns=2,
                               tools={"run_shell_command": (1, 0), "read_file": (1, 1)}, errors=2,
                               tokens_in=800 + 2000, tokens_out=60 + 70, tokens_cache_read=200),
    "gemini_rewind.jsonl": dict(format="gemini", user_turns=2, assistant_turns=2,
                                tools={"write_file": (1, 0), "run_shell_command": (1, 1)},
                                tokens_in=100 + 200, tokens_out=10 + 35, tokens_cache_read=100),
    "copilot_legacy.json": dict(format="copilot", user_turns=1, assistant_turns=2,
                                tools={"bash": (1, 1), "str_replace_editor": (1, 0)}, errors=1),
    "native.jsonl": dict(format="journal", tools={"Bash": (1, 1)}, errors=1, provider_session_id="session-12"),
    "massgen/flat": dict(format="massgen", user_turns=1, assistant_turns=3, errors=1, cwd="/repo/app",
                         git_branch="main", models=["gemini-2.5-flash", "gpt-5-mini"]),
    "massgen/nested/log_20251218_134125": dict(format="massgen", user_turns=1, assistant_turns=3, errors=1),
}


@pytest.mark.parametrize("name", sorted(SYNTH))
def test_synthetic_samples(name: str) -> None:
    s, _ = summarize(DATA / name)
    check(s, SYNTH[name])


def test_subagent_and_sidechain_marked() -> None:
    sub, _ = summarize(DATA / "claude_subagents/11111111-2222-3333-4444-555555555555/subagents/agent-a1b2.jsonl")
    assert sub.extra["subagent"] is True and sub.extra["agent_id"] == "a1b2"


def test_massgen_votes_winner_restarts() -> None:
    flat, _ = summarize(DATA / "massgen/flat")
    assert {k: flat.extra[k] for k in ("answers", "votes", "winner", "restarts", "timeouts")} == {
        "answers": 3, "votes": 2, "winner": "agent_b", "restarts": 1, "timeouts": 1}
    assert flat.duration_s == 92.0
    nested, _ = summarize(DATA / "massgen/nested/log_20251218_134125")
    assert {k: nested.extra[k] for k in ("answers", "votes", "winner", "restarts", "attempts")} == {
        "answers": 3, "votes": 2, "winner": "agent2", "restarts": 1, "attempts": 2}


def test_zag_backfill_is_flagged() -> None:
    s, _ = summarize(DATA / "zag/w-2222-backfill.jsonl")
    assert s.extra["backfill_of"] == "55604662-cf2a-4331-851a-ec234028f8ca"
    live, _ = summarize(DATA / "zag/w-1111.jsonl")
    assert "backfill_of" not in live.extra


# ---- detection -----------------------------------------------------------------------------
DETECT = {
    "zag/w-1111.jsonl": "zag", "codex_legacy.jsonl": "codex", "gemini_legacy.json": "gemini",
    "gemini_rewind.jsonl": "gemini", "copilot_legacy.json": "copilot", "claude_sidechain.jsonl": "claude-code",
    "native.jsonl": "journal", "massgen/flat": "massgen", "massgen/nested/log_20251218_134125": "massgen",
}


@pytest.mark.parametrize("name", sorted(DETECT))
def test_detects_synthetic(name: str) -> None:
    assert detect_format(DATA / name) == DETECT[name]


@needs_fixtures
@pytest.mark.parametrize("name", sorted(HAND))
def test_detects_fixture(name: str) -> None:
    assert detect_format(FIXTURES / name) == HAND[name]["format"]


def test_unknown_file_names_formats_tried(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as e:
        summarize(DATA / "unknown.jsonl")
    msg = str(e.value)
    for fmt in ("claude-code", "codex", "gemini", "copilot", "zag", "massgen", "journal"):
        assert fmt in msg
    assert "\n" not in msg
    with pytest.raises(InvalidInput, match="MassGen"):
        summarize(tmp_path)


def test_forced_format_reads_what_it_can(tmp_path: Path) -> None:
    s, _ = summarize(DATA / "zag/w-1111.jsonl", "claude-code")
    # every zag line is a record type Claude Code does not write: all 13 skipped, none fabricated
    assert (s.user_turns, s.tool_calls, s.skipped) == (0, 0, 13)
    with pytest.raises(InvalidInput, match="unknown log format"):
        summarize(DATA / "zag/w-1111.jsonl", "nope")


def test_iter_events_streams_normalized_kinds() -> None:
    kinds = [e.kind for e in iter_events(DATA / "zag/w-1111.jsonl")]
    assert kinds.count("tool_call") == 2 and kinds.count("tool_result") == 2 and "usage" in kinds
    calls = [e for e in iter_events(DATA / "claude_sidechain.jsonl") if e.kind == "tool_call"]
    assert [(c.name, c.key) for c in calls][:2] == [("Task", "tu1"), ("Grep", "tu2")]


# ---- robustness ----------------------------------------------------------------------------
def test_torn_blank_garbage_unknown_counted_as_skipped() -> None:
    s, state = summarize(DATA / "claude_torn.jsonl")
    # 2 blank lines + 1 non-JSON line + 1 unknown record type + 1 torn last line
    assert s.skipped == 5
    assert s.user_turns == 1 and s.assistant_turns == 1 and s.tool_calls == 1
    size = (DATA / "claude_torn.jsonl").stat().st_size
    torn = (DATA / "claude_torn.jsonl").read_bytes().rsplit(b"\n", 1)[1]
    assert state["offset"] == size - len(torn) == s.offset


def test_oversized_line_skipped_without_crash(tmp_path: Path) -> None:
    src = (DATA / "claude_sidechain.jsonl").read_bytes().splitlines(keepends=True)
    big = b'{"type":"user","message":{"content":"' + b"x" * (17 * 1024 * 1024) + b'"}}\n'
    p = tmp_path / "big.jsonl"
    p.write_bytes(src[0] + big + b"".join(src[1:]))
    s, _ = summarize(p)
    ref, _ = summarize(DATA / "claude_sidechain.jsonl")
    assert s.skipped == 1
    assert (s.user_turns, s.tool_calls, s.tokens_out) == (ref.user_turns, ref.tool_calls, ref.tokens_out)


# ---- incremental ---------------------------------------------------------------------------
@needs_fixtures
def test_refresh_reads_only_appended_bytes(tmp_path: Path) -> None:
    full = (FIXTURES / "claude_code/spotter_tool_heavy.jsonl").read_bytes()
    lines = full.splitlines(keepends=True)
    head, rest = b"".join(lines[:20]), b"".join(lines[20:])
    p = tmp_path / "s.jsonl"
    p.write_bytes(head)
    s1, st1 = summarize(p)
    assert st1["offset"] == len(head) and s1.bytes_read == len(head)
    with open(p, "ab") as f:
        f.write(rest)
    s2, st2 = summarize(p, state=st1)
    assert s2.bytes_read == len(rest)
    assert st2["offset"] == len(full)
    whole, _ = summarize(FIXTURES / "claude_code/spotter_tool_heavy.jsonl")
    check(s2, HAND["claude_code/spotter_tool_heavy.jsonl"])
    assert s2.duration_s == whole.duration_s


@needs_fixtures
def test_torn_line_reread_after_completion(tmp_path: Path) -> None:
    full = (FIXTURES / "codex" / CODEX_B.split("/")[1]).read_bytes()
    cut = len(full) - 100  # inside the last line (the task_complete / token_count tail)
    p = tmp_path / "rollout.jsonl"
    p.write_bytes(full[:cut])
    s1, st1 = summarize(p)
    assert s1.skipped == 1 and st1["offset"] == full.rfind(b"\n", 0, cut) + 1
    with open(p, "ab") as f:
        f.write(full[cut:])
    s2, _ = summarize(p, state=st1)
    assert s2.skipped == 0
    assert s2.bytes_read == len(full) - st1["offset"]
    check(s2, HAND[CODEX_B])


@needs_fixtures
def test_replaced_or_shrunk_log_is_read_whole(tmp_path: Path) -> None:
    p = tmp_path / "g.jsonl"
    shutil.copy(FIXTURES / "claude_code/spotter_short.jsonl", p)
    _s, st = summarize(p)
    other = tmp_path / "other.jsonl"
    shutil.copy(FIXTURES / "claude_code/spotter_tool_heavy.jsonl", other)
    os.replace(other, p)  # new inode, other content
    s2, _ = summarize(p, state=st)
    assert s2.bytes_read == p.stat().st_size
    check(s2, HAND["claude_code/spotter_tool_heavy.jsonl"])
    lines = p.read_bytes().splitlines(keepends=True)
    p.write_bytes(b"".join(lines[:5]))  # same inode, shrunk
    _s3, st3 = summarize(p)
    p.write_bytes(b"".join(lines[:3]))
    s4, _ = summarize(p, state=st3)
    assert s4.bytes_read == p.stat().st_size


def test_gemini_replay_state_survives_resume(tmp_path: Path) -> None:
    src = (DATA / "gemini_rewind.jsonl").read_bytes().splitlines(keepends=True)
    p = tmp_path / "session-x.jsonl"
    p.write_bytes(b"".join(src[:6]))  # up to g2, before the rewind
    s1, st = summarize(p)
    assert s1.user_turns == 2 and s1.tokens_in == 600
    with open(p, "ab") as f:
        f.write(b"".join(src[6:]))
    s2, _ = summarize(p, state=st)
    check(s2, SYNTH["gemini_rewind.jsonl"])
    assert json.loads(json.dumps(st))["format"] == "gemini"
