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
from curator.core.store.review import restore_reviews, save_revision, set_review, swap_answers


class CoreCommand(QUndoCommand):
    """Any core operation that returns what its undo needs.

    ``do(store)`` returns a token; ``undo(store, token)`` reverses it. Operations run in
    order, so an undo pushed before ``do`` has finished still sees its token. ``names``
    are the two jobs' names (by default the command's text, and "Undo: " before it).
    """

    def __init__(self, submit: Submit, label: str, do: Callable[[Store], Any],
                 undo: Callable[[Store, Any], Any], on_change: Callable[[], None],
                 names: tuple[str, str] | None = None) -> None:
        super().__init__(label)
        self.submit, self.do, self.undo_call, self.on_change = submit, do, undo, on_change
        self.names = names or (label, f"Undo: {label}")
        self.token: Any = None

    def _did(self, token: Any) -> None:
        self.token = token
        self.on_change()

    def redo(self) -> None:
        self.submit(self.names[0], self.do, self._did, None)

    def undo(self) -> None:
        self.submit(self.names[1], lambda s: self.undo_call(s, self.token),
                    lambda _: self.on_change(), None)


class ReviewCommand(CoreCommand):
    """Set the review state of some records; undo puts back what each had."""

    def __init__(self, submit: Submit, ids: list[int], state: str, before: dict[int, str],
                 actor: str, on_change: Callable[[], None]) -> None:
        restore = dict(before)
        super().__init__(
            submit, f"Mark {len(ids)} record{'s' if len(ids) != 1 else ''} {state}",
            lambda s: set_review(s, ids, state, actor),
            lambda s, _token: restore_reviews(s, restore, actor),
            on_change, ("Saving review", "Undoing review"))


class EditCommand(CoreCommand):
    """Save an edited conversation as a new revision; undo saves the previous one back."""

    def __init__(self, submit: Submit, record_id: int, before: dict[str, Any],
                 after: dict[str, Any], actor: str, on_change: Callable[[], None],
                 label: str = "Edit message") -> None:
        super().__init__(
            submit, label,
            lambda s: save_revision(s, record_id, after, actor, "edit"),
            lambda s, _token: save_revision(s, record_id, before, actor, "undo edit"),
            on_change, ("Saving edit", "Saving edit"))


class SwapCommand(CoreCommand):
    """Exchange a preference pair's chosen and rejected answers (a revision); the undo
    swaps them back (another revision: history only grows)."""

    def __init__(self, submit: Submit, record_id: int, actor: str,
                 on_change: Callable[[], None]) -> None:
        super().__init__(
            submit, "Swap chosen and rejected",
            lambda s: swap_answers(s, [record_id], actor),
            lambda s, _token: swap_answers(s, [record_id], actor, "undo swap"),
            on_change, ("Swapping answers", "Swapping answers back"))


class DecisionCommand(CoreCommand):
    """A decision the adjudication view has saved already (pushed afterwards): undo puts
    back the decision it replaced and swaps back a preference record it swapped; redo
    decides again."""

    def __init__(self, submit: Submit, decision: Any, value: Any, note: str, actor: str,
                 on_change: Callable[[], None]) -> None:
        from curator.core.operations import decide_label, undo_decision

        rid, name = decision.record_id, decision.field
        super().__init__(
            submit, f"Decide {name}",
            lambda s: decide_label(s, rid, name, value, actor, note),
            lambda s, token: undo_decision(s, token, actor),
            on_change, ("Saving the decision", "Undoing the decision"))
        self.token = decision
        self._saved = True

    def redo(self) -> None:
        if self._saved:              # QUndoStack.push redoes: this one is saved already
            self._saved = False
            return
        super().redo()
