"""The typer options that many commands share, and the global ones (--root, --debug, --version)."""
from __future__ import annotations

from typing import Optional

import typer

from journal.cli import common, fastpath

SessionOpt = typer.Option(
    None, "--session", "-s", help="The session to act in (default: $JOURNAL_SESSION)."
)
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of text.")
WideOpt = typer.Option(False, "--wide", help="On a terminal, show every column of the table, even when they do not all fit.")


def _version(value: bool) -> None:
    if value:
        fastpath.version()
        raise typer.Exit()


def global_options(
    root: Optional[str] = typer.Option(None, "--root", help="Workspace root (default: $JOURNAL_ROOT, .journal.toml, ./coordination)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Keep a Markdown log per work session; coordinate sessions; link machine logs."""
    common.set_root(root)
    # --debug is read by main() from the arguments, before any command runs.
