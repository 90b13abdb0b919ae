"""The stored neighbour search: a rescan searches only new texts and finds what a full
scan finds (records added, rejected, edited; thresholds and model changed; a cancelled
scan; vectors embedded again), and migration 9 adds its table to older projects."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from curator.core.checks import similarity as sim
from curator.core.checks.embed import HashingEmbedder, normalise_rows
from curator.core.checks.similarity_search import neighbour_pairs
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from curator.core.store.review import save_revision, set_review

Loader = Callable[..., None]
SYSTEM = "You are a helpful support assistant."
TOPICS = [
    "how do i reset my password for the account",
    "where is my order number 1234 right now",
    "can i get a refund for a broken laptop charger",
    "my invoice shows the wrong billing address",
    "the tracking number for my delivery does not work",
    "how long does shipping to germany take",
    "can i exchange the headphones for another colour",
    "the battery of my phone drains very fast",
]
PRE = ["", "hi, ", "hello ", "please tell me ", "quick question: "]
POST = ["", " thanks", " please", " ?", " today", " asap"]
ANSWERS = [
    "Open the settings page, choose security and follow the reset link we email you.",
    "Your parcel left our warehouse yesterday and should arrive within two days.",
    "Yes, send the charger back with the form and we refund the full price.",
    "We fixed the address on your invoice and sent a corrected copy by email.",
    "Tracking numbers start working a few hours after the courier scans the parcel.",
    "Standard shipping to Germany takes three to five working days.",
    "Of course, exchanges are free within thirty days if the box is unopened.",
    "Lower the screen brightness and update the phone; if that fails, book a repair.",
]
LABELS = ["account", "shipping", "billing", "returns"]


def corpus(seed: int, count: int, prefix: str) -> list[dict[str, Any]]:
    """Support chats with many reworded questions, repeated and conflicting answers."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        topic = rng.randrange(len(TOPICS))
        question = rng.choice(PRE) + TOPICS[topic] + rng.choice(POST)
        roll = rng.random()
        if roll < 0.55:
            answer = ANSWERS[topic]
        elif roll < 0.7:
            answer = ANSWERS[topic].replace(".", " for you.")     # a paraphrase
        elif roll < 0.85:
            answer = ANSWERS[(topic + 1 + rng.randrange(6)) % len(ANSWERS)]  # conflicting
        else:
            answer = rng.choice(LABELS)                             # a class label
        system = SYSTEM if rng.random() < 0.9 else "You are a terse bot."
        out.append({"id": f"{prefix}{i}", "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer}]})
    return out


@pytest.fixture
def load(write, do_import):  # type: ignore[no-untyped-def]
    counter = iter(range(1000))

    def _load(convs: list[dict[str, Any]]) -> None:
        name = f"part{next(counter)}.jsonl"
        do_import(write(name, "".join(json.dumps(c) + "\n" for c in convs)))

    return _load


def scan(store: Store, embedder: Any, **kwargs: Any) -> dict[str, Any]:
    return run_job(sim.similarity_scan(store, embedder, **kwargs))


def snapshot(store: Store) -> dict[str, Any]:
    """Clusters and findings with cluster ids replaced by their members (ids differ)."""
    members: dict[int, tuple[str, ...]] = {}
    clusters = []
    for cluster_id, kind, size, detail in store.db.execute(
            "SELECT id, kind, size, detail FROM clusters"):
        rows = store.db.execute(
            "SELECT r.key, m.similarity FROM cluster_members m JOIN records r "
            "ON r.id = m.record_id WHERE m.cluster_id = ? ORDER BY r.key",
            (cluster_id,)).fetchall()
        members[cluster_id] = tuple(k for k, _ in rows)
        clusters.append((kind, size, json.dumps(json.loads(detail), sort_keys=True),
                         tuple(rows)))
    findings = []
    for f in store.findings():
        if f["kind"] not in ("duplicate", "near_duplicate", "contradiction"):
            continue
        detail = dict(f["detail"])
        detail["cluster"] = members[detail["cluster"]]
        findings.append((f["record"], f["kind"], f["code"], f["severity"], f["status"],
                         f["description"], json.dumps(detail, sort_keys=True)))
    return {"clusters": sorted(clusters), "findings": sorted(findings)}


def stored_pairs(store: Store) -> tuple[str, float, set[tuple[str, str, float]]]:
    """The stored search as (model, threshold, {(hash, hash, cosine)})."""
    model, threshold, blob, a, b, s = store.db.execute(
        "SELECT model, threshold, hashes, pair_a, pair_b, pair_sim FROM similarity_search"
    ).fetchone()
    hashes = [blob[i:i + 32].hex() for i in range(0, len(blob), 32)]
    pairs = {(hashes[i], hashes[j], float(x)) for i, j, x in zip(
        np.frombuffer(a, np.int32).tolist(), np.frombuffer(b, np.int32).tolist(),
        np.frombuffer(s, np.float32).tolist(), strict=True)}
    return model, threshold, pairs


def assert_same_as_full_scan(store: Store, embedder: Any, report: dict[str, Any]) -> None:
    """The incremental scan just run equals a from-scratch scan of the same project."""
    incremental, pairs = snapshot(store), stored_pairs(store)
    full = scan(store, embedder, incremental=False)
    assert full["search_mode"] == "full"
    assert snapshot(store) == incremental
    assert stored_pairs(store) == pairs
    assert full["candidate_pairs"] == report["candidate_pairs"]
    assert full["clusters"] == report["clusters"]
    assert full["findings"] == report["findings"]


def distinct_inputs(store: Store) -> int:
    return len(set(sim.read_corpus(store).input_of))


def test_added_records_search_only_new_texts(store: Store, load: Loader) -> None:
    embedder = HashingEmbedder()
    load(corpus(1, 150, "a"))
    first = scan(store, embedder)
    assert first["search_mode"] == "full"
    # The data are rich enough for the comparison to mean something.
    assert first["clusters"]["near"] >= 3 and first["clusters"]["contradiction"] >= 3
    assert first["clusters"]["exact"] >= 3
    (cluster, *_) = sim.clusters(store, ("near",))
    sim.dismiss_cluster(store, cluster["id"], "ann")
    dismissed = {f["record"] for f in store.findings(kind="near_duplicate",
                                                     status="dismissed")}
    before = distinct_inputs(store)
    load(corpus(2, 20, "b"))
    again = scan(store, embedder)
    assert again["search_mode"] == "incremental"
    assert 0 < again["searched_texts"] == distinct_inputs(store) - before
    still = {f["record"] for f in store.findings(kind="near_duplicate", status="dismissed")}
    # Groups are tight (issue 16): a new record may lead a group and leave an old member
    # out of every group; the ones still found keep their dismissal.
    found = {f["record"] for f in store.findings(kind="near_duplicate")}
    assert dismissed & found <= still and len(dismissed & found) >= len(dismissed) // 2
    assert_same_as_full_scan(store, embedder, again)


def test_rejected_and_edited_records_leave_the_stored_search(store: Store,
                                                             load: Loader) -> None:
    embedder = HashingEmbedder()
    load(corpus(3, 150, "a"))
    scan(store, embedder)
    _, _, before = stored_pairs(store)
    ids = dict(store.db.execute("SELECT key, id FROM records"))
    in_groups = [r for (r,) in store.db.execute(
        "SELECT DISTINCT record_id FROM cluster_members ORDER BY record_id")]
    set_review(store, in_groups[:40], "rejected", "ann")
    edited = next(i for i in sorted(ids.values()) if i not in in_groups[:40])
    save_revision(store, edited, {"messages": [
        {"role": "user", "content": "an entirely new question about gift wrapping"},
        {"role": "assistant", "content": "We wrap gifts for free."}]}, "ann")
    report = scan(store, embedder)
    assert report["search_mode"] == "incremental"
    assert report["searched_texts"] == 1          # only the edited input is new
    _, _, after = stored_pairs(store)
    assert len(after) < len(before)                # pairs of texts gone were dropped
    assert_same_as_full_scan(store, embedder, report)


def test_threshold_change_searches_everything_again(store: Store, load: Loader) -> None:
    embedder = HashingEmbedder()
    load(corpus(4, 120, "a"))
    scan(store, embedder)
    _, threshold, pairs = stored_pairs(store)
    store.set_setting(sim.SETTINGS_KEY, {"near_duplicate": 0.6, "contradiction_input": 0.62})
    load(corpus(5, 5, "b"))
    report = scan(store, embedder)
    assert report["search_mode"] == "full"
    _, lower, more = stored_pairs(store)
    assert (threshold, lower) == (0.65, 0.6) and len(more) > len(pairs)
    assert_same_as_full_scan(store, embedder, report)
    # Raising it again: full again, and the same as from scratch.
    store.set_setting(sim.SETTINGS_KEY, {"near_duplicate": 0.95})
    load(corpus(6, 5, "c"))
    report = scan(store, embedder)
    assert report["search_mode"] == "full"
    assert_same_as_full_scan(store, embedder, report)
    # Search settings count too: another nprobe is another search.
    store.set_setting(sim.SETTINGS_KEY, {"near_duplicate": 0.95, "nprobe": 4})
    assert scan(store, embedder)["search_mode"] == "full"


def test_model_change_searches_everything_again(store: Store, load: Loader) -> None:
    first, second = HashingEmbedder(), HashingEmbedder(dim=128, name="other-model")
    load(corpus(7, 120, "a"))
    scan(store, first)
    load(corpus(8, 5, "b"))
    report = scan(store, second)
    assert report["search_mode"] == "full" and stored_pairs(store)[0] == "other-model"
    assert_same_as_full_scan(store, second, report)
    load(corpus(9, 5, "c"))
    report = scan(store, first)
    assert report["search_mode"] == "full" and stored_pairs(store)[0] == first.name
    assert_same_as_full_scan(store, first, report)


def test_cancelled_rescan_leaves_the_stored_search_as_it_was(store: Store,
                                                             load: Loader) -> None:
    embedder = HashingEmbedder()
    load(corpus(10, 120, "a"))
    scan(store, embedder)
    saved = store.db.execute("SELECT * FROM similarity_search").fetchall()
    load(corpus(11, 15, "b"))
    job = sim.similarity_scan(store, embedder)
    for progress in job:
        if progress.message.startswith("Saving"):     # the search is stored by now
            break
    job.close()
    assert not store.db.in_transaction
    assert store.db.execute("SELECT * FROM similarity_search").fetchall() == saved
    report = scan(store, embedder)
    assert report["search_mode"] == "incremental" and report["searched_texts"] > 0
    assert_same_as_full_scan(store, embedder, report)


def test_texts_embedded_again_are_searched_again(store: Store, load: Loader) -> None:
    embedder = HashingEmbedder()
    load(corpus(12, 100, "a"))
    scan(store, embedder)
    # Lose some cached vectors: the texts are embedded again, so their stored pairs are
    # not trusted (a model may give a slightly different vector the second time).
    (count,) = store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()
    hashes = [h for (h,) in store.db.execute(
        "SELECT text_hash FROM embeddings ORDER BY text_hash LIMIT 10")]
    store.db.executemany("DELETE FROM embeddings WHERE text_hash = ?", [(h,) for h in hashes])
    read = sim.read_corpus(store)
    inputs = {sim.text_hash(read.texts[i]) for i in set(read.input_of)}
    report = scan(store, embedder)
    assert report["embedded"] == 10 and count > 10
    assert report["search_mode"] == "incremental"
    assert report["searched_texts"] == len(inputs & set(hashes))
    assert_same_as_full_scan(store, embedder, report)


def clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = normalise_rows(rng.standard_normal((n // 8 + 1, dim)))
    picks = rng.integers(0, len(centres), n)
    return normalise_rows(centres[picks] + 0.04 * rng.standard_normal((n, dim)))


def as_set(hashes: list[str], pairs: Any) -> set[tuple[str, str, float]]:
    return {(hashes[a], hashes[b], float(s)) for a, b, s in zip(
        pairs.left.tolist(), pairs.right.tolist(), pairs.similarity.tolist(), strict=True)}


def test_search_inputs_incremental_equals_full(store: Store) -> None:
    vectors = clustered(600)
    hashes = [sim.text_hash(f"text {i}") for i in range(600)]
    config = sim.DEFAULTS
    with store.atomic():
        sim.search_inputs(store, "m", hashes[:500], vectors[:500], config)
        # 100 new rows, 50 old ones gone, in another order.
        keep = list(range(50, 600))[::-1]
        pairs, info = sim.search_inputs(store, "m", [hashes[i] for i in keep],
                                        vectors[keep], config)
        assert (info["search"], info["searched_texts"]) == ("incremental", 100)
        full, _ = sim.search_inputs(store, "m", [hashes[i] for i in keep], vectors[keep],
                                    config, incremental=False)
    assert len(full) > 100
    assert as_set([hashes[i] for i in keep], pairs) == as_set([hashes[i] for i in keep], full)
    assert np.all(pairs.left < pairs.right)


def test_search_inputs_falls_back_when_too_much_is_new(store: Store) -> None:
    vectors = clustered(400)
    hashes = [sim.text_hash(f"text {i}") for i in range(400)]
    with store.atomic():
        sim.search_inputs(store, "m", hashes[:100], vectors[:100], sim.DEFAULTS)
        _, info = sim.search_inputs(store, "m", hashes, vectors, sim.DEFAULTS)
    assert info["search"] == "full"


def test_stored_approximate_search_is_extended_exactly(store: Store) -> None:
    """Above the exact limit the base search is IVF; new texts are still searched
    exactly, so every pair that touches a new text is found."""
    config = {**sim.DEFAULTS, "exact_search_limit": 100, "nprobe": 4}
    vectors = clustered(2000, seed=3)
    hashes = [sim.text_hash(f"t{i}") for i in range(2000)]
    with store.atomic():
        base, _ = sim.search_inputs(store, "m", hashes[:1900], vectors[:1900], config)
        assert base.method == "ivf"
        pairs, info = sim.search_inputs(store, "m", hashes, vectors, config)
    assert info["search"] == "incremental" and info["searched_texts"] == 100
    truth = neighbour_pairs(vectors, sim.search_threshold(config), method="exact")
    touching = {(a, b) for a, b in zip(truth.left.tolist(), truth.right.tolist(),
                                       strict=True) if b >= 1900}
    found = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    assert touching and touching <= found
    old = {(a, b) for a, b in found if b < 1900}
    assert old == set(zip(base.left.tolist(), base.right.tolist(), strict=True))
    # Once the data fit the exact limit again, the approximate base is not reused.
    config = {**config, "exact_search_limit": 10_000}
    with store.atomic():
        _, info = sim.search_inputs(store, "m", hashes, vectors, config)
    assert info["search"] == "full"


def test_migration_9_adds_the_search_table_to_an_older_project(tmp_path: Path) -> None:
    path = tmp_path / "old.curator"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for migration in MIGRATIONS[:8]:
        for statement in migration.split(";"):
            if statement.strip():
                raw.execute(statement)
    raw.execute("INSERT INTO meta(key, value) VALUES ('project_id', 'old')")
    raw.execute("INSERT INTO embeddings VALUES ('h', 'm', 1, x'0000803f')")
    raw.execute("PRAGMA user_version = 8")
    raw.close()
    with Store.open(path) as store:
        assert "CREATE TABLE similarity_search" in MIGRATIONS[8]
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.project_id == "old"
        assert store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 1
        assert store.db.execute("SELECT COUNT(*) FROM similarity_search").fetchone()[0] == 0


def test_summaries_say_one_contradiction_not_one_contradictions() -> None:
    assert sim.groups_summary({"exact": 1, "near": 0, "contradiction": 1}) == (
        "1 exact-duplicate group, 0 near-duplicate groups, 1 contradiction")
    assert sim.groups_summary({"exact": 2, "near": 1, "contradiction": 1_200}) == (
        "2 exact-duplicate groups, 1 near-duplicate group, 1,200 contradictions")
    assert sim.count_of(1, "text") == "1 text"


def test_cache_reads_the_same_vectors_in_bulk_and_by_lookup(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from curator.core.checks import embed

    cache = embed.EmbeddingCache(store.db, "m")
    vectors = normalise_rows(np.random.default_rng(2).random((50, 8)))
    hashes = [sim.text_hash(f"t{i}") for i in range(50)]
    with store.atomic():
        cache.put_many(hashes[:40], vectors[:40])
        embed.EmbeddingCache(store.db, "other").put_many(hashes[40:], vectors[40:])
    wanted = hashes[::-1]                       # 10 of them only under another model
    by_lookup, found = cache.get_matrix(wanted, 8)
    monkeypatch.setattr(embed, "BULK_READ", 1)
    in_bulk, found_bulk = cache.get_matrix(wanted, 8)
    assert np.array_equal(found, found_bulk) and int(found.sum()) == 40
    assert np.array_equal(by_lookup, in_bulk)
    assert np.array_equal(in_bulk[found], vectors[:40][::-1])
    assert not in_bulk[~found].any()
