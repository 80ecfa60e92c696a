"""The hottest commands without the command-line framework: ``--version``, ``add``, ``create``,
``sync``, ``merge-driver`` and ``check`` (run by pre-commit hooks and CI on every commit).

Agents run these on every step, and loading Typer costs more than the work itself (from
typer 0.29 on it also loads pydantic to coerce each parameter). ``run`` takes a command
line only in its plain form, every value its own argument:

    journal [--root DIR] [--debug] add [-s ID | --session ID] SECTION TEXT
    journal [--root DIR] [--debug] create [ID [ROLE [MISSION]]] [--agent A] [--model M] [--json]
    journal [--root DIR] [--debug] sync [--remote R] [-m MSG] [-s ID] [--no-push] [--push-all] [--json]
    journal [--root DIR] [--debug] merge-driver BASE OURS THEIRS [PATH]
    journal [--root DIR] [--debug] check [--fix] [--json] [FILE...]
    journal --version

Anything else (help, ``--template``, an unknown or repeated option, a value that starts
with '-', ``--opt=value``, ``-sID``, ``--``, a missing or extra argument, shell completion)
returns None, and the Typer app parses the whole line, so help and usage errors have one
source. The Typer commands call the same functions, so both ways do and print the same.
This module imports neither typer nor any library module until a command runs.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from journal import __version__
from journal.cli.common import out, print_json, read_text_arg, session_id, set_root, workspace

if TYPE_CHECKING:  # for annotations only: --version imports no more than it needs
    from collections.abc import Callable, Sequence
    from pathlib import Path


def version() -> None:
    out(f"journal {__version__}")


def add(section: str, text: str, session: Optional[str]) -> None:
    from journal.session.edits import add_entry

    sid = session_id(session)
    result = add_entry(workspace(), sid, section, read_text_arg(text))
    out(f"added to {sid} › {result['section']}")


def create(session: Optional[str], role: Optional[str], mission: Optional[str], agent: Optional[str],
           model: Optional[str], template: Optional[Path], as_json: bool) -> None:
    from journal.session.store import create_session

    ws = workspace()
    ref = create_session(ws, session, role, mission, agent=agent, model=model, template=template)
    if as_json:
        print_json({"id": ref.id, "path": str(ref.path)})
    else:
        out(f"created {ref.id}: {ws.rel(ref.path)}")


def sync(remote: str, message: Optional[str], no_push: bool, push_all: bool, session: Optional[str],
         as_json: bool) -> None:
    from journal.cli.sync import run_sync

    run_sync(remote, message, no_push, push_all, session, as_json)


def merge_driver(base: str, ours: str, theirs: str, path: Optional[str]) -> None:
    from journal.cli.sync import run_merge_driver

    run_merge_driver(base, ours, theirs, path)


def check(fix: bool, as_json: bool, files: Optional[list[str]] = None) -> None:
    """``journal check``: one line per problem; exit 1 (CheckFailed) when one is not a note.

    ``files`` (what pre-commit passes: the staged files) limit the report to problems of
    those files; the workspace is checked whole either way, from its cache.
    """
    from journal.errors import CheckFailed
    from journal.session.check import check_workspace, only_files

    ws = workspace()
    if files:  # what the report is limited to must be there, and the repository's (or the workspace's)
        import os

        from journal.errors import InvalidInput
        from journal.fsutil import within

        folders = [os.path.realpath(p) for p in (ws.git_root, ws.root) if p is not None]
        for f in files:
            if not os.path.lexists(f):
                raise InvalidInput(f"{f} does not exist")
            if not any(within(os.path.realpath(f), folder) for folder in folders):
                raise InvalidInput(f"{f} is outside the repository: check reports only the workspace's files")
    problems = check_workspace(ws, fix=fix)
    if files:
        problems = only_files(ws, problems, files)
    if as_json:
        print_json([p.as_dict() for p in problems])
    else:
        for p in problems:
            out(str(p))
    failed = [p for p in problems if not (p.note or p.fixed)]
    if failed:
        raise CheckFailed(f"{len(failed)} problem(s) found")
    if not as_json:
        notes = sum(p.note for p in problems)
        out("ok: no problems found" + (f" ({notes} note{'s' if notes != 1 else ''})" if notes else ""))


class _Grammar(NamedTuple):
    run: Callable[..., None]
    arguments: tuple[str, ...]  # positional parameters, in order
    required: int  # how many of them must be given
    values: dict[str, str]  # option → parameter, for options that take one value
    flags: dict[str, str]  # option → parameter, for on/off flags
    defaults: dict[str, Any]
    variadic: Optional[str] = None  # the parameter that takes every positional argument, if any


_GRAMMARS = {
    "add": _Grammar(add, ("section", "text"), 2, {"-s": "session", "--session": "session"}, {},
                    {"session": None}),
    "create": _Grammar(create, ("session", "role", "mission"), 0, {"--agent": "agent", "--model": "model"},
                       {"--json": "as_json"},
                       {"session": None, "role": None, "mission": None, "agent": None, "model": None,
                        "template": None, "as_json": False}),
    "sync": _Grammar(sync, (), 0, {"--remote": "remote", "-m": "message", "--message": "message",
                                   "-s": "session", "--session": "session"},
                     {"--no-push": "no_push", "--push-all": "push_all", "--json": "as_json"},
                     {"remote": "origin", "message": None, "no_push": False, "push_all": False, "session": None,
                      "as_json": False}),
    "merge-driver": _Grammar(merge_driver, ("base", "ours", "theirs", "path"), 3, {}, {}, {"path": None}),
    "check": _Grammar(check, (), 0, {}, {"--fix": "fix", "--json": "as_json"},
                      {"fix": False, "as_json": False, "files": None}, variadic="files"),
}


def _is_value(arg: str) -> bool:
    """An argument the parser takes as a value, never as an option ('-' alone means stdin)."""
    return arg == "-" or not arg.startswith("-")


def parse(args: Sequence[str]) -> Optional[tuple[Callable[..., None], Optional[str], bool, dict[str, Any]]]:
    """(command, --root, --debug, keyword arguments) for a plain command line; None for any other."""
    root: Optional[str] = None
    debug = False
    i = 0
    while i < len(args) and args[i].startswith("-"):  # global options, before the command
        arg = args[i]
        if arg == "--root" and root is None and i + 1 < len(args) and not args[i + 1].startswith("-"):
            root = args[i + 1]
            i += 2
        elif arg == "--debug" and not debug:
            debug = True
            i += 1
        else:
            return None
    if i == len(args) or args[i] not in _GRAMMARS:
        return None
    grammar = _GRAMMARS[args[i]]
    kwargs = dict(grammar.defaults)
    seen: set[str] = set()
    positional: list[str] = []
    rest = args[i + 1:]
    j = 0
    while j < len(rest):
        arg = rest[j]
        if _is_value(arg):
            positional.append(arg)
            j += 1
        elif arg in grammar.values and grammar.values[arg] not in seen and j + 1 < len(rest) \
                and not rest[j + 1].startswith("-"):
            seen.add(grammar.values[arg])
            kwargs[grammar.values[arg]] = rest[j + 1]
            j += 2
        elif arg in grammar.flags and grammar.flags[arg] not in seen:
            seen.add(grammar.flags[arg])
            kwargs[grammar.flags[arg]] = True
            j += 1
        else:
            return None
    if grammar.variadic is not None:
        kwargs[grammar.variadic] = positional or None
    elif not grammar.required <= len(positional) <= len(grammar.arguments):
        return None
    else:
        kwargs.update(zip(grammar.arguments, positional))
    return grammar.run, root, debug, kwargs


def run(args: Sequence[str]) -> Optional[int]:
    """Run a plain ``--version``, ``add``, ``create``, ``sync`` or ``merge-driver`` and return its
    exit code; None when Typer must parse ``args``."""
    if "_JOURNAL_COMPLETE" in os.environ:  # a shell-completion request
        return None
    if list(args) == ["--version"]:
        version()
        return 0
    parsed = parse(args)
    if parsed is None:
        return None
    command, root, _debug, kwargs = parsed  # --debug is read by main() from the arguments
    set_root(root)
    command(**kwargs)
    return 0
