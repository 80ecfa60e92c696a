"""Secret redaction for everything the journal hands out: session Markdown, event
data (JSON) and raw agent logs (JSONL).

A :class:`Redactor` replaces each secret with ``[REDACTED:<kind>:<hash>]``, where
``<hash>`` is the first four hex digits of an HMAC-SHA256 of the secret under the
redactor's key. One export uses one redactor, so two mentions of one secret carry
the same marker and stay linkable inside the bundle; a new random key per export
means that a guessed password cannot be confirmed by hashing it, nor matched
across bundles.

Detection is pure and linear in the size of the input: every pattern starts with a
literal (which the regular-expression engine finds fast), a token's literal is
followed by a look-behind that no character of the token's own body can pass, and
every repetition is bounded, so no input makes the engine backtrack more than a
constant amount per character. On small texts (JSON strings) a rule only runs when
one of its trigger words occurs in the text.

Token shapes follow each vendor's published formats; the prefix lists for GitLab
and AWS follow the plugins of detect-secrets 1.5.0. See ``KINDS`` for the list.
"""
from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import hmac
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from journal.errors import InvalidInput

__all__ = [
    "KINDS",
    "MARKER_RE",
    "Finding",
    "Redactor",
    "find_secrets",
]

# ---------------------------------------------------------------------------
# Kinds, in the order the README documents them.

KINDS: tuple[str, ...] = (
    "openai-key",
    "anthropic-key",
    "google-api-key",
    "google-oauth",
    "github-token",
    "gitlab-token",
    "aws-access-key",
    "aws-secret-key",
    "azure-key",
    "azure-sas",
    "azure-client-secret",
    "slack-token",
    "slack-webhook",
    "stripe-key",
    "huggingface-token",
    "npm-token",
    "pypi-token",
    "private-key",
    "jwt",
    "bearer-token",
    "basic-auth",
    "url-password",
    "password",
    "secret",
    "token",
    "api-key",
)

MARKER_RE = re.compile(r"\[REDACTED:[a-z0-9-]{1,40}:[0-9a-f]{4}\]")

# A token starts with a literal prefix (so that the regular-expression engine can
# look for it fast); right after the prefix, a look-behind checks the character
# before it. That character may not be one of the token's own body, so that a run
# of token characters offers one start at most (this keeps the bounded
# repetitions linear), nor '+' or '/', so that nothing is found in the middle of
# base64 data. A JSON escape (\n, \r, \t) may stand before a token, for JSON that
# is scanned as text, and so may '//' (https://TOKEN@host).
_BEFORE = "A-Za-z0-9_+/-"


def _tok(prefix: str, width: int, rest: str, before: str = _BEFORE) -> str:
    """A token pattern: ``prefix`` (``width`` characters, starting with a literal),
    the left-boundary look-behind, then ``rest``."""
    return rf"{prefix}(?:(?<![{before}].{{{width}}})|(?<=\\[nrt].{{{width}}})|(?<=//.{{{width}}}))" + rest


# After a fixed-length token: not one more token character.
_RB = r"(?![A-Za-z0-9_-])"
# An optional quote, also as escaped JSON (\" or \\\" in JSON inside JSON).
_Q = r"(?:\\{0,3}[\"'`])?"

_MAX_BODY = 128 * 1024  # the longest private-key block we look for an END line in


@dataclass(frozen=True)
class Finding:
    """One secret found in a text: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int

    def __repr__(self) -> str:  # never the secret itself
        return f"Finding({self.kind!r}, {self.start}, {self.end})"


# ---------------------------------------------------------------------------
# Value filters

_PLACEHOLDER_WORDS = frozenset(
    """
    str string bytes int integer bool boolean float number none null nil true false
    undefined required optional empty any object secret secrets password passwords
    passwd token tokens key keys value redacted hidden masked censored changeme
    example sample dummy placeholder your_token your_key your_password your_secret
    mytoken mypassword mysecret xxx xxxx xxxxx yyy zzz foo bar baz test pass pw user
    username option options flag argument parameter instead prompt
    """.split()
)

_PLACEHOLDER_RE = re.compile(
    r"""(?x)
    [*xX.#•_-]*                 # ****, xxxx, ...., ----
    | \$[A-Z_][A-Z0-9_]*        # $VAR
    | \$[({].*                  # ${VAR} $(cmd)
    | [%@][\w.:-]+[%@]?         # %VAR% @VAR@
    | \$\{\{.*\}\}              # ${{ secrets.X }}
    | \{\{.*\}\}                # {{ template }}
    | <[^<>]*>                  # <your-token>
    | \[[^\[\]]*\]              # [hidden]
    | (?:process\.env|os\.environ|env|getenv|secrets|vars|settings|config)\b.*
    | %\(\w+\)[sdr] | %[sdr] | \{\w*\}    # printf and format fields
    | \#[0-9a-fA-F]{3,8}         # a colour
    | arn:[\w-]+:.*              # an AWS resource name
    """
)


def _is_placeholder(value: str) -> bool:
    v = value.strip()
    if not v:
        return True
    if v.lower() in _PLACEHOLDER_WORDS:
        return True
    if v.startswith("[REDACTED:"):
        return True
    return _PLACEHOLDER_RE.fullmatch(v) is not None


def _entropy(value: str) -> float:
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


_CLASSES = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "a" * 26 + "A" * 26 + "0" * 10,
)
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_RUNS = re.compile(r"a+|A+|0+")


def looks_random(value: str, min_len: int = 16) -> bool:
    """Whether ``value`` looks like generated key material rather than a name.

    Random strings mix at least two of lower case, upper case and digits, change
    between them often (names change only at their humps) and have a high Shannon
    entropy; paths, URLs, text with spaces and ``a=b`` pairs are never taken.
    """
    if len(value) < min_len or len(value) > 8192:
        return False
    if value[0] in "/~." or " " in value or "://" in value or "=" in value.rstrip("=") or value.count(".") > 1:
        return False
    classes = _NOT_ALNUM.sub("", value).translate(_CLASSES)
    if len(classes) < min_len * 3 // 4:
        return False
    if ("a" in classes) + ("A" in classes) + ("0" in classes) < 2:
        return False
    changes = len(_RUNS.findall(classes)) - 1
    if changes / (len(classes) - 1) < 0.2:
        return False
    return _entropy(value) >= 3.0 and not _wordlike(value)


_WORD_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")


def _wordlike(value: str) -> bool:
    """Whether ``value`` is made of words (AbstractProxyFactory2, MAX_RETRY_COUNT):
    long letter parts with as many vowels as words have. Random strings have short
    parts (their case and class change every other character) and few vowels."""
    parts = _WORD_PARTS.findall(value)
    letters = sum(map(len, parts))
    if not parts or letters < len(value) / 2:
        return False
    vowels = sum(value.lower().count(c) for c in "aeiouy")
    if (value.lower() == value or value.upper() == value) and not any(c in "_.-" for c in value):
        # one case and no separators: parts are the runs between digits
        return letters / len(parts) >= 5.0 and vowels / letters >= 0.3
    return letters / len(parts) >= 4.0 and vowels / letters >= 0.2


# ---------------------------------------------------------------------------
# Names of assignments (password=, "apiKey": ..., GITHUB_TOKEN=...)

_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Names ending in key/token that hold no secret.
_NOT_SECRET_PREFIX = frozenset(
    """
    cache primary sort partition idempotency public foreign object routing dedup
    dedupe lookup hash row range group issue map dict index unique composite natural
    surrogate i18n translation react list sign signing next page continuation
    cancellation sync resume last first item entry message event ssh host known
    hot short keyboard monkey turkey hockey whiskey change pagination request
    correlation trace span etag cursor cancel
    """.split()
)


@lru_cache(maxsize=4096)
def classify_name(name: str) -> tuple[str, bool] | None:
    """The kind of secret a field or variable called ``name`` holds, and whether its
    value must also look random; None for names that hold no secret.

    Password-like names take any value, ``token`` and ``secret`` alone take any
    single word; ``*_KEY``, ``*_TOKEN``, ``*_SECRET`` (and camelCase or kebab-case
    forms) take only random-looking values.
    """
    if not name or len(name) > 80:
        return None
    parts = [p for p in re.split(r"[_.\-]+", _CAMEL.sub("_", name.lstrip("-"))) if p]
    if not parts:
        return None
    words = [p.lower() for p in parts]
    last = words[-1]
    prefix = words[-2] if len(words) > 1 else ""
    if last in ("password", "passwd", "passphrase", "passwort", "contrasena"):
        return ("password", False)
    if last in ("pass", "pwd"):  # "pass" and "pwd" alone are words and $PWD
        return ("password", False) if prefix else None
    if last == "secret":
        return ("secret", len(words) > 1)
    if last == "token":
        if prefix in _NOT_SECRET_PREFIX or "public" in words:
            return None
        return ("token", len(words) > 1)
    if last in ("key", "apikey"):
        if last == "key" and (not prefix or prefix in _NOT_SECRET_PREFIX):
            return None
        return ("api-key", True)
    if last in ("credential", "credentials", "auth") and prefix != "oauth":
        if len(words) == 1 and last == "auth":
            return None
        return ("secret", True)
    return None


# ---------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]  # lower case; the rule runs only if one occurs
    group: int = 0
    tier: int = 0  # 0: exact token shapes, 1: structure, 2: names and context
    check: Callable[[str, re.Match[str]], tuple[int, int, str] | None] | None = None
    # Case-insensitive rules are written in lower case and run on a lower-cased
    # copy of the text (fast literal search), or with IGNORECASE on the rare text
    # whose lower-cased copy has another length.
    lower: bool = False


_Check = Callable[[str, re.Match[str]], "tuple[int, int, str] | None"]


def _rule(kind: str, pattern: str, triggers: Iterable[str], group: int = 0, tier: int = 0,
          check: _Check | None = None, lower: bool = False) -> _Rule:
    return _Rule(kind, re.compile(pattern), tuple(triggers), group, tier, check, lower)


def _random_tail(prefix_len: int) -> Callable[[str, re.Match[str]], tuple[int, int, str] | None]:
    def check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
        return None if not looks_random(text[m.start() + prefix_len:m.end()], 16) else (m.start(), m.end(), "")
    return check


def _jwt_check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    head = text[m.start():m.end()].split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if not decoded.lstrip().startswith("{") or '"' not in decoded:
        return None
    end = m.end()
    while end > m.start() and text[end - 1] == ".":
        end -= 1
    return (m.start(), end, "")


def _auth_context(text: str, start: int) -> bool:
    return "authorization" in text[max(0, start - 40):start].lower()


def _bearer_check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    start, end = m.span(1)
    while end > start and text[end - 1] == ".":
        end -= 1
    value = text[start:end]
    if len(value) < 8 or _is_placeholder(value):
        return None
    if _auth_context(text, m.start()):
        return (start, end, "")
    if looks_random(value, 16) or (len(value) >= 20 and any(c.isdigit() for c in value)
                                   and any(c.isalpha() for c in value)):
        return (start, end, "")
    return None


def _basic_check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    start, end = m.span(1)
    value = text[start:end]
    if _is_placeholder(value):
        return None
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        decoded = ""
    if ":" in decoded and decoded.isprintable():
        return (start, end, "")
    if _auth_context(text, m.start()) and len(value) >= 8:
        return (start, end, "")
    return None


def _url_check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    start, end = m.span(2)
    value = text[start:end]
    if _is_placeholder(value) or value == text[m.start(1):m.end(1)] or value.lower() == "pass":
        return None
    return (start, end, "")


def _value_check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    start, end = m.span(m.lastindex or 0)
    if _is_placeholder(text[start:end]):
        return None
    return (start, end, "")


def _not_aws_example(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    """The documentation's AKIAIOSFODNN7EXAMPLE and its secret are not secrets."""
    start, end = m.span(m.lastindex or 0)
    if text[start:end].upper().endswith(("EXAMPLE", "EXAMPLEKEY")):
        return None
    return (start, end, "")


def _flag_value_check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    """curl -u user:password: the flag must start a word, and the value be no URL."""
    if m.start() > 0 and text[m.start() - 1] not in " \t\r\n\"'=":
        return None
    if text.startswith("//", m.start(1)):
        return None
    return _value_check(text, m)


_END_OF_VALUE = re.compile(r"[ \t]*(?:#.*)?(?:\r?\n|\\[nr]|$)|[ \t]*\\{0,3}[\"'`,}\]]")
_PROSE_WORDS = frozenset("the a an to of for or and is are with from in on use used by".split())
_NUMBER = re.compile(r"[-+]?(?:\d{1,12}|\d+\.\d+)")
_CODE_REF = re.compile(
    r"(?i:self|cls|this|args|opts|options|kwargs|params|config|cfg|conf|settings|env|os|ctx|"
    r"context|request|req|creds|credentials|secrets|vars|process|app|data|user|auth)\.[\w.]+"
)
_DOTTED = re.compile(r"\w+(?:\.\w+)+")
_DOTTED_WORDS = re.compile(r"[A-Za-z_]+(?:\.[A-Za-z_]+)+")
_SNAKE_WORDS = re.compile(r"[a-z]+(?:_[a-z]+)+|[A-Z]+(?:_[A-Z]+)+")
_CAMEL_TYPE = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+")
_TYPE_WORDS = frozenset("str bytes int bool float dict list tuple set frozenset object any optional union "
                        "none callable sequence mapping iterable".split())


def _is_code_ref(value: str) -> bool:
    """self.password, os.environ, args.token, Keyword.Type, new_password: a
    reference in code, not a value."""
    if _CODE_REF.fullmatch(value) or _DOTTED_WORDS.fullmatch(value) or _SNAKE_WORDS.fullmatch(value):
        return True
    if _DOTTED.fullmatch(value) is None:
        return False
    last = value.rsplit(".", 1)[1].lower()
    return any(w in last for w in ("password", "passwd", "secret", "token", "key"))


def _line_lead(text: str, i: int) -> str | None:
    """What stands between the start of the line (a real or an escaped line
    break) and position ``i``; None if the line is longer than 200 characters."""
    lo = max(0, i - 200)
    seg = text[lo:i]
    a = seg.rfind("\n")
    b = seg.rfind("\\n")
    start = max(a + 1 if a >= 0 else -1, b + 2 if b >= 0 else -1)
    if start >= 0:
        return seg[start:]
    return seg if lo == 0 else None


_LINE_LEAD = re.compile(
    r"[ \t]*(?:[-*>#+]+[ \t]*)*(?:export[ \t]+|set[ \t]+|setx[ \t]+|declare[ \t]+-x[ \t]+|env[ \t]+|\$env:)?",
    re.IGNORECASE,
)
_REST_OF_LINE = re.compile(r"[^\r\n\\]{0,4096}")


def _assignment_check(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    """``name <op> value``: find the name that ends at the keyword, decide from the
    name and the syntax whether the value is a secret."""
    kstart = m.start()
    i = kstart
    low = max(0, kstart - 80)
    while i > low and text[i - 1] in _NAME_CHARS:
        if i >= 2 and text[i - 2] == "\\" and text[i - 1] in "nrt":
            break  # an escaped line break or tab in JSON scanned as text
        i -= 1
    name = text[i:m.end("kw")]
    if i > 0 and text[i - 1] == "$":  # $PASSWORD is a use, not an assignment
        return None
    if text[max(0, i - 2):i] == "::":  # AWS::SecretsManager::Secret, a type name
        return None
    if (i > 0 and text[i - 1] in "\"'`" and m.start("close") < 0 and m.start("open") >= 0
            and text[m.start("op"):m.end("op")].strip() == ":"):
        return None  # "password:" prompt: the quote closes after the colon
    cls = classify_name(name)
    if cls is None:
        return None
    kind, must_look_random = cls
    quoted = m.start("open") >= 0
    op = text[m.start("op"):m.end("op")].strip(" \t*_")
    start, end = m.span("value")
    value = text[start:end]
    lead = _line_lead(text, i)
    at_line_start = lead is not None and _LINE_LEAD.fullmatch(lead) is not None
    if op == "":  # whitespace only: command-line flags (--password hunter2)
        if not name.startswith("-"):
            return None
    elif op == ":" and not quoted and not text[m.end("op") - 1:m.end("op")].isspace():
        return None  # "passwd:uid", user:password: no YAML or header without a space
    elif op == ":" and not quoted and not at_line_start and not must_look_random:
        # HTTP headers and inline maps: the name must follow a quote, '{' or ',',
        # and the value end the line or the string it is in, so that prose is
        # left alone. (A *_KEY, *_TOKEN or *_SECRET name takes only a random-looking
        # value, which prose does not have: "see JWT_SECRET: <value>" is caught.)
        if lead is None or not lead.rstrip().endswith(("\"", "'", "{", ",")):
            return None
        if _END_OF_VALUE.match(text, end) is None:
            return None
    if not quoted:
        if value.startswith("=") or end < len(text) and text[end] in "([":
            return None  # a comparison, a call or an index: code, not a value
        if _NUMBER.fullmatch(value) and kind != "password":
            return None
        if _is_code_ref(value.rstrip(",;")):
            return None
        if op == ":" and (_CAMEL_TYPE.fullmatch(value.rstrip(",")) or _is_annotation(text, start)):
            return None  # password: str = "", secret: FakeSecret: Python annotations
        if end < len(text) and text[end] in "\"'" and len(value) == 1:
            return None  # f"...", b'...': a Python string, code
        if at_line_start and op:
            # dotenv lines and YAML plain scalars: a YAML value runs to the end
            # of the line (less a comment), the others and random-looking ones
            # to the next space.
            line = _REST_OF_LINE.match(text, start)
            rest = text[start:line.end() if line else end]
            cut = rest.find(" #")
            rest = (rest if cut < 0 else rest[:cut]).rstrip(" \t")
            if (must_look_random or op != ":") and rest.strip():
                rest = rest.split(None, 1)[0]
            elif rest.count(" ") >= 2 and _PROSE_WORDS.intersection(rest.lower().split()):
                return None  # "password: The password part of the URL."
            end = start + len(rest)
            value = rest
    bare = value.rstrip(",;")
    same = {name.lower().replace("_", ""), name.rsplit(".", 1)[-1].lower().replace("_", "")}
    if not bare or bare.lower().replace("_", "") in same or _is_placeholder(bare):
        return None
    if not any(c.isalnum() for c in bare):
        return None
    if " " in value and kind != "password":
        return None
    if must_look_random and not looks_random(value, 16):
        return None
    if not must_look_random and kind != "password" and (len(bare) < 3 or len(bare) < 12 and bare.isalpha()):
        return None  # token = Error: a single short word is no token
    return (start, end, kind)


_ANNOTATION = re.compile(r"[ \t]*(?:[A-Za-z_][\w.]*)(?:\[[^\]\n]{0,80}\])?[ \t]*(?:[|,=)\]]|$|\n)")


def _is_annotation(text: str, start: int) -> bool:
    """Whether a ``name:`` is followed by a Python type (``str``, ``str | None = None``,
    ``t.Optional[bytes],``) rather than by a value."""
    m = _ANNOTATION.match(text, start)
    if m is None:
        return False
    head = text[start:m.end()].strip(" \t|,=)]\n")
    first = head.split("[", 1)[0].rsplit(".", 1)[-1].lower()
    return first in _TYPE_WORDS


# The keyword that ends a name, then an optional closing quote, the operator and
# the value; one pattern for each keyword, run on lower-cased text. The name
# itself is found by looking back from the keyword.
_ASSIGNMENT_TAIL = (
    r"(?P<close>\\{0,3}[\"'`]|\]|\*\*|__)?"
    r"(?P<op>[ \t]*(?:=>|:=|=|:)(?:\*\*|__)?[ \t]*|[ \t]+)"
    r"(?P<open>\\{0,3}[\"'`])?"
    r"(?P<value>(?(open)[^\"'`\\\r\n]{1,4096}|[^\s\"'`,;&<>(){}\[\]\\=]{1,4096}={0,3}))"
)
_KEYWORDS = (
    ("pass", r"pass(?:word|wd|phrase|wort)?"),
    ("pwd", "pwd"),
    ("secret", "secret"),
    ("token", "token"),
    ("key", "key"),
    ("credential", r"credentials?"),
    ("auth", "auth"),
    ("contrasena", "contrasena"),
)

def _build_rules() -> tuple[_Rule, ...]:
    """The rules, compiled on first use (so that importing this module is cheap)."""
    return (
        # --- exact token shapes (tier 0) ---
        _rule("anthropic-key", _tok("sk-ant-", 7, r"[a-z]{2,10}\d{2}-[A-Za-z0-9_-]{20,400}"), ["sk-ant-"]),
        _rule("openai-key", _tok("sk-", 3, r"(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,400}"), ["sk-"]),
        _rule("openai-key", _tok("sk-", 3, r"[A-Za-z0-9]{32,200}" + _RB), ["sk-"], check=_random_tail(3)),
        _rule("google-api-key", _tok("AIza", 4, r"[A-Za-z0-9_-]{35}" + _RB), ["aiza"]),
        _rule("google-oauth", _tok("GOCSPX-", 7, r"[A-Za-z0-9_-]{28}" + _RB), ["gocspx-"]),
        _rule("google-oauth", _tok(r"ya29\.", 5, r"[A-Za-z0-9_-]{20,2048}"), ["ya29."]),
        _rule("google-oauth", _tok("1//0", 4, r"[A-Za-z0-9_-]{40,512}"), ["1//0"]),
        _rule("github-token", _tok("gh[pousr]_", 4, r"[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])"),
              ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]),
        _rule("github-token", _tok("github_pat_", 11, r"[A-Za-z0-9_]{22,255}"), ["github_pat_"]),
        _rule("gitlab-token",
              _tok("gl", 2, r"(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas|ffct|sa)-"
                   r"[A-Za-z0-9_-]{20,1024}(?:\.[A-Za-z0-9_-]{1,64}){0,3}"),
              ["glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-",
               "glagent-", "gloas-", "glffct-", "glsa-"]),
        _rule("gitlab-token", _tok("GR1348941", 9, r"[A-Za-z0-9_-]{20,64}"), ["gr1348941"]),
        _rule("aws-access-key", _tok(r"A(?:3T[A-Z0-9]|KIA|SIA|BIA|CCA)", 4, r"[A-Z0-9]{16}(?![A-Za-z0-9])"),
              ["a3t", "akia", "asia", "abia", "acca"], check=_not_aws_example),
        _rule("aws-secret-key",
              r"aws_?secret_?(?:access_?)?key" + _Q + r"[ \t]*(?:=>|:=|=|:)[ \t]*" + _Q
              + r"([a-z0-9/+]{40})(?![a-z0-9/+=])", ["aws"], group=1, lower=True, check=_not_aws_example),
        _rule("aws-secret-key",
              r"secret_?access_?key" + _Q + r"[ \t]*(?:=>|:=|=|:)[ \t]*" + _Q
              + r"([a-z0-9/+]{40})(?![a-z0-9/+=])", ["secret"], group=1, lower=True, check=_not_aws_example),
        _rule("azure-key", r"accountkey[ \t]*=[ \t]*([a-z0-9+/]{20,100}={0,2})", ["accountkey"],
              group=1, lower=True),
        _rule("azure-key", r"sharedaccesskey[ \t]*=[ \t]*([a-z0-9+/]{20,100}={0,2})", ["sharedaccesskey"],
              group=1, lower=True),
        _rule("azure-sas", r"sig=(?<=[?&;]sig=)([A-Za-z0-9%+/=]{20,200})", ["sig="], group=1),
        _rule("azure-client-secret",
              r"Q~(?<![A-Za-z0-9_~.+/-][A-Za-z0-9_~.]{3}\dQ~)(?<=[A-Za-z0-9_~.]{3}\dQ~)"
              r"[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])", ["q~"], check=lambda t, m: (m.start() - 4, m.end(), "")),
        _rule("slack-token", _tok("xox", 3, r"(?:e\.xox)?[abposre]-[A-Za-z0-9-]{10,400}"), ["xox"]),
        _rule("slack-token", _tok("xapp-", 5, r"\d-[A-Za-z0-9-]{10,400}"), ["xapp-"]),
        _rule("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+-]{8,300}",
              ["hooks.slack.com"]),
        _rule("stripe-key", _tok("sk_", 3, r"(?:live|test|prod)_[A-Za-z0-9]{10,247}"), ["sk_"]),
        _rule("stripe-key", _tok("rk_", 3, r"(?:live|test|prod)_[A-Za-z0-9]{10,247}"), ["rk_"]),
        _rule("stripe-key", _tok("whsec_", 6, r"[A-Za-z0-9+/=]{24,128}"), ["whsec_"]),
        _rule("huggingface-token", _tok("hf_", 3, r"[A-Za-z0-9]{30,40}(?![A-Za-z0-9_])"), ["hf_"]),
        _rule("huggingface-token", _tok("api_org_", 8, r"[A-Za-z0-9]{30,40}(?![A-Za-z0-9_])"), ["api_org_"]),
        _rule("npm-token", _tok("npm_", 4, r"[A-Za-z0-9]{36}(?![A-Za-z0-9_])"), ["npm_"]),
        _rule("npm-token", r"_auth(?:(?<![^:\n]_auth)|(?<=\\n_auth))(?:token)?[ \t]*=[ \t]*" + _Q
              + r"([^\s\"'`\\]{8,512})", ["_auth"], group=1,
              check=_value_check, lower=True),
        _rule("pypi-token", _tok("pypi-AgE", 8, r"[A-Za-z0-9_-]{50,1000}"), ["pypi-age"]),
        # --- structure (tier 1) ---
        _rule("jwt", _tok("eyJ", 3, r"[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,16384}\.[A-Za-z0-9_-]{0,4096}"),
              ["eyj"], tier=1, check=_jwt_check),
        _rule("bearer-token", _tok("bearer", 6, r"[ \t]+([a-z0-9._~+/-]{8,4096}=*)", "a-z0-9_"),
              ["bearer"], group=1, tier=1, check=_bearer_check, lower=True),
        _rule("basic-auth", _tok("basic", 5, r"[ \t]+([a-z0-9+/]{6,4096}={0,2})(?![a-z0-9+/=])", "a-z0-9_"),
              ["basic"], group=1, tier=1, check=_basic_check, lower=True),
        _rule("url-password", r"://([^\s:/?#@\"'<>\[\]\\]{0,256}):([^\s/?#\"'<>\\]{1,256})@",
              ["://"], group=2, tier=1, check=_url_check),
        _rule("password", r"-(?:u|-user)[ \t=]+[\"']?[^\s:\"']{1,128}:([^\s\"'\\]{1,256})",
              ["-u", "--user"], group=1, tier=1, check=_flag_value_check),
        # --- names and context (tier 2) ---
        *(_rule("secret", f"(?P<kw>{kw})" + _ASSIGNMENT_TAIL, [trigger], tier=2, check=_assignment_check,
                lower=True) for trigger, kw in _KEYWORDS),
    )

_PEM_BEGIN = re.compile(r"BEGIN(?<=-{4} BEGIN|-{5}BEGIN)[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}")
_PEM_END = re.compile(r"END(?<=-{4} END|-{5}END)[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}")
_PEM_AFTER_HEADER = re.compile(r"[ \t]*(?:\r?\n|\\r\\n|\\n)")
_PEM_BODY_RUN = re.compile(r"(?:[A-Za-z0-9+/=:,. \t-]|\r|\n|\\[rn]){0,%d}" % _MAX_BODY)


def _private_keys(text: str) -> list[tuple[int, int]]:
    """Spans of PEM and OpenSSH private-key blocks: from the BEGIN line to the END
    line, or, for a block cut short, to the end of its base64 lines. A BEGIN line
    that no line break follows is only a mention and is left alone."""
    headers = list(_PEM_BEGIN.finditer(text))
    spans: list[tuple[int, int]] = []
    pos = 0
    end_m: re.Match[str] | None = None
    searched_from = -1
    for n, h in enumerate(headers):
        if h.start() < pos:
            continue
        if _PEM_AFTER_HEADER.match(text, h.end()) is None:
            continue
        next_header = headers[n + 1].start() if n + 1 < len(headers) else len(text)
        if searched_from < 0 or (end_m is not None and end_m.start() < h.end()):
            end_m = _PEM_END.search(text, h.end())
            searched_from = h.end()
        if end_m is not None and end_m.start() < next_header and end_m.start() - h.end() <= _MAX_BODY:
            stop = end_m.end()
        else:
            run = _PEM_BODY_RUN.match(text, h.end(), next_header)
            stop = run.end() if run else h.end()
            while stop > h.end() and text[stop - 1] in " \t\r\n-":
                stop -= 1
        begin = h.start() - 5
        while begin > 0 and text[begin - 1] == "-":
            begin -= 1
        spans.append((begin, stop))
        pos = stop
    return spans


def _free_end(starts: list[int], ends: list[int], start: int, end: int) -> int:
    """How far from ``start`` the span may go before it meets a span already taken:
    ``start`` itself if ``start`` lies inside one, ``end`` if none is in the way."""
    i = bisect.bisect_right(starts, start)
    if i > 0 and ends[i - 1] > start:
        return start
    return min(end, starts[i]) if i < len(starts) else end


_BASE64_BLOB = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[_Rule, ...], tuple[tuple[str, int], ...], re.Pattern[str]]:
    """The rules, each trigger with the index of its rule, and all triggers in one pattern."""
    rules = _build_rules()
    triggers = tuple((t, i) for i, r in enumerate(rules) for t in r.triggers)
    every = re.compile("|".join(sorted({re.escape(t) for t, _i in triggers} | {"private key"})))
    return rules, triggers, every


@lru_cache(maxsize=None)
def _folded(index: int) -> re.Pattern[str]:
    return re.compile(_table()[0][index].pattern.pattern, re.IGNORECASE)


def find_secrets(text: str) -> list[Finding]:
    """Every secret in ``text``, in order, without overlaps (a more specific kind
    wins over a generic one at the same place)."""
    if len(text) < 8:
        return []
    if len(text) > 1024 and _BASE64_BLOB.fullmatch(text):
        # Base64 data (an image in a log): no token starts inside it, so only
        # its beginning is worth a look.
        return [f for f in find_secrets(text[:1024]) if f.end < 1024]
    low = text.lower()
    rules, triggers, every = _table()
    if len(text) < 4096 and every.search(low) is None:
        return []
    aligned = len(low) == len(text)
    cands: list[tuple[int, int, int, str]] = []  # tier, start, -length, kind
    if "private key" in low:
        for s, e in _private_keys(text):
            cands.append((0, s, s - e, "private-key"))
    if len(text) > 65536:
        # On a large text a rule's own search for its literal prefix costs what
        # a look for its trigger would; on a small one the triggers save calls.
        active: Iterable[int] = range(len(rules))
    else:
        active = sorted({i for t, i in triggers if t in low})
    for index in active:
        rule = rules[index]
        if not rule.lower:
            subject, search = text, rule.pattern.search
        elif aligned:
            subject, search = low, rule.pattern.search
        else:
            subject, search = text, _folded(index).search
        pos = 0
        while (m := search(subject, pos)) is not None:
            kind = rule.kind
            if rule.check is not None:
                res = rule.check(text, m)
                if res is None:  # look again inside what was rejected
                    pos = m.start() + 1
                    continue
                s, e, k = res
                kind = k or kind
            else:
                s, e = m.span(rule.group)
            if e > s:
                cands.append((rule.tier, s, s - e, kind))
            pos = max(m.end(), m.start() + 1)
    if not cands:
        return []
    starts: list[int] = []
    ends: list[int] = []
    if "[redacted:" in low:  # markers already in the text are left as they are
        for mm in MARKER_RE.finditer(text):
            starts.append(mm.start())
            ends.append(mm.end())
    found: list[Finding] = []
    for _tier, s, neg, kind in sorted(cands):
        e = _free_end(starts, ends, s, s - neg)
        if e < s - neg:
            # A more specific find sits inside this one (a token in the rest of a
            # "password: ..." line): keep the part before it.
            while e > s and text[e - 1] in " \t,;":
                e -= 1
        if e <= s:
            continue
        i = bisect.bisect_left(starts, s)
        starts.insert(i, s)
        ends.insert(i, e)
        found.append(Finding(kind, s, e))
    found.sort(key=lambda f: f.start)
    return found


# ---------------------------------------------------------------------------
# The redactor


class Redactor:
    """Redacts texts and JSON values with markers linkable under one key.

    ``key`` is the HMAC key of this export; by default a new random one. ``counts``
    tells how many secrets of each kind were replaced so far.
    """

    def __init__(self, key: bytes | None = None) -> None:
        if key is None:
            key = os.urandom(32)
        if not isinstance(key, (bytes, bytearray)) or len(key) < 16:
            raise InvalidInput("a redaction key must be at least 16 bytes")
        self._key = bytes(key)
        self._counts: Counter[str] = Counter()
        self._clean_names: set[str] = set()  # field names known to hold no secret

    @property
    def counts(self) -> dict[str, int]:
        """Secrets replaced so far, by kind."""
        return dict(self._counts)

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def marker(self, kind: str, secret: str) -> str:
        """The marker that stands for ``secret`` of ``kind`` under this key."""
        digest = hmac.new(self._key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return f"[REDACTED:{kind}:{digest.hexdigest()[:4]}]"

    def text(self, text: str) -> str:
        """``text`` with every secret found in it replaced by its marker."""
        found = find_secrets(text)
        if not found:
            return text
        out: list[str] = []
        pos = 0
        for f in found:
            out.append(text[pos:f.start])
            out.append(self.marker(f.kind, text[f.start:f.end]))
            self._counts[f.kind] += 1
            pos = f.end
        out.append(text[pos:])
        return "".join(out)

    def _field(self, name: object, value: str) -> str:
        redacted = self.text(value)
        if redacted != value or not isinstance(name, str):
            return redacted
        cls = classify_name(name)
        if cls is None:
            return value
        kind, must_look_random = cls
        v = value.strip()
        if _is_placeholder(v) or len(v) > 4096:
            return value
        if kind != "password" and (" " in v or len(v) < 3):
            return value
        if must_look_random and not looks_random(v):
            return value
        self._counts[kind] += 1
        return self.marker(kind, value)

    def json(self, obj: Any) -> Any:
        """A copy of the JSON value ``obj`` with secrets redacted in every string,
        and the values of fields whose names call for it (``"password": ...``,
        ``"apiKey": ...``) replaced whole. Dicts, lists and tuples are walked
        without recursion, so any depth is fine; other values are kept."""
        if isinstance(obj, str):
            return self.text(obj)
        if not isinstance(obj, (dict, list, tuple)):
            return obj
        root: Any = {} if isinstance(obj, dict) else []
        stack: list[tuple[Any, Any]] = [(obj, root)]
        while stack:
            src, dst = stack.pop()
            items: Iterable[tuple[object, Any]] = src.items() if isinstance(src, dict) else ((None, v) for v in src)
            for name, value in items:
                if isinstance(value, str):
                    new: Any = self._field(name, value)
                elif isinstance(value, dict):
                    new = {}
                    stack.append((value, new))
                elif isinstance(value, (list, tuple)):
                    new = []
                    stack.append((value, new))
                else:
                    new = value
                if isinstance(dst, dict):
                    if isinstance(name, str) and len(name) >= 8 and name not in self._clean_names:
                        before = self.total
                        name = self.text(name)
                        if self.total == before and len(self._clean_names) < 65536:
                            self._clean_names.add(name)
                    dst[name] = new
                else:
                    dst.append(new)
        return root

    def jsonl(self, text: str) -> str:
        """A JSON Lines text (an agent's log) with each line redacted as JSON; a
        line that does not parse is redacted as text. Lines without secrets are
        kept byte for byte; the others are written back compact."""
        import json as stdjson

        import orjson

        out: list[str] = []
        for line in text.split("\n"):
            body = line[:-1] if line.endswith("\r") else line
            tail = line[len(body):]
            if len(body) < 8:
                out.append(line)
                continue
            before = self.total
            try:
                obj = orjson.loads(body)
            except orjson.JSONDecodeError:
                try:
                    obj = stdjson.loads(body)
                except ValueError:
                    out.append(self.text(body) + tail)
                    continue
            red = self.json(obj)
            if self.total == before:
                out.append(line)
                continue
            try:
                dumped = orjson.dumps(red).decode("utf-8")
            except TypeError:
                dumped = stdjson.dumps(red, ensure_ascii=False, separators=(",", ":"))
            out.append(dumped + tail)
        return "\n".join(out)

    def mapping(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Shorthand for an event's ``data``: :meth:`json` of a mapping, as a dict."""
        result: dict[str, Any] = self.json(dict(data))
        return result
