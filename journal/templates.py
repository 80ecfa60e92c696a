"""Session templates: the repository's own copy first, the packaged default otherwise.

Rendering happens in Jinja2's sandbox with StrictUndefined, so a template cannot
reach Python internals and a misspelt variable is an error, not an empty string.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from journal.errors import TemplateError

DEFAULT_TEMPLATE = "SESSION_LOG_TEMPLATE.md"


def packaged(name: str) -> str:
    """Text of a template shipped inside the package."""
    return resources.files("journal").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)


def render(source: str, where: str, **context: Any) -> str:
    """Render template text; every Jinja failure becomes a one-line TemplateError."""
    import jinja2

    try:
        return _env().from_string(source).render(**context)
    except jinja2.UndefinedError as e:
        raise TemplateError(f"{where}: {e.message} (variables: {', '.join(sorted(context))})") from e
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(f"{where}:{e.lineno}: template syntax error: {e.message}") from e
    except jinja2.TemplateError as e:
        raise TemplateError(f"{where}: template error: {e}") from e


def session_template(repo_template: Path, override: Path | None = None) -> tuple[str, str]:
    """(source, where) of the template to use: --template, the repo's copy, or the default."""
    from journal.fsutil import read_text

    if override is not None:
        return read_text(override), str(override)
    if repo_template.is_file():
        return read_text(repo_template), str(repo_template)
    return packaged(DEFAULT_TEMPLATE), f"<default {DEFAULT_TEMPLATE}>"
