"""Readers of AI agents' machine logs, normalized into events and summaries.

Public API: ``summarize(path, fmt="auto", state=None) -> (Summary, state)``,
``iter_events(path, fmt="auto")``, ``detect_format(path)``, ``format_names()``.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from journal.agentlogs.model import Event, Summary, ToolStat, Usage



def summarize(path: str | Path, fmt: str = "auto", state: dict[str, Any] | None = None
              ) -> tuple[Summary, dict[str, Any]]:
    """Summarize a log (see reading.summarize)."""
    from journal.agentlogs.reading import summarize as _summarize

    return _summarize(path, fmt, state)


def iter_events(path: str | Path, fmt: str = "auto") -> Iterator[Event]:
    """Stream a log's normalized events (see reading.iter_events)."""
    from journal.agentlogs.reading import iter_events as _iter

    return _iter(path, fmt)


def detect_format(path: str | Path) -> str:
    """The format name of a log file or MassGen directory."""
    from journal.agentlogs.detect import detect_format as _detect

    return _detect(Path(path))


__all__ = ["Event", "Summary", "ToolStat", "Usage", "format_names", "summarize", "iter_events", "detect_format"]


def format_names() -> tuple[str, ...]:
    """The names of every agent-log format, in detection order."""
    from journal.agentlogs.registry import format_names as names

    return names()
