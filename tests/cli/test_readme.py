"""README.md's command reference names every command and subcommand, and no command the CLI lacks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_help import COMMANDS, names

README = Path(__file__).resolve().parents[2] / "README.md"


def reference() -> str:
    """The '## Command reference' section of the README."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Command reference\n")
    return text[start: text.index("\n## ", start + 1)]


def documented() -> tuple[set[tuple[str, ...]], list[str]]:
    """The command paths the reference's tables document, and the entries naming no command.

    Each row's first cell holds one or more code spans, each a command path and its
    arguments: `events query [-s ID|--all] ...`, or `archive ID` / `archive --idle-days N`.
    """
    paths: set[tuple[str, ...]] = set()
    unknown: list[str] = []
    for line in reference().splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = re.split(r"(?<!\\)\|", line)[1]
        for span in re.findall(r"`([^`]+)`", first_cell):
            path: tuple[str, ...] = ()
            for word in span.split():
                subcommands = getattr(COMMANDS[path], "commands", None)
                if subcommands is None:  # a command: the rest are its arguments
                    break
                if word not in subcommands:
                    unknown.append(span)
                    break
                path = (*path, word)
                paths.add(path)  # `events query` documents the group `events` too
    return paths, unknown


def test_the_reference_is_found_and_parsed() -> None:
    paths, _ = documented()
    assert {("init",), ("events", "query"), ("events", "restore"), ("logs", "refresh")} <= paths


@pytest.mark.parametrize("path", [p for p in COMMANDS if p], ids=names)
def test_command_is_in_the_readme_reference(path: tuple[str, ...]) -> None:
    paths, _ = documented()
    assert path in paths, f"README.md's command reference has no row for '{names(path)}'"


def test_the_readme_documents_no_command_the_cli_lacks() -> None:
    _, unknown = documented()
    assert unknown == []
