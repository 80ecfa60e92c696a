"""Active sessions on other branches and in other worktrees, for ``list``/``board --all-branches``.

Branches (local and remote-tracking) are read from git's objects through one
``git cat-file --batch`` process, without checking anything out; each log blob is read
once however many branches hold it. Other worktrees are checked out already: their
ACTIVE/ folders are read from disk. Each copy says where it comes from; where a session
is on several, ``newest`` keeps the copy whose ``updated`` is latest.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journal.errors import GitError, JournalError
from journal.workspace import Workspace


@dataclass(frozen=True)
class Copy:
    """One copy of an active session's log somewhere other than this checkout."""

    id: str
    source: str  # "branch feature-x", "origin/main", "worktree ../other"
    path: str  # where it is: "<ref>:<path>" or a file path
    text: str


def _prefix(ws: Workspace, repo: Path) -> str | None:
    try:
        rel = ws.root.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return None
    return "" if rel == "." else rel


def branch_copies(ws: Workspace) -> list[Copy]:
    """Every active session's log on local and remote-tracking branches (but the one checked
    out here, whose working copy is on disk) and in the repository's other worktrees."""
    from journal import gitops

    repo = ws.git_root
    if repo is None:
        return []
    prefix = _prefix(ws, repo)
    if prefix is None:
        return []
    try:
        git = gitops.Git(repo)
    except GitError:
        return []
    current = gitops.head_info(repo)[0]
    folder = f"{prefix}/sessions/ACTIVE" if prefix else "sessions/ACTIVE"
    out: list[Copy] = []
    refs = git.text("for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/remotes")
    texts: dict[str, str] = {}
    with gitops.Batch(git) as batch:
        for line in refs.splitlines():
            oid, _, ref = line.partition(" ")
            if ref.endswith("/HEAD") or ref == f"refs/heads/{current}":
                continue
            source = f"branch {ref[len('refs/heads/'):]}" if ref.startswith("refs/heads/") else ref[len("refs/remotes/"):]
            tree = batch.get(f"{oid}:{folder}")
            if tree is None or tree[1] != "tree":
                continue
            for mode, name, blob in batch.tree(tree[0]):
                if not name.endswith(".md") or name.startswith(".") or mode == "040000":
                    continue
                if blob not in texts:
                    texts[blob] = batch.blob(blob).decode("utf-8", "replace")
                out.append(Copy(name[:-3], source, f"{ref}:{folder}/{name}", texts[blob]))
    out += _worktree_copies(git, repo, prefix)
    return out


def _worktree_copies(git: object, repo: Path, prefix: str) -> list[Copy]:
    from journal.gitops import Git

    assert isinstance(git, Git)
    out: list[Copy] = []
    here = repo.resolve()
    for line in git.text("worktree", "list", "--porcelain").splitlines():
        if not line.startswith("worktree "):
            continue
        path = Path(line[len("worktree "):])
        if path.resolve() == here:
            continue
        active = (path / prefix / "sessions" / "ACTIVE") if prefix else (path / "sessions" / "ACTIVE")
        try:
            entries = sorted(active.glob("*.md"))
        except OSError:
            continue
        shown = _relative(path, here)
        for file in entries:
            if file.name.startswith("."):
                continue
            try:
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            out.append(Copy(file.stem, f"worktree {shown}", str(file), text))
    return out


def _relative(path: Path, base: Path) -> str:
    import os

    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)


def updated_of(text: str) -> str:
    """The ``updated`` time of a log's text, as an ISO string ("" when unreadable)."""
    from journal import clock
    from journal.session.document import read_frontmatter

    try:
        meta = read_frontmatter(text, "session")[0]
    except JournalError:
        return ""
    moment = clock.as_datetime(meta.get("updated"))
    return clock.iso(moment) if moment is not None else str(meta.get("updated") or "")


def newest(copies: list[Copy], here: dict[str, str]) -> list[Copy]:
    """One copy per session id, the latest ``updated`` winning, and only for sessions whose
    copy here (id -> its ``updated``) is not newer or as new."""
    best: dict[str, tuple[str, Copy]] = {}
    for copy in copies:
        stamp = updated_of(copy.text)
        if copy.id in here and here[copy.id] >= stamp:
            continue
        if copy.id not in best or stamp > best[copy.id][0]:
            best[copy.id] = (stamp, copy)
    return [c for _, c in sorted(best.values(), key=lambda x: x[1].id)]
