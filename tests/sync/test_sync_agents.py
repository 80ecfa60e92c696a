"""Several agents in one clone (and in a worktree of it) syncing at overlapping times; half-done
changes, temp files and older workspaces."""
from __future__ import annotations

import json
import os
from pathlib import Path

from clones import git, journal, make_clones, no_rebase_or_merge, session_text, start


def _agent_rounds(clone: Path, sid: str, rounds: int) -> list[tuple[int, str]]:
    results = []
    for n in range(rounds):
        journal(clone, "add", "-s", sid, "completed", f"{sid} step {n}")
        proc = journal(clone, "sync", check=False)
        results.append((proc.returncode, proc.stderr.strip()))
    return results


def test_agents_in_one_clone_and_another_clone_sync_at_once_and_all_succeed(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    remote, (a, b) = make_clones(tmp_path, ["a", "b"])
    agents = [(a, f"a{i}") for i in range(3)] + [(b, "b0")]
    for clone, sid in agents:
        journal(clone, "create", sid, "Agent", "Work")
    rounds = 3
    with ThreadPoolExecutor(len(agents)) as pool:  # each agent is its own process per command
        results = list(pool.map(lambda x: _agent_rounds(x[0], x[1], rounds), agents))
    failures = [r for rs in results for r in rs if r[0] != 0]
    assert failures == []
    journal(a, "sync")
    journal(b, "sync")
    check = tmp_path / "check"
    git(tmp_path, "clone", "-q", str(remote), str(check))
    for _, sid in agents:
        text = session_text(check, sid)
        assert [n for n in range(rounds) if text.count(f"{sid} step {n}") == 1] == list(range(rounds))
    for clone in (a, b):
        assert no_rebase_or_merge(clone) and git(clone, "stash", "list") == ""
        assert git(clone, "status", "--porcelain") == ""
        journal(clone, "check")
    assert not (a / ".git" / "journal-sync").exists() or not any((a / ".git" / "journal-sync").iterdir())


def test_the_lock_is_shared_by_the_worktrees_of_a_repository(tmp_path: Path) -> None:
    remote, (a,) = make_clones(tmp_path, ["a"])
    git(a, "push", "-q", "origin", "main:side")
    wt = tmp_path / "a-side"
    git(a, "worktree", "add", "-q", str(wt), "-b", "side", "origin/side")
    git(wt, "branch", "-q", "--set-upstream-to=origin/side")
    journal(a, "create", "main-s", "Dev", "On main")
    journal(wt, "create", "side-s", "Dev", "On side")
    procs = [start(a, "sync"), start(wt, "sync"), start(a, "sync"), start(wt, "sync")]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    assert "side-s" in git(a, "ls-tree", "-r", "--name-only", "origin/side")
    assert "main-s" in git(a, "ls-tree", "-r", "--name-only", "origin/main")
    assert (a / ".git" / "journal-sync.lock").is_file()
    assert git(wt, "status", "--porcelain") == "" and git(a, "status", "--porcelain") == ""


def test_a_torn_event_line_is_repaired_before_anything_is_published(tmp_path: Path) -> None:
    remote, (a,) = make_clones(tmp_path, ["a"])
    journal(a, "create", "s1", "Dev", "Work")
    log = a / "coordination/events/s1.jsonl"
    with open(log, "ab") as f:
        f.write(b'{"schema_version":1,"event_id":"evt_torn","seq":')  # a crash in the middle of an append
    result = json.loads(journal(a, "sync", "--json").stdout)
    assert result["pushed"]
    published = git(a, "show", "origin/main:coordination/events/s1.jsonl")
    assert published.endswith("\n") and "evt_torn" not in published
    journal(a, "check")


def test_a_half_done_change_that_check_cannot_repair_stops_the_sync(tmp_path: Path) -> None:
    import gzip

    _, (a,) = make_clones(tmp_path, ["a"])
    journal(a, "create", "s1", "Dev", "Work")
    (a / "coordination/events/s1.jsonl.gz").write_bytes(gzip.compress(b"not an event\n"))
    before = git(a, "status", "--porcelain")
    failed = journal(a, "sync", check=False)
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1
    assert "coordination" not in failed.stderr or "events/s1.jsonl.gz" in failed.stderr
    assert "journal check --fix" in failed.stderr or "journal events restore" in failed.stderr
    assert git(a, "status", "--porcelain") == before
    assert git(a, "ls-remote", "origin", "main").split()[0] == git(a, "rev-parse", "HEAD").strip()


def test_temp_and_lock_files_are_never_committed_and_older_workspaces_get_the_ignore_lines(tmp_path: Path) -> None:
    _, (a, b) = make_clones(tmp_path, ["a", "b"])
    ignore = a / "coordination/.gitignore"
    ignore.write_text("# an older workspace\n.journal/\n", encoding="utf-8")
    attributes = a / "coordination/.gitattributes"
    attributes.write_text("shared-knowledge/*.md merge=union\n", encoding="utf-8")
    git(a, "commit", "-q", "-am", "an older workspace")
    git(a, "push", "-q")
    journal(a, "create", "s1", "Dev", "Work")
    (a / "coordination/sessions/ACTIVE/.s1.md.x1y2z3.tmp").write_text("half a write\n", encoding="utf-8")
    (a / "coordination/events/.s1.jsonl.k9.tmp").write_text("{}\n", encoding="utf-8")
    (a / "coordination/stray.lock").write_text("", encoding="utf-8")
    journal(a, "sync")
    tracked = git(a, "ls-tree", "-r", "--name-only", "origin/main")
    assert ".tmp" not in tracked and ".lock" not in tracked and "sessions/ACTIVE/s1.md" in tracked
    assert ".*.tmp" in ignore.read_text(encoding="utf-8") and "*.lock" in ignore.read_text(encoding="utf-8")
    assert "events/*.jsonl merge=journal" in attributes.read_text(encoding="utf-8")
    assert git(a, "status", "--porcelain") == ""
    journal(b, "sync")
    assert (b / "coordination/.gitignore").read_text(encoding="utf-8") == ignore.read_text(encoding="utf-8")
    assert os.path.exists(b / "coordination/sessions/ACTIVE/s1.md")


def test_a_record_of_a_change_in_progress_makes_sync_run_checks_recovery_first(tmp_path: Path, monkeypatch) -> None:
    from journal.config import load_config
    from journal.coordination.sync import sync
    from journal.session import check
    from journal.workspace import Workspace

    _, (a,) = make_clones(tmp_path, ["a"])
    journal(a, "create", "s1", "Dev", "Work")
    ws = Workspace(load_config(a / "coordination", cwd=a))
    ran: list[bool] = []
    real = check.check_workspace
    monkeypatch.setattr(check, "check_workspace", lambda w, fix=False: ran.append(fix) or real(w, fix))
    sync(ws)
    assert ran == []  # nothing half-done: no full check on the way
    journal(a, "add", "-s", "s1", "completed", "more")
    # a record left as a crash leaves it (the next change to s1 would finish it first)
    (ws.state_dir / "intents").mkdir(parents=True, exist_ok=True)
    (ws.state_dir / "intents" / "s1.json").write_text("{}", encoding="utf-8")
    sync(ws)
    assert ran == [True]
    assert "intents" not in git(a, "ls-tree", "-r", "--name-only", "HEAD")
