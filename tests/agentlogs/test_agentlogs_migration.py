"""Figures written by the earlier release are never misread, and are rewritten on the next refresh;
Claude Code subagents are counted, and added on request."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from agentlog_samples import CLAUDE_MAIN, CLAUDE_SUB, OWN, own
from conftest import run

from journal.agentlogs import summarize
from journal.agentlogs.reading import STATE_VERSION


def test_an_entry_of_the_earlier_release_is_read_by_its_rules_then_rewritten(proj: Path) -> None:
    from journal.session.store import mutate_session
    from journal.workspace import Workspace

    shutil.copy(own("copilot_resumed.jsonl"), proj / "logs" / "events.jsonl")
    assert run("logs", "link", "logs/events.jsonl", "-s", "s1")[0] == 0
    ws = Workspace.open(proj / "coordination")
    # what the earlier release wrote for this log: Copilot's tokens_in with its cache inside
    old = {"path": "logs/events.jsonl", "format": "copilot", "provider_session_id": "5c2e8a41",
           "linked": "2026-03-20T10:00:00Z",
           "summary": {"turns": 3, "tools": 1, "errors": 0, "tokens_in": 12000, "tokens_out": 60, "cost_usd": None,
                       "failed": 0, "tokens_cache": 11000, "cost_estimated": False, "end": "2026-03-20T09:17:00.000Z"}}
    mutate_session(ws, "s1", lambda doc: doc.set_meta("machine_logs", [old]))
    code, out = run("logs", "list", "--json")
    assert code == 0
    [row] = json.loads(out)
    assert row["tokens"] == {"input": 1000, "cache_read": 11000, "cache_write": 0, "output": 60, "reasoning": 0,
                             "total": 12060}
    code, out = run("logs", "list")
    assert code == 0 and "12.0k" in out.splitlines()[1]  # prompt tokens 12.0k, not 23.0k
    assert run("logs", "refresh", "-s", "s1")[0] == 0
    code, out = run("logs", "list", "--json")
    [row] = json.loads(out)
    sm = row["summary"]
    assert sm["figures"] == 2 and sm["turns"] == 2
    assert (sm["input"], sm["cache_read"], sm["cache_write"], sm["output"], sm["total"]) == (4000, 35000, 3000, 260, 42260)
    assert sm["cost_usd"] > 0 and sm["cost_estimated"] is True


def test_reader_state_of_the_earlier_release_is_read_again_whole(tmp_path: Path) -> None:
    p = tmp_path / "rollout.jsonl"
    shutil.copy(own("codex_rollout.jsonl"), p)
    _s, state = summarize(p)
    state = dict(state, version=2)  # as the earlier release saved it
    s, new = summarize(p, state=state)
    assert s.bytes_read == p.stat().st_size and new["version"] == STATE_VERSION
    assert s.tokens.input == OWN["codex_rollout.jsonl"]["input"]


def test_subagents_counted_and_added_on_request(proj: Path) -> None:
    main = own(CLAUDE_MAIN)
    code, out = run("logs", "summary", str(main))
    assert code == 0
    assert "Subagents  1 ran; their figures are not included (--with-subagents adds them)" in out
    code, out = run("logs", "summary", str(main), "--json")
    alone = json.loads(out)
    code, out = run("logs", "summary", str(main), "--with-subagents", "--json")
    both = json.loads(out)
    sub = OWN[CLAUDE_SUB]
    assert (alone["subagents"], alone["subagents_included"], both["subagents_included"]) == (1, False, True)
    assert both["tokens"]["total"] == alone["tokens"]["total"] + sub["input"] + sub["cache_read"] + sub["cache_write"] \
        + sub["output"]
    assert both["tools"]["Grep"]["calls"] == 1 + 1 and both["assistant_turns"] == 10 + 3
    assert both["by_model"].keys() == {"claude-opus-4-6", "claude-haiku-4-5-20251001"}
    assert both["cost"]["usd"] > alone["cost"]["usd"]
    code, out = run("logs", "summary", str(own(CLAUDE_SUB)), "--json")
    assert json.loads(out)["subagents"] is None  # a subagent's own file has none
