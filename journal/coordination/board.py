"""The board (one row per active session, what needs attention first) and the team's open blockers.

Both are computed from every log through the cached view of ``journal.coordination.view``;
a log kept by hand is on them as ``journal adopt`` would read it, marked "not adopted".
"""
from __future__ import annotations

import os
from typing import Any

from journal import clock
from journal.coordination.messages import MESSAGE_PRIORITIES
from journal.coordination.view import load_view, unread_counts
from journal.errors import InvalidInput
from journal.workspace import Workspace


def _rel(ws: Workspace, path: str) -> str:
    root = str(ws.root) + os.sep
    return path[len(root):].replace(os.sep, "/") if path.startswith(root) else path


def branch_view(ws: Workspace) -> Any:
    """The view of this checkout's logs plus the active sessions of other branches and
    worktrees (``journal.session.branches``): where a session is on several, its newest
    copy; each digest names its ``source``. Messages any copy records count once."""
    from journal.coordination.digest import digest_text, digests, scan
    from journal.coordination.view import view_of
    from journal.errors import JournalError
    from journal.session.branches import branch_copies, newest

    local = [dict(d, source="here") for d in digests(ws, scanned=scan(ws))]
    here: dict[str, str] = {}
    for d in local:  # the newest copy here, active or archived, is what a copy elsewhere must beat
        here[d["id"]] = max(here.get(d["id"], ""), str(d.get("updated") or ""))
    copies = branch_copies(ws)
    winners = {c.id: c for c in newest(copies, here)}
    found = [d for d in local if d["archived"] or d["id"] not in winners]
    for copy in copies:
        try:
            d = digest_text(copy.text, copy.id, copy.path)
        except JournalError as e:
            d = {"id": copy.id, "error": str(e), "sent": [], "acked": [], "blockers": [], "next": [],
                 "phases": [], "completed": []}
        won = winners.get(copy.id) is copy
        # a copy that lost still brings its messages; the session's row is the winner's
        found.append(dict(d, id=copy.id, archived=not won, path=copy.path, source=copy.source))
    return view_of(found, ws)


def check_stale_hours(stale_hours: float | None) -> None:
    """Refuse a ``--stale-hours`` that is not a positive number (nan and infinity are not)."""
    if stale_hours is not None and not 0 < stale_hours < float("inf"):
        raise InvalidInput("--stale-hours must be a positive number")


def board(ws: Workspace, stale_hours: float | None = None, all_branches: bool = False) -> list[dict[str, Any]]:
    """One row per active session, what needs attention first (blocked, stale, blockers, urgent mail).

    ``all_branches`` adds the active sessions of other branches and worktrees, each row
    naming its ``source``; a session found in several places shows its newest copy."""
    check_stale_hours(stale_hours)
    limit = ws.config.stale_hours if stale_hours is None else stale_hours
    view = branch_view(ws) if all_branches else load_view(ws)
    counts = view.counts if view.counts is not None else unread_counts(view)
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for sid, d in view.sessions.items():
        if d["archived"]:
            continue
        c = counts.get(sid, dict.fromkeys(MESSAGE_PRIORITIES, 0))
        idle = clock.age_hours(d.get("updated"), now)
        stale = idle is not None and idle > limit
        status = str(d.get("status") or "")
        blockers = d.get("blockers") or []
        attention = []
        adopted = d.get("adopted") is not False
        if d.get("error"):
            attention.append("unreadable")
        if not adopted:
            attention.append("not adopted")
        if status.lower() == "blocked":
            attention.append("blocked")
        if c["urgent"]:
            attention.append(f"{c['urgent']} urgent")
        if stale:
            attention.append(f"stale {int(idle or 0)}h")
        if blockers:
            attention.append(f"{len(blockers)} blocker" + ("s" if len(blockers) > 1 else ""))
        if c["high"]:
            attention.append(f"{c['high']} high")
        score = (16 * bool(d.get("error")) + 8 * (status.lower() == "blocked") + 4 * bool(c["urgent"])
                 + 4 * stale + 2 * bool(blockers) + bool(c["high"]))
        rows.append({
            "id": sid, "role": d.get("role"), "owner": d.get("owner"), "owner_kind": d.get("owner_kind"),
            "status": d.get("status"), "progress": d.get("progress"), "working_on": d.get("working_on"),
            "open_blockers": len(blockers), "blockers": [b[0] for b in blockers],
            "unread": sum(c.values()), "unread_by_priority": c,
            "updated": d.get("updated"), "idle_hours": None if idle is None else round(idle, 2),
            "stale": stale, "attention": attention, "score": score,
            "path": _rel(ws, d["path"]), "error": d.get("error"),
            **({"source": d.get("source", "here")} if all_branches else {}),
            "adopted": adopted, "adopt_problem": d.get("adopt_problem"),
        })
    rows.sort(key=lambda r: r["id"])
    rows.sort(key=lambda r: str(r.get("updated") or ""), reverse=True)
    rows.sort(key=lambda r: -r["score"])
    return rows


def team_blockers(ws: Workspace) -> list[dict[str, Any]]:
    """Every open blocker across active sessions, oldest first, with its age in hours."""
    now = clock.now()
    out = []
    for d in load_view(ws).sessions.values():
        if d["archived"]:
            continue
        for text, since in d.get("blockers") or ():
            age = clock.age_hours(since, now)
            out.append({"session": d["id"], "role": d.get("role"), "blocker": text, "since": since,
                        "age_hours": None if age is None else round(age, 2),
                        "path": _rel(ws, d["path"]), "adopted": d.get("adopted") is not False})
    out.sort(key=lambda b: (b["since"] is None, b["since"] or "", b["session"]))
    return out
