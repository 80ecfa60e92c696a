"""Settings: flag, then environment, then the nearest .journal.toml / [tool.journal], then defaults."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import rootfind
from journal.errors import InvalidInput

DEFAULT_STATUSES = ("planning", "building", "testing", "blocked", "review", "done")
_KNOWN_KEYS = {"root", "statuses", "stale_hours", "auto_commit", "editor", "prices"}


@dataclass(frozen=True)
class Config:
    """Settings of one workspace, parsed once."""

    root: Path
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    stale_hours: float = 24.0
    auto_commit: bool = False
    editor: str | None = None  # for `journal edit` when $VISUAL and $EDITOR are unset
    # [prices."model"]: USD per million tokens that replace or add to the price source's
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)


def find_git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a worktree file)."""
    found = rootfind.git_root(str(start))
    return None if found is None else Path(found)


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
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < float("inf"):
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
    if "prices" in settings:
        out["prices"] = check_prices(settings["prices"], str(origin))
    return out


# USD per million tokens of each figure (see journal.agentlogs.prices)
PRICE_KEYS = ("input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning")


def check_prices(prices: Any, origin: str) -> dict[str, dict[str, Any]]:
    """The ``[prices]`` table, checked: model -> {key: USD per million tokens, like: model name}."""
    if not isinstance(prices, dict):
        raise InvalidInput(f"{origin}: setting 'prices' must be a table of models, e.g. [prices.\"my-model\"]")
    out: dict[str, dict[str, Any]] = {}
    for model, table in prices.items():
        where = f"{origin}: setting 'prices.\"{model}\"'"
        if not isinstance(table, dict) or not table:
            raise InvalidInput(f"{where} must be a table of prices (USD per million tokens), e.g. input = 3.0")
        entry: dict[str, Any] = {}
        for key, value in table.items():
            if key == "like":
                if not isinstance(value, str) or not value.strip():
                    raise InvalidInput(f"{where}: 'like' must be a model name")
                entry["like"] = value.strip()
            elif key in PRICE_KEYS:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                    raise InvalidInput(f"{where}: '{key}' must be a number of USD per million tokens, 0 or more")
                entry[key] = float(value)
            else:
                raise InvalidInput(f"{where}: unknown key {key!r} (expected like, {', '.join(PRICE_KEYS)})")
        out[str(model)] = entry
    return out


def load_config(root: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Resolve the workspace root and settings, in order of precedence (see ``journal.rootfind``)."""
    cwd = (cwd or Path.cwd()).resolve()
    found = rootfind.find_settings(str(cwd))
    parsed = _parse(found[0], Path(found[1])) if found else {}
    resolved, source = rootfind.resolve_root(None if root is None else str(root), str(cwd), found)
    return Config(root=Path(resolved), source=source, **parsed)
