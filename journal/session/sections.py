"""The sections of a session log: their headings, aliases and entry formats."""
from __future__ import annotations

from dataclasses import dataclass

CURRENT_WORK = ("Current Work",)
COMPLETED = ("Completed Today", "Completed Work", "Completed")
SERVICES = ("Services Built/Modified", "Services Built", "Services")
LEARNINGS = ("Learnings & Discoveries", "Learnings")
BLOCKERS = ("Blockers & Issues", "Blockers")
COORDINATION = ("Coordination",)
NEXT_STEPS = ("Next Steps",)
MACHINE_LOGS = ("Machine Logs",)

# The template's sections, in the seed's order; `check` expects each of them.
REQUIRED = (CURRENT_WORK, COMPLETED, SERVICES, LEARNINGS, BLOCKERS, COORDINATION, NEXT_STEPS)

MESSAGES_SENT = "Messages Sent"
MESSAGES_RECEIVED = "Messages Received"
COLLABORATIONS = "Collaborations"
HANDOFFS = "Handoffs"
PHASE_LABEL = "Current Phase"


@dataclass(frozen=True)
class EntryKind:
    """How `journal add SECTION` writes into a section."""

    name: str
    headings: tuple[str, ...]
    prefix: str = "- "
    label: str | None = None  # a **Label:** list inside the section
    dated_label: bool = False  # group entries under **YYYY-MM-DD:**
    dated_text: bool = False  # start the entry with **YYYY-MM-DD:**
    event_type: str = "state_change"


ENTRY_KINDS = {
    "completed": EntryKind("completed", COMPLETED, prefix="- [x] ", dated_label=True),
    "service": EntryKind("service", SERVICES),
    "learning": EntryKind("learning", LEARNINGS, dated_text=True, event_type="decision"),
    "blocker": EntryKind("blocker", BLOCKERS, prefix="- [ ] ", dated_text=True, event_type="commitment"),
    "next": EntryKind("next", NEXT_STEPS, prefix="- [ ] "),
    "collaboration": EntryKind("collaboration", COORDINATION, label=COLLABORATIONS),
}
ENTRY_ALIASES = {
    "completed-today": "completed", "done": "completed", "services": "service",
    "learnings": "learning", "blockers": "blocker", "next-steps": "next", "next-step": "next",
    "collaborations": "collaboration",
}

# Names accepted by `show --section` and `grep --section` besides literal headings.
SECTION_NAMES = {
    "current": CURRENT_WORK, "current-work": CURRENT_WORK, "completed": COMPLETED,
    "service": SERVICES, "services": SERVICES, "learning": LEARNINGS, "learnings": LEARNINGS,
    "blocker": BLOCKERS, "blockers": BLOCKERS, "coordination": COORDINATION,
    "next": NEXT_STEPS, "next-steps": NEXT_STEPS, "machine-logs": MACHINE_LOGS, "logs": MACHINE_LOGS,
}


def headings_for(name: str) -> tuple[str, ...]:
    """Headings a section name may refer to (a known alias, else the name itself)."""
    return SECTION_NAMES.get(name.strip().lower(), (name,))
