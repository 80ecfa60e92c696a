"""The journal outside the terminal: pages of the workspace as plain data (``pages``), their
HTML (``html``: the packaged templates, Markdown without raw HTML, the usage chart), a
redacted export of one session (``export``) and the local web board (``server``, which
needs the ``web`` extra).

Everything shown here was written by teammates and agents, so it is treated as hostile:
templates autoescape, Markdown never passes raw HTML, and secrets are redacted before
anything is rendered.
"""
from __future__ import annotations
