"""``journal sync``: this clone's journal changes meet the other clones' at one git remote.

What it guarantees (the README's "Git: many clones, one remote" says it for users):

- **One at a time per repository.** A sync holds ``journal-sync.lock`` in the git common
  dir, shared by every worktree, so agents that sync at once wait their turn.
- **The user's index, working tree and stash are theirs.** The workspace's files are
  committed through a temporary index (``GIT_INDEX_FILE``), never staged in the user's;
  nothing is stashed; outside the workspace the checkout only moves forward, and only when
  no file the user changed is touched (checked before anything is published).
- **Only journal changes are published**, on top of the remote's tip; a branch with
  unpushed commits of the user's own gets the journal commit locally and nothing is pushed
  (``push_all`` integrates and pushes everything). No commit is ever rewritten.
- **Journal files merge by meaning** (``journal.session.merge``); a true conflict holds
  back that one file, and every other file is still published.
- **Races are retried** with jitter until the push lands; a failure before the push
  leaves refs, index, working tree and stash as they were.
- **Half-done changes are never published**: ``check``'s recovery runs first; an event
  log read in the middle of an append is cut at its last whole line.

The steps of one attempt: fetch the remote's branch into a private ref; take a snapshot
of the workspace (temporary index); merge it with the remote's workspace by meaning; build
the commit on the remote's tip; check that the user's checkout can move to it; push; then
write what came in into the workspace (each file under its journal lock, re-merged with
anything written since the snapshot), and move the user's index entries of the workspace
and the branch in one step under ``index.lock``.
"""
from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from journal import gitops
from journal.errors import GitError, InvalidInput, JournalError
from journal.fsutil import atomic_replace, deferred_signals, locked
from journal.gitops import Batch, Git, PushRejected
from journal.init import ATTRIBUTE_LINES, IGNORE_LINES
from journal.session import merge
from journal.workspace import KNOWLEDGE_KINDS, Workspace

LOCK_NAME = "journal-sync.lock"
FETCH_REF = "refs/journal-sync/fetched"
MAX_ATTEMPTS = 40
MAX_SECONDS = 300.0
LOCK_TIMEOUT_S = 900.0
class _Moved(Exception):
    """The branch moved under the sync (a commit of the user's, in the middle): try again."""


@dataclass
class Incoming:
    """What a sync brought into this clone."""

    new_sessions: list[str] = field(default_factory=list)
    updated_sessions: list[str] = field(default_factory=list)
    archived_elsewhere: list[str] = field(default_factory=list)
    restored_elsewhere: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    learnings: list[dict[str, str]] = field(default_factory=list)

    def empty(self) -> bool:
        return not any(asdict(self).values())


@dataclass
class SyncResult:
    """What a sync did."""

    remote: str
    branch: str
    committed: str | None = None  # the commit this sync made, if any
    pushed: bool = False
    head: str | None = None  # the branch's commit afterwards
    attempts: int = 0
    unpushed_own_commits: int = 0
    remote_has_branch: bool = True
    merged: list[str] = field(default_factory=list)  # files merged by meaning
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    incoming: Incoming = field(default_factory=Incoming)
    integrated: bool = True  # False: fetched and reported only (unpushed commits of the user's)
    recovered: list[str] = field(default_factory=list)  # what check's recovery repaired first

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the workspace's own git files ----------------------------------------------------------
def _with_lines(text: str, wanted: tuple[str, ...], header: str) -> str:
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in wanted if line not in have]
    if not missing:
        return text
    lead = "" if not text or text.endswith("\n") else "\n"
    return text + lead + f"# {header}\n" + "".join(f"{line}\n" for line in missing)


def ignore_text(current: str) -> str:
    """The workspace's .gitignore with every line journal needs."""
    return _with_lines(current, IGNORE_LINES, "Added by journal: local state and temp files of writes, never committed.")


def attributes_text(current: str) -> str:
    """The workspace's .gitattributes with every merge rule journal needs."""
    return _with_lines(current, ATTRIBUTE_LINES, "Added by journal: session and event logs merge by their meaning.")


# -- the sync ---------------------------------------------------------------------------------
class _Sync:
    """One sync of one workspace: the repository, the workspace's place in it, the branch."""

    def __init__(self, ws: Workspace, remote: str, session: str | None) -> None:
        ws.require()
        repo = ws.git_root
        if repo is None:
            raise GitError(f"{ws.root} is not inside a git repository")
        self.ws = ws
        self.git = Git(repo)
        try:
            prefix = ws.root.resolve().relative_to(repo.resolve()).as_posix()
        except ValueError as e:
            raise GitError(f"the workspace {ws.root} is not inside the repository {repo}") from e
        self.prefix = "" if prefix == "." else prefix
        self.remote = remote
        self.session = session
        head = (self.git.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: refs/heads/"):
            raise GitError("HEAD is detached: check out a branch, then sync again")
        self.ref = head[5:]
        self.branch = self.ref[len("refs/heads/"):]
        self.batch: Batch | None = None
        self.scratch: list[Path] = []
        self.recovered: list[str] | None = None  # what check's recovery repaired, once it ran
        self.fetched = False  # FETCH_REF exists

    # paths ----------------------------------------------------------------------------
    def repo_path(self, ws_path: str) -> str:
        return f"{self.prefix}/{ws_path}" if self.prefix else ws_path

    def shown(self, ws_path: str) -> str:
        """A workspace path as messages name it: from the repository root."""
        return self.repo_path(ws_path)

    def temp(self, name: str) -> Path:
        path = self.git.scratch_dir() / f"{name}.{os.getpid()}.{len(self.scratch)}"
        self.scratch.append(path)
        return path

    def cleanup(self) -> None:
        for path in self.scratch:
            with suppress(FileNotFoundError):
                path.unlink()
        self.scratch.clear()

    # trees ----------------------------------------------------------------------------
    def tree_of(self, commit: str | None) -> str:
        if commit is None:
            return self.git.empty_tree()
        found = self.b.get(f"{commit}^{{tree}}")
        assert found is not None
        return found[0]

    def ws_tree(self, commit_or_tree: str | None) -> str | None:
        return gitops.subtree(self.b, commit_or_tree, self.prefix)

    def with_ws(self, tree: str, ws_tree: str | None) -> str:
        return gitops.replace_subtree(self.git, self.b, tree, self.prefix, ws_tree)

    @property
    def b(self) -> Batch:
        assert self.batch is not None
        return self.batch

    # the snapshot -----------------------------------------------------------------------
    def snapshot(self, head: str | None, forced: dict[str, bytes]) -> tuple[str | None, list[str], list[str]]:
        """The workspace as it is on disk, as a tree (through a temporary index seeded with
        the user's, so unchanged files are not read again); the files held back (unresolved
        conflict markers: they keep their committed version); and the changed event logs
        holding a line that is not an event (a half-done change: check's recovery repairs it).

        An event log read in the middle of an append ends without a newline: the snapshot
        takes it up to its last whole line, the rest goes with the next sync."""
        git = self.git
        index = self.temp("snapshot-index")
        user_index = git.git_dir / "index"
        if user_index.is_file():
            index.write_bytes(user_index.read_bytes())
        elif head is not None:
            git.run("read-tree", head, index=index)
        with ExitStack() as stack:
            for kind in KNOWLEDGE_KINDS:  # appends to shared knowledge are whole once the lock is free
                stack.enter_context(locked(self.ws.lock_path(self.ws.knowledge_path(kind))))
            git.run("--literal-pathspecs", "add", "-A", "--", self.prefix or ".", index=index)
        tree = git.write_tree(index, self.prefix) if self.prefix else git.write_tree(index)
        base = self.ws_tree(head)
        fixes: list[tuple[str, str | None, str]] = []
        contents: list[tuple[str, bytes]] = []
        held: list[str] = []
        damaged: list[str] = []
        changes = git.diff_trees(base or git.empty_tree(), tree)
        wanted = [c.new for c in changes if c.status != "D" and merge.kind_of(c.path) != "text"]
        wanted += [c.old for c in changes if c.status == "M" and merge.kind_of(c.path) == "events"]
        self.b.prefetch(wanted)
        for c in changes:
            if c.status == "D":
                continue
            if _never_committed(c.path):  # temp and lock files, even where .gitignore lacks the lines
                old = self.b.get(f"{base}:{c.path}") if base else None
                fixes.append(("100644", old[0] if old else None, self.repo_path(c.path)))
                continue
            kind = merge.kind_of(c.path)
            if kind in ("events", "events-gz"):
                data = self.b.blob(c.new)
                if kind == "events-gz":
                    from journal.events.merge import decompress

                    try:
                        data = decompress(data)
                    except JournalError:
                        damaged.append(c.path)
                        continue
                elif data and not data.endswith(b"\n"):  # read in the middle of an append, or torn
                    data = data[: data.rfind(b"\n") + 1]
                    contents.append((c.path, data))
                    if self._torn(c.path):
                        damaged.append(c.path)
                        continue
                before = self.b.blob(c.old) if c.status == "M" and kind == "events" else b""
                if _not_events(data[len(before):] if data.startswith(before) else data):
                    damaged.append(c.path)
            elif kind in ("session", "knowledge"):
                data = self.b.blob(c.new)
                if merge.has_markers(data.decode("utf-8", "replace")):
                    held.append(c.path)
                    old = self.b.get(f"{base}:{c.path}") if base else None
                    fixes.append(("100644", old[0] if old else None, self.repo_path(c.path)))
        contents += list(forced.items())
        oids = git.hash_blobs([data for _, data in contents])
        fixes += [("100644", oid, self.repo_path(path)) for (path, _), oid in zip(contents, oids)]
        if fixes:
            git.update_index(index, fixes)
            tree = git.write_tree(index, self.prefix) if self.prefix else git.write_tree(index)
        return tree, held, damaged

    def _torn(self, path: str) -> bool:
        """Whether an event log ends in the middle of a line while no append is under way
        (appends hold the log's lock): a write a crash cut short."""
        with locked(self._lock_for(merge.file_key(path))):
            try:
                with open(self.ws.root / path, "rb") as f:
                    f.seek(-1, 2)
                    return f.read(1) != b"\n"
            except OSError:
                return False

    # the user's checkout ------------------------------------------------------------------
    def _set_ws_entries(self, index: Path, head: str | None, commit: str) -> None:
        """The workspace's entries of ``index`` as they are in ``commit``."""
        git = self.git
        old_ws = self.ws_tree(head)
        new_ws = self.ws_tree(commit)
        entries: dict[str, tuple[str, str | None, str]] = {}
        for c in git.diff_trees(old_ws or git.empty_tree(), new_ws or git.empty_tree()):
            entries[c.path] = (c.new_mode, None if c.status == "D" else c.new, self.repo_path(c.path))
        if head is not None:  # entries the user's index holds otherwise than HEAD (a git mv of archive's)
            out = git.run("diff-index", "--cached", "-z", "--no-renames", "--name-only", head, "--",
                          self.prefix or ".", index=index).stdout
            cut = len(self.prefix) + 1 if self.prefix else 0
            staged = [p.decode("utf-8", "surrogateescape")[cut:] for p in out.split(b"\0") if p]
            staged = [p for p in staged if p not in entries]
            if new_ws:
                self.b.prefetch([f"{new_ws}:{p}" for p in staged])
            for path in staged:
                found = self.b.get(f"{new_ws}:{path}") if new_ws else None
                entries[path] = ("100644", found[0] if found else None, self.repo_path(path))
        git.update_index(index, [entries[p] for p in sorted(entries)])

    def check_fast_forward(self, head: str | None, commit: str) -> None:
        """Stop, before anything is published, when moving the user's checkout from ``head``
        to ``commit`` would touch a file they changed (or an untracked file of theirs)."""
        if head is None:
            return
        start = self.with_ws(self.tree_of(head), self.ws_tree(commit))
        target = self.tree_of(commit)
        if start == target:
            return
        index = self.temp("check-index")
        user_index = self.git.git_dir / "index"
        if user_index.is_file():
            index.write_bytes(user_index.read_bytes())
        self._set_ws_entries(index, head, commit)
        self.git.run("update-index", "-q", "--refresh", index=index, ok=(0, 1))
        proc = self.git.run("read-tree", "-n", "-m", "-u", start, target, index=index, ok=(0, 1, 128))
        if proc.returncode != 0:
            said = proc.stderr.decode("utf-8", "replace")
            m = re.search(r"'([^']+)'", said) or re.search(r"^\t(.+)$", said, re.M)
            path = m.group(1) if m else "a file"
            raise GitError(f"sync stopped before publishing anything: {path} has changes of yours that "
                           f"{self.remote}/{self.branch} also changes; commit them (or set them aside), "
                           "then run journal sync again")

    def advance(self, head: str | None, commit: str, snap: str | None, worktree: dict[str, bytes | None],
                tracking: str | None, also: set[str] | None = None) -> None:
        """Bring this clone to ``commit``: the workspace's files first (what came in, merged
        with anything written since the snapshot), then, under ``index.lock``, the user's
        index entries of the workspace, the rest of the checkout (a fast-forward) and the
        branch, in one step."""
        self.write_back(snap, self.ws_tree(commit), worktree, also or set())
        git = self.git
        start = self.with_ws(self.tree_of(head), self.ws_tree(commit)) if head else None
        target = self.tree_of(commit)
        with deferred_signals(), git.index_lock() as lock:
            self._set_ws_entries(lock, head, commit)
            if start is not None and start != target:
                git.run("update-index", "-q", "--refresh", index=lock, ok=(0, 1))
                proc = git.run("read-tree", "-m", "-u", start, target, index=lock, ok=(0, 1, 128))
                if proc.returncode != 0:
                    raise _Moved()
            updates: list[tuple[str, str | None, str | None]] = [(self.ref, commit, head or "0" * 40)]
            if tracking is not None:
                updates.append((f"refs/remotes/{self.remote}/{self.branch}", tracking, None))
            if self.fetched:
                updates.append((FETCH_REF, None, None))
            if not git.update_refs(updates):
                raise _Moved()
            self.fetched = False
            git.commit_index(lock)

    def _lock_for(self, key: tuple[str, str]) -> Path:
        ws = self.ws
        if key[0] == "session":
            return ws.lock_path(ws.active_dir / f"{key[1]}.md")
        if key[0] == "events":
            from journal.events.files import log_paths

            return log_paths(ws, key[1])[1]
        return ws.lock_path(ws.root / key[1])

    def _disk_files(self, key: tuple[str, str]) -> dict[str, bytes]:
        ws = self.ws
        if key[0] == "session":
            paths = [ws.active_dir / f"{key[1]}.md", *sorted(ws.archive_dir.glob(f"{key[1]}-*.md"))]
        elif key[0] == "events":
            paths = [ws.events_dir / f"{key[1]}.jsonl", ws.events_dir / f"{key[1]}.jsonl.gz"]
        else:
            paths = [ws.root / key[1]]
        out = {}
        for path in paths:
            rel = path.relative_to(ws.root).as_posix()
            if key[0] == "session" and merge.file_key(rel) != key:
                continue
            try:
                out[rel] = path.read_bytes()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue
        return out

    def write_back(self, snap: str | None, new: str | None, worktree: dict[str, bytes | None],
                   also: set[str]) -> None:
        """Write into the workspace what differs between the snapshot and ``new`` (and the
        files ``worktree`` names, with the contents it gives; and the files ``also`` names,
        which only journal writes, as they are in ``new``). Each group of files (a
        session's log, a session's event log, any other file) is written under the lock its
        journal writers take, re-merged with what was written since the snapshot."""
        git = self.git
        paths = {c.path for c in git.diff_trees(snap or git.empty_tree(), new or git.empty_tree())}
        paths |= set(worktree) | also
        if not paths:
            return
        keys = {merge.file_key(p) for p in paths}
        snap_files = merge.files_by_key(self.b, snap, keys)
        new_files = merge.files_by_key(self.b, new, keys)
        self.b.prefetch([oid for files in (snap_files, new_files) for group in files.values()
                         for _mode, oid in group.values()])
        for key in sorted(keys):
            base = {p: self.b.blob(oid) for p, (_m, oid) in snap_files.get(key, {}).items()}
            target: dict[str, bytes | None] = {p: self.b.blob(oid) for p, (_m, oid) in new_files.get(key, {}).items()}
            for p, data in worktree.items():
                if merge.file_key(p) == key:
                    target[p] = data
            wanted = {p: d for p, d in target.items() if d is not None}
            with deferred_signals(), locked(self._lock_for(key)):
                disk = self._disk_files(key)
                if key[0] == "path" and key[1] in also:
                    pass  # journal's own housekeeping: as published
                elif disk != base:  # written since the snapshot: merge that in too
                    out, _ = merge.merge_files(key, base, wanted, disk, (f"{self.remote}/{self.branch}", "this clone"))
                    wanted = {p: d for p, d in out.items() if d is not None}
                for path in sorted(set(disk) | set(wanted)):
                    full = self.ws.root / path
                    data = wanted.get(path)
                    if data is None:
                        with suppress(FileNotFoundError):
                            full.unlink()
                    elif disk.get(path) != data:
                        _write_bytes(full, data)

    # one attempt ------------------------------------------------------------------------
    def attempt(self, message: str, push: bool, push_all: bool, result: SyncResult,
                forced: dict[str, bytes]) -> None:
        git = self.git
        head = gitops.head_info(git.root)[1]
        fetched = git.fetch(self.remote, self.branch, FETCH_REF)
        self.fetched = fetched is not None
        result.remote_has_branch = fetched is not None
        snap, held, damaged = self.snapshot(head, forced)
        if (held or damaged or _records_pending(self.ws)) and not self.recovered:
            # half-done or conflicted: check's recovery first, then a fresh snapshot
            self.recovered = _recover(self.ws)
            snap, held, damaged = self.snapshot(head, forced)
        result.recovered = self.recovered or []
        if damaged:
            path = damaged[0]
            step = "journal check --fix"
            if path.endswith(".jsonl.gz"):  # check repairs plain logs: decompress it first
                step = f"journal events restore {Path(path).name[: -len('.jsonl.gz')]}, then journal check --fix"
            raise GitError(f"sync stopped before publishing anything: {self.shown(path)} holds a line that is not "
                           f"an event (a change cut short?); run {step}, then journal sync again")
        result.conflicts = [{"path": self.shown(p), "line": None, "entry": None,
                             "reason": "has unresolved conflict markers: held back until they are resolved"}
                            for p in held]
        head_tree = self.tree_of(head)
        head_ws = self.ws_tree(head)
        if fetched is None:  # the remote has no such branch yet: this push creates it
            commit = head
            if snap != head_ws or head is None:
                commit = git.commit_tree(self.with_ws(head_tree, snap), [head] if head else [], message)
                result.committed = commit
            if commit is None:
                return
            if push:
                git.push(self.remote, commit, self.branch)
                result.pushed = True
            self.advance(head, commit, snap, {}, commit if push else None, set(forced))
            result.head = commit
            return
        base = head if head == fetched else (git.merge_base(head, fetched) if head else None)
        if head is not None and base is None:
            raise GitError(f"this branch and {self.remote}/{self.branch} share no history: merge them once "
                           "with git (git pull --allow-unrelated-histories), then sync")
        ahead = head is not None and head != base
        own = self.own_commits(head, base) if ahead and head and base else 0
        result.unpushed_own_commits = own
        fetched_ws = self.ws_tree(fetched)
        base_ws = self.ws_tree(base)
        if own and not push_all:
            # Commit locally on top of the user's commits; publish nothing; report what is there.
            result.integrated = False
            commit = head
            if snap != head_ws:
                commit = git.commit_tree(self.with_ws(head_tree, snap), [head] if head else [], message)
                result.committed = commit
            assert commit is not None
            if commit != head:
                self.advance(head, commit, snap, {}, None, set(forced))
            result.head = commit
            result.incoming = self.incoming(base_ws, fetched_ws)
            return
        tm = merge.merge_trees(git, self.b, base_ws, fetched_ws, snap, where=self.shown,
                               labels=(f"{self.remote}/{self.branch}", "this clone"))
        result.merged = tm.merged
        result.conflicts += [c.as_dict() for c in tm.conflicts]
        fetched_tree = self.tree_of(fetched)
        parents: list[str]
        if ahead and head is not None and base == fetched:  # the remote has nothing new: on top of ours
            tree, parents = self.with_ws(head_tree, tm.tree), [head]
        elif own and head is not None:  # --push-all: the user's commits and the remote's, merged
            tree, parents = self.with_ws(self.merge_outside(head, fetched), tm.tree), [head, fetched]
        else:
            tree = self.with_ws(fetched_tree, tm.tree)
            parents = [fetched] + ([head] if ahead and head is not None else [])
        if tree == fetched_tree and not ahead:
            commit = fetched
        elif head is not None and parents == [head] and tree == head_tree:
            commit = head
        else:
            commit = git.commit_tree(tree, parents, message)
            result.committed = commit
        self.check_fast_forward(head, commit)
        if push and commit != fetched:
            git.push(self.remote, commit, self.branch)
            result.pushed = True
        new_ws = self.ws_tree(commit)
        self.advance(head, commit, snap, tm.worktree, commit if result.pushed else fetched, set(forced))
        result.head = commit
        result.incoming = self.incoming(snap, new_ws)

    def own_commits(self, head: str, base: str) -> int:
        """Commits on the branch, not on the remote, that change files outside the workspace."""
        spec = [".", f":(exclude){self.prefix}"] if self.prefix else []
        if not spec:
            return 0
        return int(self.git.text("rev-list", "--count", head, f"^{base}", "--", *spec) or 0)

    def merge_outside(self, head: str, fetched: str) -> str:
        """The tree of a merge of the user's commits and the remote's (--push-all); the
        workspace part is replaced by the merge by meaning afterwards."""
        proc = self.git.run("-c", f"merge.{gitops.DRIVER}.driver=true", "merge-tree", "--write-tree",
                            "--name-only", "-z", "--no-messages", head, fetched, ok=(0, 1))
        parts = proc.stdout.split(b"\0")
        tree = parts[0].decode().strip()
        if proc.returncode == 1:
            inside = f"{self.prefix}/" if self.prefix else ""
            clashes = [p.decode("utf-8", "replace") for p in parts[1:] if p]
            outside = [p for p in clashes if not (inside and p.startswith(inside))]
            if outside:
                raise GitError(f"sync stopped before publishing anything: {outside[0]} changed both here and on "
                               f"{self.remote}/{self.branch}; merge with git pull, then run journal sync --push-all again")
        return tree

    # what came in ---------------------------------------------------------------------------
    def incoming(self, old: str | None, new: str | None) -> Incoming:
        found = Incoming()
        git = self.git
        changes = git.diff_trees(old or git.empty_tree(), new or git.empty_tree())
        by_session: dict[str, dict[str, str]] = {}
        knowledge: list[Any] = []
        for c in changes:
            key = merge.file_key(c.path)
            if key[0] == "session":
                where = "active" if c.path.startswith("sessions/ACTIVE/") else "archive"
                by_session.setdefault(key[1], {})[where] = c.status
                if c.status != "D":
                    self._messages(found, c.old if c.status != "A" else None, c.new)
            elif merge.kind_of(c.path) == "knowledge" and c.status != "D":
                knowledge.append(c)
        for sid, seen in sorted(by_session.items()):
            active, archive = seen.get("active"), seen.get("archive")
            if active == "A" and archive == "D":
                found.restored_elsewhere.append(sid)
            elif active == "D" or (archive == "A" and active is None):
                found.archived_elsewhere.append(sid)
            elif active == "A":
                found.new_sessions.append(sid)
            else:
                found.updated_sessions.append(sid)
        for c in knowledge:
            old_entries = _entries(self.b.blob(c.old).decode("utf-8", "replace")) if c.status != "A" else Counter()
            new_entries = _entries(self.b.blob(c.new).decode("utf-8", "replace"))
            for heading in (new_entries - old_entries).elements():
                found.learnings.append({"file": self.shown(c.path), "entry": heading})
        return found

    def _messages(self, found: Incoming, old: str | None, new: str) -> None:
        if self.session is None:
            return
        from journal.coordination.digest import digest_text
        from journal.coordination.messages import BROADCAST

        def sent(oid: str | None) -> list[list[Any]]:
            if oid is None:
                return []
            try:
                d = digest_text(self.b.blob(oid).decode("utf-8", "replace"), "?")
            except JournalError:
                return []
            return [[d["id"], *m] for m in d["sent"]]

        before = {m[1] for m in sent(old)}
        for sender, mid, to, priority, when, text, *_rest in sent(new):  # then complete, link keys
            if mid not in before and to in (self.session, BROADCAST) and sender != self.session:
                found.messages.append({"id": mid, "from": sender, "to": to, "priority": priority,
                                       "sent": when, "text": text.split("\n")[0][:200]})


def _never_committed(path: str) -> bool:
    """Whether a workspace path is local state, a temp file or a lock file (IGNORE_LINES)."""
    from fnmatch import fnmatchcase

    parts = path.split("/")
    return any(part == ".journal" for part in parts[:-1]) or any(
        fnmatchcase(parts[-1], pattern) for pattern in IGNORE_LINES if "/" not in pattern)


def _write_bytes(path: Path, data: bytes) -> None:
    atomic_replace(path, lambda f: f.write(data))


def _entries(text: str) -> Counter[str]:
    """The entries of a shared-knowledge file, each as its heading and first line."""
    out: Counter[str] = Counter()
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if line.startswith("### "):
            body = next((b.strip() for b in lines[n + 1:] if b.strip()), "")
            out[f"{line[4:].strip()}: {body.removeprefix('- ')[:120]}"] += 1
    return out


@contextmanager
def repository_lock(git: Git, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """The lock every sync (and auto-commit) of one repository takes, in the git common
    dir so that every worktree shares it."""
    from journal.fsutil import allow_outside

    lock = allow_outside(git.common_dir / LOCK_NAME, "the repository's sync lock, in its git directory")
    with locked(lock, timeout=timeout):
        yield


def _housekeeping(ws: Workspace) -> dict[str, bytes]:
    """The workspace's .gitignore and .gitattributes as they should be, when they lack a
    line journal needs (older workspaces): published with this sync, written after it."""
    forced = {}
    for name, complete in ((".gitignore", ignore_text), (".gitattributes", attributes_text)):
        path = ws.root / name
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = ""
        wanted = complete(current)
        if wanted != current:
            forced[name] = wanted.encode("utf-8")
    return forced


def _recover(ws: Workspace) -> list[str]:
    """Run check's recovery (``journal check --fix``): repairs torn and garbage event-log
    lines, merges conflict markers by meaning. What it repaired, as check prints it."""
    from journal.session.check import check_workspace

    return [str(p) for p in check_workspace(ws, fix=True) if p.fixed]


def _records_pending(ws: Workspace) -> bool:
    """Whether records of multi-file changes in progress (or cut short by a crash) are in the
    workspace's local state (``.journal/intents/``): check's recovery finishes those."""
    folder = ws.state_dir / "intents"
    try:
        return any(p.suffix == ".json" for p in folder.iterdir())
    except OSError:
        return False


def _not_events(data: bytes) -> bool:
    """Whether ``data`` (whole lines of an event log) holds a line that is not a JSON object."""
    import orjson

    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            if not isinstance(orjson.loads(line), dict):
                return True
        except orjson.JSONDecodeError:
            return True
    return False


def sync(ws: Workspace, *, remote: str = "origin", message: str | None = None, push: bool = True,
         push_all: bool = False, session: str | None = None, max_attempts: int = MAX_ATTEMPTS,
         max_seconds: float = MAX_SECONDS, lock_timeout: float = LOCK_TIMEOUT_S) -> SyncResult:
    """Publish this clone's journal changes and bring in the other clones' (see the module)."""
    if push_all and not push:
        raise InvalidInput("--push-all and --no-push ask for opposite things: give one of them")
    run = _Sync(ws, remote, session)
    git = run.git
    if not git.has_remote(remote):
        raise GitError(f"no git remote named {remote!r} (git remote add {remote} URL)")
    busy = git.operation_in_progress()
    if busy:
        raise GitError(f"{busy} is in progress in {git.root}: finish or abort it, then run journal sync again")
    gitops.ensure_merge_driver(git.root)
    result = SyncResult(remote=remote, branch=run.branch)
    started = time.monotonic()
    with repository_lock(git, lock_timeout):
        forced = _housekeeping(ws)
        run.batch = Batch(git)
        try:
            for attempt in range(1, max_attempts + 1):
                result.attempts = attempt
                fresh = SyncResult(remote=remote, branch=run.branch, attempts=attempt)
                try:
                    run.attempt(message or "journal: sync session logs", push, push_all, fresh, forced)
                    return fresh
                except (PushRejected, _Moved):
                    run.cleanup()
                    if attempt == max_attempts or time.monotonic() - started > max_seconds:
                        break
                    time.sleep(min(2.0, 0.05 * 2 ** min(attempt, 6)) * random.uniform(0.3, 1.3))
            raise GitError(f"{remote}/{run.branch} kept moving: {result.attempts} attempts in "
                           f"{time.monotonic() - started:.0f}s did not land; nothing here changed, run journal sync again")
        finally:
            run.cleanup()
            if run.fetched:
                with suppress(GitError):
                    git.update_refs([(FETCH_REF, None, None)])
            run.b.close()


# -- auto_commit ------------------------------------------------------------------------------
def auto_commit(ws: Workspace, action: str, session: str | None = None) -> str | None:
    """Commit the workspace's changes with a message naming the action and the session,
    through a temporary index (the user's staging untouched); the new commit, or None when
    there was nothing to commit. For ``auto_commit = true``."""
    run = _Sync(ws, "origin", session)
    git = run.git
    if git.operation_in_progress():
        return None
    message = f"journal: {action}" + (f" {session}" if session else "")
    with repository_lock(git):
        run.batch = Batch(git)
        try:
            for _ in range(10):
                head = gitops.head_info(git.root)[1]
                snap, _held, _damaged = run.snapshot(head, {})
                if snap == run.ws_tree(head):
                    return None
                commit = git.commit_tree(run.with_ws(run.tree_of(head), snap), [head] if head else [], message)
                try:
                    run.advance(head, commit, snap, {}, None)
                except _Moved:
                    run.cleanup()
                    continue
                return commit
            raise GitError("the branch kept moving while journal committed its change; commit it with journal sync")
        finally:
            run.cleanup()
            run.b.close()
