"""Session logs on disk: find, read, change under the lock, create, archive and restore.

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
from journal.session import links
from journal.session.document import SessionDoc, single_line
from journal.errors import AlreadyExists, InvalidInput, NotFound
from journal.fsutil import atomic_write, deferred_signals, locked
from journal.ids import new_event_id, new_session_id, validate_id
from journal.session.sections import (
    CURRENT_WORK,
)
from journal.workspace import SessionRef, Workspace, find_archived

T = TypeVar("T")


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


def read_session(ws: Workspace, session_id: str, archived: bool = True,
                 bare: bool = False) -> tuple[SessionRef, SessionDoc]:
    """The session's log; one kept by hand without frontmatter is refused unless ``bare``."""
    ref = locate(ws, session_id, archived)
    return ref, SessionDoc.read(ref.path, bare)


def is_adopted(ws: Workspace, session_id: str) -> bool:
    """Whether the session's log has journal's frontmatter (a log kept by hand has none yet)."""
    from journal.session.document import has_frontmatter

    ref = locate(ws, session_id)
    with open(ref.path, "rb") as f:
        return has_frontmatter(f.read(64).decode("utf-8", "replace"))


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


def set_status(doc: SessionDoc, status: str) -> dict[str, list[str]]:
    """Set the status in the frontmatter and, when present, the Current Work line; the link
    keys of the lines written and replaced (for the event that records the change)."""
    doc.set_meta("status", status)
    section = doc.find(*CURRENT_WORK)
    keys: dict[str, list[str]] = {"lines": [], "replaces": []}
    if section is not None and doc.field_line(section, "Status") is not None:
        for old, new in doc.set_field(section, "Status", status.title()):
            keys["lines"].append(links.line_hash(new))
            if old is not None:
                keys["replaces"].append(links.line_hash(old))
    return keys


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
    from journal.session.document import has_frontmatter

    if not has_frontmatter(text):  # a team's own template from before journal: the frontmatter goes on top
        text = f"---\n{frontmatter.rstrip(chr(10))}\n---\n{text}"
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
        links.record(ws, sid, "state_change", "create", event_id=event_id,
                        agent=agent or meta["owner"].get("name"), text=f"{role}: {mission}")
    return SessionRef(sid, path)


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
            keys = set_status(doc, "done")
            doc.set_meta("ended", now)
            doc.set_meta("archived_event", event_id)
            doc.set_meta("updated", now)
            ws.archive_dir.mkdir(parents=True, exist_ok=True)
            _move_rewritten(ws, src, dst, doc)
        links.record(ws, session_id, "state_change", "archive", event_id=event_id, text=ws.rel(dst),
                     agent=session_owner(doc), lines=keys["lines"], replaces=keys["replaces"])
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
            keys = set_status(doc, str(doc.meta.get("archived_from_status") or "review"))
            doc.del_meta("archived_from_status")
            doc.del_meta("ended")
            doc.del_meta("archived_event")
            doc.set_meta("restored_event", event_id)
            doc.set_meta("updated", clock.iso())
            _move_rewritten(ws, src, dst, doc)
        links.record(ws, session_id, "state_change", "restore", event_id=event_id, text=ws.rel(dst),
                     agent=session_owner(doc), lines=keys["lines"], replaces=keys["replaces"])
    return SessionRef(session_id, dst)
