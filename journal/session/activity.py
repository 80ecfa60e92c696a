"""The link between a Markdown entry and the event that describes it.

Each change to a session writes its Markdown entry carrying a quiet reference
(``<!-- evt:ID -->``, invisible on GitHub) and appends one event with the same id
to the session's event log, so each points at the other.
"""
from __future__ import annotations

from typing import Any

from journal.workspace import Workspace

MAX_EVENT_TEXT = 16_384


def marker(event_id: str) -> str:
    return f" <!-- evt:{event_id} -->"


def record(ws: Workspace, session_id: str, event_type: str, action: str, *, event_id: str,
           section: str | None = None, text: str | None = None, agent: str | None = None,
           details: dict[str, Any] | None = None, **extra: Any) -> None:
    """Append the event describing a journal action to the session's event log.

    ``details`` are more fields of the event's ``data`` (before ``text``); ``extra`` are
    top-level event fields (open_commitments, tags...).
    """
    from journal.events.store import append_event

    data: dict[str, Any] = {"action": action}
    if section is not None:
        data["section"] = section
    data.update(details or {})
    if text is not None:
        # The Markdown holds the whole text; the event keeps enough to find and read it.
        data["text"] = text if len(text) <= MAX_EVENT_TEXT else text[:MAX_EVENT_TEXT]
        if len(text) > MAX_EVENT_TEXT:
            data["truncated"] = True
    append_event(ws, session_id, event_type, data=data, agent=agent, source="journal",
                 event_id=event_id, **extra)
