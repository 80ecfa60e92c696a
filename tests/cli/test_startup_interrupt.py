"""Ctrl+C during start-up (while the command's modules are imported) is one line and exit 130.

The deterministic half sends SIGINT to the process from inside the import of a given module
(an import hook in the very script the console entry point runs); the other half sends it
at random instants to real ``journal`` processes.
"""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = r"""
import os, signal, sys

class InterruptOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == sys.argv[1]:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptOnImport())
from journal.cli import main  # what the console script does
sys.exit(main(sys.argv[2:]))
"""

MODULES = [
    ("journal.cli.main", ["--version"]),
    ("journal.cli.fastpath", ["add", "-s", "s1", "next", "x"]),
    ("journal.session.edits", ["add", "-s", "s1", "next", "x"]),
    ("typer", ["list"]),
    ("journal.cli.coordination", ["blockers"]),
    ("journal.cli.render", ["board"]),
    ("journal.coordination.board", ["board"]),
    ("yaml", ["list", "--json"]),
    ("orjson", ["check"]),
    ("jinja2", ["create", "s9", "Dev", "m"]),
    ("journal.session.check", ["check"]),
]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("module,args", MODULES, ids=[m for m, _ in MODULES])
def test_sigint_while_importing_is_one_line_and_130(module: str, args: list[str], tmp_path: Path) -> None:
    root = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "journal", "--root", str(root), "create", "s1"], check=True,
                   capture_output=True, cwd=tmp_path)
    root_args = [] if args == ["--version"] else ["--root", str(root)]
    proc = subprocess.run([sys.executable, "-c", SCRIPT, module, *root_args, *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (130, "journal: interrupted\n"), proc.stderr
    assert proc.stdout == ""


def _before_journal(err: str) -> bool:
    """A traceback of Python's own start-up (site, finding or importing the entry point's
    package), whose frames hold no line of journal's code that runs after ``main`` is
    defined: the signal came before journal could catch it."""
    import re

    frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', err)
    files = [f for f, _ in frames]
    # the packages' own import, before ``main`` exists to catch anything, is not yet journal's code
    importing = ("/journal/__init__.py", "/journal/cli/__init__.py")
    ours = any("/journal/" in f and f.endswith(".py") and not (f.endswith(importing) and where == "<module>")
               for f, where in frames)
    # the signal broke one of Python's own set-up steps (init_sys_streams on 3.10, init_import_site)
    if err.startswith("Fatal Python error: init_"):
        return not ours
    return bool(files) and "KeyboardInterrupt" in err and not ours


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_at_random_instants_of_start_up(tmp_path: Path) -> None:
    """A run interrupted is one line and 130; one that finished first is 0; one killed before
    Python installed its handler dies of the signal, silently. Never a traceback."""
    exe = Path(sys.executable).with_name("journal")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "journal"]
    rng = random.Random(7)
    subprocess.run([*command, "--root", str(tmp_path / "ws"), "create", "s1"], check=True, capture_output=True,
                   cwd=tmp_path)
    outcomes: list[object] = []
    for _ in range(15):
        proc = subprocess.Popen([*command, "--root", str(tmp_path / "ws"), "board"], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        if _before_journal(err):  # Python's own start-up, before journal's first line: not ours to catch
            outcomes.append("before journal")
            continue
        assert "Traceback" not in err, err
        assert (proc.returncode, err) in ((130, "journal: interrupted\n"), (-signal.SIGINT, "")) \
            or (proc.returncode == 0 and err == ""), (proc.returncode, err)
        outcomes.append(proc.returncode)
    assert 130 in outcomes, outcomes


HELD = r"""
import os, signal, sys

class InterruptOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == "json.decoder":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

if sys.argv[1] == "held":
    from journal.cli import _hold_sigint_while_importing
    _hold_sigint_while_importing()
sys.meta_path.insert(0, InterruptOnImport())
try:
    import json
except KeyboardInterrupt:
    mod = sys.modules.get("json")
    print("interrupted", "whole" if mod is not None and hasattr(mod, "loads") else "half")
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_ctrl_c_during_an_import_arrives_once_the_module_is_in() -> None:
    """Held while the import system runs (an extension module's initialisation cannot take
    it; a weakref callback of the import system drops it), the KeyboardInterrupt comes when
    the outermost import returns: the module is whole, and journal's own code gets it."""
    def run(mode: str) -> str:
        return subprocess.run([sys.executable, "-c", HELD, mode], capture_output=True, text=True, timeout=60).stdout

    assert run("plain") == "interrupted half\n"  # what Python does by itself
    assert run("held") == "interrupted whole\n"
