"""The user's own work is theirs: staged, partly staged, unstaged and untracked files survive
a sync byte for byte and state for state, whether or not the remote moved; a conflicting
edit stops the sync before anything changes; unpushed commits of the user's are not pushed
(unless --push-all); after a sync, the user's own git pull and git push work."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from clones import git, journal, make_clones, repo_state, user_state

CODE = {"app/main.py": "a = 1\nb = 2\nc = 3\n", "app/util.py": "x = 1\n", "notes.md": "notes\n"}


def _work_in_progress(clone: Path) -> None:
    """Staged, partly staged, unstaged and untracked changes, and a staged removal."""
    (clone / "app/main.py").write_text("a = 10\nb = 2\nc = 3\n", encoding="utf-8")
    git(clone, "add", "app/main.py")
    (clone / "app/main.py").write_text("a = 10\nb = 2\nc = 30\n", encoding="utf-8")  # partly staged
    (clone / "app/util.py").write_text("x = 2\n", encoding="utf-8")  # unstaged
    (clone / "scratch.txt").write_text("untracked\n", encoding="utf-8")
    git(clone, "rm", "-q", "notes.md")  # a staged removal


def _files(clone: Path) -> dict[str, bytes]:
    return {p: (clone / p).read_bytes() for p in ("app/main.py", "app/util.py", "scratch.txt")}


def test_staged_partly_staged_unstaged_and_untracked_files_survive(tmp_path: Path) -> None:
    _, (a, b) = make_clones(tmp_path, ["a", "b"], CODE)
    journal(b, "create", "other", "Dev", "Remote work")
    journal(b, "sync")  # the remote moved (journal files only)
    journal(a, "create", "s1", "Dev", "Local work")
    journal(a, "add", "-s", "s1", "completed", "a thing")
    _work_in_progress(a)
    before, files = user_state(a), _files(a)
    assert "1 MM" in before["status"] and "1 D." in before["status"] and "? scratch.txt" in before["status"]
    out = journal(a, "sync")
    assert "pushed to origin/main" in out.stdout and "came in: 1 new (other)" in out.stdout
    assert user_state(a) == before and _files(a) == files
    assert git(a, "status", "--porcelain", "--", "coordination") == ""  # the workspace is committed
    # and once more with nothing new on either side
    journal(a, "sync")
    assert user_state(a) == before and _files(a) == files
    published = git(a, "log", "--name-only", "--format=", "origin/main", "^origin/main~2").split()
    assert published and all(p.startswith("coordination/") for p in published)


def test_a_remote_change_to_other_files_fast_forwards_the_checkout_around_the_users_work(tmp_path: Path) -> None:
    _, (a, b) = make_clones(tmp_path, ["a", "b"], CODE)
    (b / "docs.txt").write_text("from b\n", encoding="utf-8")
    git(b, "add", "docs.txt")
    git(b, "commit", "-q", "-m", "docs")
    git(b, "push", "-q")
    journal(a, "create", "s1", "Dev", "Local work")
    _work_in_progress(a)
    before = user_state(a)
    journal(a, "sync")
    assert (a / "docs.txt").read_text(encoding="utf-8") == "from b\n"  # the checkout moved forward
    after = user_state(a)
    assert after["diff"] == before["diff"] and after["cached"] == before["cached"]
    assert after["stash"] == "" and after["status"] == before["status"]
    assert git(a, "rev-parse", "HEAD") == git(a, "rev-parse", "origin/main")


def test_a_conflicting_unstaged_edit_stops_the_sync_naming_the_file_and_changes_nothing(tmp_path: Path) -> None:
    _, (a, b) = make_clones(tmp_path, ["a", "b"], CODE)
    (b / "app/util.py").write_text("x = 99\n", encoding="utf-8")
    git(b, "commit", "-q", "-am", "util from b")
    git(b, "push", "-q")
    journal(a, "create", "s1", "Dev", "Local work")
    (a / "app/util.py").write_text("x = 2\n", encoding="utf-8")  # the remote changed it too
    before = repo_state(a)
    files = {p: (a / p).read_bytes() for p in ("app/util.py", "coordination/sessions/ACTIVE/s1.md")}
    remote_before = git(b, "ls-remote", "origin")
    failed = journal(a, "sync", check=False)
    assert failed.returncode == 2 and failed.stdout == ""
    line = failed.stderr.strip()
    assert line.count("\n") == 0 and "app/util.py" in line and "before publishing anything" in line
    assert line.endswith("then run journal sync again")
    assert repo_state(a) == before
    assert {p: (a / p).read_bytes() for p in files} == files
    assert git(b, "ls-remote", "origin") == remote_before  # nothing was published


def test_unpushed_commits_of_the_users_own_are_not_pushed(tmp_path: Path) -> None:
    remote, (a, b) = make_clones(tmp_path, ["a", "b"], CODE)
    (a / "app/util.py").write_text("x = 5\n", encoding="utf-8")
    git(a, "commit", "-q", "-am", "my own change")
    (a / "app/util.py").write_text("x = 6\n", encoding="utf-8")
    git(a, "commit", "-q", "-am", "my second change")
    journal(b, "create", "remote-s", "Dev", "From b")
    journal(b, "sync")
    journal(a, "create", "s1", "Dev", "Local work")
    remote_tip = git(a, "ls-remote", "origin", "main")
    out = journal(a, "sync")
    assert ("2 unpushed commits of your own: the journal change will go with your next push, "
            "or run journal sync --push-all") in out.stdout
    assert "not merged yet: 1 new (remote-s)" in out.stdout
    assert git(a, "ls-remote", "origin", "main") == remote_tip
    assert git(a, "log", "-1", "--format=%s") == "journal: sync session logs\n"
    assert git(a, "status", "--porcelain", "--", "coordination") == ""
    data = json.loads(journal(a, "sync", "--json").stdout)
    assert data["unpushed_own_commits"] == 2 and not data["pushed"] and not data["integrated"]
    # --push-all: everything is merged with the remote and pushed, nothing rewritten
    mine = git(a, "rev-list", "HEAD").split()
    out = journal(a, "sync", "--push-all")
    assert "pushed to origin/main" in out.stdout
    assert set(mine) <= set(git(a, "rev-list", "origin/main").split())
    assert (a / "coordination/sessions/ACTIVE/remote-s.md").is_file()
    journal(b, "sync")
    assert (b / "app/util.py").read_text(encoding="utf-8") == "x = 6\n"


def _run(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=clone, capture_output=True, text=True)


def test_after_a_sync_the_users_own_git_pull_and_push_work(tmp_path: Path) -> None:
    _, (a, b) = make_clones(tmp_path, ["a", "b"], CODE)
    for clone, how in ((a, "--no-rebase"), (b, "--rebase")):
        journal(clone, "create", f"s-{clone.name}", "Dev", "Work")
        journal(clone, "add", "-s", f"s-{clone.name}", "completed", f"done in {clone.name}")
        journal(clone, "sync")
        (clone / f"{clone.name}.txt").write_text("mine\n", encoding="utf-8")
        git(clone, "add", f"{clone.name}.txt")
        git(clone, "commit", "-q", "-m", f"code in {clone.name}")
        journal(clone, "add", "-s", f"s-{clone.name}", "completed", f"more in {clone.name}")
        journal(clone, "sync")  # committed locally, not pushed (an unpushed commit of the user's)
        pulled = _run(clone, "pull", "-q", how, "--no-edit")
        assert pulled.returncode == 0, pulled.stderr
        pushed = _run(clone, "push", "-q")
        assert pushed.returncode == 0, pushed.stderr
    journal(a, "sync")
    for clone in (a, b):
        assert (a / f"{clone.name}.txt").is_file()
        assert "more in" in (a / f"coordination/sessions/ACTIVE/s-{clone.name}.md").read_text(encoding="utf-8")
    journal(a, "check")
