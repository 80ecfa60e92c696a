"""OpenAI Codex CLI rollouts: ``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl``.

Current files wrap each record as ``{timestamp, type, payload}``; legacy files
start with a bare ``{id, timestamp, instructions}`` line followed by bare
response items. Tokens are the last ``total_token_usage`` (cached input is a
subset of input and is reported apart). A call with no output is a failure.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.registry import Home, LogFormat
from journal.agentlogs.base import Reader, as_dict, as_int, text_of
from journal.agentlogs.model import Event, Usage

_CALLS = ("function_call", "custom_tool_call", "local_shell_call", "web_search_call")
_OUTPUTS = ("function_call_output", "custom_tool_call_output")
_ITEMS = ("message", "reasoning") + _CALLS + _OUTPUTS
_EVENTS = {"user_message", "agent_message", "agent_reasoning", "token_count", "task_started",
           "task_complete", "turn_aborted", "context_compacted", "error", "stream_error",
           "agent_reasoning_raw_content", "exec_command_end", "patch_apply_end", "mcp_tool_call_end",
           "web_search_end", "turn_diff", "entered_review_mode", "exited_review_mode",
           "item_completed", "plan_update", "view_image_tool_call", "user_turn_aborted"}
_TOP = {"session_meta", "turn_context", "response_item", "event_msg", "compacted"}
_EXIT = re.compile(r"(?:Process exited with code|Exit code:)\s*(-?\d+)")
_INJECTED = ("<environment_context>", "<user_instructions>", "# AGENTS.md", "<INSTRUCTIONS>")


def _failed_output(out: Any) -> bool:
    """True when a tool output says the command failed (non-zero exit)."""
    if isinstance(out, dict):
        out = out.get("content") if isinstance(out.get("content"), str) else out
        if isinstance(out, dict):
            return out.get("success") is False
    if not isinstance(out, str):
        return False
    if out.startswith("{"):
        import orjson

        try:
            d = orjson.loads(out)
        except orjson.JSONDecodeError:
            d = None
        if isinstance(d, dict):
            meta = d.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("exit_code"), int):
                return meta["exit_code"] != 0
    match = _EXIT.search(out[:2000])
    return bool(match and int(match.group(1)) != 0)


class CodexReader(Reader):
    format = "codex"

    def __init__(self) -> None:
        self.model: str | None = None
        self.started = False
        self.event_users = 0      # event_msg/user_message seen (then item user messages are context)
        self.item_users: list[str] = []  # legacy: user message timestamps, when no event_msg exists
        self.seq = 0

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        for r in records:
            if not isinstance(r, dict):
                continue
            if r.get("type") in _TOP and "payload" in r:
                return True
            if "instructions" in r and "id" in r and "timestamp" in r:
                return True
            if r.get("record_type") == "state":
                return True
        return False

    def feed(self, rec: Any) -> Iterator[Event]:
        if not isinstance(rec, dict):
            self.unknown += 1
            return
        t = rec.get("type")
        ts = rec.get("timestamp")
        self.seq += 1
        p = rec.get("payload")
        if t in _TOP and isinstance(p, dict):
            if t == "session_meta":
                yield from self._meta(p, ts)
            elif t == "turn_context":
                if p.get("model"):
                    self.model = p["model"]
                    yield Event(m.SESSION_START, ts, data={"model": self.model})
            elif t == "response_item":
                yield from self._item(p, ts)
            elif t == "event_msg":
                yield from self._event(p, ts)
            return
        if "instructions" in rec and "id" in rec and not self.started:  # legacy header
            yield from self._meta(rec, ts)
            return
        if rec.get("record_type") == "state":
            return
        if t in _ITEMS:  # legacy: a bare response item
            yield from self._item(rec, ts)
            return
        self.unknown += 1

    def _meta(self, p: dict[str, Any], ts: str | None) -> Iterator[Event]:
        if self.started:
            return
        self.started = True
        git = as_dict(p.get("git"))
        extra = {k: p[k] for k in ("originator", "cli_version") if p.get(k)}
        yield Event(m.SESSION_START, p.get("timestamp") or ts, data={
            "provider_session_id": p.get("id"), "cwd": p.get("cwd"),
            "git_branch": git.get("branch"), "extra": extra})

    def _item(self, p: dict[str, Any], ts: str | None) -> Iterator[Event]:
        it = p.get("type")
        if it == "message":
            role = p.get("role")
            if role == "assistant":
                yield Event(m.ASSISTANT, ts, key=p.get("id") or f"a{self.seq}", name=self.model)
            elif role == "user" and not self.event_users:
                text = text_of([b for b in p.get("content") or [] if isinstance(b, dict)
                                and b.get("type") in ("input_text", "text")]) or ""
                if text and not text.lstrip().startswith(_INJECTED):
                    self.item_users.append(ts or "")
            return
        if it == "reasoning":
            yield Event(m.REASONING, ts)
            return
        if it in _CALLS:
            name = p.get("name") or ("shell" if it == "local_shell_call" else
                                     "web_search" if it == "web_search_call" else "?")
            cid = p.get("call_id") or p.get("id")
            if it in ("local_shell_call", "web_search_call") and p.get("status"):
                status = p.get("status")
                ok = None if status == "in_progress" else status == "completed"
                yield Event(m.TOOL_CALL, ts, key=cid, name=name, success=ok)
                return
            yield Event(m.TOOL_CALL, ts, key=cid, name=name)
            return
        if it in _OUTPUTS:
            yield Event(m.TOOL_RESULT, ts, key=p.get("call_id"), success=not _failed_output(p.get("output")))
            return
        self.unknown += 1

    def _event(self, p: dict[str, Any], ts: str | None) -> Iterator[Event]:
        et = p.get("type")
        if et == "user_message":
            self.event_users += 1
            yield Event(m.USER, ts, text=p.get("message") if isinstance(p.get("message"), str) else None)
        elif et == "token_count":
            info = p.get("info")
            if isinstance(info, dict) and isinstance(info.get("total_token_usage"), dict):
                u = info["total_token_usage"]
                cached = as_int(u.get("cached_input_tokens"))
                yield Event(m.USAGE, ts, key="total", usage=Usage(
                    input=max(0, as_int(u.get("input_tokens")) - cached), output=as_int(u.get("output_tokens")),
                    cache_read=cached, reasoning=as_int(u.get("reasoning_output_tokens")), model=self.model))
        elif et in ("turn_aborted", "error"):
            yield Event(m.ERROR, ts)
        elif et not in _EVENTS:
            self.unknown += 1

    def finish(self) -> Iterator[Event]:
        if not self.event_users:
            for ts in self.item_users:
                yield Event(m.USER, ts or None)

    def dump(self) -> dict[str, Any]:
        return {"model": self.model, "started": self.started, "event_users": self.event_users,
                "item_users": self.item_users, "seq": self.seq}

    def load(self, state: dict[str, Any]) -> None:
        self.model = state.get("model")
        self.started = bool(state.get("started"))
        self.event_users = state.get("event_users", 0)
        self.item_users = list(state.get("item_users", []))
        self.seq = state.get("seq", 0)


FORMAT = LogFormat("codex", readers=(CodexReader,), home=Home("CODEX_HOME", ".codex"),
                   globs=("sessions/*/*/*/rollout-*.jsonl",), cwd_keys=(("payload", "cwd"), ("cwd",)))
