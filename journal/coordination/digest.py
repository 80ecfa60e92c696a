"""What coordination needs from each session log, read in one pass and cached per file.

A digest holds a log's frontmatter fields, its Current Work, open blockers, next
steps, recent completions, the messages it sent and the ids it acknowledged. Digests
are cached in ``.journal/cache/coordination.json`` by (mtime_ns, size); a file changed
in the last 2 s is always read afresh (git's "racy timestamp" rule).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from journal import clock
from journal.session.document import LABEL, fence_step, norm, read_frontmatter
from journal.session.links import event_ids, strip_markers
from journal.cache import FileCache
from journal.fsutil import read_text
from journal.ids import EVENT_PREFIX, ulid_time
from journal.coordination.messages import parse_sent, received_ids
from journal.session.sections import (
    BLOCKERS, COMPLETED, COORDINATION, CURRENT_WORK, MESSAGES_RECEIVED, MESSAGES_SENT, NEXT_STEPS,
)
from journal.workspace import SessionRef, Workspace, scan_sessions

CACHE_VERSION = 3

_HEAD = re.compile(r"^(#{1,2})(?!#)[ \t]+(.*?)[ \t]*#*[ \t]*$")
_CHECK = re.compile(r"^\s*[-*+] \[( |x|X)\] (.*)$")
_PLAIN_ITEM = re.compile(r"^(?:[-*+]|\d+[.)]) (?!\[[ xX]\] )(.*)$")
_DATE_PREFIX = re.compile(r"^\*\*(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}))?:?\*\*:?\s*")
_WORKING_ON = re.compile(r"^\s*(?:[-*+][ \t]+)?\*\*Working On:?\*\*:?\s*(.*)$", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_KINDS = {
    **{norm(n): "current" for n in CURRENT_WORK}, **{norm(n): "completed" for n in COMPLETED},
    **{norm(n): "blockers" for n in BLOCKERS}, **{norm(n): "coordination" for n in COORDINATION},
    **{norm(n): "next" for n in NEXT_STEPS},
}


def _as_iso(value: Any) -> str | None:
    if value is None:
        return None
    moment = clock.as_datetime(value)
    return clock.iso(moment) if moment is not None else str(value)


def _clean(text: str) -> str:
    return strip_markers(text).strip()


def _section_kind(title: str) -> str | None:
    t = norm(title)
    if t in _KINDS:
        return _KINDS[t]
    for name, kind in _KINDS.items():
        if t.startswith(name + " ") or t.endswith(" " + name):
            return kind
    return None


def digest_text(text: str, sid: str, where: str = "session") -> dict[str, Any]:
    """What coordination needs from one log, read in one pass without a full SessionDoc."""
    meta, body_at = read_frontmatter(text, where)
    owner = meta.get("owner")
    d: dict[str, Any] = {
        "id": str(meta.get("id") or sid), "role": meta.get("role"), "mission": meta.get("mission"),
        "status": meta.get("status"), "progress": meta.get("progress"),
        "created": _as_iso(meta.get("created")), "updated": _as_iso(meta.get("updated")),
        "owner": (owner.get("agent") or owner.get("name")) if isinstance(owner, dict) else owner,
        "owner_kind": owner.get("kind") if isinstance(owner, dict) else None,
        "handoff_from": meta.get("handoff_from"), "handoff_to": meta.get("handoff_to"),
        "working_on": None, "phases": [], "blockers": [], "next": [], "completed": [],
        "sent": [], "acked": [],
    }
    created_day = (d["created"] or "")[:10]
    lines = text[body_at:].split("\n")
    section: str | None = None
    label: str | None = None
    fence: str | None = None
    header: str | None = None
    cont: list[str] = []
    day_label = ""

    def finish() -> None:
        nonlocal header
        if header is not None:
            msg = parse_sent(sid, header, cont, created_day)
            if msg is not None:
                d["sent"].append(msg)
        header = None
        cont.clear()

    for raw in lines:
        line = raw[:-1] if raw.endswith("\r") else raw
        if header is not None:
            if not line or line[0] in " \t":
                cont.append(line)
                fence = fence_step(line, fence)[1]
                continue
            finish()
        is_fence, fence = fence_step(line, fence)
        if is_fence or fence is not None or not line.strip():
            continue
        if line[0] == "#":
            h = _HEAD.match(line)
            if h:
                section = _section_kind(h.group(2)) if len(h.group(1)) == 2 else None
                label = None
                continue
        if section is None:
            continue
        lm = LABEL.match(line.strip())
        if lm:
            label = norm(lm.group(1))
            if _DATE_LABEL.match(lm.group(1).strip()):
                day_label = lm.group(1).strip()
            continue
        if section == "coordination":
            if line[:2] not in ("- ", "* ", "+ "):
                continue
            if label in (None, norm(MESSAGES_SENT)) and " → " in line:
                header = line
            elif label in (None, norm(MESSAGES_RECEIVED)):
                d["acked"] += received_ids(line, sid, created_day)
        elif section == "current":
            w = _WORKING_ON.match(line)
            if w and d["working_on"] is None:
                d["working_on"] = _clean(w.group(1)) or None
            c = _CHECK.match(line)
            if c:
                d["phases"].append([c.group(1) != " ", _clean(c.group(2))])
        elif section == "blockers":
            c = _CHECK.match(line)
            if c and c.group(1) == " ":
                body = _clean(c.group(2))
                dm = _DATE_PREFIX.match(body)
                since = (f"{dm.group(1)}T{dm.group(2)}:00Z" if dm.group(2) else dm.group(1)) if dm else None
                evt = next((e for e in event_ids(c.group(2)) if e.startswith(EVENT_PREFIX)), None)
                if evt:
                    t = ulid_time(evt[len(EVENT_PREFIX):])
                    exact = clock.iso(datetime.fromtimestamp(t, timezone.utc)) if t is not None else None
                    if exact is not None and (since is None or exact[:10] == since[:10]):
                        since = exact
                d["blockers"].append([body[dm.end():] if dm else body, since])
        elif section == "next":
            c = _CHECK.match(line)
            if c:
                if c.group(1) == " ":
                    d["next"].append(_clean(c.group(2)))
            elif line[0] not in " \t":
                p = _PLAIN_ITEM.match(line)
                if p:
                    d["next"].append(_clean(p.group(1)))
        elif section == "completed":
            c = _CHECK.match(line)
            if c and c.group(1) != " " and line[0] not in " \t":
                body = _clean(c.group(2))
                dm = _DATE_PREFIX.match(body)
                d["completed"].append([dm.group(1) if dm else day_label or None, body[dm.end():] if dm else body])
    finish()
    d["completed"] = d["completed"][-10:]
    return d


# -- all digests, cached ------------------------------------------------------------------
def _digest_file(path: Path, sid: str) -> dict[str, Any]:
    from journal.errors import JournalError

    try:
        return digest_text(read_text(path), sid, str(path))
    except (JournalError, OSError) as e:
        return {"id": sid, "error": str(e), "sent": [], "acked": [], "blockers": [], "next": [],
                "phases": [], "completed": []}


def digests(ws: Workspace, archived: bool = True, scanned: list[SessionRef] | None = None) -> list[dict[str, Any]]:
    """The digest of every active (and archived) log, each with ``path`` and ``archived``."""
    cache = FileCache(ws.state_dir / "cache" / "coordination.json", CACHE_VERSION)
    out: list[dict[str, Any]] = []
    for ref in scanned if scanned is not None else scan(ws, archived):
        assert ref.stamp is not None
        d = cache.get(ref.key, ref.stamp, lambda: _digest_file(ref.path, ref.id))
        out.append(dict(d, id=ref.id, archived=ref.archived, path=str(ref.path)))  # path: never cached
    cache.save(keep=lambda key: not archived and key.startswith("A/"))
    return out


def scan(ws: Workspace, archived: bool = True) -> list[SessionRef]:
    """Every log file with its stamp: one stat each, nothing read."""
    ws.require()
    return list(scan_sessions(ws, True, archived))
