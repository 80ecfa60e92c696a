"""The fast path for --version, add and create: the same arguments as Typer's parser, or none at all."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastpath_typer import through_typer

from journal.cli import fastpath

PLAIN = [
    ["add", "completed", "text"],
    ["add", "-s", "s1", "completed", "Deployed it"],
    ["add", "completed", "--session", "s1", "-"],
    ["add", "-s", "", "next", ""],
    ["--root", "elsewhere", "add", "completed", "-s", "s1", "x"],
    ["--debug", "--root", "r", "add", "blocker", "waiting"],
    ["create"],
    ["create", "s2"],
    ["create", "s2", "DevOps Engineer", "Deploy it"],
    ["create", "--json", "s2", "--agent", "claude-code", "Dev", "--model", "m1", "Ship"],
    ["--root", "r", "create", "--agent", "a", "--json"],
]

LEFT_TO_TYPER = [
    [], ["--help"], ["add", "--help"], ["create", "--help"], ["--version", "add"], ["--root", "r", "--version"],
    ["add"], ["add", "completed"], ["add", "completed", "x", "extra"], ["add", "-s"], ["add", "-s", "-x", "c", "t"],
    ["add", "-ss1", "completed", "x"], ["add", "--session=s1", "completed", "x"], ["add", "-s", "a", "-s", "b", "c", "t"],
    ["add", "completed", "--", "-x"], ["add", "completed", "-x"], ["add", "--json", "completed", "x"],
    ["create", "a", "b", "c", "d"], ["create", "--template", "t.md"], ["create", "--json", "--json"],
    ["create", "--agent"], ["create", "--agent", "--json"], ["create", "--bogus"], ["create", "-s", "x"],
    ["--root"], ["--root", "--debug", "add", "c", "t"], ["--root", "a", "--root", "b", "add", "c", "t"],
    ["--debug", "--debug", "add", "c", "t"], ["--bogus", "add", "c", "t"], ["list"], ["update", "-s", "s1"],
    ["events", "add"], ["Add", "c", "t"],
]


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_other_command_lines_go_to_typer(args):
    assert fastpath.parse(args) is None


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_command_lines_parse_as_typer_parses_them(args, monkeypatch):
    parsed = fastpath.parse(args)
    assert parsed is not None
    command, root, debug, kwargs = parsed
    assert debug == ("--debug" in args[: args.index(next(a for a in args if a in ("add", "create")))])
    assert (command, {**kwargs, "root": root}) == through_typer(args, monkeypatch)


def test_the_hot_commands_run_without_typer(tmp_path: Path):
    """--version, add and create, and their errors, run through main() without importing typer or pydantic."""
    root = str(tmp_path / "ws")
    subprocess.run([sys.executable, "-m", "journal", "--root", root, "init"], check=True, capture_output=True)
    script = (
        "import sys\n"
        "from journal.cli import main\n"
        "codes = [main(['--version']),\n"
        f"         main(['--root', {root!r}, 'create', 's1', 'Dev', 'Ship it']),\n"
        f"         main(['--root', {root!r}, 'add', '-s', 's1', 'completed', 'Shipped']),\n"
        f"         main(['--root', {root!r}, 'add', '-s', 'nobody', 'completed', 'x'])]\n"
        "print(codes, sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'pydantic'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    from journal import __version__

    assert proc.stdout.splitlines() == [f"journal {__version__}", "created s1: sessions/ACTIVE/s1.md",
                                        "added to s1 › Completed Today", "[0, 0, 0, 2] []"]
    assert proc.stderr.startswith("journal: error: no session 'nobody'") and len(proc.stderr.splitlines()) == 1
