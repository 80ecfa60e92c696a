"""Linking logs safely: hostile file names, hand edits kept, archived sessions, time zones in discovery."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journal.session import machine_logs as linking
from journal.agentlogs.discover import Found, discover, overlaps
from journal.cli.main import app, main
from conftest import run

OPEN, CLOSE = linking.OPEN, linking.CLOSE


def session_file(repo: Path) -> Path:
    return repo / "coordination" / "sessions" / "ACTIVE" / "s1.md"


def claude_log(path: Path, cwd: str = "/x", ts: str | None = None, text: str = "hi") -> Path:
    ts = ts or datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    rec = {"type": "user", "sessionId": "c1", "cwd": cwd, "timestamp": ts, "uuid": "u",
           "message": {"role": "user", "content": text}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return path


def workspace() -> object:
    from journal.workspace import Workspace

    return Workspace.open(None)


# ---- 1. file names -------------------------------------------------------------------
def test_control_characters_in_a_log_path_are_refused(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = claude_log(proj / "logs" / "evil\n## Forged heading\n<!--.jsonl")
    before = session_file(proj).read_bytes()
    assert main(["logs", "link", str(evil), "-s", "s1", "--format", "claude-code"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "control character" in err
    assert session_file(proj).read_bytes() == before
    assert "Forged heading" not in session_file(proj).read_text(encoding="utf-8")


def test_display_name_escaped_and_target_percent_encoded(proj: Path) -> None:
    log = claude_log(proj / "logs" / "a [b](x)_*`<c> #1.jsonl")
    code, out = run("logs", "link", str(log), "-s", "s1", "--format", "claude-code")
    assert code == 0, out
    text = session_file(proj).read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("- **claude-code**"))
    assert "[a \\[b\\](x)\\_\\*\\`&lt;c&gt; #1.jsonl](../../../logs/a%20%5Bb%5D%28x%29_%2A%60%3Cc%3E%20%231.jsonl)" in line


def test_a_stored_path_with_a_newline_cannot_open_a_heading(proj: Path) -> None:
    ws = workspace()
    entry = {"path": "logs/evil\n## Forged\n<!--.jsonl", "format": "claude-code", "summary": {"turns": 1}}
    lines = linking.section_lines(ws, session_file(proj), [entry, dict(entry, path="/abs/`x`\n# H1")], "\n")
    joined = "".join(lines)
    assert len(joined.split("\n")) == 5  # two entries, a blank line, the total, and the end
    assert not any(ln.startswith("#") for ln in joined.split("\n"))
    assert "%0A" in joined and "<!--" not in joined and "`x`" not in joined


def test_discover_attach_skips_and_reports_unsafe_names(proj: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "fakehome"
    monkeypatch.setenv("HOME", str(home))
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "COPILOT_HOME", "ZAG_USER_LOG_DIR", "GEMINI_CLI_HOME"):
        monkeypatch.delenv(var, raising=False)
    ts = (datetime.now(timezone.utc) + timedelta(seconds=5)).isoformat()
    claude_log(home / ".claude/projects/-p/good.jsonl", str(proj.resolve()), ts)
    claude_log(home / ".claude/projects/-p/evil\n## Forged\n.jsonl", str(proj.resolve()), ts)
    r = CliRunner().invoke(app, ["logs", "discover", "-s", "s1", "--attach"])
    assert r.exit_code == 0, r.output
    assert "attached claude-code" in r.stdout and "good.jsonl" in r.stdout
    assert "skipped claude-code" in r.stderr and "control character" in r.stderr
    text = session_file(proj).read_text(encoding="utf-8")
    assert "good.jsonl" in text and "## Forged" not in text


# ---- 2. hand edits under ## Machine Logs ---------------------------------------------
ABOVE = "Notes by hand: the *first* run was a dry run.\n"
BELOW = "\nAnd one more paragraph, below the list.\n"


def test_hand_edits_around_the_list_survive_link_and_refresh(proj: Path) -> None:
    a = claude_log(proj / "logs" / "a.jsonl")
    b = claude_log(proj / "logs" / "b.jsonl")
    assert run("logs", "link", str(a), "-s", "s1")[0] == 0
    path = session_file(proj)
    text = path.read_text(encoding="utf-8")
    assert text.count(OPEN) == text.count(CLOSE) == 1
    text = text.replace(OPEN, ABOVE + "\n" + OPEN).replace(CLOSE + "\n", CLOSE + "\n" + BELOW)
    path.write_text(text, encoding="utf-8")
    head, tail = text.split(OPEN)[0], text.split(CLOSE)[1]
    assert run("logs", "link", str(b), "-s", "s1")[0] == 0
    assert run("logs", "link", str(a), "-s", "s1")[0] == 0
    claude_log(a, text="more")
    assert run("logs", "refresh", "-s", "s1")[0] == 0
    after = path.read_text(encoding="utf-8")
    assert after.split("## Machine Logs")[1].split(OPEN)[0] == head.split("## Machine Logs")[1]
    assert after.split(CLOSE)[1] == tail
    generated = after.split(OPEN)[1].split(CLOSE)[0]
    assert generated.count("a.jsonl](") == 1 and generated.count("b.jsonl](") == 1 and "Total:" in generated


def test_section_without_markers_keeps_its_text(proj: Path) -> None:
    path = session_file(proj)
    hand = "## Machine Logs\n\nWritten before the markers existed.\n"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + hand, encoding="utf-8")
    assert run("logs", "link", str(claude_log(proj / "logs" / "a.jsonl")), "-s", "s1")[0] == 0
    text = path.read_text(encoding="utf-8")
    assert hand + "\n" + OPEN + "\n- **claude-code** [a.jsonl]" in text
    assert text.rstrip("\n").endswith(CLOSE)


def test_unmarked_generated_list_is_replaced_not_repeated(proj: Path) -> None:
    path = session_file(proj)
    old = "## Machine Logs\n\n- **claude-code** [a.jsonl](../../../logs/a.jsonl) — 1 turn, 0 tool calls\n"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + old, encoding="utf-8")
    assert run("logs", "link", str(claude_log(proj / "logs" / "a.jsonl")), "-s", "s1")[0] == 0
    text = path.read_text(encoding="utf-8")
    assert text.count("[a.jsonl]") == 1 and text.count(OPEN) == 1


# ---- 3. archived sessions ---------------------------------------------------------------
def test_linking_to_an_archived_session_is_refused_up_front(proj: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from journal.errors import InvalidInput
    from journal.session.store import archive_session

    ws = workspace()
    archive_session(ws, "s1")
    log = claude_log(proj / "logs" / "a.jsonl")

    def no_read(*a: object, **k: object) -> None:
        raise AssertionError("the log was read")

    monkeypatch.setattr(linking, "summarize_incremental", no_read)
    with pytest.raises(InvalidInput, match="session s1 is archived; restore it to link logs"):
        linking.link(ws, "s1", log)
    with pytest.raises(InvalidInput, match="is archived"):
        linking.refresh(ws, "s1")
    assert main(["logs", "link", str(log), "-s", "s1"]) == 2
    assert capsys.readouterr().err.strip() == "journal: error: session s1 is archived; restore it to link logs"


# ---- 4. time zones in discovery ---------------------------------------------------------
def test_overlaps_compares_naive_and_aware_times() -> None:
    f = Found(Path("x"), "claude-code", None, "2026-01-02T10:00:00", "2026-01-02T12:00:00+00:00")
    assert overlaps(f, datetime(2026, 1, 2, 11), None)
    assert not overlaps(f, datetime(2026, 1, 3), None)
    assert not overlaps(f, None, datetime(2026, 1, 1))
    assert overlaps(f, datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 2, 11))


def test_discover_log_without_time_zone(proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "fakehome"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    naive = datetime.now(timezone.utc).replace(tzinfo=None)
    log = claude_log(home / ".claude/projects/-p/n.jsonl", str(proj.resolve()), naive.isoformat())
    os.utime(log, (naive.timestamp(), naive.timestamp()))
    found = discover(proj, naive - timedelta(days=1), naive + timedelta(days=1))
    assert [f.path.name for f in found] == ["n.jsonl"]
    assert discover(proj, naive + timedelta(days=2)) == []
