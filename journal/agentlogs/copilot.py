"""GitHub Copilot CLI: ``$COPILOT_HOME/session-state/<id>/events.jsonl`` (and legacy history JSON).

Tokens come from ``session.shutdown``'s ``modelMetrics`` when the session ended
cleanly; without it only each message's ``outputTokens`` are known. Copilot's
cost is premium requests, not USD: it is reported apart, never as ``cost_usd``.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.registry import Home, LogFormat
from journal.agentlogs.base import Reader, as_dict, as_int, text_of
from journal.agentlogs.model import Event, Usage

_KNOWN_PREFIXES = ("session.", "user.", "assistant.", "tool.", "system.", "hook.", "skill.",
                   "subagent.", "abort", "pending_messages.", "permission.", "elicitation.")


class CopilotReader(Reader):
    format = "copilot"
    unanswered_fail = False

    def __init__(self) -> None:
        self.model: str | None = None

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        return any(isinstance(r, dict) and isinstance(r.get("type"), str) and "data" in r
                   and r["type"].startswith(("session.", "user.message", "assistant.")) for r in records)

    def feed(self, rec: Any) -> Iterator[Event]:
        if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
            self.unknown += 1
            return
        t, ts = rec["type"], rec.get("timestamp")
        d = as_dict(rec.get("data"))
        if t == "session.start":
            ctx = as_dict(d.get("context"))
            extra = {k: d[k] for k in ("copilotVersion", "producer") if d.get(k)}
            yield Event(m.SESSION_START, d.get("startTime") or ts, data={
                "provider_session_id": d.get("sessionId"), "cwd": ctx.get("cwd"),
                "git_branch": ctx.get("branch"), "extra": extra})
        elif t == "session.model_change":
            self.model = d.get("newModel") or self.model
        elif t == "user.message":
            yield Event(m.USER, ts, key=rec.get("id"), text=text_of(d.get("content")))
        elif t == "assistant.message":
            mid = d.get("messageId") or rec.get("id")
            model = d.get("model") or self.model
            yield Event(m.ASSISTANT, ts, key=mid, name=model)
            if d.get("reasoningText"):
                yield Event(m.REASONING, ts)
            if "outputTokens" in d:
                yield Event(m.USAGE, ts, key=f"msg:{mid}", usage=Usage(output=as_int(d.get("outputTokens")),
                                                                      model=model))
        elif t == "tool.execution_start":
            yield Event(m.TOOL_CALL, ts, key=d.get("toolCallId"), name=str(d.get("toolName") or "?"))
        elif t == "tool.execution_complete":
            yield Event(m.TOOL_RESULT, ts, key=d.get("toolCallId"), success=d.get("success") is not False)
        elif t == "session.error":
            yield Event(m.ERROR, ts)
        elif t == "session.shutdown":
            metrics = as_dict(d.get("modelMetrics"))
            if metrics:
                yield Event(m.USAGE_RESET, ts)
            premium = 0.0
            for model, mm in metrics.items():
                u = as_dict(mm.get("usage")) if isinstance(mm, dict) else {}
                req = as_dict(mm.get("requests")) if isinstance(mm, dict) else {}
                premium += req.get("cost") or 0
                yield Event(m.USAGE, ts, key=f"shutdown:{model}", usage=Usage(
                    input=as_int(u.get("inputTokens")), output=as_int(u.get("outputTokens")),
                    cache_read=as_int(u.get("cacheReadTokens")), cache_write=as_int(u.get("cacheWriteTokens")),
                    reasoning=as_int(u.get("reasoningTokens")), model=model))
            yield Event(m.SESSION_END, ts, data={"extra": {
                "premium_requests": d.get("totalPremiumRequests", premium),
                "shutdown": d.get("shutdownType")}})
        elif not t.startswith(_KNOWN_PREFIXES):
            self.unknown += 1

    def dump(self) -> dict[str, Any]:
        return {"model": self.model}

    def load(self, state: dict[str, Any]) -> None:
        self.model = state.get("model")


class CopilotLegacyReader(Reader):
    """Older builds' ``history-session-state/<id>.json``: ``{sessionId, startTime, timeline: [...]}``."""

    format = "copilot"
    unanswered_fail = False
    whole_document = True

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        return (len(records) == 1 and isinstance(records[0], dict)
                and isinstance(records[0].get("timeline"), list))

    def feed(self, rec: Any) -> Iterator[Event]:
        if not isinstance(rec, dict) or not isinstance(rec.get("timeline"), list):
            self.unknown += 1
            return
        yield Event(m.SESSION_START, rec.get("startTime"), data={"provider_session_id": rec.get("sessionId")})
        for i, e in enumerate(rec["timeline"]):
            if not isinstance(e, dict):
                self.unknown += 1
                continue
            t, ts = e.get("type"), e.get("timestamp")
            if t == "user":
                yield Event(m.USER, ts, text=e.get("text") if isinstance(e.get("text"), str) else None)
            elif t in ("copilot", "assistant"):
                yield Event(m.ASSISTANT, ts, key=str(e.get("id", i)))
            elif t == "tool_call_requested":
                yield Event(m.TOOL_CALL, ts, key=e.get("callId"), name=str(e.get("name") or "?"))
            elif t == "tool_call_completed":
                res = as_dict(e.get("result"))
                yield Event(m.TOOL_RESULT, ts, key=e.get("callId"),
                            success=res.get("type", "success") == "success")
            elif t == "error":
                yield Event(m.ERROR, ts)
            elif t not in ("info", "warning"):
                self.unknown += 1


FORMAT = LogFormat("copilot", readers=(CopilotReader, CopilotLegacyReader), home=Home("COPILOT_HOME", ".copilot"),
                   globs=("session-state/*/events.jsonl", "history-session-state/*.json"),
                   cwd_keys=(("data", "context", "cwd"), ("cwd",)))
