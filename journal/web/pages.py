"""What each page of the web board shows, as plain data (the JSON API returns the same).

Every builder reads through the library's public functions (the board, inboxes, a session
and its timeline, shared knowledge, linked agent logs) and passes what it read through a
:class:`Scrub` before anything is derived from it, so a secret is redacted in the source
structures (field names count) and never reaches a template or a JSON answer.
"""
from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

from journal import clock
from journal.agentlogs.model import Summary, merged_tools
from journal.errors import JournalError
from journal.redact import MARKER_RE, Redactor
from journal.workspace import Workspace

# Lines of a session's Markdown that only carry the journal's own quiet markers.
_QUIET_LINES = ("<!-- journal:machine-logs -->", "<!-- /journal:machine-logs -->")
MAX_EVENT_TEXT = 400  # characters of an event's text or data shown in the timeline row
TITLE_LENGTH = 120  # agent-log readers fold a title's white space and cut it at this length


class Scrub:
    """Redaction of what a page shows: a :class:`Redactor`, or nothing with ``--no-redact``."""

    def __init__(self, redactor: Redactor | None) -> None:
        self.redactor = redactor

    @property
    def on(self) -> bool:
        return self.redactor is not None

    def text(self, text: str) -> str:
        return self.redactor.text(text) if self.redactor is not None and text else text

    def json(self, value: Any) -> Any:
        return self.redactor.json(value) if self.redactor is not None else value

    def title(self, log: Path, fmt: str, title: str | None) -> str | None:
        """A log's title, redacted. A reader makes it from the first prompt with its white
        space folded and cut at TITLE_LENGTH, which hides the structure redaction reads
        (``password:`` at the start of a line, a private key's line breaks); so it is made
        again here from the prompt redacted first, and left out when that cannot be done."""
        if not title or self.redactor is None:
            return title
        from journal.agentlogs import iter_events
        from journal.agentlogs.model import USER

        source = None
        events = None
        try:
            events = iter_events(log, fmt)
            for n, ev in enumerate(events):
                if ev.kind == USER and ev.text:
                    source = ev.text
                    break
                if n > 10_000:
                    break
        except (JournalError, OSError, ValueError):
            source = None
        finally:
            getattr(events, "close", lambda: None)()  # the reader's file, at once
        if source is None:
            return None
        folded = " ".join(self.redactor.text(source).split())
        if len(folded) <= TITLE_LENGTH:
            return folded
        return folded[:TITLE_LENGTH].rsplit(" ", 1)[0] + " …"


def distinct_markers(*texts: str) -> dict[str, int]:
    """Distinct redaction markers in ``texts``, counted by kind."""
    seen: set[str] = set()
    for t in texts:
        seen.update(MARKER_RE.findall(t))
    out: dict[str, int] = {}
    for m in seen:
        kind = m.split(":")[1]
        out[kind] = out.get(kind, 0) + 1
    return dict(sorted(out.items()))


# -- the board -----------------------------------------------------------------------------

def board(ws: Workspace, scrub: Scrub, stale_hours: float | None = None) -> dict[str, Any]:
    """Every active session (the board's rows), the team's open blockers, recent archives."""
    from journal.coordination.board import board as board_rows, team_blockers
    from journal.session.listing import list_sessions

    ws.require()
    rows = scrub.json(board_rows(ws, stale_hours))
    blockers = scrub.json(team_blockers(ws))
    archived = scrub.json([{k: r.get(k) for k in ("id", "role", "status", "archive_date", "updated")}
                           for r in list_sessions(ws, archived=True)[:20]])
    totals = {"active": len(rows), "stale": sum(bool(r["stale"]) for r in rows),
              "blocked": sum(str(r.get("status") or "").lower() == "blocked" for r in rows),
              "open_blockers": sum(r["open_blockers"] for r in rows),
              "unread": sum(r["unread"] for r in rows)}
    return {"page": "board", "rows": rows, "blockers": blockers, "archived": archived, "totals": totals,
            "stale_hours": ws.config.stale_hours if stale_hours is None else stale_hours, "now": clock.iso()}


# -- one session ---------------------------------------------------------------------------

def _display_markdown(body: str) -> str:
    """The body as a reader should see it: without the journal's quiet markers."""
    from journal.session.links import strip_markers

    lines = [line for line in body.split("\n") if line.strip() not in _QUIET_LINES]
    return strip_markers("\n".join(lines))


def _split_frontmatter(text: str, where: str) -> str:
    from journal.session.document import frontmatter_span

    try:
        return text[frontmatter_span(text, where)[2]:]
    except JournalError:
        return text


def _owner(meta: dict[str, Any]) -> str:
    owner = meta.get("owner")
    if isinstance(owner, dict):
        who = owner.get("agent") or owner.get("name") or ""
        model = owner.get("model")
        return f"{who} ({model})" if model else str(who)
    return str(owner or "")


def _event_row(row: dict[str, Any]) -> dict[str, Any]:
    from journal.jsontext import show_json

    e = row["event"]
    data = e.get("data") if isinstance(e.get("data"), dict) else {}
    prov = e.get("provenance") if isinstance(e.get("provenance"), dict) else {}
    text = str(data.get("text") or "")
    if not text and data:
        text = show_json({k: v for k, v in data.items() if k not in ("action", "section")})
    detail = show_json(e, indent=True)
    return {"id": e.get("event_id"), "seq": e.get("seq"), "time": str(e.get("timestamp") or ""),
            "type": e.get("event_type"), "agent": prov.get("agent"), "source": prov.get("source"),
            "action": data.get("action"), "section": data.get("section"),
            "text": text if len(text) <= MAX_EVENT_TEXT else text[: MAX_EVENT_TEXT - 1] + "…",
            "tags": e.get("tags") or [], "line": row.get("line"), "entry": row.get("entry"), "json": detail}


def panel(s: Summary) -> dict[str, Any]:
    """The figures of one agent log's summary panel."""
    return {"title": s.title, "format": s.format, "start": s.start, "end": s.end, "duration_s": s.duration_s,
            "user_turns": s.user_turns, "assistant_turns": s.assistant_turns,
            "tokens_in": s.tokens_in, "tokens_out": s.tokens_out, "tokens_cache_read": s.tokens_cache_read,
            "tokens_cache_write": s.tokens_cache_write, "tokens_reasoning": s.tokens_reasoning,
            "cost_usd": s.cost_usd, "cost_estimated": s.cost_estimated, "tool_calls": s.tool_calls,
            "tool_failures": s.tool_failures, "errors": s.errors, "models": list(s.models), "cwd": s.cwd,
            "git_branch": s.git_branch, "skipped": s.skipped}


def tool_table(summaries: list[Summary]) -> dict[str, Any]:
    """The tool table of ``summaries`` added up: one row per tool, most calls first, and a TOTAL."""
    merged = merged_tools(summaries)
    rows: list[dict[str, Any]] = []
    for name, t in merged.tools.items():
        rows.append({"tool": name, "kind": t.kind, "calls": t.calls, "failures": t.failures,
                     "time_ms": round(t.time_ms, 1) if t.timed else None,
                     "avg_ms": round(t.avg_ms, 1) if t.avg_ms is not None else None})
    rows.sort(key=lambda r: (-int(r["calls"]), -float(r["time_ms"] or 0), str(r["tool"])))
    timed = [float(r["time_ms"]) for r in rows if r["time_ms"] is not None]
    total = {"tool": "TOTAL", "calls": sum(int(r["calls"]) for r in rows),
             "failures": sum(int(r["failures"]) for r in rows), "time_ms": round(sum(timed), 1) if timed else None}
    return {"rows": rows, "total": total}


def _summaries(ws: Workspace, entries: list[dict[str, Any]], scrub: Scrub,
               save_state: bool) -> tuple[list[dict[str, Any]], list[Summary]]:
    """Each linked log with its live summary; ``save_state`` lets the reader keep its place
    under ``.journal/`` (the web board); an export only reads."""
    from journal.session import machine_logs

    dup = machine_logs.duplicates(entries)
    items, sums = [], []
    for i, e in enumerate(entries):
        log = machine_logs.resolve_stored(ws, e["path"])
        item: dict[str, Any] = {"path": e["path"], "name": log.name or e["path"], "format": e.get("format"),
                                "linked": e.get("linked"), "figures": dict(e.get("summary") or {}),
                                "backfill_of": dup.get(i), "summary": None, "error": None, "source": log}
        if not log.exists():
            item["error"] = "the log is gone; its figures are those recorded when it was last read"
        else:
            try:
                if save_state:
                    s = machine_logs.summarize_incremental(ws, log, e.get("format") or "auto")
                else:
                    from journal.agentlogs import summarize

                    s = summarize(log, e.get("format") or "auto", machine_logs.load_state(ws, log))[0]
            except (JournalError, OSError, ValueError) as ex:
                item["error"] = f"unreadable: {ex}"
            else:
                item["summary"] = dict(panel(s), title=scrub.title(log, s.format, s.title))
                item["full"] = s
                if i not in dup:
                    sums.append(s)
        items.append(item)
    return items, sums


def _figures(item: dict[str, Any]) -> dict[str, Any]:
    """Day, tokens and cost of one linked log: its live summary, else its recorded figures."""
    s = item.get("summary")
    if s:
        return {"day": str(s.get("end") or s.get("start") or item.get("linked") or "")[:10],
                "tokens_in": s["tokens_in"] + s["tokens_cache_read"] + s["tokens_cache_write"],
                "tokens_out": s["tokens_out"], "cost_usd": s.get("cost_usd"),
                "cost_estimated": bool(s.get("cost_estimated"))}
    f = item.get("figures") or {}
    return {"day": str(f.get("end") or f.get("start") or item.get("linked") or "")[:10],
            "tokens_in": int(f.get("tokens_in") or 0) + int(f.get("tokens_cache") or 0),
            "tokens_out": int(f.get("tokens_out") or 0), "cost_usd": f.get("cost_usd"),
            "cost_estimated": bool(f.get("cost_estimated"))}


def usage_days(figures: list[dict[str, Any]], max_days: int = 366) -> list[dict[str, Any]]:
    """Tokens and cost per day (a log counts on the day it ended), every day between the
    first and the last, at most the last ``max_days``."""
    from datetime import date, timedelta

    by_day: dict[str, dict[str, Any]] = {}
    for f in figures:
        try:
            date.fromisoformat(f["day"])
        except ValueError:
            continue
        d = by_day.setdefault(f["day"], {"day": f["day"], "tokens_in": 0, "tokens_out": 0, "cost_usd": None,
                                         "cost_estimated": False, "logs": 0})
        d["tokens_in"] += f["tokens_in"]
        d["tokens_out"] += f["tokens_out"]
        d["logs"] += 1
        if f.get("cost_usd") is not None:
            d["cost_usd"] = round((d["cost_usd"] or 0.0) + float(f["cost_usd"]), 6)
            d["cost_estimated"] = d["cost_estimated"] or f["cost_estimated"]
    if not by_day:
        return []
    first, last = date.fromisoformat(min(by_day)), date.fromisoformat(max(by_day))
    first = max(first, last - timedelta(days=max_days - 1))
    out = []
    day = first
    while day <= last:
        key = day.isoformat()
        out.append(by_day.get(key) or {"day": key, "tokens_in": 0, "tokens_out": 0, "cost_usd": None,
                                       "cost_estimated": False, "logs": 0})
        day += timedelta(days=1)
    return out


def session(ws: Workspace, session_id: str, scrub: Scrub, save_state: bool = True) -> dict[str, Any]:
    """One session: its frontmatter, its Markdown (whole and as shown), its events as a
    timeline, its linked agent logs with their summaries and tool table, and its usage."""
    from journal.session.machine_logs import linked_entries
    from journal.session.show import timeline
    from journal.session.store import read_session

    ref, doc = read_session(ws, session_id)
    text = scrub.text(doc.text())
    meta = scrub.json(doc.meta)
    rows = scrub.json(timeline(ws, ref.id, doc))
    events = [_event_row(r) for r in rows]
    items, sums = _summaries(ws, linked_entries(doc), scrub, save_state)
    full = [item.pop("full", None) for item in items]
    sources = [item.pop("source") for item in items]
    items = scrub.json(items)
    figures = [_figures(item) for item in items if not item.get("backfill_of")]
    tools = scrub.json(tool_table(sums))
    days = usage_days(figures)
    info = {"id": ref.id, "role": meta.get("role"), "mission": meta.get("mission"), "status": meta.get("status"),
            "progress": meta.get("progress"), "owner": _owner(meta), "owner_kind": (meta.get("owner") or {}).get("kind")
            if isinstance(meta.get("owner"), dict) else None,
            "branch": (meta.get("git") or {}).get("branch") if isinstance(meta.get("git"), dict) else None,
            "created": str(meta.get("created") or ""), "updated": str(meta.get("updated") or ""),
            "ended": str(meta.get("ended") or ""), "handoff_from": meta.get("handoff_from"),
            "handoff_to": meta.get("handoff_to")}
    return {
        "page": "session", "id": ref.id, "archived": ref.archived, "path": ws.rel(ref.path),
        "info": info, "meta": meta, "text": text,
        "body": _display_markdown(_split_frontmatter(text, ws.rel(ref.path))),
        "events": events, "logs": items, "tools": tools, "usage": days,
        "totals": {k: sum(f[k] for f in figures) for k in ("tokens_in", "tokens_out")}
        | {"cost_usd": _sum_cost(figures), "cost_estimated": any(f["cost_estimated"] for f in figures)},
        # for an export (not in API answers): the timeline's rows and every linked log's
        # whole summary, redacted; where each log is
        "_timeline": rows,
        "_summaries": scrub.json([dict(s.to_dict(), title=item["summary"]["title"]) if s is not None else None
                                  for s, item in zip(full, items)]),
        "_sources": sources,
    }


def _sum_cost(figures: list[dict[str, Any]]) -> float | None:
    costs = [float(f["cost_usd"]) for f in figures if f.get("cost_usd") is not None]
    return round(sum(costs), 4) if costs else None


def public(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without its private keys (``_…``): what the JSON API answers."""
    return {k: v for k, v in data.items() if not k.startswith("_")}


# -- inbox -------------------------------------------------------------------------------

def inbox(ws: Workspace, session_id: str, scrub: Scrub) -> dict[str, Any]:
    """Messages to the session and broadcasts (read and unread), newest first."""
    from journal.coordination.mail import inbox as read_inbox

    ws.require()
    messages = scrub.json([m.as_dict() for m in read_inbox(ws, session_id, include_read=True)])
    return {"page": "inbox", "id": session_id, "messages": messages,
            "unread": sum(bool(m["unread"]) for m in messages)}


# -- shared knowledge --------------------------------------------------------------------

def knowledge(ws: Workspace, scrub: Scrub, query: str = "", kind: str = "") -> dict[str, Any]:
    """Shared-knowledge entries, newest first; with a query, those holding every word of it."""
    from journal.session.knowledge import shared_entries
    from journal.workspace import KNOWLEDGE_KINDS

    ws.require()
    entries = scrub.json([e.as_dict() for e in shared_entries(ws)])
    counts = {k: sum(e["kind"] == k for e in entries) for k in KNOWLEDGE_KINDS}
    words = [w.casefold() for w in query.split()][:20]
    kind = kind if kind in KNOWLEDGE_KINDS else ""
    found = []
    for e in entries:
        if kind and e["kind"] != kind:
            continue
        hay = " ".join(str(e.get(k) or "") for k in ("category", "text", "shared_by", "priority", "kind")).casefold()
        if all(w in hay for w in words):
            found.append(e)
    found.sort(key=lambda e: (str(e.get("date") or ""), e["line"]), reverse=True)
    return {"page": "knowledge", "query": query, "kind": kind, "kinds": counts, "total": len(entries),
            "entries": found}


# -- usage -------------------------------------------------------------------------------

def usage(ws: Workspace, scrub: Scrub) -> dict[str, Any]:
    """Tokens and cost per day and per session, from the figures recorded for every linked log
    (at link or refresh time); a log linked to several sessions and a backfill count once."""
    from journal.session import machine_logs

    ws.require()
    entries = machine_logs.linked(ws)
    by_session: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_session.setdefault(e["session"], []).append(e)
    seen: set[str] = set()
    figures, sessions = [], []
    for sid, group in by_session.items():
        dup = machine_logs.duplicates(group)
        mine = []
        for i, e in enumerate(group):
            key = str(machine_logs.resolve_stored(ws, e["path"]))
            if i in dup or key in seen:
                continue
            seen.add(key)
            f = _figures({"figures": e.get("summary") or {}, "linked": e.get("linked")})
            mine.append(f)
        figures += mine
        if mine:
            sessions.append({"id": sid, "archived": group[0].get("archived", False), "logs": len(mine),
                             "tokens_in": sum(f["tokens_in"] for f in mine),
                             "tokens_out": sum(f["tokens_out"] for f in mine),
                             "cost_usd": _sum_cost(mine), "cost_estimated": any(f["cost_estimated"] for f in mine)})
    sessions.sort(key=lambda s: -(s["tokens_in"] + s["tokens_out"]))
    days = usage_days(figures)
    return scrub.json({"page": "usage", "days": days, "sessions": sessions, "logs": len(figures),
                       "totals": {"tokens_in": sum(f["tokens_in"] for f in figures),
                                  "tokens_out": sum(f["tokens_out"] for f in figures),
                                  "cost_usd": _sum_cost(figures),
                                  "cost_estimated": any(f["cost_estimated"] for f in figures)}})


# -- live updates ------------------------------------------------------------------------

def signature(ws: Workspace, session_id: str | None = None) -> str:
    """A short checksum of the names, sizes and times of the workspace's files (and of the
    session's linked logs): it changes when anything a page shows may have changed."""
    parts: list[str] = []
    folders = [ws.active_dir, ws.archive_dir, ws.knowledge_dir, ws.events_dir]
    for folder in folders:
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    parts.append(f"{folder.name}/{entry.name} {st.st_mtime_ns} {st.st_size}")
        except OSError:
            continue
    if session_id:
        parts += _log_stamps(ws, session_id)
    data = "\n".join(sorted(parts)).encode("utf-8", "surrogateescape")
    return f"{len(parts)}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}"


def _log_stamps(ws: Workspace, session_id: str) -> list[str]:
    from journal.session import machine_logs
    from journal.session.document import read_frontmatter_file
    from journal.session.store import locate

    try:
        meta = read_frontmatter_file(locate(ws, session_id).path)
    except (JournalError, OSError):
        return []
    out = []
    for e in meta.get(machine_logs.META_KEY) or []:
        if isinstance(e, dict) and isinstance(e.get("path"), str):
            p: Path = machine_logs.resolve_stored(ws, e["path"])
            try:
                st = p.stat()
            except OSError:
                continue
            out.append(f"log {p} {st.st_mtime_ns} {st.st_size}")
    return out
