"""Usage reports: the token and cost buckets of many logs, added up by period, model, session or agent.

Days, weeks (Monday to Sunday) and months are those of the report's time zone: each
bucket is a UTC quarter-hour, so it falls in exactly one local day whatever the
zone's offset. A session that crosses midnight is split by the time of each record.
Times filter buckets: ``since`` and ``until`` are compared with a bucket's
quarter-hour, so a bound inside a quarter-hour takes the whole quarter-hour or none.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from journal.agentlogs.model import B_COST, UNKNOWN_MODEL, Summary, Tokens

BY = ("day", "week", "month", "session", "model", "agent")
UNLINKED = "(not linked)"


@dataclass
class Source:
    """One log in a report: its summary, the journal session it is linked to (None: found only)."""

    summary: Summary
    session: str | None = None
    path: str = ""


@dataclass
class Row:
    """One row of a report: its key, the figures, the cost, per model."""

    key: str
    tokens: Tokens = field(default_factory=Tokens)
    cost_usd: float | None = None
    estimated: bool = False
    unpriced: list[str] = field(default_factory=list)
    models: dict[str, list[Any]] = field(default_factory=dict)   # model -> [Tokens, cost or None]
    logs: set[str] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)

    def add(self, model: str, b: list[Any], priced: bool, estimated: bool, path: str, session: str | None) -> None:
        self.tokens.add_bucket(b)
        entry = self.models.get(model)
        if entry is None:
            entry = self.models[model] = [Tokens(), None]
        entry[0].add_bucket(b)
        if priced:
            self.cost_usd = (self.cost_usd or 0.0) + b[B_COST]
            entry[1] = (entry[1] or 0.0) + b[B_COST]
            self.estimated = self.estimated or estimated
        elif any(b[:B_COST]) and model not in self.unpriced:
            self.unpriced.append(model)
        self.logs.add(path)
        self.sessions.add(session or UNLINKED)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, **self.tokens.to_dict(), "cost_usd": self.cost_usd, "cost_estimated": self.estimated,
                "unpriced": list(self.unpriced),
                "models": {m: {**t.to_dict(), "cost_usd": c} for m, (t, c) in self.models.items()},
                "logs": len(self.logs), "sessions": sorted(self.sessions)}


def _local(slot: str, tz: tzinfo | None) -> datetime:
    """A bucket's quarter-hour (UTC) in the report's zone (None: the machine's, with its DST rules)."""
    utc = datetime(int(slot[:4]), int(slot[5:7]), int(slot[8:10]), int(slot[11:13]), int(slot[14:16]),
                   tzinfo=timezone.utc)
    return utc.astimezone(tz) if tz is not None else utc.astimezone()


def period(slot: str, by: str, tz: tzinfo | None) -> str:
    """The day (``2026-03-14``), week (its Monday's date) or month (``2026-03``) of a quarter-hour."""
    d = _local(slot, tz).date()
    if by == "week":
        return (d - timedelta(days=d.weekday())).isoformat()
    if by == "month":
        return d.isoformat()[:7]
    return d.isoformat()


def _slot_when(s: Summary, slot: str) -> str:
    """A bucket's quarter-hour, or for a bucket without one, its log's start (or end)."""
    if slot:
        return slot
    from journal.agentlogs.model import slot_of

    return slot_of(s.start) or slot_of(s.end)


def report(sources: list[Source], by: str = "day", since: datetime | None = None, until: datetime | None = None,
           tz: tzinfo | None = None) -> tuple[list[Row], Row]:
    """The rows (in key order; by cost for models, sessions and agents) and the TOTAL row."""
    rows: dict[str, Row] = {}
    total = Row("TOTAL")
    lo = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M") if since else None
    hi = until.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M") if until else None
    for src in sources:
        s = src.summary
        unpriced = set(s.cost.unpriced)
        recorded = s.cost.source == "log"
        priced_any = s.cost.usd is not None
        for (model, slot, _band), b in s.buckets.items():
            name = model or UNKNOWN_MODEL
            when = _slot_when(s, slot)
            if (lo and (not when or when < lo)) or (hi and (not when or when > hi)):
                continue
            if by in ("day", "week", "month"):
                key = period(when, by, tz) if when else "unknown"
            elif by == "model":
                key = name
            elif by == "agent":
                key = s.format
            else:
                key = src.session or f"{UNLINKED} {s.format} {s.provider_session_id or src.path}"
            priced = priced_any and (recorded or name not in unpriced)
            row = rows.get(key)
            if row is None:
                row = rows[key] = Row(key)
            row.add(name, b, priced, s.cost.estimated, src.path, src.session)
            total.add(name, b, priced, s.cost.estimated, src.path, src.session)
    if by in ("day", "week", "month"):
        ordered = [rows[k] for k in sorted(rows)]
    else:
        ordered = sorted(rows.values(), key=lambda r: (-(r.cost_usd or 0.0), -r.tokens.total, r.key))
    return ordered, total


def day_bounds(text: str, tz: tzinfo | None, end: bool) -> datetime | None:
    """A date ``YYYY-MM-DD`` (or ``YYYYMMDD``) as the start of that day in ``tz``, or the last
    minute of it when ``end``; None when ``text`` is not a bare date."""
    t = text.strip()
    if len(t) == 8 and t.isdigit():
        t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
    if len(t) != 10:
        return None
    try:
        d = date.fromisoformat(t)
    except ValueError:
        return None
    start = datetime(d.year, d.month, d.day)
    moment = start + timedelta(days=1, minutes=-1) if end else start
    if tz is not None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone()  # the machine's zone
