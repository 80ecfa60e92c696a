"""What the Typer app hands the fast path for a command line, for tests that compare the two parses."""
from __future__ import annotations

import inspect
from typing import Any

import pytest

from journal.cli import common, fastpath


def through_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, Any]]:
    """The fast-path function the Typer app calls for ``args``, with what it hands over (nothing runs)."""
    from typer.testing import CliRunner

    from journal.cli.main import build_app

    calls: list[tuple[Any, dict[str, Any]]] = []
    for grammar in fastpath._GRAMMARS.values():
        name = grammar.run.__name__
        real = getattr(fastpath, name)
        names = list(inspect.signature(real).parameters)
        monkeypatch.setattr(fastpath, name, lambda *values, real=real, names=names: calls.append((real, dict(zip(names, values)))))
    monkeypatch.setitem(common._STATE, "root", None)
    result = CliRunner().invoke(build_app(args), args)
    assert result.exit_code == 0, result.output
    [(command, kwargs)] = calls
    return command, {**kwargs, "root": common._STATE["root"]}
