"""Listing sessions fast: frontmatter fields cached by (mtime, size) under .journal/cache.

Listing tens of thousands of archived logs must not re-parse YAML each time; a
file whose size and mtime are unchanged is taken from the cache. A log kept by hand
(no frontmatter yet) is read the way ``journal adopt`` would (``adopted: False``), and
read again once HEAD or the configured statuses change.
"""
from __future__ import annotations

from typing import Any

from journal.cache import FileCache
from journal.errors import InvalidInput, JournalError, NotAdopted
from journal.session.history import Histories
from journal.workspace import SessionRef, Workspace, scan_sessions

CACHE_VERSION = 6
FIELDS = ("role", "mission", "status", "progress", "created", "updated", "ended", "owner")


def _bare_meta(ws: Workspace, ref: SessionRef, histories: Histories) -> dict[str, Any]:
    from journal.fsutil import read_text
    from journal.session.adopt import read_bare

    meta = read_bare(read_text(ref.path), ref, histories.of(ref.path), ws.config)
    meta["bare_stamp"] = histories.stamp()
    return meta


def _row(ws: Workspace, ref: SessionRef, histories: Histories) -> dict[str, Any]:
    from journal.session.document import read_frontmatter_file

    try:
        try:
            meta = read_frontmatter_file(ref.path)
        except NotAdopted:
            meta = _bare_meta(ws, ref, histories)
    except (JournalError, OSError) as e:
        row: dict[str, Any] = {"error": str(e)}
    else:
        row = _fields(meta)
        row["adopted"] = meta.get("adopted") is not False
        if not row["adopted"]:
            row["adopt_problem"], row["bare_stamp"] = meta.get("adopt_problem"), meta.get("bare_stamp")
    row["id"] = ref.id  # the file names it
    row["archived"] = ref.archived
    if ref.archive_date:
        row["archive_date"] = ref.archive_date
    return row


def _fields(meta: dict[str, Any]) -> dict[str, Any]:
    """The listed fields of a log's frontmatter."""
    row = {k: meta.get(k) for k in FIELDS if k in meta}
    for key in ("created", "updated", "ended"):
        if key in row and not isinstance(row[key], (str, type(None))):
            row[key] = str(row[key]).replace(" ", "T").replace("+00:00", "Z")
    owner = row.get("owner")
    if isinstance(owner, dict):
        row["owner"] = owner.get("agent") or owner.get("name")
        row["owner_kind"] = owner.get("kind")
    return row


def list_sessions(ws: Workspace, archived: bool = False, include_all: bool = False,
                  status: str | None = None, all_branches: bool = False) -> list[dict[str, Any]]:
    """Rows of frontmatter fields for active (and/or archived) sessions, newest update first.

    ``all_branches`` adds the active sessions of other branches and worktrees (read from git
    objects, nothing checked out); each row then has a ``source`` ("here", "origin/main",
    "branch x", "worktree ../y"), and a session found in several places is listed once, as
    its newest copy."""
    ws.require()
    if status is not None:
        status = status.strip().lower()
        if status not in ws.config.statuses:
            raise InvalidInput(f"status {status!r} is not one of {', '.join(ws.config.statuses)}")
    scan_active, scan_archive = include_all or not archived, include_all or archived
    cache = FileCache(ws.state_dir / "cache" / "sessions.json", CACHE_VERSION)
    histories = Histories(ws)

    def holds(row: dict[str, Any]) -> bool:  # a log kept by hand is read again once HEAD moved
        return row.get("adopted") is not False or row.get("bare_stamp") == histories.stamp()

    rows: list[dict[str, Any]] = []
    for ref in scan_sessions(ws, scan_active, scan_archive):
        assert ref.stamp is not None
        rows.append(cache.get(ref.key, ref.stamp, lambda: _row(ws, ref, histories), holds))
    cache.save(keep=lambda key: not (scan_archive if key.startswith("A/") else scan_active))
    if all_branches:
        rows = _with_branches(ws, rows)
    if status:
        rows = [r for r in rows if str(r.get("status", "")).lower() == status]
    rows.sort(key=lambda r: str(r.get("updated") or ""), reverse=True)
    return rows


def idle_sessions(ws: Workspace, days: float) -> list[str]:
    """Active sessions whose last update is more than ``days`` days old."""
    from journal import clock

    if days < 0:
        raise InvalidInput(f"--idle-days {days:g} is negative: give a number of days, 0 or more")
    limit = clock.now().timestamp() - days * 86400
    out = []
    for row in list_sessions(ws):
        updated = clock.as_datetime(row.get("updated"))
        if updated is not None and updated.timestamp() < limit:
            out.append(row["id"])
    return out


def _with_branches(ws: Workspace, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from journal import clock
    from journal.session.branches import branch_copies, newest
    from journal.session.document import read_frontmatter

    def stamp(value: Any) -> str:
        moment = clock.as_datetime(value) if value is not None else None
        return clock.iso(moment) if moment is not None else str(value or "")

    for row in rows:
        row["source"] = "here"
    here: dict[str, str] = {}
    for r in rows:  # the newest copy here, active or archived, is what a copy elsewhere must beat
        here[r["id"]] = max(here.get(r["id"], ""), stamp(r.get("updated")))
    found = newest(branch_copies(ws), here)
    replaced = {c.id for c in found}
    rows = [r for r in rows if r["archived"] or r["id"] not in replaced]
    for copy in found:
        try:
            row = _fields(read_frontmatter(copy.text, copy.path)[0])
        except JournalError as e:
            row = {"error": str(e)}
        row.update(id=copy.id, archived=False, source=copy.source, path=copy.path)
        rows.append(row)
    return rows
