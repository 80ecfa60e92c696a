"""Claude Code transcripts: ``~/.claude/projects/<dir>/<session>.jsonl`` and subagent files.

Streaming writes one line per content block, all with the same ``message.id``;
turns and usage are counted once per id (the last usage wins). Resumed
sessions repeat history: user turns are deduped by ``uuid``, tools by their id.
Sidechain (subagent) prompts are not user turns; their tokens and tools count.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.registry import Home, LogFormat
from journal.agentlogs.base import Reader, as_int, text_of
from journal.agentlogs.model import Event, Usage

NOT_PROMPTS = ("<command-name>", "<command-message>", "<local-command-", "[Request interrupted")


# The log's own token fields (``cache_creation.ephemeral_1h_input_tokens`` by its last name).
RAW = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
       "ephemeral_1h_input_tokens")

KNOWN_TYPES = {"user", "assistant", "system", "progress", "summary", "file-history-snapshot",
          "queue-operation", "custom-title", "tag", "agent-name", "pr-link", "last-prompt"}


class ClaudeCodeReader(Reader):
    format = "claude-code"
    unanswered_fail = False  # a live session has calls in flight
    # Parsing (orjson) costs less than scanning each line for markers: no byte prefilter here.
    prefilter = None

    def __init__(self) -> None:
        self.started = False

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        return any(isinstance(r, dict) and r.get("type") in ("user", "assistant", "system", "progress")
                   and "sessionId" in r and "payload" not in r for r in records)

    def feed(self, rec: Any) -> Iterator[Event]:
        if not isinstance(rec, dict):
            return
        t = rec.get("type")
        if t not in ("user", "assistant", "system"):
            if t not in KNOWN_TYPES:
                self.unknown += 1
            return
        ts = rec.get("timestamp")
        if not self.started and rec.get("sessionId"):
            self.started = True
            extra = {"subagent": True, "agent_id": rec.get("agentId")} if rec.get("agentId") else {}
            yield Event(m.SESSION_START, ts, data={
                "provider_session_id": rec.get("sessionId"), "cwd": rec.get("cwd"),
                "git_branch": rec.get("gitBranch") or None, "extra": extra})
        msg = rec.get("message")
        if t == "system":
            if rec.get("subtype") == "api_error" or rec.get("level") == "error":
                yield Event(m.ERROR, ts, key=rec.get("uuid"))
            return
        if not isinstance(msg, dict):
            return
        content = msg.get("content")
        if t == "user":
            if rec.get("isMeta") or rec.get("isCompactSummary"):  # (the summary a compaction starts the context with)
                return
            if isinstance(content, list):
                for b in content:
                    if isinstance(b, dict) and b.get("type") == "tool_result":
                        yield Event(m.TOOL_RESULT, ts, key=b.get("tool_use_id"),
                                    success=not b.get("is_error"))
            text = text_of(content)
            if text and not rec.get("isSidechain") and not text.lstrip().startswith(NOT_PROMPTS):
                yield Event(m.USER, ts, key=rec.get("uuid"), text=text)
            return
        # assistant
        if rec.get("isApiErrorMessage"):
            yield Event(m.ERROR, ts, key=rec.get("uuid"))
            return
        mid = msg.get("id") or rec.get("uuid")
        model = msg.get("model")
        if type(model) is not str:  # (a log may hold anything: a name is a string)
            model = None
        if model == "<synthetic>":
            return
        yield Event(m.ASSISTANT, ts, key=mid, name=model)
        if isinstance(content, list):
            for b in content:
                if not isinstance(b, dict):
                    continue
                bt = b.get("type")
                if bt == "tool_use":
                    yield Event(m.TOOL_CALL, ts, key=b.get("id"), name=str(b.get("name") or "?"))
                elif bt in ("thinking", "redacted_thinking"):
                    yield Event(m.REASONING, ts)
        u = msg.get("usage")
        if isinstance(u, dict):
            cc = u.get("cache_creation")
            f = (as_int(u.get("input_tokens")), as_int(u.get("output_tokens")),
                 as_int(u.get("cache_read_input_tokens")), as_int(u.get("cache_creation_input_tokens")),
                 as_int(cc.get("ephemeral_1h_input_tokens")) if isinstance(cc, dict) else 0)
            yield Event(m.USAGE, ts, key=mid, usage=Usage(
                input=f[0], output=f[1], cache_read=f[2], cache_write=f[3], cache_write_1h=f[4],
                model=model, raw=dict(zip(RAW, f))))

    def dump(self) -> dict[str, Any]:
        return {"started": self.started}

    def load(self, state: dict[str, Any]) -> None:
        self.started = bool(state.get("started"))


def subagent_files(path: Path) -> list[Path]:
    """The subagent transcripts of the session logged at ``path``: ``<dir>/<session>/subagents/agent-*.jsonl``."""
    d = path.with_suffix("") / "subagents"
    try:
        return sorted(d.glob("agent-*.jsonl")) if d.is_dir() else []
    except OSError:
        return []


FORMAT = LogFormat("claude-code", readers=(ClaudeCodeReader,), home=Home("CLAUDE_CONFIG_DIR", ".claude"),
                   globs=("projects/*/*.jsonl", "projects/*/*/subagents/*.jsonl"), cwd_keys=(("cwd",),))
