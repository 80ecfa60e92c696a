"""`journal hook <cli>` in real processes: a Claude Code session journals itself, messages
reach the agent once, and whatever comes in, the answer is "continue"."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git

DATA = Path(__file__).resolve().parents[1] / "data"
HOOKS = DATA / "hooks"
TRANSCRIPT = DATA / "agentlogs" / "claude_projects" / "-srv-shop" / "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80.jsonl"
JOURNAL = Path(sys.executable).parent / "journal"  # the installed console script
CLIS = ("claude-code", "codex", "gemini", "copilot")
HEAVY = ("typer", "rich", "jinja2", "git", "jsonschema", "pydantic", "mcp", "yaml", "frontmatter", "orjson", "click")


class Project:
    """A git repository with a journal workspace, where hooks run as the agent CLI runs them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ws = root / "coordination"
        self.env = {k: v for k, v in os.environ.items() if k != "JOURNAL_SESSION"}

    def journal(self, *args: str, input: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(JOURNAL), *args], cwd=self.root, input=input, text=True, capture_output=True,
                              env={**self.env, **env}, timeout=120)

    def hook(self, cli: str, name: str | None = None, data: dict | None = None, raw: bytes | None = None,
             **env: str) -> subprocess.CompletedProcess[bytes]:
        if raw is None:
            payload = json.loads((HOOKS / cli / name).read_text(encoding="utf-8")) if name else {}
            payload.update(data or {})
            raw = json.dumps(payload).encode()
        proc = subprocess.run([str(JOURNAL), "hook", cli], cwd=self.root, input=raw, capture_output=True,
                              env={**self.env, **env}, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc

    def events(self, sid: str) -> list[dict]:
        proc = self.journal("events", "query", "-s", sid, "--json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def meta(self, sid: str) -> dict:
        proc = self.journal("show", sid, "--json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["meta"]


@pytest.fixture
def project(repo: Path) -> Project:
    p = Project(repo)
    assert p.journal("init").returncode == 0
    return p


def context_of(proc: subprocess.CompletedProcess[bytes]) -> str | None:
    out = proc.stdout.decode().strip()
    if not out:
        return None
    return json.loads(out)["hookSpecificOutput"]["additionalContext"]


def start(project: Project, tmp_path: Path, sid: str = "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80",
          **env: str) -> tuple[str, str]:
    """SessionStart for a Claude Code session whose transcript is a real-shaped log."""
    transcript = tmp_path / "claude" / f"{sid}.jsonl"
    transcript.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(TRANSCRIPT, transcript)
    proc = project.hook("claude-code", "SessionStart.json",
                        {"session_id": sid, "transcript_path": str(transcript), "cwd": str(project.root)}, **env)
    context = context_of(proc)
    assert context is not None
    journal_sid = context.split("`")[1]
    return journal_sid, str(transcript)


def claude(project: Project, name: str, provider: str = "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80", **data: object):
    return project.hook("claude-code", name, {"session_id": provider, "cwd": str(project.root), **data})


def test_a_claude_code_session_journals_itself(project: Project, tmp_path: Path) -> None:
    env_file = tmp_path / "claude-env.sh"
    sid, transcript = start(project, tmp_path, CLAUDE_ENV_FILE=str(env_file))
    meta = project.meta(sid)
    assert meta["owner"] == {"kind": "agent", "agent": "claude-code", "model": "claude-sonnet-4-5"}
    assert meta["agent_sessions"][0]["cli"] == "claude-code"
    assert meta["agent_sessions"][0]["id"] == "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80"
    assert [e["format"] for e in meta["machine_logs"]] == ["claude-code"]  # the transcript is linked
    index = project.ws / ".journal" / "hooks" / "sessions" / "claude-code" / "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80.json"
    assert json.loads(index.read_text())["session"] == sid
    assert env_file.read_text() == f"export JOURNAL_SESSION={sid}\n"

    quiet = [claude(project, "UserPromptSubmit.json"),
             claude(project, "PreToolUse.json", tool_use_id="toolu_pair"),
             claude(project, "PostToolUse.json", tool_name="Bash", tool_use_id="toolu_pair"),
             claude(project, "PreToolUse.json", tool_use_id="toolu_fail"),
             claude(project, "PostToolUseFailure.json", tool_use_id="toolu_fail"),
             claude(project, "Notification.json"),
             claude(project, "Stop.json", transcript_path=transcript),
             claude(project, "SessionEnd.json", transcript_path=transcript)]
    assert [p.stdout for p in quiet] == [b""] * len(quiet)  # "continue", with nothing to add
    events = project.events(sid)
    kinds = [(e["event_type"], (e.get("data") or {}).get("action") or (e.get("data") or {}).get("hook")) for e in events]
    assert kinds == [("state_change", "create"), ("state_change", "agent-session-start"),
                     ("user_message", "UserPromptSubmit"), ("tool_call", "PreToolUse"),
                     ("tool_result", "PostToolUse"), ("tool_call", "PreToolUse"),
                     ("tool_result", "PostToolUseFailure"), ("note", "Notification"),
                     ("state_change", "agent-stop"), ("state_change", "agent-session-end")]
    by_seq = {e["seq"]: e for e in events}
    assert by_seq[5]["data"]["success"] is True and by_seq[5]["dependencies"]["depends_on"] == [by_seq[4]["event_id"]]
    assert by_seq[7]["data"]["success"] is False and by_seq[7]["data"]["error"].startswith("Exit code 1")
    assert by_seq[7]["dependencies"]["depends_on"] == [by_seq[6]["event_id"]]
    assert by_seq[3]["data"]["text"] == "Add a --json flag to `journal list` and cover it with a test"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert project.journal("check").returncode == 0
    spool = project.ws / ".journal" / "spool" / f"{sid}.jsonl"
    assert spool.stat().st_size == 0  # Stop drained the turn's records into the log
    shown = json.loads(project.journal("show", sid, "--events", "--json").stdout)
    assert [row["event"]["event_type"] for row in shown["events"]] == [e["event_type"] for e in events]


def test_stop_refreshes_the_transcript_summary_and_updated(project: Project, tmp_path: Path) -> None:
    sid, transcript = start(project, tmp_path, JOURNAL_NOW="2026-11-20T09:00:00Z")
    before = project.meta(sid)["machine_logs"][0]["summary"]["turns"]
    with open(TRANSCRIPT, encoding="utf-8") as f:
        lines = f.readlines()
    with open(transcript, "a", encoding="utf-8") as f:  # the conversation goes on
        f.writelines(line.replace('"uuid":"', '"uuid":"x') for line in lines if '"type":"user"' in line
                     and '"tool_result"' not in line)
    claude(project, "Stop.json", transcript_path=transcript)
    meta = project.meta(sid)
    assert meta["machine_logs"][0]["summary"]["turns"] > before
    assert meta["updated"] != "2026-11-20T09:00:00Z"
    log = (project.ws / "sessions" / "ACTIVE" / f"{sid}.md").read_text()
    assert "## Machine Logs" in log


def test_a_transcript_written_after_session_start_is_linked_at_stop(project: Project, tmp_path: Path) -> None:
    later = tmp_path / "later.jsonl"
    proc = project.hook("claude-code", "SessionStart.json", {"session_id": "p-late", "transcript_path": str(later)})
    sid = context_of(proc).split("`")[1]
    assert "machine_logs" not in project.meta(sid)
    shutil.copy(TRANSCRIPT, later)
    claude(project, "Stop.json", provider="p-late", transcript_path=str(later))
    assert project.meta(sid)["machine_logs"][0]["path"] == str(later)


def test_the_same_agent_session_comes_back_to_its_journal_session(project: Project, tmp_path: Path) -> None:
    sid, transcript = start(project, tmp_path)
    again = project.hook("claude-code", "SessionStart-resume.json",
                         {"session_id": "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80", "transcript_path": transcript})
    assert f"you are session `{sid}`" in context_of(again) and "continues this journal session" in context_of(again)
    shutil.rmtree(project.ws / ".journal" / "hooks")  # local state lost: the frontmatter still knows
    third = project.hook("claude-code", "SessionStart-resume.json",
                         {"session_id": "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80", "transcript_path": transcript})
    assert f"you are session `{sid}`" in context_of(third)
    assert len(list((project.ws / "sessions" / "ACTIVE").glob("*.md"))) == 1


def test_journal_session_wins_when_set(project: Project, tmp_path: Path) -> None:
    assert project.journal("create", "mine", "Dev", "Own session").returncode == 0
    sid, _ = start(project, tmp_path, JOURNAL_SESSION="mine")
    assert sid == "mine"
    proc = project.hook("claude-code", "UserPromptSubmit.json", {"session_id": "someone-else"}, JOURNAL_SESSION="mine")
    assert proc.stdout == b""
    assert [e["event_type"] for e in project.events("mine")][-1] == "user_message"
    created, _ = start(project, tmp_path, sid="other", JOURNAL_SESSION="fresh-one")
    assert created == "fresh-one" and (project.ws / "sessions" / "ACTIVE" / "fresh-one.md").is_file()


def test_a_message_reaches_the_agent_once(project: Project, tmp_path: Path) -> None:
    sid, _ = start(project, tmp_path)
    assert project.journal("create", "api", "Backend", "Orders API").returncode == 0
    assert project.journal("message", sid, "Orders API is on staging, try it", "-s", "api",
                           "--priority", "high").returncode == 0
    assert project.journal("broadcast", "Staging freezes at 16:00", "-s", "api").returncode == 0
    first = context_of(claude(project, "UserPromptSubmit.json"))
    assert first is not None
    assert "Orders API is on staging, try it" in first and "Staging freezes at 16:00" in first
    assert first.count("** from api") == 1 and first.count("** broadcast from api") == 1
    assert claude(project, "UserPromptSubmit.json").stdout == b""  # handed over once
    inbox = json.loads(project.journal("inbox", "-s", sid, "--all", "--json").stdout)
    assert [m["unread"] for m in inbox] == [False, False]  # acknowledged as `inbox --ack` does
    log = (project.ws / "sessions" / "ACTIVE" / f"{sid}.md").read_text()
    assert "Orders API is on staging, try it" in log.split("Messages Received", 1)[1]


def test_urgent_messages_also_arrive_after_a_tool_call(project: Project, tmp_path: Path) -> None:
    from journal import hookstate

    sid, _ = start(project, tmp_path)
    assert project.journal("create", "ops", "Ops", "Staging").returncode == 0
    assert project.journal("message", sid, "Stop deploying, staging is down", "-s", "ops", "--priority", "urgent").returncode == 0
    assert project.journal("message", sid, "Lunch at noon", "-s", "ops", "--priority", "low").returncode == 0
    stamp, _ = hookstate.read_mark(str(project.ws), sid, "urgent")
    hookstate.write_mark(str(project.ws), sid, "urgent", stamp, 0.0)  # the last look is long ago
    after_tool = context_of(claude(project, "PostToolUse.json"))
    assert after_tool is not None and "Stop deploying" in after_tool and "Lunch" not in after_tool
    prompt = context_of(claude(project, "UserPromptSubmit.json"))
    assert prompt is not None and "Lunch at noon" in prompt and "Stop deploying" not in prompt


def test_messages_waiting_at_session_start_are_in_its_briefing(project: Project, tmp_path: Path) -> None:
    assert project.journal("create", "me", "Dev", "Mine").returncode == 0
    assert project.journal("create", "lead", "Lead", "Plans").returncode == 0
    assert project.journal("message", "me", "Welcome back: take the cart bug", "-s", "lead").returncode == 0
    proc = project.hook("claude-code", "SessionStart.json", {"session_id": "p1"}, JOURNAL_SESSION="me")
    context = context_of(proc)
    assert "Welcome back: take the cart bug" in context and "# Context: me" in context
    assert claude(project, "UserPromptSubmit.json", provider="p1").stdout == b""


@pytest.mark.parametrize("cli", CLIS)
def test_every_documented_payload_gets_the_continue_answer(project: Project, cli: str) -> None:
    for path in sorted((HOOKS / cli).glob("*.json")):
        if path.name.startswith("settings"):
            continue
        proc = project.hook(cli, path.name, JOURNAL_SESSION="corpus")
        out = proc.stdout.decode().strip()
        if cli == "gemini":
            assert isinstance(json.loads(out), dict), path.name
        elif out:
            assert "additionalContext" in json.loads(out)["hookSpecificOutput"], path.name
    assert project.journal("events", "check").returncode == 0


@pytest.mark.parametrize("name", sorted(p.name for p in (HOOKS / "malformed").iterdir()))
def test_malformed_payloads_become_unparsed_events(project: Project, name: str) -> None:
    raw = (HOOKS / "malformed" / name).read_bytes()
    for cli in CLIS:
        proc = project.hook(cli, raw=raw, JOURNAL_SESSION="bad")
        assert proc.stdout.decode().strip() == ("{}" if cli == "gemini" else "")
    events = project.events("bad")
    assert len(events) == 4 and project.journal("events", "check").returncode == 0
    if name in ("not-json.json", "truncated.json", "array.json", "null.json", "string.json", "invalid-utf8.json"):
        assert {e["event_type"] for e in events} == {"x-hook-unparsed"}


def test_no_workspace_no_session_no_problem(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    git(bare, "init", "-q")
    p = Project(bare)
    for cli in CLIS:
        proc = p.hook(cli, "SessionStart.json" if cli != "copilot" else "sessionStart.json")
        assert proc.stdout.decode().strip() == ("{}" if cli == "gemini" else "") and proc.stderr == b""
    assert not (bare / "coordination").exists()


def test_a_hook_without_a_session_writes_nothing(project: Project) -> None:
    proc = claude(project, "PostToolUse.json", provider="never-started")
    assert proc.stdout == b"" and proc.stderr == b""
    assert not (project.ws / ".journal" / "spool").exists()


def test_codex_notify_passes_its_payload_as_an_argument(project: Project) -> None:
    payload = (HOOKS / "codex" / "notify-agent-turn-complete.json").read_text()
    proc = subprocess.run([str(JOURNAL), "hook", "codex", payload], cwd=project.root, capture_output=True,
                          env={**project.env, "JOURNAL_SESSION": "cx"}, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0 and proc.stdout == b""
    (event,) = project.events("cx")
    assert event["data"]["action"] == "agent-stop" and event["data"]["text"].startswith("Done:")


def test_the_fast_path_imports_nothing_heavy(project: Project, tmp_path: Path) -> None:
    sid, _ = start(project, tmp_path)
    code = ("import io, sys; sys.stdin = io.TextIOWrapper(io.BytesIO(open(%r, 'rb').read())); "
            "sys.argv = ['journal', 'hook', 'claude-code']; from journal.cli import main; main(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(%r)), file=sys.stderr)")
    for name in ("PreToolUse.json", "PostToolUse.json", "PostToolUseFailure.json", "UserPromptSubmit.json",
                 "Notification.json"):
        payload = tmp_path / name
        data = json.loads((HOOKS / "claude-code" / name).read_text())
        data["session_id"] = "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80"
        payload.write_text(json.dumps(data))
        proc = subprocess.run([sys.executable, "-c", code % (str(payload), HEAVY)], cwd=project.root,
                              capture_output=True, text=True, env=project.env, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.strip().splitlines()[-1] == "[]", (name, proc.stderr)
    assert len(project.events(sid)) == 7  # create, session start and the five hooks


def test_eight_hooks_at_once_lose_nothing(project: Project, tmp_path: Path) -> None:
    sid, _ = start(project, tmp_path)
    procs = []
    for k in range(8):
        data = json.loads((HOOKS / "claude-code" / "PostToolUse.json").read_text())
        data.update(session_id="3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80", tool_use_id=f"toolu_{k}")
        p = subprocess.Popen([str(JOURNAL), "hook", "claude-code"], cwd=project.root, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=project.env)
        procs.append((p, json.dumps(data).encode()))
    for p, raw in procs:
        p.stdin.write(raw)
        p.stdin.close()
    for p, _ in procs:
        assert p.wait(timeout=120) == 0 and p.stdout.read() == b""
    results = [e for e in project.events(sid) if e["event_type"] == "tool_result"]
    assert sorted(e["data"]["tool_use_id"] for e in results) == [f"toolu_{k}" for k in range(8)]
    assert project.journal("events", "check").returncode == 0


def test_hook_help_goes_through_the_full_cli(project: Project) -> None:
    proc = project.journal("hook", "claude-code", "--help")
    assert proc.returncode == 0 and "Answer one Claude Code hook" in proc.stdout
    proc = project.journal("hook", "no-such-cli")
    assert proc.returncode == 2 and "No such command" in proc.stderr
