"""The command line: a thin layer of Typer commands over the library (``main`` is the entry point)."""
from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from journal.cli.main import main as run

    return run(argv)
