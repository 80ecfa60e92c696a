"""Files journal writes outside its workspace for agent CLIs: hook settings and instruction
files, merged in place, idempotent, and never written through a symlink."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from journal.agentsetup import BLOCK_END, BLOCK_START, export_session, instruction_block, merge_block
from journal.cli.main import main
from journal.hooks import HOOK_EVENTS, MARK

HOOKS = Path(__file__).parent / "data" / "hooks"
SETTINGS = {"claude-code": ".claude/settings.json", "codex": ".codex/hooks.json",
            "gemini": ".gemini/settings.json", "copilot": ".github/hooks/journal.json"}


@pytest.fixture
def project(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    monkeypatch.delenv("COPILOT_HOME", raising=False)
    return repo


def outcome(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def handlers(cli: str, doc: dict) -> dict[str, list[str]]:
    """Commands per event in a settings document."""
    out: dict[str, list[str]] = {}
    for event, entries in doc.get("hooks", {}).items():
        if not isinstance(entries, list):
            continue
        for entry in entries:
            items = [entry] if cli == "copilot" else entry.get("hooks", [])
            out.setdefault(event, []).extend(h.get("command") or h.get("bash") or json.dumps(h) for h in items)
    return out


@pytest.mark.parametrize("cli", sorted(SETTINGS))
def test_install_merges_into_a_real_settings_file_and_a_second_run_changes_nothing(
        project: Path, cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = project / SETTINGS[cli]
    target.parent.mkdir(parents=True)
    shutil.copy(HOOKS / cli / "settings-existing.json", target)
    original = target.read_bytes()
    theirs = handlers(cli, json.loads(original))
    code, out, err = outcome(capsys, "hook", "install", cli)
    assert (code, err) == (0, "") and f"installed journal's hooks in {target}" in out
    installed = target.read_bytes()
    doc = json.loads(installed)
    mine = {e: [c for c in cs if c.endswith(MARK)] for e, cs in handlers(cli, doc).items()}
    assert sorted(e for e, cs in mine.items() if cs) == sorted(HOOK_EVENTS[cli])
    assert all(cs == [f"journal hook {cli} {MARK}"] for cs in mine.values() if cs)
    for event, commands in theirs.items():  # every other hook is still there
        assert [c for c in handlers(cli, doc)[event] if not c.endswith(MARK)] == commands
    code, out, _ = outcome(capsys, "hook", "install", cli)
    assert code == 0 and "already up to date, nothing changed" in out
    assert target.read_bytes() == installed
    code, out, _ = outcome(capsys, "hook", "install", cli, "--uninstall")
    assert code == 0 and "removed journal's hooks" in out
    assert target.read_bytes() == original


def test_install_into_user_settings_and_a_custom_command(project: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = outcome(capsys, "hook", "install", "claude-code", "--user", "--json",
                           "--command", "/opt/venv/bin/journal hook claude-code")
    result = json.loads(out)
    path = tmp_path / "home" / ".claude" / "settings.json"
    assert code == 0 and result["path"] == str(path) and result["created"] and result["changed"]
    doc = json.loads(path.read_text())
    assert doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == f"/opt/venv/bin/journal hook claude-code {MARK}"
    assert not (project / ".claude").exists()


def test_install_refuses_bad_input_and_changes_nothing(project: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert outcome(capsys, "hook", "install", "vim") == (
        2, "", "journal: error: unknown agent CLI 'vim': use one of claude-code, codex, gemini, copilot\n")
    assert outcome(capsys, "hook", "install", "codex", "--project", "--user")[0] == 2
    broken = project / ".gemini" / "settings.json"
    broken.parent.mkdir()
    broken.write_text('{"hooks": [1, 2]}\n')
    code, out, err = outcome(capsys, "hook", "install", "gemini")
    assert (code, out) == (2, "") and err.startswith("journal: error: 'hooks' in the gemini settings file is not an object")
    assert broken.read_text() == '{"hooks": [1, 2]}\n'


def test_install_never_writes_through_a_symlink(project: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}\n")
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.json").symlink_to(elsewhere)
    code, out, err = outcome(capsys, "hook", "install", "claude-code")
    assert (code, out) == (2, "")
    assert err == f"journal: error: refusing to write through the symlink {project / '.claude' / 'settings.json'}\n"
    assert elsewhere.read_text() == "{}\n"
    linked_dir = tmp_path / "real-codex"
    linked_dir.mkdir()
    (project / ".codex").symlink_to(linked_dir)
    code, _, err = outcome(capsys, "hook", "install", "codex")
    assert code == 2 and err == f"journal: error: refusing to write through the symlink {project / '.codex'}\n"
    assert list(linked_dir.iterdir()) == []


# -- instruction files ---------------------------------------------------------------------
def test_init_writes_the_block_into_every_instruction_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "CLAUDE.md").write_text("# House rules\n\nRun the tests before pushing.\n", encoding="utf-8")
    code, out, err = outcome(capsys, "init", "--agent-instructions", "claude,agents,gemini,copilot")
    assert (code, err) == (0, "")
    assert (project / "coordination" / "sessions" / "ACTIVE").is_dir()
    for name in ("AGENTS.md", "GEMINI.md", ".github/copilot-instructions.md"):
        assert (project / name).read_text(encoding="utf-8") == instruction_block()
        assert f"wrote {project / name}" in out
    claude = (project / "CLAUDE.md").read_text(encoding="utf-8")
    assert claude == "# House rules\n\nRun the tests before pushing.\n\n" + instruction_block()
    assert "MCP tools" in claude and "--json" in claude and "$JOURNAL_SESSION" in claude
    before = {p: (project / p).read_bytes() for p in ("CLAUDE.md", "AGENTS.md")}
    code, out, _ = outcome(capsys, "init", "--agent-instructions", "claude,agents")
    assert code == 0 and f"up to date: {project / 'CLAUDE.md'}" in out
    assert {p: (project / p).read_bytes() for p in before} == before


def test_rerunning_updates_the_block_in_place_and_keeps_every_other_byte(project: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    head = "# Agents\r\n\r\nStyle: small commits.\r\n\r\n"
    tail = "\r\n## Release\r\n\r\nTag with `make tag`.   \r\n"
    old = f"{BLOCK_START}\r\nold advice\r\n{BLOCK_END}\r\n"
    (project / "AGENTS.md").write_bytes((head + old + tail).encode())
    code, out, _ = outcome(capsys, "init", "--agent-instructions", "agents")
    assert code == 0 and f"updated the journal block in {project / 'AGENTS.md'}" in out
    text = (project / "AGENTS.md").read_bytes().decode()
    assert text == head + instruction_block("\r\n") + tail
    assert "old advice" not in text


def test_merge_block_keeps_a_file_without_final_newline() -> None:
    merged = merge_block("notes", "AGENTS.md")
    assert merged == "notes\n\n" + instruction_block()
    assert merge_block(merged, "AGENTS.md") == merged


@pytest.mark.parametrize("text", [f"{BLOCK_START}\nno end\n", f"{BLOCK_END}\n{BLOCK_START}\n",
                                  f"{BLOCK_START}\n{BLOCK_END}\n{BLOCK_START}\n{BLOCK_END}\n"])
def test_broken_markers_are_an_error_and_nothing_is_written(project: Path, text: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    (project / "GEMINI.md").write_text(text, encoding="utf-8")
    code, out, err = outcome(capsys, "init", "--agent-instructions", "claude,gemini")
    assert (code, out) == (2, "") and "journal's instruction block markers are broken" in err
    assert err.count("\n") == 1
    assert (project / "GEMINI.md").read_text(encoding="utf-8") == text
    assert not (project / "CLAUDE.md").exists() and not (project / "coordination").exists()


def test_instruction_files_are_never_written_through_a_symlink(project: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "shared-claude.md"
    target.write_text("shared\n")
    (project / "CLAUDE.md").symlink_to(target)
    code, out, err = outcome(capsys, "init", "--agent-instructions", "agents,claude")
    assert (code, out) == (2, "")
    assert err == f"journal: error: refusing to write through the symlink {project / 'CLAUDE.md'}\n"
    assert target.read_text() == "shared\n" and not (project / "AGENTS.md").exists()


def test_unknown_instruction_file_names_are_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert outcome(capsys, "init", "--agent-instructions", "claude,cursor") == (
        2, "", "journal: error: unknown instruction file 'cursor': use claude, agents, gemini, copilot or all\n")
    assert not (project / "coordination").exists()


def test_agents_md_prints_the_block(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = outcome(capsys, "agents-md")
    assert (code, err) == (0, "") and out == instruction_block()
    assert out.startswith(BLOCK_START) and out.rstrip("\n").endswith(BLOCK_END)


def test_the_session_is_exported_once_to_claude_codes_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    assert export_session(str(env_file), "s1") is True
    assert export_session(str(env_file), "s1") is False
    assert export_session(str(env_file), "s2") is True
    assert env_file.read_text() == "export JOURNAL_SESSION=s1\nexport JOURNAL_SESSION=s2\n"
    link = tmp_path / "link"
    link.symlink_to(env_file)
    from journal.errors import InvalidInput

    with pytest.raises(InvalidInput, match="refusing to write through the symlink"):
        export_session(str(link), "s3")
