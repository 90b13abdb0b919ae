"""Vectors for the corpus's texts (cached embeddings) and for its records' sides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from curator.core.checks.embed import Embedder, EmbeddingCache
from curator.core.checks.similarity.corpus import Corpus
from curator.core.conversation import text_hash
from curator.core.jobs import Job, Progress
from curator.core.store.store import Store


def embed_texts(store: Store, texts: Sequence[str], embedder: Embedder,
                chunk: int = 1024, hashes: Sequence[str] | None = None,
                fresh: list[int] | None = None) -> Job[np.ndarray]:
    """Vectors for ``texts`` (one row each), from the cache or the model; a Job.

    New vectors go into the cache in the caller's transaction, a chunk at a time, with a
    :class:`Progress` after each chunk (so Cancel stops within one chunk). ``hashes``
    (``text_hash`` of each text) saves hashing again; ``fresh``, when given, receives the
    positions of the texts embedded now (not found in the cache).
    """
    cache = EmbeddingCache(store.db, embedder.name)
    if hashes is None:
        hashes = [text_hash(t) for t in texts]
    vectors, found = cache.get_matrix(hashes, embedder.dim)
    missing: list[int] = np.flatnonzero(~found).tolist()
    total = len(missing)
    if fresh is not None:
        fresh.extend(missing)
    yield Progress(0, total, f"Embedding {total:,} new texts "
                             f"({len(texts) - total:,} already known)")
    # Long texts together, short together: less padding per batch.
    missing.sort(key=lambda i: len(texts[i]))
    for start in range(0, total, chunk):
        part = missing[start:start + chunk]
        encoded = embedder.encode([texts[i] for i in part])
        vectors[part] = encoded
        cache.put_many([hashes[i] for i in part], encoded)
        done = min(total, start + chunk)
        yield Progress(done, total, f"Embedding texts: {done:,} of {total:,}")
    return vectors


class Gather:
    """``rows[positions]``: the vectors of record positions, gathered when asked.

    Stands in for a (records x dim) copy of every record's vector (300 MB at 100k
    records, and seconds to build) where only cluster members are ever looked at.
    ``present`` marks positions that have a vector; the others read as zeros.
    """

    def __init__(self, vectors: np.ndarray, index: np.ndarray,
                 present: np.ndarray | None = None) -> None:
        self.vectors, self.index, self.present = vectors, index, present

    def __getitem__(self, positions: Any) -> np.ndarray:
        out: np.ndarray = self.vectors[self.index[positions]]
        if self.present is not None:
            mask = self.present[positions]
            if np.ndim(mask) == 0:
                if not mask:
                    out = np.zeros_like(out)
            elif not mask.all():
                out[~mask] = 0.0                   # fancy indexing made a copy
        return out


def side_vectors(corpus: Corpus, vectors: np.ndarray) -> tuple[Gather, Gather, np.ndarray]:
    """Input vectors, output vectors (zeros without an output) and the output flags."""
    input_of = np.asarray(corpus.input_of, dtype=np.int64)
    output_of = np.asarray(corpus.output_of, dtype=np.int64)
    has_out = output_of >= 0
    return (Gather(vectors, input_of),
            Gather(vectors, np.where(has_out, output_of, 0), has_out), has_out)


def record_similarity(vin: Gather, vout: Gather, has_out: np.ndarray,
                      members: list[int]) -> np.ndarray:
    """Pairwise record similarity in a group: min(input cosine, output cosine)."""
    a = vin[members] @ vin[members].T
    b = vout[members] @ vout[members].T
    both = np.outer(has_out[members], has_out[members])
    result: np.ndarray = np.where(both, np.minimum(a, b), a)
    return result
