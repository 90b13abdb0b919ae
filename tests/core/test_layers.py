"""The core never imports Qt: the CLI, scripts and tests use it without a GUI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "curator" / "core"
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy", "curator.app")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_core_module_imports_qt() -> None:
    offenders = {
        str(path.relative_to(CORE)): sorted(n for n in imported_modules(path)
                                             if n.startswith(QT))
        for path in CORE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 5  # the walk really saw the core


def test_importing_the_cli_loads_no_qt_and_no_heavy_libraries() -> None:
    code = ("import sys, curator.cli, curator.core.ingest, curator.core.checks.scan; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'torch', 'presidio_analyzer', 'spacy', 'sentence_transformers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=CORE.parents[1])
    assert out.stdout.strip() == "[]"


def module_graph(root: Path) -> dict[str, set[str]]:
    """Every curator module and the curator modules it imports (lazy imports too)."""
    package = root.parent
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        name = ".".join(path.relative_to(package).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if path.name == "__init__.py" else \
                        name.split(".")[:-1]
                    base = ".".join(here[:len(here) - node.level + 1] + [base] * bool(base))
                targets = [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                found = owner(target) if target.startswith("curator") else None
                # A module's own packages run first whatever it imports: not an edge.
                if found and found != name and not name.startswith(found + "."):
                    deps.add(found)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_between_curator_modules() -> None:
    """Lazy imports count: a cycle through a function-level import is still a knot."""
    graph = module_graph(CORE.parent)
    assert len(graph) > 40
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    root = tmp_path / "curator"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("def f():\n    from curator import b\n")
    (root / "b.py").write_text("from curator.a import f\n")
    (root / "c.py").write_text("from . import a\n")
    assert cycles(module_graph(root)) == [["curator.a", "curator.b"]]
