"""Grouping: decided record pairs become near-duplicate and contradiction groups.

Pairs are between *representatives* (one record per exact-duplicate group, or every
record when labels are compared); ``rep`` maps each representative to the records it
stands for, so a group brings its exact copies along. Groups are connected components
(union-find), so a group can chain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from curator.core.disjoint import DisjointSets

#: A conflicting pair's input cosine, output cosine (None without both outputs) and reason.
Figure = tuple[float, float | None, str]


def near_groups(rep: Mapping[int, list[int]],
                pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected near-duplicate representatives, each group with its exact copies."""
    sets: DisjointSets[int] = DisjointSets()
    for a, b in pairs:
        sets.union(a, b)
    return [sorted(p for r in g for p in rep[r]) for g in sets.groups(list(rep))]


class ContradictionGroup(NamedTuple):
    """One contradiction group: who is in it, who conflicts with whom, and why."""

    members: list[int]
    conflicts: dict[int, set[int]]         # position -> positions it conflicts with
    reasons: dict[int, set[str]]           # position -> "answer", "output", "label"
    detail: dict[str, Any]                 # lowest cosines and the reasons, for clusters


def contradiction_groups(rep: Mapping[int, list[int]],
                         figures: Mapping[tuple[int, int], Figure]
                         ) -> Iterator[ContradictionGroup]:
    """Connected conflicting representatives, in the order their first conflict was found."""
    conflicts: dict[int, set[int]] = defaultdict(set)
    sets: DisjointSets[int] = DisjointSets()
    for a, b in figures:
        sets.union(a, b)
        conflicts[a].add(b)
        conflicts[b].add(a)
    groups = sets.groups(list(conflicts))
    # Each conflicting pair belongs to one group (its two ends were joined): bucket
    # them once rather than scanning every pair for every group.
    group_of = {r: k for k, g in enumerate(groups) for r in g}
    pairs_of: list[list[tuple[int, int, Figure]]] = [[] for _ in groups]
    for (a, b), figure in figures.items():
        pairs_of[group_of[a]].append((a, b, figure))
    for group, group_pairs in zip(groups, pairs_of, strict=True):
        yield _contradiction_group(rep, conflicts, group, group_pairs)


def _contradiction_group(rep: Mapping[int, list[int]], conflicts: Mapping[int, set[int]],
                         group: list[int], group_pairs: list[tuple[int, int, Figure]]
                         ) -> ContradictionGroup:
    members = sorted(p for r in group for p in rep[r])
    local_conflicts: dict[int, set[int]] = {}
    for r in group:
        others = {p for q in conflicts[r] for p in rep[q]}
        for p in rep[r]:
            local_conflicts[p] = others
    reasons: dict[int, set[str]] = defaultdict(set)
    for a, b, (_, _, why) in group_pairs:
        for p in (*rep[a], *rep[b]):
            reasons[p].add(why)
    figures = [f for _, _, f in group_pairs]
    in_sims = [f[0] for f in figures]
    out_sims = [f[1] for f in figures if f[1] is not None]
    detail = {
        "input_similarity": round(min(in_sims), 4) if in_sims else None,
        "output_similarity": round(min(out_sims), 4) if out_sims else None,
        "reasons": sorted({f[2] for f in figures}),
    }
    return ContradictionGroup(members, local_conflicts, dict(reasons), detail)
