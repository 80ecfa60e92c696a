"""Settings: flag, then environment, then the nearest .journal.toml / [tool.journal], then defaults."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput, MalformedFile

DEFAULT_STATUSES = ("planning", "building", "testing", "blocked", "review", "done")
_KNOWN_KEYS = {"root", "statuses", "stale_hours", "auto_commit", "editor"}


@dataclass(frozen=True)
class Config:
    """Settings of one workspace, parsed once."""

    root: Path
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    stale_hours: float = 24.0
    auto_commit: bool = False
    editor: str | None = None  # for `journal edit` when $VISUAL and $EDITOR are unset
    source: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)


def find_git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a worktree file)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, ValueError) as e:
        raise MalformedFile(f"{path}: not valid TOML ({e})") from e


def _find_settings(cwd: Path) -> tuple[dict[str, Any], Path] | None:
    """The nearest ``.journal.toml`` or ``pyproject.toml`` with a [tool.journal] table."""
    for folder in (cwd, *cwd.parents):
        own = folder / ".journal.toml"
        if own.is_file():
            data = _load_toml(own)
            return data.get("journal", data), own
        project = folder / "pyproject.toml"
        if project.is_file():
            data = _load_toml(project).get("tool", {}).get("journal")
            if isinstance(data, dict):
                return data, project
    return None


def _parse(settings: dict[str, Any], origin: Path) -> dict[str, Any]:
    unknown = set(settings) - _KNOWN_KEYS
    if unknown:
        raise InvalidInput(f"{origin}: unknown setting {sorted(unknown)[0]!r}")
    out: dict[str, Any] = {}
    if "statuses" in settings:
        extra = settings["statuses"]
        if not isinstance(extra, list) or not all(isinstance(s, str) and s.strip() for s in extra):
            raise InvalidInput(f"{origin}: setting 'statuses' must be a list of names")
        out["statuses"] = tuple(dict.fromkeys([*DEFAULT_STATUSES, *(s.strip().lower() for s in extra)]))
    if "stale_hours" in settings:
        value = settings["stale_hours"]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise InvalidInput(f"{origin}: setting 'stale_hours' must be a positive number")
        out["stale_hours"] = float(value)
    if "auto_commit" in settings:
        if not isinstance(settings["auto_commit"], bool):
            raise InvalidInput(f"{origin}: setting 'auto_commit' must be true or false")
        out["auto_commit"] = settings["auto_commit"]
    if "editor" in settings:
        if not isinstance(settings["editor"], str) or not settings["editor"].strip():
            raise InvalidInput(f"{origin}: setting 'editor' must be a command, e.g. \"nano\"")
        out["editor"] = settings["editor"].strip()
    return out


def load_config(root: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Resolve the workspace root and settings, in order of precedence."""
    cwd = (cwd or Path.cwd()).resolve()
    found = _find_settings(cwd)
    parsed = _parse(*found) if found else {}
    if root is not None:
        resolved, source = Path(root), "--root"
    elif os.environ.get("JOURNAL_ROOT"):
        resolved, source = Path(os.environ["JOURNAL_ROOT"]), "$JOURNAL_ROOT"
    elif found and "root" in found[0]:
        value = found[0]["root"]
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"{found[1]}: setting 'root' must be a path")
        resolved, source = found[1].parent / value, str(found[1])
        _inside_repository(resolved, found[1].parent, f"setting 'root' in {found[1]}")
    else:
        base = find_git_root(cwd) or cwd
        resolved, source = base / "coordination", "default"
        if not resolved.is_dir() and (base / "docs" / "coordination").is_dir():
            resolved = base / "docs" / "coordination"
        _inside_repository(resolved, base, "the default workspace")
    if not resolved.is_absolute():
        resolved = cwd / resolved
    return Config(root=Path(os.path.abspath(resolved)), source=source, **parsed)


def _inside_repository(root: Path, folder: Path, what: str) -> None:
    """A root read from a file in the repository (or the default one, which a clone may bring
    as a link) must resolve inside that repository; only --root and $JOURNAL_ROOT, the
    user's own choice, may point elsewhere."""
    repo = find_git_root(folder) or folder
    real_repo = os.path.realpath(repo)
    real_root = os.path.realpath(root)
    if real_root != real_repo and not real_root.startswith(real_repo.rstrip(os.sep) + os.sep):
        raise InvalidInput(f"{what} resolves to {real_root}, outside the repository {repo}; "
                           "only --root or $JOURNAL_ROOT may point elsewhere")
