"""The whole import graph of ``capdesk`` is acyclic, function-local imports included.

import-linter's layer contracts catch imports that point up a layer, but not a cycle inside
one layer, and a cycle "fixed" by moving an import into a function is still a cycle: it only
moves the failure from import time to the first call. So every import statement counts here,
wherever it stands (module level, inside a function, under ``if TYPE_CHECKING``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "capdesk"


def module_name(path: Path, repo: Path = REPO) -> str:
    parts = list(path.relative_to(repo).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, root.parent): p for p in sorted(root.rglob("*.py"))}


def _absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """Resolve ``from .x import y`` against the importing module."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imported_modules(path: Path, importer: str, known: set[str]) -> Iterator[str]:
    """Every capdesk module ``path`` imports, by any import statement anywhere in it."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node.module, node.level, importer, is_package)
            for alias in node.names:
                # ``from capdesk.engine import beam`` imports the submodule itself.
                submodule = f"{target}.{alias.name}"
                if submodule in known:
                    yield submodule
                elif target in known:
                    yield target


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = all_modules(root)
    known = set(modules)
    return {
        name: {t for t in imported_modules(path, name, known) if t != name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_capdesk_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50  # the walk really read the package
    assert cycles(graph) == []


def test_the_cycle_finder_sees_function_local_imports(tmp_path: Path) -> None:
    """The checker itself: a cycle hidden in a function body is reported."""
    package = tmp_path / "capdesk"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("from capdesk.sub.b import thing\n")
    (package / "sub" / "b.py").write_text(
        "def thing():\n    from . import a  # noqa\n    return a\n"
    )
    (package / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from capdesk.sub.a import x\n"
    )
    graph = import_graph(package)
    assert graph["capdesk.sub.c"] == {"capdesk.sub.a"}
    assert cycles(graph) == [["capdesk.sub.a", "capdesk.sub.b"]]
