"""The one per-file cache: values derived from a file, kept while its (mtime_ns, size) holds.

A file changed in the last two seconds may change again within the same timestamp tick
without a new (mtime, size) (git's "racy clean" problem; 2 s covers file systems with
coarse timestamps): such a file is read afresh and its value is not kept.
Caches live under ``.journal/cache`` (local, never committed); one that cannot be read is
empty, and one that cannot be written only costs speed.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

RACY_NS = 2_000_000_000


def racy_after() -> int:
    """Files whose mtime_ns is at or after this are racy now: read them, do not cache them."""
    return time.time_ns() - RACY_NS


def load_cache(path: Path, version: int) -> dict[str, Any]:
    """The ``files`` of a cache that ``save_cache`` wrote with the same ``version``, else {}."""
    import orjson

    from journal.fsutil import read_cache

    try:
        data = orjson.loads(read_cache(path) or b"")
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(data, dict) or data.get("version") != version:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def save_cache(path: Path, version: int, files: dict[str, Any]) -> None:
    """Replace a cache file atomically; one that cannot be written only costs speed."""
    import orjson

    from journal.fsutil import atomic_write

    with contextlib.suppress(OSError):
        atomic_write(path, orjson.dumps({"version": version, "files": files}))


class FileCache:
    """Values keyed by a file's key and stamp ``(mtime_ns, size)``, saved only when changed.

    ``get`` gives the value for a file, computing it on a miss; ``save`` writes back the
    entries seen in this run plus those ``keep`` says to keep (files outside the scan).
    """

    def __init__(self, path: Path, version: int) -> None:
        self.path = path
        self.version = version
        self.old = load_cache(path, version)
        self.fresh: dict[str, Any] = {}
        self.changed = False
        self._racy = racy_after()

    def _kept(self, key: str, stamp: tuple[int, int], valid: Callable[[Any], bool] | None) -> list[Any] | None:
        """The kept ``[mtime, size, value]`` of a file while it holds, else None."""
        mtime, size = stamp
        hit = self.old.get(key)
        if hit is not None and hit[0] == mtime and hit[1] == size and mtime < self._racy \
                and (valid is None or valid(hit[2])):
            return hit  # type: ignore[no-any-return]
        return None

    def get(self, key: str, stamp: tuple[int, int], compute: Callable[[], Any],
            valid: Callable[[Any], bool] | None = None) -> Any:
        """The value for a file; ``valid``, when given, says whether a kept value still holds
        (for values that depend on more than the file's bytes)."""
        hit = self._kept(key, stamp, valid)
        return self._keep(key, stamp, hit[2] if hit is not None else compute(), hit is None)

    def get_all(self, items: Sequence[tuple[str, tuple[int, int], T]], compute: Callable[[T], Any],
                valid: Callable[[Any], bool] | None = None) -> list[Any]:
        """``get`` for many files at once, in order: ``items`` are (key, stamp, what
        ``compute`` takes); the values not kept are computed on every core
        (``journal.parallel.ordered_map``)."""
        from journal.parallel import ordered_map

        hits = [self._kept(key, stamp, valid) for key, stamp, _ in items]
        computed = iter(ordered_map(compute, [arg for (_, _, arg), hit in zip(items, hits) if hit is None]))
        return [self._keep(key, stamp, hit[2] if hit is not None else next(computed), hit is None)
                for (key, stamp, _), hit in zip(items, hits)]

    def _keep(self, key: str, stamp: tuple[int, int], value: Any, computed: bool) -> Any:
        """Note ``value`` as the file's for the next run (unless its stamp is racy); returns it."""
        if computed:
            self.changed = True
        if stamp[0] < self._racy:
            self.fresh[key] = [stamp[0], stamp[1], value]
        return value

    def save(self, keep: Callable[[str], bool] = lambda key: False) -> None:
        merged = {**{k: v for k, v in self.old.items() if keep(k)}, **self.fresh}
        if self.changed or merged.keys() != self.old.keys():
            save_cache(self.path, self.version, merged)
