"""Pairwise label fields: which of a preference record's two answers is better, asked blind.

A ``pairwise`` field asks of a preference record (:mod:`curator.core.preference`) "which
answer is better?". The answers are named by the record as imported: **A** is its first
completion (``preferred_output``, the file's *chosen*), **B** its second (the file's
*rejected*). A label is stored in those terms, never in screen positions::

    {"better": "A" | "B" | "tie", "shown": ["B", "A"]}

``shown`` is the order the annotator saw the answers in (Answer 1, Answer 2), kept for
the audit; a label given without a blind display (imported, or an adjudicator's
decision) has none. The order is drawn per annotator and record from a sha256 of both
names (:func:`shown_order`): the same person sees the same order every time, in the
project or in a pack, and different people see different orders, so nobody learns
which answer the file prefers from where it stands.

The labels mean the same after a swap of the record (a revision that exchanges chosen
and rejected): :func:`current_letters` finds which of the current answers is A by
comparing them with the record as imported. Agreement is nominal over the outcome
(:func:`outcome`: A, B or tie); a final decision of A or B makes that answer the
record's chosen one (:func:`swap_needed`).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any

from curator.core import preference
from curator.core.errors import CuratorError
from curator.core.jsontext import compact
from curator.core.store.store import CONVERSATION, Store

#: The answers of a pair, as imported: A the file's chosen, B its rejected.
SIDES = ("A", "B")
#: What a pairwise label can say.
OUTCOMES = ("A", "B", "tie")
#: How the outcomes read for a person.
WORDS = {"A": "A is better", "B": "B is better", "tie": "tie"}


def outcome(value: Any) -> Any:
    """A pairwise value's judgement (``A``, ``B`` or ``tie``); any other value as it is.

    What agreement, final labels and the records table compare: two annotators who saw
    the answers in different orders and preferred the same one agree.
    """
    if isinstance(value, dict) and "better" in value:
        return value["better"]
    return value


def normalise(name: str, value: Any) -> dict[str, Any] | None:
    """``value`` in its stored form for the pairwise field ``name`` (None: no label).

    Takes ``A``, ``B`` or ``tie`` (any case), or ``{"better": ..., "shown": [...]}``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise CuratorError(f'"{value}" is not valid JSON for "{name}".') from None
    shown: Any = None
    if isinstance(value, dict):
        extra = sorted(set(value) - {"better", "shown"})
        if extra:
            raise CuratorError(f'A value of the pairwise field "{name}" has "better" and '
                               f'"shown", not "{extra[0]}".')
        shown = value.get("shown")
        value = value.get("better")
    better = _outcome(name, value)
    out: dict[str, Any] = {"better": better}
    if shown is not None:
        if (not isinstance(shown, list) or len(shown) != len(SIDES)
                or sorted(str(s).upper() for s in shown) != sorted(SIDES)):
            raise CuratorError(f'"shown" of the pairwise field "{name}" lists the answers '
                               'in the order shown, e.g. ["B", "A"].')
        out["shown"] = [str(s).upper() for s in shown]
    return out


def _outcome(name: str, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else None
    for choice in OUTCOMES:
        if text is not None and text.lower() == choice.lower():
            return choice
    shown = value if isinstance(value, str) else compact(value)
    raise CuratorError(f'The pairwise field "{name}" takes A (the first answer as imported '
                       f'is better), B (the second is) or tie, not {shown}.')


def shown_order(annotator: str, record_key: str) -> list[str]:
    """The order ``annotator`` sees the answers of record ``record_key`` in (A and B,
    shuffled). Seeded by a sha256 of both names, so it is the same in every process,
    project and pack (Python's ``hash()`` is salted per process)."""
    digest = hashlib.sha256(f"{annotator}\x1f{record_key}".encode()).digest()
    order = list(SIDES)
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


def value_for(order: list[str], picked: int | str) -> dict[str, Any]:
    """The stored value when the person who saw ``order`` picks answer ``picked`` (0 for
    Answer 1, 1 for Answer 2) or ``"tie"``."""
    better = "tie" if picked == "tie" else order[int(picked)]
    return {"better": better, "shown": list(order)}


# -- the record's answers ------------------------------------------------------------


def _conversation(store: Store, record_id: int) -> tuple[str, dict[str, Any] | None]:
    row = store.db.execute(f"SELECT key, valid, {CONVERSATION} FROM records WHERE id = ?",
                           (record_id,)).fetchone()
    if row is None:
        raise CuratorError("That record no longer exists.")
    conv = json.loads(row[2]) if row[1] and row[2] else None
    return str(row[0]), conv if isinstance(conv, dict) else None


def original(store: Store, record_id: int) -> dict[str, Any] | None:
    """The record's conversation as imported (before its first revision)."""
    row = store.db.execute("SELECT before, after FROM revisions WHERE record_id = ? "
                           "ORDER BY number LIMIT 1", (record_id,)).fetchone()
    if row is None:
        return _conversation(store, record_id)[1]
    conv = json.loads(row[0] if row[0] is not None else row[1])
    return conv if isinstance(conv, dict) else None


def letters(first: dict[str, Any], current: dict[str, Any]) -> tuple[str, str]:
    """Which letters the current chosen and rejected answers are: ``("A", "B")``, or
    ``("B", "A")`` when ``current`` has them swapped relative to ``first`` (the record
    as imported). An answer edited since counts by the one that still matches."""
    was = [preference.side_key(side) for side in preference.outputs(first)]
    now = [preference.side_key(side) for side in preference.outputs(current)]
    straight = (now[0] == was[0]) + (now[1] == was[1])
    crossed = (now[0] == was[1]) + (now[1] == was[0])
    return ("B", "A") if crossed > straight else ("A", "B")


def current_letters(store: Store, record_id: int) -> tuple[str, str]:
    """The letters of the record's current chosen and rejected answers."""
    _, conv = _conversation(store, record_id)
    first = original(store, record_id)
    if conv is None or first is None:
        return "A", "B"
    return letters(first, conv)


def is_pair(store: Store, record_id: int) -> bool:
    """Whether a record is a readable preference pair (a pairwise field applies)."""
    return preference.is_preference(_conversation(store, record_id)[1])


@dataclass(frozen=True, slots=True)
class BlindPair:
    """A preference record as one annotator is shown it."""

    record_key: str
    prompt: list[Any]
    order: list[str]                 # the letters shown as Answer 1, Answer 2
    answers: list[list[Any]]         # the answers' messages, in that order


def blind_pair(store: Store, record_id: int, annotator: str) -> BlindPair | None:
    """The record's prompt and answers in ``annotator``'s order; None if not a pair."""
    key, conv = _conversation(store, record_id)
    if not preference.is_preference(conv) or conv is None:
        return None
    first = original(store, record_id) or conv
    now = dict(zip(letters(first, conv), preference.outputs(conv), strict=True))
    order = shown_order(annotator, key)
    return BlindPair(key, preference.prompt(conv), order, [now[x] for x in order])


def shown_ranks(store: Store, record_id: int, annotator: str) -> list[int] | None:
    """Where the answers ``annotator`` sees as Answer 1 and Answer 2 stand in the record
    now (0 its chosen, 1 its rejected), for a record view shown blind beside the panel;
    None if the record is not a pair. The same order as :func:`blind_pair`'s."""
    key, conv = _conversation(store, record_id)
    if not preference.is_preference(conv) or conv is None:
        return None
    first = original(store, record_id) or conv
    now = letters(first, conv)
    return [now.index(x) for x in shown_order(annotator, key)]


def swap_needed(store: Store, record_id: int, value: Any) -> bool:
    """Whether deciding ``value`` means swapping the record: the answer judged better is
    its rejected one now. A tie, or a record that is not a pair, needs none."""
    better = outcome(value)
    if better not in SIDES or not is_pair(store, record_id):
        return False
    return bool(current_letters(store, record_id)[0] != better)
