"""The fast path for --version, add, create, board and inbox: the same arguments as Typer's parser, or none at all."""
from __future__ import annotations

import json
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
    ["board"],
    ["board", "--json"],
    ["board", "--stale-hours", "8", "--wide"],
    ["--root", "r", "board", "--stale-hours", "1.5", "--all-branches", "--json"],
    ["inbox"],
    ["inbox", "-s", "s1", "--all"],
    ["inbox", "--session", "s1", "--wide", "--json"],
    ["--debug", "inbox", "--ack", "abc123", "def456"],
    ["inbox", "--ack", "-s", "s1", "abc123"],
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
    ["board", "--help"], ["board", "--stale-hours"], ["board", "--stale-hours", "1e3"], ["board", "--stale-hours", "-1"],
    ["board", "--stale-hours", "inf"], ["board", "--stale-hours", "."], ["board", "--stale-hours", "٣"],
    ["board", "--stale-hours=8"], ["board", "extra"], ["board", "--json", "--json"], ["board", "-s", "s1"],
    ["inbox", "-s"], ["inbox", "-s", "--all"], ["inbox", "--all", "--all"], ["inbox", "--bogus"],
    ["inbox", "--", "-x"], ["inbox", "--stale-hours", "8"],
]


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_other_command_lines_go_to_typer(args):
    assert fastpath.parse(args) is None


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_command_lines_parse_as_typer_parses_them(args, monkeypatch):
    parsed = fastpath.parse(args)
    assert parsed is not None
    command, root, debug, kwargs = parsed
    assert debug == ("--debug" in args[: args.index(next(a for a in args if a in fastpath._GRAMMARS))])
    assert (command, {**kwargs, "root": root}) == through_typer(args, monkeypatch)


def test_the_hot_commands_run_without_typer(tmp_path: Path):
    """--version, add, create, board and inbox, and their errors, run through main() without importing
    typer or pydantic."""
    root = str(tmp_path / "ws")
    subprocess.run([sys.executable, "-m", "journal", "--root", root, "init"], check=True, capture_output=True)
    script = (
        "import sys\n"
        "from journal.cli import main\n"
        "codes = [main(['--version']),\n"
        f"         main(['--root', {root!r}, 'create', 's1', 'Dev', 'Ship it']),\n"
        f"         main(['--root', {root!r}, 'add', '-s', 's1', 'completed', 'Shipped']),\n"
        f"         main(['--root', {root!r}, 'board', '--json']),\n"
        f"         main(['--root', {root!r}, 'inbox', '-s', 's1']),\n"
        f"         main(['--root', {root!r}, 'add', '-s', 'nobody', 'completed', 'x'])]\n"
        "print(codes, sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'pydantic'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    from journal import __version__

    lines = proc.stdout.splitlines()
    assert lines[:3] == [f"journal {__version__}", "created s1: sessions/ACTIVE/s1.md", "added to s1 › Completed Today"]
    assert lines[-2:] == ["s1: no unread messages (--all shows read ones)", "[0, 0, 0, 0, 0, 2] []"]
    [row] = json.loads("\n".join(lines[3:-2]))
    assert (row["id"], row["role"], row["unread"]) == ("s1", "Dev", 0)
    assert proc.stderr.startswith("journal: error: no session 'nobody'") and len(proc.stderr.splitlines()) == 1
