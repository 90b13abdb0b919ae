"""Duplicates and contradictions: a list of groups, members side by side, and a chart tab.

Two widgets, neither depending on the main window:

* :class:`DuplicatesView` lists the clusters from
  :func:`curator.core.checks.similarity.clusters` (contradictions first, then exact and
  near duplicates) with each group's reason, and shows the selected one's members side
  by side, the representative first and marked, each with its similarity to it; the
  words that differ from the representative are highlighted (``difflib`` over words)
  and the details the reason names ("differs in: sunday / monday") marked more
  strongly (spans from ``cluster_detail``, painted by ``chat_text.mark_spans``). It
  never writes:
  actions are signals for the owner to carry out through core functions (in a worker):

  - ``keepRequested(cluster_id, record_id)`` → ``similarity.keep_one(store, ...)``
  - ``dismissRequested(cluster_id)`` → ``similarity.dismiss_cluster(store, ...)``
  - ``openRecordRequested(record_key)`` → show the record in the main view

  Data come from :meth:`DuplicatesView.set_clusters` plus a ``detail_provider``
  (cluster id → :func:`~curator.core.checks.similarity.cluster_detail` dict), or from
  :meth:`DuplicatesView.set_store`, which reads both from a store on the calling thread
  (fine for the UI thread's read connection: both are indexed, small queries).
* :class:`DiversityChart` draws :func:`~curator.core.checks.similarity.diversity_report`:
  a scatter of the 2-D map of inputs (near-duplicate members highlighted) and a bar
  chart of cluster sizes, with the headline numbers above.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from curator.app.chat_style import SEVERITY_COLORS, Pill, muted_color
from curator.app.chat_text import Span, changed_words, mark_spans
from curator.app.widgets import is_dark

KIND_WORDS = {"contradiction": "Contradiction", "exact": "Exact duplicate",
              "near": "Near duplicate"}
FILTERS = (("All groups", ("contradiction", "exact", "near")),
           ("Contradictions", ("contradiction",)),
           ("Exact duplicates", ("exact",)),
           ("Near duplicates", ("near",)))
#: Members shown side by side; the rest are counted below.
MAX_MEMBERS = 12
#: Groups listed; a note says how many more there are.
MAX_ROWS = 5000
ID_ROLE = Qt.ItemDataRole.UserRole
#: Tags of the marks in a member's text (kept on the character format).
DIFF_TAG, DETAIL_TAG = "diff", "differs"
#: The details a group differs in ("Sunday" / "Monday"): marked over the word diff.
DETAIL_COLOUR = "#8e44ad"
#: Columns of the group list.
COLUMNS = ["Kind", "Size", "Open", "Reason", "First question"]
REASON_COLUMN, PREVIEW_COLUMN = 3, 4


def member_similarity(member: dict[str, Any], kind: str) -> str:
    """A member's closeness to its group's representative, in words."""
    if member.get("representative"):
        return "the representative: the others are compared with it"
    if kind == "exact":
        return "identical to the representative"
    value = member.get("to_representative")
    if value is None:
        return "similarity to the representative not stored (scan again)"
    what = "questions' similarity" if kind == "contradiction" else "similarity"
    return f"{what} {value:.2f} to the representative"


class MemberPanel(QFrame):
    """One member of a group: key, review state, closeness to the representative, input
    and output with the differences marked, two buttons."""

    keep = Signal(int)
    open_record = Signal(str)

    def __init__(self, member: dict[str, Any], reference: dict[str, Any] | None,
                 kind: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.member = member
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        title = QLabel(f"<b>{html.escape(member['key'])}</b>")
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QHBoxLayout()
        heading.addWidget(title)
        self.badge: Pill | None = None
        if member.get("representative"):
            self.badge = Pill("Representative")
            self.badge.set_colors(QColor(SEVERITY_COLORS["info"]), QColor("#ffffff"))
            self.badge.setToolTip("The example this group formed around: every other "
                                  "member was judged alike with it")
            heading.addWidget(self.badge)
        heading.addStretch(1)
        facts = [f"review: {member.get('review', 'unreviewed')}",
                 member_similarity(member, kind)]
        if member.get("status") and member["status"] != "open":
            facts.append(str(member["status"]))
        self.facts = QLabel(" · ".join(facts))
        self.facts.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.facts.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setAccessibleName(f"Example {member['key']}")
        self._fill_text(member, reference, colour)
        buttons = QHBoxLayout()
        self.keep_button = QPushButton("Keep this, reject others")
        self.keep_button.setToolTip("Keep this example and mark the others in the group "
                                    "as rejected")
        self.keep_button.setEnabled(member.get("review") != "rejected")
        self.keep_button.clicked.connect(lambda: self.keep.emit(int(member["id"])))
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Show this example in the records view")
        self.open_button.clicked.connect(lambda: self.open_record.emit(str(member["key"])))
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(heading)
        layout.addWidget(self.facts)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)

    def _fill_text(self, member: dict[str, Any], reference: dict[str, Any] | None,
                   colour: str) -> None:
        """System prompt, input and answer, the words not in ``reference`` marked in
        ``colour`` and the details the group differs in (``differs_spans``) over them."""
        cursor = QTextCursor(self.text.document())
        plain = QTextCharFormat()
        bold = QTextCharFormat()
        bold.setFontWeight(QFont.Weight.Bold)
        system = member.get("system") or ""
        if system:
            faded = QTextCharFormat()
            faded.setFontItalic(True)
            faded.setForeground(muted_color(self.palette()))
            cursor.insertText(f"System: {system[:300]}", faded)
            cursor.insertBlock()
        spans: list[Span] = []
        for label, side in (("Input", "input"), ("Answer", "output")):
            cursor.insertText(label, bold)
            cursor.insertBlock()
            cursor.setCharFormat(plain)
            start = cursor.position()
            text = str(member.get(side) or "")
            cursor.insertText(text, plain)
            if side == "input":
                cursor.insertBlock()
            if reference is not None:
                spans.extend((start + a, start + b, colour, DIFF_TAG)
                             for a, b in changed_words(text, str(reference.get(side) or "")))
            if side == "input":
                spans.extend((start + a, start + b, DETAIL_COLOUR, DETAIL_TAG)
                             for a, b in member.get("differs_spans", []))
        mark_spans(self.text, [s for s in spans if s[3] == DIFF_TAG])
        mark_spans(self.text, [s for s in spans if s[3] == DETAIL_TAG], alpha=0.45)
        for start, end, _colour, tag in spans:
            if tag == DETAIL_TAG:
                cursor.setPosition(start)
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                cursor.mergeCharFormat(bold)

    def marked(self, tag: str) -> list[str]:
        """The texts marked with ``tag`` (:data:`DIFF_TAG`, :data:`DETAIL_TAG`), in order."""
        out: list[str] = []
        block = self.text.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.charFormat().property(QTextCharFormat.Property.UserProperty) == tag:
                    out.append(fragment.text())
                it += 1
            block = block.next()
        return out


class DuplicatesView(QWidget):
    """Groups of duplicates and contradictions, and one group's members side by side."""

    keepRequested = Signal(int, int)
    dismissRequested = Signal(int)
    openRecordRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None,
                 detail_provider: Callable[[int], dict[str, Any]] | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Duplicates and contradictions")
        self.detail_provider = detail_provider
        self._clusters: list[dict[str, Any]] = []
        self._store: Any = None
        self.detail: dict[str, Any] | None = None
        self.panels: list[MemberPanel] = []

        self.filter = QComboBox()
        self.filter.setAccessibleName("Show")
        for label, _ in FILTERS:
            self.filter.addItem(label)
        self.show_resolved = QCheckBox("Show handled groups")
        self.show_resolved.setToolTip("Also list groups whose findings were all dismissed "
                                      "or resolved")
        self.filter.currentIndexChanged.connect(self._fill)
        self.show_resolved.toggled.connect(self._fill)
        self.list = QTreeWidget()
        self.list.setAccessibleName("Groups")
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setStretchLastSection(True)
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(REASON_COLUMN, QHeaderView.ResizeMode.Interactive)
        self.list.currentItemChanged.connect(self._selected)
        self.count_label = QLabel()
        self.count_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        controls.addWidget(self.filter, 1)
        controls.addWidget(self.show_resolved)
        left_layout.addLayout(controls)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.count_label)

        self.heading = QLabel("Select a group to compare its examples.")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.dismiss_button = QPushButton("Intended variation")
        self.dismiss_button.setToolTip("These examples differ on purpose: dismiss the "
                                       "group's findings (they stay dismissed on rescans)")
        self.dismiss_button.setEnabled(False)
        self.dismiss_button.clicked.connect(self._dismiss)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.members_host = QWidget()
        self.members_layout = QHBoxLayout(self.members_host)
        self.members_layout.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.members_host)
        self.more_label = QLabel()
        self.more_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.more_label.setVisible(False)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(top)
        right_layout.addWidget(self.scroll, 1)
        right_layout.addWidget(self.more_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([560, 780])
        self.splitter.splitterMoved.connect(self._fit_reason_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self._fill()

    # -- data ----------------------------------------------------------------------

    def set_store(self, store: Any, load: bool = True) -> None:
        """Read details from ``store``; with ``load``, read and show its groups now (on
        this thread; otherwise give them to :meth:`set_clusters`)."""
        from curator.core.checks import similarity

        self._store = store
        self.detail_provider = lambda cluster_id: similarity.cluster_detail(store, cluster_id)
        if load:
            self.refresh()
        else:
            self.set_clusters([])

    def refresh(self) -> None:
        """Reload the groups from the store given to :meth:`set_store`, keeping the
        selected group when it still exists."""
        if self._store is None:
            return
        from curator.core.checks import similarity

        self.set_clusters(similarity.clusters(self._store))

    def set_clusters(self, clusters: list[dict[str, Any]]) -> None:
        """Show ``clusters`` (dicts from ``similarity.clusters``)."""
        current = self.current_cluster_id()
        self._clusters = clusters
        self._fill()
        if current is not None:
            self.select_cluster(current)

    def current_cluster_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(0, ID_ROLE)) if item is not None else None

    def select_cluster(self, cluster_id: int) -> bool:
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item.data(0, ID_ROLE) == cluster_id:
                self.list.setCurrentItem(item)
                return True
        return False

    def _fill(self) -> None:
        kinds = FILTERS[self.filter.currentIndex()][1]
        resolved = self.show_resolved.isChecked()
        shown = [c for c in self._clusters if c["kind"] in kinds and (resolved or c["open"])]
        self.list.blockSignals(True)
        self.list.clear()
        items = []
        for cluster in shown[:MAX_ROWS]:
            preview = " ".join(str(cluster.get("preview", "")).split())
            reason = str(cluster.get("reason", ""))
            item = QTreeWidgetItem([KIND_WORDS.get(cluster["kind"], cluster["kind"]),
                                    str(cluster["size"]), str(cluster["open"]), reason,
                                    preview])
            item.setData(0, ID_ROLE, cluster["id"])
            item.setToolTip(REASON_COLUMN, reason)
            item.setToolTip(PREVIEW_COLUMN, preview)
            for column in (1, 2):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            if not cluster["open"]:
                for column in range(len(COLUMNS)):
                    item.setForeground(column, self.palette().color(
                        QPalette.ColorRole.PlaceholderText))
            items.append(item)
        self.list.addTopLevelItems(items)
        self.list.blockSignals(False)
        self._fit_reason_column()
        total = len(self._clusters)
        if not total:
            self.count_label.setText("No duplicates or contradictions found yet. Run the "
                                     "duplicate and contradiction checks first.")
        else:
            more = f" (first {MAX_ROWS:,} listed)" if len(shown) > MAX_ROWS else ""
            self.count_label.setText(f"{len(shown):,} of {total:,} groups shown{more}")
        self.count_label.setWordWrap(True)
        self._show_detail(None)

    def _fit_reason_column(self, *_: Any) -> None:
        """The Reason column as wide as its longest reason, but at most 55% of the room
        the first three columns leave (the first question needs room too; the tooltip
        has the whole reason)."""
        header = self.list.header()
        room = self.list.viewport().width() - sum(header.sectionSize(c) for c in range(3))
        wanted = max(self.list.sizeHintForColumn(REASON_COLUMN) + 12, 120)
        header.resizeSection(REASON_COLUMN, min(wanted, max(140, int(room * 0.55))))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_reason_column()

    def _selected(self, current: QTreeWidgetItem | None, _previous: object = None) -> None:
        if current is None or self.detail_provider is None:
            self._show_detail(None)
            return
        self._show_detail(self.detail_provider(int(current.data(0, ID_ROLE))))

    # -- the selected group --------------------------------------------------------

    def _show_detail(self, detail: dict[str, Any] | None) -> None:
        self.detail = detail
        for panel in self.panels:
            self.members_layout.removeWidget(panel)
            panel.hide()            # until deleted: never painted over the new ones
            panel.deleteLater()
        self.panels = []
        self.dismiss_button.setEnabled(detail is not None)
        self.more_label.setVisible(False)
        if detail is None:
            self.heading.setText("Select a group to compare its examples.")
            return
        members = detail["members"]
        kind = detail["kind"]
        figures = detail.get("detail", {})
        words = {
            "contradiction": "These examples ask nearly the same thing but answer "
                             "differently. Keep the right one, or mark the difference as "
                             "intended.",
            "exact": "These examples are the same after ignoring case and spacing.",
            "near": "These examples say nearly the same thing.",
        }[kind] if kind in KIND_WORDS else ""
        numbers = []
        if "min_similarity" in figures:
            numbers.append(f"similarity {figures['min_similarity']:.2f}–"
                           f"{figures['max_similarity']:.2f}")
        if figures.get("output_similarity") is not None:
            numbers.append(f"answers' similarity {figures['output_similarity']:.2f}")
        colour = SEVERITY_COLORS["error" if kind == "contradiction" else "warning"]
        marks = ("highlighted: words that differ from the representative"
                 + ("; <b>in bold</b>: the details the group differs in"
                    if detail.get("differs") else ""))
        reason = html.escape(str(detail.get("reason") or ""))
        self.heading.setText(
            f"<b>{KIND_WORDS.get(kind, kind)}</b>, {len(members)} examples"
            + (f" ({', '.join(numbers)})" if numbers else "")
            + (f"<br>Why: <b>{reason}</b>" if reason else "")
            + f"<br>{words} <span style='color:{muted_color(self.palette()).name()}'>"
            f"({marks})</span>")
        reference = members[0] if members else None
        for index, member in enumerate(members[:MAX_MEMBERS]):
            ref = (members[1] if len(members) > 1 else None) if index == 0 else reference
            panel = MemberPanel(member, ref, kind, colour)
            panel.keep.connect(lambda record_id, cid=detail["id"]:
                               self.keepRequested.emit(cid, record_id))
            panel.open_record.connect(self.openRecordRequested.emit)
            self.members_layout.addWidget(panel)
            self.panels.append(panel)
        if len(members) > MAX_MEMBERS:
            self.more_label.setText(f"and {len(members) - MAX_MEMBERS:,} more examples "
                                    "not shown here")
            self.more_label.setVisible(True)

    def _dismiss(self) -> None:
        if self.detail is not None:
            self.dismissRequested.emit(int(self.detail["id"]))


class DiversityChart(QWidget):
    """The diversity report: headline numbers, a map of inputs, cluster sizes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Diversity")
        self.summary = QLabel("Run the duplicate check to see how varied the data is.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.map_chart = self._chart()
        self.size_chart = self._chart()
        self.map_view = self._view(self.map_chart, "Map of inputs")
        self.size_view = self._view(self.size_chart, "Group sizes")
        charts = QHBoxLayout()
        charts.addWidget(self.map_view, 3)
        charts.addWidget(self.size_view, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary)
        layout.addLayout(charts, 1)
        self.report: dict[str, Any] | None = None

    @staticmethod
    def _chart() -> QChart:
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundVisible(False)
        chart.legend().setVisible(False)
        return chart

    @staticmethod
    def _view(chart: QChart, name: str) -> QChartView:
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setMinimumSize(240, 200)
        view.setStyleSheet("background: transparent")
        view.setAccessibleName(name)
        return view

    def _reset(self, chart: QChart, title: str) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if is_dark(self.palette())
                       else QChart.ChartTheme.ChartThemeLight)
        chart.setBackgroundVisible(False)
        chart.setTitle(title)
        chart.setTitleBrush(self.palette().color(QPalette.ColorRole.WindowText))

    def _axis(self, axis: Any, title: str = "") -> Any:
        text = self.palette().color(QPalette.ColorRole.WindowText)
        axis.setLabelsBrush(text)
        axis.setTitleText(title)
        axis.setTitleBrush(text)
        grid = QColor(text)
        grid.setAlpha(40)
        axis.setGridLineColor(grid)
        return axis

    def show_report(self, report: dict[str, Any]) -> None:
        """Draw a ``similarity.diversity_report`` dict (computed off the UI thread)."""
        self.report = report
        n = report.get("records", 0)
        clusters = report.get("clusters", {})
        declines = report.get("declines", {})
        self.summary.setText(
            f"<b>{n:,}</b> examples, <b>{report.get('distinct_inputs', 0):,}</b> distinct "
            f"questions · <b>{100 * report.get('duplicate_share', 0):.1f}%</b> in duplicate "
            f"groups ({clusters.get('exact', 0):,} exact, {clusters.get('near', 0):,} near) "
            f"· <b>{clusters.get('contradiction', 0):,}</b> "
            f"{'contradiction' if clusters.get('contradiction', 0) == 1 else 'contradictions'} · "
            f"<b>{100 * declines.get('share', 0):.1f}%</b> of answers decline or say "
            "they do not know")
        self._draw_map(report.get("map", {}))
        self._draw_sizes(report.get("clusters", {}).get("sizes", {}))

    def _draw_map(self, data: dict[str, Any]) -> None:
        self._reset(self.map_chart, "Map of inputs (2-D projection)")
        points = data.get("points", [])
        if not points:
            self.map_chart.setTitle(data.get("note") or "No map yet")
            return
        single = QScatterSeries()
        single.setName("Distinct")
        clustered = QScatterSeries()
        clustered.setName("In a duplicate group")
        for series, colour, size in ((single, "#3f7fd0", 6.0), (clustered, "#d0473f", 8.0)):
            series.setMarkerSize(size)
            series.setColor(QColor(colour))
            series.setBorderColor(QColor(colour))
        for point in points:
            (clustered if point.get("cluster") else single).append(point["x"], point["y"])
        xs = [p["x"] for p in points]
        ys = [p["y"] for p in points]
        axis_x = self._axis(QValueAxis(), "component 1")
        axis_y = self._axis(QValueAxis(), "component 2")
        pad_x = (max(xs) - min(xs)) * 0.05 or 1.0
        pad_y = (max(ys) - min(ys)) * 0.05 or 1.0
        axis_x.setRange(min(xs) - pad_x, max(xs) + pad_x)
        axis_y.setRange(min(ys) - pad_y, max(ys) + pad_y)
        self.map_chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        self.map_chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        for series in (single, clustered):
            self.map_chart.addSeries(series)
            series.attachAxis(axis_x)
            series.attachAxis(axis_y)
        legend = self.map_chart.legend()
        legend.setVisible(True)
        legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
        legend.setLabelColor(self.palette().color(QPalette.ColorRole.WindowText))

    def _draw_sizes(self, sizes: dict[str, int]) -> None:
        self._reset(self.size_chart, "Duplicate groups by size")
        if not sizes:
            self.size_chart.setTitle("No duplicate groups")
            return
        ordered = sorted(sizes.items(), key=lambda kv: int(kv[0]))
        labels = [f"{k}" for k, _ in ordered]
        bars = QBarSet("Groups")
        bars.setColor(QColor("#3f7fd0"))
        for _, count in ordered:
            bars.append(count)
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        self.size_chart.addSeries(series)
        axis_x = self._axis(QBarCategoryAxis(), "examples in the group")
        axis_x.append(labels)
        axis_y = self._axis(QValueAxis(), "groups")
        top = max(1, max(count for _, count in ordered))
        step = max(1, math.ceil(top / 5))
        axis_y.setRange(0, step * (math.ceil(top / step) + (1 if top % step == 0 else 0)))
        axis_y.setTickType(QValueAxis.TickType.TicksDynamic)
        axis_y.setTickAnchor(0)
        axis_y.setTickInterval(step)
        axis_y.setLabelFormat("%d")
        self.size_chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        self.size_chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
