"""Undoable actions: each submits a core operation and knows the operation that undoes it.

Redo and undo go through the window's ``submit_op`` (its writer runner), so they are
written in the order they were asked for and are never dropped by Cancel or by closing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from curator.app.operations import Submit
from curator.core.store import Store
from curator.core.store.review import restore_reviews, save_revision, set_review


class ReviewCommand(QUndoCommand):
    """Set the review state of some records; undo puts back what each had."""

    def __init__(self, submit: Submit, ids: list[int], state: str, before: dict[int, str],
                 actor: str, on_change: Callable[[], None]) -> None:
        label = f"Mark {len(ids)} record{'s' if len(ids) != 1 else ''} {state}"
        super().__init__(label)
        self.submit, self.ids, self.state, self.before = submit, ids, state, before
        self.actor, self.on_change = actor, on_change

    def redo(self) -> None:
        ids, state, actor = self.ids, self.state, self.actor
        self.submit("Saving review", lambda s: set_review(s, ids, state, actor),
                    lambda _: self.on_change(), None)

    def undo(self) -> None:
        before, actor = dict(self.before), self.actor
        self.submit("Undoing review", lambda s: restore_reviews(s, before, actor),
                    lambda _: self.on_change(), None)


class EditCommand(QUndoCommand):
    """Save an edited conversation as a new revision; undo saves the previous one back."""

    def __init__(self, submit: Submit, record_id: int, before: dict[str, Any],
                 after: dict[str, Any], actor: str, on_change: Callable[[], None]) -> None:
        super().__init__("Edit message")
        self.submit, self.record_id, self.before, self.after = submit, record_id, before, after
        self.actor, self.on_change = actor, on_change

    def _save(self, conversation: dict[str, Any], note: str) -> None:
        rid, actor = self.record_id, self.actor
        self.submit("Saving edit", lambda s: save_revision(s, rid, conversation, actor, note),
                    lambda _: self.on_change(), None)

    def redo(self) -> None:
        self._save(self.after, "edit")

    def undo(self) -> None:
        self._save(self.before, "undo edit")


class CoreCommand(QUndoCommand):
    """Any core operation that returns what its undo needs.

    ``do(store)`` returns a token; ``undo(store, token)`` reverses it. Operations run in
    order, so an undo pushed before ``do`` has finished still sees its token.
    """

    def __init__(self, submit: Submit, label: str, do: Callable[[Store], Any],
                 undo: Callable[[Store, Any], Any], on_change: Callable[[], None]) -> None:
        super().__init__(label)
        self.submit, self.do, self.undo_call, self.on_change = submit, do, undo, on_change
        self.token: Any = None

    def _did(self, token: Any) -> None:
        self.token = token
        self.on_change()

    def redo(self) -> None:
        self.submit(self.text(), self.do, self._did, None)

    def undo(self) -> None:
        self.submit(f"Undo: {self.text()}", lambda s: self.undo_call(s, self.token),
                    lambda _: self.on_change(), None)
