"""What the embedders share: the model's name and unit-length rows (no heavy imports)."""

from __future__ import annotations

import numpy as np

#: Name under which the float model's vectors are cached.
MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(vectors / norms, dtype=np.float32)
