"""Labels in and out of a project as CSV or JSONL rows: record, annotator, field, value.

``record`` is the record's key. In CSV a ``multi`` value is a JSON list
(``["a","b"]``); in JSONL values keep their JSON types. Import creates the fields and
annotators it does not know (a field's kind is inferred from its values: lists make a
``multi`` field, whole numbers 1..10 a ``rating``, long or many distinct texts a
``text`` field, anything else a ``single`` field with the values seen as options) and
reports what it did, row by row where a row could not be used. An import is one
transaction: cancelled or failed, it leaves the project as it was. Importing the same
file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from curator.core.errors import CuratorError, InputFileError
from curator.core.jobs import Job, Progress
from curator.core.jsontext import compact
from curator.core.labeling.assignment import add_annotator, find_annotator
from curator.core.labeling.labels import store_label
from curator.core.labeling.pairwise import OUTCOMES, is_pair
from curator.core.labeling.schema import (
    LabelField,
    add_field,
    fields,
    load_value,
    normalise_value,
    parse_value,
)
from curator.core.store.store import Store

COLUMNS = ("record", "annotator", "field", "value")
#: A new field whose values are longer than this, or more varied, becomes a text field.
TEXT_LENGTH = 100
TEXT_DISTINCT = 50


#: Why a row of a labels file is rejected: each ``RejectedRow.code``, in words.
REJECT_REASONS = {
    "not_json": "not JSON",
    "not_object": "not an object with record, annotator, field, value",
    "missing_cell": "empty record, annotator or field",
    "no_value": "no value",
    "unknown_record": "record not in the project",
    "unreadable_record": "record that could not be read as an example",
    "archived_field": "archived field",
    "invalid_value": "value the field does not accept",
    "conflicting_value": "second, different value for the same record, annotator and field",
}


class RejectedRow(BaseModel):
    """A row that was not imported: its line, why (``code``, one of
    :data:`REJECT_REASONS`) and the reason in full."""

    line: int
    reason: str
    code: str = "invalid_value"


class LabelImportReport(BaseModel):
    """What importing a labels file did (the ``labels import --json`` document)."""

    file: str
    format: str
    rows: int = 0
    labels_set: int = 0
    labels_unchanged: int = 0
    created_fields: list[dict[str, Any]] = Field(default_factory=list)
    created_annotators: list[str] = Field(default_factory=list)
    rejected: list[RejectedRow] = Field(default_factory=list)
    unknown_records: list[str] = Field(default_factory=list)


class LabelExportReport(BaseModel):
    file: str
    format: str
    rows: int = 0


def file_format(path: Path) -> str:
    """``csv`` or ``jsonl``, from the extension, else from the first character."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if head.startswith(b"{") else "csv"


# -- reading rows --------------------------------------------------------------------

Row = tuple[int, str, str, str, Any]       # line, record, annotator, field, raw value


def _csv_rows(path: Path, report: LabelImportReport) -> Iterator[Row]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InputFileError(f"{path.name} is empty.")
        names = [h.strip().lower() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise InputFileError(
                f"{path.name} needs the columns record, annotator, field and value; it has "
                f"{', '.join(h for h in header if h) or 'no header'} (missing: "
                f"{', '.join(missing)}).")
        where = [names.index(c) for c in COLUMNS]
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) < len(names):
                cells = cells + [""] * (len(names) - len(cells))
            record, person, name, value = (cells[i] for i in where)
            yield start, record.strip(), person.strip(), name.strip(), value


def _jsonl_rows(path: Path, report: LabelImportReport) -> Iterator[Row]:
    with path.open("r", encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as exc:
                report.rejected.append(RejectedRow(line=number, reason=f"not JSON: {exc.msg}",
                                                   code="not_json"))
                continue
            if not isinstance(item, dict):
                report.rejected.append(RejectedRow(
                    line=number, reason="not an object with record, annotator, field, value",
                    code="not_object"))
                continue
            record, annotator, name = ("" if p is None else str(p).strip()
                                       for p in (item.get(c) for c in
                                                 ("record", "annotator", "field")))
            yield number, record, annotator, name, item.get("value")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _convert(fld: LabelField, raw: Any) -> Any:
    return parse_value(fld, raw) if isinstance(raw, str) else normalise_value(fld, raw)


# -- inferring new fields ------------------------------------------------------------


def _as_list(raw: Any) -> list[Any] | None:
    if isinstance(raw, list):
        return raw
    if isinstance(raw, str) and raw.strip().startswith("["):
        try:
            items = json.loads(raw)
        except json.JSONDecodeError:
            return None
        return items if isinstance(items, list) else None
    return None


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else compact(value)


def _option_order(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _is_pairwise(raw: Any) -> bool:
    if isinstance(raw, str) and raw.strip().startswith("{"):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return False
    return isinstance(raw, dict) and "better" in raw


def infer_field(name: str, values: list[Any]) -> dict[str, Any]:
    """The kind (and options or scale) of a new field, from the values a file gives it.

    Objects with "better" (``{"better": "B"}``), among plain A, B or tie, make a
    pairwise field."""
    outcomes = {o.lower() for o in OUTCOMES}
    if any(_is_pairwise(v) for v in values) and all(
            _is_pairwise(v) or (isinstance(v, str) and v.strip().lower() in outcomes)
            for v in values):
        return {"name": name, "kind": "pairwise"}
    lists = [_as_list(v) for v in values]
    if any(item is not None for item in lists):
        options = {_text(x).strip() for item in lists if item for x in item}
        for value, item in zip(values, lists, strict=True):
            if item is None:   # a bare "a, b" is a list too (see parse_value)
                options |= {p.strip() for p in _text(value).split(",") if p.strip()}
        return {"name": name, "kind": "multi", "options": sorted(options, key=_option_order)}
    numbers = [_as_int(v) for v in values]
    if numbers and all(n is not None and 1 <= n <= 10 for n in numbers):
        return {"name": name, "kind": "rating", "scale": max(2, *(n or 0 for n in numbers))}
    texts = [_text(v) for v in values]
    distinct = {t.strip() for t in texts}
    if (len(distinct) > TEXT_DISTINCT
            or any(len(t) > TEXT_LENGTH or "\n" in t.strip() for t in texts)):
        return {"name": name, "kind": "text"}
    return {"name": name, "kind": "single", "options": sorted(distinct, key=_option_order)}


# -- import --------------------------------------------------------------------------


def import_labels(store: Store, path: str | Path, actor: str = "import"
                  ) -> Job[LabelImportReport]:
    """Import a labels file (CSV or JSONL) in one transaction; yields progress."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"There is no file at {path}.")
    fmt = file_format(path)
    report = LabelImportReport(file=path.name, format=fmt)
    reader = _csv_rows if fmt == "csv" else _jsonl_rows
    try:
        rows = list(reader(path, report))
    except UnicodeDecodeError:
        raise InputFileError(f"{path.name} is not UTF-8 text.") from None
    except csv.Error as exc:
        raise InputFileError(f"{path.name} is not a readable CSV file: {exc}.") from None
    report.rows = len(rows) + len(report.rejected)
    yield Progress(0, len(rows), f"{path.name}: {len(rows)} rows")
    origin = f"import:{path.name}"
    with store.atomic():
        usable = _check_cells(rows, report)
        known = {f.name: f for f in fields(store, include_archived=True)}
        new_values: dict[str, list[Any]] = {}
        for _, _, _, name, raw in usable:
            if name not in known:
                new_values.setdefault(name, []).append(raw)
        for name, values in new_values.items():
            spec = infer_field(name, values)
            known[name] = add_field(store, actor=actor, **spec)
            report.created_fields.append(known[name].to_dict())
        people: dict[str, int] = {}
        for person in sorted({row[2] for row in usable}):
            found = find_annotator(store, person)
            if found is None:
                found = add_annotator(store, person, actor=actor)
                report.created_annotators.append(person)
            people[person] = found.id
        records = _record_ids(store, sorted({row[1] for row in usable}))
        report.unknown_records = sorted({row[1] for row in usable} - set(records))
        seen: dict[tuple[int, str, str], tuple[int, str]] = {}
        for done, (line, key, person, name, raw) in enumerate(usable, start=1):
            if done % 2000 == 0:
                yield Progress(done, len(rows), f"{path.name}: row {done}")
            rejected = _store_row(store, report, seen, records, known, people, origin, actor,
                                  line, key, person, name, raw)
            if rejected:
                report.rejected.append(RejectedRow(line=line, code=rejected[0],
                                                   reason=rejected[1]))
    report.rejected.sort(key=lambda r: r.line)
    yield Progress(len(rows), len(rows), f"{path.name}: done")
    return report


def _check_cells(rows: list[Row], report: LabelImportReport) -> list[Row]:
    usable = []
    for row in rows:
        line, key, person, name, raw = row
        empty = [c for c, v in zip(COLUMNS, (key, person, name), strict=False) if not v]
        if empty:
            report.rejected.append(RejectedRow(line=line, reason=f"no {empty[0]}",
                                               code="missing_cell"))
        elif _is_blank(raw):
            report.rejected.append(RejectedRow(line=line, reason="no value", code="no_value"))
        else:
            usable.append(row)
    return usable


def _record_ids(store: Store, keys: list[str]) -> dict[str, tuple[int, bool]]:
    found: dict[str, tuple[int, bool]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for key, record_id, valid in store.db.execute(
                f"SELECT key, id, valid FROM records WHERE key IN ({marks})", chunk):
            found[key] = (record_id, bool(valid))
    return found


def _store_row(store: Store, report: LabelImportReport,
               seen: dict[tuple[int, str, str], tuple[int, str]],
               records: dict[str, tuple[int, bool]], known: dict[str, LabelField],
               people: dict[str, int], origin: str, actor: str,
               line: int, key: str, person: str, name: str, raw: Any
               ) -> tuple[str, str] | None:
    """Store one row; why it was rejected (a code of :data:`REJECT_REASONS` and the
    reason in full), or None."""
    if key not in records:
        return "unknown_record", f'no record with the key "{key}"'
    record_id, valid = records[key]
    if not valid:
        return "unreadable_record", f'the record "{key}" could not be read as an example'
    fld = known[name]
    if fld.archived:
        return "archived_field", f'the field "{name}" is archived'
    try:
        value = _convert(fld, raw)
    except CuratorError as exc:
        return "invalid_value", str(exc)
    if value is None:
        return "no_value", "no value"
    if fld.kind == "pairwise" and not is_pair(store, record_id):
        return "invalid_value", (f'the record "{key}" has no pair of answers for the '
                                 f'pairwise field "{name}"')
    text = compact(value)
    earlier = seen.get((record_id, person, name))
    if earlier is not None:
        if earlier[1] == text:
            report.labels_unchanged += 1
            return None
        return ("conflicting_value",
                f"line {earlier[0]} gives this record, annotator and field another value")
    seen[(record_id, person, name)] = (line, text)
    if store_label(store, record_id, fld, people[person], person, value, origin, actor):
        report.labels_set += 1
    else:
        report.labels_unchanged += 1
    return None


# -- export --------------------------------------------------------------------------


def label_rows(store: Store) -> Iterator[tuple[str, str, str, Any, str]]:
    """(record key, annotator, field, value, kind) for every label, in a fixed order:
    file order, schema order, annotator name."""
    rows = store.db.execute(
        "SELECT r.key, a.name, f.name, l.value, f.kind FROM labels l "
        "JOIN records r ON r.id = l.record_id JOIN label_fields f ON f.id = l.field_id "
        "JOIN annotators a ON a.id = l.annotator_id "
        "ORDER BY r.id, f.position, f.id, a.name")
    for key, person, name, text, kind in rows:
        yield key, person, name, load_value(text), kind


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return compact(value)


def export_labels(store: Store, path: str | Path, fmt: str | None = None,
                  overwrite: bool = False) -> LabelExportReport:
    """Write every label to ``path`` (CSV or JSONL by extension, or ``fmt``).

    Refuses the project file and its journals (symlinks resolved), and an existing file
    unless ``overwrite``. The file is written beside ``path`` under a unique temporary
    name, flushed to disk and renamed over ``path``, so a crash leaves the old file or the
    new one, never half of one. The same labels give byte-identical files.
    """
    from curator.core.export.writers import is_project_file, real

    path = Path(path)
    fmt = fmt or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
    if fmt not in ("csv", "jsonl"):
        raise CuratorError(f'Unknown labels format "{fmt}": use csv or jsonl.')
    if is_project_file(path, store.path):
        raise CuratorError(f"{path} is the project file (or its journal); writing labels "
                           "there would destroy the project. Choose another file.")
    # A symlink is followed: the file it names is replaced, the link stays.
    target = real(path)
    if target.is_dir():
        raise CuratorError(f"{path} is a folder; choose a file name for the labels.")
    if target.exists() and not overwrite:
        raise CuratorError(f"{path} exists; choose another file, or allow replacing it "
                           "(--overwrite).")
    if not target.parent.is_dir():
        raise CuratorError(f"Cannot write {path}: the folder {target.parent} does not exist.")
    buffer = io.StringIO(newline="")
    count = 0
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for key, person, name, value, _ in label_rows(store):
            writer.writerow((key, person, name, _cell(value)))
            count += 1
    else:
        for key, person, name, value, _ in label_rows(store):
            buffer.write(json.dumps({"record": key, "annotator": person, "field": name,
                                     "value": value}, ensure_ascii=False) + "\n")
            count += 1
    _write_atomically(target, buffer.getvalue().encode("utf-8"), path)
    return LabelExportReport(file=str(path), format=fmt, rows=count)


def _write_atomically(target: Path, data: bytes, shown: Path) -> None:
    """``data`` into ``target`` by way of a new hidden file beside it and a rename."""
    # A name no one else uses (O_EXCL), so no file of the user's is ever touched; created
    # with os.open so the usual permissions (umask) apply, as for any new file.
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise CuratorError(f"Cannot write {shown}: {exc.strerror or exc}. The file was "
                           "left as it was.") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
