"""Import data files into a project: every item becomes exactly one record.

One transaction for the whole job: a cancel, an error or a kill leaves the project as it
was, and importing again gives each record once. A file already imported (same sha256)
is skipped. The sha256 stored is that of the bytes read and imported: a file that changes
while it is read (cut short, grown, rewritten, replaced) is refused and leaves nothing,
so that no fingerprint ever stands for lines that did not come in.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from curator.core.conversation import conversation_hashes
from curator.core.errors import InputFileError
from curator.core.ingest.shapes import ShapeError, normalise, own_id
from curator.core.ingest.source import UNPARSED, Item, Layout, iter_jsonl, iter_values, sniff
from curator.core.jobs import Job, Progress
from curator.core.jsontext import compact, file_digest
from curator.core.model import ImportReport, SourceReport
from curator.core.preference import source_shape
from curator.core.store import RecordRow, Store

BATCH = 2000
MAX_ERRORS_REPORTED = 50


class FileChangedError(InputFileError):
    """A data file changed while it was imported; nothing of it was kept."""


class _HashingReader(io.RawIOBase):
    """A file hashed and counted as it is read: the fingerprint of exactly what was read."""

    def __init__(self, raw: io.FileIO) -> None:
        super().__init__()
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer) or 0
        if count:
            self.digest.update(memoryview(buffer)[:count])
            self.size += count
        return count

    def fileno(self) -> int:
        return self.raw.fileno()

    def close(self) -> None:
        self.raw.close()
        super().close()


def _changes(path: Path, start: os.stat_result, sha256: str, reader: _HashingReader,
             end: os.stat_result) -> str | None:
    """What happened to ``path`` since ``start`` while it was read, in words; None: nothing.

    ``sha256`` is the hash taken before the import, ``reader`` what the import read, and
    ``end`` the opened file's state after it.
    """
    try:
        now = path.stat()
    except OSError:
        return "it was deleted or moved away"
    if (now.st_dev, now.st_ino) != (start.st_dev, start.st_ino):
        return "it was replaced by another file"
    sizes = {start.st_size, reader.size, end.st_size, now.st_size}
    if len(sizes) > 1:
        return (f"it was {start.st_size:,} bytes when the import began, {reader.size:,} "
                f"bytes were read, and it is {now.st_size:,} bytes now")
    if reader.digest.hexdigest() != sha256 or len(
            {start.st_mtime_ns, end.st_mtime_ns, now.st_mtime_ns}) > 1:
        return "its content was rewritten"
    return None


def refuse_project_files(store: Store, path: Path) -> None:
    """Refuse to read the project (or its -wal, -shm, -journal) as a data file.

    Reading it would be no import at all, and opening and closing one of its files
    outside SQLite drops this process's locks on the project (see Store).
    """
    for suffix in ("", "-wal", "-shm", "-journal"):
        own = Path(f"{store.path}{suffix}")
        try:
            same = own.exists() and os.path.samefile(own, path)
        except OSError:
            same = False
        if same:
            raise InputFileError(
                f"{path} is this project's own file{f' ({suffix})' if suffix else ''}, not "
                "data to import. Choose the .jsonl or .json files to import.")


def file_sha256(path: Path) -> tuple[str, int]:
    """A data file's sha256 and size, or an InputFileError saying why it can't be read."""
    try:
        return file_digest(path)
    except OSError as exc:
        raise InputFileError(f"{path}: Curator may not read this file ({exc.strerror}).") from None


class _KeyMaker:
    """Stable record keys: the item's own id when unique, else ``file:position``."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name
        self.seen: dict[str, int] = {}

    def assign(self, pending: list[tuple[Item, str | None]]) -> list[str]:
        ids = [oid for _, oid in pending if oid is not None and oid not in self.seen]
        taken = self.store.existing_keys(ids) if ids else set()
        keys = []
        for item, oid in pending:
            position = f"{self.name}:{item.index if item.index is not None else item.line}"
            if oid is None:
                keys.append(position)
            elif oid in self.seen:
                self.seen[oid] += 1
                keys.append(position)
            elif oid in taken:
                keys.append(position)
            else:
                self.seen[oid] = 1
                keys.append(oid)
        return keys

    def repeated(self) -> list[str]:
        return [oid for oid, count in self.seen.items() if count > 1]


def where(line: int, index: int | None) -> str:
    """How a message names an item: ``Line 3``, or ``Item 2 (line 5)`` in a JSON array."""
    return f"Item {index} (line {line})" if index is not None else f"Line {line}"


def _row(item: Item, key: str, source_id: int, oid: str | None, forced: str,
         report: SourceReport) -> RecordRow:
    error_code, error = item.error_code, item.error
    fmt = conversation = notes = None
    valid = False
    hashes: tuple[str | None, ...] = (None, None, None, None)
    if item.value is not UNPARSED:
        try:
            fmt, conv, note_list = normalise(item.value, forced)
        except ShapeError as exc:
            error_code, error = exc.code, f"{where(item.line, item.index)}: {exc.description}"
        else:
            # An OpenAI line is its own canonical form: store it once, as the raw bytes
            # (unless reading it changed something, which the reader notes).
            conversation = (None if fmt == "openai" and item.plain and not note_list
                            else compact(conv))
            notes = compact(note_list) if note_list else None
            hashes = conversation_hashes(conv)
            valid = True
            report.formats[fmt] = report.formats.get(fmt, 0) + 1
            if fmt == "preference":
                shape = source_shape(item.value) or "openai"
                report.preference_shapes[shape] = report.preference_shapes.get(shape, 0) + 1
    report.records += 1
    if not valid:
        report.invalid += 1
        if len(report.errors) < MAX_ERRORS_REPORTED:
            report.errors.append({"line": item.line, "item": item.index, "key": key,
                                  "code": error_code, "message": error})
    else:
        report.valid += 1
    return (key, source_id, item.line, item.index, oid, item.raw, int(valid), fmt, conversation,
            error_code, error, notes, *hashes)


def _items(handle: BinaryIO, layout: Layout, name: str) -> Iterator[Item | int]:
    if layout.kind == "jsonl":
        return iter_jsonl(handle, layout)
    return iter_values(handle, layout, name)


def import_file(store: Store, path: Path, forced: str = "auto", done_before: int = 0,
                total: int | None = None, actor: str = "system") -> Job[SourceReport]:
    """Import one file inside the caller's transaction; yields progress in bytes.

    The file is read twice: once to hash it (a file imported before is skipped), then to
    import it, hashing what is read. If the two hashes differ, or the file's size, time or
    identity changed meanwhile, its records are rolled back and :class:`FileChangedError`
    raised.
    """
    refuse_project_files(store, path)
    layout = sniff(path)
    try:
        start = path.stat()
    except OSError as exc:
        raise InputFileError(f"{path}: Curator may not read this file ({exc.strerror}).") from None
    sha256, size = file_sha256(path)
    report = SourceReport(name=path.name, path=str(path), sha256=sha256,
                          encoding=layout.encoding, layout=layout.kind)
    existing = store.source_by_sha256(sha256)
    if existing is not None:
        report.skipped = True
        report.skipped_reason = f"already imported as {existing}"
        return report
    # A savepoint: a file that changed while it was read leaves nothing behind, and the
    # other files of the import go on.
    with store.atomic():
        name = store.unique_source_name(path.name)
        report.name = name
        source_id = store.add_source(name, str(path.resolve()), sha256, size, layout.kind,
                                     layout.encoding)
        keys = _KeyMaker(store, name)
        pending: list[tuple[Item, str | None]] = []
        done = 0

        def flush() -> None:
            assigned = keys.assign(pending)
            store.insert_records(_row(item, key, source_id, oid, forced, report)
                                 for (item, oid), key in zip(pending, assigned, strict=True))
            pending.clear()

        reader = _HashingReader(io.FileIO(path, "r"))
        with io.BufferedReader(reader, buffer_size=1 << 20) as handle:
            for item in _items(handle, layout, path.name):
                if isinstance(item, int):
                    report.blank_lines += 1
                    done += 1
                    continue
                oid = own_id(item.value) if isinstance(item.value, dict) else None
                pending.append((item, oid))
                done += len(item.raw)
                if len(pending) >= BATCH:
                    flush()
                    yield Progress(done_before + min(done, size), total,
                                   f"{name}: {report.records:,} records")
            flush()
            end = os.fstat(handle.fileno())
        what = _changes(path, start, sha256, reader, end)
        if what is not None:
            raise FileChangedError(
                f"{path}: the file changed while it was read ({what}), so nothing from it "
                "was imported; import it again when it is complete.")
        store.rekey_to_position(source_id, keys.repeated(), name)
        store.finish_source(source_id, report.records, report.invalid, report.blank_lines)
        store.log_event(actor, "import", None, {
            "source": name, "sha256": sha256, "records": report.records,
            "invalid": report.invalid, "blank_lines": report.blank_lines})
    return report


def import_files(store: Store, paths: Sequence[str | Path], forced: str = "auto",
                 actor: str = "system") -> Job[ImportReport]:
    """Import ``paths`` into ``store`` as one transaction.

    A file that cannot be imported at all (missing, empty, binary, CSV ..., changed or
    unreadable while it was read) is listed in ``report.failed`` and the others still
    import.
    """
    files = [Path(p) for p in paths]
    total = sum(p.stat().st_size for p in files if p.is_file())
    report = ImportReport()
    done = 0
    # One transaction for the whole import: room in memory keeps it from spilling early.
    store.db.execute("PRAGMA cache_size = -65536")
    with store.atomic():
        for path in files:
            try:
                source = yield from import_file(store, path, forced, done, total, actor)
            except InputFileError as exc:
                report.failed.append({"path": str(path), "error": str(exc)})
                continue
            except UnicodeDecodeError as exc:  # not expected: bad bytes are invalid records
                report.failed.append({"path": str(path), "error": (
                    f"{path} could not be decoded as {exc.encoding} at byte {exc.start}: "
                    "save it as UTF-8 and import it again. Nothing from it was imported.")})
                continue
            except OSError as exc:  # reading the data file failed (the project's are sqlite3)
                report.failed.append({"path": str(path), "error": (
                    f"{path}: reading failed ({exc.strerror or exc}); nothing from it was "
                    "imported.")})
                continue
            report.add(source)
            if path.is_file():
                done += path.stat().st_size
            yield Progress(done, total, f"imported {path.name}")
    return report
