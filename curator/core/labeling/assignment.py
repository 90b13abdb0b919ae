"""Annotators, their roles, and batches that assign records to them.

A batch assigns each of its records to ``overlap`` annotators, spreading the work evenly
and pairing annotators as evenly as it can (so every pair has items for Cohen's kappa).
The same inputs and seed give the same assignment. A pilot batch gives every record to
every annotator, to measure agreement before labelling at scale.

An annotator with no assignments at all may label any valid record: their "assigned"
records are then all valid records (ad hoc labelling without batches).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from curator.core.errors import CuratorError
from curator.core.labeling.schema import fields
from curator.core.store.browse import RecordFilter, query_ids
from curator.core.store.store import Store, now

ROLES = ("annotator", "adjudicator")


@dataclass(frozen=True, slots=True)
class Annotator:
    id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    name: str
    pilot: bool
    overlap: int
    blind: bool
    records: int


@dataclass(frozen=True, slots=True)
class LabelProgress:
    """How far one annotator has come: ``labelled`` of ``assigned`` records."""

    annotator: str
    assigned: int
    labelled: int

    def __str__(self) -> str:
        return f"{self.labelled} of {self.assigned} labelled"


# -- annotators ----------------------------------------------------------------------


def annotators(store: Store) -> list[Annotator]:
    return [Annotator(*row) for row in
            store.db.execute("SELECT id, name, role FROM annotators ORDER BY name")]


def find_annotator(store: Store, name: str) -> Annotator | None:
    row = store.db.execute("SELECT id, name, role FROM annotators WHERE name = ?",
                           (name,)).fetchone()
    return Annotator(*row) if row else None


def get_annotator(store: Store, name: str) -> Annotator:
    found = find_annotator(store, name)
    if found is None:
        raise CuratorError(f'There is no annotator called "{name}".')
    return found


def add_annotator(store: Store, name: str, role: str = "annotator",
                  actor: str = "system") -> Annotator:
    """Add an annotator (or, for an existing one, set the role) and return them."""
    name = (name or "").strip()
    if not name:
        raise CuratorError("An annotator needs a name.")
    if role not in ROLES:
        raise CuratorError(f'Unknown role "{role}": use annotator or adjudicator.')
    with store.atomic():
        found = find_annotator(store, name)
        if found is None:
            store.db.execute("INSERT INTO annotators(name, role, created_at) VALUES (?, ?, ?)",
                             (name, role, now()))
            store.log_event(actor, "annotator", None,
                            {"annotator": name, "before": None, "after": role})
        elif found.role != role:
            store.db.execute("UPDATE annotators SET role = ? WHERE id = ?", (role, found.id))
            store.log_event(actor, "annotator", None,
                            {"annotator": name, "before": found.role, "after": role})
        return get_annotator(store, name)


def ensure_annotator(store: Store, name: str, actor: str = "system") -> Annotator:
    """The annotator called ``name``, added with the annotator role when new."""
    return find_annotator(store, name) or add_annotator(store, name, actor=actor)


# -- batches -------------------------------------------------------------------------


def _balanced(record_ids: Sequence[int], people: Sequence[int], overlap: int,
              seed: int) -> list[tuple[int, int]]:
    """(record, annotator) pairs: loads differ by at most one, pairs spread evenly."""
    rng = random.Random(seed)
    load = dict.fromkeys(people, 0)
    together: Counter[tuple[int, int]] = Counter()
    out = []
    for record_id in record_ids:
        chosen: list[int] = []
        ties = {p: rng.random() for p in people}
        for _ in range(overlap):
            best = min((p for p in people if p not in chosen), key=lambda p: (
                load[p], sum(together[(min(p, c), max(p, c))] for c in chosen), ties[p]))
            chosen.append(best)
        for person in chosen:
            load[person] += 1
            out.append((record_id, person))
        for i, a in enumerate(chosen):
            for b in chosen[i + 1:]:
                together[(min(a, b), max(a, b))] += 1
    return out


def create_batch(store: Store, name: str, records: Sequence[int] | RecordFilter,
                 annotators: Sequence[str], overlap: int = 1, pilot: bool = False,
                 blind: bool = True, seed: int = 0, actor: str = "system") -> Batch:
    """Assign ``records`` (ids, or a filter of the records table) to ``annotators``.

    Each record goes to ``overlap`` of them (everyone in a ``pilot``). Invalid records
    cannot be labelled and are left out.
    """
    name = (name or "").strip()
    if not name:
        raise CuratorError("A batch needs a name.")
    people = list(dict.fromkeys(a.strip() for a in annotators))
    if not people:
        raise CuratorError("A batch needs at least one annotator.")
    if pilot:
        overlap = len(people)
    if not 1 <= overlap <= len(people):
        raise CuratorError(f"The overlap must be between 1 and the number of annotators "
                           f"({len(people)}); it was {overlap}.")
    wanted = list(query_ids(store, records) if isinstance(records, RecordFilter) else records)
    with store.atomic():
        if store.db.execute("SELECT 1 FROM batches WHERE name = ?", (name,)).fetchone():
            raise CuratorError(f'There is already a batch called "{name}".')
        missing = [p for p in people if find_annotator(store, p) is None]
        if missing:
            raise CuratorError(f"Add these annotators first: {', '.join(missing)}.")
        ids = sorted(_valid_ids(store, wanted))
        if not ids:
            raise CuratorError("The batch has no valid records to label.")
        person_ids = [get_annotator(store, p).id for p in people]
        cursor = store.db.execute(
            "INSERT INTO batches(name, pilot, overlap, blind, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, int(pilot), overlap, int(blind), now()))
        batch_id = int(cursor.lastrowid or 0)
        store.db.executemany(
            "INSERT INTO assignments(batch_id, record_id, annotator_id) VALUES (?, ?, ?)",
            [(batch_id, r, a) for r, a in _balanced(ids, person_ids, overlap, seed)])
        store.log_event(actor, "batch", None, {
            "batch": name, "records": len(ids), "annotators": people, "overlap": overlap,
            "pilot": pilot, "blind": blind, "seed": seed})
    return get_batch(store, name)


def _valid_ids(store: Store, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in store.db.execute(
            f"SELECT id FROM records WHERE valid AND id IN ({marks})", chunk))
    return found


def batches(store: Store) -> list[Batch]:
    rows = store.db.execute(
        "SELECT b.id, b.name, b.pilot, b.overlap, b.blind, "
        "(SELECT COUNT(DISTINCT record_id) FROM assignments a WHERE a.batch_id = b.id) "
        "FROM batches b ORDER BY b.id")
    return [Batch(r[0], r[1], bool(r[2]), r[3], bool(r[4]), r[5]) for r in rows]


def get_batch(store: Store, name: str) -> Batch:
    for batch in batches(store):
        if batch.name == name:
            return batch
    raise CuratorError(f'There is no batch called "{name}".')


def batch_assignments(store: Store, name: str) -> dict[int, list[str]]:
    """Record id -> the names of the annotators it is assigned to, in a batch."""
    batch = get_batch(store, name)
    out: dict[int, list[str]] = {}
    for record_id, person in store.db.execute(
            "SELECT a.record_id, n.name FROM assignments a JOIN annotators n "
            "ON n.id = a.annotator_id WHERE a.batch_id = ? ORDER BY a.record_id, n.name",
            (batch.id,)):
        out.setdefault(record_id, []).append(person)
    return out


# -- progress ------------------------------------------------------------------------


def _scope(store: Store, annotator_id: int) -> tuple[str, list[Any]]:
    """SQL for the ids (column ``id``) of the records an annotator is to label."""
    if store.db.execute("SELECT 1 FROM assignments WHERE annotator_id = ? LIMIT 1",
                        (annotator_id,)).fetchone():
        return ("SELECT DISTINCT record_id AS id FROM assignments WHERE annotator_id = ?",
                [annotator_id])
    return "SELECT id FROM records WHERE valid", []


def _done_sql(store: Store) -> tuple[str, list[Any]]:
    """SQL for the ids of records an annotator (first argument) has finished.

    Finished = a label in every active field that is not free text (comments are
    optional); with only text fields, any label. A pairwise field is asked of
    preference records only.
    """
    required = [f.id for f in fields(store) if f.kind != "text"]
    if not required:
        every = [f.id for f in fields(store)] or [-1]
        marks = ",".join("?" * len(every))
        return (f"SELECT DISTINCT record_id FROM labels WHERE annotator_id = ? "
                f"AND field_id IN ({marks})", every)
    marks = ",".join("?" * len(required))
    pairs = sum(1 for f in fields(store) if f.kind == "pairwise")
    wanted = (f"{len(required) - pairs} + {pairs} * (SELECT format = 'preference' FROM "
              "records WHERE id = record_id)" if pairs else str(len(required)))
    return (f"SELECT record_id FROM labels WHERE annotator_id = ? AND field_id IN ({marks}) "
            f"GROUP BY record_id HAVING COUNT(*) = {wanted}", required)


def progress(store: Store, annotator: str) -> LabelProgress:
    """How many of an annotator's records they have finished labelling."""
    found = find_annotator(store, annotator)
    if found is None:
        assigned = store.db.execute("SELECT COUNT(*) FROM records WHERE valid").fetchone()[0]
        return LabelProgress(annotator, int(assigned), 0)
    scope, scope_args = _scope(store, found.id)
    done, done_args = _done_sql(store)
    assigned, labelled = store.db.execute(
        f"SELECT COUNT(*), COALESCE(SUM(id IN ({done})), 0) FROM ({scope})",
        [found.id, *done_args, *scope_args]).fetchone()
    return LabelProgress(annotator, int(assigned), int(labelled))


def is_done(store: Store, record_id: int, annotator: str) -> bool:
    found = find_annotator(store, annotator)
    if found is None:
        return False
    done, args = _done_sql(store)
    return bool(store.db.execute(f"SELECT ? IN ({done})",
                                 [record_id, found.id, *args]).fetchone()[0] == 1)


def _to_label(store: Store, annotator: str) -> tuple[str, list[Any], str, list[Any]]:
    """SQL (and its arguments) for the annotator's records and the finished ones among
    them (an unknown annotator: every valid record, none finished)."""
    found = find_annotator(store, annotator)
    if found is None:
        return "SELECT id FROM records WHERE valid", [], "SELECT NULL WHERE 0", []
    scope, scope_args = _scope(store, found.id)
    done, done_args = _done_sql(store)
    return scope, list(scope_args), done, [found.id, *done_args]


def unfinished(store: Store, annotator: str, limit: int | None = None) -> list[int]:
    """The records (in file order) the annotator is to label and has not finished."""
    scope, scope_args, done, done_args = _to_label(store, annotator)
    sql = f"SELECT id FROM ({scope}) WHERE id NOT IN ({done}) ORDER BY id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [int(r[0]) for r in store.db.execute(sql, [*scope_args, *done_args])]


def next_unlabelled(store: Store, annotator: str, after_record_id: int | None = None
                    ) -> int | None:
    """The next record (in file order, wrapping round) the annotator has not finished.

    That is ``after_record_id`` itself only when it is the last one left; None when
    every assigned record is finished.
    """
    scope, scope_args, done, done_args = _to_label(store, annotator)
    after = after_record_id if after_record_id is not None else 0
    sql = f"SELECT id FROM ({scope}) WHERE id NOT IN ({done}) AND id {{}} ? ORDER BY id LIMIT 1"
    for op in (">", "<="):  # after the current record, then from the start
        row = store.db.execute(sql.format(op), [*scope_args, *done_args, after]).fetchone()
        if row:
            return int(row[0])
    return None
