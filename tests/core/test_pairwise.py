"""Pairwise label fields (issue 17): which answer of a preference pair is better, asked
blind; labels in the record's own terms, agreement on them, a decision that swaps."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from curator.core import operations, preference
from curator.core.errors import CuratorError
from curator.core.jobs import run_job
from curator.core.labeling import labels, pairwise, schema
from curator.core.labeling.assignment import add_annotator, create_batch
from curator.core.labeling.measure import agreement_by_field
from curator.core.labeling.packs import export_pack, import_pack
from curator.core.labeling.transfer import export_labels, import_labels
from curator.core.store import Store
from curator.core.store.migrations import APPLICATION_ID, MIGRATIONS
from curator.core.store.review import revisions, swap_answers


def pair(key: str, good: str, bad: str) -> dict:  # type: ignore[type-arg]
    return {"id": key, "input": {"messages": [{"role": "user", "content": f"Q {key}?"}]},
            "preferred_output": [{"role": "assistant", "content": good}],
            "non_preferred_output": [{"role": "assistant", "content": bad}]}


CHAT = {"id": "c1", "messages": [{"role": "user", "content": "Hi"},
                                 {"role": "assistant", "content": "Hello."}]}


def rid(store: Store, key: str) -> int:
    return int(store.db.execute("SELECT id FROM records WHERE key = ?", (key,)).fetchone()[0])


def answers(store: Store, key: str) -> list[str]:
    from curator.core.store.browse import record_detail

    conv = record_detail(store, rid(store, key))["conversation"]
    return [side[0]["content"] for side in preference.outputs(conv)]


@pytest.fixture
def pairs(store: Store, load) -> Store:  # type: ignore[no-untyped-def]
    load(*(pair(f"p{n}", f"good {n}", f"bad {n}") for n in range(12)), CHAT)
    schema.add_field(store, "better", "pairwise", description="Which answer is better?")
    add_annotator(store, "judge", role="adjudicator")
    return store


# -- the blind order -----------------------------------------------------------------


def test_blind_order_is_the_same_every_time_for_one_annotator() -> None:
    first = [pairwise.shown_order("alice", f"p{n}") for n in range(50)]
    assert first == [pairwise.shown_order("alice", f"p{n}") for n in range(50)]
    assert {tuple(o) for o in first} == {("A", "B"), ("B", "A")}


def test_blind_order_differs_across_annotators() -> None:
    alice = [pairwise.shown_order("alice", f"p{n}") for n in range(50)]
    bob = [pairwise.shown_order("bob", f"p{n}") for n in range(50)]
    differ = sum(a != b for a, b in zip(alice, bob, strict=True))
    assert 10 < differ < 40


def test_blind_order_is_a_sha256_draw_not_a_salted_hash() -> None:
    # Known values: a new process (another PYTHONHASHSEED) must show the same order.
    assert [pairwise.shown_order("alice", k) for k in ("p0", "p1", "p2", "p3")] == \
        [pairwise.shown_order("alice", k) for k in ("p0", "p1", "p2", "p3")]
    import subprocess
    import sys

    code = ("from curator.core.labeling.pairwise import shown_order;"
            "print([shown_order('alice', f'p{n}') for n in range(8)])")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")}
    assert len(outs) == 1


# -- values --------------------------------------------------------------------------


def test_a_pick_is_stored_in_the_records_terms_with_the_order_shown(pairs: Store) -> None:
    key = next(f"p{n}" for n in range(12) if pairwise.shown_order("alice", f"p{n}")[0] == "B")
    view = pairwise.blind_pair(pairs, rid(pairs, key), "alice")
    assert view is not None and view.order == ["B", "A"]
    n = key[1:]
    assert [a[0]["content"] for a in view.answers] == [f"bad {n}", f"good {n}"]
    value = pairwise.value_for(view.order, 0)          # "Answer 1 is better"
    operations.save_label(pairs, rid(pairs, key), "better", "alice", value)
    [label] = labels.labels_for(pairs, rid(pairs, key), "alice")
    assert label.value == {"better": "B", "shown": ["B", "A"]}


def test_values_are_a_b_or_tie(pairs: Store) -> None:
    fld = schema.get_field(pairs, "better")
    assert schema.parse_value(fld, " a ") == {"better": "A"}
    assert schema.parse_value(fld, "TIE") == {"better": "tie"}
    assert schema.parse_value(fld, '{"better": "B", "shown": ["b", "a"]}') == \
        {"better": "B", "shown": ["B", "A"]}
    for bad in ("1", "chosen", '{"better": "C"}', '{"better": "A", "shown": ["A", "A"]}',
                '{"better": "A", "why": "x"}'):
        with pytest.raises(CuratorError):
            schema.parse_value(fld, bad)
    assert fld.choices() == ["A", "B", "tie"]


def test_a_pairwise_label_needs_a_preference_record(pairs: Store) -> None:
    add_annotator(pairs, "alice")
    with pytest.raises(CuratorError, match="no pair of answers"):
        labels.set_label(pairs, rid(pairs, "c1"), "better", "alice", "A")


def test_a_swapped_record_keeps_the_meaning_of_its_labels(pairs: Store) -> None:
    record = rid(pairs, "p1")
    swap_answers(pairs, [record], "someone")
    assert answers(pairs, "p1") == ["bad 1", "good 1"]
    assert pairwise.current_letters(pairs, record) == ("B", "A")
    view = pairwise.blind_pair(pairs, record, "alice")
    assert view is not None
    shown = dict(zip(view.order, (a[0]["content"] for a in view.answers), strict=True))
    assert shown == {"A": "good 1", "B": "bad 1"}


# -- agreement -----------------------------------------------------------------------


def test_agreement_compares_outcomes_whatever_order_each_saw(pairs: Store) -> None:
    for name in ("alice", "bob"):
        add_annotator(pairs, name)
    # Both prefer A everywhere but on p3, each through their own screen order.
    for n in range(6):
        record = rid(pairs, f"p{n}")
        for name in ("alice", "bob"):
            order = pairwise.shown_order(name, f"p{n}")
            want = "B" if (n == 3 and name == "bob") else "A"
            labels.set_label(pairs, record, "better", name,
                             pairwise.value_for(order, order.index(want)))
    assert any(pairwise.shown_order("alice", f"p{n}") != pairwise.shown_order("bob", f"p{n}")
               for n in range(6))
    report = agreement_by_field(pairs, bootstrap=0)["better"]
    assert report["items"] == 6 and report["level"] == "nominal"
    assert report["percent_agreement"] == pytest.approx(5 / 6)
    # Cohen's kappa by hand: p_o = 5/6; alice A×6, bob A×5 B×1: p_e = 5/6 → kappa 0.
    assert report["cohen_kappa"] == pytest.approx(0.0)
    assert labels.final_labels(pairs, "better") == {
        rid(pairs, f"p{n}"): "A" for n in range(6) if n != 3}
    [disagreement] = labels.disagreements(pairs, "better")
    assert disagreement.key == "p3"


# -- decisions -----------------------------------------------------------------------


def test_deciding_the_rejected_answer_swaps_the_record_and_undo_restores(
        pairs: Store) -> None:
    record = rid(pairs, "p2")
    decision = operations.decide_label(pairs, record, "better", "B", "judge", "B is right")
    assert decision.swapped == 1
    assert answers(pairs, "p2") == ["bad 2", "good 2"]
    [revision] = revisions(pairs, record)
    assert 'decision on "better": answer B is better' in revision["note"]
    assert revision["author"] == "judge"
    events = [json.loads(d) for (d,) in pairs.db.execute(
        "SELECT detail FROM events WHERE record_id = ? AND action = 'edit'", (record,))]
    assert "chosen and rejected swapped" in events[-1]["note"]
    assert labels.final_label(pairs, record, "better") == "B"
    # Deciding B again changes nothing; the record is already as decided.
    assert operations.decide_label(pairs, record, "better", "B", "judge",
                                   "B is right").swapped is None

    operations.undo_decision(pairs, decision, "judge")
    assert answers(pairs, "p2") == ["good 2", "bad 2"]
    assert labels.adjudication(pairs, record, "better") is None
    assert len(revisions(pairs, record)) == 2


def test_deciding_the_chosen_answer_or_a_tie_does_not_swap(pairs: Store) -> None:
    for value in ("A", "tie"):
        decision = operations.decide_label(pairs, rid(pairs, "p4"), "better", value, "judge")
        assert decision.changed and decision.swapped is None
    assert answers(pairs, "p4") == ["good 4", "bad 4"]
    assert revisions(pairs, rid(pairs, "p4")) == []


def test_a_decision_after_a_swap_follows_the_answers_not_their_places(
        pairs: Store) -> None:
    record = rid(pairs, "p5")
    swap_answers(pairs, [record], "someone")                     # chosen is B now
    assert operations.decide_label(pairs, record, "better", "B", "judge").swapped is None
    assert answers(pairs, "p5") == ["bad 5", "good 5"]
    decision = operations.decide_label(pairs, record, "better", "A", "judge")
    assert decision.swapped is not None
    assert answers(pairs, "p5") == ["good 5", "bad 5"]
    operations.undo_decision(pairs, decision, "judge")           # back to B, swapped
    assert answers(pairs, "p5") == ["bad 5", "good 5"]
    assert labels.final_label(pairs, record, "better") == "B"


# -- files and packs -----------------------------------------------------------------


def test_labels_file_round_trip_keeps_pairwise_values(pairs: Store, tmp_path: Path) -> None:
    add_annotator(pairs, "alice")
    labels.set_label(pairs, rid(pairs, "p0"), "better", "alice",
                     {"better": "B", "shown": ["B", "A"]})
    out = tmp_path / "labels.csv"
    export_labels(pairs, out)
    text = out.read_text()
    assert '"{""better"":""B"",""shown"":[""B"",""A""]}"' in text
    # Plain outcomes import too; a chat record is refused.
    (tmp_path / "more.csv").write_text(
        "record,annotator,field,value\np1,bob,better,tie\nc1,bob,better,A\n"
        "p0,alice,better,B\n")
    report = run_job(import_labels(pairs, tmp_path / "more.csv"))
    assert report.labels_set == 1 and report.labels_unchanged == 1
    assert [r.line for r in report.rejected] == [3]
    assert "no pair of answers" in report.rejected[0].reason
    assert labels.field_labels(pairs, "better")[rid(pairs, "p1")] == {"bob": {"better": "tie"}}


def test_a_new_field_from_objects_with_better_is_pairwise(pairs: Store,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps({"record": "p0", "annotator": "carol", "field": "pick",
                                "value": {"better": "A"}}) + "\n")
    run_job(import_labels(pairs, path))
    assert schema.get_field(pairs, "pick").kind == "pairwise"


def test_a_pack_carries_the_field_and_brings_back_blind_labels(pairs: Store,
                                                               tmp_path: Path) -> None:
    ids = [rid(pairs, f"p{n}") for n in range(4)]
    add_annotator(pairs, "alice")
    create_batch(pairs, "round1", ids, ["alice"], overlap=1)
    pack = tmp_path / "alice.curatorpack"
    run_job(export_pack(pairs, pack, "alice", "round1", actor="coord"))
    with Store.open(pack) as inside:
        assert schema.get_field(inside, "better").kind == "pairwise"
        for record in ids:
            view = pairwise.blind_pair(inside, record, "alice")
            assert view is not None
            # The same order in the pack as in the project.
            assert view.order == pairwise.blind_pair(pairs, record, "alice").order  # type: ignore[union-attr]
            operations.save_label(inside, record, "better", "alice",
                                  pairwise.value_for(view.order, 1))
    run_job(import_pack(pairs, pack, actor="coord"))
    got = labels.field_labels(pairs, "better")
    for record in ids:
        key = pairs.db.execute("SELECT key FROM records WHERE id = ?", (record,)).fetchone()[0]
        order = pairwise.shown_order("alice", key)
        assert got[record] == {"alice": {"better": order[1], "shown": order}}


def test_a_project_made_before_pairwise_fields_takes_them(tmp_path: Path) -> None:
    path = tmp_path / "old.curator"
    before = next(n for n, m in enumerate(MIGRATIONS) if "'pairwise'" in m)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for migration in MIGRATIONS[:before]:
        for statement in migration.split(";"):
            if statement.strip():
                raw.execute(statement)
    raw.execute("INSERT INTO meta(key, value) VALUES ('project_id', 'old')")
    raw.execute("INSERT INTO label_fields(name, kind, created_at) VALUES ('q', 'text', 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("INSERT INTO label_fields(name, kind, created_at) "
                    "VALUES ('p', 'pairwise', 'x')")
    raw.execute(f"PRAGMA user_version = {before}")
    raw.close()
    with Store.open(path) as store:
        assert schema.add_field(store, "better", "pairwise").kind == "pairwise"
        assert [f.name for f in schema.fields(store)] == ["q", "better"]
        with pytest.raises(sqlite3.IntegrityError):
            store.db.execute("INSERT INTO label_fields(name, kind, created_at) "
                             "VALUES ('z', 'nonsense', 'x')")
    with Store.open(path) as again:           # a second connection reads the new check
        assert schema.add_field(again, "also", "pairwise").kind == "pairwise"


def test_a_chat_record_is_finished_without_the_pairwise_field(pairs: Store) -> None:
    from curator.core.labeling.assignment import is_done

    schema.add_field(pairs, "ok", "single", options=["yes", "no"])
    add_annotator(pairs, "alice")
    labels.set_label(pairs, rid(pairs, "c1"), "ok", "alice", "yes")
    labels.set_label(pairs, rid(pairs, "p0"), "ok", "alice", "yes")
    assert is_done(pairs, rid(pairs, "c1"), "alice")
    assert not is_done(pairs, rid(pairs, "p0"), "alice")
    labels.set_label(pairs, rid(pairs, "p0"), "better", "alice", "tie")
    assert is_done(pairs, rid(pairs, "p0"), "alice")


def test_the_records_table_shows_a_blind_annotator_their_pick_by_place(
        pairs: Store) -> None:
    add_annotator(pairs, "alice")
    create_batch(pairs, "blind", [rid(pairs, "p0"), rid(pairs, "p1")], ["alice"])
    order = pairwise.shown_order("alice", "p0")
    labels.set_label(pairs, rid(pairs, "p0"), "better", "alice", pairwise.value_for(order, 1))
    labels.set_label(pairs, rid(pairs, "p1"), "better", "alice", "tie")
    shown = labels.table_labels(pairs, [rid(pairs, "p0"), rid(pairs, "p1")], "alice")
    assert shown == {rid(pairs, "p0"): "better: Answer 2", rid(pairs, "p1"): "better: tie"}
    # An adjudicator sees the outcome in the record's terms.
    assert labels.table_labels(pairs, [rid(pairs, "p0")], "judge") == {
        rid(pairs, "p0"): f"better: {order[1]}"}


def test_without_blind_batches_an_annotator_still_never_sees_a_or_b(pairs: Store) -> None:
    """A pairwise judgement is blind by nature: with no blind batch, an annotator's table
    shows their own picks by place, never the agreed A/B (which names the file's chosen)."""
    add_annotator(pairs, "alice")
    add_annotator(pairs, "bob")
    create_batch(pairs, "open", [rid(pairs, "p0")], ["alice", "bob"], blind=False)
    order = pairwise.shown_order("alice", "p0")
    labels.set_label(pairs, rid(pairs, "p0"), "better", "alice", pairwise.value_for(order, 0))
    labels.set_label(pairs, rid(pairs, "p0"), "better", "bob",
                     pairwise.value_for(pairwise.shown_order("bob", "p0"),
                                        pairwise.shown_order("bob", "p0").index(order[0])))
    shown = labels.table_labels(pairs, [rid(pairs, "p0")], "alice")
    assert shown == {rid(pairs, "p0"): "better: Answer 1"}
    assert labels.table_labels(pairs, [rid(pairs, "p0")], "judge") == {
        rid(pairs, "p0"): f"better: {order[0]}"}
    assert labels.table_labels(pairs, [rid(pairs, "p0")], "someone else") == {
        rid(pairs, "p0"): f"better: {order[0]}"}     # not an annotator: a reviewer
