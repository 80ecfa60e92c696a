"""Fold normalized events into a Summary, with exact dedupe, resumable state.

Token figures: ``usage`` events with a key replace the previous usage of that
key (Claude's streamed copies, Codex's running total, Gemini's re-appended
records); usage events without a key add up.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.model import Event, Summary, ToolStat, Usage

# USD per million tokens: input, output, cache write, cache read. Public list
# prices as of 2026-11; used only when a log records no cost, and labelled an
# estimate. Matched by the longest prefix of the model name.
PRICES: dict[str, tuple[float, float, float, float]] = {
    "claude-opus-4-6": (5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-5": (5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-1": (15.0, 75.0, 18.75, 1.50),
    "claude-opus-4": (15.0, 75.0, 18.75, 1.50),
    "claude-sonnet-4": (3.0, 15.0, 3.75, 0.30),
    "claude-3-7-sonnet": (3.0, 15.0, 3.75, 0.30),
    "claude-haiku-4-5": (1.0, 5.0, 1.25, 0.10),
    "claude-3-5-haiku": (0.80, 4.0, 1.0, 0.08),
    "gpt-5-codex": (1.25, 10.0, 0.0, 0.125),
    "gpt-5": (1.25, 10.0, 0.0, 0.125),
    "gemini-2.5-pro": (1.25, 10.0, 0.0, 0.31),
    "gemini-2.5-flash": (0.30, 2.50, 0.0, 0.075),
}


def price_of(model: str | None) -> tuple[float, float, float, float] | None:
    if not model:
        return None
    best = None
    for prefix, p in PRICES.items():
        if (model == prefix or model.startswith(prefix + "-")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, p)
    return best[1] if best else None


def parse_ts(ts: str | None) -> datetime | None:
    if not ts or not isinstance(ts, str):
        return None
    try:
        d = datetime.fromisoformat(ts.replace("Z", "+00:00") if ts.endswith("Z") else ts)
    except ValueError:
        return None
    if d.tzinfo is None:
        from datetime import timezone

        d = d.replace(tzinfo=timezone.utc)
    return d


class Accumulator:
    """Running figures of one log; ``dump``/``load`` make it resumable."""

    def __init__(self, fmt: str) -> None:
        self.s = Summary(format=fmt)
        self.users: set[str] = set()
        self.assistants: set[str] = set()
        self.calls: set[str] = set()
        self.error_keys: set[str] = set()
        self.pending: dict[str, list[Any]] = {}   # tool id -> [name, ts]
        self.usage: dict[str, list[Any]] = {}     # key -> [in, out, cr, cw, reasoning, cw1h, cost, model]
        self.loose: list[Any] = [0, 0, 0, 0, 0, 0, None]  # unkeyed usage sums
        self.loose_by_model: dict[str, list[int]] = {}
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
            row: list[Any] = [u.input, u.output, u.cache_read, u.cache_write, u.reasoning, u.cache_write_1h,
                              u.cost_usd, u.model]
            if ev.key is not None:
                self.usage[ev.key] = row
            else:
                lo = self.loose
                for i in range(6):
                    lo[i] += row[i]
                if u.cost_usd is not None:
                    lo[6] = (lo[6] or 0.0) + u.cost_usd
                mm = self.loose_by_model.setdefault(u.model or "", [0] * 6)
                for i in range(6):
                    mm[i] += row[i]
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
            self.loose = [0, 0, 0, 0, 0, 0, None]
            self.loose_by_model.clear()
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
        if model not in self.s.models:
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
        tin = tout = tcr = tcw = tre = 0
        cost: float | None = None
        est = 0.0
        estimable = True
        by_model: dict[str, list[int]] = {k: list(v) for k, v in self.loose_by_model.items()}
        for row in self.usage.values():
            tin += row[0]; tout += row[1]; tcr += row[2]; tcw += row[3]; tre += row[4]  # noqa: E702
            if row[6] is not None:
                cost = (cost or 0.0) + row[6]
            mm = by_model.setdefault(row[7] or "", [0] * 6)
            for i in range(6):
                mm[i] += row[i]
        lo = self.loose
        tin += lo[0]; tout += lo[1]; tcr += lo[2]; tcw += lo[3]; tre += lo[4]  # noqa: E702
        if lo[6] is not None:
            cost = (cost or 0.0) + lo[6]
        s.tokens_in, s.tokens_out, s.tokens_cache_read, s.tokens_cache_write, s.tokens_reasoning = (
            tin, tout, tcr, tcw, tre)
        if cost is not None:
            s.cost_usd = cost
        elif tin or tout:
            for model, mm in by_model.items():
                p = price_of(model)
                if p is None:
                    if any(mm[:4]):
                        estimable = False
                    continue
                # 1-hour cache writes cost twice the input price; 5-minute ones p[2].
                est += (mm[0] * p[0] + mm[1] * p[1] + (mm[3] - mm[5]) * p[2] + mm[5] * 2 * p[0]
                        + mm[2] * p[3]) / 1e6
            if estimable:
                s.cost_usd = est
                s.cost_estimated = True
        s.start = s.start or self.ts_min
        s.end = s.end or self.ts_max
        a, b = parse_ts(s.start), parse_ts(s.end)
        if a and b:
            s.duration_s = round((b - a).total_seconds(), 3)
        return s

    def dump(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"s": asdict(self.s), "users": list(self.users), "assistants": list(self.assistants),
                "calls": list(self.calls),
                "error_keys": list(self.error_keys), "pending": dict(self.pending), "usage": dict(self.usage),
                "loose": list(self.loose), "loose_by_model": {k: list(v) for k, v in self.loose_by_model.items()},
                "ts": [self.ts_min, self.ts_max]}

    @classmethod
    def from_state(cls, d: dict[str, Any]) -> Accumulator:
        sd = dict(d["s"])
        tools = {k: ToolStat(**v) for k, v in sd.pop("tools").items()}
        acc = cls(sd["format"])
        acc.s = Summary(**sd, tools=tools)
        acc.users, acc.assistants = set(d["users"]), set(d["assistants"])
        acc.calls = set(d["calls"])
        acc.error_keys = set(d["error_keys"])
        acc.pending, acc.usage = d["pending"], d["usage"]
        acc.loose, acc.loose_by_model = d["loose"], d["loose_by_model"]
        acc.ts_min, acc.ts_max = d["ts"]
        return acc


__all__ = ["Accumulator", "PRICES", "price_of", "parse_ts", "Usage"]
