"""``list`` and ``board`` with ``--all-branches``: active sessions on local and remote-tracking
branches and in other worktrees, read from git objects (nothing checked out), each row
saying where it comes from; a session on several shows its newest copy."""
from __future__ import annotations

import json
from pathlib import Path

from clones import git, journal, make_clones


def test_sessions_on_other_branches_and_worktrees(tmp_path: Path) -> None:
    _, (a, b) = make_clones(tmp_path, ["a", "b"])
    env = {"JOURNAL_NOW": "2026-11-21T09:00:00Z"}
    journal(a, "create", "here-s", "Dev", "On main, here", env=env)
    journal(a, "create", "both", "Dev", "Here and on a branch", env=env)
    journal(a, "sync", env=env)
    # a local branch with a session of its own and a newer copy of "both"
    git(a, "switch", "-q", "-c", "feature")
    journal(a, "create", "feat-s", "Dev", "On feature", env=env)
    journal(a, "update", "-s", "both", "--status", "testing", env={"JOURNAL_NOW": "2026-11-21T12:00:00Z"})
    git(a, "add", "-A")
    git(a, "commit", "-q", "-m", "feature work")
    git(a, "switch", "-q", "main")
    # a remote-tracking branch from the other clone
    git(b, "switch", "-q", "-c", "other")
    journal(b, "create", "remote-s", "Dev", "On origin/other", env=env)
    journal(b, "sync", env=env)
    git(a, "fetch", "-q")
    # another worktree, with a session not committed anywhere
    wt = tmp_path / "a-wt"
    git(a, "worktree", "add", "-q", str(wt), "-b", "wt", "main")
    journal(wt, "create", "wt-s", "Dev", "In the other worktree", env=env)
    before = (git(a, "rev-parse", "HEAD"), git(a, "status", "--porcelain"))

    rows = {r["id"]: r for r in json.loads(journal(a, "list", "--all-branches", "--json").stdout)}
    assert {k: r["source"] for k, r in rows.items()} == {
        "here-s": "here", "both": "branch feature", "feat-s": "branch feature",
        "remote-s": "origin/other", "wt-s": "worktree ../a-wt"}
    assert rows["both"]["status"] == "testing"  # the newest copy wins
    assert json.loads(journal(a, "list", "--json").stdout)[0]["id"] in ("here-s", "both")
    assert {r["id"] for r in json.loads(journal(a, "list", "--json").stdout)} == {"here-s", "both"}

    board = {r["id"]: r for r in json.loads(journal(a, "board", "--all-branches", "--json").stdout)}
    assert set(board) == set(rows) and board["remote-s"]["source"] == "origin/other"
    assert board["both"]["status"] == "testing" and board["both"]["source"] == "branch feature"
    text = journal(a, "board", "--all-branches").stdout
    assert "WHERE" in text and "origin/other" in text
    assert "active on origin/other" in journal(a, "list", "--all-branches").stdout
    assert (git(a, "rev-parse", "HEAD"), git(a, "status", "--porcelain")) == before
