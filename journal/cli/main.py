"""The command line: a thin layer of Typer commands over the library.

``main()`` is the single exit point: it maps every JournalError to one line on
stderr and its exit code (tracebacks only with --debug). Start-up time is a
feature here: plain ``--version``, ``add``, ``create``, ``sync``, ``merge-driver`` and ``check`` lines run without
typer (``journal.cli.fastpath``), and for the others only the command module a
run needs is imported.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Optional

from journal.cli import common, fastpath

if TYPE_CHECKING:
    import typer

# Command-group modules under journal.cli, each with register(app).
MODULES = ("session", "coordination", "events", "logs", "web", "agents")
# Top-level command → the module that registers it (a test keeps this complete).
ROUTES = {
    **dict.fromkeys(("init", "create", "update", "add", "resolve", "share-learning", "archive", "restore",
                     "list", "show", "edit", "grep", "check", "sync", "merge-driver", "adopt"), "session"),
    **dict.fromkeys(("message", "broadcast", "inbox", "board", "blockers", "handoff", "context"),
                    "coordination"),
    "events": "events",
    "logs": "logs",
    **dict.fromkeys(("serve", "export"), "web"),
    **dict.fromkeys(("hook", "mcp", "agents-md"), "agents"),
}
_VALUE_OPTIONS = {"--root"}


def command_name(args: list[str]) -> Optional[str]:
    """The top-level command in ``args``, skipping global options."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_app(args: Optional[list[str]] = None) -> typer.Typer:
    """The Typer app with the commands ``args`` need (all of them when unknown or for help)."""
    import typer

    from journal.cli.options import global_options

    app = typer.Typer(name="journal", help="A Markdown-first session journal and coordination kit.",
                      no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.callback()(global_options)
    name = command_name(args) if args is not None else None
    wanted = [ROUTES[name]] if name in ROUTES else list(MODULES)
    for module_name in wanted:
        try:
            module = __import__(f"journal.cli.{module_name}", fromlist=["register"])
        except ModuleNotFoundError as e:
            if e.name != f"journal.cli.{module_name}":
                raise
            continue
        module.register(app)
    if name in ROUTES:  # build only the one command this run executes
        app.registered_commands = [c for c in app.registered_commands if _command_name(c) == name]
    return app


def _command_name(info: Any) -> str:
    return info.name or info.callback.__name__.replace("_", "-")


def __getattr__(name: str) -> Any:
    if name == "app":  # the full app, for CliRunner and documentation tools
        return build_app()
    raise AttributeError(name)


def _tune_gc() -> None:
    """Collect reference cycles less often than Python's default (every 700 new objects).

    What a command builds from a big history (digests, caches, the coordination view) is
    millions of objects in no cycle, and the default collector walks them again and
    again: on 22,000 sessions that was a third of a warm ``board`` and 1.8 s of the
    first. A young generation of 50,000 objects keeps the pauses short and still frees
    cycles (the long-running ``mcp`` and ``serve`` processes start here too).
    """
    import gc

    if gc.get_threshold()[0] < 50_000:
        gc.set_threshold(50_000, 20, 20)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the CLI; return the exit code."""
    from journal.errors import JournalError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    _tune_gc()
    try:
        _check_args(args)
        code = fastpath.run(args)
        code = _run_app(args) if code is None else code
        if code == 0:
            _auto_commit(args)
        return code
    except JournalError as e:
        if debug:
            raise
        common.err(f"journal: error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        from journal.cli import interrupted

        return interrupted()
    except BrokenPipeError:
        return 0
    except OSError as e:  # the system refused (disk full, permissions, a name too long...)
        if debug:
            raise
        where = f": {e.filename}" if e.filename else ""
        common.err(f"journal: error: {e.strerror or e}{where}")
        return 2
    except Exception as e:
        if debug:
            raise
        common.err(f"journal: internal error: {type(e).__name__}: {e} (run with --debug for the traceback)")
        return 70


def _check_args(args: list[str]) -> None:
    """Refuse an argument that is not text: bytes that are not UTF-8 reach Python as lone
    surrogates, which no file journal writes can hold."""
    from journal.errors import InvalidInput

    for i, a in enumerate(args, 1):
        try:
            a.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidInput(f"argument {i} is not valid UTF-8 (byte {e.start + 1} of it)") from None


# Commands that change the journal (with these subcommands or options): auto_commit commits after them.
_CHANGES = {"create": None, "update": None, "add": None, "resolve": None, "share-learning": None, "archive": None,
            "restore": None, "message": None, "broadcast": None, "handoff": None, "edit": None,
            "inbox": ("--ack",), "check": ("--fix",), "events": ("add", "archive", "restore"),
            "logs": ("link", "refresh", "--attach")}
_BY_POSITION = ("create", "archive", "restore", "handoff", "edit")  # the session is the first argument


def _auto_commit(args: list[str]) -> None:
    """With ``auto_commit = true``, commit what a changing command wrote, with a message
    naming the action and the session (through a temporary index: the user's staging is
    untouched). A failure is a warning: the change itself is done."""
    import os

    ws = common._STATE.get("workspace")
    name = command_name(args)
    if ws is None or not ws.config.auto_commit or name not in _CHANGES or ws.git_root is None:
        return
    words = args[args.index(name) + 1:]
    wanted = _CHANGES[name]
    if wanted is not None and not any(w in words for w in wanted):
        return
    action = name + (f" {words[0]}" if name in ("events", "logs") and words else "")
    session = None
    for flag in ("-s", "--session"):
        if flag in words and words.index(flag) + 1 < len(words):
            session = words[words.index(flag) + 1]
    if session is None and name in _BY_POSITION:
        session = next((w for w in words if not w.startswith("-")), None)
    session = session or os.environ.get("JOURNAL_SESSION") or None
    from journal.coordination.sync import auto_commit
    from journal.errors import JournalError

    try:
        auto_commit(ws, action, session)
    except JournalError as e:
        common.err(f"journal: warning: auto_commit did not commit: {e}")


def usage_error_line(e: Exception) -> str:
    """A usage error of the command-line parser as the one line every error is:
    ``journal: error: …``, and a pointer to the command's --help when it has one."""
    message = " ".join(str(getattr(e, "format_message", lambda: str(e))()).split())
    ctx = getattr(e, "ctx", None)
    pointer = ""
    if ctx is not None:
        try:
            if ctx.command.get_help_option(ctx) is not None:
                pointer = f" (see '{ctx.command_path} {ctx.help_option_names[0]}')"
        except Exception:  # noqa: BLE001 - the pointer is a courtesy
            pointer = ""
    return f"journal: error: {message}{pointer}"


def _run_app(args: list[str]) -> int:
    """Parse and run ``args`` with the Typer app; a usage error is one line on stderr, exit 2."""
    import typer

    app = build_app(args)
    try:
        result = app(args=args, prog_name="journal", standalone_mode=False)
    except typer.Exit as e:
        if isinstance(e.__cause__, KeyboardInterrupt):  # typer's answer to Ctrl+C in a command
            from journal.cli import interrupted

            return interrupted()
        return e.exit_code
    except typer.TyperException as e:  # usage errors from the command-line parser
        common.err(usage_error_line(e))
        return int(getattr(e, "exit_code", 2) or 2)
    except typer.Abort:
        from journal.cli import interrupted

        return interrupted()
    if result == 130:  # typer's answer to Ctrl+C inside a command: Exit(130), returned here
        from journal.cli import interrupted

        return interrupted()
    return result if isinstance(result, int) else 0
