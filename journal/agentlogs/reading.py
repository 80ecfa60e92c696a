"""Drive a reader over a file: stream lines, parse, fold into a Summary; resume."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from journal.agentlogs.base import Reader
from journal.agentlogs.jsonl import LineScan, file_identity, iter_lines
from journal.agentlogs.model import Event, Summary
from journal.agentlogs.summary import Accumulator
from journal.errors import MalformedFile

STATE_VERSION = 4  # 2: claude-code state is a ClaudeTally dump; 3: the token vocabulary, usage buckets;
#                   4: its usage rows in a file of their own (older code, which would misread it, reads anew)
RESUMABLE = (3, STATE_VERSION)  # 3 differs only in keeping the rows in the record (base64)
MAX_DOCUMENT = 512 * 1024 * 1024


def reader_for(fmt: str, path: Path) -> Reader:
    """A fresh reader of format ``fmt`` for ``path`` (not massgen)."""
    from journal.agentlogs.detect import reader_class

    return reader_class(path, fmt)()


def _check(path: Path) -> None:
    """A log is a regular file (or a MassGen folder): a FIFO would hang the read, a device is no log."""
    from journal.fsutil import require_regular

    require_regular(path, allow_dir=True)


def _parse_lines(path: Path, reader: Reader, offset: int, scan: LineScan,
                 on_ts: Callable[[str], None]) -> Iterator[Event]:
    """Events of every complete line from ``offset``; counts undecodable lines in scan."""
    import orjson

    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    pf = type(reader).prefilter
    for line in iter_lines(path, offset, scan):
        if pf is not None and not pf(line):
            i = line.rfind(b'"timestamp":"')
            if i >= 0:
                j = line.find(b'"', i + 13)
                if j > 0:
                    on_ts(line[i + 13:j].decode("ascii", "replace"))
            continue
        try:
            rec = loads(line)
        except decode_error:
            scan.bad += 1
            continue
        if type(rec) is dict:
            ts = rec.get("timestamp")
            if type(ts) is str:
                on_ts(ts)
        try:
            yield from reader.feed(rec)
        except Exception:  # noqa: BLE001 - an unexpected shape never stops a read
            reader.unknown += 1


def iter_events(path: str | Path, fmt: str = "auto") -> Iterator[Event]:
    """The normalized events of a log, streamed (massgen: a directory)."""
    from journal.agentlogs.detect import detect_format

    path = Path(path)
    _check(path)
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "massgen":
        from journal.agentlogs.massgen import iter_dir_events

        yield from iter_dir_events(path)
        return
    reader = reader_for(fmt, path)
    if reader.whole_document:
        yield from reader.feed(_load_document(path))
    else:
        yield from _parse_lines(path, reader, 0, LineScan(), lambda ts: None)
    yield from reader.finish()


def _load_document(path: Path) -> Any:
    import orjson

    if path.stat().st_size > MAX_DOCUMENT:
        raise MalformedFile(f"{path} is over {MAX_DOCUMENT >> 20} MB: too big for a single-JSON log")
    from journal.agentlogs.jsonl import strip_bom

    try:
        return orjson.loads(strip_bom(path.read_bytes()))
    except orjson.JSONDecodeError as e:
        raise MalformedFile(f"{path} is not valid JSON ({e})") from e


TAIL_BYTES = 4096  # the bytes before a saved offset whose hash the state keeps (see ``_same_file``)


def _tail(path: Path, offset: int) -> dict[str, Any]:
    """The length and hash of the bytes just before ``offset``: what a read resumed there relies on."""
    from journal.agentlogs.jsonl import sha1_hex

    n = min(TAIL_BYTES, offset)
    with open(path, "rb") as f:
        f.seek(offset - n)
        tail = f.read(n)
    return {"tail_len": len(tail), "tail_sha1": sha1_hex(tail)}


def _same_file(path: Path, ident: dict[str, Any], old: dict[str, Any] | None, offset: int = 0) -> bool:
    """True when ``path`` is the file ``old`` describes, possibly grown: the same inode, the same
    first bytes and the same bytes before ``offset`` (an edit that moved or changed the lines
    read last — or, unless it kept every length, any line before them — means a read anew)."""
    from journal.agentlogs.jsonl import sha1_hex

    if not old or old.get("inode") != ident["inode"] or old.get("dev") != ident["dev"]:
        return False
    n = old.get("head_len", 0)
    with open(path, "rb") as f:
        head = f.read(n)
    if len(head) != n or sha1_hex(head) != old.get("head_sha1"):
        return False
    if "tail_sha1" not in old:  # (a state saved before the tail was kept)
        return True
    return old.get("tail_len") == min(TAIL_BYTES, offset) and _tail(path, offset) == {
        "tail_len": old.get("tail_len"), "tail_sha1": old.get("tail_sha1")}


def summarize(path: str | Path, fmt: str = "auto", state: dict[str, Any] | None = None
              ) -> tuple[Summary, dict[str, Any]]:
    """Summarize a log; resume from ``state`` (from a previous call) when the file only grew.

    Returns the summary and the new resumable state.
    """
    path = Path(path)
    _check(path)
    if fmt == "auto":
        from journal.agentlogs.detect import detect_format

        fmt = state["format"] if state and state.get("format") else detect_format(path)
    if fmt == "massgen":
        from journal.agentlogs.massgen import summarize_dir

        s = summarize_dir(path)
        return s, {"version": STATE_VERSION, "format": fmt}
    ident = file_identity(path)
    if fmt == "claude-code":  # the fast path: no reader (nor the other formats' modules) needed
        s, new_state = _summarize_claude(path, ident, state if _resumable(path, fmt, ident, state) else None)
        if not s.extra.get("subagent"):
            from journal.agentlogs.claude_code import subagent_files

            s.subagents = len(subagent_files(path))
        return s, new_state
    reader = reader_for(fmt, path)
    if reader.whole_document:
        acc = Accumulator(fmt)
        for ev in reader.feed(_load_document(path)):
            acc.add(ev)
        for ev in reader.finish():
            acc.add(ev)
        s = acc.finalize(reader.unanswered_fail)
        s.skipped += reader.unknown
        s.bytes_read = s.offset = ident["size"]
        s.path = str(path)
        return s, {"version": STATE_VERSION, "format": fmt, "identity": ident, "offset": ident["size"]}

    return summarize_events(path, fmt, state if _resumable(path, fmt, ident, state) else None, ident)


def _resumable(path: Path, fmt: str, ident: dict[str, Any], state: dict[str, Any] | None) -> bool:
    """True when ``state`` was saved by this version (or one it reads on from), for this format, from
    this file (maybe since grown)."""
    return bool(state and state.get("version") in RESUMABLE and state.get("format") == fmt
                and state.get("offset", 0) <= ident["size"]
                and _same_file(path, ident, state.get("identity"), state.get("offset", 0)))


def summarize_events(path: Path, fmt: str, state: dict[str, Any] | None = None,
                     ident: dict[str, Any] | None = None) -> tuple[Summary, dict[str, Any]]:
    """Summarize a JSONL log through its normalized event stream (``reader.feed`` → ``Accumulator``).

    The path of every JSONL format but Claude Code's, and the reference its fast
    path is tested against. ``state`` must come from this function on this file.
    """
    reader = reader_for(fmt, path)
    ident = ident or file_identity(path)
    offset, lines, skipped = 0, 0, 0
    acc: Accumulator | None = None
    if state:
        acc = Accumulator.from_state(state["acc"])
        reader.load(state.get("reader") or {})
        reader.unknown = state.get("unknown", 0)
        offset, lines, skipped = state["offset"], state.get("lines", 0), state.get("skipped", 0)
    if acc is None:
        acc = Accumulator(fmt)
    scan = LineScan()
    add = acc.add
    for ev in _parse_lines(path, reader, offset, scan, acc.seen_ts):
        add(ev)
    skipped += scan.bad + scan.blank + scan.oversized
    lines += scan.lines + scan.blank + scan.oversized
    import copy

    import orjson

    new_state = {"version": STATE_VERSION, "format": fmt, "identity": {**ident, **_tail(path, scan.offset)},
                 "offset": scan.offset,
                 "lines": lines, "skipped": skipped, "unknown": reader.unknown,
                 "reader": copy.deepcopy(reader.dump()), "acc": acc.dump()}
    tail_skipped = 0
    if scan.tail_oversized:
        tail_skipped = 1
    elif scan.tail:
        try:
            rec = orjson.loads(scan.tail)
        except orjson.JSONDecodeError:
            tail_skipped = 1
        else:  # a complete record without its newline: count it, but re-read it next time
            if type(rec) is dict and isinstance(rec.get("timestamp"), str):
                acc.seen_ts(rec["timestamp"])
            for ev in reader.feed(rec):
                add(ev)
    for ev in reader.finish():
        add(ev)
    s = acc.finalize(reader.unanswered_fail)
    if fmt == "claude-code" and not s.extra.get("subagent"):
        from journal.agentlogs.claude_code import subagent_files

        s.subagents = len(subagent_files(path))
    s.skipped = skipped + tail_skipped + reader.unknown
    s.lines = lines + (1 if scan.tail or scan.tail_oversized else 0)
    s.bytes_read = scan.bytes_read
    s.offset = scan.offset
    s.path = str(path)
    return s, new_state


def _summarize_claude(path: Path, ident: dict[str, Any], state: dict[str, Any] | None
                      ) -> tuple[Summary, dict[str, Any]]:
    """The Claude Code fast path: lines folded straight into a ClaudeTally (no Event objects)."""
    if state is None:
        return _claude_pass(path, ident, None, False)[:2]
    s, new_state, repeats = _claude_pass(path, ident, state, False)
    if repeats:  # an id of the new lines was seen by an earlier read: read them again, looking old ids up
        s, new_state, _ = _claude_pass(path, ident, state, True)
    return s, new_state


def _claude_pass(path: Path, ident: dict[str, Any], state: dict[str, Any] | None, lookups: bool
                 ) -> tuple[Summary, dict[str, Any], bool]:
    """One read from the saved offset; also says whether a new id was an old one."""
    import orjson

    from journal.agentlogs.claude_tally import ClaudeTally, read_part

    if state is not None:  # a refresh: one core (the parallel reader is not even imported)
        tally = ClaudeTally.load(state["tally"], lookups)
        offset, lines, skipped = state["offset"], state.get("lines", 0), state.get("skipped", 0)
        part = read_part(path, offset, None, tally)
    else:  # a full read: on several cores when the log is big
        from journal.agentlogs import claude_parallel

        part = claude_parallel.read(path, claude_parallel.plan(path, ident["size"]))
        tally, lines, skipped = part.tally, 0, 0
    scan = part.scan
    feed = tally.feed
    lines += part.lines + scan.oversized
    skipped += tally.bad + tally.blank + scan.oversized
    tally.bad = tally.blank = 0
    new_state = {"version": STATE_VERSION, "format": "claude-code", "identity": {**ident, **_tail(path, scan.offset)},
                 "offset": scan.offset,
                 "lines": lines, "skipped": skipped, "tally": tally.dump()}
    tail_skipped = 0
    if scan.tail_oversized:
        tail_skipped = 1
    elif scan.tail:
        try:
            orjson.loads(scan.tail)
        except orjson.JSONDecodeError:
            tail_skipped = 1
        else:  # a complete record without its newline: count it, but re-read it next time
            feed([scan.tail])
    repeats = state is not None and not lookups and tally.meets_saved()
    s = tally.summary()
    s.skipped = skipped + tail_skipped + tally.unknown
    s.lines = lines + (1 if scan.tail or scan.tail_oversized else 0)
    s.bytes_read = scan.bytes_read
    s.offset = scan.offset
    s.path = str(path)
    return s, new_state, repeats
