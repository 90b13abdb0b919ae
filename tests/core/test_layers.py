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
