"""What the live hooks do besides recording events: a session that journals itself.

``journal hook <cli>`` (``journal.cli.hook``) spools every payload for the event log and
stays on its fast path; it comes here only for the moments that need the journal itself:

- **SessionStart** finds or makes the journal session of the agent's session (``$JOURNAL_SESSION``
  wins; then the index under ``.journal/hooks/``; then the ``agent_sessions`` recorded in
  the logs' frontmatter; else a new session), records the mapping, links the agent's
  transcript, exports the id to Claude Code's shell, and answers with a briefing that
  names the session and carries its unread messages.
- **Stop / SessionEnd** link the transcript if it was not there yet, refresh its summary
  in the log (``journal logs refresh``) and set ``updated``.
- **Messages** addressed to the session (and broadcasts) are handed to the agent on the
  next prompt, urgent ones also after a tool call, each once: they are acknowledged as
  ``journal inbox --ack`` does, and only what was newly acknowledged is shown.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from journal import hookstate
from journal.errors import JournalError
from journal.hooks import HookEvent, carries_context, parse_data
from journal.workspace import Workspace, scan_sessions

META_KEY = "agent_sessions"
CLI_NAMES = {"claude-code": "Claude Code", "codex": "Codex CLI", "gemini": "Gemini CLI",
             "copilot": "Copilot CLI"}
MAX_CONTEXT = 9000
"""Claude Code saves additional context over 10,000 characters to a file and shows a preview."""
MAX_MESSAGES_TEXT = 3500
PROMPT = "prompt"
URGENT = "urgent"
URGENT_EVERY_S = 15.0
"""After a tool call, the other logs are looked at for urgent mail at most this often."""


def _event(cli: str, data: dict[str, Any] | None) -> HookEvent:
    return parse_data(cli, data) if isinstance(data, dict) else HookEvent(cli=cli)


# -- which session ------------------------------------------------------------------------
def _recorded(ws: Workspace, cli: str, provider: str) -> str | None:
    """The active session whose frontmatter names this agent session (the slow way)."""
    from journal.session.document import read_frontmatter_file

    for ref in scan_sessions(ws):
        try:
            meta = read_frontmatter_file(ref.path)
        except (JournalError, OSError):
            continue
        for entry in meta.get(META_KEY) or ():
            if isinstance(entry, dict) and entry.get("cli") == cli and entry.get("id") == provider:
                return ref.id
    return None


def _mapping_entry(cli: str, ev: HookEvent) -> dict[str, Any]:
    from journal import clock

    entry: dict[str, Any] = {"cli": cli, "id": ev.session_id, "started": clock.iso()}
    if ev.transcript_path:
        entry["transcript"] = ev.transcript_path
    return entry


def find_or_create(ws: Workspace, cli: str, ev: HookEvent, env: Mapping[str, str]) -> tuple[str, str]:
    """(the journal session of this agent session, how it was found: ``env``, ``index``,
    ``frontmatter``, ``created`` or ``restored``)."""
    from journal.ids import validate_id
    from journal.session.store import create_session, find_archived, restore_session

    wanted = env.get("JOURNAL_SESSION")
    if wanted:
        validate_id(wanted)
        if ws.active_path(wanted).is_file():
            return wanted, "env"
        if find_archived(ws, wanted):
            restore_session(ws, wanted)
            return wanted, "restored"
    else:
        if ev.session_id:
            hit = hookstate.lookup(str(ws.root), cli, ev.session_id)
            if hit and ws.active_path(hit["session"]).is_file():
                return hit["session"], "index"
            # Without the index (a fresh clone, .journal/ cleaned) the logs still say it.
            found = None if hookstate.has_index(str(ws.root), cli) else _recorded(ws, cli, ev.session_id)
            if found:
                return found, "frontmatter"
    name = CLI_NAMES.get(cli, cli)
    mission = None
    if ev.prompt:  # Copilot's initial prompt
        first = " ".join(ev.prompt.split())
        mission = first if len(first) <= 200 else first[:199] + "…"
    model = ev.raw.get("model") if isinstance(ev.raw.get("model"), str) else None
    extra = {META_KEY: [_mapping_entry(cli, ev)]} if ev.session_id else None
    ref = create_session(ws, wanted or None, f"{name} agent", mission, agent=cli, model=model,
                         extra_meta=extra)
    return ref.id, "created"


def _record_mapping(ws: Workspace, sid: str, cli: str, ev: HookEvent) -> None:
    """Name the agent session in the log's frontmatter (once) and in the index."""
    from journal.session.store import mutate_session

    if not ev.session_id:
        return
    entry = _mapping_entry(cli, ev)

    def edit(doc: Any) -> None:
        current = [e for e in doc.meta.get(META_KEY) or () if isinstance(e, dict)]
        if any(e.get("cli") == cli and e.get("id") == ev.session_id for e in current):
            return
        doc.set_meta(META_KEY, [*current, entry])

    mutate_session(ws, sid, edit)
    index = {"session": sid}
    if ev.transcript_path:
        index["transcript"] = ev.transcript_path
    hookstate.remember(str(ws.root), cli, ev.session_id, index)


# -- transcripts ----------------------------------------------------------------------------
def _link_transcript(ws: Workspace, sid: str, cli: str, transcript: str | None) -> str | None:
    """Link the agent's transcript to the session (refreshing it when linked already);
    a note when it cannot be, None when done or when there is none yet."""
    from journal.session import machine_logs

    if not transcript:
        return None
    log = Path(transcript).expanduser()
    if not log.exists():
        return None  # the CLI writes it once the conversation starts: linked at Stop
    try:
        machine_logs.link(ws, sid, log, cli)
    except JournalError as e:
        return f"transcript not linked: {e}"
    return None


def _is_linked(ws: Workspace, sid: str, transcript: str) -> bool:
    from journal.session.machine_logs import linked_entries, stored_path
    from journal.session.store import read_session

    _ref, doc = read_session(ws, sid)
    want = stored_path(ws, Path(transcript).expanduser())
    return any(e.get("path") == want for e in linked_entries(doc))


def finish(root: str, cli: str, sid: str, data: dict[str, Any] | None) -> None:
    """Stop / SessionEnd: the transcript linked and its summary refreshed, ``updated`` set."""
    from journal import clock
    from journal.session import machine_logs
    from journal.session.store import locate, mutate_session

    ws = Workspace.open(root)
    try:
        ref = locate(ws, sid)
    except JournalError:
        return
    if ref.archived:
        return
    ev = _event(cli, data)
    transcript = ev.transcript_path
    if not transcript and ev.session_id:
        hit = hookstate.lookup(root, cli, ev.session_id)
        transcript = hit.get("transcript") if hit else None
    if transcript and Path(transcript).expanduser().exists() and not _is_linked(ws, sid, transcript):
        _link_transcript(ws, sid, cli, transcript)
    else:
        machine_logs.refresh(ws, sid)
    mutate_session(ws, sid, lambda doc: doc.set_meta("updated", clock.iso()))
    _drain(ws, sid)


def _drain(ws: Workspace, sid: str) -> None:
    """Turn the turn's spooled hook records into events now, so the spool stays small
    even when nothing reads the log for a while."""
    from journal.events.store import ingest

    try:
        ingest(ws, sid)
    except (JournalError, OSError):
        pass  # the next read or append of the log drains it


# -- messages -------------------------------------------------------------------------------
def _render_messages(sid: str, messages: list[Any]) -> str:
    lines = [f"## New messages for session {sid} ({len(messages)}, now marked read)", ""]
    for m in messages:
        who = f"broadcast from {m.sender}" if m.broadcast else f"from {m.sender}"
        via = f" (to {m.via}, which you continue)" if m.via else ""
        lines.append(f"- **{m.priority}** {who}{via}, {m.sent} UTC, message `{m.id}`:")
        lines.extend("  " + line for line in m.text.split("\n"))
    lines += ["", f"Answer with the journal `message` tool (or `journal message TO \"…\" -s {sid}`)."]
    return "\n".join(lines) + "\n"


def take_messages(ws: Workspace, sid: str, urgent_only: bool = False,
                  budget: int = MAX_MESSAGES_TEXT) -> list[Any]:
    """Unread messages of ``sid`` (oldest first, within ``budget`` characters), acknowledged
    now; only those this call acknowledged are returned, so each is handed over once."""
    from journal.coordination.mail import acknowledge, inbox

    unread = sorted(inbox(ws, sid), key=lambda m: (m.sent, m.id))
    if urgent_only:
        unread = [m for m in unread if m.priority == "urgent"]
    picked: list[Any] = []
    used = 0
    for m in unread:
        size = len(m.text) + 120
        if picked and used + size > budget:
            break  # the rest waits for the next prompt
        picked.append(m)
        used += size
    if not picked:
        return []
    done = acknowledge(ws, sid, [m.id for m in picked])
    return sorted(done, key=lambda m: (m.sent, m.id))


def deliver(root: str, sid: str, urgent_only: bool = False) -> str | None:
    """The context that hands ``sid``'s new messages to its agent, or None."""
    from journal.session.store import locate

    ws = Workspace.open(root)
    purpose = URGENT if urgent_only else PROMPT
    stamp, now = hookstate.mail_stamp(root, sid), time.time()
    try:
        if locate(ws, sid).archived:
            return None
        done = take_messages(ws, sid, urgent_only)
    finally:
        hookstate.write_mark(root, sid, purpose, stamp, now)
    return _render_messages(sid, done) if done else None


# -- SessionStart ---------------------------------------------------------------------------
def session_start(root: str, cli: str, data: dict[str, Any] | None, line: Callable[[], bytes],
                  env: Mapping[str, str]) -> str | None:
    """Everything SessionStart does (see the module's docstring); returns the context for the
    agent: the session's id, new messages and its briefing."""
    from journal.agentsetup import export_session
    from journal.coordination.context import briefing
    from journal.events import spool

    ws = Workspace.open(root)
    ev = _event(cli, data)
    sid, how = find_or_create(ws, cli, ev, env)
    spool.append(root, sid, line())  # recorded after the session's creation event
    notes: list[str] = []
    _record_mapping(ws, sid, cli, ev)
    note = _link_transcript(ws, sid, cli, ev.transcript_path)
    if note:
        notes.append(note)
    exported = False
    if cli == "claude-code" and env.get("CLAUDE_ENV_FILE"):
        try:
            export_session(env["CLAUDE_ENV_FILE"], sid)
            exported = True
        except (JournalError, OSError) as e:
            notes.append(f"$JOURNAL_SESSION not exported: {e}")
    if not carries_context(cli, "session_start"):
        _drain(ws, sid)
        return None
    stamp, now = hookstate.mail_stamp(root, sid), time.time()
    messages = take_messages(ws, sid)
    for purpose in (PROMPT, URGENT):
        hookstate.write_mark(root, sid, purpose, stamp, now)
    started = {"created": "a new journal session was started for it",
               "restored": "the archived session was restored",
               }.get(how, "it continues this journal session")
    head = [f"# Journal: you are session `{sid}`", "",
            f"This {CLI_NAMES.get(cli, cli)} session journals into `{sid}` ({started}). Pass "
            f"`session: \"{sid}\"` to the journal MCP tools, or `-s {sid}` to the `journal` CLI"
            + (" ($JOURNAL_SESSION is set for your shell commands)." if exported else "."),
            "Keep the log current: `update` when you start or switch tasks, `add` completed "
            "work, blockers and next steps, `share_learning` what others should know.", ""]
    head += [f"_{n}_" for n in notes]
    text = "\n".join(head) + "\n"
    if messages:
        text += "\n" + _render_messages(sid, messages)
    room = max(1000, MAX_CONTEXT - len(text) - 2)
    try:
        text += "\n" + briefing(ws, sid, room)["markdown"]
    except JournalError as e:
        text += f"\n_(no briefing: {e})_\n"
    _drain(ws, sid)
    return text[:MAX_CONTEXT]

