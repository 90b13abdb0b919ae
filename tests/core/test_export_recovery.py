"""An export killed between its ``exports`` row and its folder, and recovery at open.

The kills are real: a child process runs the export and ends with ``os._exit`` at the
point in question, so nothing after it runs (no ``finally``, no rollback).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from curator.core.export import ExportOptions, export, history, recover, recover_all, writers
from curator.core.export.job import pending_exports
from curator.core.jobs import run_job
from curator.core.store import Store

ROOT = Path(__file__).resolve().parents[2]

#: Exports PROJECT to OUTDIR and dies (exit code 9) just before or just after the folder
#: is published (argv: project, outdir, before|after, overwrite 0|1).
KILLED_EXPORT = """
import os, sys
from pathlib import Path
from curator.core.export import ExportOptions, export, job
from curator.core.jobs import run_job
from curator.core.store import Store

real = job.publish

def before(staging, outdir, overwrite):
    os._exit(9)

def after(staging, outdir, overwrite):
    real(staging, outdir, overwrite)
    os._exit(9)

job.publish = {"before": before, "after": after}[sys.argv[3]]
with Store.open(sys.argv[1]) as store:
    run_job(export(store, Path(sys.argv[2]), ExportOptions(pii="keep", val_fraction=0.2),
                   actor="killed", overwrite=sys.argv[4] == "1"))
"""


def conv(i: int) -> dict[str, Any]:
    return {"id": f"r{i:03d}", "messages": [
        {"role": "user", "content": f"Question number {i}?"},
        {"role": "assistant", "content": f"Answer number {i}."}]}


@pytest.fixture
def project(store: Store, write, do_import):  # type: ignore[no-untyped-def]
    do_import(write("data.jsonl", "\n".join(json.dumps(conv(i)) for i in range(20)) + "\n"))
    return store


def killed_export(store: Store, outdir: Path, when: str, overwrite: bool = False) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_EXPORT, str(store.path), str(outdir), when,
         "1" if overwrite else "0"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 9, done.stderr


def export_events(store: Store) -> list[dict[str, Any]]:
    return [json.loads(detail) for (detail,) in store.db.execute(
        "SELECT detail FROM events WHERE action = 'export' ORDER BY id")]


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_kill_after_publishing_is_recorded_when_the_project_opens(
        project: Store, tmp_path: Path, overwrite: bool) -> None:
    out = tmp_path / "out"
    earlier = []
    if overwrite:
        earlier = [run_job(export(project, out, ExportOptions(pii="keep"))).export_id]
    killed_export(project, out, "after", overwrite)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["actor"] == "killed"
    assert [h["id"] for h in history(project)] == earlier      # not shown while pending
    notes = recover_all(project)
    assert any("Recorded the export" in note for note in notes)
    assert [h["id"] for h in history(project)] == [manifest["export_id"], *earlier]
    assert pending_exports(project) == {}
    events = export_events(project)
    assert events[-1]["export_id"] == manifest["export_id"] and events[-1]["recovered"]
    assert hidden(tmp_path) == []                  # nothing left beside it
    assert recover_all(project) == [] and len(export_events(project)) == len(events)


def test_a_kill_before_publishing_leaves_no_record(project: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed_export(project, out, "before")
    assert not out.exists() and len(hidden(tmp_path)) == 1
    assert len(pending_exports(project)) == 1
    notes = recover_all(project)
    assert any("interrupted before it was written" in note for note in notes)
    assert any("Removed" in note for note in notes)
    assert hidden(tmp_path) == [] and not out.exists()
    assert project.db.execute("SELECT COUNT(*) FROM exports").fetchone()[0] == 0
    assert pending_exports(project) == {} and export_events(project) == []
    report = run_job(export(project, out, ExportOptions(pii="keep")))  # exports again
    assert [h["id"] for h in history(project)] == [report.export_id]


def test_recovery_leaves_an_export_still_running_alone(project: Store,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed_export(project, out, "before")
    (staging,) = [tmp_path / name for name in hidden(tmp_path)]
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # Make it look like a live process's export (between its row and its rename).
        mark = json.loads((staging / writers.MARKER).read_text())
        (staging / writers.MARKER).write_text(json.dumps({**mark, "pid": alive.pid}))
        ((key, value),) = project.db.execute(
            "SELECT key, value FROM meta WHERE key LIKE 'export_pending:%'").fetchall()
        with project.atomic():
            project.db.execute("UPDATE meta SET value = ? WHERE key = ?",
                               (json.dumps({**json.loads(value), "pid": alive.pid}), key))
        recover_all(project)
        assert staging.is_dir() and len(pending_exports(project)) == 1
    finally:
        alive.kill()
        alive.wait()
    recover_all(project)
    assert not staging.exists() and pending_exports(project) == {}


def test_a_staging_folder_of_this_process_is_left_alone(project: Store,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    staging = writers.make_staging(out)
    try:
        assert any("still running" in note for note in recover(out)) and staging.is_dir()
    finally:
        writers.discard(staging)
    assert not staging.exists()


def test_another_machines_staging_is_left_alone_while_it_may_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    staging = tmp_path / ".out.0123456789ab.partial"
    staging.mkdir()
    (staging / writers.MARKER).write_text(json.dumps(
        {"app": "curator", "outdir": str(out), "pid": 1, "host": socket.gethostname() + "x"}))
    (staging / "train.jsonl").write_text("{}\n")
    recover(out)
    assert staging.is_dir()
    old = time.time() - writers.FOREIGN_GRACE - 60
    os.utime(staging, (old, old))
    recover(out)
    assert not staging.exists()


def test_recovery_never_removes_what_an_export_did_not_write(project: Store,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed_export(project, out, "before")
    (staging,) = [tmp_path / name for name in hidden(tmp_path)]
    (staging / "notes.txt").write_text("mine")
    lookalike = tmp_path / ".out.0123456789ab.partial"
    lookalike.mkdir()
    (lookalike / "train.jsonl").write_text("mine too")        # no marker: not Curator's
    recover_all(project)
    assert (staging / "notes.txt").read_text() == "mine"
    assert not (staging / "train.jsonl").exists()            # the export's own files go
    assert (lookalike / "train.jsonl").read_text() == "mine too"
