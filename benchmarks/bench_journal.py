#!/usr/bin/env python3
"""Benchmark the journal CLI against anchors measured in the same run.

Builds (or reuses) a corpus of active and archived session logs under
benchmarks/.corpus/, then times each command with the wall clock of a real
process and prints it as a ratio to an anchor:

  journal --version / create / add   vs  a one-option Typer app  (and vs python -c pass)
  journal grep PATTERN --archived    vs  grep -rn PATTERN ACTIVE ARCHIVE
  journal list --all [--json]        vs  grep -h '^status:' -r sessions

The one-option Typer app runs in this same Python with the same typer, so its
ratio is what journal adds to the framework's own floor on that typer line (from
typer 0.29 on the floor includes pydantic, which typer loads to coerce the
option); `python -c pass` is the floor of any Python program.

Every timing is the median of --repeat runs after one untimed warm-up run
(the list cache under <root>/.journal/ is warm after it, the steady state);
the cold list time is measured once after deleting <root>/.journal/cache.

This is a report, not a test: it exits 0 whatever the ratios are, and only
fails when a command itself fails.

    python benchmarks/bench_journal.py                       # 500 active, 20,000 archived
    python benchmarks/bench_journal.py --active 50 --archived 500 --repeat 3
    python benchmarks/bench_journal.py --json-out results.json
    python benchmarks/bench_journal.py --startup-only --repeat 21   # only --version, create and add
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
CORPUS_VERSION = 1  # bump when the generated content changes, to rebuild cached corpora
SEED = 20240601

# A word in about 1% of the files, and one in about 0.05% of them; neither
# appears anywhere else in the generated text.
COMMON_WORD, COMMON_RATE = "idempotency", 0.01
RARE_WORD, RARE_RATE = "OOMKilled", 0.0005

ROLES = ("DevOps Engineer", "Backend Developer", "Frontend Developer", "Data Engineer", "QA Engineer",
         "Security Reviewer", "Tech Writer", "Platform Engineer", "ML Engineer", "SRE")
SERVICES = ("email-service", "auth-service", "billing-api", "search-indexer", "notification-worker",
            "user-profile", "payments-gateway", "report-builder", "image-resizer", "audit-log",
            "feature-flags", "rate-limiter", "session-store", "webhook-relay", "metrics-exporter")
VERBS = ("Deployed", "Refactored", "Fixed", "Added tests for", "Documented", "Migrated", "Reviewed",
         "Profiled", "Hardened", "Split", "Upgraded dependencies of", "Added retries to",
         "Removed dead code from", "Wrote a runbook for", "Added metrics to")
OBJECTS = ("the retry loop", "the database schema", "the staging config", "the CI pipeline",
           "the connection pool", "the cache layer", "the health checks", "the REST handlers",
           "the background jobs", "the login flow", "the error pages", "the CSV export",
           "the queue consumer", "the TLS settings", "the pagination code")
DETAILS = ("behind a feature flag", "with a rollback plan", "after the load test", "for the v2 API",
           "on all three regions", "with 95% coverage", "without downtime", "to cut p99 latency",
           "as agreed with the platform team", "before the release freeze", "and updated the docs",
           "after reproducing it locally")
LEARNINGS = ("Using asyncio.gather() speeds up parallel API calls by an order of magnitude",
             "The ORM issues one query per row unless select_related is used",
             "Connection pool exhaustion shows up first as timeouts in the health check",
             "Feature flags must default to off in the staging config",
             "The CI cache key has to include the lock file or stale wheels are used",
             "Structured logs make the incident timeline much easier to rebuild",
             "Batching writes to the queue cut the broker CPU in half",
             "Pinning the base image digest avoids surprise rebuilds",
             "The tracing sampler drops spans when the buffer is full",
             "Retries without jitter synchronise clients into bursts")
BLOCKERS = ("Waiting for staging credentials from the platform team",
            "The integration tests are flaky on the shared runner",
            "Need a decision on the schema migration window",
            "The vendor sandbox is down since this morning",
            "Code review pending for the auth changes",
            "Quota exceeded on the test cloud project")
MESSAGES = ("Can you review the migration plan?", "The API contract is ready for you",
            "Deploy window moved to Thursday", "Please hold merges to main for an hour",
            "Found the cause of the flaky test", "Staging is green again",
            "Need your input on the retry policy", "Handing off the billing work to you")
PRIORITIES = ("low", "normal", "high", "urgent")

# The framework's floor: a Typer app with one option, given a value so that typer parses and
# coerces it, as it does journal's options.
TYPER_APP = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.command()\n"
    "def main(name: str = typer.Option('x', '--name', help='A name.')) -> None:\n"
    "    print(name)\n"
    "app()\n"
)
STATUSES = ("planning", "building", "building", "testing", "review", "blocked")


# -- corpus --------------------------------------------------------------------------------
def journal_exe() -> Path:
    """The console script users run: `journal` next to this Python."""
    exe = Path(sys.executable).parent / "journal"
    if not exe.exists():
        sys.exit(f"bench: no journal console script at {exe}; install the project in this venv")
    return exe


def typer_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("typer")
    except PackageNotFoundError:
        return "not installed"


def run_checked(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode(errors='replace')}")
    return proc


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _evt(rng: random.Random) -> str:
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return " <!-- evt:evt_" + "".join(rng.choice(alphabet) for _ in range(26)) + " -->"


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} of {rng.choice(SERVICES)} {rng.choice(DETAILS)}"


class Shape:
    """The real shape of a session log, taken from one created through the CLI."""

    def __init__(self, text: str, seed_id: str, role: str, mission: str) -> None:
        if not text.startswith("---\n"):
            sys.exit("bench: the seed session has no frontmatter")
        end = text.index("\n---\n", 3)
        self.front = text[4:end + 1].splitlines()
        self.body = text[end + 5:]
        self.seed_id, self.role, self.mission = seed_id, role, mission
        created = re.search(r"^created: '?([^'\n]+)'?$", text, re.M)
        self.created = created.group(1) if created else ""
        for anchor in ("**Working On:** (not started)", "**Status:** Planning", "**Progress:** 0%",
                       "**Current Phase:**\n", "## Completed Today\n\n", "## Services Built/Modified\n\n",
                       "## Learnings & Discoveries\n\n", "## Blockers & Issues\n\n", "**Messages Sent:**\n",
                       "**Messages Received:**\n", "**Collaborations:**\n", "## Next Steps\n"):
            if anchor not in self.body:
                sys.exit(f"bench: the session template changed; {anchor.strip()!r} not found in the seed")

    def frontmatter(self, values: dict[str, object], extra: list[str]) -> str:
        lines = []
        for line in self.front:
            indent = line[: len(line) - len(line.lstrip())]
            key = line.strip().split(":", 1)[0]
            if key in values and line.rstrip() != f"{indent}{key}:":  # a scalar, not a mapping's head
                line = f"{indent}{key}: {values[key]}"
            lines.append(line)
        return "---\n" + "\n".join(lines + extra) + "\n---\n"

    def render(self, rng: random.Random, sid: str, archived: bool, start: datetime, words: list[str]) -> str:
        role = rng.choice(ROLES)
        mission = f"{rng.choice(VERBS)} {rng.choice(SERVICES)}"
        status = "done" if archived else rng.choice(STATUSES)
        progress = 100 if archived else rng.randrange(0, 100, 5)
        days = rng.randint(1, 6)
        updated = start + timedelta(days=days - 1, hours=rng.randint(1, 9), minutes=rng.randint(0, 59))
        values: dict[str, object] = {
            "id": sid, "role": role, "mission": mission, "status": status, "progress": progress,
            "created": f"'{_iso(start)}'", "updated": f"'{_iso(updated)}'",
            "events": f"events/{sid}.jsonl", "branch": f"feature/{rng.choice(SERVICES)}",
        }
        extra = [f"archived_from_status: {rng.choice(STATUSES[1:])}", f"ended: '{_iso(updated)}'"] if archived else []
        body = self.body.replace(f"# Session {self.seed_id}: {self.role}", f"# Session {sid}: {role}")
        body = body.replace(f"**Mission:** {self.mission}", f"**Mission:** {mission}")
        body = body.replace(self.created, _iso(start))
        body = re.sub(r"(\*\*Branch:\*\* `)[^`]*`", lambda m: m.group(1) + str(values["branch"]) + "`", body, count=1)
        target = rng.randint(2048, 7600)  # body bytes; the last group may add ~600
        filler_words = list(words)

        def line(text: str) -> str:
            if filler_words:  # the search words go into ordinary entries
                text += f" ({filler_words.pop()} checked)"
            return text + _evt(rng)

        working = _sentence(rng)
        body = body.replace("**Working On:** (not started)", f"**Working On:** {working}{_evt(rng)}")
        body = body.replace("**Status:** Planning", f"**Status:** {status.title()}")
        body = body.replace("**Progress:** 0%", f"**Progress:** {progress}%")
        phases = "".join(f"- [{'x' if archived or rng.random() < .5 else ' '}] {p}\n"
                         for p in rng.sample(("Design", "Implementation", "Tests", "Review", "Rollout"), 3))
        body = body.replace("**Current Phase:**\n", "**Current Phase:**\n" + phases)
        services = "".join(f"- {s}: {rng.choice(OBJECTS)}\n" for s in rng.sample(SERVICES, rng.randint(1, 3)))
        learnings = "".join(f"- **{(start + timedelta(days=rng.randrange(days))):%Y-%m-%d}:** {line(rng.choice(LEARNINGS))}\n"
                            for _ in range(rng.randint(1, 4)))
        blockers = "".join(f"- [{'x' if archived or rng.random() < .4 else ' '}] **{start:%Y-%m-%d}:** {line(rng.choice(BLOCKERS))}\n"
                           for _ in range(rng.randint(0, 3)))
        sent = "".join(f"- {rng.randint(8, 19):02d}:{rng.randint(0, 59):02d} → session-{rng.randint(1, 400)}: "
                       f"\"{rng.choice(MESSAGES)}\" ({rng.choice(PRIORITIES)})\n" for _ in range(rng.randint(0, 4)))
        received = "".join(f"- {rng.randint(8, 19):02d}:{rng.randint(0, 59):02d} ← session-{rng.randint(1, 400)}: "
                           f"\"{rng.choice(MESSAGES)}\" ({rng.choice(PRIORITIES)})\n" for _ in range(rng.randint(0, 4)))
        collab = "".join(f"- with session-{rng.randint(1, 400)} on {rng.choice(SERVICES)}\n" for _ in range(rng.randint(0, 2)))
        nexts = "".join(f"- [ ] {line(_sentence(rng))}\n" for _ in range(rng.randint(1, 4)))
        for anchor, text in (("## Services Built/Modified\n\n", services), ("## Learnings & Discoveries\n\n", learnings),
                             ("## Blockers & Issues\n\n", blockers), ("**Messages Sent:**\n", sent),
                             ("**Messages Received:**\n", received), ("**Collaborations:**\n", collab)):
            if text and not anchor.startswith("**"):
                text += "\n"  # a blank line before the next heading, as the CLI writes it
            body = body.replace(anchor, anchor + text)
        body = body.replace("## Next Steps\n", "## Next Steps\n\n" + nexts, 1) if "## Next Steps\n\n" not in body \
            else body.replace("## Next Steps\n\n", "## Next Steps\n\n" + nexts, 1)
        front = self.frontmatter(values, extra)
        # Completed Today: dated groups of items until the file reaches its size.
        size = len(body.encode())
        groups, day = [], 0
        while size < target or not groups:
            items = []
            for _ in range(rng.randint(2, 6)):
                items.append(f"- [x] {line(_sentence(rng))}\n")
            block = f"**{(start + timedelta(days=day)):%Y-%m-%d}:**\n" + "".join(items) + "\n"
            groups.append(block)
            size += len(block.encode())
            day += 1
        body = body.replace("## Completed Today\n\n", "## Completed Today\n\n" + "".join(groups), 1)
        return front + body


def corpus_dir(active: int, archived: int) -> Path:
    return HERE / ".corpus" / f"a{active}-r{archived}"


def build_corpus(active: int, archived: int, rebuild: bool) -> tuple[Path, dict[str, object]]:
    """The workspace root of a corpus of this size, built once and cached."""
    base = corpus_dir(active, archived)
    marker = base / "corpus.json"
    if not rebuild and marker.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info.get("version") == CORPUS_VERSION:
            return base / "coordination", info
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    t0 = time.perf_counter()
    env = clean_env()
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"]
    run_checked(git + ["init", "-q", "-b", "main"], base, env)
    root = base / "coordination"
    exe = str(journal_exe())
    run_checked([exe, "--root", str(root), "init"], base, env)
    run_checked([exe, "--root", str(root), "create", "seed", "Dev", "Do things"], base, env)
    seed_path = root / "sessions" / "ACTIVE" / "seed.md"
    shape = Shape(seed_path.read_text(encoding="utf-8"), "seed", "Dev", "Do things")
    seed_path.unlink()
    (root / "events" / "seed.jsonl").unlink(missing_ok=True)

    rng = random.Random(SEED)
    total = active + archived
    n_common, n_rare = max(1, round(total * COMMON_RATE)), max(1, round(total * RARE_RATE))
    special = rng.sample(range(total), n_common + n_rare)
    words = {i: [COMMON_WORD] for i in special[:n_common]}
    for i in special[n_common:]:
        words.setdefault(i, []).append(RARE_WORD)
    epoch = datetime(2023, 1, 2, 9, 0, tzinfo=timezone.utc)
    sizes = []
    for i in range(total):
        is_archived = i >= active
        start = epoch + timedelta(minutes=rng.randint(0, 60 * 24 * 700))
        sid = f"session-{i + 1}"
        text = shape.render(rng, sid, is_archived, start, words.get(i, []))
        if is_archived:
            ended = start + timedelta(days=rng.randint(1, 6))
            path = root / "sessions" / "ARCHIVE" / f"{sid}-{ended:%Y-%m-%d}.md"
        else:
            path = root / "sessions" / "ACTIVE" / f"{sid}.md"
        data = text.encode("utf-8")
        sizes.append(len(data))
        path.write_bytes(data)
    run_checked(git + ["add", "coordination"], base, env)
    run_checked(git + ["commit", "-q", "-m", "benchmark corpus"], base, env)
    info = {
        "version": CORPUS_VERSION, "active": active, "archived": archived,
        "bytes": sum(sizes), "min_bytes": min(sizes), "max_bytes": max(sizes),
        "median_bytes": int(statistics.median(sizes)),
        "files_with_common_word": n_common, "files_with_rare_word": n_rare,
        "build_seconds": round(time.perf_counter() - t0, 1),
    }
    marker.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return root, info


# -- timing --------------------------------------------------------------------------------
def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNAL_")}
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


@dataclass
class Result:
    name: str
    command: list[str]
    anchor_name: str
    anchor: list[str]
    seconds: float
    anchor_seconds: float
    target: Optional[float]
    samples: list[float] = field(default_factory=list)
    anchor_samples: list[float] = field(default_factory=list)
    note: str = ""
    floor_name: str = ""  # a second anchor, for information: Python's own start-up
    floor_seconds: Optional[float] = None
    floor_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.seconds / self.anchor_seconds if self.anchor_seconds else float("inf")

    @property
    def floor_ratio(self) -> Optional[float]:
        return self.seconds / self.floor_seconds if self.floor_seconds else None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "OK" if self.ratio <= self.target else "over"


class Bench:
    def __init__(self, root: Path, repeat: int) -> None:
        self.root, self.repeat = root, repeat
        self.exe = str(journal_exe())
        self.env = clean_env()
        self.cwd = Path(tempfile.mkdtemp(prefix="journal-bench-cwd-"))  # not a git repo, no config

    def journal(self, *args: str) -> list[str]:
        return [self.exe, "--root", str(self.root), *args]

    def once(self, cmd: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, bytes]:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t0
        if proc.returncode not in ok:
            sys.exit(f"bench: {' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
        return elapsed, proc.stdout

    def compare(self, name: str, cmd, anchor_name: str, anchor: list[str], target: Optional[float],
                ok: tuple[int, ...] = (0,), anchor_ok: tuple[int, ...] = (0,), note: str = "",
                floor: Optional[tuple[str, list[str]]] = None) -> Result:
        """Median wall time of cmd, of its anchor and of the floor (if any), interleaved, after one untimed warm-up each.

        ``cmd`` is a list, or a function of the repetition number (0 is the warm-up) returning one.
        """
        make = cmd if callable(cmd) else (lambda _i: cmd)
        self.once(make(0), ok)
        self.once(anchor, anchor_ok)
        if floor:
            self.once(floor[1])
        samples, anchor_samples, floor_samples = [], [], []
        for i in range(1, self.repeat + 1):
            anchor_samples.append(self.once(anchor, anchor_ok)[0])
            if floor:
                floor_samples.append(self.once(floor[1])[0])
            samples.append(self.once(make(i), ok)[0])
        return Result(name, make(1), anchor_name, anchor, statistics.median(samples),
                      statistics.median(anchor_samples), target, samples, anchor_samples, note,
                      floor[0] if floor else "", statistics.median(floor_samples) if floor else None, floor_samples)


def count_lines(data: bytes) -> int:
    return data.count(b"\n")


def run_benchmarks(root: Path, repeat: int, keep: bool, startup_only: bool = False) -> list[Result]:
    b = Bench(root, repeat)
    app = ("one-option typer app", [sys.executable, "-c", TYPER_APP, "--name", "bench"])
    python = ("python -c pass", [sys.executable, "-c", "pass"])
    active_dir, archive_dir = root / "sessions" / "ACTIVE", root / "sessions" / "ARCHIVE"
    results: list[Result] = []

    results.append(b.compare("journal --version", [b.exe, "--version"], *app, None, floor=python))

    # create: a fresh id per run; removed afterwards so the cached corpus stays as built.
    tag = f"bench-{os.getpid()}"
    created = [f"{tag}-{i}" for i in range(repeat + 1)]
    try:
        results.append(b.compare("journal create", lambda i: b.journal("create", created[i], "Benchmark", "Measure create"),
                                 *app, 1.5, floor=python))
        target = "session-1"
        saved = (active_dir / f"{target}.md").read_bytes()
        events = root / "events" / f"{target}.jsonl"
        saved_events = events.read_bytes() if events.exists() else None
        try:
            results.append(b.compare("journal add", lambda i: b.journal("add", "-s", target, "completed", f"Benchmark entry {i}"),
                                     *app, 1.3, floor=python))
        finally:
            if not keep:
                (active_dir / f"{target}.md").write_bytes(saved)
                if saved_events is None:
                    events.unlink(missing_ok=True)
                else:
                    events.write_bytes(saved_events)
    finally:
        if not keep:
            for sid in created:
                (active_dir / f"{sid}.md").unlink(missing_ok=True)
                (root / "events" / f"{sid}.jsonl").unlink(missing_ok=True)
            locks = root / ".journal" / "locks"
            for lock in locks.glob(f"*{tag}*") if locks.is_dir() else ():
                lock.unlink(missing_ok=True)
    if startup_only:
        shutil.rmtree(b.cwd, ignore_errors=True)
        return results

    for word, label in ((COMMON_WORD, "common"), (RARE_WORD, "rare")):
        anchor = ["grep", "-rn", word, str(active_dir), str(archive_dir)]
        cmd = b.journal("grep", word, "--archived")
        hits_journal = count_lines(b.once(cmd, (0, 1))[1])
        hits_grep = count_lines(b.once(anchor, (0, 1))[1])
        results.append(b.compare(f"journal grep ({label} word)", cmd, "grep -rn", anchor, 1.5, (0, 1), (0, 1),
                                 note=f"{hits_journal} hits (grep: {hits_grep})"))

    list_anchor = ["grep", "-h", "^status:", "-r", str(root / "sessions")]
    json_cmd = b.journal("list", "--all", "--json")
    results.append(b.compare("journal list --all --json", json_cmd, "grep -h ^status: -r", list_anchor, 3.0))
    results.append(b.compare("journal list --all", b.journal("list", "--all"), "grep -h ^status: -r", list_anchor, 3.0))

    # Cold cache, once: the first list after a clone or after the cache was deleted.
    anchor_once = statistics.median(b.once(list_anchor)[0] for _ in range(3))
    shutil.rmtree(root / ".journal" / "cache", ignore_errors=True)
    cold = b.once(json_cmd)[0]
    results.append(Result("journal list --all --json (cold cache)", json_cmd, "grep -h ^status: -r", list_anchor,
                          cold, anchor_once, None, [cold], [anchor_once], "one run, cache deleted first"))
    shutil.rmtree(b.cwd, ignore_errors=True)
    return results


# -- report --------------------------------------------------------------------------------
def table(results: list[Result]) -> str:
    head = ("command", "median s", "anchor", "anchor s", "ratio", "target", "python s", "vs python", "")
    rows = [head] + [(r.name, f"{r.seconds:.3f}", r.anchor_name, f"{r.anchor_seconds:.3f}", f"{r.ratio:.2f}x",
                      f"<= {r.target:g}x" if r.target is not None else "-",
                      f"{r.floor_seconds:.3f}" if r.floor_seconds is not None else "-",
                      f"{r.floor_ratio:.2f}x" if r.floor_ratio is not None else "-",
                      r.verdict + (f"  {r.note}" if r.note else "")) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.ljust(w) if i in (0, 2) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--active", type=int, default=500, help="active sessions in the corpus (default 500)")
    p.add_argument("--archived", type=int, default=20000, help="archived sessions in the corpus (default 20000)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per command; the median is reported (default 5)")
    p.add_argument("--keep", action="store_true",
                   help="keep what the benchmark adds to the corpus (created sessions, added entries) instead of removing it")
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached corpus")
    p.add_argument("--json-out", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--startup-only", action="store_true", help="only time --version, create and add (and their anchors)")
    args = p.parse_args(argv)
    if args.active < 1 or args.archived < 0 or args.repeat < 1:
        p.error("--active and --repeat must be at least 1, --archived at least 0")

    root, info = build_corpus(args.active, args.archived, args.rebuild)
    print(f"corpus: {root} — {info['active']} active, {info['archived']} archived, "
          f"{int(info['bytes']) / 1e6:.1f} MB, {info['min_bytes']}–{info['max_bytes']} bytes per file "
          f"(median {info['median_bytes']})")
    print(f"python {platform.python_version()} at {sys.executable}; typer {typer_version()}; "
          f"journal {journal_exe()}; repeat {args.repeat}\n")
    results = run_benchmarks(root, args.repeat, args.keep, args.startup_only)
    print(table(results))
    if args.json_out:
        payload = {
            "corpus": {**info, "root": str(root)},
            "python": platform.python_version(), "typer": typer_version(), "platform": platform.platform(),
            "repeat": args.repeat,
            "results": [{**asdict(r), "ratio": r.ratio, "verdict": r.verdict} for r in results],
        }
        args.json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json_out}")
    return 0  # timings never fail the run


if __name__ == "__main__":
    sys.exit(main())
