"""The project file: creation, refusal of foreign files, transactions."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from curator.core.errors import Cancelled, DiskFullError, NewerProjectError, NotAProjectError
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store.migrations import SCHEMA_VERSION

GOOD = '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}'


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_project_uses_wal_and_foreign_keys(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_reopening_keeps_the_project_id(tmp_path: Path) -> None:
    with Store.open(tmp_path / "p.curator", create=True) as first:
        project_id = first.project_id
    with Store.open(tmp_path / "p.curator") as second:
        assert second.project_id == project_id


def test_missing_project_is_not_created_unless_asked(tmp_path: Path) -> None:
    with pytest.raises(NotAProjectError, match="no project"):
        Store.open(tmp_path / "absent.curator")
    assert not (tmp_path / "absent.curator").exists()


def test_text_file_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(GOOD + "\n")
    before = digest(path)
    with pytest.raises(NotAProjectError, match="not an SQLite database"):
        Store.open(path, create=True)
    assert digest(path) == before


def test_other_sqlite_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    before = digest(path)
    with pytest.raises(NotAProjectError, match="not a Curator project"):
        Store.open(path, create=True)
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists()


def test_project_from_a_newer_curator_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "new.curator"
    Store.open(path, create=True).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    before = digest(path)
    with pytest.raises(NewerProjectError, match="newer version of Curator"):
        Store.open(path)
    assert digest(path) == before


def test_atomic_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.atomic():
        store.set_setting("profile", "bedrock")
        raise RuntimeError("boom")
    assert store.setting("profile") is None


def test_nested_atomic_rolls_back_only_the_inner_part(store: Store) -> None:
    with store.atomic():
        store.set_setting("a", 1)
        with pytest.raises(RuntimeError), store.atomic():
            store.set_setting("b", 2)
            raise RuntimeError("inner")
    assert (store.setting("a"), store.setting("b")) == (1, None)


def test_settings_changes_are_in_the_audit_trail(store: Store) -> None:
    store.set_setting("profile", "mistral", actor="ana")
    (event,) = store.events()
    assert (event["actor"], event["action"]) == ("ana", "setting")
    assert event["detail"] == {"key": "profile", "before": None, "after": "mistral"}


def test_cancelled_import_leaves_the_project_unchanged(tmp_path: Path, store: Store) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(GOOD + "\n")
    run_job(import_files(store, [first]))
    big = tmp_path / "big.jsonl"
    big.write_text("".join(GOOD.replace("Hi", f"Hi {i}") + "\n" for i in range(10_000)))
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        run_job(import_files(store, [big]), on_progress=lambda p: cancel.set(), cancel=cancel)
    assert store.record_count() == 1
    assert [s["name"] for s in store.sources()] == ["first.jsonl"]
    report = run_job(import_files(store, [big]))
    assert report.records == 10_000


def test_full_disk_rolls_back_with_a_clear_message(tmp_path: Path, store: Store) -> None:
    big = tmp_path / "big.jsonl"
    big.write_text("".join(GOOD.replace("Hi", "Hi " + "x" * 500) + "\n" for _ in range(5_000)))
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 20}")  # a nearly full disk
    with pytest.raises(DiskFullError, match="disk is full"):
        run_job(import_files(store, [big]))
    assert store.record_count() == 0
    assert store.sources() == []
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_second_connection_sees_committed_records(tmp_path: Path, store: Store) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(GOOD + "\n")
    with Store.open(store.path) as reader:
        assert reader.record_count() == 0
        run_job(import_files(store, [data]))
        assert reader.record_count() == 1


def test_text_index_keeps_finished_batches_when_cancelled(tmp_path: Path,
                                                          store: Store) -> None:
    from curator.core.store.browse import RecordFilter, index_text, query_ids

    data = tmp_path / "d.jsonl"
    data.write_text("".join(GOOD.replace("Hi", f"Hi number{i}") + "\n" for i in range(50)))
    run_job(import_files(store, [data]))
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        run_job(index_text(store, batch=10), on_progress=lambda p: cancel.set(),
                cancel=cancel)
    indexed = store.db.execute(
        "SELECT COUNT(*) FROM records WHERE indexed_revision IS NOT NULL").fetchone()[0]
    assert indexed == 10
    assert run_job(index_text(store, batch=10)) == 40
    assert len(query_ids(store, RecordFilter(search="number7"))) == 1
