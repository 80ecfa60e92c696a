"""The command line: a thin layer of Typer commands over the library (``main`` is the entry point).

``journal hook <cli>`` runs on every tool call of an agent, so it is answered here, before
typer (or anything else heavy) is imported: see ``journal.cli.hook``.
"""
from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    Ctrl+C at any point, the start-up imports included, is one line on stderr and exit 130,
    never a traceback.
    """
    import sys

    try:
        args = sys.argv[1:] if argv is None else argv
        if "hook" in args:
            from journal.cli.hook import run as hook, wants_fast_path

            if wants_fast_path(args):
                return hook(args)
        from journal.cli.main import main as run

        return run(argv)
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """Say so once and give the exit code of an interrupted command (a second Ctrl+C is ignored)."""
    import signal
    import sys

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        pass
    try:
        sys.stderr.write("journal: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return 130
