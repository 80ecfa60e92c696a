"""Local state of the live hooks, under ``<root>/.journal/hooks/`` (never committed).

- The **index**: which journal session an agent CLI's session journals into, one small
  JSON file per (CLI, the CLI's session id), written at SessionStart. Every later hook
  finds its session with one read instead of a scan of every session's frontmatter.
  (The frontmatter's ``agent_sessions`` keeps the same facts for people and for a lost
  index.)
- The **mail stamps**: a checksum of the other sessions' logs as they were when this
  session's messages were last handed to its agent. Messages live in their senders'
  logs, so while no other log changed there is nothing new to read, and the hook stays
  on its fast path.

Standard library only (``os``, ``json``, ``re``, ``zlib``): this runs on every tool call.
"""
from __future__ import annotations

import json
import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only
    from typing import Any

HOOKS_DIR = os.path.join(".journal", "hooks")
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


def _key(provider_session: str) -> str:
    """A file name for the CLI's session id: itself when plain, else its SHA-1."""
    if _PLAIN_ID.fullmatch(provider_session) and ".." not in provider_session:
        return provider_session
    import hashlib

    return "sha1-" + hashlib.sha1(provider_session.encode("utf-8", "surrogatepass")).hexdigest()


def index_path(root: str, cli: str, provider_session: str) -> str:
    return os.path.join(root, HOOKS_DIR, "sessions", cli, _key(provider_session) + ".json")


def has_index(root: str, cli: str) -> bool:
    """Whether this workspace has an index of ``cli``'s sessions at all."""
    return os.path.isdir(os.path.join(root, HOOKS_DIR, "sessions", cli))


def lookup(root: str, cli: str, provider_session: str) -> dict[str, Any] | None:
    """The index entry of the CLI's session: ``{"session", "cli", "agent_session", "transcript"}``."""
    try:
        with open(index_path(root, cli, provider_session), "rb") as f:
            entry = json.loads(f.read(65536))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("session"), str):
        return None
    if entry.get("agent_session") not in (None, provider_session):
        return None  # two ids hashed alike: not this one
    return entry


def remember(root: str, cli: str, provider_session: str, entry: dict[str, Any]) -> None:
    """Write the index entry of the CLI's session (atomically)."""
    from pathlib import Path

    from journal.fsutil import atomic_write, confine

    confine(root)  # hooks write before (or without) a Workspace, which would confine its root
    data = {**entry, "cli": cli, "agent_session": provider_session}
    atomic_write(Path(index_path(root, cli, provider_session)), json.dumps(data, indent=1) + "\n")


def mail_stamp(root: str, session_id: str) -> str:
    """A checksum of every active log but ``session_id``'s own, and of ARCHIVE/'s listing.

    A new message changes its sender's log (or a git pull brings a new log), so an equal
    stamp means nothing new can be waiting; a change only means there might be.
    """
    import zlib

    own = session_id + ".md"
    parts: list[str] = []
    sessions = os.path.join(root, "sessions")
    try:
        with os.scandir(os.path.join(sessions, "ACTIVE")) as entries:
            for entry in entries:
                name = entry.name
                if name == own or name[0] == "." or not name.endswith(".md"):
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                parts.append(f"{name}\0{st.st_mtime_ns}\0{st.st_size}")
    except OSError:
        pass
    try:
        st = os.stat(os.path.join(sessions, "ARCHIVE"))
        parts.append(f"ARCHIVE\0{st.st_mtime_ns}")
    except OSError:
        pass
    parts.sort()
    return f"{len(parts)}-{zlib.crc32(chr(1).join(parts).encode('utf-8', 'surrogatepass')):08x}"


def _mark_path(root: str, session_id: str, purpose: str) -> str:
    return os.path.join(root, HOOKS_DIR, "mail", f"{session_id}.{purpose}")


def read_mark(root: str, session_id: str, purpose: str) -> tuple[str, float]:
    """(the stamp, when it was taken in seconds since the epoch) of the last delivery check."""
    try:
        with open(_mark_path(root, session_id, purpose), encoding="utf-8") as f:
            stamp, _, when = f.read(200).strip().partition(" ")
        return stamp, float(when or 0)
    except (OSError, ValueError):
        return "", 0.0


def write_mark(root: str, session_id: str, purpose: str, stamp: str, when: float) -> None:
    from pathlib import Path

    from journal.fsutil import atomic_write, confine

    confine(root)
    atomic_write(Path(_mark_path(root, session_id, purpose)), f"{stamp} {when:.3f}\n")


def mail_due(root: str, session_id: str, purpose: str, every_s: float = 0.0,
             now: float | None = None) -> bool:
    """Whether other logs changed since the last check for ``purpose`` (and, with
    ``every_s``, that check is at least that old)."""
    stamp, when = read_mark(root, session_id, purpose)
    if every_s:
        import time

        if (time.time() if now is None else now) - when < every_s:
            return False
    return stamp != mail_stamp(root, session_id)
