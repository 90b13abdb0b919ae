"""The dashboard summary: exact counts on small hand-made projects."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from curator.core.checks.scan import scan
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store.summary import dashboard_data, histogram_edges, nice_widths

U = {"role": "user", "content": "Hi"}
A = {"role": "assistant", "content": "Hello"}


def line(**fields: object) -> str:
    return json.dumps({"messages": [U, A], **fields})


@pytest.fixture
def scanned(write, store: Store, do_import) -> Store:  # type: ignore[no-untyped-def]
    """a.jsonl: 2 good, 1 broken JSON, 1 without an assistant reply; b.jsonl: 2 good
    records sharing an id. Then the schema scan."""
    do_import(write("a.jsonl", "\n".join(
        [line(), line(), "{oops", json.dumps({"messages": [U]})]) + "\n"))
    do_import(write("b.jsonl", "\n".join([line(id="x"), line(id="x")]) + "\n"))
    run_job(scan(store))
    return store


def set_review(store: Store, states: dict[int, str]) -> None:
    store.db.executemany("UPDATE records SET review = ? WHERE id = ?",
                         [(state, rid) for rid, state in states.items()])


def set_tokens(store: Store, counts: dict[int, int | None]) -> None:
    store.db.execute("UPDATE records SET tokens = NULL")
    store.set_tokens([(n, rid) for rid, n in counts.items()])


def add_finding(store: Store, record_id: int | None, kind: str, code: str,
                severity: str, status: str = "open") -> None:
    store.db.execute(
        "INSERT INTO findings(record_id, kind, code, severity, description, detector, "
        "detector_version, status, created_at) VALUES (?, ?, ?, ?, 'd', 'test', '1', ?, "
        "'2024-01-01')", (record_id, kind, code, severity, status))


def test_empty_project(store: Store) -> None:
    data = dashboard_data(store)
    assert data == {
        "records": 0, "valid": 0, "invalid": 0,
        "review": {"unreviewed": 0, "accepted": 0, "rejected": 0, "needs-edit": 0},
        "reviewed": 0, "open_findings": 0, "findings_by_kind": {}, "top_codes": [],
        "codes": 0,
        "tokens": {"edges": [], "counts": [], "min": None, "max": None, "counted": 0,
                   "open_ended": False},
        "sources": [],
    }


def test_record_counts_and_sources(scanned: Store) -> None:
    data = dashboard_data(scanned)
    assert (data["records"], data["valid"], data["invalid"]) == (6, 5, 1)
    assert data["sources"] == [
        {"id": 1, "name": "a.jsonl", "records": 4, "valid": 3, "invalid": 1},
        {"id": 2, "name": "b.jsonl", "records": 2, "valid": 2, "invalid": 0},
    ]


def test_review_counts_by_state(scanned: Store) -> None:
    set_review(scanned, {1: "accepted", 2: "accepted", 3: "rejected", 5: "needs-edit"})
    data = dashboard_data(scanned)
    assert data["review"] == {"unreviewed": 2, "accepted": 2, "rejected": 1,
                              "needs-edit": 1}
    assert data["reviewed"] == 4


def test_findings_match_the_scan(scanned: Store) -> None:
    data = dashboard_data(scanned)
    open_findings = scanned.findings(status="open")
    by_code = Counter((f["kind"], f["code"]) for f in open_findings)
    assert data["open_findings"] == len(open_findings)
    assert data["findings_by_kind"] == dict(Counter(f["kind"] for f in open_findings))
    assert {(c["kind"], c["code"]): c["count"] for c in data["top_codes"]} == by_code
    assert data["codes"] == len(by_code)
    top = {c["code"]: c for c in data["top_codes"]}
    # The rules this fixture is built to trip, with their exact counts.
    assert top["invalid_json"] == {"kind": "schema", "code": "invalid_json",
                                   "severity": "error", "count": 1}
    assert top["duplicate_id"]["count"] == 2
    assert top["too_few_examples"]["count"] == 1  # project-wide: no record
    counts = [c["count"] for c in data["top_codes"]]
    assert counts == sorted(counts, reverse=True)


def test_dismissed_findings_are_not_counted(scanned: Store) -> None:
    before = dashboard_data(scanned)
    scanned.db.execute("UPDATE findings SET status = 'dismissed' WHERE code = 'duplicate_id'")
    after = dashboard_data(scanned)
    assert after["open_findings"] == before["open_findings"] - 2
    assert "duplicate_id" not in {c["code"] for c in after["top_codes"]}
    assert after["codes"] == before["codes"] - 1


def test_findings_by_kind_and_code_with_severity(store: Store, write, do_import) -> None:
    do_import(write("d.jsonl", "\n".join([line()] * 3) + "\n"))
    for rid in (1, 2, 3):
        add_finding(store, rid, "pii", "email", "warning")
    add_finding(store, 1, "pii", "phone", "info")
    add_finding(store, 2, "pii", "phone", "error")  # the most severe one is reported
    add_finding(store, 3, "quality", "email", "info")  # same code, another kind
    add_finding(store, None, "schema", "too_few_examples", "error")
    add_finding(store, 1, "pii", "name", "info", status="dismissed")
    add_finding(store, 2, "pii", "name", "info", status="resolved")
    data = dashboard_data(store)
    assert data["open_findings"] == 7
    assert data["findings_by_kind"] == {"pii": 5, "quality": 1, "schema": 1}
    assert list(data["findings_by_kind"]) == ["pii", "quality", "schema"]
    assert data["top_codes"] == [
        {"kind": "pii", "code": "email", "severity": "warning", "count": 3},
        {"kind": "pii", "code": "phone", "severity": "error", "count": 2},
        {"kind": "quality", "code": "email", "severity": "info", "count": 1},
        {"kind": "schema", "code": "too_few_examples", "severity": "error", "count": 1},
    ]
    assert data["codes"] == 4


def test_top_codes_keep_the_15_most_frequent(store: Store, write, do_import) -> None:
    do_import(write("d.jsonl", line() + "\n"))
    for i in range(20):
        for _ in range(i + 1):
            add_finding(store, 1, "lint", f"code_{i:02d}", "info")
    data = dashboard_data(store)
    assert data["codes"] == 20
    assert [c["code"] for c in data["top_codes"]] == [f"code_{i:02d}"
                                                      for i in range(19, 4, -1)]
    assert data["open_findings"] == sum(range(1, 21))
    assert data["findings_by_kind"] == {"lint": 210}


def test_tokens_from_the_scan(scanned: Store) -> None:
    tokens = dashboard_data(scanned)["tokens"]
    counted = scanned.token_counts()
    assert tokens["counted"] == len(counted) == 5  # the broken line has no count
    assert (tokens["min"], tokens["max"]) == (min(counted), max(counted))
    assert sum(tokens["counts"]) == 5
    assert len(tokens["edges"]) == len(tokens["counts"]) + 1
    for i, n in enumerate(tokens["counts"]):
        assert n == sum(tokens["edges"][i] <= c < tokens["edges"][i + 1] for c in counted)


def test_token_histogram_exact_buckets(store: Store, write, do_import) -> None:
    do_import(write("d.jsonl", "\n".join([line()] * 6) + "\n"))
    set_tokens(store, {1: 0, 2: 5, 3: 9, 4: 10, 5: 99, 6: 100})
    tokens = dashboard_data(store)["tokens"]
    assert tokens["edges"] == list(range(0, 110, 5))  # 0..104 in 21 buckets of 5
    assert tokens["counts"] == [1, 2, 1] + [0] * 16 + [1, 1]
    assert (tokens["min"], tokens["max"], tokens["counted"]) == (0, 100, 6)
    assert tokens["open_ended"] is False


def test_token_histogram_until_tokens_are_counted(store: Store, write, do_import) -> None:
    do_import(write("d.jsonl", line() + "\n"))
    set_tokens(store, {})
    tokens = dashboard_data(store)["tokens"]
    assert (tokens["edges"], tokens["counts"], tokens["counted"]) == ([], [], 0)


def test_token_histogram_single_value(store: Store, write, do_import) -> None:
    do_import(write("d.jsonl", "\n".join([line()] * 3) + "\n"))
    set_tokens(store, {1: 42, 2: 42, 3: 42})
    tokens = dashboard_data(store)["tokens"]
    assert tokens["edges"] == [42, 43]
    assert tokens["counts"] == [3]


def test_token_histogram_puts_a_long_tail_in_one_last_bucket(store: Store, write,
                                                             do_import) -> None:
    do_import(write("d.jsonl", "\n".join([line()] * 200) + "\n"))
    counts = {rid: rid for rid in range(1, 199)}  # 1..198
    counts[199] = 5_000
    counts[200] = 90_000
    set_tokens(store, counts)
    tokens = dashboard_data(store)["tokens"]
    assert tokens["open_ended"] is True
    assert tokens["edges"][-1] == 90_001
    assert tokens["edges"][:-1] == list(range(0, 210, 10))
    assert tokens["counts"] == [9] + [10] * 18 + [9, 2]
    assert sum(tokens["counts"]) == 200


@pytest.mark.parametrize(("lo", "hi", "edges"), [
    (0, 19, list(range(0, 21))),
    (0, 21, list(range(0, 23))),
    (0, 22, list(range(0, 25, 2))),
    (25, 4043, list(range(0, 4201, 200))),
    (1000, 1010, list(range(1000, 1012))),
    (7, 7, [7, 8]),
])
def test_histogram_edges_are_round(lo: int, hi: int, edges: list[int]) -> None:
    assert histogram_edges(lo, hi) == edges


def test_nice_widths() -> None:
    widths = nice_widths()
    assert [next(widths) for _ in range(20)] == [
        1, 2, 3, 4, 5, 6, 8, 10, 20, 25, 30, 40, 50, 60, 80, 100, 200, 250, 300, 400]


def test_histogram_stays_near_twenty_buckets() -> None:
    for lo in (0, 3, 17, 250, 999):
        for span in range(1, 5000, 37):
            edges = histogram_edges(lo, lo + span)
            assert 1 <= len(edges) - 1 <= 22
            if span >= 100:
                assert len(edges) - 1 >= 12
            assert edges[0] <= lo < lo + span < edges[-1]
