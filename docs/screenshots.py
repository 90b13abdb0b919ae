"""Take the screenshots in docs/ of the real window on the demo project.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots.py

Runs under a real X server (Xvfb), grabs the screen as a user would see it, and writes
docs/screenshot-*.png.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from curator.app.launch import application
from curator.app.main_window import MainWindow
from curator.core.demo import build_demo
from curator.core.jobs import run_job

DOCS = Path(__file__).resolve().parent


def settle(app, window: MainWindow, seconds: float = 0.6) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while window.runner.busy or time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shoot(app, window: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    settle(app, window)
    screen = QGuiApplication.primaryScreen()
    image = screen.grabWindow(0, window.x(), window.y(), window.frameGeometry().width(),
                              window.frameGeometry().height())
    if image.isNull() or image.width() < 100:
        image = window.grab()
    path = DOCS / f"screenshot-{name}.png"
    image.save(str(path))
    print(path)


def main() -> int:
    app = application()
    with tempfile.TemporaryDirectory() as tmp:
        project, _ = build_demo(Path(tmp) / "demo.curator", run_job)
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, annotator="docs")
        window.resize(1360, 860)
        window.move(0, 0)
        window.show()
        window.open_project(project)
        settle(app, window)
        keys = [window.model.row_data(r)["key"] for r in range(window.model.rowCount())]
        window.select_row(keys.index("acme-tool-1"))
        shoot(app, window, "records")
        window.select_row(keys.index("acme-bad-4"))
        shoot(app, window, "findings")
        window.select_row(keys.index("acme_support.jsonl:33"))
        shoot(app, window, "invalid")
        window.tabs.setCurrentIndex(1)
        shoot(app, window, "dashboard")
        window.tabs.setCurrentWidget(window.pii_queue)
        settle(app, window)
        queue = window.pii_queue
        queue.select(next(i for i, item in enumerate(queue.model.items)
                          if item["code"] == "EMAIL_ADDRESS"))
        shoot(app, window, "pii")
        queue.open_current()
        shoot(app, window, "pii-record")
        # duplicates (the real embedding model) and the diversity map
        window.run_similarity_scan()
        settle(app, window)
        window.tabs.setCurrentWidget(window.duplicates_tab)
        settle(app, window)
        groups = window.duplicates._clusters
        contradiction = next((g for g in groups if g["kind"] == "contradiction"), None)
        if contradiction is not None:
            window.duplicates.select_cluster(contradiction["id"])
        shoot(app, window, "duplicates")
        # labelling: the panel beside a record of the demo's pilot batch
        window.tabs.setCurrentIndex(0)
        window.select_row(keys.index("acme-002"))
        window.toggle_labeling()
        shoot(app, window, "labelling")
        window.tabs.setCurrentWidget(window.agreement_tab)
        settle(app, window)
        shoot(app, window, "agreement")
        window.export_dataset()
        dialog = window.export_dialog
        dialog.resize(1300, 820)
        settle(app, window, 1.5)
        dialog.grab().save(str(DOCS / "screenshot-export.png"))
        print(DOCS / "screenshot-export.png")
        dialog.close()
        # an annotation pack: handed out to alice, opened in her Curator, merged back
        from curator.core.labeling.packs import export_pack
        from curator.core.store import Store

        pack = Path(tmp) / "demo-alice.curatorpack"
        with Store.open(project) as store:
            run_job(export_pack(store, pack, "alice", "pilot", actor="docs"))
        window.open_project(pack)
        settle(app, window)
        window.select_row(3)
        window.toggle_labeling()
        shoot(app, window, "pack")
        from curator.core.labeling.labels import set_label

        with Store.open(pack) as store:  # alice changes her mind on one record
            set_label(store, window.current_id, "helpfulness", "alice", 3)
        window.open_project(project)
        settle(app, window)
        window.packs.import_file(pack)
        settle(app, window)
        window.packs.show_status()
        packs = window.packs.dialog
        settle(app, window)
        packs.grab().save(str(DOCS / "screenshot-packs.png"))
        print(DOCS / "screenshot-packs.png")
        packs.close()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
