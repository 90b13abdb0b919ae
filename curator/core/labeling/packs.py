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

A pack is an untrusted file from another machine: it is opened read-only where it lies
(a private copy only when a journal beside it must be rolled back), with
``trusted_schema`` off, and nothing in it is queried until its ``sqlite_master`` is
exactly the schema Curator writes (no views, triggers or extra objects: no SQL of the
pack's ever runs). Its size, rows, value lengths and reading time are bounded; every
text of it that reaches a message is escaped (:func:`curator.core.text.printable`).

Only then does it merge, in one transaction, in the order the project sees things (its
own clock), never by the times the pack claims (kept as provenance only). Per record and
field a pack contributes what changed in it since the project last exchanged that pack
(handed it out, or imported it): such a label is merged; one the project already saw
from this pack (carried out in it, or merged from it before) is not merged again, so a
correction made in the project since stays, and importing a pack twice changes nothing.
Between two packs of one annotator that disagree, the one imported last wins. Another
annotator's labels are never touched. Labels whose field was removed or archived since
the pack was handed out, or whose value the current schema no longer allows, are
reported, not merged. A label cleared in the pack is not cleared in the project.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from curator import __version__
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.jsontext import compact
from curator.core.labeling.assignment import find_annotator, get_batch
from curator.core.labeling.schema import (
    LabelField,
    _from_row,
    load_value,
    normalise_value,
    schema_version,
)
from curator.core.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from curator.core.store.store import PACK_KEY, SQLITE_HEADER, Store, now
from curator.core.text import printable

#: The suffix of pack files (a Curator project file that is a pack).
SUFFIX = ".curatorpack"
FORMAT = 1
_FIELD_COLUMNS = "id, name, kind, options, scale, description, position, archived"
#: The first schema version with the labelling tables: an older file cannot be a pack.
PACK_SCHEMA = 7
#: No pack is larger than this, whatever was handed out (checked before it is opened).
MAX_PACK_BYTES = 8 * 1024**3
#: The longest label value a pack may hold (bytes): labels are options and short notes.
MAX_LABEL_BYTES = 64 * 1024
#: All label values of a pack together (bytes), whatever their number.
MAX_LABELS_BYTES = 128 * 1024**2
#: The longest value read while checking identity and content (the ``pack`` entry,
#: before the project's own records say how large one can be).
_META_BYTES = 1024**2
#: Reading a pack may take this many seconds, plus one per READ_BYTES_PER_SECOND of it.
READ_SECONDS = 60.0
READ_BYTES_PER_SECOND = 20e6
#: Messages quote at most this many characters of any text from a pack.
SHOWN = 120
#: Private copies of packs (see :func:`temp_folder`): pack-<pid>-<8 hex>.curatorpack.
_COPY_NAME = re.compile(r"pack-(\d+)-[0-9a-f]{8}\.curatorpack(-journal|-wal|-shm)?")
#: A copy older than this is removed even if a process with its owner's id runs.
STALE_SECONDS = 24 * 3600


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
    # NOT INDEXED: in a pack from elsewhere an index may disagree with its table.
    row = db.execute("SELECT value FROM meta NOT INDEXED WHERE key = ?",
                     (PACK_KEY,)).fetchone()
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


class _TooMany(Exception):
    """A table of a pack holds more rows than could have been handed out."""

    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


def content_digest(db: sqlite3.Connection, caps: Mapping[str, int] | None = None) -> str:
    """A sha256 over what an annotator must not change: identity, records, fields,
    guidelines, batches and assignment of the pack in ``db`` (labels are not in it).

    ``caps``: the most rows a table may have (a pack from elsewhere); more raise
    :class:`_TooMany` as soon as they are met, before they are all read.
    """
    info = _info(db)
    h = hashlib.sha256()
    limits = caps or {}

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
                data = b"J" + compact(part).encode()
            chunks.append(len(data).to_bytes(8, "little"))
            chunks.append(data)
        h.update(b"".join(chunks))

    def rows(table: str, sql: str) -> Iterator[Any]:
        # NOT INDEXED in every query: the tables' own b-trees, in key order, so an index
        # that disagrees with its table (in a pack from elsewhere) changes nothing.
        cap = limits.get(table)
        for n, row in enumerate(db.execute(sql), 1):
            if cap is not None and n > cap:
                raise _TooMany(table)
            yield row

    if info is not None:
        add("identity", info.project_id, info.annotator, info.batch)
    add("records")
    for row in rows("records", "SELECT id, key, raw, conversation, valid, revision "
                               "FROM records NOT INDEXED ORDER BY id"):
        raw = row[2]
        # Raw lines are bytes; anything else (a pack from elsewhere) hashes apart.
        raw = bytes(raw) if isinstance(raw, bytes) else b"" if raw is None else f"!{raw!r}"
        add(row[0], row[1], raw, row[3], row[4], row[5])
    add("fields")
    for row in rows("label_fields", f"SELECT {_FIELD_COLUMNS} FROM label_fields NOT INDEXED "
                                    "ORDER BY id"):
        add(*row)
    found = db.execute("SELECT value FROM meta NOT INDEXED WHERE key = 'setting:guidelines'"
                       ).fetchone()
    add("guidelines", found[0] if found else None)
    add("batches")
    for row in rows("batches", "SELECT id, name, pilot, overlap, blind FROM batches "
                               "NOT INDEXED ORDER BY id"):
        add(*row)
    add("assignments")
    for row in rows("assignments", "SELECT batch_id, record_id, annotator_id FROM "
                    "assignments NOT INDEXED ORDER BY batch_id, record_id, annotator_id"):
        add(*row)
    add("annotators")
    for row in rows("annotators", "SELECT id, name FROM annotators NOT INDEXED ORDER BY id"):
        add(*row)
    return h.hexdigest()


def _fingerprint(text: str) -> str:
    """A short stand-in for a label value's text, to remember which values were seen."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


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
        labels, digest, seen = yield from _write_pack(store, tmp, person.id, annotator,
                                                      batch, batch_id, ids, actor)
        os.replace(tmp, path)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    with store.atomic():
        # The labels carried out are what the project has now seen of this pack: an
        # import merges only what changed since (see the module's rules).
        found = store.db.execute("SELECT detail FROM packs WHERE digest = ?",
                                 (digest,)).fetchone()
        detail = json.loads(found[0]) if found and found[0] else {}
        detail["seen"] = seen
        store.db.execute(
            "INSERT INTO packs(digest, annotator_id, batch, path, records, exported_at, "
            "detail) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(digest) DO UPDATE SET "
            "path = excluded.path, exported_at = excluded.exported_at, "
            "detail = excluded.detail",
            (digest, person.id, batch, str(path.resolve()), len(ids), now(),
             json.dumps(detail)))
        store.log_event(actor, "pack_export", None, {
            "pack": str(path), "annotator": annotator, "batch": batch,
            "records": len(ids), "digest": digest})
    return PackExportReport(pack=str(path), annotator=annotator, batch=batch,
                            records=len(ids), labels=labels, digest=digest,
                            bytes=path.stat().st_size)


def _write_pack(store: Store, tmp: Path, annotator_id: int, annotator: str,
                batch: str | None, batch_id: int | None, ids: list[int], actor: str
                ) -> Job[tuple[int, str, dict[str, str]]]:
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
        seen = {f"{r}:{f}": _fingerprint(v) for r, f, v in db.execute(
            "SELECT record_id, field_id, value FROM main.labels")}
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
    return labels, digest, seen


# -- import -------------------------------------------------------------------------


def temp_folder() -> Path:
    """Curator's own folder in the system's temporary folder, for private copies of packs
    (made on first use, for this user only)."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    folder = Path(tempfile.gettempdir()) / ("curator" if uid is None else f"curator-{uid}")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        found = folder.lstat()
    except OSError as exc:
        raise CuratorError(f"Cannot use the temporary folder {folder}: "
                           f"{exc.strerror or exc}.") from None
    # In a shared /tmp someone else may have made the folder (or a link) first; a copy of
    # a pack in it could be read or swapped by them.
    if not stat.S_ISDIR(found.st_mode) or (uid is not None and found.st_uid != uid):
        raise CuratorError(f"The temporary folder {folder} is not Curator's own (it belongs "
                           "to someone else, or is a link); remove it and try again.")
    return folder


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (on Windows assumed: the copy's age decides)."""
    if os.name == "nt":
        return True          # os.kill(pid, 0) would send it Ctrl+C there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True          # another user's process
    except OSError:
        return False
    return True


def clean_stale_copies(folder: Path | None = None) -> int:
    """Remove the private copies of packs that killed imports left behind (their process
    is gone, or they are over a day old); how many files were removed."""
    try:
        where = folder or temp_folder()
        entries = list(where.iterdir())
    except (CuratorError, OSError):
        return 0             # no folder of ours: nothing of ours to clean
    removed = 0
    for entry in entries:
        found = _COPY_NAME.fullmatch(entry.name)
        if found is None or int(found[1]) == os.getpid():
            continue         # not a copy, or one of this process's imports (a thread's)
        try:
            if (time.time() - entry.lstat().st_mtime > STALE_SECONDS
                    or not _alive(int(found[1]))):
                entry.unlink()
                removed += 1
        except OSError:
            continue
    return removed


@contextmanager
def _private_copy(path: Path) -> Iterator[Path]:
    """A copy of the pack and the journal beside it in :func:`temp_folder`, removed
    afterwards (or by the next import, if this process is killed meanwhile)."""
    copy = temp_folder() / f"pack-{os.getpid()}-{uuid.uuid4().hex[:8]}{SUFFIX}"
    try:
        shutil.copyfile(path, copy)
        for suffix in ("-wal", "-journal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
        yield copy
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)


@contextmanager
def _deadline(db: sqlite3.Connection, seconds: float, name: str) -> Iterator[None]:
    """Stop whatever ``db`` still runs ``seconds`` from now, as a refusal: a pack could
    make a query run for ever."""
    end = time.monotonic() + seconds
    db.set_progress_handler(lambda: int(time.monotonic() > end), 10_000)
    # The handler runs between instructions; one long instruction (an integrity check)
    # is stopped by an interrupt from another thread.
    timer = threading.Timer(seconds, db.interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
        raise PackRefused(f"Reading {name} took too long (over {seconds:g} s), so it was "
                          "stopped. Nothing was imported.") from None
    finally:
        timer.cancel()
        db.set_progress_handler(None, 0)


@contextmanager
def _pack_errors(name: str, too_big: str = "holds a value larger than any Curator wrote "
                                           "in it") -> Iterator[None]:
    """SQLite's errors while reading the pack, as refusals (an interrupt passes on)."""
    try:
        yield
    except sqlite3.DataError as exc:
        if "too big" not in str(exc):
            raise PackRefused(f"{name} is damaged and cannot be read "
                              f"({printable(exc, SHOWN)}). Nothing was imported.") from None
        raise PackRefused(f"{name} {too_big}. Nothing was imported.") from None
    except sqlite3.DatabaseError as exc:
        if "interrupt" in str(exc):
            raise
        raise PackRefused(f"{name} is damaged and cannot be read ({printable(exc, SHOWN)}). "
                          "Nothing was imported.") from None


def _connect(source: Path, writable: bool) -> sqlite3.Connection:
    """``source`` opened read-only (``writable`` only for a private copy, whose journal
    may need rolling back), nothing of its schema trusted."""
    mode = "rw" if writable else "ro"
    try:
        db = sqlite3.connect(f"{source.resolve().as_uri()}?mode={mode}", uri=True,
                             isolation_level=None, timeout=10, check_same_thread=False)
    except sqlite3.Error as exc:
        raise PackRefused(f"Cannot open {printable(source.name, SHOWN)} "
                          f"({printable(exc, SHOWN)}).") from None
    # Not immutable: the annotator's Curator may still be writing the file, and its locks
    # give this reader a consistent snapshot.
    db.execute("PRAGMA trusted_schema = OFF")
    db.execute("PRAGMA query_only = ON")
    db.execute("PRAGMA cell_size_check = ON")
    db.execute("PRAGMA mmap_size = 0")
    defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
    setconfig = getattr(db, "setconfig", None)     # Python 3.12+
    if defensive is not None and setconfig is not None:
        setconfig(defensive, True)
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _META_BYTES)
    return db


@functools.cache
def _schema(version: int) -> dict[str, tuple[str, str, str | None]]:
    """``sqlite_master`` of a Curator file at schema ``version``, as its migrations make
    it: name -> (type, table, SQL)."""
    db = sqlite3.connect(":memory:")
    try:
        for number in range(version):
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    db.execute(statement)
        return {name: (kind, table, sql) for kind, name, table, sql in db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master")}
    finally:
        db.close()


def _check_schema(db: sqlite3.Connection, version: int, name: str) -> None:
    """Refuse a pack whose tables, indexes, views or triggers are not exactly Curator's
    (read from ``sqlite_master`` alone: nothing the pack defines runs before this)."""
    expected = _schema(version)
    found: dict[str, tuple[str, str, str | None]] = {}
    for kind, obj, table, sql in db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"):
        found[str(obj)] = (kind, table, sql)
        if len(found) > len(expected):
            break            # one more than Curator's is enough to refuse
    if found == expected:
        return
    extra = sorted(set(found) - set(expected))
    missing = sorted(set(expected) - set(found))
    changed = sorted(n for n in set(found) & set(expected) if found[n] != expected[n])
    what = (f"an extra {found[extra[0]][0]} {extra[0]}" if extra
            else f"a changed {found[changed[0]][0]} {changed[0]}" if changed
            else f"no {expected[missing[0]][0]} {missing[0]}")
    raise PackRefused(f"{name} holds SQL that Curator does not write ({printable(what, 80)}); "
                      "only packs with Curator's own tables are read, so nothing in it was "
                      "run or imported.")


@contextmanager
def _open_pack(path: Path) -> Iterator[tuple[sqlite3.Connection, int]]:
    """The pack at ``path`` (and its size on disk), opened for reading only where it lies,
    or from a private copy when a journal beside it may need rolling back (which must
    never happen to the file sent back); its schema checked, a read transaction begun."""
    name = printable(path.name, SHOWN)
    if not path.is_file():
        raise PackRefused(f"There is no pack at {printable(path, 300)}.")
    sidecars = [Path(f"{path}{s}") for s in ("-wal", "-journal") if Path(f"{path}{s}").exists()]
    size = path.stat().st_size + sum(p.stat().st_size for p in sidecars)
    if size > MAX_PACK_BYTES:
        raise PackRefused(f"{name} is {size / 1024**3:,.1f} GB, larger than any annotation "
                          f"pack can be ({MAX_PACK_BYTES / 1024**3:,.0f} GB). Nothing was "
                          "imported.")
    with path.open("rb") as handle:
        header = handle.read(100)
    if header[:len(SQLITE_HEADER)] != SQLITE_HEADER:
        raise PackRefused(f"{name} is not an annotation pack (not a Curator file).")
    with ExitStack() as stack:
        source = path
        # Byte 18 = 2: WAL, which a read-only reader cannot open without its -shm.
        if sidecars or header[18:19] == b"\x02":
            source = stack.enter_context(_private_copy(path))
        db = _connect(source, writable=source != path)
        stack.callback(db.close)
        stack.enter_context(_deadline(db, READ_SECONDS + size / READ_BYTES_PER_SECOND, name))
        with _pack_errors(name):
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise PackRefused(f"{name} is not an annotation pack (not a Curator file).")
            if version > SCHEMA_VERSION:
                raise PackRefused(f"{name} was saved by a newer version of Curator; update "
                                  "Curator to import it.")
            if version < PACK_SCHEMA:
                raise PackRefused(f"{name} is not an annotation pack (a project of an "
                                  "older Curator).")
            db.execute("BEGIN")                    # one snapshot for every check
            _check_schema(db, version, name)
        yield db, size


def _check(store: Store, db: sqlite3.Connection, path: Path, size: int
           ) -> tuple[PackInfo, int, tuple[Any, ...], dict[int, LabelField],
                      list[tuple[int, int, str, str]], dict[int, int]]:
    """Every refusal, before anything is written; then what the pack holds: (info,
    annotator id, packs row, its fields, its labels, its record revisions)."""
    name = printable(path.name, SHOWN)
    with _pack_errors(name, "holds a pack description larger than Curator writes"):
        info = _info(db)
    if info is None:
        raise PackRefused(f"{name} is a Curator project, not an annotation pack. Open it "
                          "with File → Open project instead.")
    who = printable(info.annotator, SHOWN)
    if info.project_id != store.project_id:
        raise PackRefused(
            f'This pack belongs to another project ("{printable(info.project_name, SHOWN)}"), '
            f'not to "{printable(project_name(store), SHOWN)}". Nothing was imported.')
    row = store.db.execute(
        "SELECT id, annotator_id, batch, records, merged, detail FROM packs WHERE "
        "digest = ?", (info.digest,)).fetchone()
    if row is None:
        raise PackRefused(
            f"This pack for {who} was not handed out from this project file (perhaps from a "
            "copy of it). Nothing was imported.")
    person = find_annotator(store, info.annotator)
    if person is None or person.id != row[1]:
        raise PackRefused(f"The annotator of this pack, {who}, is not the one it was "
                          "handed out to. Nothing was imported.")
    # What was handed out bounds what can come back: the file, each value, each table.
    handed = int(row[3])
    content = longest = 0
    for raw, conversation in store.db.execute(
            "SELECT length(raw), length(conversation) FROM records WHERE id IN (SELECT "
            "record_id FROM assignments WHERE annotator_id = ?)", (person.id,)):
        # Characters of text are up to 4 bytes in the file.
        content += (raw or 0) + 4 * (conversation or 0)
        longest = max(longest, raw or 0, 4 * (conversation or 0))
    longest = max(longest, 4 * len(str(store.setting("guidelines") or "")))
    allowed = 4 * content + handed * 64 * 1024 + 64 * 1024**2
    if size > allowed:
        raise PackRefused(
            f"{name} is {size / 1e6:,.0f} MB, far more than its {handed:,} records "
            f"({content / 1e6:,.1f} MB in this project) and their labels take. Nothing was "
            "imported.")
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(16 * 1024**2, 8 * longest))
    with _pack_errors(name, "holds a value larger than any record handed out in it"):
        problem = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise PackRefused(f"{name} is damaged and cannot be read "
                              f"({printable(' '.join(str(problem).split()), SHOWN)}). "
                              "Nothing was imported.")
        try:
            digest = content_digest(db, caps={"records": handed})
        except _TooMany as exc:
            raise PackRefused(f"{name} holds more {exc.table} than were handed out in it, so "
                              "Curator did not make it. Nothing was imported.") from None
    if digest != info.digest:
        raise PackRefused(
            f"The records, label fields or guidelines in this pack were changed after it "
            f"was handed out to {who}, so its labels cannot be trusted. Nothing was "
            "imported; hand out a new pack.")
    # From here the fields, annotators, assignments and records are the ones handed out.
    with _pack_errors(name):
        fields = {r[0]: _from_row(r) for r in db.execute(
            f"SELECT {_FIELD_COLUMNS} FROM label_fields NOT INDEXED")}
        own = {i for i, n in db.execute("SELECT id, name FROM annotators NOT INDEXED")
               if n == info.annotator}
        assigned = set(db.execute("SELECT annotator_id, record_id FROM assignments "
                                  "NOT INDEXED"))
        revisions = dict(db.execute("SELECT id, revision FROM records NOT INDEXED"))
    rows: list[tuple[int, int, str, str]] = []
    others = unassigned = total = 0
    cap = len(revisions) * max(1, len(fields))
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LABEL_BYTES)
    with _pack_errors(name, f"holds a label value longer than {MAX_LABEL_BYTES // 1024} KB "
                            "(labels are options and short notes)"):
        for n, (record_id, field_id, annotator_id, value, at) in enumerate(db.execute(
                "SELECT record_id, field_id, annotator_id, value, updated_at FROM labels "
                "NOT INDEXED"), 1):
            if n > cap:
                raise PackRefused(
                    f"{name} holds more labels than its {len(revisions):,} records and "
                    f"{len(fields)} fields can have, so Curator did not make it. Nothing "
                    "was imported.")
            if not (isinstance(record_id, int) and isinstance(field_id, int)
                    and isinstance(value, str) and isinstance(at, str)):
                raise PackRefused(f"{name} holds a label Curator did not write (record "
                                  f"{printable(record_id, 40)}). Nothing was imported.")
            total += len(value)
            if total > MAX_LABELS_BYTES:
                raise PackRefused(f"{name} holds more label text than "
                                  f"{MAX_LABELS_BYTES // 1024**2} MB. Nothing was imported.")
            if annotator_id not in own:
                others += 1
            elif (annotator_id, record_id) not in assigned:
                unassigned += 1
            else:
                rows.append((record_id, field_id, value, at))
    if others:
        raise PackRefused(
            f"This pack holds {others:,} labels by someone other than {who}; a pack may "
            "only carry its own annotator's labels. Nothing was imported.")
    if unassigned:
        raise PackRefused(
            f"This pack holds {unassigned:,} labels on records that were not assigned to "
            f"{who}. Nothing was imported.")
    rows.sort()
    return info, person.id, tuple(row), fields, rows, revisions


def import_pack(store: Store, path: str | Path, actor: str = "system"
                ) -> Job[PackImportReport]:
    """Merge the labels of a returned pack into ``store`` (see the module's rules).

    A refused pack raises :class:`PackRefused` and leaves the project untouched.
    """
    path = Path(path)
    yield Progress(0, None, f"Checking {printable(path.name, SHOWN)}")
    # An import killed earlier (out of memory, a power cut) may have left its copy.
    clean_stale_copies()
    with _open_pack(path) as (db, size):
        info, annotator_id, row, pack_fields, rows, pack_revisions = _check(
            store, db, path, size)
    # records: as many as the project handed out (the pack's own count is only a claim).
    report = PackImportReport(pack=str(path), annotator=info.annotator, batch=info.batch,
                              digest=info.digest, records=int(row[3]),
                              labels=len(rows), labelled_records=len({r[0] for r in rows}),
                              schema_changed=info.schema_version != schema_version(store))
    project_fields = {r[0]: _from_row(r) for r in store.db.execute(
        f"SELECT {_FIELD_COLUMNS} FROM label_fields")}
    skipped: Counter[str] = Counter()
    origin = f"pack:{info.digest[:12]}"
    detail = json.loads(row[5]) if row[5] else {}
    # Fingerprints of the values the project has seen from this pack (carried out in it,
    # or read at its last import), by "record:field".
    seen_before: dict[str, str] = detail.get("seen") or {}
    seen: dict[str, str] = {}
    yield Progress(0, len(rows), f"Merging {len(rows):,} labels by "
                                 f"{printable(info.annotator, SHOWN)}")
    with store.atomic():
        # The project's clock orders merges: a merged label is as new as its import.
        stamp = now()
        present = dict(store.db.execute(
            "SELECT id, revision FROM records WHERE id IN (SELECT record_id FROM "
            "assignments WHERE annotator_id = ?)", (annotator_id,)))
        existing = {(r[0], r[1]): r[2] for r in store.db.execute(
            "SELECT record_id, field_id, value FROM labels WHERE annotator_id = ?",
            (annotator_id,))}
        writes: list[tuple[Any, ...]] = []
        # Values repeat (a handful of options): check each distinct one once.
        checked: dict[tuple[int, str], tuple[str | None, Any, str | None]] = {}
        for n, (record_id, field_id, value, claimed) in enumerate(rows, 1):
            if n % 5000 == 0:
                yield Progress(n, len(rows), f"Merging labels: {n:,} of {len(rows):,}")
            key = f"{record_id}:{field_id}"
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
                if key in seen_before:
                    seen[key] = seen_before[key]
                if len(report.skipped_examples) < 10:
                    fld = pack_fields.get(field_id) or project_fields.get(field_id)
                    label = printable(fld.name if fld else field_id, 60)
                    report.skipped_examples.append(f"record {record_id}, {label}: {reason}")
                continue
            mark = seen[key] = _fingerprint(value)
            before = existing.get((record_id, field_id))
            if before is not None and before == text:
                report.unchanged += 1
            elif seen_before.get(key) == mark:
                # Seen from this pack before; the project's label changed since: it stays.
                report.kept_newer += 1
            else:
                writes.append((record_id, field_id, text, claimed, before, plain))
        store.db.executemany(
            "INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at, origin) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(record_id, field_id, annotator_id) DO "
            "UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
            "origin = excluded.origin",
            [(r, f, annotator_id, v, stamp, origin) for r, f, v, _, _, _ in writes])
        store.db.executemany(
            "INSERT INTO events(at, actor, action, record_id, detail, session) "
            "VALUES (?, ?, 'label', ?, ?, ?)",
            [(stamp, info.annotator, r, json.dumps({
                "field": project_fields[f].name, "annotator": info.annotator,
                "before": load_value(b) if b is not None else None, "after": plain,
                "origin": "pack", "pack": info.digest,
                # The annotator's clock: provenance only, it orders nothing.
                "labelled_at": printable(at, 64),
                "imported_by": actor}, ensure_ascii=False), store.session)
             for r, f, v, at, b, plain in writes])
        report.merged = len(writes)
        report.skipped = dict(skipped)
        report.changed_records = sorted(
            str(rid) for rid, rev in pack_revisions.items()
            if rid in present and present[rid] != rev)[:50]
        detail.update({"last_import": report.model_dump(mode="json",
                                                        exclude={"skipped_examples"}),
                       "imports": int(detail.get("imports", 0)) + 1, "seen": seen})
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
    """(stored text, value, None) if ``value`` fits the project's field, else a reason
    (short and escaped: it quotes the pack's value and is stored in the project)."""
    if target is None:
        return None, None, "the field was removed"
    if target.archived:
        return None, None, f'the field "{printable(target.name, 60)}" is archived'
    try:
        stored = normalise_value(target, load_value(value))
    except (CuratorError, ValueError, TypeError, RecursionError) as exc:
        return None, None, printable(exc, 200)
    if stored is None:
        return None, None, "the value is empty"
    return compact(stored), stored, None


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
