"""Suggestions while labelling (issue 18): the label-error model's value for a record.

Pure core (no Qt). For the labelling panel: :func:`record_suggestions` gives, for each
single-choice field the annotator has not labelled on a record, the value the model
(fitted on every final label of the field, :func:`label_errors.suggest`) would give and
its probability, or why there is none yet (too few labels). :func:`informative_order`
orders the annotator's unfinished records by uncertainty (most informative first,
:func:`label_errors.uncertainty_order`). Nothing here labels anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from curator.core.checks.embed import Embedder
from curator.core.checks.label_errors import MIN_PER_CLASS, Suggestion, suggest, uncertainty_order
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.store.store import Store

#: At most this many unfinished records are ordered at once (the next ones to label).
ORDER_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class FieldSuggestion:
    """The model's value for one field of a record, or why there is none."""

    field: str
    suggestion: Suggestion | None
    reason: str = ""


def _single_fields(store: Store) -> list[str]:
    from curator.core.labeling.schema import fields

    return [f.name for f in fields(store) if f.kind == "single"]


def record_suggestions(store: Store, record_id: int, annotator: str,
                       embedder: Embedder | None = None) -> Job[list[FieldSuggestion]]:
    """Suggestions for each single-choice field ``annotator`` has not labelled on the
    record (a Job: new input vectors are embedded and cached)."""
    from curator.core.labeling.labels import labels_for

    done = {lab.field for lab in labels_for(store, record_id, annotator)}
    out: list[FieldSuggestion] = []
    for fld in _single_fields(store):
        if fld in done:
            continue
        yield Progress(0, None, f"Suggesting {fld}")
        try:
            found = suggest(store, fld, [record_id], embedder)
        except CuratorError:
            out.append(FieldSuggestion(fld, None, f"Suggestions for {fld} start once it has "
                                                  f"{MIN_PER_CLASS} labels in each of 2 "
                                                  "values."))
            continue
        value = found.get(record_id)
        out.append(FieldSuggestion(fld, value, "" if value else
                                   "This record has no input to compare."))
    return out


def informative_order(store: Store, annotator: str, embedder: Embedder | None = None,
                      fld: str | None = None, limit: int = ORDER_LIMIT
                      ) -> Job[tuple[str | None, list[int]]]:
    """The annotator's unfinished records, most informative first, for the first single-
    choice field (or ``fld``) the model can suggest; ``(field, ids)``, or ``(None, file
    order)`` when no field has enough labels yet."""
    from curator.core.labeling.assignment import unfinished

    ids = unfinished(store, annotator, limit)
    for name in ([fld] if fld else _single_fields(store)):
        yield Progress(0, None, f"Ordering by what the model is least sure of ({name})")
        try:
            found = suggest(store, name, ids, embedder)
        except CuratorError:
            continue
        ordered = uncertainty_order(found)
        return name, ordered + [r for r in ids if r not in found]
    return None, ids


def pick_next(order: Sequence[int], done: set[int], current: int | None) -> int | None:
    """The first record of ``order`` not labelled since and not the current one."""
    return next((r for r in order if r not in done and r != current), None)
