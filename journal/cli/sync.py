"""``journal sync`` and ``journal merge-driver``, without the command-line framework.

Both run often (an agent syncs after its steps; git runs the driver once per merged
file), so the plain forms of their command lines go through the fast path
(``journal.cli.fastpath``); the Typer commands in ``journal.cli.session`` call the same
functions."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from journal.cli.common import err, out, print_json, session_id, workspace


def _names(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", … {len(items) - limit} more" if len(items) > limit else "")


def describe(result: Any) -> list[str]:
    """The lines ``journal sync`` prints for a result."""
    lines = []
    target = f"{result.remote}/{result.branch}"
    if result.committed:
        lines.append(f"committed {result.committed[:10]}")
    else:
        lines.append("nothing new to commit")
    if result.pushed:
        lines.append(f"pushed to {target}")
    elif not result.remote_has_branch:
        lines.append(f"{result.remote} has no {result.branch} yet")
    if result.unpushed_own_commits:
        n = result.unpushed_own_commits
        lines.append(f"{n} unpushed commit{'s' if n != 1 else ''} of your own: the journal change will go with your "
                     "next push, or run journal sync --push-all")
    inc = result.incoming
    parts = []
    for items, label in ((inc.new_sessions, "new"), (inc.updated_sessions, "updated"),
                         (inc.archived_elsewhere, "archived elsewhere"), (inc.restored_elsewhere, "restored elsewhere")):
        if items:
            parts.append(f"{len(items)} {label} ({_names(items)})")
    if inc.messages:
        parts.append(f"{len(inc.messages)} message{'s' if len(inc.messages) != 1 else ''} for you")
    if inc.learnings:
        parts.append(f"{len(inc.learnings)} new learning{'s' if len(inc.learnings) != 1 else ''}")
    if parts:
        lines.append(("came in: " if result.integrated else f"on {target}, not merged yet: ") + " · ".join(parts))
    elif result.integrated and result.remote_has_branch:
        lines.append(f"nothing new from {target}")
    for m in inc.messages:
        lines.append(f"  ● {m['sent']} {m['from']} → {m['to']} ({m['priority']}): {m['text']}")
    for entry in inc.learnings:
        lines.append(f"  + {entry['entry']}")
    if result.merged:
        lines.append(f"merged by meaning: {_names(result.merged, 3)}")
    return lines


def run_sync(remote: str, message: Optional[str], no_push: bool, push_all: bool, session: Optional[str],
             as_json: bool) -> None:
    from journal.coordination.sync import sync
    from journal.errors import GitError

    result = sync(workspace(), remote=remote, message=message, push=not no_push, push_all=push_all,
                  session=session_id(session, required=False))
    if as_json:
        print_json(result.as_dict())
    else:
        for line in describe(result):
            out(line)
    if result.conflicts:
        first = result.conflicts[0]
        more = f" (and {len(result.conflicts) - 1} more)" if len(result.conflicts) > 1 else ""
        where = f"{first['path']}:{first['line']}" if first.get("line") else first["path"]
        what = f"the entry {first['entry']!r} was edited differently here and on {result.remote}/{result.branch}" \
            if first.get("entry") and "conflict markers" not in first["reason"] else first["reason"]
        raise GitError(f"{where}: {what}{more}; everything else was synced. Edit the file to keep what you want "
                       "(the lines between <<<<<<< and >>>>>>>), then run journal sync again")


def run_merge_driver(base: str, ours: str, theirs: str, path: Optional[str]) -> None:
    from journal.session.merge import MergeConflict, run_driver

    conflicts = run_driver(Path(base), Path(ours), Path(theirs), path or ours)
    for c in conflicts[1:]:
        err(f"journal: conflict: {c}")
    if conflicts:
        raise MergeConflict(f"{conflicts[0]}: keep what you want between the <<<<<<< and >>>>>>> lines, then git add it")
