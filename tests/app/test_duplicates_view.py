"""The duplicates view and the diversity chart, over a scanned project (fake embedder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from curator.app.duplicates_view import (
    DETAIL_TAG,
    DIFF_TAG,
    REASON_COLUMN,
    DiversityChart,
    DuplicatesView,
    MemberPanel,
)
from curator.core.checks import similarity as sim
from curator.core.checks.embed import HashingEmbedder
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from tests.fakes import TableEmbedder

SYSTEM = "You are a helpful support assistant."


def _conv(key: str, user: str, answer: str) -> str:
    return json.dumps({"id": key, "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": user},
        {"role": "assistant", "content": answer}]}) + "\n"


@pytest.fixture
def scanned(tmp_path: Path) -> Iterator[Store]:
    data = tmp_path / "data.jsonl"
    data.write_text(
        _conv("a", "How do I reset my password?", "Use the reset link on the sign-in page.")
        + _conv("b", "how do i reset my password?", "Use the reset link on the sign-in page.")
        + _conv("c", "How do I reset my password?", "Use the reset link on the sign-in page.")
        + _conv("d", "Is the Pro plan $29 a month?", "Yes.")
        + _conv("e", "Is the Pro plan $29 a month?", "No.")
        + _conv("f", "Where is my parcel?", "It left our warehouse yesterday."),
        encoding="utf-8")
    with Store.open(tmp_path / "p.curator", create=True) as store:
        run_job(import_files(store, [data]))
        run_job(sim.similarity_scan(store, HashingEmbedder()))
        yield store


def test_lists_groups_and_shows_members_side_by_side(  # type: ignore[no-untyped-def]
        qtbot, scanned: Store) -> None:
    view = DuplicatesView()
    qtbot.addWidget(view)
    view.set_store(scanned)
    kinds = [view.list.topLevelItem(i).text(0) for i in range(view.list.topLevelItemCount())]
    assert kinds == ["Contradiction", "Exact duplicate"]
    assert view.panels == [] and not view.dismiss_button.isEnabled()
    view.list.setCurrentItem(view.list.topLevelItem(1))
    assert [p.member["key"] for p in view.panels] == ["a", "b", "c"]
    assert "Exact duplicate" in view.heading.text()
    view.list.setCurrentItem(view.list.topLevelItem(0))
    assert [p.member["key"] for p in view.panels] == ["d", "e"]
    # The differing answer is highlighted.
    assert "background-color" in view.panels[1].text.toHtml()
    view.filter.setCurrentIndex(3)  # near duplicates only
    assert view.list.topLevelItemCount() == 0


def test_actions_are_signals_and_core_functions_apply_them(  # type: ignore[no-untyped-def]
        qtbot, scanned: Store) -> None:
    view = DuplicatesView()
    qtbot.addWidget(view)
    view.set_store(scanned)
    view.keepRequested.connect(lambda cid, rid: (sim.keep_one(scanned, cid, rid, "tester"),
                                                 view.refresh()))
    view.dismissRequested.connect(lambda cid: (sim.dismiss_cluster(scanned, cid, "tester"),
                                               view.refresh()))
    opened: list[str] = []
    view.openRecordRequested.connect(opened.append)

    exact_id = next(c["id"] for c in sim.clusters(scanned) if c["kind"] == "exact")
    assert view.select_cluster(exact_id)
    with qtbot.waitSignal(view.openRecordRequested):
        qtbot.mouseClick(view.panels[2].open_button, Qt.MouseButton.LeftButton)
    assert opened == ["c"]
    with qtbot.waitSignal(view.keepRequested) as blocker:
        qtbot.mouseClick(view.panels[1].keep_button, Qt.MouseButton.LeftButton)
    keep_id = dict(scanned.db.execute("SELECT key, id FROM records"))["b"]
    assert blocker.args == [exact_id, keep_id]
    reviews = dict(scanned.db.execute("SELECT key, review FROM records"))
    assert (reviews["a"], reviews["b"], reviews["c"]) == ("rejected", "unreviewed", "rejected")
    # The handled group drops out of the list unless asked for.
    assert view.list.topLevelItemCount() == 1
    view.show_resolved.setChecked(True)
    assert view.list.topLevelItemCount() == 2

    view.show_resolved.setChecked(False)
    view.list.setCurrentItem(view.list.topLevelItem(0))
    with qtbot.waitSignal(view.dismissRequested):
        qtbot.mouseClick(view.dismiss_button, Qt.MouseButton.LeftButton)
    assert {f["status"] for f in scanned.findings(kind="contradiction")} == {"dismissed"}
    assert view.list.topLevelItemCount() == 0


def test_empty_project_says_what_to_do(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    view = DuplicatesView()
    qtbot.addWidget(view)
    view.set_store(store)
    assert "Run the duplicate" in view.count_label.text()


def test_diversity_chart_draws_the_report(  # type: ignore[no-untyped-def]
        qtbot, scanned: Store) -> None:
    chart = DiversityChart()
    qtbot.addWidget(chart)
    chart.show_report(sim.diversity_report(scanned))
    assert len(chart.map_chart.series()) == 2
    points = sum(s.count() for s in chart.map_chart.series())
    assert points == 6
    assert len(chart.size_chart.series()) == 1
    assert "6</b> examples" in chart.summary.text()
    chart.show_report({"records": 0, "map": {"points": [], "note": "Run the scan"},
                       "clusters": {"sizes": {}}})
    assert chart.map_chart.series() == [] and chart.map_chart.title() == "Run the scan"


# -- reasons, the representative, the details marked (issue 16) ----------------------


@pytest.fixture
def three_groups(tmp_path: Path) -> Iterator[Store]:
    """A paraphrase pair, a one-detail pair with one answer, and a contradiction."""
    data = tmp_path / "data.jsonl"
    data.write_text(
        _conv("pw1", "How do I reset my password?",
              "Click 'Forgot password' and follow the link we e-mail you.")
        + _conv("pw2", "I forgot my password, how can I set a new one?",
                "Use 'Forgot password'; we e-mail you a link to set a new one.")
        + _conv("sun", "Is the store open on Sunday?", "We are open every day, 9 to 6.")
        + _conv("mon", "Is the store open on Monday?", "We are open every day, 9 to 6.")
        + _conv("ca1", "Do you ship to Canada?", "Yes.")
        + _conv("ca2", "Can you ship to Canada?", "No."),
        encoding="utf-8")
    embedder = TableEmbedder({"password": 0, "link": 1, "open on": 2, "every day": 3,
                              "ship to": 4})
    with Store.open(tmp_path / "p.curator", create=True) as store:
        run_job(import_files(store, [data]))
        run_job(sim.similarity_scan(store, embedder))
        yield store


def shown_group(view: DuplicatesView, reason_start: str) -> tuple[str, list[MemberPanel]]:
    """Select the listed group whose reason starts so; its heading and member panels."""
    for row in range(view.list.topLevelItemCount()):
        item = view.list.topLevelItem(row)
        if item.text(REASON_COLUMN).startswith(reason_start):
            view.list.setCurrentItem(item)
            return view.heading.text(), view.panels
    raise AssertionError(f"no group listed with reason {reason_start!r}")


def test_each_group_is_listed_and_shown_with_its_reason(  # type: ignore[no-untyped-def]
        qtbot, three_groups: Store) -> None:
    view = DuplicatesView()
    qtbot.addWidget(view)
    view.set_store(three_groups)
    assert view.list.headerItem().text(REASON_COLUMN) == "Reason"
    listed = {view.list.topLevelItem(r).text(0): view.list.topLevelItem(r).text(REASON_COLUMN)
              for r in range(view.list.topLevelItemCount())}
    assert listed["Contradiction"] == \
        'the same request, different answers: "yes" / "no"'
    reasons = sorted(view.list.topLevelItem(r).text(REASON_COLUMN)
                     for r in range(view.list.topLevelItemCount())
                     if view.list.topLevelItem(r).text(0) == "Near duplicate")
    assert reasons == ["differs in: sunday / monday", "the same request in other words"]

    heading, panels = shown_group(view, "differs in")
    assert "Why: <b>differs in: sunday / monday</b>" in heading
    # The details the reason names are marked in each member's input, over the diff.
    assert [p.marked(DETAIL_TAG) for p in panels] == [["Sunday"], ["Monday"]]
    heading, panels = shown_group(view, "the same request in other words")
    assert "Why: <b>the same request in other words</b>" in heading
    assert all(p.marked(DETAIL_TAG) == [] for p in panels)
    assert panels[1].marked(DIFF_TAG)            # the rewording is still highlighted
    heading, panels = shown_group(view, "the same request, different answers")
    assert "different answers" in heading
    assert [p.member["key"] for p in panels] in (["ca1", "ca2"], ["ca2", "ca1"])


def test_the_representative_is_marked_and_members_show_their_similarity_to_it(  # type: ignore[no-untyped-def]
        qtbot, three_groups: Store) -> None:
    view = DuplicatesView()
    qtbot.addWidget(view)
    view.set_store(three_groups)
    for reason in ("differs in", "the same request in other words",
                   "the same request, different answers"):
        _, panels = shown_group(view, reason)
        detail = view.detail
        assert detail is not None
        assert panels[0].member["id"] == detail["representative"]
        assert panels[0].badge is not None and panels[0].badge.text() == "Representative"
        assert "the representative: the others are compared with it" in \
            panels[0].facts.text()
        for panel in panels[1:]:
            assert panel.badge is None
            value = panel.member["to_representative"]
            assert isinstance(value, float) and 0.9 < value <= 1.0
            assert f"{value:.2f} to the representative" in panel.facts.text()


def test_the_previous_group_is_never_painted_under_the_next(  # type: ignore[no-untyped-def]
        qtbot, three_groups: Store) -> None:
    view = DuplicatesView()
    qtbot.addWidget(view)
    view.show()
    view.set_store(three_groups)
    _, before = shown_group(view, "differs in")
    before = list(before)
    qtbot.waitUntil(lambda: all(p.isVisible() for p in before))
    _, after = shown_group(view, "the same request in other words")
    # Not yet deleted (deleteLater), but hidden: no overlap in a grab before the loop runs.
    assert all(p.isHidden() for p in before)
    qtbot.waitUntil(lambda: all(p.isVisible() for p in after))
