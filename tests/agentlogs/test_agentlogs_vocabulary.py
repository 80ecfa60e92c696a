"""The token vocabulary: one meaning per figure, whatever the format (README, "Token figures").

A table of one record per format, with its own fields set to distinct numbers, and
the figures each must give; then every sample's total is the sum the vocabulary
defines, its raw figures are the log's own, and the old names are aliases.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from agentlog_samples import COUNTS, OWN, REAL, cases, path

from journal.agentlogs import summarize
from journal.agentlogs.model import ALIASES, TOKEN_FIGURES


def jsonl(p: Path, recs: list[dict[str, Any]]) -> Path:
    p.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return p


TS = "2026-03-14T10:00:00.000Z"
CLAUDE = [{"type": "assistant", "sessionId": "s", "uuid": "a1", "timestamp": TS, "cwd": "/r",
           "message": {"id": "m1", "model": "claude-sonnet-4-5", "role": "assistant", "content": [],
                       "usage": {"input_tokens": 11, "output_tokens": 700, "cache_read_input_tokens": 5000,
                                 "cache_creation_input_tokens": 300,
                                 "cache_creation": {"ephemeral_1h_input_tokens": 100,
                                                    "ephemeral_5m_input_tokens": 200}}}}]
CODEX = [{"timestamp": TS, "type": "session_meta", "payload": {"id": "c", "cwd": "/r"}},
         {"timestamp": TS, "type": "turn_context", "payload": {"model": "gpt-5.3-codex"}},
         {"timestamp": TS, "type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": {
             "input_tokens": 9000, "cached_input_tokens": 6000, "output_tokens": 700, "reasoning_output_tokens": 400,
             "total_tokens": 9700}}}}]
GEMINI = [{"sessionId": "g", "projectHash": "h", "startTime": TS, "lastUpdated": TS, "kind": "main"},
          {"id": "r1", "timestamp": TS, "type": "gemini", "content": "", "model": "gemini-2.5-flash",
           "tokens": {"input": 9000, "output": 300, "cached": 6000, "thoughts": 400, "tool": 20, "total": 9720}}]
COPILOT = [{"type": "session.start", "timestamp": TS, "data": {"sessionId": "p", "context": {"cwd": "/r"}}},
           {"type": "session.shutdown", "timestamp": TS, "data": {"modelMetrics": {"claude-sonnet-4.5": {
               "requests": {"count": 1, "cost": 1}, "usage": {"inputTokens": 9000, "outputTokens": 700,
                                                              "cacheReadTokens": 6000, "cacheWriteTokens": 300,
                                                              "reasoningTokens": 400}}}}}]
ZAG = [{"seq": 1, "ts": "2026-03-14T10:00:00Z", "provider": "claude", "wrapper_session_id": "w", "source_kind": "wrapper",
        "completeness": "full", "type": "usage", "input_tokens": 11, "output_tokens": 700, "cache_read_tokens": 5000,
        "cache_creation_tokens": 300, "total_cost_usd": 0.01}]

# format -> (records, (input, cache_read, cache_write, output, reasoning, total), the log's own figures)
TABLE = {
    "claude-code": (CLAUDE, (11, 5000, 300, 700, 0, 6011),
                    {"input_tokens": 11, "output_tokens": 700, "cache_read_input_tokens": 5000,
                     "cache_creation_input_tokens": 300, "ephemeral_1h_input_tokens": 100}),
    "codex": (CODEX, (3000, 6000, 0, 700, 400, 9700),  # total = Codex's own total_tokens
              {"input_tokens": 9000, "cached_input_tokens": 6000, "output_tokens": 700,
               "reasoning_output_tokens": 400, "total_tokens": 9700}),
    "gemini": (GEMINI, (3000 + 20, 6000, 0, 300 + 400, 400, 9720),  # total = Gemini's own total
               {"input": 9000, "output": 300, "cached": 6000, "thoughts": 400, "tool": 20, "total": 9720}),
    "copilot": (COPILOT, (9000 - 6000 - 300, 6000, 300, 700, 400, 9700),  # total = inputTokens + outputTokens
                {"inputTokens": 9000, "outputTokens": 700, "cacheReadTokens": 6000, "cacheWriteTokens": 300,
                 "reasoningTokens": 400}),
    "zag": (ZAG, (11, 5000, 300, 700, 0, 6011),
            {"input_tokens": 11, "output_tokens": 700, "cache_read_tokens": 5000, "cache_creation_tokens": 300}),
}


@pytest.mark.parametrize("fmt", list(TABLE))
def test_each_format_maps_its_fields_onto_the_vocabulary(tmp_path: Path, fmt: str) -> None:
    recs, figures, raw = TABLE[fmt]
    s, _ = summarize(jsonl(tmp_path / "log.jsonl", recs), fmt)
    t = s.tokens
    assert (t.input, t.cache_read, t.cache_write, t.output, t.reasoning, t.total) == figures
    assert s.raw == raw
    d = s.to_dict()
    assert [d["tokens"][k] for k in TOKEN_FIGURES] == list(figures)
    for old, new in ALIASES.items():  # the names of the earlier release, for one release
        assert d[old] == d["tokens"][new]


def test_claude_one_hour_cache_writes_are_part_of_cache_write(tmp_path: Path) -> None:
    s, _ = summarize(jsonl(tmp_path / "log.jsonl", CLAUDE), "claude-code")
    assert (s.tokens.cache_write, s.tokens.cache_write_1h) == (300, 100)


@pytest.mark.parametrize("src,name", cases(OWN, REAL))
def test_every_sample_has_a_total_and_a_cost_or_a_named_unpriced_model(src: str, name: str) -> None:
    s, _ = summarize(path(src, name))
    t = s.tokens
    assert t.total == t.input + t.cache_read + t.cache_write + t.output
    assert t.reasoning <= t.output
    exp = COUNTS[src][name]
    if "total" in exp:
        assert t.total == exp["total"]
    if t.total:
        assert s.cost.usd is not None or s.cost.unpriced, f"{name}: no cost and no model named unpriced"
        if s.cost.unpriced:
            assert all(isinstance(m, str) and m for m in s.cost.unpriced)
    # every bucket's figures add up to the summary's
    sums = [sum(b[i] for b in s.buckets.values()) for i in range(6)]
    assert sums == [t.input, t.cache_read, t.cache_write, t.cache_write_1h, t.output, t.reasoning]
