"""Every command and subcommand has help: a description, options that say what they do, a --help that shows them."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from journal.cli.main import build_app, main


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, click command) for ``command`` and every command and subcommand under it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


# The full app, as `journal --help` sees it: () is `journal` itself, ("events", "add") is `journal events add`.
COMMANDS = dict(walk(typer.main.get_command(build_app())))
PATHS = list(COMMANDS)


def is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def spoken(text: str) -> str:
    """``text`` with every run of white space one blank: help is re-wrapped to the terminal's width."""
    return " ".join(text.split())


def options(command: Any) -> list[str]:
    """Every spelling of every visible option: ['--session', '-s', '--json', ...]."""
    return [opt for p in command.params if p.param_type_name == "option" and not p.hidden
            for opt in (*p.opts, *p.secondary_opts)]


def names(path: tuple[str, ...]) -> str:
    return " ".join(("journal", *path))


def test_the_walk_reaches_every_subcommand() -> None:
    """A guard on the walk itself: the groups' subcommands are in it, not only the top level."""
    assert {("events", "query"), ("events", "schema"), ("logs", "link"), ("logs", "refresh"), ("check",)} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=names)
def test_command_has_help_text(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    assert (command.help or "").strip(), f"'{names(path)}' has no help text (a docstring, or help= for a group)"
    undocumented = [p.opts for p in command.params if p.param_type_name == "option" and not p.hidden and not p.help]
    assert undocumented == [], f"options of '{names(path)}' without help"


@pytest.mark.parametrize("path", PATHS, ids=names)
def test_help_shows_the_description_and_every_option(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    command = COMMANDS[path]
    capsys.readouterr()
    assert main([*path, "--help"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert captured.err == ""
    assert out.startswith(f"Usage: {names(path)} "), out
    description = spoken(command.help or "")
    assert description and description in spoken(out), f"'{names(path)} --help' does not show its help text"
    for opt in options(command):
        assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", out), f"'{names(path)} --help' does not name {opt}"
    if is_group(command):
        listed = out.split("\nCommands:\n", 1)[1]
        for name in command.commands:
            assert re.search(rf"^  {re.escape(name)}(?: |$)", listed, re.M), f"'{names(path)} --help' does not list {name}"


@pytest.mark.parametrize("path", [p for p in PATHS if len(p) == 1 and not is_group(COMMANDS[p])], ids=names)
def test_top_level_command_help_gives_an_example(path: tuple[str, ...]) -> None:
    assert "Example" in COMMANDS[path].help, f"'{names(path)}' help has no 'Example: journal …' line"
