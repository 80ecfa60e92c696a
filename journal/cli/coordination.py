"""Commands for coordinating sessions: message, broadcast, inbox, board, blockers, handoff, context."""
from __future__ import annotations

from typing import Any, List, Optional

import typer

from journal.cli import fastpath
from journal.cli.common import out, print_json, read_text_arg, session_id, workspace
from journal.cli.options import JsonOpt, SessionOpt, WideOpt

PriorityOpt = typer.Option("normal", "--priority", "-p", help="low, normal, high or urgent.")


def _sent(result: Any, ws: Any) -> None:
    target = "everyone" if result.broadcast else result.to
    out(f"sent to {target} ({result.priority}) from {result.sender}: message {result.id}")


def message(
    to: str = typer.Argument(..., metavar="TO", help="The active session to write to."),
    text: str = typer.Argument(..., help="The message; '-' reads it from stdin (multi-line)."),
    priority: str = PriorityOpt,
    session: Optional[str] = SessionOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Send a message to another session (recorded in your own log's Coordination).

    Example: journal message -s session-12 session-5 "Need help with database migration" --priority high
    """
    from journal.coordination.mail import check_priority, send_message

    sid = session_id(session)
    check_priority(priority)
    ws = workspace()
    result = send_message(ws, sid, to, read_text_arg(text, "message text"), priority)
    print_json(result.as_dict()) if as_json else _sent(result, ws)


def broadcast(
    text: str = typer.Argument(..., help="The message; '-' reads it from stdin (multi-line)."),
    priority: str = PriorityOpt,
    session: Optional[str] = SessionOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Send a message to every session.

    Example: journal broadcast -s session-12 "Email service ready for testing"
    """
    from journal.coordination.mail import broadcast as send, check_priority

    sid = session_id(session)
    check_priority(priority)
    ws = workspace()
    result = send(ws, sid, read_text_arg(text, "message text"), priority)
    print_json(result.as_dict()) if as_json else _sent(result, ws)


def inbox(
    ids: List[str] = typer.Argument(None, metavar="[MSG_ID]...", help="With --ack: only these messages (id, or its first/last 6+ characters)."),
    session: Optional[str] = SessionOpt,
    include_read: bool = typer.Option(False, "--all", help="Show read messages too."),
    ack: bool = typer.Option(False, "--ack", help="Mark the unread messages (or the MSG_IDs given) as read."),
    wide: bool = WideOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Messages to your session and broadcasts, newest first; unread ones marked with '●'.

    On a terminal, a table with each message on one line, cut to fit (--wide: every column);
    piped output has each message whole.

    Examples: journal inbox -s session-5 · journal inbox -s session-5 --ack · journal inbox -s session-5 --ack 01jf3k
    """
    fastpath.inbox(ids, session, include_read, ack, wide, as_json)


def board(
    stale_hours: Optional[float] = typer.Option(None, "--stale-hours", help="Flag sessions idle longer than this (default: stale_hours setting, 24)."),
    all_branches: bool = typer.Option(False, "--all-branches", help="Also active sessions on other local and remote-tracking branches and in other worktrees (read from git, nothing checked out)."),
    wide: bool = WideOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Every active session at a glance; what needs attention first.

    On a terminal the columns that fit are shown, most important first (--wide: all);
    piped output has every column in full.

    Example: journal board --stale-hours 8
    """
    fastpath.board(stale_hours, all_branches, wide, as_json)


def blockers(wide: bool = WideOpt, as_json: bool = JsonOpt) -> None:
    """Every open blocker across active sessions, oldest first.

    On a terminal long blockers are cut to fit (--wide: every column); piped output has them whole.

    Example: journal blockers
    """
    from journal import clock
    from journal.coordination.board import team_blockers
    from journal.cli.render import Col, age, table

    found = team_blockers(workspace())
    if as_json:
        print_json(found)
        return
    if not found:
        out("no open blockers")
        return
    now = clock.now()
    cols = [Col("SESSION", "id", 1), Col("AGE", "number", 2), Col("BLOCKER", "text", 3, 20, want=60),
            Col("ROLE", "text", 4, 10, want=16), Col("SINCE", "date", 5), Col("LOG", "path", 6, 16, want=40)]
    out(table([[b["session"] + ("" if b.get("adopted", True) else " (not adopted)"), age(clock.as_datetime(b["since"]), now) if b["since"] else "?", b["blocker"],
                b["role"], b["since"] or "", b["path"]] for b in found], cols, wide=wide))


def handoff(
    from_id: str = typer.Argument(..., metavar="FROM", help="The session being handed off."),
    new_id: Optional[str] = typer.Argument(None, metavar="[NEW_ID]", help="Id of the new session (default: generated)."),
    role: Optional[str] = typer.Option(None, "--role", help="Role of the new session (default: FROM's)."),
    mission: Optional[str] = typer.Option(None, "--mission", help="Mission of the new session (default: FROM's)."),
    archive: bool = typer.Option(False, "--archive", help="Archive FROM in the same step."),
    agent: Optional[str] = typer.Option(None, "--agent", help="The AI agent that owns the new session."),
    model: Optional[str] = typer.Option(None, "--model", help="The agent's model."),
    as_json: bool = JsonOpt,
) -> None:
    """Start a new session from FROM's unchecked Next Steps and open blockers, linked both ways.

    Example: journal handoff session-12 session-13 --archive
    """
    from journal.coordination.handoff import handoff as hand_over

    ws = workspace()
    result = hand_over(ws, from_id, new_id, role=role, mission=mission, archive=archive, agent=agent, model=model)
    if as_json:
        print_json(result)
        return
    out(f"created {result['to']}: {result['path']} (from {from_id}: {len(result['next_steps'])} next step(s), "
        f"{len(result['open_blockers'])} open blocker(s))")
    if archive:
        out(f"archived {from_id} → {result['from_path']}")


def context(
    session: Optional[str] = SessionOpt,
    max_chars: int = typer.Option(6000, "--max-chars", help="Keep the briefing under this many characters."),
    as_json: bool = JsonOpt,
) -> None:
    """The briefing to pick a session up: where it stands, its mail, and the learnings that matter.

    Example: journal context -s session-13 --max-chars 4000
    """
    from journal.coordination.context import briefing

    result = briefing(workspace(), session_id(session), max_chars)
    if as_json:
        print_json(result)
    else:
        out(result["markdown"].rstrip("\n"))


def register(app: typer.Typer) -> None:
    app.command()(message)
    app.command()(broadcast)
    app.command()(inbox)
    app.command()(board)
    app.command()(blockers)
    app.command()(handoff)
    app.command()(context)
