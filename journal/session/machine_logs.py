"""Link agent logs to a session: frontmatter ``machine_logs`` + a ``## Machine Logs`` section.

Resumable reader state lives in ``<root>/.journal/logstate/`` (keyed by the
log's resolved path; the state itself records the file's identity), so the
frontmatter stays small and a refresh reads only what the log gained.
"""
from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from journal.agentlogs.model import Summary
from journal.errors import InvalidInput, JournalError, NotFound
from journal.fsutil import require_regular
from journal.session.document import SessionDoc
from journal.workspace import Workspace, scan_sessions

SECTION = "Machine Logs"
META_KEY = "machine_logs"
# The generated list lives between these quiet markers; the rest of the section is the person's.
OPEN = "<!-- journal:machine-logs -->"
CLOSE = "<!-- /journal:machine-logs -->"

# C0/C1 controls and the Unicode line/paragraph separators: none belongs in a path we write into Markdown.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>&]")
_MD_REPLACE = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


# ---- state sidecars ---------------------------------------------------------
def state_path(ws: Workspace, log: Path) -> Path:
    """The directory of ``log``'s saved state (see ``logstate``)."""
    key = hashlib.sha1(str(log.resolve()).encode()).hexdigest()
    return ws.state_dir / "logstate" / key


def load_state(ws: Workspace, log: Path) -> dict[str, Any] | None:
    from journal.agentlogs import logstate

    return logstate.load(state_path(ws, log))


def save_state(ws: Workspace, log: Path, state: dict[str, Any]) -> None:
    from journal.agentlogs import logstate

    logstate.save(state_path(ws, log), state)


def summarize_incremental(ws: Workspace, log: Path, fmt: str = "auto") -> Summary:
    """Summarize ``log``, resuming from its saved state; save the new state."""
    from journal.agentlogs.reading import summarize

    old = load_state(ws, log)
    if old is not None and fmt != "auto" and old.get("format") != fmt:
        old = None
    s, new = summarize(log, fmt, old)
    if new.get("offset") is not None or new.get("format") == "massgen":
        save_state(ws, log, new)
    return s


# ---- paths ------------------------------------------------------------------
def unsafe_path(path: str | Path) -> str | None:
    """Why ``path`` cannot be linked (a control character in it), else None."""
    m = _CONTROL.search(str(path))
    if m is None:
        return None
    return f"log path {str(path)!r} contains a control character (U+{ord(m.group()):04X}); rename the file to link it"


def check_path(path: str | Path) -> None:
    why = unsafe_path(path)
    if why:
        raise InvalidInput(why)


def base_dir(ws: Workspace) -> Path:
    return (ws.git_root or ws.root).resolve()


def stored_path(ws: Workspace, log: Path) -> str:
    """Relative to the repository when inside it, else absolute."""
    p = log.resolve()
    try:
        return p.relative_to(base_dir(ws)).as_posix()
    except ValueError:
        return str(p)


def resolve_stored(ws: Workspace, stored: str) -> Path:
    p = Path(stored).expanduser()
    return p if p.is_absolute() else base_dir(ws) / p


# ---- text -------------------------------------------------------------------
def human_tokens(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    mnt, sec = divmod(rem, 60)
    if h:
        return f"{h}h {mnt:02d}m"
    if mnt:
        return f"{mnt}m {sec:02d}s"
    return f"{sec}s"


def one_line(e: dict[str, Any]) -> str:
    """``12 turns, 30 tool calls (2 failed), 45.2k tokens in / 3.1k out, 14m 03s, model``."""
    sm = e.get("summary") or {}
    turns = sm.get("turns", 0)
    parts = [f"{turns} turn{'s' if turns != 1 else ''}"]
    tools = sm.get("tools", 0)
    t = f"{tools} tool call{'s' if tools != 1 else ''}"
    if sm.get("failed"):
        t += f" ({sm['failed']} failed)"
    parts.append(t)
    tin = sm.get("tokens_in", 0) + sm.get("tokens_cache", 0)
    if tin or sm.get("tokens_out"):
        parts.append(f"{human_tokens(tin)} tokens in / {human_tokens(sm.get('tokens_out', 0))} out")
    if sm.get("cost_usd") is not None:
        parts.append(f"{'~' if sm.get('cost_estimated') else ''}${sm['cost_usd']:.2f}"
                     + (" (estimate)" if sm.get("cost_estimated") else ""))
    if sm.get("duration_s") is not None:
        parts.append(human_duration(sm["duration_s"]))
    if sm.get("model"):
        parts.append(str(sm["model"]))
    if sm.get("errors"):
        parts.append(f"{sm['errors']} error{'s' if sm['errors'] != 1 else ''}")
    return ", ".join(parts)


def duplicates(entries: list[dict[str, Any]]) -> dict[int, str]:
    """Entries that restate another linked log (a zag backfill of a linked provider log)."""
    by_sid = {e.get("provider_session_id"): e["path"] for e in entries
              if e.get("format") != "zag" and e.get("provider_session_id")}
    out = {}
    for i, e in enumerate(entries):
        if e.get("format") == "zag" and e.get("backfill_of") in by_sid:
            out[i] = by_sid[e["backfill_of"]]
    return out


def md_text(text: str) -> str:
    """``text`` as literal inline Markdown: one line, no emphasis, links, code or HTML."""
    text = _CONTROL.sub("\ufffd", text)
    return _MD_SPECIAL.sub(lambda m: _MD_REPLACE.get(m.group(), "\\" + m.group()), text)


def md_target(rel: str) -> str:
    """A relative link target, percent-encoded (``/`` kept)."""
    from urllib.parse import quote

    return quote(rel, safe="/")


def section_lines(ws: Workspace, session_file: Path, entries: list[dict[str, Any]], nl: str) -> list[str]:
    dup = duplicates(entries)
    lines = []
    for i, e in enumerate(entries):
        log = resolve_stored(ws, e["path"])
        name = log.name or e["path"]
        if Path(e["path"]).is_absolute():
            where = md_text(e["path"])
        else:
            rel = os.path.relpath(log, session_file.resolve().parent).replace(os.sep, "/")
            where = f"[{md_text(name)}]({md_target(rel)})"
        line = f"- **{md_text(str(e.get('format')))}** {where} — {md_text(one_line(e))}"
        if i in dup:
            line += f" (backfill of {md_text(Path(dup[i]).name)}; not counted twice)"
        lines.append(line + nl)
    counted = [e for i, e in enumerate(entries) if i not in dup]
    if len(counted) > 1:
        tot = {k: sum((e.get("summary") or {}).get(k) or 0 for e in counted)
               for k in ("turns", "tools", "failed", "tokens_in", "tokens_cache", "tokens_out")}
        lines.append(f"{nl}Total: {tot['turns']} turns, {tot['tools']} tool calls ({tot['failed']} failed), "
                     f"{human_tokens(tot['tokens_in'] + tot['tokens_cache'])} tokens in / "
                     f"{human_tokens(tot['tokens_out'])} out{nl}")
    return lines


# ---- entries ------------------------------------------------------------------
def make_entry(ws: Workspace, log: Path, s: Summary) -> dict[str, Any]:
    from journal.clock import iso

    short = s.short()
    short.update({"failed": s.tool_failures, "tokens_cache": s.tokens_cache_read + s.tokens_cache_write,
                  "cost_estimated": s.cost_estimated, "duration_s": s.duration_s,
                  "model": s.models[0] if s.models else None, "start": s.start, "end": s.end})
    e: dict[str, Any] = {"path": stored_path(ws, log), "format": s.format,
                         "provider_session_id": s.provider_session_id,
                         "size": log.stat().st_size if log.is_file() else None,
                         "offset": s.offset if log.is_file() else None,
                         "linked": iso(), "summary": {k: v for k, v in short.items() if v is not None}}
    if s.extra.get("backfill_of"):
        e["backfill_of"] = s.extra["backfill_of"]
    return e


def apply_entries(ws: Workspace, doc: SessionDoc, session_file: Path, new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge ``new`` into the doc's ``machine_logs`` (same path: refreshed) and rewrite the section."""
    current = [dict(e) for e in (doc.meta.get(META_KEY) or []) if isinstance(e, dict) and e.get("path")]
    for e in new:
        for i, old in enumerate(current):
            if old["path"] == e["path"]:
                e["linked"] = old.get("linked", e["linked"])
                current[i] = e
                break
        else:
            current.append(e)
    doc.set_meta(META_KEY, current)
    write_section(doc, section_lines(ws, session_file, current, doc.nl))
    return current


_OLD_GENERATED = re.compile(r"^(- \*\*\S+\*\* .+ — .+|Total: \d+ turns, .+)$")


def write_section(doc: SessionDoc, body: list[str]) -> None:
    """Put the generated list between the markers of ``## Machine Logs``; leave the rest as written.

    A section without markers (written before them) keeps its text and gets the marked list
    appended, except when all it holds is an unmarked generated list, which is replaced.
    """
    nl = doc.nl
    block = [OPEN + nl, *body, CLOSE + nl]
    s = doc.find(SECTION)
    if s is None:
        doc.set_section(SECTION, block)
        return
    lines = doc.lines
    closes = [i for i in range(s.start, s.end) if lines[i].strip() == CLOSE]
    opens = [i for i in range(s.start, closes[0]) if lines[i].strip() == OPEN] if closes else []
    if opens:
        lines[opens[-1] + 1 : closes[0]] = body
        return
    content = [i for i in range(s.start, s.end) if lines[i].strip()]
    if content and all(_OLD_GENERATED.match(lines[i].rstrip("\r\n")) for i in content):
        doc.set_section(SECTION, block)
        return
    k = content[-1] if content else s.head
    if not lines[k].endswith(("\n", "\r")):
        lines[k] += nl
    new = [nl, *block]
    if k + 1 == s.end and s.end < len(lines):
        new.append(nl)  # a blank line before the next heading
    lines[k + 1 : k + 1] = new


def archived_message(session_id: str) -> str:
    return f"session {session_id} is archived; restore it to link logs"


def link(ws: Workspace, session_id: str, path: str | Path, fmt: str = "auto") -> dict[str, Any]:
    """Summarize ``path`` and record it in the session; linking again refreshes it."""
    from journal.session.store import locate, mutate_session

    check_path(path)
    ref = locate(ws, session_id)
    if ref.archived:
        raise InvalidInput(archived_message(session_id))
    log = Path(path).expanduser()
    require_regular(log, allow_dir=True)  # a pipe would hang the read; a device is no log
    s = summarize_incremental(ws, log, fmt)
    entry = make_entry(ws, log, s)
    mutate_session(ws, session_id, lambda doc: apply_entries(ws, doc, ref.path, [entry]))
    return entry


def refresh(ws: Workspace, session_id: str, missing: list[str] | None = None) -> list[dict[str, Any]]:
    """Re-read the session's linked logs (incrementally) and rewrite their summaries.

    A linked log that no longer exists (or is no longer a regular file or folder) is left
    as linked; its stored path is added to ``missing``, when given."""
    from journal.session.store import locate, mutate_session, read_session

    ref, doc = read_session(ws, session_id)
    if ref.archived:
        raise InvalidInput(archived_message(session_id))
    entries = [e for e in (doc.meta.get(META_KEY) or []) if isinstance(e, dict) and e.get("path")]
    fresh = []
    for e in entries:
        log = resolve_stored(ws, e["path"])
        try:
            require_regular(log, allow_dir=True)
        except JournalError:
            if missing is not None:
                missing.append(e["path"])
            continue
        s = summarize_incremental(ws, log, e.get("format") or "auto")
        fresh.append(make_entry(ws, log, s))
    if fresh:
        ref = locate(ws, session_id, archived=False)
        mutate_session(ws, session_id, lambda d: apply_entries(ws, d, ref.path, fresh))
    return fresh


def linked(ws: Workspace) -> list[dict[str, Any]]:
    """Every linked log across sessions (active and archived), newest first."""
    out = []
    for ref in scan_sessions(ws, True, True):
        try:
            doc = SessionDoc.read(ref.path)
        except (JournalError, OSError):  # a broken session file is `journal check`'s business
            continue
        for e in doc.meta.get(META_KEY) or []:
            if isinstance(e, dict) and e.get("path"):
                out.append({"session": ref.id, "archived": ref.archived, **e})
    out.sort(key=lambda e: str((e.get("summary") or {}).get("end") or e.get("linked") or ""), reverse=True)
    return out


def linked_entries(doc: SessionDoc) -> list[dict[str, Any]]:
    """The session's ``machine_logs`` entries that name a path."""
    return [e for e in doc.meta.get(META_KEY) or [] if isinstance(e, dict) and e.get("path")]


def summarize_path(ws: Workspace, path: str | Path, fmt: str = "auto") -> Summary:
    """The summary of one log, resumed from saved state when there is a workspace."""
    log = Path(path).expanduser()
    require_regular(log, allow_dir=True)  # a pipe would hang the read; a device is no log
    if ws.exists():
        return summarize_incremental(ws, log, fmt)
    from journal.agentlogs import summarize

    return summarize(log, fmt)[0]


def session_summaries(ws: Workspace, session_id: str) -> list[Summary]:
    """The summaries of every log linked to the session, each resumed from saved state."""
    from journal.session.store import read_session

    _ref, doc = read_session(ws, session_id)
    entries = linked_entries(doc)
    if not entries:
        raise NotFound(f"session {session_id!r} has no linked logs (see 'journal logs link' or 'journal logs discover')")
    logs = [resolve_stored(ws, e["path"]) for e in entries]
    for log in logs:
        require_regular(log, allow_dir=True)
    return [summarize_incremental(ws, log, e.get("format") or "auto") for log, e in zip(logs, entries)]


def discover_for(ws: Workspace, session_id: str | None, since: datetime | None = None,
                 attach: bool = False) -> list[dict[str, Any]]:
    """This repository's logs in the agents' homes that overlap the session (from its start,
    or ``since``; until its end when archived), each linked to it when ``attach``.

    A log whose path cannot be written into Markdown is reported with ``skipped`` and left out.
    """
    from journal.agentlogs.discover import discover
    from journal.agentlogs.summary import parse_ts

    start = end = None
    if session_id:
        from journal.session.store import read_session

        ref, doc = read_session(ws, session_id)
        if attach and ref.archived:
            raise InvalidInput(archived_message(session_id))
        start = parse_ts(str(doc.meta.get("created") or "")) or None
        if ref.archived:
            end = parse_ts(str(doc.meta.get("updated") or "")) or None
    elif attach:
        raise InvalidInput("no session given: pass -s ID or set $JOURNAL_SESSION")
    if since is not None:
        start = since
    found = discover(ws.git_root or Path.cwd(), start, end)
    rows: list[dict[str, Any]] = []
    for f in found:
        row: dict[str, Any] = {"path": str(f.path), "format": f.format, "cwd": f.cwd, "start": f.start,
                               "end": f.end, "attached": False}
        why = unsafe_path(f.path)
        if why and attach:
            row["skipped"] = why
        elif attach and session_id:
            link(ws, session_id, f.path, f.format)
            row["attached"] = True
        rows.append(row)
    return rows
