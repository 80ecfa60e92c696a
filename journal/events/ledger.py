"""Derived views over events: open commitments and failure history."""
from __future__ import annotations

from typing import Any

import orjson

from journal.events.files import ReadStats
from journal.events.query import Filter, iter_events
from journal.events.schema import CLOSED_STATUSES
from journal.workspace import Workspace


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (logs may hold anything)."""
    return value if isinstance(value, dict) else {}


def _origin(event: dict[str, Any]) -> dict[str, Any]:
    prov = _mapping(event.get("provenance"))
    return {"session_id": event.get("session_id"), "event_id": event.get("event_id"), "seq": event.get("seq"),
            "event_timestamp": event.get("timestamp"), "agent": prov.get("agent")}


def _commitments_in(event: dict[str, Any]) -> list[dict[str, Any]]:
    found = [c for c in event.get("open_commitments") or () if isinstance(c, dict) and isinstance(c.get("commitment"), str)]
    data = event.get("data")
    if event.get("event_type") == "commitment" and isinstance(data, dict) and isinstance(data.get("commitment"), str):
        found.append({"commitment": data["commitment"], "status": data.get("status") or "open",
                      **({"id": data["id"]} if isinstance(data.get("id"), str) else {})})
    return found


def open_commitments(ws: Workspace, session_id: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Commitments whose latest status is not done/cancelled, each with the event that set it.

    A commitment is matched across events by its ``id`` when given, else by its text within
    a session (case and surrounding space ignored). Returns (commitments oldest first, warnings).
    """
    stats = ReadStats()
    latest: dict[tuple[str, ...], dict[str, Any]] = {}
    flt = Filter(raw_any=(b'"open_commitments"', b'"commitment"'))
    for event in iter_events(ws, session_id, flt, stats):
        for c in _commitments_in(event):
            cid = c.get("id")
            key = ("id", cid) if isinstance(cid, str) else ("text", str(event.get("session_id")), c["commitment"].strip().casefold())
            latest.pop(key, None)  # re-insert so dict order follows the latest update
            latest[key] = {"commitment": c["commitment"], "status": c.get("status", "open"),
                           "dependencies": c.get("dependencies") or [], **({"id": cid} if cid else {}),
                           **_origin(event)}
    items = [c for c in latest.values() if c["status"] not in CLOSED_STATUSES]
    return items, stats.warnings(ws)


def failures(ws: Workspace, session_id: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Failure-ledger entries and error events in time order (a ledger entry restated by a
    later event is listed once). Returns (failures, warnings)."""
    stats = ReadStats()
    seen: set[tuple[Any, ...]] = set()
    out: list[dict[str, Any]] = []
    flt = Filter(raw_any=(b'"failure_ledger"', b'"error"'))
    for event in iter_events(ws, session_id, flt, stats):
        if event.get("event_type") == "error":
            data = _mapping(event.get("data"))
            message = data.get("message") or data.get("error")
            if not isinstance(message, str):
                message = orjson.dumps(data).decode() if data else ""
            out.append({"kind": "error", "timestamp": event.get("timestamp"), "message": message,
                        "error_code": data.get("error_code"), **_origin(event)})
        for entry in event.get("failure_ledger") or ():
            if not isinstance(entry, dict):
                continue
            key = (event.get("session_id"), entry.get("attempt"), entry.get("failure_reason"), entry.get("timestamp"))
            if key in seen:
                continue
            seen.add(key)
            out.append({"kind": "attempt", "timestamp": entry.get("timestamp") or event.get("timestamp"),
                        "attempt": entry.get("attempt"), "failure_reason": entry.get("failure_reason"),
                        "error_code": entry.get("error_code"), **_origin(event)})
    out.sort(key=lambda f: (_when(f["timestamp"]), str(f["session_id"]), f["seq"] or 0))
    return out, stats.warnings(ws)


def _when(ts: Any) -> str:
    from journal.events.query import canonical_time

    return canonical_time(ts) or ""
