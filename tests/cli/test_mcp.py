"""`journal mcp`: every tool over the SDK's in-memory transport (results, errors, the Markdown
on disk), resources and prompts, 8 parallel adds, and the installed server over stdio."""
from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp.server.mcpserver", reason="the 'mcp' extra (mcp 2.x) is not installed")

import anyio  # noqa: E402
from mcp import Client, ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

from conftest import run  # noqa: E402
from journal.cli.mcp_server import NO_SESSION, build_server  # noqa: E402

TRANSCRIPT = (Path(__file__).resolve().parents[1] / "data" / "agentlogs" / "claude_projects" / "-srv-shop"
              / "3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80.jsonl")
JOURNAL = Path(sys.executable).parent / "journal"
TOOLS = {"create_session", "show", "update", "add", "resolve_blocker", "share_learning", "grep", "list_sessions",
         "board", "blockers", "message", "broadcast", "inbox", "inbox_ack", "context", "handoff", "archive",
         "restore", "events_add", "events_query", "commitments", "failures", "logs_link", "logs_summary",
         "logs_tools"}


@pytest.fixture
def root(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.setenv("JOURNAL_NOW", "2026-11-21T10:00:00Z")
    assert run("init")[0] == 0
    return repo / "coordination"


def session(root: Path, body: Callable[[Client], Awaitable[Any]]) -> Any:
    """Run ``body`` against a fresh server over the SDK's in-memory transport."""
    from journal.workspace import Workspace

    async def main() -> Any:
        async with Client(build_server(Workspace.open(root)), mode="legacy", cache=None) as client:
            return await body(client)

    return anyio.run(main)


async def ok(client: Client, tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args)
    assert not result.is_error, (tool, result.content)
    data = result.structured_content
    return data["result"] if isinstance(data, dict) and set(data) == {"result"} else data


async def error(client: Client, tool: str, **args: Any) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error, (tool, result.structured_content)
    (block,) = result.content
    text = block.text
    assert "\n" not in text and "Traceback" not in text, text
    return text


def md(root: Path, sid: str) -> str:
    return (root / "sessions" / "ACTIVE" / f"{sid}.md").read_text(encoding="utf-8")


def plain(root: Path, sid: str) -> str:
    """The log without the entries' event references (their format is the library's business)."""
    from journal.session.links import strip_markers

    return strip_markers(md(root, sid))


def test_every_tool_is_listed_with_a_typed_documented_schema(root: Path) -> None:
    async def body(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = {t.name: t for t in session(root, body)}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and tool.input_schema["type"] == "object"
        for name, prop in tool.input_schema.get("properties", {}).items():
            assert prop.get("description"), (tool.name, name)
    update = tools["update"].input_schema["properties"]
    assert update["progress"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 100}
    assert tools["message"].input_schema["properties"]["priority"]["enum"] == ["low", "normal", "high", "urgent"]
    assert tools["add"].input_schema["required"] == ["section", "text"]


def test_a_session_round_trip_lands_in_the_markdown(root: Path) -> None:
    async def body(client: Client) -> Any:
        created = await ok(client, "create_session", id="s12", role="DevOps Engineer",
                           mission="Deploy and maintain services", agent="claude-code", model="opus")
        await ok(client, "update", session="s12", working_on="Email Automation Service", status="building",
                 progress=60, phases=["SPECS.md written", "Core endpoints implemented"])
        await ok(client, "update", session="s12", phases_done=["SPECS.md written"])
        added = await ok(client, "add", session="s12", section="completed", text="Deployed to staging server")
        await ok(client, "add", session="s12", section="blocker", text="Waiting for SMTP credentials")
        await ok(client, "add", session="s12", section="next", text="Deploy to production\nafter the review")
        resolved = await ok(client, "resolve_blocker", session="s12", which="1", note="credentials arrived")
        shared = await ok(client, "share_learning", session="s12", category="Performance",
                          text="asyncio.gather() removes sequential waiting", priority="high")
        shown = await ok(client, "show", session="s12", section="blockers")
        return created, added, resolved, shared, shown

    created, added, resolved, shared, shown = session(root, body)
    assert created == {"id": "s12", "path": str(root / "sessions" / "ACTIVE" / "s12.md")}
    assert added["section"] == "Completed Today" and added["event_id"].startswith("evt_")
    assert resolved["blocker"] == "Waiting for SMTP credentials"
    assert shared["file"] == "shared-knowledge/learnings.md" and shared["priority"] == "High"
    from journal.events import query_events
    from journal.session.document import SessionDoc
    from journal.session.links import place_events
    from journal.workspace import Workspace

    events = query_events(Workspace.open(root), "s12").events
    assert added["event_id"] in place_events(SessionDoc(md(root, "s12")).lines, events)  # entry and event linked
    text = plain(root, "s12")
    assert "**Working On:** Email Automation Service" in text and "**Progress:** 60%" in text
    assert "- [x] SPECS.md written" in text and "- [ ] Core endpoints implemented" in text
    assert "- [x] Deployed to staging server" in text
    assert "- [x] **2026-11-21 10:00:** Waiting for SMTP credentials — **resolved 2026-11-21**: credentials arrived" in text
    assert "- [ ] Deploy to production\n  after the review" in text
    assert "asyncio.gather() removes sequential waiting" in (root / "shared-knowledge" / "learnings.md").read_text()
    assert shown["section"] == "Blockers & Issues" and "credentials arrived" in shown["text"]
    assert run("check")[0] == 0


def test_results_are_what_the_cli_prints_with_json(root: Path) -> None:
    assert run("create", "api", "Backend", "Orders API")[0] == 0
    assert run("create", "web", "Frontend", "Checkout")[0] == 0
    assert run("message", "web", "Orders API is on staging", "-s", "api", "--priority", "high")[0] == 0
    assert run("add", "-s", "web", "blocker", "Needs the total field")[0] == 0
    assert run("share-learning", "API", "Money is integer cents", "high", "-s", "api")[0] == 0
    cli_calls = {
        "show": ["show", "web", "--json"], "list_sessions": ["list", "--json"], "board": ["board", "--json"],
        "blockers": ["blockers", "--json"], "inbox": ["inbox", "-s", "web", "--json"],
        "context": ["context", "-s", "web", "--json"], "grep": ["grep", "total", "--json"],
        "events_query": ["events", "query", "-s", "web", "--json"],
        "commitments": ["events", "commitments", "-s", "web", "--json"],
        "failures": ["events", "failures", "--all", "--json"],
    }
    args = {"show": {"session": "web"}, "inbox": {"session": "web"}, "context": {"session": "web"},
            "grep": {"pattern": "total"}, "events_query": {"session": "web"}, "commitments": {"session": "web"},
            "failures": {"all_sessions": True}}

    async def body(client: Client) -> dict[str, Any]:
        return {tool: await ok(client, tool, **args.get(tool, {})) for tool in cli_calls}

    via_mcp = session(root, body)
    for tool, argv in cli_calls.items():
        code, out = run(*argv)
        assert code == 0, out
        assert via_mcp[tool] == json.loads(out), tool


def test_bad_input_is_a_tool_error_with_the_clis_line(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("JOURNAL_SESSION", raising=False)
    assert run("create", "s1", "Dev", "Mission")[0] == 0

    async def body(client: Client) -> dict[str, str]:
        return {
            "no session": await error(client, "add", section="completed", text="x"),
            "ghost": await error(client, "show", session="ghost"),
            "bad id": await error(client, "show", session="../etc"),
            "range": await error(client, "update", session="s1", progress=150),
            "type": await error(client, "update", session="s1", progress="lots"),
            "nothing": await error(client, "update", session="s1"),
            "status": await error(client, "update", session="s1", status="sleeping"),
            "section": await error(client, "add", session="s1", section="nowhere", text="x"),
            "empty": await error(client, "add", session="s1", section="completed", text="   "),
            "blocker": await error(client, "resolve_blocker", session="s1", which="1"),
            "to": await error(client, "message", session="s1", to="nobody", text="hi"),
            "priority": await error(client, "message", session="s1", to="nobody", text="hi", priority="asap"),
            "exists": await error(client, "create_session", id="s1"),
            "event": await error(client, "events_add", session="s1", event_type="shout"),
            "both": await error(client, "events_query", session="s1", all_sessions=True),
            "regex": await error(client, "grep", pattern="("),
            "logs": await error(client, "logs_summary", session="s1"),
            "path": await error(client, "logs_link", session="s1", path="/no/such.jsonl"),
            "restore": await error(client, "restore", session="s1"),
            "missing": await error(client, "add", session="s1", section="completed"),
            "share": await error(client, "share_learning", category="API", text="x", priority="extreme"),
            "share kind": await error(client, "share_learning", category="API", text="x", kind="gossip"),
            "list": await error(client, "list_sessions", status="sleeping"),
            "board": await error(client, "board", stale_hours=0),
            "broadcast": await error(client, "broadcast", session="ghost", text="hi"),
            "inbox": await error(client, "inbox", session="ghost"),
            "ack": await error(client, "inbox_ack", session="s1", ids=["zzzzzzzz"]),
            "context": await error(client, "context", session="s1", max_chars=10),
            "handoff": await error(client, "handoff", session="s1", new_id="s1"),
            "archive": await error(client, "archive", session="s1", date="yesterday"),
            "commitments": await error(client, "commitments", session="s1", all_sessions=True),
            "failures": await error(client, "failures"),
            "tools": await error(client, "logs_tools", session="s1", sort="alphabet"),
            "query": await error(client, "events_query", session="s1", since="the dawn of time"),
            "nul": await error(client, "logs_summary", path="log\x00.jsonl", format="codex"),
        }

    errors = session(root, body)
    assert errors["no session"] == f"journal: error: {NO_SESSION}"
    assert errors["ghost"] == f"journal: error: no session 'ghost' in ACTIVE or ARCHIVE of {root}"
    assert errors["range"] == "journal: error: invalid arguments: progress: Input should be less than or equal to 100"
    assert errors["type"].startswith("journal: error: invalid arguments: progress: Input should be a valid integer")
    assert errors["nothing"].startswith("journal: error: nothing to update")
    assert errors["to"] == "journal: error: no active session 'nobody' to message (see 'journal board')"
    assert errors["missing"] == "journal: error: invalid arguments: text: Field required"
    assert errors["failures"] == errors["no session"]
    assert errors["share"].startswith("journal: error: invalid arguments: priority: Input should be 'low'")
    assert errors["handoff"] == "journal: error: the new session needs an id of its own"
    assert errors["nul"] == "journal: error: 'log\\x00.jsonl' is not a file name: it holds a NUL character"
    assert all(e.startswith("journal: error: ") for e in errors.values()), errors
    from journal.cli.main import main

    capsys.readouterr()
    assert main(["show", "ghost"]) == 2
    assert capsys.readouterr().err == errors["ghost"] + "\n"  # the very line the CLI prints
    assert md(root, "s1").count("- [x]") == 0  # nothing was written by the failed calls


def test_a_crash_reaches_the_client_without_its_details(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from journal.session import listing

    def broken(*a: object, **k: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(listing, "list_sessions", broken)

    async def body(client: Client) -> str:
        return await error(client, "list_sessions")

    text = session(root, body)
    assert "secret internals" not in text and text.startswith("Error executing tool list_sessions")


def test_journal_session_is_the_default_session(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("create", "mine", "Dev", "Mission")[0] == 0
    monkeypatch.setenv("JOURNAL_SESSION", "mine")

    async def body(client: Client) -> Any:
        return await ok(client, "add", section="next", text="Write the docs")

    assert session(root, body)["session"] == "mine"
    assert "- [ ] Write the docs" in md(root, "mine")


def test_coordination_tools(root: Path) -> None:
    for sid in ("api", "web", "ops"):
        assert run("create", sid, "Engineer", f"Mission of {sid}")[0] == 0
    assert run("add", "-s", "ops", "next", "Rotate the certificates")[0] == 0

    async def body(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["message"] = await ok(client, "message", session="api", to="web", text="Try the API", priority="high")
        out["broadcast"] = await ok(client, "broadcast", session="api", text="Freeze at 16:00", priority="urgent")
        out["inbox"] = await ok(client, "inbox", session="web")
        out["ack"] = await ok(client, "inbox_ack", session="web", ids=[out["message"]["id"]])
        out["inbox after"] = await ok(client, "inbox", session="web")
        out["board"] = await ok(client, "board", stale_hours=8)
        out["context"] = await ok(client, "context", session="web", max_chars=2000)
        await ok(client, "add", session="web", section="blocker", text="Needs the total field")
        out["blockers"] = await ok(client, "blockers")
        out["handoff"] = await ok(client, "handoff", session="ops", new_id="ops-2", archive=True)
        out["archive"] = await ok(client, "archive", session="ops-2")
        out["restore"] = await ok(client, "restore", session="ops-2")
        return out

    out = session(root, body)
    assert out["message"]["to"] == "web" and out["broadcast"]["to"] == "broadcast"
    assert [m["text"] for m in out["inbox"]] == ["Freeze at 16:00", "Try the API"]
    assert [m["id"] for m in out["ack"]["acknowledged"]] == [out["message"]["id"]]
    assert [m["text"] for m in out["inbox after"]] == ["Freeze at 16:00"]
    assert {r["id"] for r in out["board"]} == {"api", "web", "ops"}
    assert out["context"]["id"] == "web" and len(out["context"]["markdown"]) <= 2000
    assert out["blockers"][0]["blocker"] == "Needs the total field"
    assert out["handoff"]["to"] == "ops-2" and out["handoff"]["next_steps"] == ["Rotate the certificates"]
    assert out["archive"]["path"].startswith("sessions/ARCHIVE/ops-2-")
    assert out["restore"] == {"id": "ops-2", "path": "sessions/ACTIVE/ops-2.md", "archived": False}
    assert "Try the API" in md(root, "web").split("Messages Received", 1)[1]


def test_event_and_log_tools(root: Path, tmp_path: Path) -> None:
    assert run("create", "s1", "Dev", "Mission")[0] == 0
    log = tmp_path / "transcript.jsonl"
    shutil.copy(TRANSCRIPT, log)

    async def body(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["add"] = await ok(client, "events_add", session="s1", event_type="decision",
                              data={"decision": "Use rolling deploys"},
                              causal_steps=[{"step": "Compared options", "reasoning": "zero downtime"}],
                              open_commitments=[{"commitment": "Deploy phase 2", "status": "open"}],
                              failure_ledger=[{"attempt": "git push", "failure_reason": "403"}], tags=["deploy"])
        out["query"] = await ok(client, "events_query", session="s1", types=["decision"])
        out["commitments"] = await ok(client, "commitments", session="s1")
        out["failures"] = await ok(client, "failures", session="s1")
        out["link"] = await ok(client, "logs_link", session="s1", path=str(log), format="claude-code")
        out["summary"] = await ok(client, "logs_summary", session="s1")
        out["one"] = await ok(client, "logs_summary", path=str(log))
        out["tools"] = await ok(client, "logs_tools", session="s1", sort="calls")
        out["grep"] = await ok(client, "grep", pattern="transcript", ignore_case=True)
        out["list"] = await ok(client, "list_sessions", all_sessions=True)
        return out

    out = session(root, body)
    assert out["add"]["event_type"] == "decision" and out["add"]["provenance"]["source"] == "mcp"
    assert [e["event_id"] for e in out["query"]] == [out["add"]["event_id"]]
    assert [c["commitment"] for c in out["commitments"]] == ["Deploy phase 2"]
    assert [f["attempt"] for f in out["failures"]] == ["git push"]
    assert out["link"]["format"] == "claude-code" and out["summary"][0]["format"] == "claude-code"
    assert out["one"]["path"] == str(log) and out["tools"]["total"]["tool"] == "TOTAL"
    assert out["tools"]["total"]["calls"] == sum(r["calls"] for r in out["tools"]["tools"]) > 0
    assert "## Machine Logs" in md(root, "s1")
    assert [r["id"] for r in out["list"]] == ["s1"]


def test_resources_and_prompts(root: Path) -> None:
    assert run("create", "s1", "Dev", "Build the cart")[0] == 0
    assert run("add", "-s", "s1", "next", "Fix the cart total")[0] == 0

    async def body(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["list"] = [str(r.uri) for r in (await client.list_resources()).resources]
        out["templates"] = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        out["session"] = (await client.read_resource("journal://session/s1")).contents[0].text
        out["board"] = (await client.read_resource("journal://board")).contents[0].text
        out["knowledge"] = (await client.read_resource("journal://knowledge/learnings")).contents[0].text
        out["guide"] = (await client.read_resource("journal://guide")).contents[0].text
        try:
            await client.read_resource("journal://session/ghost")
        except Exception as e:  # the SDK raises the server's error
            out["ghost"] = str(e)
        out["prompts"] = [p.name for p in (await client.list_prompts()).prompts]
        out["resume"] = (await client.get_prompt("resume", {"session": "s1"})).messages[0].content.text
        out["handoff"] = (await client.get_prompt("handoff", {"session": "s1"})).messages[0].content.text
        return out

    out = session(root, body)
    assert {"journal://board", "journal://guide", "journal://session/s1", "journal://knowledge/learnings",
            "journal://knowledge/troubleshooting"} <= set(out["list"])
    assert {"journal://session/{session_id}", "journal://knowledge/{kind}"} <= set(out["templates"])
    assert out["session"] == md(root, "s1")
    assert json.loads(out["board"])[0]["id"] == "s1"
    assert out["knowledge"].startswith("# Learnings")
    assert "When to write what" in out["guide"]
    assert out["ghost"] == f"journal: error: no session 'ghost' in ACTIVE of {root}"
    assert set(out["prompts"]) == {"resume", "handoff"}
    assert "Fix the cart total" in out["resume"] and "# Context: s1" in out["resume"]
    assert "call `handoff`" in out["handoff"]


def test_eight_parallel_adds_over_mcp_lose_nothing(root: Path) -> None:
    assert run("create", "s1", "Dev", "Mission")[0] == 0

    async def body(client: Client) -> list[Any]:
        results: list[Any] = []

        async def one(k: int) -> None:
            results.append(await ok(client, "add", session="s1", section="completed", text=f"parallel entry {k}"))

        async with anyio.create_task_group() as tg:
            for k in range(8):
                tg.start_soon(one, k)
        return results

    results = session(root, body)
    text = md(root, "s1")
    assert sorted(r["event_id"] for r in results) == sorted({r["event_id"] for r in results})
    assert all(f"parallel entry {k}" in text for k in range(8))
    code, out = run("events", "query", "-s", "s1", "--json")
    adds = [e for e in json.loads(out) if e["data"].get("action") == "add-completed"]
    assert len(adds) == 8 and run("check")[0] == 0


def test_the_installed_server_over_stdio(root: Path, repo: Path) -> None:
    """The SDK's own stdio client drives `journal mcp`, as an agent CLI does."""
    import os

    env = {k: os.environ[k] for k in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "JOURNAL_USER") if k in os.environ}
    params = StdioServerParameters(command=str(JOURNAL), args=["mcp", "--root", str(root)], cwd=str(repo), env=env)
    errlog = open(repo / "mcp-stderr.log", "w+", encoding="utf-8")

    async def main() -> dict[str, Any]:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as client:
                init = await client.initialize()
                tools = (await client.list_tools()).tools
                created = await client.call_tool("create_session", {"id": "stdio-1", "role": "Agent",
                                                                    "mission": "Over stdio"})
                updated = await client.call_tool("update", {"session": "stdio-1", "status": "building",
                                                            "progress": 30})
                board = await client.call_tool("board", {})
                resource = await client.read_resource("journal://session/stdio-1")
                bad = await client.call_tool("show", {"session": "ghost"})
                return {"init": init, "tools": tools, "created": created, "updated": updated, "board": board,
                        "resource": resource, "bad": bad}

    with errlog:
        out = anyio.run(main)
        errlog.seek(0)
        stderr = errlog.read()
    assert out["init"].server_info.name == "journal"
    assert {t.name for t in out["tools"]} == TOOLS
    assert out["created"].structured_content["id"] == "stdio-1"
    assert out["updated"].structured_content == {"session": "stdio-1", "status": "building", "progress": 30,
                                                 "phases": [], "phases_done": []}
    assert [r["id"] for r in out["board"].structured_content["result"]] == ["stdio-1"]
    assert out["board"].structured_content["result"][0]["status"] == "building"
    assert "**Status:** Building" in out["resource"].contents[0].text
    assert out["bad"].is_error and out["bad"].content[0].text.startswith("journal: error: no session 'ghost'")
    assert "Traceback" not in stderr
    assert "**Progress:** 30%" in md(root, "stdio-1")


def test_without_the_mcp_extra_the_command_says_how_to_install_it(repo: Path) -> None:
    import subprocess

    code = ("import sys; sys.modules['mcp'] = None; sys.modules['mcp.server.mcpserver'] = None; "
            "from journal.cli import main; sys.exit(main(['mcp']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == ("journal: error: the MCP server needs the MCP SDK 2.x: install journal with its 'mcp' "
                           "extra: pip install 'session-journal[mcp]' (or '.[mcp]' in a checkout)\n")
