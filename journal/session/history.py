"""When each session file was first and last committed, and by whom: one pass over git history.

Logs kept by hand have no frontmatter to say when they began; ``journal adopt`` and the
read paths (list, board, inbox) take it from git: the first and the last commit touching
the file, following renames inside the workspace (archived logs were moved from ACTIVE/),
read in one ``git log`` for every file when first asked. Outside git, the file's
modification time stands in. Kept small: the read paths import it on every run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from journal import clock
from journal.errors import GitError
from journal.workspace import Workspace


class History(NamedTuple):
    """When a file was first and last committed and by whom (or its mtime outside git).

    ``committed`` is True when git holds the file as it is on disk, False when it is not
    committed or has changes, None when that was not asked (read paths) or outside git.
    """

    created: str
    updated: str
    owner: str | None
    source: str  # "git" or "mtime"
    commits: int = 0
    committed: bool | None = None


def mtime_history(path: Path) -> History:
    from datetime import datetime, timezone

    try:
        moment = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        moment = clock.now()
    return History(clock.iso(moment), clock.iso(moment), None, "mtime")


class Histories:
    """The history of every session file of a workspace, read when first asked.

    ``strict`` (for ``adopt``): git's errors are raised, and whether each file is committed
    as it is is found out too (one ``git status``). Otherwise (read paths) a failing git
    falls back to modification times.
    """

    def __init__(self, ws: Workspace, strict: bool = False) -> None:
        self.ws = ws
        self.strict = strict
        self._loaded = False
        self._repo: Path | None = None
        self._git: dict[str, Any] = {}
        self._changed: set[str] = set()
        self._stamp: str | None = None

    def _load(self) -> None:
        from journal import gitops

        self._loaded = True
        self._repo = self.ws.git_root
        if self._repo is None:
            return
        try:
            self._git = gitops.path_histories(self._repo, self.ws.sessions_dir)
            if self.strict:
                self._changed = gitops.changed_paths(self._repo, self.ws.sessions_dir)
        except GitError:
            if self.strict:
                raise
            self._repo, self._git = None, {}

    def stamp(self) -> str:
        """What reading a log kept by hand depends on besides its bytes: HEAD's commit (its
        history) and the configured statuses. A cached reading holds while this does."""
        if self._stamp is None:
            from journal import gitops

            repo = self.ws.git_root
            head = gitops.head_info(repo)[1] if repo is not None else None
            self._stamp = f"{head or '-'}|{','.join(self.ws.config.statuses)}"
        return self._stamp

    def of(self, path: Path) -> History:
        if not self._loaded:
            self._load()
        if self._repo is None:
            return mtime_history(path)
        try:
            rel = path.resolve().relative_to(self._repo.resolve()).as_posix()
        except ValueError:
            return mtime_history(path)
        found = self._git.get(rel)
        if found is None:  # in git, never committed
            return mtime_history(path)._replace(committed=False if self.strict else None)
        created = clock.iso(clock.parse_time(found.first_date))
        updated = max(created, clock.iso(clock.parse_time(found.last_date)))
        committed = (rel not in self._changed) if self.strict else None
        return History(created, updated, found.first_author or None, "git", found.commits, committed)
