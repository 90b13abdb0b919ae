"""No write lost, no project destroyed: where an export and a labels export may write."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from curator.core.errors import CuratorError
from curator.core.export import ExportOptions, export, history, recover, writers
from curator.core.export import job as export_job
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.labeling.assignment import add_annotator
from curator.core.labeling.labels import set_label
from curator.core.labeling.schema import add_field
from curator.core.labeling.transfer import export_labels
from curator.core.store import Store


def conv(i: int) -> dict[str, Any]:
    return {"id": f"r{i:03d}", "messages": [
        {"role": "user", "content": f"Question number {i}?"},
        {"role": "assistant", "content": f"Answer number {i}."}]}


@pytest.fixture
def project(store: Store, write, do_import):  # type: ignore[no-untyped-def]
    """Twenty records; the project file lives in tmp_path, beside the data file."""
    do_import(write("data.jsonl", "\n".join(json.dumps(conv(i)) for i in range(20)) + "\n"))
    return store


def do_export(store: Store, outdir: Path, overwrite: bool = False, **options: Any):  # type: ignore[no-untyped-def]
    options.setdefault("pii", "keep")
    return run_job(export(store, outdir, ExportOptions(**options), actor="tester",
                          overwrite=overwrite))


def records(store: Store) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM records").fetchone()[0])


class Killed(BaseException):
    """Stands for SIGKILL: no ``except Exception`` or ``except OSError`` catches it."""


# -- item 2: OUTDIR and the project ----------------------------------------------------------

def test_overwrite_refuses_the_folder_holding_the_project(project: Store,
                                                          tmp_path: Path) -> None:
    with pytest.raises(CuratorError, match="project"):
        do_export(project, tmp_path, overwrite=True)
    assert project.path.is_file() and (tmp_path / "data.jsonl").is_file()
    assert records(project) == 20


def test_overwrite_refuses_a_folder_above_the_project(store: Store, tmp_path: Path) -> None:
    nested = tmp_path / "work" / "p.curator"
    nested.parent.mkdir()
    with Store.open(nested, create=True) as inner:
        data = tmp_path / "work" / "data.jsonl"
        data.write_text("\n".join(json.dumps(conv(i)) for i in range(20)) + "\n")
        run_job(import_files(inner, [data]))
        with pytest.raises(CuratorError, match="project"):
            do_export(inner, tmp_path, overwrite=True)
        assert nested.is_file() and data.is_file() and records(inner) == 20


def test_refuses_the_project_folder_through_a_symlink(project: Store, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = elsewhere / "link"
    link.symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(CuratorError, match="project"):
        do_export(project, link, overwrite=True)
    assert project.path.is_file() and records(project) == 20


def test_overwrite_refuses_a_folder_that_is_not_an_export(project: Store,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("mine")
    with pytest.raises(CuratorError, match="thesis.docx"):
        do_export(project, out, overwrite=True)
    assert (out / "thesis.docx").read_text() == "mine"


def test_overwrite_refuses_unknown_files_beside_an_export(project: Store,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    do_export(project, out)
    (out / "notes.txt").write_text("mine")
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(CuratorError, match="notes.txt"):
        do_export(project, out, overwrite=True, seed=5)
    assert sorted(p.name for p in out.iterdir()) == before
    assert (out / "notes.txt").read_text() == "mine"


def test_overwrite_replaces_a_previous_export(project: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    do_export(project, out, val_fraction=0.2)
    report = do_export(project, out, overwrite=True, val_fraction=0.0)
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "manifest.json",
                                                      "train.jsonl"]
    assert json.loads((out / "manifest.json").read_text())["export_id"] == report.export_id
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_overwrite_refuses_a_manifest_naming_files_elsewhere(project: Store,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "precious.txt").write_text("mine")
    (out / "manifest.json").write_text(json.dumps({
        "app": "curator", "options": {}, "files": {"../precious.txt": "0" * 64}}))
    with pytest.raises(CuratorError, match="not a Curator export"):
        do_export(project, out, overwrite=True)
    assert (tmp_path / "precious.txt").read_text() == "mine"


# -- item 3: labels export -------------------------------------------------------------------

@pytest.fixture
def labelled(project: Store) -> Store:
    add_field(project, "topic", "single", options=["maths"])
    add_annotator(project, "ann")
    set_label(project, 1, "topic", "ann", "maths")
    return project


def test_labels_export_refuses_the_project_file(labelled: Store) -> None:
    size = labelled.path.stat().st_size
    with pytest.raises(CuratorError, match="project"):
        export_labels(labelled, labelled.path, overwrite=True)
    assert labelled.path.stat().st_size == size and records(labelled) == 20


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_labels_export_refuses_the_project_journal(labelled: Store, suffix: str) -> None:
    journal = Path(str(labelled.path) + suffix)
    with pytest.raises(CuratorError, match="project"):
        export_labels(labelled, journal, fmt="csv", overwrite=True)
    assert records(labelled) == 20


def test_labels_export_refuses_the_project_through_a_symlink(labelled: Store,
                                                              tmp_path: Path) -> None:
    link = tmp_path / "labels.csv"
    link.symlink_to(labelled.path)
    with pytest.raises(CuratorError, match="project"):
        export_labels(labelled, link, overwrite=True)
    assert records(labelled) == 20


def test_labels_export_refuses_an_existing_file(labelled: Store, tmp_path: Path) -> None:
    target = tmp_path / "labels.csv"
    target.write_text("mine")
    with pytest.raises(CuratorError, match="exists"):
        export_labels(labelled, target)
    assert target.read_text() == "mine"


def test_labels_export_overwrite_replaces_the_file(labelled: Store, tmp_path: Path) -> None:
    target = tmp_path / "labels.csv"
    target.write_text("old")
    assert export_labels(labelled, target, overwrite=True).rows == 1
    assert target.read_text().startswith("record,annotator,field,value\n")


def test_labels_export_leaves_a_file_named_like_its_temporary_alone(labelled: Store,
                                                                    tmp_path: Path) -> None:
    mine = tmp_path / "labels.csv.part"
    mine.write_text("mine")
    export_labels(labelled, tmp_path / "labels.csv")
    assert mine.read_text() == "mine"


def test_labels_export_failure_keeps_the_old_file(labelled: Store, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "labels.csv"
    target.write_text("old")

    def crash(src: Any, dst: Any) -> None:
        raise Killed

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(Killed):
        export_labels(labelled, target, overwrite=True)
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir() if "labels" in p.name) == ["labels.csv"]


# -- item 11: one snapshot -------------------------------------------------------------------

def test_export_during_an_import_reads_one_snapshot(project: Store, tmp_path: Path,
                                                    write) -> None:  # type: ignore[no-untyped-def]
    more = write("more.jsonl", "\n".join(json.dumps(conv(i)) for i in range(100, 130)) + "\n")
    job = export(project, tmp_path / "out", ExportOptions(pii="keep"), actor="tester")
    steps = iter(job)
    next(steps)                                   # the export has begun reading
    with Store.open(project.path) as other:       # meanwhile, another window imports
        run_job(import_files(other, [more]))
    report = run_job(job)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [s["name"] for s in manifest["sources"]] == ["data.jsonl"]
    written = sum(len((tmp_path / "out" / name).read_text().splitlines())
                  for name in manifest["split_files"].values())
    assert written == sum(manifest["counts"].values()) == 20
    assert manifest["records"]["total"] == report.records == 20


# -- item 12: leftovers of a killed export ---------------------------------------------------

def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_kill_between_the_renames_is_recovered(project: Store, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = do_export(project, out, val_fraction=0.2)
    old_files = {p.name: p.read_bytes() for p in out.iterdir()}
    calls: list[Any] = []

    def rename(src: Any, dst: Any) -> None:
        calls.append((src, dst))
        if len(calls) == 2:                       # OUTDIR moved aside, new one not in
            raise Killed
        os.replace(src, dst)

    monkeypatch.setattr(writers.os, "rename", rename)
    with pytest.raises(Killed):
        do_export(project, out, overwrite=True, val_fraction=0.0)
    monkeypatch.undo()
    assert not out.exists()                        # the state a kill leaves
    assert any(name.endswith(".partial.old") for name in _hidden(tmp_path))
    notes = recover(out)
    assert any("restored" in note.lower() for note in notes)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old_files
    assert _hidden(tmp_path) == []
    assert [h["id"] for h in history(project)] == [first.export_id]


def test_next_export_removes_a_killed_exports_staging(project: Store, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    out = tmp_path / "out"
    original = writers.write_file
    written: list[Path] = []

    def write_then_die(path: Path, chunks: list[bytes]) -> str:
        written.append(path)
        if len(written) == 2:
            raise Killed
        return original(path, chunks)

    monkeypatch.setattr(export_job, "write_file", write_then_die)
    monkeypatch.setattr(export_job, "discard", lambda staging: None)   # no clean-up: killed
    with pytest.raises(Killed):
        do_export(project, out, val_fraction=0.2)
    monkeypatch.undo()
    writers._ACTIVE.clear()          # the killed process and what it was writing are gone
    assert len(_hidden(tmp_path)) == 1 and _hidden(tmp_path)[0].endswith(".partial")
    report = do_export(project, out)
    assert _hidden(tmp_path) == []
    assert any("interrupted" in warning for warning in report.warnings)


def test_recovery_leaves_a_folder_without_the_marker_alone(project: Store,
                                                           tmp_path: Path) -> None:
    lookalike = tmp_path / ".out.0123456789ab.partial"
    lookalike.mkdir()
    (lookalike / "draft.txt").write_text("mine")
    recover(tmp_path / "out")
    do_export(project, tmp_path / "out")
    assert (lookalike / "draft.txt").read_text() == "mine"


def test_an_incomplete_old_export_is_pointed_at_not_restored(project: Store,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    do_export(project, out)
    old = tmp_path / ".out.0123456789ab.partial.old"
    out.rename(old)
    (old / "train.jsonl").write_text("cut off")
    notes = recover(out)
    assert not out.exists() and old.is_dir()
    assert any(str(old) in note for note in notes)
