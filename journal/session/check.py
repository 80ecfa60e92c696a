"""``journal check``: lint every file of the workspace, for CI and pre-commit hooks."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from journal.errors import JournalError
from journal.problems import Problem
from journal.workspace import Workspace, scan_sessions

_CONFLICT = re.compile(r"^(<{7}( |$)|={7}$|>{7}( |$)|\|{7}( |$))")
REQUIRED_FIELDS = ("id", "role", "status", "created", "updated")
CONFLICT_MARKER = ("git conflict marker (journal check --fix merges the file by meaning; "
                   "an entry edited differently on both sides stays for you to choose)")


def _conflict_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.split("\n"), 1) if _CONFLICT.match(line.rstrip("\r"))]


def _check_session(ws: Workspace, path: Path, expected_id: str, archived: bool) -> tuple[list[Problem], str | None]:
    from journal.session.document import SessionDoc
    from journal.fsutil import read_text
    from journal.session.sections import CURRENT_WORK, REQUIRED

    rel = ws.rel(path)
    try:
        text = read_text(path)
    except JournalError as e:
        return [Problem(rel, 0, "session", str(e).replace(str(path), "").strip(": ") or str(e))], None
    problems = [Problem(rel, n, "session", CONFLICT_MARKER) for n in _conflict_lines(text)]
    try:
        doc = SessionDoc(text, rel)
    except JournalError as e:
        return problems + [Problem(rel, 0, "session", str(e).removeprefix(rel + ": "))], None
    meta = doc.meta
    for key in REQUIRED_FIELDS:
        if key not in meta or meta[key] in (None, ""):
            problems.append(Problem(rel, 0, "session", f"frontmatter lacks '{key}'"))
    sid = meta.get("id")
    if sid is not None and str(sid) != expected_id:
        problems.append(Problem(rel, 0, "session", f"frontmatter id {sid!r} does not match the file name ({expected_id!r})"))
    status = str(meta.get("status", "")).lower()
    if status and status not in ws.config.statuses:
        problems.append(Problem(rel, 0, "session", f"status {status!r} is not one of {', '.join(ws.config.statuses)}"))
    if archived and status and status != "done":
        problems.append(Problem(rel, 0, "session", f"archived session has status {status!r}, not 'done'"))
    progress = meta.get("progress")
    if progress is not None and (not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100):
        problems.append(Problem(rel, 0, "session", f"progress {progress!r} is not a whole number from 0 to 100"))
    for names in REQUIRED:
        if doc.find(*names) is None:
            problems.append(Problem(rel, 0, "session", f"section '## {names[0]}' is missing"))
    current = doc.find(*CURRENT_WORK)
    if current is not None:
        body_status = doc.field_value(current, "Status")
        if body_status and status and body_status.strip().lower() != status:
            line = (doc.field_line(current, "Status") or 0) + 1
            problems.append(Problem(rel, line, "session", f"Current Work says status {body_status!r} but the frontmatter says {status!r}"))
        body_progress = doc.field_value(current, "Progress")
        if body_progress and isinstance(progress, int):
            digits = re.match(r"\s*(\d+)", body_progress)
            if digits and int(digits.group(1)) != progress:
                line = (doc.field_line(current, "Progress") or 0) + 1
                problems.append(Problem(rel, line, "session", f"Current Work says progress {body_progress!r} but the frontmatter says {progress}"))
    return problems, (str(sid) if sid is not None else None)


def check_workspace(ws: Workspace, fix: bool = False) -> list[Problem]:
    """Every problem found in the workspace (empty when all is well)."""
    from journal.fsutil import read_text

    ws.require()
    problems: list[Problem] = []
    if fix:  # first: files a merge without the journal merge driver left with conflict markers
        from journal.session.merge import remerge_marked

        problems += remerge_marked(ws)
    seen: dict[str, list[str]] = defaultdict(list)
    active_ids = set()
    for ref in sorted(scan_sessions(ws, True, True), key=lambda r: (r.archived, r.path.name)):
        found, sid = _check_session(ws, ref.path, ref.id, ref.archived)
        problems += found
        if not ref.archived:
            active_ids.add(ref.id)
        elif ref.id in active_ids:
            problems.append(Problem(ws.rel(ref.path), 0, "session", f"session {ref.id!r} is both active and archived"))
        seen[sid or ref.id].append(ws.rel(ref.path))
    for sid, paths in seen.items():
        active = [p for p in paths if "/ACTIVE/" in p]
        if len(active) > 1:
            problems.append(Problem(active[1], 0, "session", f"id {sid!r} is used by {len(active)} active files"))
    if ws.knowledge_dir.is_dir():
        for path in sorted(ws.knowledge_dir.glob("*.md")):
            try:
                text = read_text(path)
            except JournalError as e:
                problems.append(Problem(ws.rel(path), 0, "knowledge", str(e)))
                continue
            problems += [Problem(ws.rel(path), n, "knowledge", CONFLICT_MARKER) for n in _conflict_lines(text)]
    for ref in sorted(scan_sessions(ws, True, False), key=lambda r: r.path.name):
        problems += _check_links(ws, ref.id, ref.path, fix)
    problems += _leftover_temp_files(ws, fix)
    problems += _check_event_logs(ws, fix)
    return problems


def _leftover_temp_files(ws: Workspace, fix: bool, min_age_s: float = 300.0) -> list[Problem]:
    """Temp files of writes interrupted by a crash (the files they were for are intact)."""
    import os
    import time

    out = []
    cutoff = time.time() - min_age_s  # younger ones may belong to a write in progress
    for folder in (ws.active_dir, ws.archive_dir, ws.knowledge_dir, ws.root):
        if not folder.is_dir():
            continue
        for path in folder.glob(".*.tmp"):
            try:
                if path.stat().st_mtime > cutoff:
                    continue
                if fix:
                    os.unlink(path)
                    continue
            except FileNotFoundError:
                continue
            out.append(Problem(ws.rel(path), 0, "temp-file", "temporary file left by an interrupted write (journal check --fix removes it)"))
    return out


def _check_event_logs(ws: Workspace, fix: bool) -> list[Problem]:
    """Problems of the machine event logs that remain (repaired ones are not problems)."""
    from journal.events.check import check_logs

    return [found for found in check_logs(ws, fix=fix) if not found.fixed]


def _check_links(ws: Workspace, session_id: str, path: Path, fix: bool) -> list[Problem]:
    """Entries edited by hand since their events (notes), and legacy ``<!-- evt:… -->``
    references, which ``fix`` rewrites into a ``relink`` event and removes from the file."""
    from journal.errors import JournalError
    from journal.events import query_events
    from journal.session import links
    from journal.session.document import SessionDoc

    if not ws.events_path(session_id).exists() and not ws.events_path(session_id).with_suffix(".jsonl.gz").exists():
        return []
    try:
        doc = SessionDoc.read(path)
        events = query_events(ws, session_id=session_id).events
    except JournalError:
        return []  # reported by the file's own checks
    rel = ws.rel(path)
    legacy = [i for i, line in enumerate(doc.lines) if links.event_ids(line)]
    if legacy and fix:
        _relink(ws, session_id, path)
        return [Problem(rel, legacy[0] + 1, "session", f"{len(legacy)} legacy entry reference(s) rewritten as links", fixed=True)]
    out = [Problem(rel, legacy[0] + 1, "session", f"{len(legacy)} line(s) carry legacy <!-- evt:… --> references "
                   "(journal check --fix moves them into the event log)", note=True)] if legacy else []
    for event in links.unplaced(doc.lines, events):
        data = event.get("data") or {}
        what = str(data.get("text") or data.get("action") or "").split("\n")[0][:60]
        out.append(Problem(rel, 0, "edited", f"edited by hand since {event.get('event_id')} "
                           f"({data.get('action')}: {what!r})", note=True))
    return out


def _relink(ws: Workspace, session_id: str, path: Path) -> None:
    """Move the legacy references of a session's entries into one ``relink`` event, then drop them."""
    from journal.events import query_events
    from journal.fsutil import atomic_write, deferred_signals, locked
    from journal.ids import new_event_id
    from journal.session import links
    from journal.session.document import SessionDoc

    with deferred_signals(), locked(ws.lock_path(path)):
        doc = SessionDoc.read(path)
        mapping: dict[str, list[str]] = {}
        for i, line in enumerate(doc.lines):
            ids = links.event_ids(line)
            if not ids:
                continue
            ending = line[len(line.rstrip("\r\n")):]
            doc.lines[i] = links.strip_event_markers(line.rstrip("\r\n")) + ending
            # the line stands as its last writer left it (a ticked phase, a resolved blocker)
            mapping.setdefault(ids[-1], []).append(links.line_hash(doc.lines[i]))
        known = {e.get("event_id") for e in query_events(ws, session_id=session_id).events}
        mapping = {eid: keys for eid, keys in mapping.items() if eid in known}
        links.record(ws, session_id, "state_change", "relink", event_id=new_event_id(),
                     text=f"{sum(map(len, mapping.values()))} entry reference(s) moved from the Markdown",
                     details={"links": mapping})
        atomic_write(path, doc.text())
