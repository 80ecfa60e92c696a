"""The current time, overridable with $JOURNAL_NOW (ISO 8601) for tests and replays."""
from __future__ import annotations

import os
from datetime import datetime, timezone

from journal.errors import InvalidInput


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
    """Parse an ISO 8601 time; naive times are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise InvalidInput(f"{what} {value!r} is not an ISO 8601 time") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def iso(moment: datetime | None = None) -> str:
    """Seconds-precision ISO 8601 UTC, e.g. 2026-11-21T22:45:00Z."""
    moment = moment or now()
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def today() -> str:
    return now().astimezone(timezone.utc).strftime("%Y-%m-%d")


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
