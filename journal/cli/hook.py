"""``journal hook <cli>``: what an agent CLI's hooks run, on every step of the agent.

``journal.cli.main`` (the console entry point) sends ``journal hook claude-code|codex|
gemini|copilot`` here before typer is imported. The common events — PreToolUse,
PostToolUse, PostToolUseFailure, UserPromptSubmit, Notification — take the fast path:
the standard library's ``json``, ``os`` and ``fcntl`` and a few small journal modules,
one read of the session index and one locked append to the session's spool
(``journal.events.spool``), which the event store turns into events on its next read.
SessionStart and Stop/SessionEnd, and a prompt while other logs have changed (there may
be messages to hand over), go on to ``journal.coordination.agent_hooks``.

Whatever happens, the answer is the one the CLI reads as "continue" (exit 0, and the
stdout that CLI expects); a problem is one line on stderr. A payload that cannot be read
still becomes an ``x-hook-unparsed`` event when its session is known; with no session
to journal into (no workspace, no mapping, no $JOURNAL_SESSION), nothing is written.
"""
from __future__ import annotations

import json
import os
import sys

from journal.hookwire import (
    CLIS, carries_context, event_name, hook_output, kind_of, provider_session,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only
    from collections.abc import Mapping
    from typing import Any, BinaryIO, TextIO

MAX_PAYLOAD_BYTES = 64 * 1024 * 1024
SLOW = ("session_start", "stop", "session_end")
DELIVER = {"user_prompt": False, "post_tool": True, "post_tool_failure": True}
"""Kinds on which messages are handed over: False for every unread one, True for urgent ones."""


def wants_fast_path(args: list[str]) -> bool:
    """Whether ``args`` are a hook run (``[--root DIR] hook <cli> [...]``, no ``--help``)."""
    rest = _after_globals(args)
    return (len(rest) >= 2 and rest[0] == "hook" and rest[1] in CLIS
            and not any(a in ("--help", "-h") for a in rest))


def _after_globals(args: list[str]) -> list[str]:
    i = 0
    while i < len(args):
        if args[i] == "--root":
            i += 2
        elif args[i].startswith("--root="):
            i += 1
        elif args[i] == "--debug":
            i += 1
        else:
            break
    return args[i:]


def _root_option(args: list[str]) -> str | None:
    """The global ``--root DIR`` given before ``hook``, if any."""
    root = None
    globals_ = args[: len(args) - len(_after_globals(args))]
    for i, a in enumerate(globals_):
        if a == "--root" and i + 1 < len(globals_):
            root = globals_[i + 1]
        elif a.startswith("--root="):
            root = a.split("=", 1)[1]
    return root


def run(args: list[str], stdin: BinaryIO | None = None, stdout: TextIO | None = None,
        env: Mapping[str, str] | None = None, cwd: str | None = None) -> int:
    """Answer one hook run (``args`` as after ``journal``); always exit code 0."""
    env = os.environ if env is None else env
    stdout = sys.stdout if stdout is None else stdout
    rest = _after_globals(args)
    cli = rest[1]
    extra = rest[2:]
    kind, context = "unknown", None
    try:
        if extra and extra[-1].lstrip().startswith("{"):
            raw = extra[-1].encode("utf-8", "surrogateescape")  # Codex's `notify` argument
        else:
            source = sys.stdin.buffer if stdin is None else stdin
            raw = b"" if source.isatty() else source.read(MAX_PAYLOAD_BYTES + 1)
        kind, context = handle(cli, raw, _root_option(args), env, cwd)
    except Exception as e:  # never break the agent: say it once on stderr and continue
        _complain(e, env)
    text, _code = hook_output(cli, kind, context)
    try:
        if text:
            stdout.write(text + "\n")
        stdout.flush()
    except OSError:
        pass
    return 0


def _complain(e: BaseException, env: Mapping[str, str]) -> None:
    try:
        sys.stderr.write(f"journal: hook: {type(e).__name__}: {e}\n")
        if env.get("JOURNAL_HOOK_DEBUG"):
            import traceback

            traceback.print_exception(e)
    except OSError:
        pass


def _read(raw: bytes, cli: str) -> tuple[dict[str, Any] | None, str | None]:
    """The payload as a JSON object, or None and why it is not one."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        return None, f"payload larger than {MAX_PAYLOAD_BYTES} bytes"
    if not raw.strip():
        return None, "empty payload"
    try:
        body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw  # a BOM, without the codec's import
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as e:
        return None, f"not UTF-8 ({e.reason})"
    except RecursionError:
        return None, "nested too deeply"
    except ValueError as e:
        return None, f"not JSON ({e})"
    if not isinstance(data, dict):
        return None, "JSON but not an object"
    return data, None


def _session(root: str, cli: str, provider: str | None, env: Mapping[str, str]) -> str | None:
    """$JOURNAL_SESSION, else the session the index maps the CLI's session to."""
    from journal.errors import InvalidInput
    from journal.ids import validate_id

    wanted = env.get("JOURNAL_SESSION")
    if wanted:
        try:
            return validate_id(wanted)
        except InvalidInput:
            return None
    if not provider:
        return None
    from journal.hookstate import lookup

    entry = lookup(root, cli, provider)
    if entry is None:
        return None
    try:
        return validate_id(entry["session"])
    except InvalidInput:
        return None


def handle(cli: str, raw: bytes, root: str | None, env: Mapping[str, str],
           cwd: str | None = None) -> tuple[str, str | None]:
    """(the kind of hook this was, the context to hand the agent or None)."""
    from journal.events import spool
    from journal.rootfind import find_root

    data, problem = _read(raw, cli)
    event = event_name(cli, data) if data is not None else None
    kind = kind_of(cli, event)
    workspace = find_root(root, cwd, env)
    if not os.path.isdir(os.path.join(workspace, "sessions", "ACTIVE")):
        return kind, None  # no journal here: nothing to do, and no error either

    def line() -> bytes:
        """The spool record of this payload, stamped now."""
        if data is None:
            return spool.record(cli, raw=raw[:spool.MAX_RAW_TEXT], error=problem, env=env)
        body = raw if len(raw) <= spool.MAX_PAYLOAD else spool.shrink(data)
        return spool.record(cli, body, env=env)

    if kind == "session_start":
        from journal.coordination.agent_hooks import session_start

        return kind, session_start(workspace, cli, data, line, env)
    sid = _session(workspace, cli, provider_session(cli, data) if data else None, env)
    if sid is None:
        return kind, None  # no session to journal into
    spool.append(workspace, sid, line())
    if kind in SLOW:
        from journal.coordination.agent_hooks import finish

        finish(workspace, cli, sid, data)
        return kind, None
    if kind in DELIVER and carries_context(cli, kind):
        from journal import hookstate

        urgent = DELIVER[kind]
        every = 15.0 if urgent else 0.0
        if hookstate.mail_due(workspace, sid, "urgent" if urgent else "prompt", every):
            from journal.coordination.agent_hooks import deliver

            return kind, deliver(workspace, sid, urgent)
    return kind, None
