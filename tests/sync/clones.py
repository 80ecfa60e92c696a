"""Clones of one repository meeting at a bare remote on disk, for the sync tests.

Everything is real: git, clones, the remote, and ``journal`` run as a process (the
isolated git config of tests/conftest.py applies: its environment is inherited).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WS = "coordination"


def git(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def journal(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "journal", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"journal {' '.join(args)} in {cwd.name} exited {proc.returncode}\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``journal args`` started, not waited for (for syncs at overlapping times)."""
    return subprocess.Popen([sys.executable, "-m", "journal", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


def make_clones(tmp: Path, names: list[str], files: dict[str, str] | None = None) -> tuple[Path, list[Path]]:
    """A repository with a workspace and ``files`` (path -> text), pushed to a bare remote,
    and a clone of it per name. Returns (remote, clones)."""
    seed = tmp / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    for rel, text in {"README.md": "project\n", **(files or {})}.items():
        (seed / rel).parent.mkdir(parents=True, exist_ok=True)
        (seed / rel).write_text(text, encoding="utf-8")
    journal(seed, "init")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "project with a journal workspace")
    remote = tmp / "remote.git"
    git(tmp, "clone", "-q", "--bare", str(seed), str(remote))
    clones = []
    for name in names:
        git(tmp, "clone", "-q", str(remote), name)
        clones.append(tmp / name)
    return remote, clones


def user_state(clone: Path) -> dict[str, str]:
    """What a user sees of their checkout outside the workspace: status (without the
    branch's ahead/behind), unstaged and staged diffs, and the stash list."""
    outside = ["--", ".", f":(exclude){WS}"]
    return {
        "status": git(clone, "status", "--porcelain=v2", "--untracked-files=all", *outside),
        "diff": git(clone, "diff", *outside),
        "cached": git(clone, "diff", "--cached", *outside),
        "stash": git(clone, "stash", "list"),
    }


def repo_state(clone: Path) -> dict[str, str]:
    """Everything a failed sync must leave as it was: refs, index, working tree, stash."""
    return {
        "refs": git(clone, "for-each-ref", "--format=%(refname) %(objectname)"),
        "status": git(clone, "status", "--porcelain=v2", "--untracked-files=all"),
        "diff": git(clone, "diff"),
        "cached": git(clone, "diff", "--cached"),
        "stash": git(clone, "stash", "list"),
        "index": git(clone, "ls-files", "-s"),
    }


def workspace_files(clone: Path) -> dict[str, bytes]:
    """Every file of the workspace (its local state under .journal/ excluded)."""
    root = clone / WS
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(".journal/"):
            out[rel] = path.read_bytes()
    return out


def session_text(clone: Path, sid: str) -> str:
    root = clone / WS / "sessions"
    found = [root / "ACTIVE" / f"{sid}.md", *sorted((root / "ARCHIVE").glob(f"{sid}-*.md"))]
    return "".join(p.read_text(encoding="utf-8") for p in found if p.is_file())


def no_rebase_or_merge(clone: Path) -> bool:
    gd = clone / ".git"
    return not any((gd / name).exists() for name in ("rebase-merge", "rebase-apply", "MERGE_HEAD"))
