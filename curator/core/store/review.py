"""Review decisions, edits and repairs: each one a transaction and an event in the audit
trail."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from curator.core import preference
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
            f"SELECT revision, valid, {CONVERSATION}, tokens FROM records WHERE id = ?",
            (record_id,)).fetchone()
        if row is None:
            raise CuratorError("That record no longer exists.")
        revision, valid, before, counted = row
        if not valid:
            raise CuratorError("This line could not be read as an example, so it cannot "
                               "be edited here. If it was written with Python's str() "
                               "(single quotes, True, None), repair it (curator repair "
                               "PROJECT --python-literals); otherwise fix the source file "
                               "and import it again.")
        after = compact(conversation)
        number = revision + 1
        store.db.execute(
            "INSERT INTO revisions(record_id, number, author, created_at, before, after, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (record_id, number, actor, now(), before, after, note))
        conv_hash, input_hash, output_hash, first_user = conversation_hashes(conversation)
        # A token count that a scan made is kept true for the new text (none stays none
        # until a scan counts every record).
        tokens = _token_count(conversation) if counted is not None else None
        store.db.execute(
            "UPDATE records SET conversation = ?, revision = ?, conv_hash = ?, input_hash = ?,"
            " output_hash = ?, first_user = ?, tokens = ? WHERE id = ?",
            (after, number, conv_hash, input_hash, output_hash, first_user, tokens,
             record_id))
        store.log_event(actor, "edit", record_id, {"revision": number, "note": note})
    return int(number)


def swap_answers(store: Store, record_ids: Sequence[int], actor: str, note: str = "swap"
                 ) -> dict[int, int]:
    """Exchange the preferred and non-preferred answers of preference records, each as a
    new revision (the raw line stays as imported); returns each record's new revision.

    Swapping twice gives the record back as it was, so the undo of a swap is a swap.
    Refused, with nothing changed, when a record is not a readable preference pair.
    """
    done: dict[int, int] = {}
    with store.atomic():
        for rid in record_ids:
            row = store.db.execute(f"SELECT key, {CONVERSATION} FROM records WHERE id = ?",
                                   (rid,)).fetchone()
            if row is None:
                raise CuratorError("That record no longer exists.")
            conv = json.loads(row[1]) if row[1] else None
            if not preference.is_preference(conv):
                raise CuratorError(f"{row[0]} is not a preference pair (a chosen and a "
                                   "rejected answer), so there is nothing to swap. "
                                   "Nothing was changed.")
            done[rid] = save_revision(store, rid, preference.swap(conv), actor, note)
    return done


def _token_count(conversation: dict[str, Any]) -> int:
    """The conversation's tokens, counted as the schema scan counts them."""
    from curator.core.checks.tokens import TokenCounter

    return TokenCounter().count(conversation)[0]


@dataclass(frozen=True)
class Repaired:
    """What :func:`repair_record` changed, for :func:`unrepair_record`."""

    record_id: int
    revision: int
    own_id: str | None
    resolved: tuple[int, ...]


def repair_record(store: Store, record_id: int, conversation: dict[str, Any], fmt: str,
                  notes: list[dict[str, Any]] | None, own_id: str | None, actor: str,
                  note: str) -> Repaired:
    """Make an invalid record valid, with ``conversation`` as its new revision.

    An invalid record has no conversation, so :func:`save_revision` refuses it; a repair
    (a line that could not be read, read another way) gives it one. The raw line stays
    byte for byte, and so do ``error_code``/``error``, which describe that line; the
    revision's ``before`` is null. The record's open schema findings (the "could not be
    read" one) are resolved, and a ``repair`` event names the actor.
    """
    with store.atomic():
        row = store.db.execute("SELECT revision, valid, own_id FROM records WHERE id = ?",
                               (record_id,)).fetchone()
        if row is None:
            raise CuratorError("That record no longer exists.")
        revision, valid, own_before = row
        if valid:
            raise CuratorError("This record can be read already; edit it instead.")
        after = compact(conversation)
        number = int(revision) + 1
        store.db.execute(
            "INSERT INTO revisions(record_id, number, author, created_at, before, after, note) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?)", (record_id, number, actor, now(), after, note))
        conv_hash, input_hash, output_hash, first_user = conversation_hashes(conversation)
        store.db.execute(
            "UPDATE records SET valid = 1, format = ?, conversation = ?, notes = ?, "
            "own_id = ?, revision = ?, conv_hash = ?, input_hash = ?, output_hash = ?, "
            "first_user = ?, tokens = NULL WHERE id = ?",
            (fmt, after, compact(notes) if notes else None, own_id, number, conv_hash,
             input_hash, output_hash, first_user, record_id))
        resolved = tuple(r[0] for r in store.db.execute(
            "SELECT id FROM findings WHERE record_id = ? AND kind = 'schema' AND "
            "status = 'open'", (record_id,)))
        store.db.executemany(
            "UPDATE findings SET status = 'resolved', status_by = ?, status_at = ? "
            "WHERE id = ?", [(actor, now(), fid) for fid in resolved])
        store.log_event(actor, "repair", record_id, {
            "revision": number, "format": fmt, "note": note, "resolved": list(resolved)})
    return Repaired(record_id, number, own_before, resolved)


def unrepair_record(store: Store, repaired: Repaired, actor: str) -> bool:
    """Undo :func:`repair_record`: the record is the unreadable line it was again.

    Refused (False, nothing changed) when the record changed since (edited, or repaired
    again): that work is kept. The repair's revision is removed (the events keep both).
    """
    with store.atomic():
        row = store.db.execute("SELECT revision, valid FROM records WHERE id = ?",
                               (repaired.record_id,)).fetchone()
        if row is None or not row[1] or row[0] != repaired.revision:
            return False
        store.db.execute("DELETE FROM revisions WHERE record_id = ? AND number = ?",
                         (repaired.record_id, repaired.revision))
        store.db.execute(
            "UPDATE records SET valid = 0, format = NULL, conversation = NULL, notes = NULL, "
            "own_id = ?, revision = ?, conv_hash = NULL, input_hash = NULL, "
            "output_hash = NULL, first_user = NULL, tokens = NULL WHERE id = ?",
            (repaired.own_id, repaired.revision - 1, repaired.record_id))
        store.db.executemany(
            "UPDATE findings SET status = 'open', status_by = NULL, status_at = NULL "
            "WHERE id = ? AND status = 'resolved'", [(fid,) for fid in repaired.resolved])
        store.log_event(actor, "repair_undo", repaired.record_id,
                        {"revision": repaired.revision})
    return True


def revisions(store: Store, record_id: int) -> list[dict[str, Any]]:
    """A record's revisions, oldest first (``before`` is None for a repaired line)."""
    cursor = store.db.execute(
        "SELECT number, author, created_at, before, after, note FROM revisions "
        "WHERE record_id = ? ORDER BY number", (record_id,))
    return [{"number": r[0], "author": r[1], "at": r[2],
             "before": json.loads(r[3]) if r[3] is not None else None,
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
