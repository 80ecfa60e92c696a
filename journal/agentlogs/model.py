"""Normalized agent-log events and the summary built from them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMATS = ("claude-code", "codex", "gemini", "copilot", "zag", "massgen", "journal")
TOOL_KINDS = ("shell", "file_read", "file_write", "file_edit", "search",
              "sub_agent", "web", "notebook", "other")

# Event kinds
SESSION_START = "session_start"
SESSION_END = "session_end"
USER = "user"
ASSISTANT = "assistant"
REASONING = "reasoning"
TOOL_CALL = "tool_call"
TOOL_RESULT = "tool_result"
USAGE = "usage"
USAGE_RESET = "usage_reset"
ERROR = "error"


@dataclass(slots=True)
class Usage:
    """Token counts of one model call. ``input`` excludes cache reads and writes;
    ``output`` includes reasoning tokens, which are also given apart."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    cache_write_1h: int = 0  # the part of cache_write kept for an hour (priced higher)
    cost_usd: float | None = None
    model: str | None = None


@dataclass(slots=True)
class Event:
    """One normalized event. ``key`` is the dedupe identity (message id, tool id)."""

    kind: str
    ts: str | None = None
    key: str | None = None
    text: str | None = None
    name: str | None = None
    tool_kind: str | None = None
    success: bool | None = None
    duration_ms: float | None = None
    usage: Usage | None = None
    data: dict[str, Any] | None = None


@dataclass
class ToolStat:
    """Calls of one tool: how many, how many failed, time where the log has it."""

    kind: str = "other"
    calls: int = 0
    failures: int = 0
    time_ms: float = 0.0
    timed: int = 0

    @property
    def avg_ms(self) -> float | None:
        return self.time_ms / self.timed if self.timed else None


@dataclass
class Summary:
    """What a log says about a session: turns, tools, errors, tokens, cost, time."""

    format: str
    path: str = ""
    provider_session_id: str | None = None
    title: str | None = None
    user_turns: int = 0
    assistant_turns: int = 0
    reasoning_blocks: int = 0
    tools: dict[str, ToolStat] = field(default_factory=dict)
    errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cache_read: int = 0
    tokens_cache_write: int = 0
    tokens_reasoning: int = 0
    cost_usd: float | None = None
    cost_estimated: bool = False
    models: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    duration_s: float | None = None
    cwd: str | None = None
    git_branch: str | None = None
    skipped: int = 0
    lines: int = 0
    bytes_read: int = 0
    offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tool_calls(self) -> int:
        return sum(t.calls for t in self.tools.values())

    @property
    def tool_failures(self) -> int:
        return sum(t.failures for t in self.tools.values())

    def tools_by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tools.values():
            out[t.kind] = out.get(t.kind, 0) + t.calls
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tool_calls"] = self.tool_calls
        d["tool_failures"] = self.tool_failures
        d["tools_by_kind"] = self.tools_by_kind()
        return d

    def short(self) -> dict[str, Any]:
        """The small figures kept in a session's frontmatter."""
        return {"turns": self.user_turns, "tools": self.tool_calls, "errors": self.errors,
                "tokens_in": self.tokens_in, "tokens_out": self.tokens_out,
                "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 4)}


def merged_tools(summaries: list[Summary]) -> Summary:
    """One summary holding the tool statistics of all ``summaries`` added up."""
    merged = Summary(format="merged")
    for s in summaries:
        for name, t in s.tools.items():
            into = merged.tools.setdefault(name, ToolStat(kind=t.kind))
            into.calls += t.calls
            into.failures += t.failures
            into.time_ms += t.time_ms
            into.timed += t.timed
    return merged
