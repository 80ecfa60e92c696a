"""Two clones and a bare remote: messages, acks and handoffs never conflict, and both inboxes are complete."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import Cli, git


def _clone(remote: Path, where: Path) -> tuple[Path, Cli]:
    git(where.parent, "clone", "-q", str(remote), where.name)
    return where, Cli(where)


def _publish(repo: Path, message: str) -> None:
    git(repo, "add", "-A", "coordination")
    git(repo, "commit", "-q", "-m", message)
    merged = subprocess.run(["git", "pull", "-q", "--no-rebase", "--no-edit"], cwd=repo, capture_output=True, text=True)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    git(repo, "push", "-q")


def _no_conflicts(repo: Path) -> None:
    for path in (repo / "coordination").rglob("*"):
        if path.is_file() and ".journal" not in path.parts:
            assert "<<<<<<<" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_two_clones_message_each_other_without_conflicts(tmp_path: Path, repo: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    a, cli_a = _clone(remote, tmp_path / "alice")
    b, cli_b = _clone(remote, tmp_path / "bob")
    cli_a("init")
    cli_a("create", "alice-1", "Backend", "Email service")
    _publish(a, "alice starts")
    git(b, "pull", "-q", "--no-rebase")
    cli_b("create", "bob-1", "DBA", "Database migration")
    _publish(b, "bob starts")
    git(a, "pull", "-q", "--no-rebase")

    sent_a = [json.loads(cli_a("message", "-s", "alice-1", "bob-1", f"from alice {i}", "--json").stdout)["id"]
              for i in range(5)]
    sent_a.append(json.loads(cli_a("broadcast", "-s", "alice-1", "alice broadcast", "--json").stdout)["id"])
    sent_b = [json.loads(cli_b("message", "-s", "bob-1", "alice-1", f"from bob {i}", "--json").stdout)["id"]
              for i in range(5)]
    cli_b("inbox", "-s", "bob-1", "--ack")  # bob has nothing yet from alice: acks nothing
    _publish(a, "alice messages")
    _publish(b, "bob messages")  # merges alice's commit: different files, no conflict
    git(a, "pull", "-q", "--no-rebase")

    for cli in (cli_a, cli_b):
        inbox_a = json.loads(cli("inbox", "-s", "alice-1", "--json").stdout)
        inbox_b = json.loads(cli("inbox", "-s", "bob-1", "--json").stdout)
        assert sorted(m["id"] for m in inbox_a) == sorted(sent_b)
        assert sorted(m["id"] for m in inbox_b) == sorted(sent_a)

    # acknowledgements and a handoff, again on both sides at once
    cli_a("inbox", "-s", "alice-1", "--ack")
    cli_a("add", "-s", "alice-1", "next", "Ship the retry queue")
    cli_a("handoff", "alice-1", "alice-2", "--archive")
    cli_b("inbox", "-s", "bob-1", "--ack")
    cli_b("message", "-s", "bob-1", "alice-1", "one more, after your handoff")
    _publish(a, "alice acks and hands off")
    _publish(b, "bob acks")
    git(a, "pull", "-q", "--no-rebase")
    for repo_dir, cli in ((a, cli_a), (b, cli_b)):
        _no_conflicts(repo_dir)
        cli("check")
        assert json.loads(cli("inbox", "-s", "bob-1", "--json").stdout) == []
        late = json.loads(cli("inbox", "-s", "alice-2", "--json").stdout)
        assert [(m["text"], m["via"]) for m in late] == [("one more, after your handoff", "alice-1")]
        board = {r["id"] for r in json.loads(cli("board", "--json").stdout)}
        assert board == {"alice-2", "bob-1"}
