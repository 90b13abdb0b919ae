"""Review decisions and edits: each one a transaction and an event in the audit trail."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from curator.core.conversation import conversation_hashes
from curator.core.errors import CuratorError
from curator.core.jsontext import compact
from curator.core.model import REVIEW_STATES
from curator.core.store.store import CONVERSATION, Store, now


def set_review(store: Store, record_ids: Sequence[int], state: str, actor: str
               ) -> dict[int, str]:
    """Set the review state of records; returns their previous states (for undo)."""
    if state not in REVIEW_STATES:
        raise CuratorError(f"Unknown review state {state!r}.")
    before: dict[int, str] = {}
    with store.atomic():
        for rid in record_ids:
            row = store.db.execute("SELECT review FROM records WHERE id = ?", (rid,)).fetchone()
            if row is None:
                continue
            before[rid] = row[0]
            if row[0] == state:
                continue
            store.db.execute("UPDATE records SET review = ? WHERE id = ?", (state, rid))
            store.log_event(actor, "review", rid, {"before": row[0], "after": state})
    return before


def restore_reviews(store: Store, states: dict[int, str], actor: str) -> None:
    """Put back review states (the undo of :func:`set_review`)."""
    with store.atomic():
        for rid, state in states.items():
            set_review(store, [rid], state, actor)


def save_revision(store: Store, record_id: int, conversation: dict[str, Any], actor: str,
                  note: str = "") -> int:
    """Store an edited conversation as the record's new revision; the original stays.

    Returns the new revision number.
    """
    with store.atomic():
        row = store.db.execute(
            f"SELECT revision, valid, {CONVERSATION} FROM records WHERE id = ?",
            (record_id,)).fetchone()
        if row is None:
            raise CuratorError("That record no longer exists.")
        revision, valid, before = row
        if not valid:
            raise CuratorError("This line could not be read as an example, so it cannot "
                               "be edited here; fix the source file and import it again.")
        after = compact(conversation)
        number = revision + 1
        store.db.execute(
            "INSERT INTO revisions(record_id, number, author, created_at, before, after, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (record_id, number, actor, now(), before, after, note))
        conv_hash, input_hash, output_hash, first_user = conversation_hashes(conversation)
        store.db.execute(
            "UPDATE records SET conversation = ?, revision = ?, conv_hash = ?, input_hash = ?,"
            " output_hash = ?, first_user = ? WHERE id = ?",
            (after, number, conv_hash, input_hash, output_hash, first_user, record_id))
        store.log_event(actor, "edit", record_id, {"revision": number, "note": note})
    return int(number)


def revisions(store: Store, record_id: int) -> list[dict[str, Any]]:
    cursor = store.db.execute(
        "SELECT number, author, created_at, before, after, note FROM revisions "
        "WHERE record_id = ? ORDER BY number", (record_id,))
    return [{"number": r[0], "author": r[1], "at": r[2], "before": json.loads(r[3]),
             "after": json.loads(r[4]), "note": r[5]} for r in cursor]


def last_event(store: Store) -> int:
    """The id of the newest event (every change Curator makes logs one)."""
    return int(store.db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])


def changes_since(store: Store, event_id: int, session: str | None) -> tuple[int, bool]:
    """The newest event id, and whether anyone but ``session`` changed the project."""
    newest, foreign = store.db.execute(
        "SELECT COALESCE(MAX(id), ?), COALESCE(SUM(session IS NOT ?), 0) FROM events "
        "WHERE id > ?", (event_id, session, event_id)).fetchone()
    return int(newest), bool(foreign)
