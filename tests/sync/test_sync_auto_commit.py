"""``auto_commit = true``: each journal change is committed, with a message naming the action
and the session, through a temporary index (the user's staging untouched)."""
from __future__ import annotations

from pathlib import Path

from clones import git, journal, make_clones, user_state


def test_each_change_is_committed_and_the_users_staging_is_untouched(tmp_path: Path) -> None:
    _, (a,) = make_clones(tmp_path, ["a"], {"app.py": "a = 1\n", "lib.py": "b = 1\n"})
    (a / ".journal.toml").write_text("auto_commit = true\n", encoding="utf-8")
    git(a, "add", ".journal.toml")
    git(a, "commit", "-q", "-m", "journal settings")
    (a / "app.py").write_text("a = 2\n", encoding="utf-8")
    git(a, "add", "app.py")
    (a / "app.py").write_text("a = 3\n", encoding="utf-8")  # partly staged
    (a / "lib.py").write_text("b = 2\n", encoding="utf-8")  # unstaged
    before = user_state(a)
    journal(a, "create", "s1", "Dev", "Work")
    journal(a, "add", "-s", "s1", "completed", "one thing")
    journal(a, "list")  # reads commit nothing
    journal(a, "archive", "s1", "--date", "2026-11-30")
    subjects = git(a, "log", "--format=%s", "-4").splitlines()
    assert subjects == ["journal: archive s1", "journal: add s1", "journal: create s1", "journal settings"]
    assert git(a, "status", "--porcelain", "--", "coordination") == ""
    assert user_state(a) == before
    files = git(a, "show", "--name-status", "--format=", "HEAD").split("\n")
    assert any(line.startswith("R") and "ARCHIVE/s1-2026-11-30.md" in line for line in files)
    assert "app.py" not in git(a, "log", "--name-only", "--format=", "-3")
