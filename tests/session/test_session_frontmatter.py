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


# -- the plain-frontmatter reader gives YAML's answer or none ---------------------------
_fm_keys = st.sampled_from(["id", "role", "status", "progress", "owner", "kind", "agent", "_x", "a-b", "yes",
                            "No", "on", "null", "y", "n", "True", "Off", "k9"])
_FM_ODD = [
    'building', 'Build the orders API', '0.2.0', '40', '0', '007', '0x1F', '0o17', '1_000', '12:30', '1:20:30',
    '-3', '+1', '1e3', '1.5', '.5', '.inf', '.NaN', '2026-03-02', '2026-03-02T09:00:00Z', "'2026-03-02T09:00:00Z'",
    "'it''s'", "'x' y", "'a'' ''b'", "''", "'", "'''", 'yes', 'No', 'ON', 'off', 'null', 'Null', '~', '=', '<<',
    'a: b', 'a:b', 'a #b', 'a#b', 'a  b', 'a ', ' a', 'é', 'Ünïcode words', 'events/s1.jsonl', '(draft)', 'a,b',
    '[a]', '{a: 1}', '&x', '*x', '!x', '|', '>', '%x', '@x', '`x`', '"q"', '- a', '? a', 'a\u2028b', 'a\x85b',
    '\ufeffa', 'a\x07b', '99999999999999999999999', 'claude-code', "O'Brien", "'a' 'b'", "'a'b'", "'a\x85b'",
    "'a\u2028b'", "'a\u2029b'", "'a\x07b'", "'\ufeffa'", "'a  '", "'  a'", "'a\\nb'",
]
_fm_values = st.one_of(
    st.sampled_from(_FM_ODD),
    st.text(alphabet=st.sampled_from("aZ09 '._-:#/+()é\u00a0\t"), min_size=1, max_size=12),
)
_fm_benign = st.sampled_from([
    "building", "Build the orders API", "0.2.0", "40", "0", "'2026-03-02T09:00:00Z'", "'it''s'", "claude-code",
    "events/s1.jsonl", "(draft)", "opus", "Ünïcode words", "n", "y", "o", "t", "f", "a-b", "99999999999999999999999",
    "'yes'", "'40'", "'a: b #c'", "''", "x.y", "1.2.3", "2026", "v1", "_x", "+x", ".x", "/x",
])
_fm_value = st.one_of(_fm_benign, _fm_benign, _fm_benign, _fm_values)
_fm_key = st.one_of(st.sampled_from(["id", "role", "mission", "status", "progress", "created", "owner", "git",
                                     "kind", "agent", "model", "branch", "events", "tool_version", "k-1", "K_2",
                                     "schema_version", "created_event", "adopted", "x", "a1", "b2", "c3"]), _fm_keys)
_fm_any_line = st.one_of(  # a line of any shape
    st.tuples(st.just(""), _fm_key, _fm_value),
    st.tuples(st.just(""), _fm_key, _fm_value),
    st.tuples(st.just("  "), _fm_key, _fm_value),
    st.tuples(st.just(""), _fm_key, st.just(None)),
    st.tuples(st.sampled_from(["  ", "   ", " "]), _fm_keys, st.just(None)),
    st.sampled_from(["# a comment", "", "- item", "  - item", "key:  two spaces", "key: value # c",
                     "key:\tvalue", "key: 'open", "  cont", "---x"]),
)


def _render(lines: list) -> str:
    out = []
    for ln in lines:
        if isinstance(ln, str):
            out.append(ln)
        else:
            indent, key, value = ln
            out.append(f"{indent}{key}:" if value is None else f"{indent}{key}: {value}")
    return "".join(x + "\n" for x in out)


def _yaml_answer(text: str):
    import yaml

    try:
        return ("ok", yaml.load(text, Loader=yaml.CSafeLoader))  # noqa: S506 - the safe C loader
    except (yaml.YAMLError, ValueError, OverflowError) as e:
        return ("error", type(e).__name__)


def _agrees_with_yaml(text: str) -> None:
    """The plain reader gives no answer for ``text``, or YAML's (by repr: True and 1, '1' and 1 differ)."""
    from journal.session.document import fast_mapping

    fast = fast_mapping(text)
    if fast is not None:
        assert repr(("ok", fast)) == repr(_yaml_answer(text)), text


_fm_clean_key = st.sampled_from(["id", "role", "mission", "status", "progress", "created", "owner", "git", "kind",
                                  "agent", "model", "branch", "events", "tool_version", "k-1", "K_2", "x", "a1"])
_fm_clean_values = st.one_of(st.just(None), _fm_benign,
                             st.lists(st.tuples(_fm_clean_key, _fm_benign), max_size=3, unique_by=lambda kv: kv[0]))


def _clean_lines(blocks: list) -> list:
    """Top-level keys, each with a value or the indented lines of a mapping under it."""
    out: list = []
    for key, value in blocks:
        if isinstance(value, list):
            out.append(("", key, None))
            out.extend(("  ", k, v) for k, v in value)
        else:
            out.append(("", key, value))
    return out


_fm_clean = st.lists(st.tuples(_fm_clean_key, _fm_clean_values), max_size=6, unique_by=lambda kv: kv[0]).map(
    _clean_lines)


@settings(max_examples=1500, deadline=None)
@given(st.data())
def test_the_plain_frontmatter_reader_gives_yamls_answer_or_none(data: st.DataObject) -> None:
    """Lines of the tool's shapes with at most two of any other shape put in anywhere."""
    lines = data.draw(_fm_clean)
    for line in data.draw(st.lists(_fm_any_line, max_size=2)):
        lines.insert(data.draw(st.integers(0, len(lines))), line)
    _agrees_with_yaml(_render(lines))


@pytest.mark.parametrize("where", ["top", "nested"])
@pytest.mark.parametrize("value", _FM_ODD)
def test_each_odd_value_gets_yamls_answer_or_none(value: str, where: str) -> None:
    _agrees_with_yaml(f"id: s1\nk: {value}\n" if where == "top" else f"id: s1\nowner:\n  kind: agent\n  k: {value}\n")


@pytest.mark.parametrize("text", [
    "k" * 1024 + ": v\n", "k" * 1025 + ": v\n", "a:\n  " + "k" * 1024 + ": v\n", "a:\n  " + "k" * 1025 + ": v\n",
    "a: x\n\n\nb: y\n", "a:\n  b: c\n  d:\n", "a:\n  b: 1\nc: 2\n  d: 3\n", "a: x\n...\n", "id: s1\n---\n",
    "a:\nb: c\n", "a: b\n  c: d\n", "\n", "a: x\n" * 3, "a: " + "1" * 4300 + "\n",
])
def test_odd_layouts_get_yamls_answer_or_none(text: str) -> None:
    _agrees_with_yaml(text)


@pytest.mark.parametrize("text", ["a: " + "1" * 5000 + "\n", "a:\n  b: " + "9" * 5000 + "\n"])
def test_a_number_too_long_for_python_is_malformed_frontmatter(text: str) -> None:
    with pytest.raises(MalformedFile, match="malformed YAML frontmatter"):
        read_frontmatter("---\n" + text + "---\n", "f")


def test_the_plain_frontmatter_reader_takes_what_the_tool_writes(cli, repo: Path) -> None:
    from journal.session.document import fast_mapping, frontmatter_span

    cli("init")
    cli("create", "s1", "Backend Engineer", "It's the orders API: v2 #1", "--agent", "claude-code")
    cli("update", "-s", "s1", "--status", "building", "--progress", "40")
    text = (repo / "coordination/sessions/ACTIVE/s1.md").read_text(encoding="utf-8")
    start, end, _ = frontmatter_span(text, "s1")
    fast = fast_mapping(text[start:end])
    assert fast is not None and repr(("ok", fast)) == repr(_yaml_answer(text[start:end]))
    assert (fast["progress"], fast["owner"]["agent"]) == (40, "claude-code")


def test_each_read_gives_its_own_mapping_though_lines_are_remembered() -> None:
    """The same lines in many logs are read once; each log still gets mappings of its own,
    and a line too long to be remembered reads the same as YAML says."""
    from journal.session.document import fast_mapping

    text = "id: s1\nstatus: building\nowner:\n  kind: agent\n  agent: claude-code\n"
    first, second = fast_mapping(text), fast_mapping(text)
    assert first == second and first is not second and first["owner"] is not second["owner"]
    first["owner"]["agent"] = "codex"
    first["status"] = "done"
    assert fast_mapping(text) == {"id": "s1", "status": "building", "owner": {"kind": "agent", "agent": "claude-code"}}
    long = "mission: " + "word " * 60 + "end\n"
    _agrees_with_yaml(long)
    assert fast_mapping(long) == {"mission": ("word " * 60 + "end")}
