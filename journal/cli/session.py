"""Commands of the session journal: init, create, update, add, resolve, share-learning,
archive, restore, list, show, edit, grep, check, adopt."""
from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from journal.cli import fastpath
from journal.cli.common import out, print_json, read_text_arg, session_id, workspace
from journal.cli.options import JsonOpt, SessionOpt, WideOpt


def init(
    root: Optional[str] = typer.Option(None, "--root", help="Where to create the workspace."),
    agent_instructions: Optional[str] = typer.Option(
        None, "--agent-instructions", metavar="FILES",
        help="Also keep journal's block in agent instruction files: claude (CLAUDE.md), agents (AGENTS.md), "
             "gemini (GEMINI.md), copilot (.github/copilot-instructions.md), comma-separated, or all."),
) -> None:
    """Create the workspace: template, ACTIVE/, ARCHIVE/, shared-knowledge/, events/.

    Examples: journal init · journal init --agent-instructions claude,agents,gemini,copilot
    """
    from journal.init import init_with_instructions, init_workspace
    from journal.workspace import Workspace

    ws = Workspace.open(root) if root else workspace()
    if agent_instructions is None:
        created = init_workspace(ws)
        changes: list[Any] = []
    else:
        project = ws.git_root or Path.cwd()
        created, changes = init_with_instructions(ws, [agent_instructions], project)
    out(f"workspace ready at {ws.root}" + (f" ({len(created)} files and folders created)" if created else " (nothing to create)"))
    for change in changes:
        verb = "wrote" if change.created else "updated the journal block in" if change.changed else "up to date:"
        out(f"{verb} {change.path}")


def create(
    session: Optional[str] = typer.Argument(None, metavar="[ID]", help="Session id (default: a generated, collision-free id)."),
    role: Optional[str] = typer.Argument(None, help="Role, e.g. 'DevOps Engineer'."),
    mission: Optional[str] = typer.Argument(None, help="Mission, e.g. 'Deploy and maintain services'."),
    agent: Optional[str] = typer.Option(None, "--agent", help="The AI agent that owns the session (owner kind becomes agent)."),
    model: Optional[str] = typer.Option(None, "--model", help="The agent's model."),
    template: Optional[Path] = typer.Option(None, "--template", help="Render this Jinja2 template instead of the workspace's."),
    as_json: bool = JsonOpt,
) -> None:
    """Start a session log in ACTIVE/ from the template.

    Example: journal create session-12 "DevOps Engineer" "Deploy and maintain services"
    """
    fastpath.create(session, role, mission, agent, model, template, as_json)


def update(
    session: Optional[str] = SessionOpt,
    working_on: Optional[str] = typer.Option(None, "--working-on", help="What you work on right now."),
    status: Optional[str] = typer.Option(None, "--status", help="planning, building, testing, blocked, review or done (or a configured one)."),
    progress: Optional[int] = typer.Option(None, "--progress", help="Progress, 0-100."),
    phase: List[str] = typer.Option([], "--phase", help="Add a phase to the checklist (repeatable)."),
    phase_done: List[str] = typer.Option([], "--phase-done", help="Tick a phase off, by text or number (repeatable)."),
) -> None:
    """Update the Current Work section.

    Example: journal update -s session-12 --working-on "Email service" --status building --progress 60
    """
    from journal.session.edits import update_current_work

    sid = session_id(session)
    changes = update_current_work(workspace(), sid, working_on=working_on, status=status, progress=progress,
                                  phases=tuple(phase), phases_done=tuple(phase_done))
    out(f"updated {sid}: " + ", ".join(k for k, v in changes.items() if v not in ([], None)))


def add(
    section: str = typer.Argument(..., help="completed, service, learning, blocker, next, collaboration, or a custom '## heading'."),
    text: str = typer.Argument(..., help="The entry; '-' reads it from stdin (multi-line)."),
    session: Optional[str] = SessionOpt,
) -> None:
    """Add an entry to a section of the session log.

    Example: journal add -s session-12 completed "Deployed the email service to staging"
    """
    fastpath.add(section, text, session)


def resolve(
    kind: str = typer.Argument(..., metavar="blocker", help="What to resolve (only 'blocker')."),
    which: str = typer.Argument(..., metavar="N|TEXT", help="Number among open blockers, or (part of) its text."),
    session: Optional[str] = SessionOpt,
    note: Optional[str] = typer.Option(None, "--note", help="How it was resolved."),
) -> None:
    """Mark a blocker resolved; it stays visible, ticked, with the date.

    Example: journal resolve -s session-12 blocker 1 --note "credentials arrived"
    """
    from journal.errors import InvalidInput
    from journal.session.edits import resolve_blocker

    if kind.lower() not in ("blocker", "blockers"):
        raise InvalidInput(f"cannot resolve {kind!r}: only 'blocker' can be resolved")
    sid = session_id(session)
    result = resolve_blocker(workspace(), sid, which, note)
    out(f"resolved in {sid}: {result['blocker']}")


def share_learning(
    category: str = typer.Argument(..., help="Category, e.g. Performance."),
    text: str = typer.Argument(..., help="The learning; '-' reads stdin."),
    priority: Optional[str] = typer.Argument(None, help="low, medium, high or critical."),
    session: Optional[str] = typer.Option(None, "--session", "-s", help="Attribute it to this session (default: $JOURNAL_SESSION)."),
    kind: str = typer.Option("learnings", "--kind", help="learnings, best-practices, patterns or troubleshooting."),
) -> None:
    """Share a learning with every session (shared-knowledge/), and record it in yours.

    Example: journal share-learning "Performance" "Using asyncio.gather() speeds up parallel API calls by 10x" High
    """
    from journal.session.knowledge import share_learning as share

    sid = session_id(session, required=False)
    result = share(workspace(), category, read_text_arg(text), priority, session_id=sid, kind=kind)
    out(f"shared to {result['file']}" + (f" and recorded in {sid}" if sid else ""))


def archive(
    session: Optional[str] = typer.Argument(None, metavar="[ID]", help="The session to archive."),
    date: Optional[str] = typer.Option(None, "--date", help="Archive date, YYYY-MM-DD (default: today)."),
    idle_days: Optional[float] = typer.Option(None, "--idle-days", help="Archive every session idle for more than N days."),
) -> None:
    """Move a finished log to ARCHIVE/<id>-<date>.md (git mv when tracked).

    Examples: journal archive session-12 · journal archive --idle-days 14
    """
    from journal.errors import InvalidInput
    from journal.session.listing import idle_sessions
    from journal.session.store import archive_session

    from journal.session.store import check_date

    ws = workspace()
    if (session is None) == (idle_days is None):
        raise InvalidInput("give either a session ID or --idle-days N")
    if date is not None:
        check_date(date)
    ids = [session] if session else idle_sessions(ws, idle_days or 0)
    for sid in ids:
        ref = archive_session(ws, sid, date)
        out(f"archived {sid} → {ws.rel(ref.path)}")
    if not ids:
        out("no session is idle that long")


def restore(session: str = typer.Argument(..., metavar="ID")) -> None:
    """Bring an archived session back to ACTIVE/.

    Example: journal restore session-12
    """
    from journal.session.store import restore_session

    ws = workspace()
    ref = restore_session(ws, session)
    out(f"restored {session} → {ws.rel(ref.path)}")


def list_cmd(
    archived: bool = typer.Option(False, "--archived", help="Archived sessions only."),
    include_all: bool = typer.Option(False, "--all", help="Active and archived sessions."),
    status: Optional[str] = typer.Option(None, "--status", help="Only sessions with this status."),
    all_branches: bool = typer.Option(False, "--all-branches", help="Also active sessions on other local and remote-tracking branches and in other worktrees (read from git, nothing checked out)."),
    wide: bool = WideOpt,
    as_json: bool = JsonOpt,
) -> None:
    """List sessions, most recently updated first.

    On a terminal the columns that fit are shown (--wide: all); piped output has them all.

    Example: journal list --all --status done
    """
    from journal.session.listing import list_sessions

    rows = list_sessions(workspace(), archived=archived, include_all=include_all, status=status,
                         all_branches=all_branches)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out("no sessions")
        return
    from journal.cli.render import Col, table

    body = [[r.get("id"), r.get("role"), r.get("status"), f"{r.get('progress', '')}%" if r.get("progress") is not None else "",
             str(r.get("updated") or ""),
             ("archived " + r["archive_date"] if r.get("archived") else
              "active" if r.get("source", "here") == "here" else f"active on {r['source']}")
             + ("" if r.get("adopted", True) else ", not adopted")] for r in rows]
    cols = [Col("ID", "id", 1), Col("ROLE", "text", 4, 8, want=14), Col("STATUS", "word", 2), Col("PROGRESS", "number", 3),
            Col("UPDATED", "date", 5, short=lambda d: d[:10]), Col("WHERE", "text", 6, 8, short=lambda w: w.split(" ")[0])]
    out(table(body, cols, wide=wide))


def show(
    session: str = typer.Argument(..., metavar="ID"),
    section: Optional[str] = typer.Option(None, "--section", help="Only this section (e.g. blockers, next, 'Current Work')."),
    events: bool = typer.Option(False, "--events", help="Interleave the session's events with its entries."),
    as_json: bool = JsonOpt,
) -> None:
    """Print a session log (active or archived), or one section of it.

    Example: journal show session-12 --section blockers
    """
    from journal.session.show import show_session

    result = show_session(workspace(), session, section=section, with_events=events)
    if as_json:
        print_json(result)
    else:
        out(result["text"].rstrip("\n"))
        if not result["adopted"]:
            from journal.cli.common import err

            err(f"journal: note: {result['id']} is not adopted yet (no frontmatter): 'journal adopt {result['id']}' writes it")


def edit(session: str = typer.Argument(..., metavar="ID")) -> None:
    """Open a session log in $VISUAL or $EDITOR, then check it: exit 1 with what `check` would say.

    Example: EDITOR=nano journal edit session-12
    """
    from journal.errors import CheckFailed
    from journal.session.show import edit_session

    problems = edit_session(workspace(), session)
    failed = [p for p in problems if not p.note]
    for p in failed:
        out(str(p))
    if failed:
        raise CheckFailed(f"the edit left {len(failed)} problem(s); the file is kept as you saved it")


def grep(
    pattern: str = typer.Argument(..., help="A regular expression (Python syntax)."),
    archived: bool = typer.Option(False, "--archived", help="Search archived logs too."),
    knowledge: bool = typer.Option(False, "--knowledge", help="Search shared-knowledge/ too."),
    section: Optional[str] = typer.Option(None, "--section", help="Only hits inside this section."),
    ignore_case: bool = typer.Option(False, "-i", "--ignore-case", help="Ignore case."),
    as_json: bool = JsonOpt,
) -> None:
    """Search the logs; each hit names its session, section and line.

    Example: journal grep "email service" --archived --knowledge -i
    """
    from journal.session.grep import grep as search

    hits = search(workspace(), pattern, archived=archived, knowledge=knowledge, section=section, ignore_case=ignore_case)
    if as_json:
        print_json([h.as_dict() for h in hits])
        return
    for h in hits:
        out(f"{h.path}:{h.line}: [{h.session} › {h.section or '-'}] {h.text}")
    if not hits:
        raise typer.Exit(1)


def check(
    files: Optional[List[str]] = typer.Argument(None, metavar="[FILE]...", help="Report only problems of these files (pre-commit passes the staged ones); the workspace is checked whole."),
    fix: bool = typer.Option(False, "--fix", help="Repair what can be repaired safely: finish changes a crash left half-done, torn event-log lines, temp files, legacy entry references."),
    as_json: bool = JsonOpt,
) -> None:
    """Lint every file: frontmatter, sections, ids, links, conflict markers, event logs, half-done changes.

    Exit 1 with one line per problem; notes (entries edited by hand) do not fail. Example: journal check
    """
    fastpath.check(fix, as_json, files)


def adopt(
    sessions: List[str] = typer.Argument(None, metavar="ID", help="The sessions to adopt (their active and archived logs)."),
    every: bool = typer.Option(False, "--all", help="Every log in ACTIVE/ and ARCHIVE/ without frontmatter: a one-time migration, run once by one person, then synced."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be written to each log and change nothing."),
    as_json: bool = JsonOpt,
) -> None:
    """Give logs kept by hand (plain Markdown, no frontmatter) journal's frontmatter, inferred from each log and its git history; every byte of the body is kept.

    A log that cannot be read confidently is listed with the reason and left alone (exit 1). Example: journal adopt --all --dry-run
    """
    from journal.errors import CheckFailed
    from journal.session.adopt import adopt as run_adopt

    ws = workspace()
    report = run_adopt(ws, sessions or [], every=every, dry_run=dry_run)
    left = report.count("left alone")
    if as_json:
        print_json({"dry_run": dry_run, "files": [f.as_dict() for f in report.files], "created": report.created})
    else:
        for f in report.files:
            if f.action == "already adopted" and every:
                continue
            out(f"{f.action}: {f.path}" + (f": {f.reason}" if f.reason else ""))
            if f.action == "would adopt" and f.frontmatter:
                out("".join("    " + line + "\n" for line in f.frontmatter.splitlines()).rstrip("\n"))
                for key, where in (f.sources or {}).items():
                    out(f"    # {key}: {where}")
        if report.created:
            out("set up for journal: " + ", ".join(report.created))
        done = report.count("would adopt" if dry_run else "adopted")
        already = report.count("already adopted")
        verb = "would adopt" if dry_run else "adopted"
        out(f"{verb} {done} log(s)" + (f", {already} already adopted" if already else "")
            + (f", {left} left alone" if left else "") + (" (dry run: nothing changed)" if dry_run else ""))
    if left:
        raise CheckFailed(f"{left} log(s) left alone (see the reasons above)")


def sync(
    remote: str = typer.Option("origin", "--remote", help="The git remote to meet the other clones at."),
    message: Optional[str] = typer.Option(None, "--message", "-m", help="Commit message."),
    no_push: bool = typer.Option(False, "--no-push", help="Commit and bring in the other clones' work, but do not push."),
    push_all: bool = typer.Option(False, "--push-all", help="Also push unpushed commits of your own (merged with the remote's, never rewritten)."),
    session: Optional[str] = typer.Option(None, "--session", "-s", help="Report messages for this session (default: $JOURNAL_SESSION)."),
    as_json: bool = JsonOpt,
) -> None:
    """Publish the workspace's changes and bring in the other clones': journal files only,
    merged by meaning, your index, working tree and own commits left as they are.

    Serialized per repository (agents wait their turn), retried when another clone wins a
    race; a failure changes nothing and says why in one line. Example: journal sync
    """
    fastpath.sync(remote, message, no_push, push_all, session, as_json)


def merge_driver(
    base: str = typer.Argument(..., metavar="BASE", help="The common ancestor's version (git's %O)."),
    ours: str = typer.Argument(..., metavar="OURS", help="This side's version, replaced by the merge (git's %A)."),
    theirs: str = typer.Argument(..., metavar="THEIRS", help="The other side's version (git's %B)."),
    path: Optional[str] = typer.Argument(None, metavar="[PATH]", help="Where the file lives in the repository (git's %P): says what kind of file it is."),
) -> None:
    """Merge a session log or event log by its meaning: git's merge driver for journal files.

    Written into the repository's git config by any journal command that finds it missing,
    so a plain git pull uses it too. Exit 1 when the same entry was edited differently on
    both sides (it is left between conflict markers). Example: journal merge-driver %O %A %B %P
    """
    fastpath.merge_driver(base, ours, theirs, path)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(create)
    app.command()(update)
    app.command()(add)
    app.command()(resolve)
    app.command("share-learning")(share_learning)
    app.command()(archive)
    app.command()(restore)
    app.command("list")(list_cmd)
    app.command()(show)
    app.command()(edit)
    app.command()(grep)
    app.command()(check)
    app.command()(sync)
    app.command("merge-driver")(merge_driver)
    app.command()(adopt)
