"""git's own merges of journal files: the journal merge driver (written into the repository's
config by any journal command), and conflict markers from a clone without it, which
``check`` reports and ``check --fix`` merges by meaning."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from clones import git, journal, make_clones, session_text


def _commit_all(clone: Path, message: str) -> None:
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", message)


def _edit_in_both(tmp_path: Path) -> tuple[Path, Path]:
    _, (a, b) = make_clones(tmp_path, ["a", "b"])
    journal(a, "create", "api", "Backend", "Orders API")
    _commit_all(a, "api starts")
    git(a, "push", "-q")
    git(b, "pull", "-q")
    journal(a, "add", "-s", "api", "completed", "done in a")
    journal(a, "update", "-s", "api", "--progress", "30")
    journal(b, "add", "-s", "api", "completed", "done in b")
    journal(b, "add", "-s", "api", "next", "next in b")
    _commit_all(a, "a works")
    _commit_all(b, "b works")
    git(a, "push", "-q")
    return a, b


def test_any_journal_command_writes_the_driver_into_the_repository_config(tmp_path: Path) -> None:
    _, (a,) = make_clones(tmp_path, ["a"])
    assert git(a, "config", "--get", "merge.journal.driver", check=False) == ""  # a fresh clone
    journal(a, "list")
    driver = git(a, "config", "--get", "merge.journal.driver").strip()
    assert driver.startswith(sys.executable) and driver.endswith("-m journal merge-driver %O %A %B %P")
    attr = git(a, "check-attr", "merge", "coordination/sessions/ACTIVE/x.md", "coordination/events/x.jsonl")
    assert attr.count("merge: journal") == 2


@pytest.mark.parametrize("how", ["--no-rebase", "--rebase"])
def test_a_plain_git_pull_merges_a_session_and_its_events_by_meaning(tmp_path: Path, how: str) -> None:
    a, b = _edit_in_both(tmp_path)
    journal(b, "list")  # any command: the driver is configured in b
    pulled = __import__("subprocess").run(["git", "pull", "-q", how, "--no-edit"], cwd=b, capture_output=True, text=True)
    assert pulled.returncode == 0, pulled.stderr
    text = session_text(b, "api")
    assert "<<<<<<<" not in text
    for entry in ("done in a", "done in b", "next in b"):
        assert text.count(entry) == 1
    assert "progress: 30" in text and "- **Progress:** 30%" in text
    events = [json.loads(line) for line in (b / "coordination/events/api.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert len({e["event_id"] for e in events}) == len(events) == 5
    journal(b, "check")
    git(b, "push", "-q")


@pytest.mark.parametrize("commit_markers", [False, True], ids=["mid-merge", "markers-committed"])
def test_markers_from_a_clone_without_the_driver_are_reported_and_merged_by_check_fix(tmp_path: Path, commit_markers: bool) -> None:
    a, b = _edit_in_both(tmp_path)
    git(b, "config", "--remove-section", "merge.journal", check=False)
    pulled = __import__("subprocess").run(["git", "pull", "-q", "--no-rebase", "--no-edit"], cwd=b,
                                          capture_output=True, text=True)
    assert pulled.returncode != 0  # git's line merge: conflicts
    assert "<<<<<<<" in session_text(b, "api")
    if commit_markers:
        _commit_all(b, "merge, with markers")
    found = journal(b, "check", check=False)
    assert found.returncode == 1 and "git conflict marker (journal check --fix merges" in found.stdout
    fixed = journal(b, "check", "--fix")
    assert "merged by meaning" in fixed.stdout
    text = session_text(b, "api")
    assert "<<<<<<<" not in text and "=======" not in text
    for entry in ("done in a", "done in b", "next in b"):
        assert text.count(entry) == 1, entry
    assert "progress: 30" in text and text.count("updated:") == 1
    journal(b, "check")
    events = [json.loads(line) for line in (b / "coordination/events/api.jsonl").read_text().splitlines()]
    assert len({e["event_id"] for e in events}) == len(events) == 5


def test_the_driver_leaves_a_true_conflict_between_markers_and_says_where(tmp_path: Path) -> None:
    _, (a, b) = make_clones(tmp_path, ["a", "b"])
    journal(a, "create", "api", "Backend", "Orders API")
    journal(a, "add", "-s", "api", "blocker", "Waiting for the schema")
    _commit_all(a, "api")
    git(a, "push", "-q")
    git(b, "pull", "-q")
    journal(a, "resolve", "-s", "api", "blocker", "1", "--note", "from a")
    journal(b, "resolve", "-s", "api", "blocker", "1", "--note", "from b")
    _commit_all(a, "a resolves")
    _commit_all(b, "b resolves")
    git(a, "push", "-q")
    journal(b, "list")
    pulled = __import__("subprocess").run(["git", "pull", "--no-rebase", "--no-edit"], cwd=b, capture_output=True, text=True)
    assert pulled.returncode != 0
    assert "journal: error: coordination/sessions/ACTIVE/api.md:" in pulled.stderr + pulled.stdout
    assert "Waiting for the schema" in pulled.stderr + pulled.stdout
    text = session_text(b, "api")
    assert text.count("<<<<<<<") == 1 and "from a" in text and "from b" in text
    assert journal(b, "check", "--fix", check=False).returncode == 1  # a true conflict stays
