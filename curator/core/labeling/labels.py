"""Labels, blind viewing, final labels and adjudication.

Each annotator holds one current value per record and field (``labels``); every change
is an event in the audit trail with the value before and after, so the history is
there without a history table. A record's *final* label for a field is the adjudicated
value when there is one, else the value every annotator who labelled it agrees on
(a single label counts as agreed), else none: it waits in the disagreement queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from curator.core.errors import CuratorError
from curator.core.jsontext import compact
from curator.core.labeling.assignment import find_annotator, get_annotator, get_batch
from curator.core.labeling.pairwise import is_pair, outcome
from curator.core.labeling.schema import (
    LabelField,
    fields,
    get_field,
    load_value,
    normalise_value,
)
from curator.core.store.store import Store, now


@dataclass(frozen=True, slots=True)
class Label:
    """One annotator's current value for one field of one record."""

    record_id: int
    field: str
    annotator: str
    value: Any
    updated_at: str
    origin: str | None


@dataclass(slots=True)
class Disagreement:
    """A record whose annotators gave a field different values."""

    record_id: int
    key: str
    labels: dict[str, Any]            # annotator -> value
    decided: Any = None               # the adjudicated value, if any
    note: str | None = None
    counts: dict[str, int] = field(default_factory=dict)   # value as JSON -> annotators
    #: Sent to adjudication although its labels may agree (:func:`request_adjudication`):
    #: ``{by, at, reason, suggested}``.
    requested: dict[str, Any] | None = None


def _field(store: Store, fld: str | LabelField) -> LabelField:
    return get_field(store, fld)


def _same(value: Any) -> str:
    """A value's identity for agreement: multi selections compare as sets, pairwise
    judgements by their outcome (whatever order the answers were shown in)."""
    value = outcome(value)
    if isinstance(value, list):
        return compact(sorted(value, key=compact))
    return compact(value)


# -- writing -------------------------------------------------------------------------


def same_value(value: Any) -> str:
    """A value's identity as the adjudication queue counts votes (``Disagreement.counts``)."""
    return _same(value)


def _check_record(store: Store, record_id: int) -> None:
    row = store.db.execute("SELECT valid FROM records WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        raise CuratorError("That record no longer exists.")
    if not row[0]:
        raise CuratorError("This line could not be read as an example, so it cannot be "
                           "labelled; fix the source file and import it again.")


def _check_pair(store: Store, record_id: int, target: LabelField) -> None:
    if target.kind == "pairwise" and not is_pair(store, record_id):
        raise CuratorError(f'"{target.name}" compares the two answers of a preference '
                           "record, and this record has no pair of answers.")


def set_label(store: Store, record_id: int, fld: str | LabelField, annotator: str,
              value: Any, origin: str = "gui", actor: str | None = None) -> bool:
    """Save an annotator's value for a field of a record, in its own transaction.

    ``None`` (or empty text or selection) clears the label. Returns whether anything
    changed; a change is logged with the value before and after.
    """
    with store.atomic():
        target = _field(store, fld)
        if target.archived:
            raise CuratorError(f'The field "{target.name}" is archived; restore it to label '
                               "with it.")
        after = normalise_value(target, value)
        person = get_annotator(store, annotator)
        _check_record(store, record_id)
        _check_pair(store, record_id, target)
        changed = store_label(store, record_id, target, person.id, annotator, after, origin,
                              actor or annotator)
    return changed


def store_label(store: Store, record_id: int, target: LabelField, annotator_id: int,
                annotator: str, after: Any, origin: str | None, actor: str) -> bool:
    """Write an already validated value (None deletes) and log it; whether it changed.

    For bulk writers (imports, packs) that check records, fields and annotators once.
    """
    row = store.db.execute(
        "SELECT value FROM labels WHERE record_id = ? AND field_id = ? AND "
        "annotator_id = ?", (record_id, target.id, annotator_id)).fetchone()
    before = load_value(row[0]) if row else None
    if (before is None and after is None) or (
            before is not None and after is not None and _same(before) == _same(after)):
        return False
    if after is None:
        store.db.execute(
            "DELETE FROM labels WHERE record_id = ? AND field_id = ? AND annotator_id = ?",
            (record_id, target.id, annotator_id))
    else:
        store.db.execute(
            "INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at, "
            "origin) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(record_id, field_id, "
            "annotator_id) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at, origin = excluded.origin",
            (record_id, target.id, annotator_id, compact(after), now(), origin))
    store.log_event(actor, "label", record_id, {
        "field": target.name, "annotator": annotator, "before": before, "after": after,
        "origin": origin})
    return True


def clear_label(store: Store, record_id: int, fld: str | LabelField, annotator: str,
                origin: str = "gui", actor: str | None = None) -> bool:
    """Remove an annotator's label (logged like any change)."""
    with store.atomic():
        target = _field(store, fld)
        person = get_annotator(store, annotator)
        row = store.db.execute(
            "SELECT value FROM labels WHERE record_id = ? AND field_id = ? AND "
            "annotator_id = ?", (record_id, target.id, person.id)).fetchone()
        if row is None:
            return False
        store.db.execute(
            "DELETE FROM labels WHERE record_id = ? AND field_id = ? AND annotator_id = ?",
            (record_id, target.id, person.id))
        store.log_event(actor or annotator, "label", record_id, {
            "field": target.name, "annotator": annotator, "before": load_value(row[0]),
            "after": None, "origin": origin})
    return True


# -- reading -------------------------------------------------------------------------

_LABELS = ("SELECT l.record_id, f.name, a.name, l.value, l.updated_at, l.origin "
           "FROM labels l JOIN label_fields f ON f.id = l.field_id "
           "JOIN annotators a ON a.id = l.annotator_id")


def labels_for(store: Store, record_id: int, annotator: str | None = None) -> list[Label]:
    """A record's labels: one annotator's, or everyone's (schema order, then name)."""
    sql, args = _LABELS + " WHERE l.record_id = ?", list[Any]([record_id])
    if annotator is not None:
        sql += " AND a.name = ?"
        args.append(annotator)
    rows = store.db.execute(sql + " ORDER BY f.position, f.id, a.name", args)
    return [Label(r[0], r[1], r[2], load_value(r[3]), r[4], r[5]) for r in rows]


def is_blind(store: Store, record_id: int) -> bool:
    """Whether the record belongs to a blind batch (annotators see only their own)."""
    return store.db.execute(
        "SELECT 1 FROM assignments a JOIN batches b ON b.id = a.batch_id "
        "WHERE a.record_id = ? AND b.blind LIMIT 1", (record_id,)).fetchone() is not None


def visible_labels(store: Store, record_id: int, viewer: str) -> list[Label]:
    """The labels ``viewer`` may see: all for an adjudicator or outside blind batches,
    else only their own."""
    person = find_annotator(store, viewer)
    if (person is not None and person.role == "adjudicator") or not is_blind(store, record_id):
        return labels_for(store, record_id)
    return labels_for(store, record_id, viewer)


def field_labels(store: Store, fld: str | LabelField) -> dict[int, dict[str, Any]]:
    """Record id -> {annotator: value} for one field."""
    target = _field(store, fld)
    out: dict[int, dict[str, Any]] = {}
    for record_id, person, text in store.db.execute(
            "SELECT l.record_id, a.name, l.value FROM labels l JOIN annotators a "
            "ON a.id = l.annotator_id WHERE l.field_id = ? ORDER BY l.record_id, a.name",
            (target.id,)):
        out.setdefault(record_id, {})[person] = load_value(text)
    return out


def _adjudications(store: Store, field_id: int) -> dict[int, tuple[Any, str | None]]:
    return {r[0]: (load_value(r[1]), r[2]) for r in store.db.execute(
        "SELECT record_id, value, note FROM adjudications WHERE field_id = ?", (field_id,))}


def agreed_value(values: Iterable[Any]) -> Any:
    """The value every label has, or None when they differ (or there are none).

    For a pairwise field, the outcome they agree on (A, B or tie)."""
    distinct = {_same(v): v for v in values}
    return outcome(next(iter(distinct.values()))) if len(distinct) == 1 else None


def final_labels(store: Store, fld: str | LabelField) -> dict[int, Any]:
    """Record id -> final value: adjudicated, else agreed; records with neither are left
    out."""
    target = _field(store, fld)
    out = {}
    for record_id, by_person in field_labels(store, target).items():
        value = agreed_value(by_person.values())
        if value is not None:
            out[record_id] = value
    for record_id, (value, _) in _adjudications(store, target.id).items():
        out[record_id] = outcome(value)
    return dict(sorted(out.items()))


def final_label(store: Store, record_id: int, fld: str | LabelField) -> Any:
    target = _field(store, fld)
    row = store.db.execute("SELECT value FROM adjudications WHERE record_id = ? AND "
                           "field_id = ?", (record_id, target.id)).fetchone()
    if row:
        return outcome(load_value(row[0]))
    values = [lab.value for lab in labels_for(store, record_id) if lab.field == target.name]
    return agreed_value(values)


def disagreements(store: Store, fld: str | LabelField, include_decided: bool = False
                  ) -> list[Disagreement]:
    """Records whose labels for the field differ, or that were sent to adjudication
    (:func:`request_adjudication`): undecided ones (the adjudication queue), or all of
    them with ``include_decided``. A record sent after its last decision counts as
    undecided. In file order."""
    target = _field(store, fld)
    decided = _adjudications(store, target.id)
    requests = adjudication_requests(store, target)
    when = dict(store.db.execute("SELECT record_id, decided_at FROM adjudications "
                                 "WHERE field_id = ?", (target.id,)).fetchall())
    keys = dict(store.db.execute(
        "SELECT r.id, r.key FROM records r WHERE r.id IN (SELECT record_id FROM labels "
        "WHERE field_id = ? UNION SELECT record_id FROM adjudication_requests "
        "WHERE field_id = ?)", (target.id, target.id)).fetchall())
    by_record = field_labels(store, target)
    out = []
    for record_id in sorted(set(by_record) | set(requests)):
        by_person = by_record.get(record_id, {})
        counts: dict[str, int] = {}
        for value in by_person.values():
            counts[_same(value)] = counts.get(_same(value), 0) + 1
        request = requests.get(record_id)
        if len(counts) < 2 and request is None:
            continue
        open_request = request is not None and (record_id not in decided or
                                                request["at"] > str(when[record_id]))
        if record_id in decided and not include_decided and not open_request:
            continue
        value, note = decided.get(record_id, (None, None))
        if open_request:
            value, note = None, None    # asked again since: a decision is wanted anew
        out.append(Disagreement(record_id, keys[record_id], by_person, value, note, counts,
                                request))
    return out


def adjudication_requests(store: Store, fld: str | LabelField) -> dict[int, dict[str, Any]]:
    """Records sent to adjudication for a field: ``{record: {by, at, reason, suggested}}``."""
    target = _field(store, fld)
    out: dict[int, dict[str, Any]] = {}
    for record_id, by, at, reason in store.db.execute(
            "SELECT record_id, requested_by, requested_at, reason FROM adjudication_requests "
            "WHERE field_id = ? ORDER BY record_id", (target.id,)):
        info = json.loads(reason) if reason else {}
        out[record_id] = {"by": by, "at": at, "reason": info.get("reason", ""),
                          "suggested": info.get("suggested")}
    return out


def request_adjudication(store: Store, record_id: int, fld: str | LabelField, actor: str,
                         reason: str = "", suggested: Any = None) -> dict[str, Any] | None:
    """Send a record to the adjudication queue of a field although its labels agree.

    ``suggested`` is a value to offer the adjudicator beside the annotators' (e.g. the
    label-error model's). Returns the request it replaced (None when new), for
    :func:`withdraw_adjudication_request`. Logged.
    """
    with store.atomic():
        target = _field(store, fld)
        _check_record(store, record_id)
        before = adjudication_requests(store, target).get(record_id)
        info = compact({"reason": reason, "suggested": suggested})
        store.db.execute(
            "INSERT INTO adjudication_requests(record_id, field_id, requested_by, "
            "requested_at, reason) VALUES (?, ?, ?, ?, ?) ON CONFLICT(record_id, field_id) "
            "DO UPDATE SET requested_by = excluded.requested_by, "
            "requested_at = excluded.requested_at, reason = excluded.reason",
            (record_id, target.id, actor, now(), info))
        store.log_event(actor, "adjudication_request", record_id, {
            "field": target.name, "reason": reason, "suggested": suggested})
    return before


def withdraw_adjudication_request(store: Store, record_id: int, fld: str | LabelField,
                                  actor: str, before: dict[str, Any] | None = None) -> None:
    """Take a record off the adjudication queue it was sent to (or put back ``before``,
    the request :func:`request_adjudication` replaced). Logged."""
    with store.atomic():
        target = _field(store, fld)
        store.db.execute("DELETE FROM adjudication_requests WHERE record_id = ? AND "
                         "field_id = ?", (record_id, target.id))
        if before is not None:
            store.db.execute(
                "INSERT INTO adjudication_requests(record_id, field_id, requested_by, "
                "requested_at, reason) VALUES (?, ?, ?, ?, ?)",
                (record_id, target.id, before["by"], before["at"],
                 compact({"reason": before["reason"], "suggested": before["suggested"]})))
        store.log_event(actor, "adjudication_request", record_id, {
            "field": target.name, "withdrawn": True})


def adjudicate(store: Store, record_id: int, fld: str | LabelField, value: Any,
               adjudicator: str, note: str = "") -> bool:
    """Decide a record's final value for a field (adjudicators only); logged."""
    with store.atomic():
        target = _field(store, fld)
        person = find_annotator(store, adjudicator)
        if person is None or person.role != "adjudicator":
            raise CuratorError(f'Only an adjudicator can decide final labels, and "{adjudicator}"'
                               " is not one. Give them the adjudicator role first.")
        after = normalise_value(target, value)
        if after is None:
            raise CuratorError("Choose a value to decide on (or clear the decision).")
        _check_record(store, record_id)
        row = store.db.execute("SELECT value, note FROM adjudications WHERE record_id = ? "
                               "AND field_id = ?", (record_id, target.id)).fetchone()
        before = load_value(row[0]) if row else None
        if row and _same(before) == _same(after) and (row[1] or "") == note:
            return False
        store.db.execute(
            "INSERT INTO adjudications(record_id, field_id, value, adjudicator, decided_at, "
            "note) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(record_id, field_id) DO UPDATE SET "
            "value = excluded.value, adjudicator = excluded.adjudicator, "
            "decided_at = excluded.decided_at, note = excluded.note",
            (record_id, target.id, compact(after), adjudicator, now(), note))
        store.log_event(adjudicator, "adjudicate", record_id, {
            "field": target.name, "before": before, "after": after, "note": note})
    return True


def clear_adjudication(store: Store, record_id: int, fld: str | LabelField,
                       adjudicator: str) -> bool:
    """Withdraw a decision: the record goes back to the queue if its labels differ."""
    with store.atomic():
        target = _field(store, fld)
        person = find_annotator(store, adjudicator)
        if person is None or person.role != "adjudicator":
            raise CuratorError(f'Only an adjudicator can change final labels, and '
                               f'"{adjudicator}" is not one.')
        row = store.db.execute("SELECT value FROM adjudications WHERE record_id = ? AND "
                               "field_id = ?", (record_id, target.id)).fetchone()
        if row is None:
            return False
        store.db.execute("DELETE FROM adjudications WHERE record_id = ? AND field_id = ?",
                         (record_id, target.id))
        store.log_event(adjudicator, "adjudicate", record_id, {
            "field": target.name, "before": load_value(row[0]), "after": None, "note": ""})
    return True


def adjudication(store: Store, record_id: int, fld: str | LabelField
                 ) -> dict[str, Any] | None:
    """The decision on a record's field: value, adjudicator, decided_at, note."""
    target = _field(store, fld)
    row = store.db.execute(
        "SELECT value, adjudicator, decided_at, note FROM adjudications WHERE record_id = ? "
        "AND field_id = ?", (record_id, target.id)).fetchone()
    if row is None:
        return None
    return {"value": load_value(row[0]), "adjudicator": row[1], "decided_at": row[2],
            "note": row[3]}


# -- for agreement statistics and the records table ----------------------------------


def ratings(store: Store, fld: str | LabelField, batch: str | None = None
            ) -> list[tuple[int, str, Any]]:
    """(record id, annotator name, value) for every label of a field, for agreement.

    With ``batch``, only that batch's records as labelled by the annotators it assigned
    them to. Multi selections come as tuples (hashable). Ordered by record, annotator.
    """
    target = _field(store, fld)
    sql = ("SELECT l.record_id, a.name, l.value FROM labels l JOIN annotators a "
           "ON a.id = l.annotator_id")
    args: list[Any] = []
    if batch is not None:
        sql += (" JOIN assignments s ON s.record_id = l.record_id "
                "AND s.annotator_id = l.annotator_id AND s.batch_id = ?")
        args.append(get_batch(store, batch).id)
    sql += " WHERE l.field_id = ? ORDER BY l.record_id, a.name"
    args.append(target.id)
    out = []
    for record_id, person, text in store.db.execute(sql, args):
        value = outcome(load_value(text))
        out.append((record_id, person, tuple(value) if isinstance(value, list) else value))
    return out


def label_summaries(store: Store, record_ids: Sequence[int]) -> dict[int, str]:
    """Short text per record for a table column: each active non-text field's final
    value, ``?`` where annotators disagree, e.g. ``tone: polite · quality: ?``."""
    active = [f for f in fields(store) if f.kind != "text"]
    if not active or not record_ids:
        return {}
    by_id = {f.id: f for f in active}
    marks = ",".join("?" * len(record_ids))
    found: dict[int, dict[int, list[Any]]] = {}
    for record_id, field_id, text in store.db.execute(
            f"SELECT record_id, field_id, value FROM labels WHERE record_id IN ({marks})",
            list(record_ids)):
        if field_id in by_id:
            found.setdefault(record_id, {}).setdefault(field_id, []).append(load_value(text))
    decided: dict[tuple[int, int], Any] = {
        (r[0], r[1]): outcome(load_value(r[2])) for r in store.db.execute(
            f"SELECT record_id, field_id, value FROM adjudications WHERE record_id IN ({marks})",
            list(record_ids))}
    out = {}
    for record_id in record_ids:
        parts = []
        for fld in active:
            values = found.get(record_id, {}).get(fld.id, [])
            value = decided.get((record_id, fld.id), agreed_value(values))
            if value is not None:
                parts.append(f"{fld.name}: {_short(value)}")
            elif values:
                parts.append(f"{fld.name}: ?")
        if parts:
            out[record_id] = " · ".join(parts)
    return out


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def table_labels(store: Store, ids: list[int], viewer: str | None) -> dict[int, str]:
    """The records table's labels: final labels, or only the viewer's own labels while
    blind batches exist and the viewer is not an adjudicator (no peeking). A pairwise
    field is blind by nature (its agreed A or B names the file's chosen answer), so with
    one an annotator who is not an adjudicator always sees their own labels only."""
    if not ids or store.db.execute("SELECT 1 FROM label_fields LIMIT 1").fetchone() is None:
        return {}
    blind = store.db.execute("SELECT 1 FROM batches WHERE blind LIMIT 1").fetchone()
    role = store.db.execute("SELECT role FROM annotators WHERE name = ?",
                            (viewer,)).fetchone() if viewer else None
    if blind is None and role is not None and role[0] != "adjudicator":
        blind = store.db.execute("SELECT 1 FROM label_fields WHERE kind = 'pairwise' "
                                 "AND NOT archived LIMIT 1").fetchone()
    if blind is None or (role is not None and role[0] == "adjudicator"):
        return label_summaries(store, ids)
    marks = ",".join("?" * len(ids))
    out: dict[int, list[str]] = {}
    for rid, name, value in store.db.execute(
            f"SELECT l.record_id, f.name, l.value FROM labels l "
            f"JOIN label_fields f ON f.id = l.field_id JOIN annotators a ON a.id = "
            f"l.annotator_id WHERE a.name = ? AND f.kind != 'text' AND NOT f.archived "
            f"AND l.record_id IN ({marks}) ORDER BY f.position", [viewer or "", *ids]):
        shown = json.loads(value)
        if isinstance(shown, dict) and shown.get("shown"):
            # their own pairwise pick as they saw it: A or B would unblind the pair
            shown = ("tie" if shown["better"] == "tie"
                     else f"Answer {shown['shown'].index(shown['better']) + 1}")
        shown = outcome(shown)
        if isinstance(shown, list):
            shown = "+".join(map(str, shown))
        out.setdefault(rid, []).append(f"{name}: {shown}")
    return {rid: " · ".join(parts) for rid, parts in out.items()}
