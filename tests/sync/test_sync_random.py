"""The randomized test: 3 clones × 30 rounds of random journal work, meeting at one bare remote.

Each round every clone does some random work (create, update, add, resolve, message,
broadcast, share-learning, events add, archive, restore, events archive), through the
library in this process, then the clones sync in random order; in half the rounds they
sync concurrently, while 3 agent processes in one of the clones add to their own sessions
and sync too. After a final sync everywhere: the workspaces are identical, every entry,
message, learning, event and session written anywhere is there exactly once, ``journal
check`` passes, and no clone has conflict markers, stash entries or a rebase in progress.

JOURNAL_SYNC_ROUNDS and JOURNAL_SYNC_SEED change the number of rounds and the seed.
"""
from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from clones import WS, git, journal, make_clones, no_rebase_or_merge, workspace_files

ROUNDS = int(os.environ.get("JOURNAL_SYNC_ROUNDS", "30"))
SEED = int(os.environ.get("JOURNAL_SYNC_SEED", "20261201"))
CLONES = 3
AGENTS = 3

AGENT = r"""
import json, sys
from pathlib import Path
from journal.config import load_config
from journal.workspace import Workspace
from journal.session.store import create_session
from journal.session.edits import add_entry
from journal.events.store import append_event
from journal.coordination.sync import sync

root, sid, tokens = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
ws = Workspace(load_config(root, cwd=root.parent))
if not (ws.active_dir / f"{sid}.md").exists():
    create_session(ws, sid, "Agent", "Work of an agent", agent="test-agent")
for token in tokens:
    add_entry(ws, sid, "completed", token)
append_event(ws, sid, "note", data={"token": tokens[0]})
result = sync(ws, session=sid)
print(json.dumps({"pushed": result.pushed, "attempts": result.attempts}))
"""


class World:
    """The clones, what was written where, and how often each thing happened."""

    def __init__(self, clones: list[Path], rng: random.Random) -> None:
        from journal.config import load_config
        from journal.workspace import Workspace

        self.clones = clones
        self.rng = rng
        self.ws = [Workspace(load_config(c / WS, cwd=c)) for c in clones]
        self.tokens: list[str] = []  # entries, messages and learnings: each in the session logs once
        self.shared: list[str] = []  # learnings: each in shared-knowledge once too
        self.sessions: set[str] = set()
        self.owner: dict[str, int] = {}
        self.events: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.n = 0

    def token(self, what: str) -> str:
        self.n += 1
        return f"{what}-{self.n:04d}-{self.rng.randrange(16 ** 6):06x}"

    def active(self, i: int) -> list[str]:
        return sorted(p.stem for p in self.ws[i].active_dir.glob("*.md"))

    def archived(self, i: int) -> list[str]:
        from journal.workspace import ARCHIVE_NAME

        names = [ARCHIVE_NAME.match(p.name) for p in self.ws[i].archive_dir.glob("*.md")]
        active = set(self.active(i))
        return sorted({m["id"] for m in names if m and m["id"] not in active})

    def scan_events(self) -> None:
        for ws in self.ws:
            for path in ws.events_dir.glob("*.jsonl*"):
                data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
                self.events |= {json.loads(line)["event_id"] for line in data.splitlines() if line.strip()}

    # one random piece of work in clone i ---------------------------------------------------
    def work(self, i: int) -> None:
        from journal.errors import JournalError

        ws, rng = self.ws[i], self.rng
        active = [s for s in self.active(i)]
        mine = [s for s in active if self.owner.get(s) == i]
        ops = ["create"] * 2 + ["add"] * 6 + ["update"] * 2 + ["message", "broadcast", "share", "event"] * 1
        if mine:
            ops += ["resolve", "resolve", "phase-done"]
        ops += ["archive", "restore", "compress"]
        op = rng.choice(ops) if active else "create"
        try:
            self._do(op, i, ws, active, mine)
        except JournalError as e:  # a precondition the pick did not foresee (no open blocker…)
            self.counts[f"skipped {op}: {type(e).__name__}"] += 1

    def _do(self, op: str, i: int, ws, active: list[str], mine: list[str]) -> None:
        from journal.coordination.mail import broadcast, send_message
        from journal.events.archive import archive_logs
        from journal.events.store import append_event
        from journal.session.document import SessionDoc
        from journal.session.edits import add_entry, open_blocker_items, resolve_blocker, update_current_work
        from journal.session.knowledge import share_learning
        from journal.session.store import archive_session, create_session, restore_session

        rng = self.rng
        pick = rng.choice(active) if active else None
        if op == "create":
            sid = f"c{i}-s{self.n + 1}"
            self.n += 1
            create_session(ws, sid, "Dev", f"work of clone {i}")
            self.sessions.add(sid)
            self.owner[sid] = i
        elif op == "add":
            token = self.token("entry")
            section = rng.choice(["completed", "service", "learning", "next", "blocker"])
            if section == "blocker" and mine:  # a clone resolves only its own sessions' blockers
                pick = rng.choice(mine)
            add_entry(ws, pick, section, token)
            self.tokens.append(token)
        elif op == "update":
            token = self.token("phase")
            update_current_work(ws, pick, status=rng.choice(["building", "testing", "review"]),
                                progress=rng.randrange(101), phases=(token,))
            self.tokens.append(token)
        elif op == "phase-done":
            sid = rng.choice(mine)
            doc = SessionDoc.read(ws.active_path(sid))
            if "- [ ] phase-" in doc.text():
                update_current_work(ws, sid, phases_done=("1",))
            else:
                return
        elif op == "resolve":
            sid = rng.choice(mine)
            if not open_blocker_items(SessionDoc.read(ws.active_path(sid))):
                return
            token = self.token("resolved")
            resolve_blocker(ws, sid, "1", token)
            self.tokens.append(token)
        elif op == "message":
            others = [s for s in active if s != pick]
            if not others:
                return
            token = self.token("message")
            send_message(ws, pick, rng.choice(others), token, rng.choice(["low", "normal", "high"]))
            self.tokens.append(token)
        elif op == "broadcast":
            token = self.token("broadcast")
            broadcast(ws, pick, token, "normal")
            self.tokens.append(token)
        elif op == "share":
            token = self.token("learning")
            share_learning(ws, "Sync", token, "medium", session_id=pick)
            self.tokens.append(token)
            self.shared.append(token)
        elif op == "event":
            sid = rng.choice(active + self.archived(i))
            append_event(ws, sid, "note", data={"token": self.token("event")})
        elif op == "archive":
            candidates = [s for s in active if "agent" not in s]
            if not candidates:
                return
            archive_session(ws, rng.choice(candidates), "2026-11-21")
        elif op == "restore":
            candidates = self.archived(i)
            if not candidates:
                return
            restore_session(ws, rng.choice(candidates))
        elif op == "compress":
            if not archive_logs(ws, 0):
                return
        self.counts[op] += 1


def _agents(world: World, k: int, rnd: int) -> list[subprocess.Popen[str]]:
    procs = []
    for j in range(AGENTS):
        sid = f"c{k}-agent{j}"
        world.sessions.add(sid)
        tokens = [world.token("agent") for _ in range(world.rng.randint(1, 2))]
        world.tokens += tokens
        procs.append(subprocess.Popen([sys.executable, "-c", AGENT, str(world.clones[k] / WS), sid, json.dumps(tokens)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return procs


def _sync(clone: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "journal", "sync"], cwd=clone, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait(procs: list[subprocess.Popen[str]], what: str) -> None:
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, f"{what} exited {p.returncode}:\n{out}\n{err}"


def _count(texts: list[str], token: str) -> int:
    return sum(t.count(token) for t in texts)


def test_three_clones_thirty_rounds_of_random_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    _, clones = make_clones(tmp_path, [f"c{i}" for i in range(CLONES)], {"src/app.py": "print('hi')\n"})
    world = World(clones, rng)
    syncs = concurrent_rounds = 0
    for rnd in range(ROUNDS):
        monkeypatch.setenv("JOURNAL_NOW", f"2026-11-21T{9 + rnd // 60:02d}:{rnd % 60:02d}:00Z")
        for i in range(CLONES):
            for _ in range(rng.randint(1, 3)):
                world.work(i)
        world.scan_events()
        order = rng.sample(range(CLONES), CLONES)
        if rnd % 2 == 1:  # half the rounds: every clone at once, and agents in one of them
            concurrent_rounds += 1
            k = rng.randrange(CLONES)
            procs = [_sync(clones[i]) for i in order] + _agents(world, k, rnd)
            _wait(procs, f"round {rnd}: a concurrent sync")
            syncs += CLONES + AGENTS
            world.counts["agent runs"] += AGENTS
        else:
            for i in order:
                _wait([_sync(clones[i])], f"round {rnd}: the sync of c{i}")
                syncs += 1
        world.scan_events()
    for _ in range(2):  # a final sync everywhere, twice: the first clone gets the last clone's work
        for clone in clones:
            journal(clone, "sync")
            syncs += 1

    # identical workspaces, and every clone at the remote's tip with nothing left over
    files = [workspace_files(c) for c in clones]
    for other in files[1:]:
        assert other.keys() == files[0].keys() and other == files[0]
    heads = {git(c, "rev-parse", "HEAD").strip() for c in clones}
    assert len(heads) == 1 and heads == {git(clones[0], "rev-parse", "origin/main").strip()}
    for clone in clones:
        assert git(clone, "status", "--porcelain") == ""
        assert git(clone, "stash", "list") == "" and no_rebase_or_merge(clone)
        journal(clone, "check")
    root = clones[0] / WS
    sessions_text = [p.read_text(encoding="utf-8") for p in sorted((root / "sessions").rglob("*.md"))
                     if p.parent.name in ("ACTIVE", "ARCHIVE")]
    knowledge_text = [p.read_text(encoding="utf-8") for p in sorted((root / "shared-knowledge").glob("*.md"))]
    everything = sessions_text + knowledge_text + [p.read_text(encoding="utf-8", errors="replace")
                                                   for p in (root / "events").glob("*.jsonl")]
    assert not any("<<<<<<<" in t or "\n=======\n" in t or ">>>>>>>" in t for t in everything)
    missing = [t for t in world.tokens if _count(sessions_text, t) != 1]
    assert missing == [], f"{len(missing)} entries not exactly once, e.g. {missing[:3]}"
    assert [t for t in world.shared if _count(knowledge_text, t) != 1] == []
    # every session written anywhere: in exactly one place
    places: Counter[str] = Counter()
    for path in (root / "sessions/ACTIVE").glob("*.md"):
        places[path.stem] += 1
    from journal.workspace import ARCHIVE_NAME

    for path in (root / "sessions/ARCHIVE").glob("*.md"):
        m = ARCHIVE_NAME.match(path.name)
        if m:
            places[m["id"]] += 1
    assert {s: places[s] for s in world.sessions if places[s] != 1} == {}
    # every event written anywhere: exactly once
    final: Counter[str] = Counter()
    for path in (root / "events").glob("*.jsonl*"):
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        final.update(json.loads(line)["event_id"] for line in data.splitlines() if line.strip())
    assert set(final) == world.events and max(final.values()) == 1
    with capsys.disabled():
        work = ", ".join(f"{k} {v}" for k, v in sorted(world.counts.items()))
        print(f"\nrandomized sync (seed {SEED}): {CLONES} clones × {ROUNDS} rounds ({concurrent_rounds} concurrent, "
              f"{AGENTS} agents in one clone each time): {syncs} syncs, all succeeded; "
              f"{len(world.sessions)} sessions, {len(world.tokens)} entries/messages/learnings "
              f"({len(world.shared)} learnings shared), {len(world.events)} events, each exactly once; work: {work}")
