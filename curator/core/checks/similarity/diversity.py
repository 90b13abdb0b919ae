"""The diversity report: clusters, lengths, roles, declines and a 2-D map of inputs.

Reads the records, the stored clusters and cached embeddings only; it never loads the
embedding model.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from curator.core.checks.embed import EmbeddingCache
from curator.core.checks.similarity.corpus import Corpus, read_corpus
from curator.core.checks.similarity.texts import normalise, raw_input, raw_output, system_text
from curator.core.conversation import text_hash
from curator.core.store.store import CONVERSATION, Store

#: Answers that decline or say they do not know (for the diversity report).
DECLINE = re.compile(
    r"\b(i (do not|don't|dont) know|i'?m not sure|i am not sure|i (cannot|can't|can not|am "
    r"unable to|'m unable to|am not able to) (help|answer|assist|say|tell|provide)|out of "
    r"(my )?scope|outside (of )?(my|the) scope|not able to help|no information|i have no "
    r"(idea|information|access))\b", re.IGNORECASE)

#: Word-count bins of the length histograms (the last one is open-ended).
LENGTH_EDGES = [0, 5, 10, 20, 50, 100, 200, 500, 1000]

_NO_MAP_NOTE = "Run the duplicates scan to draw the map of inputs."


def diversity_report(store: Store, model: str | None = None, max_points: int = 5000,
                     examples: int = 10, seed: int = 0) -> dict[str, Any]:
    """How varied the data is: clusters, lengths, roles, declines, a 2-D map of inputs.

    Reads cached embeddings only (it never loads the model): run the duplicates scan
    first to get the map. ``model`` defaults to the model whose vectors are most common.
    """
    corpus = read_corpus(store, include_rejected=False)
    n = len(corpus.ids)
    report: dict[str, Any] = {"records": n}
    report.update(_cluster_figures(store, n))
    report["distinct_inputs"] = len(set(corpus.input_of))
    report["lengths"] = _lengths(corpus)
    report.update(_conversation_figures(store, n, examples))
    report["map"] = _input_map(store, corpus, model, max_points, seed)
    return report


def _cluster_figures(store: Store, n: int) -> dict[str, Any]:
    """Cluster counts and sizes, and the shares of records in duplicate clusters."""
    sizes = Counter(size for (size,) in store.db.execute(
        "SELECT size FROM clusters WHERE kind IN ('exact', 'near')"))
    in_clusters = {r[0] for r in store.db.execute(
        "SELECT DISTINCT m.record_id FROM cluster_members m JOIN clusters c "
        "ON c.id = m.cluster_id WHERE c.kind IN ('exact', 'near')")}
    exact_extra = sum(size - 1 for (size,) in store.db.execute(
        "SELECT size FROM clusters WHERE kind = 'exact'"))
    counts = {kind: store.db.execute("SELECT COUNT(*) FROM clusters WHERE kind = ?",
                                     (kind,)).fetchone()[0]
              for kind in ("exact", "near", "contradiction")}
    return {
        "clusters": {"sizes": {str(k): v for k, v in sorted(sizes.items())}, **counts},
        "duplicate_share": round(len(in_clusters) / n, 4) if n else 0.0,
        "redundant_share": round(exact_extra / n, 4) if n else 0.0,
    }


def _lengths(corpus: Corpus) -> dict[str, Any]:
    """Histograms and medians of input and output lengths in words."""
    in_words = [len(s.input.split()) for s in corpus.sides]
    out_words = [len(s.output.split()) for s in corpus.sides if s.output is not None]
    return {
        "input_words": _histogram(in_words, LENGTH_EDGES),
        "output_words": _histogram(out_words, LENGTH_EDGES),
        "input_median": float(np.median(in_words)) if in_words else 0.0,
        "output_median": float(np.median(out_words)) if out_words else 0.0,
    }


def _histogram(values: Sequence[int], edges: Sequence[int]) -> list[dict[str, Any]]:
    counts, _ = np.histogram(np.asarray(values), bins=[*edges, np.inf])
    return [{"from": int(lo), "to": None if hi == np.inf else int(hi), "count": int(c)}
            for lo, hi, c in zip(edges, [*edges[1:], np.inf], counts, strict=True)]


def _conversation_figures(store: Store, n: int, examples: int) -> dict[str, Any]:
    """Roles, user turns, system prompts and declining answers, from the conversations."""
    roles: Counter[str] = Counter()
    turns: Counter[int] = Counter()
    systems: Counter[str] = Counter()
    declines: list[dict[str, str]] = []
    decline_count = 0
    for key, text in store.db.execute(
            f"SELECT key, {CONVERSATION} FROM records WHERE valid AND "
            "review != 'rejected' ORDER BY id"):
        try:
            conv = json.loads(text)
        except (TypeError, ValueError):
            continue
        messages = [m for m in conv.get("messages", []) if isinstance(m, dict)]
        roles.update(str(m.get("role")) for m in messages)
        turns[sum(1 for m in messages if m.get("role") == "user")] += 1
        systems[normalise(system_text(messages))] += 1
        output = raw_output(conv)
        if output and DECLINE.search(output):
            decline_count += 1
            if len(declines) < examples:
                declines.append({"record": key, "input": raw_input(conv)[:200],
                                 "output": output[:200]})
    return {
        "roles": dict(roles.most_common()),
        "user_turns": {str(k): v for k, v in sorted(turns.items())},
        "system_prompts": {"distinct": len(systems),
                           "most_common_share": round(systems.most_common(1)[0][1] / n, 4)
                           if n and systems else 0.0},
        "declines": {"count": decline_count,
                     "share": round(decline_count / n, 4) if n else 0.0,
                     "examples": declines},
    }


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """The first two principal components of ``vectors`` and their variance shares."""
    if vectors.shape[0] < 2:
        return np.zeros((vectors.shape[0], 2), np.float32), [0.0, 0.0]
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    points = centred @ vt[:2].T
    variance = (s ** 2) / max(float((s ** 2).sum()), 1e-12)
    shares = [round(float(v), 4) for v in variance[:2]]
    if points.shape[1] < 2:
        points = np.hstack([points, np.zeros((points.shape[0], 1))])
    return points.astype(np.float32), shares + [0.0] * (2 - len(shares))


def _input_map(store: Store, corpus: Corpus, model: str | None, max_points: int,
               seed: int) -> dict[str, Any]:
    """Inputs placed by their first two principal components (a sample above max_points)."""
    if model is None:
        row = store.db.execute("SELECT model FROM embeddings GROUP BY model "
                               "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
        if row is None:
            return {"model": None, "points": [], "explained": [0.0, 0.0],
                    "note": _NO_MAP_NOTE}
        model = str(row[0])
    positions = list(range(len(corpus.ids)))
    if len(positions) > max_points:
        rng = np.random.default_rng(seed)
        positions = sorted(rng.choice(len(positions), size=max_points, replace=False).tolist())
    texts = [corpus.texts[corpus.input_of[p]] for p in positions]
    found = EmbeddingCache(store.db, model).get_many([text_hash(t) for t in set(texts)])
    keep = [(p, found[text_hash(t)]) for p, t in zip(positions, texts, strict=True)
            if text_hash(t) in found]
    if not keep:
        return {"model": model, "points": [], "explained": [0.0, 0.0], "note": _NO_MAP_NOTE}
    cluster_of = dict(store.db.execute(
        "SELECT m.record_id, m.cluster_id FROM cluster_members m JOIN clusters c "
        "ON c.id = m.cluster_id WHERE c.kind IN ('exact', 'near') "
        "ORDER BY c.kind = 'exact'").fetchall())
    points, explained = pca_2d(np.vstack([v for _, v in keep]))
    return {"model": model, "explained": explained, "sampled": len(keep) < len(corpus.ids),
            "points": [{"record": corpus.keys[p], "id": corpus.ids[p],
                        "x": round(float(x), 4), "y": round(float(y), 4),
                        "cluster": cluster_of.get(corpus.ids[p])}
                       for (p, _), (x, y) in zip(keep, points, strict=True)]}
