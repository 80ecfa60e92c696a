"""The native machine event log: one append-only, schema-validated JSONL file per session.

Python API::

    from journal.events import append_event, query_events, new_event_id
"""
from __future__ import annotations

from journal.events.query import QueryResult, query_events
from journal.events.schema import EVENT_TYPES, SCHEMA_VERSION, schema, schema_text
from journal.events.store import append_event, append_events, new_event_id

__all__ = [
    "EVENT_TYPES", "SCHEMA_VERSION", "QueryResult", "append_event", "append_events",
    "new_event_id", "query_events", "schema", "schema_text",
]
