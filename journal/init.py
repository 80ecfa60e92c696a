"""``journal init``: lay out a workspace, idempotently, never overwriting a file."""
from __future__ import annotations

from pathlib import Path

from journal.fsutil import atomic_write, locked, make_dirs
from journal.templates import DEFAULT_TEMPLATE, packaged, render
from journal.workspace import KNOWLEDGE_KINDS, STATE_DIR, Workspace

_KNOWLEDGE_TEXT = {
    "learnings": ("Learnings", "What sessions discovered, shared for every other session."),
    "best-practices": ("Best Practices", "Approaches proven in practice."),
    "patterns": ("Patterns", "Reusable solutions."),
    "troubleshooting": ("Troubleshooting", "Common problems and how they were solved."),
}
GITATTRIBUTES = (
    "# Written by journal: shared-knowledge files are append-only, so a union merge never conflicts.\n"
    "shared-knowledge/*.md merge=union\n"
)
GITIGNORE = f"# Local state of journal (locks, caches): never committed.\n{STATE_DIR}/\n"


def _write_new(ws: Workspace, path: Path, text: str, created: list[Path]) -> None:
    if path.exists() or path.is_symlink():
        return
    with locked(ws.lock_path(path)):  # a temp file of this write is known to be live while it runs
        if not path.exists():
            atomic_write(path, text)
            created.append(path)


def init_workspace(ws: Workspace) -> list[Path]:
    """Create every folder and file of the workspace that is missing; return those created."""
    created: list[Path] = []
    for folder in (ws.active_dir, ws.archive_dir, ws.knowledge_dir, ws.events_dir):
        if not folder.is_dir():
            make_dirs(folder)
            created.append(folder)
    for folder in (ws.archive_dir, ws.events_dir, ws.active_dir):
        keep = folder / ".gitkeep"
        _write_new(ws, keep, "", created)
    _write_new(ws, ws.template_path, packaged(DEFAULT_TEMPLATE), created)
    knowledge_template = packaged("knowledge.md")
    for kind in KNOWLEDGE_KINDS:
        title, description = _KNOWLEDGE_TEXT[kind]
        text = render(knowledge_template, "knowledge.md", title=title, description=description)
        _write_new(ws, ws.knowledge_path(kind), text, created)
    _write_new(ws, ws.root / ".gitattributes", GITATTRIBUTES, created)
    _write_new(ws, ws.root / ".gitignore", GITIGNORE, created)
    return created
