"""Which reader fits a file: try each format on the first records."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from journal.agentlogs.base import Reader
from journal.agentlogs.registry import format_names, formats
from journal.errors import InvalidInput, NotFound

# Line-by-line readers in detection order, then the whole-document (legacy) ones.
ORDER: tuple[type[Reader], ...] = tuple(r for f in formats() for r in f.readers if not r.whole_document)
LEGACY: tuple[type[Reader], ...] = tuple(r for f in formats() for r in f.readers if r.whole_document)
READERS: dict[str, type[Reader]] = {c.format: c for c in ORDER}
HEAD_BYTES = 256 * 1024
HEAD_LINES = 20
MAX_SNIFF_DOCUMENT = 64 * 1024 * 1024


def _head_records(path: Path) -> tuple[list[Any], bytes]:
    import orjson

    from journal.agentlogs.jsonl import MAX_LINE, strip_bom

    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
        if len(head) == HEAD_BYTES and b"\n" not in head:  # one long first line (a pasted image…): read it whole
            rest = f.readline(MAX_LINE - len(head))
            head += rest
    head = strip_bom(head)
    recs: list[Any] = []
    for line in head.split(b"\n")[:HEAD_LINES + 1]:
        if not line.strip():
            continue
        try:
            recs.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
    return recs, head


def _whole(path: Path) -> Any:
    import orjson

    if path.stat().st_size > MAX_SNIFF_DOCUMENT:
        return None
    from journal.agentlogs.jsonl import strip_bom

    try:
        return orjson.loads(strip_bom(path.read_bytes()))
    except orjson.JSONDecodeError:
        return None


def check_format(fmt: str) -> str:
    """``fmt`` if it is ``auto`` or a known format name, else InvalidInput naming the choices."""
    if fmt != "auto" and fmt not in format_names():
        raise InvalidInput(f"unknown log format {fmt!r}: expected auto or one of {', '.join(format_names())}")
    return fmt


def reader_class(path: Path, fmt: str) -> type[Reader]:
    """The reader class for ``path`` in format ``fmt`` (picks current vs legacy)."""
    check_format(fmt)
    if fmt not in READERS:
        raise InvalidInput(f"format {fmt!r} is a log directory, not a file")
    for legacy in LEGACY:
        if legacy.format == fmt and path.is_file():
            recs, head = _head_records(path)
            if (not recs or len(recs) == 1) and head.lstrip().startswith(b"{"):
                doc = _whole(path)
                if doc is not None and legacy.detect([doc]):
                    return legacy
    return READERS[fmt]


def detect_format(path: Path) -> str:
    """The format of a log file or MassGen directory; a clear error naming what was tried."""
    from journal.agentlogs.massgen import is_massgen_dir

    if not path.exists():
        raise NotFound(f"{path} does not exist")
    tried = ", ".join(format_names())
    if path.is_dir():
        if is_massgen_dir(path):
            return "massgen"
        raise InvalidInput(f"{path} is a directory but not a MassGen log directory "
                           f"(no coordination_events.json, vote.json or execution_metadata.yaml); tried: {tried}")
    recs, head = _head_records(path)
    for cls in ORDER:
        if cls.detect(recs):
            return cls.format
    if head.lstrip().startswith((b"{", b"[")):
        doc = _whole(path)
        if doc is not None:
            for cls in LEGACY:
                if cls.detect([doc]):
                    return cls.format
    raise InvalidInput(f"cannot tell the format of {path}: tried {tried}; pass --format")


def _fits(path: Path, recs: list[Any], head: bytes) -> set[str]:
    """The formats whose detection takes this log's head (or, for a JSON document, the whole)."""
    found = {cls.format for cls in ORDER if cls.detect(recs)}
    if head.lstrip().startswith((b"{", b"[")):
        doc = _whole(path)
        if doc is not None:
            found.update(cls.format for cls in LEGACY if cls.detect([doc]))
    return found


def confirm_format(path: Path, fmt: str) -> str:
    """``fmt``, refused when the log plainly is in another format.

    A format forced on another format's log reads none of its records: the summary would
    be all zeros, with no word. A log whose head no format recognizes is read as asked
    (that is what ``--format`` is for), as is one the named format recognizes too.
    """
    check_format(fmt)
    if fmt == "auto" or not path.exists():
        return fmt
    from journal.agentlogs.massgen import is_massgen_dir

    if path.is_dir():
        if fmt != "massgen" or not is_massgen_dir(path):
            raise InvalidInput(f"{path} is a directory, not a {fmt} log file")
        return fmt
    if fmt == "massgen":
        raise InvalidInput(f"{path} is a file: a massgen log is a directory")
    recs, head = _head_records(path)
    found = _fits(path, recs, head)
    if found and fmt not in found:
        other = min(found)
        raise InvalidInput(f"{path} is a {other} log, not {fmt}: drop --format or pass --format {other}")
    return fmt
