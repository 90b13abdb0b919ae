"""Label quality in the window (issue 18): Checks → Find likely label errors, the Label
errors queue (accept, keep, send to adjudication, undo), the labelling panel's
suggestion and "most informative first", and find similar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from curator.core.checks.models import ModelCache
from curator.core.labeling import labels
from curator.core.labeling.assignment import add_annotator
from curator.core.labeling.schema import edit_field
from curator.core.store import Store
from tests.core.test_label_errors import FLIPS, TOPICS, TopicEmbedder, dataset, make


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """60 records in 4 topics labelled by two annotators, 4 of them flipped; the
    window's user ("tester") is an adjudicator."""
    path = tmp_path / "labelled.curator"
    with Store.open(path, create=True) as store:
        make(tmp_path, store, answers=False)
        edit_field(store, "topic", options=list(TOPICS))
        add_annotator(store, "tester", role="adjudicator")
    return path


#: Record key -> index in dataset() for the flipped records.
FLIPS_KEYS = {f"d.jsonl:{i + 1}": i for i in FLIPS}


def open_scanned(qtbot, window, wait_idle, project: Path):  # type: ignore[no-untyped-def]
    window.models = ModelCache(embedder=TopicEmbedder())
    assert window.open_project(project)
    wait_idle(window)
    qtbot.keyClick(window.table, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(window)
    queue = window.label_quality.queue
    assert window.tabs.currentWidget() is queue
    return queue


def final(project: Path, key: str) -> object:
    with Store.open(project) as store:
        return labels.final_label(store, store.record(key)["id"], "topic")


def status(project: Path, finding_id: int) -> str:
    with Store.open(project) as store:
        return str(store.db.execute("SELECT status FROM findings WHERE id = ?",
                                    (finding_id,)).fetchone()[0])


def test_scan_fills_the_queue_and_accept_is_undoable(qtbot, window, wait_idle,
                                                     project: Path) -> None:  # type: ignore[no-untyped-def]
    queue = open_scanned(qtbot, window, wait_idle, project)
    items = queue.model.items
    assert len(items) == len(FLIPS)
    keys = [r for r in (f"d.jsonl:{i + 1}" for i in FLIPS)]
    assert {i["record"] for i in items} == set(keys)
    shown = [queue.model.index(0, c).data() for c in range(7)]
    first = items[0]
    assert shown[:4] == [first["record"], "topic", first["detail"]["given"],
                         first["detail"]["suggested"]]
    assert shown[5] == "to review"
    assert shown[6] == dataset()[FLIPS_KEYS[first["record"]]][0]   # the request itself
    assert "4 to review" in queue.summary.text()
    queue.select(0)
    queue.table.setFocus()
    qtbot.keyClick(queue.table, Qt.Key.Key_A)       # accept the suggestion
    wait_idle(window)
    assert final(project, first["record"]) == first["detail"]["suggested"]
    assert status(project, first["id"]) == "resolved"
    assert first["id"] not in {i["id"] for i in queue.model.items}
    window.undo_stack.undo()
    wait_idle(window)
    assert final(project, first["record"]) == first["detail"]["given"]
    assert status(project, first["id"]) == "open"


def test_keep_dismisses_and_undo_reopens(qtbot, window, wait_idle,
                                         project: Path) -> None:  # type: ignore[no-untyped-def]
    queue = open_scanned(qtbot, window, wait_idle, project)
    first = queue.model.items[0]
    queue.select(0)
    queue.buttons["keep"].click()
    wait_idle(window)
    assert status(project, first["id"]) == "dismissed"
    assert final(project, first["record"]) == first["detail"]["given"]
    assert len(queue.model.items) == len(FLIPS) - 1
    window.undo_stack.undo()
    wait_idle(window)
    assert status(project, first["id"]) == "open"


def test_send_to_adjudication_shows_in_the_adjudication_tab(qtbot, window, wait_idle,
                                                            project: Path) -> None:  # type: ignore[no-untyped-def]
    queue = open_scanned(qtbot, window, wait_idle, project)
    first = queue.model.items[0]
    queue.select(0)
    queue.table.setFocus()
    qtbot.keyClick(queue.table, Qt.Key.Key_S)
    wait_idle(window)
    adjudication = window.labels.adjudication
    adjudication.set_field("topic")
    adjudication.refresh()
    assert first["record_id"] in [d.record_id for d in adjudication.queue]
    # the suggestion is offered beside the annotators' value
    adjudication._select(first["record_id"])
    assert first["detail"]["suggested"] in adjudication.candidates
    queue.show_filter.setCurrentIndex(1)          # sent to adjudication
    queue.reload_requested.emit()
    wait_idle(window)
    assert [i["id"] for i in queue.model.items] == [first["id"]]
    window.undo_stack.undo()
    wait_idle(window)
    adjudication.refresh()
    assert first["record_id"] not in [d.record_id for d in adjudication.queue]


def test_accept_needs_an_adjudicator(qtbot, window, wait_idle, project: Path) -> None:  # type: ignore[no-untyped-def]
    queue = open_scanned(qtbot, window, wait_idle, project)
    window.set_user("someone", remember=False)
    first = queue.model.items[0]
    queue.select(0)
    queue.buttons["accept"].click()
    wait_idle(window)
    assert "only an adjudicator" in window.statusBar().currentMessage()
    assert status(project, first["id"]) == "open"
    assert window.undo_stack.count() == 0


def test_labelling_panel_suggests_without_labelling(qtbot, window, wait_idle,
                                                    project: Path) -> None:  # type: ignore[no-untyped-def]
    window.models = ModelCache(embedder=TopicEmbedder())
    assert window.open_project(project)
    wait_idle(window)
    window.labels.toggle()
    truth = [topic for _, topic in dataset()]
    with Store.open(project) as store:
        record = store.record("d.jsonl:2")["id"]
    window.show_record(record)
    wait_idle(window)
    bar = window.label_quality.suggestion
    assert bar.isVisible()
    assert bar.values["topic"][0] == truth[1]
    assert f"Model suggests: <b>{truth[1]}</b>" in bar.text.text()
    with Store.open(project) as store:     # never applied
        assert not [x for x in labels.labels_for(store, record, "tester")]


def test_most_informative_first_goes_to_the_least_certain(qtbot, window, wait_idle,
                                                          project: Path) -> None:  # type: ignore[no-untyped-def]
    from curator.core.checks.label_suggestions import informative_order
    from curator.core.jobs import run_job

    window.models = ModelCache(embedder=TopicEmbedder())
    assert window.open_project(project)
    wait_idle(window)
    window.labels.toggle()
    bar = window.label_quality.suggestion
    bar.informative.setChecked(True)
    wait_idle(window)
    with Store.open(project) as store:
        _, expected = run_job(informative_order(store, "tester", TopicEmbedder()))
    window.labels.next_unlabelled()
    wait_idle(window)
    assert window.current_id == expected[0] != min(expected)
    window.labels.next_unlabelled()
    wait_idle(window)
    assert window.current_id == expected[1]


def test_find_similar_lists_neighbours_and_opens_one(qtbot, window, wait_idle,
                                                     project: Path) -> None:  # type: ignore[no-untyped-def]
    window.models = ModelCache(embedder=TopicEmbedder())
    assert window.open_project(project)
    wait_idle(window)
    with Store.open(project) as store:
        record = store.record("d.jsonl:1")["id"]
    window.show_record(record)
    qtbot.keyClick(window.table, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(window)
    dialog = window.label_quality.similar_dialog
    assert dialog is not None and dialog.isVisible()
    table = dialog.by_input.table
    assert table.rowCount() == 10
    keys = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert "d.jsonl:1" not in keys
    truth = [topic for _, topic in dataset()]
    assert all(truth[int(k.split(":")[1]) - 1] == truth[0] for k in keys)
    sims = [float(table.item(r, 0).text()) for r in range(table.rowCount())]
    assert sims == sorted(sims, reverse=True)
    assert dialog.by_answer.table.rowCount() == 10
    table.selectRow(2)
    dialog.open_button.click()
    with Store.open(project) as store:
        assert window.current_id == store.record(keys[2])["id"]


def test_find_similar_from_the_record_header(qtbot, window, wait_idle,
                                             project: Path) -> None:  # type: ignore[no-untyped-def]
    window.models = ModelCache(embedder=TopicEmbedder())
    assert window.open_project(project)
    wait_idle(window)
    window.select_row(3)
    wait_idle(window)
    window.record_view.header.similar_button.click()
    wait_idle(window)
    dialog = window.label_quality.similar_dialog
    truth = [topic for _, topic in dataset()]
    assert dialog.title.text() == f"Similar to d.jsonl:4  (topic: {FLIPS.get(3, truth[3])})"
    table = dialog.by_input.table
    assert table.rowCount() == 10
    # each neighbour's final label beside it, to label alike
    assert table.item(0, 2).text().startswith("topic: ")
