"""Coordination between sessions: messages, inboxes, acknowledgements, the board, blockers.

One writer per file: a session writes only its own log. A message lives in the
sender's Coordination → Messages Sent; an acknowledgement in the reader's
Messages Received. Inboxes, the board and the blocker list are computed from
every log (ACTIVE and ARCHIVE), through a per-file digest cached by (mtime_ns, size)
and an aggregated view cached while no file changed (.journal/cache/coordination*.json);
a file changed in the last 2 s is always read afresh (git's "racy timestamp" rule).

A sent message is one list entry::

    - 2026-11-21 15:30 → session-5: "Need help with database migration" (high) <!-- msg:ID --> <!-- evt:evt_ID -->

(UTC date and time; further lines of a multi-line text follow, indented under it).
The message id is a ULID shared with the event that records it.
"""
from __future__ import annotations

import bisect
import contextlib
import os
import re
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from journal import clock
from journal.document import SessionDoc, entry_lines, norm
from journal.errors import InvalidInput, NotFound
from journal.fsutil import deferred_signals
from journal.sections import (
    BLOCKERS, COMPLETED, COORDINATION, CURRENT_WORK, MESSAGES_RECEIVED, MESSAGES_SENT, NEXT_STEPS,
)
from journal.workspace import Workspace

PRIORITIES = ("low", "normal", "high", "urgent")
BROADCAST = "broadcast"
CACHE_VERSION = 2
CACHED_TEXT = 4096  # longer message texts are re-read from their file when shown
# A file changed this recently may change again within the same timestamp tick without a
# new (mtime, size): it is always read afresh, and no view is cached while one exists (git's
# "racy" rule; 2 s covers file systems with coarse timestamps).
RACY_NS = 2_000_000_000
MAX_EVENT_TEXT = 16_384

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEAD = re.compile(r"^(#{1,2})(?!#)[ \t]+(.*?)[ \t]*#*[ \t]*$")
_LABEL = re.compile(r"^\*\*(.+?):?\*\*:?\s*$")
_TAIL = re.compile(r"(?:\s*<!-- (?:evt|msg):[A-Za-z0-9_:-]+ -->)+\s*$")
_MSG_ID = re.compile(r"<!-- msg:([A-Za-z0-9_:-]+) -->")
_EVT_ID = re.compile(r"<!-- evt:evt_([0-9a-z]{26}) -->")
_STAMP = r"(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})(?::\d{2})?Z?"
_SENT = re.compile(r"^[-*+] " + _STAMP + r" → (.+?): (.*?)(?: \((low|normal|high|urgent)\))?$")
_RECEIVED = re.compile(r"^[-*+] " + _STAMP + r" ← ")
_CHECK = re.compile(r"^\s*[-*+] \[( |x|X)\] (.*)$")
_PLAIN_ITEM = re.compile(r"^(?:[-*+]|\d+[.)]) (?!\[[ xX]\] )(.*)$")
_DATE_PREFIX = re.compile(r"^\*\*(\d{4}-\d{2}-\d{2}):?\*\*:?\s*")
_WORKING_ON = re.compile(r"^\s*\*\*Working On:?\*\*:?\s*(.*)$", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNESCAPE = re.compile(r"^(\s*)\\")
_LEAD = re.compile(r"^(\s*)(?=\\)")
_LEAD_SPACE = re.compile(r"^(\s*)")
_DEEP_FENCE = re.compile(r"^ {2,3}(`{3,}|~{3,})")
_AMP = re.compile(r"&((?:amp;)*)lt;!--")
_UNAMP = re.compile(r"&amp;((?:amp;)*)lt;!--")
_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
_CROCKFORD = {c: i for i, c in enumerate("0123456789abcdefghjkmnpqrstvwxyz")}

_KINDS = {
    **{norm(n): "current" for n in CURRENT_WORK}, **{norm(n): "completed" for n in COMPLETED},
    **{norm(n): "blockers" for n in BLOCKERS}, **{norm(n): "coordination" for n in COORDINATION},
    **{norm(n): "next" for n in NEXT_STEPS},
}


# -- data ---------------------------------------------------------------------------------
@dataclass
class Message:
    """One message as an inbox shows it."""

    id: str
    sender: str
    to: str
    priority: str
    sent: str  # "YYYY-MM-DD HH:MM" (UTC)
    text: str
    unread: bool = True
    sender_archived: bool = False
    via: str | None = None  # addressed to this session's predecessor (handoff)
    complete: bool = True  # False when ``text`` was cut to CACHED_TEXT characters

    @property
    def broadcast(self) -> bool:
        return self.to == BROADCAST

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("complete")
        out["broadcast"] = self.broadcast
        out["from"] = out.pop("sender")
        return out


class View:
    """Every session's digest and every message, read once per command.

    A message is a list ``[id, sender, to, priority, sent, text, sender_archived, complete]``
    (there may be tens of thousands). Messages to a recipient may still be a JSON fragment
    from the view cache, parsed only when that recipient's mail is asked for.
    """

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}  # id -> digest (active preferred)
        self.acked: dict[str, set[str]] = {}
        self.casts: list[list[Any]] = []
        self.counts: dict[str, dict[str, int]] | None = None
        self._by_to: dict[str, list[list[Any]]] = {}
        self._raw: dict[str, str] = {}
        self._mail: tuple[Workspace, Path, str] | None = None  # mail in the cache, not loaded yet

    def _load_mail(self) -> None:
        import orjson

        assert self._mail is not None
        ws, path, signature = self._mail
        self._mail = None
        try:
            data = orjson.loads(path.read_bytes())
            if isinstance(data, dict) and data.get("signature") == signature and isinstance(data.get("by_to"), dict):
                self._raw = data["by_to"]
                return
        except (OSError, orjson.JSONDecodeError):
            pass
        self._by_to = _build_view(ws, _scan(ws)).by_to()  # the cache was replaced meanwhile

    def to(self, sid: str) -> list[list[Any]]:
        """Direct messages to ``sid``."""
        if self._mail is not None:
            self._load_mail()
        if sid in self._raw:
            import orjson

            self._by_to[sid] = orjson.loads(self._raw.pop(sid))
        return self._by_to.get(sid, [])

    def by_to(self) -> dict[str, list[list[Any]]]:
        if self._mail is not None:
            self._load_mail()
        for sid in list(self._raw):
            self.to(sid)
        return self._by_to


def ulid_time(ulid: str) -> float | None:
    """Seconds since the epoch encoded in a ULID's first ten characters."""
    try:
        ms = 0
        for ch in ulid[:10]:
            ms = ms * 32 + _CROCKFORD[ch]
    except KeyError:
        return None
    return ms / 1000 if len(ulid) >= 10 else None


def _stamp(moment: Any = None) -> str:
    return (moment or clock.now()).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def _as_iso(value: Any) -> str | None:
    if value is None:
        return None
    moment = clock.as_datetime(value)
    return clock.iso(moment) if moment is not None else str(value)


def normalize_text(text: str) -> str:
    """Line breaks as ``\n`` only (``str.splitlines`` also breaks at U+2028, U+2029 and U+0085)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_SEPARATORS)


def _escape(text: str) -> str:
    """The exact inverse of ``_unescape`` once ``entry_lines`` has escaped its own way."""
    # A line that starts with a backslash gets one more, and so does a line shaped like a
    # **Label:** (SessionDoc would end the list there, even indented) or a fence indented by
    # 2-3 spaces (entry_lines counts it as a fence, but indented under the bullet it is none,
    # and the closing fence entry_lines adds would open one). A literal '&lt;!--' gets '&amp;'.
    lines = []
    for n, line in enumerate(text.split("\n")):
        line = _LEAD.sub(r"\1\\", line)
        if _LABEL.match(line.strip()) or (n and _DEEP_FENCE.match(line)):
            line = _LEAD_SPACE.sub(r"\1\\", line)
        lines.append(_AMP.sub(r"&amp;\1lt;!--", line))
    text = "\n".join(lines)
    if _FENCE.match(text.split("\n", 1)[0]):
        text = "\\" + text  # a fence cannot open inside the quoted first line
    return text


def _unescape(lines: list[str]) -> str:
    return "\n".join(_UNAMP.sub(r"&\1lt;!--", _UNESCAPE.sub(r"\1", line).replace("&lt;!--", "<!--"))
                     for line in lines)


def _clean(text: str) -> str:
    from journal.document import strip_markers

    return strip_markers(text).strip()


# -- digest of one file -------------------------------------------------------------------
def _section_kind(title: str) -> str | None:
    t = norm(title)
    if t in _KINDS:
        return _KINDS[t]
    for name, kind in _KINDS.items():
        if t.startswith(name + " ") or t.endswith(" " + name):
            return kind
    return None


def _frontmatter(text: str, where: str) -> tuple[dict[str, Any], int]:
    from journal.document import load_yaml
    from journal.errors import MalformedFile

    if not text.startswith("---"):
        raise MalformedFile(f"{where}: no YAML frontmatter")
    first = text.find("\n")
    m = re.compile(r"^(?:---|\.\.\.)\r?$", re.M).search(text, first + 1)
    if first < 0 or m is None:
        raise MalformedFile(f"{where}: frontmatter is not closed with '---'")
    meta = load_yaml(text[first + 1 : m.start()], where) or {}
    if not isinstance(meta, dict):
        raise MalformedFile(f"{where}: frontmatter is not a mapping")
    return meta, m.end()


def _message(sender: str, header: str, cont: list[str], created_day: str,
             limit: int | None = CACHED_TEXT) -> list[Any] | None:
    """[id, to, priority, stamp, text, complete] of a Messages Sent entry, or None."""
    ids = _MSG_ID.findall(header)
    bare = _TAIL.sub("", header)
    m = _SENT.match(bare)
    if m is None:
        return None
    day, hh, mm, to, first, priority = m.groups()
    to = to.strip()
    if len(first) >= 2 and first[0] == '"' and first[-1] == '"':
        first = first[1:-1]
    while cont and not cont[-1].strip():
        cont.pop()
    text = _unescape([first] + [line[2:] if line.startswith("  ") else line.lstrip() for line in cont])
    if ids:
        msg_id = ids[-1]
    else:  # a hand-written line: an id that stays the same while the line does
        import hashlib

        msg_id = "x" + hashlib.sha1(f"{sender}\n{header}".encode()).hexdigest()[:20]
    stamp = f"{day or created_day} {int(hh):02d}:{mm}".strip()
    complete = limit is None or len(text) <= limit
    return [msg_id, to, priority or "normal", stamp, text if complete else text[:limit], complete]


def digest_text(text: str, sid: str, where: str = "session") -> dict[str, Any]:
    """What coordination needs from one log, read in one pass without a full SessionDoc."""
    meta, body_at = _frontmatter(text, where)
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
            msg = _message(sid, header, cont, created_day)
            if msg is not None:
                d["sent"].append(msg)
        header = None
        cont.clear()

    for raw in lines:
        line = raw[:-1] if raw.endswith("\r") else raw
        if header is not None:
            if not line or line[0] in " \t":
                cont.append(line)
                f = _FENCE.match(line)
                if f:
                    fence = None if fence and f.group(1).startswith(fence) else (fence or f.group(1)[0] * len(f.group(1)))
                continue
            finish()
        f = _FENCE.match(line)
        if f:
            token = f.group(1)
            if fence is None:
                fence = token[0] * len(token)
            elif token.startswith(fence):
                fence = None
            continue
        if fence is not None or not line.strip():
            continue
        if line[0] == "#":
            h = _HEAD.match(line)
            if h:
                section = _section_kind(h.group(2)) if len(h.group(1)) == 2 else None
                label = None
                continue
        if section is None:
            continue
        lm = _LABEL.match(line.strip())
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
            elif label in (None, norm(MESSAGES_RECEIVED)) and _RECEIVED.match(line):
                d["acked"] += _MSG_ID.findall(line)
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
                since = dm.group(1) if dm else None
                evt = _EVT_ID.search(c.group(2))
                if evt:
                    t = ulid_time(evt.group(1))
                    exact = clock.iso(datetime.fromtimestamp(t, timezone.utc)) if t is not None else None
                    if exact is not None and (since is None or exact[:10] == since):
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
def _load_cache(path: Path) -> dict[str, Any]:
    import orjson

    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or not isinstance(data.get("files"), dict):
        return {}
    return data["files"]


def _save_cache(path: Path, files: dict[str, Any]) -> None:
    import orjson

    from journal.fsutil import atomic_write

    with contextlib.suppress(OSError):
        atomic_write(path, orjson.dumps({"version": CACHE_VERSION, "files": files}).decode())


def _digest_file(path: Path, sid: str) -> dict[str, Any]:
    from journal.errors import JournalError
    from journal.fsutil import read_text

    try:
        return digest_text(read_text(path), sid, str(path))
    except (JournalError, OSError) as e:
        return {"id": sid, "error": str(e), "sent": [], "acked": [], "blockers": [], "next": [],
                "phases": [], "completed": []}


Entry = tuple[str, str, str, bool, list[int]]  # cache key, path, session id, archived, [mtime_ns, size]


def _scan(ws: Workspace, archived: bool = True) -> list[Entry]:
    """Every log file with its (mtime_ns, size): one stat each, nothing read."""
    from journal.sessions import ARCHIVE_NAME

    ws.require()
    out: list[Entry] = []
    folders = [(ws.active_dir, False)] + ([(ws.archive_dir, True)] if archived else [])
    for folder, is_archive in folders:
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            name = entry.name
            if not name.endswith(".md") or name.startswith("."):
                continue
            if is_archive:
                m = ARCHIVE_NAME.match(name)
                if not m:
                    continue
                sid = m["id"]
            else:
                sid = name[:-3]
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue  # archived or removed meanwhile
            out.append((("A/" if is_archive else "") + name, entry.path, sid, is_archive, [st.st_mtime_ns, st.st_size]))
    return out


def digests(ws: Workspace, archived: bool = True, scanned: list[Entry] | None = None) -> list[dict[str, Any]]:
    """The digest of every active (and archived) log, each with ``path`` and ``archived``."""
    cache_path = ws.state_dir / "cache" / "coordination.json"
    cache = _load_cache(cache_path)
    fresh: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    changed = False
    racy = time.time_ns() - RACY_NS
    for key, path, sid, is_archive, stamp in scanned if scanned is not None else _scan(ws, archived):
        hit = cache.get(key)
        if hit is not None and hit[0] == stamp and stamp[0] < racy:
            d = hit[1]
        else:
            d, changed = _digest_file(Path(path), sid), True
        if stamp[0] < racy:
            fresh[key] = [stamp, d]
        d["id"], d["archived"], d["path"] = sid, is_archive, path
        out.append(d)
    if not archived:
        fresh.update({k: v for k, v in cache.items() if k.startswith("A/")})
    if changed or len(fresh) != len(cache):
        local = ("path", "archived")  # recomputed on every read, never cached
        _save_cache(cache_path, {k: [st, {f: v for f, v in d.items() if f not in local}]
                                 for k, (st, d) in fresh.items()})
    return out


def _signature(scanned: list[Entry]) -> str:
    """Every file's name, mtime and size, folded (zlib's checksums import in no time, hashlib's do not)."""
    import zlib

    data = "\n".join(f"{key} {stamp[0]} {stamp[1]}" for key, _p, _s, _a, stamp in sorted(scanned)).encode()
    return f"{CACHE_VERSION}-{len(scanned)}-{len(data)}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}"


def _view_from_cache(ws: Workspace, data: dict[str, Any], mail: Path) -> View:
    view = View()
    folders = {True: str(ws.archive_dir), False: str(ws.active_dir)}
    for sid, d in data["sessions"].items():
        d["path"] = os.path.join(folders[d["archived"]], d.pop("file"))
        view.sessions[sid] = d
    view.acked = {sid: set(ids) for sid, ids in data["acked"].items()}
    view.casts = data["casts"]
    view._mail = (ws, mail, data["signature"])
    view.counts = data["counts"]
    return view


def _save_view(ws: Workspace, path: Path, mail: Path, signature: str, view: View) -> None:
    """Two files: the view (small: what the board needs) and everyone's mail, read only for inboxes."""
    import orjson

    from journal.fsutil import atomic_write

    sessions = {sid: dict({k: v for k, v in d.items() if k not in ("sent", "path")}, file=os.path.basename(d["path"]))
                for sid, d in view.sessions.items()}
    data = {"version": CACHE_VERSION, "signature": signature, "sessions": sessions,
            "acked": {sid: sorted(ids) for sid, ids in view.acked.items() if ids}, "casts": view.casts,
            "counts": view.counts}
    by_to = {to: orjson.dumps(ms).decode() for to, ms in view.by_to().items()}
    with contextlib.suppress(OSError):
        atomic_write(mail, orjson.dumps({"signature": signature, "by_to": by_to}).decode())
        atomic_write(path, orjson.dumps(data).decode())  # last: the view is valid only with its mail


def load_view(ws: Workspace) -> View:
    """Every session (active preferred over archived copies) and every message, deduplicated.

    Served from ``.journal/cache/coordination-view.json`` while no log changed.
    """
    import orjson

    scanned = _scan(ws)
    signature = _signature(scanned)
    cache_path = ws.state_dir / "cache" / "coordination-view.json"
    mail_path = ws.state_dir / "cache" / "coordination-mail.json"
    try:
        data = orjson.loads(cache_path.read_bytes())
        if isinstance(data, dict) and data.get("version") == CACHE_VERSION and data.get("signature") == signature:
            return _view_from_cache(ws, data, mail_path)
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        pass
    return _build_view(ws, scanned, signature)


def _build_view(ws: Workspace, scanned: list[Entry], signature: str | None = None) -> View:
    """The view computed from the per-file digests; cached when no file is racy."""
    view = View()
    seen: set[str] = set()
    by_to = view._by_to
    for d in sorted(digests(ws, scanned=scanned), key=lambda d: d["archived"]):
        sid, archived = d["id"], d["archived"]
        view.sessions.setdefault(sid, d)
        view.acked.setdefault(sid, set()).update(d.get("acked") or ())
        for mid, to, priority, sent, text, complete in d.get("sent") or ():
            if mid not in seen:
                seen.add(mid)
                m = [mid, sid, to, priority, sent, text, archived, complete]
                if to == BROADCAST:
                    view.casts.append(m)
                elif to in by_to:
                    by_to[to].append(m)
                else:
                    by_to[to] = [m]
    view.counts = _unread_counts(view)
    if signature is not None and all(entry[4][0] < time.time_ns() - RACY_NS for entry in scanned):
        cache = ws.state_dir / "cache"
        _save_view(ws, cache / "coordination-view.json", cache / "coordination-mail.json", signature, view)
    return view


# -- sending ------------------------------------------------------------------------------
def check_priority(priority: str | None) -> str:
    value = (priority or "normal").strip().lower()
    if value not in PRIORITIES:
        raise InvalidInput(f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
    return value


def _check_message_text(text: str) -> str:
    from journal.fsutil import check_text

    if text is None or not str(text).strip():
        raise InvalidInput("message text is empty")
    check_text(text, "message text")
    return text


def _record(ws: Workspace, sid: str, event_type: str, event_id: str, data: dict[str, Any],
            agent: str | None) -> None:
    """Append the event that the Markdown entry's ``evt`` marker points at."""
    from journal.events.store import append_event

    text = data.get("text")
    if isinstance(text, str) and len(text) > MAX_EVENT_TEXT:
        data["text"], data["truncated"] = text[:MAX_EVENT_TEXT], True
    append_event(ws, sid, event_type, data=data, agent=agent, source="journal", event_id=event_id)


def _owner(doc: SessionDoc) -> str | None:
    owner = doc.meta.get("owner")
    return (owner.get("agent") or owner.get("name")) if isinstance(owner, dict) else None


def send_message(ws: Workspace, sender: str, to: str, text: str, priority: str | None = None) -> Message:
    """Record a message to ``to`` (a session id, or ``broadcast``) in the sender's own log."""
    from journal import activity
    from journal.ids import ulid, validate_id
    from journal.sessions import mutate_session

    priority = check_priority(priority)
    text = _check_message_text(text)
    validate_id(sender)
    to = validate_id(to.strip() if to else to, "recipient")
    if to != BROADCAST:
        if to == sender:
            raise InvalidInput(f"session {sender!r} cannot message itself")
        if not ws.active_path(to).is_file():
            ws.require()
            raise NotFound(f"no active session {to!r} to message (see 'journal board')")
    mid = ulid()
    event_id = "evt_" + mid
    stamp = _stamp()
    body = _escape(normalize_text(text).strip("\n"))
    marker = f'" ({priority}) <!-- msg:{mid} -->' + activity.marker(event_id)
    found: dict[str, Any] = {}

    def edit(doc: SessionDoc) -> None:
        section = doc.find(*COORDINATION) or doc.add_section(COORDINATION[0])
        doc.append_under_label(section, MESSAGES_SENT, entry_lines(body, doc.nl, f'- {stamp} → {to}: "', marker))
        found["agent"] = _owner(doc)

    with deferred_signals():
        mutate_session(ws, sender, edit)
        _record(ws, sender, "state_change", event_id,
                {"action": "broadcast" if to == BROADCAST else "message", "section": COORDINATION[0],
                 "message_id": mid, "to": to, "priority": priority, "text": text}, found.get("agent"))
    return Message(mid, sender, to, priority, stamp, text)


def broadcast(ws: Workspace, sender: str, text: str, priority: str | None = None) -> Message:
    """Record a message to every session in the sender's own log."""
    return send_message(ws, sender, BROADCAST, text, priority)


# -- inbox --------------------------------------------------------------------------------
def _chain(view: View, sid: str) -> list[str]:
    """The session and its predecessors through ``handoff_from``, nearest first."""
    chain = [sid]
    while True:
        d = view.sessions.get(chain[-1]) or {}
        prev = d.get("handoff_from")
        if not isinstance(prev, str) or prev in chain or len(chain) > 50:
            return chain
        chain.append(prev)


def _since(view: View, chain: list[str]) -> str:
    created = (view.sessions.get(chain[-1]) or {}).get("created") or ""
    return created[:16].replace("T", " ")


def _full_text(m: Message, view: View) -> str:
    """The whole text of a message whose cached text was cut, read again from its file."""
    from journal.fsutil import read_text

    d = view.sessions.get(m.sender)
    if m.complete or d is None:
        return m.text
    lines = read_text(Path(d["path"])).split("\n")
    for i, line in enumerate(lines):
        if f"<!-- msg:{m.id} -->" in line and " → " in line:
            cont = []
            for nxt in lines[i + 1 :]:
                nxt = nxt.rstrip("\r")
                if nxt and nxt[0] not in " \t":
                    break
                cont.append(nxt)
            full = _message(m.sender, line.rstrip("\r"), cont, "", limit=None)
            if full is not None:
                return str(full[4])
    return m.text


def inbox(ws: Workspace, sid: str, include_read: bool = False, view: View | None = None) -> list[Message]:
    """Messages to ``sid`` (or its handoff predecessors) and broadcasts since it began, newest first.

    A message is read once the session (or a predecessor) acknowledged it. Own
    broadcasts are not in one's inbox.
    """
    from journal.ids import validate_id

    validate_id(sid)
    view = view or load_view(ws)
    if sid not in view.sessions:
        raise NotFound(f"no session {sid!r} in ACTIVE or ARCHIVE of {ws.root}")
    chain = _chain(view, sid)
    acked: set[str] = set().union(*(view.acked.get(c, set()) for c in chain))
    since = _since(view, chain)
    out = []
    candidates = [m for c in chain for m in view.to(c)] + view.casts
    for mid, sender, to, priority, sent, text, archived, complete in candidates:
        if sender in chain:
            continue
        if to == BROADCAST:
            if sent < since:
                continue
        elif to not in chain:
            continue
        unread = mid not in acked
        if unread or include_read:
            msg = Message(mid, sender, to, priority, sent, text, unread, archived,
                          to if to not in (sid, BROADCAST) else None, complete)
            if not msg.complete:
                msg.text, msg.complete = _full_text(msg, view), True
            out.append(msg)
    out.sort(key=lambda m: (m.sent, m.id), reverse=True)
    return out


def _pick(messages: list[Message], wanted: str) -> Message:
    wanted = wanted.strip().lower()
    exact = [m for m in messages if m.id.lower() == wanted]
    if exact:
        return exact[0]
    if len(wanted) < 6:
        raise InvalidInput(f"message id {wanted!r} is too short: give at least 6 characters")
    hits = [m for m in messages if m.id.lower().startswith(wanted) or m.id.lower().endswith(wanted)]
    if not hits:
        raise NotFound(f"no message {wanted!r} in this inbox")
    if len(hits) > 1:
        raise InvalidInput(f"message id {wanted!r} matches {len(hits)} messages; give more characters")
    return hits[0]


def _quote(text: str, limit: int = 120) -> str:
    text = normalize_text(text).strip()
    first = text.split("\n", 1)[0].strip()
    more = "\n" in text
    if len(first) > limit:
        first, more = first[: limit - 1].rstrip(), True
    return first + ("…" if more else "")


def acknowledge(ws: Workspace, sid: str, ids: list[str] | None = None) -> list[Message]:
    """Mark messages read by recording them under the session's Messages Received.

    With no ids, every unread message is acknowledged. Returns the messages newly acknowledged.
    """
    from journal import activity
    from journal.ids import ulid
    from journal.sessions import mutate_session

    ws.active_path(sid)
    everything = inbox(ws, sid, include_read=True)
    if ids:
        chosen = list({m.id: m for m in (_pick(everything, i) for i in ids)}.values())
    else:
        chosen = [m for m in everything if m.unread]
    chosen = [m for m in chosen if m.unread]
    if not chosen:
        return []
    event_id = "evt_" + ulid()
    stamp = _stamp()
    done: list[Message] = []
    found: dict[str, Any] = {}

    def edit(doc: SessionDoc) -> None:
        already = set(digest_text(doc.text(), sid, doc.where)["acked"])
        section = doc.find(*COORDINATION) or doc.add_section(COORDINATION[0])
        for m in sorted(chosen, key=lambda m: (m.sent, m.id)):
            if m.id in already:
                continue
            who = m.sender + (" (broadcast)" if m.broadcast else "")
            marker = f'" ({m.priority}) <!-- msg:{m.id} -->' + activity.marker(event_id)
            doc.append_under_label(section, MESSAGES_RECEIVED,
                                   entry_lines(_quote(m.text), doc.nl, f'- {stamp} ← {who}: "', marker))
            section = doc.require(*COORDINATION)
            done.append(m)
        found["agent"] = _owner(doc)

    with deferred_signals():
        mutate_session(ws, sid, edit)
        if done:
            _record(ws, sid, "state_change", event_id,
                    {"action": "ack", "section": COORDINATION[0], "message_ids": [m.id for m in done],
                     "text": "; ".join(f"{m.sender}: {_quote(m.text, 60)}" for m in done)}, found.get("agent"))
    for m in done:
        m.unread = False
    return done


# -- board and blockers -------------------------------------------------------------------
def _unread_counts(view: View) -> dict[str, dict[str, int]]:
    """Unread messages per session and priority, without a pass over every message per session."""
    by_to = view.by_to()
    casts = [(m[4], m[0], m[1], m[3]) for m in view.casts]  # (sent, id, sender, priority)
    casts.sort()
    stamps = [c[0] for c in casts]
    prefix = {p: [0] for p in PRIORITIES}
    for cast in casts:
        for p in PRIORITIES:
            prefix[p].append(prefix[p][-1] + (cast[3] == p))
    cast_by_id = {cast[1]: cast for cast in casts}
    cast_by_sender: dict[str, list[tuple[str, str, str, str]]] = {}
    for cast in casts:
        cast_by_sender.setdefault(cast[2], []).append(cast)
    out: dict[str, dict[str, int]] = {}
    for sid in view.sessions:
        chain = _chain(view, sid)
        acked: set[str] = set().union(*(view.acked.get(c, set()) for c in chain))
        since = _since(view, chain)
        counts = dict.fromkeys(PRIORITIES, 0)
        for c in chain:
            for mid, sender, _to, priority, *_ in by_to.get(c, ()):
                if sender not in chain and mid not in acked:
                    counts[priority] += 1
        k = bisect.bisect_left(stamps, since)
        for p in PRIORITIES:
            counts[p] += prefix[p][-1] - prefix[p][k]
        for c in chain:
            for sent, _mid, _sender, priority in cast_by_sender.get(c, ()):
                if sent >= since:
                    counts[priority] -= 1
        for mid in acked:
            hit = cast_by_id.get(mid)
            if hit is not None and hit[0] >= since and hit[2] not in chain:
                counts[hit[3]] -= 1
        out[sid] = counts
    return out


def _rel(ws: Workspace, path: str) -> str:
    root = str(ws.root) + os.sep
    return path[len(root):].replace(os.sep, "/") if path.startswith(root) else path


def _age_hours(value: str | None, now: Any) -> float | None:
    moment = clock.as_datetime(value)
    return None if moment is None else (now - moment).total_seconds() / 3600


def board(ws: Workspace, stale_hours: float | None = None) -> list[dict[str, Any]]:
    """One row per active session, what needs attention first (blocked, stale, blockers, urgent mail)."""
    if stale_hours is not None and stale_hours <= 0:
        raise InvalidInput("--stale-hours must be a positive number")
    limit = ws.config.stale_hours if stale_hours is None else stale_hours
    view = load_view(ws)
    counts = view.counts if view.counts is not None else _unread_counts(view)
    now = clock.now()
    rows: list[dict[str, Any]] = []
    for sid, d in view.sessions.items():
        if d["archived"]:
            continue
        c = counts.get(sid, dict.fromkeys(PRIORITIES, 0))
        idle = _age_hours(d.get("updated"), now)
        stale = idle is not None and idle > limit
        status = str(d.get("status") or "")
        blockers = d.get("blockers") or []
        attention = []
        if d.get("error"):
            attention.append("unreadable")
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
        })
    rows.sort(key=lambda r: r["id"])
    rows.sort(key=lambda r: str(r.get("updated") or ""), reverse=True)
    rows.sort(key=lambda r: -r["score"])
    return rows


def open_blockers(ws: Workspace) -> list[dict[str, Any]]:
    """Every open blocker across active sessions, oldest first, with its age in hours."""
    now = clock.now()
    out = []
    for d in load_view(ws).sessions.values():
        if d["archived"]:
            continue
        for text, since in d.get("blockers") or ():
            age = _age_hours(since, now)
            if age is not None and age < 0 and since and len(since) > 10:  # logged under a pinned clock
                since = since[:10]
                age = _age_hours(since, now)
            out.append({"session": d["id"], "role": d.get("role"), "blocker": text, "since": since,
                        "age_hours": None if age is None else round(age, 2),
                        "path": _rel(ws, d["path"])})
    out.sort(key=lambda b: (b["since"] is None, b["since"] or "", b["session"]))
    return out
