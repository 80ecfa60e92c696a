"""Files put where journal reads, by hand or by a pull: a FIFO or a symbolic link for a session
log, an event added by hand whose fields have other shapes, a number past 64 bits in the
frontmatter. Reading commands never hang, never follow the link out of the workspace, and
never stop with an internal error.
"""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from journal.cli.main import main


class Waited(Exception):
    pass


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    for k in ("JOURNAL_ROOT", "JOURNAL_SESSION", "JOURNAL_NOW"):
        monkeypatch.delenv(k, raising=False)
    for args in (["init"], ["create", "s1", "Dev", "Wire up"], ["create", "s2", "Peer", "Review"],
                 ["add", "-s", "s2", "blocker", "Waiting for keys"]):
        assert main(args) == 0, args

    def waited(*_a: Any) -> None:
        raise Waited("a command waited on a FIFO")

    old = signal.signal(signal.SIGALRM, waited)
    signal.alarm(60)
    capsys.readouterr()
    yield tmp_path / "coordination" / "sessions" / "ACTIVE"
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    c = capsys.readouterr()
    return code, c.out, c.err


def test_a_fifo_for_a_session_log_hangs_nothing(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ws / "s1.md").unlink()
    os.mkfifo(ws / "s1.md")
    code, out, err = cli(capsys, "list")
    assert code == 0 and "s2" in out
    code, out, _ = cli(capsys, "grep", "Waiting")
    assert code == 0 and "Waiting for keys" in out
    code, out, err = cli(capsys, "show", "s1")
    assert code == 2 and len(err.splitlines()) == 1 and "s1" in err  # (a FIFO is no session log)


def test_a_symbolic_link_for_a_session_log_is_not_read_through(ws: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    try:
        (ws / "s1.md").unlink()
        (ws / "s1.md").symlink_to(secret)
        code, out, err = cli(capsys, "show", "s1")
        assert code == 2 and "is a symbolic link" in err and "root:x" not in out + err
        code, out, err = cli(capsys, "grep", "root:")
        assert code == 1 and "root:x" not in out
        code, out, err = cli(capsys, "export", "s1", "--out", str(tmp_path / "bundle.md"))
        assert code == 2 and not (tmp_path / "bundle.md").exists()
        code, out, err = cli(capsys, "check")
        assert code == 1 and "a symbolic link" in out + err
    finally:
        secret.unlink()


def test_an_event_added_by_hand_with_other_shapes_breaks_no_reader(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "events", "add", "note", "-s", "s2", "--data", '{"lines": 5, "replaces": "x"}')[0] == 0
    code, out, err = cli(capsys, "check")
    assert code == 0 and "internal error" not in err, (out, err)
    assert cli(capsys, "show", "s2", "--events")[0] == 0
    assert cli(capsys, "add", "-s", "s2", "next", "then this")[0] == 0


def test_a_number_past_64_bits_in_the_frontmatter_still_prints_as_json(ws: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = ws / "s1.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nrole: Dev\n", "\nrole: Dev\nbudget: 99999999999999999999\n", 1), encoding="utf-8")
    code, out, err = cli(capsys, "show", "s1", "--json")
    assert code == 0, err
    assert "99999999999999999999" in out and json.loads(out)
    code, out, err = cli(capsys, "list", "--json")
    assert code == 0 and json.loads(out)


def test_yaml_aliases_in_the_frontmatter_are_refused_not_expanded(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nine levels of nine aliases: 1.3 KB that print as gigabytes."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh"):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = ws / "s1.md"
    path.write_text(path.read_text(encoding="utf-8").replace("\nrole: Dev\n", "\nrole: Dev\n" + "\n".join(levels) + "\n", 1),
                    encoding="utf-8")
    before = path.read_bytes()
    code, out, err = cli(capsys, "show", "s1", "--json")
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "YAML aliases" in err
    code, out, err = cli(capsys, "check")
    assert code == 1 and "YAML aliases" in out + err
    code, _out, err = cli(capsys, "export", "s1", "--out", str(ws.parent.parent.parent / "e.md"))
    assert code == 2 and "YAML aliases" in err
    assert path.read_bytes() == before


def test_an_event_nested_past_what_journal_writes_is_still_shown(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """900 levels (journal itself refuses more than 255 when adding, as orjson does): read from disk, shown."""
    assert cli(capsys, "events", "add", "note", "-s", "s2", "--data", '{"text": "first"}')[0] == 0
    log = ws.parent.parent / "events" / "s2.jsonl"
    last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    deep: list[Any] = []
    cur = deep
    for _ in range(900):
        cur.append([])
        cur = cur[0]
    event = dict(last, event_id=last["event_id"][:-1] + ("z" if last["event_id"][-1] != "z" else "y"),
                 seq=last["seq"] + 1, data={"deep": deep})
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps(event, separators=(",", ":")) + "\n")
    for args in (["events", "query", "-s", "s2"], ["events", "query", "-s", "s2", "--json"],
                 ["events", "query", "-s", "s2", "--jsonl"], ["show", "s2", "--events"],
                 ["export", "s2", "--out", str(ws.parent.parent.parent / "bundle.md")]):
        code, out, err = cli(capsys, *args)
        assert code == 0 and "internal error" not in err, (args, err)
    code, out, _ = cli(capsys, "events", "query", "-s", "s2", "--json")
    assert json.loads(out)[-1]["seq"] == event["seq"]


def test_event_logs_that_are_not_files_are_named_and_never_read(ws: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    events = ws.parent.parent / "events"
    outside = tmp_path.parent / f"{tmp_path.name}-secret.jsonl"  # an event log's shape, outside the workspace
    line = (events / "s1.jsonl").read_bytes().splitlines()[0]
    outside.write_bytes(line.replace(b'"s1"', b'"s8"').replace(b"Wire up", b"SECRET TEXT") + b"\n")
    os.symlink(outside, events / "s8.jsonl")
    os.mkfifo(events / "s9.jsonl")
    (events / "s7.jsonl").mkdir()
    for args in (["events", "check"], ["check"]):
        code, out, err = cli(capsys, *args)
        assert code == 1, (args, out, err)
        assert "events/s8.jsonl: a symbolic link: journal never reads or writes through one" in out
        assert "events/s9.jsonl: not a regular file" in out and "events/s7.jsonl: not a regular file" in out
        assert "SECRET" not in out
    code, out, _ = cli(capsys, "events", "query", "--all", "--jsonl")
    assert code == 0 and "SECRET" not in out and '"s1"' in out
    code, out, err = cli(capsys, "events", "query", "-s", "s8", "--jsonl")
    assert "SECRET" not in out + err
    outside.unlink()
