"""``journal grep``: a regular-expression search that names the session and section of each hit.

Patterns are RE2's syntax (google-re2), matched in time linear in the text: no pattern,
whoever gives it (an agent through the MCP server, say), can make a search hang. What RE2
does not have (backreferences, lookaround, possessive quantifiers) is refused in one line.
For a literal pattern, GNU grep (when installed) narrows the files to read; RE2 decides
every hit, so results are the same with or without it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput
from journal.session.sections import SECTION_NAMES, headings_for
from journal.workspace import Workspace, scan_sessions

_REGEX_SYNTAX = set(".^$*+?{}[]\\|()")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_HEADINGS = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Hit:
    session: str
    path: str
    section: str
    line: int
    text: str
    archived: bool = False
    knowledge: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _files(ws: Workspace, archived: bool, knowledge: bool) -> list[tuple[Path, str, str]]:
    """(path, kind, session or knowledge file) of every file to search, in a stable order."""
    kinds = {False: "active", True: "archive"}
    out = sorted(((ref.path, kinds[ref.archived], ref.id) for ref in scan_sessions(ws, True, archived)),
                 key=lambda f: (f[1] == "archive", f[0].name))
    if knowledge and ws.knowledge_dir.is_dir():
        out += [(path, "knowledge", f"shared-knowledge/{path.name}")
                for path in sorted(ws.knowledge_dir.glob("*.md")) if not path.name.startswith(".")]
    return out


def _grep_args(pattern: str, ignore_case: bool) -> list[str] | None:
    """GNU grep options that find a superset of the files ``pattern`` matches, or None.

    Only a literal pattern is handed to grep (as -F): its regular expressions differ
    from Python's in places (Unicode classes, for one), and Python decides every hit.
    """
    if any(c in _REGEX_SYNTAX for c in pattern) or (ignore_case and not pattern.isascii()):
        return None
    return ["-lZ", "-D", "skip", "-F", *(["-i"] if ignore_case else []), "-e", pattern, "--"]  # (-D: no FIFOs)


def _chunks(files: list[str], jobs: int, max_bytes: int = 100_000) -> list[list[str]]:
    """The files in at least ``jobs`` groups, each short enough for one command line."""
    size = sum(len(f) + 1 for f in files)
    count = max(jobs, -(-size // max_bytes))
    return [files[i::count] for i in range(count) if files[i::count]]


def _candidates(pattern: str, ignore_case: bool, files: list[str]) -> set[str] | None:
    """Files GNU grep says may match, or None when grep cannot answer for this pattern.

    The files are spread over one grep process per core (two waves or more on a big
    workspace, so that no command line grows past the system's limit).
    """
    grep = shutil.which("grep")
    options = _grep_args(pattern, ignore_case)
    if grep is None or options is None:
        return None
    if not files:
        return set()
    jobs = max(1, min(os.cpu_count() or 1, 4, len(files) // 2000 + 1))
    env = {"LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "")}
    found: set[str] = set()
    chunks = _chunks(files, jobs)
    for wave in range(0, len(chunks), jobs):
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for chunk in chunks[wave : wave + jobs]:
                procs.append(subprocess.Popen([grep, *options, *chunk], stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL, env=env))
            outputs = [(p.communicate(timeout=600)[0], p.returncode) for p in procs]
        except (OSError, subprocess.SubprocessError):
            for p in procs:
                p.kill()
                p.wait()
            return None
        if any(code not in (0, 1) for _, code in outputs):
            return None
        found.update(p.decode("utf-8", "surrogateescape") for out, _ in outputs for p in out.split(b"\0") if p)
    return found


_SPACE = r"\s\x{0b}\p{Z}\x{85}\x{1c}-\x{1f}"
_OUTSIDE = {"w": r"[\p{L}\p{N}_]", "W": r"[^\p{L}\p{N}_]", "d": r"\p{Nd}", "D": r"\P{Nd}",
            "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]"}
_INSIDE = {"w": r"\p{L}\p{N}_", "d": r"\p{Nd}", "D": r"\P{Nd}", "s": _SPACE}


def unicode_classes(pattern: str) -> str:
    r"""``pattern`` with ``\w``, ``\d`` and ``\s`` (and their negations) spelt as the Unicode
    classes they are in Python; RE2's own are ASCII. (Inside brackets ``\W`` and ``\S`` stay
    ASCII, and ``\b`` is ASCII either way.)"""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            table = _INSIDE if in_class else _OUTSIDE
            out.append(table.get(e, c + e))
            i += 2
            continue
        if not in_class and c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a ']' first in a class is a character
                out.append("]")
                i += 1
            continue
        if in_class and c == "]":
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def compile_pattern(pattern: str, ignore_case: bool = False) -> Any:
    """The pattern compiled by RE2 (lines are matched one at a time, ``^`` and ``$`` at their
    ends); a pattern RE2 does not support, or too big, is an InvalidInput naming why."""
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is ours to report, in one line
    options.case_sensitive = not ignore_case
    try:
        return re2.compile("(?m)" + unicode_classes(pattern), options)
    except re2.error as e:
        why = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        why = why.replace("(?m)", "", 1).rstrip(": ")
        import warnings

        try:
            with warnings.catch_warnings():  # ("possible nested set" and such: the error below says it)
                warnings.simplefilter("ignore")
                re.compile(pattern)  # compiling is safe (it is matching that can blow up)
        except re.error as bad:
            raise InvalidInput(f"pattern {pattern!r} is not a valid regular expression: {bad}") from None
        raise InvalidInput(f"pattern {pattern!r} uses syntax journal grep does not support ({why}): "
                           "patterns are RE2's, without backreferences or lookaround") from None


def _scan_file(path: Path, kind: str, label: str, regex: Any, section_filter: set[str] | None,
               ws: Workspace) -> list[Hit]:
    from journal.errors import MalformedFile
    from journal.session.document import fence_step, frontmatter_span, norm

    from journal.errors import JournalError
    from journal.fsutil import open_regular

    try:
        with open_regular(path, follow=False) as f:  # (a link would lead outside the workspace)
            raw_bytes = f.read()
    except (OSError, JournalError):  # gone meanwhile, or a pipe where a log should be
        return []
    if b"\0" in raw_bytes[:8192]:
        return []
    data = raw_bytes.decode("utf-8", "replace")
    if "\r" not in data and not regex.search(data):
        return []
    hits = []
    try:
        front_lines = data.count("\n", 0, frontmatter_span(data, str(path))[1]) + 1
    except MalformedFile:
        front_lines = 0
    section = "frontmatter" if front_lines else ""
    level = 2 if kind != "knowledge" else 6
    fence: str | None = None
    for number, line in enumerate(data.split("\n"), 1):
        line = line.rstrip("\r")
        if number == front_lines:
            section = ""
        elif number > front_lines:
            is_fence, fence = fence_step(line, fence)
            if not is_fence and fence is None:
                m = _HEADING.match(line)
                if m and len(m.group(1)) <= level:
                    section = m.group(2)
        if regex.search(line):
            if section_filter is not None and norm(section) not in section_filter:
                continue
            hits.append(Hit(label, ws.rel(path), section, number, line,
                            kind == "archive", kind == "knowledge"))
    return hits


def grep(ws: Workspace, pattern: str, *, archived: bool = False, knowledge: bool = False,
         section: str | None = None, ignore_case: bool = False) -> list[Hit]:
    """Every line matching ``pattern`` in the chosen files, with session and section."""
    from journal.session.document import norm

    ws.require()
    if not pattern:
        raise InvalidInput("pattern is empty")
    regex = compile_pattern(pattern, ignore_case)
    section_filter = {norm(h) for h in headings_for(section)} if section else None
    files = _files(ws, archived, knowledge)
    candidates = _candidates(pattern, ignore_case, [str(path) for path, _, _ in files])
    hits: list[Hit] = []
    for path, kind, label in files:
        if candidates is None or str(path) in candidates:
            hits += _scan_file(path, kind, label, regex, section_filter, ws)
    if section and not hits and not _known_section(section) and not _any_has(files, section_filter or set()):
        raise InvalidInput(f"no log searched has a section {section!r}: name one of "
                           f"{', '.join(sorted(SECTION_NAMES))} or a heading's title")
    return hits


def _known_section(name: str) -> bool:
    """A section name every log has (an alias, or the title of a section journal writes)."""
    from journal.session.document import norm
    from journal.session.sections import REQUIRED

    return name.strip().lower() in SECTION_NAMES or norm(name) in {norm(n) for names in REQUIRED for n in names}


def _any_has(files: list[tuple[Path, str, str]], wanted: set[str]) -> bool:
    """Whether one of ``files`` has a heading titled as ``wanted`` says (a typo has none)."""
    from journal.errors import JournalError
    from journal.fsutil import open_regular
    from journal.session.document import norm

    for path, _kind, _label in files:
        try:
            with open_regular(path, follow=False) as f:
                text = f.read().decode("utf-8", "replace")
        except (OSError, JournalError):
            continue
        if any(norm(m.group(2)) in wanted for m in _HEADINGS.finditer(text)):
            return True
    return False
