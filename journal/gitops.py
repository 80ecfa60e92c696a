"""Everything that touches git. Returns plain values; GitPython stays inside this module.

Reading the branch and commit for a new session is on the hot path of
``journal create``, so it reads ``.git`` directly instead of importing GitPython.
"""
from __future__ import annotations

from pathlib import Path

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
