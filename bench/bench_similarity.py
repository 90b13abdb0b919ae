"""Benchmark the duplicate / contradiction scan (issue #5).

Four parts, each printed and collected in one JSON document (``--json PATH``):

1. **Real model** on ``--model-records`` generated records: throughput of our
   embedding path (normalise, hash, cache lookup, encode, cache write) against raw
   ``SentenceTransformer.encode`` on the same distinct texts, alternated ``--rounds``
   times; the first scan; a rescan after adding 1% more records (per-phase timings).
2. **Pipeline at scale** on ``--records`` records (default 100,000) with a synthetic
   embedder built from the real vectors of part 1 (so the vectors look like MiniLM's and
   contain near duplicates), measuring everything but the model: reading, hashing,
   cache, neighbour search, clustering, writing; the first scan, a rescan after +1%
   records (incremental: the stored search is reused) and, with ``--full-rescan``, the
   same rescan searching everything again, for comparison. Per-phase timings of each.
3. **Projection** of the first scan and the rescan at ``--records`` with the real model:
   part 2's measured times without the synthetic embedding, plus the texts each embeds
   at part 1's measured real-model rate.
4. **Neighbour search** on the ``--records`` input vectors: exact (faiss flat) versus
   IVF: time and recall of IVF against the exact answer on sampled queries, and the
   exact search of 1% new vectors against all (what a rescan does).

Calibration of the thresholds on tests/data/paraphrase_pairs.jsonl: ``--calibrate``.

Quick run: ``python bench/bench_similarity.py --records 5000 --model-records 60``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

import generate  # noqa: E402
from curator.core.checks import similarity as sim  # noqa: E402
from curator.core.checks.embed import (  # noqa: E402
    EmbeddingCache,
    SentenceTransformerEmbedder,
    normalise_rows,
)
from curator.core.checks.similarity_search import (  # noqa: E402
    neighbour_pairs,
    query_pairs,
    recall,
)
from curator.core.ingest import import_files  # noqa: E402
from curator.core.jobs import run_job  # noqa: E402
from curator.core.store import Store  # noqa: E402


def log(*args: Any) -> None:
    print(*args, flush=True)


class SyntheticEmbedder:
    """MiniLM-like vectors without the model: mixtures of real base vectors plus noise.

    Deterministic per text. About 5% of texts are near copies (cosine ~0.95) of a base
    vector, so the search finds near duplicates as in real data; the rest are mixtures
    of three bases with noise, as far apart as unrelated texts are.
    """

    def __init__(self, bases: np.ndarray, name: str = "bench-synthetic") -> None:
        # Generated texts share one small vocabulary, so their vectors are all alike;
        # centring spreads them like the vectors of a varied data set.
        self.bases = normalise_rows(bases - bases.mean(axis=0, keepdims=True))
        self.dim = int(bases.shape[1])
        self.name = name

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        m = len(self.bases)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(),
                                  "little")
            rng = np.random.default_rng(seed)
            if seed % 20 == 0:
                vector = self.bases[seed % m] + 0.015 * rng.standard_normal(self.dim)
            else:
                picks = rng.choice(m, size=3, replace=False)
                weights = rng.dirichlet(np.ones(3))
                vector = weights @ self.bases[picks] + 0.04 * rng.standard_normal(self.dim)
            out[row] = vector
        return normalise_rows(out)


def make_project(path: Path, records: int, seed: int, extra: int = 0) -> tuple[Store, Path]:
    data = path.parent / f"{path.stem}.jsonl"
    generate.write(data, records, seed)
    store = Store.open(path, create=True)
    run_job(import_files(store, [data]))
    return store, data


def add_records(store: Store, folder: Path, count: int, seed: int, name: str) -> None:
    data = folder / name
    rng_lines = []
    import random
    rng = random.Random(seed)
    for i in range(count):
        conv = generate.conversation(rng, i)
        conv["id"] = f"{name}-{i}"
        rng_lines.append(json.dumps(conv))
    data.write_text("\n".join(rng_lines) + "\n", encoding="utf-8")
    run_job(import_files(store, [data]))


def timed_scan(store: Store, embedder: Any, incremental: bool = True
               ) -> tuple[float, float, dict[str, Any]]:
    """Run the scan; return total seconds, seconds spent embedding, the report.

    The report's ``timings`` split the scan into read (records, JSON, sides), hash,
    embed (cache lookup and model), search, analyse and save (clusters and findings).
    """
    start = time.perf_counter()
    report = run_job(sim.similarity_scan(store, embedder, incremental=incremental))
    total = time.perf_counter() - start
    return total, report["timings"]["embed"], report


def show_timings(report: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in report["timings"].items())


def part_model(folder: Path, records: int, rounds: int = 2
               ) -> tuple[dict[str, Any], np.ndarray]:
    log(f"\n== 1. real model, {records:,} records ==")
    embedder = SentenceTransformerEmbedder()
    _ = embedder.model  # load before timing
    store, _ = make_project(folder / "model.curator", records, seed=1)
    corpus = sim.read_corpus(store)
    texts = list(corpus.texts)
    log(f"{len(texts):,} distinct texts ({records:,} records)")
    # Raw SentenceTransformer.encode on the same distinct texts and batch size, then our
    # path (a scan with an empty cache), alternately, so machine noise hits both sides.
    raw_times: list[float] = []
    ours: list[float] = []
    for round_ in range(rounds):
        start = time.perf_counter()
        embedder.model.encode(texts, batch_size=embedder.batch_size,
                              normalize_embeddings=True, show_progress_bar=False)
        raw_times.append(time.perf_counter() - start)
        with store.atomic():
            store.db.execute("DELETE FROM embeddings")
        total, embed_seconds, report = timed_scan(store, embedder)
        ours.append(embed_seconds)
        log(f"round {round_ + 1}: raw encode {raw_times[-1]:.1f} s "
            f"({len(texts) / raw_times[-1]:.1f} texts/s); scan {total:.1f} s, embedding "
            f"{embed_seconds:.1f} s ({len(texts) / embed_seconds:.1f} texts/s) "
            f"{report['findings']}")
    raw_best = min(raw_times)
    embed_seconds = min(ours)
    extra = max(1, records // 100)
    add_records(store, folder, extra, seed=99, name="extra_model.jsonl")
    re_total, re_embed, re_report = timed_scan(store, embedder)
    log(f"first scan phases: {show_timings(report)}")
    log(f"rescan after +{extra} records: {re_total:.2f} s ({re_report['embedded']} new "
        f"embeddings, search {re_report['search_mode']}) = {100 * re_total / total:.1f}% "
        f"of the first scan; phases: {show_timings(re_report)}")
    vectors = EmbeddingCache(store.db, embedder.name)
    got = vectors.get_many([h for (h,) in store.db.execute(
        "SELECT text_hash FROM embeddings")])
    bases = np.vstack(list(got.values()))
    store.close()
    return {
        "records": records, "texts": len(texts), "raw_encode_s": raw_times,
        "curator_embed_runs_s": ours,
        "raw_texts_per_s": len(texts) / raw_best,
        "curator_embed_s": embed_seconds,
        "curator_texts_per_s": len(texts) / embed_seconds,
        "throughput_ratio": raw_best / embed_seconds,
        "first_scan_s": total, "rescan_s": re_total, "rescan_added": extra,
        "rescan_share": re_total / total, "findings": report["findings"],
        "first_scan_timings": report["timings"], "rescan_timings": re_report["timings"],
        "rescan_embedded": re_report["embedded"],
    }, bases


def part_pipeline(folder: Path, records: int, bases: np.ndarray, full_rescan: bool = False
                  ) -> dict[str, Any]:
    log(f"\n== 2. pipeline at {records:,} records (synthetic MiniLM-like vectors) ==")
    embedder = SyntheticEmbedder(bases)
    start = time.perf_counter()
    store, _ = make_project(folder / "scale.curator", records, seed=2)
    log(f"generate + import: {time.perf_counter() - start:.1f} s")
    total, embed_seconds, report = timed_scan(store, embedder)
    log(f"first scan: {total:.1f} s (synthetic embedding {embed_seconds:.1f} s), "
        f"search {report['search']}, {report['candidate_pairs']:,} pairs, "
        f"{report['findings']}; phases: {show_timings(report)}")
    extra = records // 100
    add_records(store, folder, extra, seed=98, name="extra_scale.jsonl")
    if full_rescan:
        copy = folder / "scale_copy.curator"
        store.db.execute(f"VACUUM INTO '{copy}'")
    re_total, re_embed, re_report = timed_scan(store, embedder)
    log(f"rescan after +{extra:,} records: {re_total:.1f} s (embedding {re_embed:.1f} s, "
        f"{re_report['embedded']:,} new; search {re_report['search_mode']} over "
        f"{re_report['searched_texts']:,} texts) = {100 * re_total / total:.2f}% of the "
        f"first scan; phases: {show_timings(re_report)}")
    stored = store.db.execute(
        "SELECT texts, length(hashes) + length(pair_a) + length(pair_b) + length(pair_sim), "
        "length(pair_a) / 4 FROM similarity_search").fetchone()
    log(f"stored search: {stored[0]:,} texts, {stored[2]:,} pairs, {stored[1] / 1e6:.1f} MB")
    full: dict[str, Any] = {}
    if full_rescan:
        other = Store.open(copy)
        f_total, f_embed, f_report = timed_scan(other, embedder, incremental=False)
        same = (f_report["findings"] == re_report["findings"]
                and f_report["clusters"] == re_report["clusters"]
                and f_report["candidate_pairs"] == re_report["candidate_pairs"])
        log(f"the same rescan searching everything: {f_total:.1f} s; phases: "
            f"{show_timings(f_report)}; same findings, clusters and pairs: {same}")
        full = {"full_rescan_s": f_total, "full_rescan_timings": f_report["timings"],
                "full_rescan_same_result": same}
        other.close()
    corpus = sim.read_corpus(store)
    cache = EmbeddingCache(store.db, embedder.name)
    distinct = sorted(set(corpus.input_of))
    hashes = [sim.text_hash(corpus.texts[i]) for i in distinct]
    got = cache.get_many(hashes)
    inputs = np.vstack([got[h] for h in hashes])
    store.close()
    return {"records": records, "first_scan_s": total,
            "first_scan_embedding_s": embed_seconds,
            "first_scan_without_model_s": total - embed_seconds,
            "first_scan_texts": report["texts"],
            "first_scan_embedded": report["embedded"],
            "first_scan_timings": report["timings"],
            "rescan_s": re_total, "rescan_embedding_s": re_embed,
            "rescan_timings": re_report["timings"], "rescan_search": re_report["search_mode"],
            "rescan_searched_texts": re_report["searched_texts"],
            "rescan_share": re_total / total,
            "stored_search": {"texts": stored[0], "pairs": stored[2], "bytes": stored[1]},
            "rescan_new_embeddings": re_report["embedded"], "added": extra,
            "search": report["search"], "pairs": report["candidate_pairs"],
            "findings": report["findings"], "clusters": report["clusters"], **full}, inputs


def projection(model: dict[str, Any], pipeline: dict[str, Any]) -> dict[str, Any]:
    """First scan and rescan at the pipeline's size with the real model's measured rate.

    Conservative both ways: the first scan drops its whole embed phase (synthetic
    encoding, but also the cache writes) before adding the model's time; the rescan
    keeps its whole embed phase (cache reads, and the synthetic encoding of its new
    texts) and adds the model's time on top.
    """
    rate = model["curator_texts_per_s"]
    first = pipeline["first_scan_without_model_s"] + pipeline["first_scan_embedded"] / rate
    rescan = pipeline["rescan_s"] + pipeline["rescan_new_embeddings"] / rate
    out = {"texts_per_s": rate, "first_scan_s": first, "rescan_s": rescan,
           "rescan_share": rescan / first}
    log(f"\n== 3. projection with the real model at {pipeline['records']:,} records: "
        f"first scan {first:,.0f} s ({pipeline['first_scan_embedded']:,} texts at "
        f"{rate:.2f}/s), rescan {rescan:,.0f} s -> {100 * rescan / first:.2f}% ==")
    return out


def part_search(vectors: np.ndarray, threshold: float, queries: int,
                nprobes: tuple[int, ...] = (8, 16, 32)) -> dict[str, Any]:
    import faiss

    n = len(vectors)
    log(f"\n== 4. neighbour search over {n:,} input vectors, threshold {threshold} ==")
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(n, size=min(queries, n), replace=False))
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    start = time.perf_counter()
    lims, sims, ids = flat.range_search(vectors[sample], threshold)
    exact_sample_s = time.perf_counter() - start
    exact_estimate = exact_sample_s * n / len(sample)
    truth = set()
    for q, row in enumerate(sample):
        for j in ids[lims[q]:lims[q + 1]]:
            if j != row:
                truth.add((min(row, int(j)), max(row, int(j))))
    log(f"exact (flat) on {len(sample):,} queries: {exact_sample_s:.2f} s -> "
        f"{exact_estimate:.0f} s for all {n:,}")
    out: dict[str, Any] = {"vectors": n, "threshold": threshold, "queries": len(sample),
                           "exact_sample_s": exact_sample_s,
                           "exact_full_estimate_s": exact_estimate, "ivf": []}
    new = np.arange(n - n // 100, n)
    start = time.perf_counter()
    query_pairs(vectors, new, threshold)
    out["incremental_1pct_s"] = time.perf_counter() - start
    log(f"exact search of the last {len(new):,} vectors against all {n:,} (a rescan after "
        f"+1%): {out['incremental_1pct_s']:.2f} s")
    sample_set = set(sample.tolist())
    for nprobe in nprobes:
        start = time.perf_counter()
        pairs = neighbour_pairs(vectors, threshold, method="ivf", nprobe=nprobe)
        seconds = time.perf_counter() - start
        found = {(a, b) for a, b in zip(pairs.left.tolist(), pairs.right.tolist(),
                                        strict=True) if a in sample_set or b in sample_set}
        hit = len(truth & found) / len(truth) if truth else 1.0
        log(f"IVF nprobe {nprobe}: {seconds:.1f} s, recall {hit:.4f} over "
            f"{len(truth):,} true pairs touching the sampled queries")
        out["ivf"].append({"nprobe": nprobe, "seconds": seconds, "recall": hit,
                           "true_pairs": len(truth)})
    small = vectors[:min(n, 20_000)]
    start = time.perf_counter()
    exact_small = neighbour_pairs(small, threshold, method="exact")
    exact_small_s = time.perf_counter() - start
    start = time.perf_counter()
    numpy_small = neighbour_pairs(small, threshold, method="numpy")
    numpy_small_s = time.perf_counter() - start
    start = time.perf_counter()
    ivf_small = neighbour_pairs(small, threshold, method="ivf")
    ivf_small_s = time.perf_counter() - start
    log(f"{len(small):,} vectors: faiss flat {exact_small_s:.1f} s, numpy blocked "
        f"{numpy_small_s:.1f} s (same pairs: "
        f"{recall(numpy_small, exact_small) == 1.0 and len(numpy_small) == len(exact_small)})"
        f", IVF {ivf_small_s:.1f} s (recall {recall(ivf_small, exact_small):.4f})")
    out["at_20k"] = {"flat_s": exact_small_s, "numpy_s": numpy_small_s, "ivf_s": ivf_small_s,
                     "ivf_recall": recall(ivf_small, exact_small), "pairs": len(exact_small)}
    return out


def calibrate(path: Path) -> dict[str, Any]:
    """Precision / recall of the default thresholds on the labelled paraphrase pairs."""
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    embedder = SentenceTransformerEmbedder()
    texts = sorted({sim.normalise(t) for p in pairs for t in (p["a"], p["b"])})
    table = dict(zip(texts, embedder.encode(texts), strict=True))
    out: dict[str, Any] = {}
    for side, key in (("input", "near_duplicate"), ("output", "near_duplicate_output")):
        chosen = [p for p in pairs if p["side"] == side]
        scores = np.array([float(table[sim.normalise(p["a"])] @ table[sim.normalise(p["b"])])
                           for p in chosen])
        truth = np.array([p["paraphrase"] for p in chosen])
        rows = []
        for threshold in (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
            pred = scores >= threshold
            tp = int((pred & truth).sum())
            fp = int((pred & ~truth).sum())
            fn = int((~pred & truth).sum())
            rows.append({"threshold": threshold, "precision": tp / max(1, tp + fp),
                         "recall": tp / max(1, tp + fn)})
        out[side] = {"pairs": len(chosen), "default": sim.DEFAULTS[key], "table": rows}
        log(side, json.dumps(out[side]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000,
                        help="records for the pipeline and search parts")
    parser.add_argument("--model-records", type=int, default=300,
                        help="records embedded with the real model (part 1)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternate raw and Curator embedding this many times")
    parser.add_argument("--queries", type=int, default=2000,
                        help="sampled queries for the exact search baseline")
    parser.add_argument("--model-only", action="store_true",
                        help="only part 1 (real-model throughput and rescan)")
    parser.add_argument("--calibrate", action="store_true",
                        help="only report precision/recall on the paraphrase pairs")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[8, 16, 32],
                        help="IVF nprobe values to time in part 4")
    parser.add_argument("--no-search", action="store_true",
                        help="skip part 4 (the neighbour search comparison)")
    parser.add_argument("--full-rescan", action="store_true",
                        help="part 2: also time the rescan searching everything again")
    parser.add_argument("--model-json", type=Path,
                        help="with --bases: take part 1's results from this earlier --json "
                             "(--model-only) output instead of running it again")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--bases", type=Path,
                        help="a .npy of part 1's vectors: saved there, or if it exists, "
                             "loaded from there and part 1 skipped")
    args = parser.parse_args()
    if args.model_only:
        import torch

        with tempfile.TemporaryDirectory() as tmp:
            result = {"machine": {"cpus": os.cpu_count(),
                                  "torch_threads": torch.get_num_threads(),
                                  "load_average": os.getloadavg()}}
            result["model"], bases = part_model(Path(tmp), args.model_records, args.rounds)
            result["machine"]["load_average_end"] = os.getloadavg()
            if args.bases:
                np.save(args.bases, bases)
    elif args.calibrate:
        result: dict[str, Any] = {"calibration": calibrate(
            ROOT / "tests" / "data" / "paraphrase_pairs.jsonl")}
    else:
        import torch

        result = {"machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                              "load_average": os.getloadavg()}}
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if args.bases and args.bases.exists():
                bases = np.load(args.bases)
                log(f"part 1 skipped: base vectors from {args.bases}")
                if args.model_json:
                    result["model"] = json.loads(args.model_json.read_text())["model"]
                    log(f"part 1 results from {args.model_json}")
            else:
                result["model"], bases = part_model(folder, args.model_records, args.rounds)
                if args.json:
                    args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
                if args.bases:
                    np.save(args.bases, bases)
            result["pipeline"], inputs = part_pipeline(folder, args.records, bases,
                                                       args.full_rescan)
            if "model" in result:
                result["projection"] = projection(result["model"], result["pipeline"])
            if args.json:
                args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
            if not args.no_search:
                result["search"] = part_search(inputs, sim.DEFAULTS["near_duplicate"],
                                               args.queries, tuple(args.nprobe))
        result["machine"]["load_average_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    log(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
