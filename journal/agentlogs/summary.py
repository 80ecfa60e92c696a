"""Fold normalized events into a Summary, with exact dedupe, resumable state.

Token figures: ``usage`` events with a key replace the previous usage of that
key (Claude's streamed copies, Gemini's re-appended records, Copilot's per-message
output until the shutdown's totals arrive); usage events without a key add up
(Codex's deltas of its running total, zag's usage events). Each usage lands in
the bucket of its model, its own timestamp's quarter-hour and its prompt's band
(see ``model``), so a session crossing midnight is split by each record's time.

Cost: only what the log records is set here; estimates come from ``prices``.
"""
from __future__ import annotations

from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.model import (BUCKET_LEN, Event, Summary, ToolStat, Usage, add_bucket, band_of,
                                     parse_ts, slot_of)


def _prompt(u: Usage) -> int:
    return u.input + u.cache_read + u.cache_write if u.prompt is None else u.prompt


def _bucket(u: Usage) -> list[Any]:
    return [u.input, u.cache_read, u.cache_write, u.cache_write_1h, u.output, u.reasoning,
            u.cost_usd if u.cost_usd is not None else 0.0]


def _add_raw(into: dict[str, int], raw: dict[str, int] | None) -> None:
    for k, v in (raw or {}).items():
        into[k] = into.get(k, 0) + v


class Accumulator:
    """Running figures of one log; ``dump``/``load`` make it resumable."""

    def __init__(self, fmt: str) -> None:
        self.s = Summary(format=fmt)
        self.users: set[str] = set()
        self.assistants: set[str] = set()
        self.calls: set[str] = set()
        self.error_keys: set[str] = set()
        self.pending: dict[str, list[Any]] = {}   # tool id -> [name, ts]
        # key -> [bucket key (model, slot, band), bucket figures, raw figures]
        self.usage: dict[str, list[Any]] = {}
        self.loose: dict[tuple[str, str, int], list[Any]] = {}  # unkeyed usage, by bucket
        self.loose_raw: dict[str, int] = {}
        self.recorded = False                     # the log recorded a cost
        self.ts_min: str | None = None
        self.ts_max: str | None = None

    # ---- events -------------------------------------------------------
    def seen_ts(self, ts: str) -> None:
        if self.ts_min is None or ts < self.ts_min:
            self.ts_min = ts
        if self.ts_max is None or ts > self.ts_max:
            self.ts_max = ts

    def add(self, ev: Event) -> None:
        s = self.s
        if ev.ts:
            self.seen_ts(ev.ts)
        k = ev.kind
        if k == m.TOOL_CALL:
            if ev.key is not None:
                if ev.key in self.calls:
                    return
                self.calls.add(ev.key)
                self.pending[ev.key] = [ev.name, ev.ts]
            name = ev.name or "?"
            t = s.tools.get(name)
            if t is None:
                from journal.agentlogs.kinds import tool_kind

                t = s.tools[name] = ToolStat(kind=ev.tool_kind or tool_kind(name))
            t.calls += 1
            if ev.success is not None or ev.duration_ms is not None:  # call and result in one record
                if ev.key is not None:
                    self.pending.pop(ev.key, None)
                self._result(name, ev.success, ev.duration_ms, None, None)
        elif k == m.TOOL_RESULT:
            rname, start = ev.name, None
            if ev.key is not None:
                p = self.pending.pop(ev.key, None)
                if p is None:
                    return  # answered already (a repeated line), or a call we never saw
                rname = rname or p[0]
                start = p[1]
            if rname:
                self._result(rname, ev.success, ev.duration_ms, start, ev.ts)
        elif k == m.USAGE and ev.usage is not None:
            u = ev.usage
            bkey = (u.model or "", slot_of(ev.ts), band_of(_prompt(u)))
            row = _bucket(u)
            if u.cost_usd is not None:
                self.recorded = True
            if ev.key is not None:
                self.usage[ev.key] = [list(bkey), row, dict(u.raw or {})]
            else:
                add_bucket(self.loose, bkey, row)
                _add_raw(self.loose_raw, u.raw)
            if u.model:
                self._model(u.model)
        elif k == m.ASSISTANT:
            if ev.key is not None:
                if ev.key in self.assistants:
                    return
                self.assistants.add(ev.key)
            s.assistant_turns += 1
            if ev.name:
                self._model(ev.name)
        elif k == m.USER:
            if ev.key is not None:
                if ev.key in self.users:
                    return
                self.users.add(ev.key)
            s.user_turns += 1
            if s.title is None and ev.text:
                s.title = " ".join(ev.text.split())[:120]
        elif k == m.REASONING:
            s.reasoning_blocks += 1
        elif k == m.ERROR:
            if ev.key is not None:
                if ev.key in self.error_keys:
                    return
                self.error_keys.add(ev.key)
            s.errors += 1
        elif k == m.USAGE_RESET:
            self.usage.clear()
            self.loose.clear()
            self.loose_raw.clear()
        elif k in (m.SESSION_START, m.SESSION_END):
            d = ev.data or {}
            for attr in ("provider_session_id", "cwd", "git_branch", "title"):
                if d.get(attr) and getattr(s, attr) is None:
                    setattr(s, attr, d[attr])
            if d.get("model"):
                self._model(d["model"])
            if k == m.SESSION_END and d.get("success") is False:
                s.errors += 1
            for key, val in (d.get("extra") or {}).items():
                s.extra[key] = val

    def _model(self, model: str) -> None:
        if type(model) is str and model not in self.s.models:
            self.s.models.append(model)

    def _result(self, name: str, success: bool | None, dur: float | None,
                start: str | None, end: str | None) -> None:
        t = self.s.tools.get(name)
        if t is None:
            return
        if success is False:
            t.failures += 1
            self.s.errors += 1
        if dur is None and start and end:
            a, b = parse_ts(start), parse_ts(end)
            if a and b:
                dur = max(0.0, (b - a).total_seconds() * 1000)
        if dur is not None:
            t.time_ms += dur
            t.timed += 1

    # ---- results -------------------------------------------------------
    def finalize(self, unanswered_fail: bool) -> Summary:
        """The Summary as of now (does not change the accumulator)."""
        import copy

        s = copy.deepcopy(self.s)
        if unanswered_fail:
            for name, _ts in self.pending.values():
                t = s.tools.get(name or "?")
                if t is not None:
                    t.failures += 1
                    s.errors += 1
        buckets: dict[tuple[str, str, int], list[Any]] = {k: list(v) for k, v in self.loose.items()}
        raw = dict(self.loose_raw)
        for bkey, row, r in self.usage.values():
            add_bucket(buckets, (bkey[0], bkey[1], bkey[2]), row)
            _add_raw(raw, r)
        s.buckets = {k: v for k, v in buckets.items() if any(v[:BUCKET_LEN - 1]) or v[m.B_COST]}
        s.raw = {k: v for k, v in raw.items() if v}
        s.set_tokens_from_buckets()
        if self.recorded:
            s.cost.usd = sum(b[m.B_COST] for b in s.buckets.values())
            s.cost.source = "log"
            by_model: dict[str, float] = {}
            for (model, _slot, _band), b in s.buckets.items():
                name = model or m.UNKNOWN_MODEL
                by_model[name] = by_model.get(name, 0.0) + b[m.B_COST]
            s.cost.by_model = by_model
        s.start = s.start or self.ts_min
        s.end = s.end or self.ts_max
        t0, t1 = parse_ts(s.start), parse_ts(s.end)
        if t0 and t1:
            s.duration_s = round((t1 - t0).total_seconds(), 3)
        return s

    def dump(self) -> dict[str, Any]:
        return {"s": self.s.dump(), "users": list(self.users), "assistants": list(self.assistants),
                "calls": list(self.calls),
                "error_keys": list(self.error_keys), "pending": dict(self.pending), "usage": dict(self.usage),
                "loose": [[*k, *v] for k, v in self.loose.items()], "loose_raw": dict(self.loose_raw),
                "recorded": self.recorded, "ts": [self.ts_min, self.ts_max]}

    @classmethod
    def from_state(cls, d: dict[str, Any]) -> Accumulator:
        acc = cls(d["s"]["format"])
        acc.s = Summary.load(d["s"])
        acc.users, acc.assistants = set(d["users"]), set(d["assistants"])
        acc.calls = set(d["calls"])
        acc.error_keys = set(d["error_keys"])
        acc.pending, acc.usage = dict(d["pending"]), dict(d["usage"])
        acc.loose = {(b[0], b[1], b[2]): list(b[3:]) for b in d["loose"]}
        acc.loose_raw = dict(d["loose_raw"])
        acc.recorded = bool(d.get("recorded"))
        acc.ts_min, acc.ts_max = d["ts"]
        return acc


__all__ = ["Accumulator", "parse_ts", "Usage"]
