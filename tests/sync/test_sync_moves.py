"""Moves and compression meet edits: a session archived (git mv) in one clone while another adds
to it, and an event log compressed (events archive) in one clone while another appends to it.
Nothing is lost: the additions land in the archived file or beside the compressed log."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from clones import git, journal, make_clones


def _events(clone: Path, sid: str) -> list[dict]:
    folder = clone / "coordination/events"
    lines: list[bytes] = []
    gz = folder / f"{sid}.jsonl.gz"
    if gz.is_file():
        lines += gzip.decompress(gz.read_bytes()).splitlines()
    plain = folder / f"{sid}.jsonl"
    if plain.is_file():
        lines += plain.read_bytes().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _started(tmp_path: Path) -> tuple[Path, Path]:
    _, (a, b) = make_clones(tmp_path, ["a", "b"])
    journal(a, "create", "s1", "Dev", "Work")
    journal(a, "add", "-s", "s1", "completed", "before the move")
    journal(a, "sync")
    journal(b, "sync")
    return a, b


def test_a_session_archived_in_one_clone_while_another_adds_to_it(tmp_path: Path) -> None:
    a, b = _started(tmp_path)
    journal(a, "archive", "s1", "--date", "2026-11-30")
    journal(b, "add", "-s", "s1", "completed", "added while it was archived elsewhere")
    journal(b, "update", "-s", "s1", "--status", "testing")
    journal(a, "sync")
    out = journal(b, "sync").stdout
    assert "archived elsewhere (s1)" in out
    for clone in (a, b):
        journal(clone, "sync")
    for clone in (a, b):
        assert not (clone / "coordination/sessions/ACTIVE/s1.md").exists()
        text = (clone / "coordination/sessions/ARCHIVE/s1-2026-11-30.md").read_text(encoding="utf-8")
        assert text.count("before the move") == 1 and text.count("added while it was archived elsewhere") == 1
        assert "status: done" in text and "- **Status:** Done" in text
        journal(clone, "check")
        assert git(clone, "status", "--porcelain") == ""
    ids = [e["event_id"] for e in _events(a, "s1")]
    assert len(ids) == len(set(ids)) == 5  # create, add, archive, add, update: each once
    journal(b, "restore", "s1")  # and back: the archived copy with everything in it
    journal(b, "sync")
    journal(a, "sync")
    assert "added while it was archived elsewhere" in (a / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8")


def test_an_event_log_compressed_in_one_clone_while_another_appends_to_it(tmp_path: Path) -> None:
    a, b = _started(tmp_path)
    journal(a, "archive", "s1", "--date", "2026-11-01")
    journal(a, "sync")
    journal(b, "sync")
    journal(a, "events", "archive", "--older-than", "0")
    assert (a / "coordination/events/s1.jsonl.gz").is_file() and not (a / "coordination/events/s1.jsonl").exists()
    for n in range(3):
        journal(b, "events", "add", "note", "-s", "s1", "--data", json.dumps({"n": n, "where": "b"}))
    before = {e["event_id"] for e in _events(b, "s1")}
    journal(a, "sync")
    journal(b, "sync")
    journal(a, "sync")
    for clone in (a, b):
        events = _events(clone, "s1")
        ids = [e["event_id"] for e in events]
        assert set(ids) == before and len(ids) == len(set(ids))
        assert (clone / "coordination/events/s1.jsonl.gz").is_file()
        plain = [json.loads(line) for line in (clone / "coordination/events/s1.jsonl").read_text().splitlines()]
        assert [e["data"]["n"] for e in plain] == [0, 1, 2]  # the appended events, beside the compressed log
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        journal(clone, "check")
    queried = json.loads(journal(a, "events", "query", "-s", "s1", "--json").stdout)
    assert {e["event_id"] for e in queried} == before


def test_compressed_in_both_clones_at_different_points(tmp_path: Path) -> None:
    a, b = _started(tmp_path)
    journal(a, "archive", "s1", "--date", "2026-11-01")
    journal(a, "sync")
    journal(b, "sync")
    journal(b, "events", "add", "note", "-s", "s1", "--data", '{"from": "b"}')
    journal(a, "events", "archive", "--older-than", "0")
    journal(b, "events", "archive", "--older-than", "0")
    journal(a, "sync")
    journal(b, "sync")
    journal(a, "sync")
    assert (a / "coordination/events/s1.jsonl.gz").read_bytes() == (b / "coordination/events/s1.jsonl.gz").read_bytes()
    ids = [e["event_id"] for e in _events(a, "s1")]
    assert len(ids) == len(set(ids)) == 4
    journal(a, "check")
