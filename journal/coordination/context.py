"""The briefing that lets a person or an agent pick up a session ("memory" / "resume").

Where the session stands (mission, status, current work, blockers, next steps,
unread messages, recent completions) plus the shared learnings that matter most
to it, ranked with BM25 against the session's own words; all under a character
budget, giving up lower-priority parts first, whole lines at a time.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal import clock
from journal.session.knowledge import LEARNING_PRIORITIES, Learning, shared_entries
from journal.workspace import Workspace

DEFAULT_MAX_CHARS = 6000
MAX_LEARNINGS = 5
ITEM_CHARS = 400
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_+#.-]*[a-z0-9+#]|[a-z0-9]")
_STOP = frozenset(
    "a an and are as at be but by for from has have in into is it its of on or our so that the their them "
    "then there these this to was we were will with not no do does done can could should would may might "
    "you your i me my up out about after before over under more most very just also than too via per "
    "session sessions step steps next work working continue".split()
)
PRIORITY_BOOST = dict(zip(LEARNING_PRIORITIES, (0.9, 1.0, 1.2, 1.3)))


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    """Lower-case, stop-word-free, lightly stemmed words of ``text``."""
    return [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in _STOP and len(t) > 1]


def rank(entries: list[Learning], query: str, limit: int = MAX_LEARNINGS) -> list[Learning]:
    """The entries most relevant to ``query`` by BM25 (k1=1.2, b=0.75), best first; zero scores left out."""
    words = set(tokens(query))
    if not words or not entries:
        return []
    docs = [tokens(f"{e.category} {e.category} {e.text}") for e in entries]
    avg = sum(map(len, docs)) / len(docs) or 1.0
    df = Counter(w for d in docs for w in set(d) if w in words)
    n = len(docs)
    for e, d in zip(entries, docs):
        tf = Counter(w for w in d if w in words)
        score = 0.0
        for w, f in tf.items():
            idf = math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5))
            score += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len(d) / avg))
        e.score = score * PRIORITY_BOOST.get((e.priority or "").lower(), 1.0)
    hits = [e for e in entries if e.score > 0]
    hits.sort(key=lambda e: (-e.score, e.date or ""), reverse=False)
    return hits[:limit]


def clip(text: str, limit: int = ITEM_CHARS) -> str:
    """One line of at most ``limit`` characters, cut at a word, with balanced ` and ** markup."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    cut = cut.rstrip()
    if cut.count("`") % 2:
        cut = cut[: cut.rindex("`")].rstrip()
    if cut.count("**") % 2:
        cut = cut[: cut.rindex("**")].rstrip()
    return cut + "…"


@dataclass
class Block:
    """A titled part of the briefing; lower ``rank`` is given up first."""

    key: str
    title: str
    items: list[str]
    rank: int
    more_hint: str = ""
    dropped: int = 0
    extra: list[str] = field(default_factory=list)

    def render(self) -> str:
        if not self.items and not self.extra:
            return ""
        lines = [f"## {self.title}", "", *self.extra, *self.items]
        if self.dropped:
            lines.append(f"- … {self.dropped} more{self.more_hint}")
        return "\n".join(lines) + "\n"


def render_briefing(header: list[str], blocks: list[Block], left_out: list[str], see: str) -> str:
    """The briefing's text: the header, each block, and what was left out for length."""
    parts = ["\n".join(header) + "\n"] + [b.render() for b in blocks]
    if left_out:
        parts.append(f"_Left out for length: {', '.join(left_out)} (see {see})._\n")
    return "\n".join(parts)


def _fit(header: list[str], blocks: list[Block], limit: int, see: str) -> str:
    left_out: list[str] = []

    def render() -> str:
        return render_briefing(header, blocks, left_out, see)

    def drop(victim: Block, keep: int) -> None:  # keep the first ``keep`` items, count the rest
        victim.dropped += len(victim.items) - keep
        del victim.items[keep:]

    text = render()
    while len(text) > limit and blocks:
        # Items go from the end of the lowest-ranked block until the text fits, the block when it
        # has none left. The text shrinks with each item dropped (a line of two characters or more
        # goes, the count of those left out grows by a digit at most), so the most items that fit
        # are found by halving, in a few renders, not one render an item.
        victim = min(blocks, key=lambda b: b.rank)
        items, dropped = list(victim.items), victim.dropped
        lo, hi = 0, len(items) - 1  # the most items kept that may fit lies in [lo, hi]
        while lo < hi:
            mid = (lo + hi + 1) // 2
            victim.items[:], victim.dropped = items, dropped
            drop(victim, mid)
            if len(render()) <= limit:
                lo = mid
            else:
                hi = mid - 1
        victim.items[:], victim.dropped = items, dropped
        drop(victim, max(lo, 0))
        if not victim.items:
            blocks.remove(victim)
            left_out.append(victim.title.split(" (")[0].lower())
        text = render()
    if len(text) > limit:  # only the header is left: keep whole lines
        cut = text[: max(0, limit - 2)]
        text = cut[: cut.rfind("\n") + 1] if "\n" in cut else ""
        text += "…\n" if len(text) + 2 <= limit else ""
    return text


def briefing(ws: Workspace, sid: str, max_chars: int = DEFAULT_MAX_CHARS) -> dict[str, Any]:
    """Everything needed to pick ``sid`` up, as data plus the Markdown text within ``max_chars``."""
    from journal.coordination.mail import inbox
    from journal.coordination.view import load_view
    from journal.errors import InvalidInput, NotFound
    from journal.ids import validate_id

    if max_chars < 200:
        raise InvalidInput("--max-chars must be at least 200")
    validate_id(sid)
    view = load_view(ws)
    d = view.full(sid)
    if d is None:
        raise NotFound(f"no session {sid!r} in ACTIVE or ARCHIVE of {ws.root}")
    if d.get("error"):
        raise InvalidInput(f"session {sid!r} cannot be read: {d['error']}")
    path = ws.rel(Path(d["path"]))
    unread = inbox(ws, sid, view=view)
    query = " ".join([str(d.get("mission") or ""), str(d.get("working_on") or ""), str(d.get("role") or ""),
                      *d["next"], *(b[0] for b in d["blockers"]), *(p[1] for p in d["phases"] if not p[0])])
    learnings = rank(shared_entries(ws), query)
    now = clock.now()
    idle = clock.age_hours(d.get("updated"), now)
    header = [f"# Context: {sid}" + (f" — {d['role']}" if d.get("role") else ""), ""]
    header.append(f"**Mission:** {clip(d.get('mission') or '(not set)')}")
    status = f"**Status:** {d.get('status') or '?'} · **Progress:** {d.get('progress', '?')}%"
    if d.get("updated"):
        status += f" · **Updated:** {d['updated']}" + (f" ({idle:.0f}h ago)" if idle is not None else "")
    adopted = d.get("adopted") is not False
    header.append(status + ("  ·  archived" if d["archived"] else "") + ("" if adopted else "  ·  not adopted"))
    if d.get("owner"):
        header.append(f"**Owner:** {d['owner']}" + (f" ({d['owner_kind']})" if d.get("owner_kind") else ""))
    if d.get("handoff_from"):
        prev = view.sessions.get(d["handoff_from"])
        where = f" (`{ws.rel(Path(prev['path']))}`)" if prev else ""
        header.append(f"**Continues:** {d['handoff_from']}{where}")
    if d.get("handoff_to"):
        header.append(f"**Handed off to:** {d['handoff_to']}")
    events = ws.events_path(sid)
    header.append(f"**Full log:** `{path}`" + (f" · **Events:** `{ws.rel(events)}`" if events.exists() else ""))
    completed = [(day, text, None) for day, text in reversed(d["completed"])]
    prev = view.full(d.get("handoff_from") or "")
    if prev is not None and len(completed) < 5:  # what the predecessor finished, after one's own
        completed += [(day, text, prev["id"]) for day, text in reversed(prev.get("completed") or [])]
    phases = [f"- [{'x' if done else ' '}] {clip(text)}" for done, text in d["phases"]]
    current_extra = [f"**Working on:** {clip(d['working_on'])}", ""] if d.get("working_on") else []
    blocks = [
        Block("current", "Current work", phases, 3, f" in `{path}`", extra=current_extra),
        Block("blockers", f"Open blockers ({len(d['blockers'])})",
              [f"- [ ] {clip(t)}" + (f" _(since {s[:10]})_" if s else "") for t, s in d["blockers"]], 7,
              f" in `{path}`"),
        Block("next", "Next steps", [f"- [ ] {clip(t)}" for t in d["next"]], 6, f" in `{path}`"),
        Block("messages", f"Unread messages ({len(unread)})",
              [f"- {m.sent} {'broadcast ' if m.broadcast else ''}from {m.sender}" + (f" to {m.via}" if m.via else "")
               + f" ({m.priority}): {clip(m.text)} `{m.id}`"
               for m in unread], 5, f" (journal inbox -s {sid})"),
        Block("completed", "Recently completed",
              [f"- [x] {clip(t)}" + (f" _({day}{', in ' + who if who else ''})_" if day or who else "")
               for day, t, who in completed[:10]], 1,
              f" in `{path}`"),
        Block("learnings", "Relevant shared learnings",
              [f"- **{clip(e.category, 80)}**" + (f" ({e.priority})" if e.priority else "") + f": {clip(e.text)}"
               + f" — `{e.path}:{e.line}`" for e in learnings], 2, " (journal grep --knowledge)"),
    ]
    order = ["current", "blockers", "next", "messages", "completed", "learnings"]
    blocks.sort(key=lambda b: order.index(b.key))
    text = _fit(header, [b for b in blocks if b.items or b.extra], max_chars, f"`{path}`")
    return {
        "id": sid, "path": path, "archived": d["archived"], "adopted": adopted,
        "role": d.get("role"), "mission": d.get("mission"),
        "status": d.get("status"), "progress": d.get("progress"), "updated": d.get("updated"),
        "owner": d.get("owner"), "handoff_from": d.get("handoff_from"), "handoff_to": d.get("handoff_to"),
        "working_on": d.get("working_on"), "phases": [{"done": a, "text": b} for a, b in d["phases"]],
        "open_blockers": [{"text": t, "since": s} for t, s in d["blockers"]], "next_steps": d["next"],
        "unread_messages": [m.as_dict() for m in unread],
        "completed": [{"date": a, "text": b} for a, b in d["completed"]],
        "learnings": [e.as_dict() for e in learnings], "markdown": text,
    }
