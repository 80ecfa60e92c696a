"""The merge by meaning, as a library: session logs, event logs, conflict markers."""
from __future__ import annotations

import gzip
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from journal.events.merge import Log, merge_logs, merge_plain
from journal.session.document import SessionDoc
from journal.session.merge import has_markers, merge_session, sides_from_markers

BASE = """---
id: s1
role: Dev
status: planning
progress: 0
created: '2026-11-21T09:00:00Z'
updated: '2026-11-21T09:00:00Z'
---
# Session s1: Dev

## Current Work

- **Working On:** (not started)
- **Status:** Planning
- **Progress:** 0%

## Completed Today

**2026-11-21:**
- [x] first

## Blockers & Issues

- [ ] **2026-11-21 09:00:** waiting

## Next Steps

"""


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def _stamp(text: str, when: str) -> str:
    return _edit(text, "updated: '2026-11-21T09:00:00Z'", f"updated: '{when}'")


def test_entries_added_on_both_sides_are_kept_in_order_and_fields_take_the_newer_change() -> None:
    ours = _stamp(_edit(_edit(BASE, "- [x] first\n", "- [x] first\n- [x] ours 1\n- [x] ours 2\n"),
                        "- **Progress:** 0%", "- **Progress:** 20%").replace("progress: 0", "progress: 20"),
                  "2026-11-21T10:00:00Z")
    theirs = _stamp(_edit(_edit(BASE, "- [x] first\n", "- [x] first\n- [x] theirs 1\n"),
                          "- **Progress:** 0%", "- **Progress:** 50%").replace("progress: 0", "progress: 50"),
                    "2026-11-21T11:00:00Z")
    theirs = _edit(theirs, "## Next Steps\n\n", "## Next Steps\n\n- [ ] theirs next\n")
    merged = merge_session(BASE, ours, theirs, "s1.md")
    assert merged.conflicts == []
    text = merged.text
    assert text.index("ours 1") < text.index("ours 2") < text.index("theirs 1")
    assert "progress: 50" in text and "- **Progress:** 50%" in text and "updated: '2026-11-21T11:00:00Z'" in text
    assert "- [ ] theirs next" in text
    SessionDoc(text, "s1.md")
    assert merge_session(BASE, ours, ours, "s1.md").text == ours
    assert merge_session(BASE, BASE, theirs, "s1.md").text == theirs


def test_the_same_entry_edited_differently_is_a_true_conflict_between_markers() -> None:
    ours = _edit(BASE, "- [ ] **2026-11-21 09:00:** waiting", "- [x] **2026-11-21 09:00:** waiting — done here")
    theirs = _edit(BASE, "- [ ] **2026-11-21 09:00:** waiting", "- [x] **2026-11-21 09:00:** waiting — done there")
    theirs = _edit(theirs, "- [x] first\n", "- [x] first\n- [x] also there\n")
    merged = merge_session(BASE, ours, theirs, "s1.md", labels=("origin/main", "this clone"))
    [conflict] = merged.conflicts
    assert conflict.entry == "- [ ] **2026-11-21 09:00:** waiting"
    assert merged.text.splitlines()[conflict.line - 1] == "<<<<<<< origin/main"
    assert "also there" in merged.text and has_markers(merged.text)
    base, mine, other = sides_from_markers(merged.text)  # type: ignore[misc]
    assert "done here" in mine and "done there" in other and "waiting\n" in base


def test_a_log_that_ends_up_archived_is_done() -> None:
    ours = _stamp(_edit(BASE, "status: planning", "status: done").replace("**Status:** Planning", "**Status:** Done"),
                  "2026-11-21T10:00:00Z")
    theirs = _stamp(_edit(BASE, "status: planning", "status: testing").replace("**Status:** Planning", "**Status:** Testing"),
                    "2026-11-21T11:00:00Z")
    merged = merge_session(BASE, ours, theirs, "ARCHIVE/s1-2026-11-21.md", archived=True).text
    assert "status: done" in merged and "- **Status:** Done" in merged


def _event(eid: str, seq: int) -> bytes:
    return json.dumps({"event_id": eid, "seq": seq, "event_type": "note", "timestamp": "t"}).encode()


def _log(*events: tuple[str, int]) -> bytes:
    return b"".join(_event(e, s) + b"\n" for e, s in events)


def test_event_logs_union_by_id_and_published_seq_numbers_stay() -> None:
    base = _log(("a", 1), ("b", 2))
    remote = _log(("a", 1), ("b", 2), ("r1", 3), ("r2", 4))
    local = _log(("a", 1), ("b", 2), ("l1", 3))
    merged = [json.loads(line) for line in merge_plain(base, remote, local).splitlines()]
    assert [(e["event_id"], e["seq"]) for e in merged] == [("a", 1), ("b", 2), ("r1", 3), ("r2", 4), ("l1", 5)]


def test_a_log_compressed_on_one_side_and_appended_on_the_other() -> None:
    base = Log(None, _log(("a", 1), ("b", 2)))
    compressed = Log(gzip.compress(_log(("a", 1), ("b", 2))), None)
    appended = Log(None, _log(("a", 1), ("b", 2), ("c", 3)))
    for ours, theirs in ((compressed, appended), (appended, compressed)):
        out = merge_logs(base, ours, theirs)
        assert out.gz == compressed.gz
        assert [json.loads(line)["event_id"] for line in (out.plain or b"").splitlines()] == ["c"]


ENTRY = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Completed Today", "Next Steps", "Blockers & Issues"]), ENTRY), max_size=6),
       st.lists(st.tuples(st.sampled_from(["Completed Today", "Next Steps", "Blockers & Issues"]), ENTRY), max_size=6))
def test_entries_appended_on_two_sides_are_all_kept(ours_adds: list[tuple[str, str]], theirs_adds: list[tuple[str, str]]) -> None:
    from journal.session.document import entry_lines

    def add(text: str, adds: list[tuple[str, str]], side: str) -> str:
        doc = SessionDoc(text, "s1.md")
        for n, (section, entry) in enumerate(adds):
            doc.append_entry(doc.require(section), entry_lines(f"{side}{n} {entry}", "\n", "- [ ] "))
        return doc.text()

    merged = merge_session(BASE, add(BASE, ours_adds, "o"), add(BASE, theirs_adds, "t"), "s1.md")
    assert merged.conflicts == []
    for side, adds in (("o", ours_adds), ("t", theirs_adds)):
        for n, (section, entry) in enumerate(adds):
            line = f"- [ ] {side}{n} {entry}\n"
            assert merged.text.count(line) == 1
            doc = SessionDoc(merged.text, "s1.md")
            part = doc.require(section)
            assert line in doc.lines[part.start:part.end]
