"""What every command shares: the workspace, the session, JSON output, stdin text.

No typer here: the fast path (journal.cli.fastpath) runs on these alone. The options
that commands declare with typer are in journal.cli.options."""
from __future__ import annotations

import os
import sys
from typing import Any, Literal, Optional, overload

from journal.errors import InvalidInput

_STATE: dict[str, Any] = {"root": None}


def set_root(root: Optional[str]) -> None:
    _STATE["root"] = root


def workspace():  # -> Workspace (import kept lazy for start-up time)
    """The workspace this run acts on; on the way, the journal merge driver is written into
    the repository's git config if it is missing (a read of one file when it is there), so
    that a plain ``git pull`` merges journal files by meaning too."""
    from journal.gitops import ensure_merge_driver
    from journal.workspace import Workspace

    ws = Workspace.open(_STATE["root"])
    if ws.exists():
        ensure_merge_driver(ws.git_root)
    _STATE["workspace"] = ws
    return ws


@overload
def session_id(value: Optional[str], required: Literal[True] = ...) -> str: ...
@overload
def session_id(value: Optional[str], required: bool) -> Optional[str]: ...
def session_id(value: Optional[str], required: bool = True) -> Optional[str]:
    """The session given by -s, else $JOURNAL_SESSION; an error when required and missing."""
    sid = value or os.environ.get("JOURNAL_SESSION") or None
    if sid is None and required:
        raise InvalidInput("no session given: pass -s ID or set $JOURNAL_SESSION")
    return sid


def read_text_arg(text: str, what: str = "text") -> str:
    """TEXT as given, or all of stdin when it is '-'."""
    if text == "-":
        data = sys.stdin.buffer.read(1_000_001)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidInput(f"{what} from stdin is not UTF-8") from e
        text = text.rstrip("\r\n")
    from journal.fsutil import check_text

    check_text(text, what)
    if not text.strip():
        raise InvalidInput(f"{what} is empty")
    return text


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout (see ``jsontext.show_json``)."""
    from journal.jsontext import show_json

    sys.stdout.write(show_json(data, indent=True))
    sys.stdout.write("\n")


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")
