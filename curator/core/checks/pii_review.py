"""Acting on PII findings: allow-list a text everywhere, redact spans in a record.

Every action returns what is needed to undo it, and each is one transaction with an
event in the audit trail. Redaction uses presidio-anonymizer's ``replace`` operator with
the same ``<ENTITY>`` placeholders as export, so a record redacted by hand and one
redacted on export read alike.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from curator.core.checks.pii import allow_key, settings_from_store
from curator.core.conversation import part_text, part_text_key
from curator.core.errors import CuratorError
from curator.core.store.findings import State, finding, restore_status, set_status
from curator.core.store.review import save_revision
from curator.core.store.store import CONVERSATION, Store

# -- redaction of text ---------------------------------------------------------------------


_ENGINE: Any = None


def _engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        from curator.core.checks.presidio_loader import anonymizer_engine_class

        engine_class = anonymizer_engine_class()  # fast: skips an optional Azure operator
        if engine_class is None:
            raise CuratorError("presidio-anonymizer is not installed, so nothing can be "
                               "redacted; install Curator's dependencies again.")
        _ENGINE = engine_class()
    return _ENGINE


def redact_text(text: str, spans: Iterable[tuple[str, int, int]]
                ) -> tuple[str, list[tuple[int, int, int, int]]]:
    """``text`` with each ``(entity, start, end)`` span replaced by ``<ENTITY>``
    (presidio-anonymizer's ``replace``). Overlapping spans are joined first.

    Also returns, for each replacement, its old and new ``(start, end, new_start,
    new_end)``, so other offsets in the text can be moved. (Export redacts with
    :class:`curator.core.export.redact.Redactor`, which also numbers pseudonyms.)
    """
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(entity, start, end, 1.0)
               for entity, start, end in _without_overlaps(spans, len(text))]
    if not results:
        return text, []
    result = _engine().anonymize(text=text, analyzer_results=results,
                                 operators={"DEFAULT": OperatorConfig("replace")})
    # one replacement per span (the spans given do not overlap), both in text order
    new_items = sorted((i.start, i.end) for i in result.items)
    old_spans = sorted((r.start, r.end) for r in results)
    moves = [(a, b, c, d) for (a, b), (c, d) in zip(old_spans, new_items, strict=True)]
    return result.text, moves


def _without_overlaps(spans: Iterable[tuple[str, int, int]], length: int
                      ) -> list[tuple[str, int, int]]:
    """Overlapping spans joined into one (named after the longest), in text order."""
    out: list[tuple[str, int, int]] = []
    for entity, start, end in sorted((s for s in spans if 0 <= s[1] < s[2] <= length),
                                     key=lambda s: (s[1], -s[2])):
        if out and start < out[-1][2]:
            prev = out[-1]
            longest = prev[0] if prev[2] - prev[1] >= end - start else entity
            out[-1] = (longest, prev[1], max(prev[2], end))
        else:
            out.append((entity, start, end))
    return out


def move_offset(moves: Sequence[tuple[int, int, int, int]], start: int, end: int
                ) -> tuple[int, int] | None:
    """Where ``start..end`` is after the replacements; None if a replacement ate it."""
    shift = 0
    for a, b, _c, d in moves:
        if start < b and a < end:
            return None
        if b <= start:
            shift = d - b
    return start + shift, end + shift


# -- conversations -------------------------------------------------------------------------


def _get_text(conv: dict[str, Any], message: int, part: int | None) -> str | None:
    try:
        content = conv["messages"][message]["content"]
        if part is None:
            return content if isinstance(content, str) else None
        item = content[part]
        return item if isinstance(item, str) else part_text(item)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def _set_text(conv: dict[str, Any], message: int, part: int | None, text: str) -> None:
    if part is None:
        conv["messages"][message]["content"] = text
    elif isinstance(conv["messages"][message]["content"][part], str):
        conv["messages"][message]["content"][part] = text
    else:
        item = conv["messages"][message]["content"][part]
        item[part_text_key(item) or "text"] = text


# -- allow-list ---------------------------------------------------------------------------


@dataclass
class AllowUndo:
    text: str
    added: bool
    states: dict[int, State]


def allow(store: Store, text: str, actor: str) -> AllowUndo:
    """Put ``text`` on the project's PII allow-list and dismiss every open finding of it."""
    text = " ".join(text.split())
    if not text:
        raise CuratorError("There is no text to allow.")
    key = allow_key(text)
    with store.atomic():
        settings = settings_from_store(store)
        added = key not in {allow_key(t) for t in settings.allow_list}
        if added:
            settings.allow_list.append(text)
            store.set_setting("pii", settings.model_dump(), actor)
        ids = [fid for fid, found in store.db.execute(
            "SELECT id, text FROM findings WHERE kind = 'pii' AND status = 'open' "
            "AND text IS NOT NULL") if allow_key(found) == key]
        states = set_status(store, ids, "dismissed", actor, confirmed=False)
        store.log_event(actor, "pii_allow", None, {"text": text, "dismissed": len(ids)})
    return AllowUndo(text, added, states)


def allow_all(store: Store, texts: Sequence[str], actor: str) -> list[AllowUndo]:
    """:func:`allow` for several texts at once (several groups of the queue), as one
    transaction: one step to undo with :func:`undo_allow_all`."""
    with store.atomic():
        return [allow(store, text, actor) for text in texts]


def undo_allow_all(store: Store, undos: Sequence[AllowUndo], actor: str) -> None:
    with store.atomic():
        for undo in reversed(undos):
            undo_allow(store, undo, actor)


def undo_allow(store: Store, undo: AllowUndo, actor: str) -> None:
    with store.atomic():
        if undo.added:
            settings = settings_from_store(store)
            key = allow_key(undo.text)
            settings.allow_list = [t for t in settings.allow_list if allow_key(t) != key]
            store.set_setting("pii", settings.model_dump(), actor)
        restore_status(store, undo.states, actor)
        store.log_event(actor, "pii_allow_undone", None, {"text": undo.text})


def allow_list(store: Store) -> list[str]:
    return list(settings_from_store(store).allow_list)


# -- occurrences of a group of the queue -------------------------------------------------


def occurrences(store: Store, finding_ids: Sequence[int], limit: int = 200,
                context: int = 48) -> list[dict[str, Any]]:
    """Where the findings are (a group of the queue, see ``findings.pii_groups``): for
    each, in record order, the finding (as ``findings.finding`` gives it) and a
    ``snippet`` of its message, the span with ``context`` characters each side. At most
    ``limit`` of them (a group of 500 spans is decided at once, not read through)."""
    if not finding_ids:
        return []
    ids = sorted(set(finding_ids))
    rows: list[dict[str, Any]] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        rows.extend({"id": r[0], "record_id": r[1], "message": r[2], "part": r[3]}
                    for r in store.db.execute(
                        f"SELECT id, record_id, message_index, json_extract(detail, "
                        f"'$.part') FROM findings WHERE id IN ({marks})", chunk))
    rows.sort(key=lambda r: (r["record_id"] or 0, r["message"] or 0, r["id"]))
    out = []
    for row in rows[:limit]:
        item = finding(store, row["id"])
        item["before"], item["after"] = _context(store, item, row["part"], context)
        item["snippet"] = f"{item['before']}{item['text'] or ''}{item['after']}"
        out.append(item)
    return out


def _context(store: Store, item: dict[str, Any], part: int | None, context: int
             ) -> tuple[str, str]:
    """The text before and after the span in its message (``context`` characters each,
    white space run together, … where cut); empty when the message changed since."""
    found = store.db.execute(f"SELECT {CONVERSATION} FROM records WHERE id = ?",
                             (item["record_id"],)).fetchone()
    text = None
    if found is not None and found[0] is not None and item.get("message") is not None:
        text = _get_text(json.loads(found[0]), int(item["message"]), part)
    start, end = item.get("start"), item.get("end")
    if text is None or start is None or end is None or text[start:end] != item.get("text"):
        return "", ""

    def flat(piece: str) -> str:
        return " ".join(piece.split()) if piece.strip() else ""

    before, after = flat(text[max(0, start - context):start]), flat(text[end:end + context])
    if before and text[start - 1].isspace():
        before += " "
    if after and text[end].isspace():
        after = " " + after
    return (("…" if start > context else "") + before,
            after + ("…" if end + context < len(text) else ""))


# -- redaction in a record -----------------------------------------------------------------


@dataclass
class RedactUndo:
    record_id: int
    before: dict[str, Any]
    #: Every PII finding of the record as it was: id -> (start, end, status, by, at, detail)
    rows: dict[int, tuple[Any, ...]]


def redact(store: Store, finding_ids: Sequence[int], actor: str) -> RedactUndo:
    """Replace the spans of these PII findings (all in one record) by ``<TYPE>``.

    Saves a new revision (the original stays), marks the findings resolved and moves the
    offsets of the record's other PII findings so they still point at their text.
    """
    if not finding_ids:
        raise CuratorError("Choose the personal data to redact first.")
    with store.atomic():
        marks = ",".join("?" * len(finding_ids))
        chosen = store.db.execute(
            f'SELECT id, record_id, code, message_index, start, "end", detail FROM findings '
            f"WHERE id IN ({marks}) AND kind = 'pii'", list(finding_ids)).fetchall()
        if not chosen:
            raise CuratorError("That finding no longer exists; reload the list.")
        records = {row[1] for row in chosen}
        if len(records) != 1:
            raise CuratorError("Redact spans of one record at a time.")
        record_id = records.pop()
        row = store.db.execute(f"SELECT {CONVERSATION} FROM records WHERE id = ?",
                               (record_id,)).fetchone()
        if row is None or row[0] is None:
            raise CuratorError("This record could not be read, so it cannot be redacted.")
        before = json.loads(row[0])
        all_rows = {r[0]: r[1:] for r in store.db.execute(
            'SELECT id, start, "end", status, status_by, status_at, detail, message_index '
            "FROM findings WHERE record_id = ? AND kind = 'pii'", (record_id,))}
        after = copy.deepcopy(before)
        groups: dict[tuple[int, int | None], list[tuple[str, int, int]]] = {}
        for _fid, _rid, code, message, start, end, detail in chosen:
            part = json.loads(detail).get("part") if detail else None
            groups.setdefault((message, part), []).append((code, start, end))
        moved: dict[int, tuple[int, int] | None] = {}
        for (message, part), spans in groups.items():
            text = _get_text(after, message, part)
            if text is None:
                continue
            new_text, moves = redact_text(text, spans)
            _set_text(after, message, part, new_text)
            for fid, (start, end, _s, _b, _a, detail, msg) in all_rows.items():
                other_part = json.loads(detail).get("part") if detail else None
                if msg == message and other_part == part and start is not None:
                    moved[fid] = move_offset(moves, start, end)
        if after == before:
            raise CuratorError("The flagged text is no longer in the record (it was edited); "
                               "scan again to refresh the findings.")
        save_revision(store, record_id, after, actor, note="redact personal data")
        resolved = [fid for fid, pos in moved.items() if pos is None] + list(finding_ids)
        set_status(store, sorted(set(resolved)), "resolved", actor)
        for fid, pos in moved.items():
            if pos is not None:
                store.db.execute('UPDATE findings SET start = ?, "end" = ? WHERE id = ?',
                                 (pos[0], pos[1], fid))
        store.log_event(actor, "pii_redact", record_id, {"findings": list(finding_ids)})
    return RedactUndo(record_id, before, all_rows)


def undo_redact(store: Store, undo: RedactUndo, actor: str) -> None:
    """Save the conversation as it was before :func:`redact` and put the spans back."""
    with store.atomic():
        save_revision(store, undo.record_id, undo.before, actor, note="undo redaction")
        for fid, (start, end, status, by, at, detail, _msg) in undo.rows.items():
            store.db.execute(
                'UPDATE findings SET start = ?, "end" = ?, status = ?, status_by = ?, '
                "status_at = ?, detail = ? WHERE id = ?",
                (start, end, status, by, at, detail, fid))
        store.log_event(actor, "pii_redact_undone", undo.record_id, {})
