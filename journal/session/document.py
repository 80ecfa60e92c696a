"""A session log as text: YAML frontmatter plus ``##`` sections, edited byte-exactly.

Every edit touches only the lines it must; every other byte (hand-written
paragraphs, custom sections, odd spacing, CRLF line endings) stays as it was.
Text from outside is turned into list entries that can never open a heading,
close a fence early, or hide the rest of the file in an HTML comment.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal.errors import InvalidInput, MalformedFile, NotAdopted, NotFound
from journal.session.links import strip_markers

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
_H2 = re.compile(r"^##(?!#)[ \t]+(.*?)[ \t]*#*[ \t]*$")
_H1 = re.compile(r"^#(?!#)[ \t]+")
_TOP_KEY = re.compile(r"^([^\s#\-][^:]*?)\s*:(\s|$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LABEL = re.compile(r"^\*\*(.+?):?\*\*:?\s*$")
_FIELD = re.compile(r"^\s*(?:[-*+][ \t]+)?\*\*(.+?):?\*\*:?\s*(.*)$")
_PARAGRAPH_FIELD = re.compile(r"^\*\*[^*\n]+?:?\*\*:?[ \t]*\S")
_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)
def norm(title: str) -> str:
    """A heading or label reduced to lower-case words, for forgiving matches (the same few
    titles come back in every log of a history: each is reduced once)."""
    return _WORD.sub(" ", title.lower()).strip()


def _yaml():
    import yaml

    return yaml


# -- the one frontmatter reader -------------------------------------------------------
# python-frontmatter's YAML handler defines the format (its boundary pattern: a line of
# three or more dashes, trailing white space allowed); its loader is given PyYAML's C
# loader. Its own parse strips the text, so the boundaries are found here on the exact
# text and the body offset is returned: the writer and every reader agree byte for byte.
_handler: Any = None


class AliasesRefused(ValueError):
    """Frontmatter that uses YAML aliases (see ``_yaml_handler``)."""


def _yaml_handler() -> Any:
    global _handler
    if _handler is None:
        from frontmatter.default_handlers import YAMLHandler

        yaml = _yaml()

        class Handler(YAMLHandler):  # type: ignore[misc]
            # YAML's own end-of-document marker closes frontmatter too.
            END_BOUNDARY = re.compile(r"^(?:-{3,}|\.{3})[ \t\r]*$", re.M)

            def load(self, fm: str, **kwargs: object) -> Any:
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
                if "&" in fm and "*" in fm and any(isinstance(ev, yaml.AliasEvent) for ev in yaml.parse(fm, Loader=loader)):
                    # nine levels of nine aliases print as gigabytes: journal never writes one
                    raise AliasesRefused("it uses YAML aliases (&anchor / *alias), which journal does not read")
                return yaml.load(fm, Loader=loader)  # noqa: S506

        _handler = Handler()
    return _handler


def frontmatter_span(text: str, where: str) -> tuple[int, int, int]:
    """Offsets of the frontmatter's YAML text (start, end) and of the body.

    ``text[start:end]`` is the YAML between the opening and closing lines; the body starts
    right after the closing line's line break.
    """
    handler = _yaml_handler()
    if not handler.detect(text):
        raise NotAdopted(f"{where}: no YAML frontmatter (the file must start with '---')")
    start = text.find("\n") + 1
    close = handler.END_BOUNDARY.search(text, start) if start else None
    if close is None:
        raise MalformedFile(f"{where}: frontmatter is not closed with '---'")
    body = text.find("\n", close.start())
    return start, close.start(), len(text) if body < 0 else body + 1


def has_frontmatter(text: str) -> bool:
    """Whether ``text`` starts the way frontmatter does (a log kept by hand does not)."""
    return bool(_yaml_handler().detect(text))


def not_adopted(path: Path) -> NotAdopted:
    """The refusal of a change to a log that has no frontmatter yet: one line naming ``journal adopt``."""
    from journal.workspace import ARCHIVE_NAME

    m = ARCHIVE_NAME.match(path.name) if path.parent.name == "ARCHIVE" else None
    sid = m["id"] if m else path.stem
    return NotAdopted(f"session {sid!r} is not adopted yet ({path.name} has no frontmatter): "
                      f"run 'journal adopt {sid}' first")


def read_frontmatter(text: str, where: str) -> tuple[dict[str, Any], int]:
    """The frontmatter of a session file as a mapping, and the offset where its body starts."""
    start, end, body = frontmatter_span(text, where)
    meta = load_yaml(text[start:end], where) or {}
    if not isinstance(meta, dict):
        raise MalformedFile(f"{where}: frontmatter is not a mapping of keys to values")
    return meta, body


def read_frontmatter_file(path: Path, limit: int = 1 << 20) -> dict[str, Any]:
    """The frontmatter of a session file, reading only the head of the file."""
    from journal.fsutil import open_regular

    where = str(path)
    with open_regular(path, follow=False) as f:  # (a FIFO would hang the read; a link leads outside)
        data = f.read(16384)
        while True:
            more = f.read(65536) if len(data) < limit else b""
            head = data if not more else data[: data.rfind(b"\n") + 1]
            if b"\x00" in head:
                raise MalformedFile(f"{where} is a binary file, not UTF-8 text")
            try:
                text = head.decode("utf-8")
            except UnicodeDecodeError as e:
                raise MalformedFile(f"{where}: frontmatter is not UTF-8 text") from e
            try:
                return read_frontmatter(text, where)[0]
            except MalformedFile:
                if not more:
                    raise
            data += more


# -- frontmatter as the tool writes it, read without YAML's constructor -------------------
# PyYAML's C loader parses in C but builds every value in Python (its constructor and
# resolver): 0.15–0.3 ms a frontmatter, most of what `list` and a digest cost on a big
# history. Frontmatter the tool wrote is almost always a few `key: value` lines, one level
# nested at most, each value a single-quoted string, a plain word or phrase, or a decimal
# number. Such text is read here, each value given the type YAML's own resolver gives it;
# anything else (a comment, a list, a double-quoted or multi-line value, a plain value
# YAML reads as a date, bool, null, float or a non-decimal int, a repeated key, tabs, CR,
# a character YAML refuses) goes to YAML, so the answer is always YAML's.
_FAST_LINE = re.compile(r"( {2})?([A-Za-z_][A-Za-z0-9_-]{0,1023}):(?: (.+))?")  # (YAML: a key of 1,024 at most)
_FAST_PLAIN = re.compile(r"[\w./+(][\w./+()-]*(?: [\w./+()-]+)*")
_FAST_DECIMAL = re.compile(r"0|[1-9][0-9]*")
# besides what the YAML reader refuses (its NON_PRINTABLE): the byte-order mark, and what
# YAML reads as a line break besides LF (NEL, LS, PS: inside a quoted value they fold it)
_FAST_ODD_CHARS = ("\ufeff", "\x85", "\u2028", "\u2029")
_INT_TAG = "tag:yaml.org,2002:int"
_NOT_PLAIN: Any = object()
_resolvers: Any = None
_non_printable: Any = None


def _refused(text: str) -> bool:
    """Whether ``text`` holds a character the plain reader leaves to YAML (see above)."""
    global _non_printable
    if _non_printable is None:
        from yaml.reader import Reader

        _non_printable = Reader.NON_PRINTABLE.search
    return _non_printable(text) is not None or any(c in text for c in _FAST_ODD_CHARS)


def _implicit_tag(v: str) -> str | None:
    """The tag PyYAML's resolver gives the plain scalar ``v`` (None: a string)."""
    global _resolvers
    if _resolvers is None:
        from yaml.resolver import Resolver

        _resolvers = Resolver.yaml_implicit_resolvers
    for tag, regexp in _resolvers.get(v[0], ()):
        if regexp.match(v):
            return tag  # type: ignore[no-any-return]
    return None


def _fast_scalar(v: str) -> Any:
    """The value YAML gives the one-line scalar ``v``, or ``_NOT_PLAIN`` when it has another shape."""
    if v[0] == "'":
        inner = v[1:-1]
        if len(v) < 2 or v[-1] != "'" or "'" in inner.replace("''", ""):
            return _NOT_PLAIN
        return inner.replace("''", "'")
    if not _FAST_PLAIN.fullmatch(v):
        return _NOT_PLAIN
    tag = _implicit_tag(v)
    if tag is None:
        return v
    if tag == _INT_TAG and _FAST_DECIMAL.fullmatch(v):
        try:
            return int(v)
        except ValueError:  # more digits than Python converts (YAML fails on it too)
            return _NOT_PLAIN
    return _NOT_PLAIN


_NO_VALUE: Any = object()  # a key alone on its line
_CACHED_LINE = 200  # characters: the longest frontmatter line whose reading is remembered


def _fast_line(line: str) -> tuple[bool, str, Any] | None:
    """(indented, key, value) of one frontmatter line of the plain shapes above (value
    ``_NO_VALUE`` for a key alone), or None when the line has another shape."""
    m = _FAST_LINE.fullmatch(line)
    if m is None:
        return None
    indent, key, v = m.groups()
    if _implicit_tag(key) is not None:  # a key YAML reads as a bool or null
        return None
    if v is None:
        return bool(indent), key, _NO_VALUE
    value = _fast_scalar(v)
    return None if value is _NOT_PLAIN else (bool(indent), key, value)


# The same lines come back in every log of a history (status, owner, branch, versions): each
# is read once. The values are immutable (str, int, None), so a remembered one can be shared.
_remembered_line = functools.lru_cache(maxsize=4096)(_fast_line)


def fast_mapping(text: str) -> dict[str, Any] | None:
    """``text`` as YAML reads it when it is frontmatter of the plain shapes above, else None."""
    if not text or "\r" in text or "\t" in text or _refused(text):
        return None
    out: dict[str, Any] = {}
    nested: dict[str, Any] | None = None  # the mapping the indented lines go to
    open_key = ""  # the key of ``nested``
    for line in text.split("\n"):
        if not line:
            continue
        parsed = _remembered_line(line) if len(line) <= _CACHED_LINE else _fast_line(line)
        if parsed is None:
            return None
        indented, key, value = parsed
        if indented:
            if nested is None or value is _NO_VALUE or key in nested:
                return None
            nested[key] = value
            out[open_key] = nested
        elif key in out:
            return None
        elif value is _NO_VALUE:  # a key alone: null, or the mapping of the lines indented under it
            out[key], nested, open_key = None, {}, key
        else:
            out[key], nested = value, None
    return out or None


def load_yaml(text: str, where: str) -> Any:
    fast = fast_mapping(text)
    if fast is not None:
        return fast
    yaml = _yaml()
    try:
        return _yaml_handler().load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 2}" if mark is not None else ""
        raise MalformedFile(f"{where}: malformed YAML frontmatter{at}") from e
    except AliasesRefused as e:
        raise MalformedFile(f"{where}: malformed YAML frontmatter: {e}") from e
    except (ValueError, OverflowError) as e:  # a value YAML reads as an impossible date or time
        raise MalformedFile(f"{where}: malformed YAML frontmatter ({e}; quote the value to keep it as text)") from e


def dump_yaml_lines(key: str, value: Any, nl: str) -> list[str]:
    yaml = _yaml()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump({key: value}, Dumper=dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1_000_000)
    return [line + nl for line in text.rstrip("\n").split("\n")]


def single_line(value: str, what: str, limit: int = 2000) -> str:
    """Validate a one-line field (role, status, phase...): no line breaks or control chars."""
    if value is None or not str(value).strip():
        raise InvalidInput(f"{what} is empty")
    value = str(value).strip()
    if "\n" in value or "\r" in value or _CONTROL.search(value):
        raise InvalidInput(f"{what} must be one line without control characters")
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return value.replace("<!--", "&lt;!--")


def fence_step(line: str, fence: str | None) -> tuple[bool, str | None]:
    """Whether ``line`` is a code-fence line, and the fence state after it.

    ``fence`` is the opening token while a fenced block is open. A closing fence uses
    the same character, at least as many, and no info string (as in CommonMark).
    """
    if "`" not in line and "~" not in line:  # the common case, without the pattern
        return False, fence
    m = _FENCE.match(line)
    if not m:
        return False, fence
    token, info = m.group(1), m.group(2)
    if fence is None:
        if token[0] == "`" and "`" in info:
            return False, None
        return True, token
    if token[0] == fence[0] and len(token) >= len(fence) and not info.strip():
        return True, None
    return False, fence


def _escape_block_start(line: str) -> str:
    """Backslash-escape a line that would open a heading, a setext underline or a rule."""
    stripped = line.lstrip()
    if stripped.startswith("#") or (stripped and set(stripped) <= {"=", " "}) \
            or re.fullmatch(r"[-*_ ]{3,}", stripped) or _FENCE.match(stripped):
        return line[: len(line) - len(stripped)] + "\\" + stripped
    return line


def entry_lines(text: str, nl: str, prefix: str = "- ", marker: str = "") -> list[str]:
    """Turn free text into one Markdown list entry that cannot break the document.

    Continuation lines are indented under the bullet; lines that would become a
    heading, a setext underline, a rule or an HTML comment are escaped; code fences
    are allowed on continuation lines (set at the entry's indentation, so GitHub and
    the section parser agree on them) and an unclosed one is closed inside the entry.
    """
    if _CONTROL.search(text):
        raise InvalidInput("text contains control characters")
    raw = text.replace("\r\n", "\n").replace("\r", "\n").translate(LINE_BREAKS).strip("\n").split("\n")
    raw = [line.rstrip().replace("<!--", "&lt;!--") for line in raw]
    while len(raw) > 1 and not raw[0] and prefix[-1:].isspace():
        del raw[0]  # a bullet's entry starts at its first line with text
    lines = [prefix + _escape_block_start(raw[0]) + marker]
    fence: str | None = None
    for line in raw[1:]:
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            is_fence, fence = fence_step("  " + stripped, fence)
            if is_fence:
                lines.append("  " + stripped)
                continue
        if fence is None:
            line = _escape_block_start(line)
        lines.append("  " + line if line else "")
    if fence is not None:
        lines.append("  " + fence)
    return [line + nl for line in lines]


def split_lines(text: str) -> list[str]:
    """Lines with their endings, broken at \\n only (str.splitlines also breaks at
    U+2028, U+0085 and others, which Markdown renderers and git do not)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


@dataclass(frozen=True)
class Section:
    """A ``## title`` section: heading at line ``head``; body is lines[start:end]."""

    title: str
    head: int
    start: int
    end: int


class SessionDoc:
    """A parsed session file that can be edited without disturbing other bytes.

    With ``bare=True`` a log kept by hand without frontmatter is read too: its ``meta`` is
    empty, ``adopted`` is False and its frontmatter cannot be changed (``journal adopt``
    writes it); its sections read and edit as usual.
    """

    def __init__(self, text: str, where: str = "session", bare: bool = False) -> None:
        self.where = where
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.lines: list[str] = split_lines(text)
        self.adopted = True
        self.meta: dict[str, Any] = {}
        self._parse_frontmatter(bare)

    @classmethod
    def read(cls, path: Path, bare: bool = False) -> SessionDoc:
        """The session log at ``path``; one without frontmatter is refused unless ``bare``."""
        from journal.fsutil import read_text

        try:
            return cls(read_text(path, follow=False), str(path), bare)
        except NotAdopted:
            raise not_adopted(path) from None

    # -- frontmatter -------------------------------------------------------------
    def _parse_frontmatter(self, bare: bool = False) -> None:
        text = "".join(self.lines)
        if bare and not has_frontmatter(text):
            self.meta = {}
            self.fm_end = -1  # the body starts at the first line
            self.adopted = False
            return
        self.meta, body = read_frontmatter(text, self.where)
        # the closing line is the last line of the frontmatter
        self.fm_end = text.count("\n", 0, body) - (1 if body and text[body - 1] == "\n" else 0)

    def _key_block(self, key: str) -> tuple[int, int] | None:
        i = 1
        while i < self.fm_end:
            m = _TOP_KEY.match(self.lines[i])
            if m and m.group(1).strip().strip("'\"") == key:
                j = i + 1
                while j < self.fm_end and not _TOP_KEY.match(self.lines[j]):
                    j += 1
                return i, j
            i += 1
        return None

    def _require_frontmatter(self) -> None:
        if not self.adopted:
            raise NotAdopted(f"{self.where}: no frontmatter to change (run 'journal adopt' first)")

    def set_meta(self, key: str, value: Any) -> None:
        """Set one top-level frontmatter key, rewriting only that key's lines."""
        self._require_frontmatter()
        new = dump_yaml_lines(key, value, self.nl)
        block = self._key_block(key)
        if block is None:
            self.lines[self.fm_end : self.fm_end] = new
            self.fm_end += len(new)
        else:
            i, j = block
            self.lines[i:j] = new
            self.fm_end += len(new) - (j - i)
        self.meta[key] = value

    def del_meta(self, key: str) -> None:
        self._require_frontmatter()
        block = self._key_block(key)
        if block is not None:
            i, j = block
            del self.lines[i:j]
            self.fm_end -= j - i
        self.meta.pop(key, None)

    # -- sections ----------------------------------------------------------------
    def sections(self) -> list[Section]:
        heads: list[tuple[int, str]] = []
        fence: str | None = None
        level_one: list[int] = []
        lines = self.lines
        for i in range(self.fm_end + 1, len(lines)):
            line = lines[i]
            if "`" in line or "~" in line:  # (fence_step's own test: no fence line without one)
                is_fence, fence = fence_step(line.rstrip("\r\n"), fence)
                if is_fence:
                    continue
            if fence is not None or line[:1] != "#":
                continue
            line = line.rstrip("\r\n")
            h = _H2.match(line)
            if h:
                heads.append((i, h.group(1)))
            elif _H1.match(line):
                level_one.append(i)
        out = []
        for n, (i, title) in enumerate(heads):
            end = heads[n + 1][0] if n + 1 < len(heads) else len(self.lines)
            end = min([end, *(k for k in level_one if k > i)])
            out.append(Section(title, i, i + 1, end))
        return out

    def find(self, *names: str, sections: list[Section] | None = None) -> Section | None:
        """The first section whose title matches one of ``names`` (forgiving), else None.

        ``sections``: the document's sections computed already (a reader that asks for many
        sections of a document it does not change)."""
        sections = self.sections() if sections is None else sections
        wanted = [norm(n) for n in names]
        for w in wanted:
            for s in sections:
                if norm(s.title) == w:
                    return s
        for w in wanted:
            for s in sections:
                t = norm(s.title)
                if w and (t.startswith(w + " ") or t.endswith(" " + w)):
                    return s
        return None

    def require(self, *names: str) -> Section:
        s = self.find(*names)
        if s is None:
            raise NotFound(f"{self.where}: no '## {names[0]}' section")
        return s

    def section_text(self, *names: str) -> str | None:
        s = self.find(*names)
        return None if s is None else "".join(self.lines[s.start : s.end])

    def body(self) -> str:
        return "".join(self.lines[self.fm_end + 1 :])

    def text(self) -> str:
        return "".join(self.lines)

    def _ensure_newline(self, index: int) -> None:
        if 0 <= index < len(self.lines) and not self.lines[index].endswith(("\n", "\r")):
            self.lines[index] += self.nl

    def add_section(self, title: str, body_lines: list[str] | None = None) -> Section:
        """Append a new ``## title`` section at the end of the file."""
        title = single_line(title, "section title")
        self._ensure_newline(len(self.lines) - 1)
        block = []
        fence = self._open_fence()
        if fence is not None:  # a code block left open to the end: closed there (it renders the same)
            block.append(fence + self.nl)
        if self.lines and self.lines[-1].strip():
            block.append(self.nl)
        block += [f"## {title}{self.nl}", self.nl, *(body_lines or [])]
        self.lines.extend(block)
        s = self.find(title)
        assert s is not None
        return s

    def _open_fence(self) -> str | None:
        """The opening token of a code block the file leaves open at its end, else None."""
        fence: str | None = None
        for line in self.lines[self.fm_end + 1:]:
            if "`" in line or "~" in line:  # (as in ``sections``: no fence line without one)
                fence = fence_step(line.rstrip("\r\n"), fence)[1]
        return fence

    def set_section(self, title: str, body_lines: list[str], create: bool = True) -> None:
        """Replace a section's body (keeping one blank line before the next heading)."""
        s = self.find(title)
        if s is None:
            if not create:
                raise NotFound(f"{self.where}: no '## {title}' section")
            s = self.add_section(title)
        new = [self.nl, *body_lines]
        if s.end < len(self.lines):
            new.append(self.nl)
        self.lines[s.start : s.end] = new

    # -- entries -----------------------------------------------------------------
    def _last_content(self, s: Section) -> int:
        """Index of the last non-blank body line of ``s``, or the heading's index."""
        k = s.end - 1
        while k >= s.start and not self.lines[k].strip():
            k -= 1
        return k

    def _insert_after(self, index: int, new: list[str], s: Section) -> None:
        """Insert lines after ``index``, keeping blank lines around headings readable."""
        self._ensure_newline(index)
        block = list(new)
        if index == s.head:
            block.insert(0, self.nl)  # a blank line under the heading
        if index + 1 < len(self.lines) and self.lines[index + 1].strip():
            block.append(self.nl)  # and one before the next heading
        self.lines[index + 1 : index + 1] = block

    def append_entry(self, section: Section, entry: list[str]) -> None:
        """Add an entry at the end of a section's content."""
        self._insert_after(self._last_content(section), entry, section)

    def find_label(self, section: Section, label: str) -> int | None:
        want = norm(label)
        for i in range(section.start, section.end):
            m = LABEL.match(self.lines[i].strip())
            if m and norm(m.group(1)) == want:
                return i
        return None

    def label_block_end(self, section: Section, label_index: int) -> int:
        """Index of the last line belonging to the list under a ``**Label:**`` line."""
        last = label_index
        i = label_index + 1
        while i < section.end:
            line = self.lines[i]
            stripped = line.strip()
            if not stripped:
                i += 1
                continue
            continuation = line.startswith((" ", "\t"))
            if not continuation and (LABEL.match(stripped) or not (stripped[:2] in ("- ", "* ", "+ ") or stripped[:1].isdigit())):
                break
            last = i
            i += 1
        return last

    def append_under_label(self, section: Section, label: str, entry: list[str]) -> None:
        """Add an entry to the list under ``**label:**``, creating the label if needed."""
        at = self.find_label(section, label)
        if at is None:
            last = self._last_content(section)
            block = [f"**{label}:**{self.nl}", *entry]
            if last != section.head:
                block.insert(0, self.nl)
            self._insert_after(last, block, section)
            return
        end = self.label_block_end(section, at)
        self._ensure_newline(end)
        self.lines[end + 1 : end + 1] = entry

    def field_line(self, section: Section, name: str) -> int | None:
        """Index of a ``**Name:** value`` line in ``section`` (the value may be empty)."""
        wanted = norm(name)
        for i in range(section.start, section.end):
            m = _FIELD.match(self.lines[i].rstrip("\r\n"))
            if m and norm(m.group(1)) == wanted:
                return i
        return None

    def field_value(self, section: Section, name: str) -> str | None:
        i = self.field_line(section, name)
        if i is None:
            return None
        m = _FIELD.match(self.lines[i].rstrip("\r\n"))
        return strip_markers(m.group(2)).strip() if m else None

    def set_field(self, section: Section, name: str, value: str,
                  after: tuple[str, ...] = ()) -> list[tuple[str | None, str]]:
        """Set a ``- **Name:** value`` line, in place when present; return (old, new) per line changed.

        Fields are list items, so every renderer shows each on its own line. A field written
        the older way (``**Name:** value`` lines, one paragraph that renders as a run-on
        line) is rewritten in list form together with the field lines next to it.
        """
        line = f"- **{name}:** {value}"
        i = self.field_line(section, name)
        if i is not None:
            changed = self._fields_as_list(section, i)
            old = self.lines[i]
            ending = old[len(old.rstrip("\r\n")) :] or self.nl
            self.lines[i] = line + ending
            done = dict(changed)
            done[i] = (done.get(i, (old, ""))[0], self.lines[i])
            return [pair for _, pair in sorted(done.items())]
        anchors = [j for j in (self.field_line(section, o) for o in after) if j is not None]
        if anchors:
            changed = self._fields_as_list(section, max(anchors))
            self._ensure_newline(max(anchors))
            self.lines.insert(max(anchors) + 1, line + self.nl)
            return [pair for _, pair in sorted(changed.items())] + [(None, line + self.nl)]
        first = next((k for k in range(section.start, section.end) if self.lines[k].strip()), None)
        if first is None:
            self._insert_after(section.head, [line + self.nl], section)
        else:
            self.lines.insert(first, line + self.nl)
        return [(None, line + self.nl)]

    def _fields_as_list(self, section: Section, index: int) -> dict[int, tuple[str, str]]:
        """Rewrite the paragraph of ``**Name:** value`` lines around ``index`` as list items."""
        if not _PARAGRAPH_FIELD.match(self.lines[index]):
            return {}
        start = index
        while start - 1 >= section.start and _PARAGRAPH_FIELD.match(self.lines[start - 1]):
            start -= 1
        end = index
        while end + 1 < section.end and _PARAGRAPH_FIELD.match(self.lines[end + 1]):
            end += 1
        changed = {}
        for k in range(start, end + 1):
            old = self.lines[k]
            self.lines[k] = "- " + old
            changed[k] = (old, self.lines[k])
        return changed

