"""HTML of the journal's pages: one autoescaping Jinja2 environment over the packaged
templates, Markdown rendered without raw HTML, and the geometry of the usage chart.

This environment is apart from the session templates' (``journal.templates``: sandboxed,
no loader, no escaping, because it renders Markdown): it loads only the templates shipped
in ``journal/web/templates`` and escapes every value, so text from a log can never become
markup. Markdown goes through markdown-it-py in CommonMark mode with ``html=False``: a
``<script>`` in an entry is shown as text; a line break is kept (a log writes one
``**Field:** value`` a line). Images become links (a page must fetch nothing from
elsewhere), and links get ``rel="noopener noreferrer nofollow"``.
"""
from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from journal.redact import MARKER_RE

# The packaged assets the server may send, by name (nothing else is ever served).
STATIC = {"board.css": "text/css; charset=utf-8", "board.js": "text/javascript; charset=utf-8",
          "favicon.svg": "image/svg+xml"}


def asset(name: str) -> bytes:
    """A packaged static file (``board.css``, ``board.js``, ``favicon.svg``)."""
    if name not in STATIC:
        raise KeyError(name)
    return resources.files("journal.web").joinpath("static").joinpath(name).read_bytes()


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline ``<style>`` or ``<script>`` text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


@lru_cache(maxsize=1)
def environment() -> Any:
    """The Jinja2 environment of the web pages: packaged templates only, everything escaped."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("journal.web", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(md=markdown, marks=marks, tokens=tokens, duration=duration, ms=ms, usd=usd,
                       hours=hours, short=short, pct=pct)
    return env


def render(template: str, **context: Any) -> str:
    """One page: ``template`` (a packaged file name) with ``context``."""
    return str(environment().get_template(template).render(**context))


# -- Markdown ---------------------------------------------------------------------------

def _link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    return str(self.renderToken(tokens, idx, options, env))


def _image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """An image as a link to it: a page loads nothing from elsewhere."""
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return (f'<a class="image" href="{escapeHtml(src)}" rel="noopener noreferrer nofollow">'
            f"image: {escapeHtml(alt)}</a>")


@lru_cache(maxsize=1)
def _markdown_it() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


# An item of a task list, as CommonMark renders it: "<li>[x] " (or "<li>\n<p>[x] " when loose).
_TASK = re.compile(r"<li>(\s*<p>)?\[([ xX])\] ")
# A tag of the rendered HTML, or a redaction marker in its text.
_TAG_OR_MARKER = re.compile(r"(<[^>]*>)|" + MARKER_RE.pattern)


def _wrap_markers(html: str) -> str:
    """Each redaction marker in the text of ``html`` (never inside a tag) in a span."""
    if "[REDACTED:" not in html:
        return html
    return _TAG_OR_MARKER.sub(lambda m: m.group(1) or f'<span class="redacted">{m.group(0)}</span>', html)


def markdown(text: str | None) -> Any:
    """Markdown as safe HTML (a ``Markup``): no raw HTML passes, task items get a class."""
    from markupsafe import Markup

    html = str(_markdown_it().render(text or ""))
    html = _TASK.sub(lambda m: f'<li class="task{" done" if m.group(2) != " " else ""}">{m.group(1) or ""}', html)
    return Markup(_wrap_markers(html))


def marks(text: Any) -> Any:
    """Plain text, escaped, with its redaction markers shown as such."""
    from markupsafe import Markup, escape

    return Markup(_wrap_markers(str(escape("" if text is None else str(text)))))


# -- figures -----------------------------------------------------------------------------

def tokens(n: Any) -> str:
    """``45.2k``, ``1.3M``."""
    try:
        n = int(n or 0)
    except (TypeError, ValueError):
        return "?"
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


def duration(seconds: Any) -> str:
    if seconds is None:
        return "?"
    s = int(round(float(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h {m:02d}m" if h else f"{m}m {sec:02d}s" if m else f"{sec}s"


def ms(v: Any) -> str:
    if v is None:
        return ""
    v = float(v)
    return f"{v / 1000:.1f}s" if v >= 1000 else f"{v:.0f}ms"


def usd(v: Any, estimated: bool = False) -> str:
    if v is None:
        return ""
    return f"{'~' if estimated else ''}${float(v):.2f}"


def hours(h: Any) -> str:
    """An age in hours as ``5m``, ``3h``, ``2d``."""
    if h is None:
        return "?"
    seconds = max(0, int(float(h) * 3600))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def short(text: Any, width: int = 60) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def pct(progress: Any) -> int:
    """A progress value as 0..100 (0 when unreadable)."""
    try:
        return max(0, min(100, int(progress)))
    except (TypeError, ValueError):
        return 0


# -- the usage chart -----------------------------------------------------------------------

def _ceiling(value: float) -> float:
    """A round number at or above ``value`` for an axis: 1, 2 or 5 times a power of ten."""
    import math

    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value * (1 - 1e-9):
            return step * power
    return 10 * power


def chart(days: list[dict[str, Any]], width: int = 720, height: int = 200) -> dict[str, Any]:
    """Geometry of the usage chart: stacked token bars per day and the day's cost as dots
    on a line, with their axes. ``days`` are ``{day, tokens_in, tokens_out, cost_usd}``."""
    left, right, top, bottom = 52, 56, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(days))
    max_tokens = _ceiling(max([d["tokens_in"] + d["tokens_out"] for d in days] or [0]))
    costs = [d["cost_usd"] for d in days if d.get("cost_usd") is not None]
    max_cost = _ceiling(max(costs)) if costs else None
    slot = plot_w / n
    bar_w = max(1.0, min(40.0, slot * 0.7))
    bars, points = [], []
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        h_in = plot_h * d["tokens_in"] / max_tokens
        h_out = plot_h * d["tokens_out"] / max_tokens
        base = top + plot_h
        bars.append({"day": d["day"], "x": round(x, 1), "w": round(bar_w, 1),
                     "in_y": round(base - h_in, 1), "in_h": round(h_in, 1),
                     "out_y": round(base - h_in - h_out, 1), "out_h": round(h_out, 1),
                     "tokens_in": d["tokens_in"], "tokens_out": d["tokens_out"],
                     "cost_usd": d.get("cost_usd"), "cost_estimated": d.get("cost_estimated", False)})
        if max_cost and d.get("cost_usd") is not None:
            points.append({"x": round(x + bar_w / 2, 1), "y": round(top + plot_h * (1 - d["cost_usd"] / max_cost), 1)})
    every = max(1, -(-n // 8))  # at most about eight labels under the bars
    labels = [{"x": round(left + i * slot + slot / 2, 1), "text": d["day"][5:]}
              for i, d in enumerate(days) if i % every == 0 or i == n - 1]
    return {
        "width": width, "height": height, "left": left, "top": top, "plot_w": plot_w, "plot_h": plot_h,
        "right_x": left + plot_w, "base_y": top + plot_h, "mid_y": top + plot_h / 2,
        "bars": bars, "labels": labels, "max_tokens": max_tokens, "max_cost": max_cost,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points), "points": points,
    }


# -- whole pages ---------------------------------------------------------------------------

TEMPLATE_OF = {"board": "board.html", "session": "session.html", "inbox": "inbox.html",
               "knowledge": "knowledge.html", "usage": "usage.html", "error": "error.html"}


def standalone_csp(css: str) -> str:
    """The policy of an exported page: its own inline style and nothing else, no fetch at all."""
    return (f"default-src 'none'; style-src {csp_hash(css)}; img-src data:; base-uri 'none'; "
            "form-action 'none'")


def page(data: dict[str, Any], *, redacted: bool, signature: str = "", scope: str = "", root: str = "",
         full_root: str = "", standalone: bool = False, redactions: dict[str, int] | None = None) -> str:
    """The HTML of a page built by ``journal.web.pages`` (``data["page"]`` names it).

    ``standalone`` makes the exported form: the stylesheet inline (allowed by its hash in
    the page's own Content-Security-Policy), no script, no link to the server's pages.
    """
    from markupsafe import Markup

    from journal import __version__, clock

    ctx = dict(data)
    ctx.update(nav=data["page"], redacted=redacted, signature=signature, scope=scope, root=root,
               full_root=full_root, standalone=standalone, version=__version__, generated=clock.iso(), redactions=redactions or {})
    if data["page"] == "session":
        ctx["usage_chart"] = chart(data["usage"])
    elif data["page"] == "usage":
        ctx["usage_chart"] = chart(data["days"])
    if standalone:
        css = asset("board.css").decode("utf-8")
        ctx["css"] = Markup(css)
        ctx["csp"] = standalone_csp(css)
    return render(TEMPLATE_OF[data["page"]], **ctx)
