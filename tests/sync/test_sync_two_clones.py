"""Two clones editing the same session (in the same section and in different sections), a
true conflict, what a sync reports, and a failure that changes nothing."""
from __future__ import annotations

import json
from pathlib import Path

from clones import git, journal, make_clones, repo_state, session_text


def _shared_session(tmp_path: Path) -> tuple[Path, Path, Path]:
    remote, (a, b) = make_clones(tmp_path, ["a", "b"])
    journal(a, "create", "api", "Backend", "Orders API")
    journal(a, "add", "-s", "api", "blocker", "Waiting for the schema")
    journal(a, "sync")
    journal(b, "sync")
    return remote, a, b


def test_the_same_session_edited_in_two_clones_in_different_sections(tmp_path: Path) -> None:
    _, a, b = _shared_session(tmp_path)
    journal(a, "add", "-s", "api", "completed", "Endpoint written in a")
    journal(a, "update", "-s", "api", "--status", "building", "--progress", "40")
    journal(b, "add", "-s", "api", "next", "Review from b")
    journal(b, "share-learning", "API", "Learned in b", "-s", "api")
    journal(a, "sync")
    journal(b, "sync")
    journal(a, "sync")
    texts = [session_text(clone, "api") for clone in (a, b)]
    assert texts[0] == texts[1]
    for entry in ("Endpoint written in a", "Review from b", "Learned in b", "Waiting for the schema"):
        assert texts[0].count(entry) == 1, entry
    assert "status: building" in texts[0] and "- **Status:** Building" in texts[0]
    for clone in (a, b):
        journal(clone, "check")
        # a later sync of an unrelated session still works (nothing is blocked for good)
    journal(b, "create", "web", "Frontend", "Checkout")
    journal(b, "sync")
    journal(a, "sync")
    assert (a / "coordination/sessions/ACTIVE/web.md").is_file()


def test_the_same_section_edited_in_two_clones_keeps_both_entries_in_order(tmp_path: Path) -> None:
    _, a, b = _shared_session(tmp_path)
    journal(a, "add", "-s", "api", "completed", "First, in a")
    journal(a, "add", "-s", "api", "completed", "Second, in a")
    journal(b, "add", "-s", "api", "completed", "First, in b")
    journal(b, "broadcast", "-s", "api", "a broadcast from b")
    journal(a, "sync")
    result = json.loads(journal(b, "sync", "--json").stdout)
    assert result["pushed"] and "coordination/sessions/ACTIVE/api.md" in result["merged"]
    assert result["incoming"]["updated_sessions"] == ["api"]
    journal(a, "sync")
    text = session_text(a, "api")
    assert text == session_text(b, "api")
    order = [text.index(t) for t in ("First, in a", "Second, in a", "First, in b")]
    assert order == sorted(order), "the remote's entries first, then this clone's, each in order"
    events = [json.loads(line) for line in (a / "coordination/events/api.jsonl").read_text().splitlines()]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)) and len({e["event_id"] for e in events}) == len(events)
    journal(a, "check")
    journal(b, "check")


def test_a_true_conflict_names_the_file_and_entry_and_other_sessions_still_sync(tmp_path: Path) -> None:
    _, a, b = _shared_session(tmp_path)
    journal(a, "resolve", "-s", "api", "blocker", "1", "--note", "schema arrived in a")
    journal(b, "resolve", "-s", "api", "blocker", "1", "--note", "b wrote the schema")
    journal(b, "create", "web", "Frontend", "Checkout")
    journal(a, "sync")
    failed = journal(b, "sync", check=False)
    assert failed.returncode == 2
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("journal: error: coordination/sessions/ACTIVE/api.md:")
    assert "Waiting for the schema" in lines[0] and "edited differently" in lines[0]
    assert "everything else was synced" in lines[0]
    # web (and everything else) reached the remote
    journal(a, "sync")
    assert (a / "coordination/sessions/ACTIVE/web.md").is_file()
    # b's copy holds both versions between markers; check says so; resolving it publishes it
    local = (b / "coordination/sessions/ACTIVE/api.md").read_text(encoding="utf-8")
    assert "<<<<<<<" in local and "schema arrived in a" in local and "b wrote the schema" in local
    assert journal(b, "check", check=False).returncode == 1
    again = journal(b, "sync", check=False)
    assert again.returncode == 2 and "conflict markers" in again.stderr
    kept = []
    skip = False
    for line in local.splitlines(keepends=True):
        if line.startswith("<<<<<<<"):
            skip = False
            continue
        if line.startswith("|||||||"):
            skip = True
            continue
        if line.startswith("======="):
            skip = True
            continue
        if line.startswith(">>>>>>>"):
            skip = False
            continue
        if not skip:
            kept.append(line)
    (b / "coordination/sessions/ACTIVE/api.md").write_text("".join(kept), encoding="utf-8")
    journal(b, "sync")
    journal(a, "sync")
    text = session_text(a, "api")
    assert "schema arrived in a" in text and "<<<<<<<" not in text
    journal(a, "check")


def test_a_failed_sync_changes_nothing_and_says_why_in_one_line(tmp_path: Path) -> None:
    remote, (a,) = make_clones(tmp_path, ["a"])
    journal(a, "create", "s1", "Dev", "Work")
    before = repo_state(a)
    failed = journal(a, "sync", "--remote", "nowhere", check=False)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.count("\n") == 1 and "no git remote named 'nowhere'" in failed.stderr
    git(a, "remote", "add", "broken", str(tmp_path / "missing.git"))
    failed = journal(a, "sync", "--remote", "broken", check=False)
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1
    assert failed.stderr.startswith("journal: error: cannot fetch from broken:") and "hint" not in failed.stderr
    assert repo_state(a) == before
    git(a, "checkout", "-q", "--detach")
    detached = repo_state(a)
    failed = journal(a, "sync", check=False)
    assert failed.returncode == 2 and "HEAD is detached" in failed.stderr
    assert repo_state(a) == detached


def test_a_sync_says_what_came_in_and_no_push_publishes_nothing(tmp_path: Path) -> None:
    _, a, b = _shared_session(tmp_path)
    journal(b, "create", "web", "Frontend", "Checkout")
    journal(b, "message", "-s", "web", "api", "Orders API: try the totals", "--priority", "high")
    journal(b, "share-learning", "API", "Money is integer cents", "High", "-s", "web")
    journal(b, "sync")
    journal(a, "archive", "api", "--date", "2026-11-30")
    journal(a, "sync")
    journal(a, "restore", "api")
    journal(a, "create", "ops", "DevOps", "Staging")
    remote_tip = git(a, "ls-remote", "origin", "main")
    out = journal(a, "sync", "--no-push").stdout
    assert "committed" in out and "pushed" not in out
    assert git(a, "ls-remote", "origin", "main") == remote_tip
    journal(b, "create", "later", "Dev", "Later")
    journal(b, "sync")
    data = json.loads(journal(b, "sync", "--json").stdout)
    assert data["incoming"]["new_sessions"] == [] and data["pushed"] is False
    journal(a, "sync")
    data = json.loads(journal(b, "sync", "-s", "web", "--json").stdout)
    incoming = data["incoming"]
    assert incoming["new_sessions"] == ["ops"] and incoming["restored_elsewhere"] == ["api"]
    got = json.loads(journal(tmp_path / "a", "sync", "--json", "-s", "api").stdout)
    assert got["incoming"] == {"new_sessions": [], "updated_sessions": [], "archived_elsewhere": [],
                               "restored_elsewhere": [], "messages": [], "learnings": []}


def test_messages_and_learnings_that_came_in_are_reported_for_the_session(tmp_path: Path) -> None:
    _, a, b = _shared_session(tmp_path)
    journal(b, "create", "web", "Frontend", "Checkout")
    journal(b, "message", "-s", "web", "api", "Orders API: try the totals", "--priority", "high")
    journal(b, "broadcast", "-s", "web", "Staging frozen at 16:00")
    journal(b, "share-learning", "API", "Money is integer cents", "High", "-s", "web")
    journal(b, "sync")
    out = journal(a, "sync", "-s", "api").stdout
    assert "came in: 1 new (web) · 2 messages for you · 1 new learning" in out
    assert "web → api (high): Orders API: try the totals" in out and "web → broadcast (normal)" in out
    assert "API (High): Money is integer cents" in out
