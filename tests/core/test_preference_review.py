"""Reviewing preference pairs in the core (issue 17): swapping the answers and editing one,
each a revision; the imported line stays as it was."""

from __future__ import annotations

import pytest

from curator.core import preference
from curator.core.errors import CuratorError
from curator.core.store import Store
from curator.core.store.review import revisions, save_revision, swap_answers

PAIR = {"id": "p1", "input": {"messages": [{"role": "user", "content": "Capital of France?"}]},
        "preferred_output": [{"role": "assistant", "content": "Paris."}],
        "non_preferred_output": [{"role": "assistant", "content": "Lyon."}]}
CHAT = {"id": "c1", "messages": [{"role": "user", "content": "Hi"},
                                 {"role": "assistant", "content": "Hello."}]}


def current(store: Store, key: str) -> dict:  # type: ignore[type-arg]
    record = store.record(key)
    assert record is not None
    return record


def store_conversation(store: Store, rid: int) -> dict:  # type: ignore[type-arg]
    from curator.core.store.browse import record_detail

    return record_detail(store, rid)["conversation"]  # type: ignore[no-any-return]


def test_swap_is_a_revision_and_a_second_swap_restores(store: Store, load) -> None:  # type: ignore[no-untyped-def]
    load(PAIR)
    rid = current(store, "p1")["id"]
    raw = store.db.execute("SELECT raw FROM records WHERE id = ?", (rid,)).fetchone()[0]
    assert swap_answers(store, [rid], "ann") == {rid: 1}
    conv = preference.outputs(revisions(store, rid)[-1]["after"])
    assert [side[0]["content"] for side in conv] == ["Lyon.", "Paris."]
    assert revisions(store, rid)[-1]["note"] == "swap"
    swap_answers(store, [rid], "ann", "undo swap")
    history = revisions(store, rid)
    assert [r["note"] for r in history] == ["swap", "undo swap"]
    assert history[-1]["after"] == history[0]["before"]
    assert store.db.execute("SELECT raw FROM records WHERE id = ?",
                            (rid,)).fetchone()[0] == raw


def test_swap_of_a_chat_is_refused_and_changes_nothing(store: Store, load) -> None:  # type: ignore[no-untyped-def]
    load(PAIR, CHAT)
    ids = [current(store, "p1")["id"], current(store, "c1")["id"]]
    with pytest.raises(CuratorError, match="c1 is not a preference pair"):
        swap_answers(store, ids, "ann")
    assert revisions(store, ids[0]) == []  # the pair before it was rolled back too


def test_editing_one_answer_keeps_the_other(store: Store, load) -> None:  # type: ignore[no-untyped-def]
    load(PAIR)
    rid = current(store, "p1")["id"]
    conv = preference.with_output_text(store_conversation(store, rid), 1, 0, "Marseille.")
    save_revision(store, rid, conv, "ann", "edit")
    after = revisions(store, rid)[-1]["after"]
    assert after["preferred_output"][0]["content"] == "Paris."
    assert after["non_preferred_output"][0]["content"] == "Marseille."
    assert store_conversation(store, rid) == after
    with pytest.raises(IndexError):
        preference.with_output_text(conv, 0, 3, "x")
