"""The package's shape: no import circle, and no module that imports upward.

Layers, bottom to top: the base modules, then ``events`` and ``agentlogs``, then
``session``, then ``coordination``, then ``web`` (pages, HTML, export, the server), then ``cli``
(and ``__main__``, which runs it). A module may import its own layer's
modules and any layer below; imports inside functions count too.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "journal"
LAYER = {"events": 1, "agentlogs": 1, "session": 2, "coordination": 3, "web": 4, "cli": 5, "__main__": 6}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYER.get(parts[1], 0) if len(parts) > 1 else 0


def imports(path: Path) -> set[str]:
    """The journal modules ``path`` imports, at module level or inside functions."""
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules and n.startswith("journal")}
    return found - {module_name(path), "journal"}


GRAPH = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_graph_is_not_empty() -> None:
    assert len(GRAPH) > 40 and GRAPH["journal.session.store"] >= {"journal.session.document", "journal.workspace"}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_upward(module: str) -> None:
    upward = sorted(m for m in GRAPH[module] if layer(m) > layer(module))
    assert upward == [], f"{module} (layer {layer(module)}) imports {upward}"


def test_no_import_circle() -> None:
    """Package __init__ modules are left out: importing a submodule loads its package first."""
    packages = {m for m in GRAPH if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()}
    graph = {m: deps - packages for m, deps in GRAPH.items() if m not in packages}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(d):] + [d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
