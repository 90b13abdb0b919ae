"""Fakes the tests pass to core functions in place of the real collaborators."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

from curator.core.checks.embed import normalise_rows
from curator.core.checks.pii import Span, spans_from_json, spans_to_json


def text_rng(text: str) -> np.random.Generator:
    """Random numbers seeded by a text's bytes: the same in every process.

    (``hash()`` is salted per process, so vectors seeded by it made tests pass or fail
    by chance.)
    """
    seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                          digest_size=4).digest(), "little")
    return np.random.default_rng(seed)


class TableEmbedder:
    """Vectors chosen by the test: texts containing a key word share its direction.

    ``groups`` maps a word to a group number; a text's vector is its group's axis plus a
    small text-specific wobble, so texts of one group have cosine ~0.99 and texts of
    different groups ~0. Texts with no group word get their own random direction.
    """

    def __init__(self, groups: dict[str, int], dim: int = 64) -> None:
        self.name = "test-table"
        self.dim = dim
        self.groups = groups
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            rng = text_rng(text)
            group = next((g for word, g in self.groups.items() if word in text), None)
            if group is None:
                out[row] = rng.standard_normal(self.dim)
            else:
                out[row, group] = 1.0
                out[row] += 0.01 * rng.standard_normal(self.dim)
        return normalise_rows(out)


class MemoryPiiCache:
    """A :class:`curator.core.checks.pii.PiiCache` in a dict, instead of the project file."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}

    def get_many(self, settings_hash: str, text_hashes: Sequence[str]
                 ) -> dict[str, list[Span]]:
        out = {}
        for h in text_hashes:
            raw = self.rows.get((h, settings_hash))
            if raw is not None:
                out[h] = spans_from_json(raw)
        return out

    def put_many(self, settings_hash: str, items: Iterable[tuple[str, list[Span]]]) -> None:
        for h, spans in items:
            self.rows[(h, settings_hash)] = spans_to_json(spans)
