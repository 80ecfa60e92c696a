"""One frontmatter reader: every command agrees on where a session's frontmatter is."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from journal.errors import MalformedFile
from journal.session.document import SessionDoc, read_frontmatter


def test_trailing_space_after_the_opening_dashes_is_frontmatter_everywhere(cli, repo: Path) -> None:
    cli("init")
    cli("create", "s1", "Dev", "Ship it")
    path = repo / "coordination/sessions/ACTIVE/s1.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", "--- \n", 1), encoding="utf-8")
    listed = json.loads(cli("list", "--json").stdout)
    assert [(r["id"], r["role"], r["status"], "error" in r) for r in listed] == [("s1", "Dev", "planning", False)]
    board = json.loads(cli("board", "--json").stdout)
    assert [(r["id"], r["role"], r["error"]) for r in board] == [("s1", "Dev", None)]
    shown = json.loads(cli("show", "s1", "--json").stdout)
    assert shown["meta"]["role"] == "Dev"
    assert cli("check").returncode == 0
    cli("add", "completed", "-s", "s1", "Wrote the parser")  # the writer agrees too
    after = path.read_text(encoding="utf-8")
    assert after.startswith("--- \n") and "Wrote the parser" in after


@pytest.mark.parametrize("text, body", [
    ("---\nid: a\n---\nbody\n", "body\n"),
    ("--- \nid: a\n--- \r\nbody", "body"),
    ("---\r\nid: a\r\n---\r\n\r\n## X\r\n", "\r\n## X\r\n"),
    ("---\nid: a\n...\nbody\n", "body\n"),
    ("---\nid: a\n---", ""),
])
def test_body_offset_is_exact(text: str, body: str) -> None:
    meta, at = read_frontmatter(text, "f")
    assert meta == {"id": "a"} and text[at:] == body
    doc = SessionDoc(text, "f")
    assert doc.body() == body and doc.text() == text


@pytest.mark.parametrize("text, message", [
    ("id: a\n", "no YAML frontmatter"),
    ("---\nid: a\n", "frontmatter is not closed"),
    ("---\n- a\n---\n", "frontmatter is not a mapping"),
    ("---\nid: [a\n---\n", "malformed YAML frontmatter at line"),
])
def test_malformed_frontmatter_is_named(text: str, message: str) -> None:
    with pytest.raises(MalformedFile, match=message):
        read_frontmatter(text, "f")
