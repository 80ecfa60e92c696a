"""One frontmatter reader: every command agrees on where a session's frontmatter is."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


_yaml_values = st.sampled_from([
    "", "~", "null", "7", "-3", "101", "2.5", "true", "no", "2026-02-30", "2026-03-02", "'2026-13-45T99:00:00Z'",
    "[]", "[1, 2]", "{}", "{kind: 5}", "{agent: [x]}", "'x'", "!!binary aGk=", "2026-03-02 10:00:00", "'s1'",
    "{name: null, kind: agent}", "[s1, s2]", "'0'", "1e400", ".nan",
])
_keys = ("id", "role", "mission", "status", "progress", "created", "updated", "owner", "handoff_from", "handoff_to",
         "events", "adopted", "archived_from_status")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(_keys), _yaml_values, max_size=5))
def test_any_frontmatter_value_is_reported_never_a_crash(tmp_path: Path, values: dict[str, str]) -> None:
    """A teammate's hand edit may put any YAML value under any key: check names what is
    wrong, and list, board and inbox still answer for every session."""
    import tempfile

    from journal.config import load_config
    from journal.coordination.board import board
    from journal.coordination.mail import inbox
    from journal.init import init_workspace
    from journal.session.check import check_workspace
    from journal.session.listing import list_sessions
    from journal.session.store import create_session
    from journal.workspace import Workspace

    ws = Workspace(load_config(Path(tempfile.mkdtemp(dir=tmp_path)) / "coordination"))
    init_workspace(ws)
    create_session(ws, "s1", "Dev", "Ship it")
    create_session(ws, "s2", "Reviewer", "Read it")
    path = ws.active_dir / "s1.md"
    text = path.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    kept: list[str] = []
    replaced = False
    for ln in head.split("\n"):  # a replaced key goes with its nested lines
        if not ln.startswith(" "):
            replaced = ln.split(":", 1)[0] in values
        if not replaced:
            kept.append(ln)
    path.write_text("\n".join([*kept, *(f"{k}: {v}" for k, v in values.items())]) + "\n---\n" + body, encoding="utf-8")
    problems = check_workspace(ws)
    assert all(p.path and p.message for p in problems)
    assert "s2" in {row.get("id") for row in list_sessions(ws, include_all=True)}
    assert {r["id"] for r in board(ws)} >= {"s2"}
    inbox(ws, "s2")
