"""Issue 16: each stored group read back with its reason in words, its representative,
each member's similarity to it and where the details it differs in are."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from curator.core.checks import similarity as sim
from curator.core.checks.similarity.decisions import detail_spans
from curator.core.checks.similarity.words import EXACT_GROUP
from curator.core.store import Store
from tests.core import test_similarity as base
from tests.core.test_similarity import scan
from tests.core.test_similarity_verify import conv
from tests.fakes import TableEmbedder

Loader = Callable[..., None]
#: The real model, offline (fixtures shared with test_similarity).
minilm, no_network = base.minilm, base.no_network


@pytest.fixture
def scanned(store: Store, load: Loader) -> Store:
    embedder = TableEmbedder({"open on": 0, "every day": 1, "refund": 2, "within 30": 3,
                              "label me": 6})
    load(conv("Is the store open on Sunday?", "We are open every day.", "sun"),
         conv("Is the store open on Monday?", "We are open every day!", "mon"),
         conv("Can I get a refund?", "Yes, within 30 days.", "r1"),
         conv("Can I get my refund?", "Yes, within 30 days of delivery.", "r2"),
         conv("Can I get a refund?", "Yes, within 30 days.", "r3"),
         conv("label me: great film", "Positive", "l1"),
         conv("label me: great film", "Negative.", "l2"))
    scan(store, embedder)
    return store


def group_of(store: Store, key: str, kind: str) -> dict[str, Any]:
    for cluster in sim.clusters(store, (kind,)):
        detail = sim.cluster_detail(store, cluster["id"])
        if key in {m["key"] for m in detail["members"]}:
            return {**detail, "listed_reason": cluster["reason"]}
    raise AssertionError(f"{key} is in no {kind} group")


def test_each_group_reads_back_with_its_reason_in_words(scanned: Store) -> None:
    reasons = {(c["kind"], c["size"]): c["reason"] for c in sim.clusters(scanned)}
    assert reasons == {
        ("contradiction", 2): 'the same request, different answers: "positive" / "negative"',
        ("exact", 2): EXACT_GROUP,
        ("near", 2): "differs in: sunday / monday",
        ("near", 3): "the same request in other words",
    }
    detail = group_of(scanned, "sun", "near")
    assert detail["reason"] == detail["listed_reason"] == "differs in: sunday / monday"


def test_members_come_representative_first_with_their_similarity_to_it(
        scanned: Store) -> None:
    detail = group_of(scanned, "r2", "near")
    members = detail["members"]
    assert members[0]["representative"] and members[0]["id"] == detail["representative"]
    assert [m["representative"] for m in members[1:]] == [False, False]
    assert members[0]["to_representative"] == 1.0
    # The tight-group guarantee, visible: every member is close to the representative.
    others = [m["to_representative"] for m in members[1:]]
    assert all(isinstance(s, float) and 0.9 < s <= 1.0 for s in others), others
    assert min(others) >= detail["detail"]["min_similarity"]
    exact = group_of(scanned, "r1", "exact")
    assert [m["to_representative"] for m in exact["members"]] == [1.0, 1.0]


def test_the_details_a_group_differs_in_are_located_in_each_input(scanned: Store) -> None:
    detail = group_of(scanned, "sun", "near")
    assert detail["differs"] == ["sunday", "monday"]
    marked = {m["key"]: [m["input"][a:b] for a, b in m["differs_spans"]]
              for m in detail["members"]}
    assert marked == {"sun": ["Sunday"], "mon": ["Monday"]}
    assert all(m["differs_spans"] == [] for m in group_of(scanned, "r2", "near")["members"])


def test_groups_stored_before_reasons_fall_back_to_the_first_member(scanned: Store) -> None:
    cluster_id = group_of(scanned, "r2", "near")["id"]
    scanned.db.execute("UPDATE clusters SET detail = ? WHERE id = ?",
                       (json.dumps({"min_similarity": 0.9}), cluster_id))
    detail = sim.cluster_detail(scanned, cluster_id)
    assert detail["representative"] == detail["members"][0]["id"]
    assert [m["to_representative"] for m in detail["members"]] == [1.0, None, None]
    assert detail["reason"] == "nearly the same request and answer"
    conflict = group_of(scanned, "l1", "contradiction")["id"]
    scanned.db.execute("UPDATE clusters SET detail = ? WHERE id = ?",
                       (json.dumps({"reasons": ["answer"]}), conflict))
    assert sim.cluster_detail(scanned, conflict)["reason"] == \
        "the same request, answers that disagree"


@pytest.mark.parametrize(("text", "marks", "found"), [
    ("Is the store open on Sunday?", ["sunday"], ["Sunday"]),
    ("I have three tickets, or 3, and 30 days", ["3"], ["three", "3"]),
    ("The printer isn't working, it does not print", ["not"], ["isn't", "not"]),
    ("Do you ship to Canada?", ["mexico"], []),
])
def test_detail_spans_find_the_details_as_written(text: str, marks: list[str],
                                                  found: list[str]) -> None:
    assert [text[a:b] for a, b in detail_spans(text, marks)] == found


@pytest.mark.slow
def test_the_real_model_gives_each_group_its_reason(  # type: ignore[no-untyped-def]
        store: Store, load: Loader, minilm, no_network) -> None:
    load(conv("How do I reset my password?",
              "Click 'Forgot password' on the sign-in page and follow the link we e-mail "
              "you.", "pw1"),
         conv("I forgot my password, how can I set a new one?",
              "Use 'Forgot password' on the sign-in page; we e-mail you a link to set a "
              "new one.", "pw2"),
         conv("Is the store open on Sunday?", "We are open every day from 9 am to 6 pm.",
              "sun"),
         conv("Is the store open on Monday?", "We are open every day from 9 am to 6 pm.",
              "mon"),
         conv("Do you ship to Canada?", "Yes.", "ca1"),
         conv("Can you ship to Canada?", "No.", "ca2"),
         conv("What is the capital of France?", "Paris.", "x"))
    scan(store, minilm)
    found = {}
    for cluster in sim.clusters(store):
        detail = sim.cluster_detail(store, cluster["id"])
        found[cluster["reason"]] = [m["key"] for m in detail["members"]]
        assert all(0.8 < m["to_representative"] <= 1.0 for m in detail["members"])
    assert found == {"the same request in other words": ["pw1", "pw2"],
                     "differs in: sunday / monday": ["sun", "mon"],
                     'the same request, different answers: "yes" / "no"': ["ca1", "ca2"]}
