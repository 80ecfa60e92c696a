"""Rendering for the terminal: rich tables on a TTY, plain aligned text when piped."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any


def is_tty() -> bool:
    return sys.stdout.isatty()


def age(moment: datetime | None, now: datetime) -> str:
    """A short age such as '5m', '3h', '2d'."""
    if moment is None:
        return "?"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def bar(progress: Any, width: int = 10) -> str:
    try:
        value = max(0, min(100, int(progress)))
    except (TypeError, ValueError):
        return "?"
    filled = round(value * width / 100)
    return "█" * filled + "░" * (width - filled) + f" {value:>3}%"


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], title: str | None = None,
          styles: Sequence[str | None] | None = None) -> str:
    """A table as text: rich's box drawing on a TTY, tab-free aligned columns otherwise."""
    cells = [["" if c is None else str(c) for c in row] for row in rows]
    if is_tty():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title, show_lines=False)
        for h in headers:
            t.add_column(h, overflow="fold")
        for n, row in enumerate(cells):
            t.add_row(*row, style=(styles[n] if styles else None))
        console = Console()  # the terminal's width ($COLUMNS when set)
        with console.capture() as cap:
            console.print(t)
        return cap.get().rstrip("\n")
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [title] if title else []
    lines.append(fmt.format(*headers).rstrip())
    lines.extend(fmt.format(*row).rstrip() for row in cells)
    return "\n".join(lines)
