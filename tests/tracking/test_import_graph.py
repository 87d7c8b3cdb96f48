"""The library's import graph has no cycle, counting imports made inside functions too.

Imports under ``if TYPE_CHECKING:`` (annotations only) never run, so they are no edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tracking"


def _graph() -> dict[str, set[str]]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            # a package's __init__ is not an edge: importing tracking.project.runs runs it, but it holds nothing
            graph[name] |= {t for t in targets if t in modules and t != name and modules[t].name != "__init__.py"}
    return graph


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except those inside an ``if TYPE_CHECKING:`` block."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            test = child.test if isinstance(child, ast.If) else None
            if test is not None and "TYPE_CHECKING" in ast.unparse(test):
                todo.extend(child.orelse)
                continue
            todo.append(child)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_library_has_no_import_cycle():
    graph = _graph()
    assert "tracking.project.runs" in graph and graph["tracking.project.runs"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_type_checking_imports_are_no_edge():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\nelse:\n    import b\n")
    assert [n.names[0].name for n in _runtime_nodes(tree) if isinstance(n, ast.Import)] == ["b"]


def test_the_cycle_finder_sees_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between tracking's packages (tracking.<package>...): an edge where any module
    of one imports any module of another."""
    def package(module: str) -> str:
        return module.split(".")[1] if module.count(".") else module

    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        out.setdefault(package(module), set()).update(package(t) for t in targets)
    return {p: t - {p} for p, t in out.items()}


def test_the_packages_form_layers():
    packages = _packages(_graph())
    assert _cycle(packages) is None, " -> ".join(_cycle(packages))
    # the bottom of the flow: scene files and engines know only the shared vocabulary
    assert packages["core"] == set()
    assert packages["ingest"] == {"core"} and packages["engines"] == {"core"}
    assert packages["run"] <= {"core", "engines", "analysis", "exports"}  # a session knows no project


def test_the_package_graph_counts_imports_between_packages():
    graph = {"tracking.a.x": {"tracking.b.y", "tracking.a.z"}, "tracking.a.z": set(), "tracking.b.y": set()}
    assert _packages(graph) == {"a": {"b"}, "b": set()}
