"""File primitives: bounded UTF-8 reads, locked atomic replaces, whole-record appends.

Every write in the journal goes through here so that a crash, SIGKILL or Ctrl+C
leaves each file either as it was or as intended, never torn; ``deferred_signals``
makes a change and the event that records it land together.
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from journal.errors import InvalidInput, LockTimeout, MalformedFile, NotFound

MAX_TEXT_BYTES = 1_000_000
MAX_FILE_BYTES = 64 * 1024 * 1024
LOCK_TIMEOUT_S = 60.0
_deferring = False  # a block of deferred_signals is running: an inner one adds nothing


def check_text(text: str, what: str = "text") -> str:
    """Reject text over the 1 MB limit or containing NUL bytes."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise InvalidInput(f"{what} is over 1 MB")
    if "\x00" in text:
        raise InvalidInput(f"{what} contains a NUL byte (binary data?)")
    return text


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file exactly (line endings kept), with clear errors."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError as e:
        raise NotFound(f"{path} does not exist") from e
    except IsADirectoryError as e:
        raise InvalidInput(f"{path} is a directory") from e
    if len(data) > limit:
        raise MalformedFile(f"{path} is larger than {limit // (1024 * 1024)} MB")
    if b"\x00" in data:
        raise MalformedFile(f"{path} is a binary file, not UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedFile(f"{path} is not UTF-8 text (byte {e.start})") from e


_thread_locks: dict[str, threading.RLock] = {}
_thread_guard = threading.Lock()
_held = threading.local()


@contextlib.contextmanager
def locked(lock_path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` across processes and threads for the block.

    POSIX: ``flock`` on a separate lock file (released by the kernel if the process
    dies, so a crash never leaves a stale lock), behind a per-path thread lock;
    re-entrant within a thread. Elsewhere: the filelock package.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        with _portable_lock(lock_path, timeout):
            yield
        return
    key = str(lock_path)
    with _thread_guard:
        tlock = _thread_locks.setdefault(key, threading.RLock())
    if not tlock.acquire(timeout=timeout):
        raise LockTimeout(f"another journal thread holds {lock_path} (waited {timeout:.0f}s)")
    depth: dict[str, int] = _held.__dict__.setdefault("depth", {})
    try:
        if depth.get(key):
            depth[key] += 1
            try:
                yield
            finally:
                depth[key] -= 1
            return
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            pause = 0.0002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockTimeout(f"another journal process holds {lock_path} (waited {timeout:.0f}s)") from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.01)
            depth[key] = 1
            try:
                yield
            finally:
                depth[key] = 0
        finally:
            os.close(fd)  # closing the descriptor releases the flock
    finally:
        tlock.release()


@contextlib.contextmanager
def _portable_lock(lock_path: Path, timeout: float) -> Iterator[None]:  # pragma: no cover - Windows
    from filelock import FileLock, Timeout

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout as e:
        raise LockTimeout(f"another journal process holds {lock_path} (waited {timeout:.0f}s)") from e
    try:
        yield
    finally:
        lock.release()


def atomic_replace(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` with what ``write`` writes, atomically: a temp file in the same
    folder, fsync, rename. A new file gets mode 0644, a replaced one keeps its mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, byte for byte: no newline translation,
    so CRLF files stay CRLF."""
    data = text.encode("utf-8")
    atomic_replace(path, lambda f: f.write(data))


def write_all(fd: int, data: bytes, path: Path) -> None:
    """One ``write`` of a whole record; a short write (a full disk) is an error naming ``path``."""
    written = os.write(fd, data)
    if written != len(data):
        raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)} bytes)", str(path))


def append_record(path: Path, record: bytes) -> None:
    """Append one whole record with a single ``write`` on an O_APPEND descriptor."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        write_all(fd, record, path)
    finally:
        os.close(fd)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block ends, so a change and its event land together.

    A second signal during the block is not held: it interrupts at once (the files
    stay whole, since every write is an atomic replace or one whole append). Blocks
    nest: the outermost one holds the signals for the whole.
    """
    import signal

    global _deferring
    if _deferring or threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        if signum in pending:
            raise KeyboardInterrupt
        pending.append(signum)

    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, hold)
    _deferring = True
    try:
        yield
    finally:
        _deferring = False
        for held, handler in previous.items():
            signal.signal(held, handler)
        for signum in pending:
            signal.raise_signal(signum)


def refuse_symlinks(path: Path, base: Path) -> None:
    """Raise InvalidInput naming the first symlink among ``path`` and the folders between
    ``base`` and it: a file journal writes outside its workspace is never written through
    a link (where the link points is not the file the user asked for). ``base`` itself and
    the folders above it may be links. A path outside ``base`` has itself and its folder
    checked."""
    path = Path(os.path.abspath(path))
    base = Path(os.path.abspath(base))
    try:
        rel = path.relative_to(base)
        steps = [base.joinpath(*rel.parts[: i + 1]) for i in range(len(rel.parts))]
    except ValueError:
        steps = [path.parent, path]
    for step in steps:
        if step.is_symlink():
            raise InvalidInput(f"refusing to write through the symlink {step}")


def write_outside(path: Path, text: str, base: Path) -> None:
    """Write ``text`` to a file outside the workspace (an allow-listed agent file),
    atomically, refusing symlinks (see ``refuse_symlinks``)."""
    refuse_symlinks(path, base)
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_symlinks(path, base)  # a folder made meanwhile by someone else
    atomic_write(path, text)
