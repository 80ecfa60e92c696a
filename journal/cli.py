"""The command line: a thin layer of Typer commands over the library.

``main()`` is the single exit point: it maps every JournalError to one line on
stderr and its exit code (tracebacks only with --debug).
"""
from __future__ import annotations

import sys
from typing import Optional

import typer

from journal import __version__
from journal.commands import common

app = typer.Typer(
    name="journal",
    help="A Markdown-first session journal and coordination kit.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        common.out(f"journal {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    root: Optional[str] = typer.Option(None, "--root", help="Workspace root (default: $JOURNAL_ROOT, .journal.toml, ./coordination)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Keep a Markdown log per work session; coordinate sessions; link machine logs."""
    common.set_root(root)
    common._STATE["debug"] = debug


def _register() -> None:
    from journal.commands import journal_cmds

    journal_cmds.register(app)
    for name in ("coordination_cmds", "events_cmds", "logs_cmds", "extra_cmds"):
        try:
            module = __import__(f"journal.commands.{name}", fromlist=["register"])
        except ModuleNotFoundError as e:
            if e.name != f"journal.commands.{name}":
                raise
            continue
        module.register(app)


_register()


def main(argv: Optional[list[str]] = None) -> int:
    """Run the CLI; return the exit code."""
    from journal.errors import JournalError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="journal", standalone_mode=False)
    except JournalError as e:
        if debug:
            raise
        common.err(f"journal: error: {e}")
        return e.exit_code
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        common.err("journal: interrupted")
        return 130
    except KeyboardInterrupt:
        common.err("journal: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # click usage errors
        from typer._click.exceptions import ClickException

        if isinstance(e, ClickException):
            e.show()
            return e.exit_code
        if debug:
            raise
        common.err(f"journal: internal error: {type(e).__name__}: {e} (run with --debug for the traceback)")
        return 70
    return result if isinstance(result, int) else 0
