"""A message as it is written in a session log: the record, the line format, its parsing.

A sent message is one list entry under Coordination → Messages Sent::

    - 2026-11-21 15:30 → session-5: "Need help with database migration" (high)

(UTC date and time; further lines of a multi-line text follow, indented under it).
Reading it back, a person sees the message and a program its id: the id is derived from
what the line says (sender, recipient, minute, first line of text), so the line needs no
markup and a hand-written line in the same shape has an id too. An acknowledgement is an
entry under Messages Received that restates the message it acknowledges::

    - 2026-11-21 15:30 ← api (broadcast): "Staging is frozen from 16:00" (urgent)

from which the same id follows. Lines written before carry ``<!-- msg:ID -->``: that id
is kept (both in the sender's line and in acknowledgements of it).

Lines kept by hand in the seed's shape give only the time (``- 16:45 → session-12: "…"
(high)``); their day comes from the nearest date above them, else from the day their file
last changed (see ``journal.coordination.digest``). Since that day is a guess, such a
message is also known by ``time_key`` (without the day), and a Messages Received line
noted by hand without a date (``- 16:50 ← session-12: "…"``) acknowledges by
``content_key`` (sender and text): it is the same message, never counted twice.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from journal import clock
from journal.ids import short_hash
from journal.session.document import LABEL, LINE_BREAKS, fence_step
from journal.session.links import message_ids, strip_trailing_markers

MESSAGE_PRIORITIES = ("low", "normal", "high", "urgent")
BROADCAST = "broadcast"
CACHED_TEXT = 4096  # longer message texts are re-read from their file when shown

_STAMP = r"(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})(?::\d{2})?Z?"
_ID = r"([A-Za-z0-9][A-Za-z0-9._-]*)"
_PRIORITY = r"(?:[ \t]+\((low|normal|high|urgent)\))?$"
# Lines written by hand may space themselves out more than the journal does.
_SENT = re.compile(r"^[-*+][ \t]+" + _STAMP + r"[ \t]+→[ \t]*" + _ID + r"[ \t]*:[ \t]*(.*?)" + _PRIORITY)
_RECEIVED = re.compile(r"^[-*+][ \t]+" + _STAMP + r"[ \t]+←")
_RECEIVED_LINE = re.compile(r"^[-*+][ \t]+" + _STAMP + r"[ \t]+←[ \t]*" + _ID
                            + r"(?:[ \t]+\((broadcast|to [A-Za-z0-9][A-Za-z0-9._-]*)\))?[ \t]*:[ \t]*(.*?)" + _PRIORITY)
_OWN_DATE = re.compile(r"^[-*+][ \t]+\d{4}-\d{2}-\d{2}[ T]")
_UNESCAPE = re.compile(r"^(\s*)\\")
_LEAD = re.compile(r"^(\s*)(?=\\)")
_LEAD_SPACE = re.compile(r"^(\s*)")
_DEEP_FENCE = re.compile(r"^ {2,3}(`{3,}|~{3,})")
_AMP = re.compile(r"&((?:amp;)*)lt;!--")
_UNAMP = re.compile(r"&amp;((?:amp;)*)lt;!--")


@dataclass
class Message:
    """One message as an inbox shows it."""

    id: str
    sender: str
    to: str
    priority: str
    sent: str  # "YYYY-MM-DD HH:MM" (UTC)
    text: str
    unread: bool = True
    sender_archived: bool = False
    via: str | None = None  # addressed to this session's predecessor (handoff)
    complete: bool = True  # False when ``text`` was cut to CACHED_TEXT characters
    noted_by_hand: bool = False  # the recipient noted it under Messages Received by hand

    @property
    def broadcast(self) -> bool:
        return self.to == BROADCAST

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("complete")
        out["broadcast"] = self.broadcast
        out["from"] = out.pop("sender")
        return out


def message_id(sender: str, to: str, stamp: str, text: str) -> str:
    """The id of a message: 12 hex digits of BLAKE2b over sender, recipient, minute and the
    first line of the text (as ``quote`` gives it), so both ends derive it from their line."""
    return short_hash("\x1f".join((sender, to, stamp, quote(text))))


def time_key(sender: str, to: str, minute: str, text: str) -> str:
    """A second id for a message whose line gives no date: its day is only a guess (the
    date above it, or its file's last change), so an acknowledgement matches it by its
    minute alone and still does when the guess moves."""
    return message_id(sender, to, minute, text)


def content_key(sender: str, text: str) -> str:
    """What a message noted by hand under Messages Received is matched by: sender and
    text (the minute a person notes is the minute they read it, not the one it was sent)."""
    return message_id(sender, "*", "*", text)


def has_own_date(line: str) -> bool:
    """Whether a message line gives its date (``- 2026-11-21 15:30 → …``), not just a time."""
    return _OWN_DATE.match(line) is not None


def received_line(message: Message, legacy: bool) -> tuple[str, str]:
    """The first part and the tail of the Messages Received entry acknowledging ``message``
    (the quoted text goes between them, through ``escape`` and ``entry_lines``)."""
    who = message.sender
    if message.broadcast:
        who += " (broadcast)"
    elif message.via:
        who += f" (to {message.via})"
    tail = f'" ({message.priority})'
    if legacy:  # the sender's line names it by a legacy id: keep naming it so
        from journal.session.links import message_marker

        tail += message_marker(message.id)
    return f'- {message.sent} ← {who}: "', tail


def utc_stamp(moment: datetime | None = None) -> str:
    """The minute a message or handoff is written at: ``YYYY-MM-DD HH:MM`` in UTC."""
    return (moment or clock.now()).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def normalize_text(text: str) -> str:
    """Line breaks as ``\n`` only (``str.splitlines`` also breaks at U+2028, U+2029 and U+0085)."""
    if "\r" not in text and "\u2028" not in text and "\u2029" not in text and "\x85" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(LINE_BREAKS)


def escape(text: str) -> str:
    """Message text as written after the quote: the exact inverse of ``parse_sent``'s unescaping
    once ``entry_lines`` has escaped its own way."""
    # A line that starts with a backslash gets one more, and so does a line shaped like a
    # **Label:** (SessionDoc would end the list there, even indented) or a fence indented by
    # 2-3 spaces (entry_lines counts it as a fence, but indented under the bullet it is none,
    # and the closing fence entry_lines adds would open one). A literal '&lt;!--' gets '&amp;'.
    lines = []
    for n, line in enumerate(text.split("\n")):
        line = _LEAD.sub(r"\1\\", line)
        if LABEL.match(line.strip()) or (n and _DEEP_FENCE.match(line)):
            line = _LEAD_SPACE.sub(r"\1\\", line)
        lines.append(_AMP.sub(r"&amp;\1lt;!--", line))
    text = "\n".join(lines)
    if fence_step(text.split("\n", 1)[0], None)[0]:
        text = "\\" + text  # a fence cannot open inside the quoted first line
    return text


def _unescape(lines: list[str]) -> str:
    text = "\n".join(lines)
    if "\\" not in text and "lt;!--" not in text:  # nothing any of the patterns below changes
        return text
    return "\n".join(_UNAMP.sub(r"&\1lt;!--", _UNESCAPE.sub(r"\1", line).replace("&lt;!--", "<!--"))
                     for line in lines)


def parse_sent(sender: str, header: str, cont: list[str], created_day: str,
               limit: int | None = CACHED_TEXT) -> list[Any] | None:
    """[id, to, priority, stamp, text, complete] of a Messages Sent entry, or None.

    ``header`` is the entry's first line, ``cont`` its continuation lines (trailing blank
    ones are dropped from it); a text over ``limit`` characters is cut and not complete.
    """
    ids = message_ids(header)
    bare = strip_trailing_markers(header).rstrip()
    m = _SENT.match(bare)
    if m is None:
        return None
    day, hh, mm, to, first, priority = m.groups()
    to = to.strip()
    if len(first) >= 2 and first[0] == '"' and first[-1] == '"':
        first = first[1:-1]
    while cont and not cont[-1].strip():
        cont.pop()
    text = _unescape([first] + [line[2:] if line.startswith("  ") else line.lstrip() for line in cont])
    stamp = f"{day or created_day} {int(hh):02d}:{mm}".strip()
    msg_id = ids[-1] if ids else message_id(sender, to, stamp, text)
    complete = limit is None or len(text) <= limit
    return [msg_id, to, priority or "normal", stamp, text if complete else text[:limit], complete]


def parse_received(line: str, recipient: str, day: str = "") -> list[str] | None:
    """[sender, to, priority, stamp, minute, text] of a Messages Received entry of
    ``recipient`` that restates a message, or None; ``day`` dates a line that gives none."""
    m = _RECEIVED_LINE.match(strip_trailing_markers(line).rstrip())
    if m is None:
        return None
    own_day, hh, mm, sender, to, quoted, priority = m.groups()
    if len(quoted) >= 2 and quoted[0] == '"' and quoted[-1] == '"':
        quoted = quoted[1:-1]
    to = BROADCAST if to == BROADCAST else (to[3:] if to else recipient)
    minute = f"{int(hh):02d}:{mm}"
    stamp = f"{own_day or day} {minute}".strip()
    return [sender, to, priority or "normal", stamp, minute, _unescape([quoted])]


_UNSET: Any = object()


def received_ids(line: str, recipient: str, created_day: str = "", parsed: Any = _UNSET) -> list[str]:
    """The message ids a Messages Received entry of ``recipient`` acknowledges ([] for any other line).

    ``parsed``: the line's ``parse_received(line, recipient, created_day)``, when the caller has it.
    """
    if not _RECEIVED.match(line):
        return []
    legacy = message_ids(line)
    if legacy:
        return legacy
    found = parse_received(line, recipient, created_day) if parsed is _UNSET else parsed
    if found is None:
        return []
    sender, to, _priority, stamp, _minute, text = found
    return [message_id(sender, to, stamp, text)]


def quote(text: str, limit: int = 120) -> str:
    """The first line of ``text``, cut to ``limit`` characters, with … when there is more."""
    text = normalize_text(text).strip()
    first = text.split("\n", 1)[0].strip()
    more = "\n" in text
    if len(first) > limit:
        first, more = first[: limit - 1].rstrip(), True
    return first + ("…" if more else "")
