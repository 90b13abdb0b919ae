"""Agreement between annotators on one label field: kappas, Krippendorff's alpha and more.

Pure core (numpy only, no Qt). The input is one field's ratings, either as
``(item, annotator, value)`` triples or as a dense items x annotators matrix; a value of
``None`` (or NaN) is a missing rating. :func:`agreement` returns an
:class:`AgreementReport` whose :meth:`~AgreementReport.to_json` is the ``agreement``
document of the command-line contract.

Statistics (each is ``None`` where it does not apply or is undefined, e.g. 0/0):

* ``percent_agreement``: the share of agreeing pairs of ratings, averaged over the items
  with at least two ratings (Fleiss' P-bar, generalised to any number of raters per
  item); a fraction in [0, 1]. ``unanimous`` is the share of items where all agree.
* ``cohen_pairs``: Cohen's kappa for every pair of annotators on the items both rated;
  for ordered levels also linearly and quadratically weighted kappa (weights from the
  ranks of the values for ``ordinal``, from the numbers themselves for ``interval`` and
  ``ratio``). ``cohen_kappa`` is the mean over the pairs where kappa is defined.
* ``fleiss_kappa``: Fleiss (1971) needs the same number of raters on every item, so it
  uses the items that have the most common number of ratings (ties: the larger
  number); ``fleiss_items`` and ``fleiss_raters`` say which.
* ``krippendorff_alpha``: Krippendorff (2011) "Computing Krippendorff's
  Alpha-Reliability", with missing ratings, at the nominal, ordinal (the paper's
  rank-based metric over the pairable values), interval and ratio levels.
* ``per_annotator``: for each annotator, the items rated, the share of their ratings that
  match another annotator's on the same item, their mean pairwise kappa, and alpha
  computed without them (a low alpha elsewhere and a high ``alpha_without`` points at
  that annotator).
* ``confusion``: value x value counts of ordered pairs of different annotators' ratings
  of the same item (the pairwise confusion matrices summed over all ordered pairs, so
  it is symmetric; the diagonal holds agreements).
* ``ci``: percentile bootstrap intervals for alpha, percent agreement and Fleiss' kappa,
  resampling the items that have at least two ratings (seeded, reproducible).

Multi-choice fields (values are lists or sets of options) are compared as whole sets:
percent agreement and the kappas count exact matches of the set, alpha uses a set
distance, MASI by default (Passonneau 2006, as in NLTK; ``set_distance="jaccard"`` for
1 - Jaccard), and ``per_option`` gives every option's own agreement as a yes/no field.
Text fields get no statistics (:func:`field_agreement` with ``kind="text"``).

Speed: values are encoded to integer codes, items with the same multiset of codes are
grouped (a few hundred patterns for a 5-point scale), and every statistic is a
``bincount`` or a small matrix product over those patterns; Cohen's tables are one
``bincount`` per pair. The bootstrap draws pattern counts from a multinomial, which is
exactly the distribution of resampling items with replacement.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from operator import itemgetter
from typing import Any, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from curator.core.errors import CuratorError

Level: TypeAlias = Literal["nominal", "ordinal", "interval", "ratio"]
SetDistance: TypeAlias = Literal["masi", "jaccard"]
Rating: TypeAlias = tuple[Hashable, Hashable, Any]
IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]

LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
#: More distinct values than this is not a label field; bin the values first.
MAX_VALUES = 1000


class AgreementError(CuratorError):
    """The ratings cannot be measured at the level asked for."""


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class RatingMatrix:
    """One field's ratings as integer codes: ``codes[i, a]`` is ``values``' index or -1.

    ``values`` is the value domain, in order for ordered levels; ``positions`` are the
    numbers the interval/ratio metrics and weighted kappas use (ranks for ordinal).
    """

    items: tuple[Hashable, ...]
    annotators: tuple[Hashable, ...]
    values: tuple[Any, ...]
    positions: FloatArray
    codes: IntArray
    level: Level = "nominal"

    @classmethod
    def from_ratings(cls, ratings: Iterable[Rating], level: Level = "nominal", *,
                     order: Sequence[Any] | None = None) -> RatingMatrix:
        """Encode ``(item, annotator, value)`` triples; a later triple for the same item
        and annotator replaces an earlier one. Annotators are sorted by name."""
        triples = list(ratings)
        if not triples:
            return cls._empty(level, order)
        # itemgetter columns: zip(*triples) would unpack one argument per rating.
        try:
            items_col, annotators_col, values_col = (list(map(itemgetter(k), triples))
                                                     for k in range(3))
        except (IndexError, TypeError, KeyError):
            raise AgreementError("Each rating needs an item, an annotator and a "
                                 "value.") from None
        fast = _codes_of_ints(items_col)
        if fast is not None:  # record ids: numpy does the bookkeeping (sorted order)
            unique_items, rows = fast
            item_index = {int(item): i for i, item in enumerate(unique_items)}
        else:
            item_index = {item: i for i, item in enumerate(dict.fromkeys(items_col))}
            rows = np.fromiter(map(item_index.__getitem__, items_col), np.int64,
                               len(triples))
        annotators = sorted(dict.fromkeys(annotators_col), key=str)
        annotator_index = {a: j for j, a in enumerate(annotators)}
        cols = np.fromiter(map(annotator_index.__getitem__, annotators_col), np.int64,
                           len(triples))
        values, positions, value_codes = _encode(values_col, level, order)
        n_items, n_annotators = len(item_index), len(annotators)
        flat = rows * n_annotators + cols
        if np.bincount(flat, minlength=n_items * n_annotators).max() > 1:
            # Keep the last triple of each (item, annotator): unique over the reversed
            # array finds each cell's last occurrence.
            _, first_from_end = np.unique(flat[::-1], return_index=True)
            keep = len(flat) - 1 - first_from_end
            flat, value_codes = flat[keep], value_codes[keep]
        codes = np.full(n_items * n_annotators, -1, np.int64)
        codes[flat] = value_codes
        return cls(tuple(item_index), tuple(annotators), values, positions,
                   codes.reshape(n_items, n_annotators), level)

    @classmethod
    def from_dense(cls, matrix: Any, level: Level = "nominal", *,
                   items: Sequence[Hashable] | None = None,
                   annotators: Sequence[Hashable] | None = None,
                   order: Sequence[Any] | None = None) -> RatingMatrix:
        """Encode a dense matrix: one row per item, one column per annotator, ``None`` or
        NaN where an annotator gave no rating."""
        array = np.asarray(matrix)
        if array.ndim != 2:
            raise AgreementError("A rating matrix needs one row per item and one column "
                                 "per annotator.")
        n_items, n_annotators = array.shape
        item_ids = tuple(items) if items is not None else tuple(range(n_items))
        annotator_ids = (tuple(annotators) if annotators is not None
                         else tuple(range(n_annotators)))
        if len(item_ids) != n_items or len(annotator_ids) != n_annotators:
            raise AgreementError("The item and annotator names do not fit the matrix.")
        if array.dtype.kind in "iuf" and order is None:
            flat = array.astype(np.float64).ravel()
            present = ~np.isnan(flat)
            domain, inverse = np.unique(flat[present], return_inverse=True)
            _check_domain_size(len(domain))
            codes = np.full(flat.shape, -1, np.int64)
            codes[present] = inverse
            values = tuple(_plain_number(float(v)) for v in domain)
            positions = (domain.astype(np.float64) if level != "ordinal"
                         else np.arange(len(domain), dtype=np.float64))
            return cls(item_ids, annotator_ids, values, positions,
                       codes.reshape(n_items, n_annotators), level)
        values, positions, value_codes = _encode(array.ravel().tolist(), level, order)
        return cls(item_ids, annotator_ids, values, positions,
                   value_codes.reshape(n_items, n_annotators), level)

    @classmethod
    def _empty(cls, level: Level, order: Sequence[Any] | None) -> RatingMatrix:
        values, positions, _ = _encode([], level, order)
        return cls((), (), values, positions, np.zeros((0, 0), np.int64), level)

    @property
    def is_sets(self) -> bool:
        return any(isinstance(v, frozenset) for v in self.values)

    def without(self, annotator: int) -> RatingMatrix:
        """The same ratings without one annotator's column."""
        keep = [j for j in range(len(self.annotators)) if j != annotator]
        return RatingMatrix(self.items, tuple(self.annotators[j] for j in keep),
                            self.values, self.positions, self.codes[:, keep], self.level)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _plain_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _check_domain_size(size: int) -> None:
    if size > MAX_VALUES:
        raise AgreementError(f"{size:,} distinct values: agreement statistics are for "
                             f"label fields with at most {MAX_VALUES} values; bin the "
                             "values first.")


def _freeze(value: Any) -> Any:
    return frozenset(value) if isinstance(value, list | set | tuple) else value


def _codes_of_ints(column: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted distinct values and each entry's index, when every entry is an int."""
    if not column or type(column[0]) is not int:
        return None
    try:
        array = np.fromiter(column, np.int64, len(column))
    except (TypeError, ValueError, OverflowError):
        return None
    if any(type(v) is not int for v in column[:: max(1, len(column) // 64)]):
        return None  # bools or numpy ints would be silently folded in
    unique, inverse = np.unique(array, return_inverse=True)
    return unique, inverse.astype(np.int64)


def _encode(raw: Sequence[Any], level: Level, order: Sequence[Any] | None
            ) -> tuple[tuple[Any, ...], FloatArray, IntArray]:
    """(value domain, positions, one code per raw value with -1 for missing)."""
    if level not in LEVELS:
        raise AgreementError(f"Unknown level {level!r}: use one of {', '.join(LEVELS)}.")
    try:
        raw_distinct = list(dict.fromkeys(raw))
    except TypeError:  # lists of options: compare them as sets
        raw = [_freeze(v) for v in raw]
        raw_distinct = list(dict.fromkeys(raw))
    distinct = list(dict.fromkeys(_freeze(v) for v in raw_distinct if not _is_missing(v)))
    canonical: dict[Any, Any] = {}
    if any(isinstance(v, frozenset) for v in distinct):
        if level != "nominal":
            raise AgreementError("Multi-choice values (sets of options) have no "
                                 f"{level} level; use nominal.")
        canonical = {v: v if isinstance(v, frozenset) else frozenset([v]) for v in distinct}
        rank = {o: i for i, o in enumerate(order or ())}
        domain = sorted(set(canonical.values()),
                        key=lambda s: (len(s), sorted((rank.get(o, len(rank)), str(o))
                                                      for o in s)))
        positions = np.arange(len(domain), dtype=np.float64)
    elif level in ("interval", "ratio") or (level == "ordinal" and order is None):
        for v in distinct:
            number = _number(v)
            if number is None or math.isnan(number):
                hint = "" if level != "ordinal" else " or give the order of the options"
                raise AgreementError(f"The {level} level needs numbers{hint}; "
                                     f"{v!r} is not one.")
            canonical[v] = _plain_number(number)
        domain = sorted(set(canonical.values()))
        if order is not None:  # keep the scale's unused points for display
            domain = sorted(set(domain) | {_plain_number(float(cast(float, _number(o))))
                                           for o in order if _number(o) is not None})
        positions = (np.arange(len(domain), dtype=np.float64) if level == "ordinal"
                     else np.asarray(domain, dtype=np.float64))
        if level == "ratio" and len(domain) and positions.min() < 0:
            raise AgreementError("The ratio level needs values of zero or more.")
    else:
        canonical = {v: v for v in distinct}
        domain = list(order) if order is not None else []
        known = set(domain)
        extra = [v for v in distinct if v not in known]
        if level == "ordinal" and extra:
            raise AgreementError(f"{extra[0]!r} is not one of the ordered options "
                                 f"({', '.join(map(str, domain))}).")
        try:
            extra.sort()
        except TypeError:
            extra.sort(key=str)
        domain += extra
        positions = np.arange(len(domain), dtype=np.float64)
    _check_domain_size(len(domain))
    index = {v: i for i, v in enumerate(domain)}
    # Every distinct raw value (missing ones included, NaN by identity) -> its code, so
    # the per-rating work is one C-level dict lookup.
    lookup = {v: -1 if _is_missing(v) else index[canonical[_freeze(v)]] for v in raw_distinct}
    codes = np.fromiter(map(lookup.__getitem__, raw), np.int64, len(raw))
    return tuple(domain), positions, codes


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class PairKappa:
    """Cohen's kappa of two annotators over the items both rated."""

    a: Hashable
    b: Hashable
    items: int
    kappa: float | None
    percent_agreement: float | None
    kappa_linear: float | None = None
    kappa_quadratic: float | None = None


@dataclass(frozen=True)
class AnnotatorAgreement:
    """How one annotator agrees with the others."""

    annotator: Hashable
    items: int
    percent_agreement: float | None
    cohen_kappa: float | None
    alpha_without: float | None


@dataclass(frozen=True)
class Confusion:
    """Counts of ordered pairs of ratings (row value, column value) on the same item."""

    labels: tuple[Any, ...]
    matrix: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class ConfidenceIntervals:
    """Percentile bootstrap intervals, ``None`` for a statistic that never applied."""

    confidence: float
    samples: int
    seed: int
    intervals: Mapping[str, tuple[float, float] | None]


@dataclass(frozen=True)
class AgreementReport:
    """Every agreement statistic of one field; ``None`` where one does not apply."""

    field: str
    level: Level | None
    items: int
    annotators: int
    annotator_names: tuple[Hashable, ...] = ()
    pairable_items: int = 0
    percent_agreement: float | None = None
    unanimous: float | None = None
    cohen_kappa: float | None = None
    cohen_kappa_linear: float | None = None
    cohen_kappa_quadratic: float | None = None
    cohen_pairs: tuple[PairKappa, ...] = ()
    fleiss_kappa: float | None = None
    fleiss_items: int = 0
    fleiss_raters: int | None = None
    krippendorff_alpha: float | None = None
    set_distance: SetDistance | None = None
    per_annotator: tuple[AnnotatorAgreement, ...] = ()
    confusion: Confusion | None = None
    per_option: Mapping[str, Mapping[str, float | None]] | None = None
    ci: ConfidenceIntervals | None = None
    disagreements: int = 0

    def to_json(self) -> dict[str, Any]:
        """The ``agreement`` document of the command-line contract (plus more keys)."""
        weighted = self.level in ("ordinal", "interval", "ratio")
        pairs = []
        for p in self.cohen_pairs:
            pair: dict[str, Any] = {"a": _name(p.a), "b": _name(p.b), "kappa": p.kappa,
                                    "items": p.items,
                                    "percent_agreement": p.percent_agreement}
            if weighted:
                pair |= {"kappa_linear": p.kappa_linear,
                         "kappa_quadratic": p.kappa_quadratic}
            pairs.append(pair)
        doc: dict[str, Any] = {
            "field": self.field, "level": self.level, "items": self.items,
            "annotators": self.annotators,
            "annotator_names": [_name(a) for a in self.annotator_names],
            "pairable_items": self.pairable_items,
            "percent_agreement": self.percent_agreement, "unanimous": self.unanimous,
            "cohen_kappa": self.cohen_kappa,
        }
        if weighted:
            doc |= {"cohen_kappa_linear": self.cohen_kappa_linear,
                    "cohen_kappa_quadratic": self.cohen_kappa_quadratic}
        doc |= {
            "cohen_pairs": pairs, "fleiss_kappa": self.fleiss_kappa,
            "fleiss_items": self.fleiss_items, "fleiss_raters": self.fleiss_raters,
            "krippendorff_alpha": self.krippendorff_alpha,
            "set_distance": self.set_distance,
            "disagreements": self.disagreements,
            "per_annotator": [
                {"annotator": _name(a.annotator), "items": a.items,
                 "percent_agreement": a.percent_agreement, "cohen_kappa": a.cohen_kappa,
                 "alpha_without": a.alpha_without} for a in self.per_annotator],
            "confusion": None if self.confusion is None else {
                "labels": [_label(v) for v in self.confusion.labels],
                "matrix": [list(row) for row in self.confusion.matrix]},
            "per_option": None if self.per_option is None else {
                k: dict(v) for k, v in self.per_option.items()},
            "ci": None if self.ci is None else {
                "confidence": self.ci.confidence, "samples": self.ci.samples,
                "seed": self.ci.seed,
                **{k: None if v is None else list(v) for k, v in self.ci.intervals.items()}},
        }
        return doc


def _name(value: Hashable) -> Any:
    return value if isinstance(value, str | int | float) else str(value)


def _label(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value, key=str)
    return _name(value)


# --------------------------------------------------------------------------- patterns

#: Largest multiset key for which distinct keys are counted with a bincount.
_DENSE_KEYS = 1 << 22


def _distinct_multisets(codes: IntArray, n_values: int, n_annotators: int
                        ) -> tuple[IntArray, IntArray]:
    """(one row of sorted codes per distinct multiset of a row's codes, rows of each).

    A row's multiset key is sum(base ** code) with base = annotators + 1: a number in
    base ``base`` whose digits are the counts of each value, so equal keys mean equal
    multisets. No per-row sort is needed, which is what makes 100k items fast.
    """
    if not len(codes):
        return np.zeros((0, n_annotators), np.int64), np.zeros(0, np.int64)
    base = n_annotators + 1
    if n_values * math.log2(base) >= 62:  # the key would overflow: sort rows instead
        rows, counts = np.unique(np.sort(codes, axis=1), axis=0, return_counts=True)
        return rows, counts
    powers = base ** np.arange(n_values, dtype=np.int64)
    key = np.where(codes >= 0, powers[np.maximum(codes, 0)], 0).sum(axis=1)
    if int(key.max()) < _DENSE_KEYS:
        counts_by_key = np.bincount(key)
        distinct = np.flatnonzero(counts_by_key)
        counts = counts_by_key[distinct]
        representative = np.empty(len(counts_by_key), np.int64)
        representative[key] = np.arange(len(key))  # any row of a key will do
        first = representative[distinct]
    else:
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return np.sort(codes[first], axis=1), counts



@dataclass(frozen=True)
class _Patterns:
    """Items with two or more ratings, grouped by their multiset of value codes."""

    rows: IntArray       # (P, A) codes sorted per row, -1 (missing) first
    freq: FloatArray     # items per pattern
    raters: IntArray     # ratings per pattern
    agree: FloatArray    # share of agreeing rating pairs per pattern
    pair_pattern: IntArray  # every ordered pair of ratings within a pattern ...
    pair_bin: IntArray      # ... its (value, value) cell as value * V + value
    pair_weight: FloatArray  # ... and 1 / (raters - 1)


def _patterns(codes: IntArray, n_values: int) -> _Patterns:
    n_annotators = codes.shape[1] if codes.ndim == 2 else 0
    pairable = codes[(codes >= 0).sum(axis=1) >= 2] if codes.size else codes
    rows, counts = _distinct_multisets(pairable, n_values, n_annotators)
    raters = (rows >= 0).sum(axis=1)
    p_idx, bins, same = [], [], []
    for i, j in combinations(range(n_annotators), 2):
        both = np.flatnonzero((rows[:, i] >= 0) & (rows[:, j] >= 0))
        ci, cj = rows[both, i], rows[both, j]
        p_idx += [both, both]
        bins += [ci * n_values + cj, cj * n_values + ci]
        same.append(np.bincount(both, weights=ci == cj, minlength=len(rows)))
    pattern = np.concatenate(p_idx) if p_idx else np.zeros(0, np.int64)
    agreeing = np.sum(same, axis=0) if same else np.zeros(len(rows))
    pairs_per_item = raters * (raters - 1) / 2
    return _Patterns(
        rows=rows, freq=counts.astype(np.float64), raters=raters,
        agree=np.divide(agreeing, pairs_per_item, out=np.zeros(len(rows)),
                        where=pairs_per_item > 0),
        pair_pattern=pattern,
        pair_bin=np.concatenate(bins) if bins else np.zeros(0, np.int64),
        pair_weight=1.0 / (raters[pattern] - 1) if len(pattern) else np.zeros(0))


def _coincidences(pat: _Patterns, weights: FloatArray, n_values: int) -> FloatArray:
    o = np.bincount(pat.pair_bin, weights=weights[pat.pair_pattern] * pat.pair_weight,
                    minlength=n_values * n_values)
    return o.reshape(n_values, n_values).astype(np.float64)


def _distance(level: Level, positions: FloatArray, values: tuple[Any, ...],
              set_distance: SetDistance) -> FloatArray | None:
    """The fixed distance matrix, or None for ordinal (it depends on the marginals)."""
    if any(isinstance(v, frozenset) for v in values):
        return _set_distances(values, set_distance)
    if level == "ordinal":
        return None
    x, y = positions[:, None], positions[None, :]
    if level == "interval":
        return (x - y) ** 2
    if level == "ratio":
        total = x + y
        ratio = np.divide(x - y, total, out=np.zeros_like(total), where=total != 0)
        return cast(FloatArray, ratio ** 2)
    return 1.0 - np.eye(len(positions))


def _ordinal_distance(n_v: FloatArray) -> FloatArray:
    """Krippendorff's ordinal metric: (sum of n_g from c to k, minus (n_c + n_k) / 2)^2."""
    cum = np.concatenate(([0.0], np.cumsum(n_v)))
    idx = np.arange(len(n_v))
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    between = cum[hi + 1] - cum[lo]
    return cast(FloatArray, (between - (n_v[lo] + n_v[hi]) / 2) ** 2)


def _set_distances(values: tuple[Any, ...], kind: SetDistance) -> FloatArray:
    size = len(values)
    out = np.zeros((size, size))
    for i, j in combinations(range(size), 2):
        a, b = values[i], values[j]
        union = len(a | b)
        jaccard = len(a & b) / union if union else 1.0
        if kind == "masi":
            # Passonneau (2006): monotonicity 1 equal, 2/3 subset, 1/3 overlap, 0 disjoint.
            if a == b:
                mono = 1.0
            elif a <= b or b <= a:
                mono = 2 / 3
            elif a & b:
                mono = 1 / 3
            else:
                mono = 0.0
            jaccard *= mono
        out[i, j] = out[j, i] = 1.0 - jaccard
    return out


def _alpha(o: FloatArray, delta: FloatArray | None) -> float | None:
    n_v = o.sum(axis=1)
    n = float(n_v.sum())
    if n <= 1:
        return None
    d = _ordinal_distance(n_v) if delta is None else delta
    expected = float(n_v @ d @ n_v)
    if expected <= 1e-12 * max(n * n, 1.0):
        return None
    return 1.0 - (n - 1) * float((o * d).sum()) / expected


def _percent(pat: _Patterns, weights: FloatArray) -> tuple[float | None, float | None]:
    total = weights.sum()
    if total <= 0:
        return None, None
    return (float(weights @ pat.agree / total),
            float(weights @ (pat.agree >= 1.0 - 1e-12) / total))


def _fleiss(pat: _Patterns, weights: FloatArray, n_values: int
            ) -> tuple[float | None, int, int | None]:
    """(kappa, items used, raters per item) over the items with the modal rater count."""
    if not len(pat.raters) or weights.sum() <= 0:
        return None, 0, None
    per_count = np.bincount(pat.raters, weights=weights)
    modal = int(len(per_count) - 1 - np.argmax(per_count[::-1]))  # ties: more raters
    chosen = pat.raters == modal
    n_items = float(weights[chosen].sum())
    rows = pat.rows[chosen]
    present = rows >= 0
    w = np.broadcast_to(weights[chosen][:, None], rows.shape)
    p_j = np.bincount(rows[present], weights=w[present], minlength=n_values).astype(np.float64)
    p_j /= n_items * modal
    p_bar = float(weights[chosen] @ pat.agree[chosen]) / n_items
    p_e = float(p_j @ p_j)
    kappa = None if p_e >= 1.0 - 1e-12 else (p_bar - p_e) / (1.0 - p_e)
    return kappa, round(n_items), modal


# --------------------------------------------------------------------------- kappas


def _kappa(table: FloatArray, dist: FloatArray) -> float | None:
    n = table.sum()
    if n <= 0:
        return None
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chance = float((dist * expected).sum())
    if chance <= 1e-12 * n:
        return None
    return 1.0 - float((dist * table).sum()) / chance


def _cohen_pairs(m: RatingMatrix, weighted: bool) -> list[PairKappa]:
    n_values = len(m.values)
    size = n_values + 1  # code + 1, so that "no rating" is row/column 0 and dropped
    shifted = m.codes + 1
    nominal = 1.0 - np.eye(n_values)
    spread = np.abs(m.positions[:, None] - m.positions[None, :])
    out = []
    for a, b in combinations(range(len(m.annotators)), 2):
        cells = np.bincount(shifted[:, a] * size + shifted[:, b], minlength=size * size)
        table = cells.reshape(size, size)[1:, 1:].astype(np.float64)
        n = int(table.sum())
        out.append(PairKappa(
            a=m.annotators[a], b=m.annotators[b], items=n,
            kappa=_kappa(table, nominal),
            percent_agreement=float(np.trace(table)) / n if n else None,
            kappa_linear=_kappa(table, spread) if weighted else None,
            kappa_quadratic=_kappa(table, spread ** 2) if weighted else None))
    return out


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _per_annotator(m: RatingMatrix, pairs: list[PairKappa], alpha_of: Any
                   ) -> tuple[AnnotatorAgreement, ...]:
    out = []
    for j, name in enumerate(m.annotators):
        mine = [p for p in pairs if name in (p.a, p.b)]
        shared = sum(p.items for p in mine)
        agreed = sum(p.items * (p.percent_agreement or 0.0) for p in mine)
        out.append(AnnotatorAgreement(
            annotator=name, items=int((m.codes[:, j] >= 0).sum()),
            percent_agreement=agreed / shared if shared else None,
            cohen_kappa=_mean(p.kappa for p in mine),
            alpha_without=alpha_of(m.without(j)) if len(m.annotators) >= 3 else None))
    return tuple(out)


# --------------------------------------------------------------------------- API


def agreement(ratings: Iterable[Rating] | RatingMatrix, level: Level = "nominal", *,
              field: str = "", order: Sequence[Any] | None = None,
              set_distance: SetDistance = "masi", bootstrap: int = 0, seed: int = 0,
              confidence: float = 0.95) -> AgreementReport:
    """Every agreement statistic of one field's ratings.

    ``ratings`` are ``(item, annotator, value)`` triples (``None`` = no rating) or a
    :class:`RatingMatrix` (see :meth:`RatingMatrix.from_dense` for a dense matrix).
    ``order`` lists the field's values in order: needed for ``ordinal`` text values,
    and it fixes the order of the confusion matrix. ``bootstrap`` > 0 adds percentile
    confidence intervals from that many resamplings of the items, seeded by ``seed``.
    """
    m = (ratings if isinstance(ratings, RatingMatrix)
         else RatingMatrix.from_ratings(ratings, level, order=order))
    if m.level != level:
        raise AgreementError(f"The ratings were encoded for the {m.level} level, "
                             f"not {level}.")
    is_sets = m.is_sets
    n_values = len(m.values)
    delta = _distance(level, m.positions, m.values, set_distance)
    pat = _patterns(m.codes, n_values)

    def alpha_of(sub: RatingMatrix) -> float | None:
        p = _patterns(sub.codes, n_values)
        return _alpha(_coincidences(p, p.freq, n_values), delta)

    percent, unanimous = _percent(pat, pat.freq)
    fleiss, fleiss_items, fleiss_raters = _fleiss(pat, pat.freq, n_values)
    weighted = level != "nominal" and not is_sets
    pairs = _cohen_pairs(m, weighted)
    confusion_counts = np.bincount(pat.pair_bin, weights=pat.freq[pat.pair_pattern],
                                   minlength=n_values * n_values).reshape(n_values, n_values)
    return AgreementReport(
        field=field, level=level,
        items=int(((m.codes >= 0).sum(axis=1) > 0).sum()),
        annotators=len(m.annotators), annotator_names=m.annotators,
        pairable_items=int(pat.freq.sum()),
        percent_agreement=percent, unanimous=unanimous,
        cohen_kappa=_mean(p.kappa for p in pairs),
        cohen_kappa_linear=_mean(p.kappa_linear for p in pairs) if weighted else None,
        cohen_kappa_quadratic=_mean(p.kappa_quadratic for p in pairs) if weighted else None,
        cohen_pairs=tuple(pairs),
        fleiss_kappa=fleiss, fleiss_items=fleiss_items, fleiss_raters=fleiss_raters,
        krippendorff_alpha=_alpha(_coincidences(pat, pat.freq, n_values), delta),
        set_distance=set_distance if is_sets else None,
        per_annotator=_per_annotator(m, pairs, alpha_of),
        confusion=Confusion(m.values, tuple(tuple(round(c) for c in row)
                                            for row in confusion_counts)),
        per_option=_per_option(m) if is_sets else None,
        ci=(_bootstrap(pat, delta, n_values, bootstrap, seed, confidence)
            if bootstrap > 0 else None),
        disagreements=int(pat.freq[pat.agree < 1.0 - 1e-12].sum()),
    )


def field_agreement(field: str, kind: str, ratings: Iterable[Rating], *,
                    options: Sequence[Any] | None = None, level: Level | None = None,
                    bootstrap: int = 0, seed: int = 0) -> AgreementReport:
    """:func:`agreement` for a label-schema field of ``kind`` single/multi/rating/text/
    pairwise.

    ``single`` and ``multi`` are nominal (``multi`` values compared as sets), ``rating``
    is ordinal unless ``level`` says otherwise, ``pairwise`` is nominal over the outcome
    (A, B or tie, in the record's own terms: the caller passes outcomes, see
    :func:`curator.core.labeling.labels.ratings`), and ``text`` gets counts only.
    """
    if kind == "text":
        m = RatingMatrix.from_ratings(((i, a, None if _is_missing(v) else 0)
                                       for i, a, v in ratings))
        return AgreementReport(field=field, level=None,
                               items=int(((m.codes >= 0).sum(axis=1) > 0).sum()),
                               annotators=len(m.annotators), annotator_names=m.annotators)
    if kind not in ("single", "multi", "rating", "pairwise"):
        raise AgreementError(f"Unknown field kind {kind!r}.")
    chosen: Level = level or ("ordinal" if kind == "rating" else "nominal")
    if kind != "rating" and chosen != "nominal":
        raise AgreementError(f"A {kind} field is nominal; {chosen} does not apply.")
    return agreement(ratings, chosen, field=field, order=options, bootstrap=bootstrap,
                     seed=seed)


def disagreements(ratings: Iterable[Rating] | RatingMatrix) -> list[Hashable]:
    """The items, in first-seen order, whose two or more ratings are not all equal."""
    m = (ratings if isinstance(ratings, RatingMatrix)
         else RatingMatrix.from_ratings(ratings))
    if not m.codes.size:
        return []
    codes = m.codes
    high = codes.max(axis=1)
    low = np.where(codes < 0, np.iinfo(np.int64).max, codes).min(axis=1)
    differ = ((codes >= 0).sum(axis=1) >= 2) & (high != low)
    return [m.items[i] for i in np.flatnonzero(differ)]


def _per_option(m: RatingMatrix) -> dict[str, dict[str, float | None]]:
    """Each option of a multi-choice field as its own yes/no field."""
    options = sorted({o for s in m.values for o in s}, key=str)
    out = {}
    for option in options:
        has = np.array([option in s for s in m.values], dtype=np.int64)
        codes = np.where(m.codes >= 0, has[np.maximum(m.codes, 0)], -1)
        pat = _patterns(codes, 2)
        out[str(option)] = {
            "percent_agreement": _percent(pat, pat.freq)[0],
            "krippendorff_alpha": _alpha(_coincidences(pat, pat.freq, 2),
                                         1.0 - np.eye(2)),
        }
    return out


def _bootstrap(pat: _Patterns, delta: FloatArray | None, n_values: int, samples: int,
               seed: int, confidence: float) -> ConfidenceIntervals:
    """Percentile intervals from resampling the pairable items with replacement.

    Resampled items only matter through their pattern, and the number of draws of each
    pattern is multinomial with the patterns' shares, so that is what is drawn.
    """
    n_items = int(pat.freq.sum())
    stats: dict[str, list[float]] = {"krippendorff_alpha": [], "percent_agreement": [],
                                     "fleiss_kappa": []}
    if n_items:
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n_items, pat.freq / n_items, size=samples).astype(float)
        for w in draws:
            alpha = _alpha(_coincidences(pat, w, n_values), delta)
            kappa = _fleiss(pat, w, n_values)[0]
            stats["krippendorff_alpha"].append(np.nan if alpha is None else alpha)
            stats["fleiss_kappa"].append(np.nan if kappa is None else kappa)
        stats["percent_agreement"] = list(draws @ pat.agree / n_items)
    tail = (1.0 - confidence) / 2 * 100
    intervals: dict[str, tuple[float, float] | None] = {}
    for name, series in stats.items():
        arr = np.asarray(series, dtype=np.float64)
        arr = arr[~np.isnan(arr)]
        intervals[name] = (None if not len(arr) else
                           (float(np.percentile(arr, tail)),
                            float(np.percentile(arr, 100 - tail))))
    return ConfidenceIntervals(confidence, samples, seed, intervals)
