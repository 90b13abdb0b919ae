"""The similarity scan: read, embed, search, analyse and store, as one cancellable Job."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from curator.core.checks.embed import Embedder, default_embedder
from curator.core.checks.similarity.analysis import analyse
from curator.core.checks.similarity.config import SCAN_KINDS, settings
from curator.core.checks.similarity.corpus import Corpus, distinct_inputs, read_corpus
from curator.core.checks.similarity.results import store_results
from curator.core.checks.similarity.search import OnBlock, search_inputs
from curator.core.checks.similarity.vectors import embed_texts
from curator.core.checks.similarity_search import Pairs
from curator.core.conversation import text_hash
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.store.store import Store


class _Laps:
    """Seconds spent per phase of the scan (a phase may be timed more than once)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.restart()

    def restart(self) -> None:
        """Start timing the next phase now (time since the last lap is not counted)."""
        self.clock = time.perf_counter()

    def lap(self, name: str) -> None:
        """Add the time since the last lap (or restart) to phase ``name``."""
        moment = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + moment - self.clock, 4)
        self.clock = moment


def similarity_scan(
    store: Store,
    embedder: Embedder | None = None,
    kinds: Sequence[str] = SCAN_KINDS,
    labels: Mapping[int, str] | None = None,
    actor: str = "system",
    incremental: bool = True,
    log: bool = True,
) -> Job[dict[str, Any]]:
    """Find duplicates and/or contradictions and store them; a cancellable Job.

    One transaction: findings of the kinds scanned are replaced (dismissed ones keep
    their status), their clusters rewritten, new embeddings cached, the neighbour search
    stored (:func:`search_inputs`; ``incremental=False`` searches everything again).
    Cancelling rolls all of it back. ``labels`` (``{record_id: final label}``) adds label
    contradictions. Returns a report: counts of records, texts, clusters and findings,
    what the search did and ``timings`` (seconds per phase).
    """
    unknown = [k for k in kinds if k not in SCAN_KINDS]
    if unknown:
        raise CuratorError(f"Unknown similarity check {', '.join(unknown)}; available: "
                           f"{', '.join(SCAN_KINDS)}.")
    config = settings(store)
    embedder = embedder or default_embedder()
    report: dict[str, Any] = {"checks": list(kinds), "model": embedder.name}
    laps = _Laps()

    with store.atomic():
        yield Progress(0, None, "Reading records")
        corpus = read_corpus(store, bool(config["include_rejected"]))
        report["records"] = len(corpus.ids)
        report["texts"] = len(corpus.texts)
        laps.lap("read")
        hashes = [text_hash(t) for t in corpus.texts]
        fresh: list[int] = []
        laps.lap("hash")
        vectors = yield from embed_texts(store, corpus.texts, embedder, hashes=hashes,
                                         fresh=fresh)
        report["embedded"] = len(fresh)
        laps.lap("embed")
        progress: list[Progress] = []

        def on_block(done: int, total: int) -> None:
            progress.append(Progress(done, total, f"Comparing inputs: {done:,} of {total:,}"))

        yield Progress(0, None, "Comparing inputs")
        laps.restart()
        pairs, search = _search(store, embedder.name, corpus, hashes, vectors, fresh,
                                config, on_block, incremental)
        laps.lap("search")
        analysis = analyse(corpus, vectors, config, kinds, labels, pairs=pairs)
        laps.lap("analyse")
        yield from progress[-1:]
        report["search"] = analysis.search_method
        report["search_mode"] = search["search"]
        report["searched_texts"] = search["searched_texts"]
        report["candidate_pairs"] = analysis.input_pairs
        yield Progress(0, None, "Saving clusters and findings")
        laps.restart()
        findings = store_results(store, corpus, vectors, analysis, kinds, config)
        laps.lap("save")
        report["timings"] = laps.timings
        report["clusters"] = {"exact": len(analysis.exact), "near": len(analysis.near),
                              "contradiction": len(analysis.contradictions)}
        report["findings"] = findings
        if log:                 # scan() logs one event for all the checks it ran
            store.log_event(actor, "scan", None, {"checks": list(kinds),
                                                  "findings": findings})
    return report


def _search(store: Store, model: str, corpus: Corpus, hashes: list[str],
            vectors: np.ndarray, fresh: list[int], config: Mapping[str, Any],
            on_block: OnBlock, incremental: bool) -> tuple[Pairs, dict[str, Any]]:
    """The stored search over the corpus's distinct inputs (their rows of ``vectors``)."""
    inputs = distinct_inputs(corpus)
    row_of = {t: k for k, t in enumerate(inputs)}
    return search_inputs(
        store, model, [hashes[t] for t in inputs],
        vectors[inputs] if inputs else np.zeros((0, vectors.shape[1]), np.float32),
        config, (row_of[t] for t in fresh if t in row_of), on_block, incremental)


def label_contradictions(store: Store, labels: Mapping[int, str],
                         embedder: Embedder | None = None,
                         actor: str = "system") -> Job[dict[str, Any]]:
    """The contradiction scan with final labels (``{record_id: label}``) taken into account.

    The hook for labelling: once final labels exist, call this (or pass ``labels`` to
    :func:`similarity_scan`) to flag same-input records whose labels differ.
    """
    return similarity_scan(store, embedder, ("contradictions",), labels, actor)
