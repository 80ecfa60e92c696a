"""Listing sessions fast: frontmatter fields cached by (mtime, size) under .journal/cache.

Listing tens of thousands of archived logs must not re-parse YAML each time; a
file whose size and mtime are unchanged is taken from the cache.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from journal.errors import JournalError
from journal.fsutil import RACY_NS, load_cache, save_cache
from journal.workspace import Workspace

CACHE_VERSION = 4
FIELDS = ("role", "mission", "status", "progress", "created", "updated", "ended", "owner")


def _frontmatter_text(path: Path) -> str:
    """Only the frontmatter of a session file (reads the head, not the whole body)."""
    from journal.document import frontmatter_bytes

    with open(path, "rb") as f:
        data = f.read(16384)
        while len(data) < 1 << 20 and not re.search(rb"\n(?:---|\.\.\.)\r?\n", data[3:]):
            more = f.read(65536)
            if not more:
                break
            data += more
    return frontmatter_bytes(data, str(path))


def _row(path: Path) -> dict[str, Any]:
    from journal.document import load_yaml

    try:
        meta = load_yaml(_frontmatter_text(path), str(path)) or {}
        if not isinstance(meta, dict):
            raise JournalError(f"{path}: frontmatter is not a mapping")
    except (JournalError, OSError) as e:
        return {"error": str(e)}
    row = {k: meta.get(k) for k in FIELDS if k in meta}
    for key in ("created", "updated", "ended"):
        if key in row and not isinstance(row[key], (str, type(None))):
            row[key] = str(row[key]).replace(" ", "T").replace("+00:00", "Z")
    owner = row.get("owner")
    if isinstance(owner, dict):
        row["owner"] = owner.get("agent") or owner.get("name")
        row["owner_kind"] = owner.get("kind")
    return row


def _scan(folder: Path, archived: bool, cache: dict[str, Any], fresh: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for every session file in ``folder``; unchanged files come from the cache."""
    from journal.sessions import ARCHIVE_NAME

    rows: list[dict[str, Any]] = []
    try:
        entries = os.scandir(folder)
    except FileNotFoundError:
        return rows
    prefix = "A/" if archived else ""
    base = str(folder) + os.sep
    # A file changed in the last two seconds may change again within the same mtime tick
    # without changing size: read it, but do not cache it yet (git's "racy clean" rule).
    racy_after = time.time_ns() - RACY_NS
    with entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(".md") or name[0] == ".":
                continue
            st = entry.stat()
            key = prefix + name
            hit = cache.get(key)
            if hit is not None and hit[0] == st.st_mtime_ns and hit[1] == st.st_size and st.st_mtime_ns < racy_after:
                row = hit[2]
            else:
                archive_date = None
                if archived:
                    m = ARCHIVE_NAME.match(name)
                    if not m:
                        continue
                    archive_date = m["date"]
                row = _row(Path(base + name))
                row["id"] = name[:-3] if not archived else name[: -len("-0000-00-00.md")]  # the file names it
                row["archived"] = archived
                if archive_date:
                    row["archive_date"] = archive_date
            if st.st_mtime_ns < racy_after:
                fresh[key] = [st.st_mtime_ns, st.st_size, row]
            rows.append(row)
    return rows


def list_sessions(ws: Workspace, archived: bool = False, include_all: bool = False,
                  status: str | None = None) -> list[dict[str, Any]]:
    """Rows of frontmatter fields for active (and/or archived) sessions, newest update first."""
    ws.require()
    cache_path = ws.state_dir / "cache" / "sessions.json"
    cache = load_cache(cache_path, CACHE_VERSION)
    fresh: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    scan_active, scan_archive = include_all or not archived, include_all or archived
    if scan_active:
        rows += _scan(ws.active_dir, False, cache, fresh)
    if scan_archive:
        rows += _scan(ws.archive_dir, True, cache, fresh)
    keep = {k: v for k, v in cache.items() if not (scan_archive if k.startswith("A/") else scan_active)}
    merged = {**keep, **fresh}
    if merged != cache:
        save_cache(cache_path, CACHE_VERSION, merged)
    if status:
        rows = [r for r in rows if str(r.get("status", "")).lower() == status.lower()]
    rows.sort(key=lambda r: str(r.get("updated") or ""), reverse=True)
    return rows
