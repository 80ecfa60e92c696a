"""Reading: grep names session, section and line; show and list render; edit uses $EDITOR."""
from __future__ import annotations

import json
import stat


def _two_sessions(cli):
    cli("create", "alpha", "Dev", "Build the email service")
    cli("create", "beta", "Ops", "Run the email relay")
    cli("add", "-s", "alpha", "blocker", "Email relay rejects TLS 1.0")
    cli("add", "-s", "beta", "next", "Upgrade the email relay")
    cli("share-learning", "Email", "Relays need TLS 1.2", "-s", "beta")
    cli("create", "gamma", "Dev", "Old work on email")
    cli("archive", "gamma", "--date", "2026-01-02")


def test_grep_scopes_sections_and_json(cli, repo):
    _two_sessions(cli)
    hits = json.loads(cli("grep", "email relay", "-i", "--json").stdout)
    found = {(h["session"], h["section"]) for h in hits}
    assert ("alpha", "Blockers & Issues") in found and ("beta", "Next Steps") in found
    assert ("beta", "frontmatter") in found  # mission: Run the email relay
    assert all(not h["archived"] for h in hits)
    line = next(h for h in hits if h["session"] == "alpha" and h["section"] == "Blockers & Issues")
    text = (repo / "coordination/sessions/ACTIVE/alpha.md").read_text(encoding="utf-8").split("\n")
    assert "Email relay rejects TLS 1.0" in text[line["line"] - 1]

    only_next = json.loads(cli("grep", "relay", "-i", "--section", "next", "--json").stdout)
    assert [(h["session"], h["section"]) for h in only_next] == [("beta", "Next Steps")]

    archived = json.loads(cli("grep", "Old work", "--archived", "--json").stdout)
    assert {(h["session"], h["archived"], h["section"]) for h in archived} == {("gamma", True, "frontmatter"), ("gamma", True, "Session gamma: Dev")}
    assert json.loads(cli("grep", "Old work", "--json").stdout) == []

    knowledge = json.loads(cli("grep", "TLS 1\\.2", "--knowledge", "--json").stdout)
    assert {h["session"] for h in knowledge} == {"beta", "shared-knowledge/learnings.md"}
    plain = cli("grep", "TLS 1.0")
    assert plain.stdout.startswith("sessions/ACTIVE/alpha.md:") and "[alpha › Blockers & Issues]" in plain.stdout
    assert cli("grep", "no such text anywhere", check=False).returncode == 1
    # a section no log has is a typo (exit 2, named); one that some log has, or one journal
    # writes, only has no hits (exit 1)
    typo = cli("grep", "relay", "--section", "nxet", check=False)
    assert typo.returncode == 2 and "no log searched has a section 'nxet'" in typo.stderr
    assert cli("grep", "no such text", "--section", "Next Steps", check=False).returncode == 1
    path = repo / "coordination/sessions/ACTIVE/beta.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## Risks\n\n- the relay\n", encoding="utf-8")
    assert cli("grep", "no such text", "--section", "risks", check=False).returncode == 1
    assert json.loads(cli("grep", "relay", "--section", "risks", "--json").stdout)[0]["section"] == "Risks"


def test_grep_handles_unicode_and_regex_syntax(cli, repo):
    cli("create", "s1")
    cli("add", "-s", "s1", "learning", "Café déjà vu — naïve résumé")
    assert json.loads(cli("grep", "déjà", "--json").stdout)[0]["session"] == "s1"
    assert json.loads(cli("grep", r"na.ve\s+r", "--json").stdout)[0]["session"] == "s1"
    assert json.loads(cli("grep", "CAFÉ", "-i", "--json").stdout)[0]["session"] == "s1"


def test_list_and_show(cli, repo):
    _two_sessions(cli)
    cli("update", "-s", "beta", "--status", "testing", "--progress", "30")
    rows = json.loads(cli("list", "--json").stdout)
    assert [r["id"] for r in rows][0] == "beta" and {r["id"] for r in rows} == {"alpha", "beta"}
    assert json.loads(cli("list", "--status", "testing", "--json").stdout)[0]["progress"] == 30
    assert {r["id"] for r in json.loads(cli("list", "--all", "--json").stdout)} == {"alpha", "beta", "gamma"}
    plain = cli("list", "--all").stdout.splitlines()
    assert plain[0].split() == ["ID", "ROLE", "STATUS", "PROGRESS", "UPDATED", "WHERE"]
    assert any(line.startswith("gamma") and "archived 2026-01-02" in line for line in plain)
    shown = json.loads(cli("show", "gamma", "--json").stdout)
    assert shown["archived"] and shown["meta"]["status"] == "done"
    blockers = cli("show", "alpha", "--section", "blockers").stdout
    assert blockers.startswith("## Blockers & Issues") and "TLS 1.0" in blockers
    events = cli("show", "alpha", "--events").stdout
    assert "add-blocker Email relay rejects TLS 1.0" in events and "↳ line" in events


def test_edit_opens_the_editor_and_checks_the_result(cli, repo, tmp_path):
    cli("create", "s1")
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "\\nHand-written note\\n" >> "$1"\n', encoding="utf-8")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    cli("edit", "s1", EDITOR=str(editor))
    assert (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8").endswith("Hand-written note\n")
    breaker = tmp_path / "breaker.sh"
    breaker.write_text('#!/bin/sh\nprintf "no frontmatter\\n" > "$1"\n', encoding="utf-8")
    breaker.chmod(breaker.stat().st_mode | stat.S_IEXEC)
    broken = cli("edit", "s1", EDITOR=str(breaker), check=False)
    assert broken.returncode == 1 and "s1.md: not adopted yet, it has no frontmatter" in broken.stdout  # what check says, exit 1
    assert broken.stderr.count("\n") == 1 and "the file is kept as you saved it" in broken.stderr
    assert (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8") == "no frontmatter\n"
    unset = cli("edit", "s1", check=False)
    assert unset.returncode == 2
    assert unset.stderr.strip().endswith("set $VISUAL or $EDITOR (or 'editor' in .journal.toml) to choose an editor")
    # the configured editor, when neither variable is set
    (repo / ".journal.toml").write_text(f'editor = "{editor}"\n', encoding="utf-8")
    cli("create", "s2")
    cli("edit", "s2")
    assert (repo / "coordination/sessions/ACTIVE/s2.md").read_text(encoding="utf-8").endswith("Hand-written note\n")


def test_list_sees_a_same_size_edit_made_right_after_a_listing(cli, repo):
    cli("create", "s1")
    path = repo / "coordination/sessions/ACTIVE/s1.md"
    assert json.loads(cli("list", "--json").stdout)[0]["status"] == "planning"
    stat_before = path.stat()
    text = path.read_text(encoding="utf-8").replace("status: planning", "status: building")
    path.write_text(text.replace("progress: 0", "progress: 0"), encoding="utf-8")
    import os

    os.utime(path, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns))  # same size, same mtime
    assert path.stat().st_size == stat_before.st_size
    assert json.loads(cli("list", "--json").stdout)[0]["status"] == "building"


def test_grep_gives_the_same_hits_with_and_without_gnu_grep(cli, repo):
    cli("create", "s1")
    cli("add", "-s", "s1", "completed", "visited the café and ٣ items; Straße")
    # ("caf\\w" alone also matches the commit hash in the frontmatter about once in a hundred runs)
    for pattern, flags in (("caf\\w and", []), ("\\d items", []), ("café", []), ("CAFÉ", ["-i"]), ("straße", ["-i"]),
                           ("visited", []), ("VISITED", ["-i"])):
        with_grep = json.loads(cli("grep", pattern, "--json", *flags).stdout)
        without = json.loads(cli("grep", pattern, "--json", *flags, PATH="/nonexistent").stdout)
        assert with_grep == without and len(with_grep) == 1, pattern


def test_grep_chunks_long_file_lists():
    from journal.session.grep import _chunks

    files = [f"/w/coordination/sessions/ARCHIVE/session-{n:05d}-2026-01-01.md" for n in range(20_000)]
    chunks = _chunks(files, 2)
    assert sorted(f for c in chunks for f in c) == sorted(files)
    assert len(chunks) >= 2 and all(sum(len(f) + 1 for f in c) <= 100_000 for c in chunks)


def test_an_edit_that_removes_a_required_section_says_so_and_exits_1(cli, repo, tmp_path):
    cli("create", "s1")
    cutter = tmp_path / "cutter.sh"
    cutter.write_text("#!/bin/sh\nsed -i 's/^## Next Steps$/## Later/' \"$1\"\n", encoding="utf-8")
    cutter.chmod(cutter.stat().st_mode | stat.S_IEXEC)
    proc = cli("edit", "s1", EDITOR=str(cutter), check=False)
    assert proc.returncode == 1
    assert proc.stdout == "sessions/ACTIVE/s1.md: section '## Next Steps' is missing\n"
    assert "## Later" in (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8")  # the edit stays
