"""Labelling core: schema, annotators and batches, labels, adjudication, import/export."""

from __future__ import annotations

import json
import threading
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.core.errors import Cancelled, CuratorError, InputFileError
from curator.core.jobs import run_job
from curator.core.labeling import assignment as asg
from curator.core.labeling import labels as lab
from curator.core.labeling import schema as sch
from curator.core.labeling.transfer import export_labels, import_labels, infer_field
from curator.core.store import Store

RECORDS = 10


def line(n: int) -> str:
    return json.dumps({"id": f"r{n}", "messages": [
        {"role": "user", "content": f"Question {n}?"},
        {"role": "assistant", "content": f"Answer {n}."}]})


@pytest.fixture
def project(store: Store, write, do_import) -> Store:  # type: ignore[no-untyped-def]
    """Ten valid records r1..r10 (ids 1..10), one invalid line (id 11)."""
    text = "\n".join(line(n) for n in range(1, RECORDS + 1)) + "\n{not json\n"
    do_import(write("data.jsonl", text))
    sch.add_field(store, "tone", "single", ["polite", "rude", {"value": "neutral", "key": "n"}])
    sch.add_field(store, "quality", "rating", scale=5)
    sch.add_field(store, "topics", "multi", ["code", "math", "chat"])
    sch.add_field(store, "comment", "text")
    for name in ("alice", "bob", "carol"):
        asg.add_annotator(store, name)
    asg.add_annotator(store, "judge", "adjudicator")
    return store


def rid(store: Store, key: str) -> int:
    return int(store.db.execute("SELECT id FROM records WHERE key = ?", (key,)).fetchone()[0])


def label_events(store: Store) -> list[dict]:  # type: ignore[type-arg]
    return [e for e in store.events() if e["action"] == "label"]


# -- schema --------------------------------------------------------------------------


def test_option_keys_use_digits_after_explicit_keys(project: Store) -> None:
    tone = sch.get_field(project, "tone")
    assert tone.keys() == {"n": "neutral", "1": "polite", "2": "rude"}
    assert sch.get_field(project, "quality").keys() == {str(n): n for n in range(1, 6)}


def test_ten_point_rating_uses_zero_for_ten(project: Store) -> None:
    fld = sch.add_field(project, "stars", "rating", scale=10)
    assert fld.keys()["0"] == 10 and fld.keys()["9"] == 9


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "tone", "kind": "single", "options": ["a"]}, "already a label field"),
    ({"name": "x", "kind": "colour"}, "Unknown field kind"),
    ({"name": "x", "kind": "single", "options": ["a", "a"]}, "twice"),
    ({"name": "x", "kind": "rating", "scale": 11}, "scale from 2 to 10"),
    ({"name": "x", "kind": "rating"}, "scale from 2 to 10"),
    ({"name": "x", "kind": "text", "options": ["a"]}, "no options"),
    ({"name": "x", "kind": "single", "options": [{"value": "a", "key": "k"},
                                                 {"value": "b", "key": "K"}]}, "same key"),
    ({"name": " ", "kind": "text"}, "needs a name"),
])
def test_invalid_schema_is_refused_in_words(project: Store, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CuratorError, match=message):
        sch.add_field(project, **kwargs)


def test_renaming_an_option_keeps_labels_and_reports_them_stale(project: Store) -> None:
    lab.set_label(project, 1, "tone", "alice", "rude")
    lab.set_label(project, 2, "tone", "alice", "polite")
    sch.edit_field(project, "tone", options=["polite", "impolite", "neutral"])
    assert lab.labels_for(project, 1, "alice")[0].value == "rude"
    stale = sch.stale_labels(project)
    assert [(s.field, s.value, s.count, s.records) for s in stale] == [("tone", "rude", 1, [1])]
    with pytest.raises(CuratorError, match='"rude" is not an option'):
        lab.set_label(project, 3, "tone", "alice", "rude")


def test_archived_option_stays_valid_but_leaves_the_buttons(project: Store) -> None:
    lab.set_label(project, 1, "tone", "alice", "rude")
    fld = sch.archive_option(project, "tone", "rude")
    assert fld.choices() == ["polite", "neutral"]
    assert "rude" not in fld.keys().values()
    assert sch.stale_labels(project) == []
    assert lab.final_labels(project, "tone") == {1: "rude"}


def test_archived_field_keeps_labels_and_refuses_new_ones(project: Store) -> None:
    lab.set_label(project, 1, "quality", "alice", 4)
    sch.archive_field(project, "quality")
    assert "quality" not in [f.name for f in sch.fields(project)]
    assert lab.labels_for(project, 1)[0].value == 4
    with pytest.raises(CuratorError, match="archived"):
        lab.set_label(project, 2, "quality", "alice", 3)


def test_shrinking_a_scale_reports_ratings_above_it(project: Store) -> None:
    lab.set_label(project, 1, "quality", "alice", 5)
    sch.edit_field(project, "quality", scale=3)
    assert [(s.field, s.value) for s in sch.stale_labels(project)] == [("quality", 5)]


def test_kind_cannot_change_once_labelled(project: Store) -> None:
    sch.edit_field(project, "comment", kind="single", options=["a"])   # no labels yet
    lab.set_label(project, 1, "comment", "alice", "a")
    with pytest.raises(CuratorError, match="already has labels"):
        sch.edit_field(project, "comment", kind="text")


def test_schema_version_follows_meaning_not_keys(project: Store) -> None:
    first = sch.schema_version(project)
    sch.edit_field(project, "tone", options=["polite", "rude", "neutral"])  # key "n" dropped
    assert sch.schema_version(project) == first
    sch.edit_field(project, "tone", description="How the answer sounds")
    second = sch.schema_version(project)
    assert second != first
    sch.archive_field(project, "comment")
    assert sch.schema_version(project) not in (first, second)


def test_schema_edits_are_in_the_audit_trail(project: Store) -> None:
    sch.edit_field(project, "tone", new_name="manner", actor="lead")
    event = [e for e in project.events() if e["action"] == "label_field"][-1]
    assert event["actor"] == "lead"
    assert event["detail"]["before"]["name"] == "tone"
    assert event["detail"]["after"]["name"] == "manner"


# -- values --------------------------------------------------------------------------


@pytest.mark.parametrize("name, value, stored", [
    ("tone", "polite", "polite"),
    ("quality", "4", 4),
    ("quality", 4.0, 4),
    ("topics", ["chat", "code", "chat"], ["code", "chat"]),   # option order, no repeats
    ("topics", "math", ["math"]),
    ("topics", [], None),
    ("comment", "  ", None),
])
def test_values_are_normalised(project: Store, name, value, stored) -> None:  # type: ignore[no-untyped-def]
    assert sch.normalise_value(sch.get_field(project, name), value) == stored


@pytest.mark.parametrize("name, value, message", [
    ("tone", "angry", '"angry" is not an option of the field "tone"'),
    ("quality", 6, "outside the rating scale"),
    ("quality", True, "takes a rating"),
    ("quality", "good", "takes a rating"),
    ("topics", ["code", "art"], '"art" is not an option'),
    ("comment", 3, "takes text"),
])
def test_bad_values_are_refused_in_words(project: Store, name, value, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CuratorError, match=message):
        lab.set_label(project, 1, name, "alice", value)
    assert lab.labels_for(project, 1) == []


def test_multi_value_parses_json_list_or_commas(project: Store) -> None:
    topics = sch.get_field(project, "topics")
    assert sch.parse_value(topics, '["math", "code"]') == ["code", "math"]
    assert sch.parse_value(topics, "math, chat") == ["math", "chat"]


# -- labels --------------------------------------------------------------------------


def test_set_label_logs_who_before_and_after(project: Store) -> None:
    assert lab.set_label(project, 1, "tone", "alice", "polite")
    assert lab.set_label(project, 1, "tone", "alice", "rude")
    assert not lab.set_label(project, 1, "tone", "alice", "rude")   # unchanged: no event
    events = label_events(project)
    assert [(e["actor"], e["record_id"], e["detail"]["before"], e["detail"]["after"])
            for e in events] == [("alice", 1, None, "polite"), ("alice", 1, "polite", "rude")]
    assert events[0]["detail"]["field"] == "tone"


def test_clear_label_removes_and_logs(project: Store) -> None:
    lab.set_label(project, 1, "quality", "alice", 3)
    assert lab.clear_label(project, 1, "quality", "alice")
    assert not lab.clear_label(project, 1, "quality", "alice")
    assert lab.labels_for(project, 1) == []
    detail = label_events(project)[-1]["detail"]
    assert (detail["before"], detail["after"]) == (3, None)


def test_setting_none_clears_like_clear_label(project: Store) -> None:
    lab.set_label(project, 1, "topics", "alice", ["code"])
    lab.set_label(project, 1, "topics", "alice", [])
    assert lab.labels_for(project, 1) == []


def test_label_is_on_disk_when_set_label_returns(project: Store) -> None:
    lab.set_label(project, 2, "tone", "bob", "neutral")
    with Store.open(project.path) as other:
        assert [(x.annotator, x.value) for x in lab.labels_for(other, 2)] == [("bob", "neutral")]


def test_invalid_record_and_unknown_annotator_are_refused(project: Store) -> None:
    with pytest.raises(CuratorError, match="could not be read"):
        lab.set_label(project, 11, "tone", "alice", "polite")
    with pytest.raises(CuratorError, match='no annotator called "zoe"'):
        lab.set_label(project, 1, "tone", "zoe", "polite")
    with pytest.raises(CuratorError, match='no label field "mood"'):
        lab.set_label(project, 1, "mood", "alice", "polite")


def test_labels_for_orders_by_schema_then_annotator(project: Store) -> None:
    lab.set_label(project, 1, "quality", "bob", 2)
    lab.set_label(project, 1, "tone", "carol", "rude")
    lab.set_label(project, 1, "tone", "alice", "polite")
    assert [(x.field, x.annotator) for x in lab.labels_for(project, 1)] == [
        ("tone", "alice"), ("tone", "carol"), ("quality", "bob")]
    assert [x.field for x in lab.labels_for(project, 1, "bob")] == ["quality"]


# -- batches, progress, blind --------------------------------------------------------


def test_batch_balances_load_and_pairs_deterministically(project: Store) -> None:
    for name in ("dave", "erin"):
        asg.add_annotator(project, name)
    people = ["alice", "bob", "carol", "dave", "erin"]
    asg.create_batch(project, "main", list(range(1, 11)), people, overlap=2, seed=7)
    first = asg.batch_assignments(project, "main")
    assert sorted(first) == list(range(1, 11))
    assert all(len(v) == 2 for v in first.values())
    loads = Counter(p for v in first.values() for p in v)
    assert set(loads.values()) == {4}                           # 20 slots / 5 people
    pairs = Counter(tuple(v) for v in first.values())
    assert set(pairs) == set(combinations(people, 2))           # every pair meets once
    asg.create_batch(project, "again", list(range(1, 11)), people, overlap=2, seed=7)
    assert asg.batch_assignments(project, "again") == first


def test_batch_from_a_filter_leaves_out_invalid_records(project: Store) -> None:
    from curator.core.store.browse import RecordFilter

    batch = asg.create_batch(project, "all", RecordFilter(), ["alice", "bob"], overlap=1)
    assert batch.records == RECORDS
    assert 11 not in asg.batch_assignments(project, "all")


def test_pilot_batch_gives_every_record_to_everyone(project: Store) -> None:
    batch = asg.create_batch(project, "pilot", [1, 2, 3], ["alice", "bob", "carol"],
                             overlap=1, pilot=True)
    assert batch.overlap == 3
    assert all(v == ["alice", "bob", "carol"]
               for v in asg.batch_assignments(project, "pilot").values())


@pytest.mark.parametrize("kwargs, message", [
    ({"annotators": ["alice"], "overlap": 2}, "between 1 and the number of annotators"),
    ({"annotators": ["alice", "zoe"]}, "Add these annotators first: zoe"),
    ({"annotators": []}, "at least one annotator"),
    ({"annotators": ["alice"], "records": [11]}, "no valid records"),
])
def test_bad_batches_are_refused(project: Store, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    args = {"records": [1, 2], **kwargs}
    with pytest.raises(CuratorError, match=message):
        asg.create_batch(project, "b", **args)
    assert asg.batches(project) == []


@settings(max_examples=30, deadline=None)
@given(n_records=st.integers(1, 40), n_people=st.integers(1, 6), data=st.data())
def test_any_batch_is_balanced(n_records, n_people, data) -> None:  # type: ignore[no-untyped-def]
    overlap = data.draw(st.integers(1, n_people))
    people = list(range(n_people))
    pairs = asg._balanced(list(range(n_records)), people, overlap, seed=data.draw(st.integers()))
    per_record = Counter(r for r, _ in pairs)
    assert set(per_record.values()) == {overlap} and len(per_record) == n_records
    loads = Counter(p for _, p in pairs)
    assert max(loads.values()) - min(loads[p] for p in people) <= 1


def test_progress_counts_records_with_every_required_field(project: Store) -> None:
    asg.create_batch(project, "b", [1, 2, 3], ["alice"], overlap=1)
    assert str(asg.progress(project, "alice")) == "0 of 3 labelled"
    lab.set_label(project, 1, "tone", "alice", "polite")
    lab.set_label(project, 1, "quality", "alice", 2)
    assert asg.progress(project, "alice").labelled == 0       # topics still missing
    lab.set_label(project, 1, "topics", "alice", ["chat"])     # comment is optional
    assert asg.progress(project, "alice") == asg.LabelProgress("alice", 3, 1)
    assert asg.is_done(project, 1, "alice") and not asg.is_done(project, 2, "alice")


def test_without_assignments_every_valid_record_is_in_scope(project: Store) -> None:
    assert asg.progress(project, "bob").assigned == RECORDS
    assert asg.next_unlabelled(project, "bob") == 1
    assert asg.next_unlabelled(project, "nobody-yet", 4) == 5


def test_next_unlabelled_skips_finished_and_wraps(project: Store) -> None:
    asg.create_batch(project, "b", [2, 4, 6], ["alice"], overlap=1)
    for fld, value in (("tone", "rude"), ("quality", 1), ("topics", ["code"])):
        lab.set_label(project, 4, fld, "alice", value)
    assert asg.next_unlabelled(project, "alice", 2) == 6       # 4 is finished
    assert asg.next_unlabelled(project, "alice", 6) == 2       # wraps round
    for fld, value in (("tone", "rude"), ("quality", 1), ("topics", ["code"])):
        lab.set_label(project, 2, fld, "alice", value)
        lab.set_label(project, 6, fld, "alice", value)
    assert asg.next_unlabelled(project, "alice", 2) is None


def test_blind_batch_hides_other_annotators_labels(project: Store) -> None:
    asg.create_batch(project, "b", [1], ["alice", "bob"], overlap=2, blind=True)
    lab.set_label(project, 1, "tone", "alice", "polite")
    lab.set_label(project, 1, "tone", "bob", "rude")
    assert [x.annotator for x in lab.visible_labels(project, 1, "alice")] == ["alice"]
    assert [x.annotator for x in lab.visible_labels(project, 1, "judge")] == ["alice", "bob"]


def test_open_batch_shows_everyone_everything(project: Store) -> None:
    asg.create_batch(project, "b", [1], ["alice", "bob"], overlap=2, blind=False)
    lab.set_label(project, 1, "tone", "bob", "rude")
    assert [x.annotator for x in lab.visible_labels(project, 1, "alice")] == ["bob"]


# -- final labels and adjudication ---------------------------------------------------


def test_final_label_is_agreed_value_else_adjudicated(project: Store) -> None:
    lab.set_label(project, 1, "tone", "alice", "polite")
    lab.set_label(project, 1, "tone", "bob", "polite")
    lab.set_label(project, 2, "tone", "alice", "polite")
    lab.set_label(project, 2, "tone", "bob", "rude")
    lab.set_label(project, 3, "tone", "carol", "neutral")     # one label: agreed
    assert lab.final_labels(project, "tone") == {1: "polite", 3: "neutral"}
    assert [d.record_id for d in lab.disagreements(project, "tone")] == [2]
    assert lab.adjudicate(project, 2, "tone", "rude", "judge", note="rude per guideline 3")
    assert lab.final_labels(project, "tone") == {1: "polite", 2: "rude", 3: "neutral"}
    assert lab.disagreements(project, "tone") == []
    decided = lab.disagreements(project, "tone", include_decided=True)
    assert [(d.record_id, d.decided, d.note) for d in decided] == [
        (2, "rude", "rude per guideline 3")]
    event = [e for e in project.events() if e["action"] == "adjudicate"][-1]
    assert event["actor"] == "judge" and event["detail"]["after"] == "rude"


def test_multi_selections_agree_as_sets(project: Store) -> None:
    lab.set_label(project, 1, "topics", "alice", ["math", "code"])
    lab.set_label(project, 1, "topics", "bob", ["code", "math"])
    assert lab.final_labels(project, "topics") == {1: ["code", "math"]}


def test_only_adjudicators_decide(project: Store) -> None:
    lab.set_label(project, 2, "tone", "alice", "polite")
    lab.set_label(project, 2, "tone", "bob", "rude")
    with pytest.raises(CuratorError, match="Only an adjudicator"):
        lab.adjudicate(project, 2, "tone", "rude", "alice")
    with pytest.raises(CuratorError, match="not an option"):
        lab.adjudicate(project, 2, "tone", "furious", "judge")
    assert lab.final_label(project, 2, "tone") is None


def test_clearing_a_decision_returns_the_record_to_the_queue(project: Store) -> None:
    lab.set_label(project, 2, "tone", "alice", "polite")
    lab.set_label(project, 2, "tone", "bob", "rude")
    lab.adjudicate(project, 2, "tone", "polite", "judge")
    assert lab.clear_adjudication(project, 2, "tone", "judge")
    assert [d.record_id for d in lab.disagreements(project, "tone")] == [2]


def test_ratings_triples_for_agreement(project: Store) -> None:
    asg.create_batch(project, "pilot", [1, 2], ["alice", "bob"], pilot=True)
    lab.set_label(project, 1, "quality", "bob", 4)
    lab.set_label(project, 1, "quality", "alice", 5)
    lab.set_label(project, 2, "quality", "alice", 3)
    lab.set_label(project, 3, "quality", "carol", 1)          # outside the batch
    lab.set_label(project, 1, "topics", "alice", ["code", "chat"])
    assert lab.ratings(project, "quality") == [
        (1, "alice", 5), (1, "bob", 4), (2, "alice", 3), (3, "carol", 1)]
    assert lab.ratings(project, "quality", batch="pilot") == [
        (1, "alice", 5), (1, "bob", 4), (2, "alice", 3)]
    assert lab.ratings(project, "topics") == [(1, "alice", ("code", "chat"))]


def test_label_summaries_show_final_or_question_mark(project: Store) -> None:
    lab.set_label(project, 1, "tone", "alice", "polite")
    lab.set_label(project, 1, "quality", "alice", 2)
    lab.set_label(project, 1, "quality", "bob", 4)
    lab.set_label(project, 2, "comment", "bob", "text fields are not summarised")
    assert lab.label_summaries(project, [1, 2, 3]) == {1: "tone: polite · quality: ?"}


# -- import and export ---------------------------------------------------------------


def test_csv_import_creates_fields_and_annotators_and_reports(project: Store, write) -> None:  # type: ignore[no-untyped-def]
    path = write("labels.csv", (
        "record,annotator,field,value\n"
        "r1,alice,tone,polite\n"
        "r1,zoe,helpful,4\n"
        "r2,zoe,helpful,2\n"
        "r2,zoe,domain,medicine\n"
        "r3,zoe,domain,law\n"
        "r3,alice,topics,\"[\"\"code\"\",\"\"math\"\"]\"\n"
        "r4,alice,tone,furious\n"
        "r99,alice,tone,rude\n"
        "r5,,tone,rude\n"
        "r5,alice,tone,\n"
        "r11,alice,tone,rude\n"
        "r1,alice,tone,rude\n"))
    report = run_job(import_labels(project, path))
    assert report.created_annotators == ["zoe"]
    created = {f["name"]: f for f in report.created_fields}
    assert created["helpful"]["kind"] == "rating" and created["helpful"]["scale"] == 4
    assert created["domain"]["kind"] == "single"
    assert [o["value"] for o in created["domain"]["options"]] == ["law", "medicine"]
    assert report.labels_set == 6 and report.labels_unchanged == 0
    assert [(r.line, r.reason.split(" ")[0]) for r in report.rejected] == [
        (8, '"furious"'), (9, "no"), (10, "no"), (11, "no"), (12, "no"), (13, "line")]
    assert "no annotator" in report.rejected[2].reason
    assert "line 2 gives" in report.rejected[5].reason
    assert report.unknown_records == ["r11", "r99"]  # r11 is not a key (the bad line is)
    assert lab.labels_for(project, 3, "alice")[0].value == ["code", "math"]
    assert lab.labels_for(project, 1, "alice")[0].origin == "import:labels.csv"


def test_import_twice_changes_nothing(project: Store, write) -> None:  # type: ignore[no-untyped-def]
    path = write("l.jsonl", "\n".join(json.dumps(x) for x in [
        {"record": "r1", "annotator": "alice", "field": "quality", "value": 3},
        {"record": "r1", "annotator": "bob", "field": "topics", "value": ["chat"]},
        {"record": "r2", "annotator": "bob", "field": "comment", "value": "fine\nreally"},
    ]) + "\n")
    first = run_job(import_labels(project, path))
    events = len(project.events())
    second = run_job(import_labels(project, path))
    assert (first.labels_set, second.labels_set, second.labels_unchanged) == (3, 0, 3)
    assert len(project.events()) == events


def test_jsonl_import_reports_bad_lines(project: Store, write) -> None:  # type: ignore[no-untyped-def]
    path = write("l.jsonl", '{"record": "r1", "annotator": "a", "field": "tone", '
                            '"value": "rude"}\nnot json\n[1]\n')
    report = run_job(import_labels(project, path))
    assert report.labels_set == 1
    assert [(r.line, r.reason[:8]) for r in report.rejected] == [(2, "not JSON"), (3, "not an o")]


def test_csv_without_the_columns_is_refused(project: Store, write) -> None:  # type: ignore[no-untyped-def]
    path = write("l.csv", "id,label\nr1,yes\n")
    with pytest.raises(InputFileError, match="missing: record, annotator, field, value"):
        run_job(import_labels(project, path))


def test_cancelled_import_leaves_no_trace(project: Store, write) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"r{1 + n % 10},ann{n % 40},newfield,{n % 3}\n" for n in range(5000))
    path = write("big.csv", "record,annotator,field,value\n" + rows)
    cancel = threading.Event()
    seen = []

    def stop(progress) -> None:  # type: ignore[no-untyped-def]
        seen.append(progress)
        if progress.done >= 2000:
            cancel.set()

    with pytest.raises(Cancelled):
        run_job(import_labels(project, path), stop, cancel)
    assert len(seen) >= 2
    assert "newfield" not in [f.name for f in sch.fields(project)]
    assert project.db.execute("SELECT COUNT(*) FROM labels").fetchone()[0] == 0
    assert asg.find_annotator(project, "ann1") is None


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_export_then_import_round_trips(project: Store, tmp_path: Path, suffix: str) -> None:
    lab.set_label(project, 2, "topics", "bob", ["math", "code"])
    lab.set_label(project, 1, "comment", "alice", 'says "hi",\nthen leaves')
    lab.set_label(project, 1, "tone", "carol", "rude")
    lab.set_label(project, 1, "quality", "alice", 5)
    out = tmp_path / f"labels.{suffix}"
    assert export_labels(project, out).rows == 4
    again = tmp_path / f"again.{suffix}"
    export_labels(project, again)
    assert out.read_bytes() == again.read_bytes()
    if suffix == "csv":
        assert out.read_text().splitlines()[:3] == [
            "record,annotator,field,value", "r1,carol,tone,rude", "r1,alice,quality,5"]
    before = {r: lab.labels_for(project, r) for r in (1, 2)}
    project.db.execute("DELETE FROM labels")
    report = run_job(import_labels(project, out))
    assert report.labels_set == 4 and report.rejected == []
    after = {r: lab.labels_for(project, r) for r in (1, 2)}
    assert {r: [(x.field, x.annotator, x.value) for x in v] for r, v in after.items()} == {
        r: [(x.field, x.annotator, x.value) for x in v] for r, v in before.items()}


@pytest.mark.parametrize("values, kind", [
    (["1", "5", "3"], "rating"),
    ([0, 1, 1], "single"),
    (['["a", "b"]', "c"], "multi"),
    (["yes", "no", "yes"], "single"),
    (["x" * 101], "text"),
    ([f"v{n}" for n in range(60)], "text"),
])
def test_new_field_kind_is_inferred(values, kind) -> None:  # type: ignore[no-untyped-def]
    assert infer_field("f", values)["kind"] == kind


# -- agreement as the window and the command line measure it --------------------------------


def test_default_agreement_reports_carry_the_alpha_interval(project: Store) -> None:
    """Issue 20: "Krippendorff's α (95% CI)" showed no interval (ci was null)."""
    from curator.core.labeling.measure import agreement_by_field, field_reports

    for n in range(1, RECORDS + 1):
        lab.set_label(project, rid(project, f"r{n}"), "tone", "alice", "polite")
        lab.set_label(project, rid(project, f"r{n}"), "tone", "bob",
                      "polite" if n % 3 else "rude")
    report = field_reports(project)["tone"]
    assert report.ci is not None and report.ci.samples >= 1000
    low, high = report.ci.intervals["krippendorff_alpha"] or (None, None)
    assert low is not None and high is not None and low <= high
    doc = agreement_by_field(project)["tone"]
    assert doc["ci"]["krippendorff_alpha"] == [low, high]
    assert field_reports(project) == field_reports(project)        # seeded: the same twice
