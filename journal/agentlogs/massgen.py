"""MassGen log directories: ``.massgen/massgen_logs/log_<ts>/`` (or ``turn_N/attempt_N/``).

Reads ``coordination_events.json`` in both shapes (``{session_metadata, events}``
and a flat list of ``{event_id, event_type, data}``), ``vote.json`` and
``execution_metadata.yaml``. Every attempt under the directory is included;
a restart is an extra attempt or a restart event.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from journal.agentlogs.registry import LogFormat
from journal.agentlogs.base import as_dict, as_list
from journal.agentlogs import model as m
from journal.agentlogs.model import Event, Summary
from journal.errors import MalformedFile

MARKERS = ("coordination_events.json", "execution_metadata.yaml", "vote.json")


def is_massgen_dir(path: Path) -> bool:
    return path.is_dir() and bool(run_dirs(path))


def run_dirs(path: Path) -> list[Path]:
    """The attempt directories under ``path`` (itself, ``attempt_N``, ``turn_N/attempt_N``)."""
    found = []
    for d in [path, *sorted(path.glob("attempt_*")), *sorted(path.glob("turn_*/attempt_*"))]:
        if d.is_dir() and any((d / name).is_file() for name in MARKERS):
            found.append(d)
    return found


def _ts(v: Any) -> str | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return datetime.fromtimestamp(v, timezone.utc).isoformat().replace("+00:00", "Z")
    return v if isinstance(v, str) else None


def _json(path: Path) -> Any:
    import orjson

    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as e:
        raise MalformedFile(f"{path} is not valid JSON ({e})") from e


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise MalformedFile(f"{path} is not valid YAML ({e})") from e
    return data if isinstance(data, dict) else {}


def _run_events(run: Path, counters: dict[str, Any]) -> Iterator[Event]:
    meta_path = run / "execution_metadata.yaml"
    meta = _yaml(meta_path) if meta_path.is_file() else {}
    sm: dict[str, Any] = {}
    events: list[Any] = []
    ce = run / "coordination_events.json"
    if ce.is_file():
        data = _json(ce)
        if isinstance(data, dict):
            sm = as_dict(data.get("session_metadata"))
            events = as_list(data.get("events"))
        elif isinstance(data, list):
            events = data
    git = as_dict(meta.get("git"))
    models = []
    cfg = as_dict(meta.get("config"))
    for a in cfg.get("agents") or []:
        if isinstance(a, dict) and isinstance(a.get("backend"), dict) and a["backend"].get("model"):
            models.append(a["backend"]["model"])
    query = meta.get("query") or sm.get("user_prompt")
    start = _ts(sm.get("start_time")) or _ts(meta.get("timestamp"))
    yield Event(m.SESSION_START, start, data={
        "cwd": meta.get("working_directory"), "git_branch": git.get("branch"), "title": query,
        "provider_session_id": (meta.get("cli_args") or {}).get("session_id") if isinstance(meta.get("cli_args"), dict) else None})
    for model in models:
        yield Event(m.SESSION_START, None, data={"model": model})
    if query:
        turn = run.parent if run.name.startswith("attempt_") else run
        yield Event(m.USER, start, key=str(turn), text=str(query))
    winner = sm.get("final_winner")
    for e in events:
        if not isinstance(e, dict):
            counters["unknown"] += 1
            continue
        et = str(e.get("event_type") or "")
        ts = _ts(e.get("timestamp"))
        details = e.get("details") if "details" in e else e.get("data")
        if ts:
            yield Event("tick", ts)
        if et == "new_answer":
            counters["answers"] += 1
            yield Event(m.ASSISTANT, ts, key=f"{run}:{e.get('event_id') or id(e)}")
        elif et in ("vote", "vote_cast"):
            counters["votes"] += 1
        elif et in ("restart", "restart_triggered"):
            counters["restarts"] += 1
        elif "timeout" in et:
            counters["timeouts"] += 1
            yield Event(m.ERROR, ts)
        elif "error" in et:
            yield Event(m.ERROR, ts)
        elif et in ("final_agent_selected", "final_answer") and not winner:
            winner = e.get("agent_id") or (details.get("agent_id") if isinstance(details, dict) else None)
    vp = run / "vote.json"
    if vp.is_file():
        vote = _json(vp)
        if isinstance(vote, dict):
            winner = vote.get("winner") or winner
            if not events and isinstance(vote.get("votes"), dict):
                counters["votes"] += len(vote["votes"])
    if winner:
        counters["winner"] = winner
    end = _ts(sm.get("end_time"))
    if end:
        yield Event(m.SESSION_END, end)


def iter_dir_events(path: Path) -> Iterator[Event]:
    """The normalized events of every attempt under a MassGen log directory."""
    counters: dict[str, Any] = {"answers": 0, "votes": 0, "restarts": 0, "timeouts": 0,
                                "winner": None, "unknown": 0}
    runs = run_dirs(path)
    for run in runs:
        yield from _run_events(run, counters)
    counters["attempts"] = len(runs)
    counters["restarts"] = max(counters["restarts"], len(runs) - 1)
    yield Event(m.SESSION_END, None, data={"extra": counters})


def summarize_dir(path: Path) -> Summary:
    """The Summary of a MassGen log directory (read whole: its files are small JSON/YAML)."""
    from journal.agentlogs.summary import Accumulator

    acc = Accumulator("massgen")
    for ev in iter_dir_events(path):
        acc.add(ev)
    s = acc.finalize(False)
    s.skipped = int(s.extra.pop("unknown", 0))
    s.path = str(path)
    return s


FORMAT = LogFormat("massgen", globs=(".massgen/massgen_logs/log_*",), in_repo=True, directory=True)
