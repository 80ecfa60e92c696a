"""JSON text of values to show or export: what orjson writes, with the standard library behind it.

A value read from a file may hold what journal never writes itself: an integer past 64 bits
(a hand-edited frontmatter), nesting past orjson's 255 levels (an event put on disk by hand).
orjson refuses those; the standard library writes them, and a value nested past Python's own
limit is shown as a note instead of stopping the command.
"""
from __future__ import annotations

from typing import Any


def show_json(value: Any, indent: bool = False) -> str:
    """``value`` as JSON text (two-space indented with ``indent``, else compact); keys that are
    not strings and values that are no JSON type are written as text."""
    import orjson

    try:
        return orjson.dumps(value, option=(orjson.OPT_INDENT_2 if indent else 0) | orjson.OPT_NON_STR_KEYS,
                            default=str).decode()
    except TypeError:  # (orjson.JSONEncodeError is one)
        import json

        try:
            return json.dumps(value, indent=2 if indent else None, default=str, ensure_ascii=False,
                              separators=None if indent else (",", ":"))
        except (RecursionError, ValueError):
            return "… (nested too deeply to show)"
