"""The command line: a thin layer of Typer commands over the library (``main`` is the entry point).

``journal hook <cli>`` runs on every tool call of an agent, so it is answered here, before
typer (or anything else heavy) is imported: see ``journal.cli.hook``.
"""
from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    if "hook" in args:
        from journal.cli.hook import run as hook, wants_fast_path

        if wants_fast_path(args):
            return hook(args)
    from journal.cli.main import main as run

    return run(argv)
