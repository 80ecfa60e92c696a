"""Session templates: the repository's own copy first, the packaged default otherwise.

Rendering happens in Jinja2's sandbox with StrictUndefined, so a template cannot reach
Python internals and a misspelt variable is an error, not an empty string. A template is
text a teammate commits, so its work is bounded too: no ``include``/``import``/``extends``
(a session template stands alone), at most MAX_STEPS loop iterations and MAX_OUTPUT bytes
of output, no string or list repeated past MAX_OUTPUT, no power past MAX_POWER. Every
failure is a TemplateError naming the template and, where known, its line.
"""
from __future__ import annotations

import operator
import re
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from journal.errors import TemplateError

DEFAULT_TEMPLATE = "SESSION_LOG_TEMPLATE.md"
MAX_OUTPUT = 1_000_000  # bytes of rendered text (and of one repeated string or list)
MAX_STEPS = 100_000  # loop iterations in one render, all loops together
MAX_POWER = 10_000  # the largest exponent of ``**``
_STEP_HELPER = "__journal_step"
_state = threading.local()


def packaged(name: str) -> str:
    """Text of a template shipped inside the package."""
    return resources.files("journal").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


class _Refused(Exception):
    """A template asked for more work than a session template may do."""


def _steps(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every ``for`` loop of a template iterates through: counts the render's iterations."""
    for item in iterable:
        _state.steps = getattr(_state, "steps", 0) + 1
        if _state.steps > MAX_STEPS:
            raise _Refused(f"loops ran more than {MAX_STEPS:,} times")
        yield item


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


_WIDE = re.compile(r"\d{7,}")  # a width or precision of a million or more in a format string
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})  # str methods that pad to a width


def _width(fmt: Any, what: str) -> None:
    """Refuse a format string with a width of a million or more (``"%300000000s"``,
    ``"{:>300000000}"``): the text would be built before its size is counted."""
    if isinstance(fmt, str) and ("%" in fmt or "{" in fmt) and _WIDE.search(fmt):
        raise _Refused(f"{what} with a format width of a million or more")


def _count(args: Iterable[Any], what: str) -> None:
    """Refuse a padding width past MAX_OUTPUT (``center(300000000)``)."""
    for a in args:
        if isinstance(a, int) and not isinstance(a, bool) and a > MAX_OUTPUT:
            raise _Refused(f"{what} with {a:,}: that would make more than {MAX_OUTPUT // 1_000_000} MB")


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class Sandbox(SandboxedEnvironment):  # type: ignore[misc]
        intercepted_binops = frozenset({"*", "**", "%"})

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
            owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)  # (str.format comes wrapped)
            if isinstance(owner, str):
                name = getattr(__obj, "__name__", "")
                if name in _PADDING:
                    _count([*args, *kwargs.values()], f"{name}()")
                elif name in ("format", "format_map"):
                    _width(owner, f"{name}()")
            return super().call(__context, __obj, *args, **kwargs)

        def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
            if op == "*":
                for seq, times in ((left, right), (right, left)):
                    if isinstance(times, int) and _size(seq) * max(times, 0) > MAX_OUTPUT:
                        raise _Refused(f"a repetition would be over {MAX_OUTPUT // 1_000_000} MB")
                return operator.mul(left, right)
            if op == "%":
                _width(left, "a % format")
                return operator.mod(left, right)
            if op == "**":
                if isinstance(right, (int, float)) and abs(right) > MAX_POWER:
                    raise _Refused(f"an exponent over {MAX_POWER:,}")
                return operator.pow(left, right)
            return super().call_binop(context, op, left, right)  # pragma: no cover

    env = Sandbox(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    env.globals[_STEP_HELPER] = _steps
    for name in ("center", "format", "indent"):  # filters that pad or format
        env.filters[name] = _guarded(env.filters[name], name)
    return env


def _guarded(f: Any, name: str) -> Any:
    """Filter ``f`` with its width bounded (see ``_width`` and ``_count``)."""
    import functools

    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        if name == "format":
            _width(args[0] if args else None, "the format filter")
        else:
            _count([*args[1:], *kwargs.values()], f"the {name} filter")
        return f(*args, **kwargs)

    return run


def _compile(source: str, where: str) -> Any:
    """The template, parsed, checked for what a session template may not do, with every loop
    counted, and compiled."""
    from jinja2 import nodes

    env = _env()
    tree = env.parse(source, name=where, filename=where)
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        tag = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from … import",
               nodes.Extends: "extends"}[type(node)]
        raise TemplateError(f"{where}:{node.lineno}: {{% {tag} %}} is not allowed: a session template stands alone")
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(_STEP_HELPER, "load", lineno=loop.lineno), [loop.iter], [], None, None,
                               lineno=loop.lineno)
    code = env.compile(tree, name=where, filename=where)
    return env.template_class.from_code(env, code, env.make_globals(None))


def _line_of(error: BaseException, where: str) -> int | None:
    """The template line a rendering error came from (Jinja maps its frames to template lines)."""
    tb = error.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == where:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(source: str, where: str, **context: Any) -> str:
    """Render template text; every failure becomes a one-line TemplateError with the template's
    name and line, and output over MAX_OUTPUT bytes is refused."""
    import jinja2

    _state.steps = 0
    try:
        template = _compile(source, where)
        out: list[str] = []
        size = 0
        stream = template.generate(**context)
        for chunk in stream:
            size += len(chunk.encode("utf-8", "surrogatepass"))
            if size > MAX_OUTPUT:
                frame = getattr(stream, "gi_frame", None)
                line = template.get_corresponding_lineno(frame.f_lineno) if frame is not None else None
                raise TemplateError(f"{where}{f':{line}' if line else ''}: rendered output is over "
                                    f"{MAX_OUTPUT // 1_000_000} MB")
            out.append(chunk)
        return "".join(out)
    except TemplateError:
        raise
    except jinja2.UndefinedError as e:
        at = _line_of(e, where)
        raise TemplateError(f"{where}{f':{at}' if at else ''}: {e.message} "
                            f"(variables: {', '.join(sorted(context))})") from e
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(f"{where}:{e.lineno}: template syntax error: {e.message}") from e
    except (jinja2.TemplateError, _Refused, OverflowError, RecursionError, MemoryError, ArithmeticError,
            TypeError, ValueError, LookupError, AttributeError) as e:
        at = _line_of(e, where)
        kind = "refused" if isinstance(e, (_Refused, OverflowError, RecursionError, MemoryError)) else "error"
        message = str(e) if not isinstance(e, RecursionError) else "macros call themselves too deep"
        raise TemplateError(f"{where}{f':{at}' if at else ''}: template {kind}: {message}") from None
    finally:
        _state.steps = 0


def session_template(repo_template: Path, override: Path | None = None) -> tuple[str, str]:
    """(source, where) of the template to use: --template, the repo's copy, or the default."""
    from journal.fsutil import read_text

    if override is not None:
        return read_text(override), str(override)
    if repo_template.is_file():
        return read_text(repo_template), str(repo_template)
    return packaged(DEFAULT_TEMPLATE), f"<default {DEFAULT_TEMPLATE}>"
