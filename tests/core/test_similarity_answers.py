"""Issue 16: answers to the same request that say different things contradict each other
whatever their cosine (another figure, yes against no), and are never near duplicates;
inflections do not make two rewordings differ."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from curator.core.checks.similarity.decisions import (
    answers_differ,
    details,
    differing,
    polarity,
    stem,
)
from curator.core.store import Store
from tests.core.test_similarity import by_key, scan
from tests.core.test_similarity_verify import conv
from tests.fakes import TableEmbedder

Loader = Callable[..., None]


@pytest.mark.parametrize(("a", "b"), [
    ("yes, on saturdays the store opens from 10 am to 4 pm.",
     "yes, on saturdays the store opens from 7 am to 11 pm."),
    ("no, the store is closed on sundays.", "good question. yes, we are open on sundays."),
    ("sorry, we do not deliver to brazil at the moment.",
     "yes, we deliver to brazil within a week."),
    ("the phone has a one-year warranty.", "the phone comes with a three-year warranty."),
])
def test_answers_that_state_other_things_differ(a: str, b: str) -> None:
    assert answers_differ(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("yes, within 30 days.", "thanks for asking! yes, you have thirty days."),
    ("no, the store is closed on sundays.", "sorry, we are closed on sundays."),
    ("the team plan covers 50 users, no need to contact sales.",
     "the team plan covers 50 users."),
    ("open settings and click change password.", "go to settings, change password."),
])
def test_reworded_answers_do_not_differ(a: str, b: str) -> None:
    assert not answers_differ(a, b)


def test_polarity_is_a_yes_or_no_that_opens_a_sentence() -> None:
    assert polarity("no, we are closed.") == "no"
    assert polarity("good question. yes, we are open") == "yes"
    assert polarity("there is no need to call") is None
    assert polarity("yes") == "yes"


def test_inflections_share_a_stem() -> None:
    assert stem("runs") == stem("running") == "run"
    assert stem("colours") == stem("color")
    assert stem("Shipped".casefold()) == stem("shipping") == stem("ships")
    assert stem("address") == "address"
    # "Sunday" and "Sundays" are one detail, not two.
    assert differing(details("Are you open on Sundays?"),
                     details("Is the shop open on a Sunday?")) is None
    assert differing(details("Open on Sundays?"), details("Open on Mondays?")) == (
        ["sundays"], ["mondays"])


def test_answers_close_in_topic_that_disagree_are_contradictions(
        store: Store, load: Loader) -> None:
    # Each pair's inputs and outputs embed at cosine ~0.99 (TableEmbedder): only what
    # the answers say tells the contradictions from the near duplicates.
    embedder = TableEmbedder({"open on saturday": 0, "opens from": 1,
                              "deliver to brazil": 2, "30 days": 3, "refund": 4})
    load(conv("Is the store open on Saturday?",
              "Yes, on Saturdays the store opens from 10 am to 4 pm.", "s1"),
         conv("Hi, is the shop open on Saturday?",
              "Yes, on Saturdays the store opens from 7 am to 11 pm.", "s2"),
         conv("Do you deliver to Brazil?", "Sorry, we do not deliver to Brazil.", "b1"),
         conv("Can you deliver to Brazil?", "Yes, we deliver to Brazil in a week.", "b2"),
         conv("Can I get a refund?", "Yes, within 30 days.", "r1"),
         conv("Can I get my refund?", "Thanks for asking! Yes, you have 30 days.", "r2"))
    scan(store, embedder)
    conflicts = by_key(store, "contradiction")
    assert set(conflicts) == {"s1", "s2", "b1", "b2"}
    assert conflicts["s1"]["related"] == ["s2"]
    assert conflicts["b1"]["related"] == ["b2"]
    assert set(by_key(store, "near_duplicate")) == {"r1", "r2"}
