"""What tokens cost: the price source, the user's overrides, and a cache of both.

The price source is ``genai-prices`` (the Pydantic team's package): it prices models
offline, from the snapshot bundled with the installed release; newer prices come
with a newer release of the package, never from the network. Importing it costs a
quarter of a second or more, so a model's rates are looked up once and kept in a
cache (``.journal/prices.json`` in a workspace), keyed by the source's version and
the overrides; every estimate is then plain arithmetic on the usage buckets.

Overrides (``[prices."model-name"]`` in ``.journal.toml``) give USD per million
tokens for ``input``, ``output``, ``cache_read``, ``cache_write``, ``cache_write_1h``
and ``reasoning``, or ``like = "other-model"`` to price a model as another one;
keys given replace the source's (tiers included), keys left out keep them.

How a bucket is priced follows the source's own rules: a price it lacks for cache
reads or writes prices them as input, a tier applies to every token of a request
whose prompt exceeds the tier's start (hence the prompt bands of the buckets), and
the price in force on the request's date (UTC) is the one used.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal.agentlogs.model import (B_CACHE_READ, B_CACHE_WRITE, B_CACHE_WRITE_1H, B_COST, B_INPUT, B_OUTPUT,
                                     B_REASONING, BANDS, UNKNOWN_MODEL, Cost, Summary)

SOURCE = "genai-prices"
_SOURCE_KEYS = {"input_mtok": "input", "output_mtok": "output", "cache_read_mtok": "cache_read",
                "cache_write_mtok": "cache_write", "cache_write_1h_mtok": "cache_write_1h",
                "output_reasoning_mtok": "reasoning"}
# The price source's provider for each format's models (None: found by the model's name).
PROVIDERS: dict[str, str | None] = {"claude-code": "anthropic", "codex": "openai", "gemini": "google",
                                    "copilot": "github-copilot"}
CACHE_VERSION = 1

# A price: USD per million tokens, or [base, [[tier start, price], ...]] (tiers ascending).
Price = Any
# A model's rates: periods [{"from": "YYYY-MM-DD" | None, "hours": ["HH:MM", "HH:MM"] | None,
# "p": {key: Price}, "id": the source's model id, "provider": its provider}], or None: unpriced.
Rates = Any


def source_version() -> str | None:
    """The installed price source's version, found without importing it (None: not installed)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("genai_prices")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    site = Path(spec.origin).parent.parent
    for d in site.glob("genai_prices-*.dist-info"):
        return d.name[len("genai_prices-"):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("genai-prices")
    except PackageNotFoundError:
        return "unknown"


def _price_of(v: Any) -> Price:
    from genai_prices import types

    if isinstance(v, types.TieredPrices):
        return [float(v.base), [[t.start, float(t.price)] for t in v.tiers]]
    return float(v)


def _periods(info: Any, provider: str) -> list[dict[str, Any]]:
    from genai_prices import types

    def conv(mp: Any) -> dict[str, Price]:
        return {ours: _price_of(getattr(mp, theirs)) for theirs, ours in _SOURCE_KEYS.items()
                if getattr(mp, theirs, None) is not None}

    out: list[dict[str, Any]] = []
    if isinstance(info.prices, types.ModelPrice):
        out.append({"from": None, "hours": None, "p": conv(info.prices)})
    else:
        for c in info.prices:
            period: dict[str, Any] = {"from": None, "hours": None, "p": conv(c.prices)}
            con = c.constraint
            if isinstance(con, types.StartDateConstraint):
                period["from"] = con.start_date.isoformat()
            elif isinstance(con, types.TimeOfDateConstraint):
                period["hours"] = [_utc_hhmm(con.start_time), _utc_hhmm(con.end_time)]
            out.append(period)
    for p in out:
        p["id"], p["provider"] = info.id, provider
    return out


def _utc_hhmm(t: Any) -> str:
    from datetime import date, datetime, timezone

    if t.tzinfo is not None:
        t = datetime.combine(date(1970, 1, 1), t).astimezone(timezone.utc).time()
    return f"{t.hour:02d}:{t.minute:02d}"


def lookup(model: str, provider: str | None) -> Rates:
    """The source's rates of ``model`` (None: it has no price for it). Imports the source."""
    try:
        from genai_prices import Usage, calc_price
    except ImportError:
        return None
    tries = [provider, None] if provider else [None]
    for pid in tries:
        try:
            calc = calc_price(Usage(input_tokens=0), model, provider_id=pid)
        except (LookupError, ValueError):
            continue
        return _periods(calc.model, calc.provider.id)
    return None


def _active(period: dict[str, Any], slot: str) -> bool:
    if period.get("from") and slot[:10] < period["from"]:
        return False
    hours = period.get("hours")
    if hours:
        hhmm = slot[11:16]
        start, end = hours
        return (hhmm >= start or hhmm < end) if end < start else start <= hhmm < end
    return True


def _resolve(rates: list[dict[str, Any]], slot: str) -> dict[str, Price]:
    """The prices in force at ``slot`` (a bucket's UTC quarter-hour): the last active period, else the first."""
    if not slot:  # no time: the prices now
        from datetime import datetime, timezone

        slot = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M")
    for p in reversed(rates):
        if _active(p, slot):
            return p["p"]
    return rates[0]["p"]


def _rate(price: Price, band: int) -> float:
    """The rate of ``price`` for a request in prompt band ``band`` (see ``model.BANDS``)."""
    if not isinstance(price, list):
        return price
    rate = price[0]
    low = BANDS[band - 1] if band > 0 else 0  # every prompt of the band exceeds this
    for start, tier in price[1]:
        # (prompt > start) follows from (low >= start); exactly so when start is one of BANDS
        if low >= start:
            rate = tier
    return rate


def bucket_cost(p: Mapping[str, Price], band: int, b: list[Any]) -> float:
    """USD of one bucket at prices ``p``, leaf by leaf as the price source splits usage."""
    cr, cw, cw1h = b[B_CACHE_READ], b[B_CACHE_WRITE], b[B_CACHE_WRITE_1H]
    out, reasoning = b[B_OUTPUT], b[B_REASONING]
    prompt = b[B_INPUT] + cr + cw
    usd = 0.0
    if "cache_write_1h" in p:
        usd += cw1h * _rate(p["cache_write_1h"], band)
        prompt -= cw1h
        cw -= cw1h
    if "cache_write" in p:
        usd += cw * _rate(p["cache_write"], band)
        prompt -= cw
    if "cache_read" in p:
        usd += cr * _rate(p["cache_read"], band)
        prompt -= cr
    if "input" in p:
        usd += prompt * _rate(p["input"], band)
    if "reasoning" in p:
        usd += reasoning * _rate(p["reasoning"], band)
        out -= reasoning
    if "output" in p:
        usd += out * _rate(p["output"], band)
    return usd / 1e6


@dataclass
class PriceBook:
    """The price source plus overrides, with the rates looked up so far (saved in ``cache``)."""

    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    cache: Path | None = None
    version: str | None = None
    _rates: dict[str, Rates] = field(default_factory=dict)
    _dirty: bool = False

    def __post_init__(self) -> None:
        self.version = source_version()
        if self.cache is not None:
            self._load()

    @property
    def fingerprint(self) -> str:
        """Changes when the source's version or the overrides change (saved costs are then recomputed)."""
        import orjson

        blob = orjson.dumps([self.version, self.overrides], option=orjson.OPT_SORT_KEYS)
        return hashlib.sha1(blob).hexdigest()[:16]

    @property
    def source(self) -> str:
        name = f"{SOURCE} {self.version}" if self.version else "no price source installed"
        return name + (" + overrides" if self.overrides else "")

    def _load(self) -> None:
        import orjson

        assert self.cache is not None
        try:
            d = orjson.loads(self.cache.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return
        if isinstance(d, dict) and d.get("version") == CACHE_VERSION and d.get("fingerprint") == self.fingerprint:
            self._rates = dict(d.get("rates") or {})

    def save(self) -> None:
        """Write the rates looked up so far to the cache (when there is one and it changed)."""
        if self.cache is None or not self._dirty:
            return
        import orjson

        from journal.fsutil import atomic_write

        self.cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.cache, orjson.dumps({"version": CACHE_VERSION, "fingerprint": self.fingerprint,
                                               "source": self.source, "rates": self._rates}).decode())
        self._dirty = False

    def rates(self, model: str, provider: str | None) -> Rates:
        """The rates of ``model`` (None: unpriced), from the cache, the overrides and the source."""
        key = f"{provider or ''}/{model}"
        if key in self._rates:
            return self._rates[key]
        rates = self._compute(model, provider, set())
        self._rates[key] = rates
        self._dirty = True
        return rates

    def _compute(self, model: str, provider: str | None, seen: set[str]) -> Rates:
        over = self.overrides.get(model)
        if over is None:
            return lookup(model, provider) if model and model != UNKNOWN_MODEL else None
        seen.add(model)
        like = over.get("like")
        base = (None if like in seen else self._compute(like, provider, seen)) if like else (
            lookup(model, provider))
        own = {k: v for k, v in over.items() if k != "like"}
        if base is None:
            return [{"from": None, "hours": None, "p": own, "id": model, "provider": "overrides"}] if own else None
        return [dict(p, p={**p["p"], **own}) for p in base]

    def price(self, s: Summary) -> None:
        """Estimate the cost of ``s`` (unless its log records one): per bucket, per model, in total."""
        if s.cost.source == "log" or not s.buckets:
            return
        provider = PROVIDERS.get(s.format)
        if s.format == "zag":
            provider = {"claude": "anthropic", "codex": "openai", "gemini": "google",
                        "copilot": "github-copilot"}.get(str(s.extra.get("provider")))
        cost = Cost(estimated=True, source=self.source)
        by_model: dict[str, float] = {}
        unpriced: list[str] = []
        total, priced = 0.0, False
        for (model, slot, band), b in sorted(s.buckets.items()):  # (one order: the same sums every time)
            name = model or UNKNOWN_MODEL
            rates = self.rates(name, provider)
            tokens = any(b[:B_COST])
            if rates is None:
                b[B_COST] = 0.0
                if tokens and name not in unpriced:
                    unpriced.append(name)
                continue
            usd = bucket_cost(_resolve(rates, slot), band, b)
            b[B_COST] = usd
            by_model[name] = by_model.get(name, 0.0) + usd
            total += usd
            priced = True
        cost.usd = total if priced else None
        cost.by_model = by_model
        cost.unpriced = unpriced
        if self.version is None:
            cost.notes.append(f"{SOURCE} is not installed: only models priced in [prices] have a cost")
        if s.format == "copilot":
            cost.notes.append("Copilot bills premium requests; this is the usage at list prices")
        s.cost = cost


_default: PriceBook | None = None


def default_book() -> PriceBook:
    """The price source alone (no overrides, no cache on disk), one per process."""
    global _default
    if _default is None:
        _default = PriceBook()
    return _default


def book_for(overrides: dict[str, dict[str, Any]] | None, state_dir: Path | None) -> PriceBook:
    """The price book of a workspace: its ``[prices]`` overrides, its cache under ``state_dir``."""
    cache = state_dir / "prices.json" if state_dir is not None and os.access(state_dir.parent, os.W_OK) else None
    return PriceBook(overrides=dict(overrides or {}), cache=cache)
