"""journal: a Markdown-first session journal and coordination kit.

The library works on its own; the CLI (``journal.cli``) is a thin layer over it.
"""
from __future__ import annotations

__version__ = "0.2.0"
SCHEMA_VERSION = 1

__all__ = ["__version__", "SCHEMA_VERSION"]
