"""A problem that ``check`` reports: where it is, what kind, what is wrong, whether it was fixed."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Problem:
    """One problem in one file; ``fixed`` tells whether ``check --fix`` repaired it.

    ``kind`` names the family (``session``, ``knowledge``, ``temp-file`` for session logs
    and shared knowledge; ``torn``, ``garbage``, ``seq``… for event logs).
    """

    path: str
    line: int | None
    kind: str
    message: str
    fixed: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}{' (fixed)' if self.fixed else ''}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
