"""``journal export``: one session as a self-contained bundle, with every secret redacted.

A bundle holds the session's Markdown, its event log, the summaries of its linked agent
logs and (with ``include_logs``) the raw logs, each passed through one
:class:`journal.redact.Redactor` made for this export: a secret becomes
``[REDACTED:<kind>:<hash>]`` where the hash is keyed by a random key that is never kept,
so two mentions of one secret stay linkable inside the bundle and nothing can be matched
across bundles. Formats:

- ``html``: one page that opens offline: the web board's session page with its stylesheet
  inline, no script, and a Content-Security-Policy that allows no fetch at all;
- ``md``: the session's Markdown followed by its timeline and log summaries;
- ``dir`` and ``tar.gz``: ``session.md``, ``session.html``, ``events.jsonl``,
  ``summaries.json``, ``logs/…`` (with ``include_logs``) and ``manifest.json``.

The only thing written is the bundle, at ``out``: never through a symbolic link, never
over an existing file, never inside the workspace, and atomically (a temporary name in
the same folder, then a link or rename that does not replace anything). The session's
own files and the journal's caches are only read.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal.errors import AlreadyExists, InvalidInput
from journal.redact import MARKER_RE, Redactor
from journal.workspace import Workspace

FORMATS = ("html", "md", "dir", "tar.gz")
_BY_SUFFIX = (("tar.gz", ".tar.gz"), ("tar.gz", ".tgz"), ("html", ".html"), ("html", ".htm"), ("md", ".md"))
_EXTENSION = {"html": ".html", "md": ".md", "dir": "", "tar.gz": ".tar.gz"}
MAX_RAW_LOG = 256 * 1024 * 1024  # a raw log larger than this is left out of the bundle, with a warning
_TEXT_SUFFIXES = (".jsonl", ".json", ".log", ".txt", ".md", ".yaml", ".yml", ".csv", ".ndjson")


@dataclass
class ExportResult:
    """What an export wrote: where, in which format, its files, and what was redacted."""

    session: str
    path: Path
    format: str
    files: list[str]
    size: int
    redactions: dict[str, int]  # distinct secrets, by kind
    mentions: int  # secrets replaced, each mention counted
    warnings: list[str] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        return sum(self.redactions.values())

    def as_dict(self) -> dict[str, Any]:
        return {"session": self.session, "path": str(self.path), "format": self.format, "files": self.files,
                "bytes": self.size, "redactions": {"distinct": self.distinct, "mentions": self.mentions,
                                                   "by_kind": self.redactions},
                "warnings": self.warnings}


def choose_format(fmt: str | None, out: str | Path | None) -> str:
    """The format given, else the one ``out``'s name implies (``.html``, ``.md``, ``.tar.gz``,
    ``.tgz``), else ``tar.gz``."""
    if fmt is not None:
        value = fmt.strip().lower()
        if value in ("tgz", "tar"):
            value = "tar.gz"
        if value not in FORMATS:
            raise InvalidInput(f"--format must be one of {', '.join(FORMATS)} (not {fmt!r})")
        return value
    name = str(out or "").lower()
    for value, suffix in _BY_SUFFIX:
        if name.endswith(suffix):
            return value
    return "tar.gz"


def default_name(session_id: str, fmt: str) -> str:
    return f"{session_id}.export{_EXTENSION[fmt]}"


def target_path(ws: Workspace, session_id: str, fmt: str, out: str | Path | None) -> Path:
    """Where the bundle goes; refuses a symbolic link, an existing file, a missing folder and
    a place inside the workspace, naming the path."""
    name = default_name(session_id, fmt)
    if out is None or str(out) == "":
        target = Path.cwd() / name
        what = "the default output"
    else:
        given = Path(out).expanduser()
        if given.is_symlink():
            raise InvalidInput(f"--out {given} is a symbolic link; export does not write through links")
        if given.is_dir():
            target = given / name
            what = f"the bundle's name in directory {given}"
        elif given.exists():
            raise AlreadyExists(f"--out {given} already exists and is not a directory; "
                                "give a new path, or a directory to write into")
        else:
            target = given
            what = "--out"
    if target.is_symlink():
        raise InvalidInput(f"{target} ({what}) is a symbolic link; export does not write through links")
    if target.exists():
        raise AlreadyExists(f"{target} ({what}) already exists; remove it or give another --out")
    parent = target.parent
    if not parent.is_dir():
        raise InvalidInput(f"cannot write {target}: folder {parent} does not exist")
    root = ws.root.resolve()
    where = parent.resolve() / target.name
    if where == root or root in where.parents:
        raise InvalidInput(f"{target} is inside the workspace ({ws.root}); export writes outside it (give --out)")
    return target


# -- the contents ------------------------------------------------------------------------

def _safe_name(red: Redactor, name: str) -> str:
    """A file name for the bundle: redacted, then only letters, digits, '.', '_' and '-'."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", red.text(name)).strip("._") or "log"
    return cleaned[:120]


def _redact_file(red: Redactor, path: Path) -> bytes:
    data = path.read_bytes()
    text = data.decode("utf-8", "surrogateescape")
    name = path.name.lower()
    if name.endswith((".jsonl", ".ndjson")):
        out = red.jsonl(text)
    elif name.endswith(".json"):
        import json

        before = red.total
        try:
            obj = json.loads(text)
        except ValueError:
            out = red.text(text)
        else:
            redacted = red.json(obj)
            out = text if red.total == before else json.dumps(redacted, ensure_ascii=False, indent=2) + "\n"
    else:
        out = red.text(text)
    return out.encode("utf-8", "surrogateescape")


def _raw_logs(red: Redactor, sources: list[Path], warnings: list[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for n, src in enumerate(sources, 1):
        base = f"logs/{n:02d}-{_safe_name(red, src.name)}"
        if src.is_dir():  # a MassGen log directory: its text files, no links
            for path in sorted(src.rglob("*")):
                if path.is_symlink() or not path.is_file():
                    continue
                rel = path.relative_to(src)
                if not path.name.lower().endswith(_TEXT_SUFFIXES):
                    warnings.append(f"left out {rel.as_posix()} of log {n}: not a text log file")
                    continue
                parts = [_safe_name(red, p) for p in rel.parts]
                files["/".join([base, *parts])] = _add_raw(red, path, warnings)
        elif src.is_file():
            files[base] = _add_raw(red, src, warnings)
        else:
            warnings.append(f"left out log {n}: it is gone")
    return {k: v for k, v in files.items() if v is not None}


def _add_raw(red: Redactor, path: Path, warnings: list[str]) -> Any:
    size = path.stat().st_size
    if size > MAX_RAW_LOG:
        warnings.append(f"left out {path.name}: {size // (1024 * 1024)} MB is more than an export redacts")
        return None
    return _redact_file(red, path)


def _markdown(data: dict[str, Any], summary_line: str) -> str:
    """The md format: the session's Markdown, then its timeline, then its logs' summaries."""
    from journal.session.machine_logs import md_text
    from journal.session.show import render_timeline
    from journal.web.html import duration, ms, tokens, usd

    parts = [data["text"].rstrip("\n"), "", render_timeline(data["_timeline"]).rstrip("\n")]
    if data["logs"]:
        parts += ["", "## Agent logs (summaries)", ""]
        for item in data["logs"]:
            s = item.get("summary")
            line = f"- **{md_text(str(item.get('format')))}** {md_text(str(item.get('name')))}"
            if s:
                cost = f", {usd(s['cost_usd'], s['cost_estimated'])}" if s.get("cost_usd") is not None else ""
                line += (f" — {s['user_turns']} user turns, {s['tool_calls']} tool calls ({s['tool_failures']} failed), "
                         f"{tokens(s['tokens_in'] + s['tokens_cache_read'] + s['tokens_cache_write'])} tokens in / "
                         f"{tokens(s['tokens_out'])} out{cost}, {duration(s['duration_s'])}")
            if item.get("error"):
                line += f" ({md_text(item['error'])})"
            parts.append(line)
        rows = data["tools"]["rows"]
        if rows:
            parts += ["", "| Tool | Kind | Calls | Time | Avg | Failed |", "|---|---|--:|--:|--:|--:|"]
            for r in rows:
                parts.append(f"| {md_text(r['tool'])} | {r['kind']} | {r['calls']} | {ms(r['time_ms'])} | "
                             f"{ms(r['avg_ms'])} | {r['failures'] or ''} |")
            t = data["tools"]["total"]
            parts.append(f"| **TOTAL** | | {t['calls']} | {ms(t['time_ms'])} | | {t['failures'] or ''} |")
    parts += ["", "---", "", summary_line, ""]
    return "\n".join(parts)


def _redaction_line(session_id: str, by_kind: dict[str, int]) -> str:
    from journal import __version__, clock

    if by_kind:
        kinds = ", ".join(f"{k} ×{n}" for k, n in by_kind.items())
        found = f"{sum(by_kind.values())} distinct secrets redacted ({kinds})"
    else:
        found = "no secret found"
    return (f"_Exported from session {session_id} on {clock.iso()} by journal {__version__}: {found}. "
            "Each is shown as [REDACTED:kind:hash]; the hash is keyed for this export alone._")


def build(ws: Workspace, session_id: str, fmt: str, include_logs: bool = False,
          key: bytes | None = None) -> tuple[dict[str, bytes], ExportResult]:
    """The files of the bundle (name → bytes; one file for ``html`` and ``md``), redacted.

    Reads only: the linked logs are summarized from their saved reading state without
    saving it back.
    """
    import orjson

    from journal import __version__, clock
    from journal.web import html, pages

    if include_logs and fmt in ("html", "md"):
        raise InvalidInput("--include-logs needs --format dir or tar.gz (raw logs do not fit in one page)")
    red = Redactor(key)
    data = pages.session(ws, session_id, pages.Scrub(red), save_state=False)
    sid = data["id"]
    warnings: list[str] = []
    from journal.jsontext import show_json

    events = "".join(show_json(r["event"]) + "\n" for r in data["_timeline"])  # (as read: see show_json)
    summaries = [{"path": item["path"], "format": item["format"], "linked": item["linked"],
                  "recorded": item["figures"], "summary": full, "error": item["error"]}
                 for item, full in zip(data["logs"], data["_summaries"])]
    summaries_json = orjson.dumps(summaries, option=orjson.OPT_INDENT_2, default=str).decode("utf-8") + "\n"
    logs = _raw_logs(red, data["_sources"], warnings) if include_logs else {}
    texts = [data["text"], events, summaries_json, *(v.decode("utf-8", "surrogateescape") for v in logs.values())]
    by_kind = pages.distinct_markers(*texts)
    mentions = sum(len(MARKER_RE.findall(t)) for t in texts)
    files: dict[str, bytes]
    if fmt == "md":
        files = {"": _markdown(data, _redaction_line(sid, by_kind)).encode("utf-8")}
    else:
        page = html.page(pages.public(data), redacted=True, standalone=True, redactions=by_kind)
    if fmt == "html":
        files = {"": page.encode("utf-8")}
    elif fmt != "md":
        files = {"session.md": data["text"].encode("utf-8"), "session.html": page.encode("utf-8"),
                 "events.jsonl": events.encode("utf-8"), "summaries.json": summaries_json.encode("utf-8"), **logs}
        manifest = {
            "journal_export": 1, "session": sid, "exported": clock.iso(), "journal_version": __version__,
            "include_logs": include_logs,
            "redaction": {"distinct": sum(by_kind.values()), "mentions": mentions, "by_kind": by_kind,
                          "marker": "[REDACTED:<kind>:<hash>]",
                          "hash": "the first 4 hex digits of HMAC-SHA256 of the secret under a random key "
                                  "made for this export and not kept"},
            "files": [{"path": k, "bytes": len(v), "sha256": hashlib.sha256(v).hexdigest()} for k, v in files.items()],
            "warnings": warnings,
        }
        files["manifest.json"] = orjson.dumps(manifest, option=orjson.OPT_INDENT_2).decode("utf-8").encode() + b"\n"
    result = ExportResult(sid, Path(), fmt, sorted(k for k in files if k), sum(map(len, files.values())),
                          by_kind, mentions, warnings)
    return files, result


# -- writing -------------------------------------------------------------------------------

def _may_write(target: Path) -> None:
    """The --out of export is on the allow-list of writes outside the workspace, and is
    checked like every write (no symbolic link as the target or on the way to it)."""
    from journal.fsutil import allow_outside, guard

    guard(allow_outside(target, "the --out of export"))


def _publish_file(tmp: str, target: Path) -> None:
    """Give the finished temporary file its name without replacing anything there."""
    try:
        os.link(tmp, target)
    except FileExistsError as e:
        raise AlreadyExists(f"{target} already exists (created meanwhile); nothing written") from e
    except OSError:  # a file system without hard links
        if os.path.lexists(target):
            raise AlreadyExists(f"{target} already exists (created meanwhile); nothing written") from None
        os.rename(tmp, target)
        return
    os.unlink(tmp)


def _write_file(target: Path, write: Any) -> None:
    _may_write(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        _publish_file(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _tar(files: dict[str, bytes], top: str, mtime: float) -> Any:
    def write(f: Any) -> None:
        with tarfile.open(fileobj=f, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
            for name in [top, *sorted({"/".join(k.split("/")[:i]) for k in files for i in range(1, k.count("/") + 1)})]:
                info = tarfile.TarInfo(name if name == top else f"{top}/{name}")
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, int(mtime)
                tar.addfile(info)
            for name in sorted(files):
                info = tarfile.TarInfo(f"{top}/{name}")
                info.size, info.mode, info.mtime = len(files[name]), 0o644, int(mtime)
                tar.addfile(info, io.BytesIO(files[name]))
    return write


def _write_dir(target: Path, files: dict[str, bytes]) -> None:
    _may_write(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        os.chmod(tmp, 0o755)
        if os.path.lexists(target):
            raise AlreadyExists(f"{target} already exists (created meanwhile); nothing written")
        os.rename(tmp, target)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise


def export_session(ws: Workspace, session_id: str, out: str | Path | None = None, fmt: str | None = None,
                   include_logs: bool = False, key: bytes | None = None) -> ExportResult:
    """Write the redacted bundle of ``session_id`` to ``out`` (see the module's docstring)."""
    import time

    from journal.ids import validate_id

    validate_id(session_id)
    ws.require()
    fmt = choose_format(fmt, out)
    if include_logs and fmt in ("html", "md"):
        raise InvalidInput("--include-logs needs --format dir or tar.gz (raw logs do not fit in one page)")
    from journal.session.store import locate

    locate(ws, session_id)  # a missing session is reported before the output path
    target = target_path(ws, session_id, fmt, out)
    files, result = build(ws, session_id, fmt, include_logs, key)
    if fmt in ("html", "md"):
        data = files[""]
        _write_file(target, lambda f: f.write(data))
    elif fmt == "tar.gz":
        top = re.sub(r"(?i)\.(tar\.gz|tgz)$", "", target.name)
        _write_file(target, _tar(files, _safe_top(top, session_id), time.time()))
    else:
        _write_dir(target, files)
    result.path = target
    result.size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) if target.is_dir() \
        else target.stat().st_size
    return result


def _safe_top(name: str, session_id: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or f"{session_id}.export"
