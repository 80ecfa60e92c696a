"""`journal logs ...`: link agent logs (Claude Code, Codex, Gemini, Copilot, zag, MassGen) to sessions."""
from __future__ import annotations

from typing import Any, Optional

import typer

from journal.cli.common import err, out, print_json, session_id, workspace
from journal.cli.options import JsonOpt, SessionOpt, WideOpt
from journal.errors import InvalidInput

logs_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

FORMAT_HELP = "auto (default), claude-code, codex, gemini, copilot, zag, massgen or journal."
FormatOpt = typer.Option("auto", "--format", "-f", help=f"Log format: {FORMAT_HELP}")


def register(app: typer.Typer) -> None:
    app.add_typer(logs_app, name="logs", help="Link, summarize and refresh AI agents' machine logs.")


def _check_format(fmt: str) -> str:
    from journal.agentlogs.detect import check_format

    return check_format(fmt)


SubagentsOpt = typer.Option(False, "--with-subagents",
                            help="Add the figures of the Claude Code subagents that ran for the log.")


def _summaries(path: Optional[str], session: Optional[str], fmt: str, subagents: bool = False) -> list[Any]:
    """The summaries of PATH, or of every log linked to the session."""
    from journal.session import machine_logs

    ws = workspace()
    if path:
        return [machine_logs.summarize_path(ws, path, fmt, subagents)]
    return machine_logs.session_summaries(ws, session_id(session), subagents)


@logs_app.command("link")
def link_cmd(
    path: str = typer.Argument(..., help="The log file (or MassGen log directory)."),
    session: Optional[str] = SessionOpt,
    fmt: str = FormatOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a log in the session's frontmatter and its '## Machine Logs' section."""
    from journal.session import machine_logs as linking

    entry = linking.link(workspace(), session_id(session), path, _check_format(fmt))
    if as_json:
        print_json(entry)
    else:
        out(f"linked {entry['path']} ({entry['format']}): {linking.one_line(entry)}")


@logs_app.command("summary")
def summary_cmd(
    path: Optional[str] = typer.Argument(None, help="A log file or MassGen directory (default: the session's logs)."),
    session: Optional[str] = SessionOpt,
    fmt: str = FormatOpt,
    subagents: bool = SubagentsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """The summary panel: title, duration, tokens and their total, cost, turns, errors, top tools."""
    from journal.cli.logs_report import panel_lines

    sums = _summaries(path, session, _check_format(fmt), subagents)
    if as_json:
        data = [s.to_dict() for s in sums]
        print_json(data[0] if path else data)
        return
    for i, s in enumerate(sums):
        if i:
            out()
        rows = panel_lines(s)
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            out(f"{k.ljust(width)}  {v}")


@logs_app.command("tools")
def tools_cmd(
    path: Optional[str] = typer.Argument(None, help="A log file or MassGen directory (default: the session's logs)."),
    session: Optional[str] = SessionOpt,
    sort: str = typer.Option("time", "--sort", help="Order by calls, time or failures."),
    fmt: str = FormatOpt,
    wide: bool = WideOpt,
    subagents: bool = SubagentsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Tool table: calls, time (where the log has it), average, failures, and a TOTAL row."""
    from journal.agentlogs.model import merged_tools
    from journal.cli.logs_report import SORTS, ms, tool_rows, tool_total
    from journal.cli.render import Col, table

    if sort not in SORTS:
        raise InvalidInput(f"--sort must be one of {', '.join(SORTS)}")
    sums = _summaries(path, session, _check_format(fmt), subagents)
    rows = tool_rows(merged_tools(sums), sort)
    total = tool_total(rows)
    if as_json:
        print_json({"tools": rows, "total": total})
        return
    cells = [[r["tool"], r["kind"], r["calls"], ms(r["time_ms"]), ms(r["avg_ms"]), r["failures"] or ""]
             for r in rows]
    last = [total["tool"], "", total["calls"], ms(total["time_ms"]), "", total["failures"] or ""]
    cols = [Col("Tool", "word", 1), Col("Kind", "word", 6), Col("Calls", "number", 2), Col("Time", "number", 3),
            Col("Avg", "number", 5), Col("Fail", "number", 4)]
    out(table(cells, cols, total=last, wide=wide))


@logs_app.command("list")
def list_cmd(
    limit: int = typer.Option(10, "--limit", "-n", help="How many logs to show (newest first)."),
    wide: bool = WideOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Linked logs across sessions, newest first: session, provider, duration, tokens, cost."""
    from journal.session.machine_logs import cost_text, entry_figures, human_duration, human_tokens, linked
    from journal.cli.render import Col, table

    if limit < 1:
        raise InvalidInput("--limit must be at least 1")
    ws = workspace()
    ws.require()
    rows = linked(ws)[:limit]
    if as_json:
        print_json([{**e, "tokens": entry_figures(e)} for e in rows])
        return
    if not rows:
        out("no linked logs")
        return
    cells = []
    for e in rows:
        sm = e.get("summary") or {}
        f = entry_figures(e)
        cells.append([e["session"], e.get("format"), (sm.get("end") or "")[:16], human_duration(sm.get("duration_s")),
                      human_tokens(f["input"] + f["cache_read"] + f["cache_write"]), human_tokens(f["output"]),
                      human_tokens(f["total"]), cost_text(sm), e["path"]])
    cols = [Col("Session", "id", 1), Col("Provider", "word", 3), Col("End", "date", 2), Col("Duration", "number", 4),
            Col("In", "number", 6), Col("Out", "number", 7), Col("Total", "number", 9), Col("Cost", "number", 8),
            Col("Log", "path", 5, 20)]
    out(table(cells, cols, wide=wide))


@logs_app.command("discover")
def discover_cmd(
    session: Optional[str] = SessionOpt,
    since: Optional[str] = typer.Option(None, "--since", help="Only logs active after this time (default: the session's start); ISO 8601 or 2h, 3d, yesterday."),
    attach: bool = typer.Option(False, "--attach", help="Link every log found to the session."),
    as_json: bool = JsonOpt,
) -> None:
    """Find this repository's logs in the agents' homes that overlap the session; optionally attach them."""
    from journal import clock
    from journal.session.machine_logs import discover_for

    start = clock.parse_when(since, "--since") if since else None
    rows = discover_for(workspace(), session_id(session, required=attach), start, attach)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out("no logs of this repository found")
        return
    for r in rows:
        if "skipped" in r:
            err(f"skipped {r['format']}: {r['path']!r}: {r['skipped']}")
        else:
            out(f"{'attached' if attach else 'found'} {r['format']}: {r['path']}")


@logs_app.command("refresh")
def refresh_cmd(
    session: Optional[str] = SessionOpt,
    all_sessions: bool = typer.Option(False, "--all", help="Every active session."),
    as_json: bool = JsonOpt,
) -> None:
    """Re-read linked logs from where the last read stopped; a replaced or shrunk log is read again whole.

    A linked log that no longer exists is named on stderr, and the exit code is 1."""
    from journal.session import machine_logs as linking

    ws = workspace()
    if all_sessions:
        if session:
            raise InvalidInput("give either -s ID or --all, not both")
        from journal.workspace import scan_sessions

        ids = sorted(r.id for r in scan_sessions(ws))
    else:
        ids = [session_id(session)]
    missing: dict[str, list[str]] = {}
    done = {sid: linking.refresh(ws, sid, missing.setdefault(sid, [])) for sid in ids}
    if as_json:
        print_json(done)
    else:
        for sid, entries in done.items():
            for e in entries:
                out(f"{sid}: {e['path']} — {linking.one_line(e)}")
    gone = [(sid, p) for sid, paths in missing.items() for p in paths]
    for sid, p in gone:
        err(f"journal: {sid}: linked log {p} no longer exists (or is not a file); its summary was not refreshed")
    if gone:
        raise typer.Exit(1)


BY_HELP = "day (the default), week, month, session, model or agent."


def _zone(name: Optional[str]) -> Any:
    """--tz as a time zone (None: the machine's own, with its daylight-saving rules)."""
    if not name:
        return None
    from datetime import timezone

    if name.strip().upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidInput(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin, or UTC") from e


def _when(value: Optional[str], what: str, tz: Any, end: bool) -> Any:
    """--since/--until: a bare date is that day in the report's zone (--until: to its end)."""
    if value is None:
        return None
    from datetime import timedelta

    from journal import clock
    from journal.agentlogs.usage import day_bounds

    word = value.strip().lower()
    if word in ("today", "yesterday"):  # the report's days, not UTC's
        now = clock.now().astimezone(tz) if tz is not None else clock.now().astimezone()
        day = now.date() - timedelta(days=1 if word == "yesterday" else 0)
        return day_bounds(day.isoformat(), tz, end)
    return day_bounds(value, tz, end) or clock.parse_when(value, what)


def _count(n: int) -> str:
    return f"{n:,}"


@logs_app.command("usage")
def usage_cmd(
    by: str = typer.Option("day", "--by", help=f"One row per {BY_HELP}"),
    since: Optional[str] = typer.Option(None, "--since", help="From this time: a date (in --tz), ISO 8601, or 2h, 3d, yesterday."),
    until: Optional[str] = typer.Option(None, "--until", help="Up to this time; a date counts the whole day."),
    session: Optional[str] = SessionOpt,
    all_sessions: bool = typer.Option(False, "--all", help="Every session's linked logs (the default without -s or $JOURNAL_SESSION)."),
    discover: bool = typer.Option(False, "--discover", help="Also this repository's logs found in the agents' homes."),
    tz: Optional[str] = typer.Option(None, "--tz", help="Time zone of days, weeks and months (default: this machine's)."),
    breakdown: bool = typer.Option(False, "--breakdown", help="A row per model under each row."),
    subagents: bool = typer.Option(True, "--subagents/--no-subagents", help="Count the Claude Code subagents of each log (the default)."),
    as_json: bool = JsonOpt,
) -> None:
    """Token and cost totals of the agent logs, one row per day, week, month, session, model or agent, with a TOTAL row."""
    import os

    from journal.agentlogs.usage import BY
    from journal.cli.logs_report import money
    from journal.cli.render import table
    from journal.session.log_usage import as_json as report_json
    from journal.session.log_usage import usage

    if by not in BY:
        raise InvalidInput(f"--by must be one of {', '.join(BY)}")
    if all_sessions and session:
        raise InvalidInput("give either -s ID or --all, not both")
    scope = None if all_sessions else (session or os.environ.get("JOURNAL_SESSION") or None)
    if scope is not None:
        from journal.ids import validate_id

        validate_id(scope)
    zone = _zone(tz)
    start, end = _when(since, "--since", zone, False), _when(until, "--until", zone, True)
    rep = usage(workspace(), by, start, end, zone, scope, discover, subagents)
    if as_json:
        print_json({**report_json(rep), "tz": tz or "local"})
        return
    for w in rep["warnings"]:
        err(f"journal: warning: {w}")
    rows = rep["rows"]
    if not rows:
        out("no usage in the linked logs" + (" for that time" if since or until else ""))
        return
    unpriced: list[str] = []

    def cost(r: Any) -> str:
        text = money(r.cost_usd, r.estimated) if r.cost_usd is not None else "-"
        for m in r.unpriced:
            if m not in unpriced:
                unpriced.append(m)
        return text + ("*" if r.unpriced else "")

    with_models = by != "model"

    def cells(label: str, models: str, t: Any, c: str) -> list[str]:
        return [label, *([models] if with_models else []), _count(t.input), _count(t.cache_read),
                _count(t.cache_write), _count(t.output), _count(t.reasoning), _count(t.total), c]

    body: list[list[str]] = []
    styles: list[str | None] = []
    for r in rows:
        models = ", ".join(r.models) if by != "model" else ""
        body.append(cells(r.key, models, r.tokens, cost(r)))
        styles.append(None)
        if breakdown and by != "model":
            for m, (t, c) in r.models.items():
                body.append(cells(f"  └ {m}", "", t, money(c, r.estimated) if c is not None else "-*"))
                styles.append("dim")
    total = rep["total"]
    body.append(cells("TOTAL", "", total.tokens, cost(total)))
    styles.append("bold")
    head = {"day": "Date", "week": "Week of", "month": "Month", "session": "Session", "model": "Model",
            "agent": "Agent"}[by]
    out(table(body, [head, *(["Models"] if with_models else []), "Input", "Cache read", "Cache write", "Output",
                      "Reasoning", "Total", "Cost"], styles=styles))
    notes = []
    if total.estimated:
        notes.append("~ estimated from list prices")
    if unpriced:
        notes.append(f"* not in the cost: no price for {', '.join(unpriced)} (add it under [prices] in .journal.toml)")
    for n in notes:
        out(n)
