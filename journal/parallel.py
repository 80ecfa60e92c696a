"""Reading many files on every core: a map whose results come back in order, as a serial map's.

``check`` and the coordination digests read every log of a history once when nothing is
cached yet (tens of thousands of files); the work is pure Python, so one process uses one
core. ``ordered_map`` forks workers for a big list, on systems that fork, from a process
with no other thread running (a fork copies only the calling thread: a lock another
thread held would never be released in the worker).

``acyclic`` pauses Python's cycle collector while such a read builds its results.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 256  # below this, starting a worker costs more than it saves
MAX_WORKERS = 8


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a worker may be forked here: the system forks, and no other thread runs."""
    import threading

    return hasattr(os, "fork") and threading.active_count() == 1


_freeze = True  # False in a process that serves many requests (``serving``)


def serving() -> None:
    """Say that this process serves many requests (the MCP server, the web board): what
    ``acyclic`` blocks built is then left to the collector, never frozen (a reference
    cycle some request left behind would otherwise be kept for the process's life)."""
    global _freeze
    _freeze = False


@contextlib.contextmanager
def acyclic() -> Iterator[None]:
    """Pause the cycle collector while building big data that holds no reference cycle.

    Digests and views of a whole history are millions of dicts, lists and strings; the
    collector would walk the growing heap again and again (0.5 s of the first ``board``
    on 22,000 sessions), though reference counting frees all of it. Workers forked
    inside the block inherit the pause. At its end, what is alive is moved out of the
    collector's reach (``gc.freeze``; reference counting still frees it), so that no
    later collection walks it either; then the collector's state is restored.
    """
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if _freeze:
                gc.freeze()
            gc.enable()


def ordered_map(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None) -> list[R]:
    """``[fn(x) for x in items]``, on forked workers when there are many items and cores.

    Worker k takes items k, k+n, k+2n… (costs vary along a folder; striping evens them
    out) and sends its results back through a pipe: marshalled when they are plain data
    (dicts, lists, tuples, strings, numbers, None; a bytes-like value comes back as
    bytes), else pickled. ``fn`` must not change anything the caller relies on: a
    worker's memory is its own. A worker that fails (an exception, a kill, a result that
    does not pickle) has its share computed here again; an exception here falls back to
    the serial map, so errors are raised exactly as the serial map raises them.
    """
    n = min(workers if workers is not None else cores(), MAX_WORKERS, len(items))
    if n < 2 or len(items) < MIN_ITEMS or not can_fork():
        return [fn(x) for x in items]
    children = [_fork(fn, items, k, n) for k in range(1, n)]
    out: list[Any] = [None] * len(items)
    try:
        out[0::n] = [fn(x) for x in items[0::n]]
    except Exception:
        _stop(children)
        return [fn(x) for x in items]
    except BaseException:  # Ctrl+C: the workers got it too
        _stop(children)
        raise
    for k, (pid, fd) in enumerate(children, 1):
        part = _collect(pid, fd)
        if part is None or len(part) != len(range(k, len(items), n)):
            part = [fn(x) for x in items[k::n]]
        out[k::n] = part
    return out


def _pack(results: list[Any]) -> bytes:
    """Results as bytes: marshal for plain data (it loads in half pickle's time), else pickle."""
    import marshal

    try:
        return b"m" + marshal.dumps(results)
    except ValueError:
        import pickle

        return b"p" + pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes) -> Any:
    if data[:1] == b"m":
        import marshal

        return marshal.loads(data[1:])
    import pickle

    return pickle.loads(data[1:])  # noqa: S301 - written by our own fork, just now


def _fork(fn: Callable[[Any], Any], items: Sequence[Any], k: int, n: int) -> tuple[int, int]:
    """Start the worker of share ``k`` of ``n``: (its pid, the pipe its results come through)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: compute, write, leave without running the caller's exit code
        code = 1
        try:
            os.close(read_end)
            data = _pack([fn(x) for x in items[k::n]])
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # noqa: S110 - the caller computes this share itself
            pass
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, fd: int) -> list[Any] | None:
    """A worker's results, or None when it failed."""
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        part = _unpack(data)
    except Exception:
        return None
    return part if isinstance(part, list) else None


def _stop(children: list[tuple[int, int]]) -> None:
    import signal

    for pid, fd in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)
        os.waitpid(pid, 0)
