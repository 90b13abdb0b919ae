"""Annotation packs: labelling work handed out as files and merged back, no server.

A pack is a small Curator project file (same format, same migrations) holding one
annotator's assigned records, the label schema, the guidelines, their batch assignment
and their own labels so far, plus a ``pack`` entry in ``meta`` naming the project it came
from and a digest of its content. The annotator opens it in their own Curator, which sees
the entry and allows labelling only. A pack keeps a rollback journal, not a WAL, so the
single file holds every committed label at any moment and can be sent back as it is.

Importing a returned pack first checks, without writing anything:

- it is a pack, of this project (the project's id), handed out from this project file
  (its digest is in the ``packs`` table);
- its records, label fields, guidelines and assignment are the ones handed out (the
  digest of its content, computed afresh, equals the one recorded at export);
- every label in it is the pack annotator's, on a record assigned to them.

Only then does it merge, in one transaction. Per record and field, the label with the
later ``updated_at`` wins (ties: the larger value), and a merged label keeps the time it
was given, so importing packs twice or in any order gives the same labels. Another
annotator's labels are never touched. Labels whose field was removed or archived since
the pack was handed out, or whose value the current schema no longer allows, are
reported, not merged. A label cleared in the pack is not cleared in the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from curator import __version__
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.labeling.assignment import find_annotator, get_batch
from curator.core.labeling.schema import (
    LabelField,
    _from_row,
    dump_value,
    load_value,
    normalise_value,
    schema_version,
)
from curator.core.store.migrations import APPLICATION_ID, SCHEMA_VERSION
from curator.core.store.store import PACK_KEY, SQLITE_HEADER, Store, now

#: The suffix of pack files (a Curator project file that is a pack).
SUFFIX = ".curatorpack"
FORMAT = 1
_FIELD_COLUMNS = "id, name, kind, options, scale, description, position, archived"


class PackRefused(CuratorError):
    """A pack that cannot be merged; the project was not changed."""


class PackInfo(BaseModel):
    """The ``pack`` entry of a pack file: where it comes from and for whom."""

    format: int = FORMAT
    project_id: str
    project_name: str
    annotator: str
    batch: str | None = None
    records: int
    schema_version: str
    digest: str
    exported_at: str
    exported_by: str
    curator_version: str = __version__


class PackExportReport(BaseModel):
    """What ``pack export`` wrote (its ``--json`` document)."""

    pack: str
    annotator: str
    batch: str | None
    records: int
    labels: int
    digest: str
    bytes: int


class PackImportReport(BaseModel):
    """What ``pack import`` did (its ``--json`` document)."""

    pack: str
    annotator: str
    batch: str | None
    digest: str
    records: int
    labelled_records: int = 0
    labels: int = 0
    merged: int = 0
    unchanged: int = 0
    kept_newer: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    skipped_examples: list[str] = Field(default_factory=list)
    schema_changed: bool = False
    changed_records: list[str] = Field(default_factory=list)


class PackStatus(BaseModel):
    """One handed-out pack as the coordinator sees it."""

    digest: str
    annotator: str
    batch: str | None
    path: str
    records: int
    status: str                  # handed out | returned | merged
    exported_at: str
    returned_at: str | None = None
    labelled_in_project: int = 0
    merged: int = 0
    last_import: dict[str, Any] | None = None


# -- reading a pack's identity ------------------------------------------------------


def pack_info(store: Store) -> PackInfo | None:
    """The pack entry of an open project file, or None for an ordinary project."""
    return _info(store.db)


def _info(db: sqlite3.Connection) -> PackInfo | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (PACK_KEY,)).fetchone()
    if row is None:
        return None
    try:
        return PackInfo.model_validate_json(row[0])
    except ValueError:
        raise PackRefused("The file says it is an annotation pack, but its description is "
                          "damaged, so it cannot be used.") from None


def project_name(store: Store) -> str:
    """What people call the project: its ``name`` setting, else the file name."""
    return str(store.setting("name") or Path(store.path).stem)


def content_digest(db: sqlite3.Connection) -> str:
    """A sha256 over what an annotator must not change: identity, records, fields,
    guidelines, batches and assignment of the pack in ``db`` (labels are not in it)."""
    info = _info(db)
    h = hashlib.sha256()

    def add(*parts: Any) -> None:
        # Type-tagged and length-prefixed, so no two different contents hash alike.
        chunks: list[bytes] = []
        for part in parts:
            if part is None:
                data = b"N"
            elif isinstance(part, bytes):
                data = b"B" + part
            elif isinstance(part, str):
                data = b"S" + part.encode("utf-8", "surrogatepass")
            elif isinstance(part, int):
                data = b"I" + str(part).encode()
            else:
                data = b"J" + dump_value(part).encode()
            chunks.append(len(data).to_bytes(8, "little"))
            chunks.append(data)
        h.update(b"".join(chunks))

    if info is not None:
        add("identity", info.project_id, info.annotator, info.batch)
    add("records")
    for row in db.execute("SELECT id, key, raw, conversation, valid, revision "
                          "FROM records ORDER BY id"):
        add(row[0], row[1], bytes(row[2]) if row[2] is not None else b"", row[3], row[4],
            row[5])
    add("fields")
    for row in db.execute(f"SELECT {_FIELD_COLUMNS} FROM label_fields ORDER BY id"):
        add(*row)
    found = db.execute("SELECT value FROM meta WHERE key = 'setting:guidelines'"
                       ).fetchone()
    add("guidelines", found[0] if found else None)
    add("batches")
    for row in db.execute("SELECT id, name, pilot, overlap, blind FROM batches "
                          "ORDER BY id"):
        add(*row)
    add("assignments")
    for row in db.execute("SELECT batch_id, record_id, annotator_id FROM "
                          "assignments ORDER BY batch_id, record_id, annotator_id"):
        add(*row)
    add("annotators")
    for row in db.execute("SELECT id, name FROM annotators ORDER BY id"):
        add(*row)
    return h.hexdigest()


# -- export -------------------------------------------------------------------------


def _columns(db: sqlite3.Connection, table: str, schema: str = "main") -> str:
    return ", ".join(f'"{r[1]}"' for r in db.execute(f"PRAGMA {schema}.table_info({table})"))


def pack_records(store: Store, annotator_id: int, batch_id: int | None) -> list[int]:
    sql = ("SELECT DISTINCT a.record_id FROM assignments a JOIN records r ON "
           "r.id = a.record_id WHERE r.valid AND a.annotator_id = ?")
    args: list[Any] = [annotator_id]
    if batch_id is not None:
        sql += " AND a.batch_id = ?"
        args.append(batch_id)
    return [rid for (rid,) in store.db.execute(sql + " ORDER BY a.record_id", args)]


def export_pack(store: Store, path: str | Path, annotator: str, batch: str | None = None,
                actor: str = "system", overwrite: bool = False) -> Job[PackExportReport]:
    """Write the pack for ``annotator`` (their records of ``batch``, or of every batch).

    The file is written beside its final name and moved there when complete, so a
    cancelled or failed export leaves no half pack. The project records the pack (its
    digest) as handed out.
    """
    path = Path(path)
    person = find_annotator(store, annotator)
    if person is None:
        raise CuratorError(f'There is no annotator called "{annotator}". Add them under '
                           "Labels → Annotators and batches.")
    batch_id = get_batch(store, batch).id if batch else None
    if path.exists() and not overwrite:
        raise CuratorError(f"{path} already exists; choose another name or overwrite it.")
    if path.exists() and path.resolve() == Path(store.path).resolve():
        raise CuratorError("A pack cannot be written over its own project.")
    if not path.parent.is_dir():
        raise CuratorError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    ids = pack_records(store, person.id, batch_id)
    if not ids:
        where = f' in the batch "{batch}"' if batch else ""
        raise CuratorError(f"{annotator} has no records assigned{where}, so there is nothing "
                           "to hand out. Assign records first (Labels → Annotators and "
                           "batches).")
    yield Progress(0, len(ids), f"Writing the pack for {annotator}: {len(ids):,} records")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        labels, digest = yield from _write_pack(store, tmp, person.id, annotator, batch,
                                                batch_id, ids, actor)
        os.replace(tmp, path)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    with store.atomic():
        store.db.execute(
            "INSERT INTO packs(digest, annotator_id, batch, path, records, exported_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(digest) DO UPDATE SET "
            "path = excluded.path, exported_at = excluded.exported_at",
            (digest, person.id, batch, str(path.resolve()), len(ids), now()))
        store.log_event(actor, "pack_export", None, {
            "pack": str(path), "annotator": annotator, "batch": batch,
            "records": len(ids), "digest": digest})
    return PackExportReport(pack=str(path), annotator=annotator, batch=batch,
                            records=len(ids), labels=labels, digest=digest,
                            bytes=path.stat().st_size)


def _write_pack(store: Store, tmp: Path, annotator_id: int, annotator: str,
                batch: str | None, batch_id: int | None, ids: list[int], actor: str
                ) -> Job[tuple[int, str]]:
    Store.open(tmp, create=True).close()            # the schema, by the migrations
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA synchronous = NORMAL")   # fsynced as a whole below
        db.execute("ATTACH DATABASE ? AS src", (str(store.path),))
        db.execute("BEGIN")                          # one snapshot of the project
        db.execute("DELETE FROM meta")               # its own id and dates: not needed
        db.execute("CREATE TEMP TABLE wanted(id INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO temp.wanted(id) VALUES (?)", [(i,) for i in ids])
        scope = "annotator_id = ?" + (" AND batch_id = ?" if batch_id is not None else "")
        args = [annotator_id] + ([batch_id] if batch_id is not None else [])
        src = {t: _columns(db, t, "src") for t in (
            "sources", "records", "label_fields", "annotators", "batches", "assignments",
            "labels")}
        db.execute(f"INSERT INTO main.sources({src['sources']}) SELECT {src['sources']} "
                   "FROM src.sources WHERE id IN (SELECT source_id FROM src.records WHERE "
                   "id IN (SELECT id FROM temp.wanted))")
        yield Progress(0, len(ids), "Copying records")
        db.execute(f"INSERT INTO main.records({src['records']}) SELECT {src['records']} "
                   "FROM src.records WHERE id IN (SELECT id FROM temp.wanted)")
        db.execute("UPDATE main.records SET indexed_revision = NULL")
        db.execute(f"INSERT INTO main.label_fields({src['label_fields']}) SELECT "
                   f"{src['label_fields']} FROM src.label_fields")
        db.execute("INSERT INTO main.annotators(id, name, role, created_at) SELECT id, name, "
                   "'annotator', created_at FROM src.annotators WHERE id = ?", (annotator_id,))
        db.execute(f"INSERT INTO main.batches({src['batches']}) SELECT {src['batches']} FROM "
                   f"src.batches WHERE id IN (SELECT batch_id FROM src.assignments WHERE "
                   f"{scope})", args)
        db.execute(f"INSERT INTO main.assignments({src['assignments']}) SELECT "
                   f"{src['assignments']} FROM src.assignments WHERE {scope} AND record_id IN "
                   "(SELECT id FROM temp.wanted)", args)
        labels = db.execute(
            f"INSERT INTO main.labels({src['labels']}) SELECT {src['labels']} FROM "
            "src.labels WHERE annotator_id = ? AND record_id IN (SELECT id FROM temp.wanted)",
            (annotator_id,)).rowcount
        db.execute("INSERT INTO main.meta(key, value) SELECT key, value FROM src.meta WHERE "
                   "key = 'setting:guidelines'")
        db.execute("INSERT INTO main.meta(key, value) VALUES ('project_id', ?), "
                   "('created_at', ?)", (uuid.uuid4().hex, now()))
        info = PackInfo(project_id=store.project_id, project_name=project_name(store),
                        annotator=annotator, batch=batch, records=len(ids),
                        schema_version=schema_version(store), digest="",
                        exported_at=now(), exported_by=actor)
        db.execute("INSERT INTO main.meta(key, value) VALUES (?, ?)",
                   (PACK_KEY, info.model_dump_json()))
        digest = content_digest(db)
        info.digest = digest
        db.execute("UPDATE main.meta SET value = ? WHERE key = ?",
                   (info.model_dump_json(), PACK_KEY))
        db.execute("COMMIT")
        db.execute("DETACH DATABASE src")
        yield Progress(len(ids), len(ids), "Pack written")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    return labels, digest


# -- import -------------------------------------------------------------------------


@contextmanager
def _read_copy(path: Path) -> Iterator[sqlite3.Connection]:
    """The pack, opened from a private copy: reading it never changes the file sent back
    (and a journal left by a crash on the annotator's side is rolled back in the copy)."""
    if not path.is_file():
        raise PackRefused(f"There is no pack at {path}.")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise PackRefused(f"{path.name} is not an annotation pack (not a Curator file).")
    with tempfile.TemporaryDirectory(prefix="curator-pack-") as folder:
        copy = Path(folder) / "pack.curator"
        shutil.copyfile(path, copy)
        for suffix in ("-wal", "-journal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
        db = sqlite3.connect(copy, isolation_level=None)
        try:
            try:
                app_id = db.execute("PRAGMA application_id").fetchone()[0]
                version = db.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise PackRefused(f"{path.name} is damaged and cannot be read ({exc}).") from None
            if app_id != APPLICATION_ID:
                raise PackRefused(f"{path.name} is not an annotation pack (not a Curator file).")
            if version > SCHEMA_VERSION:
                raise PackRefused(f"{path.name} was saved by a newer version of Curator; "
                                  "update Curator to import it.")
            yield db
        finally:
            db.close()


def _check(store: Store, db: sqlite3.Connection, path: Path
           ) -> tuple[PackInfo, int, sqlite3.Row | tuple[Any, ...]]:
    """Every refusal, before anything is written: (info, annotator id, packs row)."""
    info = _info(db)
    if info is None:
        raise PackRefused(f"{path.name} is a Curator project, not an annotation pack. Open "
                          "it with File → Open project instead.")
    if info.project_id != store.project_id:
        raise PackRefused(
            f'This pack belongs to another project ("{info.project_name}"), not to '
            f'"{project_name(store)}". Nothing was imported.')
    if content_digest(db) != info.digest:
        raise PackRefused(
            f"The records, label fields or guidelines in this pack were changed after it "
            f"was handed out to {info.annotator}, so its labels cannot be trusted. Nothing "
            "was imported; hand out a new pack.")
    row = store.db.execute(
        "SELECT id, annotator_id, batch, records, merged, detail FROM packs WHERE "
        "digest = ?", (info.digest,)).fetchone()
    if row is None:
        raise PackRefused(
            f"This pack for {info.annotator} was not handed out from this project file "
            "(perhaps from a copy of it). Nothing was imported.")
    person = find_annotator(store, info.annotator)
    if person is None or person.id != row[1]:
        raise PackRefused(f"The annotator of this pack, {info.annotator}, is not the one it "
                          "was handed out to. Nothing was imported.")
    others = db.execute(
        "SELECT COUNT(*) FROM labels l LEFT JOIN annotators a ON a.id = l.annotator_id "
        "WHERE a.name IS NOT ? ", (info.annotator,)).fetchone()[0]
    if others:
        raise PackRefused(
            f"This pack holds {others:,} labels by someone other than {info.annotator}; a "
            "pack may only carry its own annotator's labels. Nothing was imported.")
    unassigned = db.execute(
        "SELECT COUNT(*) FROM labels l WHERE NOT EXISTS (SELECT 1 FROM assignments a "
        "WHERE a.annotator_id = l.annotator_id AND a.record_id = l.record_id)").fetchone()[0]
    if unassigned:
        raise PackRefused(
            f"This pack holds {unassigned:,} labels on records that were not assigned to "
            f"{info.annotator}. Nothing was imported.")
    return info, person.id, row


def import_pack(store: Store, path: str | Path, actor: str = "system"
                ) -> Job[PackImportReport]:
    """Merge the labels of a returned pack into ``store`` (see the module's rules).

    A refused pack raises :class:`PackRefused` and leaves the project untouched.
    """
    path = Path(path)
    yield Progress(0, None, f"Checking {path.name}")
    with _read_copy(path) as db:
        info, annotator_id, row = _check(store, db, path)
        pack_fields = {r[0]: _from_row(r) for r in db.execute(
            f"SELECT {_FIELD_COLUMNS} FROM label_fields")}
        rows = db.execute("SELECT record_id, field_id, value, updated_at FROM labels "
                          "ORDER BY record_id, field_id").fetchall()
        pack_revisions = dict(db.execute("SELECT id, revision FROM records"))
    report = PackImportReport(pack=str(path), annotator=info.annotator, batch=info.batch,
                              digest=info.digest, records=info.records,
                              labels=len(rows), labelled_records=len({r[0] for r in rows}),
                              schema_changed=info.schema_version != schema_version(store))
    project_fields = {r[0]: _from_row(r) for r in store.db.execute(
        f"SELECT {_FIELD_COLUMNS} FROM label_fields")}
    skipped: Counter[str] = Counter()
    origin = f"pack:{info.digest[:12]}"
    yield Progress(0, len(rows), f"Merging {len(rows):,} labels by {info.annotator}")
    with store.atomic():
        present = dict(store.db.execute(
            "SELECT id, revision FROM records WHERE id IN (SELECT record_id FROM "
            "assignments WHERE annotator_id = ?)", (annotator_id,)))
        existing = {(r[0], r[1]): (r[2], r[3]) for r in store.db.execute(
            "SELECT record_id, field_id, value, updated_at FROM labels WHERE "
            "annotator_id = ?", (annotator_id,))}
        writes: list[tuple[Any, ...]] = []
        # Values repeat (a handful of options): check each distinct one once.
        checked: dict[tuple[int, str], tuple[str | None, Any, str | None]] = {}
        for n, (record_id, field_id, value, updated_at) in enumerate(rows, 1):
            if n % 5000 == 0:
                yield Progress(n, len(rows), f"Merging labels: {n:,} of {len(rows):,}")
            if record_id not in present:
                verdict: tuple[str | None, Any, str | None] = (
                    None, None, "the record is no longer in the project")
            else:
                found = checked.get((field_id, value))
                if found is None:
                    found = checked[(field_id, value)] = _fit(project_fields.get(field_id),
                                                              value)
                verdict = found
            text, plain, reason = verdict
            if reason is not None:
                skipped[reason] += 1
                if len(report.skipped_examples) < 10:
                    name = pack_fields.get(field_id) or project_fields.get(field_id)
                    report.skipped_examples.append(
                        f"record {record_id}, {name.name if name else field_id}: {reason}")
                continue
            before = existing.get((record_id, field_id))
            if before is not None and before[0] == text:
                report.unchanged += 1
                continue
            if before is not None and (before[1], before[0]) >= (updated_at, text):
                report.kept_newer += 1
                continue
            writes.append((record_id, field_id, text, updated_at, before, plain))
        store.db.executemany(
            "INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at, origin) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(record_id, field_id, annotator_id) DO "
            "UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
            "origin = excluded.origin",
            [(r, f, annotator_id, v, at, origin) for r, f, v, at, _, _ in writes])
        stamp = now()
        store.db.executemany(
            "INSERT INTO events(at, actor, action, record_id, detail, session) "
            "VALUES (?, ?, 'label', ?, ?, ?)",
            [(stamp, info.annotator, r, json.dumps({
                "field": project_fields[f].name, "annotator": info.annotator,
                "before": load_value(b[0]) if b else None, "after": plain,
                "origin": "pack", "pack": info.digest, "labelled_at": at,
                "imported_by": actor}, ensure_ascii=False), store.session)
             for r, f, v, at, b, plain in writes])
        report.merged = len(writes)
        report.skipped = dict(skipped)
        report.changed_records = sorted(
            str(rid) for rid, rev in pack_revisions.items()
            if rid in present and present[rid] != rev)[:50]
        detail = json.loads(row[5]) if row[5] else {}
        detail.update({"last_import": report.model_dump(mode="json",
                                                        exclude={"skipped_examples"}),
                       "imports": int(detail.get("imports", 0)) + 1})
        store.db.execute(
            "UPDATE packs SET imported_at = ?, merged = merged + ?, detail = ? WHERE id = ?",
            (stamp, len(writes), json.dumps(detail), row[0]))
        store.log_event(actor, "pack_import", None, {
            "pack": str(path), "annotator": info.annotator, "digest": info.digest,
            "merged": report.merged, "unchanged": report.unchanged,
            "kept_newer": report.kept_newer, "skipped": report.skipped})
    yield Progress(len(rows), len(rows), "Pack merged")
    return report


def _fit(target: LabelField | None, value: str) -> tuple[str | None, Any, str | None]:
    """(stored text, value, None) if ``value`` fits the project's field, else a reason."""
    if target is None:
        return None, None, "the field was removed"
    if target.archived:
        return None, None, f'the field "{target.name}" is archived'
    try:
        stored = normalise_value(target, load_value(value))
    except (CuratorError, ValueError) as exc:
        return None, None, str(exc)
    if stored is None:
        return None, None, "the value is empty"
    return dump_value(stored), stored, None


# -- status -------------------------------------------------------------------------


def pack_status(store: Store) -> list[PackStatus]:
    """Every pack handed out from this project, newest first, with what came back."""
    out: list[PackStatus] = []
    for (digest, annotator_id, name, batch, path, records, exported_at, imported_at,
         merged, detail) in store.db.execute(
            "SELECT p.digest, p.annotator_id, a.name, p.batch, p.path, p.records, "
            "p.exported_at, p.imported_at, p.merged, p.detail FROM packs p JOIN "
            "annotators a ON a.id = p.annotator_id ORDER BY p.exported_at DESC, p.id DESC"
            ).fetchall():
        scope = "a.annotator_id = ?"
        args: list[Any] = [annotator_id, annotator_id]
        if batch is not None:
            scope += " AND a.batch_id = (SELECT id FROM batches WHERE name = ?)"
            args.append(batch)
        labelled = store.db.execute(
            "SELECT COUNT(DISTINCT a.record_id) FROM assignments a JOIN labels l ON "
            f"l.record_id = a.record_id AND l.annotator_id = ? WHERE {scope}",
            args).fetchone()[0]
        info = json.loads(detail) if detail else {}
        status = ("handed out" if imported_at is None
                  else "merged" if merged else "returned")
        out.append(PackStatus(digest=digest, annotator=name, batch=batch, path=path,
                              records=records, status=status, exported_at=exported_at,
                              returned_at=imported_at, labelled_in_project=labelled,
                              merged=merged, last_import=info.get("last_import")))
    return out
