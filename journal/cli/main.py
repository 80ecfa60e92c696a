"""The command line: a thin layer of Typer commands over the library.

``main()`` is the single exit point: it maps every JournalError to one line on
stderr and its exit code (tracebacks only with --debug). Only the command
module a run needs is imported, because start-up time is a feature here.
"""
from __future__ import annotations

import sys
from typing import Any, Optional

import typer

from journal import __version__
from journal.cli import options

# Command-group modules under journal.cli, each with register(app).
MODULES = ("session", "coordination", "events", "logs", "agents")
# Top-level command → the module that registers it (a test keeps this complete).
ROUTES = {
    **dict.fromkeys(("init", "create", "update", "add", "resolve", "share-learning", "archive", "restore",
                     "list", "show", "edit", "grep", "check", "sync"), "session"),
    **dict.fromkeys(("message", "broadcast", "inbox", "board", "blockers", "handoff", "context"),
                    "coordination"),
    "events": "events",
    "logs": "logs",
    **dict.fromkeys(("hook", "mcp", "agents-md"), "agents"),
}
_VALUE_OPTIONS = {"--root"}


def _version(value: bool) -> None:
    if value:
        options.out(f"journal {__version__}")
        raise typer.Exit()


def _root(
    root: Optional[str] = typer.Option(None, "--root", help="Workspace root (default: $JOURNAL_ROOT, .journal.toml, ./coordination)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Keep a Markdown log per work session; coordinate sessions; link machine logs."""
    options.set_root(root)
    # --debug is read by main() from the arguments, before any command runs.


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
    app = typer.Typer(name="journal", help="A Markdown-first session journal and coordination kit.",
                      no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.callback()(_root)
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


def main(argv: Optional[list[str]] = None) -> int:
    """Run the CLI; return the exit code."""
    from journal.errors import JournalError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    app = build_app(args)
    try:
        result = app(args=args, prog_name="journal", standalone_mode=False)
    except JournalError as e:
        if debug:
            raise
        options.err(f"journal: error: {e}")
        return e.exit_code
    except typer.Exit as e:
        return e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        options.err("journal: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # the system refused (disk full, permissions, a name too long...)
        if debug:
            raise
        where = f": {e.filename}" if e.filename else ""
        options.err(f"journal: error: {e.strerror or e}{where}")
        return 2
    except Exception as e:  # usage errors from the command-line parser
        from typer._click.exceptions import ClickException

        if isinstance(e, ClickException):
            e.show()
            return e.exit_code
        if debug:
            raise
        options.err(f"journal: internal error: {type(e).__name__}: {e} (run with --debug for the traceback)")
        return 70
    return result if isinstance(result, int) else 0
