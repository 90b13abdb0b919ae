"""The label-error queue's actions (issue 18): accept, keep, send to adjudication, undo;
and find similar (by input and by answer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.core import operations
from curator.core.checks import label_review
from curator.core.checks.scan import scan
from curator.core.checks.similar import similar_records
from curator.core.errors import CuratorError
from curator.core.jobs import run_job
from curator.core.labeling import labels
from curator.core.labeling.assignment import add_annotator
from curator.core.store import Store
from curator.core.store import findings as finding_store
from tests.core.test_label_errors import FLIPS, TOPICS, TopicEmbedder, dataset, make


def scanned(tmp_path: Path, store: Store, answers: bool) -> list[str]:
    from curator.core.labeling.schema import edit_field

    keys = make(tmp_path, store, answers)
    if not answers:
        edit_field(store, "topic", options=list(TOPICS))
    run_job(scan(store, ["label_errors"], embedder=TopicEmbedder()))
    return keys


def first(store: Store) -> dict:  # type: ignore[type-arg]
    return label_review.queue(store)[0]


def test_accept_makes_the_suggestion_the_final_label_and_undo_puts_it_back(
        tmp_path: Path, store: Store) -> None:
    scanned(tmp_path, store, answers=False)
    add_annotator(store, "ada", role="adjudicator")
    item = first(store)
    record, given = item["record_id"], item["detail"]["given"]
    assert labels.final_label(store, record, "topic") == given
    done = label_review.accept_suggestion(store, item["id"], "ada")
    assert labels.final_label(store, record, "topic") == item["detail"]["suggested"]
    assert labels.adjudication(store, record, "topic")["adjudicator"] == "ada"
    assert finding_store.finding(store, item["id"])["status"] == "resolved"
    assert item["id"] not in {i["id"] for i in label_review.queue(store)}
    label_review.undo_accept(store, done, "ada")
    assert labels.final_label(store, record, "topic") == given
    assert labels.adjudication(store, record, "topic") is None
    assert finding_store.finding(store, item["id"])["status"] == "open"


def test_accept_needs_an_adjudicator_for_a_label_field(tmp_path: Path, store: Store) -> None:
    scanned(tmp_path, store, answers=False)
    item = first(store)
    with pytest.raises(CuratorError, match="adjudicator"):
        label_review.accept_suggestion(store, item["id"], "nobody")
    assert finding_store.finding(store, item["id"])["status"] == "open"


def test_accept_on_the_answer_saves_a_revision_and_undo_restores_it(
        tmp_path: Path, store: Store) -> None:
    keys = scanned(tmp_path, store, answers=True)
    item = first(store)
    assert item["detail"]["field"] == "answer"
    before = store.record(item["record"])
    done = label_review.accept_suggestion(store, item["id"], "tester")
    after = store.record(item["record"])
    assert after["revision"] == before["revision"] + 1
    messages = json.loads(after["canonical"])["messages"]
    assert messages[-1]["content"] == item["detail"]["suggested"]
    assert messages[0] == json.loads(before["canonical"])["messages"][0]
    label_review.undo_accept(store, done, "tester")
    restored = store.record(item["record"])
    assert json.loads(restored["canonical"]) == json.loads(before["canonical"])
    assert finding_store.finding(store, item["id"])["status"] == "open"
    assert item["record"] in {keys[i] for i in FLIPS}


def test_send_to_adjudication_puts_an_agreed_record_in_the_queue(
        tmp_path: Path, store: Store) -> None:
    scanned(tmp_path, store, answers=False)
    item = first(store)
    record = item["record_id"]
    assert record not in {d.record_id for d in labels.disagreements(store, "topic")}
    sent = label_review.send_to_adjudication(store, item["id"], "tester")
    queued = {d.record_id: d for d in labels.disagreements(store, "topic")}
    assert record in queued
    assert queued[record].requested["suggested"] == item["detail"]["suggested"]
    assert queued[record].decided is None
    # it leaves "to review" for "sent", still open (readiness counts it)
    assert item["id"] not in {i["id"] for i in label_review.queue(store)}
    assert [i["id"] for i in label_review.queue(store, "sent")] == [item["id"]]
    assert finding_store.finding(store, item["id"])["status"] == "open"
    # an adjudicator's decision takes it off the queue and resolves the finding
    add_annotator(store, "ada", role="adjudicator")
    operations.decide_label(store, record, "topic", item["detail"]["given"], "ada")
    assert record not in {d.record_id for d in labels.disagreements(store, "topic")}
    assert finding_store.finding(store, item["id"])["status"] == "resolved"
    assert label_review.queue(store, "sent") == []
    assert label_review.queue_counts(store)["resolved"] == 1
    del sent


def test_undo_send_takes_the_record_off_the_queue(tmp_path: Path, store: Store) -> None:
    scanned(tmp_path, store, answers=False)
    item = first(store)
    sent = label_review.send_to_adjudication(store, item["id"], "tester")
    label_review.undo_send(store, sent, "tester")
    assert item["record_id"] not in {d.record_id for d in
                                     labels.disagreements(store, "topic")}
    assert item["id"] in {i["id"] for i in label_review.queue(store)}


def test_send_refuses_the_answer(tmp_path: Path, store: Store) -> None:
    scanned(tmp_path, store, answers=True)
    with pytest.raises(CuratorError, match="not a label field"):
        label_review.send_to_adjudication(store, first(store)["id"], "tester")


def test_keep_the_given_label_survives_a_rescan(tmp_path: Path, store: Store) -> None:
    scanned(tmp_path, store, answers=False)
    item = first(store)
    finding_store.set_status(store, [item["id"]], "dismissed", "tester")
    run_job(scan(store, ["label_errors"], embedder=TopicEmbedder()))
    assert item["record"] not in {i["record"] for i in label_review.queue(store)}
    assert label_review.queue_counts(store)["dismissed"] == 1


def test_queue_is_most_confident_first(tmp_path: Path, store: Store) -> None:
    scanned(tmp_path, store, answers=False)
    shown = [float(i["detail"]["confidence"]) for i in label_review.queue(store)]
    assert len(shown) == len(FLIPS)
    assert shown == sorted(shown, reverse=True)


# -- find similar -------------------------------------------------------------------


def test_similar_records_by_input_are_the_same_topic_and_exclude_the_record(
        tmp_path: Path, store: Store) -> None:
    keys = make(tmp_path, store, answers=True)
    truth = [topic for _, topic in dataset()]
    record = store.record(keys[0])["id"]
    found = similar_records(store, record, "input", k=5, embedder=TopicEmbedder())
    assert len(found) == 5
    assert keys[0] not in [n.key for n in found]
    assert all(truth[keys.index(n.key)] == truth[0] for n in found)
    sims = [n.similarity for n in found]
    assert sims == sorted(sims, reverse=True)
    assert -1.0 <= sims[-1] <= sims[0] <= 1.0


def test_similar_records_by_answer_compare_the_answers(tmp_path: Path, store: Store) -> None:
    keys = make(tmp_path, store, answers=True)
    record = store.record(keys[0])["id"]
    found = similar_records(store, record, "answer", k=3, embedder=TopicEmbedder())
    answer = json.loads(store.record(keys[0])["canonical"])["messages"][-1]["content"]
    # "Billing." answers embed alike: the nearest answers are the same label
    assert [n.answer for n in found] == [answer] * 3
    assert found[0].similarity == pytest.approx(1.0, abs=1e-5)


def test_similar_records_uses_the_cache(tmp_path: Path, store: Store) -> None:
    keys = make(tmp_path, store, answers=True)
    record = store.record(keys[0])["id"]
    embedder = TopicEmbedder()
    similar_records(store, record, "input", embedder=embedder)
    embedded = embedder.texts_encoded
    assert embedded > 0
    similar_records(store, record, "input", embedder=embedder)
    assert embedder.texts_encoded == embedded


def test_cli_similar_and_finding_actions(tmp_path: Path, store: Store,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from curator import cli
    from curator.core.checks import similar

    keys = scanned(tmp_path, store, answers=False)
    add_annotator(store, "ada", role="adjudicator")
    items = label_review.queue(store)
    path = store.path
    store.close()
    monkeypatch.setattr(similar, "default_embedder", TopicEmbedder)
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["similar", str(path), keys[0], "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["record"] == keys[0] and report["by"] == "input"
    assert len(report["similar"]) == 3
    assert set(report["similar"][0]) == {"record", "id", "similarity", "input", "answer"}
    assert keys[0] not in [n["record"] for n in report["similar"]]
    result = runner.invoke(cli.cli, ["--as", "ada", "finding", str(path), "accept",
                                     str(items[0]["id"]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["accepted"] == [{
        "record": items[0]["record"], "field": "topic",
        "value": items[0]["detail"]["suggested"]}]
    result = runner.invoke(cli.cli, ["finding", str(path), "send", str(items[1]["id"]),
                                     "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sent"] == [{"record": items[1]["record"],
                                                  "field": "topic"}]
    result = runner.invoke(cli.cli, ["adjudicate", str(path), items[1]["record"],
                                     "--field", "topic", "--value", "billing"])
    assert result.exit_code == 1     # not an adjudicator: still refused
    with Store.open(path) as again:
        assert items[1]["record_id"] in {d.record_id for d in
                                         labels.disagreements(again, "topic")}
