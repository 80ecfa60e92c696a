"""A problem that ``check`` reports: where it is, what kind, what is wrong, whether it was fixed."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


# what check says of a symbolic link where journal keeps its files (a pull may bring one)
LINK_REFUSED = ("a symbolic link: journal never reads or writes through one "
                "(replace it with the file it points to, or remove it)")
# what check says of a FIFO, folder or device where journal keeps a file
NOT_REGULAR = "not a regular file: journal reads and writes only regular files"


@dataclass
class Problem:
    """One problem in one file; ``fixed`` tells whether ``check --fix`` repaired it.

    ``kind`` names the family (``session``, ``knowledge``, ``temp-file``, ``edited`` for
    session logs and shared knowledge; ``torn``, ``garbage``, ``seq``… for event logs). A
    ``note`` (an entry edited by hand since its event, a legacy reference) does not fail ``check``.
    """

    path: str
    line: int | None
    kind: str
    message: str
    fixed: bool = False
    note: bool = False  # worth knowing, not wrong: check still passes

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{'note: ' if self.note else ''}{where}: {self.message}{' (fixed)' if self.fixed else ''}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
