"""Changing a session's sections: Current Work, entries in any section, resolving blockers.

Each change is one ``mutate_session``: lock, re-read, edit, then the file and the event
that records it, written as one change that a crash cannot leave half-done unreported.
"""
from __future__ import annotations

import re
from typing import Any

from journal import clock
from journal.errors import InvalidInput, NotFound
from journal.fsutil import check_text
from journal.ids import new_event_id
from journal.session import links
from journal.session.document import SessionDoc, entry_lines, single_line
from journal.session.links import strip_markers
from journal.session.sections import BLOCKERS, CURRENT_WORK, ENTRY_ALIASES, ENTRY_KINDS, PHASE_LABEL, EntryKind
from journal.session.store import mutate_session, session_owner
from journal.workspace import Workspace

_CHECKBOX = re.compile(r"^(\s*[-*+] )\[( |x|X)\] (.*)$")
_DATE_PREFIX = re.compile(r"^\*\*\d{4}-\d\d-\d\d(?: \d\d:\d\d)?:\*\*\s*")


def _stamp(kind: EntryKind) -> str:
    """The date an entry starts with; blockers also give the minute, so their age is exact."""
    moment = clock.now()
    return moment.strftime("%Y-%m-%d %H:%M") if kind.name == "blocker" else moment.strftime("%Y-%m-%d")


def _opening_event(ws: Workspace, session_id: str, doc: SessionDoc, index: int, line: str) -> str | None:
    """The event that opened the blocker on line ``index``: by its link, or its legacy reference."""
    legacy = links.event_ids(line)
    if legacy:
        return legacy[0]
    from journal.events import query_events

    events = query_events(ws, session_id=session_id, types=["commitment"]).events
    placed = links.place_events(doc.lines, events)
    return next((eid for eid, where in placed.items() if index in where), None)


# -- Current Work ---------------------------------------------------------------------
def _checkbox_items(doc: SessionDoc, start: int, end: int) -> list[tuple[int, bool, str]]:
    items = []
    for i in range(start, end):
        m = _CHECKBOX.match(doc.lines[i].rstrip("\r\n"))
        if m:
            items.append((i, m.group(2) != " ", strip_markers(m.group(3)).strip()))
    return items


def _match_item(items: list[tuple[int, bool, str]], text: str, what: str) -> tuple[int, bool, str] | None:
    """The item numbered ``text`` (from 1; a number is never matched as text), else the one
    whose text is ``text``, else the one containing it; None when there is none."""
    number = text.strip()
    if number[:1] in ("-", "+"):
        number = number[1:]
    if number and number.isascii() and number.isdigit():  # (a sign too: "-1" is a number, never text)
        n = int(text)
        if n < 1:
            raise InvalidInput(f"{what} number {text.strip()} is out of range: numbers start at 1")
        return items[n - 1] if n <= len(items) else None
    exact = [it for it in items if it[2].lower() == text.lower()]
    if exact:
        return exact[0]
    partial = [it for it in items if text.lower() in it[2].lower()]
    if len(partial) > 1:
        raise InvalidInput(f"{what} {text!r} matches {len(partial)} items; be more specific")
    return partial[0] if partial else None


def update_current_work(ws: Workspace, session_id: str, *, working_on: str | None = None,
                        status: str | None = None, progress: int | None = None,
                        phases: tuple[str, ...] = (), phases_done: tuple[str, ...] = ()) -> dict[str, Any]:
    """Change the Current Work section (and status/progress in the frontmatter)."""
    changes: dict[str, Any] = {}
    if working_on is not None:
        changes["working_on"] = single_line(working_on, "working-on text")
    if status is not None:
        status = single_line(status, "status", 50).lower()
        if status not in ws.config.statuses:
            raise InvalidInput(f"status {status!r} is not one of {', '.join(ws.config.statuses)}")
        changes["status"] = status
    if progress is not None:
        if not 0 <= progress <= 100:
            raise InvalidInput(f"progress {progress} is not between 0 and 100")
        changes["progress"] = progress
    phases = tuple(single_line(p, "phase") for p in phases)
    phases_done = tuple(single_line(p, "phase") for p in phases_done)
    if not (changes or phases or phases_done):
        raise InvalidInput("nothing to update: give --working-on, --status, --progress, --phase or --phase-done")
    event_id = new_event_id()

    owner: dict[str, str | None] = {}
    written: list[str] = []
    replaced: list[str] = []

    def note(pairs: list[tuple[str | None, str]]) -> None:
        for old, new in pairs:
            if old is not None:
                replaced.append(links.line_hash(old))
            written.append(links.line_hash(new))

    def edit(doc: SessionDoc) -> None:
        owner["agent"] = session_owner(doc)
        section = doc.find(*CURRENT_WORK) or doc.add_section(CURRENT_WORK[0])
        fields = ("Working On", "Status", "Progress")
        if "working_on" in changes:
            note(doc.set_field(section, "Working On", changes["working_on"]))
            section = doc.require(*CURRENT_WORK)
        if "status" in changes:
            doc.set_meta("status", changes["status"])
            note(doc.set_field(section, "Status", changes["status"].title(), after=fields[:1]))
            section = doc.require(*CURRENT_WORK)
        if "progress" in changes:
            doc.set_meta("progress", changes["progress"])
            note(doc.set_field(section, "Progress", f"{changes['progress']}%", after=fields[:2]))
            section = doc.require(*CURRENT_WORK)
        for phase in phases:
            items = _checkbox_items(doc, section.start, section.end)
            if not any(it[2].lower() == phase.lower() for it in items):
                entry = entry_lines(phase, doc.nl, "- [ ] ")
                doc.append_under_label(section, PHASE_LABEL, entry)
                written.extend(links.hashes(entry))
                section = doc.require(*CURRENT_WORK)
        for phase in phases_done:
            items = _checkbox_items(doc, section.start, section.end)
            hit = _match_item(items, phase, "phase")
            if hit is None:
                known = "; ".join(f"{n}. {it[2]}" for n, it in enumerate(items, 1)) or "none yet (add one with --phase)"
                raise NotFound(f"no phase {phase!r} in session {session_id!r} (phases: {known})")
            if not hit[1]:
                line = doc.lines[hit[0]]
                body = line.rstrip("\r\n")
                doc.lines[hit[0]] = body.replace("[ ]", "[x]", 1) + line[len(body):]
                note([(line, doc.lines[hit[0]])])
            section = doc.require(*CURRENT_WORK)

    summary = dict(changes, phases=list(phases), phases_done=list(phases_done))
    text = "; ".join(f"{k}={v}" for k, v in summary.items() if v not in ([], None))
    mutate_session(ws, session_id, edit, action="update", event=lambda _: links.event_spec(
        "state_change", "update", event_id=event_id, section="Current Work", text=text,
        agent=owner.get("agent"), lines=written, replaces=replaced))
    return summary


# -- entries --------------------------------------------------------------------------
def resolve_kind(name: str, doc: SessionDoc | None = None) -> EntryKind:
    key = name.strip().lower()
    key = ENTRY_ALIASES.get(key, key)
    if key in ENTRY_KINDS:
        return ENTRY_KINDS[key]
    if doc is not None and doc.find(name) is not None:
        section = doc.find(name)
        assert section is not None
        return EntryKind(key, (section.title,))
    known = ", ".join(ENTRY_KINDS)
    raise NotFound(f"no section {name!r}: use one of {known} or a '## heading' of the session's template")


def add_entry(ws: Workspace, session_id: str, section: str, text: str) -> dict[str, Any]:
    """Add one entry to a section (completed, service, learning, blocker, next, collaboration, custom)."""
    check_text(text)
    if not text.strip():
        raise InvalidInput("text is empty")
    event_id = new_event_id()
    found: dict[str, Any] = {}

    def edit(doc: SessionDoc) -> None:
        kind = resolve_kind(section, doc)
        found["kind"] = kind
        target = doc.find(*kind.headings) or doc.add_section(kind.headings[0])
        found["section"] = target.title
        body = f"**{_stamp(kind)}:** {text}" if kind.dated_text else text
        entry = entry_lines(body, doc.nl, kind.prefix)
        found["lines"] = links.hashes(entry)
        if kind.dated_label:
            doc.append_under_label(target, clock.today(), entry)
        elif kind.label:
            doc.append_under_label(target, kind.label, entry)
        else:
            doc.append_entry(target, entry)
        found["agent"] = session_owner(doc)

    def event(_: None) -> dict[str, Any]:
        kind: EntryKind = found["kind"]
        extra: dict[str, Any] = {}
        if kind.name == "blocker":
            extra["open_commitments"] = [{"id": event_id, "commitment": text[:500], "status": "open"}]
        return links.event_spec(kind.event_type, f"add-{kind.name}", event_id=event_id, section=found["section"],
                                text=text, agent=found["agent"], lines=found["lines"], **extra)

    mutate_session(ws, session_id, edit, action=f"add to {section!r}", event=event)
    return {"session": session_id, "section": found["section"], "event_id": event_id}


def open_blocker_items(doc: SessionDoc) -> list[tuple[int, str]]:
    """(line index, text) of each unchecked blocker, in order."""
    section = doc.find(*BLOCKERS)
    if section is None:
        return []
    return [(i, text) for i, done, text in _checkbox_items(doc, section.start, section.end) if not done]


def resolve_blocker(ws: Workspace, session_id: str, which: str, note: str | None = None) -> dict[str, Any]:
    """Mark an open blocker resolved (by its number among open blockers, or by its text)."""
    which = single_line(which, "blocker")
    note = single_line(note, "note") if note else None
    event_id = new_event_id()
    found: dict[str, Any] = {}

    def edit(doc: SessionDoc) -> None:
        items = [(i, False, text) for i, text in open_blocker_items(doc)]
        if not items:
            raise NotFound(f"session {session_id!r} has no open blocker")
        hit = _match_item(items, which, "blocker")
        if hit is None:
            raise NotFound(f"no open blocker {which!r} in session {session_id!r}")
        line = doc.lines[hit[0]]
        found["commit_id"] = _opening_event(ws, session_id, doc, hit[0], line) or event_id
        ending = line[len(line.rstrip("\r\n")):]
        body = links.strip_trailing_markers(line.rstrip("\r\n")).replace("[ ]", "[x]", 1)
        resolved = f" — **resolved {clock.today()}**" + (f": {note}" if note else "")
        doc.lines[hit[0]] = body + resolved + ending
        found["text"] = _DATE_PREFIX.sub("", hit[2])
        found["agent"] = session_owner(doc)
        found["lines"], found["replaces"] = [links.line_hash(doc.lines[hit[0]])], [links.line_hash(line)]

    mutate_session(ws, session_id, edit, action="resolve", event=lambda _: links.event_spec(
        "commitment", "resolve-blocker", event_id=event_id, section="Blockers & Issues",
        text=found["text"] + (f" — {note}" if note else ""), agent=found["agent"], lines=found["lines"],
        replaces=found["replaces"],
        open_commitments=[{"id": found["commit_id"], "commitment": found["text"][:500], "status": "done"}]))
    return {"session": session_id, "blocker": found["text"], "event_id": event_id}
