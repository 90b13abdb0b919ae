"""Which records an export takes, why the others stay out, and final labels.

Everything here reads small columns and the findings index, never a conversation, so a
plan over 100,000 records takes a fraction of a second (bench/bench_export.py).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from curator.core.disjoint import DisjointSets
from curator.core.errors import CuratorError
from curator.core.export.options import REASONS, ExportOptions
from curator.core.store import Store
from curator.core.store.findings import PII_IN_FORCE

#: Cluster kinds whose members are exact copies (the duplicates check names them so).
EXACT_KINDS = ("exact", "exact_duplicate", "duplicate")


@dataclass(slots=True)
class Selection:
    """The records an export keeps, in record order, and the count of each exclusion."""

    kept: list[int] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)
    input_hash: dict[int, str | None] = field(default_factory=dict)
    #: the stored hash of each kept record's whole conversation.
    conv_hash: dict[int, str | None] = field(default_factory=dict)
    #: the input hash as exported (after redaction), for records whose exported input
    #: may differ from the stored one; the split groups by both.
    exported_input: dict[int, str] = field(default_factory=dict)
    #: a record left out as a copy of another once exported -> the one written.
    same_as: dict[int, int] = field(default_factory=dict)
    excluded: Counter[str] = field(default_factory=Counter)
    total: int = 0
    strata: dict[int, str] = field(default_factory=dict)

    def drop(self, record_ids: set[int], reason: str) -> None:
        """Leave out records found wanting after selection (e.g. when written)."""
        if not record_ids:
            return
        self.kept = [rid for rid in self.kept if rid not in record_ids]
        self.excluded[reason] += len(record_ids)

    def excluded_dict(self) -> dict[str, int]:
        return {reason: self.excluded.get(reason, 0) for reason in REASONS}


# -- labels ----------------------------------------------------------------------------------

def label_text(value: Any) -> str:
    """A final label value as text: a string as it is, a multi-choice selection as the
    sorted JSON list (a set: ``["b","a"]`` and ``["a","b"]`` are one label)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        value = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def label_fields(store: Store) -> list[str]:
    """Names of the project's label fields that are in use (not archived)."""
    return [row[0] for row in store.db.execute(
        "SELECT name FROM label_fields WHERE NOT archived ORDER BY position, id")]


def final_labels(store: Store, field_name: str) -> dict[int, str]:
    """Each record's final label of a field, as text (see :func:`label_text`).

    The labelling module decides what is final (adjudicated, else agreed, multi-choice
    compared as sets), so export selects, stratifies and writes what labelling shows.
    """
    from curator.core.labeling.labels import final_labels as decided

    return {rid: label_text(value) for rid, value in decided(store, field_name).items()}


def labels_of(store: Store, record_ids: set[int]) -> dict[int, dict[str, str]]:
    """Final labels of every field for ``record_ids`` (for ``labels: metadata``)."""
    out: dict[int, dict[str, str]] = {}
    for name in label_fields(store):
        for rid, value in final_labels(store, name).items():
            if rid in record_ids:
                out.setdefault(rid, {})[name] = value
    return out


# -- selection -------------------------------------------------------------------------------

def _ids(store: Store, sql: str, args: tuple[Any, ...] = ()) -> set[int]:
    return {row[0] for row in store.db.execute(sql, args) if row[0] is not None}


def _open_findings(store: Store, kind: str, errors_only: bool = False) -> set[int]:
    sql = "SELECT DISTINCT record_id FROM findings WHERE kind = ? AND status = 'open'"
    if errors_only:
        sql += " AND severity = 'error'"
    return _ids(store, sql, (kind,))


def _exact_clusters(store: Store) -> dict[int, list[int]]:
    marks = ",".join("?" * len(EXACT_KINDS))
    out: dict[int, list[int]] = {}
    for cluster, rid in store.db.execute(
            "SELECT m.cluster_id, m.record_id FROM cluster_members m "
            f"JOIN clusters c ON c.id = m.cluster_id WHERE c.kind IN ({marks})",
            EXACT_KINDS):
        out.setdefault(rid, []).append(cluster)
    return out


def select(store: Store, options: ExportOptions) -> Selection:
    """Apply the filters, in the order of :data:`REASONS`; then drop exact duplicates.

    Exact duplicates are judged among the records the other filters kept: the first
    (in record order) of each group of copies stays, so a rejected first copy does not
    take its accepted twin with it. Copies are records with the same ``conv_hash`` or
    in one exact-duplicate cluster.
    """
    sel = Selection()
    schema_errors = _open_findings(store, "schema", errors_only=True)
    pii = (_ids(store, f"SELECT DISTINCT record_id FROM findings WHERE {PII_IN_FORCE}")
           if options.pii == "exclude" else set())
    contradictions = set() if options.include_contradictions else _open_findings(
        store, "contradiction")
    required = (set(final_labels(store, options.require_label))
                if options.require_label else None)
    wanted_labels = {name: (final_labels(store, name), set(values))
                     for name, values in options.label_values.items()}
    chosen_sources: set[int] | None = None
    if options.sources is not None:
        by_name = {s["name"]: s["id"] for s in store.sources()}
        unknown = [name for name in options.sources if name not in by_name]
        if unknown:
            raise CuratorError(f"No source file named {', '.join(map(repr, unknown))} in "
                               "this project.")
        chosen_sources = {by_name[name] for name in options.sources}
    strata = final_labels(store, options.stratify) if options.stratify else {}
    exact = _exact_clusters(store)
    seen_hashes: set[str] = set()
    seen_clusters: set[int] = set()
    count = 0
    for rid, key, valid, review, source_id, conv_hash, input_hash in store.db.execute(
            "SELECT id, key, valid, review, source_id, conv_hash, input_hash FROM records "
            "ORDER BY id"):
        count += 1
        reason = None
        if not valid:
            reason = "invalid"
        elif rid in schema_errors:
            reason = "schema_error"
        elif review == "rejected":
            reason = "rejected"
        elif review == "needs-edit" and not options.include_needs_edit:
            reason = "needs_edit"
        elif review == "unreviewed" and not options.include_unreviewed:
            reason = "unreviewed"
        elif chosen_sources is not None and source_id not in chosen_sources:
            reason = "source"
        elif rid in pii:
            reason = "pii"
        elif rid in contradictions:
            reason = "contradiction"
        elif required is not None and rid not in required:
            reason = "no_label"
        elif wanted_labels and any(finals.get(rid) not in values
                                   for finals, values in wanted_labels.values()):
            reason = "label_filter"
        else:
            clusters = exact.get(rid) if exact else None
            if conv_hash in seen_hashes or (clusters and any(c in seen_clusters
                                                             for c in clusters)):
                reason = "exact_duplicate"
            seen_hashes.add(conv_hash)
            if clusters:
                seen_clusters.update(clusters)
        if reason is not None:
            sel.excluded[reason] += 1
            continue
        sel.kept.append(rid)
        sel.keys[rid] = key
        sel.input_hash[rid] = input_hash
        sel.conv_hash[rid] = conv_hash
        if options.stratify:
            sel.strata[rid] = strata.get(rid, "")
    sel.total = count
    return sel


def groups_of(store: Store, sel: Selection) -> list[list[int]]:
    """Records that must share a split: one duplicate cluster (any kind), one input.

    Union-find over cluster membership and input hashes, the stored ``input_hash`` and
    the input as exported (:attr:`Selection.exported_input`: after redaction two inputs
    can become one). A record left out as a copy of another once exported
    (:attr:`Selection.same_as`) lends its input and clusters to the one written. Each
    group is returned in record order, and the groups in the order of their first record.
    """
    # Only records that share something enter the sets: most are alone.
    sets: DisjointSets[int] = DisjointSets()
    union = sets.union

    kept = set(sel.kept)
    same_as = sel.same_as
    first_by_input: dict[str, int] = {}

    def join(ih: str | None, rid: int) -> None:
        if ih is not None:
            other = first_by_input.setdefault(ih, rid)
            if other != rid:
                union(other, rid)

    for rid in sel.kept:
        join(sel.input_hash.get(rid), rid)
    for rid, ih in sel.exported_input.items():
        if rid in kept:
            join(ih, rid)
    for copy, rid in same_as.items():
        join(sel.input_hash.get(copy), rid)
        join(sel.exported_input.get(copy), rid)
    first_by_cluster: dict[int, int] = {}
    for cluster, rid in store.db.execute("SELECT cluster_id, record_id FROM cluster_members"):
        rid = same_as.get(rid, rid)
        if rid not in kept:
            continue
        other = first_by_cluster.setdefault(cluster, rid)
        if other != rid:
            union(other, rid)
    return sets.groups(sel.kept, singletons=True)
