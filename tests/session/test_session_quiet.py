"""Session files a person likes to read: no markup in entries, fields that render as lines,
and files in the older form (with <!-- evt:… --> references) still working and converting."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import git

LEGACY = Path(__file__).resolve().parents[1] / "data" / "legacy" / "coordination"
SCENARIO = [  # the README's "A session, start to finish"
    ("create", "session-12", "DevOps Engineer", "Deploy and maintain services"),
    ("update", "-s", "session-12", "--working-on", "Email Automation Service", "--status", "building",
     "--progress", "60", "--phase", "SPECS.md written", "--phase", "Core endpoints implemented", "--phase", "Tests written"),
    ("update", "-s", "session-12", "--phase-done", "SPECS.md written"),
    ("add", "-s", "session-12", "completed", "Deployed to staging server"),
    ("add", "-s", "session-12", "blocker", "Waiting for SMTP credentials"),
    ("add", "-s", "session-12", "learning", "asyncio.gather() removes sequential waiting"),
    ("add", "-s", "session-12", "next", "Deploy to production"),
    ("resolve", "-s", "session-12", "blocker", "1", "--note", "credentials arrived"),
    ("share-learning", "Performance", "Using asyncio.gather() speeds up parallel API calls by 10x", "High", "-s", "session-12"),
    ("archive", "session-12"),
    ("restore", "session-12"),
]
MARKUP = re.compile(r"<!--.*?-->")


def run_scenario(cli) -> str:
    for args in SCENARIO:
        cli(*args, JOURNAL_NOW="2026-11-21T14:30:00Z")
    return (cli.cwd / "coordination/sessions/ACTIVE/session-12.md").read_text(encoding="utf-8")


def body_of(text: str) -> str:
    from journal.session.document import read_frontmatter

    return text[read_frontmatter(text, "s")[1]:]


def test_the_readme_scenario_is_at_most_12_percent_markup(cli) -> None:
    body = body_of(run_scenario(cli))
    markup = sum(len(m) for m in MARKUP.findall(body))
    share = markup / len(body)
    print(f"markup: {markup} of {len(body)} body characters ({share:.1%})")
    assert share <= 0.12
    assert markup == 0  # entries carry no markup at all: the link lives in the events
    assert cli("check").returncode == 0


def test_the_readme_shows_the_session_file_as_it_reads(cli) -> None:
    """The README's sample is this scenario's file, from the first section to the blockers."""
    body = body_of(run_scenario(cli))
    sample = body[:body.index("## Coordination")].rstrip("\n")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"The log now reads.*?```markdown\n(.*?)\n```", readme, re.S)
    assert block is not None
    assert block.group(1) == sample


def test_fields_render_as_lines_in_commonmark(cli) -> None:
    from markdown_it import MarkdownIt

    body = body_of(run_scenario(cli))
    tokens = MarkdownIt("commonmark").parse(body)
    items = [t.content for t in tokens if t.type == "inline"]
    for field in ("**Mission:** Deploy and maintain services", "**Working On:** Email Automation Service",
                  "**Status:** Building", "**Progress:** 60%"):
        assert field in items, field  # each is an inline of its own: it renders as its own line
    assert not any("\n" in t and "**Status:**" in t for t in items)  # never run together with another field


def _legacy_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(LEGACY, repo / "coordination")
    return repo


def test_files_in_the_older_form_keep_working_and_convert(tmp_path: Path) -> None:
    from conftest import Cli

    repo = _legacy_repo(tmp_path)
    cli = Cli(repo)
    path = repo / "coordination/sessions/ACTIVE/session-12.md"
    before = path.read_text(encoding="utf-8")
    assert before.count("<!-- evt:") == 10
    checked = cli("check")
    assert "ok: no problems found (2 notes)" in checked.stdout  # one per session in the older form
    assert "session-12.md:26: 8 line(s) carry legacy <!-- evt:… --> references" in checked.stdout
    # read: the legacy message was acknowledged by its legacy id
    assert json.loads(cli("inbox", "-s", "session-5", "--all", "--json").stdout)[0]["unread"] is False
    shown = json.loads(cli("show", "session-12", "--events", "--json").stdout)
    placed = {r["event"]["data"]["action"]: r.get("entry") for r in shown["events"]}
    assert placed["add-completed"] == "- [x] Deployed to staging server"
    # edited: new entries go in the new form beside the old ones
    cli("add", "-s", "session-12", "completed", "Wrote the runbook")
    cli("update", "-s", "session-12", "--status", "testing")
    text = path.read_text(encoding="utf-8")
    assert "- [x] Wrote the runbook\n" in text
    assert "- **Working On:** Email Automation Service" in text and "- **Status:** Testing\n" in text
    # convert: the references move into the event log; message ids stay
    fixed = cli("check", "--fix")
    assert fixed.returncode == 0 and "rewritten as links (fixed)" in fixed.stdout
    after = path.read_text(encoding="utf-8")
    assert "<!-- evt:" not in after and after.count("<!-- msg:") == 1
    assert cli("check").stdout.strip() == "ok: no problems found"
    shown = json.loads(cli("show", "session-12", "--events", "--json").stdout)
    placed_after: dict[str, list] = {}
    for r in shown["events"]:
        placed_after.setdefault(r["event"]["data"]["action"], []).append(r.get("entry"))
    assert placed_after["add-completed"] == ["- [x] Deployed to staging server", "- [x] Wrote the runbook"]
    assert placed_after["resolve-blocker"][0].startswith("- [x] **2026-11-21:** Waiting for SMTP credentials")
    assert json.loads(cli("inbox", "-s", "session-5", "--all", "--json").stdout)[0]["unread"] is False
    assert cli("check", "--fix").stdout.strip() == "ok: no problems found"  # a second fix finds nothing


def assert_hand_edit_is_a_note(cli) -> None:
    """Edit the scenario's completed entry by hand: check names its event in a note, exit 0."""
    path = cli.cwd / "coordination/sessions/ACTIVE/session-12.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- [x] Deployed to staging server", "- [x] Deployed to staging (by hand)"), encoding="utf-8")
    checked = cli("check")
    assert checked.returncode == 0
    assert re.search(r"note: sessions/ACTIVE/session-12.md: edited by hand since evt_\w+ \(add-completed: "
                     r"'Deployed to staging server'\)", checked.stdout)
    assert checked.stdout.strip().endswith("ok: no problems found (1 note)")


def test_an_entry_edited_by_hand_is_a_note_not_a_failure(cli) -> None:
    run_scenario(cli)
    assert_hand_edit_is_a_note(cli)


def test_an_entry_whose_event_is_in_the_compressed_part_of_its_log_is_still_linked(cli) -> None:
    # A log whose older part was compressed: check reads both parts, the compressed one
    # first, for the entry links (an entry written by an event in either part is found).
    import gzip

    run_scenario(cli)
    events = cli.cwd / "coordination/events"
    lines = (events / "session-12.jsonl").read_bytes().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if b'"add-completed"' in line) + 1
    (events / "session-12.jsonl.gz").write_bytes(gzip.compress(b"".join(lines[:cut])))
    (events / "session-12.jsonl").write_bytes(b"".join(lines[cut:]))
    assert cli("check").stdout.strip() == "ok: no problems found"
    assert_hand_edit_is_a_note(cli)


@pytest.mark.parametrize("n", [1, 2])
def test_two_identical_entries_keep_their_own_events(cli, n: int) -> None:
    cli("create", "s1")
    for _ in range(2):
        cli("add", "-s", "s1", "next", "Run the tests")
    shown = json.loads(cli("show", "s1", "--events", "--json").stdout)
    lines = [r["line"] for r in shown["events"] if r["event"]["data"]["action"] == "add-next"]
    assert len(lines) == 2 and lines[0] < lines[1]
