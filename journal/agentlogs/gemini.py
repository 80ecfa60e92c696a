"""Gemini CLI chats: ``~/.gemini/tmp/<project>/chats/session-*.jsonl`` (and legacy ``.json``).

JSONL records are replayed in order: the last version of each ``id`` wins,
``{"$set": {...}}`` patches the header, ``{"$rewindTo": id}`` drops that record
and every later one. Gemini's ``input`` includes ``cached`` and its ``output``
excludes ``thoughts``: both are normalized (input without cache but with the
``tool`` prompt tokens, output with thoughts, which are also the reasoning
figure), so ``total`` is Gemini's own; each thought summary a record carries is
a reasoning block. A user record's title is what the user typed
(``displayContent``: ``/init``, not the prompt it expands to); turns the CLI
injects itself ("System: Please continue.", a tool's response) are not user turns.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from journal.agentlogs import model as m
from journal.agentlogs.registry import Home, LogFormat
from journal.agentlogs.base import Reader, as_int, as_list, text_of
from journal.agentlogs.model import Event, Usage

_TYPES = {"user", "gemini", "info", "error", "warning"}


_RAW = ("input", "output", "cached", "thoughts", "tool", "total")
# Text the CLI itself sends as a user turn (to resume after a tool response or a loop check).
_INJECTED = ("System: Please continue",)


def _user_text(r: dict[str, Any]) -> str | None:
    """What the user typed, or None for a turn the CLI injected."""
    shown = r.get("displayContent")
    if shown is not None:
        if isinstance(shown, list) and shown and all(isinstance(b, dict) and "text" not in b for b in shown):
            return None  # a function response shown in the user's place
        text = text_of(shown)
        if text and text.strip():
            return text
    text = text_of(r.get("content"))
    if not text or not text.strip() or text.lstrip().startswith(_INJECTED):
        return None
    return text


def _compact(r: dict[str, Any]) -> list[Any]:
    """What the summary needs of one record: [type, ts, model, tokens, tools, text, thoughts]."""
    tools = [[str(c.get("name") or "?"), c.get("status"), c.get("id")]
             for c in as_list(r.get("toolCalls")) if isinstance(c, dict)]
    tok = r.get("tokens") if isinstance(r.get("tokens"), dict) else None
    text = _user_text(r) if r.get("type") == "user" else None
    thoughts = r.get("thoughts")
    return [r.get("type"), r.get("timestamp"), r.get("model"),
            [as_int(tok.get(k)) for k in _RAW] if tok else None,
            tools, text[:200] if text else None, len(thoughts) if isinstance(thoughts, list) else 0]


def _events(records: dict[str, list[Any]], header: dict[str, Any]) -> Iterator[Event]:
    yield Event(m.SESSION_START, header.get("startTime"), data={
        "provider_session_id": header.get("sessionId"),
        "extra": {"project_hash": header.get("projectHash")} if header.get("projectHash") else {}})
    for rid, rec in records.items():
        typ, ts, model, tok, tools, text = rec[:6]
        thoughts = rec[6] if len(rec) > 6 else 0
        if typ == "user":
            if text is not None:
                yield Event(m.USER, ts, text=text)
        elif typ == "gemini":
            yield Event(m.ASSISTANT, ts, key=rid, name=model)
            for _ in range(thoughts):
                yield Event(m.REASONING, ts)
            for name, status, cid in tools:
                ok = None if status in (None, "executing", "scheduled", "awaiting_approval") else status == "success"
                yield Event(m.TOOL_CALL, ts, name=name, success=ok if ok is not None else None)
            if tok:
                inp, out, cached, thought = tok[0], tok[1], tok[2], tok[3]
                tool = tok[4] if len(tok) > 4 else 0  # prompt tokens of tool use, billed as input
                yield Event(m.USAGE, ts, key=rid, usage=Usage(
                    input=max(0, inp - cached) + tool, output=out + thought, cache_read=cached,
                    reasoning=thought, model=model, raw=dict(zip(_RAW, tok)), prompt=inp + tool))
        elif typ == "error":
            yield Event(m.ERROR, ts)
    if header.get("lastUpdated"):
        yield Event(m.SESSION_END, header["lastUpdated"])


class GeminiReader(Reader):
    format = "gemini"
    unanswered_fail = False  # tool status is in the record itself

    def __init__(self) -> None:
        self.header: dict[str, Any] = {}
        self.records: dict[str, list[Any]] = {}

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        for r in records:
            if not isinstance(r, dict):
                continue
            if "projectHash" in r and "sessionId" in r and "messages" not in r:
                return True
            if "$set" in r or "$rewindTo" in r:
                return True
            if r.get("type") in ("gemini", "info") and "id" in r and "content" in r:
                return True
        return False

    def feed(self, rec: Any) -> Iterable[Event]:
        if not isinstance(rec, dict):
            self.unknown += 1
            return ()
        if "$set" in rec:
            if isinstance(rec["$set"], dict):
                self.header.update({k: v for k, v in rec["$set"].items() if k != "messages"})
            return ()
        if "$rewindTo" in rec:
            target = rec["$rewindTo"]
            if target in self.records:
                keys = list(self.records)
                for k in keys[keys.index(target):]:
                    del self.records[k]
            return ()
        if "sessionId" in rec and "id" not in rec:
            self.header.update({k: v for k, v in rec.items() if k != "messages"})
            return ()
        rid, typ = rec.get("id"), rec.get("type")
        if rid is None or typ not in _TYPES:
            self.unknown += 1
            return ()
        self.records[str(rid)] = _compact(rec)
        return ()

    def finish(self) -> Iterator[Event]:
        return _events(self.records, self.header)

    def dump(self) -> dict[str, Any]:
        return {"header": self.header, "records": self.records}

    def load(self, state: dict[str, Any]) -> None:
        self.header = dict(state.get("header") or {})
        self.records = dict(state.get("records") or {})


class GeminiLegacyReader(Reader):
    """The older single-JSON session file: ``{sessionId, …, messages: [...]}``."""

    format = "gemini"
    whole_document = True
    unanswered_fail = False

    @classmethod
    def detect(cls, records: list[Any]) -> bool:
        return (len(records) == 1 and isinstance(records[0], dict)
                and isinstance(records[0].get("messages"), list)
                and ("projectHash" in records[0] or "sessionId" in records[0]))

    def feed(self, rec: Any) -> Iterator[Event]:
        if not isinstance(rec, dict) or not isinstance(rec.get("messages"), list):
            self.unknown += 1
            return iter(())
        header = {k: v for k, v in rec.items() if k != "messages"}
        records: dict[str, list[Any]] = {}
        for i, r in enumerate(rec["messages"]):
            if isinstance(r, dict) and type(r.get("type")) is str and r["type"] in _TYPES:
                records[str(r.get("id", i))] = _compact(r)
            else:
                self.unknown += 1
        return _events(records, header)


def _gemini_cwd(path: Path, records: list[dict[str, Any]]) -> str | None:
    """Gemini CLI names its project folder by a hash of the root; ``.project_root`` holds the path."""
    root_file = path.parent.parent / ".project_root"
    if root_file.is_file():
        return root_file.read_text(encoding="utf-8").strip()
    digest = next((r["projectHash"] for r in records if isinstance(r.get("projectHash"), str)), "")
    return "hash:" + digest


FORMAT = LogFormat("gemini", readers=(GeminiReader, GeminiLegacyReader), home=Home("GEMINI_CLI_HOME", ".gemini", ".gemini"),
                   globs=("tmp/*/chats/session-*.jsonl", "tmp/*/chats/session-*.json"), cwd_probe=_gemini_cwd)
