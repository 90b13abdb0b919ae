"""One Curator project: a SQLite file in WAL mode with foreign keys and migrations.

Each thread opens its own :class:`Store` (SQLite connections must not be shared across
threads). WAL lets readers carry on while one writer commits; ``busy_timeout`` makes a
second writer wait instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from curator.core.errors import (
    CuratorError,
    DiskFullError,
    NewerProjectError,
    NotAProjectError,
)
from curator.core.model import FindingDraft
from curator.core.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
#: The ``meta`` key that makes a project file an annotation pack (see labeling/packs.py).
PACK_KEY = "pack"
BUSY_TIMEOUT_MS = 30_000

#: Column order of :meth:`Store.insert_records` rows.
RECORD_COLUMNS = (
    "key", "source_id", "line", "item", "own_id", "raw", "valid", "format", "conversation",
    "error_code", "error", "notes", "conv_hash", "input_hash", "output_hash", "first_user",
)
RecordRow = tuple[Any, ...]
#: SQL for a record's canonical conversation text (NULL for an invalid record).
CONVERSATION = "CASE WHEN valid THEN COALESCE(conversation, CAST(raw AS TEXT)) END"


def now() -> str:
    """The current UTC time as ISO 8601 text, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class CheckRow:
    """What a check needs of one record."""

    id: int
    key: str
    source_id: int
    line: int
    format: str | None
    conversation: str | None
    error_code: str | None
    error: str | None
    notes: str | None


def _check_is_project(path: Path) -> None:
    """Refuse, without changing it, a file that is not a Curator project we can read.

    Only SQLite touches the file. Opening and closing it with ``open()`` would drop every
    POSIX lock this process holds on it (closing *any* descriptor of a file releases the
    process's locks), and another process would then take itself for the last user and
    delete the ``-wal`` and ``-shm`` files under this one's connections. SQLite keeps its
    own descriptors open while a lock is held, so its read-only probe is safe.
    """
    if path.is_dir():
        raise NotAProjectError(f"{path} is a folder, not a Curator project file.")
    if not os.access(path, os.R_OK):
        raise NotAProjectError(
            f"Cannot read {path}: permission denied. Ask its owner to let you read it, "
            "or work on a copy."
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise NotAProjectError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if size == 0:
        raise NotAProjectError(
            f"{path} is an empty file, not a Curator project. Nothing was changed."
        )
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            app_id = probe.execute("PRAGMA application_id").fetchone()[0]
            version = probe.execute("PRAGMA user_version").fetchone()[0]
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            raise NotAProjectError(
                f"{path} is not a Curator project (it is not an SQLite database). "
                "To import data from it, use `curator import PROJECT.curator "
                f"{path.name}`."
            ) from None
        raise NotAProjectError(_unreadable(path, exc)) from None
    if app_id != APPLICATION_ID:
        raise NotAProjectError(
            f"{path} is an SQLite database, but not a Curator project. Nothing was changed."
        )
    if version > SCHEMA_VERSION:
        raise NewerProjectError(
            f"{path} was written by a newer version of Curator (project format {version}; "
            f"this version reads up to {SCHEMA_VERSION}). Update Curator to open it. "
            "Nothing was changed."
        )


def _unreadable(path: Path, exc: sqlite3.Error) -> str:
    """Why SQLite could not read ``path``, in words that say what to do."""
    code = getattr(exc, "sqlite_errorcode", None)
    folder = path.parent
    if code == sqlite3.SQLITE_CANTOPEN or (
            code == sqlite3.SQLITE_READONLY and not os.access(folder, os.W_OK)):
        return (
            f"Cannot open {path}: the project is in WAL mode and SQLite needs to write "
            f"its -shm file beside it, but the folder {folder} is read-only. Copy the "
            "project to a folder you can write to, or ask for write access."
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return (
            f"{path} is busy: another program holds it locked. Try again when it has "
            "finished."
        )
    if code == sqlite3.SQLITE_CORRUPT:
        return (
            f"{path} is damaged ({exc}). Nothing was changed. Restore it from a backup, "
            "or ask for help with the file."
        )
    return f"Cannot read {path} ({exc}). Nothing was changed."


def translate_sqlite_error(exc: sqlite3.Error) -> CuratorError:
    """Words a user understands for what SQLite reported."""
    text = str(exc)
    if "full" in text:
        return DiskFullError(
            "The disk is full, so the change was undone and the project is as it was. "
            "Free some space and try again."
        )
    if "locked" in text or "busy" in text:
        return CuratorError(
            "Another Curator window or command kept the project busy for too long. "
            "Nothing was changed; try again when it has finished."
        )
    if "readonly" in text or "read-only" in text:
        return CuratorError(
            "The project file is read-only, so nothing could be saved. Ask for write "
            "access, or copy the project to a folder you can write to.")
    return CuratorError(f"The project file could not be written: {text}.")


class Store:
    """An open Curator project."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection
        self._depth = 0
        #: Written into every event: lets a window tell its own changes from others'.
        self.session: str | None = None

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, create: bool = False) -> Store:
        """Open the project at ``path``; create it first when absent and ``create``."""
        path = Path(path)
        exists = path.exists()
        if exists:
            _check_is_project(path)
        elif not create:
            raise NotAProjectError(f"There is no project at {path}.")
        elif not path.parent.is_dir():
            raise CuratorError(f"Cannot create {path}: the folder {path.parent} does not exist.")
        elif not os.access(path.parent, os.W_OK):
            raise CuratorError(
                f"Cannot create {path}: the folder {path.parent} is read-only. Choose a "
                "folder you can write to.")
        try:
            connection = sqlite3.connect(
                path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise CuratorError(f"Cannot open {path}: {exc}.") from None
        store = cls(path, connection)
        try:
            store._configure()
            store._migrate(new=not exists)
        except sqlite3.Error as exc:
            connection.close()
            raise translate_sqlite_error(exc) from None
        return store

    def _configure(self) -> None:
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Records are a few KB each: 16 KiB pages keep most of them off overflow pages.
        self.db.execute("PRAGMA page_size = 16384")
        # A pack keeps a rollback journal: the one file holds every committed label, so
        # an annotator can send it back while Curator is still open.
        self.db.execute(f"PRAGMA journal_mode = {'DELETE' if self._is_pack() else 'WAL'}")
        # FULL: a committed review decision survives power loss, not only a crash.
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        # 8 MiB of page cache per connection: a window holds one and each job another,
        # so memory stays flat however large the project. Imports ask for more.
        self.db.execute("PRAGMA cache_size = -8192")

    def _is_pack(self) -> bool:
        try:
            return self.db.execute("SELECT 1 FROM meta WHERE key = ?",
                                   (PACK_KEY,)).fetchone() is not None
        except sqlite3.OperationalError:      # a new file: no meta table yet
            return False

    def _migrate(self, new: bool) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        with self.atomic():
            if new:
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
            if version == 0:
                self.db.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [("project_id", uuid.uuid4().hex), ("created_at", now())],
                )
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction (a savepoint when nested), rolled back on any exception.

        ``GeneratorExit`` counts: closing a cancelled job's generator undoes its work.
        """
        depth = self._depth
        try:
            self.db.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT sp{depth}")
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from None
        self._depth += 1
        try:
            yield
        except BaseException as exc:
            self._depth -= 1
            self._rollback(depth)
            if isinstance(exc, sqlite3.Error):
                raise translate_sqlite_error(exc) from exc
            raise
        self._depth -= 1
        try:
            self.db.execute("COMMIT" if depth == 0 else f"RELEASE sp{depth}")
        except sqlite3.Error as exc:
            if depth == 0 and self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise translate_sqlite_error(exc) from None

    def _rollback(self, depth: int) -> None:
        # SQLite may already have rolled back by itself (a full disk, an I/O error).
        if not self.db.in_transaction:
            return
        if depth == 0:
            self.db.execute("ROLLBACK")
        else:
            self.db.execute(f"ROLLBACK TO sp{depth}")
            self.db.execute(f"RELEASE sp{depth}")

    # -- settings --------------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"setting:{key}",))
        found = row.fetchone()
        return json.loads(found[0]) if found else default

    def set_setting(self, key: str, value: Any, actor: str = "system") -> None:
        with self.atomic():
            before = self.setting(key)
            self.db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f"setting:{key}", json.dumps(value)),
            )
            self.log_event(actor, "setting", None, {"key": key, "before": before, "after": value})

    @property
    def project_id(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'project_id'").fetchone()
        return str(row[0])

    # -- events ----------------------------------------------------------------------

    def log_event(
        self, actor: str, action: str, record_id: int | None, detail: dict[str, Any]
    ) -> None:
        self.db.execute(
            "INSERT INTO events(at, actor, action, record_id, detail, session) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now(), actor, action, record_id, json.dumps(detail, ensure_ascii=False),
             self.session),
        )

    def events(self, record_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT at, actor, action, record_id, detail FROM events"
        args: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " WHERE record_id = ?"
            args = (record_id,)
        rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        return [
            {"at": r[0], "actor": r[1], "action": r[2], "record_id": r[3],
             "detail": json.loads(r[4]) if r[4] else None}
            for r in rows
        ]

    # -- sources ---------------------------------------------------------------------

    def source_by_sha256(self, sha256: str) -> str | None:
        row = self.db.execute("SELECT name FROM sources WHERE sha256 = ?", (sha256,)).fetchone()
        return str(row[0]) if row else None

    def unique_source_name(self, name: str) -> str:
        """``name``, or ``name (2)``, ``name (3)`` ... if another file took it."""
        candidate, n = name, 1
        while self.db.execute("SELECT 1 FROM sources WHERE name = ?", (candidate,)).fetchone():
            n += 1
            candidate = f"{name} ({n})"
        return candidate

    def add_source(
        self, name: str, path: str, sha256: str, size: int, layout: str, encoding: str
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO sources(name, path, sha256, size, layout, encoding, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, path, sha256, size, layout, encoding, now()),
        )
        return int(cursor.lastrowid or 0)

    def finish_source(self, source_id: int, records: int, invalid: int, blank: int) -> None:
        self.db.execute(
            "UPDATE sources SET records = ?, invalid = ?, blank_lines = ? WHERE id = ?",
            (records, invalid, blank, source_id),
        )

    def sources(self) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            "SELECT id, name, path, sha256, size, layout, encoding, imported_at, records, "
            "invalid, blank_lines FROM sources ORDER BY id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- records ---------------------------------------------------------------------

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` some record already has."""
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0] for row in
                self.db.execute(f"SELECT key FROM records WHERE key IN ({marks})", chunk)
            )
        return found

    def insert_records(self, rows: Iterable[RecordRow]) -> None:
        self.db.executemany(
            f"INSERT INTO records({', '.join(RECORD_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(RECORD_COLUMNS))})",
            rows,
        )

    def rekey_to_position(self, source_id: int, keys: Iterable[str], name: str) -> None:
        """Give the records of ``source_id`` holding ``keys`` their ``name:position`` key."""
        self.db.executemany(
            "UPDATE records SET key = ? || ':' || COALESCE(item, line) "
            "WHERE source_id = ? AND key = ?",
            [(name, source_id, key) for key in keys],
        )

    def record_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def record(self, key: str) -> dict[str, Any] | None:
        cursor = self.db.execute(
            f"SELECT r.*, {CONVERSATION.replace('raw', 'r.raw')} AS canonical, "
            "s.name AS source FROM records r JOIN sources s ON s.id = r.source_id "
            "WHERE r.key = ?",
            (key,),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def records_for_check(self, batch: int = 2000) -> Iterator[list[CheckRow]]:
        """Every record, in file order, ``batch`` at a time."""
        last = 0
        while True:
            rows = self.db.execute(
                "SELECT id, key, source_id, line, format, "
                f"{CONVERSATION}, error_code, error, "
                "notes FROM records WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            yield [CheckRow(*row) for row in rows]
            last = rows[-1][0]

    def duplicate_own_ids(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """Ids that more than one record of the same file carries: (id, [(record, key)])."""
        rows = self.db.execute(
            "SELECT own_id, id, key FROM records WHERE (source_id, own_id) IN ("
            " SELECT source_id, own_id FROM records WHERE own_id IS NOT NULL"
            " GROUP BY source_id, own_id HAVING COUNT(*) > 1) ORDER BY own_id, id"
        ).fetchall()
        groups: dict[str, list[tuple[int, str]]] = {}
        for own_id, record_id, key in rows:
            groups.setdefault(own_id, []).append((record_id, key))
        return list(groups.items())

    def set_tokens(self, pairs: Iterable[tuple[int | None, int]]) -> None:
        """Store token counts: ``(tokens, record id)`` pairs."""
        self.db.executemany("UPDATE records SET tokens = ? WHERE id = ?", pairs)

    def token_counts(self) -> list[int]:
        return [r[0] for r in self.db.execute(
            "SELECT tokens FROM records WHERE tokens IS NOT NULL")]

    # -- findings --------------------------------------------------------------------

    def dismissed_findings(self, kind: str) -> dict[tuple[Any, ...], tuple[str, str, str]]:
        """Findings of ``kind`` a person closed, by (record, code, message, start)."""
        rows = self.db.execute(
            "SELECT record_id, code, message_index, start, status, status_by, status_at "
            "FROM findings WHERE kind = ? AND status != 'open'",
            (kind,),
        )
        return {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in rows}

    def clear_findings(self, kind: str) -> None:
        self.db.execute("DELETE FROM findings WHERE kind = ?", (kind,))

    def add_findings(
        self,
        items: Iterable[tuple[int | None, FindingDraft]],
        detector: str,
        version: str,
        closed: dict[tuple[Any, ...], tuple[str, str, str]] | None = None,
    ) -> int:
        """Store findings; those a person had closed before keep their status."""
        closed = closed or {}
        created = now()
        rows = []
        for record_id, d in items:
            status = closed.get((record_id, d.code, d.message_index, d.start), ("open", None, None))
            rows.append((
                record_id, d.kind, d.code, d.severity, d.description, d.message_index,
                d.start, d.end, d.text,
                json.dumps(d.detail, ensure_ascii=False) if d.detail else None,
                detector, version, *status, created,
            ))
        self.db.executemany(
            'INSERT INTO findings(record_id, kind, code, severity, description, message_index, '
            'start, "end", text, detail, detector, detector_version, status, status_by, '
            "status_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def findings(
        self, kind: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        sql = (
            'SELECT r.key, f.kind, f.code, f.severity, f.message_index, f.start, f."end", '
            "f.text, f.status, f.description, f.detail, f.id FROM findings f "
            "LEFT JOIN records r ON r.id = f.record_id"
        )
        where, args = [], []
        if kind:
            where.append("f.kind = ?")
            args.append(kind)
        if status:
            where.append("f.status = ?")
            args.append(status)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY f.record_id IS NOT NULL, f.record_id, f.message_index, f.id"
        out = []
        for row in self.db.execute(sql, args):
            detail = json.loads(row[10]) if row[10] else {}
            item = {
                "record": row[0], "kind": row[1], "code": row[2], "severity": row[3],
                "message": row[4], "start": row[5], "end": row[6], "text": row[7],
                "status": row[8], "description": row[9], "id": row[11],
            }
            if "related" in detail:
                item["related"] = detail["related"]
            if detail:
                item["detail"] = detail
            out.append(item)
        return out

    # -- statistics ------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        total, valid, reviewed = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(valid), 0), "
            "COALESCE(SUM(review != 'unreviewed'), 0) FROM records"
        ).fetchone()
        by_kind = dict(self.db.execute(
            "SELECT kind, COUNT(*) FROM findings WHERE status = 'open' GROUP BY kind"
        ).fetchall())
        by_code = {
            f"{kind}/{code}": n for kind, code, n in self.db.execute(
                "SELECT kind, code, COUNT(*) FROM findings WHERE status = 'open' "
                "GROUP BY kind, code ORDER BY kind, COUNT(*) DESC"
            )
        }
        review = dict(self.db.execute(
            "SELECT review, COUNT(*) FROM records GROUP BY review").fetchall())
        return {
            "records": total, "valid": valid, "invalid": total - valid,
            "reviewed": reviewed, "findings": by_kind, "findings_by_code": by_code,
            "review": {state: review.get(state, 0) for state in
                       ("unreviewed", "accepted", "rejected", "needs-edit")},
            "sources": len(self.sources()),
        }
