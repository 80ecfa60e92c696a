"""What a spooled hook payload becomes in the event log.

=====================  ===============================================================
hook (normalized kind)  event
=====================  ===============================================================
pre_tool               ``tool_call``: tool name, kind, input, the CLI's tool-use id
post_tool              ``tool_result``: success true, output, paired with its call
post_tool_failure      ``tool_result``: success false, ``error``, a failure-ledger entry
user_prompt            ``user_message``: the prompt's text
notification           ``note``
session_start, stop,   ``state_change`` (``agent-session-start``, ``agent-stop``,
subagent_stop,         ``agent-subagent-stop``, ``agent-compact``, ``agent-session-end``)
pre_compact,
session_end
anything else          ``x-hook-unparsed``, with the payload (or the unreadable text)
=====================  ===============================================================

Every such event has ``provenance`` ``{agent: <cli>, source: "hook:<Event>"}`` and the tag
``hook``. They are the live record of a session; the summaries and usage figures of
``journal logs`` count from the agent's own transcript, never from these events.

A result is paired with its call by the tool-use id (``data.tool_use_id`` on both, and
``dependencies.depends_on`` naming the call's event); for CLIs that send no id, by the
most recent unanswered call of the same tool in the same drain.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

UNPARSED = "x-hook-unparsed"
TAG = "hook"
MAX_STRING = 4000
MAX_ITEMS = 100
MAX_DEPTH = 8
MAX_VALUE_BYTES = 48 * 1024
MAX_TEXT = 16_384


def clip(value: Any, depth: int = 0) -> Any:
    """``value`` with long strings, long lists and deep nesting cut, so that an event
    stays small whatever a tool returned."""
    if isinstance(value, str):
        if len(value) <= MAX_STRING:
            return value
        return value[:MAX_STRING] + f"… [{len(value) - MAX_STRING} more characters]"
    if depth >= MAX_DEPTH and isinstance(value, (dict, list)):
        return "… [nested too deeply]"
    if isinstance(value, dict):
        items = list(value.items())
        out = {str(k): clip(v, depth + 1) for k, v in items[:MAX_ITEMS]}
        if len(items) > MAX_ITEMS:
            out["…"] = f"{len(items) - MAX_ITEMS} more keys"
        return out
    if isinstance(value, list):
        out_list = [clip(v, depth + 1) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            out_list.append(f"… [{len(value) - MAX_ITEMS} more items]")
        return out_list
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def bounded(value: Any) -> Any:
    """``clip(value)``, or a preview of its JSON text when that is still too big."""
    value = clip(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= MAX_VALUE_BYTES:
        return value
    return {"truncated": True, "bytes": len(text), "preview": text[:MAX_STRING]}


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f"… [{len(value) - MAX_TEXT} more characters]"


class Pairing:
    """Which call event a result answers: by tool-use id within the drain, then through
    ``find`` (the log's recent events), or, without an id, the last open call of the tool."""

    def __init__(self, find: Callable[[str], str | None]) -> None:
        self.find = find
        self.by_id: dict[str, str] = {}
        self.open_by_tool: dict[str, list[str]] = {}

    def call(self, event_id: str, tool_use_id: str | None, tool: str) -> None:
        if tool_use_id:
            self.by_id[tool_use_id] = event_id
        else:
            self.open_by_tool.setdefault(tool, []).append(event_id)

    def result(self, tool_use_id: str | None, tool: str) -> str | None:
        if tool_use_id:
            return self.by_id.pop(tool_use_id, None) or self.find(tool_use_id)
        waiting = self.open_by_tool.get(tool)
        return waiting.pop() if waiting else None


def _unparsed(cli: str, event_id: str | None, ts: str | None, data: dict[str, Any],
              event: str | None = None) -> dict[str, Any]:
    return {"event_type": UNPARSED, "data": {"cli": cli, **data}, "agent": cli or "unknown",
            "source": f"hook:{event or 'unknown'}", "event_id": event_id, "timestamp": ts,
            "tags": [TAG]}


def specs(line: bytes, pairing: Pairing, new_id: Callable[[], str]) -> list[dict[str, Any]]:
    """The events (as ``append_events`` specs, ids and times set) of one spool record."""
    try:
        rec = json.loads(line)
    except (ValueError, RecursionError):
        rec = None
    if not isinstance(rec, dict):
        text = line.decode("utf-8", "replace")
        return [_unparsed("unknown", new_id(), None, {"error": "unreadable spool record",
                                                      "raw": text[:MAX_TEXT]})]
    cli: str = rec["cli"] if isinstance(rec.get("cli"), str) else "unknown"
    event_id = _record_event_id(rec) or new_id()
    ts = rec.get("ts") if isinstance(rec.get("ts"), str) else None
    payload = rec.get("p")
    if not isinstance(payload, dict):
        raw: str = rec["raw"] if isinstance(rec.get("raw"), str) else ""
        error: str = rec["error"] if isinstance(rec.get("error"), str) else "not a JSON object"
        return [_unparsed(cli, event_id, ts, {"error": error, "raw": raw[:MAX_TEXT]})]
    from journal.hooks import CLIS, parse_data

    if cli not in CLIS:
        return [_unparsed(cli, event_id, ts, {"error": "unknown agent CLI", "payload": bounded(payload)})]
    ev = parse_data(cli, payload)
    base = {"agent": cli, "source": f"hook:{ev.event or 'unknown'}", "event_id": event_id,
            "timestamp": ts, "tags": [TAG]}
    hook = {"hook": ev.event}
    kind = ev.kind
    if kind == "pre_tool":
        tool = ev.tool_name or "?"
        pairing.call(event_id, ev.tool_use_id, tool)
        data = {**hook, "tool": tool, "kind": _tool_kind(tool), "input": bounded(ev.tool_input)}
        if ev.tool_use_id:
            data["tool_use_id"] = ev.tool_use_id
        return [{**base, "event_type": "tool_call", "data": data}]
    if kind in ("post_tool", "post_tool_failure"):
        tool = ev.tool_name or "?"
        failed = kind == "post_tool_failure" or ev.success is False
        data = {**hook, "tool": tool, "kind": _tool_kind(tool), "success": not failed}
        if ev.tool_use_id:
            data["tool_use_id"] = ev.tool_use_id
        call = pairing.result(ev.tool_use_id, tool)
        if call is None and ev.tool_input is not None:
            data["input"] = bounded(ev.tool_input)  # no call on record: keep what was run
        if ev.tool_response is not None:
            data["output"] = bounded(ev.tool_response)
        duration = payload.get("duration_ms")
        if isinstance(duration, (int, float)) and not isinstance(duration, bool):
            data["duration_ms"] = duration
        spec: dict[str, Any] = {**base, "event_type": "tool_result", "data": data}
        if failed:
            reason = _text(ev.error) or "the tool reported a failure"
            data["error"] = reason
            attempt = f"{tool}: {_brief(ev.tool_input)}".rstrip(": ")
            spec["failure_ledger"] = [{"attempt": attempt[:500], "failure_reason": reason[:2000]}]
        if call is not None:
            spec["dependencies"] = {"depends_on": [call]}
        return [spec]
    if kind == "user_prompt":
        return [{**base, "event_type": "user_message", "data": {**hook, "text": _text(ev.prompt) or ""}}]
    if kind == "notification":
        data = {**hook, "text": _text(ev.message) or ""}
        if isinstance(payload.get("notification_type"), str):
            data["notification_type"] = payload["notification_type"]
        return [{**base, "event_type": "note", "data": data}]
    actions = {"session_start": "agent-session-start", "stop": "agent-stop",
               "subagent_stop": "agent-subagent-stop", "pre_compact": "agent-compact",
               "session_end": "agent-session-end"}
    if kind in actions:
        data = {**hook, "action": actions[kind]}
        for key, value in (("reason", ev.reason), ("agent_session", ev.session_id),
                           ("transcript", ev.transcript_path), ("subagent", ev.agent),
                           ("text", _text(ev.message))):
            if value:
                data[key] = value
        if isinstance(payload.get("model"), str):
            data["model"] = payload["model"]
        return [{**base, "event_type": "state_change", "data": data}]
    return [_unparsed(cli, event_id, ts, {"event": ev.event, "payload": bounded(payload)}, ev.event)]


def _record_event_id(rec: dict[str, Any]) -> str | None:
    """The event id a record's time and random bits make (the same at every drain)."""
    ms, rand = rec.get("ms"), rec.get("r")
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms < 1 << 48 or not isinstance(rand, str):
        return None
    try:
        bits = bytes.fromhex(rand)
    except ValueError:
        return None
    if len(bits) != 10:
        return None
    from journal.ids import new_event_id, ulid

    return new_event_id(ulid(now_ms=ms, rand=bits))


def _tool_kind(name: str) -> str:
    from journal.agentlogs.kinds import tool_kind

    return tool_kind(name)


def _brief(tool_input: Any) -> str:
    """A one-line hint of what a tool was asked to do (its command, path or pattern)."""
    if isinstance(tool_input, dict):
        for key in ("command", "file_path", "path", "pattern", "url", "query", "description"):
            value = tool_input.get(key)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:200]
        return ""
    if isinstance(tool_input, str):
        return " ".join(tool_input.split())[:200]
    return ""
