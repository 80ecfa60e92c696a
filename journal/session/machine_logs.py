"""Link agent logs to a session: frontmatter ``machine_logs`` + a ``## Machine Logs`` section.

Resumable reader state lives in ``<root>/.journal/logstate/`` (keyed by the
log's resolved path; the state itself records the file's identity), so the
frontmatter stays small and a refresh reads only what the log gained. Beside the
state, ``summary.json`` keeps the last summary with its cost and the fingerprint
of the prices it was computed with: while the log is unchanged, a report reads
that alone; when the price source's version or the overrides change, the cost is
computed again from the saved usage buckets (the log is not read again).

Entries written before the token vocabulary (no ``figures`` key in their summary)
are read by the old rules (``entry_figures``) and rewritten on the next refresh.
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


SIDECAR = "summary.json"
SIDECAR_VERSION = 1
_books: dict[Path, Any] = {}


def price_book(ws: Workspace) -> Any:
    """The workspace's price book (``[prices]`` overrides, rates cached under ``.journal``), one per run."""
    book = _books.get(ws.root)
    if book is None:
        from journal.agentlogs.prices import book_for

        book = _books[ws.root] = book_for(ws.config.prices, ws.state_dir if ws.exists() else None)
    return book


def _stamp(log: Path) -> list[int] | None:
    try:
        st = os.stat(log)
    except OSError:
        return None
    return [st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns]


def saved_summary(ws: Workspace, log: Path, fmt: str = "auto", book: Any = None) -> Summary | None:
    """The summary saved for ``log`` when the log has not changed since (None: it must be read).

    Its cost is recomputed from its buckets when the prices changed since it was saved.
    """
    import orjson

    side = state_path(ws, log) / SIDECAR
    try:
        d = orjson.loads(side.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if (type(d) is not dict or d.get("version") != SIDECAR_VERSION or not d.get("trusted")
            or (fmt != "auto" and d.get("format") != fmt) or d.get("stamp") != _stamp(log)):
        return None
    try:
        s = Summary.load(d["summary"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    s.bytes_read = 0
    book = book or price_book(ws)
    if d.get("prices") != book.fingerprint:
        book.price(s)
        _save_sidecar(ws, log, s, d["stamp"], True, book)
        book.save()
    return s


def _save_sidecar(ws: Workspace, log: Path, s: Summary, stamp: list[int] | None, trusted: bool, book: Any) -> None:
    import orjson

    from journal.fsutil import atomic_write

    d = state_path(ws, log)
    d.mkdir(parents=True, exist_ok=True)
    try:
        atomic_write(d / SIDECAR, orjson.dumps({
            "version": SIDECAR_VERSION, "format": s.format, "stamp": stamp, "trusted": trusted,
            "prices": book.fingerprint, "summary": s.dump()}).decode())
    except OSError:  # a cache that cannot be written only costs speed
        pass


def summarize_incremental(ws: Workspace, log: Path, fmt: str = "auto", book: Any = None) -> Summary:
    """Summarize ``log``, resuming from its saved state, and price it; save the new state."""
    from journal.agentlogs.reading import summarize

    book = book or price_book(ws)
    hit = saved_summary(ws, log, fmt, book)
    if hit is not None:
        return hit
    from journal.cache import racy_after

    stamp = _stamp(log)
    old = load_state(ws, log)
    if old is not None and fmt != "auto" and old.get("format") != fmt:
        old = None
    s, new = summarize(log, fmt, old)
    book.price(s)
    if new.get("offset") is not None or new.get("format") == "massgen":
        save_state(ws, log, new)
        if stamp is not None and log.is_file():
            _save_sidecar(ws, log, s, stamp, stamp[3] < racy_after(), book)
    book.save()
    return s


def with_subagents(ws: Workspace | None, log: Path, s: Summary, exclude: set[Path] | None = None) -> Summary:
    """``s`` with the figures of the Claude Code subagents that ran for it (their files beside it)
    added, but for those in ``exclude`` (counted on their own)."""
    if s.format != "claude-code" or not s.subagents:
        return s
    from journal.agentlogs.claude_code import subagent_files
    from journal.agentlogs.model import absorb

    for f in subagent_files(log):
        if exclude and f.resolve() in exclude:
            continue
        if ws is not None and ws.exists():
            child = summarize_incremental(ws, f, "claude-code")
        else:
            from journal.agentlogs import summarize

            child = summarize(f, "claude-code")[0]
        absorb(s, child)
    (price_book(ws) if ws is not None and ws.exists() else _default_book()).price(s)
    s.subagents_included = True
    return s


def _default_book() -> Any:
    from journal.agentlogs.prices import default_book

    return default_book()


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


def entry_figures(e: dict[str, Any]) -> dict[str, Any]:
    """The token figures of a frontmatter entry in the current vocabulary, whatever release wrote it.

    Entries of earlier releases give ``tokens_in`` (net input, but for Copilot input with its
    cache reads and writes), ``tokens_cache`` (reads + writes) and ``tokens_out``.
    """
    sm = e.get("summary") or {}
    if sm.get("figures", 0) >= 2:
        return {k: sm.get(k) or 0 for k in ("input", "cache_read", "cache_write", "output", "reasoning", "total")}
    tin, cache, out = (sm.get(k) or 0 for k in ("tokens_in", "tokens_cache", "tokens_out"))
    if e.get("format") == "copilot":
        tin = max(0, tin - cache)
    return {"input": tin, "cache_read": cache, "cache_write": 0, "output": out, "reasoning": 0,
            "total": tin + cache + out}


def cost_text(sm: dict[str, Any]) -> str:
    """``~$1.23`` (an estimate), ``$0.04`` (recorded), with ``+ unpriced model`` when some are not priced."""
    usd, unpriced = sm.get("cost_usd"), sm.get("unpriced") or []
    text = "" if usd is None else f"{'~' if sm.get('cost_estimated') else ''}${usd:.2f}"
    if unpriced:
        names = ", ".join(str(m) for m in unpriced)
        text = f"{text} + unpriced {names}" if text else f"unpriced: {names}"
    return text


def one_line(e: dict[str, Any]) -> str:
    """``12 turns, 30 tool calls (2 failed), 48.3k tokens (45.2k in, 3.1k out), ~$0.41, 14m 03s, model``."""
    sm = e.get("summary") or {}
    turns = sm.get("turns", 0)
    parts = [f"{turns} turn{'s' if turns != 1 else ''}"]
    tools = sm.get("tools", 0)
    t = f"{tools} tool call{'s' if tools != 1 else ''}"
    if sm.get("failed"):
        t += f" ({sm['failed']} failed)"
    parts.append(t)
    f = entry_figures(e)
    if f["total"]:
        prompt = f["input"] + f["cache_read"] + f["cache_write"]
        parts.append(f"{human_tokens(f['total'])} tokens ({human_tokens(prompt)} in / "
                     f"{human_tokens(f['output'])} out)")
    cost = cost_text(sm)
    if cost:
        parts.append(cost + (" (estimate)" if sm.get("cost_estimated") and sm.get("cost_usd") is not None else ""))
    if sm.get("subagents"):
        parts.append(f"{sm['subagents']} subagent{'s' if sm['subagents'] != 1 else ''}")
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
        tot = {k: sum((e.get("summary") or {}).get(k) or 0 for e in counted) for k in ("turns", "tools", "failed")}
        figs = [entry_figures(e) for e in counted]
        total = sum(f["total"] for f in figs)
        prompt = sum(f["input"] + f["cache_read"] + f["cache_write"] for f in figs)
        out = sum(f["output"] for f in figs)
        costs = [(e.get("summary") or {}).get("cost_usd") for e in counted]
        usd = sum(c for c in costs if c is not None)
        cost = f", ~${usd:.2f}" if any(c is not None for c in costs) else ""
        lines.append(f"{nl}Total: {tot['turns']} turns, {tot['tools']} tool calls ({tot['failed']} failed), "
                     f"{human_tokens(total)} tokens ({human_tokens(prompt)} in / {human_tokens(out)} out)"
                     f"{cost}{nl}")
    return lines


# ---- entries ------------------------------------------------------------------
def make_entry(ws: Workspace, log: Path, s: Summary) -> dict[str, Any]:
    from journal.clock import iso

    short = s.short()
    short.update({"failed": s.tool_failures, "cost_estimated": s.cost_estimated, "duration_s": s.duration_s,
                  "model": s.models[0] if s.models else None, "start": s.start, "end": s.end,
                  "subagents": s.subagents or None,
                  # the names of earlier releases, for one release
                  "tokens_in": s.tokens.input, "tokens_out": s.tokens.output,
                  "tokens_cache": s.tokens.cache_read + s.tokens.cache_write})
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
    from journal.agentlogs.detect import confirm_format

    s = summarize_incremental(ws, log, confirm_format(log, fmt))
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


def summarize_path(ws: Workspace, path: str | Path, fmt: str = "auto", subagents: bool = False) -> Summary:
    """The summary of one log, resumed from saved state when there is a workspace; with
    ``subagents``, the figures of its Claude Code subagents added."""
    log = Path(path).expanduser()
    require_regular(log, allow_dir=True)  # a pipe would hang the read; a device is no log
    from journal.agentlogs.detect import confirm_format

    fmt = confirm_format(log, fmt)
    if ws.exists():
        s = summarize_incremental(ws, log, fmt)
    else:
        from journal.agentlogs import summarize

        s = summarize(log, fmt)[0]
    return with_subagents(ws, log, s) if subagents else s


def session_summaries(ws: Workspace, session_id: str, subagents: bool = False) -> list[Summary]:
    """The summaries of every log linked to the session, each resumed from saved state."""
    from journal.session.store import read_session

    _ref, doc = read_session(ws, session_id)
    entries = linked_entries(doc)
    if not entries:
        raise NotFound(f"session {session_id!r} has no linked logs (see 'journal logs link' or 'journal logs discover')")
    out = []
    logs = [resolve_stored(ws, e["path"]) for e in entries]
    for log in logs:
        require_regular(log, allow_dir=True)
    linked_here = {p.resolve() for p in logs}
    for e, log in zip(entries, logs):
        s = summarize_incremental(ws, log, e.get("format") or "auto")
        out.append(with_subagents(ws, log, s, linked_here) if subagents else s)
    return out


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
