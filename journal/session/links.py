"""The link between a Markdown entry and the event that describes it.

The link lives in the event, so the Markdown stays free of markup: each journal action
appends one event whose ``data`` names the section and holds ``lines``, the link keys
(``line_hash``) of the lines it wrote, and ``replaces``, the keys of the lines it
rewrote (a status changed, a blocker resolved, a phase ticked). An entry finds its event
by its key; an event finds its entry by its keys. Keys say nothing about where a clone
is, so they never collide across clones: event ids stay ULIDs.

Files written before this carried quiet references (``<!-- evt:ID -->``, and
``<!-- msg:ID -->`` on messages); they are read still, and ``check --fix`` rewrites the
event references into ``relink`` events (``data.links``: event id → keys). Every reader
of either form goes through here.
"""
from __future__ import annotations

import re
from typing import Any

from journal.ids import short_hash
from journal.workspace import Workspace

MAX_EVENT_TEXT = 16_384


_ID = r"[A-Za-z0-9_:-]+"
MARKER = re.compile(rf"\s*<!-- (?:evt|msg):{_ID} -->")
_EVENT_IDS = re.compile(rf"<!-- evt:({_ID}) -->")
_EVENT_MARKER = re.compile(rf"\s*<!-- evt:{_ID} -->")
_MESSAGE_IDS = re.compile(rf"<!-- msg:({_ID}) -->")
_TRAILING = re.compile(rf"(?:\s*<!-- (?:evt|msg):{_ID} -->)+\s*$")


def message_marker(message_id: str) -> str:
    """The legacy reference to a message id (an acknowledgement of a message that has one
    keeps it, so both ends still name the same message)."""
    return f" <!-- msg:{message_id} -->"


def line_hash(line: str) -> str:
    """The link key of a Markdown line: 12 hex digits of BLAKE2b over the line as written,
    without its line ending, trailing white space and legacy references."""
    return short_hash(strip_markers(line.rstrip("\r\n")).rstrip())


def hashes(lines: list[str]) -> list[str]:
    """The link keys of the first line of each entry in ``lines`` (continuation lines,
    indented or blank, belong to the entry above them)."""
    return [line_hash(line) for line in lines if line.strip() and not line[:1].isspace()]


def _data(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    return data if isinstance(data, dict) else {}


def keys_of(data: dict[str, Any], name: str) -> list[str]:
    """An event's ``lines`` or ``replaces`` keys: the strings of that list (an event added by hand
    may hold anything there)."""
    v = data.get(name)
    return [k for k in v if isinstance(k, str)] if isinstance(v, list) else []


def place_events(doc_lines: list[str], events: list[dict[str, Any]]) -> dict[str, list[int]]:
    """For each event id, the indices of the document's lines it wrote and that still stand.

    Events are replayed in order: ``lines`` adds keys, ``replaces`` retires the oldest
    standing holder of a key; then each key's holders take the document's lines with that
    key, in order. A legacy ``<!-- evt:ID -->`` reference places its event directly.
    """
    relinked: dict[str, list[str]] = {}
    for event in events:
        data = event.get("data")
        if isinstance(data, dict) and data.get("action") == "relink" and isinstance(data.get("links"), dict):
            relinked.update({k: v for k, v in data["links"].items() if isinstance(v, list)})
    holders: dict[str, list[str]] = {}
    for event in events:
        data = _data(event)
        eid = str(event.get("event_id", ""))
        for key in keys_of(data, "replaces"):
            if holders.get(key):
                holders[key].pop(0)
        for key in relinked.get(eid) or keys_of(data, "lines"):
            if isinstance(key, str):
                holders.setdefault(key, []).append(eid)
    placed: dict[str, list[int]] = {}
    for i, line in enumerate(doc_lines):
        if "<!--" in line:
            for eid in event_ids(line):
                placed.setdefault(eid, []).append(i)
        if not line.strip():
            continue
        waiting = holders.get(line_hash(line))
        if waiting:
            placed.setdefault(waiting.pop(0), []).append(i)
    return placed


def unplaced(doc_lines: list[str], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events whose written lines no longer stand as written (edited or removed by hand)."""
    placed = place_events(doc_lines, events)
    out = []
    retired: set[str] = set()
    for event in events:
        data = _data(event)
        retired.update(keys_of(data, "replaces"))
    for event in events:
        data = _data(event)
        keys = keys_of(data, "lines")
        if keys and event.get("event_id") not in placed and not set(keys) <= retired:
            out.append(event)
    return out


def strip_markers(text: str) -> str:
    """Text of an entry without its event and message references."""
    return MARKER.sub("", text) if "<!--" in text else text


def strip_event_markers(text: str) -> str:
    """Text without its legacy event references (message references stay: they are ids that
    other sessions' acknowledgements name)."""
    return _EVENT_MARKER.sub("", text) if "<!--" in text else text


def strip_trailing_markers(line: str) -> str:
    """A line without the references at its end (and the white space before them)."""
    return _TRAILING.sub("", line) if "<!--" in line else line  # (the pattern tries every offset)


def event_ids(text: str) -> list[str]:
    """The event ids referenced in ``text``, in order."""
    return _EVENT_IDS.findall(text) if "<!--" in text else []


def message_ids(text: str) -> list[str]:
    """The message ids referenced in ``text``, in order."""
    return _MESSAGE_IDS.findall(text) if "<!--" in text else []


def event_spec(event_type: str, action: str, *, event_id: str, section: str | None = None,
               text: str | None = None, agent: str | None = None, details: dict[str, Any] | None = None,
               lines: list[str] | None = None, replaces: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """The event describing a journal action, as ``append_event``'s arguments plus its type.

    ``details`` are more fields of the event's ``data`` (before ``text``); ``lines`` and
    ``replaces`` are the link keys of the lines written and rewritten; ``extra`` are
    top-level event fields (open_commitments, tags...).
    """
    data: dict[str, Any] = {"action": action}
    if section is not None:
        data["section"] = section
    if lines:
        data["lines"] = lines
    if replaces:
        data["replaces"] = replaces
    data.update(details or {})
    if text is not None:
        # The Markdown holds the whole text; the event keeps enough to find and read it.
        data["text"] = text if len(text) <= MAX_EVENT_TEXT else text[:MAX_EVENT_TEXT]
        if len(text) > MAX_EVENT_TEXT:
            data["truncated"] = True
    return {"event_type": event_type, "data": data, "agent": agent, "source": "journal",
            "event_id": event_id, **extra}


def build(session_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The event of ``spec`` built and validated, stamped now: ready to append, or to keep in
    an intent record until it is (InvalidInput before anything is written)."""
    from journal.clock import now_micro
    from journal.events.store import build_event

    spec = dict(spec)
    event = build_event(session_id, spec.pop("event_type"), **spec)
    event["timestamp"] = now_micro()
    return event


def record(ws: Workspace, session_id: str, event_type: str, action: str, **kwargs: Any) -> None:
    """Append the event describing a journal action to the session's event log (see event_spec)."""
    from journal.events.store import append_event

    spec = event_spec(event_type, action, **kwargs)
    del spec["event_type"]
    append_event(ws, session_id, event_type, **spec)
