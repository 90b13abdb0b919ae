"""Neighbour search: every pair of unit vectors whose cosine is at least a threshold.

Two methods, chosen by size (``exact_limit``; measured in ``bench/bench_similarity.py``):

* **exact** — faiss ``IndexFlatIP.range_search`` (blocked matrix products over all
  pairs); right for up to tens of thousands of vectors.
* **ivf** — faiss ``IndexIVFFlat`` (inner product, ``nlist`` ~ 2·sqrt(n) k-means cells
  trained on a sample, ``nprobe`` cells searched per query) with ``range_search``. At
  high thresholds near-duplicates sit in the same or a neighbouring cell, so a small
  ``nprobe`` keeps recall above 0.99 (measured against the exact search).

Pairs come back as ``(i, j, similarity)`` arrays with ``i < j``. Without faiss a blocked
numpy product gives the same exact answer.

For rescans, :func:`query_pairs` searches a few rows (the new texts) exactly against all
of them, and :func:`pair_cosines` recomputes each pair's cosine the same way whichever
search found it, so an incremental search and a full one give the same pairs with the
same figures (see ``similarity.search_inputs``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Up to this many vectors the search is exact; beyond it, IVF.
EXACT_LIMIT = 10_000
#: IVF cells searched per query. Measured recall at threshold 0.8 on MiniLM vectors of
#: generated support chats: see docs (>= 0.99).
NPROBE = 16
BLOCK = 4096
#: Searches run this far below the threshold; pairs are then kept by their recomputed
#: cosine (:func:`pair_cosines`), so float rounding inside faiss (which sums in an order
#: that depends on the batch) cannot make a full and an incremental search disagree.
MARGIN = 1e-4


@dataclass(frozen=True, slots=True)
class Pairs:
    """Neighbour pairs ``left[k] < right[k]`` with cosine ``similarity[k]``."""

    left: np.ndarray
    right: np.ndarray
    similarity: np.ndarray
    method: str

    def __len__(self) -> int:
        return int(self.left.shape[0])

    @classmethod
    def empty(cls, method: str) -> Pairs:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32),
                   method)


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss is a dependency, numpy is the fallback
        return None
    return faiss


def _collect(lims: np.ndarray, ids: np.ndarray, sims: np.ndarray, offset: int,
             parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], both: bool) -> None:
    """Append one block's results; ``both`` keeps pairs found from either side."""
    counts = np.diff(lims.astype(np.int64)).astype(np.int64)
    rows = np.repeat(np.arange(len(counts), dtype=np.int64) + offset, counts)
    ids = ids.astype(np.int64)
    keep = ids != rows if both else ids > rows
    rows, ids = rows[keep], ids[keep]
    parts.append((np.minimum(rows, ids), np.maximum(rows, ids), sims[keep].astype(np.float32)))


def _finish(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], method: str) -> Pairs:
    if not parts:
        return Pairs.empty(method)
    left = np.concatenate([p[0] for p in parts])
    right = np.concatenate([p[1] for p in parts])
    sims = np.concatenate([p[2] for p in parts])
    order = np.lexsort((right, left))
    return Pairs(left[order], right[order], sims[order], method)


def exact_pairs_numpy(vectors: np.ndarray, threshold: float, block: int = BLOCK) -> Pairs:
    """All pairs at or above ``threshold`` by blocked matrix products (no faiss)."""
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    n = vectors.shape[0]
    for start in range(0, n, block):
        sims = vectors[start:start + block] @ vectors[start:].T
        rows, cols = np.nonzero(sims >= threshold)
        cols_abs = cols + start
        rows_abs = rows + start
        keep = cols_abs > rows_abs
        parts.append((rows_abs[keep].astype(np.int64), cols_abs[keep].astype(np.int64),
                      sims[rows[keep], cols[keep]].astype(np.float32)))
    return _finish(parts, "exact")


def neighbour_pairs(
    vectors: np.ndarray,
    threshold: float,
    method: str = "auto",
    exact_limit: int = EXACT_LIMIT,
    nprobe: int = NPROBE,
    on_block: Callable[[int, int], None] | None = None,
    block: int = BLOCK,
    seed: int = 0,
) -> Pairs:
    """Every pair of rows of ``vectors`` (unit length) with cosine >= ``threshold``.

    ``method`` is ``exact``, ``ivf``, ``numpy`` or ``auto`` (exact up to ``exact_limit``
    rows, IVF beyond). ``on_block(done, total)`` is called after each block of queries,
    so a job can report progress (and be cancelled) between blocks.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = vectors.shape[0]
    if n < 2:
        return Pairs.empty("exact")
    faiss = _faiss()
    if method == "auto":
        method = "exact" if n <= exact_limit else "ivf"
    if faiss is None or method == "numpy":
        result = exact_pairs_numpy(vectors, threshold, block)
        if on_block:
            on_block(n, n)
        return result
    dim = vectors.shape[1]
    index: object
    if method == "exact":
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)  # type: ignore[attr-defined]
    elif method == "ivf":
        # k-means training dominates at 100k (nlist x sample x dim x iterations): 2·sqrt(n)
        # cells, 40 training points each (faiss asks for 39), 10 iterations: seconds.
        nlist = max(1, min(int(2 * np.sqrt(n)), n // 39))
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.seed = seed
        ivf.cp.niter = 10
        ivf.cp.max_points_per_centroid = 40
        rng = np.random.default_rng(seed)
        sample = vectors[rng.choice(n, size=min(n, nlist * 40), replace=False)]
        ivf.train(sample)
        ivf.add(vectors)
        ivf.nprobe = min(nprobe, nlist)
        ivf.parallel_mode = 0
        index = ivf
    else:
        raise ValueError(f"unknown neighbour search method {method!r}")
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, n, block):
        lims, sims, ids = index.range_search(  # type: ignore[attr-defined]
            vectors[start:start + block], float(threshold))
        _collect(lims, ids, sims, start, parts, both=method == "ivf")
        if on_block:
            on_block(min(n, start + block), n)
    if method == "ivf":
        # A pair found from one side only is still one pair; drop the mirror copies.
        result = _finish(parts, method)
        if len(result):
            codes = result.left * n + result.right
            _, first = np.unique(codes, return_index=True)
            return Pairs(result.left[first], result.right[first], result.similarity[first],
                         method)
        return result
    return _finish(parts, method)


def pair_cosines(vectors: np.ndarray, left: np.ndarray, right: np.ndarray,
                 chunk: int = 16_384) -> np.ndarray:
    """Cosine of each pair ``(left[k], right[k])``: float64 sums rounded to float32.

    The value depends only on the two vectors, never on which search found the pair or
    in what batch, so stored and newly found pairs compare alike.
    """
    out = np.empty(len(left), dtype=np.float32)
    for start in range(0, len(left), chunk):
        a = vectors[left[start:start + chunk]].astype(np.float64)
        b = vectors[right[start:start + chunk]].astype(np.float64)
        out[start:start + chunk] = np.einsum("ij,ij->i", a, b)
    return out


def query_pairs(vectors: np.ndarray, queries: np.ndarray, threshold: float,
                on_block: Callable[[int, int], None] | None = None,
                block: int = BLOCK) -> Pairs:
    """Exact pairs (cosine >= ``threshold``) of the rows ``queries`` with every row.

    For a rescan: a few new rows against all. Pairs between two queried rows are found
    from both sides and kept once; a row is never paired with itself.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    queries = np.asarray(queries, dtype=np.int64)
    n = vectors.shape[0]
    if n < 2 or len(queries) == 0:
        return Pairs.empty("exact")
    faiss = _faiss()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    index = None
    if faiss is not None:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
    for start in range(0, len(queries), block):
        rows = queries[start:start + block]
        if index is not None:
            lims, sims, ids = index.range_search(vectors[rows], float(threshold))
            counts = np.diff(lims.astype(np.int64)).astype(np.int64)
            owner = np.repeat(rows, counts)
            ids = ids.astype(np.int64)
        else:
            scores = vectors[rows] @ vectors.T
            r, ids = np.nonzero(scores >= threshold)
            owner, sims = rows[r], scores[r, ids]
        keep = ids != owner
        owner, ids = owner[keep], ids[keep]
        parts.append((np.minimum(owner, ids), np.maximum(owner, ids),
                      np.asarray(sims)[keep].astype(np.float32)))
        if on_block:
            on_block(min(len(queries), start + block), len(queries))
    result = _finish(parts, "exact")
    if len(result):
        codes = result.left * n + result.right
        _, first = np.unique(codes, return_index=True)
        result = Pairs(result.left[first], result.right[first], result.similarity[first],
                       "exact")
    return result


def recall(found: Pairs, truth: Pairs) -> float:
    """Share of ``truth``'s pairs that ``found`` also has (1.0 when truth is empty)."""
    if len(truth) == 0:
        return 1.0
    n = int(max(truth.left.max(initial=0), truth.right.max(initial=0),
                found.left.max(initial=0), found.right.max(initial=0))) + 1
    have = np.isin(truth.left * n + truth.right, found.left * n + found.right)
    return float(have.mean())
