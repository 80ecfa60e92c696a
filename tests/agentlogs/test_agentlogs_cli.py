"""`journal logs …` through the CLI: link, summary, tools, list, discover, refresh.

Tests that read a sample run on the own ones and, when ../shared/fixtures/agent_logs
exists, on the real ones too (agentlog_samples.py has both sets and their hand counts).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from agentlog_samples import CLAUDE_MAIN, CLAUDE_SID, CODEX_B, COUNTS, cases, own, path
from conftest import run


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


def short(src: str, name: str) -> dict[str, int]:
    """The frontmatter figures of a sample, from its hand counts."""
    c = COUNTS[src][name]
    return {"turns": c["user_turns"], "tools": sum(n for n, _ in c["tools"].values()), "errors": c["errors"],
            "input": c["input"], "output": c["output"],
            "total": c["input"] + c["cache_read"] + c["cache_write"] + c["output"]}


# sample -> (its name under logs/, the start of its line in the Machine Logs section)
LINKED = {
    "own": {CLAUDE_MAIN: ("cart_fix.jsonl", ("- **claude-code** [cart\\_fix.jsonl](../../../logs/cart_fix.jsonl)"
                                             " — 2 turns, 8 tool calls (1 failed), 198.6k tokens (197.3k in / 1.3k out),"
                                             " ~$0.22 (estimate), 2m 47s"))},
    "real": {"claude_code/spotter_short.jsonl": (
        "spotter_short.jsonl", ("- **claude-code** [spotter\\_short.jsonl](../../../logs/spotter_short.jsonl)"
                                " — 1 turn, 2 tool calls (2 failed)"))},
}


@pytest.mark.parametrize("src,name", cases(LINKED["own"], LINKED["real"]))
def test_link_writes_frontmatter_and_section_and_relinks(proj: Path, src: str, name: str) -> None:
    dest, line = LINKED[src][name]
    log = proj / "logs" / dest
    shutil.copy(path(src, name), log)
    code, out = run("logs", "link", f"logs/{dest}", "-s", "s1")
    assert code == 0, out
    entries = machine_logs(proj)
    assert len(entries) == 1
    e = entries[0]
    assert e["path"] == f"logs/{dest}" and e["format"] == "claude-code"
    assert e["provider_session_id"] == COUNTS[src][name]["provider_session_id"]
    assert e["size"] == e["offset"] == log.stat().st_size
    assert {k: e["summary"][k] for k in ("turns", "tools", "errors", "input", "output", "total")} == short(src, name)
    assert e["summary"]["figures"] == 2 and e["summary"]["cost_usd"] is not None
    # the names of the earlier release, for one release
    assert (e["summary"]["tokens_in"], e["summary"]["tokens_out"]) == (short(src, name)["input"], short(src, name)["output"])
    section = session_text(proj).split("## Machine Logs", 1)[1]
    assert line in section
    # linking again refreshes the one entry, adds no second one
    assert run("logs", "link", str(log), "-s", "s1")[0] == 0
    assert len(machine_logs(proj)) == 1
    assert session_text(proj).count(dest.replace("_", "\\_") + "](") == 1


@pytest.mark.parametrize("src,name", cases([CLAUDE_MAIN], ["claude_code/spotter_short.jsonl"]))
def test_link_outside_repo_and_backfill_counted_once(proj: Path, tmp_path: Path, src: str, name: str) -> None:
    """A zag backfill of a linked Claude Code log is listed but not counted twice."""
    sid = COUNTS[src][name]["provider_session_id"]
    outside = tmp_path / "elsewhere" / "w-2222.jsonl"
    outside.parent.mkdir()
    # the own backfill restates the own Claude Code session; for a real one it is pointed there
    outside.write_bytes(own("zag/w-2222-backfill.jsonl").read_bytes().replace(CLAUDE_SID.encode(), sid.encode()))
    before = outside.read_bytes(), outside.stat().st_mtime_ns
    shutil.copy(path(src, name), proj / "logs" / "main.jsonl")
    assert run("logs", "link", "logs/main.jsonl", "-s", "s1")[0] == 0
    code, out = run("logs", "link", str(outside), "-s", "s1", "--format", "zag")
    assert code == 0, out
    assert (outside.read_bytes(), outside.stat().st_mtime_ns) == before  # never written to
    entry = [e for e in machine_logs(proj) if e["format"] == "zag"][0]
    assert entry["path"] == str(outside.resolve()) and entry["backfill_of"] == sid
    text = session_text(proj)
    assert "(backfill of main.jsonl; not counted twice)" in text
    assert "Total:" not in text  # only one log counted: no total line


def test_link_errors_are_one_line(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "logs/missing.jsonl does not exist" in refused(capsys, "logs", "link", "logs/missing.jsonl", "-s", "s1")
    shutil.copy(own("unknown.jsonl"), proj / "logs" / "u.jsonl")
    assert "cannot tell the format of logs/u.jsonl" in refused(capsys, "logs", "link", "logs/u.jsonl", "-s", "s1")
    assert "machine_logs" not in session_text(proj)
    assert "unknown log format 'bogus'" in refused(capsys, "logs", "summary", "logs/u.jsonl", "--format", "bogus")


def test_summary_json_and_text(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("logs", "summary", str(own("zag/w-1111.jsonl")), "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["user_turns"], data["tool_calls"], data["tool_failures"], data["cost_usd"]) == (1, 2, 1, 0.0425)
    assert data["cost"] == {"usd": 0.0425, "estimated": False, "source": "log", "unpriced": [],
                            "by_model": {"claude-sonnet-4-5": 0.0425}, "notes": []}
    assert data["tokens"] == {"input": 1200, "cache_read": 5000, "cache_write": 800, "cache_write_1h": 0, "output": 300,
                              "reasoning": 0, "total": 7300}
    assert data["raw"] == {"input_tokens": 1200, "output_tokens": 300, "cache_read_tokens": 5000,
                           "cache_creation_tokens": 800}
    assert data["tokens_in"] == 1200 and data["tokens_out"] == 300 and data["skipped"] == 1  # the old names
    code, out = run("logs", "summary", str(own("massgen/flat")))
    assert code == 0
    assert "Compare two sorting algorithms" in out and "agent_b" in out and "Votes" in out


def json_figures(d: dict[str, Any]) -> dict[str, Any]:
    """``logs summary --json`` output in the shape of the hand-count tables."""
    return dict(d, **{k: v for k, v in d["tokens"].items() if k != "cache_write_1h"},
                tools={n: (t["calls"], t["failures"]) for n, t in d["tools"].items()}, kinds=d["tools_by_kind"],
                tool_time_ms={n: round(t["time_ms"], 1) for n, t in d["tools"].items() if t["timed"]})


JSON_OWN = [CLAUDE_MAIN, "codex_rollout.jsonl", "gemini_session.jsonl", "copilot_events.jsonl",
            "native_session.jsonl", "massgen/flat"]
JSON_REAL = ["claude_code/spotter_tool_heavy.jsonl", CODEX_B, "gemini/vct_gemini_session.jsonl"]


@pytest.mark.parametrize("src,name", cases(JSON_OWN, JSON_REAL))
def test_summary_json_matches_hand_counts(proj: Path, src: str, name: str) -> None:
    code, out = run("logs", "summary", str(path(src, name)), "--json")
    assert code == 0, out
    got = json_figures(json.loads(out))
    exp = COUNTS[src][name]
    assert {k: got[k] for k in exp} == exp


@pytest.mark.parametrize("src,name", cases(["copilot_events.jsonl"], ["copilot_cli/lantern_049410b4_events.jsonl"]))
def test_summary_of_session_logs(proj: Path, src: str, name: str) -> None:
    shutil.copy(path(src, name), proj / "logs" / "events.jsonl")
    assert run("logs", "link", "logs/events.jsonl", "-s", "s1")[0] == 0
    code, out = run("logs", "summary", "-s", "s1", "--json")
    assert code == 0
    [s] = json.loads(out)
    c = COUNTS[src][name]
    assert (s["format"], s["tool_failures"], s["tokens"]["output"]) == (
        "copilot", sum(f for _, f in c["tools"].values()), c["output"])


# sample -> tools by calls (Gemini records give no tool times: ties keep the log's order),
# total calls, total failures
TOOLS_JSON = {
    "own": {"gemini_session.jsonl": ([("replace", 2), ("run_shell_command", 2), ("read_file", 1)], 5, 2)},
    "real": {"gemini/vct_gemini_session.jsonl": (
        [("read_file", 7), ("update_topic", 3), ("write_file", 1), ("replace", 1)], 12, 0)},
}


@pytest.mark.parametrize("src,name", cases(TOOLS_JSON["own"], TOOLS_JSON["real"]))
def test_tools_json_sorted_with_total(proj: Path, capsys: pytest.CaptureFixture[str], src: str, name: str) -> None:
    rows, calls, failures = TOOLS_JSON[src][name]
    log = str(path(src, name))
    code, out = run("logs", "tools", log, "--sort", "calls", "--json")
    assert code == 0
    data = json.loads(out)
    assert [(r["tool"], r["calls"]) for r in data["tools"]] == rows
    assert data["total"]["calls"] == calls and data["total"]["failures"] == failures
    assert "--sort must be one of calls, time, failures" in refused(capsys, "logs", "tools", log, "--sort", "size")


# sample -> tools by failures, then calls (ties in the log's order); total calls and failures
TOOLS_TEXT = {
    "own": {CLAUDE_MAIN: (["Edit", "Bash", "Grep", "Read", "Task"], "8", "1")},
    "real": {"claude_code/spotter_short.jsonl": (["Bash", "Glob"], "2", "2")},
}


@pytest.mark.parametrize("src,name", cases(TOOLS_TEXT["own"], TOOLS_TEXT["real"]))
def test_tools_table_text(proj: Path, src: str, name: str) -> None:
    tools, calls, failures = TOOLS_TEXT[src][name]
    code, out = run("logs", "tools", str(path(src, name)), "--sort", "failures")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["Tool", "Kind", "Calls", "Time", "Avg", "Fail"]
    assert [ln.split()[0] for ln in lines[1:-1]] == tools
    total = lines[-1].split()
    assert (total[0], total[1], total[-1]) == ("TOTAL", calls, failures)


def test_list_newest_first(proj: Path) -> None:
    for name in ("zag/w-1111.jsonl", "codex_legacy.jsonl", "gemini_rewind.jsonl"):
        shutil.copy(own(name), proj / "logs" / Path(name).name)
        assert run("logs", "link", f"logs/{Path(name).name}", "-s", "s1")[0] == 0
    code, out = run("logs", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    # ends: zag 2026-11-20, gemini 2026-01-01, codex legacy 2025-05-01
    assert [r["format"] for r in rows] == ["zag", "gemini", "codex"]
    assert rows[0]["session"] == "s1" and rows[0]["summary"]["cost_usd"] == 0.0425
    code, out = run("logs", "list", "--limit", "1")
    assert code == 0 and "w-1111.jsonl" in out and "codex_legacy" not in out


# sample -> (lines linked first, tool calls in them, tool calls and turns in the whole log)
REFRESH = {"own": {CLAUDE_MAIN: (12, 3, 8, 2)},                              # lines 1-12: Grep, Read, Task
           "real": {"claude_code/spotter_tool_heavy.jsonl": (12, 1, 6, 2)}}  # lines 1-12: one Bash


@pytest.mark.parametrize("src,name", cases(REFRESH["own"], REFRESH["real"]))
def test_refresh_reads_from_saved_offset(proj: Path, src: str, name: str) -> None:
    n, head_tools, tools, turns = REFRESH[src][name]
    full = path(src, name).read_bytes()
    lines = full.splitlines(keepends=True)
    log = proj / "logs" / "live.jsonl"
    log.write_bytes(b"".join(lines[:n]))
    assert run("logs", "link", "logs/live.jsonl", "-s", "s1")[0] == 0
    first = machine_logs(proj)[0]
    assert first["offset"] == log.stat().st_size and first["summary"]["tools"] == head_tools
    rest = b"".join(lines[n:])
    with open(log, "ab") as f:
        f.write(rest)
    code, out = run("logs", "refresh", "-s", "s1", "--json")
    assert code == 0, out
    [entry] = json.loads(out)["s1"]
    assert entry["offset"] == len(full)
    assert entry["summary"]["tools"] == tools and entry["summary"]["turns"] == turns
    from journal.session import machine_logs as linking
    from journal.workspace import Workspace

    ws = Workspace.open(proj / "coordination")
    s = linking.summarize_incremental(ws, log)  # nothing new: reads no bytes
    assert s.bytes_read == 0 and s.tool_calls == tools
    assert f"{tools} tool calls" in session_text(proj)
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
    assert "cannot read --since 'yesterday-ish': use ISO 8601" in refused(capsys, "logs", "discover", "--since", "yesterday-ish")
    # the same relative forms as every other --since
    code, out = run("logs", "discover", "-s", "s1", "--since", "40d", "--json")
    assert code == 0 and "old.jsonl" in out
