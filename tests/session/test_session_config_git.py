"""Where the workspace is found, and how archive and restore move files under git."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git
from journal.config import load_config
from journal.errors import InvalidInput


def test_root_precedence(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "sub" / "deep").mkdir(parents=True)
    (project / ".git").mkdir()
    deep = project / "sub" / "deep"
    assert load_config(cwd=deep).root == project / "coordination"
    (project / "docs" / "coordination").mkdir(parents=True)
    assert load_config(cwd=deep).root == project / "docs" / "coordination"
    (project / "pyproject.toml").write_text('[tool.journal]\nroot = "journal-root"\nstale_hours = 6\n', encoding="utf-8")
    config = load_config(cwd=deep)
    assert config.root == project / "journal-root" and config.stale_hours == 6
    (project / "sub" / ".journal.toml").write_text('root = "../elsewhere"\nstatuses = ["blocked-on-vendor"]\n', encoding="utf-8")
    config = load_config(cwd=deep)
    assert config.root.resolve() == (project / "elsewhere").resolve()
    assert "blocked-on-vendor" in config.statuses and "building" in config.statuses
    monkeypatch.setenv("JOURNAL_ROOT", str(tmp_path / "from-env"))
    assert load_config(cwd=deep).root == tmp_path / "from-env"
    assert load_config(tmp_path / "from-flag", cwd=deep).root == tmp_path / "from-flag"


def test_bad_settings_are_named(tmp_path):
    (tmp_path / ".journal.toml").write_text("stale_hourz = 3\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown setting 'stale_hourz'"):
        load_config(cwd=tmp_path)
    (tmp_path / ".journal.toml").write_text("stale_hours = -1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="stale_hours"):
        load_config(cwd=tmp_path)


def test_custom_status_from_config(cli, repo):
    (repo / ".journal.toml").write_text('statuses = ["waiting-on-vendor"]\n', encoding="utf-8")
    cli("create", "s1")
    cli("update", "-s", "s1", "--status", "waiting-on-vendor")
    assert "status: waiting-on-vendor" in (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8")
    assert cli("check").returncode == 0


def test_init_layout_and_union_merge(cli, repo):
    cli("init")
    root = repo / "coordination"
    for rel in ("sessions/SESSION_LOG_TEMPLATE.md", "sessions/ACTIVE", "sessions/ARCHIVE", "events",
                "shared-knowledge/learnings.md", "shared-knowledge/best-practices.md",
                "shared-knowledge/patterns.md", "shared-knowledge/troubleshooting.md"):
        assert (root / rel).exists(), rel
    assert "merge=union" in (root / ".gitattributes").read_text(encoding="utf-8")
    attr = git(repo, "check-attr", "merge", "coordination/shared-knowledge/learnings.md")
    assert attr.strip().endswith("merge: union")
    template = root / "sessions/SESSION_LOG_TEMPLATE.md"
    template.write_text("changed by hand\n", encoding="utf-8")
    cli("init")  # never overwrites
    assert template.read_text(encoding="utf-8") == "changed by hand\n"


def test_archive_is_a_git_mv_when_tracked(cli, repo):
    cli("create", "s1", "Dev", "Ship")
    git(repo, "add", "coordination")
    git(repo, "commit", "-q", "-m", "session s1")
    cli("archive", "s1", "--date", "2026-02-03")
    status = git(repo, "status", "--porcelain")
    assert "R  coordination/sessions/ACTIVE/s1.md -> coordination/sessions/ARCHIVE/s1-2026-02-03.md" in status
    cli("restore", "s1")
    assert (repo / "coordination/sessions/ACTIVE/s1.md").is_file()
    assert not any(Path(repo / "coordination/sessions/ARCHIVE").glob("s1-*.md"))


def _two_clones(cli, repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two clones of a repository with a workspace, meeting at a bare remote on disk."""
    cli("init")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "workspace")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    a, b = tmp_path / "a", tmp_path / "b"
    git(tmp_path, "clone", "-q", str(remote), str(a))
    git(tmp_path, "clone", "-q", str(remote), str(b))
    return a, b


def test_union_merge_of_shared_learnings_across_clones(cli, repo, tmp_path):
    from conftest import Cli

    a, b = _two_clones(cli, repo, tmp_path)
    Cli(a)("share-learning", "Git", "learned in clone a")
    Cli(b)("share-learning", "Git", "learned in clone b")
    for clone in (a, b):
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", f"learning from {clone.name}")
    git(a, "push", "-q", "origin", "main")
    git(b, "pull", "-q", "--no-rebase", "origin", "main")
    merged = (b / "coordination/shared-knowledge/learnings.md").read_text(encoding="utf-8")
    assert "learned in clone a" in merged and "learned in clone b" in merged
    assert "<<<<<<<" not in merged
    assert Cli(b)("check").returncode == 0


def test_sync_between_two_clones_never_conflicts(cli, repo, tmp_path):
    from conftest import Cli

    a, b = _two_clones(cli, repo, tmp_path)
    ja, jb = Cli(a), Cli(b)
    for j, name in ((ja, "alpha"), (jb, "beta")):
        j("create", name, "Dev", f"work in {name}")
        j("add", "-s", name, "completed", f"{name} did a thing")
        j("share-learning", "Sync", f"{name} learned something", "-s", name)
    (a / "notes.txt").write_text("uncommitted, not journal\n", encoding="utf-8")
    ja("sync")
    jb("sync")
    ja("sync")
    for clone in (a, b):
        ids = {s["id"] for s in __import__("json").loads(Cli(clone)("list", "--json").stdout)}
        assert ids == {"alpha", "beta"}
        knowledge = (clone / "coordination/shared-knowledge/learnings.md").read_text(encoding="utf-8")
        assert "alpha learned something" in knowledge and "beta learned something" in knowledge
        assert Cli(clone)("check").returncode == 0
    assert (a / "notes.txt").read_text(encoding="utf-8") == "uncommitted, not journal\n"
    assert "notes.txt" not in git(a, "log", "--name-only", "--format=")
