"""A kill -9 in the middle of an import leaves the project intact and importable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
LINE = {"messages": [{"role": "user", "content": "Question number {i} " + "lorem " * 40},
                     {"role": "assistant", "content": "Answer " + "ipsum " * 60}]}


def test_sigkill_mid_import_leaves_project_intact(tmp_path: Path) -> None:
    data = tmp_path / "big.jsonl"
    with data.open("w") as out:
        for i in range(100_000):
            line = json.loads(json.dumps(LINE))
            line["messages"][0]["content"] = line["messages"][0]["content"].format(i=i)
            out.write(json.dumps(line) + "\n")
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps(LINE) + "\n")
    project = tmp_path / "p.curator"
    with Store.open(project, create=True) as store:
        run_job(import_files(store, [small]))

    child = subprocess.Popen(
        [sys.executable, "-m", "curator", "import", str(project), str(data)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    wal = Path(f"{project}-wal")
    deadline = time.monotonic() + 60
    # Kill once the import has written a good part of its transaction.
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 10e6):
        assert child.poll() is None, child.communicate()
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    with Store.open(project) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.record_count() == 1
        assert [s["name"] for s in store.sources()] == ["small.jsonl"]
        report = run_job(import_files(store, [data]))
        assert report.records == 100_000
        assert store.record_count() == 100_001
        assert store.db.execute("SELECT COUNT(DISTINCT key) FROM records").fetchone()[0] \
            == 100_001
