"""Cost estimates: every model of the samples priced (or named unpriced), by the price source's rules.

The hand rates below are genai-prices' (USD per million tokens: input, output, cache
read, 5-minute cache write, 1-hour cache write); each sample's cost is computed by hand
from its hand-counted tokens. Where ccusage 20.0.24 reads the format, its cost of the
same file is the same figure (noted). ``bucket_cost`` is also checked against the
source's own ``calc_price`` request by request, tiers and dated prices included.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from agentlog_samples import CLAUDE_MAIN, CLAUDE_SUB, CODEX_A, CODEX_B, OLD_SUB, cases, path
from conftest import run

from journal.agentlogs import summarize
from journal.agentlogs.model import BANDS, band_of
from journal.agentlogs.prices import PriceBook, _resolve, bucket_cost, default_book

# model as the logs name it -> (the format whose logs name it, hand rates, or None: no price known)
RATES: dict[str, tuple[str, tuple[float, ...] | None]] = {
    "claude-opus-4-6": ("claude-code", (5, 25, 0.5, 6.25, 10)),
    "claude-haiku-4-5-20251001": ("claude-code", (1, 5, 0.1, 1.25, 2)),
    "claude-sonnet-4-5-20250929": ("claude-code", (3, 15, 0.3, 3.75, 6)),
    "gpt-5.1-codex": ("codex", (1.25, 10, 0.125)),
    "gpt-5.3-codex": ("codex", (1.75, 14, 0.175)),
    "gemini-2.5-pro": ("gemini", (1.25, 10, 0.125)),
    "gemini-2.5-flash": ("gemini", (0.3, 2.5, 0.03)),
    "gemini-3-flash-preview": ("gemini", (0.5, 3, 0.05)),
    "gemini-3.1-pro-preview": ("gemini", (2, 12, 0.2)),
    "claude-sonnet-4.5": ("copilot", (3, 15, 0.3, 3.75, 6)),  # not on Copilot's own list: Anthropic's price
    "claude-sonnet-4-5": ("zag", (3, 15, 0.3, 3.75, 6)),
    "qwen3:0.6b": ("copilot", None),  # a local model
}
O46, H45, S45 = RATES["claude-opus-4-6"][1], RATES["claude-haiku-4-5-20251001"][1], RATES["claude-sonnet-4-5"][1]
G51, G53 = RATES["gpt-5.1-codex"][1], RATES["gpt-5.3-codex"][1]
GP, GF = RATES["gemini-2.5-pro"][1], RATES["gemini-2.5-flash"][1]
G3F, G31P = RATES["gemini-3-flash-preview"][1], RATES["gemini-3.1-pro-preview"][1]


def usd(r: Any, inp: int, out: int, cr: int = 0, cw5: int = 0, cw1h: int = 0) -> float:
    """Tokens at hand rates ``r`` (input, output, cache read, 5-minute write, 1-hour write)."""
    return (inp * r[0] + out * r[1] + cr * r[2] + cw5 * (r[3] if cw5 else 0) + cw1h * (r[4] if cw1h else 0)) / 1e6


# sample -> (USD, estimated); None: nothing priced (the model is named unpriced)
COSTS: dict[str, dict[str, tuple[float | None, bool]]] = {
    "own": {
        CLAUDE_MAIN: (usd(O46, 42, 1324, 187824, cw1h=9426), True),  # every cache write 1-hour
        CLAUDE_SUB: (usd(H45, 22, 180, 7378, cw5=3990), True),
        "claude_sidechain.jsonl": (usd(S45, 30, 125, 3000, cw5=300) + usd(H45, 10, 7, 1000, cw5=100), True),
        OLD_SUB: (usd(H45, 20, 19, 2000, cw5=200), True),
        "claude_torn.jsonl": (usd(S45, 10, 40, 1000, cw5=100), True),
        "codex_rollout.jsonl": (usd(G51, 46210 - 36864, 655, 36864), True),
        "codex_ide.jsonl": (usd(G53, 9000, 700, 16000), True),
        "gemini_session.jsonl": (usd(GP, 14340, 1363, 39670) + usd(GF, 12010, 45), True),
        "gemini_rewind.jsonl": (usd(GP, 300, 45, 100), True),
        "gemini_legacy.json": (usd(GP, 2800, 130, 200), True),
        "gemini_injected.jsonl": (usd(G3F, 8500, 240, 9000), True),
        "copilot_events.jsonl": (usd(S45, 61480, 454), True),
        "copilot_resumed.jsonl": (usd(S45, 4000, 260, 35000, cw5=3000), True),
        "zag/w-1111.jsonl": (0.0425, False),  # recorded by zag
    },
    "real": {
        "claude_code/spotter_short.jsonl": (usd(O46, 3, 13, 11515, cw1h=13835), True),  # ccusage: 0.1444475
        "claude_code/spotter_tool_heavy.jsonl": (usd(O46, 54, 212, 88231, cw1h=17696), True),  # ccusage: 0.2266455
        CODEX_A: (usd(G53, 34469 - 3456, 431, 3456), True),  # ccusage: 0.06091155
        CODEX_B: (usd(G53, 298373 - 238848, 1123, 238848), True),  # ccusage: 0.16168915
        "gemini/vct_gemini_session.jsonl": (usd(G3F, 113397, 3575, 48951) + usd(G31P, 40238, 718), True),  # 0.15896305
        "copilot_cli/lantern_049410b4_events.jsonl": (None, True),  # ccusage: 0.0, qwen3:0.6b unpriced
    },
}
UNPRICED = {"copilot_cli/lantern_049410b4_events.jsonl": ["qwen3:0.6b"]}


@pytest.mark.parametrize("model", list(RATES))
def test_every_model_of_the_samples_is_priced_or_named_unpriced(model: str) -> None:
    from journal.agentlogs.prices import PROVIDERS

    fmt, hand = RATES[model]
    provider = PROVIDERS.get(fmt) or ("anthropic" if fmt == "zag" else None)
    rates = PriceBook().rates(model, provider)
    if hand is None:
        assert rates is None
        return
    p = _resolve(rates, "2026-06-01T00:00")
    base = [v[0] if isinstance(v, list) else v for v in (p.get(k) for k in ("input", "output", "cache_read",
                                                                            "cache_write", "cache_write_1h"))]
    assert base[:len(hand)] == pytest.approx(list(hand)), f"{model}: the price source's rates changed"


@pytest.mark.parametrize("src,name", cases(COSTS["own"], COSTS["real"]))
def test_sample_costs_equal_hand_costs(src: str, name: str) -> None:
    s, _ = summarize(path(src, name))
    cost, estimated = COSTS[src][name]
    assert s.cost.estimated is estimated
    assert s.cost.usd == (None if cost is None else pytest.approx(cost, rel=1e-12))
    assert s.cost.unpriced == UNPRICED.get(name, [])
    if cost is not None:
        assert sum(s.cost.by_model.values()) == pytest.approx(cost, rel=1e-12)


# (model, provider, request time, prompt, cache read, cache write, of which 1-hour, output)
REQUESTS = [
    ("claude-sonnet-4-5", "anthropic", "2026-03-01T10:00", 150_000, 100_000, 20_000, 5_000, 2_000),
    ("claude-sonnet-4-5", "anthropic", "2026-03-01T10:00", 250_000, 200_000, 30_000, 0, 3_000),     # over 200k
    ("claude-opus-4-6", "anthropic", "2026-02-10T21:00", 300_000, 250_000, 10_000, 10_000, 1_000),  # tiered then
    ("claude-opus-4-6", "anthropic", "2026-04-01T09:00", 300_000, 250_000, 10_000, 10_000, 1_000),  # flat since
    ("gemini-2.5-pro", "google", "2026-03-16T08:30", 199_999, 150_000, 0, 0, 900),
    ("gemini-2.5-pro", "google", "2026-03-16T08:30", 200_001, 150_000, 0, 0, 900),
    ("gemini-3.1-pro-preview", "google", "2026-04-23T12:55", 240_000, 0, 0, 0, 500),
    ("gpt-5.3-codex", "openai", "2026-02-23T12:19", 34_469, 3_456, 0, 0, 431),
    ("claude-haiku-4-5", "anthropic", "2026-03-14T09:20", 10_000, 7_000, 3_000, 1_000, 86),
]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: f"{r[0]}@{r[2]}:{r[3]}")
def test_bucket_cost_is_the_price_sources_own(req: tuple[Any, ...]) -> None:
    from genai_prices import Usage, calc_price

    model, provider, slot, prompt, cr, cw, cw1h, out = req
    rates = PriceBook().rates(model, provider)
    b = [prompt - cr - cw, cr, cw, cw1h, out, 0, 0.0]
    ours = bucket_cost(_resolve(rates, slot), band_of(prompt), b)
    when = datetime.fromisoformat(slot).replace(tzinfo=timezone.utc)
    theirs = calc_price(Usage(input_tokens=prompt, cache_read_tokens=cr, cache_write_tokens=cw,
                              cache_write_1h_tokens=cw1h, output_tokens=out),
                        model, provider_id=provider, genai_request_timestamp=when).total_price
    assert ours == pytest.approx(float(theirs), rel=1e-12)


def test_every_tier_of_the_price_source_starts_at_a_band_edge() -> None:
    from genai_prices import data_snapshot, types

    starts = set()
    for provider in data_snapshot.get_snapshot().providers:
        for m in provider.models:
            prices = [m.prices] if isinstance(m.prices, types.ModelPrice) else [c.prices for c in m.prices]
            for mp in prices:
                for v in mp.__dict__.values():
                    if isinstance(v, types.TieredPrices):
                        starts.update(t.start for t in v.tiers)
    assert starts and starts <= set(BANDS), f"add {sorted(starts - set(BANDS))} to model.BANDS"


def test_overrides_price_a_model_replace_a_figure_and_alias_a_name(tmp_path: Path) -> None:
    book = PriceBook(overrides={"qwen3:0.6b": {"input": 0.1, "output": 0.4},
                                "claude-sonnet-4-5-20250929": {"output": 12.0},
                                "my-proxy/sonnet": {"like": "claude-sonnet-4-5"}})
    local = tmp_path / "events.jsonl"  # the real sample's figures: qwen3:0.6b, 4100 input, 978 output
    local.write_text("".join(json.dumps(r) + "\n" for r in [
        {"type": "session.start", "timestamp": "2026-08-05T20:40:13.490Z", "data": {"sessionId": "q"}},
        {"type": "session.shutdown", "timestamp": "2026-08-05T20:41:27.949Z", "data": {"modelMetrics": {"qwen3:0.6b": {
            "requests": {"count": 2, "cost": 0}, "usage": {"inputTokens": 4100, "outputTokens": 978}}}}}]))
    assert summarize(local)[0].cost.unpriced == ["qwen3:0.6b"]
    s, _ = summarize(local, prices=book)
    assert s.cost.unpriced == [] and s.cost.usd == pytest.approx((4100 * 0.1 + 978 * 0.4) / 1e6)
    assert book.source.endswith("+ overrides")
    s2, _ = summarize(path("own", "claude_torn.jsonl"), prices=book)  # sonnet: output 12 instead of 15
    assert s2.cost.usd == pytest.approx((10 * 3 + 40 * 12 + 100 * 3.75 + 1000 * 0.3) / 1e6)
    rates = book.rates("my-proxy/sonnet", None)
    assert _resolve(rates, "2026-06-01T00:00")["output"][0] == 15.0
    assert book.fingerprint != PriceBook().fingerprint


def test_a_model_the_source_lacks_is_named_not_zeroed(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text(json.dumps({"type": "assistant", "sessionId": "s", "uuid": "a", "timestamp": "2026-03-14T10:00:00Z",
                             "message": {"id": "m", "model": "acme-coder-9", "content": [],
                                         "usage": {"input_tokens": 10, "output_tokens": 5}}}) + "\n")
    s, _ = summarize(p)
    assert s.cost.usd is None and s.cost.unpriced == ["acme-coder-9"]
    code, out = run("logs", "summary", str(p))
    assert code == 0 and "unpriced model: acme-coder-9 (15 tokens)" in out


# ---- through a workspace: the rates cached, saved costs recomputed when prices change --------
def test_saved_costs_follow_the_overrides_without_reading_the_log(proj: Path) -> None:
    from journal.session import machine_logs as ml
    from journal.workspace import Workspace

    log = proj / "logs" / "torn.jsonl"
    log.write_bytes(path("own", "claude_torn.jsonl").read_bytes())
    os.utime(log, (1_700_000_000, 1_700_000_000))  # not changed in the last seconds: its saved summary is trusted
    assert run("logs", "link", "logs/torn.jsonl", "-s", "s1")[0] == 0
    ws = Workspace.open(proj / "coordination")
    cache = json.loads((ws.state_dir / "prices.json").read_text())
    assert cache["source"].startswith("genai-prices ") and any(k.endswith("claude-sonnet-4-5-20250929") for k in cache["rates"])
    ml._books.clear()
    before = ml.summarize_incremental(ws, log)
    assert before.bytes_read == 0 and before.cost.usd == pytest.approx(usd(S45, 10, 40, 1000, cw5=100))
    (proj / ".journal.toml").write_text('[prices."claude-sonnet-4-5-20250929"]\noutput = 12.0\n', encoding="utf-8")
    ml._books.clear()
    ws = Workspace.open(proj / "coordination")
    after = ml.summarize_incremental(ws, log)
    assert after.bytes_read == 0  # from the saved summary: its buckets priced again
    assert after.cost.usd == pytest.approx((10 * 3 + 40 * 12 + 100 * 3.75 + 1000 * 0.3) / 1e6)
    assert "overrides" in (after.cost.source or "")


def test_a_report_from_cached_rates_does_not_import_the_price_source(proj: Path) -> None:
    for name in ("codex_rollout.jsonl", "gemini_session.jsonl"):
        (proj / "logs" / name).write_bytes(path("own", name).read_bytes())
        assert run("logs", "link", f"logs/{name}", "-s", "s1")[0] == 0
    with open(proj / "logs" / "codex_rollout.jsonl", "ab") as f:  # the log grew: read and priced again
        f.write(b'{"timestamp":"2026-03-15T10:04:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"ok"}}\n')
    code = ("import sys\nfrom journal.cli.main import main\nrc = main(['logs', 'usage', '--json'])\n"
            "print('IMPORTED' if 'genai_prices' in sys.modules else 'NOT IMPORTED', rc)\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=proj, capture_output=True, text=True, timeout=60)
    assert p.stdout.strip().endswith("NOT IMPORTED 0"), p.stdout[-400:] + p.stderr[-400:]


@pytest.mark.parametrize("toml,message", [
    ('[prices."m"]\ninput = -1\n', "'input' must be a number of USD per million tokens, 0 or more"),
    ('[prices."m"]\nprompt = 1\n', "unknown key 'prompt'"),
    ('[prices."m"]\nlike = ""\n', "'like' must be a model name"),
    ('prices = 3\n', "setting 'prices' must be a table of models"),
])
def test_bad_overrides_are_refused(proj: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str) -> None:
    from journal.cli.main import main

    (proj / ".journal.toml").write_text(toml, encoding="utf-8")
    capsys.readouterr()
    assert main(["logs", "usage"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("journal: error: ") and message in err[0], err


def test_default_book_is_shared() -> None:
    assert default_book() is default_book()
