"""Agreement statistics: published worked examples, the krippendorff package, edge cases."""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.core.errors import CuratorError
from curator.core.labeling.agreement import (
    AgreementError,
    RatingMatrix,
    agreement,
    disagreements,
    field_agreement,
)

NAN = math.nan

# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability", section C (data
# with missing values): coders A-D (rows) x units 1-12 (columns), values 1-5. The paper
# gives alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval), 0.797 (ratio).
# The same matrix is the doctest/test data of the `krippendorff` Python package
# (pln-fing-udelar/fast-krippendorff) and of the Wikipedia "Krippendorff's alpha" article.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
KRIPPENDORFF_2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849,
                           "ratio": 0.797}

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories; each
# row counts the raters who put the subject in each category. P-bar = 0.378,
# P-e = 0.213, kappa = 0.210.
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def krippendorff_triples() -> list[tuple[int, str, int | None]]:
    return [(unit + 1, "ABCD"[coder], None if math.isnan(v) else int(v))
            for coder, row in enumerate(KRIPPENDORFF_2011) for unit, v in enumerate(row)]


def fleiss_triples() -> list[tuple[int, str, int]]:
    out = []
    for subject, counts in enumerate(FLEISS_WIKIPEDIA):
        rater = 0
        for category, count in enumerate(counts, start=1):
            for _ in range(count):
                out.append((subject, f"rater{rater}", category))
                rater += 1
    return out


def cohen_wikipedia() -> list[tuple[int, str, str]]:
    """Wikipedia, "Cohen's kappa", simple example: 50 grant proposals read by A and B;
    yes/yes 20, A yes B no 5, A no B yes 10, no/no 15. p_o = 0.7, p_e = 0.5, kappa = 0.4."""
    cells = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + \
        [("no", "no")] * 15
    return [t for i, (a, b) in enumerate(cells) for t in ((i, "A", a), (i, "B", b))]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_matches_krippendorff_2011_worked_example(level: str) -> None:
    report = agreement(krippendorff_triples(), level)  # type: ignore[arg-type]
    assert round(report.krippendorff_alpha, 3) == KRIPPENDORFF_2011_ALPHA[level]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_from_a_dense_matrix_matches_the_triples(level: str) -> None:
    matrix = RatingMatrix.from_dense(np.array(KRIPPENDORFF_2011).T, level)  # type: ignore[arg-type]
    dense = agreement(matrix, level)  # type: ignore[arg-type]
    triples = agreement(krippendorff_triples(), level)  # type: ignore[arg-type]
    assert dense.krippendorff_alpha == pytest.approx(triples.krippendorff_alpha, abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_equals_the_krippendorff_package(level: str) -> None:
    rng = np.random.default_rng(7)
    truth = rng.integers(1, 6, size=300)
    data = np.where(rng.random((4, 300)) < 0.7, truth,
                    rng.integers(1, 6, size=(4, 300))).astype(float)
    data[rng.random((4, 300)) < 0.2] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    ours = agreement(RatingMatrix.from_dense(data.T, level), level)  # type: ignore[arg-type]
    assert ours.krippendorff_alpha == pytest.approx(expected, abs=1e-12)


def test_ordinal_alpha_uses_the_ranks_of_the_pairable_values() -> None:
    # The 2011 metric depends only on the order of the values, not on their spacing:
    # relabelling 1..5 as 1, 10, 11, 50, 1000 leaves ordinal alpha at 0.815.
    relabel = {1: 1, 2: 10, 3: 11, 4: 50, 5: 1000}
    triples = [(i, a, None if v is None else relabel[v]) for i, a, v in krippendorff_triples()]
    assert round(agreement(triples, "ordinal").krippendorff_alpha, 3) == 0.815


def test_ordinal_text_values_follow_the_given_order() -> None:
    words = {1: "poor", 2: "fair", 3: "good", 4: "great", 5: "superb"}
    triples = [(i, a, None if v is None else words[v]) for i, a, v in krippendorff_triples()]
    report = agreement(triples, "ordinal", order=list(words.values()))
    assert round(report.krippendorff_alpha, 3) == 0.815


def test_ordinal_text_values_without_an_order_are_refused() -> None:
    with pytest.raises(CuratorError, match="order"):
        agreement([(1, "a", "good"), (1, "b", "poor")], "ordinal")


def test_interval_level_needs_numbers() -> None:
    with pytest.raises(AgreementError, match="numbers"):
        agreement([(1, "a", "good"), (1, "b", "poor")], "interval")


def test_fleiss_kappa_matches_the_wikipedia_worked_example() -> None:
    report = agreement(fleiss_triples())
    assert round(report.fleiss_kappa, 3) == 0.210
    assert round(report.percent_agreement, 3) == 0.378  # Fleiss' P-bar
    assert (report.fleiss_items, report.fleiss_raters) == (10, 14)


def test_cohen_kappa_matches_the_wikipedia_example() -> None:
    report = agreement(cohen_wikipedia())
    (pair,) = report.cohen_pairs
    assert (pair.a, pair.b, pair.items) == ("A", "B", 50)
    assert pair.kappa == pytest.approx(0.4)
    assert report.cohen_kappa == pytest.approx(0.4)
    assert report.percent_agreement == pytest.approx(0.7)


def test_weighted_kappa_matches_sklearn_definition() -> None:
    # Linear / quadratic weighted kappa as in Cohen (1968): 1 - sum(w*O) / sum(w*E).
    a = [1, 2, 3, 1, 2, 3, 3, 2, 1, 2]
    b = [1, 2, 2, 1, 3, 3, 1, 2, 1, 3]
    triples = [t for i, (x, y) in enumerate(zip(a, b, strict=True))
               for t in ((i, "a", x), (i, "b", y))]
    pair = agreement(triples, "ordinal").cohen_pairs[0]
    observed = np.zeros((3, 3))
    for x, y in zip(a, b, strict=True):
        observed[x - 1, y - 1] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    for power, value in ((1, pair.kappa_linear), (2, pair.kappa_quadratic)):
        w = np.abs(np.subtract.outer(range(3), range(3))) ** power
        assert value == pytest.approx(1 - (w * observed).sum() / (w * expected).sum())


def test_kappa_is_one_for_identical_labels() -> None:
    triples = [(i, a, "xy"[i % 2]) for i in range(10) for a in ("p", "q", "r")]
    report = agreement(triples)
    assert report.cohen_kappa == 1.0
    assert report.fleiss_kappa == pytest.approx(1.0)
    assert report.krippendorff_alpha == 1.0
    assert report.percent_agreement == report.unanimous == 1.0
    assert disagreements(triples) == []


def test_statistics_that_do_not_apply_are_none() -> None:
    one_annotator = agreement([(1, "a", "x"), (2, "a", "y")])
    assert one_annotator.cohen_kappa is None and one_annotator.cohen_pairs == ()
    assert one_annotator.fleiss_kappa is None
    assert one_annotator.krippendorff_alpha is None
    assert one_annotator.percent_agreement is None
    # Everyone always says the same value: chance agreement is 1, kappa and alpha 0/0.
    constant = agreement([(i, a, "x") for i in range(5) for a in "ab"])
    assert constant.cohen_kappa is None and constant.krippendorff_alpha is None
    assert constant.percent_agreement == 1.0
    empty = agreement([])
    assert (empty.items, empty.annotators, empty.krippendorff_alpha) == (0, 0, None)


def test_fleiss_uses_the_items_with_the_modal_number_of_raters() -> None:
    triples = [(i, a, "xy"[(i + j) % 2 if j == 2 else 0]) for i in range(6)
               for j, a in enumerate("abc")]
    triples += [(100, "a", "x"), (100, "b", "y")]  # one item with two raters only
    report = agreement(triples)
    assert (report.fleiss_items, report.fleiss_raters) == (6, 3)


def test_later_triples_replace_earlier_ones() -> None:
    report = agreement([(1, "a", "x"), (1, "b", "y"), (1, "b", "x")])
    assert report.percent_agreement == 1.0


def test_per_annotator_flags_the_odd_one_out() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, size=200)
    triples = [(i, a, int(truth[i])) for i in range(200) for a in ("ann", "bob", "cat")]
    triples += [(i, "dan", int(v)) for i, v in enumerate(rng.integers(0, 3, size=200))]
    by_name = {a.annotator: a for a in agreement(triples).per_annotator}
    assert min(by_name, key=lambda n: by_name[n].cohen_kappa) == "dan"
    assert by_name["dan"].alpha_without == pytest.approx(1.0)
    assert by_name["dan"].items == 200


def test_confusion_sums_ordered_pairs_and_is_symmetric() -> None:
    report = agreement(cohen_wikipedia())
    assert report.confusion is not None
    assert report.confusion.labels == ("no", "yes")
    # 15 no/no and 20 yes/yes items count twice (both orders); 15 disagreements.
    assert report.confusion.matrix == ((30, 15), (15, 40))


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    first = agreement(krippendorff_triples(), "interval", bootstrap=300, seed=5)
    again = agreement(krippendorff_triples(), "interval", bootstrap=300, seed=5)
    assert first.ci == again.ci
    low, high = first.ci.intervals["krippendorff_alpha"]
    assert low <= first.krippendorff_alpha <= high
    other = agreement(krippendorff_triples(), "interval", bootstrap=300, seed=6)
    assert other.ci != first.ci


def test_disagreements_lists_items_whose_values_differ() -> None:
    # Units 2, 6 and 8 differ; unit 12 has one rating only, unit 10 one missing.
    assert disagreements(krippendorff_triples()) == [2, 6, 8]


def test_multi_choice_uses_masi_and_per_option_alpha() -> None:
    triples = [(1, "a", ["x", "y"]), (1, "b", ["x", "y"]),
               (2, "a", ["x"]), (2, "b", ["x", "y"]),
               (3, "a", ["z"]), (3, "b", ["y"]),
               (4, "a", []), (4, "b", [])]
    report = agreement(triples)
    assert report.set_distance == "masi"
    assert report.percent_agreement == 0.5  # exact set matches
    assert report.per_option is not None and set(report.per_option) == {"x", "y", "z"}
    jaccard = agreement(triples, set_distance="jaccard")
    # A partial match costs less than a miss under both, and MASI charges it more.
    assert report.krippendorff_alpha < jaccard.krippendorff_alpha
    assert disagreements(triples) == [2, 3]


def test_field_agreement_maps_schema_kinds() -> None:
    text = field_agreement("notes", "text", [(1, "a", "hi"), (1, "b", "ho")])
    assert text.level is None and text.krippendorff_alpha is None and text.items == 1
    rating = field_agreement("quality", "rating", krippendorff_triples())
    assert rating.level == "ordinal" and round(rating.krippendorff_alpha, 3) == 0.815
    assert rating.cohen_kappa_quadratic is not None
    with pytest.raises(AgreementError):
        field_agreement("topic", "single", [], level="interval")


def test_report_json_has_the_contract_keys() -> None:
    doc = agreement(krippendorff_triples(), "ordinal", field="quality",
                    bootstrap=50).to_json()
    json.dumps(doc)  # serialisable
    for key in ("field", "level", "items", "annotators", "percent_agreement",
                "cohen_kappa", "cohen_pairs", "fleiss_kappa", "krippendorff_alpha"):
        assert key in doc
    assert (doc["field"], doc["level"], doc["items"], doc["annotators"]) == \
        ("quality", "ordinal", 12, 4)
    assert set(doc["cohen_pairs"][0]) >= {"a", "b", "kappa", "items", "kappa_linear",
                                          "kappa_quadratic"}
    assert len(doc["cohen_pairs"]) == 6
    assert doc["ci"]["samples"] == 50


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=3, max_size=3),
                min_size=2, max_size=25))
def test_alpha_matches_the_krippendorff_package_on_random_data(rows: list) -> None:
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], float)
    ours = agreement(RatingMatrix.from_dense(data, "interval"), "interval")
    try:
        expected = krippendorff.alpha(reliability_data=data.T,
                                      level_of_measurement="interval")
    except ValueError:  # the package refuses data with fewer than two values
        return
    if ours.krippendorff_alpha is None:
        assert not np.isfinite(expected) or ours.pairable_items == 0
    elif np.isfinite(expected):
        assert ours.krippendorff_alpha == pytest.approx(expected, abs=1e-9)


def test_core_module_imports_no_qt() -> None:
    import subprocess
    import sys
    code = ("import sys, curator.core.labeling.agreement; "
            "print([m for m in sys.modules if m.startswith('PySide6')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
