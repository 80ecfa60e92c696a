"""Agent CLI hooks: read each CLI's hook payload, answer it, install journal's hook entries.

Pure and light: this module runs on every tool call an agent makes, so it imports only
the standard library (``json``, ``re``, ``dataclasses``) and ``journal.errors``. It prints
nothing and touches no file; the command layer reads stdin, writes stdout and files.

Three jobs, one per public function:

- ``parse_payload(cli, raw)`` turns the JSON a CLI sends on stdin into one ``HookEvent``
  whatever the CLI. Input that is not a JSON object raises ``HookInputError`` (the only
  error it raises); empty input and events journal does not know give ``kind="unknown"``.
- ``hook_output(cli, kind, context)`` is the stdout text and exit code that the CLI reads
  as "continue", carrying ``context`` for the model where the CLI has a channel for it.
  The exit code is always 0: journal never blocks an agent.
- ``install_settings(cli, text, command)`` merges journal's entries into a settings file's
  text (``uninstall=True`` takes them out again); ``settings_path`` says which file.

Journal's entries are recognised by ``MARK``, a shell comment at the end of their command
(or by a command exactly equal to the one being installed). Other people's hooks and
every other key are kept; the file is edited in place, so its formatting and comments
survive, and an uninstall after an install gives back the original bytes. The per-CLI
facts these rules follow are in ``tests/data/hooks/README.md``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from journal.errors import MalformedFile
from journal.hookwire import (  # noqa: F401  (re-exported: one import for callers)
    CLIS, CODEX_KINDS, CLAUDE_KINDS, COPILOT_KINDS, GEMINI_KINDS, KINDS, HookInputError,
    carries_context, event_name, hook_output, kind_of,
)
from journal.hookwire import check_cli as _check_cli, string as _s

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: importing typing costs more than this whole module
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

MARK = "# journal-managed"
"""Ends the command of every hook entry journal installs (a comment to sh and PowerShell)."""

MAX_PAYLOAD_BYTES = 64 * 1024 * 1024
"""A payload larger than this is refused rather than parsed."""

TIMEOUT_SECONDS = 10

# The events journal registers for, in the CLI's own names. The pre-tool event is there so
# that a call is on record when it starts (a tool that hangs or is interrupted still shows);
# the post-tool event closes it. Both take the hook's fast path.
HOOK_EVENTS: dict[str, tuple[str, ...]] = {
    "claude-code": ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse",
                    "PostToolUseFailure", "Notification", "Stop", "SubagentStop", "PreCompact",
                    "SessionEnd"),
    "codex": ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop",
              "SubagentStop", "PreCompact"),
    "gemini": ("SessionStart", "BeforeAgent", "BeforeTool", "AfterTool", "AfterAgent",
               "Notification", "PreCompress", "SessionEnd"),
    # PascalCase names select the payload format that names its event (hook_event_name);
    # the notification event has only the camelCase name, and names itself anyway.
    "copilot": ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse",
                "PostToolUseFailure", "Stop", "SubagentStop", "PreCompact", "SessionEnd",
                "notification"),
}

# Events whose handlers carry a matcher (tool events), per CLI; "*" matches every tool.
_TOOL_EVENTS = {"claude-code": {"PreToolUse", "PostToolUse", "PostToolUseFailure"},
                "codex": {"PreToolUse", "PostToolUse"}, "gemini": {"BeforeTool", "AfterTool"},
                "copilot": set()}


class SettingsError(MalformedFile):
    """A settings file whose text cannot be merged without losing what is in it."""


@dataclass(frozen=True)
class HookEvent:
    """One hook invocation, the same shape for every CLI.

    ``event`` is the CLI's own event name (for a Copilot camelCase payload, which does
    not name its event, the name inferred from its fields). ``success`` is True or False
    after a tool ran when the CLI says which, else None; ``error`` is the failure text.
    ``message`` is the last assistant message (stop events) or the notification text;
    ``reason`` is how the session started or ended or what triggered compaction;
    ``agent`` is the subagent's type or name. Absent or mistyped fields are None.
    """

    cli: str
    kind: str = "unknown"
    event: str | None = None
    session_id: str | None = None
    transcript_path: str | None = None
    cwd: str | None = None
    tool_name: str | None = None
    tool_input: Any = None
    tool_response: Any = None
    tool_use_id: str | None = None
    success: bool | None = None
    error: str | None = None
    prompt: str | None = None
    message: str | None = None
    reason: str | None = None
    agent: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# Parsing payloads

def parse_payload(cli: str, raw: bytes | str) -> HookEvent:
    """The normalized event in one hook payload of ``cli``.

    Empty or blank input gives an ``unknown`` event. Input that is not UTF-8 JSON holding
    an object (or is larger than ``MAX_PAYLOAD_BYTES``) raises ``HookInputError``; so does
    an unknown ``cli``. Nothing else raises: missing or mistyped fields become None.
    """
    _check_cli(cli)
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise HookInputError(f"The {cli} hook payload is larger than {MAX_PAYLOAD_BYTES} bytes.")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise HookInputError(f"The {cli} hook payload is not UTF-8 ({exc.reason}).") from None
    else:
        text = raw[1:] if raw.startswith("\ufeff") else raw
    if not text.strip():
        return HookEvent(cli=cli)
    try:
        data = json.loads(text)
    except RecursionError:
        raise HookInputError(f"The {cli} hook payload nests too deeply.") from None
    except ValueError as exc:
        raise HookInputError(f"The {cli} hook payload is not JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise HookInputError(f"The {cli} hook payload is JSON but not an object.")
    return parse_data(cli, data)


def parse_data(cli: str, data: dict[str, Any]) -> HookEvent:
    """The normalized event in a payload already parsed into a JSON object."""
    _check_cli(cli)
    if cli == "claude-code":
        return _parse_claude(data)
    if cli == "codex":
        return _parse_codex(data)
    if cli == "gemini":
        return _parse_gemini(data)
    return _parse_copilot(data)


def _common(cli: str, d: dict[str, Any], event: str | None, kinds: Mapping[str, str]) -> dict[str, Any]:
    return {
        "cli": cli, "event": event, "kind": kinds.get(event, "unknown") if event else "unknown",
        "session_id": _s(d, "session_id"), "transcript_path": _s(d, "transcript_path"),
        "cwd": _s(d, "cwd"), "tool_name": _s(d, "tool_name"), "tool_input": d.get("tool_input"),
        "tool_response": d.get("tool_response"), "tool_use_id": _s(d, "tool_use_id"),
        "error": _s(d, "error"), "prompt": _s(d, "prompt"),
        "message": _s(d, "last_assistant_message", "message"),
        "reason": _s(d, "source", "reason", "trigger"), "agent": _s(d, "agent_type"), "raw": d,
    }


def _parse_claude(d: dict[str, Any]) -> HookEvent:
    f = _common("claude-code", d, _s(d, "hook_event_name"), CLAUDE_KINDS)
    if f["kind"] == "post_tool":
        f["success"] = True
    elif f["kind"] == "post_tool_failure":
        f["success"] = False
    return HookEvent(**f)


def _tool_outcome(response: Any) -> tuple[bool | None, str | None]:
    """Success and error text when a tool response says them (MCP ``isError``, exit codes)."""
    if not isinstance(response, dict):
        return None, None
    failed: bool | None = None
    if isinstance(response.get("isError"), bool):
        failed = response["isError"]
    elif isinstance(response.get("success"), bool):
        failed = not response["success"]
    else:
        for key in ("exit_code", "exitCode"):
            code = response.get(key)
            if isinstance(code, int) and not isinstance(code, bool):
                failed = code != 0
                break
    if failed is None:
        return None, None
    if not failed:
        return True, None
    content = response.get("content")
    texts = [b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str)] \
        if isinstance(content, list) else []
    return False, "\n".join(texts) or _s(response, "error", "stderr")


def _parse_codex(d: dict[str, Any]) -> HookEvent:
    if _s(d, "hook_event_name") is None and d.get("type") == "agent-turn-complete":
        # The legacy ``notify`` program: its payload comes as the last argument, kebab-case.
        messages = d.get("input-messages")
        prompt = "\n".join(m for m in messages if isinstance(m, str)) \
            if isinstance(messages, list) else None
        return HookEvent(cli="codex", kind="stop", event="agent-turn-complete",
                         session_id=_s(d, "thread-id"), cwd=_s(d, "cwd"), prompt=prompt or None,
                         message=_s(d, "last-assistant-message"), raw=d)
    f = _common("codex", d, _s(d, "hook_event_name"), CODEX_KINDS)
    if f["kind"] == "post_tool":
        # PostToolUse also runs after a Bash command exits non-zero; the response says which.
        f["success"], error = _tool_outcome(f["tool_response"])
        if f["success"] is False:
            f["kind"], f["error"] = "post_tool_failure", error
    return HookEvent(**f)


def _parse_gemini(d: dict[str, Any]) -> HookEvent:
    f = _common("gemini", d, _s(d, "hook_event_name"), GEMINI_KINDS)
    f["message"] = _s(d, "prompt_response", "message")
    f["error"] = None
    if f["kind"] == "post_tool":
        response = f["tool_response"]
        problem = response.get("error") if isinstance(response, dict) else None
        if problem:
            f["kind"], f["success"] = "post_tool_failure", False
            f["error"] = problem if isinstance(problem, str) else \
                (_s(problem, "message") if isinstance(problem, dict) else None) or str(problem)
        else:
            f["success"] = True
    return HookEvent(**f)


def _parse_copilot(d: dict[str, Any]) -> HookEvent:
    event = event_name("copilot", d)
    args = d.get("tool_input", d.get("toolArgs"))
    if isinstance(args, str) and args[:1] in ("{", "["):
        try:
            args = json.loads(args)
        except (ValueError, RecursionError):
            pass
    kind = kind_of("copilot", event)
    error = d.get("error")
    error_text = error if isinstance(error, str) and error else \
        (_s(error, "message") if isinstance(error, dict) else None)
    success: bool | None = None
    result = d.get("tool_result", d.get("toolResult"))
    if kind == "post_tool":
        result_type = _s(result, "result_type", "resultType") if isinstance(result, dict) else None
        success = result_type in (None, "success")
        if not success:
            kind = "post_tool_failure"
            error_text = error_text or (_s(result, "text_result_for_llm", "textResultForLlm")
                                        if isinstance(result, dict) else None)
    elif kind == "post_tool_failure":
        success = False
    return HookEvent(
        cli="copilot", kind=kind, event=event, session_id=_s(d, "session_id", "sessionId"),
        transcript_path=_s(d, "transcript_path", "transcriptPath"), cwd=_s(d, "cwd"),
        tool_name=_s(d, "tool_name", "toolName"), tool_input=args, tool_response=result,
        success=success, error=error_text,
        prompt=_s(d, "prompt", "initial_prompt", "initialPrompt"), message=_s(d, "message"),
        reason=_s(d, "source", "reason", "trigger", "stop_reason", "stopReason"),
        agent=_s(d, "agent_name", "agentName"), raw=d)


# ---------------------------------------------------------------------------------------
# Answering: ``hook_output`` and ``carries_context`` live in ``journal.hookwire`` (the
# hook's fast path answers without importing this module) and are re-exported here.

# ---------------------------------------------------------------------------------------
# Settings files

def settings_path(cli: str, scope: str, project_dir: str | Path, home: str | Path,
                  env: Mapping[str, str] | None = None) -> Path:
    """The file ``journal hook install`` edits for ``cli`` at ``scope`` ("project" or "user").

    ``env`` (the environment) is consulted for CODEX_HOME and COPILOT_HOME, which move
    those CLIs' user directories.
    """
    from pathlib import Path

    _check_cli(cli)
    if scope not in ("project", "user"):
        raise HookInputError(f"Unknown scope {scope!r}: use 'project' or 'user'.")
    env = env or {}
    base = Path(project_dir) if scope == "project" else Path(home)
    if cli == "claude-code":
        return base / ".claude" / "settings.json"
    if cli == "gemini":
        return base / ".gemini" / "settings.json"
    if cli == "codex":
        if scope == "user" and env.get("CODEX_HOME"):
            return Path(env["CODEX_HOME"]) / "hooks.json"
        return base / ".codex" / "hooks.json"
    if scope == "project":
        return base / ".github" / "hooks" / "journal.json"
    if env.get("COPILOT_HOME"):
        return Path(env["COPILOT_HOME"]) / "hooks" / "journal.json"
    return base / ".copilot" / "hooks" / "journal.json"


def journal_entry(cli: str, event: str, command: str) -> dict[str, Any]:
    """The matcher group (or, for Copilot, the handler) journal installs for ``event``."""
    marked = _marked(command)
    if cli == "copilot":
        return {"type": "command", "bash": marked, "powershell": marked,
                "timeoutSec": TIMEOUT_SECONDS}
    handler: dict[str, Any]
    if cli == "gemini":
        handler = {"name": "journal", "type": "command", "command": marked,
                   "timeout": TIMEOUT_SECONDS * 1000, "description": "Journal this session"}
    else:
        handler = {"type": "command", "command": marked, "timeout": TIMEOUT_SECONDS}
    group: dict[str, Any] = {"matcher": "*"} if event in _TOOL_EVENTS[cli] else {}
    group["hooks"] = [handler]
    return group


def install_settings(cli: str, existing_text: str | None, command: str,
                     uninstall: bool = False) -> str:
    """The settings file's new text with journal's hook entries for ``cli`` merged in.

    ``existing_text`` is the file's text, or None when it does not exist. ``command`` is
    what the hooks run (for example ``journal hook claude-code``); it is stored followed by
    ``MARK``. Journal's own entries (marked, or running exactly ``command``) are added,
    updated or, with ``uninstall``, removed; nothing else changes, and a container left
    empty by a removal goes too. A second install returns the same text. Raises
    ``SettingsError`` when the text is not JSON (comments allowed) with objects where
    hooks live, and ``HookInputError`` for an unknown CLI or a multi-line command.
    """
    _check_cli(cli)
    command = command.strip()
    if command.endswith(MARK):
        command = command[: -len(MARK)].rstrip()
    if not command or "\n" in command or "\r" in command:
        raise HookInputError("The hook command must be one non-empty line.")
    if existing_text is None or not existing_text.strip():
        if uninstall:
            return existing_text or ""
        root: dict[str, Any] = {"version": 1} if cli == "copilot" else {}
        root["hooks"] = {e: [journal_entry(cli, e, command)] for e in HOOK_EVENTS[cli]}
        return json.dumps(root, indent=2, ensure_ascii=False) + "\n"

    tree = _Parser(existing_text).document()
    if tree.kind != "object":
        raise SettingsError(f"The {cli} settings file does not hold a JSON object.")
    ops = _plan(cli, tree, command, uninstall)
    if not ops:
        return existing_text
    target = _apply_ops(tree.value, ops)
    indent = _indent_unit(existing_text)
    newline = "\r\n" if "\r\n" in existing_text else "\n"
    try:
        text = _splice(existing_text, tree, ops, indent, newline)
        if _Parser(text).document().value == target:
            return text
    except _CannotSplice:
        pass
    return _render(target, "", indent, newline) + newline


def _marked(command: str) -> str:
    return f"{command} {MARK}"


def _is_journal_handler(handler: Any, command: str) -> bool:
    if not isinstance(handler, dict):
        return False
    for key in ("command", "bash", "powershell"):
        value = handler.get(key)
        if isinstance(value, str) and (value.rstrip().endswith(MARK) or value.strip() == command):
            return True
    return False


# A plan is a list of operations on paths into the settings document (a path is a tuple
# of object keys and array indexes):
#   ("delete", path)              remove the member or item at path
#   ("replace", path, value)      put value where the member or item at path is
#   ("append", path, value)       add value at the end of the array at path
#   ("add", path, key, value)     add member key: value at the end of the object at path

def _plan(cli: str, tree: _Node, command: str, uninstall: bool) -> list[tuple[Any, ...]]:
    root = tree.value
    hooks = root.get("hooks")
    if hooks is not None and not isinstance(hooks, dict):
        raise SettingsError(f"'hooks' in the {cli} settings file is not an object.")
    wanted = () if uninstall else HOOK_EVENTS[cli]
    ops: list[tuple[Any, ...]] = []
    if hooks is None:
        if wanted:
            ops.append(("add", (), "hooks", {e: [journal_entry(cli, e, command)] for e in wanted}))
        return ops

    deleted_events = 0
    for event, entries in hooks.items():
        if not isinstance(entries, list):
            if event in wanted:
                raise SettingsError(f"'hooks.{event}' in the {cli} settings file is not a list.")
            continue  # Gemini's "enabled"/"disabled" flags, other tools' keys
        path = ("hooks", event)
        found = _journal_places(cli, entries, command)
        keep = found[0] if (found and event in wanted) else None
        drop = [p for p in found if p != keep]
        event_ops, emptied = _drop(cli, path, entries, drop)
        if emptied:
            deleted_events += 1
        ops.extend(event_ops)
        if event in wanted:
            desired = journal_entry(cli, event, command)
            if keep is None:
                ops.append(("append", path, desired))
            else:
                want = desired if cli == "copilot" else desired["hooks"][0]
                kpath = path + keep
                if _get(root, kpath) != want:
                    ops.append(("replace", kpath, want))
    missing = [e for e in wanted if e not in hooks]
    for event in missing:
        ops.append(("add", ("hooks",), event, [journal_entry(cli, event, command)]))
    if hooks and deleted_events == len(hooks) and not missing:
        return [("delete", ("hooks",))]  # journal's entries were all there was
    return ops


def _journal_places(cli: str, entries: list[Any], command: str) -> list[tuple[int, ...]]:
    """Where journal's handlers are in one event's list: (item,) or (group, "hooks", i)."""
    places: list[tuple[int, ...]] = []
    for i, entry in enumerate(entries):
        if cli == "copilot":
            if _is_journal_handler(entry, command):
                places.append((i,))
        elif isinstance(entry, dict) and isinstance(entry.get("hooks"), list):
            places.extend((i, "hooks", j) for j, h in enumerate(entry["hooks"])  # type: ignore[misc]
                          if _is_journal_handler(h, command))
    return places


def _drop(cli: str, path: tuple[Any, ...], entries: list[Any],
          places: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], bool]:
    """Operations deleting ``places`` from one event's list, collapsing emptied groups."""
    if not places:
        return [], False
    gone_items: set[int] = set()
    ops: list[tuple[Any, ...]] = []
    if cli == "copilot":
        gone_items = {p[0] for p in places}
    else:
        by_group: dict[int, list[int]] = {}
        for p in places:
            by_group.setdefault(p[0], []).append(p[2])
        for gi, handler_indexes in by_group.items():
            if len(handler_indexes) == len(entries[gi]["hooks"]):
                gone_items.add(gi)
            else:
                ops.extend(("delete", path + (gi, "hooks", hi)) for hi in handler_indexes)
    if len(gone_items) == len(entries):
        return [("delete", path)], True
    ops.extend(("delete", path + (i,)) for i in sorted(gone_items))
    return ops, False


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _apply_ops(root: dict[str, Any], ops: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The document after ``ops``, on a copy. Paths are in the original's coordinates, so
    deletions come last, higher indexes first."""
    doc: dict[str, Any] = json.loads(json.dumps(root))
    for op in ops:
        if op[0] == "replace":
            _get(doc, op[1][:-1])[op[1][-1]] = json.loads(json.dumps(op[2]))
        elif op[0] == "append":
            _get(doc, op[1]).append(json.loads(json.dumps(op[2])))
        elif op[0] == "add":
            _get(doc, op[1])[op[2]] = json.loads(json.dumps(op[3]))
    deletes = sorted((op[1] for op in ops if op[0] == "delete"),
                     key=lambda path: [(0, -s) if isinstance(s, int) else (1, s) for s in path])
    for path in deletes:
        del _get(doc, path[:-1])[path[-1]]
    return doc


# ---------------------------------------------------------------------------------------
# A JSON reader that keeps where each value sits in the text, so edits can be spliced in
# and everything else is left byte for byte. It accepts // and /* */ comments.

class _CannotSplice(Exception):
    pass


class _Node:
    __slots__ = ("kind", "start", "end", "value", "items", "keys")

    def __init__(self, kind: str, start: int) -> None:
        self.kind = kind          # "object", "array" or "scalar"
        self.start = start
        self.end = start
        self.value: Any = None
        self.items: list[_Node] = []            # values of members, or array items
        self.keys: list[tuple[str, int]] = []   # objects: (name, offset of its quote)


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = (("true", True), ("false", False), ("null", None))
_MAX_DEPTH = 200
_DECODER = json.JSONDecoder()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> SettingsError:
        line = self.text.count("\n", 0, self.pos) + 1
        return SettingsError(f"The settings file is not valid JSON: {what} on line {line}.")

    def skip(self) -> None:
        """Past whitespace and comments."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c in " \t\r\n\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("an unclosed comment")
                self.pos = end + 2
            else:
                return

    def document(self) -> _Node:
        self.skip()
        node = self.value(0)
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("extra text after the value")
        return node

    def expect(self, char: str, what: str) -> None:
        if self.text[self.pos:self.pos + 1] != char:
            raise self.fail(what)
        self.pos += 1

    def string(self) -> str:
        try:
            value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        except ValueError:
            raise self.fail("a bad string") from None
        return str(value)

    def value(self, depth: int) -> _Node:
        if depth > _MAX_DEPTH:
            raise self.fail("values nested too deeply")
        text, start = self.text, self.pos
        c = text[start:start + 1]
        if c in ("{", "["):
            node = self.container(c, depth)
        else:
            node = _Node("scalar", start)
            if c == '"':
                node.value = self.string()
            else:
                for word, literal in _LITERALS:
                    if text.startswith(word, start):
                        node.value = literal
                        self.pos = start + len(word)
                        break
                else:
                    match = _NUMBER.match(text, start)
                    if not match:
                        raise self.fail("a value was expected")
                    number = match.group()
                    node.value = float(number) if any(ch in number for ch in ".eE") else int(number)
                    self.pos = match.end()
        node.end = self.pos
        return node

    def container(self, opening: str, depth: int) -> _Node:
        is_object = opening == "{"
        closing = "}" if is_object else "]"
        node = _Node("object" if is_object else "array", self.pos)
        node.value = {} if is_object else []
        self.pos += 1
        self.skip()
        if self.text[self.pos:self.pos + 1] != closing:
            while True:
                self.skip()
                if is_object:
                    if self.text[self.pos:self.pos + 1] != '"':
                        raise self.fail("a member name was expected")
                    key_at = self.pos
                    key = self.string()
                    if key in node.value:
                        raise self.fail(f"the name {key!r} appears twice")
                    self.skip()
                    self.expect(":", "':' was expected")
                    self.skip()
                    child = self.value(depth + 1)
                    node.keys.append((key, key_at))
                    node.value[key] = child.value
                else:
                    child = self.value(depth + 1)
                    node.value.append(child.value)
                node.items.append(child)
                self.skip()
                if self.text[self.pos:self.pos + 1] != ",":
                    break
                self.pos += 1
        self.expect(closing, f"',' or '{closing}' was expected")
        return node


def _indent_unit(text: str) -> str | int:
    """The indentation step of a JSON text: a tab, or a number of spaces (2 by default)."""
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and stripped[0] in "\"{[" and len(stripped) < len(line):
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else len(lead)
    return 2


def _index(node: _Node, step: Any) -> int:
    return [k for k, _ in node.keys].index(step) if node.kind == "object" else int(step)


def _node_at(tree: _Node, path: tuple[Any, ...]) -> _Node:
    node = tree
    for step in path:
        node = node.items[_index(node, step)]
    return node


def _child_span(parent: _Node, index: int) -> tuple[int, int]:
    """Where one member (name to value) or item of ``parent`` starts and ends."""
    child = parent.items[index]
    start = parent.keys[index][1] if parent.kind == "object" else child.start
    return start, child.end


def _line_indent(text: str, pos: int) -> str | None:
    """The whitespace before ``pos`` on its line, or None if something else precedes it."""
    lead = text[text.rfind("\n", 0, pos) + 1:pos]
    return lead if not lead.strip(" \t") else None


def _render(value: Any, base: str | None, unit: str | int, newline: str = "\n") -> str:
    """``value`` as JSON for a place indented by ``base`` (None: an inline place)."""
    if base is None:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", newline + base)


def _piece(key: str | None, value: Any, base: str | None, unit: str | int, newline: str) -> str:
    """One array item, or one ``"name": value`` member, rendered for its place."""
    rendered = _render(value, base, unit, newline)
    return rendered if key is None else json.dumps(key, ensure_ascii=False) + ": " + rendered


def _splice(text: str, tree: _Node, ops: list[tuple[Any, ...]], unit: str | int,
            newline: str) -> str:
    """``text`` with ``ops`` applied in place. Raises _CannotSplice for layouts it leaves.

    A deleted member or item takes the comma before it with it (or, leading a list, the
    one after), so deleting what an append added gives back the very bytes before it.
    """
    step = "\t" if unit == "\t" else " " * int(unit)
    deleted: dict[tuple[Any, ...], set[int]] = {}
    for op in ops:
        if op[0] == "delete":
            parent_path = op[1][:-1]
            parent = _node_at(tree, parent_path)
            deleted.setdefault(parent_path, set()).add(_index(parent, op[1][-1]))
    edits: list[tuple[int, int, str]] = []
    for parent_path, gone in deleted.items():
        parent = _node_at(tree, parent_path)
        count = len(parent.items)
        for i in sorted(gone):
            if any(j not in gone for j in range(i)):            # a survivor before it
                start, end = _child_span(parent, i - 1)[1], _child_span(parent, i)[1]
            elif any(j not in gone for j in range(i + 1, count)):   # in a leading run
                start, end = _child_span(parent, i)[0], _child_span(parent, i + 1)[0]
            else:                                                # everything goes
                start, end = parent.start + 1, parent.end - 1
            edits.append((start, end, ""))
    inserts: dict[tuple[Any, ...], list[tuple[str | None, Any]]] = {}
    for op in ops:
        if op[0] == "replace":
            node = _node_at(tree, op[1])
            base = _line_indent(text, node.start)
            edits.append((node.start, node.end, _render(op[2], base, unit, newline)))
        elif op[0] == "append":
            inserts.setdefault(op[1], []).append((None, op[2]))
        elif op[0] == "add":
            inserts.setdefault(op[1], []).append((op[2], op[3]))
    for path, values in inserts.items():
        container = _node_at(tree, path)
        gone = deleted.get(path, set())
        alive = [i for i in range(len(container.items)) if i not in gone]
        if alive:
            last_start, at = _child_span(container, alive[-1])
            base = _line_indent(text, last_start)
            sep = ", " if base is None else "," + newline + base
            edits.append((at, at, "".join(sep + _piece(k, v, base, unit, newline)
                                          for k, v in values)))
        elif container.items:
            raise _CannotSplice
        elif "\n" not in text.strip() and path:     # a one-line file: stay on one line
            body = ", ".join(_piece(k, v, None, unit, newline) for k, v in values)
            edits.append((container.start + 1, container.end - 1, body))
        else:
            line = text[text.rfind("\n", 0, container.start) + 1:container.start]
            outer = line[: len(line) - len(line.lstrip(" \t"))]
            base = outer + step
            body = ("," + newline + base).join(_piece(k, v, base, unit, newline)
                                              for k, v in values)
            edits.append((container.start + 1, container.end - 1,
                          newline + base + body + newline + outer))
    edits.sort(key=lambda e: (e[0], e[1]))
    for (s1, e1, _), (s2, _e2, _) in zip(edits, edits[1:]):
        if s2 < e1 or (s2 == s1 and e1 > s1):
            raise _CannotSplice
    out = text
    for start, end, piece in reversed(edits):
        out = out[:start] + piece + out[end:]
    return out
