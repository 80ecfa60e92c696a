"""The hook's stdlib-only workspace lookup finds the root the CLI's settings find."""
from __future__ import annotations

from pathlib import Path

import pytest

from journal.config import load_config
from journal.rootfind import find_root


def both(cwd: Path, root: str | None = None) -> tuple[str, str]:
    return find_root(root, str(cwd)), str(load_config(root, cwd=cwd).root)


def test_every_rule_of_the_lookup_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    deep = project / "sub" / "deep"
    deep.mkdir(parents=True)
    (project / ".git").mkdir()
    fast, full = both(deep)
    assert fast == full == str(project / "coordination")
    (project / "docs" / "coordination").mkdir(parents=True)
    fast, full = both(deep)
    assert fast == full == str(project / "docs" / "coordination")
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")  # no journal table
    assert both(deep)[0] == str(project / "docs" / "coordination")
    (project / "pyproject.toml").write_text('[tool.journal]\nroot = "journal-root"\n', encoding="utf-8")
    fast, full = both(deep)
    assert fast == full == str(project / "journal-root")
    (project / "sub" / ".journal.toml").write_text('root = "../elsewhere"\n', encoding="utf-8")
    fast, full = both(deep)
    assert Path(fast).resolve() == Path(full).resolve() == (project / "elsewhere").resolve()
    fast, full = both(deep, "relative/root")
    assert fast == full == str(deep / "relative" / "root")
    monkeypatch.setenv("JOURNAL_ROOT", str(tmp_path / "from-env"))
    fast, full = both(deep)
    assert fast == full == str(tmp_path / "from-env")
