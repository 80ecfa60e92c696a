"""The bad-input corpus: each wrong input is one line on stderr, exit 2, and nothing on disk changed.

Every file of the repository is hashed before and after each case (``.git/`` aside). Only
journal's local caches and locks (``coordination/.journal/cache`` and ``.journal/locks``)
may change: reading commands refresh caches, and taking a lock creates its lock file.
"""
from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from journal.cli.main import main

MAY_CHANGE = ("coordination/.journal/cache/", "coordination/.journal/locks/")

# (id, arguments, stdin or None)
CASES: list[tuple[str, list[str], str | None]] = [
    # ids: unsafe, reserved, case-only twins
    ("id-con", ["create", "CON", "Dev", "m"], None),
    ("id-con-ext", ["create", "con.notes", "Dev", "m"], None),
    ("id-nul", ["create", "NUL", "Dev", "m"], None),
    ("id-aux", ["create", "aux", "Dev", "m"], None),
    ("id-com1", ["create", "COM1", "Dev", "m"], None),
    ("id-lpt9", ["create", "lpt9", "Dev", "m"], None),
    ("id-prn", ["create", "Prn.x", "Dev", "m"], None),
    ("id-trailing-dot", ["create", "a.", "Dev", "m"], None),
    ("id-case-twin-active", ["create", "S1", "Dev", "m"], None),
    ("id-case-twin-archived", ["create", "OLD", "Dev", "m"], None),
    ("id-same-as-active", ["create", "s1", "Dev", "m"], None),
    ("id-same-as-archived", ["create", "old", "Dev", "m"], None),
    ("id-dotdot", ["create", "a..b", "Dev", "m"], None),
    ("id-traversal", ["create", "../x", "Dev", "m"], None),
    ("id-slash", ["create", "a/b", "Dev", "m"], None),
    ("id-space", ["create", "a b", "Dev", "m"], None),
    ("id-broadcast", ["create", "broadcast", "Dev", "m"], None),
    ("id-too-long", ["create", "x" * 101, "Dev", "m"], None),
    ("id-unicode", ["create", "séance", "Dev", "m"], None),
    ("role-two-lines", ["create", "new1", "Dev\nOps", "m"], None),
    ("role-control", ["create", "new2", "Dev\x07", "m"], None),
    # update
    ("phase-done-text", ["update", "-s", "s1", "--phase-done", "nope"], None),
    ("phase-done-99", ["update", "-s", "s1", "--phase-done", "99"], None),
    ("phase-done-0", ["update", "-s", "s1", "--phase-done", "0"], None),
    ("status-bogus", ["update", "-s", "s1", "--status", "bogus"], None),
    ("progress-101", ["update", "-s", "s1", "--progress", "101"], None),
    ("progress-negative", ["update", "-s", "s1", "--progress", "-1"], None),
    ("progress-not-a-number", ["update", "-s", "s1", "--progress", "abc"], None),
    ("update-nothing", ["update", "-s", "s1"], None),
    ("update-ghost", ["update", "-s", "ghost", "--status", "building"], None),
    ("update-empty-working-on", ["update", "-s", "s1", "--working-on", "  "], None),
    ("update-two-line-phase", ["update", "-s", "s1", "--phase", "a\nb"], None),
    ("update-no-session", ["update", "--status", "building"], None),
    # add
    ("add-unknown-section", ["add", "-s", "s1", "nonsense", "text"], None),
    ("add-empty", ["add", "-s", "s1", "next", "   "], None),
    ("add-empty-stdin", ["add", "-s", "s1", "next", "-"], "\n\n"),
    ("add-nul-stdin", ["add", "-s", "s1", "next", "-"], "a\x00b"),
    ("add-over-1mb-stdin", ["add", "-s", "s1", "next", "-"], "x" * 1_000_001),
    ("add-control-char", ["add", "-s", "s1", "next", "bell\x07"], None),
    ("add-ghost", ["add", "-s", "ghost", "next", "text"], None),
    ("add-reserved-session", ["add", "-s", "CON", "next", "text"], None),
    ("add-archived-session", ["add", "-s", "old", "next", "text"], None),
    ("add-missing-text", ["add", "-s", "s1", "next"], None),
    # resolve
    ("resolve-0", ["resolve", "-s", "s1", "blocker", "0"], None),
    ("resolve-99", ["resolve", "-s", "s1", "blocker", "99"], None),
    ("resolve-no-match", ["resolve", "-s", "s1", "blocker", "nothing like it"], None),
    ("resolve-not-a-blocker", ["resolve", "-s", "s1", "task", "1"], None),
    ("resolve-none-open", ["resolve", "-s", "s2", "blocker", "1"], None),
    ("resolve-ghost", ["resolve", "-s", "ghost", "blocker", "1"], None),
    # share-learning
    ("learning-priority", ["share-learning", "Perf", "text", "Whenever", "-s", "s1"], None),
    ("learning-kind", ["share-learning", "Perf", "text", "high", "--kind", "gossip", "-s", "s1"], None),
    ("learning-empty", ["share-learning", "Perf", "  ", "-s", "s1"], None),
    ("learning-category-empty", ["share-learning", " ", "text", "-s", "s1"], None),
    ("learning-category-two-lines", ["share-learning", "a\nb", "text", "-s", "s1"], None),
    ("learning-ghost", ["share-learning", "Perf", "text", "-s", "ghost"], None),
    # archive / restore
    ("archive-month-13", ["archive", "s1", "--date", "2026-13-45"], None),
    ("archive-feb-30", ["archive", "s1", "--date", "2026-02-30"], None),
    ("archive-date-word", ["archive", "s1", "--date", "yesterday"], None),
    ("archive-date-short", ["archive", "s1", "--date", "2026-1-1"], None),
    ("archive-idle-negative", ["archive", "--idle-days", "-3"], None),
    ("archive-idle-words", ["archive", "--idle-days", "many"], None),
    ("archive-both", ["archive", "s1", "--idle-days", "3"], None),
    ("archive-neither", ["archive"], None),
    ("archive-ghost", ["archive", "ghost"], None),
    ("archive-idle-bad-date", ["archive", "--idle-days", "3", "--date", "2026-02-30"], None),
    ("restore-ghost", ["restore", "ghost"], None),
    ("restore-active", ["restore", "s1"], None),
    ("restore-reserved", ["restore", "COM2"], None),
    # read commands
    ("list-status-bogus", ["list", "--status", "bogus"], None),
    ("show-ghost", ["show", "ghost"], None),
    ("show-no-section", ["show", "s1", "--section", "nope"], None),
    ("grep-no-section", ["grep", "Wire", "--section", "nope"], None),
    ("grep-backreference", ["grep", "(a)\\1"], None),
    ("grep-lookahead", ["grep", "(?=a)b"], None),
    ("grep-lookbehind", ["grep", "(?<=a)b"], None),
    ("grep-possessive", ["grep", "a++"], None),
    ("grep-unclosed", ["grep", "(unclosed"], None),
    ("grep-empty", ["grep", ""], None),
    ("grep-huge-repeat", ["grep", "a{1001}"], None),
    # coordination
    ("message-ghost", ["message", "ghost", "hello", "-s", "s1"], None),
    ("message-self", ["message", "s1", "hello", "-s", "s1"], None),
    ("message-priority", ["message", "s2", "hello", "--priority", "asap", "-s", "s1"], None),
    ("message-empty", ["message", "s2", "  ", "-s", "s1"], None),
    ("message-reserved", ["message", "CON", "hello", "-s", "s1"], None),
    ("broadcast-priority", ["broadcast", "hello", "--priority", "asap", "-s", "s1"], None),
    ("broadcast-empty", ["broadcast", "", "-s", "s1"], None),
    ("inbox-ghost", ["inbox", "-s", "ghost"], None),
    ("inbox-ack-unknown", ["inbox", "-s", "s2", "--ack", "zzzzzzzzzz"], None),
    ("inbox-ack-short", ["inbox", "-s", "s2", "--ack", "ab"], None),
    ("board-stale-zero", ["board", "--stale-hours", "0"], None),
    ("board-stale-negative", ["board", "--stale-hours", "-2"], None),
    ("board-stale-words", ["board", "--stale-hours", "soon"], None),
    ("handoff-ghost", ["handoff", "ghost", "new3"], None),
    ("handoff-same", ["handoff", "s1", "s1"], None),
    ("handoff-taken", ["handoff", "s1", "s2"], None),
    ("handoff-reserved", ["handoff", "s1", "CON"], None),
    ("handoff-case-twin", ["handoff", "s1", "S2"], None),
    ("context-ghost", ["context", "-s", "ghost"], None),
    # events
    ("events-type", ["events", "add", "Bad Type", "-s", "s1"], None),
    ("events-data-not-json", ["events", "add", "note", "-s", "s1", "--data", "{nope"], None),
    ("events-data-array", ["events", "add", "note", "-s", "s1", "--data", "[1]"], None),
    ("events-ghost", ["events", "add", "note", "-s", "ghost"], None),
    ("events-since", ["events", "query", "--all", "--since", "the other day"], None),
    ("events-until", ["events", "query", "--all", "--until", "2026-02-30"], None),
    ("events-older-than", ["events", "archive", "--older-than", "-1"], None),
    # agent logs
    ("logs-link-missing", ["logs", "link", "/nonexistent/log.jsonl", "-s", "s1"], None),
    ("logs-link-fifo", ["logs", "link", "FIFO", "-s", "s1"], None),
    ("logs-summary-fifo", ["logs", "summary", "FIFO"], None),
    ("logs-tools-fifo", ["logs", "tools", "FIFO"], None),
    ("logs-format", ["logs", "summary", "x.jsonl", "--format", "bogus"], None),
    ("logs-sort", ["logs", "tools", "x.jsonl", "--sort", "bogus"], None),
    ("logs-summary-wrong-format", ["logs", "summary", "claude.jsonl", "--format", "gemini"], None),
    ("logs-tools-wrong-format", ["logs", "tools", "claude.jsonl", "--format", "codex"], None),
    ("logs-link-wrong-format", ["logs", "link", "claude.jsonl", "-s", "s1", "--format", "copilot"], None),
    ("logs-link-file-as-massgen", ["logs", "link", "claude.jsonl", "-s", "s1", "--format", "massgen"], None),
    ("logs-list-limit", ["logs", "list", "--limit", "0"], None),
    ("logs-discover-since", ["logs", "discover", "-s", "s1", "--since", "the other day"], None),
    # templates
    ("template-include", ["create", "t1", "Dev", "m", "--template", "T_INCLUDE"], None),
    ("template-range", ["create", "t2", "Dev", "m", "--template", "T_RANGE"], None),
    ("template-huge", ["create", "t3", "Dev", "m", "--template", "T_HUGE"], None),
    ("template-loops", ["create", "t4", "Dev", "m", "--template", "T_LOOPS"], None),
    ("template-undefined", ["create", "t5", "Dev", "m", "--template", "T_UNDEFINED"], None),
    ("template-fifo", ["create", "t6", "Dev", "m", "--template", "FIFO"], None),
    ("template-center-filter", ["create", "t7", "Dev", "m", "--template", "T_CENTER"], None),
    ("template-format-filter", ["create", "t8", "Dev", "m", "--template", "T_FORMAT_FILTER"], None),
    ("template-percent-width", ["create", "t9", "Dev", "m", "--template", "T_PERCENT"], None),
    ("template-str-format-width", ["create", "t10", "Dev", "m", "--template", "T_STR_FORMAT"], None),
    ("template-ljust", ["create", "t11", "Dev", "m", "--template", "T_LJUST"], None),
    # the parser itself
    ("unknown-command", ["frobnicate"], None),
    ("unknown-option", ["list", "--no-such-option"], None),
    ("option-typo", ["list", "--statu", "done"], None),
    ("missing-argument", ["show"], None),
    ("extra-argument", ["restore", "s1", "s2"], None),
    ("check-unknown-option", ["check", "--repair"], None),
    ("check-file-missing", ["check", "no-such-file.md"], None),
    ("check-file-outside", ["check", "/etc/passwd"], None),
    # numbers with a sign are numbers (never matched as text); times and limits past any range
    ("resolve-negative-number", ["resolve", "-s", "s1", "blocker", "-1"], None),
    ("resolve-plus-zero", ["resolve", "-s", "s1", "blocker", "+0"], None),
    ("since-before-year-1", ["events", "query", "--all", "--since", "9999999d"], None),
    ("until-before-year-1", ["events", "query", "--all", "--until", "9999999w"], None),
    ("usage-since-before-year-1", ["logs", "usage", "--since", "9999999d"], None),
    ("discover-since-before-year-1", ["logs", "discover", "-s", "s1", "--since", "9999999d"], None),
    ("stale-hours-nan", ["board", "--stale-hours", "nan"], None),
    ("stale-hours-inf", ["board", "--stale-hours", "inf"], None),
    # arguments that are not UTF-8 (bytes the shell passed as they are)
    ("next-not-utf8", ["add", "-s", "s1", "next", "x\udcff"], None),
    ("message-not-utf8", ["message", "s2", "caf\udce9", "-s", "s1"], None),
    ("create-role-not-utf8", ["create", "s9", "D\udcffv", "m"], None),
    ("grep-not-utf8", ["grep", "\udcff"], None),
    ("hook-command-not-utf8", ["hook", "install", "claude-code", "--command", "j\udcff"], None),
]

TEMPLATES = {
    "T_INCLUDE": "---\nid: {{ id }}\n---\n{% include 'other.md' %}\n",
    "T_RANGE": "---\nid: {{ id }}\n---\n{% for i in range(10**8) %}{{ i }}{% endfor %}\n",
    "T_HUGE": "---\nid: {{ id }}\n---\n{{ 'x' * 100000000 }}\n",
    "T_LOOPS": "---\nid: {{ id }}\n---\n{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}\n",
    "T_UNDEFINED": "---\nid: {{ id }}\n---\n{{ no_such_variable }}\n",
    "T_CENTER": "---\nid: {{ id }}\n---\n{{ 'x' | center(300000000) }}\n",
    "T_FORMAT_FILTER": "---\nid: {{ id }}\n---\n{{ '%300000000s' | format('x') }}\n",
    "T_PERCENT": "---\nid: {{ id }}\n---\n{{ '%300000000s' % 'x' }}\n",
    "T_STR_FORMAT": "---\nid: {{ id }}\n---\n{{ '{:>300000000}'.format('x') }}\n",
    "T_LJUST": "---\nid: {{ id }}\n---\n{{ 'x'.ljust(300000000) }}\n",
}


def _hashes(repo: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        rel_dir = Path(dirpath).relative_to(repo).as_posix()
        if rel_dir == ".git" or rel_dir.startswith(".git/"):
            dirnames[:] = []
            continue
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(repo).as_posix()
            if path.is_file() and not path.is_symlink():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = "not a regular file"
    return out


def _comparable(hashes: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in hashes.items() if not k.startswith(MAY_CHANGE)}

CLAUDE_LINE = ('{"type": "user", "uuid": "u1", "sessionId": "0b1f6a52-2a7e-4d7e-9c1e-5f1b2c3d4e5f", '
               '"cwd": "/r", "timestamp": "2026-03-01T10:00:00.000Z", '
               '"message": {"role": "user", "content": "fix the login"}}\n')


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    import subprocess

    repo = tmp_path_factory.mktemp("bad-input") / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    old = os.getcwd()
    os.chdir(repo)
    saved = {k: os.environ.get(k) for k in ("JOURNAL_ROOT", "JOURNAL_SESSION", "JOURNAL_NOW", "EDITOR", "VISUAL")}
    for k in saved:
        os.environ.pop(k, None)
    try:
        for args in (["init"], ["create", "s1", "Dev", "Wire up"], ["create", "s2", "Peer", "Review"],
                     ["create", "old", "Dev", "Finished"], ["archive", "old"],
                     ["update", "-s", "s1", "--phase", "Design", "--phase", "Build"],
                     ["add", "-s", "s1", "blocker", "Waiting for keys"],
                     ["message", "s2", "hello there", "-s", "s1"],
                     ["share-learning", "Perf", "cache it", "high", "-s", "s1"]):
            assert main(args) == 0, args
        os.mkfifo(repo / "FIFO")
        (repo / "x.jsonl").write_text('{"type": "user"}\n', encoding="utf-8")
        (repo / "claude.jsonl").write_text(CLAUDE_LINE, encoding="utf-8")
        for name, text in TEMPLATES.items():
            (repo / name).write_text(text, encoding="utf-8")
        yield repo
    finally:
        os.chdir(old)
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 80 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("args,stdin", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(seeded: Path, args: list[str], stdin: str | None,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(seeded)
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8", "surrogatepass"))))
    before = _hashes(seeded)
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    after = _hashes(seeded)
    assert code == 2, (code, captured.out, captured.err)
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("journal: error: "), captured.err
    assert "Traceback" not in captured.err
    assert _comparable(after) == _comparable(before), sorted(set(after.items()) ^ set(before.items()))
