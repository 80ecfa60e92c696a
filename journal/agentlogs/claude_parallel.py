"""Read a big Claude Code log on several cores and merge the parts exactly.

A full read of a log of ``PARALLEL_MIN`` bytes or more is cut into up to
``MAX_PARTS`` byte ranges at line starts; this process tallies the first range
while forked workers each tally one of the others from a fresh ``ClaudeTally``.
``merge`` then folds each worker's tally into the running one as if that one had
read the lines itself: counters add, the usage rows of the part's messages are
appended after the earlier ones, sets of ids are joined, and what a fresh tally
could not know is put right:

* the message open at the end of the earlier parts is closed where the next
  part's first message starts (the cut is moved to such a start, see
  ``find_cut``, so a streamed message is never split between two parts);
* tool results of the part that answer a call of an earlier part (kept in order
  by the worker) are matched now, their durations added to each tool's time in
  the order a single read adds them (floating-point sums depend on it);
* models, tools and usage buckets (model, quarter-hour, prompt band) keep the order of
  first appearance;
* session identity and title come from the first part that has them.

A worker sends its ids as joined strings (``pack``), a fraction of the memory of
sets of strings. The merged tally, and so the state saved for a later refresh, is
the one a single read makes (sets of ids aside, whose order is arbitrary anyway).

When the part shares an id with the earlier ones (resumed sessions repeating
history), or the cut falls inside a message, or a worker failed, ``merge``
refuses and that part is read again here, continuing the running tally: the
result is always the one a single read gives, a refusal only costs time.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

from journal.agentlogs.claude_tally import ZERO_ROW, ROW, ClaudeTally, Part, duration_ms, usage_row, read_part
from journal.agentlogs.model import ToolStat
from journal.parallel import can_fork, cores

PARALLEL_MIN = 64 * 1024 * 1024  # bytes: below this, forking costs more than it gains
MAX_PARTS = 4
CUT_WINDOW = 4 * 1024 * 1024     # bytes after a nominal cut searched for a message start
_I64 = 1 << 63


def plan(path: Path, size: int, offset: int = 0, parts: int | None = None,
         min_size: int | None = None) -> list[int]:
    """Start offsets of the parts of ``[offset, size)`` (just ``[offset]``: read it in one go)."""
    n = parts if parts is not None else min(cores(), MAX_PARTS)
    if n < 2 or size - offset < (PARALLEL_MIN if min_size is None else min_size) or not can_fork():
        return [offset]
    cuts = [offset]
    for k in range(1, n):
        c = find_cut(path, offset + (size - offset) * k // n)
        if c is not None and c > cuts[-1]:
            cuts.append(c)
    return cuts


def _mid(line: bytes) -> tuple[bool, Any]:
    """Whether ``line`` opens or closes a message in a tally, and the message id it names."""
    t = ClaudeTally()
    t.feed([line])
    return t.first_seen, t.first_mid


def find_cut(path: Path, at: int, window: int = CUT_WINDOW) -> int | None:
    """The start of the first line after ``at`` where another message begins: of two
    successive message lines past ``at`` with string ids, the second whose id differs
    (None: not within ``window`` bytes)."""
    with open(path, "rb") as f:
        f.seek(at)
        buf = f.read(window)
    pos = buf.find(b"\n") + 1
    if pos == 0:
        return None
    first: str | None = None
    while True:
        j = buf.find(b"\n", pos)
        if j < 0:
            return None
        seen, mid = _mid(buf[pos:j])
        if seen:
            if type(mid) is not str:
                first = None
            elif first is None:
                first = mid
            elif mid != first:
                return at + pos
        pos = j + 1


def _worker(conn: Any, path: Path, begin: int, end: int | None) -> None:
    import resource

    try:
        part = read_part(path, begin, end, ClaudeTally(log=True))
        pack(part.tally)
        part.maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        conn.send(part)
    except BaseException:  # noqa: BLE001 - the parent reads the part itself
        conn.send(None)
    finally:
        conn.close()


def read(path: Path, cuts: list[int], on_merge: Callable[[bool], None] | None = None, fork: bool = True) -> Part:
    """Tally ``path`` from ``cuts[0]`` to its end, parts from each cut on: the result of one read.

    ``fork=False`` reads the parts one after the other here (the same merging, for tests).
    """
    if len(cuts) == 1:
        return read_part(path, cuts[0], None, ClaudeTally())
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    ends: list[int | None] = [*cuts[1:], None]
    jobs: list[tuple[Any, Any]] = []
    for k in range(1, len(cuts) if fork else 1):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_worker, args=(send, path, cuts[k], ends[k]), daemon=True)
        p.start()
        send.close()
        jobs.append((p, recv))
    try:
        whole = read_part(path, cuts[0], ends[0], ClaudeTally())
        for k in range(1, len(cuts)):
            part: Part | None
            if fork:
                try:
                    part = jobs[k - 1][1].recv()
                except (EOFError, OSError):
                    part = None
            else:
                part = read_part(path, cuts[k], ends[k], ClaudeTally(log=True))
                pack(part.tally)
            ok = part is not None and merge(whole.tally, part.tally)
            if on_merge is not None:
                on_merge(ok)
            if not ok:  # read the part here, continuing the running tally
                part = read_part(path, cuts[k], ends[k], whole.tally)
            assert part is not None
            whole.lines += part.lines
            sc, ps = whole.scan, part.scan
            sc.bytes_read += ps.bytes_read
            sc.oversized += ps.oversized
            sc.offset, sc.tail, sc.tail_oversized = ps.offset, ps.tail, ps.tail_oversized
            whole.maxrss = max(whole.maxrss, part.maxrss)
    finally:
        for p, recv in jobs:
            recv.close()
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
    return whole


# ---- merging --------------------------------------------------------------------------------
def pack(w: ClaudeTally) -> None:
    """Put ``w``'s ids in joined strings (``packed``): a fraction of the memory of sets
    of strings, to keep and to send, and the merge needs them only once."""
    from journal.agentlogs.claude_tally import run_part

    packed: dict[str, Any] = {}
    for name in ("users", "error_keys", "calls"):
        packed[name] = run_part(getattr(w, name))
        setattr(w, name, set())
    packed["rows"] = run_part(w.rows)
    vals = array("q", w.rows.values())
    w.rows = {}
    packed["row_nums"] = vals
    w.packed = packed


def _unpacked(w: ClaudeTally) -> tuple[list[Any], list[Any], list[Any], list[Any], Any]:
    """``w``'s users, error keys, tool call ids, message ids and their row numbers."""
    pk = w.packed
    if pk is None:
        return list(w.users), list(w.error_keys), list(w.calls), list(w.rows), list(w.rows.values())

    def split(run: Any) -> list[Any]:  # one run of ``run_part``: a joined string, or a list
        return run.split("\n") if isinstance(run, str) else list(run)

    return split(pk["users"]), split(pk["error_keys"]), split(pk["calls"]), split(pk["rows"]), pk["row_nums"]


def _fits(row: tuple[int, ...]) -> bool:
    return all(-_I64 <= v < _I64 for v in row)


def merge(t: ClaudeTally, w: ClaudeTally) -> bool:
    """Fold ``w`` (a fresh tally, with ``log=True``, of the lines right after those
    ``t`` read) into ``t``, so that ``t`` is what reading them itself would have made
    it. False, ``t`` unchanged, when that cannot be proved: read the lines into ``t``."""
    if w.overflow64 or t.overflow64:
        return False
    m = t.cur_mid
    close = m is not None and w.first_seen
    if close:
        try:
            hash(w.first_mid)
        except TypeError:
            return False
        if not (w.first_mid != m):  # the part starts inside the open message
            return False
        r0 = usage_row(t.cur_u, 0) if t.cur_u is not None else (t.cur_row or ZERO_ROW)
        if not _fits(r0):
            return False
    users, error_keys, calls, row_ids, row_nums = _unpacked(w)
    if not (t.users.isdisjoint(users) and t.error_keys.isdisjoint(error_keys)
            and t.calls.isdisjoint(calls) and t.pending.keys().isdisjoint(w.pending)):
        return False
    if not t.rows.keys().isdisjoint(row_ids):
        return False
    if m is not None and (m in row_ids or w.cur_mid == m):
        return False
    if w.cur_mid is not None and w.cur_ix < 0 and w.cur_mid in t.rows:
        return False

    # -- from here on nothing refuses --
    s, ws = t.s, w.s
    # bucket indexes: those the part made before its first message, the open message's, the rest
    remap = [0] * len(w.bkeys)
    for i in range(1, w.first_buckets if w.first_seen else len(w.bkeys)):
        remap[i] = t._bucket_index(w.bkeys[i])
    if close:
        _close_open(t)
    for i in range(w.first_buckets if w.first_seen else len(w.bkeys), len(w.bkeys)):
        remap[i] = t._bucket_index(w.bkeys[i])
    for i, mm in enumerate(w.totals):
        tm = t.totals[remap[i]]
        for j in range(5):
            tm[j] += mm[j]
    # usage rows: after the earlier ones
    base = len(t.table) // ROW
    wt = w.table
    if remap != list(range(len(remap))) and len(wt):
        wt = array(wt.typecode, wt)
        wt[5::ROW] = array(wt.typecode, [remap[x] for x in wt[5::ROW]])
    if wt.typecode != t.table.typecode:
        if t.table.typecode == "i":
            t._widen()
        else:
            wt = array("q", wt)
    t.table.extend(wt)
    rows = t.rows
    for k, v in zip(row_ids, row_nums):
        rows[k] = v + base
    if w.first_seen:
        t.cur_mid, t.cur_u, t.cur_model, t.cur_ts = w.cur_mid, w.cur_u, w.cur_model, w.cur_ts
        t.cur_ix = w.cur_ix + base if w.cur_ix >= 0 else -1
        t.cur_row = None if w.cur_row is None else (*w.cur_row[:5], remap[w.cur_row[5]])
    # ids
    t.users.update(users)
    t.error_keys.update(error_keys)
    t.calls.update(calls)
    # tools, in order of first call; times added in the order of the results
    tools = s.tools
    for name, st in ws.tools.items():
        mt = tools.get(name)
        if mt is None:
            tools[name] = ToolStat(kind=st.kind, calls=st.calls, failures=st.failures, timed=st.timed)
        else:
            mt.calls += st.calls
            mt.failures += st.failures
            mt.timed += st.timed
    names = list(w.tool_pos)
    stats = [tools[n] for n in names]
    pending = t.pending
    errors = 0
    un = w.unmatched
    u = 0
    dur_tool, dur_ms = w.dur_tool, w.dur_ms
    for i in range(len(dur_ms) + 1):
        while u < len(un) and un[u][0] == i:  # a result of a call made in an earlier part
            _, tid, is_error, ts = un[u]
            u += 1
            p = pending.pop(tid, None)
            if p is not None:
                called = tools.get(p[0])
                if called is not None:
                    if is_error:
                        called.failures += 1
                        errors += 1
                    if p[1] and ts:
                        dur = duration_ms(p[1], ts)
                        if dur is not None:
                            called.time_ms += dur
                            called.timed += 1
        if i < len(dur_ms):
            stats[dur_tool[i]].time_ms += dur_ms[i]
    pending.update(w.pending)
    # counters, names, times
    s.user_turns += ws.user_turns
    s.assistant_turns += ws.assistant_turns
    s.reasoning_blocks += ws.reasoning_blocks
    s.errors += ws.errors + errors
    for model in ws.models:
        if model not in s.models:
            s.models.append(model)
    if s.title is None:
        s.title = ws.title
    if not t.started and w.started:
        t.started = True
        s.provider_session_id, s.cwd, s.git_branch = ws.provider_session_id, ws.cwd, ws.git_branch
        s.extra.update(ws.extra)
    t.ts_min, t.ts_max = min(t.ts_min, w.ts_min), max(t.ts_max, w.ts_max)
    t.bts_min, t.bts_max = min(t.bts_min, w.bts_min), max(t.bts_max, w.bts_max)
    t.unknown += w.unknown
    t.bad += w.bad
    t.blank += w.blank
    return True


def _close_open(t: ClaudeTally) -> None:
    """Close ``t``'s open message as ``ClaudeTally.feed`` does when another id starts."""
    if t.cur_u is not None:
        r = t._usage_row(t.cur_u, t.cur_model, t.cur_ts)
    else:
        r = t.cur_row if t.cur_row is not None else ZERO_ROW
    if t.cur_ix < 0:
        n = len(t.table) // ROW
        try:
            t.table.extend(r)
        except OverflowError:
            del t.table[n * ROW:]
            t._widen()
            t.table.extend(r)
        t.rows[t.cur_mid] = n
    else:
        t._store(t.cur_ix, r)
    m = t.totals[r[5]]
    for j in range(5):
        m[j] += r[j]
    t.cur_mid, t.cur_ix, t.cur_row, t.cur_u, t.cur_model, t.cur_ts = None, -1, None, None, None, None
