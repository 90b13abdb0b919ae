"""The dashboard widget draws exactly the data it is given."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QChart, QPieSeries
from PySide6.QtGui import QColor, QPalette

from curator.app.dashboard import Dashboard

DATA: dict[str, Any] = {
    "records": 1200, "valid": 1150, "invalid": 50,
    "review": {"unreviewed": 788, "accepted": 300, "rejected": 70, "needs-edit": 42},
    "reviewed": 412,
    "open_findings": 95,
    "findings_by_kind": {"schema": 60, "pii": 30, "tokens": 5},
    "top_codes": [
        {"kind": "schema", "code": "invalid_json", "severity": "error", "count": 50},
        {"kind": "pii", "code": "email_address", "severity": "warning", "count": 30},
        {"kind": "schema", "code": "duplicate_id", "severity": "warning", "count": 10},
        {"kind": "tokens", "code": "too_many_tokens", "severity": "error", "count": 5},
    ],
    "codes": 4,
    "tokens": {"edges": [0, 50, 100, 150, 200], "counts": [400, 500, 200, 50],
               "min": 3, "max": 199, "counted": 1150, "open_ended": False},
    "sources": [{"id": 1, "name": "a.jsonl", "records": 1200, "valid": 1150,
                 "invalid": 50}],
}


@pytest.fixture
def dash(qtbot) -> Dashboard:  # type: ignore[no-untyped-def]
    widget = Dashboard()
    qtbot.addWidget(widget)
    widget.resize(1100, 750)
    widget.show()
    return widget


def bar_values(chart: QChart) -> dict[str, list[float]]:
    (series,) = chart.series()
    return {bar_set.label(): [bar_set.at(i) for i in range(bar_set.count())]
            for bar_set in series.barSets()}


def categories(chart: QChart) -> list[str]:
    axes = [a for a in chart.axes() if isinstance(a, QBarCategoryAxis)]
    assert len(axes) == 1
    return axes[0].categories()


def test_tiles_show_the_numbers(dash: Dashboard) -> None:
    dash.show_data(DATA)
    assert {key: tile.value.text() for key, tile in dash.tiles.items()} == {
        "records": "1,200", "valid": "1,150", "invalid": "50", "open_findings": "95"}
    assert dash.tiles["records"].accessibleName() == "Records: 1,200"
    assert not dash.empty_label.isVisible()


def test_review_donut(dash: Dashboard) -> None:
    dash.show_data(DATA)
    assert dash.review_chart.title() == "412 of 1,200 reviewed"
    (series,) = dash.review_chart.series()
    assert isinstance(series, QPieSeries)
    assert {s.label(): s.value() for s in series.slices()} == {
        "Accepted": 300, "Needs edit": 42, "Rejected": 70, "Unreviewed": 788}
    assert "788" in dash.review_panel.legend.text()
    assert "66%" in dash.review_panel.legend.text()
    assert dash.review_panel.showing_chart


def test_findings_by_kind_bars(dash: Dashboard) -> None:
    dash.show_data(DATA)
    assert categories(dash.kind_chart) == ["schema", "pii", "tokens"]
    assert bar_values(dash.kind_chart) == {"Open findings": [60, 30, 5]}


def test_top_codes_bars_coloured_by_severity(dash: Dashboard) -> None:
    dash.show_data(DATA)
    # Bottom to top: the most frequent code is drawn last, at the top.
    assert categories(dash.codes_chart) == ["too_many_tokens", "duplicate_id",
                                            "email_address", "invalid_json"]
    values = bar_values(dash.codes_chart)
    assert values == {"Error": [5, 0, 0, 50], "Warning": [0, 10, 30, 0]}


def test_long_code_names_are_shortened_in_the_middle(dash: Dashboard) -> None:
    long = "a_very_long_finding_code_name_that_would_not_fit_beside_the_bars"
    data = {**DATA, "top_codes": [
        {"kind": "quality", "code": long, "severity": "info", "count": 3}]}
    dash.show_data(data)
    (label,) = categories(dash.codes_chart)
    assert label.startswith("a_very") and label.endswith("bars") and "…" in label
    assert long in dash.codes_panel.accessibleDescription()


def test_token_histogram(dash: Dashboard) -> None:
    dash.show_data(DATA)
    assert categories(dash.tokens_chart) == ["0", "50", "100", "150"]
    assert bar_values(dash.tokens_chart) == {"Records": [400, 500, 200, 50]}
    open_ended = {**DATA, "tokens": {**DATA["tokens"], "edges": [0, 500, 1000, 9001],
                                     "counts": [1, 2, 3], "open_ended": True}}
    dash.show_data(open_ended)
    assert categories(dash.tokens_chart) == ["0", "500", "1,000+"]


def test_show_data_twice_replaces_series(dash: Dashboard) -> None:
    dash.show_data(DATA)
    charts = (dash.review_chart, dash.kind_chart, dash.codes_chart, dash.tokens_chart)
    first = [(len(c.series()), len(c.axes())) for c in charts]
    changed = {**DATA, "findings_by_kind": {"schema": 7}}
    dash.show_data(changed)
    dash.show_data(changed)
    assert [(len(c.series()), len(c.axes())) for c in charts] == first
    assert [len(c.series()) for c in charts] == [1, 1, 1, 1]
    assert bar_values(dash.kind_chart) == {"Open findings": [7]}
    assert categories(dash.kind_chart) == ["schema"]


def test_empty_data(dash: Dashboard) -> None:
    for data in ({}, {"records": 0, "valid": 0, "invalid": 0, "tokens": {"edges": [],
                                                                         "counts": []}}):
        dash.show_data(data)
        assert dash.empty_label.isVisible()
        assert "No data yet" in dash.empty_label.text()
        for panel in (dash.review_panel, dash.kind_panel, dash.codes_panel,
                      dash.tokens_panel):
            assert not panel.showing_chart
            assert "No data yet" in panel.message.text()
            assert panel.chart.series() == []
        assert dash.tiles["records"].value.text() == "0"
    assert not dash.grab().isNull()


def test_empty_after_data_clears_the_charts(dash: Dashboard) -> None:
    dash.show_data(DATA)
    dash.show_data({})
    assert all(c.series() == [] for c in (dash.review_chart, dash.kind_chart,
                                          dash.codes_chart, dash.tokens_chart))


def test_no_findings_and_no_tokens_yet(dash: Dashboard) -> None:
    data = {**DATA, "open_findings": 0, "findings_by_kind": {}, "top_codes": [],
            "codes": 0, "tokens": {"edges": [], "counts": [], "counted": 0}}
    dash.show_data(data)
    assert dash.review_panel.showing_chart
    assert not dash.kind_panel.showing_chart
    assert "No open findings" in dash.kind_panel.message.text()
    assert not dash.tokens_panel.showing_chart
    assert "scan" in dash.tokens_panel.message.text()


def test_accessible_names(dash: Dashboard) -> None:
    dash.show_data(DATA)
    assert dash.accessibleName() == "Dashboard"
    for panel in (dash.review_panel, dash.kind_panel, dash.codes_panel,
                  dash.tokens_panel):
        assert panel.accessibleName().endswith("chart")
        assert panel.view.accessibleName() == panel.accessibleName()
        assert panel.accessibleDescription()
    assert "412 of 1,200 reviewed" in dash.review_panel.accessibleDescription()
    assert all(tile.accessibleName() for tile in dash.tiles.values())


def test_chart_theme_follows_the_palette(dash: Dashboard) -> None:
    dash.show_data(DATA)
    light = QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("#f4f4f4"))
    light.setColor(QPalette.ColorRole.WindowText, QColor("#111111"))
    dash.setPalette(light)
    assert dash.kind_chart.theme() == QChart.ChartTheme.ChartThemeLight
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#222222"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#eeeeee"))
    dash.setPalette(dark)
    assert dash.kind_chart.theme() == QChart.ChartTheme.ChartThemeDark
    assert dash.kind_chart.titleBrush().color() == QColor("#eeeeee")
    assert not dash.kind_chart.isBackgroundVisible()
    assert bar_values(dash.kind_chart) == {"Open findings": [60, 30, 5]}  # redrawn once
