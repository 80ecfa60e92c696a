"""Export redacts everywhere: every secret shape of the redaction corpus (tests/test_redact.py),
planted in a session's Markdown, in its event data and in raw Claude Code and Codex logs
linked to it, is gone from every export format; and ordinary tokens come out untouched.

What is checked is decoded first: the tar is unpacked, HTML is parsed and unescaped
(text and attribute values), JSON is decoded line by line (also JSON inside strings),
and the raw bytes are searched too, plain and JSON-escaped.
"""
from __future__ import annotations

import gzip
import html as htmllib
import io
import json
import tarfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from test_redact import SHAPES, Shape, _jsonl, _strings, false_positive_corpus

KEY = b"export-test-key-0123456789abcdef"
FORMATS = ("html", "md", "dir", "tar.gz")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.extend(v for _k, v in attrs if v)


def html_strings(page: str) -> list[str]:
    """The text and attribute values of a page, decoded, and the page unescaped whole."""
    p = _Text()
    p.feed(page)
    p.close()
    return [*p.parts, "".join(p.parts), htmllib.unescape(page)]


def decoded(name: str, data: bytes) -> list[str]:
    """Every string a reader of this file would see."""
    text = data.decode("utf-8", "surrogateescape")
    out = [text]
    if name.endswith(".html"):
        out += html_strings(text)
    elif name.endswith((".jsonl", ".ndjson")):
        for line in text.splitlines():
            if line.strip():
                out += _strings(json.loads(line))
    elif name.endswith(".json"):
        out += _strings(json.loads(text))
    return out


def bundle_files(path: Path, fmt: str) -> dict[str, bytes]:
    if fmt in ("html", "md"):
        return {path.name: path.read_bytes()}
    if fmt == "dir":
        return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    raw = path.read_bytes()
    files = {"<tar stream>": gzip.decompress(raw)}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        for member in tar.getmembers():
            assert member.isfile() or member.isdir(), member.name  # no links in a bundle
            if member.isfile():
                f = tar.extractfile(member)
                assert f is not None
                files[member.name] = f.read()
    return files


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A session holding every shape: in its Markdown (a fenced block each, and an entry
    each), in one event each, and in one Claude Code and one Codex log each; exported in
    every format (with the raw logs where a format takes them)."""
    import os

    from journal.config import load_config
    from journal.events import append_events
    from journal.init import init_workspace
    from journal.session.edits import add_entry
    from journal.session.machine_logs import link
    from journal.session.store import create_session
    from journal.web.export import export_session
    from journal.workspace import Workspace

    base = tmp_path_factory.mktemp("leaky")
    old_cwd = os.getcwd()
    ws = Workspace(load_config(base / "coordination", cwd=base))
    init_workspace(ws)
    create_session(ws, "leaky", "Backend", "Move the ingest worker to the new queue")
    for shape in SHAPES:
        add_entry(ws, "leaky", "completed", f"ran the {shape.name} step:\n{shape.snippet}")
    path = ws.active_path("leaky")
    blocks = "".join(f"\n### {s.name}\n\n```\n{s.snippet}\n```\n\nAlso pasted inline: {s.snippet}\n" for s in SHAPES)
    path.write_text(path.read_text(encoding="utf-8") + "\n## Pasted output\n" + blocks, encoding="utf-8")
    append_events(ws, "leaky", [{"event_type": "tool_result", "agent": "claude-code",
                                 "data": {"tool": "Bash", "command": "cat .env.staging", "output": s.snippet, **s.fields}}
                                for s in SHAPES])
    logs = base / "logs"
    logs.mkdir()
    for n, shape in enumerate(SHAPES):
        for template in ("claude_code.jsonl", "codex.jsonl"):
            log = logs / f"{n:02d}-{template}"
            log.write_text(_jsonl(template, shape.snippet), encoding="utf-8")
            link(ws, "leaky", log)
    out = base / "out"
    out.mkdir()
    before = {p: p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file() and "out" not in p.parts}
    results = {}
    try:
        os.chdir(out)
        for fmt in FORMATS:
            results[fmt] = export_session(ws, "leaky", None, fmt, include_logs=fmt in ("dir", "tar.gz"), key=KEY)
    finally:
        os.chdir(old_cwd)
    after = {p: p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file() and "out" not in p.parts}
    assert after == before  # nothing but the bundles was written, not even the journal's caches
    files = {fmt: bundle_files(r.path, fmt) for fmt, r in results.items()}
    return {"ws": ws, "results": results, "files": files,
            "decoded": {fmt: {name: decoded(name, data) for name, data in fs.items()} for fmt, fs in files.items()}}


def test_the_corpus_is_broad() -> None:
    assert len(SHAPES) >= 30 and sum(len(s.secrets) for s in SHAPES) >= 50


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_no_planted_secret_survives(leaky: Any, shape: Shape, fmt: str) -> None:
    files, texts = leaky["files"][fmt], leaky["decoded"][fmt]
    for needle in shape.needles():
        escaped = json.dumps(needle)[1:-1]
        forms = {needle.encode(), escaped.encode(), json.dumps(escaped)[1:-1].encode(),
                 htmllib.escape(needle).encode(), htmllib.escape(needle, quote=False).encode()}
        for name, data in files.items():
            for form in forms:
                assert form not in data, f"{shape.name}: a secret survived in the raw bytes of {name} ({fmt})"
        for name, strings in texts.items():
            for s in strings:
                assert needle not in s, f"{shape.name}: a secret survived in {name} ({fmt}), decoded"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_kind_is_marked_and_counted(leaky: Any, fmt: str) -> None:
    result = leaky["results"][fmt]
    kinds = {kind for s in SHAPES for _v, kind in s.secrets}
    assert kinds <= set(result.redactions), kinds - set(result.redactions)
    assert result.distinct >= sum(len(s.secrets) for s in SHAPES)
    every = b"".join(leaky["files"][fmt].values()).decode("utf-8", "surrogateescape")
    for kind in kinds:
        assert f"[REDACTED:{kind}:" in every


def test_the_bundle_holds_what_it_says(leaky: Any) -> None:
    files = leaky["files"]["dir"]
    assert {"session.md", "session.html", "events.jsonl", "summaries.json", "manifest.json"} <= set(files)
    raw_logs = [n for n in files if n.startswith("logs/")]
    assert len(raw_logs) == 2 * len(SHAPES)
    manifest = json.loads(files["manifest.json"])
    assert manifest["session"] == "leaky" and manifest["include_logs"] is True
    assert {f["path"] for f in manifest["files"]} == set(files) - {"manifest.json"}
    assert manifest["redaction"]["by_kind"] == leaky["results"]["dir"].redactions
    summaries = json.loads(files["summaries.json"])
    assert len(summaries) == 2 * len(SHAPES) and all(s["summary"] for s in summaries)
    for log in raw_logs:  # still JSON Lines, line for line
        for line in files[log].decode().splitlines():
            json.loads(line)
    tar_names = set(leaky["files"]["tar.gz"]) - {"<tar stream>"}
    assert {n.split("/", 1)[1] for n in tar_names} == set(files)


def test_one_secret_keeps_one_marker_across_the_bundle(leaky: Any) -> None:
    from journal.redact import Redactor

    files = leaky["files"]["dir"]
    gh = next(s for s in SHAPES if s.name == "github-classic").secrets[0][0]
    marker = Redactor(KEY).marker("github-token", gh)
    for name in ("session.md", "session.html", "events.jsonl"):
        assert marker.encode() in files[name], name
    assert any(marker.encode() in data for n, data in files.items() if n.startswith("logs/"))


def test_false_positive_rate_through_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Ordinary tokens (hashes, ids, paths, names, versions, look-alikes) planted in the
    Markdown and in event data: the share redacted wrongly, counted per token."""
    from journal.config import load_config
    from journal.events import append_events
    from journal.init import init_workspace
    from journal.session.store import create_session
    from journal.web.export import export_session
    from journal.workspace import Workspace

    corpus = false_positive_corpus()
    assert len(corpus) >= 10_000
    ws = Workspace(load_config(tmp_path / "coordination", cwd=tmp_path))
    init_workspace(ws)
    create_session(ws, "clean", "Backend", "Nothing secret here")
    path = ws.active_path("clean")
    lines = "".join(f"- {cat}: `{tok}` seen in the ingest log\n" for cat, tok in corpus)
    path.write_text(path.read_text(encoding="utf-8") + "\n## Tokens\n\n" + lines, encoding="utf-8")
    append_events(ws, "clean", [{"event_type": "note", "data": {f"ref{j}": tok for j, (_c, tok) in enumerate(corpus[i:i + 10])}}
                                for i in range(0, len(corpus), 10)])
    monkeypatch.chdir(tmp_path)
    result = export_session(ws, "clean", tmp_path / "b", "dir", key=KEY)
    md = (result.path / "session.md").read_text(encoding="utf-8")
    section = md.split("\n## Tokens\n\n", 1)[1].split("\n")
    events = [json.loads(line) for line in (result.path / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    notes = [e["data"] for e in events if e["event_type"] == "note"]
    flagged = [False] * len(corpus)
    for i, (_cat, tok) in enumerate(corpus):
        flagged[i] |= tok not in section[i]
        flagged[i] |= notes[i // 10][f"ref{i % 10}"] != tok
    wrong: dict[str, int] = {}
    for (cat, _tok), bad in zip(corpus, flagged):
        if bad:
            wrong[cat] = wrong.get(cat, 0) + 1
    rate = sum(flagged) / len(corpus)
    with capsys.disabled():
        print(f"\nexport false positives: {sum(flagged)} of {len(corpus)} tokens ({rate:.3%}); by category: {wrong}")
    assert rate <= 0.01
