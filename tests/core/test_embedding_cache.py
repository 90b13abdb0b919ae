"""EmbeddingCache.get_matrix: every row of a repeated hash is filled, in both read paths."""

from __future__ import annotations

import numpy as np
import pytest

from curator.core.checks import embed
from curator.core.checks.embed import EmbeddingCache


@pytest.mark.parametrize("bulk", [False, True])
def test_repeated_hashes_each_get_the_vector(store, monkeypatch, bulk: bool) -> None:
    monkeypatch.setattr(embed, "BULK_READ", 1 if bulk else 10_000)
    vectors = np.eye(3, 4, dtype=np.float32)
    with store.atomic():
        cache = EmbeddingCache(store.db, "m")
        cache.put_many(["a", "b", "c"], vectors)
        got, found = cache.get_matrix(["b", "a", "b", "x", "a", "c"], 4)
    assert found.tolist() == [True, True, True, False, True, True]
    assert np.array_equal(got[[0, 1, 2, 4, 5]], vectors[[1, 0, 1, 0, 2]])
    assert not got[3].any()
