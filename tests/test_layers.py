"""The package's import graph: dependencies flow downward only (DESIGN §2), and no module imports
itself back through others.

Every import counts — at module level or inside a function (a lazy import is still a dependency) —
except those under ``if TYPE_CHECKING:``, which never run (the tactic modules' typing rules are
annotated with the checker that passes itself in).  A module's layer is the one of the longest
prefix in ``LAYERS``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tactic_mesh

ROOT = Path(tactic_mesh.__file__).parent

# lower layers first; a module may import its own layer or lower ones
LAYERS: dict[str, int] = {
    "tactic_mesh.version": 0,
    "tactic_mesh.kernel": 0,
    "tactic_mesh.calculus": 1,
    "tactic_mesh.handlers.protocol": 1,  # the interface the machine is written against
    "tactic_mesh.codecs": 2,
    "tactic_mesh.typing": 3,
    "tactic_mesh.handlers": 4,
    "tactic_mesh.symbolic": 5,  # experts that admit certificates through the handlers
    "tactic_mesh.handlers.symbolic": 6,  # the foreign "eprover" handler, above the backend it drives
    "tactic_mesh.proofs": 7,
    "tactic_mesh.laws": 7,
    "tactic_mesh.neural": 8,
    "tactic_mesh.net": 8,
    "tactic_mesh.lean": 8,
    "tactic_mesh.api": 9,
    "tactic_mesh.mesh": 9,  # the mesh through the API (net + neural + api)
    "tactic_mesh.cli": 10,
    "tactic_mesh": 11,  # the package's __init__: re-exports the API
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            pkg = self.package.split(".")
            base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self.add(sub if sub in MODULES else base)

    def add(self, name: str) -> None:
        if name.startswith("tactic_mesh"):
            while name not in MODULES and "." in name:
                name = name.rpartition(".")[0]
            self.found.add(name)


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    visitor = _Imports(module, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    visitor.found.discard(module)
    return visitor.found


GRAPH = {m: imports_of(m) for m in MODULES}


def upward_edges(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
                  for m, deps in graph.items() for d in deps if layer(d) > layer(m))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_every_module_has_a_layer() -> None:
    assert all(m == "tactic_mesh" or m.startswith("tactic_mesh.") for m in MODULES)
    assert len(MODULES) > 100  # the walk found the package


def test_no_upward_edge() -> None:
    assert upward_edges(GRAPH) == []


def test_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


def test_kernel_imports_nothing_above_it() -> None:
    assert GRAPH["tactic_mesh.version"] == set()  # a leaf: the kernel version is read from it
    for m, deps in GRAPH.items():
        if m.startswith("tactic_mesh.kernel"):
            assert all(d.startswith("tactic_mesh.kernel") or d == "tactic_mesh.version" for d in deps), (m, deps)


@pytest.mark.parametrize("graph, expected", [
    ({"tactic_mesh.kernel.a": {"tactic_mesh.calculus.b"}, "tactic_mesh.calculus.b": set()}, 1),
    ({"tactic_mesh.cli.a": {"tactic_mesh.kernel.b"}, "tactic_mesh.kernel.b": set()}, 0),
])
def test_the_walk_sees_an_upward_edge(graph: dict[str, set[str]], expected: int) -> None:
    assert len(upward_edges(graph)) == expected


def test_the_walk_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_lazy_imports_count_and_type_checking_ones_do_not() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from tactic_mesh.cli import main\n"
        "def f():\n    from tactic_mesh.api import Session\n"
    )
    visitor = _Imports("tactic_mesh.kernel.x", False)
    visitor.visit(ast.parse(source))
    assert visitor.found == {"tactic_mesh.api"}
