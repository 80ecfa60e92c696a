"""Everything that touches git. Returns plain values; GitPython stays inside this module.

Reading the branch and commit for a new session is on the hot path of
``journal create``, so it reads ``.git`` directly instead of importing GitPython; the
history of files (for logs kept by hand, read by ``list`` and ``board`` too) comes from
the git binary for the same reason.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from journal.errors import GitError


def _git_dir(repo_root: Path) -> Path | None:
    dot = repo_root / ".git"
    if dot.is_dir():
        return dot
    if dot.is_file():  # a worktree or submodule: "gitdir: <path>"
        text = dot.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            target = Path(text[7:].strip())
            return target if target.is_absolute() else (repo_root / target).resolve()
    return None


def head_info(repo_root: Path | None) -> tuple[str | None, str | None]:
    """(branch, commit) of the repository's HEAD; (None, None) outside git or before a commit."""
    if repo_root is None:
        return None, None
    git_dir = _git_dir(repo_root)
    if git_dir is None:
        return None, None
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None, None
    if not head.startswith("ref:"):
        return None, head or None
    ref = head[4:].strip()
    branch = ref.removeprefix("refs/heads/")
    common = git_dir
    if (git_dir / "commondir").is_file():
        common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        ref_file = base / ref
        if ref_file.is_file():
            return branch, ref_file.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return branch, parts[0]
    return branch, None


def _repo(repo_root: Path):
    try:
        import git
    except ImportError as e:  # pragma: no cover - git binary missing
        raise GitError(f"git is not usable here: {e}") from e
    try:
        return git.Repo(repo_root)
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError) as e:
        raise GitError(f"{repo_root} is not a git repository") from e


def is_tracked(repo_root: Path, path: Path) -> bool:
    """Whether git tracks ``path`` (so a move should be a ``git mv``)."""
    import git

    try:
        _repo(repo_root).git.ls_files("--error-unmatch", "--", str(path))
        return True
    except git.exc.GitCommandError:
        return False


def move(repo_root: Path, src: Path, dst: Path) -> bool:
    """``git mv`` src to dst when src is tracked; returns whether git did the move."""
    import git

    if not is_tracked(repo_root, src):
        return False
    try:
        _repo(repo_root).git.mv("--", str(src), str(dst))
    except git.exc.GitCommandError as e:
        raise GitError(f"git mv {src} {dst} failed: {e.stderr.strip() or e}") from e
    return True


def stage(repo_root: Path, path: Path) -> None:
    """``git add`` one path (after a move, so the index holds the moved file as written)."""
    import git

    try:
        _repo(repo_root).git.add("--", str(path))
    except git.exc.GitCommandError as e:
        raise GitError(f"git add {path} failed: {e.stderr.strip() or e}") from e


def commit_paths(repo_root: Path, paths: list[Path], message: str) -> str | None:
    """Stage ``paths`` (additions, changes and removals) and commit them; returns the sha."""
    import git

    repo = _repo(repo_root)
    try:
        repo.git.add("-A", "--", *[str(p) for p in paths])
        if not repo.git.diff("--cached", "--name-only", "--", *[str(p) for p in paths]):
            return None
        repo.git.commit("-m", message, "--no-verify", "--", *[str(p) for p in paths])
        return repo.head.commit.hexsha
    except git.exc.GitCommandError as e:
        raise GitError(f"git commit failed: {e.stderr.strip() or e}") from e


def sync(repo_root: Path, paths: list[Path], message: str, remote: str = "origin",
         push: bool = True) -> dict[str, object]:
    """Commit the journal's files, pull (rebase, autostash) from ``remote``, then push.

    Journal files never conflict (one writer per session file, union-merged
    shared knowledge); if anything else does, the rebase is aborted and the
    repository is left as it was before the pull.
    """
    import git

    repo = _repo(repo_root)
    if remote not in [r.name for r in repo.remotes]:
        raise GitError(f"no git remote named {remote!r}")
    try:
        branch = repo.active_branch.name
    except TypeError as e:
        raise GitError("HEAD is detached: check out a branch before syncing") from e
    result: dict[str, object] = {"committed": commit_paths(repo_root, paths, message), "pulled": False,
                                 "pushed": False, "branch": branch, "remote": remote}
    try:
        remote_has_branch = bool(repo.git.ls_remote("--heads", remote, branch).strip())
        if remote_has_branch:
            with repo.git.custom_environment(GIT_EDITOR="true"):
                repo.git.pull("--rebase", "--autostash", remote, branch)
            result["pulled"] = True
        if push:
            repo.git.push(remote, f"HEAD:refs/heads/{branch}")
            result["pushed"] = True
    except git.exc.GitCommandError as e:
        if (Path(repo.git_dir) / "rebase-merge").exists() or (Path(repo.git_dir) / "rebase-apply").exists():
            try:
                repo.git.rebase("--abort")
            except git.exc.GitCommandError:
                pass
        detail = (e.stderr or str(e)).strip().splitlines()
        raise GitError(f"git sync with {remote} failed: {detail[-1] if detail else e}") from e
    return result


# -- history of files, read in one pass -------------------------------------------------
# These run on read paths (board, list) as well as in `journal adopt`, so they call the git
# binary directly: importing GitPython alone costs about half a second.
class PathHistory(NamedTuple):
    """The commits that touched one file, following renames: the oldest and the newest."""

    first_commit: str
    first_author: str
    first_date: str  # the author date, ISO 8601 with its offset
    last_commit: str
    last_author: str
    last_date: str
    commits: int


_HEADER = re.compile(r"^[0-9a-f]{40,64}\x1f")
_STATUS = re.compile(r"^[ACDMRTUXB][0-9]*$")


def _git(repo_root: Path, *args: str) -> bytes:
    import subprocess

    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", *args], cwd=repo_root, capture_output=True, env=env, check=False)
    except OSError as e:
        raise GitError(f"git is not usable here: {e}") from e
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {repo_root}: {detail[-1] if detail else f'exit {done.returncode}'}")
    return done.stdout


def _pathspec(repo_root: Path, under: Path) -> str:
    try:
        rel = under.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError as e:
        raise GitError(f"{under} is not inside the git repository at {repo_root}") from e
    return f":(literal){rel}" if rel != "." else "."


def has_commits(repo_root: Path) -> bool:
    """Whether HEAD names a commit (a new repository has none yet)."""
    return head_info(repo_root)[1] is not None


def path_histories(repo_root: Path, under: Path) -> dict[str, PathHistory]:
    """For every file under ``under`` that HEAD holds: the oldest and newest commit touching it.

    One ``git log`` over the folder, newest first, with rename detection, so a file moved
    within the folder (ACTIVE/ to ARCHIVE/) keeps the history it had before the move. Keys
    are paths relative to the repository root, with ``/``.
    """
    if not has_commits(repo_root):
        return {}
    out = _git(repo_root, "-c", "log.showSignature=false", "-c", "core.quotepath=off", "log", "-z", "-M",
               "--name-status", "--no-color", "--format=%H%x1f%an%x1f%aI", "--", _pathspec(repo_root, under))
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    owner: dict[str, str | None] = {}  # path at this point of the walk → the file it is now
    found: dict[str, list[str]] = {}  # file → [first sha, author, date, last sha, author, date, count]
    i = 0
    commit: list[str] = []
    entries: list[tuple[str, list[str]]] = []

    def close() -> None:
        if not commit:
            return
        after: list[tuple[str, list[str], str | None]] = []
        for status, paths in entries:
            now = paths[-1]  # the path this entry names after the commit
            target = owner[now] if now in owner else (None if status == "D" else now)
            owner.setdefault(now, target)
            if target is not None:
                seen = found.get(target)
                if seen is None:
                    found[target] = [*commit, *commit, "1"]
                else:
                    seen[0:3] = commit
                    seen[6] = str(int(seen[6]) + 1)
            after.append((status, paths, target))
        for status, paths, _target in after:  # before this commit: what each path held then
            if status[0] in "ADRC":
                owner[paths[-1]] = None
        for status, paths, target in after:
            if status[0] == "R":
                owner[paths[0]] = target

    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        i += 1
        if not token:
            continue
        if _HEADER.match(token):
            close()
            commit = token.split("\x1f", 2)
            entries = []
        elif _STATUS.match(token):
            count = 2 if token[0] in "RC" else 1
            entries.append((token, tokens[i : i + count]))
            i += count
    close()
    return {path: PathHistory(v[0], v[1], v[2], v[3], v[4], v[5], int(v[6])) for path, v in found.items()}


def changed_paths(repo_root: Path, under: Path) -> set[str]:
    """Files under ``under`` whose working copy differs from HEAD, or that git does not track.

    Paths are relative to the repository root, with ``/``; ``git status`` runs without
    optional locks, so it never rewrites the index.
    """
    out = _git(repo_root, "-c", "core.quotepath=off", "status", "--porcelain=v1", "-z", "--untracked-files=all",
               "--", _pathspec(repo_root, under))
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    changed: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if len(token) < 4:
            continue
        changed.add(token[3:])
        if token[0] in "RC":
            i += 1  # the path it was renamed or copied from
    return changed
