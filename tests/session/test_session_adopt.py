"""`journal adopt` on a workspace kept by hand in the seed guide's shape, committed by five
people over ten days (tests/seed_workspace.py): what it infers from what, what it refuses,
and that it keeps every byte of every body."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from conftest import Cli, git, snapshot
from seed_workspace import LOGS, NOW, WS, add_unreadable, build, commit, fixture, jc, seeded, workspace  # noqa: F401 - fixtures

from journal.config import load_config
from journal.errors import InvalidInput, NotFound
from journal.session import adopt as adopting
from journal.session.adopt import body_problems, read_progress, status_for, title_role
from journal.session.document import frontmatter_span, read_frontmatter
from journal.session.history import Histories
from journal.workspace import Workspace

def split(path: Path) -> tuple[dict, bytes, bytes]:
    """(frontmatter, its bytes, the body's bytes) of a log."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    meta, _ = read_frontmatter(text, str(path))
    body_at = len(text[: frontmatter_span(text, str(path))[2]].encode("utf-8"))
    return meta, data[:body_at], data[body_at:]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the words of a hand-kept log ---------------------------------------------------------------
def test_status_words_map_onto_the_configured_statuses() -> None:
    statuses = ("planning", "building", "testing", "blocked", "review", "done")
    said = {"Building": "building", "  building  ": "building", "In Progress": "building", "WIP": "building",
            "Testing": "testing", "Blocked": "blocked", "Waiting": "blocked", "Ready for review": "review",
            "Done": "done", "✅ Complete": "done", "Finished": "done", "Not started": "planning",
            "Building (API layer)": "building", "Testing - load test": "testing"}
    assert {word: status_for(word, statuses) for word in said} == said
    assert status_for("Deploying", statuses) is None and status_for("On hold", statuses) is None
    assert status_for("Deploying", (*statuses, "deploying")) == "deploying"
    assert status_for("Waiting", (*statuses, "waiting")) == "waiting"  # a configured status wins
    assert adopting.status_name("Waiting on vendor") == "waiting-on-vendor"


def test_progress_titles_and_unreadable_bodies() -> None:
    assert [read_progress(v)[0] for v in ("60%", "60", " ~35 % ", "100% (shipped)", "0%")] == [60, 60, 35, 100, 0]
    assert read_progress("TBD") == (None, None) and read_progress("-") == (None, None)
    assert read_progress("about half")[1] == "Progress 'about half' is not a percentage from 0 to 100"
    assert read_progress("3/5")[1] and read_progress("140%")[1]
    assert title_role("Session session-9: Frontend Developer", "session-9") == "Frontend Developer"
    assert title_role("Session Log: session-1 (DevOps Engineer)", "session-1") == "DevOps Engineer"
    assert title_role("Session 12 — DevOps Engineer", "session-12") == "DevOps Engineer"
    assert title_role("session-12", "session-12") is None and title_role("Session 5 Log", "session-5") is None
    assert title_role("Email service notes", "session-5") is None  # a title that does not name the session
    assert body_problems(fixture("sessions/ACTIVE/session-7.md").decode()) == []
    assert body_problems("just notes\n") == ["it has no headings, so nothing marks its sections"]
    assert body_problems("# Title\n\ntext\n") == ["it has no '## ' sections (only a title)"]
    assert body_problems("## A\n\n| a | b |\n|---|---|\n| 1 |\n") == [
        "broken table at line 5: a row of 1 cells under a header of 2"]
    assert body_problems("## A\n\n| a | b |\n| 1 | 2 |\n") == [
        "broken table at line 3: the row under its header is not a |---| row"]
    assert body_problems("## A\n\n```\n## B\n") == ["the code fence opened at line 3 is never closed"]
    assert body_problems("## A\n<<<<<<< HEAD\n") == ["git conflict marker at line 2"]
    assert body_problems("\ufeff## A\n")[0].startswith("it starts with a byte-order mark")


# -- history ---------------------------------------------------------------------------------------
def test_history_is_read_in_one_pass_following_renames(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from journal import gitops

    calls: list[tuple[str, ...]] = []
    real = gitops._git
    monkeypatch.setattr(gitops, "_git", lambda root, *args: calls.append(args) or real(root, *args))
    ws = workspace(seeded)
    histories = Histories(ws, strict=True)
    got = {sid: histories.of(ws.root / rel) for sid, (rel, _) in LOGS.items()}
    assert [next(word for word in args if word in ("log", "status")) for args in calls] == ["log", "status"]
    assert {sid: (h.created, h.updated, h.owner, h.commits, h.committed) for sid, h in got.items()} == {
        # started in ACTIVE/ by Erik at 08:00+01:00, archived (git mv) by Dana: the move keeps its history
        "session-1": ("2025-11-10T07:00:00Z", "2025-11-12T17:00:00Z", "Erik Lund", 3, True),
        # finished and moved to ARCHIVE/ in one commit: still a rename
        "session-2": ("2025-11-10T07:00:00Z", "2025-11-14T16:45:00Z", "Erik Lund", 2, True),
        "session-3": ("2025-11-11T10:30:00Z", "2025-11-19T17:30:00Z", "Alice Moreau", 2, True),
        "session-7": ("2025-11-13T09:00:00Z", "2025-11-18T10:20:00Z", "Bilal Okafor", 2, True),
        "session-9": ("2025-11-17T11:00:00Z", "2025-11-17T11:00:00Z", "Chen Wei", 1, True),
        "session-11": ("2025-11-19T08:00:00Z", "2025-11-19T08:00:00Z", "Dana Ruiz", 1, True),
    }


# -- adopt -----------------------------------------------------------------------------------------
SESSION_3 = """---
id: session-3
role: API Developer
mission: Build the berth booking API
status: building
progress: 60
created: '2025-11-11T10:30:00Z'
updated: '2025-11-19T17:30:00Z'
owner:
  kind: human
  name: Alice Moreau
events: events/session-3.jsonl
adopted: true
schema_version: 1
---
"""


def test_dry_run_prints_each_log_and_changes_no_byte(seeded: Path, jc: Cli) -> None:
    before = snapshot(seeded)
    proc = jc("adopt", "--all", "--dry-run")
    assert snapshot(seeded) == before
    assert not (seeded / WS / "events").exists() and not (seeded / WS / ".gitignore").exists()
    out = proc.stdout
    for sid, (rel, _) in LOGS.items():
        assert f"would adopt: {rel}\n" in out
    assert "\n".join("    " + line for line in SESSION_3.splitlines()) in out
    assert "    # status: the **Status:** line in Current Work: 'In Progress'" in out  # session-7, mapped
    assert out.endswith("would adopt 6 log(s) (dry run: nothing changed)\n")
    listed = json.loads(jc("adopt", "--all", "--dry-run", "--json").stdout)
    assert [f["action"] for f in listed["files"]] == ["would adopt"] * 6 and listed["dry_run"] is True
    assert snapshot(seeded) == before


def test_adopt_infers_frontmatter_keeps_every_body_byte_and_check_passes(seeded: Path, jc: Cli) -> None:
    assert jc("check", check=False).returncode == 1
    proc = jc("adopt", "--all")
    assert proc.stdout.splitlines()[-1] == "adopted 6 log(s)"
    root = seeded / WS
    metas = {}
    for sid, (rel, source) in LOGS.items():
        meta, head, body = split(root / rel)
        assert digest(body) == digest(fixture(source)), f"{sid}: the body changed"
        metas[sid] = meta
    assert split(root / "sessions/ACTIVE/session-3.md")[1] == SESSION_3.encode()
    crlf = split(root / "sessions/ACTIVE/session-7.md")[1]  # the CRLF log gets CRLF frontmatter
    assert crlf.count(b"\r\n") == crlf.count(b"\n") == 15
    facts = {sid: (m["role"], m["mission"], m["status"], m["progress"], m["created"], m["owner"]["name"])
             for sid, m in metas.items()}
    assert facts == {
        "session-1": ("DevOps Engineer", "Stand up staging for the booking platform", "done", 100,
                      "2025-11-10T07:00:00Z", "Erik Lund"),
        "session-2": ("Product Owner", "Decide what the first booking release holds", "done", 90,
                      "2025-11-10T07:00:00Z", "Erik Lund"),
        "session-3": ("API Developer", "Build the berth booking API", "building", 60, "2025-11-11T10:30:00Z",
                      "Alice Moreau"),
        "session-7": ("Database Engineer", "Move bookings to Postgres 16", "building", 35, "2025-11-13T09:00:00Z",
                      "Bilal Okafor"),
        "session-9": ("Frontend Developer", "Booking form and berth calendar for the web app", "blocked", 20,
                      "2025-11-17T11:00:00Z", "Chen Wei"),
        "session-11": ("QA Engineer", "Load test and acceptance tests for the booking release", "review", 75,
                       "2025-11-19T08:00:00Z", "Dana Ruiz"),
    }
    assert (metas["session-1"]["ended"], metas["session-2"]["ended"]) == ("2025-11-12", "2025-11-14")
    assert (metas["session-1"]["archived_from_status"], metas["session-2"]["archived_from_status"]) == ("done", "building")
    assert all(m["schema_version"] == 1 and m["adopted"] is True and m["id"] == sid for sid, m in metas.items())
    # one state_change event per log, in event logs that did not exist before
    for sid in LOGS:
        events = [orjson.loads(line) for line in (root / "events" / f"{sid}.jsonl").read_bytes().splitlines()]
        assert [(e["event_type"], e["data"]["action"]) for e in events] == [("state_change", "adopt")]
    assert ".journal/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    checked = jc("check")
    assert checked.stdout.endswith("ok: no problems found (1 note)\n")  # session-11 has no Services section
    assert "session-11.md: section '## Services Built/Modified' is missing" in checked.stdout


def test_a_second_adopt_changes_nothing(seeded: Path, jc: Cli) -> None:
    jc("adopt", "--all")
    before = snapshot(seeded)
    assert jc("adopt", "--all").stdout == "adopted 0 log(s), 6 already adopted\n"
    assert jc("adopt", "session-3", "session-1").stdout == (
        "already adopted: sessions/ACTIVE/session-3.md\nalready adopted: sessions/ARCHIVE/session-1-2025-11-12.md\n"
        "adopted 0 log(s), 2 already adopted\n")
    assert snapshot(seeded) == before


def test_two_clones_that_adopt_write_the_same_bytes(seeded: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(seeded), str(remote))
    files = []
    for name, now in (("one", "2025-11-20T09:00:00Z"), ("two", "2026-01-05T18:00:00Z")):
        git(tmp_path, "clone", "-q", str(remote), name)
        Cli(tmp_path / name)("adopt", "--all", JOURNAL_NOW=now, JOURNAL_USER=name)
        files.append({rel: (tmp_path / name / WS / rel).read_bytes() for rel, _ in LOGS.values()})
    assert files[0] == files[1]


def test_one_session_is_adopted_with_its_archived_copies(seeded: Path) -> None:
    ws = workspace(seeded)
    report = adopting.adopt(ws, ["session-1", "session-9"])
    assert [(f.id, f.action) for f in report.files] == [("session-1", "adopted"), ("session-9", "adopted")]
    assert split(ws.root / "sessions/ACTIVE/session-9.md")[0]["role"] == "Frontend Developer"  # from the title
    assert not (ws.root / "sessions/ACTIVE/session-3.md").read_bytes().startswith(b"---")


def test_bad_arguments_change_nothing(seeded: Path, jc: Cli) -> None:
    before = snapshot(seeded)
    for args, says in ((("adopt",), "give the session IDs to adopt, or --all"),
                       (("adopt", "--all", "session-3"), "give session IDs or --all, not both"),
                       (("adopt", "session-99"), "no session 'session-99'"),
                       (("adopt", "../etc"), "may hold only letters")):
        proc = jc(*args, check=False)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("journal: error: ") and says in proc.stderr
    assert snapshot(seeded) == before
    with pytest.raises(InvalidInput):
        adopting.adopt(workspace(seeded), [], every=False)
    with pytest.raises(NotFound):
        adopting.adopt(workspace(seeded), ["nobody"])


# -- what it refuses -------------------------------------------------------------------------------
def test_logs_it_cannot_read_confidently_are_listed_and_left_alone(seeded: Path, jc: Cli) -> None:
    add_unreadable(seeded)
    active = seeded / WS / "sessions/ACTIVE"
    kept = {name: (active / name).read_bytes() for name in ("session-20.md", "session-21.md")}
    proc = jc("adopt", "--all", check=False)
    assert proc.returncode == 1 and proc.stderr == "journal: error: 2 log(s) left alone (see the reasons above)\n"
    lines = proc.stdout.splitlines()
    assert "left alone: sessions/ACTIVE/session-20.md: broken table at line 15: a row of 2 cells under a header of 3" in lines
    assert "left alone: sessions/ACTIVE/session-21.md: it has no headings, so nothing marks its sections" in lines
    assert lines[-1] == "adopted 6 log(s), 2 left alone"
    assert {name: (active / name).read_bytes() for name in kept} == kept
    assert not (seeded / WS / "events/session-20.jsonl").exists()
    checked = jc("check", check=False).stdout
    assert ("sessions/ACTIVE/session-20.md: not adopted yet, it has no frontmatter: run 'journal adopt session-20' "
            "(or 'journal adopt --all'); adopt would leave it alone until it is fixed: broken table at line 15") in checked


def test_a_log_that_is_a_symbolic_link_is_left_alone_and_not_read(seeded: Path, jc: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_bytes((seeded / WS / "sessions/ACTIVE/session-3.md").read_bytes())
    link = seeded / WS / "sessions/ACTIVE/session-30.md"
    link.symlink_to(outside)
    before = outside.read_bytes()
    proc = jc("adopt", "session-30", check=False)
    assert proc.returncode == 1 and proc.stderr == "journal: error: 1 log(s) left alone (see the reasons above)\n"
    assert proc.stdout.splitlines()[0] == ("left alone: sessions/ACTIVE/session-30.md: sessions/ACTIVE/session-30.md "
                                           "is a symbolic link: journal does not write through links")
    assert outside.read_bytes() == before and link.is_symlink()
    assert not (seeded / WS / "events/session-30.jsonl").exists()


def test_a_status_word_that_maps_to_none_names_the_setting_that_allows_it(seeded: Path, jc: Cli) -> None:
    log = seeded / WS / "sessions/ACTIVE/session-9.md"
    log.write_bytes(log.read_bytes().replace(b"**Status:** Blocked", b"**Status:** Deploying"))
    commit(seeded, "2025-11-19T19:00:00Z", "chen", "deploying")
    before = snapshot(seeded)
    proc = jc("adopt", "session-9", check=False)
    assert proc.returncode == 1 and snapshot(seeded) == before
    assert ("left alone: sessions/ACTIVE/session-9.md: status 'Deploying' is none of planning, building, testing, "
            "blocked, review, done: add `statuses = [\"deploying\"]` to .journal.toml") in proc.stdout
    (seeded / ".journal.toml").write_text('statuses = ["deploying"]\n', encoding="utf-8")
    jc("adopt", "session-9")
    assert split(log)[0]["status"] == "deploying"
    checked = jc("check", check=False).stdout.splitlines()
    assert not [line for line in checked if line.startswith("sessions/ACTIVE/session-9.md")], checked


def test_a_rule_on_the_first_line_is_not_taken_for_frontmatter(seeded: Path, jc: Cli) -> None:
    active = seeded / WS / "sessions/ACTIVE"
    (active / "session-40.md").write_text("---\n# Session 40\n\n---\n## Current Work\n", encoding="utf-8")
    (active / "session-41.md").write_text("---\n**Role:** Tester\n---\n## Current Work\n", encoding="utf-8")
    commit(seeded, "2025-11-19T19:00:00Z", "chen", "two odd logs")
    proc = jc("adopt", "session-40", "session-41", check=False)
    assert proc.returncode == 1
    assert ("left alone: sessions/ACTIVE/session-40.md: its frontmatter has no 'id' (a file that starts with a '---' "
            "line is read as frontmatter: fix or remove that line)") in proc.stdout
    assert "left alone: sessions/ACTIVE/session-41.md: malformed YAML frontmatter at line 2" in proc.stdout


def test_a_log_with_changes_not_committed_waits_for_its_commit(seeded: Path, jc: Cli) -> None:
    log = seeded / WS / "sessions/ACTIVE/session-3.md"
    log.write_bytes(log.read_bytes() + b"\n- one more note\n")
    (seeded / WS / "sessions/ACTIVE/session-30.md").write_bytes(fixture("sessions/ACTIVE/session-11.md"))
    proc = jc("adopt", "session-3", "session-30", check=False)
    assert proc.returncode == 1
    for rel in ("sessions/ACTIVE/session-3.md", "sessions/ACTIVE/session-30.md"):
        assert f"left alone: {rel}: it is not committed as it is (commit it first" in proc.stdout
    assert not log.read_bytes().startswith(b"---")


def test_outside_git_the_modification_time_dates_a_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from seed_workspace import SEED

    root = tmp_path / "plain" / "coordination"
    shutil.copytree(SEED / WS, root)
    log = root / "sessions/ACTIVE/session-3.md"
    os.utime(log, (1763560800, 1763560800))  # 2025-11-19T14:00:00Z
    monkeypatch.setenv("JOURNAL_NOW", NOW)
    ws = Workspace(load_config(root, cwd=tmp_path))
    assert ws.git_root is None
    adopting.adopt(ws, ["session-3"])
    meta = split(log)[0]
    assert (meta["created"], meta["updated"], meta["owner"]) == (
        "2025-11-19T14:00:00Z", "2025-11-19T14:00:00Z", {"kind": "human", "name": "tester"})


def test_the_teams_own_template_still_makes_logs_after_adopting(seeded: Path, jc: Cli) -> None:
    jc("adopt", "--all")
    jc("create", "session-12", "Harbour Ops", "Keep the berths running")
    text = (seeded / WS / "sessions/ACTIVE/session-12.md").read_text(encoding="utf-8")
    meta, body_at = read_frontmatter(text, "session-12")
    assert meta["id"] == "session-12" and text[body_at:] == fixture("sessions/SESSION_LOG_TEMPLATE.md").decode()
    jc("check")


def test_git_is_asked_once_for_every_log(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not one `git log` per file: the whole workspace's history is one pass."""
    real = subprocess.run
    logs: list[list[str]] = []

    def counting(args, *rest, **kw):  # type: ignore[no-untyped-def]
        if args[:1] == ["git"] and "log" in args:
            logs.append(args)
        return real(args, *rest, **kw)

    monkeypatch.setattr(subprocess, "run", counting)
    report = adopting.adopt(workspace(seeded), every=True, dry_run=True)
    assert report.count("would adopt") == 6 and len(logs) == 1
