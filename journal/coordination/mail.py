"""Coordination between sessions: messages, inboxes, acknowledgements, the board, blockers.

One writer per file: a session writes only its own log. A message lives in the
sender's Coordination → Messages Sent (see ``journal.coordination.messages`` for the line);
an acknowledgement in the reader's Messages Received. Inboxes, the board and the
blocker list are computed from every log (ACTIVE and ARCHIVE) through the cached
view of ``journal.coordination.view``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from journal.session import links
from journal.coordination.view import View, load_view
from journal.session.document import SessionDoc, entry_lines
from journal.errors import InvalidInput, NotFound
from journal.fsutil import check_text
from journal.coordination.messages import (
    BROADCAST, MESSAGE_PRIORITIES, Message, escape, message_id, normalize_text, parse_sent, quote,
    received_ids, received_line, utc_stamp,
)
from journal.session.sections import COORDINATION, MESSAGES_RECEIVED, MESSAGES_SENT
from journal.workspace import Workspace


# -- sending ------------------------------------------------------------------------------
def check_priority(priority: str | None) -> str:
    value = (priority or "normal").strip().lower()
    if value not in MESSAGE_PRIORITIES:
        raise InvalidInput(f"priority {priority!r} is not one of {', '.join(MESSAGE_PRIORITIES)}")
    return value


def _check_message_text(text: str) -> str:
    if text is None or not str(text).strip():
        raise InvalidInput("message text is empty")
    check_text(text, "message text")
    return text


def send_message(ws: Workspace, sender: str, to: str, text: str, priority: str | None = None) -> Message:
    """Record a message to ``to`` (a session id, or ``broadcast``) in the sender's own log."""
    from journal.ids import new_event_id, validate_id
    from journal.session.store import mutate_session, session_owner

    priority = check_priority(priority)
    text = _check_message_text(text)
    validate_id(sender)
    to = to.strip() if to else to
    if to != BROADCAST:
        validate_id(to, "recipient")
        if to == sender:
            raise InvalidInput(f"session {sender!r} cannot message itself")
        if not ws.active_path(to).is_file():
            ws.require()
            raise NotFound(f"no active session {to!r} to message (see 'journal board')")
    event_id = new_event_id()
    stamp = utc_stamp()
    body = escape(normalize_text(text).strip("\n"))
    entry = entry_lines(body, "\n", f'- {stamp} → {to}: "', f'" ({priority})')
    parsed = parse_sent(sender, entry[0].rstrip("\n"), [line.rstrip("\n") for line in entry[1:]], "", limit=None)
    assert parsed is not None  # the line just made is a message line
    mid = str(parsed[0])
    found: dict[str, Any] = {}

    def edit(doc: SessionDoc) -> None:
        section = doc.find(*COORDINATION) or doc.add_section(COORDINATION[0])
        lines = [line.replace("\n", doc.nl) for line in entry]
        doc.append_under_label(section, MESSAGES_SENT, lines)
        found["agent"] = session_owner(doc)

    action = "broadcast" if to == BROADCAST else "message"
    mutate_session(ws, sender, edit, action=action, event=lambda _: links.event_spec(
        "state_change", action, event_id=event_id, section=COORDINATION[0], text=text,
        agent=found.get("agent"), details={"message_id": mid, "to": to, "priority": priority},
        lines=links.hashes(entry)))
    return Message(mid, sender, to, priority, stamp, text)


def broadcast(ws: Workspace, sender: str, text: str, priority: str | None = None) -> Message:
    """Record a message to every session in the sender's own log."""
    return send_message(ws, sender, BROADCAST, text, priority)


# -- inbox --------------------------------------------------------------------------------
def inbox(ws: Workspace, sid: str, include_read: bool = False, view: View | None = None) -> list[Message]:
    """Messages to ``sid`` (or its handoff predecessors) and broadcasts since it began, newest first.

    A message is read once the session (or a predecessor) acknowledged it. Own
    broadcasts are not in one's inbox. A message the session noted by hand under Messages
    Received (seed style, without a date) is read and ``noted_by_hand``; a note that
    matches no sender's line is listed with the read messages on its own.
    """
    from journal.coordination.digest import message_text
    from journal.ids import validate_id

    validate_id(sid)
    view = view or load_view(ws)
    if sid not in view.sessions:
        raise NotFound(f"no session {sid!r} in ACTIVE or ARCHIVE of {ws.root}")
    chain = view.chain(sid)
    acked: set[str] = set().union(*(view.acked.get(c, set()) for c in chain))
    notes = [n for c in chain for n in (view.sessions.get(c) or {}).get("noted") or () if n[0] not in chain]
    noted = {n[5] for n in notes}
    since = view.since(chain)
    out = []
    matched: set[str] = set()
    candidates = [m for c in chain for m in view.to(c)] + view.casts
    for mid, sender, to, priority, sent, text, archived, complete, keys in candidates:
        if sender in chain:
            continue
        if to == BROADCAST:
            if sent < since:
                continue
        elif to not in chain:
            continue
        unread = mid not in acked and acked.isdisjoint(keys)
        by_hand = not noted.isdisjoint(keys)
        matched.update(k for k in keys if k in noted)
        if unread or include_read:
            msg = Message(mid, sender, to, priority, sent, text, unread, archived,
                          to if to not in (sid, BROADCAST) else None, complete, by_hand)
            if not msg.complete:  # the cached text was cut: read the whole text from its file
                d = view.sessions.get(sender)
                full = message_text(Path(d["path"]), sender, mid, d.get("day")) if d is not None else None
                if full is not None:
                    msg.text = full
                msg.complete = True
            out.append(msg)
    if include_read:  # what was noted by hand of messages no log here holds
        for sender, to, priority, sent, text, key in notes:
            if key not in matched:
                matched.add(key)
                archived = bool((view.sessions.get(sender) or {}).get("archived"))
                out.append(Message(message_id(sender, to, sent, text), sender, to, priority, sent, text, False,
                                   archived, to if to not in (sid, BROADCAST) else None, True, True))
    # newest first; within one minute (the precision of a message line), later in the
    # senders' files first, broadcasts after direct mail
    order = {id(m): n for n, m in enumerate(out)}
    out.sort(key=lambda m: (m.sent, order[id(m)]), reverse=True)
    return out


def _pick(messages: list[Message], wanted: str) -> Message:
    wanted = wanted.strip().lower()
    exact = [m for m in messages if m.id.lower() == wanted]
    if exact:
        return exact[0]
    if len(wanted) < 6:
        raise InvalidInput(f"message id {wanted!r} is too short: give at least 6 characters")
    hits = [m for m in messages if m.id.lower().startswith(wanted) or m.id.lower().endswith(wanted)]
    if not hits:
        raise NotFound(f"no message {wanted!r} in this inbox")
    if len(hits) > 1:
        raise InvalidInput(f"message id {wanted!r} matches {len(hits)} messages; give more characters")
    return hits[0]


def acknowledge(ws: Workspace, sid: str, ids: list[str] | None = None) -> list[Message]:
    """Mark messages read by recording them under the session's Messages Received.

    With no ids, every unread message is acknowledged. Returns the messages newly acknowledged.
    """
    from journal.coordination.digest import digest_text
    from journal.ids import new_event_id
    from journal.session.store import mutate_session, session_owner

    everything = inbox(ws, sid, include_read=True)  # validates the id
    if ids:
        picked = {m.id: m for m in (_pick(everything, i) for i in ids)}.values()
        chosen = [m for m in picked if m.unread]
    else:
        chosen = [m for m in everything if m.unread]
    if not chosen:
        return []
    event_id = new_event_id()
    done: list[Message] = []
    written: list[str] = []
    found: dict[str, Any] = {}

    def edit(doc: SessionDoc) -> None:
        already = set(digest_text(doc.text(), sid, doc.where)["acked"])
        section = doc.find(*COORDINATION) or doc.add_section(COORDINATION[0])
        for m in sorted(chosen, key=lambda m: (m.sent, m.id)):
            if m.id in already:
                continue
            head, tail = received_line(m, legacy=False)
            entry = entry_lines(escape(quote(m.text)), doc.nl, head, tail)
            if received_ids(entry[0].rstrip("\r\n"), sid) != [m.id]:  # a message with a legacy id
                head, tail = received_line(m, legacy=True)
                entry = entry_lines(escape(quote(m.text)), doc.nl, head, tail)
            doc.append_under_label(section, MESSAGES_RECEIVED, entry)
            written.extend(links.hashes(entry))
            section = doc.require(*COORDINATION)
            done.append(m)
        found["agent"] = session_owner(doc)

    mutate_session(ws, sid, edit, action="ack", event=lambda _: links.event_spec(
        "state_change", "ack", event_id=event_id, section=COORDINATION[0],
        text="; ".join(f"{m.sender}: {quote(m.text, 60)}" for m in done),
        agent=found.get("agent"), details={"message_ids": [m.id for m in done]}, lines=written) if done else None)
    for m in done:
        m.unread = False
    return done
