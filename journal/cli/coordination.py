"""Commands for coordinating sessions: message, broadcast, inbox, board, blockers, handoff, context."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional

import typer

from journal.cli.common import out, print_json, read_text_arg, session_id, workspace
from journal.cli.options import JsonOpt, SessionOpt, WideOpt

if TYPE_CHECKING:
    from journal.cli.render import Col

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


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


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
