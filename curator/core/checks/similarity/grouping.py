"""Grouping: decided record pairs become near-duplicate and contradiction groups.

Pairs are between *representatives* (one record per exact-duplicate group, or every
record when labels are compared); ``rep`` maps each representative to the records it
stands for, so a group brings its exact copies along.

Groups are **tight**: built around a representative (a leader), and a record joins only
when its pair with *every* member already in the group was decided alike (complete
linkage). A pair the neighbour search did not retrieve (input cosine under the
candidate threshold) is not taken as "not alike": when a ``judge`` is given it decides
that pair by the same verification, so a plain rewording is not left out of its
ticket's group because one of its cosines fell just under 0.65. A chain a~b~c with a
not ~ c never puts a and c together, so every member is similar to the group's
representative and to each other. Leaders are
taken in a fixed order (most decided pairs first, then record position), candidates by
how many of the leader's other partners they are paired with, then their score: the
same pairs always give the same groups, which keeps incremental rescans equal to full
ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

#: A conflicting pair's input cosine, output cosine (None without both outputs) and reason.
Figure = tuple[float, float | None, str]
#: A decided pair: its two representatives and its score (higher: more alike).
Scored = tuple[int, int, float]
#: Decides a pair of representatives the search did not retrieve: alike or not.
Judge = Callable[[int, int], bool]


def _edges(pairs: Iterable[Scored]) -> dict[int, dict[int, float]]:
    edges: dict[int, dict[int, float]] = defaultdict(dict)
    for a, b, score in pairs:
        if a != b:
            edges[a][b] = edges[b][a] = max(score, edges[a].get(b, score))
    return edges


def tight_groups(pairs: Iterable[Scored], priority: Mapping[int, int] | None = None,
                 judge: Judge | None = None) -> list[list[int]]:
    """Groups of at least two in which every two members were decided alike.

    Greedy complete linkage around leaders: the node with the highest ``priority``
    (default: most decided pairs; ties: lowest number) not yet placed leads a group;
    its free partners join, those paired with most of the others first (then by score,
    then lowest number), when they are paired with every member already in — a pair
    missing from ``pairs`` counts when ``judge(a, b)`` says they are alike (pairs the
    search did not retrieve, decided on demand). Members are listed leader first.
    """
    edges = _edges(pairs)
    rank = priority if priority is not None else {n: len(e) for n, e in edges.items()}
    placed: set[int] = set()
    groups: list[list[int]] = []
    for leader in sorted(edges, key=lambda n: (-rank.get(n, 0), n)):
        if leader in placed:
            continue
        partners = edges[leader]
        members = [leader]
        free = {m for m in partners if m not in placed}
        # Partners that are paired with most of the leader's other free partners first
        # (the biggest clique greedily), then by score.
        common = {m: len(free.intersection(edges[m])) for m in free}
        for other in sorted(free, key=lambda m: (-common[m], -partners[m], m)):
            if other in placed:
                continue
            near = edges[other]
            if all(m in near or (judge is not None and judge(other, m))
                   for m in members[1:]):
                members.append(other)
        if len(members) > 1:
            placed.update(members)
            groups.append(members)
    return groups


def near_groups(rep: Mapping[int, list[int]], pairs: Iterable[Scored],
                judge: Judge | None = None) -> list[list[int]]:
    """Tight near-duplicate groups of representatives, each with its exact copies."""
    return [members for _, members in led_near_groups(rep, pairs, judge)]


def led_near_groups(rep: Mapping[int, list[int]], pairs: Iterable[Scored],
                    judge: Judge | None = None) -> list[tuple[int, list[int]]]:
    """:func:`near_groups` with each group's leader: the member the others joined around
    (every member was decided alike with it), shown as the group's representative."""
    return [(g[0], sorted(p for r in g for p in rep[r]))
            for g in tight_groups(pairs, judge=judge)]


class ContradictionGroup(NamedTuple):
    """One contradiction group: who is in it, who conflicts with whom, and why."""

    members: list[int]
    conflicts: dict[int, set[int]]         # position -> positions it conflicts with
    reasons: dict[int, set[str]]           # position -> "answer", "output", "label"
    detail: dict[str, Any]                 # lowest cosines and the reasons, for clusters
    leader: int                            # the representative: most conflicts, led it


def contradiction_groups(rep: Mapping[int, list[int]],
                         figures: Mapping[tuple[int, int], Figure],
                         same: Iterable[Scored] = ()) -> Iterator[ContradictionGroup]:
    """Tight groups of the same request whose answers conflict.

    ``same`` are the representative pairs decided to be the same request (the
    conflicting pairs count as such too). Groups are :func:`tight_groups` over those
    pairs among representatives that conflict with someone, leaders by number of
    conflicts; a group without a conflict inside is dropped, and only the conflicts
    inside a group are reported with it.
    """
    conflicts: dict[int, set[int]] = defaultdict(set)
    for a, b in figures:
        conflicts[a].add(b)
        conflicts[b].add(a)
    edges = [(a, b, s) for a, b, s in same if a in conflicts and b in conflicts]
    edges.extend((a, b, f[0]) for (a, b), f in figures.items())
    priority = {r: len(c) for r, c in conflicts.items()}
    for group in tight_groups(edges, priority):
        inside = set(group)
        local = {r: conflicts[r] & inside for r in group}
        # The group's conflicting pairs from each member's conflicts (a scan of every
        # figure per group took 234 s of a 600 s analysis on 5,000 uniform records).
        group_pairs = [(a, b, figures[(a, b)]) for r in group for o in local[r] if r < o
                       for a, b in ((r, o) if (r, o) in figures else (o, r),)]
        if group_pairs:
            kept = sorted(r for r in group if local[r])
            leader = group[0] if local[group[0]] else kept[0]
            yield _contradiction_group(rep, local, kept, group_pairs, leader)


def _contradiction_group(rep: Mapping[int, list[int]], conflicts: Mapping[int, set[int]],
                         group: list[int], group_pairs: list[tuple[int, int, Figure]],
                         leader: int) -> ContradictionGroup:
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
    return ContradictionGroup(members, local_conflicts, dict(reasons), detail, leader)
