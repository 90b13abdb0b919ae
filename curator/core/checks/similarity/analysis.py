"""Analysis: records in, exact, near-duplicate and contradiction groups out (not stored).

Candidate pairs come from the neighbour search over distinct inputs; each record pair
they stand for is judged by :class:`~.decisions.PairRules` and the decided pairs are
grouped by :mod:`~.grouping`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curator.core.checks.similarity.config import SCAN_KINDS, search_threshold
from curator.core.checks.similarity.corpus import Corpus, distinct_inputs
from curator.core.checks.similarity.decisions import PairRules, label_conflict
from curator.core.checks.similarity.grouping import (
    Figure,
    contradiction_groups,
    led_near_groups,
)
from curator.core.checks.similarity.search import at_least, full_search
from curator.core.checks.similarity.vectors import Gather, side_vectors
from curator.core.checks.similarity_search import Pairs


@dataclass(slots=True)
class Analysis:
    """What the similarity pass found, before it is stored."""

    exact: list[list[int]] = field(default_factory=list)        # record positions
    near: list[list[int]] = field(default_factory=list)
    contradictions: list[list[int]] = field(default_factory=list)
    #: each near and contradiction group's representative (the position it formed around)
    near_leaders: list[int] = field(default_factory=list)
    contradiction_leaders: list[int] = field(default_factory=list)
    #: per contradiction cluster: position -> positions it conflicts with, and figures
    conflicts: list[dict[int, set[int]]] = field(default_factory=list)
    conflict_detail: list[dict[str, Any]] = field(default_factory=list)
    #: per contradiction cluster: position -> why it conflicts ("answer", "output", "label")
    conflict_reasons: list[dict[int, set[str]]] = field(default_factory=list)
    input_pairs: int = 0
    search_method: str = "exact"


@dataclass(slots=True)
class _Decided:
    """The record pairs judged near duplicates, and the conflicting ones with figures."""

    near: list[tuple[int, int, float]] = field(default_factory=list)
    conflicts: dict[tuple[int, int], Figure] = field(default_factory=dict)
    #: pairs verified as the same request that may contradict (conflicting or not)
    same: list[tuple[int, int, float]] = field(default_factory=list)


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
    # Exact duplicates: same normalised conversation.
    by_exact: dict[str, list[int]] = defaultdict(list)
    for pos, s in enumerate(corpus.sides):
        by_exact[s.exact].append(pos)
    if "duplicates" in kinds:
        result.exact = [g for g in by_exact.values() if len(g) > 1]

    vin, vout, has_out = side_vectors(corpus, vectors)
    inputs = distinct_inputs(corpus)
    if pairs is None:
        pairs = full_search(vectors[inputs] if inputs else vin[:0], config, on_block)
    result.search_method = pairs.method
    pairs = at_least(pairs, search_threshold(config))
    records_of, group_pairs = _candidates(corpus, inputs, pairs)
    result.input_pairs = len(group_pairs)

    # One representative per exact group: identical records decide identically (unless
    # labels are compared: identical records may carry different labels).
    rep = ({p: [p] for p in range(n)} if labels
           else {g[0]: g for g in by_exact.values()})
    decided = _decide(corpus, vout, has_out.tolist(), PairRules.of(config, kinds), labels,
                      rep, records_of, group_pairs)
    if "duplicates" in kinds:
        judge = _judge(corpus, vin, vout, has_out.tolist(), PairRules.of(config, kinds))
        for leader, members in led_near_groups(rep, decided.near, judge):
            result.near_leaders.append(leader)
            result.near.append(members)
    if "contradictions" in kinds:
        for group in contradiction_groups(rep, decided.conflicts, decided.same):
            result.contradictions.append(group.members)
            result.contradiction_leaders.append(group.leader)
            result.conflicts.append(group.conflicts)
            result.conflict_reasons.append(group.reasons)
            result.conflict_detail.append(group.detail)
    return result


def _candidates(corpus: Corpus, inputs: list[int], pairs: Pairs
                ) -> tuple[dict[int, list[int]], list[tuple[int, int, float]]]:
    """Records per distinct input (search row), and the candidate pairs of search rows.

    Records sharing an input are a candidate too: row ``k`` paired with itself, cosine 1.
    """
    local = {t: k for k, t in enumerate(inputs)}
    records_of: dict[int, list[int]] = defaultdict(list)
    for pos, t in enumerate(corpus.input_of):
        records_of[local[t]].append(pos)
    group_pairs: list[tuple[int, int, float]] = [
        (k, k, 1.0) for k, members in records_of.items() if len(members) > 1]
    group_pairs.extend(zip(pairs.left.tolist(), pairs.right.tolist(),
                           pairs.similarity.tolist(), strict=True))
    return records_of, group_pairs


def _decide(corpus: Corpus, vout: Gather, has_output: list[bool], rules: PairRules,
            labels: Mapping[int, str] | None, rep: Mapping[int, list[int]],
            records_of: Mapping[int, list[int]],
            group_pairs: list[tuple[int, int, float]]) -> _Decided:
    """Judge every record pair (representatives only) that the candidate pairs stand for.

    The loop runs once per candidate record pair (over a hundred thousand at 100k
    records): the rules are read from the settings once, short answers are memoised.
    """
    decided = _Decided()
    all_sides, details = corpus.sides, corpus.details
    for ga, gb, in_sim in group_pairs:
        left = [p for p in records_of[ga] if p in rep]
        right = left if ga == gb else [p for p in records_of[gb] if p in rep]
        if not left or not right:
            continue
        out_sims = None if len(left) == 1 and len(right) == 1 \
            else vout[left] @ vout[right].T
        for i, a in enumerate(left):
            for j, b in enumerate(right):
                if ga == gb and j <= i:
                    continue
                out_sim = _output_similarity(vout, out_sims, has_output, a, b, i, j)
                if not rules.same_request(details[a], details[b], in_sim):
                    if rules.detail_variant(details[a], details[b], in_sim, out_sim,
                                            (all_sides[a].output, all_sides[b].output)):
                        decided.near.append((a, b, in_sim))
                    continue
                if rules.near(all_sides[a], all_sides[b], in_sim, out_sim):
                    decided.near.append((a, b, in_sim))
                if not rules.may_contradict(all_sides[a], all_sides[b], in_sim):
                    continue
                decided.same.append((a, b, in_sim))
                reason = rules.conflict(all_sides[a], all_sides[b], out_sim)
                if reason is None and labels:
                    reason = label_conflict(labels.get(corpus.ids[a]),
                                            labels.get(corpus.ids[b]))
                if reason is not None:
                    decided.conflicts[(a, b)] = (in_sim, out_sim, reason)
    return decided


def _judge(corpus: Corpus, vin: Gather, vout: Gather, has_output: list[bool],
           rules: PairRules) -> Callable[[int, int], bool]:
    """Decides pairs of records the search did not retrieve, for grouping (memoised).

    Cosines in float64 from the two vectors only, so the decision is a function of the
    two records and rescans stay equal to full scans.
    """
    memo: dict[tuple[int, int], bool] = {}

    def cosine(side: Gather, a: int, b: int) -> float:
        return float(np.dot(side[a].astype(np.float64), side[b].astype(np.float64)))

    def judge(a: int, b: int) -> bool:
        key = (a, b) if a < b else (b, a)
        if key not in memo:
            out_sim = cosine(vout, a, b) if has_output[a] and has_output[b] else None
            memo[key] = rules.alike(corpus.sides[a], corpus.sides[b], corpus.details[a],
                                    corpus.details[b], cosine(vin, a, b), out_sim)
        return memo[key]
    return judge


def _output_similarity(vout: Gather, out_sims: np.ndarray | None, has_output: list[bool],
                       a: int, b: int, i: int, j: int) -> float | None:
    """The output cosine of records ``a`` and ``b`` (rows ``i``, ``j`` of ``out_sims``)."""
    if not (has_output[a] and has_output[b]):
        return None
    if out_sims is None:
        return float(vout[a] @ vout[b])
    return float(out_sims[i, j])
