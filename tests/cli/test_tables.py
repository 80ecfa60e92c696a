"""The six tables (board, list, blockers, inbox, logs list, logs tools) on 60-160 column
terminals and piped: columns chosen by width, nothing wider than the terminal, ids,
statuses, dates and numbers whole, numbers right-aligned, free text cut with '…'."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from agentlog_samples import CLAUDE_MAIN, own
from conftest import run

from journal.cli import render
from journal.cli.render import Col, layout, table

WIDTHS = (60, 80, 100, 160)
T0, T1, NOW = "2026-11-20T08:30:00Z", "2026-11-21T09:15:00Z", "2026-11-21T11:40:00Z"

OTTER = "20261121-brisk-otter-3f2a9c1d"
HERON = "20261121-quiet-heron-8b41e07a"
FOX = "20261120-amber-fox-c0ffee12"
RELEASE = "release-0-2"

OTTER_WORK = "Migrating the orders table to the new schema without downtime: dual writes, backfill, cut-over"
OTTER_BLOCKER = "Waiting for read-write credentials to the staging database from the platform team"
HERON_WORK = "End-to-end checkout tests against staging, including the retry path of the payment webhook"
FOX_WORK = "Agent-log section of the README: one worked example per supported format"
RELEASE_BLOCKER = "The changelog needs the final list of breaking changes in the configuration keys"
URGENT = "Staging database is read-only until 14:00 UTC; hold every migration that writes to it until then"
HIGH = "Can you review the backfill plan before Friday? It touches every order since 2019"
MCP_TOOL = "mcp__github__create_pull_request_review"
DEEP = "logs/agents/claude-code/projects/-srv-shop-checkout-service/3b9f6d2e-8c41-4a7e-9e05-6d1a2f7c4b80.jsonl"

# What each table shows: its command, its headers left to right (number columns marked),
# and per row the cells that must appear whole (ids, statuses, dates, numbers).
NUMBERS = {"board": {"PROGRESS", "UNREAD", "UPDATED"}, "list": {"PROGRESS"}, "blockers": {"AGE"},
           "inbox": set(), "logs list": {"Duration", "In", "Out", "Cost"},
           "logs tools": {"Calls", "Time", "Avg", "Fail"}}
COMMANDS = {"board": ["board"], "list": ["list", "--all"], "blockers": ["blockers"],
            "inbox": ["inbox", "-s", OTTER, "--all"], "logs list": ["logs", "list"],
            "logs tools": ["logs", "tools", DEEP]}
HEADERS = {
    "board": ["ID", "ROLE", "OWNER", "STATUS", "PROGRESS", "WORKING ON", "BLOCKERS", "UNREAD", "UPDATED", "ATTENTION"],
    "list": ["ID", "ROLE", "STATUS", "PROGRESS", "UPDATED", "WHERE"],
    "blockers": ["SESSION", "AGE", "BLOCKER", "ROLE", "SINCE", "LOG"],
    "inbox": ["SENT", "FROM", "TO", "PRIORITY", "MESSAGE", "ID"],
    "logs list": ["Session", "Provider", "End", "Duration", "In", "Out", "Cost", "Log"],
    "logs tools": ["Tool", "Kind", "Calls", "Time", "Avg", "Fail"],
}
# the columns every width shows
ALWAYS = {"board": ["ID", "STATUS"], "list": ["ID", "STATUS"], "blockers": ["SESSION", "AGE", "BLOCKER"],
          "inbox": ["FROM", "MESSAGE"], "logs list": ["Session", "End"], "logs tools": ["Tool", "Calls", "Time"]}
# long free text each table holds, shown whole when piped
FREE = {"board": [OTTER_WORK, HERON_WORK, FOX_WORK, OTTER_BLOCKER], "list": ["Database Migration Engineer"],
        "blockers": [OTTER_BLOCKER, RELEASE_BLOCKER, f"sessions/ACTIVE/{OTTER}.md"],
        "inbox": [URGENT, HIGH], "logs list": [DEEP], "logs tools": [MCP_TOOL]}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def team(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four sessions, as a team has them: generated ids, long texts, blockers, mail, linked logs."""
    monkeypatch.chdir(repo)

    def at(when: str, *args: str, user: str = "dana") -> None:
        monkeypatch.setenv("JOURNAL_NOW", when)
        monkeypatch.setenv("JOURNAL_USER", user)
        code, out = run(*args)
        assert code == 0, out

    at(T0, "init")
    at(T0, "create", FOX, "Technical Writer", "Document every agent-log format", "--agent", "codex")
    at(T0, "update", "-s", FOX, "--working-on", FOX_WORK, "--status", "planning", "--progress", "10")
    at(T1, "create", OTTER, "Database Migration Engineer", "Move orders to the new schema", "--agent", "claude-code")
    at(T1, "create", HERON, "QA Engineer", "Checkout end-to-end tests", "--agent", "gemini-cli")
    at(T1, "create", RELEASE, "Maintainer", "Ship 0.2", user="maintainers")
    at(T1, "update", "-s", OTTER, "--working-on", OTTER_WORK, "--status", "blocked", "--progress", "45")
    at(T1, "add", "-s", OTTER, "blocker", OTTER_BLOCKER)
    at(T1, "update", "-s", HERON, "--working-on", HERON_WORK, "--status", "testing", "--progress", "70")
    at(T1, "update", "-s", RELEASE, "--working-on", "Release notes and the changelog", "--status", "review",
       "--progress", "90", user="maintainers")
    at(T1, "add", "-s", RELEASE, "blocker", RELEASE_BLOCKER, user="maintainers")
    at(NOW, "message", "-s", HERON, OTTER, HIGH, "--priority", "high")
    at(NOW, "message", "-s", RELEASE, OTTER, URGENT, "--priority", "urgent", user="maintainers")
    at(NOW, "broadcast", "-s", RELEASE, "Release freeze starts Monday", user="maintainers")
    deep = repo / DEEP
    deep.parent.mkdir(parents=True)
    text = own(CLAUDE_MAIN).read_text(encoding="utf-8")
    deep.write_text(text.replace('"name":"Grep"', f'"name":"{MCP_TOOL}"'), encoding="utf-8")
    for name in ("codex_rollout.jsonl", "gemini_session.jsonl"):
        shutil.copy(own(name), repo / "logs" / name)
    at(T0, "logs", "link", "logs/codex_rollout.jsonl", "-s", FOX)
    at(T1, "logs", "link", DEEP, "-s", OTTER)
    at(T1, "logs", "link", "logs/gemini_session.jsonl", "-s", HERON)
    monkeypatch.setenv("JOURNAL_NOW", NOW)
    return repo


def shown(monkeypatch: pytest.MonkeyPatch, args: list[str], width: int | None) -> list[str]:
    """The command's output lines on a terminal ``width`` wide (colours and all), or piped (None)."""
    if width is not None:
        monkeypatch.setattr(render, "terminal_width", lambda: width)
        monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich writes what it writes to a terminal
    code, out = run(*args)
    assert code == 0, out
    lines = [ANSI.sub("", line).rstrip() for line in out.splitlines()]
    if args[0] == "inbox":
        lines = lines[1:]  # its first line is its count
    return lines[:2] + [line for line in lines[2:] if set(line) != {"─"}]  # the rule above a total


def headers_in(line: str, name: str) -> list[str]:
    return [h for h in HEADERS[name] if re.search(rf"(?<!\S){re.escape(h)}(?!\S)", line)]


def whole_cells(name: str) -> dict[str, list[str]]:
    """Per header, the cells that must be shown whole (row by row) when the column is shown."""
    import json

    code, out = run(*COMMANDS[name], "--json")
    assert code == 0, out
    data = json.loads(out)
    if name == "board":
        return {"ID": [r["id"] for r in data], "STATUS": [r["status"] for r in data],
                "PROGRESS": [f"{r['progress']}%" for r in data]}
    if name == "list":
        return {"ID": [r["id"] for r in data], "STATUS": [r["status"] for r in data],
                "PROGRESS": [f"{r['progress']}%" for r in data]}
    if name == "blockers":
        return {"SESSION": [b["session"] for b in data]}
    if name == "inbox":
        return {"FROM": [m["from"] for m in data], "SENT": [m["sent"] for m in data], "ID": [m["id"] for m in data],
                "PRIORITY": [m["priority"] for m in data]}
    if name == "logs list":
        return {"Session": [e["session"] for e in data], "End": [e["summary"]["end"][:16] for e in data]}
    return {"Tool": [r["tool"] for r in data["tools"]] + ["TOTAL"],
            "Calls": [str(r["calls"]) for r in data["tools"]] + [str(data["total"]["calls"])]}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_table_fits_the_terminal_and_keeps_every_word_whole(team: Path, monkeypatch: pytest.MonkeyPatch,
                                                           name: str, width: int) -> None:
    from rich.cells import cell_len

    whole = whole_cells(name)
    lines = shown(monkeypatch, COMMANDS[name], width)
    head, rule, body = lines[0], lines[1], lines[2:]
    assert set(rule) == {"─"}, rule
    assert all(cell_len(line) <= width for line in lines), "\n".join(lines)
    visible = headers_in(head, name)
    assert set(ALWAYS[name]) <= set(visible), head
    assert visible == [h for h in HEADERS[name] if h in visible]  # in their order
    rows = len(next(iter(whole.values())))
    assert len(body) == rows, "\n".join(lines)  # one line per row: no cell wrapped
    for header, cells in whole.items():
        if header in visible:
            for line, cell in zip(body, cells):
                assert cell in line, f"{header} {cell!r} is not whole in {line!r}"
    for header in NUMBERS[name] & set(visible):  # right-aligned: each cell ends where its header ends
        end = re.search(rf"(?<!\S){re.escape(header)}(?!\S)", head).end()
        for line in body:
            under = line[end - len(header): end]  # an empty cell (no cost known) is blank
            assert (not under.strip() or under[-1] != " ") and line[end: end + 1] in ("", " "), (header, head, line)
    for text in FREE[name]:
        if not any(text in line for line in body):
            cut = any(text[:k] + "…" in line or "…" + text[-k:] in line for line in body for k in range(4, len(text)))
            assert cut or not any(text[:4] in line for line in body), (text, lines)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_narrow_terminals_drop_columns_wide_ones_show_more(team: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    counts = [len(headers_in(shown(monkeypatch, COMMANDS[name], w)[0], name)) for w in WIDTHS]
    assert counts == sorted(counts)
    if name in ("board", "list", "blockers", "inbox", "logs list"):
        assert counts[0] < len(HEADERS[name])  # 60 columns cannot hold them all: some are left out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_wide_shows_every_column(team: Path, monkeypatch: pytest.MonkeyPatch, name: str, width: int) -> None:
    whole = whole_cells(name)
    lines = shown(monkeypatch, [*COMMANDS[name], "--wide"], width)
    assert headers_in(lines[0], name) == HEADERS[name], lines[0]
    body = lines[2:]
    assert len(body) == len(next(iter(whole.values())))
    for cells in whole.values():
        for line, cell in zip(body, cells):
            assert cell in line


@pytest.mark.parametrize("name", [n for n in COMMANDS if n != "inbox"])
def test_piped_output_has_every_column_and_the_full_text(team: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    lines = shown(monkeypatch, COMMANDS[name], None)
    assert headers_in(lines[0], name) == HEADERS[name]
    assert not any(set(line) == {"─"} for line in lines)
    text = "\n".join(lines)
    assert "…" not in text
    for value in FREE[name]:
        assert value in text
    for cells in whole_cells(name).values():
        for cell in cells:
            assert cell in text


def test_piped_inbox_has_every_field_and_each_message_whole(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNAL_NOW", NOW)
    long = "\n".join(f"line {n} of a long message" for n in range(1, 31))
    assert run("message", "-s", HERON, OTTER, long)[0] == 0
    text = "\n".join(shown(monkeypatch, COMMANDS["inbox"], None))
    assert "from 20261121-quiet-heron-8b41e07a" in text and "broadcast from release-0-2" in text
    assert "(urgent)" in text and URGENT in text and HIGH in text
    assert "line 30 of a long message" in text and "…" not in text


def test_piped_numbers_are_right_aligned(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = shown(monkeypatch, COMMANDS["logs tools"], None)
    end = lines[0].index("Calls") + len("Calls")
    assert all(line[end - 1] != " " and line[end: end + 1] in ("", " ") for line in lines[1:])


def test_a_row_style_is_kept(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "terminal_width", lambda: 100)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out = run("board")
    assert code == 0 and "\x1b[1;31m" in out  # the blocked session: bold red


# The layout on its own.

COLS = [Col("ID", "id", 1), Col("NOTE", "text", 3, 8), Col("N", "number", 2), Col("BAR", "number", 4, short=render.percent_of_bar)]
ROWS = [["20261121-brisk-otter-3f2a9c1d", "a long note about nothing in particular", "12", render.bar(40)]]


def test_layout_takes_columns_by_priority_and_drops_what_does_not_fit() -> None:
    narrow = layout(COLS, ROWS, 40)  # the note needs 8 cells and a gap, 7 are left: the bar's percentage fits
    assert [(p.index, p.width, p.short) for p in narrow] == [(0, 29, False), (2, 2, False), (3, 3, True)]
    placed = layout(COLS, ROWS, 52)  # the bar would need 12 more: the note gets the 4 left
    assert [(p.index, p.width, p.short) for p in placed] == [(0, 29, False), (1, 12, False), (2, 2, False), (3, 3, True)]
    full = layout(COLS, ROWS, 120)
    assert [(p.index, p.short) for p in full] == [(0, False), (1, False), (2, False), (3, False)]
    assert full[1].width == len(ROWS[0][1])  # free text grows to its longest cell, no further


def test_an_id_wider_than_the_terminal_is_still_whole() -> None:
    text = table(ROWS, COLS, width=20)
    assert "20261121-brisk-otter-3f2a9c1d" in text
    assert "NOTE" not in text


def test_wide_takes_every_column_and_grows_past_the_terminal_only_when_it_must() -> None:
    lines = table(ROWS, COLS, width=40, wide=True).splitlines()
    assert lines[0].split() == ["ID", "NOTE", "N", "BAR"] and "20261121-brisk-otter-3f2a9c1d" in lines[2]
    assert "40%" in lines[2]
    assert max(len(line) for line in lines) == 29 + 8 + 2 + 3 + 3 * render.GAP


def test_a_path_is_cut_at_its_start() -> None:
    text = table([["s1", DEEP]], [Col("S", "id"), Col("LOG", "path", 2, 20)], width=30)
    assert "…" + DEEP[-(30 - 2 - 2 - 1):] in text


def test_bare_headers_still_work() -> None:
    text = table([["a", "b"]], ["ONE", "TWO"], width=40)
    assert text.splitlines()[0].split() == ["ONE", "TWO"]


def test_the_board_at_100_columns(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The board a team sees in a 100-column terminal (the README shows it)."""
    lines = shown(monkeypatch, ["board"], 100)
    print("\n$ journal board\n" + "\n".join(lines))
    assert [line.split()[0] for line in lines[2:]] == [OTTER, FOX, RELEASE, HERON]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "```text\n$ journal board\n" + "\n".join(lines) + "\n```" in readme
