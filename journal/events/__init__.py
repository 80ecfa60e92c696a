"""The native machine event log: one append-only, schema-validated JSONL file per session.

Python API::

    from journal.events import append_event, query_events, new_event_id

Names are resolved on first use, so a command that only appends never imports the
query machinery (start-up time matters for every journal command).
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: `journal hook` imports this package on every tool call
    from typing import Any

_EXPORTS = {
    "QueryResult": "journal.events.query", "query_events": "journal.events.query",
    "EVENT_TYPES": "journal.events.schema", "SCHEMA_VERSION": "journal.events.schema",
    "schema": "journal.events.schema", "schema_text": "journal.events.schema",
    "append_event": "journal.events.store", "append_events": "journal.events.store",
    "new_event_id": "journal.ids",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'journal.events' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
