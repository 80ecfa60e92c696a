"""`journal events ...`: the session's native machine event log."""
from __future__ import annotations

import sys
from typing import Any, List, Optional

import typer

from journal.cli.common import err, out, print_json, session_id, workspace
from journal.cli.options import JsonOpt, SessionOpt
from journal.errors import InvalidInput

events_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

AllOpt = typer.Option(False, "--all", help="Every session's log, merged by time.")


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events", help="Append to and query the sessions' machine event logs (JSONL).")


def _json_arg(value: Optional[str], what: str, kind: type | None = None) -> Any:
    """Parse JSON given on the command line ('-' reads stdin)."""
    if value is None:
        return None
    from journal.events.schema import parse_json

    return parse_json(sys.stdin.read() if value == "-" else value, what, kind)


def _items(values: List[str], what: str) -> Optional[list[Any]]:
    """Each value is one JSON object, or a JSON array of them."""
    if not values:
        return None
    items: list[Any] = []
    for v in values:
        parsed = _json_arg(v, what)
        items += parsed if isinstance(parsed, list) else [parsed]
    return items


def _scope(session: Optional[str], all_sessions: bool) -> Optional[str]:
    if all_sessions:
        if session:
            raise InvalidInput("give either -s ID or --all, not both")
        return None
    return session_id(session)


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        err(f"journal: warning: {w}")


def _summary(event: dict[str, Any], width: int = 100) -> str:
    data = event.get("data")
    if isinstance(data, dict):
        for key in ("message", "text", "decision", "commitment", "command", "tool"):
            if isinstance(data.get(key), str):
                text = data[key]
                break
        else:
            from journal.jsontext import show_json

            text = show_json(data)
    else:
        text = ""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@events_app.command("add")
def add(
    event_type: str = typer.Argument(..., metavar="TYPE", help="user_message, tool_call, tool_result, state_change, commitment, error, constraint_applied, decision, note, or x-NAME."),
    session: Optional[str] = SessionOpt,
    data: Optional[str] = typer.Option(None, "--data", help="The payload: a JSON object, or '-' for stdin."),
    agent: Optional[str] = typer.Option(None, "--agent", help="Who acts (default: $JOURNAL_AGENT)."),
    source: str = typer.Option("cli", "--source", help="Where the event comes from (a tool, script or file)."),
    causal: List[str] = typer.Option([], "--causal", help='A causal step {"step", "reasoning", "alternatives_considered"} (repeatable; or a JSON array).'),
    constraint: List[str] = typer.Option([], "--constraint", help='An active constraint {"constraint", "source", "priority"} (repeatable).'),
    failure: List[str] = typer.Option([], "--failure", help='A failure-ledger entry {"attempt", "failure_reason", "timestamp", "error_code"} (repeatable).'),
    commitment: List[str] = typer.Option([], "--commitment", help='A commitment {"commitment", "status", "dependencies", "id"} (repeatable).'),
    entities: Optional[str] = typer.Option(None, "--entities", help='Key entities as a JSON object {"name": {"full_name", "type", "location"}}.'),
    depends_on: List[str] = typer.Option([], "--depends-on", metavar="EVT", help="An event this one depends on (repeatable)."),
    blocks: List[str] = typer.Option([], "--blocks", metavar="EVT", help="An event this one blocks (repeatable)."),
    tag: List[str] = typer.Option([], "--tag", help="A tag (repeatable)."),
    as_json: bool = JsonOpt,
) -> None:
    """Append one validated event to a session's log and print its event id."""
    from journal.events.store import append_event
    from journal.session.store import locate

    sid = session_id(session)
    ws = workspace()
    ws.require()
    locate(ws, sid)  # active or archived; a typo in -s must not start a stray log
    if data == "-" and any(v == "-" for v in (*causal, *constraint, *failure, *commitment, entities or "")):
        raise InvalidInput("only one option can read stdin ('-')")
    deps = {k: v for k, v in (("depends_on", depends_on), ("blocks", blocks)) if v} or None
    event = append_event(
        ws, sid, event_type,
        data=_json_arg(data, "--data", dict), agent=agent, source=source,
        causal_steps=_items(causal, "--causal"), active_constraints=_items(constraint, "--constraint"),
        failure_ledger=_items(failure, "--failure"), open_commitments=_items(commitment, "--commitment"),
        key_entities=_json_arg(entities, "--entities", dict), dependencies=deps, tags=tag or None,
    )
    if as_json:
        print_json(event)
    else:
        out(event["event_id"])


@events_app.command("query")
def query(
    session: Optional[str] = SessionOpt,
    all_sessions: bool = AllOpt,
    types: List[str] = typer.Option([], "--type", "-t", help="Only this event type (repeatable)."),
    agent: Optional[str] = typer.Option(None, "--agent", help="Only events of this agent."),
    since: Optional[str] = typer.Option(None, "--since", help="From this time: ISO 8601, or 30m, 2h, 3d, today, yesterday."),
    until: Optional[str] = typer.Option(None, "--until", help="Up to this time (same forms)."),
    contains: Optional[str] = typer.Option(None, "--contains", help="Only events with this text in a value (case-insensitive)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Only the N most recent matches."),
    count: bool = typer.Option(False, "--count", help="Print only the number of matches."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of events."),
    jsonl: bool = typer.Option(False, "--jsonl", help="Print one JSON event per line."),
) -> None:
    """Events oldest first, filtered; compressed logs are read too."""
    from journal.events.files import ReadStats
    from journal.events.query import iter_events, make_filter
    from journal.jsontext import show_json

    ws = workspace()
    flt = make_filter(types, agent, since, until, contains)
    stats = ReadStats()
    stream = iter_events(ws, _scope(session, all_sessions), flt, stats, limit)
    write = sys.stdout.write
    if count:
        out(str(sum(1 for _ in stream)))
    elif as_json:
        print_json(list(stream))
    elif jsonl:
        buf = sys.stdout.buffer
        for event in stream:
            buf.write(show_json(event).encode("utf-8", "surrogatepass") + b"\n")
    else:
        for e in stream:
            raw = e.get("provenance")
            prov: dict[str, Any] = raw if isinstance(raw, dict) else {}
            write(f"{e.get('timestamp', '?')}  {e.get('session_id', '?')}#{e.get('seq', '?')}  "
                  f"{e.get('event_type', '?')}  {prov.get('agent', '?')}  {_summary(e)}\n")
    _warn(stats.warnings(ws))


@events_app.command("commitments")
def commitments(session: Optional[str] = SessionOpt, all_sessions: bool = AllOpt, as_json: bool = JsonOpt) -> None:
    """Commitments whose latest status is not done or cancelled, with the event that set it."""
    from journal.events.ledger import open_commitments

    ws = workspace()
    items, warnings = open_commitments(ws, _scope(session, all_sessions))
    if as_json:
        print_json(items)
    elif not items:
        out("no open commitments")
    for c in items if not as_json else ():
        deps = f"  (needs: {', '.join(map(str, c['dependencies']))})" if c["dependencies"] else ""
        out(f"[{c['status']}] {c['commitment']}{deps}  — {c['session_id']}#{c['seq']} {c['event_id']} {c['event_timestamp']}")
    _warn(warnings)


@events_app.command("failures")
def failures(session: Optional[str] = SessionOpt, all_sessions: bool = AllOpt, as_json: bool = JsonOpt) -> None:
    """Failure-ledger entries and error events, in time order."""
    from journal.events.ledger import failures as find

    ws = workspace()
    items, warnings = find(ws, _scope(session, all_sessions))
    if as_json:
        print_json(items)
    elif not items:
        out("no failures recorded")
    for f in items if not as_json else ():
        code = f" [{f['error_code']}]" if f.get("error_code") not in (None, "") else ""
        what = f"error: {f['message']}" if f["kind"] == "error" else f"{f['attempt']}: {f['failure_reason']}"
        out(f"{f['timestamp']}  {f['session_id']}#{f['seq']}{code}  {what}")
    _warn(warnings)


@events_app.command("stats")
def stats(as_json: bool = JsonOpt) -> None:
    """Sizes and event counts of active (plain) and archived (compressed) logs."""
    from journal.events.archive import log_stats

    ws = workspace()
    data = log_stats(ws)
    if as_json:
        print_json(data)
    else:
        for group in ("active", "archived"):
            g = data[group]
            out(f"{group:9} {g['files']:6} logs  {g['events']:10} events  {g['bytes'] / 1_048_576:10.2f} MB")
    _warn([f"{log['path']}: unreadable compressed log, its events are not counted"
           for log in data["logs"] if log["events"] is None])


@events_app.command("archive")
def archive(
    older_than: int = typer.Option(..., "--older-than", metavar="DAYS", help="Compress logs of sessions archived at least DAYS days ago."),
    as_json: bool = JsonOpt,
) -> None:
    """Compress the logs of archived sessions to .jsonl.gz (queries still read them)."""
    from journal.events.archive import archive_logs

    done = archive_logs(workspace(), older_than)
    if as_json:
        print_json(done)
        return
    for d in done:
        out(f"{d['path']}  {d['bytes']} -> {d['compressed_bytes']} bytes")
    out(f"compressed {len(done)} log{'s' if len(done) != 1 else ''}")


@events_app.command("restore")
def restore(sid: str = typer.Argument(..., metavar="ID", help="The session whose log to decompress.")) -> None:
    """Decompress a session's archived log back to plain JSONL."""
    from journal.events.archive import restore_log

    info = restore_log(workspace(), sid)
    out(f"restored {info['path']}")


@events_app.command("check")
def check(fix: bool = typer.Option(False, "--fix", help="Move torn and garbage lines to .journal/torn/ and repair the logs."),
          as_json: bool = JsonOpt) -> None:
    """Lint every event log; exit code 1 when a problem remains."""
    from journal.errors import CheckFailed
    from journal.events.check import check_logs

    problems = check_logs(workspace(), fix=fix)
    if as_json:
        print_json([p.as_dict() for p in problems])
    else:
        for p in problems:
            out(str(p))
    left = [p for p in problems if not p.fixed]
    if left:
        raise CheckFailed(f"{len(left)} problem{'s' if len(left) != 1 else ''} in the event logs")
    if not as_json:
        out("event logs ok" if not problems else f"fixed {len(problems)} problem{'s' if len(problems) != 1 else ''}")


@events_app.command("schema")
def schema() -> None:
    """Print the JSON Schema every event is validated against."""
    from journal.events.schema import schema_text

    sys.stdout.write(schema_text())
