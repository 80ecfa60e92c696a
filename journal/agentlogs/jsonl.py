"""A robust streaming JSONL line reader: big binary chunks, resumable offsets.

Only complete lines (ending in ``\\n``) are yielded and advance the offset, so a
torn last line is picked up again once its writer finishes it. Lines over
``MAX_LINE`` bytes are dropped without ever being held in memory whole.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 1024 * 1024  # measured: 1 MB reads split faster than 8 MB ones and keep the peak low
MAX_LINE = 16 * 1024 * 1024
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, which some editors put first: not part of the first record


def strip_bom(data: bytes) -> bytes:
    """``data`` (a file's first bytes) without a leading UTF-8 byte order mark."""
    return data[3:] if data[:3] == BOM else data


@dataclass
class LineScan:
    """Counters of one scan: where it stopped, what it read and dropped."""

    offset: int = 0          # end of the last complete line (resume point)
    bytes_read: int = 0      # bytes read from disk by this scan
    lines: int = 0           # complete, non-blank lines yielded (iter_lines only)
    blank: int = 0           # (iter_lines only)
    oversized: int = 0       # complete lines over MAX_LINE, dropped
    bad: int = 0             # lines a consumer could not parse
    tail: bytes = b""        # an unterminated last line (up to MAX_LINE bytes)
    tail_oversized: bool = False


def iter_batches(path: Path, offset: int = 0, scan: LineScan | None = None,
                 chunk: int = CHUNK, max_line: int = MAX_LINE, end: int | None = None) -> Iterator[list[bytes]]:
    """Yield the complete lines from ``offset`` on (up to byte ``end``), one list per chunk read.

    Lines come without their ``\\n`` and may be blank (the consumer counts them);
    lines over ``max_line`` are dropped and counted in ``scan.oversized``.
    ``scan`` (updated in place) records the resume offset and the tail.
    """
    st = scan if scan is not None else LineScan()
    st.offset = offset
    pos = offset          # file offset where ``carry`` starts
    carry = b""
    skipping = False      # inside an oversized line: drop bytes up to its newline
    left = -1 if end is None else max(0, end - offset)  # bytes still to read; -1: to the end of the file
    first = offset == 0   # a byte order mark there is skipped
    with open(path, "rb") as f:
        if offset:
            f.seek(offset)
        while left:
            buf = f.read(chunk if left < 0 else min(chunk, left))
            if left > 0:
                left -= len(buf)
            if not buf:
                break
            st.bytes_read += len(buf)
            if first:  # the file's first bytes
                first = False
                read = len(buf)
                buf = strip_bom(buf)
                pos = read - len(buf)
            if skipping:
                nl = buf.find(b"\n")
                if nl < 0:
                    pos += len(buf)
                    continue
                skipping = False
                st.oversized += 1
                pos += nl + 1
                st.offset = pos
                buf = buf[nl + 1:]
            lines = buf.split(b"\n")
            n = len(carry) + len(buf)
            if len(lines) == 1:
                carry += buf
            else:
                if carry:
                    lines[0] = carry + lines[0]
                carry = lines.pop()
                pos += n - len(carry)
                st.offset = pos
                if n > max_line:  # only then can a line be over the limit
                    kept = [ln for ln in lines if len(ln) <= max_line]
                    st.oversized += len(lines) - len(kept)
                    lines = kept
                yield lines
            if len(carry) > max_line:
                pos += len(carry)
                carry = b""
                skipping = True
    if skipping:
        st.tail_oversized = True
    elif carry and not carry.isspace():
        st.tail = carry


def iter_lines(path: Path, offset: int = 0, scan: LineScan | None = None,
               chunk: int = CHUNK, max_line: int = MAX_LINE) -> Iterator[bytes]:
    """Yield each complete non-blank line (without ``\\n``) from ``offset`` on.

    ``scan`` (updated in place) records the resume offset and counters.
    """
    st = scan if scan is not None else LineScan()
    for lines in iter_batches(path, offset, st, chunk, max_line):
        for line in lines:
            if line and not line.isspace():
                st.lines += 1
                yield line
            else:
                st.blank += 1


def sha1_hex(data: bytes) -> str:
    """SHA-1 of ``data``, hex: from CPython's own ``_sha1`` when present (hashlib loads OpenSSL:
    5 ms of a refresh's start-up), the same digest either way."""
    try:
        from _sha1 import sha1
    except ImportError:  # pragma: no cover - a Python built without it
        from hashlib import sha1
    return sha1(data).hexdigest()


def file_identity(path: Path, nbytes: int = 4096) -> dict[str, Any]:
    """Inode, size and a hash of the first bytes: tells a grown file from a new one."""
    s = os.stat(path)
    with open(path, "rb") as f:
        head = f.read(nbytes)
    return {"inode": s.st_ino, "dev": s.st_dev, "size": s.st_size, "mtime": s.st_mtime,
            "head_len": len(head), "head_sha1": sha1_hex(head)}
