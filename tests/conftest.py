"""Shared fixtures: isolated git config, temporary workspaces, and a CLI runner in a real process."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """The test process runs thousands of commands in-process, as a server would: what the
    library builds is left to the cycle collector, never frozen (``journal.parallel.serving``)."""
    from journal.parallel import serving

    serving()


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's git config, journal settings or session."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n[core]\n\tautocrlf = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("JOURNAL_USER", "tester")
    for var in ("JOURNAL_ROOT", "JOURNAL_SESSION", "JOURNAL_NOW", "VISUAL", "EDITOR"):
        monkeypatch.delenv(var, raising=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository with one commit."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("project\n", encoding="utf-8")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "initial")
    return path


@pytest.fixture
def ws(tmp_path: Path):
    """An initialised workspace outside git (library tests)."""
    from journal.config import load_config
    from journal.init import init_workspace
    from journal.workspace import Workspace

    workspace = Workspace(load_config(tmp_path / "coordination", cwd=tmp_path))
    init_workspace(workspace)
    return workspace


class Cli:
    """Runs the installed ``journal`` in a real process, in a fixed folder."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.env = dict(os.environ)

    def __call__(self, *args: str, input: str | None = None, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "journal", *args], cwd=self.cwd, input=input, text=True,
            capture_output=True, env={**self.env, **env}, timeout=120,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"journal {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc


@pytest.fixture
def cli(repo: Path) -> Iterator[Cli]:
    yield Cli(repo)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes (local state under .journal/ and .git/ excluded)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith((".git/", ".journal/")) and "/.journal/" not in rel:
            out[rel] = path.read_bytes()
    return out


def run(*args: str) -> tuple[int, str]:
    """The full CLI in-process (CliRunner): exit code and output."""
    from typer.testing import CliRunner

    from journal.cli.main import app

    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


@pytest.fixture
def proj(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with a journal workspace and one session, s1; cwd is the repo."""
    monkeypatch.chdir(repo)
    assert run("init")[0] == 0
    code, out = run("create", "s1", "Dev", "Wire up the logs")
    assert code == 0, out
    (repo / "logs").mkdir()
    return repo


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which agent-log samples the run read (own ones; real ones, or that none were found)."""
    samples = sys.modules.get("agentlog_samples")
    if samples is not None:
        terminalreporter.write_line(samples.report())
