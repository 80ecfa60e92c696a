"""The workspace on disk: where every file of the journal lives, and the one scan of its
session logs (ACTIVE/<id>.md and ARCHIVE/<id>-YYYY-MM-DD.md)."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from journal.config import Config, find_git_root, load_config
from journal.errors import NotFound
from journal.fsutil import confine
from journal.ids import validate_id

KNOWLEDGE_KINDS = ("learnings", "best-practices", "patterns", "troubleshooting")
STATE_DIR = ".journal"  # local, untracked state: locks and caches
ARCHIVE_NAME = re.compile(r"^(?P<id>.+)-(?P<date>\d{4}-\d{2}-\d{2})\.md$")


@dataclass(frozen=True)
class SessionRef:
    """Where a session's log is: ACTIVE/<id>.md or ARCHIVE/<id>-<date>.md.

    ``stamp`` is the file's (mtime_ns, size) when it came from a scan: the key of every
    per-file cache.
    """

    id: str
    path: Path
    archived: bool = False
    archive_date: str | None = None
    stamp: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        """The file's name, ``A/``-prefixed when archived: unique within the workspace."""
        return ("A/" if self.archived else "") + self.path.name


@dataclass(frozen=True)
class Workspace:
    """Paths of one journal workspace. Cheap to build; touches no file.

    Building one allows writes under its root (``fsutil.confine``): journal writes nowhere
    else but the documented allow-list.
    """

    config: Config

    def __post_init__(self) -> None:
        confine(self.config.root)

    @classmethod
    def open(cls, root: str | Path | None = None) -> Workspace:
        return cls(load_config(root))

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def sessions_dir(self) -> Path:
        return self.root / "sessions"

    @property
    def active_dir(self) -> Path:
        return self.sessions_dir / "ACTIVE"

    @property
    def archive_dir(self) -> Path:
        return self.sessions_dir / "ARCHIVE"

    @property
    def template_path(self) -> Path:
        return self.sessions_dir / "SESSION_LOG_TEMPLATE.md"

    @property
    def knowledge_dir(self) -> Path:
        return self.root / "shared-knowledge"

    @property
    def events_dir(self) -> Path:
        return self.root / "events"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def git_root(self) -> Path | None:
        return find_git_root(self.root if self.root.exists() else self.root.parent)

    def exists(self) -> bool:
        return self.active_dir.is_dir()

    def require(self) -> None:
        if not self.exists():
            raise NotFound(f"no journal workspace at {self.root} (run 'journal init')")

    def knowledge_path(self, kind: str) -> Path:
        return self.knowledge_dir / f"{kind}.md"

    def active_path(self, session_id: str) -> Path:
        return self.active_dir / f"{validate_id(session_id)}.md"

    def events_path(self, session_id: str) -> Path:
        return self.events_dir / f"{validate_id(session_id)}.jsonl"

    def lock_path(self, path: Path) -> Path:
        """The lock file guarding ``path``: kept under .journal/locks, out of git's way."""
        try:
            rel = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            import hashlib

            rel = hashlib.sha1(str(path.resolve()).encode()).hexdigest()
        return self.state_dir / "locks" / (rel.replace("/", "__") + ".lock")

    def rel(self, path: Path) -> str:
        """``path`` relative to the workspace root, for messages and JSON."""
        text, root = str(path), str(self.root)
        if text.startswith(root) and text[len(root):len(root) + 1] == os.sep and len(root) > 1:
            return text[len(root) + 1:].replace(os.sep, "/")  # what relative_to gives, without its parsing
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def scan_sessions(ws: Workspace, active: bool = True, archived: bool = False) -> Iterator[SessionRef]:
    """Every session log in ACTIVE/ (and ARCHIVE/), in directory order, with its stamp.

    Hidden files (temp files of a write) and names that are not a session log are passed
    over; a file removed while the scan runs (archived meanwhile) is skipped.
    """
    folders = ([(ws.active_dir, False)] if active else []) + ([(ws.archive_dir, True)] if archived else [])
    for folder, is_archive in folders:
        try:
            entries = os.scandir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if name[0] == "." or not name.endswith(".md"):
                    continue
                date = None
                if is_archive:
                    m = ARCHIVE_NAME.match(name)
                    if not m:
                        continue
                    sid, date = m["id"], m["date"]
                else:
                    sid = name[:-3]
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue
                yield SessionRef(sid, Path(entry.path), is_archive, date, (st.st_mtime_ns, st.st_size))


def find_archived(ws: Workspace, session_id: str) -> list[SessionRef]:
    """Archived copies of ``session_id``, oldest first."""
    validate_id(session_id)
    try:
        names = os.listdir(ws.archive_dir)
    except (FileNotFoundError, NotADirectoryError):
        return []
    prefix = session_id + "-"
    found = []
    for name in names:
        if name.startswith(prefix):
            m = ARCHIVE_NAME.match(name)
            if m and m["id"] == session_id:
                found.append(SessionRef(session_id, ws.archive_dir / name, True, m["date"]))
    return sorted(found, key=lambda r: r.archive_date or "")
