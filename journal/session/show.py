"""Read-only views of one session: show (with its events) and edit in an editor."""
from __future__ import annotations

import os
import shlex
import subprocess
from typing import Any

from journal.session.document import SessionDoc
from journal.errors import InvalidInput, JournalError, NotFound
from journal.session.links import place_events, strip_markers
from journal.session.sections import headings_for
from journal.workspace import Workspace



def show_session(ws: Workspace, session_id: str, section: str | None = None,
                 with_events: bool = False) -> dict[str, Any]:
    """The session's text (whole or one section), frontmatter and sections, as plain data.

    A log kept by hand is shown too (``adopted`` False); its ``meta`` is what ``journal
    adopt`` would write, with ``adopt_problem`` saying what would stop it, if anything.
    """
    from journal.session.store import read_session

    ref, doc = read_session(ws, session_id, bare=True)
    meta = doc.meta
    if not doc.adopted:
        from journal.session.adopt import read_bare
        from journal.session.history import Histories

        meta = read_bare(doc.text(), ref, Histories(ws).of(ref.path), ws.config)
    sections = {s.title: "".join(doc.lines[s.start : s.end]).strip("\r\n") for s in doc.sections()}
    result: dict[str, Any] = {
        "id": ref.id, "path": ws.rel(ref.path), "archived": ref.archived, "adopted": doc.adopted,
        "meta": meta, "sections": sections,
    }
    if section is not None:
        found = doc.find(*headings_for(section))
        if found is None:
            raise NotFound(f"session {session_id!r} has no section {section!r} (it has: {', '.join(sections)})")
        result["section"] = found.title
        result["text"] = f"## {found.title}\n" + "".join(doc.lines[found.start : found.end])
    else:
        result["text"] = doc.text()
    if with_events:
        result["events"] = timeline(ws, session_id, doc)
        result["text"] = result["text"].rstrip("\n") + "\n\n" + render_timeline(result["events"])
    return result


def timeline(ws: Workspace, session_id: str, doc: SessionDoc) -> list[dict[str, Any]]:
    """The session's events in order, each with the first Markdown line it wrote that still stands."""
    from journal.events import query_events

    events = query_events(ws, session_id=session_id).events
    placed = place_events(doc.lines, events)
    rows = []
    for event in events:
        row: dict[str, Any] = {"event": event}
        where = placed.get(str(event.get("event_id", "")))
        if where:
            row["line"], row["entry"] = where[0] + 1, strip_markers(doc.lines[where[0]]).strip()
        rows.append(row)
    return rows


def render_timeline(rows: list[dict[str, Any]]) -> str:
    lines = ["## Events (timeline)", ""]
    for row in rows:
        e = row["event"]
        data = e.get("data") or {}
        what = data.get("action") or ""
        text = str(data.get("text") or "").replace("\n", " ")
        if len(text) > 100:
            text = text[:97] + "..."
        lines.append(f"- {e.get('timestamp', '')} · {e.get('event_type')} · {what} {text}".rstrip()
                     + f"  `{e.get('event_id')}`")
        if "entry" in row:
            lines.append(f"  ↳ line {row['line']}: {row['entry']}")
    return "\n".join(lines) + "\n"


def edit_session(ws: Workspace, session_id: str) -> list[Any]:
    """Open the log in $VISUAL/$EDITOR, then check it as ``journal check`` would: the
    problems the edit left (empty when none). The edit itself is the user's and stays.

    A log kept by hand (no frontmatter) is edited by hand as before: it is checked only
    when the edit gave it frontmatter.
    """
    from journal.fsutil import read_text
    from journal.session.document import has_frontmatter
    from journal.session.store import locate

    ref = locate(ws, session_id)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or ws.config.editor
    if not editor:
        raise InvalidInput("set $VISUAL or $EDITOR (or 'editor' in .journal.toml) to choose an editor")
    kept_by_hand = not has_frontmatter(read_text(ref.path))
    try:
        code = subprocess.call([*shlex.split(editor), str(ref.path)])
    except OSError as e:
        raise InvalidInput(f"cannot start editor {editor!r}: {e}") from e
    if code != 0:
        raise JournalError(f"editor {editor!r} exited with code {code}")
    if kept_by_hand and not has_frontmatter(read_text(ref.path)):
        return []
    from journal.session.check import check_session_file

    return check_session_file(ws, ref)
