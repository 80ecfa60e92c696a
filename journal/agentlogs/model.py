"""Normalized agent-log events and the summary built from them.

The token vocabulary, defined once for every format (``README.md``, "Token figures",
has the table of how each log's own fields map onto it):

* ``input``: prompt tokens neither read from nor written to a cache (net input);
* ``cache_read``: prompt tokens read from a cache;
* ``cache_write``: prompt tokens written to a cache (``cache_write_1h`` is the part
  kept for an hour, which is priced higher);
* ``output``: every generated token, reasoning included (what providers bill as output);
* ``reasoning``: the part of ``output`` spent on reasoning ("thoughts"), where the log
  gives it apart; never added to the total a second time;
* ``total``: ``input + cache_read + cache_write + output``.

Usage is also kept in **buckets**, one per (model, UTC quarter-hour, prompt band), so
that reports can split a session by day in any time zone (every zone's offset is a
multiple of 15 minutes) and price each request at the tier its prompt size falls in.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

FORMATS = ("claude-code", "codex", "gemini", "copilot", "zag", "massgen", "journal")
TOOL_KINDS = ("shell", "file_read", "file_write", "file_edit", "search",
              "sub_agent", "web", "notebook", "other")
TOKEN_FIGURES = ("input", "cache_read", "cache_write", "output", "reasoning", "total")
# The keys of earlier releases, kept as aliases in JSON for one release: old name -> figure.
ALIASES = {"tokens_in": "input", "tokens_out": "output", "tokens_cache_read": "cache_read",
           "tokens_cache_write": "cache_write", "tokens_reasoning": "reasoning"}

# Event kinds
SESSION_START = "session_start"
SESSION_END = "session_end"
USER = "user"
ASSISTANT = "assistant"
REASONING = "reasoning"
TOOL_CALL = "tool_call"
TOOL_RESULT = "tool_result"
USAGE = "usage"
USAGE_RESET = "usage_reset"
ERROR = "error"

# Prompt sizes (tokens) where a price tier of the price source starts: a request whose
# prompt (input + cache read + cache write) exceeds one pays that tier's rate on every
# token. A bucket's band is how many of these its requests' prompts exceed.
# tests/agentlogs/test_agentlogs_prices.py checks that every tier of the installed price
# source starts at one of them.
BANDS = (32_000, 100_000, 128_000, 199_999, 200_000, 256_000, 272_000, 512_000, 524_288)

# A bucket's figures, in this order (a list: cheap to add to and to save as JSON).
B_INPUT, B_CACHE_READ, B_CACHE_WRITE, B_CACHE_WRITE_1H, B_OUTPUT, B_REASONING, B_COST = range(7)
BUCKET_LEN = 7  # the last is the cost the log itself recorded (zag), 0.0 when none


def band_of(prompt: int) -> int:
    """How many of ``BANDS`` a request's prompt size exceeds."""
    return bisect_left(BANDS, prompt)


_QUARTER = {f"{i:02d}": f"{i // 15 * 15:02d}" for i in range(60)}


def slot_of(ts: Any) -> str:
    """The UTC quarter-hour of a timestamp, ``YYYY-MM-DDTHH:MM`` ("" when it has none)."""
    if type(ts) is str and len(ts) >= 17 and ts[-1] == "Z" and ts[10] == "T" and ts[13] == ":":
        q = _QUARTER.get(ts[14:16])
        if q is not None:
            return ts[:14] + q
    d = parse_ts(ts)
    if d is None:
        return ""
    d = d.astimezone(timezone.utc)
    return f"{d:%Y-%m-%dT%H:}{d.minute // 15 * 15:02d}"


def parse_ts(ts: Any) -> datetime | None:
    """An ISO timestamp as an aware datetime (naive: UTC), or None."""
    if not ts or not isinstance(ts, str):
        return None
    try:
        d = datetime.fromisoformat(ts[:-1] + "+00:00" if ts.endswith("Z") else ts)
    except ValueError:
        from journal.clock import parse_time
        from journal.errors import InvalidInput

        try:  # Python 3.10 reads 3 or 6 fraction digits only
            return parse_time(ts)
        except InvalidInput:
            return None
    return d if d.tzinfo is not None else d.replace(tzinfo=timezone.utc)


@dataclass(slots=True)
class Usage:
    """Token counts of one model call (or of one stretch of calls), in the vocabulary above.

    ``prompt`` is the request's prompt size when it differs from ``input + cache_read +
    cache_write`` (None: that sum; 0: unknown, a total over many requests); ``raw`` holds
    the log's own figures, by its own field names.
    """

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    cache_write_1h: int = 0  # the part of cache_write kept for an hour (priced higher)
    cost_usd: float | None = None
    model: str | None = None
    raw: dict[str, int] | None = None
    prompt: int | None = None

    def __post_init__(self) -> None:
        # (see ``Event``): counts that are not whole numbers count 0, a model that is no text none
        for f in ("input", "output", "cache_read", "cache_write", "reasoning", "cache_write_1h"):
            v = getattr(self, f)
            if type(v) is not int:
                setattr(self, f, 0)
        if self.cost_usd is not None and (type(self.cost_usd) not in (int, float) or self.cost_usd != self.cost_usd):
            self.cost_usd = None
        _only(self, model=str, raw=dict, prompt=int)


@dataclass(slots=True)
class Event:
    """One normalized event. ``key`` is the dedupe identity (message id, tool id)."""

    kind: str
    ts: str | None = None
    key: str | None = None
    text: str | None = None
    name: str | None = None
    tool_kind: str | None = None
    success: bool | None = None
    duration_ms: float | None = None
    usage: Usage | None = None
    data: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # Readers pass the log's own values; a hand-edited or future log may hold any JSON
        # there. Each field is made the type the summary relies on, in this one place: a
        # value of another type counts as absent (a key or name becomes its text).
        _only(self, ts=str, text=str, tool_kind=str, success=bool, data=dict)
        if self.key is not None and type(self.key) is not str:
            self.key = _text_of(self.key)
        if self.name is not None and type(self.name) is not str:
            self.name = _text_of(self.name)
        if self.duration_ms is not None and (type(self.duration_ms) not in (int, float)
                                             or not 0 <= self.duration_ms < float("inf")):
            self.duration_ms = None


def _only(obj: Any, **kinds: type) -> None:
    """Set each named field of ``obj`` that holds a value of another type than its own to None."""
    for name, kind in kinds.items():
        v = getattr(obj, name)
        if v is not None and type(v) is not kind:
            setattr(obj, name, None)


def _text_of(value: Any) -> str | None:
    """A scalar's text (an id or a name that is a number); None for a list, an object or a bool."""
    return str(value) if type(value) in (int, float) else None


@dataclass
class Tokens:
    """The token figures of a summary, a model or a report row (see the module docstring)."""

    input: int = 0
    cache_read: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0
    cache_write_1h: int = 0

    @property
    def total(self) -> int:
        return self.input + self.cache_read + self.cache_write + self.output

    def add_bucket(self, b: list[Any]) -> None:
        self.input += b[B_INPUT]
        self.cache_read += b[B_CACHE_READ]
        self.cache_write += b[B_CACHE_WRITE]
        self.cache_write_1h += b[B_CACHE_WRITE_1H]
        self.output += b[B_OUTPUT]
        self.reasoning += b[B_REASONING]

    def add(self, other: Tokens) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_dict(self) -> dict[str, int]:
        return {"input": self.input, "cache_read": self.cache_read, "cache_write": self.cache_write,
                "cache_write_1h": self.cache_write_1h, "output": self.output, "reasoning": self.reasoning,
                "total": self.total}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Tokens:
        return cls(**{f.name: int(d.get(f.name) or 0) for f in fields(cls)})


def bucket_key(b: str) -> tuple[str, str, int]:
    """A saved bucket key ``model\\x1fslot\\x1fband`` as (model, slot, band)."""
    model, slot, band = b.split("\x1f")
    return model, slot, int(band)


def bucket_name(model: str, slot: str, band: int) -> str:
    return f"{model}\x1f{slot}\x1f{band}"


def add_bucket(into: dict[tuple[str, str, int], list[Any]], key: tuple[str, str, int], b: list[Any]) -> None:
    """Add bucket figures ``b`` to ``into[key]``."""
    have = into.get(key)
    if have is None:
        into[key] = list(b)
    else:
        for i in range(BUCKET_LEN):
            have[i] += b[i]


@dataclass
class ToolStat:
    """Calls of one tool: how many, how many failed, time where the log has it."""

    kind: str = "other"
    calls: int = 0
    failures: int = 0
    time_ms: float = 0.0
    timed: int = 0

    @property
    def avg_ms(self) -> float | None:
        return self.time_ms / self.timed if self.timed else None


@dataclass
class Cost:
    """What a summary's usage cost: recorded by the log, or estimated from a price source.

    ``usd`` is None when nothing is priced; ``unpriced`` names the models whose tokens
    have no price (their tokens are left out of ``usd``); ``by_model`` the cost of each.
    """

    usd: float | None = None
    estimated: bool = False
    source: str | None = None            # "log", or the price source ("genai-prices 0.2.3", overrides)
    unpriced: list[str] = field(default_factory=list)
    by_model: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"usd": self.usd, "estimated": self.estimated, "source": self.source,
                "unpriced": list(self.unpriced), "by_model": dict(self.by_model), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cost:
        return cls(usd=d.get("usd"), estimated=bool(d.get("estimated")), source=d.get("source"),
                   unpriced=list(d.get("unpriced") or []), by_model=dict(d.get("by_model") or {}),
                   notes=list(d.get("notes") or []))


UNKNOWN_MODEL = "(unknown model)"


@dataclass
class Summary:
    """What a log says about a session: turns, tools, errors, tokens, cost, time."""

    format: str
    path: str = ""
    provider_session_id: str | None = None
    title: str | None = None
    user_turns: int = 0
    assistant_turns: int = 0
    reasoning_blocks: int = 0
    tools: dict[str, ToolStat] = field(default_factory=dict)
    errors: int = 0
    tokens: Tokens = field(default_factory=Tokens)
    raw: dict[str, int] = field(default_factory=dict)   # the log's own token fields, summed
    # (model, UTC quarter-hour, prompt band) -> figures (see BUCKET_LEN); not in to_dict()
    buckets: dict[tuple[str, str, int], list[Any]] = field(default_factory=dict)
    cost: Cost = field(default_factory=Cost)
    models: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    duration_s: float | None = None
    cwd: str | None = None
    git_branch: str | None = None
    skipped: int = 0
    lines: int = 0
    bytes_read: int = 0
    offset: int = 0
    subagents: int | None = None         # Claude Code: subagent files beside the log (None: not looked)
    subagents_included: bool = False     # their figures are added to these
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- the names of earlier releases (read-only aliases) ----------------------------
    @property
    def tokens_in(self) -> int:
        return self.tokens.input

    @property
    def tokens_out(self) -> int:
        return self.tokens.output

    @property
    def tokens_cache_read(self) -> int:
        return self.tokens.cache_read

    @property
    def tokens_cache_write(self) -> int:
        return self.tokens.cache_write

    @property
    def tokens_reasoning(self) -> int:
        return self.tokens.reasoning

    @property
    def cost_usd(self) -> float | None:
        return self.cost.usd

    @property
    def cost_estimated(self) -> bool:
        return self.cost.estimated

    # ---- figures -------------------------------------------------------------------
    @property
    def tool_calls(self) -> int:
        return sum(t.calls for t in self.tools.values())

    @property
    def tool_failures(self) -> int:
        return sum(t.failures for t in self.tools.values())

    def tools_by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tools.values():
            out[t.kind] = out.get(t.kind, 0) + t.calls
        return out

    def tokens_by_model(self) -> dict[str, Tokens]:
        """The token figures of each model (from the buckets), in order of first use."""
        out: dict[str, Tokens] = {}
        for (model, _slot, _band), b in sorted(self.buckets.items(), key=lambda kv: kv[0][1]):
            out.setdefault(model or UNKNOWN_MODEL, Tokens()).add_bucket(b)
        return out

    def set_tokens_from_buckets(self) -> None:
        t = Tokens()
        for b in self.buckets.values():
            t.add_bucket(b)
        self.tokens = t

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON: the figures, ``tokens``, ``raw``, ``cost``, ``by_model`` and the aliases."""
        d: dict[str, Any] = {
            "format": self.format, "path": self.path, "provider_session_id": self.provider_session_id,
            "title": self.title, "user_turns": self.user_turns, "assistant_turns": self.assistant_turns,
            "reasoning_blocks": self.reasoning_blocks,
            "tools": {k: {"kind": t.kind, "calls": t.calls, "failures": t.failures, "time_ms": t.time_ms,
                          "timed": t.timed} for k, t in self.tools.items()},
            "errors": self.errors, "tokens": self.tokens.to_dict(), "raw": dict(self.raw),
            "cost": self.cost.to_dict(),
            "by_model": {m: {**t.to_dict(), "cost_usd": self.cost.by_model.get(m)}
                         for m, t in self.tokens_by_model().items()},
            "models": list(self.models), "start": self.start, "end": self.end, "duration_s": self.duration_s,
            "cwd": self.cwd, "git_branch": self.git_branch, "skipped": self.skipped, "lines": self.lines,
            "bytes_read": self.bytes_read, "offset": self.offset, "subagents": self.subagents,
            "subagents_included": self.subagents_included, "extra": dict(self.extra),
            "tool_calls": self.tool_calls, "tool_failures": self.tool_failures,
            "tools_by_kind": self.tools_by_kind(),
        }
        for old, new in ALIASES.items():  # deprecated: kept for one release
            d[old] = getattr(self.tokens, new)
        d["cost_usd"] = self.cost.usd
        d["cost_estimated"] = self.cost.estimated
        return d

    def short(self) -> dict[str, Any]:
        """The small figures kept in a session's frontmatter (``figures: 2``: this vocabulary)."""
        t = self.tokens
        return {"figures": 2, "turns": self.user_turns, "tools": self.tool_calls, "errors": self.errors,
                "input": t.input, "cache_read": t.cache_read, "cache_write": t.cache_write, "output": t.output,
                "reasoning": t.reasoning, "total": t.total,
                "cost_usd": None if self.cost.usd is None else round(self.cost.usd, 4),
                "unpriced": list(self.cost.unpriced) or None}

    # ---- state ---------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """Plain JSON-able state (``load`` reads it back)."""
        d: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        d["tools"] = {k: [t.kind, t.calls, t.failures, t.time_ms, t.timed] for k, t in self.tools.items()}
        d["tokens"] = self.tokens.to_dict()
        d["buckets"] = [[*k, *v] for k, v in self.buckets.items()]
        d["cost"] = self.cost.to_dict()
        d["models"], d["extra"], d["raw"] = list(self.models), dict(self.extra), dict(self.raw)
        return d

    @classmethod
    def load(cls, d: dict[str, Any]) -> Summary:
        d = dict(d)
        tools = {k: ToolStat(*v) for k, v in d.pop("tools").items()}
        tokens = Tokens.from_dict(d.pop("tokens"))
        buckets = {(b[0], b[1], b[2]): list(b[3:]) for b in d.pop("buckets")}
        cost = Cost.from_dict(d.pop("cost"))
        s = cls(**d, tools=tools, tokens=tokens, buckets=buckets, cost=cost)
        s.models, s.extra, s.raw = list(s.models), dict(s.extra), dict(s.raw)
        return s


def absorb(into: Summary, other: Summary) -> None:
    """Add ``other``'s figures (a subagent's) to ``into``: turns, tools, errors, tokens, time span.

    The cost is summed as it stands; a caller with a price book prices ``into`` again.
    """
    into.user_turns += other.user_turns
    into.assistant_turns += other.assistant_turns
    into.reasoning_blocks += other.reasoning_blocks
    into.errors += other.errors
    for name, t in other.tools.items():
        mine = into.tools.setdefault(name, ToolStat(kind=t.kind))
        mine.calls += t.calls
        mine.failures += t.failures
        mine.time_ms += t.time_ms
        mine.timed += t.timed
    for key, b in other.buckets.items():
        add_bucket(into.buckets, key, b)
    into.set_tokens_from_buckets()
    for k, v in other.raw.items():
        into.raw[k] = into.raw.get(k, 0) + v
    for model in other.models:
        if model not in into.models:
            into.models.append(model)
    if other.cost.usd is not None:
        into.cost.usd = (into.cost.usd or 0.0) + other.cost.usd
        for model, usd in other.cost.by_model.items():
            into.cost.by_model[model] = into.cost.by_model.get(model, 0.0) + usd
    for model in other.cost.unpriced:
        if model not in into.cost.unpriced:
            into.cost.unpriced.append(model)
    into.skipped += other.skipped
    into.lines += other.lines
    into.bytes_read += other.bytes_read
    for attr, pick in (("start", min), ("end", max)):
        a, b = getattr(into, attr), getattr(other, attr)
        if a and b:
            ta, tb = parse_ts(a), parse_ts(b)
            if ta and tb:
                setattr(into, attr, a if pick(ta, tb) == ta else b)
        elif b:
            setattr(into, attr, b)
    ta, tb = parse_ts(into.start), parse_ts(into.end)
    if ta and tb:
        into.duration_s = round((tb - ta).total_seconds(), 3)


def merged_tools(summaries: list[Summary]) -> Summary:
    """One summary holding the tool statistics of all ``summaries`` added up."""
    merged = Summary(format="merged")
    for s in summaries:
        for name, t in s.tools.items():
            into = merged.tools.setdefault(name, ToolStat(kind=t.kind))
            into.calls += t.calls
            into.failures += t.failures
            into.time_ms += t.time_ms
            into.timed += t.timed
    return merged
