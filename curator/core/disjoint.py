"""Disjoint sets (union-find): which items end up connected through pairs.

One implementation for the similarity check's groups and the export's split groups
(records that must share a split). Items are created on first mention, so a caller
whose items are mostly alone pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class DisjointSets(Generic[T]):
    """Disjoint sets with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict[T, T] = {}
        self.size: dict[T, int] = {}

    def __contains__(self, item: object) -> bool:
        return item in self.parent

    def find(self, item: T) -> T:
        """The representative of ``item``'s set (``item`` itself when never joined)."""
        parent = self.parent
        if item not in parent:
            return item
        while (up := parent[item]) != item:
            parent[item] = parent[up]
            item = parent[item]
        return item

    def union(self, a: T, b: T) -> None:
        """Join the sets of ``a`` and ``b``."""
        for item in (a, b):
            if item not in self.parent:
                self.parent[item] = item
                self.size[item] = 1
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self, items: Iterable[T], singletons: bool = False) -> list[list[T]]:
        """``items`` grouped by set, each group and the groups in the order given.

        Groups of one are left out unless ``singletons``.
        """
        out: dict[T, list[T]] = {}
        for item in items:
            out.setdefault(self.find(item), []).append(item)
        return [g for g in out.values() if singletons or len(g) > 1]
