"""No import cycle between medassist's top-level subpackages (data flows one way).

Every import counts, function-level ones included: a cycle hidden inside a function body is
still a cycle between packages. ``from medassist import X`` of a non-package name is an
import of the package root."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import medassist

ROOT = Path(medassist.__file__).parent


def _unit(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    if len(rel.parts) > 1:
        return rel.parts[0]
    return "<root>" if rel.name == "__init__.py" else rel.stem


def _is_unit(name: str, root: Path) -> bool:
    return (root / name).is_dir() or (root / f"{name}.py").exists()


def import_graph(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit -> where (file:line)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(root.rglob("*.py")):
        src = _unit(path, root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                parts = node.module.split(".")
                if parts[0] != "medassist":
                    continue
                if len(parts) > 1:
                    targets = [parts[1]]
                else:
                    targets = [a.name if _is_unit(a.name, root) else "<root>" for a in node.names]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == "medassist":
                        targets.append(parts[1] if len(parts) > 1 else "<root>")
            for dst in targets:
                if dst != src:
                    graph[src][dst].append(f"{path.relative_to(root)}:{node.lineno}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_subpackages() -> None:
    graph = import_graph()
    found = cycles(graph)
    detail = [
        f"{a} -> {b} ({graph[a][b][0]})"
        for comp in found
        for a in comp
        for b in graph[a]
        if b in comp
    ]
    assert not found, "import cycles: " + "; ".join(detail)


def test_schemas_import_nothing_but_schemas_and_errors() -> None:
    allowed = {"schemas", "errors", "_version"}
    assert set(import_graph().get("schemas", {})) <= allowed


def test_the_check_finds_a_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "medassist"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a" / "__init__.py").write_text("def f():\n    from medassist.b import g\n")
    (pkg / "b" / "__init__.py").write_text("from medassist.a import f\n")
    assert cycles(import_graph(pkg)) == [["a", "b"]]
