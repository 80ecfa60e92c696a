"""Identifiers: validation of user-given ids and collision-free generated ones."""
from __future__ import annotations

import os
import re
import time

from journal.errors import InvalidInput

MAX_ID_LENGTH = 100
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f/\\]")
_WORDS_A = (
    "amber", "brisk", "calm", "deft", "eager", "fleet", "gentle", "hardy", "keen", "lucid",
    "merry", "noble", "quiet", "rapid", "sunny", "tidy", "vivid", "witty", "bold", "clear",
)
_WORDS_B = (
    "otter", "heron", "falcon", "badger", "lynx", "marten", "osprey", "puffin", "raven", "stoat",
    "wren", "ibis", "koala", "lemur", "moose", "newt", "orca", "panda", "quail", "tapir",
)


def validate_id(value: str, what: str = "session id") -> str:
    """Return ``value`` if it is a safe file-name id, else raise InvalidInput."""
    if not value or not value.strip():
        raise InvalidInput(f"{what} is empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInput(f"{what} is longer than {MAX_ID_LENGTH} characters")
    if _BAD_CHARS.search(value):
        raise InvalidInput(f"{what} {value!r} contains '/', '\\' or a control character")
    if ".." in value:
        raise InvalidInput(f"{what} {value!r} contains '..'")
    if value != value.strip() or value.startswith((".", "-")):
        raise InvalidInput(f"{what} {value!r} must not start with '.', '-' or white space")
    return value


def _base32(number: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_CROCKFORD[number & 31])
        number >>= 5
    return "".join(reversed(out))


def ulid(now_ms: int | None = None) -> str:
    """A 26-character, time-sortable id with 80 random bits (ULID layout, lower case)."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    return _base32(ms, 10) + _base32(rand, 16)


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
