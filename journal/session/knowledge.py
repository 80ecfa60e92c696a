"""Shared knowledge: append-only files that every session adds to and none rewrites.

The entry format lives here, both ways: ``share_learning`` writes an entry and
``shared_entries`` reads them back::

    ### 2026-11-21 — Category (High)

    - the text, as one list entry
    - _Shared by session-12 (DevOps Engineer)_
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal import clock
from journal.session import intents, links
from journal.session.document import SessionDoc, entry_lines, single_line
from journal.ids import new_event_id
from journal.errors import InvalidInput
from journal.fsutil import check_text, deferred_signals, locked
from journal.session.sections import LEARNINGS
from journal.workspace import KNOWLEDGE_KINDS, Workspace

LEARNING_PRIORITIES = ("low", "medium", "high", "critical")


def share_learning(ws: Workspace, category: str, text: str, priority: str | None = None, *,
                   session_id: str | None = None, kind: str = "learnings") -> dict[str, Any]:
    """Append a dated, attributed entry to shared-knowledge/<kind>.md; record it in the session."""
    from journal.init import init_workspace
    from journal.session.store import locate

    category = single_line(category, "category", 200)
    check_text(text)
    if not text.strip():
        raise InvalidInput("learning text is empty")
    if kind not in KNOWLEDGE_KINDS:
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(KNOWLEDGE_KINDS)}")
    if priority is not None:
        if priority.strip().lower() not in LEARNING_PRIORITIES:
            raise InvalidInput(f"priority {priority!r} is not one of {', '.join(LEARNING_PRIORITIES)}")
        priority = priority.strip().title()
    role = None
    if session_id is not None:
        ref = locate(ws, session_id, archived=False)
        role = SessionDoc.read(ref.path).meta.get("role")
    if not ws.knowledge_dir.is_dir() or not ws.knowledge_path(kind).exists():
        init_workspace(ws)
    event_id = new_event_id() if session_id else None
    date = clock.today()
    heading = f"### {date} — {category}" + (f" ({priority})" if priority else "")
    who = f"_Shared by {session_id}" + (f" ({role})" if role else "") + "_" if session_id else "_Shared without a session_"
    lines = [heading + "\n", "\n", *entry_lines(text, "\n")]
    lines.append(f"- {who}\n")
    path = ws.knowledge_path(kind)
    result: dict[str, Any] = {"file": ws.rel(path), "category": category, "priority": priority,
                              "session": session_id, "event_id": event_id}
    record = "".join(lines)
    if session_id is None or event_id is None:  # one whole append: nothing else to keep in step
        with deferred_signals(), locked(ws.lock_path(path)):
            _append_entry(path, record)
        return result
    note = f"**{date}:** {category}" + (f" ({priority})" if priority else "") + f": {text}"
    shared = f" — shared to `{ws.rel(path)}`"
    keys: list[str] = []

    def edit(doc: SessionDoc) -> None:
        section = doc.find(*LEARNINGS) or doc.add_section(LEARNINGS[0])
        entry = entry_lines(note, doc.nl, "- ", "")
        entry[0] = entry[0].rstrip("\r\n") + shared + doc.nl
        doc.append_entry(section, entry)
        keys.extend(links.hashes(entry))

    # The shared entry, the session's entry and its event: one change, in that order.
    share_in_session(ws, session_id, edit, intents.append_step(ws, path, record), lambda: links.event_spec(
        "decision", "share-learning", event_id=event_id, section=LEARNINGS[0], text=text,
        tags=[kind, category], lines=keys, details={"file": ws.rel(path), "heading": heading}))
    return result


def _append_entry(path: Path, record: str) -> None:
    from journal.session.intents import _append_whole

    _append_whole(path, record)


def share_in_session(ws: Workspace, session_id: str, edit: Any, append: dict[str, Any], event: Any) -> None:
    """Under the session's lock: the append to shared knowledge, the session's edit and the event,
    written as one recoverable change."""
    from journal.fsutil import guard
    from journal.session.store import _events, locate

    with deferred_signals(), locked(intents.session_lock(ws, session_id)):
        intents.recover_pending(ws, session_id)
        ref = locate(ws, session_id, archived=False)
        guard(ref.path)
        doc = SessionDoc.read(ref.path)
        before = doc.text()
        edit(doc)
        doc.set_meta("updated", clock.iso())
        built = _events(session_id, event())
        intents.run(ws, session_id, "share-learning", [append, intents.write_step(ws, ref.path, before, doc.text())],
                    built)


_SHARED_BY = re.compile(r"^[-*] _Shared (?:by (\S+)(?: \((.*)\))?|without a session)_")
_HEAD_PARTS = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*[—-]\s*(.*?)(?:\s*\(([^()]*)\))?$")
_ENTRY_HEAD = re.compile(r"^###(?!#)[ \t]+(.*?)[ \t]*$")
@dataclass
class Learning:
    """One entry of a shared-knowledge file."""

    kind: str
    path: str
    line: int
    date: str | None
    category: str
    priority: str | None
    text: str
    shared_by: str | None = None
    score: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__, score=round(self.score, 3))


def shared_entries(ws: Workspace) -> list[Learning]:
    """Every ``### date — Category (Priority)`` entry of the shared-knowledge files."""
    from journal.errors import JournalError
    from journal.fsutil import read_text

    out: list[Learning] = []
    for kind in KNOWLEDGE_KINDS:
        path = ws.knowledge_path(kind)
        try:
            lines = read_text(path).split("\n")
        except JournalError:
            continue
        current: Learning | None = None
        body: list[str] = []

        def close() -> None:
            if current is not None:
                kept = []
                for line in body:
                    who = _SHARED_BY.match(line.strip())
                    if who:
                        current.shared_by = who.group(1)
                    else:
                        kept.append(line)
                current.text = _strip("\n".join(kept).strip())
                if current.text or current.category:
                    out.append(current)

        for n, line in enumerate(lines, 1):
            line = line.rstrip("\r")
            h = _ENTRY_HEAD.match(line)
            if h:
                close()
                parts = _HEAD_PARTS.match(h.group(1))
                date, category, priority = (parts.groups() if parts else (None, h.group(1), None))
                current, body = Learning(kind, ws.rel(path), n, date, category.strip(), priority, ""), []
            elif line.startswith("#"):
                close()
                current, body = None, []
            elif current is not None:
                body.append(line)
        close()
    return out


def _strip(text: str) -> str:
    from journal.session.links import strip_markers

    lines = [re.sub(r"^- ", "", strip_markers(line)).rstrip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line.strip())
