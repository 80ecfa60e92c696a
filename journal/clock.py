"""The one clock: the current time (pinned by $JOURNAL_NOW for tests and replays), and the
parsing and formatting of every time the journal reads or writes."""
from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta, timezone

from journal.errors import InvalidInput

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|wk|weeks?)(?:\s+ago)?$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600,
          "d": 86400, "day": 86400, "days": 86400, "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800}
_FRACTION = re.compile(r"\.(\d+)")
WHEN_HELP = "ISO 8601 (2026-01-31T12:00:00Z), a date, or 30m, 2h, 3d, 1w, today, yesterday"


def now() -> datetime:
    """Aware UTC now, or the instant in $JOURNAL_NOW."""
    fixed = os.environ.get("JOURNAL_NOW")
    if fixed:
        return parse_time(fixed, "$JOURNAL_NOW")
    return datetime.now(timezone.utc)


def pinned_ms() -> int | None:
    """$JOURNAL_NOW in milliseconds since the epoch, or None when the clock is not pinned."""
    if not os.environ.get("JOURNAL_NOW"):
        return None
    return int(now().timestamp() * 1000)


def parse_time(value: str, what: str = "time") -> datetime:
    """An ISO 8601 time or date as an aware UTC datetime; naive times are taken as UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.10's fromisoformat accepts only 3 or 6 fraction digits: pad or cut to 6.
    text = _FRACTION.sub(lambda f: "." + (f.group(1) + "000000")[:6], text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as e:
        raise InvalidInput(f"{what} {value!r} is not an ISO 8601 time") from e
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def parse_when(value: str, what: str = "time") -> datetime:
    """A time a user gives (``--since``, ``--until``): ISO 8601, a date, or relative to now()
    (``30m``, ``2h``, ``3d``, ``1w``, ``2h ago``, ``now``, ``today``, ``yesterday``; midnight UTC)."""
    text = value.strip().lower()
    current = now()
    if text == "now":
        return current
    if text in ("today", "yesterday"):
        midnight = current.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight if text == "today" else midnight - timedelta(days=1)
    m = _RELATIVE.match(text)
    if m:
        try:
            return current - timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])
        except OverflowError:  # (before the year 1)
            raise InvalidInput(f"{what} {value!r} is too far back: times start at the year 1") from None
    try:
        return parse_time(value, what)
    except InvalidInput:
        raise InvalidInput(f"cannot read {what} {value!r}: use {WHEN_HELP}") from None


def iso(moment: datetime | None = None) -> str:
    """Seconds-precision ISO 8601 UTC, e.g. 2026-11-21T22:45:00Z (frontmatter times)."""
    moment = moment or now()
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(moment: datetime) -> str:
    """Fixed-width ISO 8601 UTC with microseconds (event times: the strings sort)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_micro() -> str:
    """now() as ``iso_micro``, without building a datetime on the unpinned hot path."""
    if os.environ.get("JOURNAL_NOW"):
        return iso_micro(now())
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1_000_000):06d}Z"


def today() -> str:
    return now().strftime("%Y-%m-%d")


def as_datetime(value: object) -> datetime | None:
    """A frontmatter value (str or datetime from YAML) as an aware datetime, or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and value:
        try:
            return parse_time(value)
        except InvalidInput:
            return None
    return None


def age_hours(value: object, at: datetime) -> float | None:
    """Hours from the time ``value`` (ISO 8601 or a datetime) to ``at``, or None."""
    moment = as_datetime(value)
    return None if moment is None else (at - moment).total_seconds() / 3600
