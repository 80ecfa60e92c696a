"""The hook spool: payloads of agent CLIs' hooks, waiting to become events.

``journal hook`` runs on every tool call an agent makes, so it does not write events
itself: it appends the hook's payload to ``.journal/spool/<session>.jsonl`` as one record,
in one ``write``, under an ``flock`` of that file, and returns. The event store is the one
writer of events: before it appends to a session's log, and before any query reads it,
it drains the session's spool under the log's lock (``journal.events.store.ingest``),
turning each record into events (``journal.events.hooked``) that are numbered, validated
and written like every other event. Queries, ``show --events`` and ``events check`` see
spooled events as soon as they are asked.

A record is one line of JSON::

    {"v": 1, "ms": <time>, "r": "<80 random bits>", "ts": "<ISO time>", "cli": "claude-code",
     "p": <the payload>}

or, for a payload that is not a JSON object, ``"raw"`` (its text, cut to 64 KB) and
``"error"`` in place of ``"p"``. ``ms`` and ``r`` make the record's first event id (a ULID),
so a drain cut short after writing its events and before emptying the spool is not
written twice.

This module's top level imports only ``os``: the append runs on the hook's fast path.
"""
from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only
    from collections.abc import Mapping

SPOOL_DIR = os.path.join(".journal", "spool")
SUFFIX = ".jsonl"
RECORD_VERSION = 1
MAX_RAW_TEXT = 65536
MAX_PAYLOAD = 8 * 1024 * 1024
"""A payload larger than this is spooled with its biggest values replaced by their size."""
LOCK_WAIT_S = 5.0


def spool_dir(root: str) -> str:
    return os.path.join(root, SPOOL_DIR)


def spool_path(root: str, session_id: str) -> str:
    """The spool of a session (``session_id`` must already be a valid id)."""
    return os.path.join(root, SPOOL_DIR, session_id + SUFFIX)


def _lock(fd: int) -> None:
    """Hold the file's flock, waiting a few seconds at most (then go on without it: a hook
    must not hang its agent; O_APPEND still keeps the record whole)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: O_APPEND alone
        return
    import time

    deadline = time.monotonic() + LOCK_WAIT_S
    pause = 0.0005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.02)


def _stamp(env: Mapping[str, str]) -> tuple[int, str, str]:
    """(milliseconds, 80 random bits in hex, ISO time) of a record written now: the parts
    of its first event's id, made into a ULID by ``journal.ids.ulid`` when it is drained.
    All three follow a pinned $JOURNAL_NOW."""
    if env.get("JOURNAL_NOW"):
        from journal.clock import now_micro, pinned_ms
        from journal.ids import ulid_entropy

        return pinned_ms() or 0, ulid_entropy(True).hex(), now_micro()
    import time

    ns = time.time_ns()
    seconds, rest = divmod(ns, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest // 1000:06d}Z"
    return ns // 1_000_000, os.urandom(10).hex(), stamp


def _escape(text: str) -> bytes:
    import json

    return json.dumps(text).encode("ascii")


def record(cli: str, payload: bytes | None = None, *, raw: bytes | None = None,
           error: str | None = None, env: Mapping[str, str] | None = None) -> bytes:
    """One spool record (a line): ``payload`` is the bytes of a JSON object as the CLI sent
    them (already parsed once by the caller, so known to be valid); otherwise ``raw`` and
    ``error`` say what could not be read."""
    env = os.environ if env is None else env
    ms, rand, stamp = _stamp(env)
    head = b'{"v":%d,"ms":%d,"r":"%s","ts":"%s","cli":%s,' % (RECORD_VERSION, ms, rand.encode(), stamp.encode(),
                                                             _escape(cli))
    if payload is not None:
        body = payload[3:] if payload.startswith(b"\xef\xbb\xbf") else payload
        # Outside strings, JSON text may hold line breaks only as white space, and strings
        # cannot hold raw ones: replacing them keeps the record on one line, unchanged.
        body = body.strip().replace(b"\r", b" ").replace(b"\n", b" ")
        return head + b'"p":' + body + b"}\n"
    text = (raw or b"").decode("utf-8", "replace")[:MAX_RAW_TEXT]
    return head + b'"raw":' + _escape(text) + b',"error":' + _escape(error or "unreadable") + b"}\n"


def shrink(data: dict[str, object]) -> bytes:
    """A payload over ``MAX_PAYLOAD`` bytes, re-serialized with its long strings cut."""
    import json

    def cut(value: object, depth: int = 0) -> object:
        if isinstance(value, str) and len(value) > 4096:
            return value[:4096] + f"… [{len(value) - 4096} more characters dropped]"
        if isinstance(value, dict) and depth < 20:
            return {k: cut(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list) and depth < 20:
            return [cut(v, depth + 1) for v in value[:200]]
        return value

    return json.dumps(cut(data)).encode("ascii")


def append(root: str, session_id: str, line: bytes) -> None:
    """Append one record to the session's spool: one ``write`` under the spool's flock."""
    path = spool_path(root, session_id)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, flags, 0o644)
    try:
        _lock(fd)
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"short write to {path} ({written} of {len(line)} bytes)")
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def has_records(path: str) -> bool:
    try:
        return os.stat(path).st_size > 0
    except OSError:
        return False


def spooled_sessions(root: str) -> list[str]:
    """Ids of the sessions whose spool holds records."""
    try:
        names = os.listdir(spool_dir(root))
    except OSError:
        return []
    out = []
    for name in names:
        if name.endswith(SUFFIX) and not name.startswith("."):
            if has_records(os.path.join(spool_dir(root), name)):
                out.append(name[: -len(SUFFIX)])
    return sorted(out)


class Pending:
    """The records of a spool, held under its lock until ``clear`` (done) and ``close``."""

    def __init__(self, fd: int, data: bytes) -> None:
        self.fd = fd
        self.data = data

    def lines(self) -> list[bytes]:
        """Each record's line; a last line without its newline is a write still in flight
        elsewhere only if the lock failed, so it is taken as it is."""
        return [line for line in self.data.split(b"\n") if line.strip()]

    def clear(self) -> None:
        """Empty the spool. It is truncated, never removed: a hook waiting for the lock
        holds it open, and its record must land in the file a later drain reads."""
        os.ftruncate(self.fd, 0)

    def close(self) -> None:
        os.close(self.fd)


def take(path: str) -> Pending | None:
    """The spool's records under its lock, or None when there are none."""
    try:
        fd = os.open(path, os.O_RDWR)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        _lock(fd)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:
        os.close(fd)
        raise
    data = b"".join(chunks)
    if not data.strip():
        if data:
            os.ftruncate(fd, 0)
        os.close(fd)
        return None
    return Pending(fd, data)
