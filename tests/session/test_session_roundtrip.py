"""Hand edits survive every command: a property-based round trip over random documents."""
from __future__ import annotations

import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.config import load_config
from journal.errors import InvalidInput
from journal.session.document import SessionDoc
from journal.session.knowledge import share_learning
from journal.session.store import create_session
from journal.session.edits import add_entry, open_blocker_items, resolve_blocker, update_current_work
from journal.workspace import Workspace

SAFE = string.ascii_letters + string.digits + " .,:;!?()'\"_/*`[]{}<>=+~|%&@$"
note = st.text(alphabet=SAFE, min_size=1, max_size=40).map(lambda s: "Hand note: " + s.strip())
free_text = st.text(alphabet=SAFE + "#\n\t-", min_size=1, max_size=80).filter(lambda s: s.strip())
custom_title = st.text(alphabet=string.ascii_letters + " ", min_size=3, max_size=20).map(
    lambda s: "Custom " + " ".join(s.split())).filter(lambda s: len(s) > 7)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(["completed", "service", "learning", "blocker", "next", "collaboration"]), free_text),
        st.tuples(st.just("status"), st.sampled_from(["building", "testing", "review"]), st.none()),
        st.tuples(st.just("progress"), st.integers(0, 100), st.none()),
        st.tuples(st.just("working"), note, st.none()),
        st.tuples(st.just("phase"), note, st.none()),
        st.tuples(st.just("resolve"), st.none(), st.none()),
        st.tuples(st.just("share"), free_text, st.none()),
    ),
    min_size=1, max_size=8,
)


def _hand_edit(text: str, notes: list[str], customs: list[tuple[str, str]], gaps: list[int], crlf: bool) -> str:
    """Insert hand-written notes after section headings, append custom sections, odd spacing."""
    lines = text.split("\n")
    out = []
    heading_no = 0
    for line in lines:
        out.append(line)
        if line.startswith("## "):
            if heading_no < len(notes):
                out.append(notes[heading_no] + "   ")  # trailing spaces are kept too
                out.extend([""] * gaps[heading_no % len(gaps)])
            heading_no += 1
        if line.startswith("schema_version:"):
            out.append("custom_key: kept as written   # a comment")
    for title, body in customs:
        out += ["", f"## {title}", "", body, "", ""]
    result = "\n".join(out)
    return result.replace("\n", "\r\n") if crlf else result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes=st.lists(note, min_size=1, max_size=7), customs=st.lists(st.tuples(custom_title, note), max_size=2, unique_by=lambda t: t[0].lower()),
       gaps=st.lists(st.integers(0, 3), min_size=1, max_size=3), crlf=st.booleans(), ops=operations)
def test_hand_edits_survive_every_command(notes, customs, gaps, crlf, ops):
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(load_config(Path(tmp) / "coordination", cwd=Path(tmp)))
        ref = create_session(ws, "s1", "Dev", "Keep hand edits")
        edited = _hand_edit(ref.path.read_text(encoding="utf-8"), notes, customs, gaps, crlf)
        ref.path.write_bytes(edited.encode("utf-8"))
        titles_before = [s.title for s in SessionDoc.read(ref.path).sections()]

        for op, a, b in ops:
            if op == "add":
                add_entry(ws, "s1", a, b)
            elif op == "status":
                update_current_work(ws, "s1", status=a)
            elif op == "progress":
                update_current_work(ws, "s1", progress=a)
            elif op == "working":
                update_current_work(ws, "s1", working_on=a)
            elif op == "phase":
                update_current_work(ws, "s1", phases=(a,))
            elif op == "resolve":
                doc = SessionDoc.read(ref.path)
                if open_blocker_items(doc):
                    resolve_blocker(ws, "s1", "1", note="done")
            elif op == "share":
                share_learning(ws, "Category", a, "High", session_id="s1")

        raw = ref.path.read_bytes().decode("utf-8")
        doc = SessionDoc(raw)
        nl = "\r\n" if crlf else "\n"
        for n in notes[: len(titles_before)]:
            assert n + "   " + nl in raw  # each hand note, byte for byte, with its line ending
        for title, body in customs:
            assert f"## {title}{nl}{nl}{body}{nl}" in raw
        assert f"custom_key: kept as written   # a comment{nl}" in raw
        if crlf:
            assert "\n" not in raw.replace("\r\n", "")
        assert [s.title for s in doc.sections()] == titles_before
        assert doc.meta["custom_key"] == "kept as written"


TRICKY = st.lists(st.sampled_from(list("ab #`~*:-=_<!>\\ \t\n") + ["\u2028", "\u2029", "\x85", "```", "~~~", "## ", "**Note:**", "<!--", "-->", "\n  "]),
                  min_size=1, max_size=30).map("".join).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(st.sampled_from(["completed", "learning", "blocker", "next", "collaboration"]), TRICKY), min_size=1, max_size=4))
def test_no_text_can_change_the_structure(ws, texts):
    """Whatever the text, the sections stay the same and each entry stays one entry."""
    from journal.session.document import strip_markers
    from journal.session.check import check_workspace
    from journal.session.store import create_session

    from journal.ids import ulid

    sid = "s-" + ulid()
    create_session(ws, sid, "Dev", "Structure")
    path = ws.active_path(sid)
    before = [s.title for s in SessionDoc.read(path).sections()]
    for kind, text in texts:
        try:
            add_entry(ws, sid, kind, text)
        except InvalidInput as e:  # only the documented refusal: control characters
            assert str(e) == "text contains control characters"
    doc = SessionDoc.read(path)
    assert [s.title for s in doc.sections()] == before
    markers = [line for line in doc.text().split("\n") if "<!-- evt:" in line]
    assert all(strip_markers(line).lstrip().startswith("- ") for line in markers)  # every entry starts a list item
    assert not [p for p in check_workspace(ws) if sid in p.path]


def test_a_code_block_left_open_to_the_end_is_closed_before_a_new_section(ws):
    """A hand-written fence never closed runs to the end of the file (CommonMark): a section
    journal adds there would be inside it, so journal closes the block first; what was
    written stays byte for byte and renders the same."""
    ref = create_session(ws, "s1", "Dev", "Fences")
    text = ref.path.read_text(encoding="utf-8")
    head, _rest = text.split("## Learnings", 1)
    hand = "## Notes\n\n````python\nprint('never closed')\n## Not a heading\n"
    ref.path.write_text(head + hand, encoding="utf-8")
    add_entry(ws, "s1", "learning", "Close your fences")
    after = ref.path.read_text(encoding="utf-8")
    assert after.split("## Notes", 1)[1].startswith(hand[len("## Notes"):] + "````\n\n## Learnings & Discoveries\n\n- ")
    titles = [s.title for s in SessionDoc.read(ref.path).sections()]
    assert titles[-2:] == ["Notes", "Learnings & Discoveries"] and "Not a heading" not in titles


_BODY_PIECES = [
    "## Current Work", "## Completed Today", "## Blockers", "## Next Steps", "## Coordination", "## Learnings",
    "# Title", "### Messages Sent", "### Messages Received", "### 2026-02-30", "### 2026-03-01", "- [ ] open item",
    "- [x] done", "- [X] 2026-13-45 10:99 odd date", "- [ ] 2026-03-01 12:00 blocked <!-- evt_01kjpwd6m0kwfxw87qpmsawk0d -->",
    "- **Working On:** thing", "- **Status:** Weird", "- **Progress:** 150%", "- **Progress:** -5%", "**Phases:**",
    '- 2026-03-01 10:00 → s2: "hi" (high)', '- 2026-03-01 10:00 → : "" ()', '- → s2: "unterminated',
    '- ← s2 2026-03-01 10:00: "x" (normal)', '- ← : ""', "  continuation", "```", "~~~", "````python",
    "<<<<<<< HEAD", "=======", ">>>>>>> other", "<!-- evt_x -->", "<!--", "", "\t- tab", "- [ ]", "**Label:**",
    '- 2026-03-01 10:00 → all: "broadcast" (urgent) <!-- msg_abc -->', "- **2026-02-30:** x", "# " + "x" * 300,
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, 60), st.sampled_from(_BODY_PIECES), st.booleans()), min_size=1, max_size=12),
       crlf=st.booleans(), archived=st.booleans())
def test_any_hand_written_body_is_read_by_every_command(edits, crlf, archived):
    """Headings, fences, markers, dates and message lines in any order: every command that
    reads or writes the log either does its job or refuses in one line, never an internal error."""
    from journal.coordination.board import board
    from journal.coordination.context import briefing
    from journal.coordination.handoff import handoff
    from journal.coordination.mail import acknowledge, inbox, send_message
    from journal.errors import JournalError
    from journal.session.check import check_workspace
    from journal.session.show import show_session
    from journal.session.store import archive_session

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(load_config(Path(tmp) / "coordination", cwd=Path(tmp)))
        ref = create_session(ws, "s1", "Dev", "Hand-written body")
        create_session(ws, "s2", "Reviewer", "Reads it")
        send_message(ws, "s2", "s1", "hello there")
        head, body = ref.path.read_text(encoding="utf-8").split("\n---\n", 1)
        lines = body.split("\n")
        for at, piece, insert in edits:
            if insert or not lines:
                lines.insert(at % (len(lines) + 1), piece)
            else:
                del lines[at % len(lines)]
        text = head + "\n---\n" + "\n".join(lines)
        ref.path.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode("utf-8"))
        if archived:
            archive_session(ws, "s1", "2026-03-01")
        steps = [lambda: check_workspace(ws), lambda: board(ws), lambda: inbox(ws, "s2"), lambda: briefing(ws, "s1"),
                 lambda: show_session(ws, "s1"), lambda: acknowledge(ws, "s1"), lambda: add_entry(ws, "s1", "blocker", "new"),
                 lambda: update_current_work(ws, "s1", working_on="w", progress=5),
                 lambda: resolve_blocker(ws, "s1", "1"), lambda: handoff(ws, "s1"), lambda: check_workspace(ws)]
        for step in steps:
            try:
                step()
            except JournalError as e:
                assert "\n" not in str(e) and str(e)
