"""Files journal writes outside its workspace, for agent CLIs — an explicit allow-list:

- an agent CLI's hook settings (``journal hook install``): the file ``hooks.settings_path``
  names, merged by ``hooks.install_settings``;
- instruction files (``journal init --agent-instructions``): ``CLAUDE.md``, ``AGENTS.md``,
  ``GEMINI.md``, ``.github/copilot-instructions.md``, where journal owns one marked block;
- the environment file Claude Code hands its SessionStart hooks (``$CLAUDE_ENV_FILE``),
  which gets ``export JOURNAL_SESSION=<id>`` so the agent's shell commands act in its session.

None of them is ever written through a symlink: the write is refused with one line
naming the link (``fsutil.refuse_symlinks``).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput, MalformedFile

INSTRUCTION_FILES = {"claude": "CLAUDE.md", "agents": "AGENTS.md", "gemini": "GEMINI.md",
                     "copilot": ".github/copilot-instructions.md"}
BLOCK_START = "<!-- journal:agent-instructions:start (kept up to date by `journal init --agent-instructions`) -->"
BLOCK_END = "<!-- journal:agent-instructions:end -->"
_START = re.compile(r"^<!-- journal:agent-instructions:start\b.*-->[ \t]*$")
_END = re.compile(r"^<!-- journal:agent-instructions:end\b.*-->[ \t]*$")


# -- instruction files ----------------------------------------------------------------------
def instruction_block(nl: str = "\n") -> str:
    """The marked block journal keeps in an instruction file (ends with a line break)."""
    from journal.templates import packaged

    body = packaged("agent-instructions.md").rstrip("\n")
    return nl.join([BLOCK_START, *body.split("\n"), BLOCK_END]) + nl


def agent_guide() -> str:
    """The workflow guide for agents (the MCP server's ``journal://guide`` resource)."""
    from journal.templates import packaged

    return packaged("agent-guide.md")


def parse_targets(names: str | list[str]) -> list[str]:
    """Instruction-file names from ``claude,agents,gemini,copilot`` (``all`` for every one)."""
    items = names.split(",") if isinstance(names, str) else [n for part in names for n in part.split(",")]
    wanted = [n.strip().lower() for n in items if n.strip()]
    if not wanted:
        raise InvalidInput(f"no instruction file named: use {', '.join(INSTRUCTION_FILES)} or all")
    if "all" in wanted:
        return list(INSTRUCTION_FILES)
    unknown = [n for n in wanted if n not in INSTRUCTION_FILES]
    if unknown:
        raise InvalidInput(f"unknown instruction file {unknown[0]!r}: use {', '.join(INSTRUCTION_FILES)} or all")
    return list(dict.fromkeys(wanted))


def merge_block(existing: str | None, where: str) -> str:
    """``existing`` text with journal's block put in place (between its markers) or added at
    the end; every byte outside the block is kept. A new file is the block alone."""
    if existing is None or existing == "":
        return instruction_block()
    nl = "\r\n" if "\r\n" in existing else "\n"
    block = instruction_block(nl)
    lines = existing.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _START.match(line.rstrip("\r\n"))]
    ends = [i for i, line in enumerate(lines) if _END.match(line.rstrip("\r\n"))]
    if not starts and not ends:
        tail = existing if existing.endswith(("\n", "\r")) else existing + nl
        return tail + ("" if tail.endswith(nl + nl) else nl) + block
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise MalformedFile(f"{where}: journal's instruction block markers are broken "
                            f"({len(starts)} start and {len(ends)} end markers); fix them by hand")
    after = lines[ends[0]]
    ending = after[len(after.rstrip("\r\n")):]
    replaced = block if ending else block[: -len(nl)]
    return "".join(lines[: starts[0]]) + replaced + "".join(lines[ends[0] + 1:])


@dataclass(frozen=True)
class FileChange:
    """A file journal writes outside its workspace, and what writing it changes."""

    path: Path
    text: str
    changed: bool
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "changed": self.changed, "created": self.created}


def plan_instructions(project: Path, names: list[str]) -> list[FileChange]:
    """What writing the instruction block into each named file would do; raises before
    anything is written when one of them cannot be (a symlink, broken markers)."""
    from journal.fsutil import read_text, refuse_symlinks

    plan = []
    for name in names:
        path = project / INSTRUCTION_FILES[name]
        refuse_symlinks(path, project)
        existing = read_text(path) if path.is_file() else None
        if path.exists() and not path.is_file():
            raise InvalidInput(f"{path} is not a file")
        text = merge_block(existing, str(path))
        plan.append(FileChange(path, text, text != existing, existing is None))
    return plan


def write_changes(changes: list[FileChange], base: Path) -> None:
    from journal.fsutil import write_outside

    for change in changes:
        if change.changed:
            write_outside(change.path, change.text, base)


# -- hook settings --------------------------------------------------------------------------
def default_command(cli: str) -> str:
    return f"journal hook {cli}"


def plan_hook_install(cli: str, scope: str, project: Path, home: Path,
                      env: dict[str, str] | None = None, command: str | None = None,
                      uninstall: bool = False) -> tuple[FileChange, Path]:
    """The settings file of ``cli`` at ``scope`` with journal's hooks merged in (or taken
    out), and the folder it is checked against for symlinks."""
    from journal.fsutil import read_text, refuse_symlinks
    from journal.hooks import install_settings, settings_path

    env = dict(os.environ) if env is None else env
    path = settings_path(cli, scope, project, home, env)
    base = project if scope == "project" else home
    try:
        path.relative_to(base)
    except ValueError:  # $CODEX_HOME / $COPILOT_HOME elsewhere
        base = path.parent
    refuse_symlinks(path, base)
    if path.exists() and not path.is_file():
        raise InvalidInput(f"{path} is not a file")
    existing = read_text(path) if path.is_file() else None
    text = install_settings(cli, existing, command or default_command(cli), uninstall=uninstall)
    if existing is None and uninstall:
        return FileChange(path, "", False, False), base
    return FileChange(path, text, text != existing, existing is None), base


def install_hooks(cli: str, scope: str, project: Path, home: Path, env: dict[str, str] | None = None,
                  command: str | None = None, uninstall: bool = False) -> dict[str, Any]:
    """Merge journal's hook entries into ``cli``'s settings file (``uninstall``: take them
    out); a second run changes nothing. Returns the path and whether it changed."""
    change, base = plan_hook_install(cli, scope, project, home, env, command, uninstall)
    write_changes([change], base)
    return {"cli": cli, "scope": scope, "uninstall": uninstall, **change.as_dict()}


# -- the session environment of Claude Code ---------------------------------------------------
def export_session(env_file: str, session_id: str) -> bool:
    """Append ``export JOURNAL_SESSION=<id>`` to the file Claude Code sources before each of
    the agent's shell commands, unless that line is its last word already."""
    from journal.fsutil import refuse_symlinks
    from journal.ids import validate_id

    validate_id(session_id)
    path = Path(env_file)
    refuse_symlinks(path, path.parent)
    line = f"export JOURNAL_SESSION={session_id}\n"
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    exports = [x for x in current.splitlines() if x.startswith("export JOURNAL_SESSION=")]
    if exports and exports[-1] + "\n" == line:
        return False
    with open(path, "a", encoding="utf-8") as f:
        f.write(("" if not current or current.endswith("\n") else "\n") + line)
    return True
