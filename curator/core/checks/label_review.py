"""Decisions on likely label errors (findings ``label_error``): the review queue's actions.

Pure core (no Qt). Three answers to a finding, each an operation returning what its undo
needs, so the window's Edit → Undo and the command line (``curator finding``) share them:

* :func:`accept_suggestion` — the model is right. For a label field the suggested value
  becomes the record's final label through the adjudication decision
  (:func:`curator.core.operations.decide_label`, so only an adjudicator may; the audit
  trail says why); for ``answer`` the assistant's final answer is replaced by the
  suggested class as a new revision (the original stays). The finding is resolved.
  Undo: :func:`undo_accept`.
* keep the given label — dismiss the finding (:func:`curator.core.store.findings.set_status`);
  a rescan keeps it dismissed while the record keeps that label.
* :func:`send_to_adjudication` — a person should decide: the record joins the field's
  adjudication queue (:func:`curator.core.labeling.labels.request_adjudication`) with
  the suggestion offered beside the annotators' values. Not for ``answer`` (no label
  field to adjudicate: edit the answer instead). Undo: :func:`undo_send`.

An adjudicator's decision on a record sent here resolves its open label-error findings
for that field (``operations.decide_label`` does it).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from curator.core.checks.label_errors import ANSWER_FIELD, KIND
from curator.core.errors import CuratorError
from curator.core.store import findings as finding_store
from curator.core.store.findings import State
from curator.core.store.store import CONVERSATION, Store

#: What the queue shows: to review (open, not sent), sent to adjudication (open), closed.
SHOW = ("to-review", "sent", "closed", "all")


def _label_error(store: Store, finding_id: int) -> dict[str, Any]:
    item = finding_store.finding(store, finding_id)
    if item["kind"] != KIND:
        raise CuratorError(f"Finding {finding_id} is not a likely label error "
                           f"(it is {item['kind']}). Nothing was changed.")
    detail = item["detail"]
    if not {"field", "given", "suggested"} <= set(detail):
        raise CuratorError(f"Finding {finding_id} has no suggestion to act on.")
    return item


@dataclass(frozen=True, slots=True)
class Accepted:
    """What :func:`accept_suggestion` changed: enough to undo it."""

    finding_id: int
    record_id: int
    field: str
    value: Any
    #: The decision replaced (label fields), None when there was none.
    decision_before: dict[str, Any] | None = None
    #: The conversation before the new answer (``answer``), None for label fields.
    conversation_before: dict[str, Any] | None = None
    statuses: dict[int, State] | None = None


def accept_suggestion(store: Store, finding_id: int, actor: str) -> Accepted:
    """Make the finding's suggested value the record's label (undo: :func:`undo_accept`)."""
    from curator.core import operations

    with store.atomic():
        item = _label_error(store, finding_id)
        detail, record_id = item["detail"], int(item["record_id"])
        fld, value = str(detail["field"]), detail["suggested"]
        # every label-error finding of this record and field: a decision resolves them all
        statuses = finding_store.states(
            store, finding_store.of_field(store, KIND, record_id, fld))
        decision_before = conversation_before = None
        if fld == ANSWER_FIELD:
            from curator.core.store.review import save_revision

            conversation_before = _conversation(store, record_id)
            save_revision(store, record_id, _with_answer(conversation_before, str(value)),
                          actor, note="label suggestion")
        else:
            confidence = detail.get("confidence")
            why = (f"Likely label error: the model suggested {value}"
                   + (f" ({float(confidence):.0%})" if confidence is not None else "")
                   + f" instead of {detail['given']}.")
            decision_before = operations.decide_label(store, record_id, fld, value, actor,
                                                      why).before
        finding_store.set_status(store, [finding_id], "resolved", actor)
    return Accepted(finding_id, record_id, fld, value, decision_before, conversation_before,
                    statuses)


def undo_accept(store: Store, accepted: Accepted, actor: str) -> None:
    """Put back the label (or answer) and the finding's status :func:`accept_suggestion`
    changed."""
    from curator.core.labeling import labels

    with store.atomic():
        if accepted.conversation_before is not None:
            from curator.core.store.review import save_revision

            save_revision(store, accepted.record_id, accepted.conversation_before, actor,
                          note="undo label suggestion")
        elif accepted.decision_before is None:
            labels.clear_adjudication(store, accepted.record_id, accepted.field, actor)
        else:
            before = accepted.decision_before
            labels.adjudicate(store, accepted.record_id, accepted.field, before["value"],
                              actor, before.get("note") or "")
        finding_store.restore_status(store, accepted.statuses or {}, actor)


def _conversation(store: Store, record_id: int) -> dict[str, Any]:
    row = store.db.execute(f"SELECT {CONVERSATION} FROM records WHERE id = ?",
                           (record_id,)).fetchone()
    if row is None or row[0] is None:
        raise CuratorError("This record could not be read, so its answer cannot change.")
    conv = json.loads(row[0])
    if not isinstance(conv, dict):
        raise CuratorError("This record is not a conversation.")
    return conv


def _with_answer(conv: dict[str, Any], value: str) -> dict[str, Any]:
    """``conv`` with its final assistant message's text replaced by ``value``."""
    after = copy.deepcopy(conv)
    messages = after.get("messages") or []
    if not messages or not isinstance(messages[-1], dict) or \
            messages[-1].get("role") != "assistant":
        raise CuratorError("This record has no final assistant answer to replace.")
    messages[-1]["content"] = value
    return after


@dataclass(frozen=True, slots=True)
class Sent:
    """What :func:`send_to_adjudication` changed: enough to undo it."""

    finding_id: int
    record_id: int
    field: str
    #: The request it replaced (None when the record was not waiting already).
    request_before: dict[str, Any] | None


def send_to_adjudication(store: Store, finding_id: int, actor: str) -> Sent:
    """Put the finding's record in its field's adjudication queue (undo: :func:`undo_send`).

    The finding stays open (the readiness checklist still counts it) until an
    adjudicator decides, which resolves it.
    """
    from curator.core.labeling import labels

    with store.atomic():
        item = _label_error(store, finding_id)
        detail, record_id = item["detail"], int(item["record_id"])
        fld = str(detail["field"])
        if fld == ANSWER_FIELD:
            raise CuratorError("The answer is not a label field, so there is no adjudication "
                               "for it: accept the suggestion, keep the answer, or edit it.")
        confidence = detail.get("confidence")
        reason = (f"Likely label error: given {detail['given']}, the model suggests "
                  f"{detail['suggested']}"
                  + (f" ({float(confidence):.0%})." if confidence is not None else "."))
        before = labels.request_adjudication(store, record_id, fld, actor, reason,
                                             detail["suggested"])
    return Sent(finding_id, record_id, fld, before)


def undo_send(store: Store, sent: Sent, actor: str) -> None:
    """Take the record off the adjudication queue again (or put back the older request)."""
    from curator.core.labeling import labels

    labels.withdraw_adjudication_request(store, sent.record_id, sent.field, actor,
                                         sent.request_before)


def undo_all(store: Store, done: Sequence[Accepted | Sent] | None, actor: str) -> None:
    """Undo several accepts or sends, last first, in one transaction."""
    with store.atomic():
        for change in reversed(done or []):
            if isinstance(change, Accepted):
                undo_accept(store, change, actor)
            else:
                undo_send(store, change, actor)


def queue(store: Store, show: str = "to-review") -> list[dict[str, Any]]:
    """Label-error findings for the review queue, most confident first.

    Each is a finding (``curator.core.store.findings.queue``'s shape) plus ``sent``:
    whether its record waits in the field's adjudication queue. ``show``: ``to-review``
    (open, not sent), ``sent`` (open and sent), ``closed`` (dismissed or resolved), ``all``.
    """
    if show not in SHOW:
        raise CuratorError(f"Unknown queue filter {show!r}.")
    items = finding_store.queue(store, KIND, "closed" if show == "closed" else
                                "all" if show == "all" else "open")
    waiting = {(int(r[0]), str(r[1])) for r in store.db.execute(
        "SELECT q.record_id, f.name FROM adjudication_requests q JOIN label_fields f "
        "ON f.id = q.field_id WHERE NOT EXISTS (SELECT 1 FROM adjudications a WHERE "
        "a.record_id = q.record_id AND a.field_id = q.field_id AND "
        "a.decided_at >= q.requested_at)")}
    first_user = dict(store.db.execute(
        "SELECT id, first_user FROM records WHERE id IN (SELECT record_id FROM findings "
        "WHERE kind = ?)", (KIND,)).fetchall())
    for item in items:
        item["sent"] = (int(item["record_id"]), str(item["detail"].get("field"))) in waiting
        item["input"] = first_user.get(item["record_id"]) or ""
    if show == "to-review":
        items = [i for i in items if not i["sent"]]
    elif show == "sent":
        items = [i for i in items if i["sent"] and i["status"] == "open"]
    items.sort(key=lambda i: (-float(i["detail"].get("confidence") or 0), i["record_id"]))
    return items


def queue_counts(store: Store) -> dict[str, int]:
    """How many label-error findings are to review, sent, dismissed and resolved."""
    every = queue(store, "all")
    return {"to_review": sum(1 for i in every if i["status"] == "open" and not i["sent"]),
            "sent": sum(1 for i in every if i["status"] == "open" and i["sent"]),
            "dismissed": sum(1 for i in every if i["status"] == "dismissed"),
            "resolved": sum(1 for i in every if i["status"] == "resolved")}
