"""The briefing's fit to its length (``context._fit``): the same text as giving up one item at a
time, found in a few renders (a log of 40,000 next steps took 48 s one item at a time)."""
from __future__ import annotations

import copy
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from journal.coordination.context import Block, _fit, render_briefing


def one_at_a_time(header: list[str], blocks: list[Block], limit: int, see: str) -> str:
    """The reference: drop the last item of the lowest-ranked block, render, again."""
    left_out: list[str] = []

    def render() -> str:
        return render_briefing(header, blocks, left_out, see)

    text = render()
    while len(text) > limit and blocks:
        victim = min(blocks, key=lambda b: b.rank)
        if victim.items:
            victim.items.pop()
            victim.dropped += 1
        if not victim.items:
            blocks.remove(victim)
            left_out.append(victim.title.split(" (")[0].lower())
        text = render()
    if len(text) > limit:
        cut = text[: max(0, limit - 2)]
        text = cut[: cut.rfind("\n") + 1] if "\n" in cut else ""
        text += "…\n" if len(text) + 2 <= limit else ""
    return text


ITEM = st.text(alphabet="abc xyz`*", min_size=1, max_size=30).map(lambda t: "- " + t)
BLOCK = st.builds(lambda title, items, rank, extra, hint: Block(title.lower(), title, items, rank, hint, 0, extra),
                  st.sampled_from(["Next Steps (3)", "Blockers", "Inbox (2 unread)", "Learnings"]),
                  st.lists(ITEM, max_size=40), st.integers(0, 5), st.lists(ITEM, max_size=2),
                  st.sampled_from(["", " in `sessions/ACTIVE/s1.md`"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(BLOCK, max_size=5), st.integers(0, 900))
def test_fit_equals_dropping_one_item_at_a_time(blocks: list[Block], limit: int) -> None:
    header = ["# Briefing: s1", "", "Mission: wire it up"]
    assert _fit(header, copy.deepcopy(blocks), limit, "x.md") == one_at_a_time(header, copy.deepcopy(blocks), limit,
                                                                                  "x.md")


def test_forty_thousand_items_fit_as_one_at_a_time_would() -> None:
    rng = random.Random(7)
    items = [f"- [ ] step {n} of the plan{' with more words' * rng.randint(0, 3)}" for n in range(40_000)]
    blocks = [Block("next", "Next Steps", items, 2, " in `s1.md`"), Block("done", "Completed", items[:500], 1)]
    text = _fit(["# Briefing: s1"], copy.deepcopy(blocks), 8000, "s1.md")
    assert len(text) <= 8000 and "- … " in text and "_Left out for length: completed" in text
    small = [Block("next", "Next Steps", items[:3000], 2, " in `s1.md`"), Block("done", "Completed", items[:300], 1)]
    assert _fit(["# Briefing: s1"], copy.deepcopy(small), 8000, "s1.md") == \
        one_at_a_time(["# Briefing: s1"], copy.deepcopy(small), 8000, "s1.md")
