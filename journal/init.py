"""``journal init``: lay out a workspace, idempotently, never overwriting a file."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from journal.fsutil import atomic_write, locked, make_dirs
from journal.templates import DEFAULT_TEMPLATE, packaged, render
from journal.workspace import KNOWLEDGE_KINDS, STATE_DIR, Workspace

_KNOWLEDGE_TEXT = {
    "learnings": ("Learnings", "What sessions discovered, shared for every other session."),
    "best-practices": ("Best Practices", "Approaches proven in practice."),
    "patterns": ("Patterns", "Reusable solutions."),
    "troubleshooting": ("Troubleshooting", "Common problems and how they were solved."),
}
# The lines the workspace's own git files need (``journal sync`` adds missing ones to older workspaces).
IGNORE_LINES = (f"{STATE_DIR}/", ".*.tmp", "*.lock")
ATTRIBUTE_LINES = (
    "shared-knowledge/*.md merge=union",
    "sessions/ACTIVE/*.md merge=journal",
    "sessions/ARCHIVE/*.md merge=journal",
    "events/*.jsonl merge=journal",
    "events/*.jsonl.gz merge=journal -diff",
)
GITATTRIBUTES = (
    "# Written by journal: shared-knowledge files are append-only, so a union merge never conflicts;\n"
    "# session logs and event logs merge by their meaning (the journal merge driver, which every\n"
    "# journal command writes into the repository's git config when it is missing).\n"
    + "".join(f"{line}\n" for line in ATTRIBUTE_LINES)
)
GITIGNORE = (
    "# Local state of journal (locks, caches) and temp files of writes in progress (or cut short\n"
    "# by a crash): never committed.\n"
    + "".join(f"{line}\n" for line in IGNORE_LINES)
)


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
    if created:
        from journal.gitops import ensure_merge_driver

        ensure_merge_driver(ws.git_root)
    return created


def init_with_instructions(ws: Workspace, names: list[str], project: Path) -> tuple[list[Path], list[Any]]:
    """``init_workspace``, then journal's block in each named agent instruction file under
    ``project`` (see ``journal.agentsetup``). Every file is checked first: a name, link or
    broken block that would stop one of them stops all of it, before anything is written."""
    from journal.agentsetup import parse_targets, plan_instructions, write_changes

    plan = plan_instructions(project, parse_targets(names))
    created = init_workspace(ws)
    write_changes(plan, project)
    return created, plan
