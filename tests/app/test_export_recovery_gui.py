"""Opening a project in the window cleans up after an export that was killed."""

from __future__ import annotations

from pathlib import Path

from curator.core.export import history
from curator.core.export.job import pending_exports
from curator.core.store import Store
from tests.core.test_export_recovery import hidden, killed_export


def test_opening_records_an_export_killed_after_publishing(  # type: ignore[no-untyped-def]
        window, demo_project: Path, tmp_path: Path, qtbot, wait_idle) -> None:
    out = tmp_path / "out"
    with Store.open(demo_project) as store:
        killed_export(store, out, "after")
        assert history(store) == [] and len(pending_exports(store)) == 1
    shown: list[str] = []
    window.statusBar().messageChanged.connect(shown.append)
    assert window.open_project(demo_project)
    wait_idle(window)
    qtbot.waitUntil(lambda: any("Recorded the export" in m for m in shown), timeout=10_000)
    with Store.open(demo_project) as store:
        assert [h["outdir"] for h in history(store)] == [str(out)]
        assert pending_exports(store) == {}
    assert hidden(tmp_path) == []


def test_opening_removes_a_killed_exports_staging(  # type: ignore[no-untyped-def]
        window, demo_project: Path, tmp_path: Path, wait_idle) -> None:
    out = tmp_path / "out"
    with Store.open(demo_project) as store:
        killed_export(store, out, "before")
    assert any(name.endswith(".partial") for name in hidden(tmp_path))
    assert window.open_project(demo_project)
    wait_idle(window)
    assert hidden(tmp_path) == [] and not out.exists()
    with Store.open(demo_project) as store:
        assert history(store) == [] and pending_exports(store) == {}
