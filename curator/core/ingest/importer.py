"""Import data files into a project: every item becomes exactly one record.

One transaction for the whole job: a cancel, an error or a kill leaves the project as it
was, and importing again gives each record once. A file already imported (same sha256)
is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from curator.core.conversation import conversation_hashes
from curator.core.errors import CuratorError, InputFileError
from curator.core.ingest.shapes import ShapeError, normalise, own_id
from curator.core.ingest.source import UNPARSED, Item, Layout, iter_jsonl, iter_values, sniff
from curator.core.jobs import Job, Progress
from curator.core.model import ImportReport, SourceReport
from curator.core.store import RecordRow, Store

BATCH = 2000
MAX_ERRORS_REPORTED = 50


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise InputFileError(f"{path}: Curator may not read this file ({exc.strerror}).") from None
    return digest.hexdigest(), size


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
            where = (f"Item {item.index} (line {item.line})" if item.index is not None
                     else f"Line {item.line}")
            error_code, error = exc.code, f"{where}: {exc.description}"
        else:
            # An OpenAI line is its own canonical form: store it once, as the raw bytes.
            conversation = None if fmt == "openai" and item.plain else _dumps(conv)
            notes = _dumps(note_list) if note_list else None
            hashes = conversation_hashes(conv)
            valid = True
            report.formats[fmt] = report.formats.get(fmt, 0) + 1
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


def _items(path: Path, layout: Layout) -> Iterator[Item | int]:
    with path.open("rb") as handle:
        if layout.kind == "jsonl":
            yield from iter_jsonl(handle, layout)
        else:
            yield from iter_values(handle, layout, path.name)


def import_file(store: Store, path: Path, forced: str = "auto", done_before: int = 0,
                total: int | None = None, actor: str = "system") -> Job[SourceReport]:
    """Import one file inside the caller's transaction; yields progress in bytes."""
    layout = sniff(path)
    sha256, size = file_sha256(path)
    report = SourceReport(name=path.name, path=str(path), sha256=sha256,
                          encoding=layout.encoding, layout=layout.kind)
    existing = store.source_by_sha256(sha256)
    if existing is not None:
        report.skipped = True
        report.skipped_reason = f"already imported as {existing}"
        return report
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

    for item in _items(path, layout):
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
    store.rekey_to_position(source_id, keys.repeated(), name)
    store.finish_source(source_id, report.records, report.invalid, report.blank_lines)
    store.log_event(actor, "import", None, {
        "source": name, "sha256": sha256, "records": report.records,
        "invalid": report.invalid, "blank_lines": report.blank_lines})
    return report


def import_files(store: Store, paths: Sequence[str | Path], forced: str = "auto",
                 actor: str = "system") -> Job[ImportReport]:
    """Import ``paths`` into ``store`` as one transaction.

    A file that cannot be imported at all (missing, empty, binary, CSV ...) is listed in
    ``report.failed`` and the others still import.
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
            except UnicodeDecodeError as exc:
                raise CuratorError(
                    f"{path} could not be decoded as {exc.encoding} at byte {exc.start}: "
                    "save it as UTF-8 and import it again. Nothing was imported.") from None
            report.add(source)
            if path.is_file():
                done += path.stat().st_size
            yield Progress(done, total, f"imported {path.name}")
    return report
