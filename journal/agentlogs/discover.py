"""Find this repository's agent logs in the agents' default homes.

A log belongs to the repository when the working directory recorded *inside*
it is the repository's git root or below it (folder names are lossy). Where each
agent keeps its logs is declared by its format (``journal.agentlogs.registry``):
``$CLAUDE_CONFIG_DIR`` (else ``~/.claude``), ``$CODEX_HOME`` (``~/.codex``),
``$COPILOT_HOME`` (``~/.copilot``), ``$GEMINI_CLI_HOME/.gemini`` (``~/.gemini``),
``$ZAG_USER_LOG_DIR`` (``~/.zag``), and ``.massgen/massgen_logs`` in the repository.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from journal.agentlogs.registry import LogFormat, formats
from journal.agentlogs.summary import parse_ts
from journal.errors import JournalError


@dataclass
class Found:
    path: Path
    format: str
    cwd: str | None
    start: str | None
    end: str | None


def homes() -> dict[str, Path]:
    """Each agent's log folder, by format name."""
    return {f.name: f.home.path() for f in formats() if f.home is not None}


def candidates(repo: Path | None = None) -> Iterator[tuple[LogFormat, Path]]:
    """Every file (or folder) where a format's agent keeps its logs."""
    for f in formats():
        base = f.home.path() if f.home is not None else (repo if f.in_repo else None)
        if base is None:
            continue
        for pattern in f.globs:
            for path in base.glob(pattern):
                if path.is_dir() if f.directory else path.is_file():  # (a FIFO would hang the probe)
                    yield f, path


def _head(path: Path, n: int = 256 * 1024) -> list[dict[str, Any]]:
    import orjson

    from journal.agentlogs.jsonl import strip_bom

    with open(path, "rb") as f:
        data = strip_bom(f.read(n))
    if path.suffix == ".json":
        try:
            doc = orjson.loads(strip_bom(path.read_bytes()))
        except orjson.JSONDecodeError:
            return []
        return [doc] if isinstance(doc, dict) else []
    out = []
    for line in data.split(b"\n")[:200]:
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _first(recs: list[dict[str, Any]], *getters: Any) -> Any:
    for r in recs:
        for g in getters:
            try:
                v = g(r)
            except (AttributeError, KeyError, TypeError):
                v = None
            if v:
                return v
    return None


def _at(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = record
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def probe(fmt: LogFormat, path: Path) -> Found:
    """The recorded working directory and start time of a log, from its first records."""
    if fmt.directory:
        from journal.agentlogs.massgen import summarize_dir

        s = summarize_dir(path)
        return Found(path, fmt.name, s.cwd, s.start, s.end)
    recs = _head(path)
    cwd: Any
    if fmt.cwd_probe is not None:
        cwd = fmt.cwd_probe(path, recs)
    else:
        cwd = _first(recs, *(lambda r, k=keys: _at(r, k) for keys in fmt.cwd_keys))
    if not isinstance(cwd, str):
        cwd = None
    start = _first(recs, lambda r: r["timestamp"], lambda r: r["ts"], lambda r: r["startTime"],
                   lambda r: r["data"]["startTime"])
    if isinstance(start, (int, float)):
        start = None
    end = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat()
    return Found(path, fmt.name, cwd, start, end)


def belongs(cwd: str | None, repo: Path) -> bool:
    """True when ``cwd`` is the repository root or inside it (gemini: its hash matches)."""
    if not cwd:
        return False
    if cwd.startswith("hash:"):
        return cwd[5:] == hashlib.sha256(str(repo).encode()).hexdigest()
    try:
        Path(cwd).resolve().relative_to(repo)
        return True
    except (ValueError, OSError):
        return False


def _aware(t: datetime | None) -> datetime | None:
    """``t`` with a time zone (a naive time is taken as UTC), so any two compare."""
    return t.replace(tzinfo=timezone.utc) if t is not None and t.tzinfo is None else t


def overlaps(f: Found, since: datetime | None, until: datetime | None) -> bool:
    a, b = _aware(parse_ts(f.start)), _aware(parse_ts(f.end))
    since, until = _aware(since), _aware(until)
    if since and b and b < since:
        return False
    if until and a and a > until:
        return False
    return True


def discover(repo: Path, since: datetime | None = None, until: datetime | None = None) -> list[Found]:
    """This repository's logs whose time overlaps [since, until], oldest first."""
    repo = repo.resolve()
    out = []
    for fmt, path in candidates(repo):
        try:
            f = probe(fmt, path)
        except (JournalError, OSError, ValueError):  # one unreadable log never stops a search
            continue
        if (fmt.in_repo or belongs(f.cwd, repo)) and overlaps(f, since, until):
            out.append(f)
    out.sort(key=lambda f: str(f.start or ""))
    return out
