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

CHUNK = 8 * 1024 * 1024
MAX_LINE = 16 * 1024 * 1024


@dataclass
class LineScan:
    """Counters of one scan: where it stopped, what it read and dropped."""

    offset: int = 0          # end of the last complete line (resume point)
    bytes_read: int = 0      # bytes read from disk by this scan
    lines: int = 0           # complete, non-blank lines yielded
    blank: int = 0
    oversized: int = 0       # complete lines over MAX_LINE, dropped
    tail: bytes = b""        # an unterminated last line (up to MAX_LINE bytes)
    tail_oversized: bool = False


def iter_lines(path: Path, offset: int = 0, scan: LineScan | None = None,
               chunk: int = CHUNK, max_line: int = MAX_LINE) -> Iterator[bytes]:
    """Yield each complete non-blank line (without ``\\n``) from ``offset`` on.

    ``scan`` (updated in place) records the resume offset and counters.
    """
    st = scan if scan is not None else LineScan()
    st.offset = offset
    pos = offset          # file offset where ``carry`` starts
    carry = b""
    skipping = False      # inside an oversized line: drop bytes up to its newline
    with open(path, "rb") as f:
        if offset:
            f.seek(offset)
        while True:
            buf = f.read(chunk)
            if not buf:
                break
            st.bytes_read += len(buf)
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
            data = carry + buf if carry else buf
            lines = data.split(b"\n")
            carry = lines.pop()
            for line in lines:
                n = len(line)
                if n > max_line:
                    st.oversized += 1
                elif n and not line.isspace():
                    st.lines += 1
                    yield line
                else:
                    st.blank += 1
            pos += len(data) - len(carry)
            st.offset = pos
            if len(carry) > max_line:
                pos += len(carry)
                carry = b""
                skipping = True
    if skipping:
        st.tail_oversized = True
    elif carry and not carry.isspace():
        st.tail = carry


def file_identity(path: Path, nbytes: int = 4096) -> dict:
    """Inode, size and a hash of the first bytes: tells a grown file from a new one."""
    import hashlib

    s = os.stat(path)
    with open(path, "rb") as f:
        head = f.read(nbytes)
    return {"inode": s.st_ino, "dev": s.st_dev, "size": s.st_size, "mtime": s.st_mtime,
            "head_len": len(head), "head_sha1": hashlib.sha1(head).hexdigest()}
