"""File primitives: bounded UTF-8 reads, locked atomic replaces, whole-record appends,
and the one rule of where journal writes.

Every write in the journal goes through here so that a crash, SIGKILL or Ctrl+C
leaves each file either as it was or as intended, never torn; ``deferred_signals``
makes a change and the event that records it land together.

**Where journal writes.** Never through a symbolic link, never to a file that is not a
regular file, and never outside a workspace root (``confine``, which every ``Workspace``
calls for its own) except the paths put on the allow-list with ``allow_outside``. Every
path opened for writing is checked by ``guard``: its parent, resolved, must be the same
folder as written under the root (no link on the way), and the file itself is opened with
``O_NOFOLLOW``. A refused path is an ``UnsafePath`` naming it.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from journal.errors import InvalidInput, JournalError, LockTimeout, MalformedFile, NotFound, UnsafePath

MAX_TEXT_BYTES = 1_000_000
MAX_FILE_BYTES = 64 * 1024 * 1024
LOCK_TIMEOUT_S = 60.0
_deferring = False  # a block of deferred_signals is running: an inner one adds nothing
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # open() refuses a symbolic link as the last component
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)

# -- where journal may write ----------------------------------------------------------
_roots: dict[str, None] = {}  # absolute workspace roots, as configured (insertion-ordered set)
_outside_files: dict[str, str] = {}  # real path of a file allowed outside every root -> why
_outside_trees: dict[str, str] = {}  # real path of a folder allowed outside every root -> why


def confine(root: str | os.PathLike[str]) -> None:
    """Allow writes under a workspace root (``Workspace`` calls this for its own root)."""
    _roots.setdefault(os.path.abspath(root), None)


def allow_outside(path: str | os.PathLike[str], why: str, tree: bool = False) -> Path:
    """Put one path outside every workspace root on the allow-list of writes, and return it.

    The list is documented (README, "Guarantees"): journal's own files in the repository's
    git directory, the agent settings and instruction files a command is asked to write,
    and the ``--out`` of ``export`` (``tree``: the files under that folder). Writes there
    are checked like any other: no symbolic link as the file, none on the way to it since
    the allowed folder.
    """
    p = os.path.abspath(path)
    real = os.path.join(os.path.realpath(os.path.dirname(p)), os.path.basename(p))
    (_outside_trees if tree else _outside_files)[os.path.realpath(p) if tree else real] = why
    return Path(p)


def within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it (both as given: resolve them first)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _first_link(base: str, path: str) -> str | None:
    """The first symbolic link on the way from ``base`` (excluded) down to ``path`` (included)."""
    rel = os.path.relpath(path, base)
    cur = base
    for part in [] if rel == "." else rel.split(os.sep):
        cur = os.path.join(cur, part)
        if os.path.islink(cur):
            return cur
    return None


def guard(path: str | os.PathLike[str]) -> Path:
    """Check that journal may write ``path`` (create, replace, append to or remove it).

    Refused, with an ``UnsafePath`` naming the culprit: a symbolic link or a non-regular
    file at ``path``; a symbolic link on the way to it from the workspace root; a path
    outside every workspace root and not on the allow-list.
    """
    p = os.path.abspath(path)
    parent = os.path.dirname(p)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise UnsafePath(f"{p}: a part of the path is not a folder") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise UnsafePath(f"{p} is a symbolic link: journal does not write through links")
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(f"{p} is not a regular file ({_kind(st.st_mode)}): journal writes only regular files")
    real_parent = os.path.realpath(parent)
    for root in _roots:
        if within(parent, root):
            expected = os.path.normpath(os.path.join(os.path.realpath(root), os.path.relpath(parent, root)))
            if real_parent != expected:
                link = _first_link(root, parent) or parent
                raise UnsafePath(f"{link} is a symbolic link: journal does not write through links")
            return Path(p)
    for root in _roots:  # a path the caller resolved already
        if within(real_parent, os.path.realpath(root)):
            return Path(p)
    if os.path.join(real_parent, os.path.basename(p)) in _outside_files:
        return Path(p)
    if any(within(real_parent, tree) for tree in _outside_trees):
        return Path(p)
    where = f"the workspace {list(_roots)[-1]}" if _roots else "any workspace"
    raise UnsafePath(f"{p} is outside {where}: journal writes only inside its root")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def make_dirs(folder: Path) -> None:
    """Create ``folder`` and its missing parents, after checking that none is reached through a link."""
    guard(folder / ".journal-dir-check")  # checks folder itself (as the parent) and its way from the root
    folder.mkdir(parents=True, exist_ok=True)


def open_for_write(path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` for writing after ``guard``, never following a link (``O_NOFOLLOW``)."""
    guard(path)
    try:
        return os.open(path, flags | NOFOLLOW | _CLOEXEC, mode)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
        make_dirs(path.parent)
        return _open_nofollow(path, flags, mode)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafePath(f"{path} is a symbolic link: journal does not write through links") from e
        raise


def _open_nofollow(path: Path, flags: int, mode: int) -> int:
    try:
        return os.open(path, flags | NOFOLLOW | _CLOEXEC, mode)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafePath(f"{path} is a symbolic link: journal does not write through links") from e
        raise


def remove(path: Path) -> None:
    """Remove a file journal wrote (checked like a write; a link is refused, not followed)."""
    guard(path)
    os.unlink(path)


def require_regular(path: Path, allow_dir: bool = False) -> os.stat_result:
    """The stat of ``path`` when it is a regular file (or a folder, when allowed); a FIFO,
    socket or device is refused at once instead of hanging or reading garbage."""
    try:
        st = os.stat(path)
    except FileNotFoundError as e:
        raise NotFound(f"{path} does not exist") from e
    except ValueError as e:  # a NUL in the name (from an MCP client: argv cannot hold one)
        raise InvalidInput(f"{str(path)!r} is not a file name: it holds a NUL character") from e
    if stat.S_ISREG(st.st_mode) or (allow_dir and stat.S_ISDIR(st.st_mode)):
        return st
    raise InvalidInput(f"{path} is {_kind(st.st_mode)}, not a regular file")


def _open_regular_fd(path: Path, follow: bool = True) -> tuple[int, os.stat_result]:
    """A descriptor open for reading on ``path`` and its stat, refusing (without blocking)
    anything but a regular file (a FIFO opened without O_NONBLOCK would wait for a writer);
    ``follow=False`` refuses a symbolic link there too (a session file is never one)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC | (0 if follow else NOFOLLOW))
    except FileNotFoundError as e:
        raise NotFound(f"{path} does not exist") from e
    except IsADirectoryError as e:
        raise InvalidInput(f"{path} is a directory") from e
    except OSError as e:
        if not follow and os.path.islink(path):
            raise UnsafePath(f"{path} is a symbolic link: journal does not read session files through one") from e
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InvalidInput(f"{path} is {_kind(st.st_mode)}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def open_regular(path: Path, follow: bool = True) -> BinaryIO:
    """Open a file for reading, refusing (without blocking) anything but a regular file."""
    fd, _st = _open_regular_fd(path, follow)
    try:
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_upto(fd: int, limit: int, expect: int = 65536, *, size: int | None = None) -> bytes:
    """What ``fd`` holds up to its end, or its first ``limit + 1`` bytes when it holds more
    (so the caller can tell), read in pieces: ``f.read(limit + 1)`` would allocate the whole
    limit first (64 MB for a 2 KB log: most of what reading one cost). ``expect``: the size
    to read first. ``size``: a regular file's size as just stat'ed; the first read asks for
    one byte more, and when exactly ``size`` bytes come back the file ends there: no second
    read to see its end (a system call costs µs, and check reads tens of thousands of files).
    A file that grew since is read on to its new end; one cut short, to its end too."""
    chunks: list[bytes] = []
    total = 0
    step = max(1, min(expect if size is None else size + 1, limit + 1))
    while total <= limit:
        want = min(step, limit + 1 - total)
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total == size and len(chunk) < want:
            break
        step = max(step, 1 << 20)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_cache(path: Path) -> bytes | None:
    """The bytes of one of journal's own cache files, or None when there is none or it is
    not a regular file (a FIFO there must not hang a command: a cache only saves time)."""
    try:
        with open_regular(path) as f:
            return f.read()
    except (OSError, JournalError):
        return None


def check_text(text: str, what: str = "text") -> str:
    """Reject text over the 1 MB limit or containing NUL bytes."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise InvalidInput(f"{what} is over 1 MB")
    if "\x00" in text:
        raise InvalidInput(f"{what} contains a NUL byte (binary data?)")
    return text


def read_text(path: Path, limit: int = MAX_FILE_BYTES, follow: bool = True) -> str:
    """Read a UTF-8 text file exactly (line endings kept), with clear errors (``follow=False``:
    a symbolic link is refused)."""
    fd, st = _open_regular_fd(path, follow)
    try:
        data = read_upto(fd, limit, size=st.st_size)
    finally:
        os.close(fd)
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
        fd = open_for_write(lock_path, os.O_RDWR | os.O_CREAT)
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

    make_dirs(lock_path.parent)
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
    folder, fsync, rename. A new file gets mode 0644, a replaced one keeps its mode.
    ``path`` is checked by ``guard`` first: a link there is refused, not replaced."""
    guard(path)
    if not path.parent.is_dir():
        make_dirs(path.parent)
    import tempfile  # here, not at the top: its import (random, shutil) weighs on every start-up

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.lstat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` atomically, byte for byte: no newline translation,
    so CRLF files stay CRLF (bytes are written as they are)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    atomic_replace(path, lambda f: f.write(data))


def write_all(fd: int, data: bytes, path: Path) -> None:
    """One ``write`` of a whole record; a short write (a full disk) is an error naming ``path``."""
    written = os.write(fd, data)
    if written != len(data):
        raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)} bytes)", str(path))


def append_record(path: Path, record: bytes) -> None:
    """Append one whole record with a single ``write`` on an O_APPEND descriptor (fsynced,
    so that a record a later step relies on survives a power loss)."""
    fd = open_for_write(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        write_all(fd, record, path)
        os.fsync(fd)
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
    allow_outside(path, "an agent CLI's settings or instruction file a command was asked to write")
    atomic_write(path, text)
