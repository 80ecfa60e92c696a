"""Handoff: a session's unchecked Next Steps and open blockers seed the session that continues it.

The new log is born complete in one write (``handoff_from`` in its frontmatter, a
Handoffs entry, its Current Work and Next Steps filled); the old log gets
``handoff_to`` and its own Handoffs entry; ``archive`` then moves the old log.
Each file is still written only by the session it belongs to.
"""
from __future__ import annotations

from typing import Any

from journal.session import links
from journal.session.document import SessionDoc, entry_lines, single_line
from journal.errors import InvalidInput
from journal.session.sections import BLOCKERS, COORDINATION, CURRENT_WORK, HANDOFFS, NEXT_STEPS, PHASE_LABEL
from journal.workspace import Workspace


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _summary(steps: list[str], blockers: list[Any]) -> str:
    return f"{_plural(len(steps), 'next step')}, {_plural(len(blockers), 'open blocker')}"


def _one_line(text: str) -> str:
    from journal.coordination.messages import normalize_text

    return " ".join(normalize_text(str(text)).split("\n")).strip()


def _seed(doc: SessionDoc, from_id: str, source: dict[str, Any], stamp: str, keys: dict[str, list[str]]) -> None:
    """Fill a freshly rendered log from its predecessor's digest; ``keys`` gets the link key
    of the handoff entry."""
    from journal.session.store import set_status

    steps = [_one_line(t) for t in source["next"] if _one_line(t)]
    blockers = [(_one_line(t), since) for t, since in source["blockers"] if _one_line(t)]
    nl = doc.nl
    status = str(source.get("status") or "planning").lower()
    if status in ("done", "review"):
        status = "planning"
    set_status(doc, status)
    progress = source.get("progress")
    section = doc.find(*CURRENT_WORK) or doc.add_section(CURRENT_WORK[0])
    if isinstance(progress, int) and not isinstance(progress, bool) and 0 <= progress <= 100:
        doc.set_meta("progress", progress)
        if doc.field_line(section, "Progress") is not None:
            doc.set_field(section, "Progress", f"{progress}%")
            section = doc.require(*CURRENT_WORK)
    working = steps[0] if steps else _one_line(source.get("working_on") or "") or f"continue {from_id}"
    doc.set_field(section, "Working On", single_line(working, "working-on text"))
    for step in steps:
        section = doc.require(*CURRENT_WORK)
        doc.append_under_label(section, PHASE_LABEL, entry_lines(step, nl, "- [ ] "))
    target = doc.find(*NEXT_STEPS) or doc.add_section(NEXT_STEPS[0])
    for step in steps:
        doc.append_entry(target, entry_lines(step, nl, "- [ ] "))
        target = doc.require(*NEXT_STEPS)
    for text, _since in blockers:
        doc.append_entry(target, entry_lines(f"Unblock: {text} (open blocker inherited from {from_id})", nl, "- [ ] "))
        target = doc.require(*NEXT_STEPS)
    target = doc.find(*BLOCKERS) or doc.add_section(BLOCKERS[0])
    for text, since in blockers:
        dated = f"**{since[:10]}:** " if since else ""
        doc.append_entry(target, entry_lines(f"{dated}{text} (inherited from {from_id})", nl, "- [ ] "))
        target = doc.require(*BLOCKERS)
    coordination = doc.find(*COORDINATION) or doc.add_section(COORDINATION[0])
    role = f" ({source['role']})" if source.get("role") else ""
    line = f"{stamp} taken over from {from_id}{role}: {_summary(steps, blockers)}"
    entry = entry_lines(line, nl, "- ")
    doc.append_under_label(coordination, HANDOFFS, entry)
    keys["lines"] = links.hashes(entry)


def handoff(ws: Workspace, from_id: str, new_id: str | None = None, *, role: str | None = None,
            mission: str | None = None, archive: bool = False, agent: str | None = None,
            model: str | None = None) -> dict[str, Any]:
    """Create the session that continues ``from_id``, link the two both ways, optionally archive ``from_id``."""
    from journal.coordination.digest import digest_text
    from journal.fsutil import deferred_signals
    from journal.ids import new_event_id, new_session_id, validate_id
    from journal.coordination.messages import utc_stamp
    from journal.session.store import (
        archive_session, create_session, find_archived, locate, mutate_session, session_owner,
    )

    ref = locate(ws, from_id)
    source = digest_text(SessionDoc.read(ref.path).text(), from_id, str(ref.path))
    new_id = validate_id(new_id) if new_id else new_session_id()
    if new_id == from_id:
        raise InvalidInput("the new session needs an id of its own")
    if ws.active_path(new_id).exists() or find_archived(ws, new_id):
        from journal.errors import AlreadyExists

        raise AlreadyExists(f"session {new_id!r} already exists (in ACTIVE or ARCHIVE); pick another id")
    role = role if role is not None else source.get("role")
    mission = mission if mission is not None else source.get("mission")
    stamp = utc_stamp()
    new_event, from_event = new_event_id(), new_event_id()
    steps, blockers = source["next"], source["blockers"]
    details = {"from": from_id, "to": new_id, "next_steps": steps, "open_blockers": [b[0] for b in blockers]}
    summary = f"{from_id} → {new_id}: {_summary(steps, blockers)}"
    found: dict[str, Any] = {}
    seeded: dict[str, list[str]] = {}

    def record_in_source(doc: SessionDoc) -> None:
        previous = doc.meta.get("handoff_to")
        if previous is None or previous == new_id:
            doc.set_meta("handoff_to", new_id)
        else:
            listed = previous if isinstance(previous, list) else [previous]
            doc.set_meta("handoff_to", [*listed, new_id])
        section = doc.find(*COORDINATION) or doc.add_section(COORDINATION[0])
        line = f"{stamp} handed off to {new_id}: {_summary(steps, blockers)}"
        entry = entry_lines(line, doc.nl, "- ")
        doc.append_under_label(section, HANDOFFS, entry)
        found["agent"] = session_owner(doc)
        found["lines"] = links.hashes(entry)

    def seed(doc: SessionDoc) -> None:
        _seed(doc, from_id, source, stamp, seeded)
        handoff_event.update(links.event_spec("decision", "handoff", event_id=new_event, section=COORDINATION[0],
                                              text=summary, agent=agent, details=details,
                                              lines=seeded.get("lines")))

    handoff_event: dict[str, Any] = {}
    with deferred_signals():
        new_ref = create_session(ws, new_id, role, mission, agent=agent, model=model,
                                 extra_meta={"handoff_from": from_id}, edit=seed, more_events=[handoff_event])
        mutate_session(ws, from_id, record_in_source, archived=ref.archived, action="handoff",
                       event=lambda _: links.event_spec(
                           "decision", "handoff", event_id=from_event, section=COORDINATION[0], text=summary,
                           agent=found.get("agent"), details=details, lines=found.get("lines")))
        archived_path = None
        if archive and not ref.archived:
            archived_path = archive_session(ws, from_id).path
    final = archived_path or locate(ws, from_id).path
    return {"from": from_id, "to": new_id, "path": ws.rel(new_ref.path), "from_path": ws.rel(final),
            "archived": archived_path is not None or ref.archived, "next_steps": steps,
            "open_blockers": [b[0] for b in blockers], "role": role, "mission": mission}
