"""The export dialog: live counts, readiness acceptance, preview, running the export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator.app.export_dialog import ExportDialog
from curator.core.export import ExportOptions, plan_export
from curator.core.store import Store


@pytest.fixture
def store(demo_project: Path) -> Iterator[Store]:
    with Store.open(demo_project) as opened:
        yield opened


def planned(qtbot, dialog: ExportDialog) -> None:  # type: ignore[no-untyped-def]
    """Wait for the counts of the current options (worked out in a thread)."""
    qtbot.waitUntil(lambda: not dialog.computing, timeout=30_000)


@pytest.fixture
def dialog(qtbot, store: Store):  # type: ignore[no-untyped-def]
    dlg = ExportDialog(store, actor="tester")
    qtbot.addWidget(dlg)
    planned(qtbot, dlg)
    yield dlg
    dlg.runner.cancel()
    dlg.runner.wait()


def test_counts_follow_the_options(dialog: ExportDialog, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    plan = plan_export(store, ExportOptions())
    assert dialog.count_labels["train"].text() == str(plan.counts["train"])
    dialog.eval_spin.setValue(20.0)
    expected = plan_export(store, ExportOptions(eval_fraction=0.2))
    qtbot.waitUntil(lambda: dialog.count_labels["eval"].text() == str(
        expected.counts["eval"]), timeout=3_000)
    assert expected.counts["eval"] > 0
    assert dialog.options().eval_fraction == 0.2


def test_options_reflect_the_widgets(dialog: ExportDialog) -> None:
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("sharegpt"))
    dialog.pii_combo.setCurrentIndex(dialog.pii_combo.findData("exclude"))
    dialog.unreviewed_check.setChecked(False)
    dialog.sources_list.item(0).setCheckState(dialog.sources_list.item(0).checkState().__class__.Unchecked)
    options = dialog.options()
    assert options.format == "sharegpt" and options.pii == "exclude"
    assert not options.include_unreviewed
    assert options.sources == [dialog.sources_list.item(1).text().split("  ")[0]]
    dialog.set_options(ExportOptions(seed=5, val_fraction=0.3))
    assert dialog.options().seed == 5 and dialog.options().val_fraction == 0.3
    assert dialog.options().sources is None


def test_accepting_a_readiness_item_names_it_in_the_options(dialog: ExportDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    failing = [i["id"] for i in dialog.readiness_items if not i["ok"]]
    assert "eval_holdout" in failing
    dialog.accept_item("eval_holdout")
    planned(qtbot, dialog)
    assert dialog.options().accept == ["eval_holdout"]
    row = [i["id"] for i in dialog.readiness_items].index("eval_holdout")
    assert dialog.readiness_table.item(row, 3).checkState().name == "Checked"


def test_preview_shows_records_as_exported(dialog: ExportDialog) -> None:
    text = dialog.preview_text.toPlainText()
    assert text.startswith("# ") and '"messages"' in text


def test_export_runs_in_the_background(dialog: ExportDialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert not dialog.export_button.isEnabled()          # no folder yet
    dialog.outdir_edit.setText(str(tmp_path / "out"))
    dialog.eval_spin.setValue(10.0)
    dialog.refresh()
    assert not dialog.export_button.isEnabled()          # counting the new options
    planned(qtbot, dialog)
    assert dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as blocker:
        dialog.export_button.click()
    report = blocker.args[0]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["dataset_hash"] == report.dataset_hash
    assert manifest["actor"] == "tester"
    assert dialog.history_table.rowCount() == 1
    assert "Exported" in dialog.status_label.text()


def test_export_failure_is_shown(dialog: ExportDialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "full"
    out.mkdir()
    (out / "x.txt").write_text("x")
    dialog.outdir_edit.setText(str(out))
    dialog.refresh()
    planned(qtbot, dialog)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "not empty" in dialog.status_label.text(), timeout=30_000)
    assert dialog.export_button.isEnabled()


def test_uses_a_given_runner(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from curator.app.jobs import JobRunner

    runner = JobRunner()
    dlg = ExportDialog(store, runner=runner)
    qtbot.addWidget(dlg)
    dlg.outdir_edit.setText(str(tmp_path / "out"))
    dlg.refresh()
    planned(qtbot, dlg)
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        dlg.start_export()
    assert (tmp_path / "out" / "train.jsonl").exists()
    assert not dlg.progress_bar.isVisible()


def test_counting_does_not_hold_the_ui_thread(dialog: ExportDialog, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A slow count (100,000 records on a slow machine) leaves the dialog responsive, and
    options changed meanwhile are counted when it ends: the last options win."""
    import threading

    import curator.core.export as module

    release = threading.Event()
    real = module.plan_export

    def slow(store, options):  # type: ignore[no-untyped-def]
        release.wait(10)
        return real(store, options)

    monkeypatch.setattr(module, "plan_export", slow)
    dialog.eval_spin.setValue(5.0)
    dialog.refresh()
    assert dialog.computing and dialog.counting_label.text() == "Counting…"
    dialog.eval_spin.setValue(20.0)                  # changed while counting
    dialog.refresh()
    qtbot.wait(50)                                    # the event loop still turns
    assert dialog.computing and not dialog.export_button.isEnabled()
    release.set()
    planned(qtbot, dialog)
    expected = real(dialog.store, dialog.options())
    assert dialog.count_labels["eval"].text() == f"{expected.counts['eval']:,}"
    assert dialog.counting_label.text() == ""
