"""One clock: relative times follow $JOURNAL_NOW exactly like absolute ones."""
from __future__ import annotations


def test_relative_since_follows_the_pinned_clock(cli) -> None:
    cli("init")
    cli("create", "s1", JOURNAL_NOW="2026-11-21T00:00:00Z")
    cli("events", "add", "note", "-s", "s1", "--data", '{"text": "at midnight"}', JOURNAL_NOW="2026-11-21T00:00:00Z")
    at = {"JOURNAL_NOW": "2026-11-21T00:30:00Z"}
    relative = cli("events", "query", "-s", "s1", "--type", "note", "--since", "1h", "--count", **at).stdout.strip()
    absolute = cli("events", "query", "-s", "s1", "--type", "note", "--since", "2026-11-20T23:30:00Z", "--count", **at)
    assert relative == absolute.stdout.strip() == "1"
    later = cli("events", "query", "-s", "s1", "--type", "note", "--since", "10m", "--count", **at).stdout.strip()
    assert later == "0"
