"""The quantised ONNX embedder against the float sentence-transformers model, side by side.

    python bench/bench_embedding_backends.py [--texts 2000] [--rounds 3] [--json out.json]

Texts: 50-word texts made of STS benchmark sentences (tests/data, CC-BY-SA). Each round
encodes the same texts with both models in alternating order; the figure is the median
texts/s of each and their ratio. Agreement: the cosine between each text's vectors from
the two models (min, 1st percentile, mean), and on the STS pairs the rank correlation of
the pair cosines. Run on a quiet machine: the load average is printed with the result.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curator.core.checks.embed import SentenceTransformerEmbedder  # noqa: E402
from curator.core.checks.onnx_embed import OnnxEmbedder  # noqa: E402

STS = ROOT / "tests" / "data" / "stsb_test_ccbysa_subset.csv"


def sts_pairs() -> list[tuple[str, str, float]]:
    with STS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[5], r[6], float(r[4])) for r in rows if len(r) >= 7]


def long_texts(count: int, words: int = 50, seed: int = 0) -> list[str]:
    sentences = [s for a, b, _ in sts_pairs() for s in (a, b)]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text: list[str] = []
        while len(text) < words:
            text += rng.choice(sentences).split()
        out.append(" ".join(text[:words]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    texts = long_texts(args.texts)
    float_model, int8_model = SentenceTransformerEmbedder(), OnnxEmbedder()
    t0 = time.perf_counter()
    int8_model.encode(["warm up"])
    load_int8 = time.perf_counter() - t0
    t0 = time.perf_counter()
    float_model.encode(["warm up"])
    load_float = time.perf_counter() - t0
    rates: dict[str, list[float]] = {"float": [], "int8": []}
    vectors = {}
    for round_ in range(args.rounds):
        order = [("float", float_model), ("int8", int8_model)]
        for name, model in (order if round_ % 2 == 0 else order[::-1]):
            t0 = time.perf_counter()
            vectors[name] = model.encode(texts)
            rates[name].append(len(texts) / (time.perf_counter() - t0))
    agree = (vectors["float"] * vectors["int8"]).sum(axis=1)
    pairs = sts_pairs()
    left = [a for a, _, _ in pairs]
    right = [b for _, b, _ in pairs]
    cos = {name: (m.encode(left) * m.encode(right)).sum(axis=1)
           for name, m in (("float", float_model), ("int8", int8_model))}
    ranks = {k: np.argsort(np.argsort(v)) for k, v in cos.items()}
    spearman = float(np.corrcoef(ranks["float"], ranks["int8"])[0, 1])
    result = {
        "texts": len(texts), "words_per_text": 50, "rounds": args.rounds,
        "texts_per_s": {k: round(statistics.median(v), 1) for k, v in rates.items()},
        "ratio_int8_over_float": round(statistics.median(rates["int8"])
                                       / statistics.median(rates["float"]), 2),
        "first_call_s": {"float": round(load_float, 2), "int8": round(load_int8, 2)},
        "vector_cosine": {"min": round(float(agree.min()), 4),
                          "p01": round(float(np.percentile(agree, 1)), 4),
                          "mean": round(float(agree.mean()), 4)},
        "sts_pairs": len(pairs),
        "sts_pair_cosine_max_abs_diff": round(float(np.abs(cos["float"] - cos["int8"]).max()), 4),
        "sts_pair_cosine_spearman": round(spearman, 4),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
