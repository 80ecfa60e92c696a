"""Every agent-log format, declared once by its own module: name, readers, where the agent
keeps its logs, and how a log records the working directory it ran in.

A new format is one new module that defines ``FORMAT = LogFormat(...)`` and is named in
``MODULES``; detection, discovery and the command line's ``--format`` choices derive
from here.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journal.agentlogs.base import Reader

# Reader modules in detection order, most specific first: journal and zag lines carry
# fields no agent CLI writes.
MODULES = ("native", "zag", "codex", "copilot", "claude_code", "gemini", "massgen")


@dataclass(frozen=True)
class Home:
    """An agent's log folder: ``$env`` (joined with ``suffix``) when set, else ``~/default``."""

    env: str
    default: str
    suffix: str = ""

    def path(self) -> Path:
        value = os.environ.get(self.env)
        if value:
            return Path(value) / self.suffix if self.suffix else Path(value)
        return Path(os.environ.get("HOME") or Path.home()) / self.default


@dataclass(frozen=True)
class LogFormat:
    """One agent-log format.

    ``readers``: the current reader first, then whole-document (legacy) ones. ``home`` and
    ``globs`` say where discovery looks (``globs`` under the repository when ``home`` is
    None and ``in_repo``); ``cwd_keys`` are the record fields that hold the working
    directory, tried in order, unless ``cwd_probe`` reads it otherwise.
    """

    name: str
    readers: tuple[type[Reader], ...] = ()
    home: Home | None = None
    globs: tuple[str, ...] = ()
    in_repo: bool = False
    cwd_keys: tuple[tuple[str, ...], ...] = ()
    cwd_probe: Callable[[Path, list[dict[str, Any]]], str | None] | None = None
    directory: bool = False  # a log is a folder (MassGen), not a file
    aliases: tuple[str, ...] = field(default=())


_formats: tuple[LogFormat, ...] | None = None


def formats() -> tuple[LogFormat, ...]:
    """Every format, in detection order."""
    global _formats
    if _formats is None:
        _formats = tuple(importlib.import_module(f"journal.agentlogs.{m}").FORMAT for m in MODULES)
    return _formats


def format_names() -> tuple[str, ...]:
    return tuple(f.name for f in formats())


def get(name: str) -> LogFormat | None:
    return next((f for f in formats() if f.name == name), None)
