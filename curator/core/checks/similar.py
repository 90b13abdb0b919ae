"""Find similar: one record's nearest records by input or by answer (issue 18).

Pure core (no Qt). The texts compared are the similarity check's sides (normalised input,
final answer: :func:`curator.core.checks.similarity.texts.sides`), and their vectors
come from the project's embedding cache (``embeddings``, shared with the duplicate and
label-error checks), so after a scan nothing is embedded again; texts not cached yet are
embedded and cached. Cosine similarity of unit vectors, exact (a matrix product over the
records: 100,000 records x 384 dimensions is well under a second).

Valid, not-rejected records are searched; the record itself never appears in its list
(other records with the very same text do, at similarity 1.0).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from curator.core.checks.embed import Embedder, default_embedder
from curator.core.checks.similarity.texts import raw_input, raw_output, sides
from curator.core.checks.similarity.vectors import embed_texts
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress, run_job
from curator.core.store.browse import conversations
from curator.core.store.store import CONVERSATION, Store

#: What a record can be compared by.
BY = ("input", "answer")
#: Characters of each side kept for showing a neighbour.
PREVIEW = 160


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A record near the one asked about, with its cosine similarity."""

    record_id: int
    key: str
    similarity: float
    input: str      # its input as written, cut to PREVIEW characters
    answer: str     # its final answer as written, cut

    def as_json(self) -> dict[str, Any]:
        return {"record": self.key, "id": self.record_id,
                "similarity": round(self.similarity, 4), "input": self.input,
                "answer": self.answer}


def _side(conv: dict[str, Any], by: str) -> str:
    parts = sides(conv)
    return parts.input if by == "input" else (parts.output or "")


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[:PREVIEW - 1] + "…"


def _own_text(store: Store, record_id: int, by: str) -> str:
    row = store.db.execute(f"SELECT key, valid, {CONVERSATION} FROM records WHERE id = ?",
                           (record_id,)).fetchone()
    if row is None:
        raise CuratorError("That record no longer exists.")
    conv = json.loads(row[2]) if row[1] and row[2] else None
    if not isinstance(conv, dict):
        raise CuratorError(f"Record {row[0]} could not be read, so it has no neighbours.")
    text = _side(conv, by)
    if not text:
        raise CuratorError(f"Record {row[0]} has no {by} to compare.")
    return text


def similar_records_job(store: Store, record_id: int, by: str = "input", k: int = 10,
                        embedder: Embedder | None = None) -> Job[list[Neighbour]]:
    """The ``k`` records nearest to ``record_id`` by ``by`` (``input`` or ``answer``),
    most similar first; a Job (it may embed texts not cached yet, in one transaction)."""
    if by not in BY:
        raise CuratorError(f"Compare by {' or '.join(BY)}, not {by!r}.")
    if k < 1:
        raise CuratorError("Ask for at least one similar record.")
    embedder = embedder or default_embedder()
    own = _own_text(store, record_id, by)
    yield Progress(0, None, "Reading the records")
    ids: list[int] = []
    keys: list[str] = []
    texts: list[str] = []
    shown: list[tuple[str, str]] = []
    for rows in conversations(store):
        for rid, key, conv in rows:
            text = _side(conv, by)
            if rid == record_id or not text:
                continue
            ids.append(rid)
            keys.append(key)
            texts.append(text)
            shown.append((raw_input(conv), raw_output(conv)))
    distinct = list(dict.fromkeys([own, *texts]))
    row = {t: i for i, t in enumerate(distinct)}
    with store.atomic():
        vectors = yield from embed_texts(store, distinct, embedder)
    yield Progress(0, None, "Comparing")
    if not texts:
        return []
    matrix = np.asarray(vectors, dtype=np.float32)
    scores = matrix @ matrix[row[own]]
    sims = scores[[row[t] for t in texts]]
    take = min(k, len(texts))
    best = np.argpartition(-sims, take - 1)[:take]
    best = best[np.lexsort((np.asarray(ids)[best], -sims[best]))]
    return [Neighbour(ids[i], keys[i], float(min(1.0, sims[i])), _cut(shown[i][0]),
                      _cut(shown[i][1])) for i in best]


def similar_records(store: Store, record_id: int, by: str = "input", k: int = 10,
                    embedder: Embedder | None = None) -> list[Neighbour]:
    """:func:`similar_records_job` run to its end."""
    found: list[Neighbour] = run_job(similar_records_job(store, record_id, by, k, embedder))
    return found
