"""Duplicates, near-duplicates and contradictions, and the diversity report.

Pure core (no Qt). Heavy imports (torch, sentence-transformers, faiss) happen lazily.

What is compared
----------------
Each valid, not-rejected record is split into three sides (:func:`sides`):

* **system** — its system messages. Left out of the embeddings: a system prompt is
  usually shared by every record, and prepending it pulled unrelated requests together
  (measured on ``tests/data/paraphrase_pairs.jsonl``, see ``docs/_pending/similarity.md``).
  It still counts for exact duplicates, and contradictions are only reported between
  records with the same system prompt (setting ``same_system_prompt``), since another
  system prompt may rightly ask for another answer.
* **input** — every non-system turn before the final assistant turn, joined.
* **output** — the final assistant turn (the preferred output of a preference pair).

Texts are normalised (casefold, whitespace collapsed; the model is uncased anyway) and
each distinct normalised text is embedded once, cached in ``embeddings`` by text hash and
model name, so a rescan embeds only new texts.

What is found
-------------
* ``duplicate`` / ``exact_duplicate``: records whose whole conversation is the same after
  normalisation (cluster kind ``exact``).
* ``near_duplicate`` / ``near_duplicate``: input cosine >= ``near_duplicate`` and output
  cosine >= ``near_duplicate_output`` (cluster kind ``near``; connected components, so a
  cluster may chain).
* ``contradiction`` / ``conflicting_output``: input cosine >= ``contradiction_input`` but
  outputs that differ: cosine < ``contradiction_output``, or both short answers (class
  labels, yes/no) that differ after normalisation. ``conflicting_label``: the same for
  final labels passed in as ``labels={record_id: label}`` (cluster kind
  ``contradiction``).

Every finding's ``detail`` holds ``related`` (other record keys), ``cluster`` (id in
``clusters``) and ``similarity``.

Rescans
-------
The neighbour search's result is kept in ``similarity_search`` (:func:`search_inputs`):
a rescan reuses the pairs among texts searched before and searches only new texts
against all, with the same result as a full search (see docs/architecture.md).
"""

from __future__ import annotations

import functools
import json
import re
import string
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curator.core.checks.embed import Embedder, EmbeddingCache, default_embedder
from curator.core.checks.similarity_search import (
    EXACT_LIMIT,
    MARGIN,
    NPROBE,
    Pairs,
    neighbour_pairs,
    pair_cosines,
    query_pairs,
)
from curator.core.conversation import text_hash, text_of
from curator.core.disjoint import DisjointSets
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.model import FindingDraft, Severity
from curator.core.store.store import CONVERSATION, Store, now

DETECTOR = "curator.similarity"
VERSION = "1"
#: Scan kinds this module runs (names for ``scan --only``).
SCAN_KINDS = ("duplicates", "contradictions")
#: Finding kinds it writes, per scan kind.
FINDING_KINDS = {"duplicates": ("duplicate", "near_duplicate"),
                 "contradictions": ("contradiction",)}
CLUSTER_KINDS = {"duplicates": ("exact", "near"), "contradictions": ("contradiction",)}
#: The ``store.setting`` key holding :data:`DEFAULTS` overrides.
SETTINGS_KEY = "similarity"

#: Thresholds calibrated on tests/data/paraphrase_pairs.jsonl with all-MiniLM-L6-v2
#: (precision and recall in docs/_pending/similarity.md).
DEFAULTS: dict[str, Any] = {
    "near_duplicate": 0.90,          # input cosine for near duplicates
    "near_duplicate_output": 0.75,   # output cosine for near duplicates
    "contradiction_input": 0.90,     # input cosine for "the same question"
    "contradiction_output": 0.75,    # outputs below this cosine disagree
    "short_answer_words": 3,         # outputs of at most this many words are labels
    "same_system_prompt": True,      # contradictions only under the same system prompt
    "include_rejected": False,       # rejected records take no part
    "exact_search_limit": EXACT_LIMIT,
    "nprobe": NPROBE,
    "related_limit": 50,             # record keys listed in a finding's "related"
}

#: Answers that decline or say they do not know (for the diversity report).
DECLINE = re.compile(
    r"\b(i (do not|don't|dont) know|i'?m not sure|i am not sure|i (cannot|can't|can not|am "
    r"unable to|'m unable to|am not able to) (help|answer|assist|say|tell|provide)|out of "
    r"(my )?scope|outside (of )?(my|the) scope|not able to help|no information|i have no "
    r"(idea|information|access))\b", re.IGNORECASE)


def settings(store: Store) -> dict[str, Any]:
    """The similarity settings of ``store``: :data:`DEFAULTS` with its overrides."""
    value = store.setting(SETTINGS_KEY, {}) or {}
    if not isinstance(value, dict):
        raise CuratorError('The "similarity" setting must be an object of thresholds.')
    unknown = sorted(set(value) - set(DEFAULTS))
    if unknown:
        raise CuratorError(f"Unknown similarity setting {', '.join(unknown)}; known: "
                           f"{', '.join(DEFAULTS)}.")
    return {**DEFAULTS, **value}


# -- sides of a conversation ------------------------------------------------------------


def normalise(text: str) -> str:
    """Casefolded, whitespace collapsed: what "the same text" means here."""
    return " ".join(text.casefold().split())


def _content(message: Any) -> str:
    if not isinstance(message, dict):
        return json.dumps(message, ensure_ascii=False, sort_keys=True)
    text = text_of(message.get("content"))
    if not text and message.get("tool_calls"):
        text = json.dumps(message["tool_calls"], ensure_ascii=False, sort_keys=True)
    return text


@dataclass(frozen=True, slots=True)
class Sides:
    """The normalised parts of one conversation that similarity compares."""

    system: str
    input: str
    output: str | None
    exact: str   # hash of the whole normalised conversation


def sides(conv: Mapping[str, Any]) -> Sides:
    """Split a canonical conversation into system, input and output (normalised)."""
    messages = [m for m in conv.get("messages", []) or []]
    output: str | None = None
    if "preferred_output" in conv:
        preferred = conv.get("preferred_output") or []
        output = normalise(" ".join(_content(m) for m in preferred)) if isinstance(
            preferred, list) else normalise(str(preferred))
    elif messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
        output = normalise(_content(messages.pop()))
    system = normalise("\n".join(_content(m) for m in messages
                                 if isinstance(m, dict) and m.get("role") == "system"))
    turns = [m for m in messages if not (isinstance(m, dict) and m.get("role") == "system")]
    texts = [normalise(_content(m)) for m in turns]
    # normalise("\n".join(parts)) == " ".join of the non-empty normalised parts: split()
    # never joins words across the newline, and casefold works character by character.
    input_text = " ".join(t for t in texts if t)
    roles = "\x1e".join(f"{m.get('role') if isinstance(m, dict) else '?'}\x1f{t}"
                        for m, t in zip(turns, texts, strict=True))
    exact = text_hash(f"{system}\x1d{roles}\x1d{output}")
    return Sides(system, input_text, output, exact)


_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


@functools.lru_cache(maxsize=1 << 16)
def short_answer(text: str | None, max_words: int) -> str | None:
    """A label-like output ("Positive.", "yes") reduced to its words; None if longer."""
    if text is None:
        return None
    words = text.translate(_NO_PUNCTUATION).split()
    if not words or len(words) > max_words:
        return None
    return " ".join(words)


# -- reading records and embedding ------------------------------------------------------


@dataclass(slots=True)
class Corpus:
    """The records taking part, their sides, and the distinct texts to embed."""

    ids: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    sides: list[Sides] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)          # distinct texts
    text_index: dict[str, int] = field(default_factory=dict)
    input_of: list[int] = field(default_factory=list)      # record -> text index
    output_of: list[int] = field(default_factory=list)     # record -> text index or -1

    def _text(self, text: str) -> int:
        index = self.text_index.get(text)
        if index is None:
            index = self.text_index[text] = len(self.texts)
            self.texts.append(text)
        return index

    def add(self, record_id: int, key: str, s: Sides) -> None:
        self.ids.append(record_id)
        self.keys.append(key)
        self.sides.append(s)
        self.input_of.append(self._text(s.input))
        self.output_of.append(self._text(s.output) if s.output is not None else -1)


def read_corpus(store: Store, include_rejected: bool = False,
                on_batch: Callable[[int], None] | None = None) -> Corpus:
    """The valid records of ``store`` (not rejected ones, unless asked), split in sides."""
    corpus = Corpus()
    where = "valid" if include_rejected else "valid AND review != 'rejected'"
    last = 0
    while True:
        rows = store.db.execute(
            f"SELECT id, key, {CONVERSATION} FROM records WHERE {where} AND id > ? "
            "ORDER BY id LIMIT 5000", (last,)).fetchall()
        if not rows:
            return corpus
        for record_id, key, text in rows:
            try:
                conv = json.loads(text)
            except (TypeError, ValueError):
                continue
            if isinstance(conv, dict):
                parts = sides(conv)
                if parts.input or parts.output:
                    corpus.add(record_id, key, parts)
        last = rows[-1][0]
        if on_batch:
            on_batch(len(corpus.ids))


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


# -- clusters ---------------------------------------------------------------------------


@dataclass(slots=True)
class Analysis:
    """What the similarity pass found, before it is stored."""

    exact: list[list[int]] = field(default_factory=list)        # record positions
    near: list[list[int]] = field(default_factory=list)
    contradictions: list[list[int]] = field(default_factory=list)
    #: per contradiction cluster: position -> positions it conflicts with, and figures
    conflicts: list[dict[int, set[int]]] = field(default_factory=list)
    conflict_detail: list[dict[str, Any]] = field(default_factory=list)
    #: per contradiction cluster: position -> why it conflicts ("answer", "output", "label")
    conflict_reasons: list[dict[int, set[str]]] = field(default_factory=list)
    input_pairs: int = 0
    search_method: str = "exact"


class _Gather:
    """``rows[positions]``: the vectors of record positions, gathered when asked.

    Stands in for a (records x dim) copy of every record's vector (300 MB at 100k
    records, and seconds to build) where only cluster members are ever looked at.
    ``present`` marks positions that have a vector; the others read as zeros.
    """

    def __init__(self, vectors: np.ndarray, index: np.ndarray,
                 present: np.ndarray | None = None) -> None:
        self.vectors, self.index, self.present = vectors, index, present

    def __getitem__(self, positions: Any) -> np.ndarray:
        out = self.vectors[self.index[positions]]
        if self.present is not None:
            mask = self.present[positions]
            if np.ndim(mask) == 0:
                if not mask:
                    out = np.zeros_like(out)
            elif not mask.all():
                out[~mask] = 0.0                   # fancy indexing made a copy
        return out


def _side_vectors(corpus: Corpus, vectors: np.ndarray
                  ) -> tuple[_Gather, _Gather, np.ndarray]:
    """Input vectors, output vectors (zeros without an output) and the output flags."""
    input_of = np.asarray(corpus.input_of, dtype=np.int64)
    output_of = np.asarray(corpus.output_of, dtype=np.int64)
    has_out = output_of >= 0
    return (_Gather(vectors, input_of),
            _Gather(vectors, np.where(has_out, output_of, 0), has_out), has_out)


def _record_sim(vin: _Gather, vout: _Gather, has_out: np.ndarray,
                members: list[int]) -> np.ndarray:
    """Pairwise record similarity in a group: min(input cosine, output cosine)."""
    a = vin[members] @ vin[members].T
    b = vout[members] @ vout[members].T
    both = np.outer(has_out[members], has_out[members])
    return np.where(both, np.minimum(a, b), a)


def analyse(corpus: Corpus, vectors: np.ndarray, config: Mapping[str, Any],
            kinds: Sequence[str] = SCAN_KINDS, labels: Mapping[int, str] | None = None,
            on_block: Callable[[int, int], None] | None = None,
            pairs: Pairs | None = None) -> Analysis:
    """Group records into exact, near-duplicate and contradiction clusters.

    ``vectors`` has one row per ``corpus.texts``. ``labels`` maps record ids to final
    labels; records with the same (or nearly the same) input and different labels are
    contradictions too. ``pairs`` are the neighbour pairs over
    :func:`distinct_inputs` (from :func:`search_inputs`); without them a full search runs.
    """
    result = Analysis()
    n = len(corpus.ids)
    if n == 0:
        return result
    vin, vout, has_out = _side_vectors(corpus, vectors)

    # Exact duplicates: same normalised conversation.
    by_exact: dict[str, list[int]] = defaultdict(list)
    for pos, s in enumerate(corpus.sides):
        by_exact[s.exact].append(pos)
    if "duplicates" in kinds:
        result.exact = [g for g in by_exact.values() if len(g) > 1]

    # Candidate pairs over distinct inputs (records sharing an input are pairs too).
    inputs = distinct_inputs(corpus)
    local = {t: k for k, t in enumerate(inputs)}
    records_of: dict[int, list[int]] = defaultdict(list)
    for pos, t in enumerate(corpus.input_of):
        records_of[local[t]].append(pos)
    threshold = search_threshold(config)
    if pairs is None:
        pairs = full_search(vectors[inputs] if inputs else vin[:0], config, on_block)
    result.search_method = pairs.method
    pairs = _at_least(pairs, threshold)
    group_pairs: list[tuple[int, int, float]] = [
        (k, k, 1.0) for k, members in records_of.items() if len(members) > 1]
    group_pairs.extend(zip(pairs.left.tolist(), pairs.right.tolist(),
                           pairs.similarity.tolist(), strict=True))
    result.input_pairs = len(group_pairs)

    # One representative per exact group: identical records decide identically (unless
    # labels are compared: identical records may carry different labels).
    rep = ({p: [p] for p in range(n)} if labels
           else {g[0]: g for g in by_exact.values()})
    near_uf: DisjointSets[int] = DisjointSets()
    contra_uf: DisjointSets[int] = DisjointSets()
    conflicts: dict[int, set[int]] = defaultdict(set)
    pair_figures: dict[tuple[int, int], tuple[float, float | None, str]] = {}
    max_words = int(config["short_answer_words"])
    # The loop below runs once per candidate record pair (over a hundred thousand at
    # 100k records): settings and output flags are looked up once, short answers are
    # memoised (short_answer).
    find_near, find_contra = "duplicates" in kinds, "contradictions" in kinds
    near_in, near_out = config["near_duplicate"], config["near_duplicate_output"]
    contra_in = config["contradiction_input"]
    same_system = bool(config["same_system_prompt"])
    has_output = has_out.tolist()
    all_sides = corpus.sides

    for ga, gb, in_sim in group_pairs:
        left = [p for p in records_of[ga] if p in rep]
        right = left if ga == gb else [p for p in records_of[gb] if p in rep]
        if not left or not right:
            continue
        if len(left) == 1 and len(right) == 1:
            out_sims = None
        else:
            out_sims = vout[left] @ vout[right].T
        for i, a in enumerate(left):
            for j, b in enumerate(right):
                if ga == gb and j <= i:
                    continue
                both_out = has_output[a] and has_output[b]
                if not both_out:
                    out_sim = None
                elif out_sims is None:
                    out_sim = float(vout[a] @ vout[b])
                else:
                    out_sim = float(out_sims[i, j])
                if (find_near and in_sim >= near_in
                        and (out_sim is None or out_sim >= near_out)
                        and (both_out or not (has_output[a] or has_output[b]))):
                    near_uf.union(a, b)
                if not find_contra or in_sim < contra_in:
                    continue
                if same_system and all_sides[a].system != all_sides[b].system:
                    continue
                reason = _conflict(all_sides[a].output, all_sides[b].output, out_sim,
                                   config, max_words)
                if reason is None and labels:
                    la, lb = labels.get(corpus.ids[a]), labels.get(corpus.ids[b])
                    if la is not None and lb is not None and normalise(la) != normalise(lb):
                        reason = "label"
                if reason is not None:
                    contra_uf.union(a, b)
                    conflicts[a].add(b)
                    conflicts[b].add(a)
                    pair_figures[(a, b)] = (in_sim, out_sim, reason)
    if "duplicates" in kinds:
        reps = list(rep)
        near_groups = near_uf.groups(reps)
        # Bring the exact copies of each representative along.
        result.near = [sorted(p for r in g for p in rep[r]) for g in near_groups]
    if "contradictions" in kinds:
        groups = contra_uf.groups(list(conflicts))
        # Each conflicting pair belongs to one group (its two ends were joined): bucket
        # them once rather than scanning every pair for every group.
        group_of = {r: k for k, g in enumerate(groups) for r in g}
        pairs_of: list[list[tuple[int, int, tuple[float, float | None, str]]]] = [
            [] for _ in groups]
        for (a, b), figure in pair_figures.items():
            pairs_of[group_of[a]].append((a, b, figure))
        for group, group_pairs_ in zip(groups, pairs_of, strict=True):
            members = sorted(p for r in group for p in rep[r])
            result.contradictions.append(members)
            local_conflicts: dict[int, set[int]] = {}
            figures = [f for _, _, f in group_pairs_]
            for r in group:
                others = {p for q in conflicts[r] for p in rep[q]}
                for p in rep[r]:
                    local_conflicts[p] = others
            result.conflicts.append(local_conflicts)
            reasons: dict[int, set[str]] = defaultdict(set)
            for a, b, (_, _, why) in group_pairs_:
                for p in (*rep[a], *rep[b]):
                    reasons[p].add(why)
            result.conflict_reasons.append(dict(reasons))
            in_sims = [f[0] for f in figures]
            out_sims_ = [f[1] for f in figures if f[1] is not None]
            result.conflict_detail.append({
                "input_similarity": round(min(in_sims), 4) if in_sims else None,
                "output_similarity": round(min(out_sims_), 4) if out_sims_ else None,
                "reasons": sorted({f[2] for f in figures}),
            })
    return result


def distinct_inputs(corpus: Corpus) -> list[int]:
    """The text indices of the corpus's distinct inputs, in text order (search rows)."""
    return sorted(set(corpus.input_of))


def search_threshold(config: Mapping[str, Any]) -> float:
    """The input cosine the neighbour search looks for: the lower of the two thresholds."""
    return float(min(config["near_duplicate"], config["contradiction_input"]))


def _at_least(pairs: Pairs, threshold: float) -> Pairs:
    keep = pairs.similarity >= np.float32(threshold)
    if keep.all():
        return pairs
    return Pairs(pairs.left[keep], pairs.right[keep], pairs.similarity[keep], pairs.method)


def _recomputed(vectors: np.ndarray, pairs: Pairs) -> Pairs:
    return Pairs(pairs.left, pairs.right, pair_cosines(vectors, pairs.left, pairs.right),
                 pairs.method)


def full_search(vectors: np.ndarray, config: Mapping[str, Any],
                on_block: Callable[[int, int], None] | None = None) -> Pairs:
    """Every pair of rows of ``vectors`` near the search threshold, cosines recomputed.

    Searches :data:`MARGIN` below :func:`search_threshold` so that keeping pairs by their
    recomputed cosine gives the same answer as an incremental search would.
    """
    found = neighbour_pairs(vectors, search_threshold(config) - MARGIN,
                            exact_limit=int(config["exact_search_limit"]),
                            nprobe=int(config["nprobe"]), on_block=on_block)
    return _recomputed(vectors, found)


#: A rescan searches only its new texts unless they are more than this share of all
#: texts (exact search: new x all products against all x all / 2) ...
INCREMENTAL_SHARE_EXACT = 0.5
#: ... or, above ``exact_search_limit``, this share: at 101,000 texts 1,010 exact queries
#: took 12.5 s and a full IVF search 127 s (docs/benchmarks.md), even at about 10%.
INCREMENTAL_SHARE_IVF = 0.1


def _search_params(config: Mapping[str, Any]) -> str:
    return json.dumps({"exact_search_limit": int(config["exact_search_limit"]),
                       "nprobe": int(config["nprobe"]), "margin": MARGIN}, sort_keys=True)


def forget_search(store: Store) -> None:
    """Drop the stored neighbour search: the next scan searches everything again."""
    store.db.execute("DELETE FROM similarity_search")


def search_inputs(store: Store, model: str, hashes: Sequence[str], vectors: np.ndarray,
                  config: Mapping[str, Any], fresh: Iterable[int] = (),
                  on_block: Callable[[int, int], None] | None = None,
                  incremental: bool = True) -> tuple[Pairs, dict[str, Any]]:
    """Neighbour pairs over the distinct inputs, reusing the stored search; stores the new.

    ``hashes[k]`` is the text hash of row ``k`` of ``vectors`` (the distinct inputs).
    The table ``similarity_search`` holds, for a model and threshold, the texts last
    searched and the pairs found among them. Pairs among texts still present are taken
    from it (texts no longer present drop out with their pairs); the rows not in it
    (new texts, and ``fresh`` rows whose vectors were just embedded again) are searched
    exactly against all rows. A full search runs when nothing is stored for this model
    and threshold, the search settings changed, a stored approximate (IVF) search would
    now be exact, or the new rows are too many for searching them alone to pay.
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
        method, _, blob, blob_a, blob_b, blob_sim = row
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
        if not (method == "ivf" and exact_now) and len(new) <= share * n:
            a = old[np.frombuffer(blob_a, dtype=np.int32)]
            b = old[np.frombuffer(blob_b, dtype=np.int32)]
            sims = np.frombuffer(blob_sim, dtype=np.float32)
            keep = (a >= 0) & (b >= 0)
            a, b, sims = a[keep], b[keep], sims[keep]
            found = _recomputed(vectors, query_pairs(vectors, new, threshold - MARGIN,
                                                     on_block))
            left = np.concatenate([np.minimum(a, b), found.left])
            right = np.concatenate([np.maximum(a, b), found.right])
            sims = np.concatenate([sims, found.similarity])
            order = np.lexsort((right, left))
            pairs = Pairs(left[order], right[order], sims[order], method)
            info.update(search="incremental", searched_texts=int(len(new)),
                        reused_pairs=int(keep.sum()))
    if pairs is None:
        pairs = full_search(vectors, config, on_block)
    store.db.execute("DELETE FROM similarity_search")
    store.db.execute(
        "INSERT INTO similarity_search(model, threshold, method, params, texts, hashes, "
        "pair_a, pair_b, pair_sim, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (model, threshold, pairs.method, params, n,
         b"".join(bytes.fromhex(h) for h in hashes),
         pairs.left.astype(np.int32).tobytes(), pairs.right.astype(np.int32).tobytes(),
         pairs.similarity.astype(np.float32).tobytes(), now()))
    info["method"] = pairs.method
    return pairs, info


def _conflict(a: str | None, b: str | None, out_sim: float | None,
              config: Mapping[str, Any], max_words: int) -> str | None:
    """Why two outputs for the same input disagree ("answer", "output"), or None."""
    if a is None or b is None or a == b:
        return None
    short_a, short_b = short_answer(a, max_words), short_answer(b, max_words)
    if short_a is not None and short_b is not None:
        return "answer" if short_a != short_b else None
    if out_sim is not None and out_sim < config["contradiction_output"]:
        return "output"
    return None


def contradiction_severity(input_similarity: float, output_similarity: float | None,
                           reason: str) -> Severity:
    """``error`` for the same input with clearly different outputs, else ``warning``.

    Same input (cosine >= 0.98) with a different short answer or label, or outputs
    below 0.3 cosine, is an error: training would teach both answers. Anything less
    certain is a warning.
    """
    if input_similarity >= 0.98 and (
            reason in ("answer", "label") or (output_similarity or 1.0) < 0.3):
        return "error"
    return "warning"


# -- the scan ---------------------------------------------------------------------------


def similarity_scan(
    store: Store,
    embedder: Embedder | None = None,
    kinds: Sequence[str] = SCAN_KINDS,
    labels: Mapping[int, str] | None = None,
    actor: str = "system",
    incremental: bool = True,
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
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        moment = time.perf_counter()
        timings[name] = round(timings.get(name, 0.0) + moment - clock, 4)
        clock = moment

    with store.atomic():
        yield Progress(0, None, "Reading records")
        corpus = read_corpus(store, bool(config["include_rejected"]))
        report["records"] = len(corpus.ids)
        report["texts"] = len(corpus.texts)
        lap("read")
        hashes = [text_hash(t) for t in corpus.texts]
        fresh: list[int] = []
        lap("hash")
        vectors = yield from embed_texts(store, corpus.texts, embedder, hashes=hashes,
                                         fresh=fresh)
        report["embedded"] = len(fresh)
        lap("embed")
        progress: list[Progress] = []

        def on_block(done: int, total: int) -> None:
            progress.append(Progress(done, total, f"Comparing inputs: {done:,} of {total:,}"))

        yield Progress(0, None, "Comparing inputs")
        clock = time.perf_counter()
        inputs = distinct_inputs(corpus)
        row_of = {t: k for k, t in enumerate(inputs)}
        pairs, search = search_inputs(
            store, embedder.name, [hashes[t] for t in inputs],
            vectors[inputs] if inputs else np.zeros((0, vectors.shape[1]), np.float32),
            config, (row_of[t] for t in fresh if t in row_of), on_block, incremental)
        lap("search")
        analysis = analyse(corpus, vectors, config, kinds, labels, pairs=pairs)
        lap("analyse")
        yield from progress[-1:]
        report["search"] = analysis.search_method
        report["search_mode"] = search["search"]
        report["searched_texts"] = search["searched_texts"]
        report["candidate_pairs"] = analysis.input_pairs
        yield Progress(0, None, "Saving clusters and findings")
        clock = time.perf_counter()
        findings = _store_results(store, corpus, vectors, analysis, kinds, config)
        lap("save")
        report["timings"] = timings
        report["clusters"] = {"exact": len(analysis.exact), "near": len(analysis.near),
                              "contradiction": len(analysis.contradictions)}
        report["findings"] = findings
        store.log_event(actor, "scan", None, {"checks": list(kinds), "findings": findings})
    return report


def _keys(corpus: Corpus, positions: Iterable[int], limit: int) -> list[str]:
    return [corpus.keys[p] for p in sorted(positions)][:limit]


def _related(corpus: Corpus, members: list[int], p: int, limit: int) -> list[str]:
    """The keys of ``members`` (sorted) other than ``p``, at most ``limit``: O(limit)."""
    return [corpus.keys[q] for q in members[:limit + 1] if q != p][:limit]


def _store_results(store: Store, corpus: Corpus, vectors: np.ndarray, analysis: Analysis,
                   kinds: Sequence[str], config: Mapping[str, Any]) -> dict[str, int]:
    limit = int(config["related_limit"])
    vin, vout, has_out = _side_vectors(corpus, vectors)
    counts: dict[str, int] = {}
    created = now()

    def new_cluster(kind: str, members: list[int], sims: np.ndarray | None,
                    detail: dict[str, Any]) -> tuple[int, list[float]]:
        if sims is not None and len(members) > 1:
            off = sims[~np.eye(len(members), dtype=bool)].reshape(len(members), -1)
            member_sims = [round(float(x), 4) for x in off.mean(axis=1)]
            detail = {**detail, "min_similarity": round(float(off.min()), 4),
                      "max_similarity": round(float(off.max()), 4),
                      "mean_similarity": round(float(off.mean()), 4)}
        else:
            member_sims = [1.0] * len(members)
        cursor = store.db.execute(
            "INSERT INTO clusters(kind, size, detail, created_at) VALUES (?, ?, ?, ?)",
            (kind, len(members), json.dumps(detail), created))
        cluster_id = int(cursor.lastrowid or 0)
        store.db.executemany(
            "INSERT INTO cluster_members(cluster_id, record_id, similarity) VALUES (?, ?, ?)",
            [(cluster_id, corpus.ids[p], s) for p, s in zip(members, member_sims,
                                                             strict=True)])
        return cluster_id, member_sims

    for scan_kind in kinds:
        kinds_here = FINDING_KINDS[scan_kind]
        closed: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        for kind in kinds_here:
            closed.update(store.dismissed_findings(kind))
            store.clear_findings(kind)
        marks = ",".join("?" * len(CLUSTER_KINDS[scan_kind]))
        store.db.execute(f"DELETE FROM clusters WHERE kind IN ({marks})",
                         CLUSTER_KINDS[scan_kind])
        items: list[tuple[int | None, FindingDraft]] = []
        if scan_kind == "duplicates":
            for members in analysis.exact:
                cluster_id, _ = new_cluster("exact", members, None, {"similarity": 1.0})
                for p in members:
                    related = _related(corpus, members, p, limit)
                    items.append((corpus.ids[p], FindingDraft(
                        kind="duplicate", code="exact_duplicate", severity="warning",
                        description=_exact_words(len(members) - 1),
                        detail={"related": related, "cluster": cluster_id,
                                "similarity": 1.0, "size": len(members)})))
            for members in analysis.near:
                sims = _record_sim(vin, vout, has_out, members)
                in_sims = vin[members] @ vin[members].T
                cluster_id, member_sims = new_cluster(
                    "near", members, sims,
                    {"input_min_similarity": round(float(in_sims.min()), 4)})
                for p, s in zip(members, member_sims, strict=True):
                    related = _related(corpus, members, p, limit)
                    items.append((corpus.ids[p], FindingDraft(
                        kind="near_duplicate", code="near_duplicate", severity="info",
                        description=_near_words(len(members) - 1, s),
                        detail={"related": related, "cluster": cluster_id,
                                "similarity": s, "size": len(members)})))
        else:
            for members, conflicts, figures, why in zip(
                    analysis.contradictions, analysis.conflicts, analysis.conflict_detail,
                    analysis.conflict_reasons, strict=True):
                in_sims = vin[members] @ vin[members].T
                cluster_id, _ = new_cluster("contradiction", members, in_sims, figures)
                for p in members:
                    others = sorted(conflicts.get(p, set()))
                    if not others:
                        continue
                    in_sim = float(np.max(vin[others] @ vin[p]))
                    out_sim = (float(np.min(vout[others] @ vout[p]))
                               if has_out[p] and has_out[others].all() else None)
                    found = why.get(p, set())
                    reason = next((r for r in ("answer", "output") if r in found), "label")
                    items.append((corpus.ids[p], FindingDraft(
                        kind="contradiction",
                        code="conflicting_label" if reason == "label" else "conflicting_output",
                        severity=contradiction_severity(in_sim, out_sim, reason),
                        description=_contradiction_words(len(others), in_sim, reason),
                        detail={"related": _keys(corpus, others, limit),
                                "cluster": cluster_id, "similarity": round(in_sim, 4),
                                "output_similarity": None if out_sim is None
                                else round(out_sim, 4), "reason": reason})))
        store.add_findings(items, DETECTOR, VERSION, closed)
        for _, draft in items:
            counts[draft.kind] = counts.get(draft.kind, 0) + 1
        for kind in kinds_here:
            counts.setdefault(kind, 0)
    return counts


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 contradiction"``, ``"2 contradictions"``, ``"1,000 groups"``."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def groups_summary(clusters: Mapping[str, int]) -> str:
    """A scan report's ``clusters`` in words, for the CLI and the status bar."""
    return (f"{count_of(clusters.get('exact', 0), 'exact-duplicate group')}, "
            f"{count_of(clusters.get('near', 0), 'near-duplicate group')}, "
            f"{count_of(clusters.get('contradiction', 0), 'contradiction')}")


def _exact_words(others: int) -> str:
    return (f"This example appears {others + 1} times (the same conversation after "
            "ignoring case and spacing). Keep one copy and reject the others.")


def _near_words(others: int, similarity: float) -> str:
    plural = "example says" if others == 1 else "examples say"
    return (f"{others} other {plural} nearly the same thing (similarity {similarity:.2f}). "
            "Keep one unless the variation is intended.")


def _contradiction_words(others: int, similarity: float, reason: str) -> str:
    what = {"label": "a different final label", "answer": "a different short answer"}.get(
        reason, "a different answer")
    plural = "example asks" if others == 1 else "examples ask"
    return (f"{others} other {plural} the same thing (similarity {similarity:.2f}) but "
            f"{'has' if others == 1 else 'have'} {what}. Decide which answer is right.")


# -- reading clusters and acting on them ------------------------------------------------


def clusters(store: Store, kinds: Sequence[str] = ("exact", "near", "contradiction"),
             include_resolved: bool = True) -> list[dict[str, Any]]:
    """Clusters of ``kinds``, largest first: id, kind, size, open findings, a preview."""
    marks = ",".join("?" * len(kinds))
    rows = store.db.execute(
        f"SELECT c.id, c.kind, c.size, c.detail, "
        "(SELECT COUNT(*) FROM findings f JOIN cluster_members m2 "
        " ON m2.record_id = f.record_id AND m2.cluster_id = c.id "
        " WHERE f.status = 'open' AND f.kind = CASE c.kind WHEN 'exact' THEN 'duplicate' "
        " WHEN 'near' THEN 'near_duplicate' ELSE 'contradiction' END "
        " AND json_extract(f.detail, '$.cluster') = c.id), "
        "(SELECT r.first_user FROM cluster_members m JOIN records r ON r.id = m.record_id "
        " WHERE m.cluster_id = c.id ORDER BY r.id LIMIT 1) "
        f"FROM clusters c WHERE c.kind IN ({marks}) "
        "ORDER BY CASE c.kind WHEN 'contradiction' THEN 0 WHEN 'exact' THEN 1 ELSE 2 END, "
        "c.size DESC, c.id", list(kinds)).fetchall()
    out = []
    for cluster_id, kind, size, detail, open_findings, preview in rows:
        if not include_resolved and not open_findings:
            continue
        out.append({"id": cluster_id, "kind": kind, "size": size,
                    "detail": json.loads(detail) if detail else {},
                    "open": open_findings, "preview": preview or ""})
    return out


def cluster_detail(store: Store, cluster_id: int) -> dict[str, Any]:
    """One cluster with its members' conversations, review states and findings."""
    row = store.db.execute("SELECT kind, size, detail FROM clusters WHERE id = ?",
                           (cluster_id,)).fetchone()
    if row is None:
        raise CuratorError("That group no longer exists; run the duplicate scan again.")
    kind, size, detail = row
    finding_kind = _finding_kind(kind)
    members = []
    for record_id, key, similarity, review, text in store.db.execute(
            f"SELECT r.id, r.key, m.similarity, r.review, {CONVERSATION.replace('raw', 'r.raw')} "
            "FROM cluster_members m JOIN records r ON r.id = m.record_id "
            "WHERE m.cluster_id = ? ORDER BY r.id", (cluster_id,)):
        conv = json.loads(text) if text else {}
        finding = store.db.execute(
            "SELECT status, description, detail FROM findings WHERE record_id = ? AND "
            "kind = ? AND json_extract(detail, '$.cluster') = ? ORDER BY id LIMIT 1",
            (record_id, finding_kind, cluster_id)).fetchone()
        members.append({
            "id": record_id, "key": key, "similarity": similarity, "review": review,
            "conversation": conv, "input": _raw_input(conv), "output": _raw_output(conv),
            "system": "\n".join(_content(m) for m in conv.get("messages", [])
                                if isinstance(m, dict) and m.get("role") == "system"),
            "status": finding[0] if finding else None,
            "description": finding[1] if finding else None,
            "finding": json.loads(finding[2]) if finding and finding[2] else {},
        })
    return {"id": cluster_id, "kind": kind, "size": size,
            "detail": json.loads(detail) if detail else {}, "members": members}


def _raw_input(conv: Mapping[str, Any]) -> str:
    messages = list(conv.get("messages", []) or [])
    if ("preferred_output" not in conv and messages and isinstance(messages[-1], dict)
            and messages[-1].get("role") == "assistant"):
        messages.pop()
    return "\n".join(f"{m.get('role', '?')}: {_content(m)}" if isinstance(m, dict)
                     else _content(m) for m in messages
                     if not (isinstance(m, dict) and m.get("role") == "system"))


def _raw_output(conv: Mapping[str, Any]) -> str:
    if "preferred_output" in conv:
        preferred = conv.get("preferred_output") or []
        return " ".join(_content(m) for m in preferred) if isinstance(preferred, list) else ""
    messages = conv.get("messages", []) or []
    if messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
        return _content(messages[-1])
    return ""


def _finding_kind(cluster_kind: str) -> str:
    return {"exact": "duplicate", "near": "near_duplicate"}.get(cluster_kind, "contradiction")


def _close_cluster_findings(store: Store, cluster_id: int, status: str, actor: str) -> int:
    row = store.db.execute("SELECT kind FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    if row is None:
        raise CuratorError("That group no longer exists; run the duplicate scan again.")
    cursor = store.db.execute(
        "UPDATE findings SET status = ?, status_by = ?, status_at = ? WHERE kind = ? AND "
        "status = 'open' AND json_extract(detail, '$.cluster') = ? AND record_id IN "
        "(SELECT record_id FROM cluster_members WHERE cluster_id = ?)",
        (status, actor, now(), _finding_kind(row[0]), cluster_id, cluster_id))
    return int(cursor.rowcount)


def cluster_findings(store: Store, cluster_id: int) -> list[int]:
    """The ids of a cluster's open findings (what keep-one and dismiss close; for undo)."""
    row = store.db.execute("SELECT kind FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    if row is None:
        return []
    return [r[0] for r in store.db.execute(
        "SELECT id FROM findings WHERE kind = ? AND status = 'open' AND "
        "json_extract(detail, '$.cluster') = ? AND record_id IN "
        "(SELECT record_id FROM cluster_members WHERE cluster_id = ?)",
        (_finding_kind(row[0]), cluster_id, cluster_id))]


def keep_one(store: Store, cluster_id: int, keep_record_id: int, actor: str
             ) -> dict[int, str]:
    """Keep one member of a cluster and reject the rest; returns previous review states.

    The cluster's findings are marked resolved. Undo with
    :func:`curator.core.store.review.restore_reviews` on the returned states.
    """
    from curator.core.store.review import set_review

    with store.atomic():
        members = [r[0] for r in store.db.execute(
            "SELECT record_id FROM cluster_members WHERE cluster_id = ?", (cluster_id,))]
        if keep_record_id not in members:
            raise CuratorError("The example to keep is not in this group.")
        others = [m for m in members if m != keep_record_id]
        before = set_review(store, others, "rejected", actor)
        resolved = _close_cluster_findings(store, cluster_id, "resolved", actor)
        store.log_event(actor, "keep_one", keep_record_id,
                        {"cluster": cluster_id, "rejected": others, "resolved": resolved})
    return before


def dismiss_cluster(store: Store, cluster_id: int, actor: str) -> int:
    """Mark a cluster as intended variation: dismiss its open findings (kept on rescan)."""
    with store.atomic():
        count = _close_cluster_findings(store, cluster_id, "dismissed", actor)
        store.log_event(actor, "dismiss_cluster", None,
                        {"cluster": cluster_id, "dismissed": count})
    return count


def label_contradictions(store: Store, labels: Mapping[int, str],
                         embedder: Embedder | None = None,
                         actor: str = "system") -> Job[dict[str, Any]]:
    """The contradiction scan with final labels (``{record_id: label}``) taken into account.

    The hook for labelling: once final labels exist, call this (or pass ``labels`` to
    :func:`similarity_scan`) to flag same-input records whose labels differ.
    """
    return similarity_scan(store, embedder, ("contradictions",), labels, actor)


# -- the diversity report ---------------------------------------------------------------


def _histogram(values: Sequence[int], edges: Sequence[int]) -> list[dict[str, Any]]:
    counts, _ = np.histogram(np.asarray(values), bins=[*edges, np.inf])
    return [{"from": int(lo), "to": None if hi == np.inf else int(hi), "count": int(c)}
            for lo, hi, c in zip(edges, [*edges[1:], np.inf], counts, strict=True)]


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


def diversity_report(store: Store, model: str | None = None, max_points: int = 5000,
                     examples: int = 10, seed: int = 0) -> dict[str, Any]:
    """How varied the data is: clusters, lengths, roles, declines, a 2-D map of inputs.

    Reads cached embeddings only (it never loads the model): run the duplicates scan
    first to get the map. ``model`` defaults to the model whose vectors are most common.
    """
    corpus = read_corpus(store, include_rejected=False)
    n = len(corpus.ids)
    report: dict[str, Any] = {"records": n}
    sizes = Counter(size for (size,) in store.db.execute(
        "SELECT size FROM clusters WHERE kind IN ('exact', 'near')"))
    in_clusters = {r[0] for r in store.db.execute(
        "SELECT DISTINCT m.record_id FROM cluster_members m JOIN clusters c "
        "ON c.id = m.cluster_id WHERE c.kind IN ('exact', 'near')")}
    exact_extra = sum(size - 1 for (size,) in store.db.execute(
        "SELECT size FROM clusters WHERE kind = 'exact'"))
    report["clusters"] = {
        "sizes": {str(k): v for k, v in sorted(sizes.items())},
        "exact": store.db.execute(
            "SELECT COUNT(*) FROM clusters WHERE kind = 'exact'").fetchone()[0],
        "near": store.db.execute(
            "SELECT COUNT(*) FROM clusters WHERE kind = 'near'").fetchone()[0],
        "contradiction": store.db.execute(
            "SELECT COUNT(*) FROM clusters WHERE kind = 'contradiction'").fetchone()[0],
    }
    report["duplicate_share"] = round(len(in_clusters) / n, 4) if n else 0.0
    report["redundant_share"] = round(exact_extra / n, 4) if n else 0.0
    report["distinct_inputs"] = len(set(corpus.input_of))
    # Lengths and roles, from the conversations themselves.
    in_words = [len(s.input.split()) for s in corpus.sides]
    out_words = [len(s.output.split()) for s in corpus.sides if s.output is not None]
    edges = [0, 5, 10, 20, 50, 100, 200, 500, 1000]
    report["lengths"] = {
        "input_words": _histogram(in_words, edges),
        "output_words": _histogram(out_words, edges),
        "input_median": float(np.median(in_words)) if in_words else 0.0,
        "output_median": float(np.median(out_words)) if out_words else 0.0,
    }
    roles: Counter[str] = Counter()
    turns: Counter[int] = Counter()
    systems: Counter[str] = Counter()
    declines: list[dict[str, str]] = []
    decline_count = 0
    for record_id, key, text in store.db.execute(
            f"SELECT id, key, {CONVERSATION} FROM records WHERE valid AND "
            "review != 'rejected' ORDER BY id"):
        try:
            conv = json.loads(text)
        except (TypeError, ValueError):
            continue
        messages = [m for m in conv.get("messages", []) if isinstance(m, dict)]
        roles.update(str(m.get("role")) for m in messages)
        turns[sum(1 for m in messages if m.get("role") == "user")] += 1
        systems[normalise("\n".join(_content(m) for m in messages
                                    if m.get("role") == "system"))] += 1
        output = _raw_output(conv)
        if output and DECLINE.search(output):
            decline_count += 1
            if len(declines) < examples:
                declines.append({"record": key, "input": _raw_input(conv)[:200],
                                 "output": output[:200]})
    report["roles"] = dict(roles.most_common())
    report["user_turns"] = {str(k): v for k, v in sorted(turns.items())}
    report["system_prompts"] = {"distinct": len(systems),
                                "most_common_share": round(systems.most_common(1)[0][1] / n, 4)
                                if n and systems else 0.0}
    report["declines"] = {"count": decline_count,
                          "share": round(decline_count / n, 4) if n else 0.0,
                          "examples": declines}
    report["map"] = _input_map(store, corpus, model, max_points, seed)
    return report


def _input_map(store: Store, corpus: Corpus, model: str | None, max_points: int,
               seed: int) -> dict[str, Any]:
    if model is None:
        row = store.db.execute("SELECT model FROM embeddings GROUP BY model "
                               "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
        if row is None:
            return {"model": None, "points": [], "explained": [0.0, 0.0],
                    "note": "Run the duplicates scan to draw the map of inputs."}
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
        return {"model": model, "points": [], "explained": [0.0, 0.0],
                "note": "Run the duplicates scan to draw the map of inputs."}
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


__all__ = [
    "DEFAULTS", "SETTINGS_KEY", "SCAN_KINDS", "Analysis", "Corpus", "Pairs", "Sides",
    "analyse", "cluster_detail", "clusters", "contradiction_severity", "count_of",
    "distinct_inputs", "diversity_report", "forget_search", "full_search", "groups_summary",
    "search_inputs", "search_threshold",
    "dismiss_cluster", "embed_texts", "keep_one", "label_contradictions", "normalise",
    "read_corpus", "settings", "short_answer", "sides", "similarity_scan",
]
