"""Benchmark the likely-label-error check (issue #18).

1. **Quality** on an intent-classification set: ``bench/data/banking77_test_16.csv``, the
   first 16 intents (40 utterances each, 640 records) of the BANKING77 test split
   (PolyAI-LDN/task-specific-datasets ``banking_data/test.csv``, CC-BY-4.0; see
   bench/data/PROVENANCE.md). 8% of the labels (51) are flipped to another intent
   (seeded). Two projects: the labels imported by ``labels import`` as an annotator's
   (field ``intent``), and the label as the assistant's answer (field ``answer``). Each
   is scanned with ``scan --only label_errors`` and the real all-MiniLM-L6-v2; reported:
   precision and recall of the flipped records, and the share of the found flipped
   records whose suggestion is the original intent. The same for the issue's 20-line
   baseline (cached vectors, cross-validated logistic regression, per-class confidence
   thresholds) on the same vectors. ``--seeds`` repeats with other flips.
2. **Timing** of the label-error pass on ``--records`` (default 100,000) records with
   cached synthetic vectors (16 classes, 8% flipped): reading the vectors from the
   project's embedding cache, then cross-validated probabilities and confident learning.

Run: ``.venv/bin/python bench/bench_label_errors.py [--seeds 0 1 2] [--records 100000]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from curator.core.checks import label_errors as le  # noqa: E402
from curator.core.checks.embed import EmbeddingCache, default_embedder  # noqa: E402
from curator.core.checks.scan import scan  # noqa: E402
from curator.core.conversation import text_hash  # noqa: E402
from curator.core.ingest import import_files  # noqa: E402
from curator.core.jobs import run_job  # noqa: E402
from curator.core.labeling.transfer import import_labels  # noqa: E402
from curator.core.store import Store  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "banking77_test_16.csv"
FLIP = 0.08


def load() -> tuple[list[str], list[str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def flip(labels: list[str], seed: int) -> tuple[list[str], set[int]]:
    rng = np.random.default_rng(seed)
    classes = sorted(set(labels))
    chosen = rng.choice(len(labels), size=round(FLIP * len(labels)), replace=False)
    noisy = list(labels)
    for i in chosen:
        noisy[i] = str(rng.choice([c for c in classes if c != labels[i]]))
    return noisy, {int(i) for i in chosen}


def baseline(x: np.ndarray, given: list[str]) -> dict[int, str]:
    """The issue's 20-line baseline: CV logistic regression, per-class thresholds."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    classes = sorted(set(given))
    y = np.array([classes.index(g) for g in given])
    probs = cross_val_predict(LogisticRegression(max_iter=1000), x, y, cv=5,
                              method="predict_proba")
    thresholds = np.array([probs[y == c, c].mean() for c in range(len(classes))])
    found = {}
    for i, p in enumerate(probs):
        above = np.flatnonzero(p >= thresholds)
        if len(above) and above[np.argmax(p[above])] != y[i]:
            found[i] = classes[int(above[np.argmax(p[above])])]
    return found


def score(found: dict[int, str], flipped: set[int], truth: list[str]) -> dict[str, Any]:
    hits = [i for i in found if i in flipped]
    return {"found": len(found), "flipped": len(flipped),
            "precision": round(len(hits) / len(found), 3) if found else 0.0,
            "recall": round(len(hits) / len(flipped), 3),
            "suggestion_correct": round(sum(found[i] == truth[i] for i in hits)
                                        / len(hits), 3) if hits else 0.0}


def project(folder: Path, name: str, texts: list[str], answers: list[str],
            labels: list[str] | None) -> Store:
    data = folder / f"{name}.jsonl"
    with data.open("w", encoding="utf-8") as out:
        for i, (text, answer) in enumerate(zip(texts, answers, strict=True)):
            out.write(json.dumps({"id": f"u{i:03d}", "messages": [
                {"role": "system", "content": "Classify the banking request's intent."},
                {"role": "user", "content": text},
                {"role": "assistant", "content": answer}]}) + "\n")
    store = Store.open(folder / f"{name}.curator", create=True)
    run_job(import_files(store, [data]))
    if labels is not None:
        sheet = folder / f"{name}-labels.csv"
        with sheet.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["record", "annotator", "field", "value"])
            for i, label in enumerate(labels):
                writer.writerow([f"u{i:03d}", "ann", "intent", label])
        run_job(import_labels(store, sheet))
    return store


def found_of(store: Store, fld: str) -> dict[int, str]:
    key_to_index = {f"u{i:03d}": i for i in range(1000)}
    out = {}
    for item in store.findings(kind=le.KIND):
        if item["detail"]["field"] == fld:
            out[key_to_index[item["record"]]] = item["detail"]["suggested"]
    return out


def quality(seed: int, embedder: Any, folder: Path) -> dict[str, Any]:
    texts, truth = load()
    noisy, flipped = flip(truth, seed)
    result: dict[str, Any] = {"seed": seed}
    reply = "Thanks, I will look into that for you."
    for mode, answers, labels, fld in (
            ("annotator", [reply] * len(texts), noisy, "intent"),
            ("answer", noisy, None, le.ANSWER_FIELD)):
        store = project(folder, f"{mode}-{seed}", texts, answers, labels)
        started = time.perf_counter()
        report = run_job(scan(store, ["label_errors"], embedder=embedder))
        seconds = time.perf_counter() - started
        result[mode] = {**score(found_of(store, fld), flipped, truth),
                        "scan_seconds": round(seconds, 2),
                        "fields": [f["field"] for f in report.label_errors["fields"]]}
        if mode == "annotator":
            inputs = le.read_inputs(store)
            cache = EmbeddingCache(store.db, embedder.name)
            vectors, _ = cache.get_matrix([text_hash(t) for t in inputs.texts], embedder.dim)
            result["baseline"] = score(baseline(vectors, noisy), flipped, truth)
        store.close()
    return result


def timing(records: int, dim: int = 384, classes: int = 16, seed: int = 0
           ) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dim)).astype(np.float32)
    y = rng.integers(classes, size=records)
    x = centres[y] + rng.normal(scale=2.5, size=(records, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    names = [f"intent_{c:02d}" for c in range(classes)]
    noisy = [names[c] for c in y]
    flips = rng.choice(records, size=round(FLIP * records), replace=False)
    for i in flips:
        noisy[i] = names[(y[i] + 1 + rng.integers(classes - 1)) % classes]
    out: dict[str, Any] = {"records": records, "classes": classes, "dim": dim,
                           "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "t.curator", create=True)
        hashes = [text_hash(f"text {i}") for i in range(records)]
        cache = EmbeddingCache(store.db, "synthetic")
        with store.atomic():
            cache.put_many(hashes, x)
        started = time.perf_counter()
        vectors, found = cache.get_matrix(hashes, dim)
        out["read_cache_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        summary, issues = le.judge("intent", list(range(records)), noisy, vectors)
        out["judge_seconds"] = round(time.perf_counter() - started, 2)
        hits = sum(1 for rid, _ in issues if rid in set(flips.tolist()))
        out["precision"] = round(hits / max(1, len(issues)), 3)
        out["recall"] = round(hits / len(flips), 3)
        store.close()
    out["total_seconds"] = round(out["read_cache_seconds"] + out["judge_seconds"], 2)
    out["load_after"] = os.getloadavg()
    out["cores"] = os.cpu_count()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {"quality": []}
    if not args.skip_quality:
        embedder = default_embedder()
        with tempfile.TemporaryDirectory() as folder:
            for seed in args.seeds:
                part = quality(seed, embedder, Path(folder))
                print(json.dumps(part), flush=True)
                results["quality"].append(part)
    if not args.skip_timing:
        results["timing"] = timing(args.records)
        print(json.dumps(results["timing"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
