"""What coordination needs from each session log, read in one pass and cached per file.

A digest holds a log's frontmatter fields, its Current Work, open blockers, next
steps, recent completions, the messages it sent and the ids it acknowledged. Digests
are cached in ``.journal/cache/coordination.json`` by (mtime_ns, size); a file changed
in the last 2 s is always read afresh (git's "racy timestamp" rule).

A log kept by hand (no frontmatter yet) is read the way ``journal adopt`` would read it,
with its dates from git; its digest says ``adopted: False`` and holds while HEAD and the
configured statuses do. Message lines are read in the seed's shape too
(``- 16:45 → session-12: "…" (high)``), dated by the nearest date above them in their
section (a ``**2026-11-21:**`` label or a ``### 2026-11-21`` heading), else by the day
of the file's last change (``updated``; for a log kept by hand, its last commit).
"""
from __future__ import annotations

import functools
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from journal import clock
from journal.session.document import LABEL, fence_step, norm, read_frontmatter
from journal.session.history import Histories, History
from journal.session.links import event_ids, strip_markers
from journal.cache import FileCache
from journal.errors import NotAdopted
from journal.fsutil import read_text
from journal.ids import EVENT_PREFIX, ulid_time
from journal.coordination.messages import (
    CACHED_TEXT, content_key, has_own_date, parse_received, parse_sent, received_ids, time_key,
)
from journal.session.sections import (
    BLOCKERS, COMPLETED, COORDINATION, CURRENT_WORK, MESSAGES_RECEIVED, MESSAGES_SENT, NEXT_STEPS,
)
from journal.workspace import SessionRef, Workspace, scan_sessions

CACHE_VERSION = 5

# What a slim digest (an archived log's) leaves out: its log is read again for them when a
# briefing asks (``View.full``). Mail, acknowledgements, handoffs and the frontmatter stay.
SLIM = ("completed", "next", "blockers", "phases", "working_on")

_HEAD = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_CHECK = re.compile(r"^\s*[-*+] \[( |x|X)\] (.*)$")
_PLAIN_ITEM = re.compile(r"^(?:[-*+]|\d+[.)]) (?!\[[ xX]\] )(.*)$")
_DATE_PREFIX = re.compile(r"^\*\*(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}))?:?\*\*:?\s*")
_WORKING_ON = re.compile(r"^\s*(?:[-*+][ \t]+)?\*\*Working On:?\*\*:?\s*(.*)$", re.IGNORECASE)
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})(?![\d-])")

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


def _coordination_part(body: str) -> str:
    """The coordination sections of a body with no fence, each from its heading on: a line
    of any other section sets nothing in a slim digest, and the lines kept read as they
    would in the whole body (each section starts at its heading, which resets the state)."""
    parts: list[str] = []
    keep = -1  # where the coordination section being kept starts
    lined = "\n" + body  # a line of body starting at i follows the "\n" at lined[i]
    at = lined.find("\n#")
    while at != -1:
        level = 2 if body.startswith("##", at) else 1
        if body[at + level:at + level + 1] in (" ", "\t"):  # a heading of level 1 or 2 ends a section
            if keep >= 0:
                parts.append(body[keep:at])
                keep = -1
            if level == 2:
                eol = body.find("\n", at)
                if _opens_coordination(body[at:eol if eol != -1 else len(body)]):
                    keep = at
        at = lined.find("\n#", at + 1)
    if keep >= 0:
        parts.append(body[keep:])
    return "".join(parts)


@functools.lru_cache(maxsize=1024)
def _opens_coordination(line: str) -> bool:
    """Whether a ``## `` line is the coordination section's heading (logs repeat their headings)."""
    h = _HEAD.match(line[:-1] if line.endswith("\r") else line)
    return h is not None and _section_kind(h.group(2)) == "coordination"


@functools.lru_cache(maxsize=1024)
def _section_kind(title: str) -> str | None:
    t = norm(title)
    if t in _KINDS:
        return _KINDS[t]
    for name, kind in _KINDS.items():
        if t.startswith(name + " ") or t.endswith(" " + name):
            return kind
    return None


def digest_text(text: str, sid: str, where: str = "session", *, bare: tuple[Any, Any, Any] | None = None,
                day: str | None = None, limit: int | None = CACHED_TEXT, slim: bool = False) -> dict[str, Any]:
    """What coordination needs from one log, read in one pass without a full SessionDoc.

    ``slim`` reads only the frontmatter and the coordination section (mail, acknowledgements):
    the digest has ``"slim": True`` and none of the ``SLIM`` keys.

    A log without frontmatter raises NotAdopted unless ``bare`` gives its (SessionRef,
    History, Config): then it is read the way ``journal adopt`` would. ``day`` dates the
    message lines that give no date (default: the day of ``updated``).
    """
    try:
        meta, body_at = read_frontmatter(text, where)
    except NotAdopted:
        if bare is None:
            raise
        from journal.session.adopt import read_bare

        meta, body_at = read_bare(text, *bare), 0
    owner = meta.get("owner")
    d: dict[str, Any] = {
        "id": str(meta.get("id") or sid), "role": meta.get("role"), "mission": meta.get("mission"),
        "status": meta.get("status"), "progress": meta.get("progress"),
        "created": _as_iso(meta.get("created")), "updated": _as_iso(meta.get("updated")),
        "owner": (owner.get("agent") or owner.get("name")) if isinstance(owner, dict) else owner,
        "owner_kind": owner.get("kind") if isinstance(owner, dict) else None,
        "handoff_from": meta.get("handoff_from"), "handoff_to": meta.get("handoff_to"),
        "working_on": None, "phases": [], "blockers": [], "next": [], "completed": [],
        "sent": [], "acked": [], "noted": [],
        "adopted": meta.get("adopted") is not False, "adopt_problem": meta.get("adopt_problem"),
    }
    d["day"] = fallback = day or (d["updated"] or d["created"] or "")[:10]
    body = text[body_at:]
    fences = "```" in body or "~~~" in body  # without either, no line opens or closes a fence
    if slim and not fences:  # only the coordination section is read: the rest is skipped unseen
        body = _coordination_part(body)
    lines = body.split("\n")
    if "\r" in body:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    section: str | None = None
    label: str | None = None  # the **Label:** (or ### heading) the line is under
    fence: str | None = None
    header: str | None = None
    header_day = ""
    cont: list[str] = []
    day_here = ""  # the nearest date above the line in its section

    def finish() -> None:
        nonlocal header
        if header is not None:
            msg = parse_sent(sid, header, cont, header_day or fallback, limit)
            if msg is not None:
                keys = [content_key(sid, msg[4])]
                if not header_day and not has_own_date(header):  # the day is a guess
                    keys.append(time_key(sid, msg[1], msg[3][-5:], msg[4]))
                d["sent"].append([*msg, keys])
        header = None
        cont.clear()

    def received(line: str) -> None:
        found = parse_received(line, sid, day_here or fallback)
        d["acked"].extend(received_ids(line, sid, day_here or fallback, found))
        if found is None:
            return
        sender, to, priority, stamp, minute, said = found
        d["acked"].append(time_key(sender, to, minute, said))
        if not has_own_date(line):  # noted by hand, seed style: matched by sender and text
            key = content_key(sender, said)
            d["acked"].append(key)
            d["noted"].append([sender, to, priority, stamp, said, key])

    for line in lines:
        if header is not None:
            if not line or line[0] in " \t":
                cont.append(line)
                if fences:
                    fence = fence_step(line, fence)[1]
                continue
            finish()
        if fences:
            is_fence, fence = fence_step(line, fence)
            if is_fence or fence is not None:
                continue
        stripped = line.strip()
        if not stripped:
            continue
        if line[0] == "#":
            h = _HEAD.match(line)
            if h:
                level = len(h.group(1))
                if level <= 2:
                    section = _section_kind(h.group(2)) if level == 2 else None
                    if slim and section != "coordination":
                        section = None
                    label, day_here = None, ""
                else:  # a ### heading inside a section: a date, or a group such as Messages Sent
                    dated = _DATED.match(h.group(2))
                    if dated:
                        day_here = dated.group(1)
                    else:
                        label = norm(h.group(2))
                continue
        if section is None:
            continue
        lm = LABEL.match(stripped) if stripped[:2] == "**" else None
        if lm:
            dated = _DATED.match(lm.group(1).strip())
            if dated:
                day_here = dated.group(1)
            else:
                label = norm(lm.group(1))
            continue
        if section == "coordination":
            if line[:2] not in ("- ", "* ", "+ "):
                continue
            if label in (None, norm(MESSAGES_SENT)) and "→" in line:
                header, header_day = line, day_here
            elif label in (None, norm(MESSAGES_RECEIVED)) and "←" in line:
                received(line)
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
                d["blockers"].append([body[dm.end():] if dm else body, since or day_here or None])
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
                d["completed"].append([dm.group(1) if dm else day_here or None, body[dm.end():] if dm else body])
    finish()
    if slim:
        for key in SLIM:
            del d[key]
        d["slim"] = True
    else:
        d["completed"] = d["completed"][-10:]
    return d


# -- all digests, cached ------------------------------------------------------------------
def digest_file(ws: Workspace, ref: SessionRef, histories: Histories, slim: bool = False) -> dict[str, Any]:
    """The digest of the log at ``ref`` (one that cannot be read: its ``error``), ``slim`` or whole."""
    from journal.errors import JournalError

    try:
        text = read_text(ref.path)
        try:
            return digest_text(text, ref.id, str(ref.path), slim=slim)
        except NotAdopted:
            d = digest_text(text, ref.id, str(ref.path), bare=(ref, histories.of(ref.path), ws.config), slim=slim)
            d["bare_stamp"] = histories.stamp()
            return d
    except (JournalError, OSError) as e:
        return {"id": ref.id, "error": str(e), "sent": [], "acked": [], "noted": [], "blockers": [], "next": [],
                "phases": [], "completed": [], "adopted": True}


def digests(ws: Workspace, archived: bool = True, scanned: list[SessionRef] | None = None) -> list[dict[str, Any]]:
    """The digest of every active (and archived) log, each with ``path`` and ``archived``; an
    archived log's digest is slim (``digest_text``): on a long history most logs are archived,
    and only their mail and handoffs count for the board and the inboxes."""
    cache = FileCache(ws.state_dir / "cache" / "coordination.json", CACHE_VERSION)
    histories = Histories(ws)

    def holds(d: dict[str, Any]) -> bool:  # a log kept by hand is read again once HEAD moved
        return d.get("adopted") is not False or d.get("bare_stamp") == histories.stamp()

    refs = scanned if scanned is not None else scan(ws, archived)
    assert all(ref.stamp is not None for ref in refs)
    found = cache.get_all([(ref.key, ref.stamp, ref) for ref in refs],  # type: ignore[misc]
                          lambda ref: digest_file(ws, ref, histories, slim=ref.archived), holds)
    out = [dict(d, id=ref.id, archived=ref.archived, path=str(ref.path))  # path: never cached
           for ref, d in zip(refs, found)]
    cache.save(keep=lambda key: not archived and key.startswith("A/"))
    return out


def message_text(path: Path, sender: str, msg_id: str, day: str | None = None) -> str | None:
    """The whole text of message ``msg_id`` in the sender's log at ``path``, or None.

    ``day`` is the digest's ``day`` for that log (what dates its lines that give none).
    """
    from journal.errors import JournalError

    try:
        text = read_text(path)
        try:
            d = digest_text(text, sender, str(path), day=day, limit=None)
        except NotAdopted:
            from journal.config import Config

            moment = f"{day or '1970-01-01'}T00:00:00Z"  # only the messages are read here
            d = digest_text(text, sender, str(path), day=day, limit=None,
                            bare=(SessionRef(sender, path), History(moment, moment, None, "mtime"), Config(path.parent)))
    except (JournalError, OSError):
        return None
    return next((str(m[4]) for m in d["sent"] if m[0] == msg_id), None)


def scan(ws: Workspace, archived: bool = True) -> list[SessionRef]:
    """Every log file with its stamp: one stat each, nothing read."""
    ws.require()
    return list(scan_sessions(ws, True, archived))
