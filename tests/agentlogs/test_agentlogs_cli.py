"""`journal logs …` through the CLI: link, summary, tools, list, discover, refresh."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import run

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "agent_logs"
DATA = Path(__file__).resolve().parents[1] / "data" / "agentlogs"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"real agent-log samples not found at {FIXTURES}")


def session_text(repo: Path) -> str:
    return (repo / "coordination" / "sessions" / "ACTIVE" / "s1.md").read_text(encoding="utf-8")


def machine_logs(repo: Path) -> list[dict]:
    import yaml

    text = session_text(repo)
    return yaml.safe_load(text.split("---")[1])["machine_logs"]


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run through main(), the single exit point: exit 2, nothing on stdout, one line on stderr; that line."""
    from journal.cli.main import main

    capsys.readouterr()
    assert main(list(args)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("journal: error: "), captured.err
    return lines[0]


@needs_fixtures
def test_link_writes_frontmatter_and_section_and_relinks(proj: Path) -> None:
    log = proj / "logs" / "spotter_short.jsonl"
    shutil.copy(FIXTURES / "claude_code/spotter_short.jsonl", log)
    code, out = run("logs", "link", "logs/spotter_short.jsonl", "-s", "s1")
    assert code == 0, out
    entries = machine_logs(proj)
    assert len(entries) == 1
    e = entries[0]
    assert e["path"] == "logs/spotter_short.jsonl" and e["format"] == "claude-code"
    assert e["provider_session_id"] == "55604662-cf2a-4331-851a-ec234028f8ca"
    assert e["size"] == e["offset"] == log.stat().st_size
    assert {k: e["summary"][k] for k in ("turns", "tools", "errors", "tokens_in", "tokens_out")} == {
        "turns": 1, "tools": 2, "errors": 2, "tokens_in": 3, "tokens_out": 13}
    text = session_text(proj)
    section = text.split("## Machine Logs", 1)[1]
    assert "- **claude-code** [spotter\\_short.jsonl](../../../logs/spotter_short.jsonl) — 1 turn, 2 tool calls (2 failed)" in section
    # linking again refreshes the one entry, adds no second one
    assert run("logs", "link", str(log), "-s", "s1")[0] == 0
    assert len(machine_logs(proj)) == 1
    assert session_text(proj).count("spotter\\_short.jsonl](") == 1


def test_link_outside_repo_and_backfill_counted_once(proj: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "w-2222.jsonl"
    outside.parent.mkdir()
    shutil.copy(DATA / "zag/w-2222-backfill.jsonl", outside)
    before = outside.read_bytes(), outside.stat().st_mtime_ns
    if FIXTURES.is_dir():
        shutil.copy(FIXTURES / "claude_code/spotter_short.jsonl", proj / "logs" / "main.jsonl")
        assert run("logs", "link", "logs/main.jsonl", "-s", "s1")[0] == 0
    code, out = run("logs", "link", str(outside), "-s", "s1", "--format", "zag")
    assert code == 0, out
    assert (outside.read_bytes(), outside.stat().st_mtime_ns) == before  # never written to
    entry = [e for e in machine_logs(proj) if e["format"] == "zag"][0]
    assert entry["path"] == str(outside.resolve())
    if FIXTURES.is_dir():
        assert "not counted twice" in session_text(proj)


def test_link_errors_are_one_line(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "logs/missing.jsonl does not exist" in refused(capsys, "logs", "link", "logs/missing.jsonl", "-s", "s1")
    shutil.copy(DATA / "unknown.jsonl", proj / "logs" / "u.jsonl")
    assert "cannot tell the format of logs/u.jsonl" in refused(capsys, "logs", "link", "logs/u.jsonl", "-s", "s1")
    assert "machine_logs" not in session_text(proj)
    assert "unknown log format 'bogus'" in refused(capsys, "logs", "summary", "logs/u.jsonl", "--format", "bogus")


def test_summary_json_and_text(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("logs", "summary", str(DATA / "zag/w-1111.jsonl"), "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["user_turns"], data["tool_calls"], data["tool_failures"], data["cost_usd"]) == (1, 2, 1, 0.0425)
    assert data["tokens_in"] == 1200 and data["skipped"] == 1
    code, out = run("logs", "summary", str(DATA / "massgen/flat"))
    assert code == 0
    assert "Compare two sorting algorithms" in out and "agent_b" in out and "Votes" in out


@needs_fixtures
def test_summary_of_session_logs(proj: Path) -> None:
    shutil.copy(FIXTURES / "copilot_cli/lantern_049410b4_events.jsonl", proj / "logs" / "events.jsonl")
    assert run("logs", "link", "logs/events.jsonl", "-s", "s1")[0] == 0
    code, out = run("logs", "summary", "-s", "s1", "--json")
    assert code == 0
    [s] = json.loads(out)
    assert (s["format"], s["tool_failures"], s["tokens_out"]) == ("copilot", 2, 978)


@needs_fixtures
def test_tools_table_sorted_with_total(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "gemini/vct_gemini_session.jsonl")
    code, out = run("logs", "tools", path, "--sort", "calls", "--json")
    assert code == 0
    data = json.loads(out)
    assert [(r["tool"], r["calls"]) for r in data["tools"]] == [
        ("read_file", 7), ("update_topic", 3), ("write_file", 1), ("replace", 1)]
    assert data["total"]["calls"] == 12 and data["total"]["failures"] == 0
    code, out = run("logs", "tools", str(FIXTURES / "claude_code/spotter_short.jsonl"), "--sort", "failures")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:4] == ["Tool", "Kind", "Calls", "Time"]
    assert lines[-1].split()[0] == "TOTAL" and lines[-1].split()[1] == "2"
    assert "--sort must be one of calls, time, failures" in refused(capsys, "logs", "tools", path, "--sort", "size")


def test_list_newest_first(proj: Path) -> None:
    for name in ("zag/w-1111.jsonl", "codex_legacy.jsonl", "gemini_rewind.jsonl"):
        shutil.copy(DATA / name, proj / "logs" / Path(name).name)
        assert run("logs", "link", f"logs/{Path(name).name}", "-s", "s1")[0] == 0
    code, out = run("logs", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    # ends: zag 2026-11-20, gemini 2026-01-01, codex legacy 2025-05-01
    assert [r["format"] for r in rows] == ["zag", "gemini", "codex"]
    assert rows[0]["session"] == "s1" and rows[0]["summary"]["cost_usd"] == 0.0425
    code, out = run("logs", "list", "--limit", "1")
    assert code == 0 and "w-1111.jsonl" in out and "codex_legacy" not in out


@needs_fixtures
def test_refresh_reads_from_saved_offset(proj: Path) -> None:
    full = (FIXTURES / "claude_code/spotter_tool_heavy.jsonl").read_bytes()
    lines = full.splitlines(keepends=True)
    log = proj / "logs" / "live.jsonl"
    log.write_bytes(b"".join(lines[:12]))
    assert run("logs", "link", "logs/live.jsonl", "-s", "s1")[0] == 0
    first = machine_logs(proj)[0]
    assert first["offset"] == log.stat().st_size and first["summary"]["tools"] == 1  # lines 1-12 hold one tool_use (Bash)
    rest = b"".join(lines[12:])
    with open(log, "ab") as f:
        f.write(rest)
    code, out = run("logs", "refresh", "-s", "s1", "--json")
    assert code == 0, out
    [entry] = json.loads(out)["s1"]
    assert entry["offset"] == len(full)
    assert entry["summary"]["tools"] == 6 and entry["summary"]["turns"] == 2
    from journal.session import machine_logs as linking
    from journal.workspace import Workspace

    ws = Workspace.open(proj / "coordination")
    s = linking.summarize_incremental(ws, log)  # nothing new: reads no bytes
    assert s.bytes_read == 0 and s.tool_calls == 6
    assert "6 tool calls" in session_text(proj)
    assert run("logs", "refresh", "--all")[0] == 0


def _write(path: Path, recs: list[dict], mtime: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def test_discover_and_attach_from_fake_homes(proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "fakehome"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codexhome"))
    monkeypatch.setenv("COPILOT_HOME", str(tmp_path / "copilothome"))
    monkeypatch.setenv("ZAG_USER_LOG_DIR", str(tmp_path / "zaghome"))
    monkeypatch.setenv("GEMINI_CLI_HOME", str(tmp_path / "geminihome"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    repo = str(proj.resolve())
    now = datetime.now(timezone.utc)
    ts = (now + timedelta(seconds=5)).isoformat().replace("+00:00", "Z")
    claude_rec = {"type": "user", "sessionId": "c1", "cwd": repo + "/src", "timestamp": ts, "uuid": "u",
                  "message": {"role": "user", "content": "hi"}}
    # belongs: Claude (folder name deliberately unrelated), Codex, zag, Gemini (by project hash)
    _write(home / ".claude/projects/-not-the-name/c1.jsonl", [claude_rec])
    _write(tmp_path / "codexhome/sessions/2026/11/21/rollout-x.jsonl",
           [{"timestamp": ts, "type": "session_meta", "payload": {"id": "cx", "cwd": repo}}])
    _write(tmp_path / "zaghome/projects/p/logs/sessions/w.jsonl",
           [{"seq": 1, "ts": ts, "provider": "codex", "wrapper_session_id": "w", "source_kind": "wrapper",
             "completeness": "full", "type": "session_started", "cwd": repo}])
    ghash = hashlib.sha256(repo.encode()).hexdigest()
    _write(tmp_path / f"geminihome/.gemini/tmp/{ghash}/chats/session-1.jsonl",
           [{"sessionId": "g", "projectHash": ghash, "startTime": ts, "lastUpdated": ts, "kind": "main"}])
    # does not belong: another repo's cwd; a folder named like this repo; an old log
    _write(tmp_path / "copilothome/session-state/abc/events.jsonl",
           [{"type": "session.start", "timestamp": ts, "data": {"sessionId": "abc", "context": {"cwd": "/elsewhere"}}}])
    _write(home / (".claude/projects/" + repo.replace("/", "-") + "/other.jsonl"),
           [dict(claude_rec, cwd="/some/other/repo", sessionId="c2")])
    old = (now - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    _write(home / ".claude/projects/-x/old.jsonl", [dict(claude_rec, timestamp=old, sessionId="c3")],
           mtime=(now - timedelta(days=30)).timestamp())
    code, out = run("logs", "discover", "-s", "s1", "--json")
    assert code == 0, out
    found = sorted((r["format"], Path(r["path"]).name) for r in json.loads(out))
    assert found == [("claude-code", "c1.jsonl"), ("codex", "rollout-x.jsonl"),
                     ("gemini", "session-1.jsonl"), ("zag", "w.jsonl")]
    code, out = run("logs", "discover", "-s", "s1", "--since", (now - timedelta(days=60)).date().isoformat(), "--json")
    assert code == 0, out
    assert "old.jsonl" in out
    code, out = run("logs", "discover", "-s", "s1", "--attach")
    assert code == 0, out
    assert sorted(e["format"] for e in machine_logs(proj)) == ["claude-code", "codex", "gemini", "zag"]
    assert "--since 'yesterday-ish' is not an ISO date" in refused(capsys, "logs", "discover", "--since", "yesterday-ish")
