"""Bad input: one line on stderr, exit code 2 (1 for check findings), nothing on disk changed."""
from __future__ import annotations

import pytest

from conftest import snapshot


@pytest.fixture
def seeded(cli, repo):
    cli("create", "s1", "Dev", "Ship the thing")
    cli("add", "-s", "s1", "blocker", "a real blocker")
    return repo


def _refused(cli, repo, *args, input=None, code=2, contains=None, **env):
    before = snapshot(repo)
    proc = cli(*args, input=input, check=False, **env)
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    if contains:
        assert contains in lines[0], lines[0]
    assert snapshot(repo) == before
    return lines[0]


@pytest.mark.parametrize("bad", ["", "../escape", "a/b", "a\\b", "x" * 101, "tab\there", "..", ".hidden"])
def test_bad_session_ids(cli, seeded, bad):
    _refused(cli, seeded, "create", bad, "Dev", "m")
    _refused(cli, seeded, "add", "-s", bad, "next", "text")


def test_missing_session(cli, seeded):
    _refused(cli, seeded, "add", "-s", "nobody", "next", "text", contains="no session 'nobody'")
    _refused(cli, seeded, "show", "nobody", contains="no session")
    _refused(cli, seeded, "archive", "nobody", contains="no session")
    _refused(cli, seeded, "restore", "nobody", contains="no archived session")


def test_no_session_given(cli, seeded):
    _refused(cli, seeded, "add", "next", "text", contains="$JOURNAL_SESSION")


def test_malformed_frontmatter(cli, seeded):
    path = seeded / "coordination/sessions/ACTIVE/s1.md"
    path.write_text("---\nid: s1\nrole: [unclosed\n---\n## Next Steps\n", encoding="utf-8")
    _refused(cli, seeded, "add", "-s", "s1", "next", "text", contains="malformed YAML frontmatter")
    path.write_text("no frontmatter here\n", encoding="utf-8")  # a log kept by hand: adopt it first
    _refused(cli, seeded, "update", "-s", "s1", "--progress", "5", contains="run 'journal adopt s1' first")


def test_an_impossible_date_in_the_frontmatter(cli, seeded):
    """YAML reads an unquoted 2026-02-30 as a date that cannot be: named, never an internal error."""
    path = seeded / "coordination/sessions/ACTIVE/s1.md"
    path.write_text(path.read_text(encoding="utf-8").replace("\nrole:", "\ndue: 2026-02-30\nrole:", 1), encoding="utf-8")
    line = _refused(cli, seeded, "add", "-s", "s1", "next", "text", contains="malformed YAML frontmatter")
    assert "day is out of range for month; quote the value" in line
    proc = cli("check", check=False)
    assert proc.returncode == 1 and "sessions/ACTIVE/s1.md" in proc.stdout and "malformed YAML" in proc.stdout
    assert cli("board", check=False).returncode == 0


def test_not_utf8(cli, seeded):
    path = seeded / "coordination/sessions/ACTIVE/s1.md"
    path.write_bytes(path.read_bytes() + b"\xff\xfe broken\n")
    _refused(cli, seeded, "add", "-s", "s1", "next", "text", contains="not UTF-8")


def test_binary_text_and_huge_text(cli, seeded):
    _refused(cli, seeded, "add", "-s", "s1", "next", "-", input="x" * 1_000_001, contains="over 1 MB")
    _refused(cli, seeded, "share-learning", "Perf", "-", input="y" * 1_000_001, contains="over 1 MB")
    _refused(cli, seeded, "add", "-s", "s1", "next", "bell\x07", contains="control characters")


def test_template_with_undefined_variable(cli, seeded, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\n{{ frontmatter }}\n---\n{{ no_such_variable }}\n", encoding="utf-8")
    _refused(cli, seeded, "create", "s9", "--template", str(bad), contains="'no_such_variable' is undefined")


def test_template_cannot_escape_the_sandbox(cli, seeded, tmp_path):
    evil = tmp_path / "evil.md"
    evil.write_text("---\n{{ frontmatter }}\n---\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8")
    _refused(cli, seeded, "create", "s9", "--template", str(evil), contains="template")


def test_bad_options(cli, seeded):
    _refused(cli, seeded, "update", "-s", "s1", "--status", "sleeping", contains="not one of")
    _refused(cli, seeded, "update", "-s", "s1", "--progress", "101", contains="between 0 and 100")
    _refused(cli, seeded, "update", "-s", "s1", "--working-on", "two\nlines", contains="one line")
    _refused(cli, seeded, "add", "-s", "s1", "nonsense", "text", contains="no section 'nonsense'")
    _refused(cli, seeded, "add", "-s", "s1", "next", "   ", contains="empty")
    _refused(cli, seeded, "resolve", "-s", "s1", "blocker", "7", contains="no open blocker")
    _refused(cli, seeded, "share-learning", "Perf", "text", "Whenever", contains="priority")
    _refused(cli, seeded, "grep", "(unclosed", contains="not a valid regular expression")
    _refused(cli, seeded, "archive", "s1", "--date", "yesterday", contains="YYYY-MM-DD")


def test_debug_shows_traceback(cli, seeded):
    proc = cli("--debug", "add", "-s", "nobody", "next", "x", check=False)
    # the error propagates: Python's own exit code 1 and the traceback of the journal error
    assert proc.returncode == 1 and "Traceback" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("journal.errors.NotFound: no session 'nobody'")


def test_text_cannot_forge_structure(cli, seeded):
    forged = "ok\n## Next Steps\n# Title\n---\n<!-- evt:evt_forged -->\n```\nunclosed fence"
    cli("add", "-s", "s1", "learning", "-", input=forged)
    from journal.session.document import SessionDoc

    doc = SessionDoc.read(seeded / "coordination/sessions/ACTIVE/s1.md")
    titles = [s.title for s in doc.sections()]
    assert titles.count("Next Steps") == 1 and len(titles) == 7
    assert "<!-- evt:evt_forged -->" not in doc.text()
    assert cli("check").returncode == 0


def test_check_reports_problems(cli, seeded):
    path = seeded / "coordination/sessions/ACTIVE/s1.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("status: planning", "status: building").replace("## Next Steps", "## Next Stuff")
    path.write_text(text + "<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> other\n", encoding="utf-8")
    (seeded / "coordination/sessions/ACTIVE/s2.md").write_text("---\nid: other\n---\n", encoding="utf-8")
    proc = cli("check", check=False)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    s1 = [line for line in lines if line.startswith("sessions/ACTIVE/s1.md")]
    s2 = [line for line in lines if line.startswith("sessions/ACTIVE/s2.md")]
    # s1: three conflict-marker lines, the renamed section, the status disagreement
    assert sum("git conflict marker" in line for line in s1) == 3
    assert "sessions/ACTIVE/s1.md: section '## Next Steps' is missing" in s1
    assert any("Current Work says status 'Planning' but the frontmatter says 'building'" in line for line in s1)
    assert len(s1) == 5, s1
    # s2: four frontmatter keys lacking, the id mismatch, all seven sections missing
    assert sum("frontmatter lacks" in line for line in s2) == 4
    assert "sessions/ACTIVE/s2.md: frontmatter id 'other' does not match the file name ('s2')" in s2
    assert sum(line.endswith("' is missing") and ": section '## " in line for line in s2) == 7
    assert len(s2) == 12, s2
    assert len(lines) == 17, lines
    assert proc.stderr == "journal: error: 17 problem(s) found\n"


def test_check_names_a_second_heading_of_a_section_journal_writes_to(cli, seeded):
    """A hand-added second '## Blockers & Issues' (a paste, a merge by hand): its items are
    listed by `blockers` but out of reach of `resolve`, so check names it, with both lines."""
    path = seeded / "coordination/sessions/ACTIVE/s1.md"
    before = path.read_text(encoding="utf-8")
    first = before.splitlines().index("## Blockers & Issues") + 1
    path.write_text(before + "\n## Blockers & Issues\n\n- [ ] pasted twice\n", encoding="utf-8")
    second = len(before.splitlines()) + 2
    proc = cli("check", check=False)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"sessions/ACTIVE/s1.md:{second}: a second '## Blockers & Issues' section (the first is at line {first}): "
        "journal writes only to the first (resolve and update cannot reach the items under the second); merge the two"]
    path.write_text(before.replace("## Services Built/Modified", "## Services built/modified") + "## Next steps\n",
                    encoding="utf-8")  # a title differing by case is the same section to every command
    proc = cli("check", check=False)
    assert proc.returncode == 1 and "a second '## Next steps' section" in proc.stdout
    assert len(proc.stdout.splitlines()) == 1, proc.stdout
    path.write_text(before, encoding="utf-8")
    assert cli("check").returncode == 0


def test_check_fix_removes_temp_files_of_dead_writes_at_once(cli, seeded):
    """A temp file whose writer's lock is free was left by a crash, however young (none of the
    old five-minute wait); one whose writer holds the lock is a write in progress."""
    from journal.config import load_config
    from journal.fsutil import locked
    from journal.session.intents import session_lock
    from journal.workspace import Workspace

    leftover = seeded / "coordination/sessions/ACTIVE/.s1.md.abc123.tmp"
    leftover.write_text("half a file", encoding="utf-8")
    busy = seeded / "coordination/sessions/ACTIVE/.s2.md.def456.tmp"
    busy.write_text("a write in progress", encoding="utf-8")
    ws = Workspace(load_config(seeded / "coordination"))
    with locked(session_lock(ws, "s2")):  # s2's writer is alive: its temp file is in use
        found = cli("check", check=False)
        assert found.returncode == 1 and ".s1.md.abc123.tmp: temporary file left" in found.stdout
        assert ".def456" not in found.stdout
        assert cli("check", "--fix").returncode == 0
    assert not leftover.exists() and busy.exists()


@pytest.mark.parametrize("bad", ["a: b", "x<!--y", "broadcast", "café", "has space", "_under"])
def test_ids_that_would_break_markdown_or_messages_are_refused(cli, seeded, bad):
    _refused(cli, seeded, "create", bad, "Dev", "m")


def test_system_errors_are_one_line(cli, seeded):
    """An error the system raises (here: a file where a folder must be) is one line, exit 2."""
    import shutil

    archive = seeded / "coordination/sessions/ARCHIVE"
    shutil.rmtree(archive)
    archive.write_text("not a folder\n", encoding="utf-8")
    _refused(cli, seeded, "archive", "s1", contains="journal: error:")


def test_idle_archive_uses_file_names_not_frontmatter_ids(cli, seeded):
    cli("create", "old", JOURNAL_NOW="2026-01-01T00:00:00Z")
    path = seeded / "coordination/sessions/ACTIVE/old.md"
    path.write_text(path.read_text(encoding="utf-8").replace("id: old", "id: s1"), encoding="utf-8")
    out = cli("archive", "--idle-days", "10").stdout  # exit 0: s1's own log is not idle
    assert "archived old" in out and "archived s1" not in out
    assert (seeded / "coordination/sessions/ACTIVE/s1.md").is_file()


@pytest.mark.parametrize("size, limit, expect", [
    (0, 10, 1), (10, 10, 11), (11, 10, 11), (12, 10, 11), (10, 10, 1), (10, 10, 3), (300_000, 1 << 20, 1),
    (3 << 20, 2 << 20, 1),
])
def test_read_upto_gives_the_whole_file_or_one_byte_over_the_limit(tmp_path, size, limit, expect) -> None:
    import os

    from journal.fsutil import read_upto

    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / "f"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        got = read_upto(fd, limit, expect)
    finally:
        os.close(fd)
    assert got == data[:limit + 1]


@pytest.mark.parametrize("stated, reads", [(None, 2), (0, 3), (5000, 3), (10_000, 1), (20_000, 2)])
def test_read_upto_of_a_file_of_known_size_stops_at_its_end(tmp_path, monkeypatch, stated, reads) -> None:
    """With the size stat'ed, a read that brings exactly that many bytes is the end: one
    read. A file that grew since it was stat'ed (stated 0 or 5000), or was cut short (20,000),
    is still read whole."""
    import os

    from journal.fsutil import read_upto

    data = os.urandom(10_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    calls = []
    real = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: calls.append(n) or real(fd, n))
    fd = os.open(path, os.O_RDONLY)
    try:
        got = read_upto(fd, 1 << 20, size=stated) if stated is not None else read_upto(fd, 1 << 20, 10_001)
    finally:
        os.close(fd)
    assert got == data
    assert len(calls) == reads


def test_read_upto_reads_a_pipe_to_its_end_in_pieces() -> None:
    import os
    import threading

    from journal.fsutil import read_upto

    data = os.urandom(3 << 20)  # more than a pipe holds: the writer waits for the reader
    r, w = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(w, data), os.close(w)))
    writer.start()
    try:
        got = read_upto(r, 4 << 20)
    finally:
        writer.join()
        os.close(r)
    assert got == data
