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
Token figures are in the vocabulary of ``journal.agentlogs.model``: ``input`` without
cache reads or writes (Codex and Gemini count cached input inside input, Copilot its
cache reads and writes: subtracted), ``output`` with reasoning (Gemini's ``thoughts``
added to its ``output``; they are also ``reasoning``), ``total`` the sum of input,
cache reads, cache writes and output. ``tools`` maps a tool to (calls, failures);
``errors`` is failed calls plus error records. Gemini's reasoning blocks are the
thought summaries of the records kept.
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
        input=6 + 9 * 4, output=1324, cache_read=187824, cache_write=9426, reasoning=0,
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
        tools={"Grep": (1, 0), "Read": (1, 0)}, errors=0, input=22, output=180, cache_read=7378,
        cache_write=3990, reasoning=0, models=["claude-haiku-4-5-20251001"],
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
        input=40, output=40 + 7 + 25 + 60, cache_read=4000, cache_write=400, reasoning=0,
        models=["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"], start="2026-11-20T09:00:00.000Z",
        end="2026-11-20T09:01:33.000Z", duration_s=93.0, cwd="/repo/app", git_branch="feature-x",
        provider_session_id="11111111-2222-3333-4444-555555555555", title="Refactor the parser",
        kinds={"sub_agent": 1, "search": 1, "file_edit": 1, "shell": 1}, skipped=0, extra={}),
    # Its sidechain as a subagent file: 4 lines, msg_S (7) and msg_S2 (12).
    OLD_SUB: dict(
        format="claude-code", user_turns=0, assistant_turns=2, reasoning_blocks=0, tools={"Grep": (1, 0)}, errors=0,
        input=20, output=19, cache_read=2000, cache_write=200, reasoning=0,
        models=["claude-haiku-4-5-20251001"], start="2026-11-20T09:00:04.000Z", end="2026-11-20T09:00:08.000Z",
        duration_s=4.0, cwd="/repo/app", git_branch="feature-x",
        provider_session_id="11111111-2222-3333-4444-555555555555", title=None, kinds={"search": 1}, skipped=0,
        extra={"subagent": True, "agent_id": "a1b2"}),
    # Two blank lines, one non-JSON line, an unknown record type and a torn last line
    # (5 skipped) around a prompt and one message (msg_A: output 1 then 40) whose Task
    # call has no result yet (in flight: not a failure).
    "claude_torn.jsonl": dict(
        format="claude-code", user_turns=1, assistant_turns=1, reasoning_blocks=1, tools={"Task": (1, 0)}, errors=0,
        input=10, output=40, cache_read=1000, cache_write=100, reasoning=0,
        models=["claude-sonnet-4-5-20250929"], start="2026-11-20T09:00:00.000Z", end="2026-11-20T09:00:03.000Z",
        duration_s=3.0, skipped=5, title="Refactor the parser"),
    # A current Codex rollout: 37 lines, two turns. User turns are the two
    # event_msg/user_message lines (the environment_context item is injected). Three
    # assistant message items; two reasoning items. exec_command call_Lint1 exits 2
    # (failed), call_Lint3 exits 0, call_Commit4 never gets an output (the turn is
    # aborted): 2 failed calls + turn_aborted = 3 errors. apply_patch (a custom tool
    # call) succeeds. The last total_token_usage: input 46210, cached 36864, output
    # 655, reasoning 320 (token_count is emitted twice after call_Lint1, and once
    # with info null). start is session_meta's own timestamp. Tool times are the outputs' own.
    "codex_rollout.jsonl": dict(
        format="codex", user_turns=2, assistant_turns=3, reasoning_blocks=2,
        tool_time_ms={"exec_command": 412.0 + 387.5, "apply_patch": 0.0},  # "Wall time", duration_seconds
        tools={"exec_command": (3, 2), "apply_patch": (1, 0)}, errors=3,
        input=46210 - 36864, output=655, cache_read=36864, cache_write=0, reasoning=320,
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
        input=0, output=0, cache_read=0, cache_write=0, reasoning=0, models=[],
        start="2025-05-01T08:00:00.000Z", end="2025-05-01T08:00:00.000Z", duration_s=0.0, cwd=None,
        provider_session_id="legacy-0001", title=None, kinds={"shell": 2}, skipped=0, extra={}),
    # Gemini CLI JSONL: 30 lines. Three prompts; six gemini ids (five written twice, the
    # second time with toolCalls; a1e4c7f0-0005 once). Tool statuses: read_file success,
    # replace error then success, run_shell_command success then cancelled; plus one
    # error record; one thought summary (a1e4c7f0-0001). Tokens (input, output, cached, thoughts) per id: (9120,64,0,210)
    # (10480,402,8190,96) (11020,380,10230,40) (11600,51,10230,0) (11790,120,11020,0),
    # then gemini-2.5-flash (12010,33,0,12). The end is the last $set lastUpdated.
    "gemini_session.jsonl": dict(
        format="gemini", user_turns=3, assistant_turns=6, reasoning_blocks=1,
        tools={"read_file": (1, 0), "replace": (2, 1), "run_shell_command": (2, 1)}, errors=3,
        input=9120 + 2290 + 790 + 1370 + 770 + 12010, output=274 + 498 + 420 + 51 + 120 + 45,
        cache_read=8190 + 10230 + 10230 + 11020, cache_write=0, reasoning=210 + 96 + 40 + 12,
        models=["gemini-2.5-pro", "gemini-2.5-flash"], start="2026-03-16T08:30:02.019Z",
        end="2026-03-16T08:32:09.874Z", duration_s=127.855, cwd=None, git_branch=None,
        provider_session_id="c7e2a915-3d48-4b6f-a0d2-91f5e8b3c604",
        title="Add a --dry-run flag to scripts/deploy.sh that prints the commands instead of running them.",
        kinds={"file_read": 1, "file_edit": 2, "shell": 2}, skipped=0, extra={"project_hash": GEMINI_HASH}),
    # Gemini with a rewind: u2 and g2 are dropped by {"$rewindTo":"u2"}; g3's
    # run_shell_command is cancelled. Kept: g1 (100,10,0,0), g3 (300,30,100,5).
    "gemini_rewind.jsonl": dict(
        format="gemini", user_turns=2, assistant_turns=2, reasoning_blocks=0,
        tools={"write_file": (1, 0), "run_shell_command": (1, 1)}, errors=1,
        input=100 + 200, output=10 + 35, cache_read=100, cache_write=0, reasoning=5,
        models=["gemini-2.5-pro"], start="2026-01-01T00:00:00.000Z", end="2026-01-01T00:00:06.000Z", duration_s=6.0,
        provider_session_id="g-rw", title="first", kinds={"file_write": 1, "shell": 1}, skipped=0,
        extra={"project_hash": "h"}),
    # Gemini's legacy single JSON: two prompts, two answers, an error message; the
    # first answer's read_file call failed. Tokens (1000,50,200,10) and (2000,70,0,0).
    "gemini_legacy.json": dict(
        format="gemini", user_turns=2, assistant_turns=2, reasoning_blocks=0,
        tools={"run_shell_command": (1, 0), "read_file": (1, 1)}, errors=2,
        input=800 + 2000, output=60 + 70, cache_read=200, cache_write=0, reasoning=10,
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
        input=61480, output=454, cache_read=0, cache_write=0, reasoning=0,
        models=["claude-sonnet-4.5"], start="2026-03-17T14:05:09.311Z", end="2026-03-17T14:06:40.018Z",
        duration_s=90.707, cwd="/srv/shop", git_branch="main",
        provider_session_id="9e4f1b27-6c3a-4d85-b0e9-3a7c2d1f5e68",
        title="Rename the helper `calc` in src/cart.py to `compute_total` and update its callers.",
        kinds={"search": 1, "file_edit": 2, "shell": 1}, skipped=0,
        extra={"copilotVersion": "0.0.354", "producer": "copilot-agent", "premium_requests": 2, "shutdown": "routine",
               "runs": 1}),
    # Copilot's legacy history JSON: one prompt, two copilot replies, bash failed.
    "copilot_legacy.json": dict(
        format="copilot", user_turns=1, assistant_turns=2, reasoning_blocks=0,
        tools={"bash": (1, 1), "str_replace_editor": (1, 0)}, errors=1, input=0, output=0, models=[],
        start="2025-09-01T12:00:00.000Z", end="2025-09-01T12:00:10.000Z", duration_s=10.0,
        provider_session_id="cp-legacy", title="add a test", kinds={"shell": 1, "file_edit": 1}, skipped=0, extra={}),
    # Copilot's legacy history written by builds that log only tool_call_completed records
    # (callId, name, arguments, result.type), no tool_call_requested: 15 of them, lines of
    # the timeline 3-10, 14-21; bash x6 (tc-04 failed), str_replace_editor x5 (tc-09
    # failed), view x4. Three user records, one of them empty (not a turn); three copilot
    # replies; an info record.
    "copilot_legacy_completed.json": dict(
        format="copilot", user_turns=2, assistant_turns=3, reasoning_blocks=0,
        tools={"bash": (6, 1), "view": (4, 0), "str_replace_editor": (5, 1)}, errors=2, input=0, output=0,
        total=0, models=[], start="2025-10-02T07:59:58.000Z", end="2025-10-02T08:16:05.000Z", duration_s=967.0,
        provider_session_id="cp-legacy-ci", title="Set up CI for this repo: lint, test, and a release job.",
        kinds={"shell": 6, "file_edit": 5, "file_read": 4}, skipped=0, extra={}),
    # Copilot events.jsonl of a session resumed the next day: two runs, each ending in its own
    # session.shutdown with that run's totals (lines 10 and 16); inputTokens include the
    # cache reads and writes: run 1 30000 - 24000 - 3000 = 3000 net, run 2 12000 - 11000 =
    # 1000. Messages' outputTokens 120 + 80 (run 1, total 200) and 25 + 35 (run 2, total
    # 60). Line 12 is autopilot's nudge: a user.message with empty content, not a turn.
    "copilot_resumed.jsonl": dict(
        format="copilot", user_turns=2, assistant_turns=4, reasoning_blocks=0, tools={"edit": (1, 0)}, errors=0,
        input=4000, cache_read=35000, cache_write=3000, output=260, reasoning=0, total=42260,
        raw={"inputTokens": 42000, "outputTokens": 260, "cacheReadTokens": 35000, "cacheWriteTokens": 3000},
        models=["claude-sonnet-4.5"], start="2026-03-19T22:40:00.000Z", end="2026-03-20T09:17:00.000Z",
        duration_s=38220.0, cwd="/srv/shop", git_branch="main", provider_session_id="5c2e8a41-9d07-4b3f-a1e6-7f0b2d4c6e19",
        title="Add input validation to the /orders endpoint.", kinds={"file_edit": 1}, skipped=0,
        tool_time_ms={"edit": 200.0},
        extra={"copilotVersion": "1.0.80", "producer": "copilot-agent", "premium_requests": 2, "shutdown": "routine",
               "runs": 2}),
    # Codex from the VS Code extension: the prompt (lines 4-5) carries the IDE's context
    # before "## My request for Codex:". Outputs share their call's timestamp; their own
    # metadata.duration_seconds give the times (shell 0.25 s + 1.5 s, apply_patch 0.02 s;
    # the rejected patch reports none: 0 s). Failures: shell exit_code 1 (line 7) and
    # "patch rejected: empty patch" (line 11). token_count at 23:58:30 (repeated at
    # 23:58:31) and at 00:03:00 the next day: the last total is 25000 input (16000 cached),
    # 700 output (250 reasoning).
    "codex_ide.jsonl": dict(
        format="codex", user_turns=1, assistant_turns=1, reasoning_blocks=0,
        tools={"shell": (2, 1), "apply_patch": (2, 1)}, errors=2, input=25000 - 16000, cache_read=16000,
        cache_write=0, output=700, reasoning=250, total=25700,
        raw={"input_tokens": 25000, "cached_input_tokens": 16000, "output_tokens": 700, "reasoning_output_tokens": 250,
             "total_tokens": 25700},
        models=["gpt-5.3-codex"], start="2026-03-20T23:55:00.000Z", end="2026-03-21T00:03:02.000Z", duration_s=482.0,
        cwd="/srv/shop", git_branch="feature/tax", provider_session_id="019d0a7e-3c11-7b52-9e4a-2f6d8b1c0e77",
        title="Round the VAT to cents in tax.py and add a test.", kinds={"shell": 2, "file_edit": 2}, skipped=0,
        tool_time_ms={"shell": 1750.0, "apply_patch": 20.0},
        extra={"originator": "codex_vscode", "cli_version": "0.110.0"}),
    # Gemini: /init as typed (displayContent) before the prompt it expands to; a "System:
    # Please continue." turn the CLI sent after a tool response (line 6: not a user turn);
    # thought summaries 2 + 1 + 0. Tokens (input, output, cached, thoughts): (5000,100,0,50)
    # (6000,40,4000,20) (6500,30,5000,0); Gemini's own totals 5150 + 6060 + 6530.
    "gemini_injected.jsonl": dict(
        format="gemini", user_turns=2, assistant_turns=3, reasoning_blocks=3, tools={"write_file": (1, 0)}, errors=0,
        input=5000 + 2000 + 1500, cache_read=9000, cache_write=0, output=150 + 60 + 30, reasoning=70, total=17740,
        raw={"input": 17500, "output": 170, "cached": 9000, "thoughts": 70, "total": 17740},
        models=["gemini-3-flash-preview"], start="2026-03-22T14:00:00.000Z", end="2026-03-22T14:01:10.000Z",
        duration_s=70.0, provider_session_id="f3b1c6d2-7a48-4e90-b5c1-2d8e9a0f4b63", title="/init",
        kinds={"file_write": 1}, skipped=0,
        extra={"project_hash": "4b8e1f0c2d7a9e3b6c5d4a1f0e9b8c7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d"}),
    # zag: 13 lines; one usage event with a recorded cost; Bash failed; one event
    # type zag does not have (brand_new_event: skipped).
    "zag/w-1111.jsonl": dict(
        format="zag", user_turns=1, assistant_turns=2, reasoning_blocks=1, tools={"Read": (1, 0), "Bash": (1, 1)},
        errors=1, input=1200, output=300, cache_read=5000, cache_write=800, reasoning=0,
        models=["claude-sonnet-4-5"], start="2026-11-20T10:00:00Z", end="2026-11-20T10:00:33Z", duration_s=33.0,
        cwd="/repo/app", provider_session_id="p-aaaa", title="Fix the login bug",
        kinds={"file_read": 1, "shell": 1}, skipped=1, extra={"provider": "claude", "wrapper_session_id": "w-1111"}),
    # zag's backfill of the Claude Code session above (source_kind backfill).
    "zag/w-2222-backfill.jsonl": dict(
        format="zag", user_turns=1, assistant_turns=1, tools={}, errors=0, input=0, output=0, models=[],
        start="2026-03-14T09:20:00Z", end="2026-03-14T09:20:07Z", cwd="/srv/shop", provider_session_id=CLAUDE_SID,
        skipped=0, extra={"provider": "claude", "wrapper_session_id": "w-2222", "backfill_of": CLAUDE_SID}),
    # The journal's own event log as it writes it (schema-valid): one user_message,
    # Grep then a failed Edit, one error event; decision, commitment, note and
    # state_change are not conversation.
    "native_session.jsonl": dict(
        format="journal", user_turns=1, assistant_turns=0, tools={"Grep": (1, 0), "Edit": (1, 1)}, errors=2,
        input=0, output=0, models=[], start="2026-03-18T11:00:02.000000Z", end="2026-03-18T11:05:30.000000Z",
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
        errors=2, input=3, output=13, cache_read=11515, cache_write=13835,
        reasoning=0, start="2026-02-10T21:11:52.438Z", end="2026-02-10T21:16:12.381Z",
        cwd="/home/marco/projects/spotter", git_branch="master", models=["claude-opus-4-6"],
        provider_session_id="55604662-cf2a-4331-851a-ec234028f8ca", kinds={"shell": 1, "search": 1}, skipped=0),
    "claude_code/spotter_tool_heavy.jsonl": dict(
        format="claude-code", user_turns=2, assistant_turns=4,
        tools={"Bash": (2, 0), "WebSearch": (1, 0), "Glob": (1, 0), "Read": (1, 0), "WebFetch": (1, 0)},
        errors=0, input=54, output=212, cache_read=88231, cache_write=17696,
        reasoning=0, start="2026-02-10T22:57:51.291Z", end="2026-02-10T22:59:46.748Z",
        cwd="/home/marco/projects/spotter", git_branch="master", models=["claude-opus-4-6"],
        provider_session_id="d6e0bada-1959-4eec-a9d2-0bfade768d8f",
        kinds={"shell": 2, "web": 2, "search": 1, "file_read": 1}, skipped=0),
    CODEX_A: dict(
        format="codex", user_turns=1, assistant_turns=1, tools={"exec_command": (1, 1)}, errors=1,
        input=34469 - 3456, output=431, cache_read=3456, cache_write=0, reasoning=264,
        start="2026-02-23T12:19:38.535Z", end="2026-02-23T12:19:52.689Z", cwd="/redacted/path/da0ba47443",
        git_branch="main", models=["gpt-5.3-codex"], provider_session_id="019c8a70-dda7-7f33-98ea-f30553347322",
        kinds={"shell": 1}, skipped=0),
    CODEX_B: dict(
        format="codex", user_turns=1, assistant_turns=6,
        tools={"mcp__cloud-associates__search_workflows": (1, 0), "[REDACTED_NAME len=43 sha=c186413b]": (1, 0),
               "mcp__cloud-associates__execute_workflow": (3, 0)},
        errors=0, input=298373 - 238848, output=1123, cache_read=238848, cache_write=0,
        reasoning=483, start="2026-02-23T19:34:25.573Z", end="2026-02-23T19:36:02.635Z",
        cwd="/redacted/path/ea96e59ed9", git_branch="main", models=["gpt-5.3-codex"],
        provider_session_id="019c8bfe-ec25-79e0-97d7-bda6a9c575ff", kinds={"search": 1, "other": 4}, skipped=0),
    # Three user records: /init (its displayContent; content is the prompt it expands to),
    # "System: Please continue." (injected after a tool response: not a turn), one typed
    # prompt. Six gemini ids, each kept in its last version; thought summaries 1+2+1+0+1+2.
    "gemini/vct_gemini_session.jsonl": dict(
        format="gemini", user_turns=2, assistant_turns=6, reasoning_blocks=7, title="/init",
        tools={"read_file": (7, 0), "update_topic": (3, 0), "write_file": (1, 0), "replace": (1, 0)},
        errors=0, input=202586 - 48951, output=2152 + 2141, cache_read=48951, cache_write=0,
        reasoning=2141, start="2026-04-23T12:52:52.759Z", end="2026-04-23T12:58:35.591Z", cwd=None,
        git_branch=None, models=["gemini-3-flash-preview", "gemini-3.1-pro-preview"],
        provider_session_id="0ab84937-9fe7-4284-986a-33c832af0b6a",
        kinds={"file_read": 7, "other": 3, "file_write": 1, "file_edit": 1}, skipped=0),
    "copilot_cli/lantern_049410b4_events.jsonl": dict(
        format="copilot", user_turns=1, assistant_turns=2, tools={"view": (2, 2)}, errors=2,
        input=4100, output=978, cache_read=0, cache_write=0, reasoning=0,
        start="2026-08-05T20:40:13.471Z", end="2026-08-05T20:41:27.949Z", cwd="/work", git_branch="master",
        models=["qwen3:0.6b"], provider_session_id="049410b4-c1df-44ee-87a5-caa1c349091e", kinds={"file_read": 2},
        skipped=0),
}

COUNTS: dict[str, dict[str, dict[str, Any]]] = {"own": OWN, "real": REAL}

CLAUDE_OWN = [CLAUDE_MAIN, CLAUDE_SUB, "claude_sidechain.jsonl", "claude_torn.jsonl", OLD_SUB]
CLAUDE_REAL = ["claude_code/spotter_short.jsonl", "claude_code/spotter_tool_heavy.jsonl"]


def summary_figures(s: Any) -> dict[str, Any]:
    """The figures of a Summary that the tables above give (tokens in the vocabulary of ``model``)."""
    t = s.tokens
    return {"format": s.format, "user_turns": s.user_turns, "assistant_turns": s.assistant_turns,
            "reasoning_blocks": s.reasoning_blocks, "tools": {n: (t_.calls, t_.failures) for n, t_ in s.tools.items()},
            "errors": s.errors, "input": t.input, "output": t.output, "cache_read": t.cache_read,
            "cache_write": t.cache_write, "reasoning": t.reasoning, "total": t.total, "raw": s.raw,
            "models": s.models, "start": s.start, "end": s.end,
            "duration_s": s.duration_s, "cwd": s.cwd, "git_branch": s.git_branch,
            "provider_session_id": s.provider_session_id, "title": s.title, "kinds": s.tools_by_kind(),
            "skipped": s.skipped, "extra": s.extra, "subagents": s.subagents,
            "tool_time_ms": {n: round(t_.time_ms, 1) for n, t_ in s.tools.items() if t_.timed}}


def check(s: Any, exp: dict[str, Any]) -> None:
    """``s`` has exactly the figures ``exp`` gives (those it does not name are not compared)."""
    got = summary_figures(s)
    assert {k: got[k] for k in exp} == exp
