"""OpenAI Codex CLI rollouts: ``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl``.

Current files wrap each record as ``{timestamp, type, payload}``; legacy files
start with a bare ``{id, timestamp, instructions}`` line followed by bare
response items. Tokens: ``total_token_usage`` is a running total; each change of
it is one usage (so a session is split by the time of each step), and the last
one is the session's figures. Cached input is a subset of input (subtracted for
``input``); reasoning is a subset of output. A call with no output is a failure,
and so is an output that reports a non-zero exit code or a rejected patch; a
call's time is the duration its output reports (call and output share a
timestamp).
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


# Outputs that say the tool did not do its job (apply_patch, argument parsing, the sandbox).
_FAILED = ("patch rejected", "apply_patch verification failed", "apply_patch moves are not supported",
           "failed to parse function arguments", "execution error", "aborted by user")
_WALL = re.compile(r"Wall time:\s*([0-9.]+)\s*seconds")
# Codex's IDE extensions prefix the request with the editor's context.
_IDE_REQUEST = "## My request for Codex:"


def _outcome(out: Any) -> tuple[bool, float | None]:
    """(failed, duration in ms) of a tool output: a JSON ``{output, metadata{exit_code,
    duration_seconds}}`` string, or text with ``Process exited with code N`` / ``Wall time``."""
    if isinstance(out, dict):
        content = out.get("content")
        if isinstance(content, str):
            out = content
        else:
            return out.get("success") is False, None
    if not isinstance(out, str):
        return False, None
    failed, dur = False, None
    text = out
    if out.startswith("{"):
        import orjson

        try:
            d = orjson.loads(out)
        except orjson.JSONDecodeError:
            d = None
        if isinstance(d, dict):
            meta = d.get("metadata")
            if isinstance(meta, dict):
                code = meta.get("exit_code")
                if isinstance(code, int) and not isinstance(code, bool):
                    failed = code != 0
                secs = meta.get("duration_seconds")
                if isinstance(secs, (int, float)) and not isinstance(secs, bool) and secs >= 0:
                    dur = float(secs) * 1000
            if isinstance(d.get("output"), str):
                text = d["output"]
    head = text[:2000]
    if not failed:
        match = _EXIT.search(head)
        failed = bool(match and int(match.group(1)) != 0) or head.lstrip().lower().startswith(_FAILED)
    if dur is None:
        wall = _WALL.search(head)
        if wall:
            try:
                dur = float(wall.group(1)) * 1000
            except ValueError:
                dur = None
    return failed, dur


def request_text(text: str) -> str:
    """The user's own request in a message the IDE extension wrapped in its context."""
    i = text.find(_IDE_REQUEST)
    if i >= 0 and text.lstrip().startswith("# Context from my IDE setup"):
        return text[i + len(_IDE_REQUEST):].strip()
    return text


_RAW = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens", "total_tokens")


class CodexReader(Reader):
    format = "codex"

    def __init__(self) -> None:
        self.model: str | None = None
        self.started = False
        self.event_users = 0      # event_msg/user_message seen (then item user messages are context)
        self.item_users: list[str] = []  # legacy: user message timestamps, when no event_msg exists
        self.seq = 0
        self.total: list[int] = [0] * len(_RAW)  # the running total_token_usage, as last seen

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
            failed, dur = _outcome(p.get("output"))
            yield Event(m.TOOL_RESULT, ts, key=p.get("call_id"), success=not failed, duration_ms=dur)
            return
        self.unknown += 1

    def _event(self, p: dict[str, Any], ts: str | None) -> Iterator[Event]:
        et = p.get("type")
        if et == "user_message":
            self.event_users += 1
            text = p.get("message") if isinstance(p.get("message"), str) else None
            yield Event(m.USER, ts, text=request_text(text) if text else None)
        elif et == "token_count":
            info = p.get("info")
            if isinstance(info, dict) and isinstance(info.get("total_token_usage"), dict):
                u = info["total_token_usage"]
                now = [as_int(u.get(k)) for k in _RAW]
                if any(a < b for a, b in zip(now, self.total)):  # a count started over (it never goes down)
                    self.total = [0] * len(_RAW)
                d = [a - b for a, b in zip(now, self.total)]
                self.total = now
                if any(d):
                    last = info.get("last_token_usage")
                    prompt = as_int(last.get("input_tokens")) if isinstance(last, dict) else 0
                    yield Event(m.USAGE, ts, usage=Usage(
                        input=max(0, d[0] - d[1]), cache_read=d[1], output=d[2], reasoning=d[3],
                        model=self.model, raw=dict(zip(_RAW, d)), prompt=prompt))
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
                "item_users": self.item_users, "seq": self.seq, "total": list(self.total)}

    def load(self, state: dict[str, Any]) -> None:
        self.model = state.get("model")
        self.started = bool(state.get("started"))
        self.event_users = state.get("event_users", 0)
        self.item_users = list(state.get("item_users", []))
        self.seq = state.get("seq", 0)
        self.total = list(state.get("total") or [0] * len(_RAW))


FORMAT = LogFormat("codex", readers=(CodexReader,), home=Home("CODEX_HOME", ".codex"),
                   globs=("sessions/*/*/*/rollout-*.jsonl",), cwd_keys=(("payload", "cwd"), ("cwd",)))
