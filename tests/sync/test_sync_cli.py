"""``journal sync`` and ``journal merge-driver`` on the fast path: the plain command lines hand
over what Typer's parser would, others go to Typer; both run without importing typer."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastpath_typer import through_typer

from journal.cli import fastpath

PLAIN = [
    ["sync"],
    ["sync", "--json"],
    ["sync", "--remote", "upstream", "-m", "journal: end of day", "--no-push"],
    ["sync", "-s", "api", "--push-all", "--json"],
    ["--root", "elsewhere", "sync", "--session", "web", "--message", "msg"],
    ["merge-driver", ".merge_file_a", ".merge_file_b", ".merge_file_c", "coordination/events/s1.jsonl"],
    ["merge-driver", "base", "ours", "theirs"],
]
LEFT_TO_TYPER = [
    ["sync", "--help"], ["sync", "extra"], ["sync", "--remote"], ["sync", "--no-push", "--no-push"],
    ["sync", "-m", "-x"], ["sync", "--bogus"], ["merge-driver", "a", "b"], ["merge-driver", "a", "b", "c", "d", "e"],
    ["merge-driver", "--help"],
]


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_other_lines_go_to_typer(args: list[str]) -> None:
    assert fastpath.parse(args) is None


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_lines_parse_as_typer_parses_them(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = fastpath.parse(args)
    assert parsed is not None
    command, root, _debug, kwargs = parsed
    assert (command, {**kwargs, "root": root}) == through_typer(args, monkeypatch)


def test_sync_and_the_driver_run_without_typer(tmp_path: Path, repo: Path) -> None:
    (tmp_path / "base").write_text('{"event_id":"e1","seq":1}\n', encoding="utf-8")
    (tmp_path / "ours").write_text('{"event_id":"e1","seq":1}\n{"event_id":"e2","seq":2}\n', encoding="utf-8")
    (tmp_path / "theirs").write_text('{"event_id":"e1","seq":1}\n{"event_id":"e3","seq":2}\n', encoding="utf-8")
    script = (
        "import sys\n"
        "from journal.cli import main\n"
        f"codes = [main(['merge-driver', {str(tmp_path / 'base')!r}, {str(tmp_path / 'ours')!r}, "
        f"{str(tmp_path / 'theirs')!r}, 'coordination/events/s1.jsonl']), main(['sync'])]\n"
        "print(codes, sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'pydantic'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, timeout=120)
    assert proc.stdout.splitlines()[-1] == "[0, 2] []", proc.stdout + proc.stderr
    assert "no journal workspace" in proc.stderr
    merged = (tmp_path / "ours").read_text(encoding="utf-8").splitlines()
    assert merged == ['{"event_id":"e1","seq":1}', '{"event_id":"e2","seq":2}', '{"event_id":"e3","seq":3}']


def test_the_readme_sample_of_a_sync_is_what_sync_prints() -> None:
    from journal.cli.sync import describe
    from journal.coordination.sync import Incoming, SyncResult

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    sample = readme.split("$ journal sync -s web\n", 1)[1].split("```", 1)[0].rstrip("\n").splitlines()
    result = SyncResult(
        remote="origin", branch="main", committed="5c1d2e7a90" + "0" * 30, pushed=True,
        merged=["coordination/sessions/ACTIVE/web.md", "coordination/events/web.jsonl"],
        incoming=Incoming(new_sessions=["ops"], updated_sessions=["api", "web"], archived_elsewhere=["old-1"],
                          messages=[{"id": "x", "from": "api", "to": "web", "priority": "high",
                                     "sent": "2026-11-21 10:00", "text": "Orders API is on staging, try it"}],
                          learnings=[{"file": "coordination/shared-knowledge/learnings.md",
                                      "entry": "2026-11-21 — API (High): Return money as integer cents, never floats"}]))
    assert describe(result) == sample
