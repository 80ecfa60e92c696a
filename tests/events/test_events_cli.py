"""The seed's four examples logged from the CLI and read back through every query."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journal.cli.main import app, main
from journal.config import load_config
from journal.events import query_events
from journal.workspace import Workspace

SID = "session_20251210_1400"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "coord"
    (root / "sessions" / "ACTIVE").mkdir(parents=True)
    (root / "sessions" / "ACTIVE" / f"{SID}.md").write_text("# session\n", encoding="utf-8")
    monkeypatch.setenv("JOURNAL_ROOT", str(root))
    monkeypatch.delenv("JOURNAL_SESSION", raising=False)
    monkeypatch.chdir(tmp_path)
    return root


def run(*args: str, input: str | None = None, code: int = 0):
    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    return result


def fail(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run through main(), the single exit point; expect exit code 2 and return stderr."""
    capsys.readouterr()
    assert main(list(args)) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("journal: error: ")
    assert len(captured.err.strip().splitlines()) == 1
    return captured.err


def log_seed_examples() -> list[str]:
    ids = []
    ids.append(run("events", "add", "user_message", "-s", SID, "--agent", "user", "--source", "terminal",
                   "--data", '{"message": "Fix the deployment script"}',
                   "--causal", '{"step": "User requests bug fix", "reasoning": "Deployment failing in production"}').stdout.strip())
    ids.append(run("events", "add", "tool_call", "-s", SID, "--agent", "claude_code", "--source", "TROUBLESHOOTING_CHECKLIST.md",
                   "--data", "-",
                   "--constraint", json.dumps({"constraint": "Context manager pattern for DB operations",
                                               "source": "TROUBLESHOOTING_CHECKLIST.md", "priority": "mandatory"}),
                   "--causal", json.dumps({"step": "Identified missing error handling",
                                           "reasoning": "Script fails silently on network errors"}),
                   input='{"tool": "Edit", "file": "scripts/deploy.sh", "change": "Added error handling"}').stdout.strip())
    ids.append(run("events", "add", "error", "-s", SID, "--agent", "claude_code", "--source", "render_api",
                   "--data", '{"error_code": "500", "message": "Internal server error", "traceback": "..."}',
                   "--failure", json.dumps({"attempt": "Deploy via git push", "failure_reason": "500 error from Render",
                                            "timestamp": "2025-12-10T12:00:00Z", "error_code": "500"}),
                   "--failure", json.dumps({"attempt": "Deploy via render up", "failure_reason": "Same 500 error",
                                            "timestamp": "2025-12-10T12:05:00Z", "error_code": "500"}),
                   "--commitment", json.dumps({"commitment": "Deploy to production", "status": "blocked",
                                               "dependencies": ["Render service operational"]})).stdout.strip())
    ids.append(run("events", "add", "decision", "-s", SID, "--agent", "claude_code", "--source", "task_analysis",
                   "--data", '{"decision": "Take over Task 2.2 from Codex", "rationale": "Codex unavailable"}',
                   "--causal", json.dumps([
                       {"step": "Identified Codex unavailable", "reasoning": "User confirmed Codex out of picture"},
                       {"step": "Evaluated options", "reasoning": "Can defer or take task myself",
                        "alternatives_considered": ["defer to later", "bring in another agent", "do it myself"]},
                       {"step": "Chose to implement Task 2.2", "reasoning": "Unblocks my Task 2.3"}]),
                   "--depends-on", ids[2], "--tag", "planning").stdout.strip())
    return ids


def test_seed_examples_round_trip(root: Path) -> None:
    ids = log_seed_examples()
    assert all(i.startswith("evt_") for i in ids) and len(set(ids)) == 4
    events = json.loads(run("events", "query", "-s", SID, "--json").stdout)
    assert [e["event_id"] for e in events] == ids
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert [e["event_type"] for e in events] == ["user_message", "tool_call", "error", "decision"]
    assert events[1]["data"]["file"] == "scripts/deploy.sh"
    assert events[1]["active_constraints"][0]["priority"] == "mandatory"
    assert len(events[2]["failure_ledger"]) == 2
    assert events[3]["causal_steps"][1]["alternatives_considered"][2] == "do it myself"
    assert events[3]["dependencies"] == {"depends_on": [ids[2]]} and events[3]["tags"] == ["planning"]
    # the same through the Python API
    ws = Workspace(load_config(root))
    assert [e["event_id"] for e in query_events(ws, SID)] == ids


def test_query_filters(root: Path) -> None:
    ids = log_seed_examples()
    q = lambda *a: json.loads(run("events", "query", "-s", SID, "--json", *a).stdout)  # noqa: E731
    assert [e["event_id"] for e in q("--type", "error")] == [ids[2]]
    assert [e["event_id"] for e in q("--type", "error", "--type", "decision")] == ids[2:]
    assert [e["event_id"] for e in q("--agent", "user")] == [ids[0]]
    assert [e["event_id"] for e in q("--contains", "RENDER UP")] == [ids[2]]
    assert [e["event_id"] for e in q("--contains", "deploy.sh")] == [ids[1]]
    assert [e["event_id"] for e in q("--limit", "2")] == ids[2:]
    assert q("--since", "1h") and not q("--until", "1h")
    assert len(q("--since", "today")) == 4
    assert run("events", "query", "-s", SID, "--type", "error", "--count").stdout.strip() == "1"
    text = run("events", "query", "-s", SID).stdout.splitlines()
    assert len(text) == 4 and "Internal server error" in text[2] and f"{SID}#3" in text[2]
    lines = run("events", "query", "--all", "--jsonl").stdout.splitlines()
    assert [json.loads(x)["event_id"] for x in lines] == ids


def test_commitments_and_failures(root: Path) -> None:
    ids = log_seed_examples()
    open_ = json.loads(run("events", "commitments", "-s", SID, "--json").stdout)
    assert [(c["commitment"], c["status"], c["event_id"]) for c in open_] == [("Deploy to production", "blocked", ids[2])]
    assert "Deploy to production" in run("events", "commitments", "--all").stdout
    done = run("events", "add", "commitment", "-s", SID, "--agent", "claude_code",
               "--commitment", '{"commitment": "Deploy to production", "status": "done"}').stdout.strip()
    assert done.startswith("evt_")
    assert json.loads(run("events", "commitments", "-s", SID, "--json").stdout) == []
    assert "no open commitments" in run("events", "commitments", "-s", SID).stdout
    fails = json.loads(run("events", "failures", "-s", SID, "--json").stdout)
    assert [f.get("attempt") or f["message"] for f in fails] == ["Deploy via git push", "Deploy via render up", "Internal server error"]
    assert all(f["event_id"] == ids[2] for f in fails)


def test_invalid_add_names_field_and_writes_nothing(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_seed_examples()
    log = root / "events" / f"{SID}.jsonl"
    before = log.read_bytes()
    assert "failure_ledger[0].failure_reason" in fail(capsys, "events", "add", "error", "-s", SID, "--failure", '{"attempt": "x"}')
    assert "--data" in fail(capsys, "events", "add", "note", "-s", SID, "--data", "{not json")
    assert "event_type" in fail(capsys, "events", "add", "nonsense", "-s", SID)
    assert "active_constraints[0].priority" in fail(
        capsys, "events", "add", "note", "-s", SID, "--constraint", '{"constraint": "c", "priority": "urgent"}')
    assert "'last tuesday'" in fail(capsys, "events", "query", "-s", SID, "--since", "last tuesday")
    assert log.read_bytes() == before


def test_session_from_environment_and_required(root: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert "no session given" in fail(capsys, "events", "add", "note")
    (root / "sessions" / "ACTIVE" / "env-session.md").write_text("# session\n", encoding="utf-8")
    monkeypatch.setenv("JOURNAL_SESSION", "env-session")
    run("events", "add", "note", "--data", '{"text": "hello"}')
    assert (root / "events" / "env-session.jsonl").is_file()


def test_schema_command_prints_the_schema(root: Path) -> None:
    schema = json.loads(run("events", "schema").stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) >= {"event_id", "seq", "timestamp", "session_id", "event_type", "provenance"}


def test_query_of_unknown_session_warns(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_seed_examples()
    assert main(["events", "query", "-s", "sesion_typo"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "'sesion_typo' has no event log" in captured.err


def test_archive_stats_restore_and_check_from_the_cli(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = log_seed_examples()
    (root / "sessions" / "ARCHIVE").mkdir()
    (root / "sessions" / "ARCHIVE" / f"{SID}-2020-01-01.md").write_text("# done\n", encoding="utf-8")
    assert "compressed 1 log" in run("events", "archive", "--older-than", "30").stdout
    assert (root / "events" / f"{SID}.jsonl.gz").is_file()
    stats = json.loads(run("events", "stats", "--json").stdout)
    assert stats["archived"]["events"] == 4 and stats["active"]["files"] == 0
    assert stats["logs"][0]["session_archived"] == "2020-01-01"
    assert [e["event_id"] for e in json.loads(run("events", "query", "--all", "--json").stdout)] == ids
    assert len(json.loads(run("events", "failures", "--all", "--json").stdout)) == 3
    assert "restored events/" in run("events", "restore", SID).stdout
    assert not (root / "events" / f"{SID}.jsonl.gz").exists()
    assert "no compressed event log" in fail(capsys, "events", "restore", SID)
    assert "event logs ok" in run("events", "check").stdout
    with open(root / "events" / f"{SID}.jsonl", "ab") as f:
        f.write(b'{"torn')
    capsys.readouterr()
    assert main(["events", "check"]) == 1
    assert "torn last line" in capsys.readouterr().out
    assert main(["events", "query", "-s", SID, "--count"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "4" and "torn last line" in captured.err
    assert main(["events", "check", "--fix"]) == 0
    assert "(fixed)" in capsys.readouterr().out
    assert "event logs ok" in run("events", "check").stdout


def test_add_needs_a_workspace_and_a_known_session(tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert "no session 'ghost'" in fail(capsys, "events", "add", "note", "-s", "ghost", "--data", "{}")
    assert not (root / "events" / "ghost.jsonl").exists()
    (root / "sessions" / "ARCHIVE").mkdir()
    (root / "sessions" / "ARCHIVE" / "old-2020-01-01.md").write_text("# done\n", encoding="utf-8")
    run("events", "add", "note", "-s", "old", "--data", "{}")  # an archived session may still log
    assert (root / "events" / "old.jsonl").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("JOURNAL_ROOT", str(empty))
    assert "no journal workspace" in fail(capsys, "events", "add", "note", "-s", "ghost", "--data", "{}")
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize("data", ['{"n": 123456789012345678901234567890}', '{"n": -9223372036854775809}',
                                  '{"a": [1, {"b": 1' + "0" * 300 + '}]}'])
def test_add_rejects_integers_beyond_64_bits(root: Path, capsys: pytest.CaptureFixture[str], data: str) -> None:
    assert "integer out of range" in fail(capsys, "events", "add", "note", "-s", SID, "--data", data)
    assert "integer out of range" in fail(capsys, "events", "add", "note", "-s", SID,
                                          "--commitment", '{"commitment": "x", "id": 1' + "0" * 30 + "}")
    assert not (root / "events" / f"{SID}.jsonl").exists()
    big = {"n": 18446744073709551615, "m": -9223372036854775808, "f": 1.5e300, "s": "1234567890123456789012345"}
    event = json.loads(run("events", "add", "note", "-s", SID, "--json", "--data", json.dumps(big)).stdout)
    assert event["data"] == big


def test_cli_survives_a_damaged_compressed_log_and_non_events(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_seed_examples()
    (root / "events" / f"{SID}.jsonl.gz").write_bytes(b"garbage\n")
    with open(root / "events" / f"{SID}.jsonl", "ab") as f:
        f.write(b'{"seq": "x"}\n{"seq": 5, "timestamp": 3}\n')
    for args in (["events", "query", "-s", SID], ["events", "query", "--all", "--count"],
                 ["events", "commitments", "-s", SID], ["events", "failures", "--all"], ["events", "stats"]):
        capsys.readouterr()
        assert main(args) == 0, args
        captured = capsys.readouterr()
        assert "compressed log" in captured.err and "internal error" not in captured.err, args
        assert "?#" not in captured.out and "None" not in captured.out, args
    assert main(["events", "query", "-s", SID]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 4 and "skipped 2 unreadable lines" in captured.err
