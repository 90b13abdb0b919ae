"""The window, its background jobs and the command line on one project at once.

Every background job opens its own connection and closes it when done. The window's
own connection must keep its locks through that, so that a ``curator`` command in a
terminal never takes itself for the last user and deletes the ``-wal`` file the window
is still writing to (issue 14, item 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from curator.core.store import Store

ROOT = Path(__file__).resolve().parents[2]


def curator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "curator", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_writes_from_window_jobs_and_cli_are_all_kept(qtbot, window, wait_idle,
                                                     demo_project: Path,
                                                     tmp_path: Path) -> None:
    assert window.open_project(demo_project)
    wait_idle(window)
    states = []
    for round_ in range(3):
        window.run_scan()                       # a job: its own connection, then closed
        wait_idle(window)
        stats = curator("stats", str(demo_project), "--json")
        assert stats.returncode == 0, stats.stderr
        assert Path(f"{demo_project}-wal").exists()     # the window still uses it
        window.select_row(round_)
        window.table.setFocus()
        qtbot.keyClick(window.table, Qt.Key.Key_R)      # the window writes ...
        states.append("rejected")
        wait_idle(window)
        extra = tmp_path / f"extra{round_}.jsonl"       # ... and so does the terminal
        extra.write_text(json.dumps({"messages": [
            {"role": "user", "content": f"question {round_}"},
            {"role": "assistant", "content": f"answer {round_}"}]}) + "\n")
        result = curator("import", str(demo_project), str(extra))
        assert result.returncode == 0, result.stderr
    qtbot.waitUntil(lambda: window.model.rowCount() == 41, timeout=10_000)
    wait_idle(window)
    with Store.open(demo_project) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.record_count() == 41
        reviews = [r[0] for r in store.db.execute("SELECT review FROM records ORDER BY id")]
        assert reviews[:3] == states
        assert sum(e["action"] == "review" for e in store.events()) == 3
