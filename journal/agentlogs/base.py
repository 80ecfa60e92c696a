"""What every reader shares: the record-by-record interface and its state."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from journal.agentlogs.model import Event


class Reader:
    """Turns one log's records into normalized events, record by record.

    ``feed`` is called for each parsed JSON line in order; ``finish`` once at the
    end (it must not change the reader: it may run again after more lines).
    ``dump``/``load`` carry the resumable state between runs.
    """

    format: ClassVar[str] = ""
    whole_document: ClassVar[bool] = False      # a single JSON document, not JSONL
    unanswered_fail: ClassVar[bool] = True      # a tool call with no result is a failure
    # A cheap byte test: False means the line cannot matter (its timestamp is still used).
    prefilter: ClassVar[Callable[[bytes], bool] | None] = None

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        """True when the first parsed records look like this format."""
        return False

    unknown: int = 0  # records of a type this reader does not know (counted as skipped)

    def feed(self, rec: Any) -> Iterable[Event]:
        return ()

    def finish(self) -> Iterable[Event]:
        return ()

    def dump(self) -> dict[str, Any]:
        return {}

    def load(self, state: dict[str, Any]) -> None:
        pass


def text_of(content: Any) -> str | None:
    """The text of a message's content (a string or a list of text blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [t for b in content if isinstance(b, dict) for t in (b.get("text"),) if isinstance(t, str)]
        return "\n".join(parts) if parts else None
    return None


def as_dict(v: Any) -> dict[str, Any]:
    """``v`` if it is a JSON object, else an empty one (logs hold what they like)."""
    return v if isinstance(v, dict) else {}


def as_list(v: Any) -> list[Any]:
    """``v`` if it is a JSON array, else an empty one."""
    return v if isinstance(v, list) else []


def as_int(v: Any) -> int:
    """A token count from a log: a whole number of zero or more, else 0 (a float, a string, a
    negative number: no count a peer would add up)."""
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else 0
