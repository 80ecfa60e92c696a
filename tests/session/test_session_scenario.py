"""The seed's scenario, end to end, through the installed CLI in real processes."""
from __future__ import annotations

import json
import re
from datetime import date

from conftest import git


def test_seed_scenario(cli, repo):
    today = date.today().isoformat()
    cli("create", "session-12", "DevOps Engineer", "Deploy and maintain services")
    path = repo / "coordination/sessions/ACTIVE/session-12.md"
    assert path.is_file()
    cli("update", "-s", "session-12", "--working-on", "Email Automation Service", "--status", "building",
        "--progress", "60", "--phase", "SPECS.md written", "--phase", "Tests written")
    cli("update", "-s", "session-12", "--phase-done", "SPECS.md written")
    cli("add", "-s", "session-12", "completed", "Wrote 15 tests (85% coverage)")
    cli("add", "-s", "session-12", "blocker", "Waiting for SMTP credentials")
    cli("add", "-s", "session-12", "learning", "asyncio.gather() removes sequential waiting")
    cli("add", "-s", "session-12", "next", "Deploy to production")
    cli("add", "-s", "session-12", "service", "email-service (port 8025)")
    cli("resolve", "-s", "session-12", "blocker", "1", "--note", "credentials arrived")
    cli("share-learning", "Performance", "Using asyncio.gather() speeds up parallel API calls by 10x", "High",
        "-s", "session-12")

    text = path.read_text(encoding="utf-8")
    assert "status: building" in text and "progress: 60" in text
    assert "**Working On:** Email Automation Service" in text
    assert "**Status:** Building" in text and "**Progress:** 60%" in text
    assert "- [x] SPECS.md written" in text and "- [ ] Tests written" in text
    assert f"**{today}:**\n- [x] Wrote 15 tests (85% coverage)" in text
    assert re.search(r"- \[x\] \*\*\d{4}-\d\d-\d\d \d\d:\d\d:\*\* Waiting for SMTP credentials — \*\*resolved " + today + r"\*\*: credentials arrived$", text, re.M)
    assert "- [ ] Deploy to production" in text
    assert "email-service (port 8025)" in text
    assert "Performance (High): Using asyncio.gather() speeds up parallel API calls by 10x" in text
    knowledge = (repo / "coordination/shared-knowledge/learnings.md").read_text(encoding="utf-8")
    assert f"### {today} — Performance (High)" in knowledge
    assert "Using asyncio.gather() speeds up parallel API calls by 10x" in knowledge
    assert "Shared by session-12 (DevOps Engineer)" in knowledge

    hits = json.loads(cli("grep", "asyncio.gather", "--knowledge", "--json").stdout)
    places = {(h["session"], h["section"]) for h in hits}
    assert ("session-12", "Learnings & Discoveries") in places
    assert any(s == "shared-knowledge/learnings.md" for s, _ in places)

    cli("archive", "session-12")
    archived = repo / f"coordination/sessions/ARCHIVE/session-12-{today}.md"
    assert archived.is_file() and not path.exists()
    assert "status: done" in archived.read_text(encoding="utf-8")
    assert "ended:" in archived.read_text(encoding="utf-8")
    listed = json.loads(cli("list", "--archived", "--json").stdout)
    assert [r["id"] for r in listed] == ["session-12"] and listed[0]["status"] == "done"

    cli("restore", "session-12")
    assert path.is_file() and not archived.exists()
    restored = path.read_text(encoding="utf-8")
    assert "status: building" in restored and "ended:" not in restored
    assert cli("check").returncode == 0


def test_create_records_owner_git_and_refuses_existing_ids(cli, repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    cli("create", "s1", "Reviewer", "Review things", "--agent", "claude-code", "--model", "opus")
    text = (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8")
    assert "kind: agent" in text and "agent: claude-code" in text and "model: opus" in text
    assert "branch: main" in text and head in text
    assert "tool_version:" in text and "schema_version: 1" in text
    again = cli("create", "s1", "Reviewer", "Again", check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    cli("archive", "s1")
    archived_again = cli("create", "s1", check=False)
    assert archived_again.returncode == 2 and "already exists" in archived_again.stderr


def test_generated_ids_are_readable_and_distinct(cli, repo):
    ids = {cli("create", "--json").stdout for _ in range(3)}
    parsed = [json.loads(i)["id"] for i in ids]
    assert len(set(parsed)) == 3
    assert all(re.fullmatch(r"\d{8}-[a-z]+-[a-z]+-[0-9a-z]{8}", i) for i in parsed)


def test_session_from_environment_and_stdin(cli, repo):
    cli("create", "s2")
    cli("add", "next", "-", input="first line\nsecond line\n## not a heading\n", JOURNAL_SESSION="s2")
    text = (repo / "coordination/sessions/ACTIVE/s2.md").read_text(encoding="utf-8")
    assert "- [ ] first line" in text and "  second line" in text
    assert "\n## not a heading" not in text and "\\## not a heading" in text
    shown = json.loads(cli("show", "s2", "--json").stdout)
    assert list(shown["sections"]) == ["Current Work", "Completed Today", "Services Built/Modified",
                                       "Learnings & Discoveries", "Blockers & Issues", "Coordination", "Next Steps"]


def test_custom_section_from_repo_template(cli, repo):
    cli("init")
    template = repo / "coordination/sessions/SESSION_LOG_TEMPLATE.md"
    template.write_text(template.read_text(encoding="utf-8") + "## Risks\n\n", encoding="utf-8")
    cli("create", "s3", "Dev", "Ship")
    cli("add", "-s", "s3", "Risks", "The vendor API may change")
    section = cli("show", "s3", "--section", "risks").stdout
    assert section.startswith("## Risks") and "- The vendor API may change" in section


def test_idle_archive_uses_the_clock(cli, repo):
    cli("create", "old", JOURNAL_NOW="2026-01-01T00:00:00Z")
    cli("create", "fresh", JOURNAL_NOW="2026-03-01T00:00:00Z")
    out = cli("archive", "--idle-days", "30", JOURNAL_NOW="2026-03-02T00:00:00Z").stdout
    assert "archived old" in out and "fresh" not in out
    assert (repo / "coordination/sessions/ARCHIVE/old-2026-03-02.md").is_file()


def test_version(cli):
    """(Help of every command: tests/cli/test_help.py.)"""
    from journal import __version__

    assert cli("--version").stdout == f"journal {__version__}\n"


def test_command_routes_cover_every_command():
    """Each run imports only the module of its command; the route table must know them all."""
    import typer.main

    from journal.cli.main import ROUTES, build_app

    full = typer.main.get_command(build_app())
    assert set(full.commands) == set(ROUTES)  # type: ignore[attr-defined]
    for name in full.commands:  # type: ignore[attr-defined]
        only = typer.main.get_command(build_app([name]))
        assert name in only.commands  # type: ignore[attr-defined]


def test_every_change_and_its_event_point_at_each_other(cli, repo):
    """Each journal action appends an event, and what it wrote carries that event's id."""
    import re

    cli("create", "s1", "Dev", "Link everything")
    cli("update", "-s", "s1", "--working-on", "Linking", "--status", "building", "--progress", "10", "--phase", "One")
    cli("update", "-s", "s1", "--phase-done", "One", "--progress", "20")
    for kind in ("completed", "service", "learning", "blocker", "next", "collaboration"):
        cli("add", "-s", "s1", kind, f"a {kind}")
    cli("resolve", "-s", "s1", "blocker", "1")
    cli("share-learning", "Linking", "Events and entries point at each other", "-s", "s1")
    cli("archive", "s1")
    cli("restore", "s1")
    text = (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8")
    events = [json.loads(line) for line in (repo / "coordination/events/s1.jsonl").read_text(encoding="utf-8").splitlines()]
    from journal.session.document import SessionDoc
    from journal.session.links import place_events, unplaced

    lines = SessionDoc(text).lines
    placed = place_events(lines, events)
    named = set(re.findall(r"^(?:created|restored)_event: (evt_[0-9a-z]{26})$", text, re.M))
    actions = {e["event_id"]: e["data"]["action"] for e in events}
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert sorted(actions.values()) == sorted(
        ["create", "update", "update", "add-completed", "add-service", "add-learning", "add-blocker", "add-next",
         "add-collaboration", "resolve-blocker", "share-learning", "archive", "restore"])
    by_action = {a: i for i, a in actions.items()}
    # the archive's Status line was rewritten by the restore, the open blocker by its resolution:
    # every other event finds the lines it wrote, and no event's lines were edited by hand
    assert set(placed) | named == set(actions) - {by_action["archive"], by_action["add-blocker"]}
    assert unplaced(lines, events) == []
    assert "<!--" not in SessionDoc(text).body()
    restore_id = by_action["restore"]
    [status_at] = placed[restore_id]
    assert lines[status_at] == "- **Status:** Building\n"
    resolved = next(e for e in events if e["data"]["action"] == "resolve-blocker")
    assert resolved["open_commitments"][0]["id"] == by_action["add-blocker"]
    assert "archived_event" not in text and f"restored_event: {restore_id}" in text
    knowledge = (repo / "coordination/shared-knowledge/learnings.md").read_text(encoding="utf-8")
    assert "- _Shared by s1 (Dev)_\n" in knowledge and "evt:" not in knowledge


def test_a_pinned_clock_pins_events_and_ids_too(cli, repo):
    """$JOURNAL_NOW sets the time of the Markdown, the events and the ids alike; ids keep their order."""
    from journal.ids import ulid_time

    for n in range(3):
        cli("create" if n == 0 else "add", *(["s1"] if n == 0 else ["-s", "s1", "next", f"step {n}"]),
            JOURNAL_NOW="2030-01-02T03:04:05Z")
    events = [json.loads(line) for line in (repo / "coordination/events/s1.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(e["timestamp"].startswith("2030-01-02T03:04:05") for e in events)
    ids = [e["event_id"] for e in events]
    assert all(ulid_time(i[4:]) == 1893553445.0 for i in ids)
    assert ids == sorted(ids)  # made one after another, sorted in that order
    assert "updated: '2030-01-02T03:04:05Z'" in (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8")
