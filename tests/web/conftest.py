"""Fixtures of the web tests: the demo workspace (see tests/web_demo.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from web_demo import NOW, build_demo


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo workspace at tmp_path/shop/coordination; the clock pinned at NOW; cwd is tmp_path/out."""
    monkeypatch.setenv("JOURNAL_NOW", NOW)
    ws = build_demo(tmp_path / "shop")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    monkeypatch.setenv("JOURNAL_ROOT", str(ws.root))
    return ws
