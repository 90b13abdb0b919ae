"""Queries behind the records table: filter and sort to ids, then fetch rows by id.

The GUI keeps only the ids of a view (8 bytes a record, in an ``array``) and asks for
rows as they scroll into sight, so a million-record project opens in constant memory.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curator.core.jobs import Job, Progress
from curator.core.store.store import CONVERSATION, Store

SORTS = {
    "file": "r.id", "key": "r.key", "review": "r.review", "tokens": "r.tokens",
    "first_user": "r.first_user", "findings": "open_findings",
}


@dataclass(frozen=True)
class RecordFilter:
    """Which records a view shows, and in which order."""

    review: str | None = None
    kind: str | None = None
    code: str | None = None
    source_id: int | None = None
    invalid: bool | None = None
    search: str | None = None
    sort: str = "file"
    descending: bool = False


def _where(flt: RecordFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if flt.review:
        clauses.append("r.review = ?")
        args.append(flt.review)
    if flt.source_id is not None:
        clauses.append("r.source_id = ?")
        args.append(flt.source_id)
    if flt.invalid is not None:
        clauses.append("r.valid = ?")
        args.append(0 if flt.invalid else 1)
    if flt.kind or flt.code:
        sub = "SELECT 1 FROM findings f WHERE f.record_id = r.id AND f.status = 'open'"
        if flt.kind:
            sub += " AND f.kind = ?"
            args.append(flt.kind)
        if flt.code:
            sub += " AND f.code = ?"
            args.append(flt.code)
        clauses.append(f"EXISTS ({sub})")
    if flt.search and flt.search.strip():
        clauses.append("r.id IN (SELECT rowid FROM record_text WHERE record_text MATCH ?)")
        args.append(fts_query(flt.search))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def fts_query(text: str) -> str:
    """A user's words as an FTS5 query: every word must appear (prefixes allowed)."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"*' for w in words)


def query_ids(store: Store, flt: RecordFilter) -> array[int]:
    """The ids of the records ``flt`` selects, in its order."""
    where, args = _where(flt)
    order = SORTS.get(flt.sort, "r.id")
    direction = "DESC" if flt.descending else "ASC"
    if flt.sort == "findings":
        sql = (f"SELECT r.id, (SELECT COUNT(*) FROM findings f WHERE f.record_id = r.id "
               f"AND f.status = 'open') AS open_findings FROM records r{where} "
               f"ORDER BY open_findings {direction}, r.id")
    else:
        sql = f"SELECT r.id FROM records r{where} ORDER BY {order} {direction}, r.id"
    if not where and flt.sort == "file":
        # File order of everything: sort the ids of the small covering index rather than
        # walk every record's pages (which hold the raw lines).
        sql = (f"SELECT id FROM records INDEXED BY records_review_valid "
               f"ORDER BY id {direction}")
    ids = array("q")
    cursor = store.db.execute(sql, args)
    while rows := cursor.fetchmany(10_000):
        ids.extend(row[0] for row in rows)
    return ids


def table_rows(store: Store, ids: Sequence[int],
               labels: Callable[[list[int]], Mapping[int, str]] | None = None
               ) -> dict[int, dict[str, Any]]:
    """What the records table shows for ``ids``: key, preview, review, findings, tokens.

    ``labels`` gives the Labels column for a list of ids (the labelling module's
    ``table_labels``, which knows who may see what); the store layer does not decide that.
    """
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows: dict[int, dict[str, Any]] = {}
    for rid, key, first_user, review, tokens, valid, error, source in store.db.execute(
            f"SELECT r.id, r.key, r.first_user, r.review, r.tokens, r.valid, r.error, "
            f"s.name FROM records r JOIN sources s ON s.id = r.source_id "
            f"WHERE r.id IN ({marks})", list(ids)):
        rows[rid] = {"id": rid, "key": key, "first_user": first_user if valid else error,
                     "review": review, "tokens": tokens, "valid": bool(valid),
                     "source": source, "findings": {}}
    for rid, kind, count in store.db.execute(
            f"SELECT record_id, kind, COUNT(*) FROM findings WHERE status = 'open' AND "
            f"record_id IN ({marks}) GROUP BY record_id, kind", list(ids)):
        rows[rid]["findings"][kind] = count
    for rid, text in (labels(list(ids)) if labels is not None else {}).items():
        if rid in rows:
            rows[rid]["labels"] = text
    return rows


def record_detail(store: Store, record_id: int) -> dict[str, Any]:
    """Everything the record view shows about one record."""
    cursor = store.db.execute(
        f"SELECT r.id, r.key, r.line, r.item, r.raw, r.valid, r.format, {CONVERSATION}, "
        "r.error_code, r.error, r.review, r.revision, r.tokens, s.name "
        "FROM records r JOIN sources s ON s.id = r.source_id WHERE r.id = ?", (record_id,))
    row = cursor.fetchone()
    if row is None:
        raise KeyError(record_id)
    (rid, key, line, item, raw, valid, fmt, conversation, error_code, error, review,
     revision, tokens, source) = row
    findings = [
        {"id": f[0], "kind": f[1], "code": f[2], "severity": f[3], "description": f[4],
         "message": f[5], "start": f[6], "end": f[7], "text": f[8], "status": f[9]}
        for f in store.db.execute(
            'SELECT id, kind, code, severity, description, message_index, start, "end", '
            "text, status FROM findings WHERE record_id = ? ORDER BY message_index, id",
            (rid,))]
    return {"id": rid, "key": key, "line": line, "item": item, "raw": bytes(raw),
            "valid": bool(valid), "format": fmt,
            "conversation": json.loads(conversation) if conversation else None,
            "error_code": error_code, "error": error, "review": review,
            "revision": revision, "tokens": tokens, "source": source, "findings": findings}


def next_unreviewed(store: Store, ids: Sequence[int], after: int) -> int | None:
    """The position in ``ids`` of the next unreviewed record after position ``after``."""
    for start in range(after + 1, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        found = {r[0] for r in store.db.execute(
            f"SELECT id FROM records WHERE review = 'unreviewed' AND id IN ({marks})", chunk)}
        for offset, rid in enumerate(chunk):
            if rid in found:
                return start + offset
    return None


def _body(conversation: dict[str, Any] | None, raw: bytes) -> str:
    if conversation is None:
        return raw.decode("utf-8", "replace")
    parts = []
    for message in conversation.get("messages", []):
        if isinstance(message, dict):
            content = message.get("content")
            parts.append(content if isinstance(content, str) else json.dumps(content))
    return "\n".join(parts)


def index_text(store: Store, batch: int = 2000) -> Job[int]:
    """Bring the full-text index up to date with every record's latest revision.

    The index is a cache, so each batch commits on its own: a cancelled or killed run
    keeps what it indexed and the next run carries on (and the WAL stays small).
    """
    total = store.db.execute(
        "SELECT COUNT(*) FROM records WHERE indexed_revision IS NOT revision").fetchone()[0]
    done = 0
    while True:
        with store.atomic():
            rows = store.db.execute(
                f"SELECT id, revision, {CONVERSATION}, raw FROM records "
                "WHERE indexed_revision IS NOT revision LIMIT ?", (batch,)).fetchall()
            if not rows:
                break
            store.db.executemany("DELETE FROM record_text WHERE rowid = ?",
                                 [(r[0],) for r in rows])
            store.db.executemany(
                "INSERT INTO record_text(rowid, body) VALUES (?, ?)",
                [(r[0], _body(json.loads(r[2]) if r[2] else None, r[3])) for r in rows])
            store.db.executemany("UPDATE records SET indexed_revision = ? WHERE id = ?",
                                 [(r[1], r[0]) for r in rows])
        done += len(rows)
        yield Progress(done, total, f"indexing text for search: {done:,} of {total:,}")
    return done


def conversations(store: Store, include_rejected: bool = False, batch: int = 5000
                  ) -> Iterator[list[tuple[int, str, dict[str, Any]]]]:
    """The valid records' conversations, ``batch`` at a time: ``(id, key, conversation)``.

    Rejected records are left out unless ``include_rejected``; a conversation that is not
    a JSON object is skipped. What the similarity and label-error checks read.
    """
    where = "valid" if include_rejected else "valid AND review != 'rejected'"
    last = 0
    while True:
        rows = store.db.execute(
            f"SELECT id, key, {CONVERSATION} FROM records WHERE {where} AND id > ? "
            "ORDER BY id LIMIT ?", (last, batch)).fetchall()
        if not rows:
            return
        out = []
        for record_id, key, text in rows:
            try:
                conv = json.loads(text)
            except (TypeError, ValueError):
                continue
            if isinstance(conv, dict):
                out.append((record_id, key, conv))
        yield out
        last = rows[-1][0]
