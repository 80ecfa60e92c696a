"""Commands that show the journal outside the terminal: serve (a local web board) and export (a redacted bundle)."""
from __future__ import annotations

from typing import Optional

import typer

from journal.cli.common import err, out, print_json, workspace
from journal.cli.options import JsonOpt
from journal.web.server import DEFAULT_PORT


def serve(
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to listen on (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; any other than 127.0.0.1 lets others on the network read the workspace (a warning is printed)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the board in the default web browser."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Show secrets as written instead of [REDACTED:kind:hash]."),
    stale_hours: Optional[float] = typer.Option(None, "--stale-hours", help="Flag sessions idle longer than this (default: stale_hours setting, 24)."),
) -> None:
    """A read-only web board of the workspace at http://127.0.0.1:PORT/ that updates itself as files change; Ctrl+C stops it.

    Needs the web extra (pip install '.[web]' in a checkout). Example: journal serve --open
    """
    from journal.coordination.board import check_stale_hours
    from journal.parallel import serving
    from journal.web.server import Board

    check_stale_hours(stale_hours)  # (before the server starts)
    serving()
    ws = workspace()
    board = Board(ws, host=host, port=port, redact=not no_redact, stale_hours=stale_hours)
    if board.exposed:
        err(f"journal: warning: listening on {host}: anyone who can reach this machine on port {board.port} "
            "can read the workspace")
    if no_redact:
        err("journal: warning: --no-redact: pages show secrets as written")
    out(f"journal: serving {ws.root} at {board.url} (read-only; Ctrl+C stops)")
    import sys

    sys.stdout.flush()
    if open_browser:
        import threading
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(board.url,), daemon=True).start()
    board.run()


def export(
    session_id: str = typer.Argument(..., metavar="ID", help="The session to export (active or archived)."),
    out_path: Optional[str] = typer.Option(None, "--out", "-o", help="A new file or folder to write, or an existing directory to write into (default: ./ID.export.EXT)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="html (one page that opens offline), md, dir or tar.gz (default: from --out's name, else tar.gz)."),
    include_logs: bool = typer.Option(False, "--include-logs", help="Add the linked agent logs themselves, redacted (dir and tar.gz)."),
    as_json: bool = JsonOpt,
) -> None:
    """Write one session as a self-contained bundle with every secret redacted: its Markdown, events and agent-log summaries.

    Example: journal export session-12 --format html
    """
    from journal.web.export import export_session

    result = export_session(workspace(), session_id, out_path, fmt, include_logs)
    for w in result.warnings:
        err(f"journal: warning: {w}")
    if as_json:
        print_json(result.as_dict())
        return
    if result.redactions:
        kinds = ", ".join(f"{k} ×{n}" for k, n in result.redactions.items())
        found = f"{result.distinct} distinct secrets redacted ({kinds})"
    else:
        found = "no secret found"
    out(f"exported {result.session} → {result.path} ({result.format}, {_size(result.size)}): {found}")


def _size(n: int) -> str:
    for unit, size in (("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(export)
