"""GitHub Copilot CLI: ``$COPILOT_HOME/session-state/<id>/events.jsonl`` (and legacy history JSON).

Tokens come from ``session.shutdown``'s ``modelMetrics``, written each time a run of
the session ends: a resumed session has one shutdown per run, each counting only its
own run, so they add up. ``inputTokens`` there includes the cache reads and writes
(``input`` is what is left); ``outputTokens`` includes reasoning. Until a run's
shutdown arrives (a crash, a live session) only each message's ``outputTokens`` are
known; they keep their own times, and the shutdown adds the rest. Copilot's own
cost is premium requests, kept apart (``extra.premium_requests``); a USD estimate
comes from the price source like every other format's. Autopilot's nudges (user
messages with no content) are not user turns.
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


_RAW = ("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens")


class CopilotReader(Reader):
    format = "copilot"
    unanswered_fail = False

    def __init__(self) -> None:
        self.model: str | None = None
        self.runs = 0                                     # shutdowns seen
        self.run_out: dict[str, list[list[Any]]] = {}     # model -> [[usage key, outputTokens]] of this run
        self.premium = 0.0

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
            text = text_of(d.get("content"))
            if text and text.strip():  # autopilot's nudges have no content
                yield Event(m.USER, ts, key=rec.get("id"), text=text)
        elif t == "assistant.message":
            mid = d.get("messageId") or rec.get("id")
            model = d.get("model") or self.model
            yield Event(m.ASSISTANT, ts, key=mid, name=model)
            if d.get("reasoningText"):
                yield Event(m.REASONING, ts)
            if "outputTokens" in d:
                key, n = f"msg:{mid}", as_int(d.get("outputTokens"))
                self.run_out.setdefault(model or "", []).append([key, n])
                yield Event(m.USAGE, ts, key=key, usage=Usage(output=n, model=model, prompt=0,
                                                              raw={"outputTokens": n}))
        elif t == "tool.execution_start":
            yield Event(m.TOOL_CALL, ts, key=d.get("toolCallId"), name=str(d.get("toolName") or "?"))
        elif t == "tool.execution_complete":
            yield Event(m.TOOL_RESULT, ts, key=d.get("toolCallId"), success=d.get("success") is not False)
        elif t == "session.error":
            yield Event(m.ERROR, ts)
        elif t == "session.shutdown":
            yield from self._shutdown(d, ts)
        elif not t.startswith(_KNOWN_PREFIXES):
            self.unknown += 1

    def _shutdown(self, d: dict[str, Any], ts: str | None) -> Iterator[Event]:
        """One run's totals, per model: they replace what its messages said (kept where they fit)."""
        metrics = as_dict(d.get("modelMetrics"))
        if len(metrics) == 1 and "" in self.run_out:  # messages that named no model: the run's only one
            (only,) = metrics
            self.run_out.setdefault(only, []).extend(self.run_out.pop(""))
        run = self.runs
        self.runs += 1
        premium = 0.0
        for model, mm in metrics.items():
            u = as_dict(mm.get("usage")) if isinstance(mm, dict) else {}
            req = as_dict(mm.get("requests")) if isinstance(mm, dict) else {}
            cost = req.get("cost")
            premium += cost if isinstance(cost, (int, float)) and not isinstance(cost, bool) else 0
            raw = {k: as_int(u.get(k)) for k in _RAW if k in u}
            inp, out = as_int(u.get("inputTokens")), as_int(u.get("outputTokens"))
            cr, cw = as_int(u.get("cacheReadTokens")), as_int(u.get("cacheWriteTokens"))
            said = self.run_out.pop(model, [])
            told = sum(n for _, n in said)
            keep = told <= out  # the messages' own times stay where their outputs fit the total
            for key, n in said:
                yield Event(m.USAGE, ts, key=key, usage=Usage(output=n if keep else 0, model=model, prompt=0))
            yield Event(m.USAGE, ts, key=f"shutdown:{run}:{model}", usage=Usage(
                input=max(0, inp - cr - cw), cache_read=cr, cache_write=cw, output=out - told if keep else out,
                reasoning=as_int(u.get("reasoningTokens")), model=model, raw=raw, prompt=0))
        if metrics:
            for model, said in self.run_out.items():  # a model the totals do not name: they replace its messages
                for key, _n in said:
                    yield Event(m.USAGE, ts, key=key, usage=Usage(output=0, model=model or None, prompt=0))
            self.run_out.clear()
        total = d.get("totalPremiumRequests")
        self.premium += total if isinstance(total, (int, float)) and not isinstance(total, bool) else premium
        premium_total = int(self.premium) if float(self.premium).is_integer() else self.premium
        yield Event(m.SESSION_END, ts, data={"extra": {
            "premium_requests": premium_total, "shutdown": d.get("shutdownType"), "runs": self.runs}})

    def dump(self) -> dict[str, Any]:
        return {"model": self.model, "runs": self.runs, "run_out": self.run_out, "premium": self.premium}

    def load(self, state: dict[str, Any]) -> None:
        self.model = state.get("model")
        self.runs = state.get("runs", 0)
        self.run_out = {k: [list(x) for x in v] for k, v in (state.get("run_out") or {}).items()}
        self.premium = state.get("premium", 0.0)


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
        requested: set[Any] = set()
        for i, e in enumerate(rec["timeline"]):
            if not isinstance(e, dict):
                self.unknown += 1
                continue
            t, ts = e.get("type"), e.get("timestamp")
            call_id = e.get("callId") if type(e.get("callId")) in (str, int) else None
            if t == "user":
                text = e.get("text") if isinstance(e.get("text"), str) else None
                if text is None or text.strip():
                    yield Event(m.USER, ts, text=text)
            elif t in ("copilot", "assistant"):
                yield Event(m.ASSISTANT, ts, key=str(e.get("id", i)))
            elif t == "tool_call_requested":
                if call_id is not None:
                    requested.add(call_id)
                yield Event(m.TOOL_CALL, ts, key=call_id, name=str(e.get("name") or "?"))
            elif t == "tool_call_completed":
                res = as_dict(e.get("result"))
                ok = res.get("type", "success") == "success"
                if call_id in requested:
                    yield Event(m.TOOL_RESULT, ts, key=call_id, success=ok)
                else:  # builds that write only the completion: call and result in one record
                    yield Event(m.TOOL_CALL, ts, key=call_id, name=str(e.get("name") or "?"), success=ok)
            elif t == "error":
                yield Event(m.ERROR, ts)
            elif t not in ("info", "warning"):
                self.unknown += 1


FORMAT = LogFormat("copilot", readers=(CopilotReader, CopilotLegacyReader), home=Home("COPILOT_HOME", ".copilot"),
                   globs=("session-state/*/events.jsonl", "history-session-state/*.json"),
                   cwd_keys=(("data", "context", "cwd"), ("cwd",)))
