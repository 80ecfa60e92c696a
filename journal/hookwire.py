"""What each agent CLI's hooks send and read back, in the CLIs' own names: which event a
payload is, which session it belongs to, and the answer that means "continue".

Standard library only, with no ``dataclasses``, ``typing`` or ``pathlib``: ``journal hook``
reads this on every tool call an agent makes, before anything else is imported.
``journal.hooks`` builds the full normalized ``HookEvent`` on top of these tables; the
per-CLI facts are in ``tests/data/hooks/README.md``.
"""
from __future__ import annotations

import json

from journal.errors import InvalidInput

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only
    from collections.abc import Mapping
    from typing import Any

CLIS = ("claude-code", "codex", "gemini", "copilot")

KINDS = ("session_start", "user_prompt", "pre_tool", "post_tool", "post_tool_failure",
         "notification", "stop", "subagent_stop", "pre_compact", "session_end", "unknown")


class HookInputError(InvalidInput):
    """A hook payload that is not a JSON object, or a CLI name journal does not know."""


CLAUDE_KINDS = {
    "SessionStart": "session_start", "UserPromptSubmit": "user_prompt",
    "PreToolUse": "pre_tool", "PostToolUse": "post_tool",
    "PostToolUseFailure": "post_tool_failure", "Notification": "notification",
    "Stop": "stop", "SubagentStop": "subagent_stop", "PreCompact": "pre_compact",
    "SessionEnd": "session_end",
}
CODEX_KINDS = {
    "SessionStart": "session_start", "UserPromptSubmit": "user_prompt",
    "PreToolUse": "pre_tool", "PostToolUse": "post_tool", "Stop": "stop",
    "SubagentStop": "subagent_stop", "PreCompact": "pre_compact",
}
GEMINI_KINDS = {
    "SessionStart": "session_start", "BeforeAgent": "user_prompt", "BeforeTool": "pre_tool",
    "AfterTool": "post_tool", "Notification": "notification", "AfterAgent": "stop",
    "PreCompress": "pre_compact", "SessionEnd": "session_end",
}
COPILOT_KINDS = {
    "SessionStart": "session_start", "sessionStart": "session_start",
    "UserPromptSubmit": "user_prompt", "userPromptSubmitted": "user_prompt",
    "PreToolUse": "pre_tool", "preToolUse": "pre_tool",
    "PostToolUse": "post_tool", "postToolUse": "post_tool",
    "PostToolUseFailure": "post_tool_failure", "postToolUseFailure": "post_tool_failure",
    "Notification": "notification", "notification": "notification",
    "Stop": "stop", "agentStop": "stop",
    "SubagentStop": "subagent_stop", "subagentStop": "subagent_stop",
    "PreCompact": "pre_compact", "preCompact": "pre_compact",
    "SessionEnd": "session_end", "sessionEnd": "session_end",
}
KIND_TABLES = {"claude-code": CLAUDE_KINDS, "codex": CODEX_KINDS, "gemini": GEMINI_KINDS,
               "copilot": COPILOT_KINDS}

# camelCase Copilot payloads do not name their event; the first row whose fields are all
# there wins.
COPILOT_SHAPES = (
    ("postToolUse", ("toolResult",)), ("postToolUseFailure", ("toolName", "error")),
    ("preToolUse", ("toolName",)), ("errorOccurred", ("errorContext",)),
    ("subagentStop", ("agentName", "stopReason")), ("subagentStart", ("agentName",)),
    ("agentStop", ("stopReason",)), ("preCompact", ("trigger",)),
    ("userPromptSubmitted", ("prompt",)), ("sessionStart", ("source",)),
    ("sessionEnd", ("reason",)),
)

CODEX_NOTIFY = "agent-turn-complete"
"""The ``type`` of the payload Codex's older ``notify`` program gets as its last argument."""


def check_cli(cli: str) -> None:
    if cli not in CLIS:
        raise HookInputError(f"Unknown agent CLI {cli!r}: use one of {', '.join(CLIS)}.")


def string(d: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` whose value is a non-empty string."""
    for key in keys:
        value = d.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def event_name(cli: str, d: Mapping[str, Any]) -> str | None:
    """The CLI's own name of the event a payload carries (inferred for camelCase Copilot)."""
    named = string(d, "hook_event_name")
    if named:
        return named
    if cli == "codex" and d.get("type") == CODEX_NOTIFY:
        return CODEX_NOTIFY
    if cli == "copilot":
        for name, present in COPILOT_SHAPES:
            if all(k in d for k in present):
                return name
    return None


def kind_of(cli: str, event: str | None) -> str:
    """The normalized kind of ``event`` (see ``KINDS``); ``unknown`` for what journal does not know."""
    if event is None:
        return "unknown"
    if cli == "codex" and event == CODEX_NOTIFY:
        return "stop"
    return KIND_TABLES[cli].get(event, "unknown")


def provider_session(cli: str, d: Mapping[str, Any]) -> str | None:
    """The CLI's own id of the session a payload comes from."""
    if cli == "codex" and d.get("type") == CODEX_NOTIFY and "hook_event_name" not in d:
        return string(d, "thread-id")
    return string(d, "session_id", "sessionId")


# Where each CLI takes ``hookSpecificOutput.additionalContext``: kind -> event name to echo.
# Claude Code's Stop/SubagentStop also take it, but there it keeps the turn going, so no.
CONTEXT_EVENTS: dict[str, dict[str, str]] = {
    "claude-code": {"session_start": "SessionStart", "user_prompt": "UserPromptSubmit",
                    "pre_tool": "PreToolUse", "post_tool": "PostToolUse",
                    "post_tool_failure": "PostToolUseFailure"},
    "codex": {"session_start": "SessionStart", "user_prompt": "UserPromptSubmit",
              "pre_tool": "PreToolUse", "post_tool": "PostToolUse",
              "post_tool_failure": "PostToolUse"},
    "gemini": {"session_start": "SessionStart", "user_prompt": "BeforeAgent",
               "post_tool": "AfterTool", "post_tool_failure": "AfterTool"},
    "copilot": {},
}


def carries_context(cli: str, event_kind: str) -> bool:
    """Whether ``cli`` shows the model context that a hook of this kind answers with."""
    return event_kind in CONTEXT_EVENTS.get(cli, {})


def hook_output(cli: str, event_kind: str, context: str | None) -> tuple[str, int]:
    """The stdout text (no trailing newline) and exit code ``cli`` reads as "continue".

    With ``context``, and where the CLI lets this event add model context, the text is
    the CLI's JSON form carrying it; elsewhere the context is dropped. Exit code: 0.
    """
    check_cli(cli)
    event = CONTEXT_EVENTS[cli].get(event_kind)
    if context and event:
        out = {"hookSpecificOutput": {"hookEventName": event, "additionalContext": context}}
        return json.dumps(out, ensure_ascii=True), 0
    # Gemini CLI parses stdout as JSON after exit 0; the others take empty output as
    # "no decision".
    return ("{}" if cli == "gemini" else ""), 0
