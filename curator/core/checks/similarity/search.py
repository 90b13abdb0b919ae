"""The stored, incremental neighbour search over the corpus's distinct inputs.

The table ``similarity_search`` holds, for a model and threshold, the texts last searched
and the pairs found among them, so a rescan searches only new texts against all, with
the same result as a full search (see docs/architecture.md). The search itself is
:mod:`curator.core.checks.similarity_search`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from curator.core.checks.similarity.config import search_threshold
from curator.core.checks.similarity_search import (
    MARGIN,
    Pairs,
    neighbour_pairs,
    pair_cosines,
    query_pairs,
)
from curator.core.store.store import Store, now

#: A rescan searches only its new texts unless they are more than this share of all
#: texts (exact search: new x all products against all x all / 2) ...
INCREMENTAL_SHARE_EXACT = 0.5
#: ... or, above ``exact_search_limit``, this share: at 101,000 texts 1,010 exact queries
#: took 12.5 s and a full IVF search 127 s (docs/benchmarks.md), even at about 10%.
INCREMENTAL_SHARE_IVF = 0.1

OnBlock = Callable[[int, int], None]


def at_least(pairs: Pairs, threshold: float) -> Pairs:
    """The pairs whose similarity is at least ``threshold``."""
    keep = pairs.similarity >= np.float32(threshold)
    if keep.all():
        return pairs
    return Pairs(pairs.left[keep], pairs.right[keep], pairs.similarity[keep], pairs.method)


def _recomputed(vectors: np.ndarray, pairs: Pairs) -> Pairs:
    return Pairs(pairs.left, pairs.right, pair_cosines(vectors, pairs.left, pairs.right),
                 pairs.method)


def full_search(vectors: np.ndarray, config: Mapping[str, Any],
                on_block: OnBlock | None = None) -> Pairs:
    """Every pair of rows of ``vectors`` near the search threshold, cosines recomputed.

    Searches :data:`MARGIN` below :func:`search_threshold` so that keeping pairs by their
    recomputed cosine gives the same answer as an incremental search would.
    """
    found = neighbour_pairs(vectors, search_threshold(config) - MARGIN,
                            exact_limit=int(config["exact_search_limit"]),
                            nprobe=int(config["nprobe"]), on_block=on_block)
    return _recomputed(vectors, found)


def _search_params(config: Mapping[str, Any]) -> str:
    return json.dumps({"exact_search_limit": int(config["exact_search_limit"]),
                       "nprobe": int(config["nprobe"]), "margin": MARGIN}, sort_keys=True)


def forget_search(store: Store) -> None:
    """Drop the stored neighbour search: the next scan searches everything again."""
    store.db.execute("DELETE FROM similarity_search")


def search_inputs(store: Store, model: str, hashes: Sequence[str], vectors: np.ndarray,
                  config: Mapping[str, Any], fresh: Iterable[int] = (),
                  on_block: OnBlock | None = None,
                  incremental: bool = True) -> tuple[Pairs, dict[str, Any]]:
    """Neighbour pairs over the distinct inputs, reusing the stored search; stores the new.

    ``hashes[k]`` is the text hash of row ``k`` of ``vectors`` (the distinct inputs).
    Pairs among texts still present are taken from the stored search (texts no longer
    present drop out with their pairs); the rows not in it (new texts, and ``fresh`` rows
    whose vectors were just embedded again) are searched exactly against all rows. A
    full search runs when nothing is stored for this model and threshold, the search
    settings changed, a stored approximate (IVF) search would now be exact, or the new
    rows are too many for searching them alone to pay.
    Returns the pairs (method of the stored base search) and what was done.
    """
    threshold = search_threshold(config)
    params = _search_params(config)
    n = len(hashes)
    info: dict[str, Any] = {"search": "full", "searched_texts": n, "texts": n}
    row = store.db.execute(
        "SELECT method, params, hashes, pair_a, pair_b, pair_sim FROM similarity_search "
        "WHERE model = ? AND threshold = ?", (model, threshold)).fetchone() if incremental \
        else None
    pairs: Pairs | None = None
    if row is not None and row[1] == params and n >= 2:
        pairs = _reuse(row, hashes, vectors, config, fresh, on_block, info)
    if pairs is None:
        pairs = full_search(vectors, config, on_block)
    _save(store, model, threshold, params, hashes, pairs)
    info["method"] = pairs.method
    return pairs, info


def _reuse(row: Sequence[Any], hashes: Sequence[str], vectors: np.ndarray,
           config: Mapping[str, Any], fresh: Iterable[int], on_block: OnBlock | None,
           info: dict[str, Any]) -> Pairs | None:
    """The stored pairs still valid plus a search of the new rows; None if not worth it."""
    method, _, blob, blob_a, blob_b, blob_sim = row
    n = len(hashes)
    position = {h: k for k, h in enumerate(hashes)}
    old = np.fromiter((position.get(blob[i:i + 32].hex(), -1)
                       for i in range(0, len(blob), 32)), dtype=np.int64,
                      count=len(blob) // 32)
    fresh_rows = np.fromiter(fresh, dtype=np.int64)
    if len(fresh_rows):
        old[np.isin(old, fresh_rows)] = -1       # re-embedded: search it again
    known = np.zeros(n, dtype=bool)
    known[old[old >= 0]] = True
    new = np.flatnonzero(~known)
    exact_now = n <= int(config["exact_search_limit"])
    share = INCREMENTAL_SHARE_EXACT if method == "exact" or exact_now \
        else INCREMENTAL_SHARE_IVF
    if (method == "ivf" and exact_now) or len(new) > share * n:
        return None
    a = old[np.frombuffer(blob_a, dtype=np.int32)]
    b = old[np.frombuffer(blob_b, dtype=np.int32)]
    sims = np.frombuffer(blob_sim, dtype=np.float32)
    keep = (a >= 0) & (b >= 0)
    a, b, sims = a[keep], b[keep], sims[keep]
    found = _recomputed(vectors, query_pairs(vectors, new, search_threshold(config) - MARGIN,
                                             on_block))
    left = np.concatenate([np.minimum(a, b), found.left])
    right = np.concatenate([np.maximum(a, b), found.right])
    sims = np.concatenate([sims, found.similarity])
    order = np.lexsort((right, left))
    info.update(search="incremental", searched_texts=len(new), reused_pairs=int(keep.sum()))
    return Pairs(left[order], right[order], sims[order], method)


def _save(store: Store, model: str, threshold: float, params: str, hashes: Sequence[str],
          pairs: Pairs) -> None:
    """Replace the stored search with ``pairs`` over ``hashes``."""
    store.db.execute("DELETE FROM similarity_search")
    store.db.execute(
        "INSERT INTO similarity_search(model, threshold, method, params, texts, hashes, "
        "pair_a, pair_b, pair_sim, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (model, threshold, pairs.method, params, len(hashes),
         b"".join(bytes.fromhex(h) for h in hashes),
         pairs.left.astype(np.int32).tobytes(), pairs.right.astype(np.int32).tobytes(),
         pairs.similarity.astype(np.float32).tobytes(), now()))
