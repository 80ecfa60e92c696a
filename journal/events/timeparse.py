"""Times given by users: ISO 8601 timestamps and relative forms (2h, 30m, 3d, yesterday, today)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from journal.errors import InvalidInput

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|wk|weeks?)(?:\s+ago)?$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600,
          "d": 86400, "day": 86400, "days": 86400, "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800}


def parse_time(value: str, now: datetime | None = None) -> datetime:
    """A timezone-aware UTC datetime for ``value``; InvalidInput names the value otherwise.

    ``today`` and ``yesterday`` are midnight UTC; a bare date is midnight UTC; an ISO
    timestamp without an offset is taken as UTC.
    """
    text = value.strip().lower()
    now = now or datetime.now(timezone.utc)
    if text == "now":
        return now
    if text in ("today", "yesterday"):
        midnight = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight if text == "today" else midnight - timedelta(days=1)
    m = _RELATIVE.match(text)
    if m:
        return now - timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])
    iso = value.strip()
    if iso.endswith(("Z", "z")):
        iso = iso[:-1] + "+00:00"
    # Python 3.10's fromisoformat accepts only 3 or 6 fraction digits: pad or cut to 6.
    iso = re.sub(r"\.(\d+)", lambda f: "." + (f.group(1) + "000000")[:6], iso, count=1)
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        raise InvalidInput(
            f"cannot read time {value!r}: use ISO 8601 (2026-01-31T12:00:00Z) or 30m, 2h, 3d, today, yesterday"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)
