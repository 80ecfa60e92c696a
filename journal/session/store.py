"""Session logs: create, find, change one section at a time, archive and restore.

Every change goes through ``mutate_session``: lock the file, re-read it inside
the lock, apply one edit, set ``updated``, replace atomically, then append the
matching event. Other bytes of the file are never touched.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from journal import SCHEMA_VERSION, __version__, clock
from journal.session import activity
from journal.session.document import SessionDoc, entry_lines, single_line
from journal.errors import AlreadyExists, InvalidInput, NotFound
from journal.fsutil import atomic_write, check_text, deferred_signals, locked
from journal.ids import new_event_id, new_session_id, validate_id
from journal.session.sections import (
    BLOCKERS, CURRENT_WORK, ENTRY_ALIASES, ENTRY_KINDS, PHASE_LABEL, EntryKind,
)
from journal.workspace import SessionRef, Workspace, find_archived

T = TypeVar("T")
_CHECKBOX = re.compile(r"^(\s*[-*+] )\[( |x|X)\] (.*)$")


def locate(ws: Workspace, session_id: str, archived: bool = True) -> SessionRef:
    """The session's log, active first, then (when allowed) its newest archived copy."""
    ws.require()
    path = ws.active_path(session_id)
    if path.is_file():
        return SessionRef(session_id, path)
    if archived:
        copies = find_archived(ws, session_id)
        if copies:
            return copies[-1]
    where = "ACTIVE or ARCHIVE" if archived else "ACTIVE"
    raise NotFound(f"no session {session_id!r} in {where} of {ws.root}")


def read_session(ws: Workspace, session_id: str, archived: bool = True) -> tuple[SessionRef, SessionDoc]:
    ref = locate(ws, session_id, archived)
    return ref, SessionDoc.read(ref.path)


def mutate_session(ws: Workspace, session_id: str, fn: Callable[[SessionDoc], T],
                   archived: bool = False) -> T:
    """Apply ``fn`` to the session's document under its lock and write the result atomically."""
    ref = locate(ws, session_id, archived)
    with locked(ws.lock_path(ref.path)):
        if not ref.path.is_file():  # archived or removed while we waited
            ref = locate(ws, session_id, archived)
        doc = SessionDoc.read(ref.path)
        before = doc.text()
        result = fn(doc)
        if doc.text() != before:
            doc.set_meta("updated", clock.iso())
            atomic_write(ref.path, doc.text())
    return result


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def set_status(doc: SessionDoc, status: str, event_id: str) -> None:
    """Set the status in the frontmatter and, when present, the Current Work line."""
    doc.set_meta("status", status)
    section = doc.find(*CURRENT_WORK)
    if section is not None and doc.field_line(section, "Status") is not None:
        doc.set_field(section, "Status", status.title() + activity.marker(event_id))


def session_owner(doc: SessionDoc) -> str | None:
    """The agent or person named as the session's owner in its frontmatter."""
    owner = doc.meta.get("owner")
    if isinstance(owner, dict):
        return owner.get("agent") or owner.get("name")
    return None


# -- create ---------------------------------------------------------------------------
def _frontmatter(ws: Workspace, session_id: str, role: str, mission: str, agent: str | None,
                 model: str | None, now: str) -> dict[str, Any]:
    from journal.gitops import head_info

    branch, commit = head_info(ws.git_root)
    owner: dict[str, Any] = {"kind": "agent" if agent else "human"}
    if agent:
        owner["agent"] = agent
        if model:
            owner["model"] = model
    else:
        owner["name"] = os.environ.get("JOURNAL_USER") or _login_name()
    meta: dict[str, Any] = {
        "id": session_id, "role": role, "mission": mission, "status": "planning", "progress": 0,
        "created": now, "updated": now, "owner": owner,
    }
    if branch or commit:
        meta["git"] = {k: v for k, v in (("branch", branch), ("commit", commit)) if v}
    meta["events"] = f"events/{session_id}.jsonl"
    meta["tool_version"] = __version__
    meta["schema_version"] = SCHEMA_VERSION
    return meta


def create_session(ws: Workspace, session_id: str | None = None, role: str | None = None,
                   mission: str | None = None, *, agent: str | None = None, model: str | None = None,
                   template: Path | None = None, extra_meta: dict[str, Any] | None = None,
                   edit: Callable[[SessionDoc], None] | None = None) -> SessionRef:
    """Render the template into ACTIVE/<id>.md; refuse an id already active or archived.

    ``edit``, when given, fills the rendered document before its one write (used by handoff).
    """
    from journal.session.document import dump_yaml_lines
    from journal.init import init_workspace
    from journal.templates import render, session_template

    sid = validate_id(session_id) if session_id is not None else new_session_id()
    role = single_line(role or "Contributor", "role", 200)
    mission = single_line(mission or "(mission not set yet)", "mission")
    agent = single_line(agent, "agent name", 200) if agent else None
    model = single_line(model, "model", 200) if model else None
    if not ws.exists():
        init_workspace(ws)
    now = clock.iso()
    event_id = new_event_id()
    meta = _frontmatter(ws, sid, role, mission, agent, model, now)
    meta["created_event"] = event_id  # the create event points back at this file
    meta.update(extra_meta or {})
    source, where = session_template(ws.template_path, template)
    frontmatter = "".join(line for key, value in meta.items() for line in dump_yaml_lines(key, value, "\n"))
    text = render(source, where, frontmatter=frontmatter.rstrip("\n"), meta=meta, id=sid, role=role,
                  mission=mission, created=now, date=now[:10], agent=agent or "", model=model or "",
                  branch=(meta.get("git") or {}).get("branch", ""), status="planning", progress=0,
                  working_on="(not started)")
    doc = SessionDoc(text, where)  # the rendered template must be a valid session log
    if doc.meta.get("id") != sid:
        raise InvalidInput(f"{where}: the template's frontmatter does not carry the session id")
    if edit is not None:
        edit(doc)
    path = ws.active_path(sid)
    with deferred_signals():
        with locked(ws.lock_path(path)):
            if path.exists() or find_archived(ws, sid):
                raise AlreadyExists(f"session {sid!r} already exists (in ACTIVE or ARCHIVE); pick another id")
            atomic_write(path, doc.text())
        activity.record(ws, sid, "state_change", "create", event_id=event_id,
                        agent=agent or meta["owner"].get("name"), text=f"{role}: {mission}")
    return SessionRef(sid, path)


# -- Current Work ---------------------------------------------------------------------
def _checkbox_items(doc: SessionDoc, start: int, end: int) -> list[tuple[int, bool, str]]:
    from journal.session.document import strip_markers

    items = []
    for i in range(start, end):
        m = _CHECKBOX.match(doc.lines[i].rstrip("\r\n"))
        if m:
            items.append((i, m.group(2) != " ", strip_markers(m.group(3)).strip()))
    return items


def _match_item(items: list[tuple[int, bool, str]], text: str, what: str) -> tuple[int, bool, str] | None:
    if text.isdigit() and 1 <= int(text) <= len(items):
        return items[int(text) - 1]
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

    def edit(doc: SessionDoc) -> None:
        owner["agent"] = session_owner(doc)
        section = doc.find(*CURRENT_WORK) or doc.add_section(CURRENT_WORK[0])
        fields = ("Working On", "Status", "Progress")
        if "working_on" in changes:
            doc.set_field(section, "Working On", changes["working_on"] + activity.marker(event_id))
            section = doc.require(*CURRENT_WORK)
        if "status" in changes:
            doc.set_meta("status", changes["status"])
            doc.set_field(section, "Status", changes["status"].title() + activity.marker(event_id), after=fields[:1])
            section = doc.require(*CURRENT_WORK)
        if "progress" in changes:
            doc.set_meta("progress", changes["progress"])
            doc.set_field(section, "Progress", f"{changes['progress']}%" + activity.marker(event_id), after=fields[:2])
            section = doc.require(*CURRENT_WORK)
        for phase in phases:
            items = _checkbox_items(doc, section.start, section.end)
            if not any(it[2].lower() == phase.lower() for it in items):
                doc.append_under_label(section, PHASE_LABEL, entry_lines(phase, doc.nl, "- [ ] ", activity.marker(event_id)))
                section = doc.require(*CURRENT_WORK)
        for phase in phases_done:
            items = _checkbox_items(doc, section.start, section.end)
            hit = _match_item(items, phase, "phase")
            if hit is None:
                doc.append_under_label(section, PHASE_LABEL, entry_lines(phase, doc.nl, "- [x] ", activity.marker(event_id)))
            elif not hit[1]:
                line = doc.lines[hit[0]]
                body = line.rstrip("\r\n")
                doc.lines[hit[0]] = body.replace("[ ]", "[x]", 1) + activity.marker(event_id) + line[len(body):]
            section = doc.require(*CURRENT_WORK)

    summary = dict(changes, phases=list(phases), phases_done=list(phases_done))
    text = "; ".join(f"{k}={v}" for k, v in summary.items() if v not in ([], None))
    with deferred_signals():
        mutate_session(ws, session_id, edit)
        activity.record(ws, session_id, "state_change", "update", event_id=event_id,
                        section="Current Work", text=text, agent=owner.get("agent"))
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
        body = f"**{clock.today()}:** {text}" if kind.dated_text else text
        entry = entry_lines(body, doc.nl, kind.prefix, activity.marker(event_id))
        if kind.dated_label:
            doc.append_under_label(target, clock.today(), entry)
        elif kind.label:
            doc.append_under_label(target, kind.label, entry)
        else:
            doc.append_entry(target, entry)
        found["agent"] = session_owner(doc)

    with deferred_signals():
        mutate_session(ws, session_id, edit)
        kind: EntryKind = found["kind"]
        extra: dict[str, Any] = {}
        if kind.name == "blocker":
            extra["open_commitments"] = [{"id": event_id, "commitment": text[:500], "status": "open"}]
        activity.record(ws, session_id, kind.event_type, f"add-{kind.name}", event_id=event_id,
                        section=found["section"], text=text, agent=found["agent"], **extra)
    return {"session": session_id, "section": found["section"], "event_id": event_id}


def open_blockers(doc: SessionDoc) -> list[tuple[int, str]]:
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
        items = [(i, False, text) for i, text in open_blockers(doc)]
        if not items:
            raise NotFound(f"session {session_id!r} has no open blocker")
        hit = _match_item(items, which, "blocker")
        if hit is None:
            raise NotFound(f"no open blocker {which!r} in session {session_id!r}")
        line = doc.lines[hit[0]]
        ending = line[len(line.rstrip("\r\n")):]
        body = line.rstrip("\r\n").replace("[ ]", "[x]", 1)
        resolved = f" — **resolved {clock.today()}**" + (f": {note}" if note else "")
        doc.lines[hit[0]] = body + resolved + activity.marker(event_id) + ending
        found["text"] = re.sub(r"^\*\*\d{4}-\d\d-\d\d:\*\*\s*", "", hit[2])
        found["agent"] = session_owner(doc)
        opened = re.search(r"<!-- evt:([A-Za-z0-9_:-]+) -->", line)
        found["commit_id"] = opened.group(1) if opened else event_id

    with deferred_signals():
        mutate_session(ws, session_id, edit)
        activity.record(ws, session_id, "commitment", "resolve-blocker", event_id=event_id,
                        section="Blockers & Issues", text=found["text"] + (f" — {note}" if note else ""),
                        agent=found["agent"],
                        open_commitments=[{"id": found["commit_id"], "commitment": found["text"][:500],
                                           "status": "done"}])
    return {"session": session_id, "blocker": found["text"], "event_id": event_id}


# -- archive and restore --------------------------------------------------------------
def archive_session(ws: Workspace, session_id: str, date: str | None = None) -> SessionRef:
    """Move ACTIVE/<id>.md to ARCHIVE/<id>-<date>.md with status done and an ended time."""
    date = date or clock.today()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise InvalidInput(f"date {date!r} is not YYYY-MM-DD")
    src = locate(ws, session_id, archived=False).path
    dst = ws.archive_dir / f"{session_id}-{date}.md"
    event_id = new_event_id()
    with deferred_signals():
        with locked(ws.lock_path(src)):
            if dst.exists():
                raise AlreadyExists(f"{ws.rel(dst)} already exists")
            doc = SessionDoc.read(src)
            now = clock.iso()
            doc.set_meta("archived_from_status", doc.meta.get("status", "planning"))
            set_status(doc, "done", event_id)
            doc.set_meta("ended", now)
            doc.set_meta("archived_event", event_id)
            doc.set_meta("updated", now)
            ws.archive_dir.mkdir(parents=True, exist_ok=True)
            _move_rewritten(ws, src, dst, doc)
        activity.record(ws, session_id, "state_change", "archive", event_id=event_id, text=ws.rel(dst),
                        agent=session_owner(doc))
    return SessionRef(session_id, dst, True, date)


def _move_rewritten(ws: Workspace, src: Path, dst: Path, doc: SessionDoc) -> None:
    """Write ``doc`` at ``dst`` and drop ``src``: a ``git mv`` (then staged) when git tracks it."""
    from journal import gitops

    repo = ws.git_root
    moved = repo is not None and gitops.move(repo, src, dst)
    atomic_write(dst, doc.text())
    if moved and repo is not None:
        gitops.stage(repo, dst)
    else:
        os.unlink(src)


def restore_session(ws: Workspace, session_id: str) -> SessionRef:
    """Move the newest archived copy of a session back to ACTIVE with its former status."""
    copies = find_archived(ws, session_id)
    if not copies:
        raise NotFound(f"no archived session {session_id!r}")
    src = copies[-1].path
    dst = ws.active_path(session_id)
    event_id = new_event_id()
    with deferred_signals():
        with locked(ws.lock_path(dst)):
            if dst.exists():
                raise AlreadyExists(f"session {session_id!r} is already active")
            doc = SessionDoc.read(src)
            set_status(doc, str(doc.meta.get("archived_from_status") or "review"), event_id)
            doc.del_meta("archived_from_status")
            doc.del_meta("ended")
            doc.del_meta("archived_event")
            doc.set_meta("restored_event", event_id)
            doc.set_meta("updated", clock.iso())
            _move_rewritten(ws, src, dst, doc)
        activity.record(ws, session_id, "state_change", "restore", event_id=event_id, text=ws.rel(dst),
                        agent=session_owner(doc))
    return SessionRef(session_id, dst)
