"""Claude Code summaries straight from the bytes: counters, not event objects.

``reading.summarize`` uses this for claude-code logs. It counts exactly what
``ClaudeCodeReader`` + ``Accumulator`` count (the normalized event stream stays
the reference, see ``iter_events``), with the per-line work cut down:

* Lines whose top-level ``type`` is one that carries nothing to count
  (progress, file-history-snapshot, queue-operation, …: a third of the lines
  of a typical transcript) are recognized from their bytes and only their
  top-level ``timestamp`` is taken, without parsing them. The byte test is
  strict (no ``{``/``[`` before the ``"type":"…"`` key, the timestamp at the
  object's top level, balanced braces); anything it cannot prove goes to the
  parser. A corrupt line that passes it is taken as the quiet record it looks
  like instead of being counted as unreadable.
* Every other line is parsed once (orjson) and folded into plain counters.

Memory stays small on multi-GB logs: no per-line object outlives its line;
per message there is its id and one row of a flat integer array (its last
usage), per tool call its id. Ids are kept as the strings themselves: hashing
each into a compact digest cost 0.6 us an id (5% of a full read) for memory
that is not the limit. The state saves each read's new ids as one joined
string; a refresh does not rebuild sets of the old ones but checks that none of
its new ids is among them (see ``meets_saved``). On disk (``logstate``) the old
ids sit in append-only files with a file of their 32-bit hashes beside each: the
check reads only the hashes, 4 bytes an id, unless one of them matches. The usage
rows too have a file of their own, raw cells, to which a refresh appends its new rows.
"""
from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from journal.agentlogs.claude_code import KNOWN_TYPES, NOT_PROMPTS, RAW
from journal.agentlogs.jsonl import LineScan, iter_batches
from journal.agentlogs.kinds import tool_kind
from journal.agentlogs.logstate import StoredIds
from journal.agentlogs.model import BANDS, Summary, ToolStat, add_bucket, parse_ts, slot_of

# Known record types that carry nothing a summary counts (only their timestamp).
QUIET = frozenset(t.encode() for t in KNOWN_TYPES - {"user", "assistant", "system"})
_QUIET3 = frozenset(t[:3] for t in QUIET)  # a cheap first probe of the type's value
QUIET_MIN = 1024  # bytes: below this, parsing a line costs less than testing its bytes
_TS_HI = "\U0010ffff"   # above every timestamp: "none seen yet" for the minimum
_BTS_HI = b"\xff"
ROW = 6                  # usage row: input, output, cache read, cache write, 1-hour cache write, bucket index
ZERO_ROW = (0, 0, 0, 0, 0, 0)
_SEP = "\n"


MAX_RUNS = 8  # id runs kept apart (one per read) before they are joined into one
TYPED_MIN = 16 * 1024 * 1024  # bytes to read from which lines are decoded into typed records (see ``feed``)


def run_part(ids: Any) -> str | list[Any]:
    """Ids as one newline-joined string (a few C calls to save and load), or a list if
    one is not a string or holds a newline."""
    ids = list(ids)
    try:
        blob = "\n".join(ids)
    except TypeError:
        return ids
    return blob if blob.count("\n") == len(ids) - 1 else ids


def _ids(runs: list[Any]) -> Iterator[Any]:
    """The ids of saved runs, in order."""
    for run in runs:
        if isinstance(run, StoredIds):
            run = run.text()
        if isinstance(run, str):
            if run or len(runs) == 1:
                yield from run.split("\n")
        else:
            yield from run


def _disjoint(new: Any, runs: list[Any]) -> bool:
    """True when no id of the set ``new`` is in the saved ``runs`` (the ids ``_ids`` gives)."""
    if not new:
        return True
    for run in runs:
        if isinstance(run, StoredIds):
            if not run.may_hold(new):
                continue
            run = run.text()
        if isinstance(run, str):
            if (run or len(runs) == 1) and not new.isdisjoint(run.split("\n")):
                return False
        elif not new.isdisjoint(run):
            return False
    return True


def _save(runs: list[Any], new: Any) -> list[Any]:
    """Saved runs plus one for this read's ``new`` ids (old runs pass through as loaded)."""
    out = [*runs, run_part(new)] if new else list(runs)
    if len(out) > MAX_RUNS:  # a leading run kept in a file stays there (it is appended to)
        head = out[:1] if isinstance(out[0], StoredIds) else []
        out = [*head, run_part(_ids(out[len(head):]))]
    return out


def usage_row(u: Any, mi: int) -> tuple[int, ...]:
    """A usage row from a message's ``usage`` (a dict, or a ``records.Usage``): input, output, cache
    read/write, 1-hour write, bucket ``mi``."""
    cc = u.get("cache_creation")
    v0 = u.get("input_tokens")
    v1 = u.get("output_tokens")
    v2 = u.get("cache_read_input_tokens")
    v3 = u.get("cache_creation_input_tokens")
    # a dict's must be a dict; a typed usage's is a ``records.CacheCreation`` or None (it decoded as an object)
    v4 = cc.get("ephemeral_1h_input_tokens") if cc is not None and (type(cc) is dict or type(u) is not dict) else 0
    return (v0 if type(v0) is int and 0 <= v0 < _U64 else 0, v1 if type(v1) is int and 0 <= v1 < _U64 else 0,
            v2 if type(v2) is int and 0 <= v2 < _U64 else 0, v3 if type(v3) is int and 0 <= v3 < _U64 else 0,
            v4 if type(v4) is int and 0 <= v4 < _U64 else 0, mi)


# Above what orjson reads as an int (it reads a larger number as a float, which counts 0, as a
# negative one does: see ``base.as_int``).
_U64 = 1 << 64


def _decoder() -> Any:
    """The typed decoder of Claude Code lines (None when msgspec is not installed)."""
    global _DECODER
    if _DECODER is False:
        try:
            from journal.agentlogs import claude_records
        except ImportError:
            _DECODER = None
        else:
            _DECODER = claude_records.decoder()
    return _DECODER


_DECODER: Any = False


def duration_ms(start: Any, end: Any) -> float | None:
    """Milliseconds from ``start`` to ``end`` (ISO timestamps), as ``Accumulator`` computes them."""
    try:
        return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000)
    except (TypeError, ValueError):  # not both aware ISO strings of this Python's syntax: the slow way
        a, z = parse_ts(start), parse_ts(end)
        return max(0.0, (z - a).total_seconds() * 1000) if a and z else None


class ClaudeTally:
    """Running figures of one Claude Code log; ``dump``/``load`` make it resumable.

    ``log=True`` (a tally of one part of a log read in parallel, see
    ``claude_parallel``) also keeps what merging it after the earlier parts needs:
    the tool results it could not match, in order among its timed results.
    """

    def __init__(self, log: bool = False) -> None:
        self.s = Summary(format="claude-code")
        self.started = False
        # ids new in this read; those of earlier reads are in ``saved`` (as loaded), and in
        # the ``old_*`` sets only when this read has to look them up (see ``meets_saved``)
        self.users: set[Any] = set()          # uuids of counted user turns
        self.error_keys: set[Any] = set()     # uuids of counted error lines
        self.calls: set[Any] = set()          # tool_use ids seen
        self.saved: dict[str, list[Any]] = {"users": [], "error_keys": [], "calls": [], "rows": []}
        self.old_users: set[Any] | None = None
        self.old_errors: set[Any] | None = None
        self.old_calls: set[Any] | None = None
        self.old_rows: dict[Any, int] | None = None
        self.pending: dict[Any, tuple[str, Any]] = {}  # unanswered tool_use id -> (name, call timestamp)
        self.rows: dict[Any, int] = {}        # message id (new in this read) -> row number in ``table``
        self.table: array[int] = array("i")   # ROW ints per closed message; widened to "q" if a value needs it
        # (file name, bytes) of the table's prefix kept in the state's file (``logstate``), while
        # no row of that prefix has changed: a save then appends only the rows after it
        self.table_stored: list[Any] | None = None
        # bucket index -> (model, UTC quarter-hour, prompt band); 0 is the bucket of rows without usage
        self.bkeys: list[tuple[str, str, int]] = [("", "", 0)]
        self.bucket_ix: dict[tuple[str, str, int], int] = {("", "", 0): 0}
        self.totals: list[list[int]] = [[0] * 5]  # usage per bucket index, over the rows in ``table``
        # The open message: streamed copies of one message id come in a run. Its last
        # ``usage`` (and the model named with it) is kept as parsed and turned into a row
        # only when another id starts; ``cur_row`` is its row from an earlier run.
        self.cur_mid: Any = None
        self.cur_ix = -1                      # its row number when it was closed before, else -1
        self.cur_row: tuple[int, ...] | None = None
        self.cur_u: Any = None                # a dict (full parse) or a ``records.Usage``
        self.cur_model: Any = None
        self.cur_ts: Any = None               # the timestamp of the line of its usage
        self.ts_min, self.ts_max = _TS_HI, ""
        self.bts_min, self.bts_max = _BTS_HI, b""
        self.unknown = 0                      # records of a type Claude Code is not known to write
        self.bad = 0                          # lines that are not JSON
        self.blank = 0
        # for merging (see ``claude_parallel.merge``)
        self.first_seen = False               # a line opened or closed a message; the first one's id:
        self.first_mid: Any = None
        self.first_buckets = 0                # len(bkeys) then
        self.overflow64 = False               # a count did not fit in 64 bits (merging refuses)
        self.log = log
        self.dur_tool: array[int] = array("i")   # (log) tool of each timed result, by ``tool_pos``
        self.dur_ms: array[float] = array("d")   # (log) its duration
        self.tool_pos: dict[str, int] = {}
        self.unmatched: list[tuple[int, Any, bool, Any]] = []  # (log) (len(dur_ms) then, tool id, is_error, ts)
        self.packed: dict[str, Any] | None = None  # ids as joined strings (claude_parallel.pack)
        self.typed = True  # decode lines into the fields read (see ``feed``); read_part turns it off for small reads

    # ---- reading -----------------------------------------------------------
    def feed(self, lines: list[bytes]) -> None:
        """Fold complete lines (no newline) into the figures.

        Each line is decoded into the few fields a summary reads (``records``: the rest of
        the line is skipped, not built into objects); a line whose shape those types do
        not take (or that is not JSON) goes through ``_feed_dicts`` with every field.
        """
        dec = _decoder() if self.typed else None
        if dec is None:
            self._feed_dicts(lines)
            return
        from msgspec import DecodeError, ValidationError

        decode = dec.decode
        failed = (DecodeError, ValidationError)
        quiet, quiet3 = QUIET, _QUIET3
        known = KNOWN_TYPES
        not_prompts = NOT_PROMPTS
        s = self.s
        tools = s.tools
        smodels = s.models
        pending, calls, users, error_keys = self.pending, self.calls, self.users, self.error_keys
        rows, totals, table = self.rows, self.totals, self.table
        old_users, old_errors, old_calls, old_rows = self.old_users, self.old_errors, self.old_calls, self.old_rows
        nrows = len(table) // ROW
        cur_mid, cur_ix, cur_row, cur_u, cur_model, cur_ts = (self.cur_mid, self.cur_ix, self.cur_row, self.cur_u,
                                                              self.cur_model, self.cur_ts)
        usage_row_of = self._usage_row
        tmin, tmax, bmin, bmax = self.ts_min, self.ts_max, self.bts_min, self.bts_max
        uturns, aturns, reasoning, errors = s.user_turns, s.assistant_turns, s.reasoning_blocks, s.errors
        unknown = self.unknown
        started = self.started
        dlog = self.dur_ms if self.log else None
        unmatched = self.unmatched

        for line in lines:
            if len(line) < QUIET_MIN:
                i = -1
            else:
                i = line.find(b'"type":"')
            if (i > 0 and line[i + 8:i + 11] in quiet3 and line[0] == 123 and line[i - 1] != 92
                    and line.find(b"{", 1, i) < 0 and line.find(b"[", 1, i) < 0
                    and line[i + 8:line.find(b'"', i + 8)] in quiet and line.count(b"{") == line.count(b"}")):
                k = line.rfind(b'"timestamp":"')
                if k < 0:
                    if b'"timestamp"' not in line:
                        continue
                else:
                    e = line.find(b'"', k + 13)
                    if (line[k - 1] != 92 and line.find(b"}", e) == len(line) - 1
                            and line.find(b"]", e) < 0 and line.find(b"\\", k + 13, e) < 0):
                        b = line[k + 13:e]
                        if b < bmin:
                            bmin = b
                        if b > bmax:
                            bmax = b
                        continue
            try:
                rec = decode(line)
            except failed:  # not JSON, or a shape the types do not take: every field, the slow way
                self.cur_mid, self.cur_ix, self.cur_row, self.cur_u, self.cur_model, self.cur_ts = (
                    cur_mid, cur_ix, cur_row, cur_u, cur_model, cur_ts)
                self.table = table
                self.ts_min, self.ts_max, self.bts_min, self.bts_max = tmin, tmax, bmin, bmax
                s.user_turns, s.assistant_turns, s.reasoning_blocks, s.errors = uturns, aturns, reasoning, errors
                self.unknown, self.started = unknown, started
                self._feed_dicts([line])
                cur_mid, cur_ix, cur_row, cur_u, cur_model, cur_ts = (self.cur_mid, self.cur_ix, self.cur_row,
                                                                      self.cur_u, self.cur_model, self.cur_ts)
                table = self.table
                nrows = len(table) // ROW
                tmin, tmax, bmin, bmax = self.ts_min, self.ts_max, self.bts_min, self.bts_max
                uturns, aturns, reasoning, errors = s.user_turns, s.assistant_turns, s.reasoning_blocks, s.errors
                unknown, started = self.unknown, self.started
                continue
            ts = rec.timestamp
            if type(ts) is str:
                if ts < tmin:
                    tmin = ts
                if ts > tmax:
                    tmax = ts
            t = rec.type
            try:
                if t == "assistant":
                    if not started:
                        started = self._start(rec)
                    msg = rec.message
                    if msg is None:
                        continue
                    if rec.isApiErrorMessage:
                        u = rec.uuid
                        if u is None:
                            errors += 1
                        elif u not in error_keys and (old_errors is None or u not in old_errors):
                            error_keys.add(u)
                            errors += 1
                        continue
                    mid = msg.id or rec.uuid
                    model = msg.model
                    if type(model) is not str:  # (a log may hold anything: a name is a string)
                        model = None
                    if model == "<synthetic>":
                        continue
                    new = False
                    if mid is None:
                        new = True
                        aturns += 1
                    elif mid != cur_mid:
                        if not self.first_seen:
                            self.first_seen, self.first_mid, self.first_buckets = True, mid, len(self.bkeys)
                        if cur_mid is not None:  # close the open message
                            if cur_u is not None:
                                r = usage_row_of(cur_u, cur_model, cur_ts)
                            else:
                                r = cur_row if cur_row is not None else ZERO_ROW
                            if cur_ix < 0:
                                try:
                                    table.extend(r)
                                except OverflowError:  # a value over 32 bits: undo the partial row, widen
                                    del table[nrows * ROW:]
                                    table = self._widen()
                                    table.extend(r)
                                rows[cur_mid] = nrows
                                nrows += 1
                            else:
                                self._store(cur_ix, r)
                                table = self.table
                            m = totals[r[5]]
                            m[0] += r[0]; m[1] += r[1]; m[2] += r[2]; m[3] += r[3]; m[4] += r[4]  # noqa: E702
                        cur_ix = rows.get(mid, -1)
                        if cur_ix < 0 and old_rows is not None:
                            cur_ix = old_rows.get(mid, -1)
                        cur_u = cur_model = cur_ts = None  # (the model and time go with its usage)
                        if cur_ix < 0:
                            new = True
                            aturns += 1
                            cur_row = None
                        else:  # an id seen before, not in the last run: reopen its row
                            j = cur_ix * ROW
                            r = tuple(table[j:j + ROW])
                            m = totals[r[5]]
                            m[0] -= r[0]; m[1] -= r[1]; m[2] -= r[2]; m[3] -= r[3]; m[4] -= r[4]  # noqa: E702
                            cur_row = r
                        cur_mid = mid
                    content = msg.content
                    if type(content) is list:
                        for blk in content:
                            bt = blk.type
                            if bt == "tool_use":
                                tid = blk.id
                                name = blk.name or "?"
                                if type(name) is not str:
                                    name = str(name)
                                if tid is not None:
                                    if tid in calls or (old_calls is not None and tid in old_calls):
                                        continue
                                    calls.add(tid)
                                    pending[tid] = (name, ts)
                                st = tools.get(name)
                                if st is None:
                                    st = tools[name] = ToolStat(kind=tool_kind(name))
                                st.calls += 1
                            elif bt == "thinking" or bt == "redacted_thinking":
                                reasoning += 1
                    u = msg.usage
                    if u is not None:  # (a ``records.Usage``: a usage that is not an object fails to decode)
                        if mid is None:  # no id to dedupe by: it adds up
                            r = usage_row_of(u, model, ts)
                            m = totals[r[5]]
                            m[0] += r[0]; m[1] += r[1]; m[2] += r[2]; m[3] += r[3]; m[4] += r[4]  # noqa: E702
                        else:  # the last usage of a message wins
                            cur_u, cur_model, cur_ts = u, model, ts
                        if model and model not in smodels:
                            smodels.append(model)
                    elif new and model and model not in smodels:
                        smodels.append(model)
                elif t == "user":
                    if not started:
                        started = self._start(rec)
                    msg = rec.message
                    if msg is None or rec.isMeta or rec.isCompactSummary:
                        continue
                    content = msg.content
                    text = None
                    if type(content) is list:
                        parts = None
                        for blk in content:
                            if blk.type == "tool_result":
                                tid = blk.tool_use_id
                                p = pending.pop(tid, None) if tid is not None else None
                                if p is not None:  # else answered already, or a call never seen
                                    st = tools.get(p[0])
                                    if st is not None:
                                        if blk.is_error:
                                            st.failures += 1
                                            errors += 1
                                        if p[1] and ts:
                                            dur = duration_ms(p[1], ts)
                                            if dur is not None:
                                                st.time_ms += dur
                                                st.timed += 1
                                                if dlog is not None:
                                                    self._log_dur(p[0], dur)
                                elif dlog is not None and tid is not None:  # perhaps a call of an earlier part
                                    unmatched.append((len(dlog), tid, bool(blk.is_error), ts))
                            tx = blk.text
                            if type(tx) is str:
                                if parts is None:
                                    parts = [tx]
                                else:
                                    parts.append(tx)
                        if parts:
                            text = "\n".join(parts)
                    elif type(content) is str:
                        text = content
                    if text and not rec.isSidechain and not text.lstrip().startswith(not_prompts):
                        u = rec.uuid
                        if u is not None:
                            if u in users or (old_users is not None and u in old_users):
                                continue
                            users.add(u)
                        uturns += 1
                        if s.title is None:
                            s.title = " ".join(text.split())[:120]
                elif t == "system":
                    if not started:
                        started = self._start(rec)
                    if rec.subtype == "api_error" or rec.level == "error":
                        u = rec.uuid
                        if u is None:
                            errors += 1
                        elif u not in error_keys and (old_errors is None or u not in old_errors):
                            error_keys.add(u)
                            errors += 1
                elif t not in known:
                    unknown += 1
            except Exception:  # noqa: BLE001 - an unexpected shape never stops a read
                unknown += 1

        self.cur_mid, self.cur_ix, self.cur_row, self.cur_u, self.cur_model, self.cur_ts = (
            cur_mid, cur_ix, cur_row, cur_u, cur_model, cur_ts)
        self.table = table
        self.ts_min, self.ts_max, self.bts_min, self.bts_max = tmin, tmax, bmin, bmax
        s.user_turns, s.assistant_turns, s.reasoning_blocks, s.errors = uturns, aturns, reasoning, errors
        self.unknown = unknown
        self.started = started

    def _feed_dicts(self, lines: list[bytes]) -> None:
        """``feed`` with every field of each line parsed (orjson): lines the typed decoder does not take."""
        import orjson

        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        quiet, quiet3 = QUIET, _QUIET3
        known = KNOWN_TYPES
        not_prompts = NOT_PROMPTS
        s = self.s
        tools = s.tools
        smodels = s.models
        pending, calls, users, error_keys = self.pending, self.calls, self.users, self.error_keys
        rows, totals, table = self.rows, self.totals, self.table
        old_users, old_errors, old_calls, old_rows = self.old_users, self.old_errors, self.old_calls, self.old_rows
        nrows = len(table) // ROW
        cur_mid, cur_ix, cur_row, cur_u, cur_model, cur_ts = (self.cur_mid, self.cur_ix, self.cur_row, self.cur_u,
                                                              self.cur_model, self.cur_ts)
        usage_row_of = self._usage_row
        tmin, tmax, bmin, bmax = self.ts_min, self.ts_max, self.bts_min, self.bts_max
        uturns, aturns, reasoning, errors = s.user_turns, s.assistant_turns, s.reasoning_blocks, s.errors
        unknown, bad, blank = self.unknown, self.bad, self.blank
        started = self.started
        dlog = self.dur_ms if self.log else None
        unmatched = self.unmatched

        for line in lines:
            # Long quiet records: recognized from the bytes, only their timestamp is used.
            # (Short lines parse faster than these tests run: measured.)
            if len(line) < QUIET_MIN:
                i = -1
            else:
                i = line.find(b'"type":"')
            if (i > 0 and line[i + 8:i + 11] in quiet3 and line[0] == 123 and line[i - 1] != 92
                    and line.find(b"{", 1, i) < 0 and line.find(b"[", 1, i) < 0
                    and line[i + 8:line.find(b'"', i + 8)] in quiet and line.count(b"{") == line.count(b"}")):
                k = line.rfind(b'"timestamp":"')
                if k < 0:
                    if b'"timestamp"' not in line:
                        continue
                else:
                    e = line.find(b'"', k + 13)
                    # the key at the top level: only the closing brace after its value
                    if (line[k - 1] != 92 and line.find(b"}", e) == len(line) - 1
                            and line.find(b"]", e) < 0 and line.find(b"\\", k + 13, e) < 0):
                        b = line[k + 13:e]
                        if b < bmin:
                            bmin = b
                        if b > bmax:
                            bmax = b
                        continue
                # not provably simple: parse it like any other line
            try:
                rec = loads(line)
            except decode_error:
                if not line or line.isspace():
                    blank += 1
                else:
                    bad += 1
                continue
            if type(rec) is not dict:
                continue
            ts = rec.get("timestamp")
            if type(ts) is str:
                if ts < tmin:
                    tmin = ts
                if ts > tmax:
                    tmax = ts
            t = rec.get("type")
            try:
                if t == "assistant":
                    if not started:
                        started = self._start(rec)
                    msg = rec.get("message")
                    if type(msg) is not dict:
                        continue
                    if rec.get("isApiErrorMessage"):
                        u = rec.get("uuid")
                        if u is None:
                            errors += 1
                        elif u not in error_keys and (old_errors is None or u not in old_errors):
                            error_keys.add(u)
                            errors += 1
                        continue
                    mid = msg.get("id") or rec.get("uuid")
                    model = msg.get("model")
                    if type(model) is not str:
                        model = None
                    if model == "<synthetic>":
                        continue
                    new = False
                    if mid is None:
                        new = True
                        aturns += 1
                    elif mid != cur_mid:
                        if not self.first_seen:
                            self.first_seen, self.first_mid, self.first_buckets = True, mid, len(self.bkeys)
                        if cur_mid is not None:  # close the open message
                            if cur_u is not None:
                                r = usage_row_of(cur_u, cur_model, cur_ts)
                            else:
                                r = cur_row if cur_row is not None else ZERO_ROW
                            if cur_ix < 0:
                                try:
                                    table.extend(r)
                                except OverflowError:  # a value over 32 bits: undo the partial row, widen
                                    del table[nrows * ROW:]
                                    table = self._widen()
                                    table.extend(r)
                                rows[cur_mid] = nrows
                                nrows += 1
                            else:
                                self._store(cur_ix, r)
                                table = self.table
                            m = totals[r[5]]
                            m[0] += r[0]; m[1] += r[1]; m[2] += r[2]; m[3] += r[3]; m[4] += r[4]  # noqa: E702
                        cur_ix = rows.get(mid, -1)
                        if cur_ix < 0 and old_rows is not None:
                            cur_ix = old_rows.get(mid, -1)
                        cur_u = cur_model = cur_ts = None  # (the model and time go with its usage)
                        if cur_ix < 0:
                            new = True
                            aturns += 1
                            cur_row = None
                        else:  # an id seen before, not in the last run: reopen its row
                            j = cur_ix * ROW
                            r = tuple(table[j:j + ROW])
                            m = totals[r[5]]
                            m[0] -= r[0]; m[1] -= r[1]; m[2] -= r[2]; m[3] -= r[3]; m[4] -= r[4]  # noqa: E702
                            cur_row = r
                        cur_mid = mid
                    content = msg.get("content")
                    if type(content) is list:
                        for blk in content:
                            if type(blk) is not dict:
                                continue
                            bt = blk.get("type")
                            if bt == "tool_use":
                                tid = blk.get("id")
                                name = blk.get("name") or "?"
                                if type(name) is not str:
                                    name = str(name)
                                if tid is not None:
                                    if tid in calls or (old_calls is not None and tid in old_calls):
                                        continue
                                    calls.add(tid)
                                    pending[tid] = (name, ts)
                                st = tools.get(name)
                                if st is None:
                                    st = tools[name] = ToolStat(kind=tool_kind(name))
                                st.calls += 1
                            elif bt == "thinking" or bt == "redacted_thinking":
                                reasoning += 1
                    u = msg.get("usage")
                    if type(u) is dict:
                        if mid is None:  # no id to dedupe by: it adds up
                            r = usage_row_of(u, model, ts)
                            m = totals[r[5]]
                            m[0] += r[0]; m[1] += r[1]; m[2] += r[2]; m[3] += r[3]; m[4] += r[4]  # noqa: E702
                        else:  # the last usage of a message wins
                            cur_u, cur_model, cur_ts = u, model, ts
                        if model and model not in smodels:
                            smodels.append(model)
                    elif new and model and model not in smodels:
                        smodels.append(model)
                elif t == "user":
                    if not started:
                        started = self._start(rec)
                    msg = rec.get("message")
                    if type(msg) is not dict or rec.get("isMeta") or rec.get("isCompactSummary"):
                        continue
                    content = msg.get("content")
                    text = None
                    if type(content) is list:
                        parts = None
                        for blk in content:
                            if type(blk) is not dict:
                                continue
                            if blk.get("type") == "tool_result":
                                tid = blk.get("tool_use_id")
                                p = pending.pop(tid, None) if tid is not None else None
                                if p is not None:  # else answered already, or a call never seen
                                    st = tools.get(p[0])
                                    if st is not None:
                                        if blk.get("is_error"):
                                            st.failures += 1
                                            errors += 1
                                        if p[1] and ts:
                                            dur = duration_ms(p[1], ts)
                                            if dur is not None:
                                                st.time_ms += dur
                                                st.timed += 1
                                                if dlog is not None:
                                                    self._log_dur(p[0], dur)
                                elif dlog is not None and tid is not None:  # perhaps a call of an earlier part
                                    unmatched.append((len(dlog), tid, bool(blk.get("is_error")), ts))
                            tx = blk.get("text")
                            if type(tx) is str:
                                if parts is None:
                                    parts = [tx]
                                else:
                                    parts.append(tx)
                        if parts:
                            text = "\n".join(parts)
                    elif isinstance(content, str):
                        text = content
                    if text and not rec.get("isSidechain") and not text.lstrip().startswith(not_prompts):
                        u = rec.get("uuid")
                        if u is not None:
                            if u in users or (old_users is not None and u in old_users):
                                continue
                            users.add(u)
                        uturns += 1
                        if s.title is None:
                            s.title = " ".join(text.split())[:120]
                elif t == "system":
                    if not started:
                        started = self._start(rec)
                    if rec.get("subtype") == "api_error" or rec.get("level") == "error":
                        u = rec.get("uuid")
                        if u is None:
                            errors += 1
                        elif u not in error_keys and (old_errors is None or u not in old_errors):
                            error_keys.add(u)
                            errors += 1
                elif t not in known:
                    unknown += 1
            except Exception:  # noqa: BLE001 - an unexpected shape never stops a read
                unknown += 1

        self.cur_mid, self.cur_ix, self.cur_row, self.cur_u, self.cur_model, self.cur_ts = (
            cur_mid, cur_ix, cur_row, cur_u, cur_model, cur_ts)
        self.table = table
        self.ts_min, self.ts_max, self.bts_min, self.bts_max = tmin, tmax, bmin, bmax
        s.user_turns, s.assistant_turns, s.reasoning_blocks, s.errors = uturns, aturns, reasoning, errors
        self.unknown, self.bad, self.blank = unknown, bad, blank
        self.started = started

    def _bucket_index(self, key: tuple[str, str, int]) -> int:
        bi = self.bucket_ix.get(key)
        if bi is None:
            self.bucket_ix[key] = bi = len(self.bkeys)
            self.bkeys.append(key)
            self.totals.append([0] * 5)
        return bi

    def _log_dur(self, name: str, dur: float) -> None:
        ix = self.tool_pos.get(name)
        if ix is None:
            ix = self.tool_pos[name] = len(self.tool_pos)
        self.dur_tool.append(ix)
        self.dur_ms.append(dur)

    def _usage_row(self, u: Any, model: Any, ts: Any) -> tuple[int, ...]:
        """The row of a message's ``usage``, in the bucket of its model, time and prompt band."""
        r = usage_row(u, 0)
        key = (model if type(model) is str else "", slot_of(ts), bisect_left(BANDS, r[0] + r[2] + r[3]))
        bi = self.bucket_ix.get(key)
        if bi is None:
            bi = self._bucket_index(key)
        return (*r[:5], bi)

    def _open_row(self) -> tuple[int, ...] | None:
        """The open message's usage row, if it has one."""
        if self.cur_u is not None:
            return self._usage_row(self.cur_u, self.cur_model, self.cur_ts)
        return self.cur_row

    def _start(self, rec: dict[str, Any]) -> bool:
        """The session's identity from its first record that has one; True once found."""
        if not rec.get("sessionId"):
            return False
        s = self.s
        for attr, val in (("provider_session_id", rec.get("sessionId")), ("cwd", rec.get("cwd")),
                          ("git_branch", rec.get("gitBranch") or None)):
            if val and getattr(s, attr) is None:
                setattr(s, attr, val)
        if rec.get("agentId"):
            s.extra["subagent"] = True
            s.extra["agent_id"] = rec.get("agentId")
        return True

    def _widen(self) -> array[int]:
        """Give the usage table 64-bit cells (a value did not fit in 32 bits)."""
        if self.table.typecode == "q":
            self.overflow64 = True
            raise OverflowError("token count over 64 bits")
        self.table = array("q", self.table)
        self.table_stored = None  # the file's cells are narrower: it is written anew
        return self.table

    def _store(self, ix: int, row: tuple[int, ...]) -> None:
        """Overwrite the usage row of a message closed before."""
        st = self.table_stored
        if st is not None and ix * ROW * self.table.itemsize < st[1]:
            self.table_stored = None  # a row the file holds changed: the file is written anew
        try:
            self.table[ix * ROW:ix * ROW + ROW] = array(self.table.typecode, row)
        except OverflowError:
            self._widen()
            self.table[ix * ROW:ix * ROW + ROW] = array("q", row)

    # ---- results -----------------------------------------------------------
    def summary(self) -> Summary:
        """The Summary as of now (does not change the tally)."""
        import copy

        r = self._open_row() if self.cur_mid is not None else None  # first: it may add a bucket
        totals = [list(m) for m in self.totals]
        if r is not None:
            m = totals[r[5]]
            for i in range(5):
                m[i] += r[i]
        s = copy.deepcopy(self.s)
        buckets: dict[tuple[str, str, int], list[Any]] = {}
        raw = [0] * 5
        for key, m in zip(self.bkeys, totals):
            if any(m):
                add_bucket(buckets, key, [m[0], m[2], m[3], m[4], m[1], 0, 0.0])
                for i in range(5):
                    raw[i] += m[i]
        s.buckets = buckets
        s.set_tokens_from_buckets()
        s.raw = {k: v for k, v in zip(RAW, raw) if v}
        lo, hi = self._ts_range()
        s.start, s.end = s.start or lo, s.end or hi
        a, z = parse_ts(s.start), parse_ts(s.end)
        if a and z:
            s.duration_s = round((z - a).total_seconds(), 3)
        return s

    def _ts_range(self) -> tuple[str | None, str | None]:
        lo = self.ts_min if self.ts_min != _TS_HI else None
        hi = self.ts_max or None
        if self.bts_min != _BTS_HI:  # UTF-8 byte order is code point order: same as str order
            b = self.bts_min.decode("utf-8", "replace")
            lo = b if lo is None or b < lo else lo
        if self.bts_max:
            b = self.bts_max.decode("utf-8", "replace")
            hi = b if hi is None or b > hi else hi
        return lo, hi

    # ---- state -------------------------------------------------------------
    def meets_saved(self) -> bool:
        """True when an id new in this read was saved by an earlier one.

        A read resumed from saved state first runs without looking old ids up; if
        none of its new ids is an old one (the usual case, checked here in C), that
        is exactly what looking them up would have given. Otherwise the caller reads
        the new part again from a tally loaded with ``lookups=True``.
        """
        sv = self.saved
        mids: Any = self.rows.keys()
        if self.cur_mid is not None and self.cur_ix < 0:  # the open message gets its row when closed
            mids = {*mids, self.cur_mid}
        return not (_disjoint(self.users, sv["users"]) and _disjoint(self.error_keys, sv["error_keys"])
                    and _disjoint(self.calls, sv["calls"]) and _disjoint(mids, sv["rows"]))

    def dump(self) -> dict[str, Any]:
        """The state: plain JSON but for ``table``, the usage rows as an array, which ``logstate``
        keeps in a file of its own (appending the rows after ``table_stored``); ids as joined strings."""
        lo, hi = self._ts_range()
        sv = self.saved
        return {"s": self.s.dump(), "started": self.started,
                "users": _save(sv["users"], self.users), "error_keys": _save(sv["error_keys"], self.error_keys),
                "calls": _save(sv["calls"], self.calls), "rows": _save(sv["rows"], self.rows),
                "pending": [[k, v[0], v[1]] for k, v in self.pending.items()],
                "table": self.table, "table_type": self.table.typecode, "table_stored": self.table_stored,
                "bkeys": [list(k) for k in self.bkeys], "totals": [list(m) for m in self.totals],
                "cur": [self.cur_mid, self.cur_ix, None if self.cur_row is None else list(self.cur_row),
                        self.cur_u if type(self.cur_u) in (dict, type(None)) else self.cur_u.as_dict(),
                        self.cur_model, self.cur_ts],
                "ts": [lo, hi], "unknown": self.unknown}

    @classmethod
    def load(cls, d: dict[str, Any], lookups: bool = False) -> ClaudeTally:
        """A tally from ``dump``; ``lookups`` builds the sets of old ids (see ``meets_saved``)."""
        t = cls()
        t.s = Summary.load(d["s"])  # (a copy: a pass that is read again must leave ``d`` as it was)
        t.started = bool(d["started"])
        t.saved = {k: list(d[k]) for k in ("users", "error_keys", "calls", "rows")}
        if lookups:
            t.old_users, t.old_errors, t.old_calls = (set(_ids(d[k])) for k in ("users", "error_keys", "calls"))
            rows = list(_ids(d["rows"]))  # in row order
            t.old_rows = dict(zip(rows, range(len(rows))))
        t.pending = {k: (name, ts) for k, name, ts in d["pending"]}
        table = d["table"]
        if type(table) is str:  # a state saved before the table had a file of its own
            import base64

            t.table = array(d["table_type"])
            t.table.frombytes(base64.b64decode(table))
        else:  # (a copy: see above)
            t.table = array(table.typecode, table)
            stored = d.get("table_stored")
            if stored is not None:
                t.table_stored = list(stored)
        t.bkeys = [(k[0], k[1], k[2]) for k in d["bkeys"]]
        t.bucket_ix = {k: i for i, k in enumerate(t.bkeys)}
        t.totals = [list(m) for m in d["totals"]]
        t.cur_mid, t.cur_ix, row, t.cur_u, t.cur_model, t.cur_ts = d["cur"]
        t.cur_row = None if row is None else tuple(row)
        lo, hi = d["ts"]
        t.ts_min, t.ts_max = lo if lo is not None else _TS_HI, hi or ""
        t.unknown = d.get("unknown", 0)
        return t


class Part:
    """One range of a log read into a tally: the tally and line counts."""

    def __init__(self, tally: ClaudeTally) -> None:
        self.tally = tally
        self.lines = 0
        self.scan = LineScan()
        self.maxrss = 0


def read_part(path: Path, begin: int, end: int | None, tally: ClaudeTally) -> Part:
    """Feed ``tally`` the complete lines of ``path`` from ``begin`` (to ``end``, or the end)."""
    part = Part(tally)
    # below TYPED_MIN bytes, importing the typed decoder costs more than it saves (a refresh's read)
    tally.typed = ((end if end is not None else os.stat(path).st_size) - begin) >= TYPED_MIN
    feed = tally.feed
    n = 0
    for batch in iter_batches(path, begin, part.scan, end=end):
        n += len(batch)
        feed(batch)
    part.lines = n
    return part
