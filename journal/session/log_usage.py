"""`journal logs usage`: token and cost totals of the agent logs linked to the sessions
(and, on request, of this repository's logs found in the agents' homes), by period,
model, session or agent.

Each log's figures come from its saved summary while the log is unchanged (see
``machine_logs.saved_summary``), so a report over hundreds of linked logs reads one
small file per log. The subagents of a linked Claude Code log are counted with it
(their files sit beside it), as peers' totals count them; a log linked to several
sessions, or found again by discovery, is counted once, and a zag backfill of a
provider log that is linked too is not counted (the Machine Logs line says so).
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from journal.agentlogs.usage import BY, Row, Source, report
from journal.errors import InvalidInput, JournalError, NotFound
from journal.session import machine_logs as ml
from journal.workspace import Workspace, scan_sessions


def sources(ws: Workspace, session: str | None = None, discover: bool = False,
            subagents: bool = True) -> tuple[list[Source], list[str]]:
    """The logs of the report, and a warning for each that could not be read."""
    from journal.session.document import SessionDoc

    ws.require()
    out: list[Source] = []
    warnings: list[str] = []
    seen: set[Path] = set()
    book = ml.price_book(ws)
    refs = [r for r in scan_sessions(ws, True, True) if session is None or r.id == session]
    if session is not None and not refs:
        raise NotFound(f"no session {session!r}")
    linked: list[tuple[str, Path, str]] = []
    entries: list[tuple[str, dict[str, Any]]] = []
    for ref in refs:
        try:
            doc = SessionDoc.read(ref.path)
        except (JournalError, OSError):  # a broken session file is `journal check`'s business
            continue
        entries.extend((ref.id, e) for e in ml.linked_entries(doc))
    restated = ml.duplicates([e for _, e in entries])  # a zag backfill of a log linked too: counted once
    for i, (sid, e) in enumerate(entries):
        if i not in restated:
            linked.append((sid, ml.resolve_stored(ws, e["path"]), str(e.get("format") or "auto")))
    if discover:
        from journal.agentlogs.discover import discover as find

        for f in find(ws.git_root or Path.cwd()):
            linked.append(("", f.path, f.format))
    resolved = {log.resolve() for _, log, _ in linked}
    for sid, log, fmt in linked:
        real = log.resolve()
        if real in seen:
            continue
        seen.add(real)
        if not log.exists():
            warnings.append(f"{log}: linked to {sid} but missing")
            continue
        try:
            s = ml.summarize_incremental(ws, log, fmt, book)
            if subagents and s.format == "claude-code" and s.subagents:
                s = ml.with_subagents(ws, log, s, resolved)
                from journal.agentlogs.claude_code import subagent_files

                seen.update(r for r in (f.resolve() for f in subagent_files(log)) if r not in resolved)
        except (JournalError, OSError) as e:
            warnings.append(f"{log}: {e}")
            continue
        out.append(Source(s, sid or None, ml.stored_path(ws, log)))
    book.save()
    return out, warnings


def usage(ws: Workspace, by: str = "day", since: datetime | None = None, until: datetime | None = None,
          tz: tzinfo | None = None, session: str | None = None, discover: bool = False,
          subagents: bool = True) -> dict[str, Any]:
    """The report: ``rows`` and ``total`` (``Row``), the logs counted and the warnings."""
    if by not in BY:
        raise InvalidInput(f"--by must be one of {', '.join(BY)}")
    if since and until and until < since:
        raise InvalidInput("--until is before --since")
    srcs, warnings = sources(ws, session, discover, subagents)
    rows, total = report(srcs, by, since, until, tz)
    return {"by": by, "rows": rows, "total": total, "logs": len(srcs), "warnings": warnings,
            "sources": [{"path": s.path, "format": s.summary.format, "session": s.session,
                         "provider_session_id": s.summary.provider_session_id,
                         "subagents_included": s.summary.subagents_included} for s in srcs]}


def as_json(rep: dict[str, Any]) -> dict[str, Any]:
    rows: list[Row] = rep["rows"]
    return {"by": rep["by"], "rows": [r.to_dict() for r in rows], "total": rep["total"].to_dict(),
            "logs": rep["sources"], "warnings": rep["warnings"]}
