"""The dashboard tab: big-number tiles and four QtCharts charts of a project.

:meth:`Dashboard.show_data` takes the plain dict from
:func:`curator.core.store.summary.dashboard_data` (fetched off the UI thread by the
caller) and redraws; it never touches the database. Each chart keeps one ``QChart``
whose series and axes are replaced on every call, so redrawing never piles up series.
Colours follow the system palette: the chart theme is picked from the window colour's
lightness, backgrounds are transparent and text uses the palette's text colour.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from curator.app.widgets import is_dark

REVIEW_STATES = (  # (state, legend label, colour)
    ("accepted", "Accepted", "#3a9d5d"),
    ("needs-edit", "Needs edit", "#d99a1e"),
    ("rejected", "Rejected", "#d0473f"),
    ("unreviewed", "Unreviewed", None),  # None: the palette's mid colour
)
SEVERITY_COLOURS = {"error": "#d0473f", "warning": "#d99a1e", "info": "#3f7fd0",
                    "unknown": "#8a8a8a"}
TILES = (("records", "Records"), ("valid", "Valid"), ("invalid", "Invalid"),
         ("open_findings", "Open findings"))
NO_DATA = "No data yet"
CODE_LABEL_PIXELS = 60


def _elide(text: str, limit: int) -> str:
    """``text`` cut in the middle to at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def _unique(labels: list[str]) -> list[str]:
    """Category labels made distinct (a bar axis merges equal ones)."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _n(value: int) -> str:
    return f"{value:,}"


def _nice_max(value: int) -> int:
    """An axis maximum a little above ``value`` on a round number, at least 1."""
    if value <= 0:
        return 1
    target = value * 1.1
    scale = 1
    while scale * 10 <= target:
        scale *= 10
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * scale >= target:
            return int(step * scale) if step * scale >= 1 else 1
    return int(10 * scale)


def _bucket_labels(edges: list[int], open_ended: bool) -> list[str]:
    labels = []
    last = len(edges) - 2
    for i in range(len(edges) - 1):
        if open_ended and i == last:
            labels.append(f"{edges[i]:,}+")
        else:
            labels.append(f"{edges[i]:,}")
    return labels


class Tile(QFrame):
    """A big number over a caption."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardTile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption = caption
        self.value = QLabel("0")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 2.2 if font.pointSizeF() > 0 else 22)
        font.setBold(True)
        self.value.setFont(font)
        label = QLabel(caption)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addWidget(self.value)
        layout.addWidget(label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_value(0)

    def set_value(self, value: int) -> None:
        self.value.setText(_n(value))
        self.setAccessibleName(f"{self.caption}: {_n(value)}")
        self.value.setAccessibleName(self.accessibleName())


class ChartPanel(QStackedWidget):
    """A chart view, or a centred message when there is nothing to draw."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setStyleSheet("background: transparent")
        self.view.setMinimumSize(160, 140)
        self.message = QLabel(NO_DATA)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted
        self.legend = QLabel()  # an HTML legend beside the chart, when given one
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setVisible(False)
        self.legend.setAccessibleName(name + " legend")
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.view, 1)
        row.addWidget(self.legend, 0, Qt.AlignmentFlag.AlignVCenter)
        self.page = page
        self.addWidget(page)
        self.addWidget(self.message)
        self.setAccessibleName(name)
        self.view.setAccessibleName(name)
        self.message.setAccessibleName(name)

    def show_chart(self, description: str) -> None:
        self.setCurrentWidget(self.page)
        self.setAccessibleDescription(description)
        self.view.setAccessibleDescription(description)

    def show_message(self, title: str, text: str) -> None:
        self.message.setText(f"<b>{title}</b><br><br>{text}")
        self.setCurrentWidget(self.message)
        self.setAccessibleDescription(text)
        self.message.setAccessibleDescription(text)

    @property
    def showing_chart(self) -> bool:
        return self.currentWidget() is self.page


class Dashboard(QWidget):
    """Tiles (records, valid, invalid, open findings) and four charts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Dashboard")
        self._data: dict[str, Any] | None = None
        #: The code labels' room when they were drawn (they are drawn again on resize).
        self._code_pixels = CODE_LABEL_PIXELS
        self._redraw = QTimer(self, singleShot=True, interval=120)
        self._redraw.timeout.connect(self._redraw_codes)

        self.tiles: dict[str, Tile] = {}
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        for key, caption in TILES:
            tile = Tile(caption)
            self.tiles[key] = tile
            tiles.addWidget(tile)

        self.empty_label = QLabel(NO_DATA + ": import files and run a scan to fill "
                                  "the dashboard.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setAccessibleName("Dashboard status")

        self.review_panel = ChartPanel("Review progress chart")
        self.kind_panel = ChartPanel("Open findings by kind chart")
        self.codes_panel = ChartPanel("Top finding codes chart")
        self.tokens_panel = ChartPanel("Token length histogram chart")
        self.review_chart = self.review_panel.chart
        self.kind_chart = self.kind_panel.chart
        self.codes_chart = self.codes_panel.chart
        self.tokens_chart = self.tokens_panel.chart
        # Room on the right for the last, slanted bucket label.
        self.tokens_chart.setMargins(QMargins(4, 4, 28, 4))

        grid = QGridLayout()
        grid.setSpacing(8)
        # Review and kinds on top, the histogram below them; the codes (up to 15
        # labelled bars) get the full height on the right.
        grid.addWidget(self.review_panel, 0, 0)
        grid.addWidget(self.kind_panel, 0, 1)
        grid.addWidget(self.tokens_panel, 1, 0, 1, 2)
        grid.addWidget(self.codes_panel, 0, 2, 2, 1)
        # The codes column is the widest: its labels are code names.
        for column, stretch in enumerate((2, 2, 3)):
            grid.setColumnStretch(column, stretch)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        layout.addLayout(tiles)
        layout.addWidget(self.empty_label)
        layout.addLayout(grid, 1)
        self.show_data({})

    # -- data ------------------------------------------------------------------------

    def show_data(self, data: dict[str, Any]) -> None:
        """Redraw from :func:`~curator.core.store.summary.dashboard_data`'s dict."""
        self._data = dict(data or {})
        data = self._data
        for key, tile in self.tiles.items():
            tile.set_value(int(data.get(key, 0) or 0))
        empty = not data.get("records")
        self.empty_label.setVisible(empty)
        for panel in (self.review_panel, self.kind_panel, self.codes_panel,
                      self.tokens_panel):
            self._reset(panel.chart)
        self._draw_review(data, empty)
        self._draw_kinds(data, empty)
        self._draw_codes(data, empty)
        self._draw_tokens(data, empty)

    def _reset(self, chart: QChart) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        # A theme recolours what exists, so it is set on the empty chart, then the
        # palette overrides (transparent backgrounds, palette text) go on top.
        dark = is_dark(self.palette())
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark
                       else QChart.ChartTheme.ChartThemeLight)
        chart.setBackgroundVisible(False)
        chart.setPlotAreaBackgroundVisible(False)
        chart.setBackgroundRoundness(0)
        chart.setTitle("")
        text = self.palette().color(QPalette.ColorRole.WindowText)
        chart.setTitleBrush(text)
        title_font = QFont(self.font())
        title_font.setBold(True)
        title_font.setPointSizeF(max(self.font().pointSizeF(), 9) + 1)
        chart.setTitleFont(title_font)
        legend = chart.legend()
        legend.setLabelColor(text)
        legend.setFont(self.font())
        legend.setVisible(False)

    def _style_axis(self, axis: Any, grid: bool = True) -> None:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        axis.setLabelsBrush(text)
        axis.setLabelsFont(self.font())
        line = QColor(pal.color(QPalette.ColorRole.Mid))
        axis.setLinePenColor(line)
        grid_colour = QColor(text)
        grid_colour.setAlpha(40)
        axis.setGridLineColor(grid_colour)
        axis.setGridLineVisible(grid)
        axis.setMinorGridLineVisible(False)

    def _value_axis(self, maximum: int) -> QValueAxis:
        axis = QValueAxis()
        axis.setRange(0, _nice_max(maximum))
        axis.setLabelFormat("%d")
        top = _nice_max(maximum)
        ticks = 5
        for candidate in (5, 6, 4, 3, 2):
            if top % (candidate - 1) == 0:
                ticks = candidate
                break
        if top < 4:
            ticks = top + 1
        axis.setTickCount(ticks)
        self._style_axis(axis)
        return axis

    def _bar_labels(self, series: QAbstractBarSeries) -> None:
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        for bar_set in series.barSets():
            bar_set.setLabelColor(self.palette().color(QPalette.ColorRole.WindowText))
            bar_set.setLabelFont(self.font())

    def _draw_review(self, data: dict[str, Any], empty: bool) -> None:
        panel, chart = self.review_panel, self.review_chart
        total = int(data.get("records", 0) or 0)
        review = data.get("review", {}) or {}
        reviewed = int(data.get("reviewed", total - review.get("unreviewed", total)) or 0)
        title = f"{_n(reviewed)} of {_n(total)} reviewed"
        if empty:
            panel.show_message("Review progress", NO_DATA)
            return
        chart.setTitle(title)
        series = QPieSeries()
        series.setHoleSize(0.55)
        series.setPieSize(0.8)
        mid = self.palette().color(QPalette.ColorRole.Mid)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        parts, rows = [], []
        for state, label, colour in REVIEW_STATES:
            count = int(review.get(state, 0) or 0)
            pie_slice = series.append(label, count)
            pie_slice.setColor(QColor(colour) if colour else mid)
            pie_slice.setBorderColor(self.palette().color(QPalette.ColorRole.Window))
            pie_slice.setLabelVisible(False)
            parts.append(f"{label} {_n(count)}")
            share = f"{count / total:.0%}" if total else ""
            rows.append(f'<tr><td style="color:{pie_slice.color().name()}">&#9632;</td>'
                        f"<td>{label}</td><td align=right>&nbsp;{_n(count)}</td>"
                        f'<td align=right style="color:{muted}">&nbsp;{share}</td></tr>')
        chart.addSeries(series)
        # The chart's own legend would be squeezed to a third of the width and elide
        # the counts, so the legend is a label beside the chart.
        panel.legend.setText("<table cellspacing=2>" + "".join(rows) + "</table>")
        panel.legend.setVisible(True)
        panel.show_chart(f"{title}: " + ", ".join(parts) + ".")

    def _draw_kinds(self, data: dict[str, Any], empty: bool) -> None:
        panel, chart = self.kind_panel, self.kind_chart
        kinds: dict[str, int] = dict(data.get("findings_by_kind", {}) or {})
        if empty:
            panel.show_message("Open findings by kind", NO_DATA)
            return
        if not kinds:
            panel.show_message("Open findings by kind",
                               "No open findings. Run a scan to check the records.")
            return
        chart.setTitle(f"Open findings by kind ({_n(sum(kinds.values()))})")
        bar_set = QBarSet("Open findings")
        bar_set.append([float(v) for v in kinds.values()])
        bar_set.setColor(QColor("#3f7fd0"))
        bar_set.setBorderColor(QColor("#3f7fd0"))
        series = QBarSeries()
        series.append(bar_set)
        series.setBarWidth(min(0.7, 0.2 + 0.1 * len(kinds)))
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([_elide(kind, 16) for kind in kinds])
        self._style_axis(categories, grid=False)
        categories.setTruncateLabels(False)
        if len(kinds) > 4:
            categories.setLabelsAngle(-30)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        values = self._value_axis(max(kinds.values()))
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values)
        self._bar_labels(series)
        panel.show_chart("Open findings by kind: " + ", ".join(
            f"{kind} {_n(n)}" for kind, n in kinds.items()) + ".")

    def _draw_codes(self, data: dict[str, Any], empty: bool) -> None:
        panel, chart = self.codes_panel, self.codes_chart
        codes: list[dict[str, Any]] = list(data.get("top_codes", []) or [])
        if empty:
            panel.show_message("Top finding codes", NO_DATA)
            return
        if not codes:
            panel.show_message("Top finding codes", "No open findings.")
            return
        shown = len(codes)
        total = int(data.get("codes", shown) or shown)
        chart.setTitle("Top finding codes" if total <= shown
                       else f"Top {shown} of {_n(total)} finding codes")
        # Label by code; add the kind when one code name appears under two kinds.
        names = [c["code"] for c in codes]
        full = [f"{c['kind']}: {c['code']}" if names.count(c["code"]) > 1 else c["code"]
                for c in codes]
        # Labels longer than the room the chart can spare are cut in the middle, which
        # keeps both ends of a code (the room grows with the chart: redrawn on resize).
        metrics = QFontMetrics(self.font())
        self._code_pixels = self._code_label_pixels()
        labels = _unique([metrics.elidedText(label, Qt.TextElideMode.ElideMiddle,
                                             self._code_pixels) for label in full])
        # Horizontal bars draw the first category at the bottom: reverse so the most
        # frequent code is on top. One bar set per severity, stacked, colours each bar
        # by its severity (a bar has a value in its own severity's set only).
        order = list(range(len(codes)))[::-1]
        severities = [s for s in SEVERITY_COLOURS if any(c["severity"] == s for c in codes)]
        severities += sorted({c["severity"] for c in codes} - set(severities))
        series = QHorizontalStackedBarSeries()
        series.setBarWidth(min(0.75, 0.25 + 0.1 * len(codes)))
        for severity in severities:
            bar_set = QBarSet(severity.capitalize())
            colour = QColor(SEVERITY_COLOURS.get(severity, SEVERITY_COLOURS["unknown"]))
            bar_set.setColor(colour)
            bar_set.setBorderColor(colour)
            bar_set.append([float(codes[i]["count"]) if codes[i]["severity"] == severity
                            else 0.0 for i in order])
            series.append(bar_set)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([labels[i] for i in order])
        # Cut once, in the middle, to a share of the width the chart can spare (QtCharts
        # would cut the end again, sooner than it needs to).
        categories.setTruncateLabels(False)
        self._style_axis(categories, grid=False)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        values = self._value_axis(max(int(c["count"]) for c in codes))
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(values)
        legend = chart.legend()
        legend.setVisible(True)
        legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
        legend.setLabelColor(self.palette().color(QPalette.ColorRole.WindowText))
        panel.show_chart("Top finding codes: " + ", ".join(
            f"{label} ({c['severity']}) {_n(int(c['count']))}"
            for label, c in zip(full, codes, strict=False)) + ".")

    def _draw_tokens(self, data: dict[str, Any], empty: bool) -> None:
        panel, chart = self.tokens_panel, self.tokens_chart
        tokens: dict[str, Any] = dict(data.get("tokens", {}) or {})
        edges: list[int] = list(tokens.get("edges", []) or [])
        counts: list[int] = list(tokens.get("counts", []) or [])
        if empty:
            panel.show_message("Token lengths", NO_DATA)
            return
        if not counts or len(edges) != len(counts) + 1:
            panel.show_message("Token lengths",
                               "No token counts yet. Run a scan to count tokens.")
            return
        counted = int(tokens.get("counted", sum(counts)) or 0)
        chart.setTitle(f"Tokens per record ({_n(counted)} records, "
                       f"{_n(int(tokens.get('min', edges[0]) or 0))}–"
                       f"{_n(int(tokens.get('max', edges[-1]) or 0))})")
        bar_set = QBarSet("Records")
        bar_set.append([float(c) for c in counts])
        bar_set.setColor(QColor("#3f9fb0"))
        bar_set.setBorderColor(QColor("#3f9fb0"))
        series = QBarSeries()
        series.append(bar_set)
        series.setBarWidth(0.9)
        chart.addSeries(series)
        labels = _bucket_labels(edges, bool(tokens.get("open_ended")))
        categories = QBarCategoryAxis()
        categories.append(labels)
        self._style_axis(categories, grid=False)
        categories.setLabelsAngle(-90 if len(labels) > 12 else 0)
        categories.setTruncateLabels(False)
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        categories.setLabelsFont(small)
        categories.setTitleText("tokens (bucket start)")
        categories.setTitleBrush(self.palette().color(QPalette.ColorRole.WindowText))
        categories.setTitleFont(small)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        values = self._value_axis(max(counts))
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values)
        panel.show_chart("Tokens per record: " + ", ".join(
            f"{label} {_n(n)}" for label, n in zip(labels, counts, strict=False)) + ".")

    # -- palette ---------------------------------------------------------------------

    def _code_label_pixels(self) -> int:
        """Room for a code's label: the share of the codes chart's width QtCharts gives
        its axis (two fifths), at least ``CODE_LABEL_PIXELS``."""
        return max(CODE_LABEL_PIXELS, min(int(self.codes_panel.width() * 0.4), 320))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Wider: room for longer code names (drawn again once the size settles).
        if self._data is not None and self._code_label_pixels() != self._code_pixels:
            self._redraw.start()

    def _redraw_codes(self) -> None:
        if self._data is not None and self._code_label_pixels() != self._code_pixels:
            self._reset(self.codes_chart)
            self._draw_codes(self._data, not self._data.get("records"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._data is not None:
            self.show_data(self._data)
