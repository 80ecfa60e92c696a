"""This project's own event log: ``<root>/events/<session>.jsonl``.

Lines are ``{event_id, seq, timestamp, session_id, event_type, provenance, data, …}``.
Event types are the journal's own; the summary counts them by type and maps the
conversational ones (messages, tool calls, errors) onto the common figures.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.registry import LogFormat
from journal.agentlogs.base import Reader, as_dict
from journal.agentlogs.model import Event


class NativeReader(Reader):
    format = "journal"
    unanswered_fail = False

    def __init__(self) -> None:
        self.started = False
        self.by_type: dict[str, int] = {}

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        return any(isinstance(r, dict) and "event_id" in r and "event_type" in r and "seq" in r
                   for r in records)

    def feed(self, rec: Any) -> Iterator[Event]:
        if not isinstance(rec, dict) or not isinstance(rec.get("event_type"), str):
            self.unknown += 1
            return
        et, ts = rec["event_type"], rec.get("timestamp")
        d = as_dict(rec.get("data"))
        prov = as_dict(rec.get("provenance"))
        self.by_type[et] = self.by_type.get(et, 0) + 1
        if not self.started:
            self.started = True
            yield Event(m.SESSION_START, ts, data={"provider_session_id": rec.get("session_id")})
        low = et.lower().replace(".", "_")
        if low in ("user_message", "prompt", "user_prompt"):
            yield Event(m.USER, ts, key=rec.get("event_id"), text=d.get("text") or d.get("content"))
        elif low in ("assistant_message", "agent_message"):
            yield Event(m.ASSISTANT, ts, key=rec.get("event_id"), name=prov.get("agent"))
        elif low in ("tool_call", "tool_use", "tool_started"):
            yield Event(m.TOOL_CALL, ts, key=d.get("tool_id") or d.get("call_id") or rec.get("event_id"),
                        name=str(d.get("tool") or d.get("tool_name") or d.get("name") or "?"))
        elif low in ("tool_result", "tool_completed"):
            ok = d.get("success")
            yield Event(m.TOOL_RESULT, ts, key=d.get("tool_id") or d.get("call_id"),
                        success=None if ok is None else bool(ok))
        elif "error" in low or "failure" in low or low == "failed":
            yield Event(m.ERROR, ts, key=rec.get("event_id"))

    def finish(self) -> Iterator[Event]:
        yield Event(m.SESSION_END, None, data={"extra": {"event_types": dict(self.by_type)}})

    def dump(self) -> dict[str, Any]:
        return {"started": self.started, "by_type": self.by_type}

    def load(self, state: dict[str, Any]) -> None:
        self.started = bool(state.get("started"))
        self.by_type = dict(state.get("by_type") or {})


FORMAT = LogFormat("journal", readers=(NativeReader,))
