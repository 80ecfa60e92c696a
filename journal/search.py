"""``journal grep``: a regular-expression search that names the session and section of each hit.

For a literal pattern, GNU grep (when installed) narrows the files to read;
Python's ``re`` decides every hit, so results are the same with or without it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from journal.errors import InvalidInput
from journal.sections import headings_for
from journal.workspace import Workspace

_REGEX_SYNTAX = set(".^$*+?{}[]\\|()")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")


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


def _targets(ws: Workspace, archived: bool, knowledge: bool) -> list[tuple[Path, str, bool]]:
    """(folder, kind, recursive) to search."""
    out = [(ws.active_dir, "active", False)]
    if archived:
        out.append((ws.archive_dir, "archive", False))
    if knowledge:
        out.append((ws.knowledge_dir, "knowledge", False))
    return out


def _grep_args(pattern: str, ignore_case: bool) -> list[str] | None:
    """GNU grep options that find a superset of the files ``pattern`` matches, or None.

    Only a literal pattern is handed to grep (as -F): its regular expressions differ
    from Python's in places (Unicode classes, for one), and Python decides every hit.
    """
    if any(c in _REGEX_SYNTAX for c in pattern) or (ignore_case and not pattern.isascii()):
        return None
    return ["-lZ", "-F", *(["-i"] if ignore_case else []), "-e", pattern, "--"]


def _chunks(files: list[str], jobs: int, max_bytes: int = 100_000) -> list[list[str]]:
    """The files in at least ``jobs`` groups, each short enough for one command line."""
    size = sum(len(f) + 1 for f in files)
    count = max(jobs, -(-size // max_bytes))
    return [files[i::count] for i in range(count) if files[i::count]]


def _candidates(pattern: str, ignore_case: bool, folders: list[Path]) -> set[str] | None:
    """Files GNU grep says may match, or None when grep cannot answer for this pattern.

    The files are spread over one grep process per core (two waves or more on a big
    workspace, so that no command line grows past the system's limit).
    """
    grep = shutil.which("grep")
    options = _grep_args(pattern, ignore_case)
    if grep is None or options is None or not folders:
        return None
    files = [entry.path for folder in folders for entry in os.scandir(folder)
             if entry.name.endswith(".md") and not entry.name.startswith(".")]
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


def _session_of(path: Path, kind: str) -> str:
    from journal.sessions import ARCHIVE_NAME

    if kind == "archive":
        m = ARCHIVE_NAME.match(path.name)
        return m["id"] if m else path.stem
    if kind == "knowledge":
        return f"shared-knowledge/{path.name}"
    return path.stem


def _scan_file(path: Path, kind: str, regex: re.Pattern[str], section_filter: set[str] | None,
               ws: Workspace) -> list[Hit]:
    from journal.document import fence_step, norm

    try:
        raw_bytes = path.read_bytes()
    except OSError:
        return []
    if b"\0" in raw_bytes[:8192]:
        return []
    data = raw_bytes.decode("utf-8", "replace")
    if "\r" not in data and not regex.search(data):
        return []
    hits = []
    section = "frontmatter" if data.startswith("---") else ""
    in_front = section == "frontmatter"
    level = 2 if kind != "knowledge" else 6
    fence: str | None = None
    for number, line in enumerate(data.split("\n"), 1):
        line = line.rstrip("\r")
        if in_front and number > 1 and line.rstrip() in ("---", "..."):
            in_front = False
            section = ""
        elif not in_front:
            is_fence, fence = fence_step(line, fence)
            if not is_fence and fence is None:
                m = _HEADING.match(line)
                if m and len(m.group(1)) <= level:
                    section = m.group(2)
        if regex.search(line):
            if section_filter is not None and norm(section) not in section_filter:
                continue
            hits.append(Hit(_session_of(path, kind), ws.rel(path), section, number, line,
                            kind == "archive", kind == "knowledge"))
    return hits


def grep(ws: Workspace, pattern: str, *, archived: bool = False, knowledge: bool = False,
         section: str | None = None, ignore_case: bool = False) -> list[Hit]:
    """Every line matching ``pattern`` in the chosen files, with session and section."""
    from journal.document import norm

    ws.require()
    if not pattern:
        raise InvalidInput("pattern is empty")
    flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
    try:
        regex = re.compile(pattern, flags)
    except re.error as e:
        raise InvalidInput(f"pattern {pattern!r} is not a valid regular expression: {e}") from e
    section_filter = {norm(h) for h in headings_for(section)} if section else None
    targets = [(folder, kind) for folder, kind, _ in _targets(ws, archived, knowledge) if folder.is_dir()]
    candidates = _candidates(pattern, ignore_case, [folder for folder, _ in targets])
    hits: list[Hit] = []
    for folder, kind in targets:
        if candidates is not None:
            prefix = str(folder) + os.sep
            paths = sorted(Path(p) for p in candidates if p.startswith(prefix) and os.sep not in p[len(prefix):])
        else:
            paths = sorted(p for p in folder.glob("*.md") if not p.name.startswith("."))
        for path in paths:
            hits += _scan_file(path, kind, regex, section_filter, ws)
    return hits
