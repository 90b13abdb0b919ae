"""Pairwise labelling is blind in the record view too (issue 17): while a pairwise field
is labelled beside it (the labelling dock open) or in an annotation pack, the record
view shows a pair's answers in the panel's order as Answer 1 and Answer 2, with no
Chosen/Rejected pill, swap button or finding text that says which the file prefers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QListWidget, QWidget

from curator.app.findings_panel import FindingsPanel
from curator.app.pairwise_box import PairwiseBox
from curator.app.record_view import RecordView
from curator.core.jobs import run_job
from curator.core.labeling import assignment as asg
from curator.core.labeling import schema as sch
from curator.core.labeling.packs import export_pack
from curator.core.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
SIDE_WORDS = ("chosen", "rejected")


@pytest.fixture
def pairs_project(tmp_path: Path) -> Path:
    """The OpenAI preference sample, a pairwise field, alice and bob both given every
    pair in a batch."""
    from curator.core.ingest import import_files

    path = tmp_path / "pairs.curator"
    with Store.open(path, create=True) as store:
        run_job(import_files(store, [DATA / "openai_dpo_example.jsonl"], "auto"))
        sch.add_field(store, "better", "pairwise", description="Which answer helps more?")
        ids = [r for (r,) in store.db.execute(
            "SELECT id FROM records WHERE format = 'preference' ORDER BY id LIMIT 8")]
        for name in ("alice", "bob"):
            asg.add_annotator(store, name)
        asg.create_batch(store, "round1", ids, ["alice", "bob"], overlap=2)
    return path


def hand_out(project: Path, annotator: str, folder: Path) -> Path:
    pack = folder / f"{annotator}.curatorpack"
    with Store.open(project) as store:
        run_job(export_pack(store, pack, annotator, "round1", actor="coord"))
    return pack


def visible_texts(root: QWidget) -> list[str]:
    """The text of every visible label, button and list item under ``root`` (what the
    reader sees besides the messages' own text)."""
    texts: list[str] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QListWidget):
            texts.extend(widget.item(i).text() for i in range(widget.count()))
    return texts


def leaks(root: QWidget) -> list[str]:
    return [t for t in visible_texts(root) if any(w in t.lower() for w in SIDE_WORDS)]


def panel_answers(qtbot, win) -> list[str]:  # type: ignore[no-untyped-def]
    box = next(b for b in win.labeling.boxes if isinstance(b, PairwiseBox))
    qtbot.waitUntil(box.isVisible)  # a new field's row shows at the next event loop turn
    assert box.pair is not None
    return [text.toPlainText() for text in box.answers]


def view_answers(win) -> list[str]:  # type: ignore[no-untyped-def]
    answers = win.record_view.scroll.answers
    assert answers is not None
    return ["\n".join(bubble.full_text for bubble in column) for column in answers.columns]


def open_dock(qtbot, win) -> None:  # type: ignore[no-untyped-def]
    """Labels → Label (Ctrl+L) until the labelling dock shows (it toggles)."""
    if not win.label_dock.isVisible() or not win.labeling.hasFocus():
        win.toggle_labeling()
    qtbot.waitUntil(win.label_dock.isVisible)


def shown_orders(qtbot, win, wait_idle) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """For every row of the records table: the record view's answers (checked against
    the panel's, and for leaks), by record key."""
    out = {}
    for row in range(win.model.rowCount()):
        win.select_row(row)
        wait_idle(win)
        key = win.record_view.detail["key"]
        assert win.record_view.scroll.answers is not None, key
        assert view_answers(win) == panel_answers(qtbot, win), key
        assert leaks(win.record_view) == [], key
        assert not win.record_view.scroll.answers.swap_button.isVisible()
        out[key] = view_answers(win)
    return out


def test_a_pack_shows_the_pair_blind_in_each_annotators_order(
        qtbot, window, wait_idle, pairs_project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    orders = {}
    for name in ("alice", "bob"):
        assert window.open_project(hand_out(pairs_project, name, tmp_path))
        wait_idle(window)
        assert window.labeling.annotator == name and window.label_dock.isVisible()
        orders[name] = shown_orders(qtbot, window, wait_idle)
        assert len(orders[name]) == 8
        # blind in a pack even with the labelling panel closed
        window.label_dock.hide()
        window.select_row(1)
        wait_idle(window)
        assert window.record_view.scroll.answers is not None
        assert leaks(window.record_view) == []
        assert window.record_view.scroll.answers.blind
    assert orders["alice"].keys() == orders["bob"].keys()
    assert any(orders["alice"][k] != orders["bob"][k] for k in orders["alice"])
    # the same two answers each time, only their places differ
    assert all(sorted(orders["alice"][k]) == sorted(orders["bob"][k]) for k in orders["bob"])


def test_the_project_window_is_blind_while_the_dock_labels_a_pair(
        qtbot, window, wait_idle, pairs_project: Path) -> None:  # type: ignore[no-untyped-def]
    assert window.open_project(pairs_project)
    wait_idle(window)
    orders = {}
    for name in ("alice", "bob"):
        window.set_user(name, remember=False)
        open_dock(qtbot, window)
        orders[name] = shown_orders(qtbot, window, wait_idle)
    assert any(orders["alice"][k] != orders["bob"][k] for k in orders["alice"])
    # both columns fit the record view beside the dock (nothing cut at the right)
    scroll = window.record_view.scroll
    qtbot.waitUntil(lambda: scroll.conversation.width() == scroll.viewport().width())
    assert scroll.conversation.minimumSizeHint().width() <= scroll.viewport().width()

    # reviewer mode: the dock closed, the pills and the swap button are back
    window.label_dock.hide()
    qtbot.waitUntil(lambda: "Chosen" in visible_texts(window.record_view))
    texts = visible_texts(window.record_view)
    assert "Rejected" in texts and "Swap chosen and rejected" in texts
    answers = window.record_view.scroll.answers
    assert answers is not None and not answers.blind and answers.ranks == [0, 1]

    # and blind again when the dock opens
    open_dock(qtbot, window)
    qtbot.waitUntil(lambda: not leaks(window.record_view))
    assert view_answers(window) == panel_answers(qtbot, window)


def test_swap_is_refused_while_labelling_blind(
        qtbot, window, wait_idle, pairs_project: Path) -> None:  # type: ignore[no-untyped-def]
    assert window.open_project(pairs_project)
    wait_idle(window)
    window.set_user("alice", remember=False)
    open_dock(qtbot, window)
    window.select_row(0)
    wait_idle(window)
    before = window.record_view.detail["revision"]
    window.records.swap_answers()
    wait_idle(window)
    assert "Labelling blind" in window.statusBar().currentMessage()
    assert window.undo_stack.count() == 0
    assert window.record_view.detail["revision"] == before


def test_findings_naming_a_side_and_the_raw_line_are_hidden_blind(qtbot) -> None:  # type: ignore[no-untyped-def]
    from curator.app.findings_panel import BLIND_NOTE

    panel = FindingsPanel()
    qtbot.addWidget(panel)
    findings = [{"id": 1, "code": "invalid_preference_output", "severity": "error",
                 "description": 'The non-preferred answer ("non_preferred_output") is '
                                "empty."},
                {"id": 2, "code": "too_long", "severity": "warning",
                 "description": "The prompt is long."}]
    panel.blind = True
    panel.show_findings(findings)
    shown = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert BLIND_NOTE in shown[0] and "preferred" not in shown[0].replace(BLIND_NOTE, "")
    assert "The prompt is long." in shown[1]
    panel.blind = False
    panel.show_findings(findings)
    assert "non-preferred answer" in panel.list.item(0).text()

    view = RecordView()
    qtbot.addWidget(view)
    view.blind_order = lambda _rid: []  # blind, and not a pair
    view.resize(700, 600)
    view.show()
    detail = {"id": 3, "key": "x:1", "valid": False, "error": "Unterminated string",
              "raw": b'{"chosen": "yes", "rejected": "no', "findings": []}
    view.show_record(detail)
    assert not view.raw_view.isVisible()
    assert "hidden while labelling blind" in view.raw_caption.text()
    view.blind_order = None
    view.show_record(detail)
    assert view.raw_view.isVisible() and '"chosen"' in view.raw_view.toPlainText()
