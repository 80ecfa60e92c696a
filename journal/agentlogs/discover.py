"""Find this repository's agent logs in the agents' default homes.

A log belongs to the repository when the working directory recorded *inside*
it is the repository's git root or below it (folder names are lossy). Homes:
``$CLAUDE_CONFIG_DIR`` (else ``~/.claude``), ``$CODEX_HOME`` (``~/.codex``),
``$COPILOT_HOME`` (``~/.copilot``), ``$GEMINI_CLI_HOME/.gemini`` (``~/.gemini``),
``$ZAG_USER_LOG_DIR`` (``~/.zag``), and ``.massgen/massgen_logs`` in the repository.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from journal.agentlogs.summary import parse_ts
from journal.errors import JournalError


@dataclass
class Found:
    path: Path
    format: str
    cwd: str | None
    start: str | None
    end: str | None


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def homes() -> dict[str, Path]:
    env = os.environ
    gem = Path(env["GEMINI_CLI_HOME"]) / ".gemini" if env.get("GEMINI_CLI_HOME") else _home() / ".gemini"
    return {
        "claude-code": Path(env["CLAUDE_CONFIG_DIR"]) if env.get("CLAUDE_CONFIG_DIR") else _home() / ".claude",
        "codex": Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else _home() / ".codex",
        "copilot": Path(env["COPILOT_HOME"]) if env.get("COPILOT_HOME") else _home() / ".copilot",
        "gemini": gem,
        "zag": Path(env["ZAG_USER_LOG_DIR"]) if env.get("ZAG_USER_LOG_DIR") else _home() / ".zag",
    }


def candidates(repo: Path | None = None) -> Iterator[tuple[str, Path]]:
    h = homes()
    for p in (h["claude-code"] / "projects").glob("*/*.jsonl"):
        yield "claude-code", p
    for p in (h["claude-code"] / "projects").glob("*/*/subagents/*.jsonl"):
        yield "claude-code", p
    for p in (h["codex"] / "sessions").glob("*/*/*/rollout-*.jsonl"):
        yield "codex", p
    for p in (h["copilot"] / "session-state").glob("*/events.jsonl"):
        yield "copilot", p
    for p in (h["copilot"] / "history-session-state").glob("*.json"):
        yield "copilot", p
    for pat in ("*/chats/session-*.jsonl", "*/chats/session-*.json"):
        for p in (h["gemini"] / "tmp").glob(pat):
            yield "gemini", p
    for p in (h["zag"] / "projects").glob("*/logs/sessions/*.jsonl"):
        yield "zag", p
    if repo is not None:
        for p in (repo / ".massgen" / "massgen_logs").glob("log_*"):
            if p.is_dir():
                yield "massgen", p


def _head(path: Path, n: int = 256 * 1024) -> list[dict[str, Any]]:
    import orjson

    with open(path, "rb") as f:
        data = f.read(n)
    if path.suffix == ".json":
        try:
            doc = orjson.loads(path.read_bytes())
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


def probe(fmt: str, path: Path) -> Found:
    """The recorded working directory and start time of a log, from its first records."""
    if fmt == "massgen":
        from journal.agentlogs.massgen import summarize_dir

        s = summarize_dir(path)
        return Found(path, fmt, s.cwd, s.start, s.end)
    recs = _head(path)
    cwd: str | None = None
    if fmt == "claude-code":
        cwd = _first(recs, lambda r: r["cwd"])
    elif fmt == "codex":
        cwd = _first(recs, lambda r: r["payload"]["cwd"], lambda r: r["cwd"])
    elif fmt == "copilot":
        cwd = _first(recs, lambda r: r["data"]["context"]["cwd"], lambda r: r["cwd"])
    elif fmt == "zag":
        cwd = _first(recs, lambda r: r["cwd"], lambda r: r["workspace_path"])
    elif fmt == "gemini":
        root_file = path.parent.parent / ".project_root"
        if root_file.is_file():
            cwd = root_file.read_text(encoding="utf-8").strip()
        else:
            cwd = "hash:" + str(_first(recs, lambda r: r["projectHash"]) or "")
    if not isinstance(cwd, str):
        cwd = None
    start = _first(recs, lambda r: r["timestamp"], lambda r: r["ts"], lambda r: r["startTime"],
                   lambda r: r["data"]["startTime"])
    if isinstance(start, (int, float)):
        start = None
    end = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat()
    return Found(path, fmt, cwd, start, end)


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
        if (fmt == "massgen" or belongs(f.cwd, repo)) and overlaps(f, since, until):
            out.append(f)
    out.sort(key=lambda f: str(f.start or ""))
    return out
