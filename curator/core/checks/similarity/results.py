"""Storing an :class:`~.analysis.Analysis`: its groups as clusters, its findings.

Findings of the kinds scanned are replaced (dismissed ones keep their status) and their
clusters rewritten, in the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from curator.core.checks.similarity.analysis import Analysis
from curator.core.checks.similarity.config import (
    CLUSTER_KINDS,
    DETECTOR,
    FINDING_KINDS,
    VERSION,
)
from curator.core.checks.similarity.corpus import Corpus
from curator.core.checks.similarity.decisions import contradiction_severity, group_differences
from curator.core.checks.similarity.texts import short_answer
from curator.core.checks.similarity.vectors import record_similarity, side_vectors
from curator.core.checks.similarity.words import (
    IDENTICAL,
    REWORDED,
    SAME_INPUT,
    conflict_words,
    contradiction_words,
    differs_words,
    exact_words,
    near_words,
)
from curator.core.model import FindingDraft
from curator.core.store.store import Store, now

Items = list[tuple[int | None, FindingDraft]]


def store_results(store: Store, corpus: Corpus, vectors: np.ndarray, analysis: Analysis,
                  kinds: Sequence[str], config: Mapping[str, Any]) -> dict[str, int]:
    """Write the clusters and findings of ``kinds``; returns the findings per kind."""
    writer = _Writer(store, corpus, vectors, int(config["related_limit"]),
                     int(config["short_answer_words"]))
    counts: dict[str, int] = {}
    for scan_kind in kinds:
        kinds_here = FINDING_KINDS[scan_kind]
        closed: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        for kind in kinds_here:
            closed.update(store.dismissed_findings(kind))
            store.clear_findings(kind)
        marks = ",".join("?" * len(CLUSTER_KINDS[scan_kind]))
        store.db.execute(f"DELETE FROM clusters WHERE kind IN ({marks})",
                         CLUSTER_KINDS[scan_kind])
        items = (writer.duplicates(analysis) if scan_kind == "duplicates"
                 else writer.contradictions(analysis))
        store.add_findings(items, DETECTOR, VERSION, closed)
        for _, draft in items:
            counts[draft.kind] = counts.get(draft.kind, 0) + 1
        for kind in kinds_here:
            counts.setdefault(kind, 0)
    return counts


def _keys(corpus: Corpus, positions: Iterable[int], limit: int) -> list[str]:
    return [corpus.keys[p] for p in sorted(positions)][:limit]


def _related(corpus: Corpus, members: list[int], p: int, limit: int) -> list[str]:
    """The keys of ``members`` (sorted) other than ``p``, at most ``limit``: O(limit)."""
    return [corpus.keys[q] for q in members[:limit + 1] if q != p][:limit]


class _Writer:
    """Writes clusters and builds their findings for one corpus."""

    def __init__(self, store: Store, corpus: Corpus, vectors: np.ndarray, limit: int,
                 max_words: int = 3) -> None:
        self.store, self.corpus, self.limit = store, corpus, limit
        self.max_words = max_words
        self.vin, self.vout, self.has_out = side_vectors(corpus, vectors)
        self.created = now()

    def cluster(self, kind: str, members: list[int], sims: np.ndarray | None,
                detail: dict[str, Any], leader: int | None = None) -> tuple[int, list[float]]:
        """Insert a cluster; its id and each member's mean similarity to the others.

        ``leader`` (default: the first member) is the group's representative: the
        detail keeps its record id (``representative``) and, with ``sims``, each
        member's similarity to it (``to_representative``, record id -> similarity).
        """
        ids = self.corpus.ids
        leader = members[0] if leader is None else leader
        detail = {**detail, "representative": ids[leader]}
        if sims is not None and len(members) > 1:
            off = sims[~np.eye(len(members), dtype=bool)].reshape(len(members), -1)
            member_sims = [round(float(x), 4) for x in off.mean(axis=1)]
            row = sims[members.index(leader)]
            detail = {**detail, "min_similarity": round(float(off.min()), 4),
                      "max_similarity": round(float(off.max()), 4),
                      "mean_similarity": round(float(off.mean()), 4),
                      "to_representative": {
                          str(ids[p]): 1.0 if p == leader else round(float(x), 4)
                          for p, x in zip(members, row, strict=True)}}
        else:
            member_sims = [1.0] * len(members)
        cursor = self.store.db.execute(
            "INSERT INTO clusters(kind, size, detail, created_at) VALUES (?, ?, ?, ?)",
            (kind, len(members), json.dumps(detail), self.created))
        cluster_id = int(cursor.lastrowid or 0)
        self.store.db.executemany(
            "INSERT INTO cluster_members(cluster_id, record_id, similarity) VALUES (?, ?, ?)",
            [(cluster_id, ids[p], s) for p, s in zip(members, member_sims, strict=True)])
        return cluster_id, member_sims

    def duplicates(self, analysis: Analysis) -> Items:
        """The exact and near-duplicate clusters, written; their findings."""
        corpus, limit = self.corpus, self.limit
        items: Items = []
        for members in analysis.exact:
            cluster_id, _ = self.cluster("exact", members, None,
                                         {"similarity": 1.0, "reason": IDENTICAL})
            for p in members:
                items.append((corpus.ids[p], FindingDraft(
                    kind="duplicate", code="exact_duplicate", severity="warning",
                    description=exact_words(len(members) - 1),
                    detail={"related": _related(corpus, members, p, limit),
                            "cluster": cluster_id, "similarity": 1.0,
                            "size": len(members), "reason": IDENTICAL})))
        for members, leader in zip(analysis.near, analysis.near_leaders, strict=True):
            sims = record_similarity(self.vin, self.vout, self.has_out, members)
            in_sims = self.vin[members] @ self.vin[members].T
            reason, differs = self.near_reason(members, leader)
            figures: dict[str, Any] = {"input_min_similarity": round(float(in_sims.min()), 4),
                                       "reason": reason}
            if differs is not None:
                figures["differs"] = [differs[0], differs[1]]
            cluster_id, member_sims = self.cluster("near", members, sims, figures, leader)
            for p, s in zip(members, member_sims, strict=True):
                items.append((corpus.ids[p], FindingDraft(
                    kind="near_duplicate", code="near_duplicate", severity="info",
                    description=near_words(len(members) - 1, s),
                    detail={"related": _related(corpus, members, p, limit),
                            "cluster": cluster_id, "similarity": s,
                            "size": len(members), "reason": reason})))
        return items

    def near_reason(self, members: list[int], leader: int
                    ) -> tuple[str, tuple[list[str], list[str]] | None]:
        """Why a near-duplicate group is one: reworded, the same input, or a detail (the
        representative's details / the others'), and those details when a detail."""
        corpus = self.corpus
        found = group_differences([corpus.details[leader]]
                                  + [corpus.details[p] for p in members if p != leader])
        if found is not None:
            return differs_words(*found), found
        same = len({corpus.input_of[p] for p in members}) == 1
        return (SAME_INPUT if same else REWORDED), None

    def contradictions(self, analysis: Analysis) -> Items:
        """The contradiction clusters, written; a finding per member that conflicts."""
        items: Items = []
        for members, leader, conflicts, figures, why in zip(
                analysis.contradictions, analysis.contradiction_leaders, analysis.conflicts,
                analysis.conflict_detail, analysis.conflict_reasons, strict=True):
            in_sims = self.vin[members] @ self.vin[members].T
            figures = {**figures, "why": self.group_why(members, leader, figures)}
            cluster_id, _ = self.cluster("contradiction", members, in_sims, figures, leader)
            for p in members:
                others = sorted(conflicts.get(p, set()))
                if others:
                    items.append((self.corpus.ids[p],
                                  self._contradiction(p, others, why.get(p, set()),
                                                      cluster_id)))
        return items

    def group_why(self, members: list[int], leader: int, figures: Mapping[str, Any]) -> str:
        """Why a contradiction group's answers conflict, in words: its distinct short
        answers (the representative's first), or how far apart its answers are."""
        codes = figures.get("reasons") or []
        reason = next((r for r in ("answer", "output") if r in codes), "label")
        answers: list[str] = []
        for p in [leader] + [q for q in members if q != leader]:
            output = self.corpus.sides[p].output
            answer = short_answer(output, self.max_words) if output is not None else None
            if answer and answer not in answers:
                answers.append(answer)
        return conflict_words(reason, answers, figures.get("output_similarity"))

    def _contradiction(self, p: int, others: list[int], found: set[str],
                       cluster_id: int) -> FindingDraft:
        vin, vout, has_out = self.vin, self.vout, self.has_out
        in_sim = float(np.max(vin[others] @ vin[p]))
        out_sim = (float(np.min(vout[others] @ vout[p]))
                   if has_out[p] and has_out[others].all() else None)
        reason = next((r for r in ("answer", "output") if r in found), "label")
        outputs = self.corpus.sides[p].output, self.corpus.sides[others[0]].output
        answers = tuple(short_answer(o, self.max_words) or "" for o in outputs)
        why = conflict_words(reason, (answers[0], answers[1]) if all(answers) else None,
                             out_sim)
        return FindingDraft(
            kind="contradiction",
            code="conflicting_label" if reason == "label" else "conflicting_output",
            severity=contradiction_severity(in_sim, out_sim, reason),
            description=contradiction_words(len(others), in_sim, reason),
            detail={"related": _keys(self.corpus, others, self.limit),
                    "cluster": cluster_id, "similarity": round(in_sim, 4),
                    "output_similarity": None if out_sim is None else round(out_sim, 4),
                    "reason": reason, "why": why})
