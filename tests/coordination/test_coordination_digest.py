"""A slim digest (what an archived log is read for) is the whole digest without its items.

It reads only the coordination section when the body has no fence; whatever the layout of
the log, its mail, acknowledgements and frontmatter fields must be those of the whole read.
"""
from __future__ import annotations

import pytest

from journal.coordination.digest import SLIM, digest_text

FRONT = """---
id: a
role: Dev
mission: Ship
status: active
progress: 40
created: '2026-12-01T08:00:00Z'
updated: '2026-12-02T09:30:00Z'
owner:
  kind: agent
  agent: claude-code
---
"""

COORDINATION = """## Coordination

**Messages Sent:**
- 2026-12-01 08:03 → b: "hello there" (normal)
  second line
- 2026-12-01 09:00 → all: "deploy at noon" (high)

**Messages Received:**
- 2026-12-01 10:00 ← b: "thanks" (normal)
- 10:30 ← c: "noted by hand" (urgent)
"""

REST = """## Current Work

- **Working On:** the importer
- [x] parse
- [ ] wire

## Completed Today

**2026-12-01:**
- [x] did X

## Blockers & Issues

- [ ] waiting on samples

## Next Steps

- [ ] do Y
"""

BODIES = {
    "template order": "# Session a: Dev\n\n" + REST.replace("## Next Steps", COORDINATION + "\n## Next Steps"),
    "coordination last": "# Session a\n\n" + REST + "\n" + COORDINATION,
    "coordination first, no title": COORDINATION + "\n" + REST,
    "a message's lines run to the next heading": COORDINATION.rstrip("\n") + "\n  more of it\n## Next Steps\n- [ ] x\n",
    "two coordination sections": COORDINATION + REST + COORDINATION.replace("hello there", "again"),
    "a level-1 heading ends it": COORDINATION.replace("**Messages Received:**",
                                                      "# Appendix\n- 2026-12-01 11:00 → b: \"not mail\" (normal)\n"
                                                      "\n**Messages Received:**"),
    "level-3 headings inside": COORDINATION.replace("**Messages Sent:**", "### Messages Sent")
                                           .replace("**Messages Received:**", "### 2026-12-01\n### Messages Received"),
    "heading with closing hashes and a tab": COORDINATION.replace("## Coordination", "##\tCoordination ##") + REST,
    "a look-alike heading": "##Coordination\n- 2026-12-01 08:03 → b: \"not mail\" (normal)\n" + REST,
    "a heading of level 7": "####### x\n" + COORDINATION + "\n####### y\n- 2026-12-01 08:03 → b: \"still\" (normal)\n",
    "a fence (read whole)": REST.replace("- [ ] do Y", "```\n## Coordination\n- 2026-12-01 08:03 → b: \"in code\" (normal)\n```")
                            + COORDINATION,
    "CRLF line ends": (REST + COORDINATION).replace("\n", "\r\n"),
    "no coordination section": REST,
    "empty body": "",
    "no final newline": REST + COORDINATION.rstrip("\n"),
}


@pytest.mark.parametrize("body", BODIES.values(), ids=list(BODIES))
def test_a_slim_digest_is_the_whole_digest_without_its_items(body: str) -> None:
    whole = digest_text(FRONT + body, "a")
    slim = digest_text(FRONT + body, "a", slim=True)
    assert slim.pop("slim") is True
    assert slim == {k: v for k, v in whole.items() if k not in SLIM}


def test_the_layouts_above_hold_mail() -> None:
    """(The comparison above is not of two empty digests.)"""
    d = digest_text(FRONT + BODIES["template order"], "a", slim=True)
    assert [m[4] for m in d["sent"]] == ["hello there\nsecond line", "deploy at noon"]
    assert d["noted"] and d["acked"]
    two = digest_text(FRONT + BODIES["two coordination sections"], "a", slim=True)
    assert [m[4] for m in two["sent"]][-2] == "again\nsecond line"
