"""``journal check``: lint every file of the workspace, for CI and pre-commit hooks."""
from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from stat import S_ISLNK, S_ISREG
from typing import Any, TypeVar

from journal.cache import FileCache
from journal.errors import JournalError, NotAdopted
from journal.problems import LINK_REFUSED, NOT_REGULAR, Problem
from journal.workspace import SessionRef, Workspace

_CONFLICT = re.compile(r"^(<{7}( |$)|={7}$|>{7}( |$)|\|{7}( |$))")
REQUIRED_FIELDS = ("id", "role", "status", "created", "updated")
T = TypeVar("T")
CONFLICT_MARKER = ("git conflict marker (journal check --fix merges the file by meaning; "
                   "an entry edited differently on both sides stays for you to choose)")


def _conflict_lines(text: str) -> list[int]:
    if not any(mark * 7 in text for mark in "<=>|"):  # no line can start with a marker
        return []
    return [n for n, line in enumerate(text.split("\n"), 1) if _CONFLICT.match(line.rstrip("\r"))]


def _check_session(ws: Workspace, path: Path, expected_id: str, archived: bool) -> tuple[list[Problem], str | None]:
    from journal.session.adopt import status_for
    from journal.session.document import SessionDoc
    from journal.fsutil import read_text
    from journal.session.sections import CURRENT_WORK, REQUIRED

    rel = ws.rel(path)
    try:
        text = read_text(path)
    except JournalError as e:
        return [Problem(rel, 0, "session", str(e).replace(str(path), "").strip(": ") or str(e))], None
    problems = [Problem(rel, n, "session", CONFLICT_MARKER) for n in _conflict_lines(text)]
    try:
        doc = SessionDoc(text, rel)
    except NotAdopted:
        return problems + [_not_adopted(rel, text, expected_id)], None
    except JournalError as e:
        return problems + [Problem(rel, 0, "session", str(e).removeprefix(rel + ": "))], None
    meta = doc.meta
    for key in REQUIRED_FIELDS:
        if key not in meta or meta[key] in (None, ""):
            problems.append(Problem(rel, 0, "session", f"frontmatter lacks '{key}'"))
    sid = meta.get("id")
    if sid is not None and str(sid) != expected_id:
        problems.append(Problem(rel, 0, "session", f"frontmatter id {sid!r} does not match the file name ({expected_id!r})"))
    status = str(meta.get("status", "")).lower()
    if status and status not in ws.config.statuses:
        problems.append(Problem(rel, 0, "session", f"status {status!r} is not one of {', '.join(ws.config.statuses)}"))
    if archived and status and status != "done":
        problems.append(Problem(rel, 0, "session", f"archived session has status {status!r}, not 'done'"))
    progress = meta.get("progress")
    if progress is not None and (not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100):
        problems.append(Problem(rel, 0, "session", f"progress {progress!r} is not a whole number from 0 to 100"))
    sections = doc.sections()
    adopted = meta.get("adopted") is True  # kept by hand before: its sections are its own
    for names in REQUIRED:
        if doc.find(*names, sections=sections) is None:
            problems.append(Problem(rel, 0, "session", f"section '## {names[0]}' is missing"
                                    + (" (journal adds it when first written to)" if adopted else ""), note=adopted))
    problems += _twice(sections, rel, REQUIRED, adopted)
    current = doc.find(*CURRENT_WORK, sections=sections)
    if current is not None:
        body_status = doc.field_value(current, "Status")
        said = status_for(body_status, ws.config.statuses) if body_status else None
        if archived and said is not None and said == meta.get("archived_from_status"):
            said = status  # a log archived by hand still says what it was doing
        if body_status and status and said != status and body_status.strip().lower() != status:
            line = (doc.field_line(current, "Status") or 0) + 1
            problems.append(Problem(rel, line, "session", f"Current Work says status {body_status!r} but the frontmatter says {status!r}"))
        body_progress = doc.field_value(current, "Progress")
        if body_progress and isinstance(progress, int):
            digits = re.match(r"\s*(\d+)", body_progress)
            if digits and int(digits.group(1)) != progress:
                line = (doc.field_line(current, "Progress") or 0) + 1
                problems.append(Problem(rel, line, "session", f"Current Work says progress {body_progress!r} but the frontmatter says {progress}"))
    return problems, (str(sid) if sid is not None else None)


def _twice(sections: list[Any], rel: str, required: tuple[tuple[str, ...], ...], note: bool) -> list[Problem]:
    """A second heading of a section journal writes to: every command reads and writes the
    first, so items under the second are out of reach (resolve, update) or counted apart."""
    from journal.session.document import norm

    out = []
    for names in required:
        wanted = {norm(n) for n in names}
        same = [s for s in sections if norm(s.title) in wanted]
        for extra in same[1:]:
            out.append(Problem(rel, extra.head + 1, "session",
                               f"a second '## {extra.title}' section (the first is at line {same[0].head + 1}): "
                               "journal writes only to the first (resolve and update cannot reach the items under the second); merge the two", note=note))
    return out


def only_files(ws: Workspace, problems: list[Problem], files: list[str]) -> list[Problem]:
    """The problems of ``files`` (paths as given, e.g. by pre-commit, relative to the current
    folder); a half-done change is always kept: it concerns every file it touches."""
    wanted = set()
    for f in files:
        try:
            real = os.path.realpath(f)
            wanted.add(Path(os.path.relpath(real, os.path.realpath(ws.root))).as_posix())
        except ValueError:  # another drive (Windows), a NUL in the name: no file of the workspace
            continue
    return [p for p in problems if p.kind == "half-done" or p.path in wanted]


def check_session_file(ws: Workspace, ref: SessionRef) -> list[Problem]:
    """What ``journal check`` says about one session log (after ``journal edit``)."""
    return _check_session(ws, ref.path, ref.id, ref.archived)[0]


CACHE_VERSION = 2  # 2: a section's second heading is reported


class _Scan:
    """One pass over ACTIVE/, ARCHIVE/ and events/: names and stamps (one lstat each, by
    name in an open folder, in chunks shared among forked workers on a big history: a
    stat waits on the system, not on Python), the links and non-regular files among
    them, and temp files of writes."""

    def __init__(self, ws: Workspace) -> None:
        from journal.parallel import ordered_map

        self.links: list[str] = []
        self.odd: list[str] = []  # entries that are not regular files
        self.temps: list[str] = []  # temp files of writes (live or left by a crash)
        self.raw: dict[str, list[tuple[str, int, int]]] = {}
        listed = [(kind, str(folder), self._list(str(folder), endings)) for kind, folder, endings in (
            ("A", ws.active_dir, (".md",)), ("R", ws.archive_dir, (".md",)),
            ("E", ws.events_dir, (".jsonl", ".jsonl.gz")))]
        fds: list[int] = []
        try:
            chunks: list[tuple[str, int | None, list[str]]] = []
            for _kind, folder, names in listed:
                fd = _open_folder(folder) if names else None
                if fd is not None:
                    fds.append(fd)
                chunks += [(folder, fd, names[at:at + _CHUNK]) for at in range(0, len(names), _CHUNK)]
            stamped = iter(ordered_map(_stamp_chunk, chunks))
        finally:
            for fd in fds:
                os.close(fd)
        for kind, folder, names in listed:
            rows = self.raw[kind] = []
            for at in range(0, len(names), _CHUNK):
                for name, st in zip(names[at:at + _CHUNK], next(stamped)):
                    if st is None:  # gone since the listing
                        continue
                    mode, mtime, size = st
                    if S_ISREG(mode):
                        rows.append((name, mtime, size))
                    elif S_ISLNK(mode):  # never read through a link
                        self.links.append(os.path.join(folder, name))
                    else:
                        self.odd.append(os.path.join(folder, name))
        self.ws = ws

    def _list(self, folder: str, endings: tuple[str, ...]) -> list[str]:
        """The names of the files journal keeps in ``folder`` (not yet stat'ed); its temp
        files noted on the way."""
        try:
            names = os.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return []
        self.temps += [os.path.join(folder, n) for n in names if n[0] == "." and n.endswith(".tmp")]
        return [n for n in names if n[0] != "." and n.endswith(endings)]

    def signature(self) -> str | None:
        """Every log's and event log's name, mtime and size, folded; None while one is racy."""
        import zlib
        from array import array

        from journal.cache import racy_after

        racy = racy_after()
        parts = []
        for kind, rows in sorted(self.raw.items()):
            if not rows:
                continue
            names, mtimes, sizes = zip(*rows)
            if max(mtimes) >= racy:
                return None
            parts += [kind.encode(), "\0".join(names).encode("utf-8", "surrogateescape"),
                      array("q", mtimes).tobytes(), array("q", sizes).tobytes()]
        data = b"\0".join(parts)
        count = sum(map(len, self.raw.values()))
        return f"{CACHE_VERSION}-{count}-{len(data)}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}"

    @property
    def sessions(self) -> list[tuple[str, str, str, bool, tuple[int, int]]]:
        """(id, file name, path, archived, stamp) of every session log."""
        from journal.workspace import ARCHIVE_NAME

        out = []
        for kind, folder, archived in (("A", self.ws.active_dir, False), ("R", self.ws.archive_dir, True)):
            inside = os.path.join(folder, "")  # (a path joined as text: pathlib costs µs a name)
            for name, mtime, size in self.raw.get(kind, ()):
                if archived:
                    m = ARCHIVE_NAME.match(name)
                    if not m:
                        continue
                    sid = m["id"]
                else:
                    sid = name[:-3]
                out.append((sid, name, inside + name, archived, (mtime, size)))
        return out

    @property
    def logs(self) -> dict[str, list[tuple[str, tuple[int, int]]]]:
        """Session id -> its event log files (the compressed part first) and their stamps."""
        out: dict[str, list[tuple[str, tuple[int, int]]]] = {}
        for name, mtime, size in sorted(self.raw.get("E", ()), key=lambda r: not r[0].endswith(".gz")):
            sid = name[: -len(".jsonl.gz")] if name.endswith(".gz") else name[: -len(".jsonl")]
            out.setdefault(sid, []).append((name, (mtime, size)))
        return out


def _open_folder(folder: str) -> int | None:
    """A descriptor of ``folder`` to stat its files by name, where the system can."""
    if os.stat not in os.supports_dir_fd:  # pragma: no cover - Windows
        return None
    try:
        return os.open(folder, os.O_RDONLY)
    except OSError:
        return None


_CHUNK = 64  # names stat'ed per task: a call per file would cost as much as its stat


def _stamp_chunk(job: tuple[str, int | None, list[str]]) -> list[tuple[int, int, int] | None]:
    """(mode, mtime_ns, size) of each name of (folder, its fd or None, names), links not
    followed; None for a name gone since the listing. By name in the open folder, a stat
    walks one name, not the whole path."""
    folder, fd, names = job
    stat = os.stat
    out: list[tuple[int, int, int] | None] = []
    for name in names:
        try:
            st = stat(name, dir_fd=fd, follow_symlinks=False) if fd is not None else \
                stat(os.path.join(folder, name), follow_symlinks=False)
        except OSError:
            out.append(None)
            continue
        out.append((st.st_mode, st.st_mtime_ns, st.st_size))
    return out


def _entries(folder: Path) -> list:  # type: ignore[type-arg]
    try:
        with os.scandir(folder) as it:
            return list(it)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def _cached(cache: FileCache | None, key: str, stamp: tuple[int, int], compute: Callable[[], Any]) -> Any:
    return compute() if cache is None else cache.get(key, stamp, compute)


def _cached_all(cache: FileCache | None, items: list[tuple[str, tuple[int, int], T]],
                compute: Callable[[T], Any]) -> list[Any]:
    """The values of many files, in order, the missing ones computed on every core."""
    from journal.parallel import ordered_map

    return ordered_map(compute, [arg for _, _, arg in items]) if cache is None else cache.get_all(items, compute)


def _problems(rows: list[dict[str, Any]]) -> list[Problem]:
    return [Problem(**row) for row in rows]


def _not_adopted(rel: str, text: str, sid: str) -> Problem:
    """A log kept by hand: what to run, and what would stop ``adopt`` if anything would."""
    from journal.session.adopt import body_problems

    message = f"not adopted yet, it has no frontmatter: run 'journal adopt {sid}' (or 'journal adopt --all')"
    stops = body_problems(text)
    if stops:
        message += f"; adopt would leave it alone until it is fixed: {'; '.join(stops)}"
    return Problem(rel, 0, "session", message)


def check_workspace(ws: Workspace, fix: bool = False) -> list[Problem]:
    """Every problem found in the workspace (empty when all is well).

    A file's own findings are cached by its (mtime, size) in ``.journal/cache/check.json``
    (``journal.cache.FileCache``), those not cached are found on every core; a run where no
    log's name, mtime or size changed stats each log and reads ``check-result.bin`` only.
    """
    from journal.session.intents import check_intents

    ws.require()
    problems: list[Problem] = _layout_links(ws)
    # With a link among journal's own local folders, check reports it and writes nothing there:
    # no cache, no lock (so no look at half-done changes or temp files, which need locks).
    local_ok = not any(p.path == ws.rel(ws.state_dir) or p.path.startswith(ws.rel(ws.state_dir) + "/")
                       for p in problems)
    if local_ok:
        if fix:  # first the files a merge without the journal merge driver left with conflict
            # markers (merged by meaning), then the torn event lines, then the half-done
            # changes (whose events they may be)
            from journal.session.merge import remerge_marked

            problems += remerge_marked(ws)
            _check_event_logs(ws, fix=True)
        problems = check_intents(ws, fix) + problems
    scan = _Scan(ws)
    problems += [Problem(ws.rel(Path(p)), 0, "symlink", LINK_REFUSED) for p in sorted(scan.links)]
    problems += [Problem(ws.rel(Path(p)), 0, "not-a-file" if Path(p).parent == ws.events_dir else "session",
                         NOT_REGULAR) for p in sorted(scan.odd)]
    from journal.session.intents import pending

    moving = {p.stem for p in pending(ws)}  # sessions in the middle of a change (reported above)
    whole = ws.state_dir / "cache" / "check-result.bin"
    signature = scan.signature() if local_ok and not fix and not moving else None
    if signature is not None:
        stored = _stored_result(whole, signature, ws)
        if stored is not None:  # no log and no event log changed since the last run: its findings stand
            problems += stored
            problems += _leftover_temp_files(ws, fix, scan.temps)
            return problems
    cache = FileCache(ws.state_dir / "cache" / "check.json", CACHE_VERSION) if local_ok else None
    first = len(problems)
    sessions, logs = scan.sessions, scan.logs
    folders = {False: ws.rel(ws.active_dir) + "/", True: ws.rel(ws.archive_dir) + "/"}
    active_by_fm: dict[str, list[str]] = defaultdict(list)
    active_ids: set[str] = set()
    ordered = sorted(sessions, key=lambda r: (r[3], r[1]))
    found = _cached_all(cache, [(("A/" if r[3] else "") + r[1], r[4], r) for r in ordered],
                        lambda r: _session_row(ws, Path(r[2]), r[0], r[3]))
    for (sid, name, _path, archived, _stamp), (rows, fm_id) in zip(ordered, found):
        if rows:
            problems += _problems(rows)
        if not archived:
            active_ids.add(sid)
            active_by_fm[fm_id or sid].append(folders[False] + name)
        elif sid in active_ids and sid not in moving:  # an archive or restore cut short is half-done, named above
            problems.append(Problem(folders[True] + name, 0, "session", f"session {sid!r} is both active and archived"))
    for fm_id, paths in active_by_fm.items():
        if len(paths) > 1:
            problems.append(Problem(paths[1], 0, "session", f"id {fm_id!r} is used by {len(paths)} active files"))
    ids = {r[0] for r in sessions}
    if len({i.lower() for i in ids}) != len(ids):
        problems += _case_twins(ws, ids)
    if ws.knowledge_dir.is_dir():
        for entry in sorted(_entries(ws.knowledge_dir), key=lambda e: e.name):
            if not entry.name.endswith(".md") or entry.name[0] == ".":
                continue
            if entry.is_symlink():
                problems.append(Problem(ws.rel(Path(entry.path)), 0, "symlink", "a symbolic link: journal never "
                                        "writes through one (replace it with the file it points to, or remove it)"))
            try:
                st = entry.stat()
            except OSError:
                continue
            problems += _problems(_cached(cache, "K/" + entry.name, (st.st_mtime_ns, st.st_size),
                                          lambda: _knowledge_rows(ws, Path(entry.path))))
    linked = []  # (key, stamp, (id, path, log names)) of the active logs with an event log
    for sid, name, path, archived, stamp in sorted(sessions, key=lambda r: r[1]):
        if archived or sid not in logs or _id_problem(sid) is not None:
            continue
        files = logs[sid]
        key = f"L/{name}|" + "|".join(f"{m},{n}" for _, (m, n) in files)
        linked.append((key, (max(stamp[0], *(m for _, (m, _n) in files)), stamp[1]), (sid, path, [n for n, _ in files])))
    if fix and local_ok:
        for _key, _stamp, (sid, path, _names) in linked:
            problems += _check_links(ws, sid, Path(path), True)
    else:
        for rows in _cached_all(cache, linked, lambda task: [p.as_dict() for p in
                                                              _check_links(ws, task[0], Path(task[1]), False, task[2])]):
            problems += _problems(rows)
    if signature is not None:
        _store_result(whole, signature, ws, problems[first:])
    if local_ok:
        problems += _leftover_temp_files(ws, fix, scan.temps)
    if fix and local_ok:
        problems += _check_event_logs(ws, fix=False)
    else:
        events = ws.events_dir
        tasks = []
        for sid in sorted(logs):
            files = logs[sid]
            if len(files) == 1:
                key, latest = "E/" + files[0][0], files[0][1]
            else:
                key = "E/" + "|".join(f"{n},{m},{size}" for n, (m, size) in files)
                latest = (max(m for _, (m, _n) in files), sum(n for _, (_m, n) in files))
            tasks.append((key, latest, files))
        for rows in _cached_all(cache, tasks, lambda files: [p.as_dict() for p in _session_logs(ws, events, files)]):
            if rows:
                problems += _problems(rows)
    if cache is not None:
        cache.save()
    return problems


def os_name(path: str) -> str:
    return os.path.basename(path)


def _session_row(ws: Workspace, path: Path, sid: str, archived: bool) -> list[Any]:
    found, fm_id = _check_session(ws, path, sid, archived)
    bad_id = _id_problem(sid)
    if bad_id is not None:
        found.append(Problem(ws.rel(path), 0, "session", bad_id))
    return [[p.as_dict() for p in found], fm_id]


def _knowledge_rows(ws: Workspace, path: Path) -> list[dict[str, Any]]:
    from journal.fsutil import read_text

    try:
        text = read_text(path)
    except JournalError as e:
        return [Problem(ws.rel(path), 0, "knowledge", str(e)).as_dict()]
    return [Problem(ws.rel(path), n, "knowledge", CONFLICT_MARKER).as_dict() for n in _conflict_lines(text)]


def _session_logs(ws: Workspace, folder: Path, files: list[tuple[str, tuple[int, int]]]) -> list[Problem]:
    from journal.events.check import check_file

    state: dict[str, Any] = {}
    out: list[Problem] = []
    for name, _stamp in files:
        state.pop("torn", None)
        state.pop("garbage", None)
        state.pop("no_newline", None)
        out += check_file(ws, folder / name, state)
    return out


def _id_problem(sid: str) -> str | None:
    from journal.errors import InvalidInput
    from journal.ids import validate_id

    try:
        validate_id(sid)
    except InvalidInput as e:
        return str(e)
    return None


def _case_twins(ws: Workspace, ids: set[str]) -> list[Problem]:
    """Ids that differ only by case: one file on Windows and macOS (they arrive by a pull)."""
    groups: dict[str, set[str]] = defaultdict(set)
    for sid in ids:
        groups[sid.lower()].add(sid)
    return [Problem(ws.rel(ws.active_dir), 0, "session", f"session ids {', '.join(repr(i) for i in sorted(twins))} "
                    "differ only by case: they are one file on Windows and macOS (rename one)")
            for _, twins in sorted(groups.items()) if len(twins) > 1]


def _layout_links(ws: Workspace) -> list[Problem]:
    """Symbolic links among the folders and files journal keeps at the top of the workspace."""
    out = []
    places = [ws.sessions_dir, ws.active_dir, ws.archive_dir, ws.template_path, ws.knowledge_dir, ws.events_dir,
              ws.state_dir, ws.root / ".gitattributes", ws.root / ".gitignore"]
    places += [ws.state_dir / name for name in ("locks", "cache", "intents", "logstate", "torn")]
    for place in places:
        if os.path.islink(place):
            out.append(Problem(ws.rel(place), 0, "symlink", "a symbolic link: journal never writes through one "
                               "(replace it with the folder or file it points to, or remove it)"))
    return out


def _temp_target(ws: Workspace, path: Path) -> Path:
    """The lock a temp file's writer held: the session's for a log, else the target file's."""
    from journal.session.intents import session_lock
    from journal.workspace import ARCHIVE_NAME

    name = path.name[1:].rsplit(".", 2)[0]  # .<name>.<random>.tmp
    if path.parent in (ws.active_dir, ws.archive_dir) and name.endswith(".md"):
        m = ARCHIVE_NAME.match(name) if path.parent == ws.archive_dir else None
        sid = m["id"] if m else name[:-3]
        if _id_problem(sid) is None:
            return session_lock(ws, sid)
    if path.parent == ws.events_dir and name.endswith((".jsonl", ".jsonl.gz")):
        from journal.events.files import log_paths, session_of

        sid = session_of(path.parent / name)
        if _id_problem(sid) is None:
            return log_paths(ws, sid)[1]
    return ws.lock_path(path.parent / name)


def _result_header() -> bytes:
    """What a stored result starts with: marshal's format is that of one Python version."""
    import sys

    return f"journal-check {CACHE_VERSION} {sys.implementation.cache_tag}\n".encode()


def _stored_result(path: Path, signature: str, ws: Workspace) -> list[Problem] | None:
    """The findings of the last run while its signature and the knowledge files' stamps
    hold; None for a foreign, stale or damaged file (marshal: it loads in no time)."""
    import marshal

    from journal.fsutil import read_cache

    header = _result_header()
    data = read_cache(path)
    if data is None or not data.startswith(header):
        return None
    try:
        stored = marshal.loads(data[len(header):])
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, tuple) or len(stored) != 3 or stored[0] != signature or not isinstance(stored[2], list):
        return None
    if stored[1] != _knowledge_stamps(ws):
        return None
    try:
        return _problems(stored[2])
    except TypeError:
        return None


def _store_result(path: Path, signature: str, ws: Workspace, problems: list[Problem]) -> None:
    import contextlib
    import marshal

    from journal.fsutil import atomic_replace

    data = _result_header() + marshal.dumps((signature, _knowledge_stamps(ws), [p.as_dict() for p in problems]))
    with contextlib.suppress(OSError):
        atomic_replace(path, lambda f: f.write(data))


def _knowledge_stamps(ws: Workspace) -> list[tuple[str, int, int]]:
    out = []
    for entry in sorted(_entries(ws.knowledge_dir), key=lambda e: e.name):
        try:
            st = entry.stat()
        except OSError:
            continue
        out.append((entry.name, st.st_mtime_ns, st.st_size))
    return out


def _leftover_temp_files(ws: Workspace, fix: bool, scanned: list[str]) -> list[Problem]:
    """Temp files of writes a crash interrupted (the files they were for are intact). A temp
    file whose writer's lock is held belongs to a write in progress and is passed over.
    ``scanned``: those of ACTIVE/, ARCHIVE/ and events/, found by the scan already."""
    from journal.errors import LockTimeout
    from journal.fsutil import locked, remove

    out = []
    found = list(scanned)
    for folder in (ws.knowledge_dir, ws.sessions_dir, ws.root):
        found += [e.path for e in _entries(folder) if e.name.startswith(".") and e.name.endswith(".tmp")]
    for name in sorted(found):
        path = Path(name)
        try:
            with locked(_temp_target(ws, path), timeout=0.2):
                if not path.exists():
                    continue
                if fix:
                    remove(path)
                    continue
        except LockTimeout:
            continue
        out.append(Problem(ws.rel(path), 0, "temp-file", "temporary file left by an interrupted write "
                           "(journal check --fix removes it)"))
    return out


def _check_event_logs(ws: Workspace, fix: bool) -> list[Problem]:
    """Problems of the machine event logs that remain (repaired ones are not problems)."""
    from journal.events.check import check_logs

    return [found for found in check_logs(ws, fix=fix) if not found.fixed]


def _check_links(ws: Workspace, session_id: str, path: Path, fix: bool, names: list[str] | None = None) -> list[Problem]:
    """Entries edited by hand since their events (notes), and legacy ``<!-- evt:… -->``
    references, which ``fix`` rewrites into a ``relink`` event and removes from the file.
    ``names``: the session's event log files as the scan found them (regular files, the
    compressed part first); listed here again when not given."""
    from journal.errors import JournalError
    from journal.events.files import log_files
    from journal.events.query import logged_events
    from journal.session import links
    from journal.session.document import SessionDoc

    if names is None:
        names = [p.name for p in log_files(ws, session_id)]
    if not names:
        return []
    try:
        doc = SessionDoc.read(path)
        events = logged_events(ws, session_id, names)  # (a check writes nothing: spooled records stay spooled)
    except JournalError:
        return []  # reported by the file's own checks
    rel = ws.rel(path)
    legacy = [i for i, line in enumerate(doc.lines) if links.event_ids(line)]
    if legacy and fix:
        _relink(ws, session_id, path)
        return [Problem(rel, legacy[0] + 1, "session", f"{len(legacy)} legacy entry reference(s) rewritten as links", fixed=True)]
    out = [Problem(rel, legacy[0] + 1, "session", f"{len(legacy)} line(s) carry legacy <!-- evt:… --> references "
                   "(journal check --fix moves them into the event log)", note=True)] if legacy else []
    for event in links.unplaced(doc.lines, events):
        data = event.get("data") or {}
        what = str(data.get("text") or data.get("action") or "").split("\n")[0][:60]
        out.append(Problem(rel, 0, "edited", f"edited by hand since {event.get('event_id')} "
                           f"({data.get('action')}: {what!r})", note=True))
    return out


def _relink(ws: Workspace, session_id: str, path: Path) -> None:
    """Move the legacy references of a session's entries into one ``relink`` event, then drop them."""
    from journal.events import query_events
    from journal.ids import new_event_id
    from journal.session import links
    from journal.session.document import SessionDoc
    from journal.session.store import mutate_session

    mapping: dict[str, list[str]] = {}

    def edit(doc: SessionDoc) -> None:
        for i, line in enumerate(doc.lines):
            ids = links.event_ids(line)
            if not ids:
                continue
            ending = line[len(line.rstrip("\r\n")):]
            doc.lines[i] = links.strip_event_markers(line.rstrip("\r\n")) + ending
            # the line stands as its last writer left it (a ticked phase, a resolved blocker)
            mapping.setdefault(ids[-1], []).append(links.line_hash(doc.lines[i]))
        known = {e.get("event_id") for e in query_events(ws, session_id=session_id).events}
        for eid in [eid for eid in mapping if eid not in known]:
            del mapping[eid]

    mutate_session(ws, session_id, edit, action="relink", event=lambda _: links.event_spec(
        "state_change", "relink", event_id=new_event_id(),
        text=f"{sum(map(len, mapping.values()))} entry reference(s) moved from the Markdown",
        details={"links": mapping}))
