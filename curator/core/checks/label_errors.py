"""Likely label errors: out-of-sample class probabilities on the cached input vectors.

Pure core (no Qt). scikit-learn (already installed with sentence-transformers) is
imported when a classifier is first fitted.

What is judged
--------------
* Every ``single``-choice label field with final labels
  (:func:`curator.core.labeling.labels.final_labels`): ``field`` is the field's name.
* Classification-style data, where the final assistant answer *is* the label
  ("billing", "Category: refund"): ``field`` is ``answer``. The rule
  (:func:`answer_labels`): answers of at most :data:`MAX_ANSWER_WORDS` words (punctuation
  and case ignored) on at least :data:`MIN_ANSWER_SHARE` of the records with an answer,
  2 to :data:`MAX_ANSWER_CLASSES` distinct values used by at least 2 records each, and
  those values covering at least :data:`MIN_ANSWER_SHARE` of the answers.

How
---
1. The input of every record (the same normalised text the similarity check embeds, so
   the ``embeddings`` cache is shared) is embedded once, cached by text hash.
2. Out-of-sample class probabilities: a multinomial logistic regression on the vectors
   (``C`` = :data:`REGULARISATION`), stratified K-fold (:data:`FOLDS`, seeded; at most
   :data:`LARGE_FOLDS` once a fold's training set is capped at :data:`MAX_TRAIN`), each
   record predicted by the model that did not see it. Classes with fewer than
   :data:`MIN_PER_CLASS` labels are left out (too few to learn from); fewer than 2
   classes left: "too few labels to judge".
3. Suspects (:func:`find_issues`): a record whose given value the model ranks below
   another one *and* gives less probability than both chance (1/K for K values) and what
   it gives that value on :data:`OTHERS_QUANTILE` of the records labelled otherwise. A
   randomly wrong label scores like a record of another class; a hard but right one
   keeps some probability for its label. The suggestion is the most probable value.

Why not cleanlab's "prune by noise rate" (the confident joint, per-class thresholds =
mean self-confidence)? On BANKING77 intents with 5/8/12% of labels flipped (two sets of
16 and 15 intents, 5 seeds; ``bench/bench_label_errors.py``, docs/benchmarks.md) the
out-of-sample probabilities rank the flipped records almost perfectly (AUC 0.99 on the
probability of the given label), but the confident joint under-counts them: on the same
probabilities it found 0.73 of them at 0.92 precision, this rule 0.93 at 0.94 (the
previous version, C = 10 and 5 folds: 0.77 at 0.89); the same held with 2 to 31 classes,
balanced or not. ``C`` = 3 and 10 folds gave the most accurate probabilities
(C = 1: flatter, C >= 10: overconfident; 10 folds train on 90% instead of 80%).

Each suspect becomes a finding ``label_error`` / ``likely_mislabeled`` (warning) with
``detail`` = ``{field, given, suggested, confidence}``; ``confidence`` is the model's
out-of-sample probability of the suggested value.

For the labelling panel: :func:`suggest` (a value and its confidence for any records,
from a model fitted on all final labels) and :func:`uncertainty_order` (the records a
label would teach the model most about, first).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curator.core.checks.embed import Embedder, default_embedder
from curator.core.checks.similarity.texts import content, short_answer, sides
from curator.core.checks.similarity.vectors import embed_texts
from curator.core.conversation import text_hash
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.model import FindingDraft
from curator.core.store.browse import conversations
from curator.core.store.store import Store

KIND = "label_error"
CODE = "likely_mislabeled"
DETECTOR = "curator.label_errors"
VERSION = "1"
#: The ``field`` of findings about a label held in the assistant's answer.
ANSWER_FIELD = "answer"
#: Labels a class needs before it is judged (and before suggestions are made).
MIN_PER_CLASS = 5
FOLDS = 10
#: Folds once a fold's training set would exceed :data:`MAX_TRAIN` anyway (more folds
#: would then only cost time, each one training on the same number of records).
LARGE_FOLDS = 5
SEED = 0
#: An answer of at most this many words may be a class label.
MAX_ANSWER_WORDS = 4
MAX_ANSWER_CLASSES = 50
MIN_ANSWER_SHARE = 0.8
#: Each fold's classifier learns from at most this many records (sampled per class):
#: beyond it the 384-dimension model gains nothing, and 100,000 records stay fast.
MAX_TRAIN = 20_000
#: Inverse L2 strength of the logistic regression (scikit-learn's ``C``).
REGULARISATION = 3.0
#: A suspect's given value gets less probability than the model gives that value on
#: this share of the records labelled otherwise (and less than chance, 1/K).
OTHERS_QUANTILE = 0.95


# -- what is judged --------------------------------------------------------------------


@dataclass(slots=True)
class Inputs:
    """The valid, not-rejected records: their ids, input texts and raw short answers."""

    ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)        # normalised input per record
    answers: list[str | None] = field(default_factory=list)  # final answer as written
    position: dict[int, int] = field(default_factory=dict)


def read_inputs(store: Store, record_ids: Sequence[int] | None = None) -> Inputs:
    """Records' normalised inputs and final answers (all valid, not-rejected ones)."""
    out = Inputs()
    wanted = None if record_ids is None else set(record_ids)
    for rows in conversations(store):
        for record_id, _key, conv in rows:
            if wanted is not None and record_id not in wanted:
                continue
            parts = sides(conv)
            if not parts.input:
                continue
            messages = conv.get("messages") or []
            answer = None
            if (parts.output is not None and "preferred_output" not in conv and messages
                    and isinstance(messages[-1], dict)):
                answer = content(messages[-1]).strip()
            out.position[record_id] = len(out.ids)
            out.ids.append(record_id)
            out.texts.append(parts.input)
            out.answers.append(answer)
    return out


def answer_key(answer: str | None) -> str | None:
    """A short answer as a class: words only, casefolded; None for a long answer."""
    if answer is None:
        return None
    short = short_answer(" ".join(answer.casefold().split()), MAX_ANSWER_WORDS)
    return short


def answer_labels(answers: Mapping[int, str | None]) -> dict[int, str] | None:
    """``{record: label}`` when the answers look like class labels, else None.

    The label is the answer's most common spelling within its class (so "Billing." and
    "billing" are one class, shown as the spelling most records use).
    """
    given = {rid: a for rid, a in answers.items() if a is not None and a.strip()}
    if not given:
        return None
    keys = {rid: answer_key(a) for rid, a in given.items()}
    short = {rid: k for rid, k in keys.items() if k is not None}
    if len(short) < MIN_ANSWER_SHARE * len(given):
        return None
    counts = Counter(short.values())
    kept = {k for k, n in counts.items() if n >= 2}
    covered = sum(counts[k] for k in kept)
    if not 2 <= len(kept) <= MAX_ANSWER_CLASSES or covered < MIN_ANSWER_SHARE * len(given):
        return None
    spellings: dict[str, Counter[str]] = {}
    for rid, k in short.items():
        if k in kept:
            spellings.setdefault(k, Counter())[given[rid].strip()] += 1
    shown = {k: c.most_common(1)[0][0] for k, c in spellings.items()}
    return {rid: shown[k] for rid, k in short.items() if k in kept}


def label_targets(store: Store, inputs: Inputs) -> list[tuple[str, dict[int, str]]]:
    """(field, {record: given value}) for every single-choice field and the answers."""
    from curator.core.labeling.labels import final_labels
    from curator.core.labeling.schema import fields

    targets: list[tuple[str, dict[int, str]]] = []
    for fld in fields(store):
        if fld.kind != "single":
            continue
        values = {rid: str(v) for rid, v in final_labels(store, fld).items()
                  if rid in inputs.position and v is not None}
        if values:
            targets.append((fld.name, values))
    answers = answer_labels({rid: inputs.answers[i] for rid, i in inputs.position.items()})
    if answers:
        targets.append((ANSWER_FIELD, answers))
    return targets


# -- the model -------------------------------------------------------------------------


def trainable(labels: Sequence[str], minimum: int = MIN_PER_CLASS
              ) -> tuple[list[str], list[str]]:
    """(classes with enough labels, sorted; the others as "value (n)" for a warning)."""
    counts = Counter(labels)
    classes = sorted(k for k, n in counts.items() if n >= minimum)
    scarce = [f"{k} ({n})" for k, n in sorted(counts.items()) if n < minimum]
    return classes, scarce


def _cap(indices: np.ndarray, y: np.ndarray, limit: int, rng: np.random.Generator
         ) -> np.ndarray:
    """At most ``limit`` of ``indices``, sampled in proportion per class."""
    if len(indices) <= limit:
        return indices
    keep: list[np.ndarray] = []
    for c in np.unique(y[indices]):
        members = indices[y[indices] == c]
        take = max(1, round(limit * len(members) / len(indices)))
        keep.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(keep))


def fit(x: np.ndarray, y: np.ndarray, n_classes: int,
        regularisation: float | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """A multinomial logistic regression on ``x``; returns ``predict(x) -> probs``.

    Columns of the returned probabilities are all ``n_classes`` classes (a class absent
    from ``y`` gets probability 0). BLAS runs on one thread while fitting and predicting:
    these are small matrix products, and on a busy 2-core machine two BLAS threads made
    the 100,000-record pass 4x slower (docs/benchmarks.md).
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    model = LogisticRegression(C=regularisation or REGULARISATION, max_iter=300)
    with threadpool_limits(limits=1, user_api="blas"):
        model.fit(x, y)
    present = np.asarray(model.classes_, dtype=np.int64)

    def predict(rows: np.ndarray) -> np.ndarray:
        probs = np.zeros((len(rows), n_classes), dtype=np.float64)
        if len(rows):
            with threadpool_limits(limits=1, user_api="blas"):
                probs[:, present] = model.predict_proba(rows)
        return probs

    return predict


def fold_of(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Each record's fold: stratified (each class dealt round the folds), shuffled."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(y), dtype=np.int64)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        rng.shuffle(members)
        start = int(rng.integers(folds))
        out[members] = (np.arange(len(members)) + start) % folds
    return out


def fold_count(y: np.ndarray, n_classes: int, folds: int) -> int:
    """The folds used: at most the size of the largest class, at least 2; at most
    :data:`LARGE_FOLDS` when the records outnumber :data:`MAX_TRAIN` (each fold's model
    then learns from a capped sample whatever the number of folds)."""
    if len(y) > MAX_TRAIN:
        folds = min(folds, LARGE_FOLDS)
    return max(2, min(folds, int(np.bincount(y, minlength=n_classes).max())))


def out_of_sample(x: np.ndarray, y: np.ndarray, n_classes: int, folds: int = FOLDS,
                  seed: int = SEED, max_train: int = MAX_TRAIN) -> Iterator[np.ndarray]:
    """Cross-validated class probabilities, one fold at a time.

    Yields the probability matrix after each fold (filled for the folds done so far), so
    a Job can report progress and be cancelled between folds; the last one is complete.
    """
    folds = fold_count(y, n_classes, folds)
    assignment = fold_of(y, folds, seed)
    rng = np.random.default_rng(seed)
    probs = np.zeros((len(y), n_classes), dtype=np.float64)
    for k in range(folds):
        held = assignment == k
        train = _cap(np.flatnonzero(~held), y, max_train, rng)
        predict = fit(x[train], y[train], n_classes)
        probs[held] = predict(x[held])
        yield probs


# -- suspects --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """One record whose given label the rest of the data disagrees with."""

    index: int          # row in the arrays judged
    given: int
    suggested: int
    confidence: float   # out-of-sample probability of ``suggested``
    margin: float       # p(suggested) - p(given)


def find_issues(probs: np.ndarray, y: np.ndarray,
                quantile: float = OTHERS_QUANTILE) -> list[Issue]:
    """Likely label errors, most certain first (largest margin).

    ``probs`` are out-of-sample probabilities (rows: records, columns: classes), ``y``
    the given classes. A record is a suspect when another class is more probable than
    its given class ``c`` and ``p(c)`` is below both ``1/K`` and the ``quantile`` of
    ``p(c)`` over the records given another class: the model thinks no more of the
    label than it does on records that are not ``c``. The suggestion is the most probable
    class.
    """
    n, k = probs.shape
    if n == 0 or k < 2:
        return []
    rows = np.arange(n)
    given_p = probs[rows, y]
    best = probs.argmax(axis=1)
    limits = np.full(k, 1.0 / k)
    for c in range(k):
        others = probs[y != c, c]
        if len(others):
            limits[c] = min(limits[c], float(np.quantile(others, quantile)))
    suspects = np.flatnonzero((best != y) & (given_p < limits[y]))
    margin = probs[suspects, best[suspects]] - given_p[suspects]
    order = suspects[np.argsort(-margin, kind="stable")]
    return [Issue(int(i), int(y[i]), int(best[i]), float(probs[i, best[i]]),
                  float(probs[i, best[i]] - given_p[i])) for i in order]


# -- the scan --------------------------------------------------------------------------


def _vectors(store: Store, texts: Sequence[str], embedder: Embedder) -> Job[np.ndarray]:
    """Vectors of ``texts`` (cached by text hash, missing ones embedded and cached)."""
    distinct = list(dict.fromkeys(texts))
    row = {t: i for i, t in enumerate(distinct)}
    vectors = yield from embed_texts(store, distinct, embedder,
                                     hashes=[text_hash(t) for t in distinct])
    return np.asarray(vectors[[row[t] for t in texts]], dtype=np.float32)


def _dismissed(store: Store, fld: str) -> dict[tuple[Any, ...], tuple[str, str, str]]:
    """Dismissed findings of ``fld``, keyed for ``add_findings``, by (record, given)."""
    closed: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    for record_id, detail, status, by, at in store.db.execute(
            "SELECT record_id, detail, status, status_by, status_at FROM findings "
            "WHERE kind = ? AND status != 'open'", (KIND,)):
        try:
            info = json.loads(detail or "{}")
        except ValueError:
            continue
        if info.get("field") == fld:
            closed[(record_id, CODE, None, None, info.get("given"))] = (status, by, at)
    return closed


def _describe(fld: str, given: str, suggested: str, confidence: float) -> str:
    where = "The answer" if fld == ANSWER_FIELD else f"The label {fld}"
    return (f'{where} is "{given}", but records like this one are "{suggested}" '
            f"(model confidence {confidence:.0%}). Check it: accept the suggestion, keep "
            "the label, or send the record to adjudication.")


def judge_job(fld: str, ids: Sequence[int], labels: Sequence[str], x: np.ndarray,
              folds: int = FOLDS, seed: int = SEED
              ) -> Job[tuple[dict[str, Any], list[tuple[int, FindingDraft]]]]:
    """Judge one field's labels: (summary, findings); a Progress after each fold.

    Pure: no store, no embedder (``x``: one vector per label).
    """
    classes, scarce = trainable(labels)
    summary: dict[str, Any] = {"field": fld, "labelled": len(labels), "classes": len(classes),
                               "judged": 0, "suspects": 0, "skipped": None}
    if len(classes) < 2:
        summary["skipped"] = (f"too few labels to judge: {fld} needs at least "
                              f"{MIN_PER_CLASS} labels in each of 2 values"
                              + (f" (has {', '.join(scarce)})" if scarce else ""))
        return summary, []
    if scarce:
        summary["left_out"] = scarce
    index = {c: i for i, c in enumerate(classes)}
    keep = [i for i, v in enumerate(labels) if v in index]
    y = np.array([index[labels[i]] for i in keep], dtype=np.int64)
    rows = x[keep]
    probs = np.zeros((len(y), len(classes)))
    folds = fold_count(y, len(classes), folds)
    yield Progress(0, folds, f"Label errors in {fld}: fitting {folds} models")
    for done, fold_probs in enumerate(out_of_sample(rows, y, len(classes), folds, seed), 1):
        probs = fold_probs
        yield Progress(done, folds, f"Label errors in {fld}: fold {done} of {folds}")
    issues = find_issues(probs, y)
    summary["judged"] = len(y)
    summary["suspects"] = len(issues)
    found: list[tuple[int, FindingDraft]] = []
    for issue in issues:
        given, suggested = classes[issue.given], classes[issue.suggested]
        confidence = round(issue.confidence, 4)
        found.append((ids[keep[issue.index]], FindingDraft(
            kind=KIND, code=CODE, severity="warning",
            description=_describe(fld, given, suggested, confidence),
            detail={"field": fld, "given": given, "suggested": suggested,
                    "confidence": confidence})))
    return summary, found


def judge(fld: str, ids: Sequence[int], labels: Sequence[str], x: np.ndarray,
          folds: int = FOLDS, seed: int = SEED
          ) -> tuple[dict[str, Any], list[tuple[int, FindingDraft]]]:
    """:func:`judge_job` run to its end (for benchmarks and the labelling panel)."""
    result: tuple[dict[str, Any], list[tuple[int, FindingDraft]]] = _drive(
        judge_job(fld, ids, labels, x, folds, seed))
    return result


def label_error_scan(store: Store, embedder: Embedder | None = None,
                     actor: str = "system", folds: int = FOLDS, seed: int = SEED,
                     log: bool = True) -> Job[dict[str, Any]]:
    """Find likely label errors in every label field and in label-like answers; a Job.

    One transaction: the ``label_error`` findings are replaced (a dismissed one stays
    dismissed while the record keeps the same given value), new input vectors cached;
    cancelling rolls all of it back. Returns ``{model, records, fields: [summary per
    field], findings, warnings}``.
    """
    embedder = embedder or default_embedder()
    report: dict[str, Any] = {"model": embedder.name, "records": 0, "fields": [],
                              "findings": 0, "warnings": []}
    with store.atomic():
        yield Progress(0, None, "Label errors: reading records and labels")
        inputs = read_inputs(store)
        targets = label_targets(store, inputs)
        report["records"] = len(inputs.ids)
        wanted = sorted({rid for _, values in targets for rid in values})
        texts = [inputs.texts[inputs.position[rid]] for rid in wanted]
        vectors = yield from _vectors(store, texts, embedder)
        row = {rid: i for i, rid in enumerate(wanted)}
        closed_all: dict[str, dict[tuple[Any, ...], tuple[str, str, str]]] = {
            fld: _dismissed(store, fld) for fld, _ in targets}
        store.clear_findings(KIND)
        if not targets:
            report["warnings"].append(
                "Label errors: nothing to judge (no single-choice label field has final "
                "labels, and the answers do not look like class labels).")
        for fld, values in targets:
            ids = list(values)
            labels = [values[rid] for rid in ids]
            x = vectors[[row[rid] for rid in ids]] if ids else np.zeros((0, embedder.dim))
            summary, found = yield from judge_job(fld, ids, labels, x, folds, seed)
            report["fields"].append(summary)
            if summary["skipped"]:
                report["warnings"].append(summary["skipped"][0].upper()
                                          + summary["skipped"][1:] + ".")
            elif summary.get("left_out"):
                report["warnings"].append(
                    f"Label errors in {fld}: values with fewer than {MIN_PER_CLASS} labels "
                    f"were not judged: {', '.join(summary['left_out'])}.")
            given_of = {rid: d.detail["given"] for rid, d in found}
            closed = {key[:4]: status for key, status in closed_all[fld].items()
                      if given_of.get(key[0]) == key[4]}
            store.add_findings(found, DETECTOR, VERSION, closed)
            report["findings"] += len(found)
        if log:
            store.log_event(actor, "scan", None, {"checks": ["label_errors"],
                                                  "findings": {KIND: report["findings"]}})
    return report


# -- suggestions for the labelling panel -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The model's value for a record and its probability; ``ranked``: all values."""

    value: str
    confidence: float
    ranked: tuple[tuple[str, float], ...]


def _field_labels(store: Store, fld: str, inputs: Inputs) -> dict[int, str]:
    if fld == ANSWER_FIELD:
        return answer_labels({rid: inputs.answers[i] for rid, i in inputs.position.items()}
                             ) or {}
    from curator.core.labeling.labels import final_labels

    return {rid: str(v) for rid, v in final_labels(store, fld).items()
            if rid in inputs.position and v is not None}


#: Fitted suggestion models, per project file, field and embedder, with the project's
#: version stamp when fitted: the labelling panel asks once per record shown, and at
#: 100,000 records reading every input and fitting takes seconds, not a key press.
_FITTED: dict[tuple[str, str, str], tuple[tuple[Any, ...], Any]] = {}
_FITTED_LOCK = threading.Lock()


def _version(store: Store) -> tuple[Any, ...]:
    """Changes whenever records, revisions, labels or decisions do: every label, edit,
    review and decision writes an event, and an import adds records."""
    row = store.db.execute(
        "SELECT (SELECT MAX(id) FROM events), (SELECT MAX(id) FROM records), "
        "(SELECT COUNT(*) FROM records), (SELECT MAX(id) FROM revisions), "
        "(SELECT MAX(updated_at) FROM labels), (SELECT COUNT(*) FROM labels), "
        "(SELECT MAX(decided_at) FROM adjudications), "
        "(SELECT COUNT(*) FROM adjudications)").fetchone()
    return tuple(row)


@dataclass
class _Model:
    classes: list[str]
    predict: Any
    inputs: Inputs


def _fitted(store: Store, fld: str, embedder: Embedder) -> _Model:
    key = (str(store.path), fld, embedder.name)
    version = _version(store)
    with _FITTED_LOCK:
        cached = _FITTED.get(key)
    if cached is not None and cached[0] == version:
        model: _Model = cached[1]
        return model
    inputs = read_inputs(store)
    values = _field_labels(store, fld, inputs)
    ids = list(values)
    classes, _ = trainable([values[r] for r in ids])
    if len(classes) < 2:
        raise CuratorError(f"Too few labels to suggest {fld}: it needs at least "
                           f"{MIN_PER_CLASS} labels in each of 2 values.")
    index = {c: i for i, c in enumerate(classes)}
    train = [r for r in ids if values[r] in index]
    texts = [inputs.texts[inputs.position[r]] for r in train]
    with store.atomic():
        vectors = _drive(_vectors(store, texts, embedder))
    y = np.array([index[values[r]] for r in train], dtype=np.int64)
    rng = np.random.default_rng(SEED)
    keep = _cap(np.arange(len(y)), y, MAX_TRAIN, rng)
    model = _Model(list(classes), fit(vectors[keep], y[keep], len(classes)), inputs)
    with _FITTED_LOCK:
        _FITTED[key] = (version, model)   # as read before fitting: a change since refits
    return model


def suggest(store: Store, fld: str, record_ids: Sequence[int],
            embedder: Embedder | None = None) -> dict[int, Suggestion]:
    """The model's suggestion for ``record_ids`` from all final labels of ``fld``.

    Fitted on every record with a final label (classes with at least
    :data:`MIN_PER_CLASS`); raises :class:`CuratorError` when there are too few labels.
    Records without an input are left out. Writes new vectors to the embedding cache.
    The fitted model is kept for the process until the project changes (a label, an
    edit, a decision, an import), so asking again record by record costs one embedding.
    Never labels anything: the caller shows the suggestion.
    """
    embedder = embedder or default_embedder()
    model = _fitted(store, fld, embedder)
    inputs = model.inputs
    asked = [r for r in record_ids if r in inputs.position]
    if not asked:
        return {}
    texts = [inputs.texts[inputs.position[r]] for r in asked]
    with store.atomic():
        vectors = _drive(_vectors(store, texts, embedder))
    probs = model.predict(vectors)
    classes = model.classes
    out: dict[int, Suggestion] = {}
    for rid, p in zip(asked, probs, strict=True):
        order = np.argsort(-p, kind="stable")
        ranked = tuple((classes[int(j)], round(float(p[j]), 4)) for j in order)
        out[rid] = Suggestion(ranked[0][0], ranked[0][1], ranked)
    return out


def uncertainty_order(suggestions: Mapping[int, Suggestion]) -> list[int]:
    """Records most informative to label first: smallest margin between the model's two
    most probable values (ties: lower top confidence, then record id)."""
    def margin(rid: int) -> tuple[float, float, int]:
        ranked = suggestions[rid].ranked
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        return (ranked[0][1] - second, ranked[0][1], rid)

    return sorted(suggestions, key=margin)


def _drive(job: Job[Any]) -> Any:
    """Run a Job to its end without reporting progress."""
    from curator.core.jobs import run_job

    return run_job(job)
