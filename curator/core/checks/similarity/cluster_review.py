"""Reviewing stored clusters: list them, show one side by side, keep one, dismiss one.

What the duplicates view and the operations read and do with the clusters a scan wrote:
each group with its reason in words (:func:`~.words.group_reason`), its representative
and each member's similarity to it, and where the details it differs in are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from curator.core.checks.similarity.decisions import detail_spans
from curator.core.checks.similarity.texts import raw_input, raw_output, system_text
from curator.core.checks.similarity.words import group_reason
from curator.core.errors import CuratorError
from curator.core.store.store import CONVERSATION, Store, now


def clusters(store: Store, kinds: Sequence[str] = ("exact", "near", "contradiction"),
             include_resolved: bool = True) -> list[dict[str, Any]]:
    """Clusters of ``kinds``, largest first: id, kind, size, open findings, a preview,
    the stored ``detail`` and the group's ``reason`` in words."""
    marks = ",".join("?" * len(kinds))
    rows = store.db.execute(
        f"SELECT c.id, c.kind, c.size, c.detail, "
        "(SELECT COUNT(*) FROM findings f JOIN cluster_members m2 "
        " ON m2.record_id = f.record_id AND m2.cluster_id = c.id "
        " WHERE f.status = 'open' AND f.kind = CASE c.kind WHEN 'exact' THEN 'duplicate' "
        " WHEN 'near' THEN 'near_duplicate' ELSE 'contradiction' END "
        " AND json_extract(f.detail, '$.cluster') = c.id), "
        "(SELECT r.first_user FROM cluster_members m JOIN records r ON r.id = m.record_id "
        " WHERE m.cluster_id = c.id ORDER BY r.id LIMIT 1) "
        f"FROM clusters c WHERE c.kind IN ({marks}) "
        "ORDER BY CASE c.kind WHEN 'contradiction' THEN 0 WHEN 'exact' THEN 1 ELSE 2 END, "
        "c.size DESC, c.id", list(kinds)).fetchall()
    out = []
    for cluster_id, kind, size, detail, open_findings, preview in rows:
        if not include_resolved and not open_findings:
            continue
        figures = json.loads(detail) if detail else {}
        out.append({"id": cluster_id, "kind": kind, "size": size, "detail": figures,
                    "reason": group_reason(kind, figures),
                    "open": open_findings, "preview": preview or ""})
    return out


def cluster_detail(store: Store, cluster_id: int) -> dict[str, Any]:
    """One cluster with its members' conversations, review states and findings.

    Also its ``reason`` in words, its ``representative`` (record id; groups stored
    before it was kept: the first member) and the details it ``differs`` in. Members
    come representative first, then by record id; each has ``representative`` (bool),
    ``to_representative`` (its similarity to the representative: 1.0 for the
    representative and exact copies, None when not stored) and ``differs_spans``
    ((start, end) of those details in its ``input``).
    """
    row = store.db.execute("SELECT kind, size, detail FROM clusters WHERE id = ?",
                           (cluster_id,)).fetchone()
    if row is None:
        raise CuratorError("That group no longer exists; run the duplicate scan again.")
    kind, size, detail = row
    finding_kind = _finding_kind(kind)
    members = []
    for record_id, key, similarity, review, text in store.db.execute(
            f"SELECT r.id, r.key, m.similarity, r.review, {CONVERSATION.replace('raw', 'r.raw')} "
            "FROM cluster_members m JOIN records r ON r.id = m.record_id "
            "WHERE m.cluster_id = ? ORDER BY r.id", (cluster_id,)):
        conv = json.loads(text) if text else {}
        finding = store.db.execute(
            "SELECT status, description, detail FROM findings WHERE record_id = ? AND "
            "kind = ? AND json_extract(detail, '$.cluster') = ? ORDER BY id LIMIT 1",
            (record_id, finding_kind, cluster_id)).fetchone()
        members.append({
            "id": record_id, "key": key, "similarity": similarity, "review": review,
            "conversation": conv, "input": raw_input(conv), "output": raw_output(conv),
            "system": system_text(conv.get("messages", [])),
            "status": finding[0] if finding else None,
            "description": finding[1] if finding else None,
            "finding": json.loads(finding[2]) if finding and finding[2] else {},
        })
    figures = json.loads(detail) if detail else {}
    ids = [m["id"] for m in members]
    representative = figures.get("representative")
    if representative not in ids:
        representative = ids[0] if ids else None
    members.sort(key=lambda m: m["id"] != representative)      # stable: then by id
    to_representative = figures.get("to_representative") or {}
    marks = [word for side in figures.get("differs", []) for word in side]
    for member in members:
        is_representative = member["id"] == representative
        member["representative"] = is_representative
        member["to_representative"] = (
            1.0 if is_representative or kind == "exact"
            else to_representative.get(str(member["id"])))
        member["differs_spans"] = detail_spans(member["input"], marks) if marks else []
    return {"id": cluster_id, "kind": kind, "size": size, "detail": figures,
            "reason": group_reason(kind, figures), "representative": representative,
            "differs": marks, "members": members}


def _finding_kind(cluster_kind: str) -> str:
    return {"exact": "duplicate", "near": "near_duplicate"}.get(cluster_kind, "contradiction")


def _close_cluster_findings(store: Store, cluster_id: int, status: str, actor: str) -> int:
    row = store.db.execute("SELECT kind FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    if row is None:
        raise CuratorError("That group no longer exists; run the duplicate scan again.")
    cursor = store.db.execute(
        "UPDATE findings SET status = ?, status_by = ?, status_at = ? WHERE kind = ? AND "
        "status = 'open' AND json_extract(detail, '$.cluster') = ? AND record_id IN "
        "(SELECT record_id FROM cluster_members WHERE cluster_id = ?)",
        (status, actor, now(), _finding_kind(row[0]), cluster_id, cluster_id))
    return int(cursor.rowcount)


def cluster_findings(store: Store, cluster_id: int) -> list[int]:
    """The ids of a cluster's open findings (what keep-one and dismiss close; for undo)."""
    row = store.db.execute("SELECT kind FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    if row is None:
        return []
    return [r[0] for r in store.db.execute(
        "SELECT id FROM findings WHERE kind = ? AND status = 'open' AND "
        "json_extract(detail, '$.cluster') = ? AND record_id IN "
        "(SELECT record_id FROM cluster_members WHERE cluster_id = ?)",
        (_finding_kind(row[0]), cluster_id, cluster_id))]


def keep_one(store: Store, cluster_id: int, keep_record_id: int, actor: str
             ) -> dict[int, str]:
    """Keep one member of a cluster and reject the rest; returns previous review states.

    The cluster's findings are marked resolved. Undo with
    :func:`curator.core.store.review.restore_reviews` on the returned states.
    """
    from curator.core.store.review import set_review

    with store.atomic():
        members = [r[0] for r in store.db.execute(
            "SELECT record_id FROM cluster_members WHERE cluster_id = ?", (cluster_id,))]
        if keep_record_id not in members:
            raise CuratorError("The example to keep is not in this group.")
        others = [m for m in members if m != keep_record_id]
        before = set_review(store, others, "rejected", actor)
        resolved = _close_cluster_findings(store, cluster_id, "resolved", actor)
        store.log_event(actor, "keep_one", keep_record_id,
                        {"cluster": cluster_id, "rejected": others, "resolved": resolved})
    return before


def dismiss_cluster(store: Store, cluster_id: int, actor: str) -> int:
    """Mark a cluster as intended variation: dismiss its open findings (kept on rescan)."""
    with store.atomic():
        count = _close_cluster_findings(store, cluster_id, "dismissed", actor)
        store.log_event(actor, "dismiss_cluster", None,
                        {"cluster": cluster_id, "dismissed": count})
    return count
