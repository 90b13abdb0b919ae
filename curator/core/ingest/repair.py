"""Repair unreadable lines that are Python literals: ``str(dict)`` instead of JSON.

A file written with Python's ``str()`` or ``print()`` of a dict (``{'messages': [{'role':
'user', ...}]}``, ``True``, ``None``) is not JSON, so every line imports as an invalid
record. :func:`repair_python_literals` reads each invalid record's raw line with
:func:`ast.literal_eval` (never ``eval``), after checking its syntax tree holds nothing but
dicts, lists, strings, numbers, booleans and None, within size and depth limits. A value
that reads is normalised as the importer normalises a line (``shapes.normalise``) and
stored as the record's new revision (``store.review.repair_record``): the record becomes
valid, its raw line stays byte for byte, its "could not be read" finding is resolved and a
``repair`` event names who did it. :func:`undo_repair` reverses it.

One transaction: a cancelled repair changes nothing.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from curator.core.ingest.importer import where
from curator.core.ingest.shapes import ShapeError, normalise, own_id
from curator.core.jobs import Job, Progress
from curator.core.store import Store
from curator.core.store.review import Repaired, repair_record, unrepair_record

#: Lines longer than this are not parsed (the parser's memory grows with the text).
MAX_BYTES = 8 << 20
#: Deeper nesting than this is refused (a chat example needs a handful of levels).
MAX_DEPTH = 100
#: Records read and repaired per step (one progress report each).
BATCH = 500
#: Failures listed one by one in the report (all are counted in ``reasons``).
MAX_FAILURES_LISTED = 50
NOTE = "repaired: a Python literal read as JSON"

#: Why a line could not be repaired, in words (shape codes come with their own message).
REASONS = {
    "valid_json": "the line is JSON already; it is invalid for another reason (see its "
                  "finding)",
    "not_utf8": "not UTF-8 text",
    "too_large": f"longer than {MAX_BYTES >> 20} MB",
    "not_python_literal": "not a Python literal either (cut off, or not data)",
    "too_deep": f"nested more than {MAX_DEPTH} levels deep",
    "unsupported_value": "holds a value JSON has no place for (a set, tuple, bytes, a "
                         "complex or over-long number...)",
    "not_finite": "holds a number JSON cannot hold (infinity)",
    "lone_surrogate": "holds half a surrogate pair, which no UTF-8 text can hold",
    "non_string_key": "has a dict key that is not a string",
}

_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER = (int, float)


class LiteralError(Exception):
    """A line that is not a plain-data Python literal; ``code`` is a key of REASONS."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or REASONS.get(code, code))
        self.code = code
        self.detail = detail or REASONS.get(code, code)


class RepairFailure(BaseModel):
    """A line that could not be repaired."""

    record: str
    line: int
    code: str
    message: str


class RepairReport(BaseModel):
    """What a repair did (the ``repair --json`` document, less ``undo``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    repaired: int = 0
    failed: int = 0
    reasons: dict[str, int] = Field(default_factory=dict)
    failures: list[RepairFailure] = Field(default_factory=list)
    formats: dict[str, int] = Field(default_factory=dict)
    #: What :func:`undo_repair` needs; left out of the JSON document.
    undo: list[Repaired] = Field(default_factory=list, exclude=True)


class UndoReport(BaseModel):
    """What undoing a repair did: records put back, and those kept (changed since)."""

    restored: int = 0
    kept: list[str] = Field(default_factory=list)


# -- reading a line -----------------------------------------------------------------------

def _text(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise LiteralError("too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LiteralError("not_utf8") from None
    text = text.removeprefix("\ufeff").strip()
    # An element of a JSON array keeps the comma after it.
    return text[:-1].rstrip() if text.endswith(",") else text


def _check_tree(tree: ast.Expression) -> None:
    """Refuse every node but plain data, and nesting deeper than MAX_DEPTH."""
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LiteralError("too_deep")
        if isinstance(node, ast.Constant):
            if node.value is not None and not isinstance(node.value, str | bool | int | float):
                raise LiteralError("unsupported_value", f"holds {type(node.value).__name__}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            if not (isinstance(node.operand, ast.Constant)
                    and isinstance(node.operand.value, _NUMBER)
                    and not isinstance(node.operand.value, bool)):
                raise LiteralError("not_python_literal", "a sign before something "
                                   "that is not a number")
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is None:                     # {**spread}
                    raise LiteralError("not_python_literal", "unpacks another dict")
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    raise LiteralError("non_string_key")
            stack.extend((child, depth + 1) for child in node.values)
        elif isinstance(node, ast.List):
            stack.extend((child, depth + 1) for child in node.elts)
        elif isinstance(node, ast.Tuple | ast.Set | ast.BinOp):
            raise LiteralError("unsupported_value",
                               f"holds a {type(node).__name__.lower()}")
        else:
            raise LiteralError("not_python_literal",
                               f"holds code ({type(node).__name__}), not data")


def _check_value(value: Any) -> None:
    """Refuse what JSON cannot hold: infinities, lone surrogates (iteratively)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise LiteralError("not_finite")
        if isinstance(item, str) and _SURROGATE.search(item):
            raise LiteralError("lone_surrogate")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_python_literal(raw: bytes) -> Any:
    """The plain data a line written with Python's ``str()`` holds.

    Raises :class:`LiteralError` for anything else: a line that is JSON already, is not
    UTF-8, is over MAX_BYTES, is not a literal, holds code, sets, tuples, bytes, complex
    numbers, infinities or non-string keys, or nests deeper than MAX_DEPTH.
    """
    text = _text(raw)
    try:
        json.loads(text)
    except ValueError:
        pass
    except RecursionError:
        raise LiteralError("too_deep") from None
    else:
        raise LiteralError("valid_json")
    if not text.startswith(("{", "[")):
        raise LiteralError("not_python_literal", "does not start with { or [")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        message = str(exc.msg)
        if "nested" in message:
            raise LiteralError("too_deep") from None
        if "limit" in message and "digits" in message:
            raise LiteralError("unsupported_value", "holds a number over 4,300 digits") \
                from None
        column = f" at column {exc.offset}" if exc.offset else ""
        raise LiteralError("not_python_literal", f"{message}{column}") from None
    except (RecursionError, MemoryError):
        raise LiteralError("too_deep") from None
    except ValueError as exc:  # e.g. a NUL character
        raise LiteralError("not_python_literal", str(exc)) from None
    _check_tree(tree)
    try:
        value = ast.literal_eval(tree)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as exc:
        raise LiteralError("not_python_literal", str(exc)) from None
    _check_value(value)
    return value


# -- the job ------------------------------------------------------------------------------

def _fail(report: RepairReport, key: str, line: int, index: int | None, code: str,
          detail: str) -> None:
    report.failed += 1
    report.reasons[code] = report.reasons.get(code, 0) + 1
    if len(report.failures) < MAX_FAILURES_LISTED:
        report.failures.append(RepairFailure(
            record=key, line=line, code=code, message=f"{where(line, index)}: {detail}"))


def _note(record_revision: int) -> dict[str, Any]:
    return {"code": "python_literal_repaired", "severity": "info", "message_index": None,
            "description": "This line was written as a Python literal (str() of a dict: "
                           "single quotes, True, None), not JSON. Curator read it as data "
                           f"(revision {record_revision}) and exports it as JSON; the line "
                           "is kept as it was. Nothing to do unless it was read wrongly."}


def repair_python_literals(store: Store, actor: str = "system") -> Job[RepairReport]:
    """Repair every invalid record whose line is a Python literal of an example."""
    report = RepairReport()
    total = int(store.db.execute("SELECT COUNT(*) FROM records WHERE valid = 0").fetchone()[0])
    done = 0
    last = 0
    with store.atomic():
        while True:
            rows = store.db.execute(
                "SELECT id, key, line, item, raw, revision FROM records "
                "WHERE valid = 0 AND id > ? ORDER BY id LIMIT ?", (last, BATCH)).fetchall()
            if not rows:
                break
            for record_id, key, line, index, raw, revision in rows:
                try:
                    value = parse_python_literal(bytes(raw))
                    fmt, conv, notes = normalise(value)
                except LiteralError as exc:
                    _fail(report, key, line, index, exc.code, exc.detail)
                    continue
                except ShapeError as exc:
                    _fail(report, key, line, index, exc.code,
                          f"read as a Python literal, but {exc.description[0].lower()}"
                          f"{exc.description[1:]}")
                    continue
                notes.append(_note(int(revision) + 1))
                oid = own_id(value) if isinstance(value, dict) else None
                report.undo.append(repair_record(store, record_id, conv, fmt, notes, oid,
                                                 actor, NOTE))
                report.repaired += 1
                report.formats[fmt] = report.formats.get(fmt, 0) + 1
            done += len(rows)
            last = rows[-1][0]
            yield Progress(done, total, f"repair: {done:,} of {total:,} unreadable lines "
                                        f"read, {report.repaired:,} repaired")
    return report


def undo_repair(store: Store, repaired: Sequence[Repaired], actor: str = "system"
                ) -> UndoReport:
    """Make the records of a repair unreadable lines again, as one transaction.

    A record edited (or repaired again) since is kept as it is and listed in ``kept``.
    """
    result = UndoReport()
    with store.atomic():
        for item in repaired:
            if unrepair_record(store, item, actor):
                result.restored += 1
            else:
                found = store.db.execute("SELECT key FROM records WHERE id = ?",
                                         (item.record_id,)).fetchone()
                if found is not None:
                    result.kept.append(str(found[0]))
    return result
