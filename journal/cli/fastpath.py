"""The hottest commands without the command-line framework: ``--version``, ``add``, ``create``,
``sync``, ``merge-driver``, ``check`` (run by pre-commit hooks and CI on every commit), and
``board`` and ``inbox`` (what an agent looks at between steps).

Agents run these on every step, and loading Typer costs more than the work itself (from
typer 0.29 on it also loads pydantic to coerce each parameter). ``run`` takes a command
line only in its plain form, every value its own argument:

    journal [--root DIR] [--debug] add [-s ID | --session ID] SECTION TEXT
    journal [--root DIR] [--debug] create [ID [ROLE [MISSION]]] [--agent A] [--model M] [--json]
    journal [--root DIR] [--debug] sync [--remote R] [-m MSG] [-s ID] [--no-push] [--push-all] [--json]
    journal [--root DIR] [--debug] merge-driver BASE OURS THEIRS [PATH]
    journal [--root DIR] [--debug] check [--fix] [--json] [FILE...]
    journal [--root DIR] [--debug] board [--stale-hours HOURS] [--all-branches] [--wide] [--json]
    journal [--root DIR] [--debug] inbox [-s ID | --session ID] [--all] [--ack] [--wide] [--json] [MSG_ID...]
    journal --version

Anything else (help, ``--template``, an unknown or repeated option, a value that starts
with '-', ``--opt=value``, ``-sID``, ``--``, a missing or extra argument, hours written other
than as a plain decimal number, shell completion)
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

    from journal.cli.render import Col


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


def inbox(ids: Optional[list[str]], session: Optional[str], include_read: bool, ack: bool, wide: bool,
          as_json: bool) -> None:
    """``journal inbox``: messages to the session and broadcasts, newest first (``--ack`` marks them read)."""
    from journal.coordination.mail import acknowledge, inbox as read
    from journal.errors import InvalidInput

    sid = session_id(session)
    ws = workspace()
    if ids and not ack:
        raise InvalidInput("message ids are only taken with --ack (to mark them read)")
    if ack:
        done = acknowledge(ws, sid, ids or None)
        if as_json:
            print_json({"session": sid, "acknowledged": [m.as_dict() for m in done]})
        else:
            out(f"{sid}: acknowledged {len(done)} message(s)" if done else f"{sid}: nothing unread to acknowledge")
            for m in done:
                out(f"  {m.id}  from {m.sender}")
        return
    messages = read(ws, sid, include_read=include_read)
    if as_json:
        print_json([m.as_dict() for m in messages])
        return
    unread = sum(m.unread for m in messages)
    from journal.session.store import is_adopted

    sid_shown = sid if is_adopted(ws, sid) else f"{sid} (not adopted: 'journal adopt {sid}' before --ack)"
    if not messages:
        out(f"{sid_shown}: no unread messages" + ("" if include_read else " (--all shows read ones)"))
        return
    out(f"{sid_shown}: {unread} unread" + (f" of {len(messages)}" if include_read else ""))
    from journal.cli.render import terminal_width

    width = terminal_width()
    if width is not None:
        out(_inbox_table(messages, width, wide))
        return
    for m in messages:
        who = f"broadcast from {m.sender}" if m.broadcast else f"from {m.sender}"
        extra = (f" (to {m.via}, handed off)" if m.via else "") + (" [archived]" if m.sender_archived else "") \
            + (" (noted by hand)" if m.noted_by_hand else "")
        out(f"{'●' if m.unread else ' '} {m.sent}  {who}{extra}  ({m.priority})  {m.id}")
        out(_indent(m.text))


def board(stale_hours: Optional[float], all_branches: bool, wide: bool, as_json: bool) -> None:
    """``journal board``: every active session at a glance, what needs attention first."""
    from journal import clock
    from journal.coordination.board import board as rows_of
    from journal.cli.render import age, bar, table

    rows = rows_of(workspace(), stale_hours, all_branches=all_branches)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out("no active sessions")
        return
    now = clock.now()
    body, styles = [], []
    for r in rows:
        unread = r["unread_by_priority"]
        mail = str(r["unread"]) + (f" ({unread['urgent']} urgent)" if unread["urgent"] else
                                    f" ({unread['high']} high)" if unread["high"] else "")
        blockers = str(r["open_blockers"]) + (f": {r['blockers'][0]}" if r["blockers"] else "")
        updated = f"{age(clock.as_datetime(r['updated']), now)} ago" if r["updated"] else "?"
        body.append([r["id"], r["role"], r["owner"], r["status"], bar(r["progress"]), r["working_on"] or "",
                     blockers, mail, updated, ", ".join(r["attention"]) or "ok"]
                    + ([r.get("source", "here")] if all_branches else []))
        styles.append("bold red" if r["score"] >= 4 else "yellow" if r["score"] else None)
    out(table(body, _board_columns(all_branches), styles=styles, wide=wide))


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


def _inbox_table(messages: list[Any], width: int, wide: bool) -> str:
    """The inbox on a terminal: one message a line."""
    from journal.cli.render import Col, table

    cols = [Col("", "word", 1), Col("SENT", "date", 5), Col("FROM", "id", 2), Col("TO", "id", 7),
            Col("PRIORITY", "word", 4), Col("MESSAGE", "text", 3, 20, want=40), Col("ID", "id", 6)]
    rows = [["●" if m.unread else "", m.sent, m.sender + (" (archived)" if m.sender_archived else "")
             + (" (noted by hand)" if m.noted_by_hand else ""),
             "all" if m.broadcast else f"{m.via} (handed off)" if m.via else "you", m.priority, m.text, m.id]
            for m in messages]
    styles = [("bold red" if m.priority == "urgent" else "yellow" if m.priority == "high" else None)
              if m.unread else "dim" for m in messages]
    return table(rows, cols, styles=styles, wide=wide, width=width)


def _board_columns(all_branches: bool = False) -> list[Col]:
    """The board's columns; the most important (lowest priority numbers) stay on a narrow terminal."""
    from journal.cli.render import Col, percent_of_bar

    return [Col("ID", "id", 1), Col("ROLE", "text", 6, 14), Col("OWNER", "text", 10, 10), Col("STATUS", "word", 2),
            Col("PROGRESS", "number", 4, short=percent_of_bar), Col("WORKING ON", "text", 5, 16, want=30),
            Col("BLOCKERS", "text", 9, 24), Col("UNREAD", "number", 8), Col("UPDATED", "number", 7),
            Col("ATTENTION", "text", 3, 22)] + ([Col("WHERE", "text", 5, 12)] if all_branches else [])


class _Grammar(NamedTuple):
    run: Callable[..., None]
    arguments: tuple[str, ...]  # positional parameters, in order
    required: int  # how many of them must be given
    values: dict[str, str]  # option → parameter, for options that take one value
    flags: dict[str, str]  # option → parameter, for on/off flags
    defaults: dict[str, Any]
    variadic: Optional[str] = None  # the parameter that takes every positional argument, if any
    convert: Optional[dict[str, Callable[[str], Any]]] = None  # parameter → its value from the text


def _hours(text: str) -> float:
    """A plain decimal number of hours (``8``, ``1.5``); any other spelling is left to Typer."""
    if not text.replace(".", "", 1).isdigit() or not text.isascii():
        raise ValueError(text)
    return float(text)


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
    "board": _Grammar(board, (), 0, {"--stale-hours": "stale_hours"},
                      {"--all-branches": "all_branches", "--wide": "wide", "--json": "as_json"},
                      {"stale_hours": None, "all_branches": False, "wide": False, "as_json": False},
                      convert={"stale_hours": _hours}),
    "inbox": _Grammar(inbox, (), 0, {"-s": "session", "--session": "session"},
                      {"--all": "include_read", "--ack": "ack", "--wide": "wide", "--json": "as_json"},
                      {"ids": None, "session": None, "include_read": False, "ack": False, "wide": False,
                       "as_json": False}, variadic="ids"),
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
    for name, convert in (grammar.convert or {}).items():
        if isinstance(kwargs[name], str):
            try:
                kwargs[name] = convert(kwargs[name])
            except ValueError:
                return None
    if grammar.variadic is not None:
        kwargs[grammar.variadic] = positional or None
    elif not grammar.required <= len(positional) <= len(grammar.arguments):
        return None
    else:
        kwargs.update(zip(grammar.arguments, positional))
    return grammar.run, root, debug, kwargs


def run(args: Sequence[str]) -> Optional[int]:
    """Run a plain ``--version`` or one of the commands above and return its exit code; None
    when Typer must parse ``args``."""
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
