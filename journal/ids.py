"""Identifiers: validation of user-given ids and collision-free generated ones."""
from __future__ import annotations

import os
import re
import time
from typing import Any

from journal.errors import InvalidInput

MAX_ID_LENGTH = 100
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_CROCKFORD_VALUE = {c: i for i, c in enumerate(_CROCKFORD)}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RESERVED_ID = "broadcast"
# Names Windows gives to devices, whatever follows a dot: a file CON.md cannot exist there.
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
_WORDS_A = (
    "amber", "brisk", "calm", "deft", "eager", "fleet", "gentle", "hardy", "keen", "lucid",
    "merry", "noble", "quiet", "rapid", "sunny", "tidy", "vivid", "witty", "bold", "clear",
)
_WORDS_B = (
    "otter", "heron", "falcon", "badger", "lynx", "marten", "osprey", "puffin", "raven", "stoat",
    "wren", "ibis", "koala", "lemur", "moose", "newt", "orca", "panda", "quail", "tapir",
)


def validate_id(value: str, what: str = "session id") -> str:
    """Return ``value`` if it is a safe id, else raise InvalidInput.

    An id names a file and appears inside Markdown lines that other sessions parse,
    so it is kept to letters, digits, '.', '_' and '-', starting with a letter or
    digit, without '..', not ending with a dot, and not a name Windows reserves for a
    device (CON, NUL, COM1...); 'broadcast' is reserved for messages to everyone.
    (An id that differs from an existing one only by case is refused where sessions are
    created: ``journal.session.store.refuse_taken_id``.)
    """
    if not value or not value.strip():
        raise InvalidInput(f"{what} is empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInput(f"{what} is longer than {MAX_ID_LENGTH} characters")
    if not _ID.fullmatch(value):
        raise InvalidInput(f"{what} {value!r} may hold only letters, digits, '.', '_' and '-', "
                           "and must start with a letter or digit")
    if ".." in value:
        raise InvalidInput(f"{what} {value!r} contains '..'")
    if value.endswith((".", " ")):
        raise InvalidInput(f"{what} {value!r} ends with a dot (Windows drops it from file names)")
    if value.split(".", 1)[0].lower() in RESERVED_NAMES:
        raise InvalidInput(f"{what} {value!r} is a reserved device name on Windows (CON, PRN, AUX, NUL, COM1…, LPT1…)")
    if value.lower() == RESERVED_ID:
        raise InvalidInput(f"{what} {value!r} is reserved for messages to every session")
    return value


def _base32(number: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_CROCKFORD[number & 31])
        number >>= 5
    return "".join(reversed(out))


_B32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD.encode())
EVENT_PREFIX = "evt_"


def ulid(now_ms: int | None = None, rand: bytes | None = None) -> str:
    """A 26-character, time-sortable id: 48-bit ms time and 80 random bits (the ULID layout,
    Crockford base32, lower case), encoded in C through base64 (ids are made on every append).

    Its time is $JOURNAL_NOW's when the clock is pinned, like every time the journal writes.
    """
    pinned = False
    if now_ms is None:
        from journal.clock import pinned_ms

        now_ms = pinned_ms()
        pinned = now_ms is not None
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(rand if rand is not None else ulid_entropy(pinned), "big")
    import base64  # here, not at the top: `journal hook` validates ids without making any

    return base64.b32encode((value << 30).to_bytes(20, "big"))[:26].translate(_B32).decode()


def ulid_entropy(pinned: bool) -> bytes:
    """The 80 random bits of a ULID. Under a pinned clock every id shares one instant, so
    the first 40 bits are the real time in microseconds: ids keep the order they were made in."""
    if not pinned:
        return os.urandom(10)
    return ((time.time_ns() // 1000) & ((1 << 40) - 1)).to_bytes(5, "big") + os.urandom(5)


def new_event_id(base: str | None = None) -> str:
    """An event id (``evt_`` + a ULID): unique across clones without coordination, sortable by
    time. ``base`` reuses a ULID already made (a message and its event share one)."""
    return EVENT_PREFIX + (base if base is not None else ulid())


def new_session_id() -> str:
    """A readable session id that cannot collide with one made elsewhere at the same moment.

    Two words for people, the date for sorting, and 40 random bits so that two clones
    creating a session in the same millisecond still differ.
    """
    rand = os.urandom(7)
    a = _WORDS_A[rand[0] % len(_WORDS_A)]
    b = _WORDS_B[rand[1] % len(_WORDS_B)]
    suffix = _base32(int.from_bytes(rand[2:], "big"), 8)
    return f"{time.strftime('%Y%m%d', time.gmtime())}-{a}-{b}-{suffix}"


def ulid_time(ulid: str) -> float | None:
    """Seconds since the epoch encoded in a ULID's first ten characters."""
    try:
        ms = 0
        for ch in ulid[:10]:
            ms = ms * 32 + _CROCKFORD_VALUE[ch]
    except KeyError:
        return None
    return ms / 1000 if len(ulid) >= 10 else None


_blake2b: Any = None


def short_hash(text: str) -> str:
    """12 hex digits of BLAKE2b over ``text``: the link keys of lines and the ids of messages,
    which both ends derive from what they read (BLAKE2b without hashlib's start-up cost;
    bound once: a big history hashes each of its lines and messages)."""
    global _blake2b
    if _blake2b is None:
        try:
            from _blake2 import blake2b
        except ImportError:  # pragma: no cover - a Python built without it
            from hashlib import blake2b
        _blake2b = blake2b
    return _blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()  # type: ignore[no-any-return]
