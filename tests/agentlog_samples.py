"""The agent-log samples the tests read, and what each holds, counted by hand.

Two sets: the own samples in ``tests/data/agentlogs`` (made for these tests, always
there) and the real ones in ``../shared/fixtures/agent_logs`` (copied from public
repositories, see their SOURCES.md), used as well when that folder exists. A test
takes each file through ``path`` (or ``own``/``real``), which records it; the run's
last lines say how many of each set were read (``report``, called from conftest).

The expected figures were counted from the files themselves, line by line (with
jq for the sums), not from the readers. The rules are those of
``AGENT_LOG_FORMATS.md``: Claude Code turns and usage once per ``message.id``
(its last usage), user turns only for prompts (no tool results, meta lines,
slash-command echoes or sidechain prompts); Codex user turns from
``event_msg/user_message`` and tokens from the last ``total_token_usage``; Gemini
records replayed (the last version of an id wins, ``$rewindTo`` drops the rest).
Token figures are normalized: ``tokens_in`` without cache reads or writes (Codex
and Gemini count cached input inside input: subtracted), Gemini's output with its
``thoughts`` (also given as ``tokens_reasoning``). ``tools`` maps a tool to
(calls, failures); ``errors`` is failed calls plus error records.
``reasoning_blocks`` is not compared for Gemini: its records carry ``thoughts[]``
summaries, which the summary does not count as reasoning blocks (an open question).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

OWN_DIR = Path(__file__).resolve().parent / "data" / "agentlogs"
REAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "agent_logs"
HAS_REAL = REAL_DIR.is_dir()
SETS = ("own", "real") if HAS_REAL else ("own",)

_used: dict[str, set[str]] = {"own": set(), "real": set()}


def path(src: str, name: str) -> Path:
    """The sample ``name`` of set ``src`` ("own" or "real"), recorded as read by this run."""
    base = {"own": OWN_DIR, "real": REAL_DIR}[src]
    p = base / name
    if not p.exists():
        raise FileNotFoundError(f"agent-log sample {p} is missing")
    _used[src].add(name)
    return p


def own(name: str) -> Path:
    return path("own", name)


def real(name: str) -> Path:
    return path("real", name)


def cases(own_names: Any, real_names: Any = ()) -> list[Any]:
    """``(src, name)`` parameters: every own name, and the real ones when the real samples exist."""
    out = [pytest.param("own", n, id=f"own:{n}") for n in own_names]
    if HAS_REAL:
        out += [pytest.param("real", n, id=f"real:{n}") for n in real_names]
    return out


def report() -> str:
    """One line: how many samples of each set this run read."""
    n_own, n_real = len(_used["own"]), len(_used["real"])
    if not HAS_REAL:
        return f"agent-log samples: {n_own} own; no real samples ({REAL_DIR} not found)"
    return f"agent-log samples: {n_own} own, {n_real} real from {REAL_DIR}"


# ---- own samples ---------------------------------------------------------------------------
CLAUDE_SID = "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80"
CLAUDE_MAIN = f"claude_projects/-srv-shop/{CLAUDE_SID}.jsonl"
CLAUDE_SUB = f"claude_projects/-srv-shop/{CLAUDE_SID}/subagents/agent-a7f3e21.jsonl"
OLD_SUB = "claude_subagents/11111111-2222-3333-4444-555555555555/subagents/agent-a1b2.jsonl"
GEMINI_HASH = "e7c7ea0ba435fd310e06a812a878b49ac2e1ffa26f10919d35caaaa22b239a7e"

OWN: dict[str, dict[str, Any]] = {
    # Claude Code as laid out under ~/.claude/projects/-srv-shop/: 32 lines. Prompts on
    # lines 3 and 25 (list content); line 22 is meta, 23-24 a /cost echo. Ten message ids
    # msg_01Sh0pCart1..A; msg_01Sh0pCart1 streams 3 lines (output 9, 9, then 164) and
    # msg_01Sh0pCart4 two (12, then 251). Eight tool_use ids, each answered; one
    # is_error result (line 15, the first Edit); one system api_error (line 28). The
    # earliest timestamp is the SessionStart progress line, the latest the last
    # turn_duration line. Usage per id (input, output, cache read, cache write):
    # (6,164,11980,5210) (4,68,17190,402) (4,97,17592,905) (4,251,18497,1130)
    # (4,230,19627,318) (4,61,19945,296) (4,139,20241,172) (4,212,20413,640)
    # (4,58,21053,233) (4,44,21286,120).
    CLAUDE_MAIN: dict(
        format="claude-code", user_turns=2, assistant_turns=10, reasoning_blocks=1,
        tools={"Grep": (1, 0), "Read": (1, 0), "Task": (1, 0), "Edit": (3, 1), "Bash": (2, 0)}, errors=2,
        tokens_in=6 + 9 * 4, tokens_out=1324, tokens_cache_read=187824, tokens_cache_write=9426, tokens_reasoning=0,
        models=["claude-opus-4-6"], start="2026-03-14T09:20:00.112Z", end="2026-03-14T09:22:47.350Z",
        duration_s=167.238, cwd="/srv/shop", git_branch="fix/cart-total", provider_session_id=CLAUDE_SID,
        title="The cart total ignores the discount code; find out why and fix it.",
        kinds={"search": 1, "file_read": 1, "sub_agent": 1, "file_edit": 3, "shell": 2}, skipped=0, extra={}),
    # Its subagent (the Task call of line 11), beside it in <session>/subagents/: 7 lines,
    # all isSidechain, agentId a7f3e21. The prompt is the subagent's, not a user turn.
    # Ids msg_01Sub0Tests1..3 (the second streams 2 lines, output 3 then 45); usage
    # (10,49,0,3388) (7,45,3388,602) (5,86,3990,0), 5-minute cache writes.
    CLAUDE_SUB: dict(
        format="claude-code", user_turns=0, assistant_turns=3, reasoning_blocks=0,
        tools={"Grep": (1, 0), "Read": (1, 0)}, errors=0, tokens_in=22, tokens_out=180, tokens_cache_read=7378,
        tokens_cache_write=3990, tokens_reasoning=0, models=["claude-haiku-4-5-20251001"],
        start="2026-03-14T09:20:15.912Z", end="2026-03-14T09:20:40.790Z", duration_s=24.878, cwd="/srv/shop",
        git_branch="fix/cart-total", provider_session_id=CLAUDE_SID, title=None, kinds={"search": 1, "file_read": 1},
        skipped=0, extra={"subagent": True, "agent_id": "a7f3e21"}),
    # An older layout with the sidechain inline (lines 4-6), and a resumed session's
    # repeated history (line 11 repeats line 1's uuid, line 12 line 8's message and tool).
    # Prompts: lines 1 and 13. Ids msg_A (sonnet, output 1 then 40), msg_S (haiku,
    # sidechain, 7), msg_B (25), msg_C (1 then 60); each usage (10, ., 1000, 100).
    # Errors: the is_error result of line 9 and the api_error of line 10.
    "claude_sidechain.jsonl": dict(
        format="claude-code", user_turns=2, assistant_turns=4, reasoning_blocks=1,
        tools={"Task": (1, 0), "Grep": (1, 0), "Edit": (1, 1), "Bash": (1, 0)}, errors=2,
        tokens_in=40, tokens_out=40 + 7 + 25 + 60, tokens_cache_read=4000, tokens_cache_write=400, tokens_reasoning=0,
        models=["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"], start="2026-11-20T09:00:00.000Z",
        end="2026-11-20T09:01:33.000Z", duration_s=93.0, cwd="/repo/app", git_branch="feature-x",
        provider_session_id="11111111-2222-3333-4444-555555555555", title="Refactor the parser",
        kinds={"sub_agent": 1, "search": 1, "file_edit": 1, "shell": 1}, skipped=0, extra={}),
    # Its sidechain as a subagent file: 4 lines, msg_S (7) and msg_S2 (12).
    OLD_SUB: dict(
        format="claude-code", user_turns=0, assistant_turns=2, reasoning_blocks=0, tools={"Grep": (1, 0)}, errors=0,
        tokens_in=20, tokens_out=19, tokens_cache_read=2000, tokens_cache_write=200, tokens_reasoning=0,
        models=["claude-haiku-4-5-20251001"], start="2026-11-20T09:00:04.000Z", end="2026-11-20T09:00:08.000Z",
        duration_s=4.0, cwd="/repo/app", git_branch="feature-x",
        provider_session_id="11111111-2222-3333-4444-555555555555", title=None, kinds={"search": 1}, skipped=0,
        extra={"subagent": True, "agent_id": "a1b2"}),
    # Two blank lines, one non-JSON line, an unknown record type and a torn last line
    # (5 skipped) around a prompt and one message (msg_A: output 1 then 40) whose Task
    # call has no result yet (in flight: not a failure).
    "claude_torn.jsonl": dict(
        format="claude-code", user_turns=1, assistant_turns=1, reasoning_blocks=1, tools={"Task": (1, 0)}, errors=0,
        tokens_in=10, tokens_out=40, tokens_cache_read=1000, tokens_cache_write=100, tokens_reasoning=0,
        models=["claude-sonnet-4-5-20250929"], start="2026-11-20T09:00:00.000Z", end="2026-11-20T09:00:03.000Z",
        duration_s=3.0, skipped=5, title="Refactor the parser"),
    # A current Codex rollout: 37 lines, two turns. User turns are the two
    # event_msg/user_message lines (the environment_context item is injected). Three
    # assistant message items; two reasoning items. exec_command call_Lint1 exits 2
    # (failed), call_Lint3 exits 0, call_Commit4 never gets an output (the turn is
    # aborted): 2 failed calls + turn_aborted = 3 errors. apply_patch (a custom tool
    # call) succeeds. The last total_token_usage: input 46210, cached 36864, output
    # 655, reasoning 320 (token_count is emitted twice after call_Lint1, and once
    # with info null). start is session_meta's own timestamp.
    "codex_rollout.jsonl": dict(
        format="codex", user_turns=2, assistant_turns=3, reasoning_blocks=2,
        tools={"exec_command": (3, 2), "apply_patch": (1, 0)}, errors=3,
        tokens_in=46210 - 36864, tokens_out=655, tokens_cache_read=36864, tokens_cache_write=0, tokens_reasoning=320,
        models=["gpt-5.1-codex"], start="2026-03-15T10:02:11.204Z", end="2026-03-15T10:03:51.260Z",
        duration_s=100.056, cwd="/srv/shop", git_branch="main",
        provider_session_id="0195a1c4-7e2b-7d10-a3f9-5c8e2b4d6f01",
        title="Why does `make lint` fail? Fix it.", kinds={"shell": 3, "file_edit": 1}, skipped=0,
        extra={"originator": "codex_cli_rs", "cli_version": "0.98.0"}),
    # The legacy Codex layout: a bare header line, then bare items. User turns: lines 4
    # and 11 (line 3 is injected context); shell c2 exits 1. No token counts, and the
    # only timestamp is the header's.
    "codex_legacy.jsonl": dict(
        format="codex", user_turns=2, assistant_turns=2, reasoning_blocks=1, tools={"shell": (2, 1)}, errors=1,
        tokens_in=0, tokens_out=0, tokens_cache_read=0, tokens_cache_write=0, tokens_reasoning=0, models=[],
        start="2025-05-01T08:00:00.000Z", end="2025-05-01T08:00:00.000Z", duration_s=0.0, cwd=None,
        provider_session_id="legacy-0001", title=None, kinds={"shell": 2}, skipped=0, extra={}),
    # Gemini CLI JSONL: 30 lines. Three prompts; six gemini ids (five written twice, the
    # second time with toolCalls; a1e4c7f0-0005 once). Tool statuses: read_file success,
    # replace error then success, run_shell_command success then cancelled; plus one
    # error record. Tokens (input, output, cached, thoughts) per id: (9120,64,0,210)
    # (10480,402,8190,96) (11020,380,10230,40) (11600,51,10230,0) (11790,120,11020,0),
    # then gemini-2.5-flash (12010,33,0,12). The end is the last $set lastUpdated.
    "gemini_session.jsonl": dict(
        format="gemini", user_turns=3, assistant_turns=6,
        tools={"read_file": (1, 0), "replace": (2, 1), "run_shell_command": (2, 1)}, errors=3,
        tokens_in=9120 + 2290 + 790 + 1370 + 770 + 12010, tokens_out=274 + 498 + 420 + 51 + 120 + 45,
        tokens_cache_read=8190 + 10230 + 10230 + 11020, tokens_cache_write=0, tokens_reasoning=210 + 96 + 40 + 12,
        models=["gemini-2.5-pro", "gemini-2.5-flash"], start="2026-03-16T08:30:02.019Z",
        end="2026-03-16T08:32:09.874Z", duration_s=127.855, cwd=None, git_branch=None,
        provider_session_id="c7e2a915-3d48-4b6f-a0d2-91f5e8b3c604",
        title="Add a --dry-run flag to scripts/deploy.sh that prints the commands instead of running them.",
        kinds={"file_read": 1, "file_edit": 2, "shell": 2}, skipped=0, extra={"project_hash": GEMINI_HASH}),
    # Gemini with a rewind: u2 and g2 are dropped by {"$rewindTo":"u2"}; g3's
    # run_shell_command is cancelled. Kept: g1 (100,10,0,0), g3 (300,30,100,5).
    "gemini_rewind.jsonl": dict(
        format="gemini", user_turns=2, assistant_turns=2,
        tools={"write_file": (1, 0), "run_shell_command": (1, 1)}, errors=1,
        tokens_in=100 + 200, tokens_out=10 + 35, tokens_cache_read=100, tokens_cache_write=0, tokens_reasoning=5,
        models=["gemini-2.5-pro"], start="2026-01-01T00:00:00.000Z", end="2026-01-01T00:00:06.000Z", duration_s=6.0,
        provider_session_id="g-rw", title="first", kinds={"file_write": 1, "shell": 1}, skipped=0,
        extra={"project_hash": "h"}),
    # Gemini's legacy single JSON: two prompts, two answers, an error message; the
    # first answer's read_file call failed. Tokens (1000,50,200,10) and (2000,70,0,0).
    "gemini_legacy.json": dict(
        format="gemini", user_turns=2, assistant_turns=2,
        tools={"run_shell_command": (1, 0), "read_file": (1, 1)}, errors=2,
        tokens_in=800 + 2000, tokens_out=60 + 70, tokens_cache_read=200, tokens_cache_write=0, tokens_reasoning=10,
        models=["gemini-2.5-pro"], start="2025-07-01T10:00:00.000Z", end="2025-07-01T10:05:00.000Z",
        duration_s=300.0, provider_session_id="g-legacy-1", title="hello",
        kinds={"shell": 1, "file_read": 1}, skipped=0, extra={"project_hash": "abc"}),
    # Copilot CLI events.jsonl: 26 lines, two prompts, five assistant.message ids (one
    # with reasoningText). Four tool executions; the first edit fails. The clean
    # shutdown's modelMetrics give the tokens (they replace the messages' outputTokens
    # 88+240+61+40+25 = 454, the same sum) and 2 premium requests.
    "copilot_events.jsonl": dict(
        format="copilot", user_turns=2, assistant_turns=5, reasoning_blocks=1,
        tools={"grep": (1, 0), "edit": (2, 1), "bash": (1, 0)}, errors=1,
        tokens_in=61480, tokens_out=454, tokens_cache_read=0, tokens_cache_write=0, tokens_reasoning=0,
        models=["claude-sonnet-4.5"], start="2026-03-17T14:05:09.311Z", end="2026-03-17T14:06:40.018Z",
        duration_s=90.707, cwd="/srv/shop", git_branch="main",
        provider_session_id="9e4f1b27-6c3a-4d85-b0e9-3a7c2d1f5e68",
        title="Rename the helper `calc` in src/cart.py to `compute_total` and update its callers.",
        kinds={"search": 1, "file_edit": 2, "shell": 1}, skipped=0,
        extra={"copilotVersion": "0.0.354", "producer": "copilot-agent", "premium_requests": 2, "shutdown": "routine"}),
    # Copilot's legacy history JSON: one prompt, two copilot replies, bash failed.
    "copilot_legacy.json": dict(
        format="copilot", user_turns=1, assistant_turns=2, reasoning_blocks=0,
        tools={"bash": (1, 1), "str_replace_editor": (1, 0)}, errors=1, tokens_in=0, tokens_out=0, models=[],
        start="2025-09-01T12:00:00.000Z", end="2025-09-01T12:00:10.000Z", duration_s=10.0,
        provider_session_id="cp-legacy", title="add a test", kinds={"shell": 1, "file_edit": 1}, skipped=0, extra={}),
    # zag: 13 lines; one usage event with a recorded cost; Bash failed; one event
    # type zag does not have (brand_new_event: skipped).
    "zag/w-1111.jsonl": dict(
        format="zag", user_turns=1, assistant_turns=2, reasoning_blocks=1, tools={"Read": (1, 0), "Bash": (1, 1)},
        errors=1, tokens_in=1200, tokens_out=300, tokens_cache_read=5000, tokens_cache_write=800, tokens_reasoning=0,
        models=["claude-sonnet-4-5"], start="2026-11-20T10:00:00Z", end="2026-11-20T10:00:33Z", duration_s=33.0,
        cwd="/repo/app", provider_session_id="p-aaaa", title="Fix the login bug",
        kinds={"file_read": 1, "shell": 1}, skipped=1, extra={"provider": "claude", "wrapper_session_id": "w-1111"}),
    # zag's backfill of the Claude Code session above (source_kind backfill).
    "zag/w-2222-backfill.jsonl": dict(
        format="zag", user_turns=1, assistant_turns=1, tools={}, errors=0, tokens_in=0, tokens_out=0, models=[],
        start="2026-03-14T09:20:00Z", end="2026-03-14T09:20:07Z", cwd="/srv/shop", provider_session_id=CLAUDE_SID,
        skipped=0, extra={"provider": "claude", "wrapper_session_id": "w-2222", "backfill_of": CLAUDE_SID}),
    # The journal's own event log as it writes it (schema-valid): one user_message,
    # Grep then a failed Edit, one error event; decision, commitment, note and
    # state_change are not conversation.
    "native_session.jsonl": dict(
        format="journal", user_turns=1, assistant_turns=0, tools={"Grep": (1, 0), "Edit": (1, 1)}, errors=2,
        tokens_in=0, tokens_out=0, models=[], start="2026-03-18T11:00:02.000000Z", end="2026-03-18T11:05:30.000000Z",
        duration_s=328.0, provider_session_id="cart-fix", title="Fix the cart total: the discount is ignored.",
        kinds={"search": 1, "file_edit": 1}, skipped=0,
        extra={"event_types": {"state_change": 1, "user_message": 1, "tool_call": 2, "tool_result": 2, "decision": 1,
                               "error": 1, "commitment": 1, "note": 1}}),
    # An older native log (types the schema has since renamed): a failed Bash.
    "native.jsonl": dict(
        format="journal", user_turns=0, assistant_turns=0, tools={"Bash": (1, 1)}, errors=1,
        start="2026-11-20T08:00:00Z", end="2026-11-20T08:30:00Z", provider_session_id="session-12", skipped=0,
        extra={"event_types": {"session_created": 1, "tool_call": 1, "tool_result": 1, "blocker_added": 1}}),
    # MassGen, flat events list: 3 new_answer, 2 votes, 1 restart, 1 agent_timeout;
    # winner from vote.json; models from execution_metadata.yaml; its timestamp is
    # the start, final_answer (01:41:30) the end.
    "massgen/flat": dict(
        format="massgen", user_turns=1, assistant_turns=3, tools={}, errors=1,
        models=["gemini-2.5-flash", "gpt-5-mini"],
        start="2025-10-08T01:39:58", end="2025-10-08T01:41:30", duration_s=92.0, cwd="/repo/app", git_branch="main",
        title="Compare two sorting algorithms", skipped=0,
        extra={"answers": 3, "votes": 2, "restarts": 1, "timeouts": 1, "winner": "agent_b", "attempts": 1}),
    # MassGen, turn_1/attempt_1 and attempt_2 (one prompt for the turn): answers 1 + 2,
    # one agent_error, 2 vote_cast, winner agent2; epoch times 1766065285..1766065345.
    "massgen/nested/log_20251218_134125": dict(
        format="massgen", user_turns=1, assistant_turns=3, tools={}, errors=1, models=[],
        start="2025-12-18T13:41:25Z", end="2025-12-18T13:42:25Z", duration_s=60.0, title="Write a haiku", skipped=0,
        extra={"answers": 3, "votes": 2, "restarts": 1, "timeouts": 0, "winner": "agent2", "attempts": 2}),
}

# ---- real samples (see ../shared/fixtures/agent_logs/SOURCES.md) ----------------------------
CODEX_A = "codex/localpush_rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl"
CODEX_B = "codex/localpush_rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl"

REAL: dict[str, dict[str, Any]] = {
    "claude_code/spotter_short.jsonl": dict(
        format="claude-code", user_turns=1, assistant_turns=1, tools={"Bash": (1, 1), "Glob": (1, 1)},
        errors=2, tokens_in=3, tokens_out=13, tokens_cache_read=11515, tokens_cache_write=13835,
        tokens_reasoning=0, start="2026-02-10T21:11:52.438Z", end="2026-02-10T21:16:12.381Z",
        cwd="/home/marco/projects/spotter", git_branch="master", models=["claude-opus-4-6"],
        provider_session_id="55604662-cf2a-4331-851a-ec234028f8ca", kinds={"shell": 1, "search": 1}, skipped=0),
    "claude_code/spotter_tool_heavy.jsonl": dict(
        format="claude-code", user_turns=2, assistant_turns=4,
        tools={"Bash": (2, 0), "WebSearch": (1, 0), "Glob": (1, 0), "Read": (1, 0), "WebFetch": (1, 0)},
        errors=0, tokens_in=54, tokens_out=212, tokens_cache_read=88231, tokens_cache_write=17696,
        tokens_reasoning=0, start="2026-02-10T22:57:51.291Z", end="2026-02-10T22:59:46.748Z",
        cwd="/home/marco/projects/spotter", git_branch="master", models=["claude-opus-4-6"],
        provider_session_id="d6e0bada-1959-4eec-a9d2-0bfade768d8f",
        kinds={"shell": 2, "web": 2, "search": 1, "file_read": 1}, skipped=0),
    CODEX_A: dict(
        format="codex", user_turns=1, assistant_turns=1, tools={"exec_command": (1, 1)}, errors=1,
        tokens_in=34469 - 3456, tokens_out=431, tokens_cache_read=3456, tokens_cache_write=0, tokens_reasoning=264,
        start="2026-02-23T12:19:38.535Z", end="2026-02-23T12:19:52.689Z", cwd="/redacted/path/da0ba47443",
        git_branch="main", models=["gpt-5.3-codex"], provider_session_id="019c8a70-dda7-7f33-98ea-f30553347322",
        kinds={"shell": 1}, skipped=0),
    CODEX_B: dict(
        format="codex", user_turns=1, assistant_turns=6,
        tools={"mcp__cloud-associates__search_workflows": (1, 0), "[REDACTED_NAME len=43 sha=c186413b]": (1, 0),
               "mcp__cloud-associates__execute_workflow": (3, 0)},
        errors=0, tokens_in=298373 - 238848, tokens_out=1123, tokens_cache_read=238848, tokens_cache_write=0,
        tokens_reasoning=483, start="2026-02-23T19:34:25.573Z", end="2026-02-23T19:36:02.635Z",
        cwd="/redacted/path/ea96e59ed9", git_branch="main", models=["gpt-5.3-codex"],
        provider_session_id="019c8bfe-ec25-79e0-97d7-bda6a9c575ff", kinds={"search": 1, "other": 4}, skipped=0),
    "gemini/vct_gemini_session.jsonl": dict(
        format="gemini", user_turns=3, assistant_turns=6,
        tools={"read_file": (7, 0), "update_topic": (3, 0), "write_file": (1, 0), "replace": (1, 0)},
        errors=0, tokens_in=202586 - 48951, tokens_out=2152 + 2141, tokens_cache_read=48951, tokens_cache_write=0,
        tokens_reasoning=2141, start="2026-04-23T12:52:52.759Z", end="2026-04-23T12:58:35.591Z", cwd=None,
        git_branch=None, models=["gemini-3-flash-preview", "gemini-3.1-pro-preview"],
        provider_session_id="0ab84937-9fe7-4284-986a-33c832af0b6a",
        kinds={"file_read": 7, "other": 3, "file_write": 1, "file_edit": 1}, skipped=0),
    "copilot_cli/lantern_049410b4_events.jsonl": dict(
        format="copilot", user_turns=1, assistant_turns=2, tools={"view": (2, 2)}, errors=2,
        tokens_in=4100, tokens_out=978, tokens_cache_read=0, tokens_cache_write=0, tokens_reasoning=0,
        start="2026-08-05T20:40:13.471Z", end="2026-08-05T20:41:27.949Z", cwd="/work", git_branch="master",
        models=["qwen3:0.6b"], provider_session_id="049410b4-c1df-44ee-87a5-caa1c349091e", kinds={"file_read": 2},
        skipped=0),
}

COUNTS: dict[str, dict[str, dict[str, Any]]] = {"own": OWN, "real": REAL}

CLAUDE_OWN = [CLAUDE_MAIN, CLAUDE_SUB, "claude_sidechain.jsonl", "claude_torn.jsonl", OLD_SUB]
CLAUDE_REAL = ["claude_code/spotter_short.jsonl", "claude_code/spotter_tool_heavy.jsonl"]


def summary_figures(s: Any) -> dict[str, Any]:
    """The figures of a Summary that the tables above give."""
    return {"format": s.format, "user_turns": s.user_turns, "assistant_turns": s.assistant_turns,
            "reasoning_blocks": s.reasoning_blocks, "tools": {n: (t.calls, t.failures) for n, t in s.tools.items()},
            "errors": s.errors, "tokens_in": s.tokens_in, "tokens_out": s.tokens_out,
            "tokens_cache_read": s.tokens_cache_read, "tokens_cache_write": s.tokens_cache_write,
            "tokens_reasoning": s.tokens_reasoning, "models": s.models, "start": s.start, "end": s.end,
            "duration_s": s.duration_s, "cwd": s.cwd, "git_branch": s.git_branch,
            "provider_session_id": s.provider_session_id, "title": s.title, "kinds": s.tools_by_kind(),
            "skipped": s.skipped, "extra": s.extra}


def check(s: Any, exp: dict[str, Any]) -> None:
    """``s`` has exactly the figures ``exp`` gives (those it does not name are not compared)."""
    got = summary_figures(s)
    assert {k: got[k] for k in exp} == exp
