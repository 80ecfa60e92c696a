"""``journal adopt``: journal's frontmatter for logs a team kept by hand in the seed's shape.

What is read from where:

- ``id`` from the file name; in ARCHIVE/ the date of ``<id>-YYYY-MM-DD.md`` becomes ``ended``;
- ``role`` and ``mission`` from ``**Role:**`` / ``**Mission:**`` lines (above the first
  section first), else the role from the title (``# Session session-5: Database Engineer``);
- ``status`` and ``progress`` from Current Work's ``**Status:**`` and ``**Progress:**``. The
  status word is mapped onto the configured statuses (Building, In Progress → building;
  Complete, Finished → done…); a word that maps to none leaves the log alone, with the
  settings line that would allow it. Without a Progress line, the share of ticked phases;
- ``created``, ``updated`` and ``owner`` from the first and last commit touching the file,
  following renames inside the workspace (archived logs were moved from ACTIVE/), all
  read in one ``git log`` (``journal.session.history``); outside git, the file's
  modification time.

Inference is a pure function of the committed content and history, so two clones that
adopt write the same bytes; a log with uncommitted changes waits until it is committed.
Every byte of the body is kept. A log that cannot be read confidently (no headings, a
broken table, a conflict marker, an unclosed code fence...) is listed with the reason and
left alone. The read paths (list, board, show, inbox, context) read logs kept by hand the
same way, through ``read_bare``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import SCHEMA_VERSION
from journal.config import DEFAULT_STATUSES, Config
from journal.errors import InvalidInput, JournalError, MalformedFile, NotFound
from journal.session.document import (
    Section, SessionDoc, dump_yaml_lines, fence_step, has_frontmatter, norm, read_frontmatter,
)
from journal.session.history import Histories, History
from journal.session.sections import CURRENT_WORK, PHASE_LABEL
from journal.workspace import SessionRef, Workspace, find_archived, scan_sessions

# The seed's status words (and the usual others) for each built-in status. A configured
# status matches its own name first, so `statuses = ["waiting"]` takes "Waiting" from blocked.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "planning": ("planning", "plan", "planned", "not started", "to do", "todo", "design", "designing",
                 "research", "researching", "scoping", "queued", "pending", "new"),
    "building": ("building", "build", "in progress", "wip", "work in progress", "working", "developing",
                 "development", "implementing", "implementation", "coding", "active", "ongoing", "started"),
    "testing": ("testing", "test", "tests", "qa", "verifying", "verification", "validating"),
    "blocked": ("blocked", "stuck", "waiting"),
    "review": ("review", "in review", "reviewing", "under review", "ready for review", "awaiting review",
               "needs review"),
    "done": ("done", "complete", "completed", "finished", "shipped", "closed", "delivered", "merged", "released"),
}
_STATUS_TAIL = re.compile(r"\s+[-–—|/]\s+|\s*[(:,;]")
_PERCENT = re.compile(r"^~?\s*(\d{1,3})(?:\.\d+)?\s*(?:%|(?=\s|$|[),;]))")
_NO_VALUE = {"", "-", "–", "—", "?", "n a", "na", "tbd", "none", "unknown"}
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_CONFLICT = re.compile(r"^(<{7}( |$)|={7}$|>{7}( |$)|\|{7}( |$))")
_CHECKBOX = re.compile(r"^\s*[-*+] \[( |x|X)\] ")
_TABLE_DELIMITER = re.compile(r"^\s*:?-+:?\s*$")
_TITLE_LEAD = re.compile(r"^(?:session\s+log|work\s+log|session)\b[\s:–—-]*", re.IGNORECASE)
_ROLE_LIMIT = 200


# -- the words of a hand-kept log -------------------------------------------------------
def _status_head(word: str) -> str:
    """The status word without what follows it: 'Building (API layer)' → 'Building'."""
    return _STATUS_TAIL.split(word.strip(), maxsplit=1)[0]


def status_name(word: str) -> str:
    """The status a word would be as a setting: 'Waiting on vendor' → 'waiting-on-vendor'."""
    return "-".join(norm(_status_head(word)).split()) or "-".join(norm(word).split())


def status_for(word: str, statuses: tuple[str, ...]) -> str | None:
    """The configured status a Status word means, or None when it means none of them."""
    for candidate in dict.fromkeys((norm(word), norm(_status_head(word)))):
        if not candidate:
            continue
        for status in statuses:
            if norm(status) == candidate:
                return status
        for status, words in STATUS_WORDS.items():
            if candidate in words and status in statuses:
                return status
    return None


def read_progress(value: str) -> tuple[int | None, str | None]:
    """(percent, None) from a Progress value such as '60%', '~60 %' or '60% (tests left');
    (None, None) when it gives none ('-', 'TBD'); (None, why) when it cannot be read."""
    text = value.strip()
    if norm(text) in _NO_VALUE:
        return None, None
    m = _PERCENT.match(text)
    if m is None or int(m.group(1)) > 100:
        return None, f"Progress {text!r} is not a percentage from 0 to 100"
    return int(m.group(1)), None


def title_role(title: str, sid: str) -> str | None:
    """The role a title names after the session: '# Session session-9: Frontend Developer'."""
    text = title.strip()
    named = False
    lead = _TITLE_LEAD.match(text)
    if lead:
        text, named = text[lead.end():], True
    number = re.search(r"(\d+)$", sid)
    for token in (sid, number.group(1) if number else None):
        if token and text.lower().startswith(token.lower()) and not text[len(token):len(token) + 1].isalnum():
            text, named = text[len(token):], True
            break
    if not named:
        return None
    text = text.strip(" \t:–—-·|")
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if not text or norm(text) in ("log", "session log", "work log", "notes", "journal"):
        return None
    return text


def _cells(row: str) -> int:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return len(re.split(r"(?<!\\)\|", inner))


def _table_problem(rows: list[tuple[int, str]]) -> str | None:
    """Why a block of ``|`` lines is not a well-formed table, or None."""
    start, header = rows[0]
    width = _cells(header)
    if len(rows) < 2:
        return f"broken table at line {start}: a header row with no |---| row under it"
    delimiter = rows[1][1].strip().strip("|").split("|")
    if not all(_TABLE_DELIMITER.match(cell) for cell in delimiter):
        return f"broken table at line {start}: the row under its header is not a |---| row"
    if len(delimiter) != width:
        return f"broken table at line {start}: its header has {width} cells, its |---| row {len(delimiter)}"
    for n, row in rows[2:]:
        if _cells(row) != width:
            return f"broken table at line {n}: a row of {_cells(row)} cells under a header of {width}"
    return None


def body_problems(text: str) -> list[str]:
    """Why a log kept by hand cannot be read confidently (empty when it can)."""
    problems: list[str] = []
    if text.startswith("\ufeff"):
        problems.append("it starts with a byte-order mark (save it as UTF-8 without one)")
    fence: str | None = None
    opened = 0
    headings = sections = 0
    table: list[tuple[int, str]] = []
    lines = text.split("\n")
    for n, raw in enumerate(lines, 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if fence is None and _CONFLICT.match(line):
            problems.append(f"git conflict marker at line {n}")
        is_fence, after = fence_step(line, fence)
        if is_fence and fence is None:
            opened = n
        if is_fence or fence is not None:
            fence = after
            table = []
            continue
        fence = after
        if line.lstrip().startswith("|"):
            table.append((n, line))
            continue
        if table:
            problems += [p for p in [_table_problem(table)] if p]
            table = []
        h = _HEADING.match(line)
        if h and h.group(2):
            headings += 1
            sections += len(h.group(1)) == 2
    if table:
        problems += [p for p in [_table_problem(table)] if p]
    if fence is not None:
        problems.append(f"the code fence opened at line {opened} is never closed")
    if not headings:
        problems.append("it has no headings, so nothing marks its sections")
    elif not sections:
        problems.append("it has no '## ' sections (only a title)")
    return problems


def _login_name() -> str:
    import getpass

    try:
        return os.environ.get("JOURNAL_USER") or getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


# -- inference -------------------------------------------------------------------------------
@dataclass
class Inference:
    """What ``adopt`` would write for one log, where each value came from, and what stops it."""

    id: str
    path: Path
    archived: bool
    meta: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    status_word: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def frontmatter(self, nl: str = "\n") -> str:
        """The frontmatter block as it is written on top of the log."""
        lines = [f"---{nl}", *(line for key, value in self.meta.items() for line in dump_yaml_lines(key, value, nl)),
                 f"---{nl}"]
        return "".join(lines)


def _preamble(doc: SessionDoc) -> Section:
    sections = doc.sections()
    end = sections[0].head if sections else len(doc.lines)
    return Section("", -1, doc.fm_end + 1, end)


def _field(doc: SessionDoc, name: str, *places: Section) -> tuple[str | None, str]:
    """The first non-empty ``**name:** value`` in ``places``, else anywhere; (value, where)."""
    everywhere = Section("", -1, doc.fm_end + 1, len(doc.lines))
    for place in (*places, everywhere):
        value = doc.field_value(place, name)
        if value:
            return value, f"the **{name}:** line" + (f" in {place.title}" if place.title else "")
    return None, ""


def _one_line(value: str, what: str, limit: int, problems: list[str]) -> str:
    from journal.session.document import single_line

    try:
        return single_line(value, what, limit)
    except InvalidInput as e:
        problems.append(str(e))
        return value.strip()[:limit]


def _settings_line(word: str, statuses: tuple[str, ...]) -> str:
    extra = [s for s in statuses if s not in DEFAULT_STATUSES] + [status_name(word)]
    return "statuses = [" + ", ".join(f'"{s}"' for s in extra) + "]"


def infer(text: str, ref: SessionRef, history: History, config: Config) -> Inference:
    """The frontmatter for a log kept by hand: a pure function of its text, its file name,
    its history and the settings. ``problems`` says why it should be left alone, if so."""
    from journal.ids import validate_id

    result = Inference(ref.id, ref.path, ref.archived)
    problems = result.problems
    try:
        validate_id(ref.id)
    except InvalidInput as e:
        problems.append(f"its file name does not give a session id: {e}")
    problems += body_problems(text)
    doc = SessionDoc(text, str(ref.path), bare=True)
    current = doc.find(*CURRENT_WORK)
    top = _preamble(doc)
    near = [s for s in (current,) if s is not None]
    sources = result.sources

    role, where = _field(doc, "Role", top)
    if role:
        sources["role"] = where
    else:
        titles = [m.group(2) for line in doc.lines[: top.end] if (m := _HEADING.match(line.rstrip("\r\n")))
                  and m.group(1) == "#" and m.group(2)]
        role = title_role(titles[0], ref.id) if titles else None
        sources["role"] = "the title" if role else "nothing in the log: the default"
    role = _one_line(role or "Contributor", "role", _ROLE_LIMIT, problems)
    mission, where = _field(doc, "Mission", top)
    sources["mission"] = where or "nothing in the log: the default"
    mission = _one_line(mission or "(mission not set yet)", "mission", 2000, problems)

    word, where = _field(doc, "Status", *near)
    result.status_word = word
    if word:
        status = status_for(word, config.statuses)
        sources["status"] = f"{where}: {word!r}"
        if status is None:
            problems.append(f"status {word!r} is none of {', '.join(config.statuses)}: add "
                            f"`{_settings_line(word, config.statuses)}` to .journal.toml "
                            "(or [tool.journal] in pyproject.toml), or change the word")
    else:
        status = None
        sources["status"] = "no **Status:** line"
    value, where = _field(doc, "Progress", *near)
    progress, why = read_progress(value) if value else (None, None)
    if why:
        problems.append(why)
    if progress is not None:
        sources["progress"] = f"{where}: {value!r}"
    else:
        phases = [] if current is None else [
            m.group(1) != " " for line in doc.lines[current.start:current.end] if (m := _CHECKBOX.match(line))]
        if phases:
            progress = round(100 * sum(phases) / len(phases))
            sources["progress"] = f"the {PHASE_LABEL} checklist: {sum(phases)} of {len(phases)} ticked"
        else:
            progress = 100 if status == "done" else 0
            sources["progress"] = "no **Progress:** line and no checklist"
    if status is None and not word:
        status = "done" if progress == 100 else "planning" if progress == 0 else "building"
        sources["status"] = f"no **Status:** line: from progress {progress}%"

    meta: dict[str, Any] = {"id": ref.id, "role": role, "mission": mission}
    if ref.archived:
        meta["status"] = "done"
        sources["status"] += "; archived, so done"
    else:
        meta["status"] = status or (status_name(word) if word else "planning")
    meta["progress"] = progress
    meta["created"] = history.created
    meta["updated"] = history.updated
    if ref.archived:
        meta["ended"] = ref.archive_date
        meta["archived_from_status"] = status or "done"
        sources["ended"] = "the date in its file name"
    if history.source == "git":
        sources["created"] = "git: its first commit (renames followed)"
        sources["updated"] = f"git: its last commit ({history.commits} in all)"
        sources["owner"] = "git: the author of its first commit"
    else:
        sources["created"] = sources["updated"] = "the file's modification time (outside git)"
        sources["owner"] = "the current user (outside git)"
    meta["owner"] = {"kind": "human", "name": history.owner or _login_name()}
    meta["events"] = f"events/{ref.id}.jsonl"
    meta["adopted"] = True  # kept by hand before: `check` takes the sections it has
    meta["schema_version"] = SCHEMA_VERSION
    result.meta = meta
    return result


def read_bare(text: str, ref: SessionRef, history: History, config: Config) -> dict[str, Any]:
    """A log kept by hand read the way ``adopt`` would, for the read paths: its would-be
    frontmatter, with the status word as written when it maps to no status, and why
    ``adopt`` would leave it alone (``adopt_problem``), if it would."""
    found = infer(text, ref, history, config)
    meta = dict(found.meta)
    meta["adopted"] = False
    meta["adopt_problem"] = found.problems[0] if found.problems else None
    return meta


# -- adopting ------------------------------------------------------------------------------
@dataclass
class Adopted:
    """The outcome for one log: adopted, would adopt (dry run), already adopted, or left alone."""

    id: str
    path: str
    archived: bool
    action: str
    reason: str | None = None
    frontmatter: str | None = None
    meta: dict[str, Any] | None = None
    sources: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class AdoptReport:
    files: list[Adopted] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # workspace files set up on the way

    def count(self, action: str) -> int:
        return sum(f.action == action for f in self.files)


def _targets(ws: Workspace, ids: list[str], every: bool) -> list[SessionRef]:
    from journal.ids import validate_id

    if every and ids:
        raise InvalidInput("give session IDs or --all, not both")
    if not every and not ids:
        raise InvalidInput("give the session IDs to adopt, or --all for every log without frontmatter")
    ws.require()
    if every:
        return sorted(scan_sessions(ws, True, True), key=lambda r: (r.archived, r.path.name))
    refs: list[SessionRef] = []
    for sid in dict.fromkeys(ids):
        validate_id(sid)
        found = ([SessionRef(sid, ws.active_path(sid))] if ws.active_path(sid).is_file() else []) + find_archived(ws, sid)
        if not found:
            raise NotFound(f"no session {sid!r} in ACTIVE or ARCHIVE of {ws.root}")
        refs += found
    return refs


def _write(ws: Workspace, found: Inference, before: str) -> str | None:
    """Put the frontmatter on top of the log under its lock; why not, when it cannot."""
    from journal.fsutil import atomic_write, deferred_signals, locked, read_text
    from journal.ids import new_event_id
    from journal.session import links

    nl = "\r\n" if "\r\n" in before else "\n"
    head = found.frontmatter(nl)
    text = head + before
    meta, body_at = read_frontmatter(text, str(found.path))
    if body_at != len(head) or meta != found.meta:  # never write what would not read back the same
        return "its frontmatter would not read back as written"
    rel = ws.rel(found.path)
    with deferred_signals():
        with locked(ws.lock_path(found.path)):
            if read_text(found.path) != before:
                return "it changed while being adopted: run adopt again"
            atomic_write(found.path, text)
        links.record(ws, found.id, "state_change", "adopt", event_id=new_event_id(),
                     text=f"adopted {rel}: frontmatter inferred from the log and its history",
                     agent=found.meta["owner"]["name"], details={"file": rel, "inferred": found.sources})
    return None


def adopt(ws: Workspace, ids: list[str] | None = None, every: bool = False, dry_run: bool = False) -> AdoptReport:
    """Write inferred frontmatter on top of each log given (or every log, with ``every``)
    that has none; bodies are kept byte for byte. Nothing changes with ``dry_run``."""
    from journal.fsutil import guard, read_text

    refs = _targets(ws, list(ids or []), every)
    report = AdoptReport()
    histories = Histories(ws, strict=True)
    todo: list[tuple[Inference, str]] = []
    for ref in refs:
        rel = ws.rel(ref.path)
        try:
            guard(ref.path)  # the file adopt would write: never a link (nor read through one)
            text = read_text(ref.path)
        except JournalError as e:
            report.files.append(Adopted(ref.id, rel, ref.archived, "left alone", str(e).replace(str(ref.path), rel)))
            continue
        if has_frontmatter(text):
            try:  # a '---' line on top that opens no frontmatter of journal's: a person must look
                meta, _ = read_frontmatter(text, rel)
                why = None if "id" in meta else "its frontmatter has no 'id'"
            except MalformedFile as e:
                why = str(e).removeprefix(rel + ": ")
            if why is None:
                report.files.append(Adopted(ref.id, rel, ref.archived, "already adopted"))
            else:
                report.files.append(Adopted(ref.id, rel, ref.archived, "left alone", f"{why} (a file that starts "
                                            "with a '---' line is read as frontmatter: fix or remove that line)"))
            continue
        history = histories.of(ref.path)
        found = infer(text, ref, history, ws.config)
        if history.committed is False:
            found.problems.insert(0, "it is not committed as it is (commit it first: adopt infers from "
                                     "the committed log and its history, so every clone infers the same)")
        entry = Adopted(ref.id, rel, ref.archived, "would adopt" if dry_run else "adopted",
                        frontmatter=found.frontmatter(), meta=found.meta, sources=found.sources)
        if not found.ok:
            entry.action, entry.reason = "left alone", "; ".join(found.problems)
        else:
            todo.append((found, text))
        report.files.append(entry)
    if dry_run or not todo:
        return report
    from journal.init import init_workspace

    report.created = [ws.rel(p) for p in init_workspace(ws)]  # events/, .gitignore for local state...
    by_path = {f.path: f for f in report.files}
    for found, text in todo:
        why = _write(ws, found, text)
        if why is not None:
            entry = by_path[ws.rel(found.path)]
            entry.action, entry.reason = "left alone", why
    return report
