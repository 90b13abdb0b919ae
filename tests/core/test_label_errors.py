"""Likely label errors (issue 18): confident learning on cached input vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from curator.core.checks import label_errors as le
from curator.core.checks.scan import scan
from curator.core.jobs import Progress, run_job
from curator.core.store import Store
from tests.core.test_export import add_labels
from tests.fakes import text_rng

TOPICS = {
    "billing": "invoice payment refund charge billing",
    "shipping": "parcel delivery courier tracking shipping",
    "account": "password login username profile account",
    "weather": "rain sunny forecast storm weather",
}


class TopicEmbedder:
    """Separable fake vectors: one direction per topic word in the text, plus noise."""

    name = "fake-topics"
    dim = 32

    def __init__(self) -> None:
        self.texts_encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            rng = text_rng(text)
            for k, words in enumerate(TOPICS.values()):
                out[row, k] = sum(text.count(w) for w in words.split())
            out[row, 4:] = rng.normal(scale=0.3, size=self.dim - 4)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def dataset(per_class: int = 15) -> list[tuple[str, str]]:
    """(user text, true topic), ``per_class`` of each topic."""
    rows = []
    for topic, words in TOPICS.items():
        vocab = words.split()
        for i in range(per_class):
            rows.append((f"question {i} about {vocab[i % 5]} and {vocab[(i + 2) % 5]}",
                         topic))
    return rows


FLIPS = {3: "shipping", 20: "weather", 37: "billing", 52: "account"}


def make(tmp_path: Path, store: Store, answers: bool, per_class: int = 15) -> list[str]:
    """Import the dataset; returns the keys. Labels (with FLIPS applied) go in the answer
    (``answers``) or in the label field ``topic``."""
    from curator.core.ingest import import_files

    rows = dataset(per_class)
    given = [FLIPS.get(i, topic) for i, (_, topic) in enumerate(rows)]
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": text},
        {"role": "assistant", "content": (label.title() + "." if answers else
                                          f"Here is a long helpful answer number {i}.")}]})
        + "\n" for i, ((text, _), label) in enumerate(zip(rows, given, strict=True))),
        encoding="utf-8")
    run_job(import_files(store, [path]))
    keys = [r[0] for r in store.db.execute("SELECT key FROM records ORDER BY id")]
    if not answers:
        ids = [r[0] for r in store.db.execute("SELECT id FROM records ORDER BY id")]
        add_labels(store, "topic", {rid: [g] for rid, g in zip(ids, given, strict=True)})
    return keys


def found(store: Store) -> dict[str, dict[str, object]]:
    return {f["record"]: f["detail"] for f in store.findings(kind="label_error")}


@pytest.mark.parametrize("answers", [False, True])
def test_finds_planted_flips_and_suggests_the_original(tmp_path: Path, store: Store,
                                                       answers: bool) -> None:
    keys = make(tmp_path, store, answers)
    report = run_job(scan(store, ["label_errors"], embedder=TopicEmbedder()))
    fld = "answer" if answers else "topic"
    assert report.findings["label_error"] == len(FLIPS)
    assert [f["field"] for f in report.label_errors["fields"]] == [fld]
    details = found(store)
    truth = [topic for _, topic in dataset()]
    assert set(details) == {keys[i] for i in FLIPS}
    for i in FLIPS:
        detail = details[keys[i]]
        assert set(detail) == {"field", "given", "suggested", "confidence"}
        assert detail["field"] == fld
        shown = (lambda v: v.title() + ".") if answers else (lambda v: v)
        assert detail["given"] == shown(FLIPS[i])
        assert detail["suggested"] == shown(truth[i])
        assert 0 < float(detail["confidence"]) <= 1          # type: ignore[arg-type]
    item = store.findings(kind="label_error")[0]
    assert item["code"] == "likely_mislabeled" and item["severity"] == "warning"


def test_too_few_labels_finds_nothing(tmp_path: Path, store: Store) -> None:
    make(tmp_path, store, answers=False, per_class=4)
    report = run_job(scan(store, ["label_errors"], embedder=TopicEmbedder()))
    assert report.findings["label_error"] == 0
    assert store.findings(kind="label_error") == []
    assert any("too few labels to judge" in w.lower() for w in report.warnings)
    assert report.label_errors["fields"][0]["skipped"]


def test_answer_rule() -> None:
    labels = {i: ["billing", "Billing.", "billing", "Shipping"][i % 4] for i in range(40)}
    assert set(le.answer_labels(labels).values()) == {"billing", "Shipping"}  # type: ignore[union-attr]
    prose = {i: f"Sure, here is a long and detailed answer number {i}." for i in range(30)}
    assert le.answer_labels(prose) is None
    unique = {i: f"answer {i}" for i in range(30)}      # short but never repeated
    assert le.answer_labels(unique) is None
    assert le.answer_labels({i: "yes" for i in range(30)}) is None     # one class


def test_find_issues_on_probabilities() -> None:
    y = np.array([0] * 10 + [1] * 10)
    probs = np.tile([0.9, 0.1], (20, 1))
    probs[10:] = [0.1, 0.9]
    probs[2] = [0.05, 0.95]                      # given 0, looks like 1
    issues = le.find_issues(probs, y)
    assert [(i.index, i.given, i.suggested) for i in issues] == [(2, 0, 1)]


def test_find_issues_flags_a_label_the_model_gives_no_more_than_other_records() -> None:
    """A flipped record is flagged though the model is less sure of its true class than
    of that class's own records (the confident joint, whose threshold is that mean, did
    not count it); a hard record whose label keeps real probability is not flagged,
    though the model ranks another class first."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    probs = np.zeros((60, 3))
    for c in range(3):
        probs[y == c] = np.full(3, 0.03) + np.eye(3)[c] * 0.91
    probs[y == 1] += rng.uniform(-0.01, 0.01, size=(20, 1)) * [0, 1, -1]
    probs[5] = [0.02, 0.90, 0.08]        # labelled 0: looks like 1, 0 gets almost nothing
    probs[6] = [0.40, 0.55, 0.05]        # labelled 0: hard, but 0 keeps 40%
    issues = le.find_issues(probs, y)
    assert [(i.index, i.given, i.suggested) for i in issues] == [(5, 0, 1)]
    assert issues[0].confidence == pytest.approx(0.90)
    assert issues[0].margin == pytest.approx(0.88)


def test_fewer_folds_once_training_is_capped() -> None:
    small = np.repeat(np.arange(4), 50)
    assert le.fold_count(small, 4, le.FOLDS) == le.FOLDS == 10
    assert le.fold_count(np.repeat([0, 1], 4), 2, le.FOLDS) == 4      # largest class
    large = np.repeat(np.arange(4), le.MAX_TRAIN // 4 + 1)
    assert le.fold_count(large, 4, le.FOLDS) == le.LARGE_FOLDS == 5


def test_cancel_rolls_back(tmp_path: Path, store: Store) -> None:
    make(tmp_path, store, answers=False)
    job = scan(store, ["label_errors"], embedder=TopicEmbedder())
    seen = 0
    for step in job:
        assert isinstance(step, Progress)
        seen += 1
        if "fold 2" in step.message:
            job.close()
            break
    assert seen
    assert store.findings(kind="label_error") == []
    assert store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 0


def test_rescan_keeps_dismissal(tmp_path: Path, store: Store) -> None:
    keys = make(tmp_path, store, answers=False)
    embedder = TopicEmbedder()
    run_job(scan(store, ["label_errors"], embedder=embedder))
    first = embedder.texts_encoded
    with store.atomic():
        store.db.execute("UPDATE findings SET status = 'dismissed' WHERE kind = "
                         "'label_error' AND record_id = (SELECT id FROM records WHERE "
                         "key = ?)", (keys[3],))
    run_job(scan(store, ["label_errors"], embedder=embedder))
    assert embedder.texts_encoded == first              # vectors came from the cache
    status = {f["record"]: f["status"] for f in store.findings(kind="label_error")}
    assert status[keys[3]] == "dismissed" and status[keys[20]] == "open"


def test_suggest_and_uncertainty_order(tmp_path: Path, store: Store) -> None:
    make(tmp_path, store, answers=False)
    from curator.core.ingest import import_files

    extra = tmp_path / "new.jsonl"
    extra.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": text}, {"role": "assistant", "content": "ok then"}]})
        + "\n" for text in ("my parcel delivery tracking is late",
                            "refund my invoice payment please",
                            "login password and weather")), encoding="utf-8")
    run_job(import_files(store, [extra]))
    ids = [r[0] for r in store.db.execute(
        "SELECT id FROM records WHERE key LIKE 'new.jsonl:%' ORDER BY id")]
    suggestions = le.suggest(store, "topic", ids, TopicEmbedder())
    assert suggestions[ids[0]].value == "shipping"
    assert suggestions[ids[1]].value == "billing"
    assert 0 < suggestions[ids[0]].confidence <= 1
    assert le.uncertainty_order(suggestions)[0] == ids[2]     # two topics: least sure
    assert store.findings(kind="label_error") == []            # never labels or flags


def test_readiness_counts_open_label_errors(tmp_path: Path, store: Store) -> None:
    from curator.core.export import ExportOptions, plan_export, readiness

    make(tmp_path, store, answers=False)
    options = ExportOptions()
    items = {i["id"]: i for i in readiness(store, options, plan_export(store, options).counts,
                                            {"topic": {"krippendorff_alpha": 0.9}})}
    assert items["label_errors"]["ok"]
    run_job(scan(store, ["label_errors"], embedder=TopicEmbedder()))
    items = {i["id"]: i for i in readiness(store, options, plan_export(store, options).counts,
                                            {"topic": {"krippendorff_alpha": 0.9}})}
    item = items["label_errors"]
    assert not item["ok"] and item["severity"] == "warning"
    assert item["detail"].startswith(f"{len(FLIPS)} records")


def test_cli_scan_and_findings(tmp_path: Path, store: Store,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from curator import cli
    from curator.core.checks import embed

    make(tmp_path, store, answers=True)
    path = store.path
    store.close()
    monkeypatch.setattr(embed, "default_embedder", TopicEmbedder)
    monkeypatch.setattr(le, "default_embedder", TopicEmbedder)
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["scan", str(path), "--only", "label_errors", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["findings"]["label_error"] == len(FLIPS)
    assert report["label_errors"]["fields"][0]["field"] == "answer"
    text = runner.invoke(cli.cli, ["scan", str(path), "--only", "label_errors"])
    assert "Likely label errors in answer: 4 records of 60 judged (4 values)." in text.output
    listed = runner.invoke(cli.cli, ["findings", str(path), "--kind", "label_error", "--json"])
    items = json.loads(listed.output)
    assert len(items) == len(FLIPS)
    assert {"field", "given", "suggested", "confidence"} <= set(items[0]["detail"])
    assert items[0]["code"] == "likely_mislabeled"


def test_suggest_keeps_its_model_until_the_project_changes(tmp_path: Path, store: Store,
                                                          monkeypatch) -> None:
    make(tmp_path, store, answers=False)
    fits = []
    real_fit = le.fit
    monkeypatch.setattr(le, "fit", lambda *a, **k: fits.append(1) or real_fit(*a, **k))
    ids = [r[0] for r in store.db.execute("SELECT id FROM records ORDER BY id")]
    embedder = TopicEmbedder()
    first = le.suggest(store, "topic", ids[:1], embedder)
    again = [le.suggest(store, "topic", [rid], embedder) for rid in ids[1:6]]
    assert len(fits) == 1                                     # one fit for six records
    assert first[ids[0]].value and all(len(s) == 1 for s in again)
    before = embedder.texts_encoded
    le.suggest(store, "topic", ids[:1], embedder)
    assert embedder.texts_encoded == before                   # its vector was cached
    from curator.core.labeling.labels import clear_label  # a label less: fitted anew
    clear_label(store, ids[0], "topic", "ann")
    le.suggest(store, "topic", ids[:1], embedder)
    assert len(fits) == 2
    (tmp_path / "o").mkdir()
    with Store.open(tmp_path / "other.curator", create=True) as other:   # its own model
        make(tmp_path / "o", other, answers=False)
        le.suggest(other, "topic", [1], embedder)
    assert len(fits) == 3
