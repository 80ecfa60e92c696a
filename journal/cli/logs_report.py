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


def money(usd: float | None, estimated: bool = False) -> str:
    """``~$0.1234`` (an estimate) or ``$0.1234``; small sums keep four decimals."""
    if usd is None:
        return ""
    return f"{'~' if estimated else ''}${usd:,.2f}" if usd >= 100 else f"{'~' if estimated else ''}${usd:.4f}"


def cost_line(s: Summary) -> str:
    """The Cost row: the figure, where it comes from, and the models left unpriced."""
    c = s.cost
    if c.usd is None and not c.unpriced:
        return "none recorded, no tokens to price" if not s.tokens.total else "unknown"
    parts = []
    if c.usd is not None:
        parts.append(money(c.usd, c.estimated) + (f" (estimate: {c.source})" if c.estimated else " (recorded by the log)"))
    if c.unpriced:
        by = s.tokens_by_model()
        names = ", ".join(f"{m} ({human_tokens(by[m].total if m in by else 0)} tokens)" for m in c.unpriced)
        parts.append(f"unpriced model{'s' if len(c.unpriced) > 1 else ''}: {names}")
    return "; ".join(parts)


def panel_lines(s: Summary, top: int = 5) -> list[tuple[str, str]]:
    """(label, value) pairs of the summary panel."""
    out = [("Log", f"{s.path} ({s.format})")]
    if s.title:
        out.append(("Title", s.title))
    out.append(("Duration", f"{human_duration(s.duration_s)}  ({s.start or '?'} → {s.end or '?'})"))
    out.append(("Turns", f"{s.user_turns} user, {s.assistant_turns} assistant"))
    t = s.tokens
    out.append(("Tokens", f"{human_tokens(t.total)} total: input {human_tokens(t.input)}, cache read "
                          f"{human_tokens(t.cache_read)}, cache write {human_tokens(t.cache_write)}, output "
                          f"{human_tokens(t.output)} (reasoning {human_tokens(t.reasoning)})"))
    out.append(("Cost", cost_line(s)))
    by = s.tokens_by_model()
    if len(by) > 1:
        out.append(("By model", "; ".join(
            f"{m} {human_tokens(mt.total)}" + (f" {money(s.cost.by_model[m], s.cost.estimated)}"
                                               if m in s.cost.by_model else "")
            for m, mt in by.items())))
    out.append(("Tools", f"{s.tool_calls} call{'' if s.tool_calls == 1 else 's'}, {s.tool_failures} failed"))
    out.append(("Errors", str(s.errors)))
    rows = tool_rows(s, "calls")[:top]
    if rows:
        out.append(("Top tools", ", ".join(f"{r['tool']} ×{r['calls']}" for r in rows)))
    if s.models:
        out.append(("Models", ", ".join(s.models)))
    if s.subagents:
        out.append(("Subagents", f"{s.subagents} ran; " + (
            "their figures are included" if s.subagents_included
            else "their figures are not included (--with-subagents adds them)")))
    if s.cwd or s.git_branch:
        out.append(("Where", f"{s.cwd or '?'} @ {s.git_branch or '?'}"))
    for k in ("answers", "votes", "winner", "restarts", "timeouts", "premium_requests", "backfill_of"):
        if s.extra.get(k) not in (None, 0, ""):
            out.append((k.replace("_", " ").capitalize(), str(s.extra[k])))
    for note in s.cost.notes:
        out.append(("Note", note))
    if s.skipped:
        out.append(("Skipped", f"{s.skipped} unreadable or unknown lines"))
    return out
