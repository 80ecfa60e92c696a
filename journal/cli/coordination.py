"""Commands for coordinating sessions: message, broadcast, inbox, board, blockers, handoff, context."""
from __future__ import annotations

from typing import Any, List, Optional

import typer

from journal.cli.common import out, print_json, read_text_arg, session_id, workspace
from journal.cli.options import JsonOpt, SessionOpt

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


def _indent(text: str, limit: int | None) -> str:
    lines = text.split("\n")
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + [f"… ({len(text.splitlines()) - limit} more lines; --json for all)"]
    return "\n".join("    " + line for line in lines)


def inbox(
    ids: List[str] = typer.Argument(None, metavar="[MSG_ID]...", help="With --ack: only these messages (id, or its first/last 6+ characters)."),
    session: Optional[str] = SessionOpt,
    include_read: bool = typer.Option(False, "--all", help="Show read messages too."),
    ack: bool = typer.Option(False, "--ack", help="Mark the unread messages (or the MSG_IDs given) as read."),
    as_json: bool = JsonOpt,
) -> None:
    """Messages to your session and broadcasts, newest first; unread ones marked with '●'.

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
    for m in messages:
        who = f"broadcast from {m.sender}" if m.broadcast else f"from {m.sender}"
        extra = (f" (to {m.via}, handed off)" if m.via else "") + (" [archived]" if m.sender_archived else "") \
            + (" (noted by hand)" if m.noted_by_hand else "")
        out(f"{'●' if m.unread else ' '} {m.sent}  {who}{extra}  ({m.priority})  {m.id}")
        out(_indent(m.text, 20))


def board(
    stale_hours: Optional[float] = typer.Option(None, "--stale-hours", help="Flag sessions idle longer than this (default: stale_hours setting, 24)."),
    as_json: bool = JsonOpt,
) -> None:
    """Every active session at a glance; what needs attention first.

    Example: journal board --stale-hours 8
    """
    from journal import clock
    from journal.coordination.board import board as rows_of
    from journal.cli.render import age, bar, table

    rows = rows_of(workspace(), stale_hours)
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
        blockers = str(r["open_blockers"]) + (f": {_short(r['blockers'][0], 40)}" if r["blockers"] else "")
        updated = f"{age(clock.as_datetime(r['updated']), now)} ago" if r["updated"] else "?"
        body.append([r["id"], r["role"], r["owner"], r["status"], bar(r["progress"]), _short(r["working_on"] or "", 40),
                     blockers, mail, updated, ", ".join(r["attention"]) or "ok"])
        styles.append("bold red" if r["score"] >= 4 else "yellow" if r["score"] else None)
    out(table(body, ["ID", "ROLE", "OWNER", "STATUS", "PROGRESS", "WORKING ON", "BLOCKERS", "UNREAD",
                     "UPDATED", "ATTENTION"], styles=styles))


def _short(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def blockers(as_json: bool = JsonOpt) -> None:
    """Every open blocker across active sessions, oldest first.

    Example: journal blockers
    """
    from journal import clock
    from journal.coordination.board import team_blockers
    from journal.cli.render import age, table

    found = team_blockers(workspace())
    if as_json:
        print_json(found)
        return
    if not found:
        out("no open blockers")
        return
    now = clock.now()
    out(table([[b["session"] + ("" if b.get("adopted", True) else " (not adopted)"),
                age(clock.as_datetime(b["since"]), now) if b["since"] else "?", b["blocker"]] for b in found],
              ["SESSION", "AGE", "BLOCKER"]))


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
