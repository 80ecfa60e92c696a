"""Coordination between sessions: messages, inboxes, the board, handoffs and the resume briefing.

Each session writes only its own log; everything here that spans sessions is computed
from every log through the cached view in ``journal.coordination.view``.
"""
