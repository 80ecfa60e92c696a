"""`journal export`: each format, where it writes (only --out, never through a link, never
over a file), what it refuses (one line, exit 2, nothing on disk changed), and that the
HTML page opens offline."""
from __future__ import annotations

import json
import os
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from journal.cli.main import main
from web_demo import demo  # noqa: F401 (a fixture)

GH = "ghp_" + "Zq3Rt7Yu1Io5Pa9Sd2Fg6Hj0Kl4Zx8Cv3Bn7M"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tree(root: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every entry under ``root`` (the journal's own state too), with its bytes (or link
    target) and its modification time: any write shows."""
    out: dict[str, tuple[bytes | str, int]] = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        if p.is_symlink():
            out[p.relative_to(root).as_posix()] = (os.readlink(p), st.st_mtime_ns)
        elif p.is_file():
            out[p.relative_to(root).as_posix()] = (p.read_bytes(), st.st_mtime_ns)
        else:
            out[p.relative_to(root).as_posix() + "/"] = (b"", 0)
    return out


@pytest.fixture
def leak(demo: Any) -> Any:
    from journal.session.edits import add_entry

    add_entry(demo, "api", "blocker", f"CI cannot push with GH_TOKEN={GH}")
    return demo


# -- formats ------------------------------------------------------------------------------

def test_html_is_one_page_that_fetches_nothing(leak: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "api", "--format", "html")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"exported api → \S+/out/api\.export\.html \(html, [\d.]+ kB\): 1 distinct secrets redacted "
                        r"\(github-token ×1\)\n", out), out
    page = (Path.cwd() / "api.export.html").read_text(encoding="utf-8")
    assert GH not in page and "[REDACTED:github-token:" in page
    # Nothing to fetch: no script, no stylesheet link, no image, no frame; every URL is a
    # link to click (the policy would block any fetch anyway).
    assert not re.search(r"<(script|link|img|iframe|object|embed|audio|video|source)\b", page)
    assert not re.search(r"\bsrc=", page) and "url(" not in page.split("<style>", 1)[1].split("</style>")[0]
    assert not re.search(r"@import", page)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy and policy.group(1).startswith("default-src &#39;none&#39;")
    # The web board's page, all of it: timeline, tool table, chart.
    for part in ('id="timeline"', 'class="tools"', "<svg", 'class="bar-in"', 'id="redaction"', "Blockers &amp; Issues"):
        assert part in page, part


def test_md_dir_and_tar(leak: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "export", "api", "--format", "md")[0] == 0
    md = (Path.cwd() / "api.export.md").read_text(encoding="utf-8")
    assert md.startswith("---\nid: api\n") and "## Events (timeline)" in md and "## Agent logs (summaries)" in md
    assert "| **TOTAL** |" in md and GH not in md and "1 distinct secrets redacted (github-token ×1)" in md

    code, out, _ = run(capsys, "export", "api", "--out", str(tmp_path / "bundle"), "--format", "dir", "--include-logs")
    assert code == 0 and "(dir," in out
    names = sorted(p.relative_to(tmp_path / "bundle").as_posix() for p in (tmp_path / "bundle").rglob("*") if p.is_file())
    assert names == ["events.jsonl", "logs/01-day0.jsonl", "logs/02-day2.jsonl", "logs/03-day4.jsonl",
                     "logs/04-day6.jsonl", "manifest.json", "session.html", "session.md", "summaries.json"]
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["redaction"]["by_kind"] == {"github-token": 1} and manifest["redaction"]["mentions"] >= 3
    events = [json.loads(line) for line in (tmp_path / "bundle" / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert events and all(e["session_id"] == "api" for e in events)

    assert run(capsys, "export", "api", "-o", str(tmp_path / "b.tgz"))[0] == 0  # the format from the name
    with tarfile.open(tmp_path / "b.tgz") as tar:
        names = tar.getnames()
        assert all(n == "b" or n.startswith("b/") for n in names)
        assert "b/session.md" in names and not any("logs/" in n for n in names)
        assert all(m.isfile() or m.isdir() for m in tar.getmembers())


def test_json_output_and_archived_sessions(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from journal.session.store import archive_session

    archive_session(demo, "ops")
    code, out, _ = run(capsys, "export", "ops", "--format", "md", "--json")
    data = json.loads(out)
    assert code == 0 and data["format"] == "md" and data["redactions"] == {"distinct": 0, "mentions": 0, "by_kind": {}}
    assert Path(data["path"]).read_text(encoding="utf-8").startswith("---\n")


def test_markers_link_inside_a_bundle_and_not_across(leak: Any, tmp_path: Path) -> None:
    from journal.coordination.mail import send_message
    from journal.web.export import export_session

    send_message(leak, "api", "docs", f"the token is {GH}", "high")
    one = export_session(leak, "api", tmp_path / "one.md")
    text = one.path.read_text(encoding="utf-8")
    markers = set(re.findall(r"\[REDACTED:github-token:[0-9a-f]{4}\]", text))
    assert len(markers) == 1 and text.count(markers.pop()) >= 4  # entry, message, and their events
    hashes = set()
    for n in range(6):
        other = export_session(leak, "api", tmp_path / f"other{n}.md").path.read_text(encoding="utf-8")
        hashes |= set(re.findall(r"\[REDACTED:github-token:([0-9a-f]{4})\]", other))
    assert len(hashes) >= 5  # a new key each time (four hex digits: a rare collision is allowed)


def test_export_changes_nothing_but_its_output(leak: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from journal.web import pages

    pages.board(leak, pages.Scrub(None))  # warm the caches the way a board would
    logs = leak.root.parent / "logs"
    before = (tree(leak.root), tree(logs))
    for fmt in ("html", "md", "dir", "tar.gz"):
        assert run(capsys, "export", "api", "--format", fmt, "--out", str(tmp_path / f"x-{fmt}"),
                   *(["--include-logs"] if fmt in ("dir", "tar.gz") else []))[0] == 0
    after = (tree(leak.root), tree(logs))
    assert after == before  # session files, events, logs and .journal/ caches: not a byte, not a time


# -- refusals ---------------------------------------------------------------------------

@pytest.mark.parametrize("setup, args, message", [
    ("file", ["--out", "{d}/taken.html"], "journal: error: --out {d}/taken.html already exists and is not a directory; "
                                          "give a new path, or a directory to write into\n"),
    ("link", ["--out", "{d}/link.html"], "journal: error: --out {d}/link.html is a symbolic link; export does not write through links\n"),
    ("dirlink", ["--out", "{d}/dirlink"], "journal: error: --out {d}/dirlink is a symbolic link; export does not write through links\n"),
    ("dangling", ["--out", "{d}/dangling.html"], "journal: error: --out {d}/dangling.html is a symbolic link; export does not write through links\n"),
    ("inner", ["--out", "{d}/into"], "journal: error: {d}/into/api.export.tar.gz (the bundle's name in directory {d}/into) already exists; "
                                     "remove it or give another --out\n"),
    ("innerlink", ["--out", "{d}/into", "--format", "html"], "journal: error: {d}/into/api.export.html (the bundle's name in directory "
                                                             "{d}/into) is a symbolic link; export does not write through links\n"),
    ("", ["--out", "{d}/missing/x.html"], "journal: error: cannot write {d}/missing/x.html: folder {d}/missing does not exist\n"),
    ("", ["--out", "{ws}/sessions/x.md"], "journal: error: {ws}/sessions/x.md is inside the workspace ({ws}); export writes outside it (give --out)\n"),
    ("", ["--format", "pdf"], "journal: error: --format must be one of html, md, dir, tar.gz (not 'pdf')\n"),
    ("", ["--format", "html", "--include-logs"], "journal: error: --include-logs needs --format dir or tar.gz (raw logs do not fit in one page)\n"),
])
def test_refusals_name_the_path_and_change_nothing(demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  setup: str, args: list[str], message: str) -> None:
    d = tmp_path / "dest"
    d.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    if setup == "file":
        (d / "taken.html").write_text("mine\n", encoding="utf-8")
    elif setup == "link":
        (d / "link.html").symlink_to(victim)
    elif setup == "dirlink":
        (d / "dirlink").symlink_to(tmp_path)
    elif setup == "dangling":
        (d / "dangling.html").symlink_to(tmp_path / "nowhere.html")
    elif setup in ("inner", "innerlink"):
        (d / "into").mkdir()
        if setup == "inner":
            (d / "into" / "api.export.tar.gz").write_bytes(b"old")
        else:
            (d / "into" / "api.export.html").symlink_to(victim)
    before = tree(tmp_path)
    fmt = [] if "--format" in args else ["--format", "html"] if setup in ("file", "link", "dangling") else []
    code, out, err = run(capsys, "export", "api", *[a.format(d=d, ws=demo.root) for a in args], *fmt)
    assert (code, out, err) == (2, "", message.format(d=d, ws=demo.root))
    assert tree(tmp_path) == before
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_an_existing_directory_is_written_into(demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shared").mkdir()
    code, out, _ = run(capsys, "export", "docs", "--out", str(tmp_path / "shared"), "--format", "html")
    assert code == 0 and (tmp_path / "shared" / "docs.export.html").is_file()
    code, out, _ = run(capsys, "export", "docs", "--out", str(tmp_path / "shared"), "--format", "dir")
    assert code == 0 and (tmp_path / "shared" / "docs.export" / "session.md").is_file()
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["docs.export", "docs.export.html"]  # no temp left


def test_an_unknown_session_is_refused(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(Path.cwd())
    code, out, err = run(capsys, "export", "ghost")
    assert (code, out) == (2, "") and err == f"journal: error: no session 'ghost' in ACTIVE or ARCHIVE of {demo.root}\n"
    code, out, err = run(capsys, "export", "../etc/passwd")
    assert (code, out) == (2, "") and err.startswith("journal: error: ") and err.count("\n") == 1
    assert tree(Path.cwd()) == before


def test_a_failed_write_leaves_nothing(demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from journal.web import export

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_publish_file", broken)
    with pytest.raises(OSError):
        export.export_session(demo, "api", tmp_path / "x.html")
    monkeypatch.setattr(export.os, "rename", broken)
    with pytest.raises(OSError):
        export.export_session(demo, "api", tmp_path / "d", "dir")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "shop"]
