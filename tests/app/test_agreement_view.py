"""The agreement dashboard widget: tables, heatmap, trend chart and empty state."""

from __future__ import annotations

import pytest
from PySide6.QtCharts import QLineSeries

from curator.app.agreement_view import AgreementView, score_colour
from curator.core.labeling.agreement import AgreementReport, agreement, field_agreement


def _ratings() -> list[tuple[int, str, str]]:
    # ann and bob agree everywhere, cat disagrees on every third item.
    out = []
    for i in range(30):
        value = "xyz"[i % 3]
        out += [(i, "ann", value), (i, "bob", value),
                (i, "cat", "x" if i % 3 == 0 else value if i % 2 else "z")]
    return out


@pytest.fixture
def reports() -> dict[str, AgreementReport]:
    return {
        "topic": agreement(_ratings(), field="topic", bootstrap=100),
        "quality": agreement([(i, a, (i + j) % 5 + 1) for i in range(20)
                              for j, a in enumerate(("ann", "bob"))], "ordinal",
                             field="quality"),
        "notes": field_agreement("notes", "text", [(1, "ann", "hi")]),
    }


@pytest.fixture
def view(qtbot) -> AgreementView:  # type: ignore[no-untyped-def]
    widget = AgreementView()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


def test_view_shows_the_empty_state_without_labels(view: AgreementView) -> None:
    view.show_reports({})
    assert view.is_empty
    assert "No agreement" in view.empty_label.text()


def test_field_table_has_one_row_per_field(view: AgreementView, reports) -> None:
    view.show_reports(reports)
    assert not view.is_empty
    assert view.fields.rowCount() == 3
    assert [view.fields.item(r, 0).text() for r in range(3)] == ["topic", "quality", "notes"]
    topic = reports["topic"]
    alpha_text = view.fields.item(0, 7).text()
    assert alpha_text.startswith(f"{topic.krippendorff_alpha:.3f}")
    assert "[" in alpha_text  # the bootstrap interval
    assert view.fields.item(2, 1).text() == "text"
    assert view.fields.item(2, 7).text() == "—"


def test_heatmap_shows_pairwise_kappa_of_the_selected_field(view: AgreementView,
                                                             reports) -> None:
    view.show_reports(reports)
    assert view.selected_field == "topic"
    heatmap = view.heatmap
    assert heatmap.rowCount() == heatmap.columnCount() == 3
    assert heatmap.item(0, 1).text() == "1.00"  # ann and bob agree on everything
    assert heatmap.item(1, 0).text() == heatmap.item(0, 1).text()  # symmetric
    assert heatmap.item(0, 0).text() == "—"
    assert heatmap.item(0, 1).background().color() == score_colour(1.0)
    assert "quality" not in view.heatmap_title.text()


def test_selecting_a_field_updates_heatmap_and_annotators(qtbot, view: AgreementView,
                                                          reports) -> None:
    view.show_reports(reports)
    with qtbot.waitSignal(view.field_selected) as blocker:
        view.fields.selectRow(1)
    assert blocker.args == ["quality"]
    assert view.heatmap.rowCount() == 2
    assert view.annotators.rowCount() == 2
    assert "quality" in view.heatmap_title.text()
    assert "weighted" in view.heatmap.item(0, 1).toolTip()


def test_annotator_table_lists_each_annotator(view: AgreementView, reports) -> None:
    view.show_reports(reports)
    names = [view.annotators.item(r, 0).text() for r in range(view.annotators.rowCount())]
    assert names == ["ann", "bob", "cat"]
    # Without cat, ann and bob agree perfectly.
    assert view.annotators.item(2, 4).text() == "1.000"


def test_trend_chart_draws_one_line_per_field(view: AgreementView, reports) -> None:
    trend = {"pilot": {"topic": 0.5, "quality": 0.4},
             "batch 2": {"topic": 0.7, "quality": None},
             "batch 3": {"topic": 0.85, "quality": 0.6}}
    view.show_reports(reports, trend)
    assert view.trend.showing_chart
    series = [s for s in view.trend.chart.series() if isinstance(s, QLineSeries)]
    by_name = {s.name(): s for s in series}
    assert set(by_name) == {"topic", "quality", "target α = 0.8"}
    assert [p.y() for p in by_name["topic"].points()] == [0.5, 0.7, 0.85]
    assert len(by_name["quality"].points()) == 2  # the missing batch is skipped


def test_trend_needs_two_batches(view: AgreementView, reports) -> None:
    view.show_reports(reports, {"pilot": {"topic": 0.5}})
    assert not view.trend.showing_chart
    assert "two or more batches" in view.trend.message.text()


def test_redrawing_does_not_pile_up_series(view: AgreementView, reports) -> None:
    trend = {"a": {"topic": 0.5}, "b": {"topic": 0.6}}
    for _ in range(3):
        view.show_reports(reports, trend)
    assert len(view.trend.chart.series()) == 2
    assert len(view.trend.chart.axes()) == 2


def test_selection_survives_a_refresh(view: AgreementView, reports) -> None:
    view.show_reports(reports)
    view.select_field("quality")
    view.show_reports(reports)
    assert view.selected_field == "quality"
    assert view.fields.currentRow() == 1


def test_score_colour_runs_from_red_to_green() -> None:
    low, high = score_colour(-0.2), score_colour(0.95)
    assert low is not None and high is not None
    assert low.red() > low.green() and high.green() > high.red()
    assert score_colour(None) is None
