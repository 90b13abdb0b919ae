"""The window's changes as core operations: one call each, returning what its undo needs.

Like Anki's operations, every change the window makes is a plain function
``(store, ...) -> result`` here or in the core module that owns the concept
(:func:`curator.core.store.review.set_review`, :func:`curator.core.labeling.schema.add_field`,
...). The window runs each one through its job runner, one writer per project, in the
order they were asked for, on the runner's own connection; the result is what the undo
(or the screen) needs. Nothing here knows about Qt, so the command line and scripts can
call the same functions.

This module holds the operations that were composed in the window before: a label with
its annotator, a decision, moving a field, keep-one and dismissing a duplicate group
with their undo, a copy of the open file, and the counts the export dialog shows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.labeling import assignment, labels, pairwise, schema
from curator.core.store import Store
from curator.core.store import findings as finding_store
from curator.core.store.findings import State
from curator.core.store.review import restore_reviews, swap_answers

if TYPE_CHECKING:
    from curator.core.export import ExportOptions

# -- labels ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelChange:
    """One annotator's value for one field of a record, before and after."""

    record_id: int
    field: str
    annotator: str
    before: Any
    after: Any
    changed: bool


def save_label(store: Store, record_id: int, field_name: str, annotator: str, value: Any,
               origin: str = "gui") -> LabelChange:
    """Save ``annotator``'s value (None clears it), adding them as an annotator if new."""
    with store.atomic():
        assignment.ensure_annotator(store, annotator, actor=annotator)
        before = _label_value(store, record_id, field_name, annotator)
        changed = labels.set_label(store, record_id, field_name, annotator, value,
                                   origin=origin)
        after = _label_value(store, record_id, field_name, annotator)
    return LabelChange(record_id, field_name, annotator, before, after, changed)


def _label_value(store: Store, record_id: int, field_name: str, annotator: str) -> Any:
    return next((x.value for x in labels.labels_for(store, record_id, annotator)
                 if x.field == field_name), None)


@dataclass(frozen=True, slots=True)
class Decision:
    """An adjudicator's final value for a record's field, and the decision it replaced."""

    record_id: int
    field: str
    before: dict[str, Any] | None
    changed: bool
    #: The revision that swapped a preference record's answers to follow a pairwise
    #: decision (None: no swap; see :func:`follow_decision`).
    swapped: int | None = None


def decide_label(store: Store, record_id: int, field_name: str, value: Any, adjudicator: str,
                 note: str = "") -> Decision:
    """Make ``value`` the final label of a record's field (adjudicators only).

    The record's open likely-label-error findings for the field are resolved: a person
    has decided (curator.core.checks.label_review).
    """
    from curator.core.checks.label_errors import KIND

    with store.atomic():
        before = labels.adjudication(store, record_id, field_name)
        changed = labels.adjudicate(store, record_id, field_name, value, adjudicator, note)
        suspects = finding_store.of_field(store, KIND, record_id, field_name, "open")
        if suspects:
            finding_store.set_status(store, suspects, "resolved", adjudicator)
        swapped = follow_decision(store, record_id, field_name, adjudicator)
    return Decision(record_id, field_name, before, changed, swapped)


def follow_decision(store: Store, record_id: int, field_name: str, actor: str
                    ) -> int | None:
    """A pairwise decision sets chosen and rejected: when the final value prefers the
    record's rejected answer, swap the record (a revision whose note names the
    decision); returns the revision, or None when nothing needed swapping."""
    fld = schema.get_field(store, field_name)
    if fld.kind != "pairwise":
        return None
    decided = labels.final_label(store, record_id, fld)
    if not pairwise.swap_needed(store, record_id, decided):
        return None
    note = (f'decision on "{fld.name}": answer {decided} is better, so it is now the '
            "chosen one (chosen and rejected swapped)")
    return swap_answers(store, [record_id], actor, note)[record_id]


def undo_decision(store: Store, decision: Decision, actor: str) -> None:
    """Put back the decision that ``decision`` replaced, and swap back a record it
    swapped (while the answer it made the chosen one still is)."""
    with store.atomic():
        if decision.swapped is not None:
            decided = labels.final_label(store, decision.record_id, decision.field)
            if pairwise.current_letters(store, decision.record_id)[0] == decided:
                swap_answers(store, [decision.record_id], actor,
                             f'undo the decision on "{decision.field}": chosen and '
                             "rejected swapped back")
        before = decision.before
        if before is None:
            labels.clear_adjudication(store, decision.record_id, decision.field, actor)
        else:
            labels.adjudicate(store, decision.record_id, decision.field, before["value"],
                              before["adjudicator"], before["note"] or "")


def move_field(store: Store, name: str, step: int, actor: str) -> list[str]:
    """Move a field ``step`` places up (negative) or down the schema; the new order."""
    with store.atomic():
        order = schema.fields(store, include_archived=True)
        index = next((i for i, f in enumerate(order) if f.name == name), None)
        if index is None:
            raise CuratorError(f'There is no label field "{name}".')
        other = index + step
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
            for position, fld in enumerate(order):
                if fld.position != position:
                    schema.edit_field(store, fld.name, position=position, actor=actor)
    return [f.name for f in order]


# -- duplicate groups --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What a decision on a duplicate group changed: enough to undo it."""

    cluster_id: int
    #: Previous review state of each record the decision rejected.
    reviews: dict[int, str] = field(default_factory=dict)
    #: Previous decision on each finding of the group it closed.
    findings: dict[int, State] = field(default_factory=dict)


def keep_one(store: Store, cluster_id: int, record_id: int, actor: str) -> GroupChange:
    """Keep one example of a duplicate group and reject the others (undo: :func:`undo_group`)."""
    from curator.core.checks import similarity

    with store.atomic():
        before = finding_store.states(store, similarity.cluster_findings(store, cluster_id))
        reviews = similarity.keep_one(store, cluster_id, record_id, actor)
    return GroupChange(cluster_id, reviews, before)


def dismiss_group(store: Store, cluster_id: int, actor: str) -> GroupChange:
    """Mark a group as intended variation (undo: :func:`undo_group`)."""
    from curator.core.checks import similarity

    with store.atomic():
        before = finding_store.states(store, similarity.cluster_findings(store, cluster_id))
        similarity.dismiss_cluster(store, cluster_id, actor)
    return GroupChange(cluster_id, {}, before)


def undo_group(store: Store, change: GroupChange, actor: str) -> None:
    """Put back the reviews and findings a group decision changed."""
    with store.atomic():
        restore_reviews(store, change.reviews, actor)
        finding_store.restore_status(store, change.findings, actor)


# -- files -------------------------------------------------------------------------


def copy_project(store: Store, target: Path) -> Path | None:
    """Write a consistent copy of the open project or pack to ``target`` (SQLite's backup).

    Returns the copy, or None when ``target`` is the open file itself (nothing to do).
    The copy uses a rollback journal, so it is one file, e.g. to send a pack back.
    """
    if target.resolve() == Path(store.path).resolve():
        return None
    try:
        copy = sqlite3.connect(target)
        try:
            store.db.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise CuratorError(f"Could not write {target}: {exc}.") from exc
    return target


# -- reads the window runs as jobs -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportPreview:
    """What the export dialog shows for one set of options."""

    plan: Any                        # curator.core.export.Plan
    readiness: list[dict[str, Any]]
    sample: list[dict[str, Any]]
    agreement: dict[str, Any] | None


def export_preview(store: Store, options: ExportOptions,
                   agreement: dict[str, Any] | None = None,
                   measure_agreement: bool = False) -> Job[ExportPreview]:
    """Counts, readiness and a preview for ``options`` (read-only; seconds at 100k records).

    ``measure_agreement``: measure the project's agreement here (once per dialog) instead
    of taking ``agreement``.
    """
    from curator.core import export

    yield Progress(0, None, "Counting the export")
    if measure_agreement:
        from curator.core.labeling.measure import agreement_by_field

        agreement = agreement_by_field(store)
    plan = export.plan_export(store, options)
    items = export.readiness(store, options, plan.counts, agreement)
    sample = export.preview(store, options, limit=3)
    return ExportPreview(plan, items, sample, agreement)
