"""Where the workspace is: the flag, $JOURNAL_ROOT, the nearest settings file, the git root.

The one search behind ``journal.config.load_config``, written with ``os.path`` alone:
``journal hook`` resolves the workspace on every tool call an agent makes, where
importing ``pathlib``, ``typing`` or ``dataclasses`` would cost more than the rest of
the hook. TOML is parsed only when a settings file can hold journal's table.
"""
from __future__ import annotations

import os

from journal.errors import InvalidInput, MalformedFile

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only
    from collections.abc import Mapping
    from typing import Any

SETTINGS_FILE = ".journal.toml"


def parents(start: str) -> list[str]:
    """``start`` and every folder above it, nearest first."""
    out = [start]
    while True:
        up = os.path.dirname(out[-1])
        if up == out[-1]:
            return out
        out.append(up)


def git_root(start: str) -> str | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a worktree file)."""
    for folder in parents(start):
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
    return None


def load_toml(path: str) -> dict[str, Any]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, ValueError) as e:
        raise MalformedFile(f"{path}: not valid TOML ({e})") from e


def find_settings(cwd: str) -> tuple[dict[str, Any], str] | None:
    """The nearest ``.journal.toml``, or ``pyproject.toml`` with a [tool.journal] table, and its path.

    A ``pyproject.toml`` that does not mention journal at all is passed over unparsed.
    """
    for folder in parents(cwd):
        own = os.path.join(folder, SETTINGS_FILE)
        if os.path.isfile(own):
            data = load_toml(own)
            table = data.get("journal", data)
            return (table if isinstance(table, dict) else data), own
        project = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(project) and _mentions_journal(project):
            tool = load_toml(project).get("tool", {})
            table = tool.get("journal") if isinstance(tool, dict) else None
            if isinstance(table, dict):
                return table, project
    return None


def _mentions_journal(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return b"journal" in f.read()
    except OSError:
        return True  # let the parser report it


def resolve_root(root: str | None, cwd: str, found: tuple[dict[str, Any], str] | None,
                 env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(the workspace root as an absolute path, where it came from), first match winning:
    ``root``, $JOURNAL_ROOT, ``root`` in the settings ``found``, ``coordination/`` or
    ``docs/coordination/`` at the git root (at ``cwd`` outside git)."""
    env = os.environ if env is None else env
    if root is not None:
        resolved, source = str(root), "--root"
    elif env.get("JOURNAL_ROOT"):
        resolved, source = env["JOURNAL_ROOT"], "$JOURNAL_ROOT"
    elif found and "root" in found[0]:
        value = found[0]["root"]
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"{found[1]}: setting 'root' must be a path")
        resolved, source = os.path.join(os.path.dirname(found[1]), value), found[1]
        inside_repository(resolved, os.path.dirname(found[1]), f"setting 'root' in {found[1]}")
    else:
        base = git_root(cwd) or cwd
        resolved, source = os.path.join(base, "coordination"), "default"
        docs = os.path.join(base, "docs", "coordination")
        if not os.path.isdir(resolved) and os.path.isdir(docs):
            resolved = docs
        inside_repository(resolved, base, "the default workspace")
    if not os.path.isabs(resolved):
        resolved = os.path.join(cwd, resolved)
    return os.path.abspath(resolved), source


def inside_repository(root: str, folder: str, what: str) -> None:
    """A root read from a file in the repository (or the default one, which a clone may bring
    as a link) must resolve inside that repository; only --root and $JOURNAL_ROOT, the
    user's own choice, may point elsewhere."""
    repo = git_root(folder) or folder
    real_repo = os.path.realpath(repo)
    real_root = os.path.realpath(root)
    if real_root != real_repo and not real_root.startswith(real_repo.rstrip(os.sep) + os.sep):
        raise InvalidInput(f"{what} resolves to {real_root}, outside the repository {repo}; "
                           "only --root or $JOURNAL_ROOT may point elsewhere")


def find_root(root: str | None = None, cwd: str | None = None,
              env: Mapping[str, str] | None = None) -> str:
    """The workspace root the CLI would use from ``cwd`` (default: the current folder)."""
    cwd = cwd or os.getcwd()
    env = os.environ if env is None else env
    found = None
    if root is None and not env.get("JOURNAL_ROOT"):
        found = find_settings(cwd)
    return resolve_root(root, cwd, found, env)[0]
