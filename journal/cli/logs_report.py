"""Plain data views of a Summary for the CLI: the summary panel and the tool table."""
from __future__ import annotations

from typing import Any

from journal.session.machine_logs import human_duration, human_tokens
from journal.agentlogs.model import Summary

SORTS = ("calls", "time", "failures")


def tool_rows(s: Summary, sort: str = "time") -> list[dict[str, Any]]:
    """One row per tool (name, kind, calls, time_ms, avg_ms, failures), sorted."""
    rows = [{"tool": name, "kind": t.kind, "calls": t.calls,
             "time_ms": round(t.time_ms, 1) if t.timed else None,
             "avg_ms": round(t.avg_ms, 1) if t.avg_ms is not None else None, "failures": t.failures}
            for name, t in s.tools.items()]
    key = {"calls": lambda r: (r["calls"], r["time_ms"] or 0),
           "time": lambda r: (r["time_ms"] or 0, r["calls"]),
           "failures": lambda r: (r["failures"], r["calls"])}[sort]
    rows.sort(key=key, reverse=True)
    return rows


def tool_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    timed = [r["time_ms"] for r in rows if r["time_ms"] is not None]
    return {"tool": "TOTAL", "kind": "", "calls": sum(r["calls"] for r in rows),
            "time_ms": round(sum(timed), 1) if timed else None, "avg_ms": None,
            "failures": sum(r["failures"] for r in rows)}


def ms(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v / 1000:.1f}s" if v >= 1000 else f"{v:.0f}ms"


def panel_lines(s: Summary, top: int = 5) -> list[tuple[str, str]]:
    """(label, value) pairs of the summary panel."""
    out = [("Log", f"{s.path} ({s.format})")]
    if s.title:
        out.append(("Title", s.title))
    out.append(("Duration", f"{human_duration(s.duration_s)}  ({s.start or '?'} → {s.end or '?'})"))
    out.append(("Turns", f"{s.user_turns} user, {s.assistant_turns} assistant"))
    out.append(("Tokens", f"input {human_tokens(s.tokens_in)}, output {human_tokens(s.tokens_out)}, "
                          f"cache read {human_tokens(s.tokens_cache_read)}, cache write "
                          f"{human_tokens(s.tokens_cache_write)}, reasoning {human_tokens(s.tokens_reasoning)}"))
    if s.cost_usd is not None:
        out.append(("Cost", f"${s.cost_usd:.4f}" + (" (estimate from list prices)" if s.cost_estimated else "")))
    out.append(("Tools", f"{s.tool_calls} calls, {s.tool_failures} failed"))
    out.append(("Errors", str(s.errors)))
    rows = tool_rows(s, "calls")[:top]
    if rows:
        out.append(("Top tools", ", ".join(f"{r['tool']} ×{r['calls']}" for r in rows)))
    if s.models:
        out.append(("Models", ", ".join(s.models)))
    if s.cwd or s.git_branch:
        out.append(("Where", f"{s.cwd or '?'} @ {s.git_branch or '?'}"))
    for k in ("answers", "votes", "winner", "restarts", "timeouts", "premium_requests", "backfill_of"):
        if s.extra.get(k) not in (None, 0, ""):
            out.append((k.replace("_", " ").capitalize(), str(s.extra[k])))
    if s.skipped:
        out.append(("Skipped", f"{s.skipped} unreadable or unknown lines"))
    return out
