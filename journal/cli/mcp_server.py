"""``journal mcp``: the journal as a Model Context Protocol server (stdio), for AI agents.

Built on the official ``mcp`` SDK (2.x: ``mcp.server.mcpserver.MCPServer``), imported only
here, so no other command pays for it. Every tool calls the same library function as its
CLI command, in this process, under the same locks and with the same events, and returns
the same data as that command's ``--json`` (a list comes back as ``{"result": [...]}``,
the SDK's form for structured lists).

One server serves every agent session of a project, so a tool that acts in a session
takes ``session``; without it the server uses ``$JOURNAL_SESSION``, and otherwise says how
to find your session id. Bad input is a tool error whose text is the CLI's one line
(``journal: error: …``); nothing else reaches the client, and logs go to stderr only —
stdout carries the protocol.

Resources: ``journal://session/{id}`` (each active session's Markdown), ``journal://board``,
``journal://knowledge/{kind}`` (each shared-knowledge file) and ``journal://guide`` (how to
keep the log). Prompts: ``resume`` (the ``context`` briefing) and ``handoff``.
"""
from __future__ import annotations

import os
import sys
from typing import Annotated, Any, Literal, Optional

from journal.errors import InvalidInput, JournalError, NotFound
from journal.workspace import KNOWLEDGE_KINDS, Workspace

MISSING_SDK = ("the MCP server needs the MCP SDK 2.x: install journal with its 'mcp' extra: "
               "pip install 'session-journal[mcp]' (or '.[mcp]' in a checkout)")

try:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceError, ToolError
    from pydantic import Field, ValidationError
except ImportError as e:  # pragma: no cover - exercised without the extra
    raise JournalError(MISSING_SDK) from e

NO_SESSION = ("no session given: pass session=ID (the journal briefing at the start of your session names it; "
              "list_sessions shows every session) or start the server with $JOURNAL_SESSION set")
INSTRUCTIONS = ("The team's session journal. Keep your session's log current: update when you start or switch "
                "tasks, add completed work, blockers and next steps, share learnings, message other sessions. "
                "Tools that act in a session take `session` (your id is in the journal briefing you got when "
                "your session started). Read journal://guide for when to write what.")

Session = Annotated[Optional[str], Field(description="The session to act in (default: $JOURNAL_SESSION of the server).")]
Priority = Literal["low", "normal", "high", "urgent"]
LearningPriority = Literal["low", "medium", "high", "critical"]
KnowledgeKind = Literal["learnings", "best-practices", "patterns", "troubleshooting"]
LogFormat = Literal["auto", "claude-code", "codex", "gemini", "copilot", "zag", "massgen", "journal"]
JsonObject = dict[str, Any]


def _error_line(e: BaseException) -> str:
    """The CLI's one line for an error (see ``journal.cli.main.main``)."""
    if isinstance(e, JournalError):
        return f"journal: error: {e}"
    if isinstance(e, ValidationError):
        parts = []
        for err in e.errors():
            where = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return "journal: error: invalid arguments: " + "; ".join(parts)
    if isinstance(e, OSError):
        where = f": {e.filename}" if e.filename else ""
        return f"journal: error: {e.strerror or e}{where}"
    return f"journal: internal error: {type(e).__name__} (see the server's log)"


class JournalServer(MCPServer):
    """MCPServer whose tool errors are the CLI's one-line messages, and whose resource list
    names every active session and shared-knowledge file as they are now."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__("journal", instructions=INSTRUCTIONS, log_level="WARNING",
                         version=_version())
        self.ws = ws

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            cause = e.__cause__
            if isinstance(cause, (JournalError, ValidationError, OSError)):
                if not isinstance(cause, (JournalError, ValidationError)):
                    import logging

                    logging.getLogger("journal.mcp").warning("tool %s: %s", name, cause)
                raise ToolError(_error_line(cause)) from cause
            raise

    async def list_resources(self) -> list[Any]:
        from mcp_types import Resource

        found = list(await super().list_resources())
        from journal.workspace import scan_sessions

        for ref in sorted(scan_sessions(self.ws), key=lambda r: r.id):
            found.append(Resource(uri=f"journal://session/{ref.id}", name=f"session {ref.id}",
                                  description=f"The Markdown log of session {ref.id}", mime_type="text/markdown"))
        for kind in KNOWLEDGE_KINDS:
            if self.ws.knowledge_path(kind).is_file():
                found.append(Resource(uri=f"journal://knowledge/{kind}", name=f"shared {kind}",
                                      description=f"shared-knowledge/{kind}.md", mime_type="text/markdown"))
        return found


def _version() -> str:
    from journal import __version__

    return __version__


def _plain(value: Any) -> Any:
    """``value`` as the CLI's ``--json`` prints it (same encoder, same fallbacks)."""
    import orjson

    return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str))


def build_server(ws: Workspace) -> JournalServer:
    """The server with every tool, resource and prompt, acting on workspace ``ws``."""
    app = JournalServer(ws)

    def sid(session: str | None, required: bool = True) -> str | None:
        from journal.ids import validate_id

        value = session or os.environ.get("JOURNAL_SESSION") or None
        if value is None:
            if required:
                raise InvalidInput(NO_SESSION)
            return None
        return validate_id(value)

    def need(session: str | None) -> str:
        value = sid(session)
        assert value is not None
        return value

    def scope(session: str | None, all_sessions: bool) -> str | None:
        if all_sessions:
            if session:
                raise InvalidInput("give either session or all_sessions, not both")
            return None
        return need(session)

    # -- the session journal ---------------------------------------------------------------
    @app.tool()
    def create_session(
        id: Annotated[Optional[str], Field(description="Session id (default: a generated, collision-free one).")] = None,
        role: Annotated[Optional[str], Field(description="Role, e.g. 'Backend Engineer'.")] = None,
        mission: Annotated[Optional[str], Field(description="What the session is for.")] = None,
        agent: Annotated[Optional[str], Field(description="The AI agent that owns it (e.g. claude-code).")] = None,
        model: Annotated[Optional[str], Field(description="The agent's model.")] = None,
    ) -> JsonObject:
        """Start a session log in ACTIVE/ from the template (journal create). Returns its id and path."""
        from journal.session.store import create_session as create

        ref = create(ws, id, role, mission, agent=agent, model=model)
        return _plain({"id": ref.id, "path": str(ref.path)})

    @app.tool()
    def show(
        session: Session = None,
        section: Annotated[Optional[str], Field(description="Only this section (e.g. blockers, next, 'Current Work').")] = None,
        events: Annotated[bool, Field(description="Interleave the session's events.")] = False,
    ) -> JsonObject:
        """A session log (active or archived): text, frontmatter and sections (journal show)."""
        from journal.session.show import show_session

        return _plain(show_session(ws, need(session), section=section, with_events=events))

    @app.tool()
    def update(
        session: Session = None,
        working_on: Annotated[Optional[str], Field(description="What you work on right now.")] = None,
        status: Annotated[Optional[str], Field(description="planning, building, testing, blocked, review or done (or a configured one).")] = None,
        progress: Annotated[Optional[int], Field(description="Progress, 0-100.", ge=0, le=100)] = None,
        phases: Annotated[list[str], Field(description="Phases to add to the checklist.")] = [],  # noqa: B006
        phases_done: Annotated[list[str], Field(description="Phases to tick off, by text or number.")] = [],  # noqa: B006
    ) -> JsonObject:
        """Update the Current Work section: working on, status, progress, phase checklist (journal update)."""
        from journal.session.edits import update_current_work

        s = need(session)
        changes = update_current_work(ws, s, working_on=working_on, status=status, progress=progress,
                                      phases=tuple(phases), phases_done=tuple(phases_done))
        return _plain({"session": s, **changes})

    @app.tool()
    def add(
        section: Annotated[str, Field(description="completed, service, learning, blocker, next, collaboration, or a '## heading' of the template.")],
        text: Annotated[str, Field(description="The entry (may be several lines).")],
        session: Session = None,
    ) -> JsonObject:
        """Add an entry to a section of the session log (journal add)."""
        from journal.session.edits import add_entry

        return _plain(add_entry(ws, need(session), section, text))

    @app.tool()
    def resolve_blocker(
        which: Annotated[str, Field(description="The number among open blockers (1 = first), or (part of) its text.")],
        note: Annotated[Optional[str], Field(description="How it was resolved.")] = None,
        session: Session = None,
    ) -> JsonObject:
        """Mark an open blocker resolved; it stays visible, ticked, with the date (journal resolve blocker)."""
        from journal.session.edits import resolve_blocker as resolve

        return _plain(resolve(ws, need(session), which, note))

    @app.tool()
    def share_learning(
        category: Annotated[str, Field(description="Category, e.g. Performance.")],
        text: Annotated[str, Field(description="The learning.")],
        priority: Annotated[Optional[LearningPriority], Field(description="How much it matters.")] = None,
        kind: Annotated[KnowledgeKind, Field(description="Which shared-knowledge file.")] = "learnings",
        session: Annotated[Optional[str], Field(description="Attribute it to this session and record it in its Learnings (default: $JOURNAL_SESSION; none: unattributed).")] = None,
    ) -> JsonObject:
        """Share a learning with every session (shared-knowledge/), recorded in your session too (journal share-learning)."""
        from journal.session.knowledge import share_learning as share

        return _plain(share(ws, category, text, priority, session_id=sid(session, required=False), kind=kind))

    @app.tool()
    def grep(
        pattern: Annotated[str, Field(description="A regular expression (Python syntax).")],
        archived: Annotated[bool, Field(description="Search archived logs too.")] = False,
        knowledge: Annotated[bool, Field(description="Search shared-knowledge/ too.")] = False,
        section: Annotated[Optional[str], Field(description="Only hits inside this section.")] = None,
        ignore_case: Annotated[bool, Field(description="Ignore case.")] = False,
    ) -> list[JsonObject]:
        """Search the logs; each hit names its session, section, line number and line (journal grep)."""
        from journal.session.grep import grep as search

        hits = search(ws, pattern, archived=archived, knowledge=knowledge, section=section, ignore_case=ignore_case)
        return _plain([h.as_dict() for h in hits])

    @app.tool()
    def list_sessions(
        archived: Annotated[bool, Field(description="Archived sessions only.")] = False,
        all_sessions: Annotated[bool, Field(description="Active and archived sessions.")] = False,
        status: Annotated[Optional[str], Field(description="Only sessions with this status.")] = None,
    ) -> list[JsonObject]:
        """Sessions, most recently updated first (journal list)."""
        from journal.session.listing import list_sessions as rows

        return _plain(rows(ws, archived=archived, include_all=all_sessions, status=status))

    @app.tool()
    def archive(
        session: Session = None,
        date: Annotated[Optional[str], Field(description="Archive date, YYYY-MM-DD (default: today).")] = None,
    ) -> JsonObject:
        """Move a finished session log to ARCHIVE/<id>-<date>.md, status done (journal archive)."""
        from journal.session.store import archive_session

        ref = archive_session(ws, need(session), date)
        return _plain({"id": ref.id, "path": ws.rel(ref.path), "archived": True})

    @app.tool()
    def restore(session: Annotated[str, Field(description="The archived session to bring back.")]) -> JsonObject:
        """Bring an archived session back to ACTIVE/ with its former status (journal restore)."""
        from journal.session.store import restore_session

        ref = restore_session(ws, need(session))
        return _plain({"id": ref.id, "path": ws.rel(ref.path), "archived": False})

    # -- coordination ------------------------------------------------------------------------
    @app.tool()
    def board(
        stale_hours: Annotated[Optional[float], Field(description="Flag sessions idle longer than this (default: the stale_hours setting).", gt=0)] = None,
    ) -> list[JsonObject]:
        """Every active session: role, status, progress, blockers, unread mail, what needs attention (journal board)."""
        from journal.coordination.board import board as rows

        return _plain(rows(ws, stale_hours))

    @app.tool()
    def blockers() -> list[JsonObject]:
        """Every open blocker across active sessions, oldest first (journal blockers)."""
        from journal.coordination.board import team_blockers

        return _plain(team_blockers(ws))

    @app.tool()
    def message(
        to: Annotated[str, Field(description="The active session to write to.")],
        text: Annotated[str, Field(description="The message.")],
        priority: Annotated[Priority, Field(description="How urgent it is.")] = "normal",
        session: Session = None,
    ) -> JsonObject:
        """Send a message to another session; it is recorded in your own log (journal message)."""
        from journal.coordination.mail import send_message

        return _plain(send_message(ws, need(session), to, text, priority).as_dict())

    @app.tool()
    def broadcast(
        text: Annotated[str, Field(description="The message.")],
        priority: Annotated[Priority, Field(description="How urgent it is.")] = "normal",
        session: Session = None,
    ) -> JsonObject:
        """Send a message to every session (journal broadcast)."""
        from journal.coordination.mail import broadcast as send

        return _plain(send(ws, need(session), text, priority).as_dict())

    @app.tool()
    def inbox(
        session: Session = None,
        include_read: Annotated[bool, Field(description="Show read messages too.")] = False,
    ) -> list[JsonObject]:
        """Messages to your session and broadcasts, newest first, with unread marked (journal inbox)."""
        from journal.coordination.mail import inbox as read

        return _plain([m.as_dict() for m in read(ws, need(session), include_read=include_read)])

    @app.tool()
    def inbox_ack(
        session: Session = None,
        ids: Annotated[list[str], Field(description="Only these messages (id, or its first/last 6+ characters); default: every unread one.")] = [],  # noqa: B006
    ) -> JsonObject:
        """Mark messages read by recording them under your Messages Received (journal inbox --ack)."""
        from journal.coordination.mail import acknowledge

        s = need(session)
        done = acknowledge(ws, s, ids or None)
        return _plain({"session": s, "acknowledged": [m.as_dict() for m in done]})

    @app.tool()
    def context(
        session: Session = None,
        max_chars: Annotated[int, Field(description="Keep the briefing under this many characters.", ge=200)] = 6000,
    ) -> JsonObject:
        """The briefing to pick a session up: mission, status, work, blockers, next steps, mail, learnings (journal context)."""
        from journal.coordination.context import briefing

        return _plain(briefing(ws, need(session), max_chars))

    @app.tool()
    def handoff(
        session: Annotated[Optional[str], Field(description="The session being handed off (default: $JOURNAL_SESSION).")] = None,
        new_id: Annotated[Optional[str], Field(description="Id of the new session (default: generated).")] = None,
        role: Annotated[Optional[str], Field(description="Role of the new session (default: the old one's).")] = None,
        mission: Annotated[Optional[str], Field(description="Mission of the new session (default: the old one's).")] = None,
        archive: Annotated[bool, Field(description="Archive the old session in the same step.")] = False,
        agent: Annotated[Optional[str], Field(description="The AI agent that owns the new session.")] = None,
        model: Annotated[Optional[str], Field(description="The agent's model.")] = None,
    ) -> JsonObject:
        """Start a new session from this one's unchecked next steps and open blockers, linked both ways (journal handoff)."""
        from journal.coordination.handoff import handoff as hand_over

        return _plain(hand_over(ws, need(session), new_id, role=role, mission=mission, archive=archive,
                                agent=agent, model=model))

    # -- the event log -----------------------------------------------------------------------
    @app.tool()
    def events_add(
        event_type: Annotated[str, Field(description="user_message, tool_call, tool_result, state_change, commitment, error, constraint_applied, decision, note, or x-NAME.")],
        session: Session = None,
        data: Annotated[Optional[JsonObject], Field(description="The payload, a JSON object.")] = None,
        agent: Annotated[Optional[str], Field(description="Who acts (default: $JOURNAL_AGENT).")] = None,
        source: Annotated[str, Field(description="Where the event comes from.")] = "mcp",
        causal_steps: Annotated[Optional[list[JsonObject]], Field(description='Reasoning: [{"step", "reasoning", "alternatives_considered"}].')] = None,
        active_constraints: Annotated[Optional[list[JsonObject]], Field(description='[{"constraint", "source", "priority"}].')] = None,
        failure_ledger: Annotated[Optional[list[JsonObject]], Field(description='[{"attempt", "failure_reason", "timestamp", "error_code"}].')] = None,
        open_commitments: Annotated[Optional[list[JsonObject]], Field(description='[{"commitment", "status", "dependencies", "id"}].')] = None,
        key_entities: Annotated[Optional[JsonObject], Field(description='{"name": {"full_name", "type", "location"}}.')] = None,
        depends_on: Annotated[list[str], Field(description="Event ids this one depends on.")] = [],  # noqa: B006
        blocks: Annotated[list[str], Field(description="Event ids this one blocks.")] = [],  # noqa: B006
        tags: Annotated[list[str], Field(description="Tags.")] = [],  # noqa: B006
    ) -> JsonObject:
        """Append one validated event to the session's machine event log (journal events add)."""
        from journal.events.store import append_event
        from journal.session.store import locate

        s = need(session)
        ws.require()
        locate(ws, s)  # a typo must not start a stray log
        deps = {k: v for k, v in (("depends_on", depends_on), ("blocks", blocks)) if v} or None
        return _plain(append_event(ws, s, event_type, data=data, agent=agent, source=source,
                                   causal_steps=causal_steps, active_constraints=active_constraints,
                                   failure_ledger=failure_ledger, open_commitments=open_commitments,
                                   key_entities=key_entities, dependencies=deps, tags=tags or None))

    @app.tool()
    def events_query(
        session: Session = None,
        all_sessions: Annotated[bool, Field(description="Every session's log, merged by time.")] = False,
        types: Annotated[list[str], Field(description="Only these event types.")] = [],  # noqa: B006
        agent: Annotated[Optional[str], Field(description="Only events of this agent.")] = None,
        since: Annotated[Optional[str], Field(description="From this time: ISO 8601, or 30m, 2h, 3d, today, yesterday.")] = None,
        until: Annotated[Optional[str], Field(description="Up to this time (same forms).")] = None,
        contains: Annotated[Optional[str], Field(description="Only events with this text in a value (case-insensitive).")] = None,
        limit: Annotated[Optional[int], Field(description="Only the N most recent matches.", ge=0)] = None,
    ) -> list[JsonObject]:
        """Events oldest first, filtered; spooled hook events and compressed logs included (journal events query)."""
        from journal.events.query import query_events

        result = query_events(ws, scope(session, all_sessions), types=types, agent=agent, since=since,
                              until=until, contains=contains, limit=limit)
        _warn(result.warnings)
        return _plain(result.events)

    @app.tool()
    def commitments(
        session: Session = None,
        all_sessions: Annotated[bool, Field(description="Every session's log.")] = False,
    ) -> list[JsonObject]:
        """Commitments whose latest status is not done or cancelled (journal events commitments)."""
        from journal.events.ledger import open_commitments

        items, warnings = open_commitments(ws, scope(session, all_sessions))
        _warn(warnings)
        return _plain(items)

    @app.tool()
    def failures(
        session: Session = None,
        all_sessions: Annotated[bool, Field(description="Every session's log.")] = False,
    ) -> list[JsonObject]:
        """Failure-ledger entries and error events, in time order (journal events failures)."""
        from journal.events.ledger import failures as find

        items, warnings = find(ws, scope(session, all_sessions))
        _warn(warnings)
        return _plain(items)

    # -- agent logs --------------------------------------------------------------------------
    @app.tool()
    def logs_link(
        path: Annotated[str, Field(description="The agent's log file (or MassGen log directory).")],
        session: Session = None,
        format: Annotated[LogFormat, Field(description="The log's format.")] = "auto",
    ) -> JsonObject:
        """Record an agent log in the session's frontmatter and its Machine Logs section (journal logs link)."""
        from journal.session import machine_logs

        return _plain(machine_logs.link(ws, need(session), path, format))

    @app.tool()
    def logs_summary(
        path: Annotated[Optional[str], Field(description="A log file (default: every log linked to the session).")] = None,
        session: Session = None,
        format: Annotated[LogFormat, Field(description="The log's format.")] = "auto",
    ) -> JsonObject | list[JsonObject]:
        """The summary: duration, tokens, turns, errors, top tools, from the agent's own log (journal logs summary)."""
        from journal.session import machine_logs

        if path:
            return _plain(machine_logs.summarize_path(ws, path, format).to_dict())
        return _plain([s.to_dict() for s in machine_logs.session_summaries(ws, need(session))])

    @app.tool()
    def logs_tools(
        path: Annotated[Optional[str], Field(description="A log file (default: every log linked to the session).")] = None,
        session: Session = None,
        sort: Annotated[Literal["calls", "time", "failures"], Field(description="Order of the rows.")] = "time",
        format: Annotated[LogFormat, Field(description="The log's format.")] = "auto",
    ) -> JsonObject:
        """The tool table: calls, time, average, failures per tool, and a TOTAL row (journal logs tools)."""
        from journal.agentlogs.model import merged_tools
        from journal.cli.logs_report import tool_rows, tool_total
        from journal.session import machine_logs

        if path:
            sums = [machine_logs.summarize_path(ws, path, format)]
        else:
            sums = machine_logs.session_summaries(ws, need(session))
        rows = tool_rows(merged_tools(sums), sort)
        return _plain({"tools": rows, "total": tool_total(rows)})

    # -- resources ---------------------------------------------------------------------------
    def resource_text(read: Any) -> str:
        try:
            return str(read())
        except (JournalError, OSError) as e:
            raise ResourceError(_error_line(e)) from e

    @app.resource("journal://session/{session_id}", name="session", mime_type="text/markdown")
    def session_log(session_id: str) -> str:
        """The Markdown log of an active session."""
        from journal.session.store import read_session

        def read() -> str:
            from journal.ids import validate_id

            _ref, doc = read_session(ws, validate_id(session_id), archived=False)
            return doc.text()

        return resource_text(read)

    @app.resource("journal://board", name="board", mime_type="application/json")
    def board_resource() -> str:
        """Every active session at a glance (the board, as journal board --json prints it)."""
        import orjson

        from journal.coordination.board import board as rows

        return resource_text(lambda: orjson.dumps(rows(ws), option=orjson.OPT_INDENT_2, default=str).decode())

    @app.resource("journal://knowledge/{kind}", name="shared knowledge", mime_type="text/markdown")
    def knowledge(kind: str) -> str:
        """A shared-knowledge file: learnings, best-practices, patterns or troubleshooting."""
        from journal.fsutil import read_text

        def read() -> str:
            if kind not in KNOWLEDGE_KINDS:
                raise NotFound(f"no shared-knowledge file {kind!r}: use one of {', '.join(KNOWLEDGE_KINDS)}")
            return read_text(ws.knowledge_path(kind))

        return resource_text(read)

    @app.resource("journal://guide", name="guide", mime_type="text/markdown")
    def guide() -> str:
        """How to keep your session log: when to update, add, share, message and hand off."""
        from journal.agentsetup import agent_guide

        return agent_guide()

    # -- prompts -----------------------------------------------------------------------------
    @app.prompt()
    def resume(session: Annotated[str, Field(description="The session to resume.")]) -> str:
        """Resume a session: its briefing (mission, status, blockers, next steps, mail, learnings)."""
        from journal.coordination.context import briefing

        try:
            text = briefing(ws, need(session))["markdown"]
        except JournalError as e:
            raise ValueError(_error_line(e)) from e
        return (f"You are resuming journal session `{session}`. Here is its briefing; continue from its "
                f"next steps, and keep its log current (pass session=\"{session}\" to the journal tools).\n\n{text}")

    @app.prompt(name="handoff")
    def handoff_prompt(session: Annotated[str, Field(description="The session to hand off.")]) -> str:
        """Hand a session off: write down what is left, then start the session that continues it."""
        from journal.coordination.context import briefing

        try:
            text = briefing(ws, need(session))["markdown"]
        except JournalError as e:
            raise ValueError(_error_line(e)) from e
        return (f"Hand off journal session `{session}`. First make its log tell the next session everything: "
                "`add` a `next` entry for each step that is left, `add` a `blocker` for anything in the way (or "
                "`resolve_blocker` what is done), and `update` its status and progress. Then call `handoff` with "
                f"session=\"{session}\" (archive=true if this session is finished) and report the new session's "
                f"id.\n\nWhere it stands now:\n\n{text}")

    return app


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        sys.stderr.write(f"journal: warning: {w}\n")


def serve(root: str | None = None) -> None:
    """Run the server over stdio until the client closes it."""
    from journal.parallel import serving

    serving()
    ws = Workspace.open(root)
    if not ws.exists():  # still serve: create_session makes the workspace, other tools say so
        sys.stderr.write(f"journal: warning: no journal workspace at {ws.root} yet (run 'journal init')\n")
    build_server(ws).run("stdio")


__all__ = ["build_server", "serve", "JournalServer"]
