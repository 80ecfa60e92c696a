"""Rendering for the terminal: rich tables on a TTY, plain aligned text when piped.

A table on a terminal is laid out for its width. Each column says what its cells hold
and how much it matters (``Col``): the most important columns are placed first, a
column that does not fit is left out rather than every column squeezed, and only free
text (and paths) is ever cut, with ``…``; an id, a status, a date or a number is shown
whole or not at all. ``wide`` shows every column. Piped output has every column and
every cell in full, for scripts.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Kind = Literal["id", "word", "date", "number", "text", "path"]
FREE = ("text", "path")  # the kinds that may be cut to fit
GAP = 2  # the cells between two columns


@dataclass(frozen=True)
class Col:
    """One column of a table.

    ``kind``: an id, word (a status, a name), date or number is never cut or wrapped;
    numbers are right-aligned; text is cut at its end and a path at its start, with
    ``…``, down to ``min_width``. ``priority``: 1 is placed first; the highest numbers
    are the first left out when the terminal is narrow. ``want``: the width free text
    takes, room allowing, before less important columns are placed (default: its
    ``min_width``). ``short``: a narrower form of a cell (a progress bar's percentage),
    used when the full one does not fit.
    """

    header: str
    kind: Kind = "text"
    priority: int = 1
    min_width: int = 12
    want: int = 0
    short: Callable[[str], str] | None = None


def is_tty() -> bool:
    return sys.stdout.isatty()


def terminal_width() -> int | None:
    """The width to lay tables out for: the terminal's ($COLUMNS when set), None when piped."""
    if not is_tty():
        return None
    from rich.console import Console

    return Console().width


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


def percent_of_bar(cell: str) -> str:
    """A progress bar's short form: its percentage."""
    return cell.rsplit(" ", 1)[-1]


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str | Col], title: str | None = None,
          styles: Sequence[str | None] | None = None, *, wide: bool = False,
          total: Sequence[Any] | None = None, width: int | None = None) -> str:
    """A table as text: laid out for the terminal (or for ``width``), plain aligned columns when piped.

    ``headers`` are ``Col``s, or bare names (free text, placed left to right); ``total`` is
    a last row set apart from the others; ``styles`` are the rows' rich styles.
    """
    cols = [h if isinstance(h, Col) else Col(h, priority=n + 1) for n, h in enumerate(headers)]
    cells = [_strings(row) for row in rows]
    last = _strings(total) if total is not None else None
    if width is None:
        width = terminal_width()
    if width is None:
        return _plain(cells + ([last] if last else []), cols, title)
    return _rich(cells, cols, title, styles, wide, last, width)


def _strings(row: Sequence[Any]) -> list[str]:
    return ["" if c is None else str(c) for c in row]


def _plain(cells: list[list[str]], cols: list[Col], title: str | None) -> str:
    """Every column, every cell whole, aligned with spaces; numbers to the right."""
    widths = [max([len(c.header), *(len(row[i]) for row in cells)]) for i, c in enumerate(cols)]
    align = [">" if c.kind == "number" else "<" for c in cols]
    fmt = "  ".join(f"{{:{a}{w}}}" for a, w in zip(align, widths))
    lines = [title] if title else []
    lines.append(fmt.format(*(c.header for c in cols)).rstrip())
    lines.extend(fmt.format(*row).rstrip() for row in cells)
    return "\n".join(lines)


@dataclass
class _Placed:
    index: int
    width: int
    short: bool


def layout(cols: Sequence[Col], cells: Sequence[Sequence[str]], width: int, wide: bool = False) -> list[_Placed]:
    """Which columns a terminal of ``width`` shows, in what form, and how wide each one is.

    Columns are taken most important first, each at its narrowest (its short form, or
    free text at its least width), and left out when that does not fit (with ``wide``:
    taken anyway); free text then takes what it wants of the room left. Then a short
    form grows back to the full one where there is room, and what room is left goes to
    free text, up to its longest cell.
    """
    from rich.cells import cell_len

    def longest(i: int, form: Callable[[str], str] | None = None) -> int:
        return max([cell_len(cols[i].header), *(cell_len(form(r[i]) if form else r[i]) for r in cells)])

    full = [longest(i) for i in range(len(cols))]
    least = [min(full[i], max(c.min_width, cell_len(c.header))) if c.kind in FREE else full[i]
             for i, c in enumerate(cols)]
    short = [min(least[i], longest(i, c.short)) if c.short else least[i] for i, c in enumerate(cols)]
    order = sorted(range(len(cols)), key=lambda i: (cols[i].priority, i))
    placed: dict[int, _Placed] = {}
    used = 0
    for i in order:
        if placed and not wide and used + GAP + short[i] > width:
            continue
        new = placed[i] = _Placed(i, short[i], short[i] < least[i])
        used += short[i] + (GAP if len(placed) > 1 else 0)
        if cols[i].kind in FREE:
            grow = max(0, min(min(full[i], cols[i].want) - new.width, width - used))
            new.width += grow
            used += grow
    for i in order:
        p = placed.get(i)
        if p is not None and p.short and used - p.width + least[i] <= width:
            used += least[i] - p.width
            p.width, p.short = least[i], False
    free = sorted((p for p in placed.values() if cols[p.index].kind in FREE), key=lambda p: full[p.index])
    for n, p in enumerate(free):  # the narrowest first, so the room left is shared by the longest
        grow = min(full[p.index] - p.width, max(0, width - used) // (len(free) - n))
        p.width += grow
        used += grow
    return [placed[i] for i in sorted(placed)]


def _rich(cells: list[list[str]], cols: list[Col], title: str | None, styles: Sequence[str | None] | None,
          wide: bool, total: list[str] | None, width: int) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    flat = [[" ".join(c.split()) if col.kind in FREE else c for c, col in zip(row, cols)]
            for row in cells + ([total] if total else [])]
    placed = layout(cols, flat, width, wide)
    rules = box.Box("    \n    \n ── \n    \n ── \n    \n    \n    \n")  # under the headers, above a total
    t = Table(title=title, box=rules, show_edge=False, pad_edge=False, collapse_padding=True)
    for p in placed:
        col = cols[p.index]
        t.add_column(col.header, justify="right" if col.kind == "number" else "left", no_wrap=True,
                     overflow="ellipsis", width=p.width, min_width=p.width, max_width=p.width)

    def line(row: list[str]) -> list[Text]:
        out = []
        for p in placed:
            col, cell = cols[p.index], row[p.index]
            if p.short and col.short:
                cell = col.short(cell)
            elif col.kind == "path":
                cell = _cut_start(cell, p.width)
            out.append(Text(cell))
        return out

    for n, row in enumerate(flat[: len(cells)]):
        t.add_row(*line(row), style=(styles[n] if styles else None), end_section=bool(total) and n == len(cells) - 1)
    if total:
        t.add_row(*line(flat[-1]), style="bold")
    needed = sum(p.width for p in placed) + GAP * (len(placed) - 1)
    console = Console(width=max(width, needed))  # wider than the terminal only with wide
    with console.capture() as cap:
        console.print(t)
    return "\n".join(ln.rstrip() for ln in cap.get().rstrip("\n").split("\n"))


def _cut_start(text: str, width: int) -> str:
    """``text`` in ``width`` cells: its end, after '…', when it is longer (a path's file name matters most)."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    kept, size = "", 1
    for ch in reversed(text):
        size += cell_len(ch)
        if size > width:
            break
        kept = ch + kept
    return "…" + kept
