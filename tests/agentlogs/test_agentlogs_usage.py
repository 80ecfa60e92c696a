"""`journal logs usage`: totals over linked logs by day, week, month, session, model and agent.

The own samples span 2025-05-01 to 2026-11-20, eight models and five formats; two of
them cross midnight (UTC): codex_ide.jsonl (token counts at 23:58:30 and 00:03:00)
and copilot_resumed.jsonl (runs on 2026-03-19 and 2026-03-20). The report's totals
must equal the sum of the logs' own summaries.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from agentlog_samples import CLAUDE_MAIN, HAS_REAL, path
from conftest import run, snapshot

OWN_SET = [CLAUDE_MAIN, "claude_sidechain.jsonl", "codex_rollout.jsonl", "codex_ide.jsonl", "codex_legacy.jsonl",
           "gemini_session.jsonl", "gemini_injected.jsonl", "copilot_events.jsonl", "copilot_resumed.jsonl",
           "zag/w-1111.jsonl"]
REAL_SET = ["claude_code/spotter_short.jsonl", "claude_code/spotter_tool_heavy.jsonl",
            "codex/localpush_rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl",
            "gemini/vct_gemini_session.jsonl", "copilot_cli/lantern_049410b4_events.jsonl"]


def link_all(proj: Path, names: list[str], src_set: str = "own", session: str = "s1") -> None:
    for i, name in enumerate(names):
        src = path(src_set, name)
        dest = proj / "logs" / f"{i:02d}-{session}-{Path(name).name}"
        shutil.copy(src, dest)
        sub = src.with_suffix("") / "subagents"
        if sub.is_dir():  # Claude Code keeps a session's subagents beside it
            shutil.copytree(sub, dest.with_suffix("") / "subagents")
        os.utime(dest, (1_700_000_000, 1_700_000_000))
        code, out = run("logs", "link", str(dest.relative_to(proj)), "-s", session)
        assert code == 0, out


def usage(*args: str) -> dict[str, Any]:
    code, out = run("logs", "usage", "--json", *args)
    assert code == 0, out
    return json.loads(out)


FIGS = ("input", "cache_read", "cache_write", "output", "reasoning", "total")


def summed(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    tot = {k: sum(s["tokens"][k] for s in summaries) for k in FIGS}
    tot["cost_usd"] = sum(s["cost"]["usd"] or 0.0 for s in summaries)
    return tot


@pytest.fixture()
def linked(proj: Path) -> Path:
    link_all(proj, OWN_SET)
    if HAS_REAL:
        assert run("create", "s2", "Dev", "Real logs")[0] == 0
        link_all(proj, REAL_SET, "real", "s2")
    return proj


@pytest.mark.parametrize("by", ["day", "week", "month", "session", "model", "agent"])
def test_totals_equal_the_sum_of_the_summaries(linked: Path, by: str) -> None:
    sums = []
    for sid in ("s1", "s2") if HAS_REAL else ("s1",):
        code, out = run("logs", "summary", "-s", sid, "--with-subagents", "--json")
        assert code == 0, out
        sums += json.loads(out)
    rep = usage("--by", by, "--tz", "UTC")
    want = summed(sums)
    got = rep["total"]
    assert {k: got[k] for k in FIGS} == {k: want[k] for k in FIGS}
    assert got["cost_usd"] == pytest.approx(want["cost_usd"], rel=1e-9)
    # and the rows add up to the TOTAL row
    assert {k: sum(r[k] for r in rep["rows"]) for k in FIGS} == {k: got[k] for k in FIGS}
    assert sum(r["cost_usd"] or 0.0 for r in rep["rows"]) == pytest.approx(got["cost_usd"], rel=1e-9)
    if HAS_REAL:
        assert got["unpriced"] == ["qwen3:0.6b"]


def rows(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in rep["rows"]}


def test_days_split_a_session_at_midnight_in_the_reports_zone(proj: Path) -> None:
    link_all(proj, ["codex_ide.jsonl", "copilot_resumed.jsonl"])
    utc = rows(usage("--tz", "UTC"))
    assert list(utc) == ["2026-03-19", "2026-03-20", "2026-03-21"]
    # codex_ide: 23:58:30 UTC, input 10000 (4000 cached), output 300; then at 00:03 the rest
    assert {k: utc["2026-03-21"][k] for k in ("input", "cache_read", "output", "reasoning")} == {
        "input": 3000, "cache_read": 12000, "output": 400, "reasoning": 150}
    assert utc["2026-03-21"]["models"].keys() == {"gpt-5.3-codex"}
    # copilot run 1 (22:40 UTC on the 19th), codex's first half and copilot run 2 on the 20th
    assert utc["2026-03-19"]["input"] == 3000 and utc["2026-03-19"]["cache_write"] == 3000
    assert utc["2026-03-20"]["input"] == 6000 + 1000
    ny = rows(usage("--tz", "America/New_York"))  # UTC-4 in late March: both sessions end before midnight there
    assert list(ny) == ["2026-03-19", "2026-03-20"]
    assert ny["2026-03-20"]["input"] == 9000 + 1000 and ny["2026-03-19"]["input"] == 3000
    india = rows(usage("--tz", "Asia/Kolkata"))  # UTC+5:30: a quarter-hour zone, every bucket on its own side
    assert india["2026-03-21"]["input"] == 9000 and india["2026-03-20"]["input"] == 4000
    weeks = rows(usage("--by", "week", "--tz", "UTC"))  # Monday 2026-03-16
    assert list(weeks) == ["2026-03-16"] and weeks["2026-03-16"]["total"] == 25700 + 42260
    assert list(rows(usage("--by", "month"))) == ["2026-03"]


def test_since_and_until_take_whole_days_in_the_zone(proj: Path) -> None:
    link_all(proj, ["codex_ide.jsonl", "copilot_resumed.jsonl"])
    only = usage("--tz", "UTC", "--since", "2026-03-20", "--until", "2026-03-20")
    assert [r["key"] for r in only["rows"]] == ["2026-03-20"]
    assert only["total"]["input"] == 7000
    assert usage("--tz", "UTC", "--since", "20260321")["total"]["input"] == 3000
    assert usage("--tz", "UTC", "--until", "2026-03-19T23:00:00Z")["total"]["input"] == 3000
    assert usage("--since", "2030-01-01")["rows"] == []


def test_today_and_yesterday_are_the_reports_days(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link_all(proj, ["codex_ide.jsonl", "copilot_resumed.jsonl"])
    monkeypatch.setenv("JOURNAL_NOW", "2026-03-21T03:00:00Z")  # still the 20th in New York
    assert [r["key"] for r in usage("--tz", "UTC", "--since", "today")["rows"]] == ["2026-03-21"]
    assert [r["key"] for r in usage("--tz", "America/New_York", "--since", "today")["rows"]] == ["2026-03-20"]
    assert [r["key"] for r in usage("--tz", "UTC", "--since", "yesterday", "--until", "yesterday")["rows"]] == [
        "2026-03-20"]


def test_by_model_agent_and_session(linked: Path) -> None:
    models = rows(usage("--by", "model"))
    assert {"claude-opus-4-6", "claude-haiku-4-5-20251001", "gpt-5.3-codex", "gemini-2.5-pro",
            "claude-sonnet-4.5", "claude-sonnet-4-5"} <= set(models)
    assert models["gpt-5.3-codex"]["cost_usd"] > 0 and models["gpt-5.3-codex"]["cost_estimated"]
    assert models["claude-sonnet-4-5"]["cost_usd"] == 0.0425 and not models["claude-sonnet-4-5"]["cost_estimated"]
    agents = rows(usage("--by", "agent"))
    assert {"claude-code", "codex", "gemini", "copilot", "zag"} <= set(agents)
    sessions = rows(usage("--by", "session"))
    assert "s1" in sessions and sessions["s1"]["logs"] == len(OWN_SET) - 1  # codex_legacy.jsonl has no tokens
    assert usage("-s", "s1")["total"]["total"] == sessions["s1"]["total"]
    # the main Claude Code session brings its subagent's figures; --no-subagents leaves them out
    haiku = models["claude-haiku-4-5-20251001"]["total"]
    without = rows(usage("--by", "model", "--no-subagents"))
    assert without["claude-haiku-4-5-20251001"]["total"] == haiku - (22 + 7378 + 3990 + 180)


def test_text_table_has_a_total_row_and_names_unpriced_models(proj: Path) -> None:
    link_all(proj, ["codex_ide.jsonl", "copilot_resumed.jsonl"])
    local = proj / "logs" / "local.jsonl"
    local.write_text("".join(json.dumps(r) + "\n" for r in [
        {"type": "session.start", "timestamp": "2026-03-21T08:00:00.000Z", "data": {"sessionId": "q"}},
        {"type": "session.shutdown", "timestamp": "2026-03-21T08:10:00.000Z", "data": {"modelMetrics": {
            "qwen3:0.6b": {"requests": {"count": 1}, "usage": {"inputTokens": 4100, "outputTokens": 978}}}}}]))
    assert run("logs", "link", "logs/local.jsonl", "-s", "s1")[0] == 0
    code, out = run("logs", "usage", "--tz", "UTC", "--breakdown")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Date", "Models", "Input"]
    total = [ln for ln in lines if ln.startswith("TOTAL")]
    assert len(total) == 1 and total[0].split()[-2] == f"{25700 + 42260 + 5078:,}" and total[0].endswith("*")
    assert any(ln.strip().startswith("└ gpt-5.3-codex") for ln in lines)
    assert "* not in the cost: no price for qwen3:0.6b" in out and "~ estimated from list prices" in out


def test_discovered_logs_join_the_report(proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link_all(proj, ["copilot_events.jsonl"])
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codexhome"))
    for var in ("CLAUDE_CONFIG_DIR", "COPILOT_HOME", "GEMINI_CLI_HOME", "ZAG_USER_LOG_DIR"):
        monkeypatch.setenv(var, str(tmp_path / "none" / var))
    rollout = tmp_path / "codexhome/sessions/2026/03/20/rollout-2026-03-20T23-55-00-x.jsonl"
    rollout.parent.mkdir(parents=True)
    data = path("own", "codex_ide.jsonl").read_text(encoding="utf-8").replace('"cwd":"/srv/shop"',
                                                                             f'"cwd":{json.dumps(str(proj))}')
    rollout.write_text(data, encoding="utf-8")
    plain = usage("--by", "session")
    assert [r["key"] for r in plain["rows"]] == ["s1"]
    found = rows(usage("--by", "session", "--discover"))
    assert set(found) == {"s1", "(not linked) codex 019d0a7e-3c11-7b52-9e4a-2f6d8b1c0e77"}
    # linked later, it is counted once
    assert run("logs", "link", str(rollout), "-s", "s1")[0] == 0
    assert set(rows(usage("--by", "session", "--discover"))) == {"s1"}


@pytest.mark.parametrize("args,message", [
    (["--by", "year"], "--by must be one of day, week, month, session, model, agent"),
    (["--since", "2026-02-30"], "cannot read --since '2026-02-30'"),
    (["--until", "2026-13-01"], "cannot read --until '2026-13-01'"),
    (["--since", "-3d"], "cannot read --since '-3d'"),
    (["--since", "2026-03-21", "--until", "2026-03-20"], "--until is before --since"),
    (["--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
    (["-s", "s1", "--all"], "give either -s ID or --all, not both"),
    (["-s", "nobody"], "no session 'nobody'"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(proj: Path, capsys: pytest.CaptureFixture[str],
                                                          args: list[str], message: str) -> None:
    from journal.cli.main import main

    link_all(proj, ["codex_ide.jsonl"])
    before = snapshot(proj)
    state = sorted(p.name for p in (proj / "coordination" / ".journal").rglob("*"))
    capsys.readouterr()
    assert main(["logs", "usage", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1 and lines[0].startswith("journal: error: "), captured.err
    assert message in lines[0]
    assert snapshot(proj) == before
    assert sorted(p.name for p in (proj / "coordination" / ".journal").rglob("*")) == state


def test_no_linked_logs(proj: Path) -> None:
    code, out = run("logs", "usage")
    assert code == 0 and out.strip() == "no usage in the linked logs"
    assert usage()["rows"] == [] and usage()["total"]["total"] == 0
