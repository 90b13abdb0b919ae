"""Agreement benchmark: every statistic for 100,000 items x 5 annotators, under a second.

    python bench/bench_agreement.py [--items 100000] [--annotators 5] [--values 5]
                                    [--missing 0.1] [--bootstrap 1000] [--repeat 3]

Generated data with realistic agreement: each item has a true value on a ``--values``
point scale (skewed towards the middle); each annotator copies it with probability 0.7,
otherwise moves one step up or down (0.2) or picks any value (0.1); ``--missing`` of the
ratings are dropped at random. Timed (best of ``--repeat``), for every level:

* ``triples``: :func:`agreement` from a list of ``(item, annotator, value)`` tuples,
  encoding included (the shape ratings come in from the store);
* ``dense``: the same from a :class:`RatingMatrix` already encoded (statistics only);
* ``bootstrap``: ``triples`` plus ``--bootstrap`` resamplings for the intervals.

The alpha of every level is checked against the ``krippendorff`` package when it is
installed (its time is printed too). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curator.core.labeling.agreement import LEVELS, RatingMatrix, agreement  # noqa: E402


def generate(items: int, annotators: int, values: int, missing: float, seed: int = 0
             ) -> np.ndarray:
    """items x annotators float matrix of ratings 1..values, NaN where missing."""
    rng = np.random.default_rng(seed)
    weights = np.exp(-0.5 * ((np.arange(values) - (values - 1) / 2) / (values / 3)) ** 2)
    truth = rng.choice(values, size=items, p=weights / weights.sum())
    roll = rng.random((items, annotators))
    step = rng.choice([-1, 1], size=(items, annotators))
    noise = rng.integers(0, values, size=(items, annotators))
    ratings = np.where(roll < 0.7, truth[:, None],
                       np.where(roll < 0.9, np.clip(truth[:, None] + step, 0, values - 1),
                                noise)).astype(np.float64) + 1
    ratings[rng.random((items, annotators)) < missing] = np.nan
    return ratings


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--values", type=int, default=5)
    parser.add_argument("--missing", type=float, default=0.1)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    matrix = generate(args.items, args.annotators, args.values, args.missing)
    names = [f"annotator{j}" for j in range(args.annotators)]
    triples = [(i, names[j], int(matrix[i, j]))
               for i, j in zip(*np.nonzero(~np.isnan(matrix)), strict=True)]
    try:
        import krippendorff
    except ImportError:
        krippendorff = None

    # A yardstick of this machine's speed at the moment (shared machines vary a lot):
    # compare timings from different runs relative to this figure.
    yardstick, _ = best_of(3, lambda: dict.fromkeys(range(1_000_000)))
    out: dict[str, Any] = {
        "yardstick_dict_1m_seconds": round(yardstick, 3),
        "items": args.items, "annotators": args.annotators, "values": args.values,
        "missing": args.missing, "ratings": len(triples), "bootstrap": args.bootstrap,
        "levels": {},
    }
    for level in LEVELS:
        dense = RatingMatrix.from_dense(matrix, level)
        t_triples, report = best_of(args.repeat, lambda lv=level: agreement(triples, lv))
        t_dense, _ = best_of(args.repeat, lambda lv=level, m=dense: agreement(m, lv))
        t_boot, booted = best_of(1, lambda lv=level: agreement(
            triples, lv, bootstrap=args.bootstrap, seed=1))
        row: dict[str, Any] = {
            "seconds_triples": round(t_triples, 3), "seconds_dense": round(t_dense, 3),
            "seconds_with_bootstrap": round(t_boot, 3),
            "alpha": round(report.krippendorff_alpha, 4),
            "alpha_ci": [round(v, 4) for v in booted.ci.intervals["krippendorff_alpha"]],
            "fleiss_kappa": round(report.fleiss_kappa, 4),
            "cohen_kappa": round(report.cohen_kappa, 4),
            "percent_agreement": round(report.percent_agreement, 4),
        }
        if krippendorff is not None:
            t_lib, lib_alpha = best_of(1, lambda lv=level: krippendorff.alpha(
                reliability_data=matrix.T, level_of_measurement=lv))
            row["krippendorff_package_seconds"] = round(t_lib, 3)
            row["matches_krippendorff_package"] = bool(
                abs(lib_alpha - report.krippendorff_alpha) < 1e-9)
        out["levels"][level] = row
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
