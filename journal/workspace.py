"""The workspace on disk: where every file of the journal lives."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journal.config import Config, find_git_root, load_config
from journal.errors import NotFound
from journal.ids import validate_id

KNOWLEDGE_KINDS = ("learnings", "best-practices", "patterns", "troubleshooting")
STATE_DIR = ".journal"  # local, untracked state: locks and caches


@dataclass(frozen=True)
class Workspace:
    """Paths of one journal workspace. Cheap to build; touches no file."""

    config: Config

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
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
