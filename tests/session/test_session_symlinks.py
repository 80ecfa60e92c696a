"""journal never writes through a symbolic link, nor outside the workspace root.

Each place a teammate could commit a link (a session's event log, a shared-knowledge file,
the ACTIVE/, ARCHIVE/, events/ and .journal/ folders, a session log itself, the workspace
folder), a committed ``root`` pointing out of the repository, and a link that arrives by
``git pull`` into a fresh clone: the write is refused with one line naming the link (exit
2), the link's target is untouched, and ``journal check`` reports the link (exit 1).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import Cli, git


@pytest.fixture
def seeded(cli: Cli, repo: Path) -> Path:
    cli("create", "s1", "Dev", "Gets attacked")
    return repo


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim" / "precious.txt"
    path.parent.mkdir()
    path.write_text("do not touch\n", encoding="utf-8")
    return path


def refused(cli: Cli, *args: str, names: str) -> None:
    proc = cli(*args, check=False)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("journal: error: ") and "symbolic link" in lines[0], proc.stderr
    assert names in lines[0], lines[0]


def reported(cli: Cli, names: str) -> None:
    proc = cli("check", check=False)
    assert proc.returncode == 1 and any(names in line and "symbolic link" in line for line in proc.stdout.splitlines()), proc.stdout


def test_a_linked_event_log(cli: Cli, seeded: Path, victim: Path) -> None:
    log = seeded / "coordination/events/s1.jsonl"
    before = (seeded / "coordination/sessions/ACTIVE/s1.md").read_bytes()
    log.unlink()
    log.symlink_to(victim)
    refused(cli, "add", "-s", "s1", "completed", "appended to the victim?", names="events/s1.jsonl")
    assert victim.read_text(encoding="utf-8") == "do not touch\n"
    assert (seeded / "coordination/sessions/ACTIVE/s1.md").read_bytes() == before  # nothing half-done either
    assert not list((seeded / "coordination/.journal").glob("intents/*.json"))
    reported(cli, "events/s1.jsonl")


def test_a_linked_shared_knowledge_file(cli: Cli, seeded: Path, victim: Path) -> None:
    shared = seeded / "coordination/shared-knowledge/learnings.md"
    shared.unlink()
    shared.symlink_to(victim)
    refused(cli, "share-learning", "Perf", "into the victim?", "high", "-s", "s1", names="learnings.md")
    refused(cli, "share-learning", "Perf", "into the victim?", names="learnings.md")  # without a session too
    assert victim.read_text(encoding="utf-8") == "do not touch\n"
    reported(cli, "shared-knowledge/learnings.md")


def test_a_linked_session_log(cli: Cli, seeded: Path, victim: Path) -> None:
    log = seeded / "coordination/sessions/ACTIVE/s2.md"
    text = (seeded / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8").replace("id: s1", "id: s2")
    victim.write_text(text, encoding="utf-8")
    log.symlink_to(victim)
    refused(cli, "add", "-s", "s2", "completed", "rewrite the victim?", names="ACTIVE/s2.md")
    refused(cli, "archive", "s2", names="ACTIVE/s2.md")
    assert victim.read_text(encoding="utf-8") == text
    reported(cli, "sessions/ACTIVE/s2.md")


@pytest.mark.parametrize("folder", ["sessions/ACTIVE", "sessions/ARCHIVE", "events", ".journal"])
def test_a_linked_folder(cli: Cli, seeded: Path, tmp_path: Path, folder: str) -> None:
    place = seeded / "coordination" / folder
    target = tmp_path / "elsewhere"
    target.mkdir()
    if place.exists():
        for child in place.iterdir():
            os.replace(child, target / child.name)
        place.rmdir()
    place.symlink_to(target, target_is_directory=True)
    before = sorted(p.name for p in target.iterdir())
    command = {"sessions/ACTIVE": ("create", "s9", "Dev", "lands in the target?"),
               "sessions/ARCHIVE": ("archive", "s1"), "events": ("add", "-s", "s1", "next", "an event in the target?"),
               ".journal": ("add", "-s", "s1", "next", "a lock in the target?")}[folder]
    refused(cli, *command, names=folder.split("/")[-1])
    assert sorted(p.name for p in target.iterdir()) == before  # nothing new in the link's target
    reported(cli, folder)


def test_a_committed_root_outside_the_repository(cli: Cli, repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "somewhere"
    for setting in ("../somewhere", str(outside)):
        (repo / ".journal.toml").write_text(f"root = {setting!r}\n", encoding="utf-8")
        proc = cli("create", "s1", "Dev", "m", check=False)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert "outside the repository" in proc.stderr and "--root or $JOURNAL_ROOT" in proc.stderr
        assert not outside.exists()
    (repo / ".journal.toml").unlink()
    (repo / "pyproject.toml").write_text("[tool.journal]\nroot = '../somewhere'\n", encoding="utf-8")
    proc = cli("init", check=False)
    assert proc.returncode == 2 and "outside the repository" in proc.stderr and not outside.exists()
    (repo / "pyproject.toml").unlink()
    # the user's own choice may point anywhere
    assert cli("--root", str(outside), "create", "s1", "Dev", "m").returncode == 0
    assert (outside / "sessions/ACTIVE/s1.md").is_file()
    assert cli("create", "s2", "Dev", "m", JOURNAL_ROOT=str(outside)).returncode == 0


def test_a_default_workspace_that_is_a_link_out_of_the_repository(cli: Cli, repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (repo / "coordination").symlink_to(target, target_is_directory=True)
    proc = cli("create", "s1", "Dev", "m", check=False)
    assert proc.returncode == 2 and "outside the repository" in proc.stderr
    assert list(target.iterdir()) == []


def test_a_link_arriving_by_git_pull_into_a_fresh_clone(cli: Cli, seeded: Path, tmp_path: Path, victim: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(seeded, "add", "-A")
    git(seeded, "commit", "-q", "-m", "journal")
    git(seeded, "remote", "add", "origin", str(remote))
    git(seeded, "push", "-q", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    mine = Cli(clone)
    mine.env = cli.env
    assert mine("check").returncode == 0  # a fresh clone, as it came; a teammate's commit then brings the links
    log = seeded / "coordination/events/s1.jsonl"
    log.unlink()
    log.symlink_to(victim)
    shared = seeded / "coordination/shared-knowledge/learnings.md"
    shared.unlink()
    shared.symlink_to(victim)
    git(seeded, "add", "-A")
    git(seeded, "commit", "-q", "-m", "links")
    git(seeded, "push", "-q", "origin", "main")
    subprocess.run(["git", "pull", "-q", "--ff-only", "origin", "main"], cwd=clone, check=True, capture_output=True)
    assert (clone / "coordination/events/s1.jsonl").is_symlink()
    refused(mine, "add", "-s", "s1", "completed", "after the pull", names="events/s1.jsonl")
    refused(mine, "share-learning", "Perf", "after the pull", "high", "-s", "s1", names="learnings.md")
    assert victim.read_text(encoding="utf-8") == "do not touch\n"
    reported(mine, "events/s1.jsonl")
    reported(mine, "shared-knowledge/learnings.md")


def test_the_allow_list_is_checked_the_same_way(tmp_path: Path, victim: Path) -> None:
    from journal.errors import UnsafePath
    from journal.fsutil import allow_outside, atomic_write

    settings = tmp_path / "agent" / "settings.json"
    settings.parent.mkdir()
    with pytest.raises(UnsafePath, match="outside"):
        atomic_write(settings, "{}")
    allow_outside(settings, "agent settings (test)")
    atomic_write(settings, "{}")
    assert settings.read_text(encoding="utf-8") == "{}"
    linked = tmp_path / "agent" / "linked.json"
    linked.symlink_to(victim)
    allow_outside(linked, "agent settings (test)")
    with pytest.raises(UnsafePath, match="symbolic link"):
        atomic_write(linked, "{}")
    assert victim.read_text(encoding="utf-8") == "do not touch\n"
