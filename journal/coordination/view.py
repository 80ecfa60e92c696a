"""Every session's digest and every message, aggregated once per command and cached.

The view is cached in two files while no log changed: ``.journal/cache/coordination-view.json``
(small: sessions, acknowledgements, broadcasts, unread counts: what the board needs) and
``coordination-mail.json`` (everyone's direct messages, read only for inboxes). No view
is cached while a file is racy (see ``journal.coordination.digest``).
"""
from __future__ import annotations

import bisect
import contextlib
import os
from pathlib import Path
from typing import Any

from journal.cache import racy_after
from journal.coordination.digest import CACHE_VERSION, SLIM as DIGEST_SLIM, digests, scan
from journal.fsutil import atomic_write, read_cache
from journal.coordination.messages import BROADCAST, MESSAGE_PRIORITIES
from journal.workspace import SessionRef, Workspace


class View:
    """Every session's digest and every message, read once per command.

    A message is a list ``[id, sender, to, priority, sent, text, sender_archived, complete, keys]``
    (there may be tens of thousands); ``keys`` are the other keys an acknowledgement may match
    it by (``messages.content_key``, and ``messages.time_key`` when its line gave no date).
    Messages to a recipient may still be a JSON fragment from the view cache, parsed only
    when that recipient's mail is asked for.
    """

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}  # id -> digest (active preferred)
        self.acked: dict[str, set[str]] = {}
        self.casts: list[list[Any]] = []
        self.counts: dict[str, dict[str, int]] | None = None
        self._by_to: dict[str, list[list[Any]]] = {}
        self._raw: dict[str, str] = {}
        self._mail: tuple[Workspace, Path, str] | None = None  # mail in the cache, not loaded yet
        self._ws: Workspace | None = None  # where slim digests are read again from

    def full(self, sid: str) -> dict[str, Any] | None:
        """The digest of ``sid`` with every field. An archived session's digest is slim: it
        holds what mail, handoff chains and lists need (``SLIM``); the rest (its phases,
        blockers, next steps, completions) is read again from its log here."""
        d = self.sessions.get(sid)
        if d is None or not d.get("slim") or self._ws is None:
            return d
        from journal.coordination.digest import digest_file
        from journal.session.history import Histories

        ref = SessionRef(sid, Path(d["path"]), archived=True)
        full = dict(digest_file(self._ws, ref, Histories(self._ws)), id=sid, archived=True, path=d["path"])
        self.sessions[sid] = full
        return full

    def _load_mail(self) -> None:
        import orjson

        assert self._mail is not None
        ws, path, signature = self._mail
        self._mail = None
        try:
            data = orjson.loads(read_cache(path) or b"")
            if isinstance(data, dict) and data.get("signature") == signature and isinstance(data.get("by_to"), dict):
                self._raw = data["by_to"]
                return
        except (OSError, orjson.JSONDecodeError):
            pass
        self._by_to = _build_view(ws, scan(ws)).by_to()  # the cache was replaced meanwhile

    def to(self, sid: str) -> list[list[Any]]:
        """Direct messages to ``sid``."""
        if self._mail is not None:
            self._load_mail()
        if sid in self._raw:
            import orjson

            self._by_to[sid] = orjson.loads(self._raw.pop(sid))
        return self._by_to.get(sid, [])

    def by_to(self) -> dict[str, list[list[Any]]]:
        """Direct messages by recipient."""
        if self._mail is not None:
            self._load_mail()
        for sid in list(self._raw):
            self.to(sid)
        return self._by_to

    def chain(self, sid: str) -> list[str]:
        """The session and its predecessors through ``handoff_from``, nearest first."""
        chain = [sid]
        while True:
            d = self.sessions.get(chain[-1]) or {}
            prev = d.get("handoff_from")
            if not isinstance(prev, str) or prev in chain or len(chain) > 50:
                return chain
            chain.append(prev)

    def since(self, chain: list[str]) -> str:
        """When the first session of ``chain`` began: broadcasts before it are not its mail."""
        created = (self.sessions.get(chain[-1]) or {}).get("created") or ""
        return created[:16].replace("T", " ")


# What the view cache leaves out of an archived session's digest: nine tenths of the cache on
# a long history, read back from the log by ``View.full`` (acknowledgements are kept apart).
SLIM = (*DIGEST_SLIM, "acked")


def _signature(scanned: list[SessionRef]) -> str:
    """Every file's name, mtime and size, folded (zlib's checksums import in no time, hashlib's do not)."""
    import zlib

    data = "\n".join(sorted(f"{r.key} {r.stamp[0]} {r.stamp[1]}" for r in scanned if r.stamp)).encode()
    return f"{CACHE_VERSION}-{len(scanned)}-{len(data)}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}"


def _view_from_cache(ws: Workspace, data: dict[str, Any], mail: Path) -> View:
    view = View()
    folders = {True: str(ws.archive_dir), False: str(ws.active_dir)}
    for sid, d in data["sessions"].items():
        d["path"] = os.path.join(folders[d["archived"]], d.pop("file"))
        view.sessions[sid] = d
    view.acked = {sid: set(ids) for sid, ids in data["acked"].items()}
    view.casts = data["casts"]
    view._mail = (ws, mail, data["signature"])
    view._ws = ws
    view.counts = data["counts"]
    return view


def _save_view(ws: Workspace, path: Path, mail: Path, signature: str, view: View) -> None:
    """Two files: the view (small: what the board needs) and everyone's mail, read only for inboxes."""
    import orjson

    sessions = {}
    for sid, d in view.sessions.items():
        kept = sessions[sid] = d.copy()  # a copy, then deletions: 4x a filtering comprehension
        kept.pop("sent", None)
        kept["file"] = os.path.basename(kept.pop("path"))
        if d["archived"] and not d.get("error"):
            for key in SLIM:
                kept.pop(key, None)
            kept["slim"] = True
    data = {"version": CACHE_VERSION, "signature": signature, "sessions": sessions,
            "acked": {sid: sorted(ids) for sid, ids in view.acked.items() if ids}, "casts": view.casts,
            "counts": view.counts, "bare_stamp": _bare_stamp(ws, view)}
    by_to = {to: orjson.dumps(ms).decode() for to, ms in view.by_to().items()}
    with contextlib.suppress(OSError):
        atomic_write(mail, orjson.dumps({"signature": signature, "by_to": by_to}))
        atomic_write(path, orjson.dumps(data))  # last: the view is valid only with its mail


def load_view(ws: Workspace) -> View:
    """Every session (active preferred over archived copies) and every message, deduplicated.

    Served from ``.journal/cache/coordination-view.json`` while no log changed.
    """
    import orjson

    scanned = scan(ws)
    signature = _signature(scanned)
    cache_path = ws.state_dir / "cache" / "coordination-view.json"
    mail_path = ws.state_dir / "cache" / "coordination-mail.json"
    from journal.parallel import acyclic

    try:
        with acyclic():
            data = orjson.loads(read_cache(cache_path) or b"")
        if isinstance(data, dict) and data.get("version") == CACHE_VERSION and data.get("signature") == signature \
                and (data.get("bare_stamp") is None or data["bare_stamp"] == _bare_stamp(ws)):
            return _view_from_cache(ws, data, mail_path)
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        pass
    return _build_view(ws, scanned, signature)


def _bare_stamp(ws: Workspace, view: View | None = None) -> str | None:
    """With a log kept by hand in ``view`` (or when asked without a view): what its reading
    depends on besides the files' bytes (HEAD and the statuses); None when every log is adopted."""
    if view is not None and all(d.get("adopted") is not False for d in view.sessions.values()):
        return None
    from journal.session.history import Histories

    return Histories(ws).stamp()


def _build_view(ws: Workspace, scanned: list[SessionRef], signature: str | None = None) -> View:
    """The view computed from the per-file digests; cached when no file is racy."""
    from journal.parallel import acyclic

    with acyclic():
        view = view_of(digests(ws, scanned=scanned), ws)
        racy = racy_after()
        if signature is not None and all(r.stamp is not None and r.stamp[0] < racy for r in scanned):
            cache = ws.state_dir / "cache"
            _save_view(ws, cache / "coordination-view.json", cache / "coordination-mail.json", signature, view)
    return view


def view_of(found: list[dict[str, Any]], ws: Workspace) -> View:
    """The view of a list of digests (active ones first for each id; messages once each);
    ``ws`` is where their logs are, for reading a slim digest whole (``View.full``)."""
    view = View()
    view._ws = ws
    seen: set[str] = set()
    by_to = view._by_to
    for d in sorted(found, key=lambda d: d["archived"]):
        sid, archived = d["id"], d["archived"]
        view.sessions.setdefault(sid, d)
        view.acked.setdefault(sid, set()).update(d.get("acked") or ())
        for mid, to, priority, sent, text, complete, keys in d.get("sent") or ():
            if mid not in seen:
                seen.add(mid)
                m = [mid, sid, to, priority, sent, text, archived, complete, keys]
                if to == BROADCAST:
                    view.casts.append(m)
                elif to in by_to:
                    by_to[to].append(m)
                else:
                    by_to[to] = [m]
    view.counts = unread_counts(view)
    return view


def unread_counts(view: View) -> dict[str, dict[str, int]]:
    """Unread messages per active session and priority (what the board shows), without a
    pass over every message per session; an archived session's mail is counted by its inbox."""
    by_to = view.by_to()
    casts = [(m[4], m[0], m[1], m[3], tuple(m[8])) for m in view.casts]  # (sent, id, sender, priority, keys)
    casts.sort()
    stamps = [c[0] for c in casts]
    prefix = {p: [0] for p in MESSAGE_PRIORITIES}
    for cast in casts:
        for p in MESSAGE_PRIORITIES:
            prefix[p].append(prefix[p][-1] + (cast[3] == p))
    cast_by_key: dict[str, list[tuple[str, str, str, str, tuple[str, ...]]]] = {}
    for cast in casts:
        for key in (cast[1], *cast[4]):
            cast_by_key.setdefault(key, []).append(cast)
    cast_by_sender: dict[str, list[tuple[str, str, str, str, tuple[str, ...]]]] = {}
    for cast in casts:
        cast_by_sender.setdefault(cast[2], []).append(cast)
    out: dict[str, dict[str, int]] = {}
    for sid, d in view.sessions.items():
        if d["archived"]:
            continue
        chain = view.chain(sid)
        acked: set[str] = set().union(*(view.acked.get(c, set()) for c in chain))
        since = view.since(chain)
        counts = dict.fromkeys(MESSAGE_PRIORITIES, 0)
        for c in chain:
            for mid, sender, _to, priority, _sent, _text, _archived, _complete, keys in by_to.get(c, ()):
                if sender not in chain and mid not in acked and acked.isdisjoint(keys):
                    counts[priority] += 1
        k = bisect.bisect_left(stamps, since)
        for p in MESSAGE_PRIORITIES:
            counts[p] += prefix[p][-1] - prefix[p][k]
        for c in chain:
            for sent, _mid, _sender, priority, _keys in cast_by_sender.get(c, ()):
                if sent >= since:
                    counts[priority] -= 1
        read = {hit[1]: hit for key in acked for hit in cast_by_key.get(key, ())}
        for hit in read.values():
            if hit[0] >= since and hit[2] not in chain:
                counts[hit[3]] -= 1
        out[sid] = counts
    return out
