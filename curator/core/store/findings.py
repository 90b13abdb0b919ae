"""Decisions on findings: dismiss, resolve, confirm, reopen; each one audited and undoable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from curator.core.errors import CuratorError
from curator.core.store.store import Store, now

STATUSES = ("open", "dismissed", "resolved")

#: SQL condition (on ``findings``) for personal data an export must act on: open PII
#: findings, except those of the ``public`` tier (a country in a general question, a
#: famous name) that nobody confirmed. Export's exclusion, redaction and readiness agree.
PII_IN_FORCE = (
    "kind = 'pii' AND status = 'open' AND (COALESCE(json_extract(detail, '$.tier'), '') "
    "!= 'public' OR COALESCE(json_extract(detail, '$.confirmed'), 0))")

#: A finding's decision as it was: (status, status_by, status_at, confirmed).
State = tuple[str, str | None, str | None, bool]


def finding(store: Store, finding_id: int) -> dict[str, Any]:
    """One finding with its record key (raises CuratorError when it is gone)."""
    row = store.db.execute(
        'SELECT f.id, f.record_id, r.key, f.kind, f.code, f.severity, f.description, '
        'f.message_index, f.start, f."end", f.text, f.detail, f.status, f.status_by '
        "FROM findings f LEFT JOIN records r ON r.id = f.record_id WHERE f.id = ?",
        (finding_id,)).fetchone()
    if row is None:
        raise CuratorError("That finding no longer exists (the project was scanned again); "
                           "reload the list.")
    return _as_dict(row)


def _as_dict(row: Sequence[Any]) -> dict[str, Any]:
    detail = json.loads(row[11]) if row[11] else {}
    return {"id": row[0], "record_id": row[1], "record": row[2], "kind": row[3],
            "code": row[4], "severity": row[5], "description": row[6], "message": row[7],
            "start": row[8], "end": row[9], "text": row[10], "detail": detail,
            "status": row[12], "status_by": row[13],
            "confirmed": bool(detail.get("confirmed"))}


def _state(store: Store, finding_id: int) -> State | None:
    row = store.db.execute(
        "SELECT status, status_by, status_at, COALESCE(json_extract(detail, '$.confirmed'), 0) "
        "FROM findings WHERE id = ?", (finding_id,)).fetchone()
    return None if row is None else (row[0], row[1], row[2], bool(row[3]))


def states(store: Store, finding_ids: Sequence[int]) -> dict[int, State]:
    """The decision each finding has now (what :func:`restore_status` puts back)."""
    found = {fid: _state(store, fid) for fid in finding_ids}
    return {fid: state for fid, state in found.items() if state is not None}


def _write(store: Store, finding_id: int, state: State) -> None:
    status, by, at, confirmed = state
    store.db.execute(
        "UPDATE findings SET status = ?, status_by = ?, status_at = ?, "
        "detail = CASE WHEN ? THEN json_set(COALESCE(detail, '{}'), '$.confirmed', json('true')) "
        "ELSE json_remove(COALESCE(detail, '{}'), '$.confirmed') END WHERE id = ?",
        (status, by, at, confirmed, finding_id))


def set_status(store: Store, finding_ids: Sequence[int], status: str, actor: str,
               confirmed: bool | None = None) -> dict[int, State]:
    """Set findings' status (and the "confirmed" mark); returns what each had, for undo.

    ``dismissed``: not a problem (a false positive). ``resolved``: fixed.
    ``confirmed=True`` with ``open``: a real problem, still to be handled (e.g. redacted
    on export), taken off the review queue.
    """
    if status not in STATUSES:
        raise CuratorError(f"Unknown finding status {status!r}.")
    before: dict[int, State] = {}
    with store.atomic():
        for fid in finding_ids:
            old = _state(store, fid)
            if old is None:
                continue
            before[fid] = old
            new_confirmed = old[3] if confirmed is None else confirmed
            new: State = (status, None if status == "open" else actor,
                          None if status == "open" else now(), new_confirmed)
            if (old[0], old[3]) == (new[0], new[3]):
                continue
            _write(store, fid, new)
            record = store.db.execute("SELECT record_id FROM findings WHERE id = ?",
                                      (fid,)).fetchone()[0]
            store.log_event(actor, "finding", record, {
                "finding": fid, "before": {"status": old[0], "confirmed": old[3]},
                "after": {"status": status, "confirmed": new_confirmed}})
    return before


def restore_status(store: Store, states: dict[int, State], actor: str) -> None:
    """Put back what :func:`set_status` returned (undo)."""
    with store.atomic():
        for fid, state in states.items():
            old = _state(store, fid)
            if old is None or old == state:
                continue
            _write(store, fid, state)
            record = store.db.execute("SELECT record_id FROM findings WHERE id = ?",
                                      (fid,)).fetchone()[0]
            store.log_event(actor, "finding", record, {
                "finding": fid, "before": {"status": old[0], "confirmed": old[3]},
                "after": {"status": state[0], "confirmed": state[3]}, "undo": True})


#: The queues' filters (SQL on ``findings f``), by the ``show`` value.
_SHOW = {
    "to-review": "f.status = 'open' AND NOT COALESCE(json_extract(f.detail, "
                 "'$.confirmed'), 0)",
    "open": "f.status = 'open'",
    "closed": "f.status != 'open'",
    "all": "1",
}


def of_field(store: Store, kind: str, record_id: int, fld: str, status: str | None = None
             ) -> list[int]:
    """Findings of ``kind`` on one record whose ``detail.field`` is ``fld`` (e.g. the
    likely label errors of a label field), of one status when given."""
    return [int(r[0]) for r in store.db.execute(
        "SELECT id FROM findings WHERE kind = ? AND record_id = ? AND "
        "json_extract(detail, '$.field') = ? AND (? IS NULL OR status = ?) ORDER BY id",
        (kind, record_id, fld, status, status))]


def queue(store: Store, kind: str, show: str = "to-review", limit: int | None = None
          ) -> list[dict[str, Any]]:
    """Findings of ``kind`` for a review queue, in record order.

    ``show``: ``to-review`` (open, not confirmed), ``open`` (incl. confirmed),
    ``closed`` (dismissed or resolved) or ``all``.
    """
    where = _SHOW.get(show)
    if where is None:
        raise CuratorError(f"Unknown queue filter {show!r}.")
    sql = ('SELECT f.id, f.record_id, r.key, f.kind, f.code, f.severity, f.description, '
           'f.message_index, f.start, f."end", f.text, f.detail, f.status, f.status_by '
           "FROM findings f LEFT JOIN records r ON r.id = f.record_id "
           f"WHERE f.kind = ? AND {where} ORDER BY f.record_id, f.message_index, f.start")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_as_dict(row) for row in store.db.execute(sql, (kind,))]


def queue_counts(store: Store, kind: str) -> dict[str, int]:
    """How many findings of ``kind`` are to review, confirmed, dismissed, resolved."""
    row = store.db.execute(
        "SELECT COALESCE(SUM(status = 'open' AND NOT COALESCE(json_extract(detail, "
        "'$.confirmed'), 0)), 0), COALESCE(SUM(status = 'open' AND COALESCE(json_extract("
        "detail, '$.confirmed'), 0)), 0), COALESCE(SUM(status = 'dismissed'), 0), "
        "COALESCE(SUM(status = 'resolved'), 0) FROM findings WHERE kind = ?",
        (kind,)).fetchone()
    return {"to_review": row[0], "confirmed": row[1], "dismissed": row[2], "resolved": row[3]}


#: Risk order of PII tiers (see checks/pii_quality.tier): the queue shows identifiers
#: first. Findings from before tiers existed (no ``detail.tier``) come last.
TIER_ORDER = ("identifier", "contextual", "public")
_TIER_RANK = ("CASE json_extract(f.detail, '$.tier') WHEN 'identifier' THEN 0 "
              "WHEN 'contextual' THEN 1 WHEN 'public' THEN 2 ELSE 3 END")
SEVERITIES = ("info", "warning", "error")


def pii_groups(store: Store, show: str = "to-review", status: str | None = None
               ) -> list[dict[str, Any]]:
    """The PII queue grouped: one entry per distinct (text, entity type), riskiest first.

    Decide once: a name in a system prompt repeated in 500 records is one group of 500
    spans. Each group has ``text``, ``code`` (entity type), ``tier`` (the riskiest of
    its spans), ``tiers`` ({tier: spans}), ``severity``, ``spans``, ``records``,
    ``score`` (highest), ``note`` (set when some of its texts were not checked for names,
    not being English), ``status`` ({to_review, confirmed, dismissed, resolved}: spans)
    and ``ids`` (its findings, to act on). ``show`` filters the spans as
    :func:`queue` does; ``status`` keeps only findings with that status. Order: tier
    (identifier, contextual, public), then most spans, then highest score.
    """
    where = _SHOW.get(show)
    if where is None:
        raise CuratorError(f"Unknown queue filter {show!r}.")
    if status is not None and status not in STATUSES:
        raise CuratorError(f"Unknown finding status {status!r}.")
    confirmed = "COALESCE(json_extract(f.detail, '$.confirmed'), 0)"
    rows = store.db.execute(
        f"SELECT f.text, f.code, MIN({_TIER_RANK}) AS rank, COUNT(*) AS spans, "
        "COUNT(DISTINCT f.record_id), MAX(json_extract(f.detail, '$.score')) AS score, "
        "MAX(json_extract(f.detail, '$.note')), group_concat(f.id), "
        "group_concat(COALESCE(json_extract(f.detail, '$.tier'), '')), "
        f"SUM(f.status = 'open' AND NOT {confirmed}), "
        f"SUM(f.status = 'open' AND {confirmed}), SUM(f.status = 'dismissed'), "
        "SUM(f.status = 'resolved'), MAX(CASE f.severity WHEN 'error' THEN 2 "
        "WHEN 'warning' THEN 1 ELSE 0 END) "
        f"FROM findings f WHERE f.kind = 'pii' AND {where} "
        "AND (? IS NULL OR f.status = ?) GROUP BY f.text, f.code "
        "ORDER BY rank, spans DESC, score DESC, f.code, f.text", (status, status))
    groups = []
    for (text, code, rank, spans, records, score, note, ids, tiers, to_review, confirmed_n,
         dismissed, resolved, severity) in rows:
        tier_counts: dict[str, int] = {}
        for tier in str(tiers or "").split(","):
            if tier:
                tier_counts[tier] = tier_counts.get(tier, 0) + 1
        groups.append({
            "text": text, "code": code,
            "tier": TIER_ORDER[rank] if rank < len(TIER_ORDER) else None,
            "tiers": {t: tier_counts[t] for t in TIER_ORDER if t in tier_counts},
            "severity": SEVERITIES[severity], "spans": spans, "records": records,
            "score": score, "note": note,
            "status": {"to_review": to_review, "confirmed": confirmed_n,
                       "dismissed": dismissed, "resolved": resolved},
            "ids": sorted(int(i) for i in str(ids).split(","))})
    return groups
