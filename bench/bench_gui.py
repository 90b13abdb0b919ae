"""Benchmark: the main window on a 1,000,000-record project against a 10,000-record one.

    python bench/bench_gui.py [--big 1000000] [--small 10000]

Builds both projects from generated conversations (cached in bench/out/), then, for each,
in a fresh process under QT_QPA_PLATFORM=offscreen: time from opening the project to the
first painted rows, scroll latency (jumps to 50 random rows, each painted), filter
latency (review filter; a full-text search, the first one building the index), and the
process's peak RSS. Prints one JSON document; the ratio RSS(big)/RSS(small) is the target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def build(count: int) -> Path:
    from generate import write

    from curator.core.ingest import import_files
    from curator.core.jobs import run_job
    from curator.core.store import Store

    OUT.mkdir(parents=True, exist_ok=True)
    project = OUT / f"gui{count}.curator"
    if project.exists():
        Store.open(project).close()  # migrate now, not inside the measurement
        return project
    data = write(OUT / f"gui{count}.jsonl", count, seed=1)
    with Store.open(project, create=True) as store:
        run_job(import_files(store, [data]))
    data.unlink()
    return project


def measure(project: str) -> dict[str, float]:
    """Runs inside the child process."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from curator.app.main_window import MainWindow

    app = QApplication([])
    settings = QSettings(str(OUT / "bench-settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, annotator="bench")
    window.show()

    def idle() -> None:
        while window.runner.busy:
            app.processEvents()
            time.sleep(0.001)
        app.processEvents()

    start = time.perf_counter()
    window.open_project(Path(project))
    idle()
    window.table.viewport().repaint()
    first_paint = time.perf_counter() - start
    rows = window.model.rowCount()
    rng = random.Random(0)
    start = time.perf_counter()
    for _ in range(50):
        window.select_row(rng.randrange(rows))
        window.table.viewport().repaint()
        app.processEvents()
    scroll = (time.perf_counter() - start) / 50
    start = time.perf_counter()
    window.review_filter.setCurrentIndex(window.review_filter.findData("unreviewed"))
    window._filters_changed()
    idle()
    filter_review = time.perf_counter() - start
    start = time.perf_counter()
    window.search.setText("refund laptop")
    window._filters_changed()
    idle()
    first_search = time.perf_counter() - start
    start = time.perf_counter()
    window.search.setText("warranty battery")
    window._filters_changed()
    idle()
    search = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.close()
    return {"rows": rows, "first_paint_s": round(first_paint, 3),
            "scroll_ms": round(scroll * 1000, 2), "filter_review_s": round(filter_review, 3),
            "first_search_s": round(first_search, 2), "search_s": round(search, 3),
            "peak_rss_mb": round(rss, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)), flush=True)
        return
    results = {}
    for label, count in (("small", args.small), ("big", args.big)):
        project = build(count)
        out = subprocess.run([sys.executable, __file__, "--child", str(project)],
                             check=True, capture_output=True, text=True)
        results[label] = json.loads(out.stdout.strip().splitlines()[-1])
    results["rss_ratio"] = round(results["big"]["peak_rss_mb"] / results["small"]["peak_rss_mb"],
                                 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
