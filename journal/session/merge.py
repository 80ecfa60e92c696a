"""Merging two clones' edits of the journal's files by their meaning, not by lines.

Used three ways: by ``journal sync`` on whole workspace trees, by git itself through the
journal merge driver (``journal merge-driver``, registered for session logs and event
logs in the workspace's ``.gitattributes``) during a plain ``git pull``, and by
``journal check --fix`` on a file that a clone without the driver left with conflict
markers.

A session log is merged part by part:

- **frontmatter**, key by key: a key changed on one side takes that side's value; a key
  changed on both sides takes the value of the newer change (the side whose ``updated``
  is later);
- **the body**, section by section (matched by heading), entry by entry: an entry is a
  line that starts at the margin with its indented continuation lines. Entries added on
  both sides are all kept, the first side's before the other's (an entry the two added
  alike, at the same place, is kept once); an entry changed on one side takes the change;
  fields (``- **Status:** …``) changed on both sides take the newer change;
- the result is made consistent as ``journal check`` wants it: the Current Work status
  and progress lines say what the frontmatter says, and a log that ends up in ARCHIVE/ is
  done.

Only the same entry edited differently on both sides is a true conflict: it is written
between conflict markers (with the base version) and reported with the file and entry.
Event logs are a union by event id (``journal.events.merge``); shared-knowledge files are
append-only and merge as a union.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, TypeVar, Union

from journal.errors import JournalError, MalformedFile
from journal.events import merge as event_merge
from journal.session.document import SessionDoc, fence_step, frontmatter_span, load_yaml, norm
from journal.session.sections import CURRENT_WORK
from journal.workspace import ARCHIVE_NAME

MARK_OURS, MARK_BASE, MARK_SEP, MARK_THEIRS = "<<<<<<<", "|||||||", "=======", ">>>>>>>"
_MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: |$)")
_H2 = re.compile(r"^##(?!#)[ \t]+(.*?)[ \t]*#*[ \t]*$")
_TOP_KEY = re.compile(r"^([^\s#\-][^:]*?)\s*:(\s|$)")
_FIELD = re.compile(r"^\s*(?:[-*+][ \t]+)?\*\*([A-Za-z][^*\n]*?):?\*\*:?[ \t]*(.*)$")
T = TypeVar("T")


class MergeConflict(JournalError):
    """A merge left true conflicts (the merge driver's exit code 1: git marks the file conflicted)."""

    exit_code = 1


@dataclass(frozen=True)
class Conflict:
    """A true conflict: the same entry edited differently on both sides."""

    path: str
    line: int
    entry: str
    reason: str = "edited differently on both sides"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.entry!r} {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "entry": self.entry, "reason": self.reason}


@dataclass
class Merged:
    """A merged file: its text (conflict markers around any true conflict) and the conflicts."""

    text: str
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True)
class _Clash:
    base: list[str]
    ours: list[str]
    theirs: list[str]


Unit = Union[str, _Clash]
Resolver = Callable[[list[str], list[str], list[str]], list[Unit]]


# -- entries, and the three-way merge of sequences of them ------------------------------------
def _blank(line: str) -> bool:
    return not line.strip()


def units(lines: list[str]) -> list[str]:
    """The entries of ``lines``: a line at the margin with the indented lines under it
    (blank lines inside an entry included); each other line is a unit of its own."""
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        i += 1
        if _blank(line) or line[:1] in (" ", "\t"):
            out.append(line)
            continue
        unit = [line]
        while i < n:
            nxt = lines[i]
            if nxt[:1] in (" ", "\t") and not _blank(nxt):
                unit.append(nxt)
                i += 1
            elif _blank(nxt):
                k = i
                while k < n and _blank(lines[k]):
                    k += 1
                if k < n and lines[k][:1] in (" ", "\t"):
                    unit.extend(lines[i:k])
                    i = k
                else:
                    break
            else:
                break
        out.append("".join(unit))
    return out


Edit = tuple[int, int, list[str]]


def _edits(base: list[str], side: list[str]) -> list[Edit]:
    matcher = SequenceMatcher(None, base, side, autojunk=False)
    return [(i1, i2, side[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _conflicts(x: Edit, y: Edit) -> bool:
    """Whether edits of the two sides touch the same base entries (an insertion at the edge
    of the other's range does not)."""
    if x[0] == x[1] and y[0] == y[1]:
        return x[0] == y[0]
    if x[0] == x[1]:
        return y[0] < x[0] < y[1]
    if y[0] == y[1]:
        return x[0] < y[0] < x[1]
    return x[0] < y[1] and y[0] < x[1]


def _apply(base: list[str], start: int, end: int, edits: list[Edit]) -> list[str]:
    out: list[str] = []
    pos = start
    for i1, i2, rep in edits:
        out += base[pos:i1]
        out += rep
        pos = i2
    return out + base[pos:end]


def merge3(base: list[str], ours: list[str], theirs: list[str], resolve: Resolver) -> list[Unit]:
    """Three-way merge of unit sequences: each side's edits of the base applied; edits that
    touch the same base units go to ``resolve(base part, our part, their part)``."""
    if ours == theirs or base == theirs:
        return list(ours)
    if base == ours:
        return list(theirs)
    ea, eb = _edits(base, ours), _edits(base, theirs)
    out: list[Unit] = []
    pos = i = j = 0
    while i < len(ea) or j < len(eb):
        x = ea[i] if i < len(ea) else None
        y = eb[j] if j < len(eb) else None
        if y is None or (x is not None and x[1] <= y[0] and not _conflicts(x, y)):
            assert x is not None
            out += base[pos:x[0]]
            out += x[2]
            pos, i = x[1], i + 1
            continue
        if x is None or (y[1] <= x[0] and not _conflicts(x, y)):
            out += base[pos:y[0]]
            out += y[2]
            pos, j = y[1], j + 1
            continue
        ca, cb = [x], [y]
        i, j = i + 1, j + 1
        end = max(x[1], y[1])
        grew = True
        while grew:
            grew = False
            if i < len(ea) and (ea[i][0] < end or any(_conflicts(ea[i], e) for e in cb)):
                ca.append(ea[i])
                end = max(end, ea[i][1])
                i, grew = i + 1, True
            if j < len(eb) and (eb[j][0] < end or any(_conflicts(eb[j], e) for e in ca)):
                cb.append(eb[j])
                end = max(end, eb[j][1])
                j, grew = j + 1, True
        start = min(ca[0][0], cb[0][0])
        out += base[pos:start]
        out += resolve(base[start:end], _apply(base, start, end, ca), _apply(base, start, end, cb))
        pos = end
    out += base[pos:]
    return out


def _union_inserted(ours: list[str], theirs: list[str]) -> list[str]:
    """Entries both sides added at one place: ours, then theirs. What they share at the
    start (a new date label, or entries added again after an interrupted sync) is kept once."""
    if theirs[: len(ours)] == ours:
        return list(theirs)
    if ours[: len(theirs)] == theirs:
        return list(ours)
    k = 0
    while k < min(len(ours), len(theirs)) and ours[k] == theirs[k]:
        k += 1
    s = 0
    while s < min(len(ours), len(theirs)) - k and _blank(ours[-1 - s]) and ours[-1 - s] == theirs[-1 - s]:
        s += 1
    return ours[: len(ours) - s] + theirs[k: len(theirs) - s] + ours[len(ours) - s:]


def _field(unit: str) -> tuple[str, str] | None:
    """(name, value) of a one-line ``**Name:** value`` field, else None."""
    if "\n" in unit.rstrip("\r\n"):
        return None
    m = _FIELD.match(unit.rstrip("\r\n"))
    return (norm(m.group(1)), m.group(2)) if m else None


def _three_way(base: T | None, ours: T | None, theirs: T | None, ours_newer: bool) -> T | None:
    """One value merged three ways: the side that changed it, else (both changed it
    differently) the newer side's. None means absent."""
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        return theirs
    return ours if ours_newer else theirs


def _merge_fields(base: list[str], ours: list[str], theirs: list[str], ours_newer: bool) -> list[Unit] | None:
    """Fields changed on both sides, field by field (the newer change wins); None when the
    parts hold anything but fields and blank lines."""
    parts = []
    for chunk in (base, ours, theirs):
        named: dict[str, str] = {}
        for unit in chunk:
            if _blank(unit):
                continue
            f = _field(unit)
            if f is None or f[0] in named:
                return None
            named[f[0]] = unit
        parts.append(named)
    o, a, b = parts
    first, second = (ours, theirs) if ours_newer else (theirs, ours)
    out: list[Unit] = []
    done: set[str] = set()
    for unit in [*first, *[u for u in second if not _blank(u)]]:
        if _blank(unit):
            if unit in first and out.count(unit) < first.count(unit):
                out.append(unit)
            continue
        name = _field(unit)[0]  # type: ignore[index]
        if name in done:
            continue
        done.add(name)
        value = _three_way(o.get(name), a.get(name), b.get(name), ours_newer)
        if value is not None:
            out.append(value)
    return out


def _session_resolver(ours_newer: bool) -> Resolver:
    def resolve(base: list[str], ours: list[str], theirs: list[str]) -> list[Unit]:
        if ours == theirs:
            return list(ours)
        if not base:
            return list(_union_inserted(ours, theirs))
        fields = _merge_fields(base, ours, theirs, ours_newer)
        if fields is not None:
            return fields
        if [u for u in ours if not _blank(u)] == [u for u in theirs if not _blank(u)]:
            return list(ours)  # the same entries, spaced differently
        return [_Clash(base, ours, theirs)]
    return resolve


def _union_resolver(base: list[str], ours: list[str], theirs: list[str]) -> list[Unit]:
    """git's union: both sides' lines, ours first (a side that holds the other whole wins)."""
    if ours == theirs or theirs[: len(ours)] == ours:
        return list(theirs)
    if ours[: len(theirs)] == theirs:
        return list(ours)
    return [*ours, *theirs]


def _text_resolver(base: list[str], ours: list[str], theirs: list[str]) -> list[Unit]:
    return list(ours) if ours == theirs else [_Clash(base, ours, theirs)]


# -- rendering ----------------------------------------------------------------------------
def _nl(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _ended(chunk: list[str], nl: str) -> str:
    text = "".join(chunk)
    return text if not text or text.endswith("\n") else text + nl


def render(merged: list[Unit], where: str, labels: tuple[str, str], nl: str = "\n",
           line_offset: int = 0) -> Merged:
    """The text of merged units, true conflicts between markers (diff3 style, with the base)."""
    parts: list[str] = []
    conflicts: list[Conflict] = []
    line = line_offset + 1
    for unit in merged:
        if isinstance(unit, _Clash):
            first = next((u for u in (*unit.base, *unit.ours, *unit.theirs) if not _blank(u)), "")
            entry = first.split("\n")[0].strip()
            conflicts.append(Conflict(where, line, entry[:120]))
            block = (f"{MARK_OURS} {labels[0]}{nl}" + _ended(unit.ours, nl) + f"{MARK_BASE} base{nl}"
                     + _ended(unit.base, nl) + f"{MARK_SEP}{nl}" + _ended(unit.theirs, nl)
                     + f"{MARK_THEIRS} {labels[1]}{nl}")
            parts.append(block)
            line += block.count("\n")
        else:
            if parts and not parts[-1].endswith("\n"):
                parts[-1] += nl
            parts.append(unit)
            line += unit.count("\n")
    return Merged("".join(parts), conflicts)


def _split_lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


# -- session logs -------------------------------------------------------------------------
def _frontmatter_blocks(lines: list[str]) -> list[tuple[str, str]]:
    """(key, text) of each top-level key of YAML frontmatter, comments with the key above."""
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        m = _TOP_KEY.match(line)
        if m:
            blocks.append((m.group(1).strip().strip("'\""), [line]))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            blocks.append(("\0preamble", [line]))
    return [(k, "".join(v)) for k, v in blocks]


def _merge_frontmatter(base: str, ours: str, theirs: str, ours_newer: bool) -> str:
    bo = dict(_frontmatter_blocks(_split_lines(base)))
    ba_list = _frontmatter_blocks(_split_lines(ours))
    bb_list = _frontmatter_blocks(_split_lines(theirs))
    ba, bb = dict(ba_list), dict(bb_list)
    first, second = (ba_list, bb_list) if ours_newer else (bb_list, ba_list)
    order = [k for k, _ in first]
    for n, (key, _) in enumerate(second):
        if key not in order:
            prev = next((second[m][0] for m in range(n - 1, -1, -1) if second[m][0] in order), None)
            order.insert(order.index(prev) + 1 if prev is not None else len(order), key)
    out = []
    nl = _nl(ours)
    for key in order:
        value = _three_way(bo.get(key), ba.get(key), bb.get(key), ours_newer)
        if value is not None:
            out.append(value if value.endswith("\n") else value + nl)
    return "".join(out)


def _parts(text: str, where: str) -> tuple[str, str, str, str]:
    """(opening line, YAML, closing line, body) of a session log."""
    start, end, body = frontmatter_span(text, where)
    return text[:start], text[start:end], text[end:body], text[body:]


def _updated(yaml_text: str, where: str) -> str:
    from journal import clock

    try:
        meta = load_yaml(yaml_text, where) or {}
    except MalformedFile:
        return ""
    value = meta.get("updated") if isinstance(meta, dict) else None
    moment = clock.as_datetime(value) if value is not None else None
    return clock.iso(moment) if moment is not None else str(value or "")


def _sections(body: str) -> list[tuple[str, list[str]]]:
    """(key, units) of the body's parts: what comes before the first ``##`` heading, then
    each section from its heading (keys are the normalized titles, numbered if repeated)."""
    parts: list[tuple[str, list[str]]] = [("", [])]
    seen: dict[str, int] = {}
    fence: str | None = None
    for line in _split_lines(body):
        bare = line.rstrip("\r\n")
        is_fence, fence = fence_step(bare, fence)
        m = None if (is_fence or fence is not None) else _H2.match(bare)
        if m:
            key = norm(m.group(1))
            seen[key] = seen.get(key, 0) + 1
            parts.append((key if seen[key] == 1 else f"{key}#{seen[key]}", [line]))
        else:
            parts[-1][1].append(line)
    return [(k, units(lines)) for k, lines in parts]


def _merge_body(base: str, ours: str, theirs: str, ours_newer: bool) -> list[Unit]:
    so, sa, sb = dict(_sections(base)), _sections(ours), _sections(theirs)
    da, db = dict(sa), dict(sb)
    order_units = merge3([k for k, _ in _sections(base)], [k for k, _ in sa], [k for k, _ in sb],
                         lambda o, a, b: list(_union_inserted(a, b)))
    order = [k for k in order_units if isinstance(k, str)]
    for key, _ in [*sa, *sb]:  # a section removed on one side but changed on the other stays
        if key not in order:
            order.append(key)
    resolve = _session_resolver(ours_newer)
    out: list[Unit] = []
    for key in dict.fromkeys(order):
        co, ca, cb = so.get(key), da.get(key), db.get(key)
        if ca is None and cb is None:
            continue
        if ca is None or cb is None:
            kept = cb if ca is None else ca
            if co is not None and kept == co:
                continue  # removed on one side, untouched on the other
            out += kept or []
            continue
        out += merge3(co or [], ca, cb, resolve)
    return out


def _consistent(text: str, where: str, archived: bool) -> str:
    """Current Work's status and progress lines agree with the frontmatter; an archived log is done."""
    try:
        doc = SessionDoc(text, where)
    except JournalError:
        return text
    if archived and str(doc.meta.get("status") or "").lower() != "done":
        doc.set_meta("status", "done")
    status = str(doc.meta.get("status") or "")
    progress = doc.meta.get("progress")
    section = doc.find(*CURRENT_WORK)
    if section is not None:
        shown = doc.field_value(section, "Status")
        if status and shown and shown.strip().lower() != status.lower():
            doc.set_field(section, "Status", status.title())
            section = doc.require(*CURRENT_WORK)
        shown = doc.field_value(section, "Progress")
        digits = re.match(r"\s*(\d+)", shown or "")
        if isinstance(progress, int) and not isinstance(progress, bool) and digits and int(digits.group(1)) != progress:
            doc.set_field(section, "Progress", f"{progress}%")
    return doc.text()


def merge_session(base: str | None, ours: str, theirs: str, where: str, *, archived: bool = False,
                  labels: tuple[str, str] = ("ours", "theirs")) -> Merged:
    """Three copies of one session log merged by meaning (see the module's docstring)."""
    if ours == theirs or base == theirs:
        return Merged(_consistent(ours, where, archived) if archived else ours)
    if base == ours:
        return Merged(_consistent(theirs, where, archived) if archived else theirs)
    try:
        oa, ya, ca, body_a = _parts(ours, where)
        _, yb, _, body_b = _parts(theirs, where)
    except MalformedFile:
        return merge_text(base, ours, theirs, where, labels)
    try:
        _, yo, _, body_o = _parts(base, where) if base else ("", "", "", "")
    except MalformedFile:
        yo, body_o = "", ""
    ours_newer = _updated(ya, where) >= _updated(yb, where)
    head = oa + _merge_frontmatter(yo, ya, yb, ours_newer) + ca
    body = render(_merge_body(body_o, body_a, body_b, ours_newer), where, labels, _nl(ours),
                  line_offset=head.count("\n"))
    text = head + body.text
    if not body.conflicts:
        text = _consistent(text, where, archived)
    return Merged(text, body.conflicts)


# -- other files ------------------------------------------------------------------------------
def merge_union(base: str | None, ours: str, theirs: str, where: str) -> Merged:
    """Append-only files (shared knowledge, ignore lists): both sides' additions kept."""
    merged = merge3(units(_split_lines(base or "")), units(_split_lines(ours)), units(_split_lines(theirs)),
                    _union_resolver)
    return render(merged, where, ("ours", "theirs"), _nl(ours))


def merge_text(base: str | None, ours: str, theirs: str, where: str,
               labels: tuple[str, str] = ("ours", "theirs")) -> Merged:
    """Any other text file: line by line; overlapping edits are a conflict."""
    merged = merge3(_split_lines(base or ""), _split_lines(ours), _split_lines(theirs), _text_resolver)
    return render(merged, where, labels, _nl(ours))


def _decode(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def kind_of(path: str) -> str:
    """What a workspace file is, from its path relative to the workspace root (or the
    repository: only the last folders count): session, events, events-gz, knowledge, lines, text."""
    parts = path.split("/")
    name = parts[-1]
    folder = parts[-2] if len(parts) > 1 else ""
    above = parts[-3] if len(parts) > 2 else ""
    if name.startswith("."):
        return "lines" if name in (".gitignore", ".gitattributes") else "text"
    if above == "sessions" and folder in ("ACTIVE", "ARCHIVE") and name.endswith(".md"):
        return "session"
    if folder == "events" and name.endswith(".jsonl"):
        return "events"
    if folder == "events" and name.endswith(".jsonl.gz"):
        return "events-gz"
    if folder == "shared-knowledge" and name.endswith(".md"):
        return "knowledge"
    return "text"


def merge_file(path: str, base: bytes | None, ours: bytes, theirs: bytes,
               labels: tuple[str, str] = ("ours", "theirs")) -> tuple[bytes, list[Conflict]]:
    """One file merged by what it is (``path`` says which kind): the bytes and any conflicts."""
    kind = kind_of(path)
    if kind == "events":
        return event_merge.merge_plain(base, ours, theirs), []
    if kind == "events-gz":
        try:
            return event_merge.merge_gz(base, ours, theirs), []
        except MalformedFile as e:
            return ours, [Conflict(path, 0, Path(path).name, f"cannot be merged: {e}")]
    o, a, b = _decode(base), _decode(ours), _decode(theirs)
    assert a is not None and b is not None
    if kind == "session":
        merged = merge_session(o, a, b, path, archived="/ARCHIVE/" in f"/{path}", labels=labels)
    elif kind in ("knowledge", "lines"):
        merged = merge_union(o, a, b, path)
    else:
        merged = merge_text(o, a, b, path, labels)
    return _encode(merged.text), merged.conflicts


# -- conflict markers left by a clone without the driver ------------------------------------
def has_markers(text: str) -> bool:
    return any(_MARKER.match(line) for line in text.split("\n"))


def sides_from_markers(text: str) -> tuple[str, str, str] | None:
    """(base, ours, theirs) rebuilt from a file with conflict markers: the lines outside the
    conflicts are common; inside, each side's lines (the base's when the markers carry one,
    in diff3 style, else nothing). None when the markers do not pair up."""
    base: list[str] = []
    ours: list[str] = []
    theirs: list[str] = []
    state = None
    for line in _split_lines(text):
        m = _MARKER.match(line)
        mark = m.group(1)[0] if m else None
        if mark == "<" and state is None:
            state = "ours"
        elif mark == "|" and state == "ours":
            state = "base"
        elif mark == "=" and state in ("ours", "base"):
            state = "theirs"
        elif mark == ">" and state == "theirs":
            state = None
        elif state is None:
            base.append(line)
            ours.append(line)
            theirs.append(line)
        else:
            {"ours": ours, "base": base, "theirs": theirs}[state].append(line)
    if state is not None:
        return None
    return "".join(base), "".join(ours), "".join(theirs)


# -- whole workspace trees ------------------------------------------------------------------
@dataclass
class TreeMerge:
    """A merged workspace tree, what was merged by meaning, and the true conflicts.

    ``worktree`` holds, for files with a true conflict, what this clone's copy should
    become (the merge with conflict markers) while the tree keeps the first side's version.
    """

    tree: str | None
    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    worktree: dict[str, bytes | None] = field(default_factory=dict)


def file_key(path: str) -> tuple[str, str]:
    """Files that merge together: a session's log wherever it is, a session's event log in
    both its forms, any other file by itself."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "sessions" and parts[2].endswith(".md") and not parts[2].startswith("."):
        if parts[1] == "ACTIVE":
            return "session", parts[2][:-3]
        if parts[1] == "ARCHIVE":
            m = ARCHIVE_NAME.match(parts[2])
            if m:
                return "session", m["id"]
    if len(parts) == 2 and parts[0] == "events" and not parts[1].startswith("."):
        if parts[1].endswith(".jsonl"):
            return "events", parts[1][: -len(".jsonl")]
        if parts[1].endswith(".jsonl.gz"):
            return "events", parts[1][: -len(".jsonl.gz")]
    return "path", path


def merge_trees(git: Any, batch: Any, base: str | None, ours: str | None, theirs: str | None, *,
                where: Callable[[str], str] = lambda p: p,
                labels: tuple[str, str] = ("ours", "theirs")) -> TreeMerge:
    """Three workspace trees (git tree ids, None for none) merged by meaning.

    ``git`` and ``batch`` are a ``journal.gitops.Git`` and ``Batch``; ``where`` turns a path
    in the tree into the path to name in conflicts.
    """
    if ours == theirs or base == theirs:
        return TreeMerge(ours)
    if base == ours:
        return TreeMerge(theirs)
    empty = git.empty_tree()
    changes_a = {c.path: c for c in git.diff_trees(base or empty, ours or empty)}
    changes_b = {c.path: c for c in git.diff_trees(base or empty, theirs or empty)}
    keys_a = {file_key(p) for p in changes_a}
    both = keys_a & {file_key(p) for p in changes_b}
    updates: dict[str, tuple[str, str | None]] = {}
    for path, c in changes_b.items():
        if file_key(path) not in both:
            updates[path] = (c.new_mode, None if c.status == "D" else c.new)
    result = TreeMerge(None)
    if both:
        base_files = files_by_key(batch, base, both)
        batch.prefetch([oid for group in base_files.values() for _mode, oid in group.values()]
                       + [c.new for c in (*changes_a.values(), *changes_b.values())
                          if c.status != "D" and file_key(c.path) in both])
        for key in sorted(both):
            files_o = dict(base_files.get(key, {}))
            files_a = _overlay(files_o, changes_a, key)
            files_b = _overlay(files_o, changes_b, key)
            _merge_key(git, batch, key, files_o, files_a, files_b, updates, result, where, labels)
    result.tree = _apply_updates(git, ours or empty, updates)
    return result


def files_by_key(batch: Any, tree: str | None, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, tuple[str, str]]]:
    """path -> (mode, oid) of the files of ``keys`` in ``tree``."""
    out: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
    if tree is None:
        return out
    folders = {"sessions/ACTIVE", "sessions/ARCHIVE"} if any(k[0] == "session" for k in keys) else set()
    if any(k[0] == "events" for k in keys):
        folders.add("events")
    for folder in sorted(folders):
        found = batch.get(f"{tree}:{folder}")
        if found is None or found[1] != "tree":
            continue
        for mode, name, oid in batch.tree(found[0]):
            path = f"{folder}/{name}"
            key = file_key(path)
            if key in keys:
                out.setdefault(key, {})[path] = (mode, oid)
    for key in keys:
        if key[0] == "path":
            found = batch.get(f"{tree}:{key[1]}")
            if found is not None and found[1] == "blob":
                out.setdefault(key, {})[key[1]] = ("100644", found[0])
    return out


def _overlay(files: dict[str, tuple[str, str]], changes: dict[str, Any], key: tuple[str, str]) -> dict[str, tuple[str, str]]:
    out = dict(files)
    for path, c in changes.items():
        if file_key(path) == key:
            if c.status == "D":
                out.pop(path, None)
            else:
                out[path] = (c.new_mode, c.new)
    return out


def merge_files(key: tuple[str, str], fo: dict[str, bytes], fa: dict[str, bytes], fb: dict[str, bytes],
                labels: tuple[str, str] = ("ours", "theirs")) -> tuple[dict[str, bytes | None], list[Conflict]]:
    """The files of one key (see ``file_key``) merged: path -> bytes (None: no such file
    after the merge), for every path any side has, and the true conflicts."""
    out: dict[str, bytes | None] = {}
    conflicts: list[Conflict] = []
    if key[0] == "events":
        sid = key[1]
        plain, gz = f"events/{sid}.jsonl", f"events/{sid}.jsonl.gz"
        try:
            logs = [event_merge.Log(f.get(gz), f.get(plain)) for f in (fo, fa, fb)]
            log = event_merge.merge_logs(*logs)
        except MalformedFile as e:
            return dict(fb), [Conflict(gz, 0, f"the event log of {sid}", f"cannot be merged: {e}")]
        out = {plain: log.plain, gz: log.gz}
    elif key[0] == "session" and len(fo) <= 1 and len(fa) <= 1 and len(fb) <= 1:
        po, pa, pb = (next(iter(f), None) for f in (fo, fa, fb))
        co = fo.get(po) if po else None
        ca = fa.get(pa) if pa else None
        cb = fb.get(pb) if pb else None
        if ca is None or cb is None:  # removed on one side: kept if the other changed it
            kept, kept_path = (cb, pb) if ca is None else (ca, pa)
            if kept is not None and kept_path is not None and kept != co:
                out[kept_path] = kept
        else:
            assert pa is not None and pb is not None
            if pa == po:
                loc = pb
            elif pb == po or pa == pb:
                loc = pa
            else:  # moved differently on both sides: where the newer change put it
                loc = pa if _updated(_yaml_of(ca), "") >= _updated(_yaml_of(cb), "") else pb
            out[loc], conflicts = merge_file(loc, co, ca, cb, labels)
    else:
        for path in sorted(set(fo) | set(fa) | set(fb)):
            co, ca, cb = fo.get(path), fa.get(path), fb.get(path)
            if ca == cb or co == cb:
                out[path] = ca
            elif co == ca:
                out[path] = cb
            elif ca is None or cb is None:
                out[path] = ca if ca is not None else cb  # changed on one side, removed on the other: kept
            else:
                out[path], found = merge_file(path, co, ca, cb, labels)
                conflicts += found
    for path in {*fo, *fa, *fb}:
        out.setdefault(path, None)
    return out, conflicts


def _merge_key(git: Any, batch: Any, key: tuple[str, str], fo: dict[str, tuple[str, str]],
               fa: dict[str, tuple[str, str]], fb: dict[str, tuple[str, str]],
               updates: dict[str, tuple[str, str | None]], result: TreeMerge,
               where: Callable[[str], str], labels: tuple[str, str]) -> None:
    """Merge one key's files; record the tree updates (relative to ours) and any conflict."""
    def read(files: dict[str, tuple[str, str]]) -> dict[str, bytes]:
        return {path: batch.blob(oid) for path, (_mode, oid) in files.items()}

    ba = read(fa)
    out, conflicts = merge_files(key, read(fo), ba, read(fb), labels)
    if conflicts:
        # The tree keeps the first side's files; this clone's copy becomes the merge with
        # conflict markers (or stays as it is, when nothing could be merged).
        result.conflicts += [Conflict(where(c.path), c.line, c.entry, c.reason) for c in conflicts]
        result.worktree.update(out)
        return
    result.merged += [where(p) for p, data in out.items() if data is not None and (p in fa or p in fb)]
    contents = [(p, d) for p, d in out.items() if d is not None and d != ba.get(p)]
    oids = git.hash_blobs([d for _, d in contents])
    for (path, _), oid in zip(contents, oids):
        updates[path] = (fa[path][0] if path in fa else "100644", oid)
    for path, data in out.items():
        if data is None and path in fa:
            updates[path] = ("100644", None)


def _yaml_of(data: bytes | None) -> str:
    if not data:
        return ""
    try:
        return _parts(data.decode("utf-8", "surrogateescape"), "")[1]
    except MalformedFile:
        return ""


def _apply_updates(git: Any, tree: str, updates: dict[str, tuple[str, str | None]]) -> str:
    """``tree`` with ``updates`` (path -> (mode, oid or None to remove)) applied."""
    if not updates:
        return tree
    index = git.scratch_dir() / f"merge-index.{id(updates)}.{__import__('os').getpid()}"
    try:
        git.run("read-tree", tree, index=index)
        git.update_index(index, [(mode, oid, path) for path, (mode, oid) in sorted(updates.items())])
        return str(git.write_tree(index))
    finally:
        index.unlink(missing_ok=True)


def run_driver(base: Path, ours: Path, theirs: Path, path: str) -> list[Conflict]:
    """git's merge driver for journal files (``%O %A %B %P``): the merge is written over
    ``ours``; the true conflicts are returned (git then reports the file as conflicted)."""
    from journal.fsutil import allow_outside, atomic_replace

    def read(p: Path) -> bytes | None:
        try:
            return p.read_bytes()
        except FileNotFoundError:
            return None

    mine, other = read(ours), read(theirs)
    if mine is None or other is None:
        raise MalformedFile(f"{path}: git gave the merge driver a missing file")
    data, conflicts = merge_file(path, read(base), mine, other)
    atomic_replace(allow_outside(ours, "the file git handed its merge driver (%A)"), lambda f: f.write(data))
    return conflicts


# -- check --fix: files a merge without the driver left with conflict markers ----------------
def _stages(ws: Any, path: Path) -> tuple[bytes | None, bytes, bytes] | None:
    """(base, ours, theirs) from git's index when ``path`` is unmerged (a merge in progress)."""
    from journal import gitops
    from journal.errors import GitError

    repo = ws.git_root
    if repo is None:
        return None
    try:
        git = gitops.Git(repo)
        out = git.run("ls-files", "-u", "-z", "--", str(path)).stdout
        stages: dict[str, str] = {}
        for rec in out.split(b"\0"):
            if rec:
                meta, _name = rec.split(b"\t", 1)
                _mode, oid, stage = meta.decode().split(" ")
                stages[stage] = oid
        if "2" not in stages or "3" not in stages:
            return None
        with gitops.Batch(git) as batch:
            return (batch.blob(stages["1"]) if "1" in stages else None, batch.blob(stages["2"]),
                    batch.blob(stages["3"]))
    except GitError:
        return None


def remerge_marked(ws: Any) -> list[Any]:
    """Re-merge by meaning the workspace's session logs, event logs and shared-knowledge
    files that hold git conflict markers (left by a merge in a clone whose merge driver
    was not configured yet). Returns a fixed Problem per file merged; a file whose
    conflict is true (the same entry edited differently) is left for ``check`` to report."""
    from journal.fsutil import atomic_replace, deferred_signals, locked
    from journal.problems import Problem

    candidates = [*sorted(ws.active_dir.glob("*.md")), *sorted(ws.archive_dir.glob("*.md")),
                  *sorted(ws.events_dir.glob("*.jsonl")), *sorted(ws.knowledge_dir.glob("*.md"))]
    fixed = []
    for path in candidates:
        if path.name.startswith("."):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if not has_markers(data.decode("utf-8", "replace")):
            continue
        rel = ws.rel(path)
        key = file_key(rel)
        if key[0] == "session":  # the lock every writer of the session takes, wherever its log is
            lock = ws.lock_path(ws.active_dir / f"{key[1]}.md")
        elif key[0] == "events":
            from journal.events.files import log_paths

            lock = log_paths(ws, key[1])[1]
        else:
            lock = ws.lock_path(path)
        with deferred_signals(), locked(lock):
            data = path.read_bytes()
            staged = _stages(ws, path)
            if staged is not None:
                base, ours, theirs = staged
            else:
                sides = sides_from_markers(data.decode("utf-8", "surrogateescape"))
                if sides is None:
                    continue
                base, ours, theirs = (_encode(s) for s in sides)
            merged, conflicts = merge_file(rel, base, ours, theirs)
            if conflicts or has_markers(merged.decode("utf-8", "replace")):
                continue
            atomic_replace(path, lambda f: f.write(merged))
        fixed.append(Problem(rel, 0, "conflict", "git conflict markers merged by meaning"
                             + (" (git add it to finish the merge)" if staged is not None else ""), fixed=True))
    return fixed
