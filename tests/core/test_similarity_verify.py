"""Issue 16: verified pairs (details that differ, the calibrated model), tight groups
without chaining, and a reason per group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from curator.core.checks import similarity as sim
from curator.core.checks.similarity.decisions import PairRules, details, differing, verdict
from curator.core.checks.similarity.grouping import near_groups, tight_groups
from curator.core.store import Store
from tests.core.test_similarity import by_key, scan
from tests.fakes import TableEmbedder

Loader = Callable[..., None]


def conv(user: str, assistant: str, id_: str) -> dict[str, Any]:
    return {"id": id_, "messages": [{"role": "system", "content": "Be helpful."},
                                    {"role": "user", "content": user},
                                    {"role": "assistant", "content": assistant}]}


# -- no chaining ---------------------------------------------------------------------


def test_a_chain_never_puts_its_ends_in_one_group() -> None:
    # a~b, b~c, a !~ c: whichever leads, a and c are never together.
    for pairs in ([(0, 1, 0.9), (1, 2, 0.9)], [(1, 2, 0.95), (0, 1, 0.9)]):
        groups = tight_groups(pairs)
        assert not any({0, 2} <= set(g) for g in groups)
        assert groups                      # b keeps one of its partners
    # A long chain of 1,000 links makes groups of two, not one group of 1,000.
    chain = [(k, k + 1, 0.9) for k in range(999)]
    assert max(len(g) for g in tight_groups(chain)) == 2


def test_a_pair_the_search_missed_is_judged_when_grouping() -> None:
    # 0 leads. 4 is paired with every member but 3: that pair was not retrieved (its
    # cosine fell under the candidate threshold). Without a judge 4 stays out; a judge
    # that verifies the pair lets it in; one that rejects it keeps it out.
    pairs = [(0, 1, 0.9), (0, 2, 0.9), (0, 3, 0.9), (0, 4, 0.9),
             (1, 2, 0.9), (1, 3, 0.9), (2, 3, 0.9), (1, 4, 0.9), (2, 4, 0.9)]
    asked: list[tuple[int, int]] = []

    def judge(verdict: bool) -> Callable[[int, int], bool]:
        def decide(a: int, b: int) -> bool:
            asked.append((min(a, b), max(a, b)))
            return verdict
        return decide

    assert tight_groups(pairs)[0] == [0, 1, 2, 3]
    assert tight_groups(pairs, judge=judge(True))[0] == [0, 1, 2, 3, 4]
    assert set(asked) == {(3, 4)}
    assert tight_groups(pairs, judge=judge(False))[0] == [0, 1, 2, 3]


def test_a_rewording_under_the_candidate_cosine_to_one_member_joins_its_group(
        store: Store, load: Loader) -> None:
    # r0, r1, r2 and r3 ask one thing with one answer. r3's input is at cosine 0.649 to
    # r2's, under the candidate threshold (0.65), so the search never pairs them; the
    # same verification, asked when the group forms, finds them alike.
    e = np.eye(4, dtype=np.float32)
    inputs = {"is the store open on monday?": e[0],
              "is the shop open on monday?": e[0] + 0.1 * e[1],
              "hi, is the store open on monday? thanks!": e[0] + 0.3 * e[2],
              "could i visit your shop on monday please": e[0] + 0.556 * e[1] - 0.51 * e[2],
              "how do i reset my password?": e[3]}

    class Fixed:
        name, dim = "test-fixed", 4

        def encode(self, texts: list[str]) -> np.ndarray:
            rows = [inputs.get(t, e[3] if "link" in t else e[1]) for t in texts]
            return np.asarray([r / np.linalg.norm(r) for r in rows], np.float32)

    two = ["Hi, is the store open on Monday? Thanks!", "Could I visit your shop on Monday please"]
    vector = Fixed().encode([t.casefold() for t in two])
    cosine = float(vector[0] @ vector[1])
    assert 0.64 < cosine < 0.65
    assert verdict(details(f"user: {two[0]}"), details(f"user: {two[1]}"), cosine) > 0.5
    answer = "Yes, on Mondays we are open from 9 am to 6 pm."
    load(conv("Is the store open on Monday?", answer, "r0"),
         conv("Is the shop open on Monday?", answer, "r1"),
         conv("Hi, is the store open on Monday? Thanks!", answer, "r2"),
         conv("Could I visit your shop on Monday please", answer, "r3"),
         conv("How do I reset my password?", "Use the link.", "s"))
    scan(store, Fixed())
    near = by_key(store, "near_duplicate")
    assert set(near) == {"r0", "r1", "r2", "r3"}
    assert sorted(near["r3"]["related"]) == ["r0", "r1", "r2"]


def test_groups_are_cliques_and_bring_exact_copies() -> None:
    pairs = [(0, 1, 0.95), (0, 2, 0.9), (1, 2, 0.92), (2, 3, 0.99)]
    groups = near_groups({0: [0, 5], 1: [1], 2: [2], 3: [3]}, pairs)
    assert groups == [[0, 1, 2, 5]]       # 3 is paired with 2 only: left out
    assert tight_groups(pairs) == tight_groups(list(reversed(pairs)))  # order-free


# -- verification --------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "shown"), [
    ("Is the store open on Sunday?", "Is the store open on Monday?",
     (["sunday"], ["monday"])),
    ("Can I return an item after 30 days?", "Can I return an item after 90 days?",
     (["30"], ["90"])),
    ("Do you ship to Canada?", "Do you ship to Mexico?", (["canada"], ["mexico"])),
    ("I have two tickets for March 5", "I have three tickets for March 5",
     (["2"], ["3"])),
    ("Is the printer working?", "Is the printer not working?", ([], ["not"])),
])
def test_one_detail_differences_are_not_the_same_request(
        a: str, b: str, shown: tuple[list[str], list[str]]) -> None:
    assert differing(details(a), details(b)) == shown
    assert verdict(details(a), details(b), 0.97) == 0.0


@pytest.mark.parametrize(("a", "b"), [
    ("How do I reset my password?", "I forgot my password, how can I set a new one?"),
    ("I can't log in to my account.", "I cannot log into my account"),
    ("Hi, where is my order?", "Where is my order? Thanks, Anna"),   # a name on one side
    ("Is the store open on Sunday?", "is the store open on sunday"),
])
def test_rewordings_keep_their_details(a: str, b: str) -> None:
    assert differing(details(a), details(b)) is None


def test_the_model_weighs_cosine_and_overlap() -> None:
    same = details("How do I reset my password?")
    other = details("I forgot my password, how can I set a new one?")
    assert verdict(same, other, 0.85) > 0.5
    assert verdict(same, other, 0.55) < 0.5
    # A one-word swap with high overlap needs more cosine than a rewording.
    swap_a, swap_b = details("How do I enable two-factor login?"), details(
        "How do I disable two-factor login?")
    assert verdict(swap_a, swap_b, 0.80) < verdict(same, other, 0.80)


# -- the scan ------------------------------------------------------------------------


def test_one_detail_variants_are_neither_near_duplicates_nor_contradictions(
        store: Store, load: Loader) -> None:
    embedder = TableEmbedder({"open on": 0, "refund": 1, "within 30": 2})
    load(conv("Is the store open on Sunday?", "No, we are closed on Sundays.", "sun"),
         conv("Is the store open on Monday?", "Yes, from 9 to 5.", "mon"),
         conv("Is the shop open on Sunday?", "Yes, from 10 to 4 on Sundays.", "sun2"),
         conv("Can I get a refund?", "Yes, within 30 days.", "r1"),
         conv("Can I get my refund?", "Yes, within 30 days of delivery.", "r2"))
    scan(store, embedder)
    conflicts = by_key(store, "contradiction")
    assert set(conflicts) == {"sun", "sun2"}        # not "mon": another day
    assert conflicts["sun"]["related"] == ["sun2"]
    near = by_key(store, "near_duplicate")
    assert set(near) == {"r1", "r2"}


# -- reasons -------------------------------------------------------------------------


def test_every_group_says_why(store: Store, load: Loader) -> None:
    embedder = TableEmbedder({"open on": 0, "every day": 1, "refund": 2, "within 30": 3,
                              "password": 4, "reset link": 5, "label me": 6})
    load(conv("Is the store open on Sunday?", "We are open every day.", "sun"),
         conv("Is the store open on Monday?", "We are open every day!", "mon"),
         conv("Can I get a refund?", "Yes, within 30 days.", "r1"),
         conv("Can I get my refund?", "Yes, within 30 days of delivery.", "r2"),
         conv("Can I get a refund?", "Yes, within 30 days.", "r3"),
         conv("password help", "use the reset link", "p1"),
         conv("password help", "the reset link works", "p2"),
         conv("label me: great film", "Positive", "l1"),
         conv("label me: great film", "Negative.", "l2"))
    scan(store, embedder)
    exact = by_key(store, "duplicate")
    assert exact["r1"]["detail"]["reason"] == "identical"
    near = by_key(store, "near_duplicate")
    assert near["sun"]["detail"]["reason"] == "differs in: sunday / monday"
    assert near["r2"]["detail"]["reason"] == "the same request in other words"
    assert near["p1"]["detail"]["reason"] == "the same request, the answer in other words"
    (cluster,) = [c for c in sim.clusters(store, ("near",))
                  if "sun" in {m["key"] for m in sim.cluster_detail(store, c["id"])["members"]}]
    assert cluster["detail"]["reason"] == "differs in: sunday / monday"
    conflict = by_key(store, "contradiction")
    assert conflict["l1"]["detail"]["reason"] == "answer"
    assert conflict["l1"]["detail"]["why"] == \
        'the same request, different answers: "positive" / "negative"'


def test_pairs_judged_when_grouping_keep_the_threshold_without_verification() -> None:
    a = conv("Is the store open on Monday?", "Yes, from 9 to 5.", "a")
    b = conv("Could I visit your shop on Monday please", "Yes, from 9 to 5.", "b")
    sides_a, sides_b = sim.sides(a), sim.sides(b)
    da = details("user: Is the store open on Monday?")
    db = details("user: Could I visit your shop on Monday please")
    verified = PairRules.of(sim.DEFAULTS, sim.SCAN_KINDS)
    unverified = PairRules.of({**sim.DEFAULTS, "verify_pairs": False}, sim.SCAN_KINDS)
    assert verified.alike(sides_a, sides_b, da, db, 0.8, 1.0)
    assert not verified.alike(sides_a, sides_b, da, db, 0.3, 1.0)
    assert unverified.alike(sides_a, sides_b, da, db, 0.8, 1.0)
    assert not unverified.alike(sides_a, sides_b, da, db, 0.6, 1.0)   # under 0.65
