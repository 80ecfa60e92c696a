"""`journal logs ...`: link agent logs (Claude Code, Codex, Gemini, Copilot, zag, MassGen) to sessions."""
from __future__ import annotations

from typing import Any, Optional

import typer

from journal.cli.common import err, out, print_json, session_id, workspace
from journal.cli.options import JsonOpt, SessionOpt
from journal.errors import InvalidInput

logs_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

FORMAT_HELP = "auto (default), claude-code, codex, gemini, copilot, zag, massgen or journal."
FormatOpt = typer.Option("auto", "--format", "-f", help=f"Log format: {FORMAT_HELP}")


def register(app: typer.Typer) -> None:
    app.add_typer(logs_app, name="logs", help="Link, summarize and refresh AI agents' machine logs.")


def _check_format(fmt: str) -> str:
    from journal.agentlogs.detect import check_format

    return check_format(fmt)


def _summaries(path: Optional[str], session: Optional[str], fmt: str) -> list[Any]:
    """The summaries of PATH, or of every log linked to the session."""
    from journal.session import machine_logs

    ws = workspace()
    if path:
        return [machine_logs.summarize_path(ws, path, fmt)]
    return machine_logs.session_summaries(ws, session_id(session))


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
    as_json: bool = JsonOpt,
) -> None:
    """The summary panel: title, duration, tokens, turns, errors, top tools."""
    from journal.cli.logs_report import panel_lines

    sums = _summaries(path, session, _check_format(fmt))
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
    as_json: bool = JsonOpt,
) -> None:
    """Tool table: calls, time (where the log has it), average, failures, and a TOTAL row."""
    from journal.agentlogs.model import merged_tools
    from journal.cli.logs_report import SORTS, ms, tool_rows, tool_total
    from journal.cli.render import table

    if sort not in SORTS:
        raise InvalidInput(f"--sort must be one of {', '.join(SORTS)}")
    sums = _summaries(path, session, _check_format(fmt))
    rows = tool_rows(merged_tools(sums), sort)
    total = tool_total(rows)
    if as_json:
        print_json({"tools": rows, "total": total})
        return
    cells = [[r["tool"], r["kind"], r["calls"], ms(r["time_ms"]), ms(r["avg_ms"]), r["failures"] or ""]
             for r in rows]
    cells.append([total["tool"], "", total["calls"], ms(total["time_ms"]), "", total["failures"] or ""])
    out(table(cells, ["Tool", "Kind", "Calls", "Time", "Avg", "Fail"]))


@logs_app.command("list")
def list_cmd(
    limit: int = typer.Option(10, "--limit", "-n", help="How many logs to show (newest first)."),
    as_json: bool = JsonOpt,
) -> None:
    """Linked logs across sessions, newest first: session, provider, duration, tokens, cost."""
    from journal.session.machine_logs import human_duration, human_tokens, linked
    from journal.cli.render import table

    if limit < 1:
        raise InvalidInput("--limit must be at least 1")
    ws = workspace()
    ws.require()
    rows = linked(ws)[:limit]
    if as_json:
        print_json(rows)
        return
    if not rows:
        out("no linked logs")
        return
    cells = []
    for e in rows:
        sm = e.get("summary") or {}
        cost = sm.get("cost_usd")
        cells.append([e["session"], e.get("format"), (sm.get("end") or "")[:16], human_duration(sm.get("duration_s")),
                      human_tokens(sm.get("tokens_in", 0) + sm.get("tokens_cache", 0)),
                      human_tokens(sm.get("tokens_out", 0)),
                      "" if cost is None else f"{'~' if sm.get('cost_estimated') else ''}${cost:.2f}", e["path"]])
    out(table(cells, ["Session", "Provider", "End", "Duration", "In", "Out", "Cost", "Log"]))


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
