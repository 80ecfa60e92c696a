"""A workspace kept by hand in the seed guide's shape (tests/data/seed), committed to a real
git repository by several authors over ten days, the way such a team would have done it.

Each step of ``HISTORY`` is one commit at a fixed author date: a log is started with the
part above its ``## Coordination`` heading and finished later, and archived logs were
started in ACTIVE/ and moved (``git mv``) to ARCHIVE/<id>-<date>.md.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Cli

from journal.config import load_config
from journal.workspace import Workspace

SEED = Path(__file__).resolve().parent / "data" / "seed"
WS = "docs/coordination"

AUTHORS = {
    "erik": ("Erik Lund", "erik@tidewater.example"),
    "alice": ("Alice Moreau", "alice@tidewater.example"),
    "dana": ("Dana Ruiz", "dana@tidewater.example"),
    "bilal": ("Bilal Okafor", "bilal@tidewater.example"),
    "chen": ("Chen Wei", "chen@tidewater.example"),
}
A1, A2 = "sessions/ARCHIVE/session-1-2025-11-12.md", "sessions/ARCHIVE/session-2-2025-11-14.md"
HISTORY: list[tuple[str, str, list[tuple[str, ...]]]] = [
    ("2025-11-10T08:00:00+01:00", "erik", [
        ("write", "sessions/SESSION_LOG_TEMPLATE.md"), ("write", "shared-knowledge/learnings.md"),
        ("start", "sessions/ACTIVE/session-1.md", A1), ("start", "sessions/ACTIVE/session-2.md", A2)]),
    ("2025-11-11T10:30:00Z", "alice", [("start", "sessions/ACTIVE/session-3.md")]),
    ("2025-11-11T15:10:00Z", "erik", [("write", "sessions/ACTIVE/session-1.md", A1)]),
    ("2025-11-12T17:00:00Z", "dana", [("mv", "sessions/ACTIVE/session-1.md", A1)]),
    ("2025-11-13T09:00:00Z", "bilal", [("start", "sessions/ACTIVE/session-7.md")]),
    ("2025-11-14T16:45:00Z", "erik", [("write", "sessions/ACTIVE/session-2.md", A2),
                                      ("mv", "sessions/ACTIVE/session-2.md", A2)]),
    ("2025-11-17T11:00:00Z", "chen", [("write", "sessions/ACTIVE/session-9.md")]),
    ("2025-11-18T10:20:00Z", "bilal", [("write", "sessions/ACTIVE/session-7.md")]),
    ("2025-11-19T08:00:00Z", "dana", [("write", "sessions/ACTIVE/session-11.md")]),
    ("2025-11-19T17:30:00Z", "alice", [("write", "sessions/ACTIVE/session-3.md")]),
]
ACTIVE = ("session-3", "session-7", "session-9", "session-11")
LOGS = {  # the workspace's logs once built, by id: (path under the workspace, fixture file)
    "session-1": (A1, A1), "session-2": (A2, A2),
    **{sid: (f"sessions/ACTIVE/{sid}.md", f"sessions/ACTIVE/{sid}.md") for sid in ACTIVE},
}


def fixture(rel: str) -> bytes:
    """The bytes of a fixture file, by its path under the workspace."""
    return (SEED / WS / rel).read_bytes()


def _git(repo: Path, *args: str, **env: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **env})


def commit(repo: Path, when: str, who: str, message: str) -> None:
    name, email = AUTHORS[who]
    _git(repo, "add", "-A", WS)
    _git(repo, "commit", "-q", "-m", message, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
         GIT_AUTHOR_DATE=when, GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email, GIT_COMMITTER_DATE=when)


def build(repo: Path) -> Path:
    """Lay the hand-kept workspace into ``repo`` (a git repository) commit by commit; its root."""
    root = repo / WS
    for when, who, actions in HISTORY:
        for action, rel, *source in actions:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if action == "mv":
                (root / source[0]).parent.mkdir(parents=True, exist_ok=True)
                _git(repo, "mv", str(target), str(root / source[0]))
                continue
            data = fixture(source[0] if source else rel)
            if action == "start":
                data = data[: data.index(b"## Coordination")]
            target.write_bytes(data)
        commit(repo, when, who, f"{who}: session logs")
    return root


def add_unreadable(repo: Path) -> None:
    """Two logs no reader can be sure of: a broken table (session-20) and no headings (session-21)."""
    for name in ("session-20.md", "session-21.md"):
        shutil.copyfile(SEED / "unreadable" / name, repo / WS / "sessions" / "ACTIVE" / name)
    commit(repo, "2025-11-19T18:00:00Z", "chen", "notes")


NOW = "2025-11-20T09:00:00Z"


@pytest.fixture
def seeded(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hand-kept workspace in a git repository; cwd is the repository; the clock is pinned."""
    monkeypatch.chdir(repo)
    monkeypatch.setenv("JOURNAL_NOW", NOW)
    build(repo)
    return repo


@pytest.fixture
def jc(seeded: Path) -> Cli:
    return Cli(seeded)


def workspace(repo: Path) -> Workspace:
    return Workspace(load_config(repo / WS, cwd=repo))
