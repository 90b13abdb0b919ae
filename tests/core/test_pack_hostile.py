"""Hostile annotation packs: a pack is an untrusted SQLite file from someone else's
machine. Its schema is Curator's or it is refused, it is read in place and read-only,
bounded in size, rows and time, its clock orders nothing, and its text is printed
escaped."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from curator.cli import cli
from curator.core.demo import build_demo
from curator.core.jobs import run_job
from curator.core.labeling import packs
from curator.core.labeling.assignment import add_annotator, create_batch
from curator.core.labeling.labels import field_labels, set_label
from curator.core.labeling.packs import PackImportReport, PackRefused, import_pack
from curator.core.store import Store
from curator.core.text import printable
from tests.core.test_packs import hand_out, merge


@pytest.fixture
def project(pack_project: Path) -> Path:
    return pack_project


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private system temporary folder, so leftovers can be seen (and are ours)."""
    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def first_of_round1(store: Store) -> int:
    """The first record the batch "round1" assigns."""
    return int(store.db.execute(
        "SELECT MIN(record_id) FROM assignments WHERE batch_id = (SELECT id FROM batches "
        "WHERE name = 'round1')").fetchone()[0])


def pack_ids(pack: Path) -> list[int]:
    with sqlite3.connect(pack) as db:
        return [r for (r,) in db.execute("SELECT id FROM records ORDER BY id")]


def intents(project: Path) -> dict[int, dict[str, Any]]:
    with Store.open(project) as store:
        return field_labels(store, "intent")


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(project: Path, pack: Path, words: str) -> PackRefused:
    before, sent = file_hash(project), file_hash(pack)
    with Store.open(project) as store, pytest.raises(PackRefused, match=words) as caught:
        run_job(import_pack(store, pack, actor="coord"))
    assert file_hash(project) == before
    assert file_hash(pack) == sent
    assert len(str(caught.value)) < 600 and "\x1b" not in str(caught.value)
    return caught.value


def tamper(pack: Path, script: str) -> None:
    db = sqlite3.connect(pack)
    try:
        db.executescript(script)
    finally:
        db.close()


# -- 6: only Curator's own schema, never SQL defined by the pack ---------------------


@pytest.mark.parametrize("sql", [
    "CREATE TABLE extra(x)",
    "CREATE VIEW recent AS SELECT * FROM labels",
    "CREATE TRIGGER wipe AFTER INSERT ON labels BEGIN DELETE FROM records; END",
    "CREATE INDEX labels_value ON labels(value)",
    "ALTER TABLE labels ADD COLUMN note TEXT",
])
def test_objects_curator_never_writes_are_refused(project: Path, tmp_path: Path,
                                                  sql: str) -> None:
    pack = hand_out(project, "alice", tmp_path)
    tamper(pack, sql)
    refused(project, pack, "Curator does not write")


def test_labels_as_a_view_is_refused_before_it_is_run(project: Path, tmp_path: Path) -> None:
    """The view adds a label on an unassigned record now and then (random()): refused
    by its schema, whatever random() would have said."""
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(project) as store:
        inside = set(pack_ids(pack))
        outside = next(r for (r,) in store.db.execute("SELECT id FROM records WHERE valid")
                       if r not in inside)
    tamper(pack, f"""
        ALTER TABLE labels RENAME TO real_labels;
        CREATE VIEW labels AS SELECT * FROM real_labels UNION ALL
            SELECT {outside}, 1, 1, '"billing"', '2030-01-01', NULL WHERE random() % 2 = 0;
    """)
    refused(project, pack, "Curator does not write")


def test_a_view_that_never_ends_is_refused_at_once(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    tamper(pack, """
        DROP TABLE labels;
        CREATE VIEW labels(record_id, field_id, annotator_id, value, updated_at, origin) AS
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
            SELECT i, 1, 1, '"billing"', '2030-01-01', NULL FROM n;
    """)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            merge(project, pack)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert outcome, "the import never finished"
    assert isinstance(outcome[0], PackRefused) and "Curator does not write" in str(outcome[0])


def test_a_runaway_query_is_stopped_by_the_deadline() -> None:
    db = sqlite3.connect(":memory:")
    with pytest.raises(PackRefused, match="too long"), packs._deadline(db, 0.2, "x.pack"):
        db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                   "SELECT COUNT(*) FROM n").fetchone()


def test_more_label_rows_than_handed_out_are_refused(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    ids = pack_ids(pack)
    with sqlite3.connect(pack) as db:
        alice = db.execute("SELECT id FROM annotators").fetchone()[0]
        db.executemany(
            "INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at) "
            "VALUES (?, ?, ?, '\"billing\"', '2030-01-01')",
            [(r, f, alice) for r in ids for f in range(3, 40)])
    refused(project, pack, "more labels")


def test_a_huge_label_value_is_refused_and_nothing_is_stored(project: Path,
                                                            tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    record = pack_ids(pack)[0]
    with Store.open(pack) as store:
        set_label(store, record, "intent", "alice", "billing")
        store.db.execute("UPDATE labels SET value = ?", (json.dumps("x" * 3_000_000),))
    refused(project, pack, "longer than")


def test_refusal_reasons_are_stored_short_and_escaped(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    ids = pack_ids(pack)
    with Store.open(pack) as store:
        set_label(store, ids[0], "intent", "alice", "billing")
        set_label(store, ids[1], "intent", "alice", "account")
        store.db.execute("UPDATE labels SET value = ? WHERE record_id = ?",
                         (json.dumps("\x1b[2J" + "y" * 20_000), ids[0]))
    size = project.stat().st_size
    [report] = merge(project, pack)
    assert report.merged == 1 and sum(report.skipped.values()) == 1
    [reason] = report.skipped
    assert len(reason) <= 300 and "\x1b" not in reason and "\\x1b" in reason
    assert all(len(e) <= 400 and "\x1b" not in e for e in report.skipped_examples)
    with Store.open(project) as store:
        [detail] = store.db.execute("SELECT detail FROM packs").fetchone()
        stored = [d for (d,) in store.db.execute("SELECT detail FROM events WHERE action = "
                                                 "'pack_import'")]
    for text in [detail, *stored]:
        assert "\x1b" not in text and "\\u001b" not in text and "y" * 500 not in text
    assert project.stat().st_size < size + 200_000


def test_a_damaged_pack_is_refused(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    # Damage the b-tree pages that hold the records and labels (their page headers), not
    # a fixed stretch of the file: where that stretch falls depends on the schema, and
    # unused space in an empty table's page is no damage at all.
    with sqlite3.connect(pack) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = [n for (n,) in db.execute(
            "SELECT pageno FROM dbstat WHERE name IN ('records', 'labels') AND pageno > 1")]
    db.close()
    assert pages
    data = bytearray(pack.read_bytes())
    for page in pages:
        at = (page - 1) * size
        data[at:at + 16] = b"\xff" * 16
    pack.write_bytes(bytes(data))
    refused(project, pack, "damaged")


def test_a_pack_is_read_in_place_without_a_copy(project: Path, tmp_path: Path, temp: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(pack) as store:
        set_label(store, pack_ids(pack)[0], "intent", "alice", "billing")
    sent = file_hash(pack)

    def no_copies(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pack was copied")

    monkeypatch.setattr(shutil, "copyfile", no_copies)
    monkeypatch.setattr(shutil, "copy2", no_copies)
    [report] = merge(project, pack)
    assert report.merged == 1
    assert file_hash(pack) == sent
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("alice")) == [
        "alice.curatorpack"]
    assert list(temp.rglob("*.curatorpack")) == []


def interrupted_copy(pack: Path, folder: Path) -> Path:
    """A copy of ``pack`` taken while a labelling transaction was open: it comes with a
    hot journal (the annotator's Curator was killed, say, and the files sent as they were)."""
    target = folder / pack.name
    db = sqlite3.connect(pack, isolation_level=None)
    try:
        db.execute("PRAGMA cache_size = 1")  # spill the change into the file itself
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE labels SET value = '\"other\"'")
        db.execute("UPDATE records SET notes = hex(randomblob(3000))")
        shutil.copyfile(pack, target)
        shutil.copyfile(f"{pack}-journal", f"{target}-journal")
        db.execute("ROLLBACK")
    finally:
        db.close()
    return target


def test_a_pack_sent_with_its_journal_is_read_from_a_private_copy(
        project: Path, tmp_path: Path, temp: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    record = pack_ids(pack)[0]
    with Store.open(pack) as store:
        set_label(store, record, "intent", "alice", "billing")
    (tmp_path / "sent").mkdir()
    sent = interrupted_copy(pack, tmp_path / "sent")
    hashes = file_hash(sent), file_hash(Path(f"{sent}-journal"))
    [report] = merge(project, sent)
    assert report.merged == 1 and intents(project)[record] == {"alice": "billing"}
    assert (file_hash(sent), file_hash(Path(f"{sent}-journal"))) == hashes
    assert [p for p in temp.rglob("*") if p.is_file()] == []


def test_copies_left_by_a_killed_import_are_removed_at_the_next(
        project: Path, tmp_path: Path, temp: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(pack) as store:
        set_label(store, pack_ids(pack)[0], "intent", "alice", "billing")
    (tmp_path / "sent").mkdir()
    sent = interrupted_copy(pack, tmp_path / "sent")
    # An import killed while it holds its private copy (as by the OOM killer or kill -9).
    script = ("import os, signal, sys\n"
              "from pathlib import Path\n"
              "from curator.core.labeling import packs\n"
              "with packs._private_copy(Path(sys.argv[1])):\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    child = subprocess.run([sys.executable, "-c", script, str(sent)], check=False,
                           env={**os.environ, "TMPDIR": str(temp)}, capture_output=True,
                           text=True)
    assert child.returncode == -9, child.stderr
    left = [p for p in temp.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".curatorpack") for p in left)
    folder = packs.temp_folder()
    mine = folder / f"pack-{os.getpid()}-00000000.curatorpack"   # a live import's copy
    mine.write_bytes(b"in use")
    unrelated = folder / "notes.txt"
    unrelated.write_text("not Curator's")
    merge(project, pack)
    assert sorted(p.name for p in temp.rglob("*") if p.is_file()) == sorted(
        [mine.name, unrelated.name])


# -- 7: the pack's clock orders nothing ---------------------------------------------


def test_a_pack_clock_far_ahead_does_not_beat_a_later_correction(project: Path,
                                                                tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    record = pack_ids(pack)[0]
    with Store.open(pack) as store:
        set_label(store, record, "intent", "alice", "billing")
        store.db.execute("UPDATE labels SET updated_at = '9999-12-31T23:59:59.999+00:00'")
    [first] = merge(project, pack)
    assert first.merged == 1
    with Store.open(project) as store:
        [stamp] = store.db.execute(
            "SELECT updated_at FROM labels WHERE record_id = ? AND origin LIKE 'pack:%'",
            (record,)).fetchone()
        assert stamp < "9000"                      # the project's clock, not the pack's
        [event] = [e for e in store.events(record) if e["action"] == "label"]
        assert event["detail"]["labelled_at"] == "9999-12-31T23:59:59.999+00:00"
        set_label(store, record, "intent", "alice", "product", origin="csv", actor="coord")
    [again] = merge(project, pack)
    assert (again.merged, again.kept_newer) == (0, 1)
    assert intents(project)[record] == {"alice": "product"}


def test_a_change_in_the_pack_is_merged_whatever_its_clock_says(project: Path,
                                                               tmp_path: Path) -> None:
    with Store.open(project) as store:
        record = first_of_round1(store)
        set_label(store, record, "intent", "alice", "account")
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(pack) as store:
        set_label(store, record, "intent", "alice", "billing")
        store.db.execute("UPDATE labels SET updated_at = '2000-01-01T00:00:00.000+00:00'")
    [report] = merge(project, pack)
    assert report.merged == 1
    assert intents(project)[record] == {"alice": "billing"}


def test_an_untouched_label_carried_out_does_not_undo_a_correction(project: Path,
                                                                  tmp_path: Path) -> None:
    with Store.open(project) as store:
        record = first_of_round1(store)
        set_label(store, record, "intent", "alice", "account")
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(project) as store:
        set_label(store, record, "intent", "alice", "product", actor="coord")
    with sqlite3.connect(pack) as db:   # the annotator's clock says "later", nothing else
        db.execute("UPDATE labels SET updated_at = '9999-12-31T23:59:59.999+00:00'")
    [report] = merge(project, pack)
    assert (report.merged, report.kept_newer) == (0, 1)
    assert intents(project)[record] == {"alice": "product"}


# -- 8: text from a pack is printed escaped ------------------------------------------


def test_printable_escapes_controls_and_shortens() -> None:
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("ring\x07\nnext\tcol") == "ring\\x07\\x0anext\\x09col"
    assert printable("abc\u202edcba\x9b") == "abc\\u202edcba\\x9b"
    assert printable("café ✓ 名前") == "café ✓ 名前"
    assert printable("x" * 10_000, 20) == "x" * 20 + "…"
    assert printable("\x1b" * 100, 10).endswith("…") and len(printable("\x1b" * 100, 10)) <= 11
    assert printable("\ud800") == "\\ud800"


def cli_run(*args: str) -> tuple[int, str, str]:
    # color=True: click strips some escape codes when it thinks the output is a file,
    # but a terminal gets them as they are.
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, color=True)
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_prints_a_foreign_project_name_escaped(project: Path, tmp_path: Path) -> None:
    other, _ = build_demo(tmp_path / "other.curator", run_job, kinds=("schema",))
    with Store.open(other) as store:
        store.set_setting("name", "\x1b[2J\x1b]0;owned\x07evil")
    (tmp_path / "o").mkdir()
    pack = hand_out(other, "alice", tmp_path / "o", batch=None)
    before = file_hash(project)
    code, out, err = cli_run("pack", "import", str(project), str(pack))
    assert code == 1 and "another project" in err
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b[2J" in err
    assert file_hash(project) == before


def test_the_cli_prints_names_escaped(project: Path, tmp_path: Path) -> None:
    name, batch = "eve\x1b[2J", "b\x1b]0;t\x07"
    with Store.open(project) as store:
        add_annotator(store, name)
        ids = [r for (r,) in store.db.execute("SELECT id FROM records WHERE valid LIMIT 2")]
        create_batch(store, batch, ids, [name])
    pack = tmp_path / "eve.curatorpack"
    code, out, err = cli_run("pack", "export", str(project), str(pack), "--annotator", name,
                             "--batch", batch)
    assert code == 0 and "\x1b" not in out + err and "\x07" not in out + err
    with Store.open(pack) as store:
        set_label(store, ids[0], "intent", name, "billing")
    for command in (("pack", "import", str(project), str(pack)),
                    ("pack", "status", str(project))):
        code, out, err = cli_run(*command)
        assert code == 0 and "eve\\x1b[2J" in out
        assert "\x1b" not in out + err and "\x07" not in out + err


def test_the_window_shows_pack_names_escaped(qtbot: Any) -> None:
    from curator.app.packs_view import PackBanner, import_summary
    from curator.core.labeling.packs import PackInfo

    info = PackInfo(project_id="p", project_name="\x1b[2Jcoord", annotator="al\x1bice",
                    batch="b\x07", records=3, schema_version="1", digest="d",
                    exported_at="2024-01-01", exported_by="coord")
    banner = PackBanner()
    qtbot.addWidget(banner)
    banner.show_pack(info, Path("x\x1b.curatorpack"))
    shown = banner.text.text()
    assert "\x1b" not in shown and "\x07" not in shown and "\\x1b[2Jcoord" in shown
    report = PackImportReport(pack="p", annotator="al\x1bice", batch=None, digest="d",
                              records=3, skipped={"bad \x1b[2J": 1})
    summary = import_summary(report)
    assert "\x1b" not in summary and "al\\x1bice" in summary
