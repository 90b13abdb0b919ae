"""Benchmark the likely-label-error check (issue #18).

1. **Quality** on intent-classification sets from the BANKING77 test split
   (PolyAI-LDN/task-specific-datasets ``banking_data/test.csv``, CC-BY-4.0; see
   bench/data/PROVENANCE.md): ``dev``, the first 16 intents (40 utterances each, 640
   records, ``banking77_test_16.csv``) and ``dev2``, the next 15 intents (600 records,
   ``banking77_test_next15.csv``), the two sets the method was chosen on; ``held``, the
   15 intents after those (600 records, ``banking77_test_heldout_15.csv``), run only once
   the method was fixed.
   A share of the labels (``--rates``, default 8%) is flipped to another intent
   (seeded). Two projects each: the labels imported by ``labels import`` as an
   annotator's (field ``intent``), and the label as the assistant's answer (field
   ``answer``). Each is scanned with ``scan --only label_errors`` and the default
   embedder (the first project of a set embeds its texts; later ones get the same
   vectors copied into their cache, as a rescan would find them); reported: precision
   and recall of the flipped records, and the share of the found flipped records whose
   suggestion is the original intent. The same for the issue's 20-line baseline on the
   same cached vectors: 5-fold cross-validated ``LogisticRegression()``, per-class
   thresholds = mean self-confidence, a record flagged when its given label's
   probability is below that label's threshold and another label's reaches its own
   (suggested: the most probable such label), i.e. cleanlab's confident joint.
2. **Timing** of the label-error pass on ``--records`` (default 100,000) records with
   cached synthetic vectors (16 classes, 8% flipped): reading the vectors from the
   project's embedding cache, then cross-validated probabilities and the suspects.

Run: ``.venv/bin/python bench/bench_label_errors.py [--seeds 0 1 2] [--rates 0.05 0.08]
[--sets dev dev2 held] [--records 100000] [--skip-timing] [--json PATH]``
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

import numpy as np

from curator.core.checks import label_errors as le
from curator.core.checks.embed import EmbeddingCache, default_embedder
from curator.core.checks.scan import scan
from curator.core.conversation import text_hash
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.labeling.transfer import import_labels
from curator.core.store import Store

DATA = Path(__file__).resolve().parent / "data"
SETS = {"dev": DATA / "banking77_test_16.csv", "dev2": DATA / "banking77_test_next15.csv",
        "held": DATA / "banking77_test_heldout_15.csv"}
FLIP = 0.08


def load(name: str = "dev") -> tuple[list[str], list[str]]:
    with SETS[name].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def flip(labels: list[str], seed: int, rate: float = FLIP) -> tuple[list[str], set[int]]:
    rng = np.random.default_rng(seed)
    classes = sorted(set(labels))
    chosen = rng.choice(len(labels), size=round(rate * len(labels)), replace=False)
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
        above = above[above != y[i]]
        if p[y[i]] < thresholds[y[i]] and len(above):
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
            out.write(json.dumps({"id": f"u{i:04d}", "messages": [
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
                writer.writerow([f"u{i:04d}", "ann", "intent", label])
        run_job(import_labels(store, sheet))
    return store


def found_of(store: Store, fld: str) -> dict[int, str]:
    out = {}
    for item in store.findings(kind=le.KIND):
        if item["detail"]["field"] == fld:
            out[int(item["record"][1:])] = item["detail"]["suggested"]
    return out


class Vectors:
    """The vectors of one set's inputs, kept after the first scan embedded them."""

    def __init__(self) -> None:
        self.hashes: list[str] = []
        self.matrix: np.ndarray | None = None

    def fill(self, store: Store, embedder: Any) -> None:
        """Copy the kept vectors into ``store``'s cache (nothing the first time)."""
        if self.matrix is not None:
            with store.atomic():
                EmbeddingCache(store.db, embedder.name).put_many(self.hashes, self.matrix)

    def keep(self, store: Store, embedder: Any) -> np.ndarray:
        hashes = [text_hash(t) for t in le.read_inputs(store).texts]
        distinct = list(dict.fromkeys(hashes))      # get_matrix fills one row per hash
        found_rows, found = EmbeddingCache(store.db, embedder.name).get_matrix(
            distinct, embedder.dim)
        assert found.all()
        row = {h: i for i, h in enumerate(distinct)}
        matrix = found_rows[[row[h] for h in hashes]]
        if self.matrix is None:
            self.hashes, self.matrix = hashes, matrix
        return matrix


def quality(name: str, rate: float, seed: int, embedder: Any, folder: Path,
            vectors: Vectors) -> dict[str, Any]:
    texts, truth = load(name)
    noisy, flipped = flip(truth, seed, rate)
    result: dict[str, Any] = {"set": name, "rate": rate, "seed": seed}
    reply = "Thanks, I will look into that for you."
    for mode, answers, labels, fld in (
            ("annotator", [reply] * len(texts), noisy, "intent"),
            ("answer", noisy, None, le.ANSWER_FIELD)):
        store = project(folder, f"{name}-{rate}-{seed}-{mode}", texts, answers, labels)
        vectors.fill(store, embedder)
        started = time.perf_counter()
        report = run_job(scan(store, ["label_errors"], embedder=embedder))
        seconds = time.perf_counter() - started
        result[mode] = {**score(found_of(store, fld), flipped, truth),
                        "scan_seconds": round(seconds, 2),
                        "fields": [f["field"] for f in report.label_errors["fields"]]}
        x = vectors.keep(store, embedder)
        if mode == "annotator":
            result["baseline"] = score(baseline(x, noisy), flipped, truth)
        store.close()
    return result


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Means of precision / recall / suggestion per set and rate, and over all rows."""
    groups: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["set"], row["rate"]), []).append(row)
    groups[("all", 0.0)] = rows
    out = []
    for (name, rate), members in groups.items():
        item: dict[str, Any] = {"set": name, "rate": rate, "runs": len(members)}
        for mode in ("annotator", "answer", "baseline"):
            item[mode] = {k: round(float(np.mean([m[mode][k] for m in members])), 3)
                          for k in ("precision", "recall", "suggestion_correct")}
        out.append(item)
    return out


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
        vectors, _ = cache.get_matrix(hashes, dim)
        out["read_cache_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        _, issues = le.judge("intent", list(range(records)), noisy, vectors)
        out["judge_seconds"] = round(time.perf_counter() - started, 2)
        flipped = set(flips.tolist())
        hits = sum(1 for rid, _ in issues if rid in flipped)
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
    parser.add_argument("--rates", type=float, nargs="+", default=[FLIP])
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=["dev"])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {"quality": []}
    if not args.skip_quality:
        embedder = default_embedder()
        results["embedder"] = embedder.name
        with tempfile.TemporaryDirectory() as folder:
            for name in args.sets:
                vectors = Vectors()
                for rate in args.rates:
                    for seed in args.seeds:
                        part = quality(name, rate, seed, embedder, Path(folder), vectors)
                        print(json.dumps(part), flush=True)
                        results["quality"].append(part)
        results["summary"] = summary(results["quality"])
        for item in results["summary"]:
            print(json.dumps(item), flush=True)
    if not args.skip_timing:
        results["timing"] = timing(args.records)
        print(json.dumps(results["timing"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
