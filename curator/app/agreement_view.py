"""The agreement dashboard: per-field statistics, pairwise kappas, annotators, trend.

:meth:`AgreementView.show_reports` takes the :class:`AgreementReport` of each label field
(computed off the UI thread by the caller with
:func:`curator.core.labeling.agreement.agreement`) and, optionally, Krippendorff's alpha
per field for each batch in order, and redraws. It never touches the database.

Layout: a table with one row per field; below it, for the field selected in the table,
a heatmap of Cohen's kappa for every pair of annotators and a table of each annotator's
agreement with the others; at the bottom a line chart of alpha across batches. Kappa and
alpha cells are coloured red (0 or less) through amber to green (0.8 and more, the level
Krippendorff recommends for relying on data).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from curator.app.dashboard import ChartPanel
from curator.app.widgets import is_dark
from curator.core.labeling.agreement import AgreementReport

EMPTY_TEXT = ("<b>No agreement to show yet</b><br><br>Agreement appears once two or more "
              "annotators have labelled the same records, for example a pilot batch "
              "labelled by everyone.")
DASH = "—"
TARGET_ALPHA = 0.8  # Krippendorff (2004): rely on data with alpha >= .800
FIELD_COLUMNS = ("Field", "Level", "Items", "Annotators", "Agreement", "Cohen's κ (mean)",
                 "Fleiss' κ", "Krippendorff's α (95% CI)")
ANNOTATOR_COLUMNS = ("Annotator", "Items", "Agreement", "Mean κ", "α without")
ALPHA_TIP = ("Krippendorff's alpha: 1 is perfect agreement, 0 is chance. Rely on data "
             "with α ≥ 0.800; 0.667 is the lowest for tentative conclusions.")


def _num(value: float | None, digits: int = 2) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def score_colour(value: float | None) -> QColor | None:
    """Red at 0 or less, amber at 0.5, green at 0.8 and above; None for no value."""
    if value is None:
        return None
    stops = ((0.0, QColor("#d0473f")), (0.5, QColor("#e3a32b")), (0.8, QColor("#3a9d5d")))
    if value <= stops[0][0]:
        return QColor(stops[0][1])
    for (x0, c0), (x1, c1) in pairwise(stops):
        if value <= x1:
            t = (value - x0) / (x1 - x0)
            return QColor(round(c0.red() + t * (c1.red() - c0.red())),
                          round(c0.green() + t * (c1.green() - c0.green())),
                          round(c0.blue() + t * (c1.blue() - c0.blue())))
    return QColor(stops[-1][1])


def _item(text: str, align_right: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


def _scored(text: str, value: float | None, tip: str = "",
            center: bool = False) -> QTableWidgetItem:
    """A cell whose background shows how good ``value`` is."""
    item = _item(text, align_right=not center, tip=tip)
    if center:
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    colour = score_colour(value)
    if colour is not None:
        item.setBackground(colour)
        item.setForeground(QColor("#ffffff") if colour.lightness() < 150
                           else QColor("#1a1a1a"))
    return item


def _table(columns: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setAccessibleName(name)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name takes the slack
    header.setStretchLastSection(False)
    return table


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


class AgreementView(QWidget):
    """Agreement between annotators, field by field, with a trend across batches."""

    field_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Agreement")
        self._reports: dict[str, AgreementReport] = {}
        self._trend: dict[str, dict[str, float | None]] = {}
        self._field: str | None = None

        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty_label.setAccessibleName("No agreement yet")

        self.fields = _table(FIELD_COLUMNS, "Agreement per field")
        self.fields.horizontalHeaderItem(7).setToolTip(ALPHA_TIP)
        self.fields.itemSelectionChanged.connect(self._on_field_selection)

        self.heatmap_title = _heading("Pairwise Cohen's κ")
        self.heatmap = QTableWidget(0, 0)
        self.heatmap.setAccessibleName("Pairwise Cohen's kappa")
        self.heatmap.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.heatmap.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.heatmap.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.heatmap.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.annotators_title = _heading("Annotators")
        self.annotators = _table(ANNOTATOR_COLUMNS, "Agreement per annotator")
        self.annotators.horizontalHeaderItem(4).setToolTip(
            "Alpha of the other annotators: much higher than the field's alpha means "
            "this annotator disagrees with the rest.")

        self.trend = ChartPanel("Agreement across batches")

        detail = QSplitter(Qt.Orientation.Horizontal)
        detail.setChildrenCollapsible(False)
        for title, widget in ((self.heatmap_title, self.heatmap),
                              (self.annotators_title, self.annotators)):
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(title)
            column.addWidget(widget, 1)
            detail.addWidget(box)
        detail.setSizes([500, 500])

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(_heading("Agreement per field"))
        layout.addWidget(self.fields, 2)
        layout.addWidget(detail, 3)
        trend_row = QHBoxLayout()
        trend_row.addWidget(self.trend, 1)
        layout.addWidget(_heading("Krippendorff's α across batches"))
        layout.addLayout(trend_row, 3)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(page)
        self.page = page
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.show_reports({})

    # -- public --------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty_label

    @property
    def selected_field(self) -> str | None:
        return self._field

    def show_reports(self, reports: Mapping[str, AgreementReport],
                     batches_trend: Mapping[str, Mapping[str, float | None]] | None = None
                     ) -> None:
        """Redraw for these reports (field name -> report) and the optional trend
        (batch name -> field name -> alpha, batches in order)."""
        self._reports = dict(reports)
        self._trend = {b: dict(v) for b, v in (batches_trend or {}).items()}
        labelled = any(r.items for r in self._reports.values())
        self.stack.setCurrentWidget(self.page if labelled else self.empty_label)
        self._fill_fields()
        keep = self._field if self._field in self._reports else None
        first = keep or next((n for n, r in self._reports.items() if r.cohen_pairs),
                             next(iter(self._reports), None))
        self.select_field(first)
        self._draw_trend()

    def select_field(self, name: str | None) -> None:
        """Show the heatmap and annotator table of field ``name``."""
        names = list(self._reports)
        if name in names:
            row = names.index(name)
            if self.fields.currentRow() != row:
                self.fields.selectRow(row)  # comes back through _on_field_selection
                return
        self._field = name if name in self._reports else None
        report = self._reports.get(name) if name else None
        self._fill_heatmap(report)
        self._fill_annotators(report)
        if self._field:
            self.field_selected.emit(self._field)

    # -- tables --------------------------------------------------------------------

    def _on_field_selection(self) -> None:
        rows = self.fields.selectionModel().selectedRows()
        if rows:
            name = list(self._reports)[rows[0].row()]
            if name != self._field:
                self._field = name
                report = self._reports[name]
                self._fill_heatmap(report)
                self._fill_annotators(report)
                self.field_selected.emit(name)

    def _fill_fields(self) -> None:
        table = self.fields
        table.blockSignals(True)
        table.clearContents()
        table.setRowCount(len(self._reports))
        for row, (name, r) in enumerate(self._reports.items()):
            alpha = _num(r.krippendorff_alpha, 3)
            interval = r.ci.intervals.get("krippendorff_alpha") if r.ci else None
            if interval is not None and r.krippendorff_alpha is not None:
                alpha += f"  [{interval[0]:.2f}, {interval[1]:.2f}]"
            level: str = r.level or "text"
            if r.set_distance:
                level += f" ({r.set_distance})"
            cells = [
                _item(name), _item(level), _item(f"{r.items:,}", True),
                _item(str(r.annotators), True),
                _item(_pct(r.percent_agreement), True,
                      "Share of agreeing pairs of ratings per item, averaged over items"),
                _scored(_num(r.cohen_kappa), r.cohen_kappa),
                _scored(_num(r.fleiss_kappa), r.fleiss_kappa,
                        f"Over {r.fleiss_items:,} items with {r.fleiss_raters} ratings each"
                        if r.fleiss_raters else ""),
                _scored(alpha, r.krippendorff_alpha, ALPHA_TIP),
            ]
            for column, cell in enumerate(cells):
                table.setItem(row, column, cell)
        table.blockSignals(False)
        table.resizeColumnsToContents()

    def _fill_heatmap(self, report: AgreementReport | None) -> None:
        table = self.heatmap
        table.clear()
        names = [str(a) for a in report.annotator_names] if report else []
        self.heatmap_title.setText(
            f"Pairwise Cohen's κ — {self._field}" if report else "Pairwise Cohen's κ")
        table.setRowCount(len(names))
        table.setColumnCount(len(names))
        table.setHorizontalHeaderLabels(names)
        table.setVerticalHeaderLabels(names)
        if not report:
            return
        index = {a: i for i, a in enumerate(report.annotator_names)}
        for i in range(len(names)):
            table.setItem(i, i, _item(DASH))
            table.item(i, i).setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        for pair in report.cohen_pairs:
            i, j = index[pair.a], index[pair.b]
            tip = (f"{pair.a} and {pair.b}: κ {_num(pair.kappa, 3)} over {pair.items:,} "
                   f"shared items, {_pct(pair.percent_agreement)} agreement")
            if pair.kappa_quadratic is not None:
                tip += (f"; weighted κ linear {_num(pair.kappa_linear, 3)}, "
                        f"quadratic {_num(pair.kappa_quadratic, 3)}")
            for a, b in ((i, j), (j, i)):
                table.setItem(a, b, _scored(_num(pair.kappa), pair.kappa, tip, center=True))

    def _fill_annotators(self, report: AgreementReport | None) -> None:
        table = self.annotators
        rows = report.per_annotator if report else ()
        table.clearContents()
        table.setRowCount(len(rows))
        for row, a in enumerate(rows):
            cells = [_item(str(a.annotator)), _item(f"{a.items:,}", True),
                     _item(_pct(a.percent_agreement), True),
                     _scored(_num(a.cohen_kappa), a.cohen_kappa),
                     _item(_num(a.alpha_without, 3), True)]
            for column, cell in enumerate(cells):
                table.setItem(row, column, cell)
        table.resizeColumnsToContents()

    # -- trend chart ---------------------------------------------------------------

    def _draw_trend(self) -> None:
        panel, chart = self.trend, self.trend.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        dark = is_dark(self.palette())
        chart.setTheme(chart.ChartTheme.ChartThemeDark if dark
                       else chart.ChartTheme.ChartThemeLight)
        chart.setBackgroundVisible(False)
        chart.setPlotAreaBackgroundVisible(False)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        batches = list(self._trend)
        fields = list(dict.fromkeys(f for values in self._trend.values() for f in values))
        points = [(b, f, self._trend[b].get(f)) for b in batches for f in fields]
        if len(batches) < 2 or all(v is None for _, _, v in points):
            panel.show_message("No trend yet", "The trend appears once two or more "
                               "batches have labels from several annotators.")
            return
        x_axis = QBarCategoryAxis()
        x_axis.append(batches)
        lowest = min([0.0] + [v for _, _, v in points if v is not None])
        bottom = math.floor(lowest / 0.2) * 0.2  # alpha can be negative: whole 0.2 steps
        y_axis = QValueAxis()
        y_axis.setRange(bottom, 1.0)
        y_axis.setLabelFormat("%.1f")
        y_axis.setTickCount(round((1.0 - bottom) / 0.2) + 1)
        for axis in (x_axis, y_axis):
            axis.setLabelsBrush(text)
            axis.setLabelsFont(self.font())
            grid = QColor(text)
            grid.setAlpha(40)
            axis.setGridLineColor(grid)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        target = QLineSeries()
        target.setName(f"target α = {TARGET_ALPHA}")
        target.append(0, TARGET_ALPHA)
        target.append(len(batches) - 1, TARGET_ALPHA)
        pen = QPen(QColor("#3a9d5d"))
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setWidthF(1.5)
        target.setPen(pen)
        all_series = [target]
        for name in fields:
            series = QLineSeries()
            series.setName(name)
            series.setPointsVisible(True)
            for x, batch in enumerate(batches):
                value = self._trend[batch].get(name)
                if value is not None:
                    series.append(x, value)
            all_series.append(series)
        for series in all_series:
            chart.addSeries(series)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
        for series in all_series[1:]:
            line = QPen(series.pen())
            line.setWidthF(2.5)
            series.setPen(line)
        legend = chart.legend()
        legend.setVisible(True)
        legend.setAlignment(Qt.AlignmentFlag.AlignRight)
        legend.setLabelColor(text)
        panel.show_chart("Krippendorff's alpha per batch: " + "; ".join(
            f"{b}: " + ", ".join(f"{f} {_num(self._trend[b].get(f))}" for f in fields)
            for b in batches) + ".")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "trend"):
            self._fill_fields()
            self.select_field(self._field)
            self._draw_trend()

    def report(self, name: str) -> AgreementReport | None:
        return self._reports.get(name)

    def summary(self) -> dict[str, Any]:
        """What is shown, as plain data (for tests and accessibility checks)."""
        return {"fields": list(self._reports), "selected": self._field,
                "empty": self.is_empty, "batches": list(self._trend)}
