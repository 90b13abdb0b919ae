"""Annotation packs: hand out, label elsewhere, merge back; refusals change nothing."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from curator.core.demo import build_demo
from curator.core.errors import Cancelled, CuratorError
from curator.core.jobs import run_job
from curator.core.labeling.assignment import add_annotator, create_batch
from curator.core.labeling.labels import field_labels, set_label
from curator.core.labeling.measure import agreement_by_field
from curator.core.labeling.packs import (
    PackRefused,
    content_digest,
    export_pack,
    import_pack,
    pack_info,
    pack_status,
)
from curator.core.labeling.schema import edit_field, get_field
from curator.core.store import Store


@pytest.fixture
def project(pack_project: Path) -> Path:
    return pack_project


def hand_out(project: Path, annotator: str, folder: Path, batch: str | None = "round1"
             ) -> Path:
    pack = folder / f"{annotator}.curatorpack"
    with Store.open(project) as store:
        run_job(export_pack(store, pack, annotator, batch, actor="coord"))
    return pack


def pack_records(pack: Path) -> list[int]:
    with Store.open(pack) as store:
        return [r for (r,) in store.db.execute("SELECT id FROM records ORDER BY id")]


def label_in_pack(pack: Path, annotator: str, values: dict[int, tuple[str, int]]) -> None:
    """What an annotator does in their own Curator: open the pack and label."""
    with Store.open(pack) as store:
        for record_id, (intent, rating) in values.items():
            set_label(store, record_id, "intent", annotator, intent)
            set_label(store, record_id, "helpfulness", annotator, rating)


def merge(project: Path, *packs: Path) -> list:
    reports = []
    with Store.open(project) as store:
        for pack in packs:
            reports.append(run_job(import_pack(store, pack, actor="coord")))
    return reports


def labels_of(project: Path) -> dict[str, dict]:
    with Store.open(project) as store:
        return {name: {rid: dict(v) for rid, v in field_labels(store, name).items()}
                for name in ("intent", "helpfulness")}


def agreement_of(project: Path, batch: str = "round1") -> dict:
    with Store.open(project) as store:
        return agreement_by_field(store, batch)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_pack_is_a_project_file_for_one_annotator(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(project) as store:
        assigned = {r for (r,) in store.db.execute(
            "SELECT record_id FROM assignments a JOIN annotators p ON p.id = a.annotator_id "
            "WHERE p.name = 'alice' AND a.batch_id = (SELECT id FROM batches WHERE "
            "name = 'round1')")}
        project_id = store.project_id
    with Store.open(pack) as store:
        info = pack_info(store)
        assert info is not None
        assert (info.annotator, info.batch, info.project_id) == ("alice", "round1", project_id)
        assert set(pack_records(pack)) == assigned and info.records == len(assigned)
        assert [a for (a,) in store.db.execute("SELECT name FROM annotators")] == ["alice"]
        assert "customer wants" in str(store.setting("guidelines"))
        assert [f for (f,) in store.db.execute("SELECT name FROM label_fields ORDER BY id")] \
            == ["intent", "helpfulness"]
        # One file holds every committed label: no write-ahead log beside it.
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert content_digest(store.db) == info.digest
    with Store.open(project) as store:
        [status] = pack_status(store)
    assert (status.annotator, status.status, status.records) == ("alice", "handed out",
                                                                 len(assigned))


def test_round_trip_in_either_order_twice_gives_the_same_labels(project: Path,
                                                                tmp_path: Path) -> None:
    alice, bob = hand_out(project, "alice", tmp_path), hand_out(project, "bob", tmp_path)
    ids = pack_records(alice)
    assert ids == pack_records(bob)  # overlap 2: both label everything
    intents = ["account", "billing", "product", "technical", "other"]
    label_in_pack(alice, "alice", {r: (intents[i % 5], 1 + i % 5) for i, r in enumerate(ids)})
    label_in_pack(bob, "bob", {r: (intents[(i // 2) % 5], 1 + (i // 3) % 5)
                               for i, r in enumerate(ids)})
    one, two = tmp_path / "one.curator", tmp_path / "two.curator"
    shutil.copyfile(project, one)
    shutil.copyfile(project, two)
    first = merge(one, alice, bob, alice, bob)
    merge(two, bob, alice, bob)
    assert labels_of(one) == labels_of(two)
    merged = labels_of(one)["intent"]
    assert all(set(merged[r]) == {"alice", "bob"} for r in ids)
    assert first[0].merged == 2 * len(ids) and first[2].merged == 0
    assert first[2].unchanged == 2 * len(ids)
    assert agreement_of(one) == agreement_of(two)
    assert agreement_of(one)["intent"]["items"] == len(ids)
    with Store.open(one) as store:
        statuses = {s.annotator: s for s in pack_status(store)}
        origin = store.db.execute("SELECT DISTINCT origin FROM labels l JOIN annotators a "
                                  "ON a.id = l.annotator_id WHERE a.name = 'alice' AND "
                                  "l.record_id IN (%s)" % ",".join(map(str, ids))).fetchall()
        events = [e for e in store.events() if e["action"] == "label"
                  and (e["detail"] or {}).get("origin") == "pack"]
    assert statuses["alice"].status == "merged" and statuses["bob"].merged == 2 * len(ids)
    assert statuses["alice"].labelled_in_project == len(ids)
    assert origin == [(f"pack:{statuses['alice'].digest[:12]}",)]
    # Provenance: who labelled, which pack, when labelled, who imported.
    assert len(events) == 4 * len(ids)
    assert {e["actor"] for e in events} == {"alice", "bob"}
    assert all(e["detail"]["imported_by"] == "coord" and e["detail"]["labelled_at"]
               for e in events)


def test_the_pack_imported_last_wins(project: Path, tmp_path: Path) -> None:
    """Two packs for one annotator that disagree: the one imported last wins (the
    project's order; the annotators' clocks order nothing), and importing either again
    changes nothing."""
    with Store.open(project) as store:
        add_annotator(store, "dana")
        ids = [r for (r,) in store.db.execute(
            "SELECT DISTINCT record_id FROM assignments WHERE batch_id = (SELECT id FROM "
            "batches WHERE name = 'round1') ORDER BY record_id LIMIT 3")]
        create_batch(store, "extra", ids[:2], ["dana"])
        create_batch(store, "more", ids[:3], ["dana"])
    (tmp_path / "early").mkdir()
    (tmp_path / "late").mkdir()
    early = hand_out(project, "dana", tmp_path / "early", "extra")
    late = hand_out(project, "dana", tmp_path / "late", "more")
    label_in_pack(early, "dana", {ids[0]: ("billing", 2), ids[1]: ("other", 3)})
    label_in_pack(late, "dana", {ids[0]: ("account", 5), ids[2]: ("product", 4)})
    one, two = tmp_path / "one.curator", tmp_path / "two.curator"
    shutil.copyfile(project, one)
    shutil.copyfile(project, two)
    merge(one, early, late)
    reports = merge(two, late, early)
    assert labels_of(one)["intent"][ids[0]]["dana"] == "account"
    assert labels_of(two)["intent"][ids[0]]["dana"] == "billing"
    for labels in (labels_of(one), labels_of(two)):
        assert labels["intent"][ids[1]]["dana"] == "other"
        assert labels["intent"][ids[2]]["dana"] == "product"
    assert (reports[1].merged, reports[1].kept_newer) == (4, 0)
    settled = labels_of(two)
    again = merge(two, late, early)
    assert labels_of(two) == settled
    assert [(r.merged, r.kept_newer) for r in again] == [(0, 2), (0, 0)]


def test_another_annotators_labels_are_never_touched(project: Path, tmp_path: Path) -> None:
    alice = hand_out(project, "alice", tmp_path)
    ids = pack_records(alice)
    with Store.open(project) as store:
        set_label(store, ids[0], "intent", "bob", "technical")
    label_in_pack(alice, "alice", {r: ("billing", 3) for r in ids})
    merge(project, alice)
    labels = labels_of(project)["intent"]
    assert labels[ids[0]] == {"alice": "billing", "bob": "technical"}


def test_labels_carried_out_come_back_and_newer_project_labels_stay(project: Path,
                                                                    tmp_path: Path) -> None:
    with Store.open(project) as store:
        ids = [r for (r,) in store.db.execute(
            "SELECT DISTINCT record_id FROM assignments WHERE batch_id = (SELECT id FROM "
            "batches WHERE name = 'round1') ORDER BY record_id LIMIT 3")]
        set_label(store, ids[0], "intent", "alice", "other")
        set_label(store, ids[2], "intent", "alice", "technical")
    alice = hand_out(project, "alice", tmp_path)
    with Store.open(alice) as store:
        assert field_labels(store, "intent")[ids[0]] == {"alice": "other"}
    label_in_pack(alice, "alice", {ids[1]: ("billing", 2)})
    with Store.open(project) as store:  # relabelled in the project after the pack
        set_label(store, ids[1], "intent", "alice", "product")
        set_label(store, ids[2], "intent", "alice", "account")
    [report] = merge(project, alice)
    # Carried out and untouched in the pack: the project's later label stays.
    assert labels_of(project)["intent"][ids[2]] == {"alice": "account"}
    # Changed on both sides: the pack's label is the last the project sees, so it wins.
    assert labels_of(project)["intent"][ids[1]] == {"alice": "billing"}
    assert report.kept_newer == 1 and report.unchanged == 1 and report.merged == 2


def test_an_older_schema_merges_what_fits_and_reports_the_rest(project: Path,
                                                              tmp_path: Path) -> None:
    alice = hand_out(project, "alice", tmp_path)
    ids = pack_records(alice)
    label_in_pack(alice, "alice", {ids[0]: ("billing", 4), ids[1]: ("account", 2)})
    with Store.open(project) as store:
        intent = get_field(store, "intent")
        edit_field(store, "intent", options=[o for o in intent.options
                                             if o.value != "billing"])
    [report] = merge(project, alice)
    assert report.schema_changed
    assert report.merged == 3
    assert sum(report.skipped.values()) == 1
    assert "billing" in next(iter(report.skipped))
    assert labels_of(project)["intent"][ids[1]] == {"alice": "account"}
    assert ids[0] not in labels_of(project)["intent"]
    assert labels_of(project)["helpfulness"][ids[0]] == {"alice": 4}


# -- refusals: each leaves the project byte-identical ------------------------------


def refused(project: Path, pack: Path, words: str) -> None:
    before = file_hash(project)
    with Store.open(project) as store, pytest.raises(PackRefused, match=words):
        run_job(import_pack(store, pack, actor="coord"))
    assert file_hash(project) == before
    assert not Path(f"{project}-wal").exists() or Path(f"{project}-wal").stat().st_size == 0


def test_refuses_a_pack_of_another_project(project: Path, tmp_path: Path) -> None:
    other, _ = build_demo(tmp_path / "other.curator", run_job, kinds=("schema",))
    (tmp_path / "o").mkdir()
    pack = hand_out(other, "alice", tmp_path / "o", batch=None)
    refused(project, pack, "another project")


def test_refuses_altered_records(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    with sqlite3.connect(pack) as db:
        db.execute("UPDATE records SET conversation = '{\"messages\": []}' WHERE id = "
                   "(SELECT MIN(id) FROM records)")
    refused(project, pack, "were changed after it was handed out")


def test_refuses_an_altered_schema(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    with sqlite3.connect(pack) as db:
        db.execute("UPDATE label_fields SET options = '[{\"value\": \"spam\"}]' "
                   "WHERE name = 'intent'")
    refused(project, pack, "label fields")


def test_refuses_labels_on_records_not_assigned(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    inside = set(pack_records(pack))
    with Store.open(project) as store:  # a record of alice's other batch (the pilot)
        outside = next(r for (r,) in store.db.execute("SELECT id FROM records WHERE valid")
                       if r not in inside)
        alice = store.db.execute("SELECT id FROM annotators WHERE name = 'alice'").fetchone()[0]
    with sqlite3.connect(pack) as db:
        db.execute("INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at) "
                   "VALUES (?, 1, ?, '\"billing\"', '2030-01-01')", (outside, alice))
    refused(project, pack, "not assigned")


def test_refuses_labels_by_another_annotator(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    record = pack_records(pack)[0]
    with Store.open(project) as store:
        bob = store.db.execute("SELECT id FROM annotators WHERE name = 'bob'").fetchone()[0]
    with sqlite3.connect(pack) as db:
        db.execute("INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at) "
                   "VALUES (?, 1, ?, '\"billing\"', '2030-01-01')", (record, bob))
    refused(project, pack, "someone other than alice")


def test_refuses_a_pack_not_handed_out_from_this_file(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.curator"
    shutil.copyfile(project, copy)
    (tmp_path / "c").mkdir()
    pack = hand_out(copy, "alice", tmp_path / "c")
    refused(project, pack, "not handed out from this project")


def test_refuses_files_that_are_not_packs(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "plain.curator"
    shutil.copyfile(project, other)
    refused(project, other, "not an annotation pack")
    junk = tmp_path / "junk.curatorpack"
    junk.write_text("hello")
    refused(project, junk, "not an annotation pack")
    refused(project, tmp_path / "missing.curatorpack", "no pack")


def test_export_refusals_and_cancel_leave_nothing(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        add_annotator(store, "erin")
        with pytest.raises(CuratorError, match="no records assigned"):
            run_job(export_pack(store, tmp_path / "e.curatorpack", "erin"))
        with pytest.raises(CuratorError, match="no annotator"):
            run_job(export_pack(store, tmp_path / "e.curatorpack", "zed"))
        cancel = __import__("threading").Event()
        cancel.set()
        with pytest.raises(Cancelled):
            run_job(export_pack(store, tmp_path / "a.curatorpack", "alice"), cancel=cancel)
        assert pack_status(store) == []
    assert sorted(p.name for p in tmp_path.iterdir() if "pack" in p.name) == []
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(project) as store, pytest.raises(CuratorError, match="already exists"):
        run_job(export_pack(store, pack, "alice", "round1"))


def test_the_same_pack_handed_out_twice_is_one_pack(project: Path, tmp_path: Path) -> None:
    pack = hand_out(project, "alice", tmp_path)
    with Store.open(project) as store:
        run_job(export_pack(store, pack, "alice", "round1", overwrite=True))
        assert len(pack_status(store)) == 1
