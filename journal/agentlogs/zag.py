"""zag's normalized session logs: ``~/.zag/projects/<path>/logs/sessions/<id>.jsonl``.

Each line is ``{seq, ts, provider, wrapper_session_id, provider_session_id,
source_kind, completeness, type, …}``. A backfilled log (``source_kind:
backfill``) restates a provider log: the summary says so (``extra.backfill_of``)
so that a session linking both counts it once.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.registry import Home, LogFormat
from journal.agentlogs.base import Reader, as_int
from journal.agentlogs.model import Event, Usage

_QUIET = {"permission", "provider_status", "stderr", "parse_warning", "session_cleared",
          "session_result", "heartbeat", "user_event", "usage_limit_hit", "usage_limit_resumed"}


_RAW = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")


class ZagReader(Reader):
    format = "zag"
    unanswered_fail = False

    def __init__(self) -> None:
        self.started = False
        self.backfilled = False
        self.model: str | None = None

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        return any(isinstance(r, dict) and "wrapper_session_id" in r and "source_kind" in r for r in records)

    def feed(self, rec: Any) -> Iterator[Event]:
        if not isinstance(rec, dict):
            self.unknown += 1
            return
        t, ts = rec.get("type"), rec.get("ts")
        if not self.started:
            self.started = True
            yield Event(m.SESSION_START, ts, data={
                "provider_session_id": rec.get("provider_session_id"),
                "extra": {"provider": rec.get("provider"), "wrapper_session_id": rec.get("wrapper_session_id")}})
        if (rec.get("source_kind") == "backfill" or rec.get("backfilled")) and not self.backfilled:
            self.backfilled = True
            yield Event(m.SESSION_START, ts, data={"extra": {
                "backfill_of": rec.get("provider_session_id") or True}})
        if t == "session_started":
            if isinstance(rec.get("model"), str):
                self.model = rec["model"]
            yield Event(m.SESSION_START, ts, data={"cwd": rec.get("cwd"), "model": rec.get("model")})
        elif t == "user_message":
            yield Event(m.USER, ts, key=rec.get("message_id"), text=rec.get("content"))
        elif t == "assistant_message":
            yield Event(m.ASSISTANT, ts, key=rec.get("message_id") or f"seq{rec.get('seq')}")
        elif t == "reasoning":
            yield Event(m.REASONING, ts)
        elif t == "tool_call":
            yield Event(m.TOOL_CALL, ts, key=rec.get("tool_id"), name=str(rec.get("tool_name") or "?"),
                        tool_kind=rec.get("tool_kind"))
        elif t == "tool_result":
            ok = rec.get("success")
            if rec.get("tool_id") is None and rec.get("tool_name"):
                return  # cannot pair it with its call
            yield Event(m.TOOL_RESULT, ts, key=rec.get("tool_id"), name=rec.get("tool_name"),
                        success=None if ok is None else bool(ok))
        elif t == "usage":
            cost = rec.get("total_cost_usd")
            raw = {k: as_int(rec.get(k)) for k in _RAW if k in rec}
            yield Event(m.USAGE, ts, usage=Usage(
                input=as_int(rec.get("input_tokens")), output=as_int(rec.get("output_tokens")),
                cache_read=as_int(rec.get("cache_read_tokens")), cache_write=as_int(rec.get("cache_creation_tokens")),
                cost_usd=float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None,
                model=rec.get("model") if isinstance(rec.get("model"), str) else self.model, raw=raw))
        elif t == "session_ended":
            yield Event(m.SESSION_END, ts, data={"success": rec.get("success")})
        elif t == "usage_limit_resume_failed":
            yield Event(m.ERROR, ts)
        elif t not in _QUIET:
            self.unknown += 1

    def dump(self) -> dict[str, Any]:
        return {"started": self.started, "backfilled": self.backfilled, "model": self.model}

    def load(self, state: dict[str, Any]) -> None:
        self.started = bool(state.get("started"))
        self.backfilled = bool(state.get("backfilled"))
        self.model = state.get("model")


FORMAT = LogFormat("zag", readers=(ZagReader,), home=Home("ZAG_USER_LOG_DIR", ".zag"),
                   globs=("projects/*/logs/sessions/*.jsonl",), cwd_keys=(("cwd",), ("workspace_path",)))
