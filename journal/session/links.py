"""The link between a Markdown entry and the event that describes it: the marker format
and the event record.

Each change to a session writes its Markdown entry carrying a quiet reference
(``<!-- evt:ID -->``, invisible on GitHub) and appends one event with the same id
to the session's event log, so each points at the other. A sent message also carries
its message id (``<!-- msg:ID -->``). Every reader of these markers goes through here.
"""
from __future__ import annotations

import re
from typing import Any

from journal.workspace import Workspace

MAX_EVENT_TEXT = 16_384


_ID = r"[A-Za-z0-9_:-]+"
MARKER = re.compile(rf"\s*<!-- (?:evt|msg):{_ID} -->")
_EVENT_IDS = re.compile(rf"<!-- evt:({_ID}) -->")
_MESSAGE_IDS = re.compile(rf"<!-- msg:({_ID}) -->")
_TRAILING = re.compile(rf"(?:\s*<!-- (?:evt|msg):{_ID} -->)+\s*$")


def marker(event_id: str) -> str:
    """The reference to an event, written at the end of an entry's first line."""
    return f" <!-- evt:{event_id} -->"


def message_marker(message_id: str) -> str:
    """The reference to a message id, written before its event's marker."""
    return f" <!-- msg:{message_id} -->"


def strip_markers(text: str) -> str:
    """Text of an entry without its event and message references."""
    return MARKER.sub("", text)


def strip_trailing_markers(line: str) -> str:
    """A line without the references at its end (and the white space before them)."""
    return _TRAILING.sub("", line)


def event_ids(text: str) -> list[str]:
    """The event ids referenced in ``text``, in order."""
    return _EVENT_IDS.findall(text)


def message_ids(text: str) -> list[str]:
    """The message ids referenced in ``text``, in order."""
    return _MESSAGE_IDS.findall(text)


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
