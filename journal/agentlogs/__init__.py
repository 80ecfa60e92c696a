"""Readers of AI agents' machine logs, normalized into events and summaries.

Public API: ``summarize(path, fmt="auto", state=None, prices=True) -> (Summary, state)``,
``iter_events(path, fmt="auto")``, ``detect_format(path)``, ``format_names()``;
``journal.agentlogs.prices.PriceBook`` for cost estimates with overrides.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from journal.agentlogs.model import Event, Summary, Tokens, ToolStat, Usage


def summarize(path: str | Path, fmt: str = "auto", state: dict[str, Any] | None = None,
              prices: Any = True) -> tuple[Summary, dict[str, Any]]:
    """Summarize a log (see reading.summarize); estimate its cost with ``prices`` (True: the price
    source alone; a ``PriceBook``; False: only a cost the log records)."""
    from journal.agentlogs.reading import summarize as _summarize

    s, st = _summarize(path, fmt, state)
    if prices:
        from journal.agentlogs.prices import default_book

        (default_book() if prices is True else prices).price(s)
    return s, st


def iter_events(path: str | Path, fmt: str = "auto") -> Iterator[Event]:
    """Stream a log's normalized events (see reading.iter_events)."""
    from journal.agentlogs.reading import iter_events as _iter

    return _iter(path, fmt)


def detect_format(path: str | Path) -> str:
    """The format name of a log file or MassGen directory."""
    from journal.agentlogs.detect import detect_format as _detect

    return _detect(Path(path))


__all__ = ["Event", "Summary", "Tokens", "ToolStat", "Usage", "format_names", "summarize", "iter_events", "detect_format"]


def format_names() -> tuple[str, ...]:
    """The names of every agent-log format, in detection order."""
    from journal.agentlogs.registry import format_names as names

    return names()
