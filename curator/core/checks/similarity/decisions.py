"""Pair decisions: are two records near duplicates, do they contradict each other, how badly.

Everything here looks at one pair of records at a time, given their cosines; which pairs
are compared and how decided pairs become groups live elsewhere (``analysis``,
``grouping``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curator.core.checks.similarity.texts import Sides, normalise, short_answer
from curator.core.model import Severity


def conflict_reason(a: str | None, b: str | None, out_sim: float | None,
                    config: Mapping[str, Any], max_words: int) -> str | None:
    """Why two outputs for the same input disagree ("answer", "output"), or None."""
    if a is None or b is None or a == b:
        return None
    short_a, short_b = short_answer(a, max_words), short_answer(b, max_words)
    if short_a is not None and short_b is not None:
        return "answer" if short_a != short_b else None
    if out_sim is not None and out_sim < config["contradiction_output"]:
        return "output"
    if answers_differ(a, b):
        return "output"
    return None


_POLARITY = re.compile(r"(?:^|[\s.!?:;,(\"])(yes|no)(?=[\s]*(?:[,.!;:)]|$))")


@functools.lru_cache(maxsize=1 << 16)
def polarity(answer: str) -> str | None:
    """"yes" or "no" when the (normalised) answer opens a sentence with one ("No, the
    store is closed", "Good question. Yes, ..."); None otherwise ("no need to ...")."""
    found = _POLARITY.search(answer)
    return found.group(1) if found else None


def answers_differ(a: str | None, b: str | None) -> bool:
    """Two answers to the same request say different things, whatever their cosine.

    One says yes and the other no (or negates what it says: "we do not deliver to
    Brazil" / "yes, we deliver to Brazil"), or they state another number, day or month each
    (:func:`differing` over the normalised answers: no names, case is gone), or one
    negates what the other says in mostly the same words. Answers that stay close in
    topic ("open from 9 am to 6 pm" / "open from 7 am to 11 pm": cosine 0.9) are told
    apart this way; a reworded answer keeps its figures and its yes or no.
    """
    if a is None or b is None or a == b:
        return False
    said_a, said_b = details(a), details(b)
    yes_a = polarity(a) or ("no" if said_a.negated else None)
    yes_b = polarity(b) or ("no" if said_b.negated else None)
    if yes_a is not None and yes_b is not None and yes_a != yes_b:
        return True
    return differing(said_a, said_b) is not None


def label_conflict(a: str | None, b: str | None) -> str | None:
    """``"label"`` when both records have a final label and the labels differ."""
    if a is not None and b is not None and normalise(a) != normalise(b):
        return "label"
    return None


def contradiction_severity(input_similarity: float, output_similarity: float | None,
                           reason: str) -> Severity:
    """``error`` for the same input with clearly different outputs, else ``warning``.

    Same input (cosine >= 0.98) with a different short answer or label, or outputs
    below 0.3 cosine, is an error: training would teach both answers. Anything less
    certain is a warning.
    """
    if input_similarity >= 0.98 and (
            reason in ("answer", "label") or (output_similarity or 1.0) < 0.3):
        return "error"
    return "warning"


@dataclass(frozen=True, slots=True)
class PairRules:
    """The thresholds a pair is judged by, read from the settings once per scan.

    The decisions run once per candidate record pair (over a hundred thousand at 100k
    records), hence plain fields rather than settings lookups.
    """

    config: Mapping[str, Any]
    find_near: bool
    find_contradictions: bool
    near_input: float
    near_output: float
    contradiction_input: float
    same_system: bool
    max_words: int
    verify: bool = True
    same_request_at: float = 0.5
    detail_output: float = 0.95

    @classmethod
    def of(cls, config: Mapping[str, Any], kinds: Sequence[str]) -> PairRules:
        """The rules of ``config`` for the scan kinds in ``kinds``."""
        return cls(config, "duplicates" in kinds, "contradictions" in kinds,
                   config["near_duplicate"], config["near_duplicate_output"],
                   config["contradiction_input"], bool(config["same_system_prompt"]),
                   int(config["short_answer_words"]), bool(config["verify_pairs"]),
                   float(config["same_request"]), float(config["detail_variant_output"]))

    def detail_variant(self, a: Details, b: Details, in_sim: float,
                       out_sim: float | None, answers: tuple[str | None, str | None]
                       ) -> bool:
        """Near duplicates that differ in a detail but give the same answer.

        "Open on Sunday?" / "Open on Monday?" both answered "We are open every day"
        teach one thing twice (their reason: "differs in: sunday / monday").
        """
        return (self.find_near and in_sim >= self.near_input and out_sim is not None
                and out_sim >= self.detail_output and differing(a, b) is not None
                and not answers_differ(*answers))

    def same_request(self, a: Details, b: Details, in_sim: float) -> bool:
        """Verification: are two candidate inputs the same request (see :func:`verdict`)?"""
        return not self.verify or verdict(a, b, in_sim) >= self.same_request_at

    def near(self, a: Sides, b: Sides, in_sim: float, out_sim: float | None) -> bool:
        """Near duplicates: close inputs, and outputs close that say the same thing
        (:func:`answers_differ`), or neither has an output."""
        has_a, has_b = a.output is not None, b.output is not None
        return (self.find_near and in_sim >= self.near_input
                and (out_sim is None or (out_sim >= self.near_output
                                         and not answers_differ(a.output, b.output)))
                and ((has_a and has_b) or not (has_a or has_b)))

    def alike(self, a: Sides, b: Sides, da: Details, db: Details, in_sim: float,
              out_sim: float | None) -> bool:
        """Near duplicates by verification alone, whatever the input cosine.

        For pairs the neighbour search did not retrieve, decided when a group is formed
        (``grouping.tight_groups``'s judge): the candidate cosine is a retrieval device,
        not a decision, so a record verified alike with every member joins even when
        one of its cosines fell under it. The same rules as :meth:`near` and
        :meth:`detail_variant` otherwise (the model itself wants a high cosine);
        without verification (``verify_pairs`` off) the cosine threshold stays.
        """
        if not self.find_near:
            return False
        if not self.verify:         # unverified, the cosine alone decides: a candidate's
            return self.near(a, b, in_sim, out_sim)
        if out_sim is None:
            return a.output is None and b.output is None and self.same_request(
                da, db, in_sim)
        if answers_differ(a.output, b.output):
            return False
        if self.same_request(da, db, in_sim):
            return out_sim >= self.near_output
        return out_sim >= self.detail_output and differing(da, db) is not None

    def may_contradict(self, a: Sides, b: Sides, in_sim: float) -> bool:
        """The same question under the same system prompt (when that is asked for)."""
        return (self.find_contradictions and in_sim >= self.contradiction_input
                and not (self.same_system and a.system != b.system))

    def conflict(self, a: Sides, b: Sides, out_sim: float | None) -> str | None:
        """Why the outputs of two records that may contradict disagree, or None."""
        return conflict_reason(a.output, b.output, out_sim, self.config, self.max_words)


# -- verification: is a candidate pair the same request? ---------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;\n\"(]")


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve"))}
_WEEKDAYS = _listed("monday tuesday wednesday thursday friday saturday sunday "
                    "weekend weekday today tomorrow yesterday")
_MONTHS = _listed("january february march april may june july august september october "
                  "november december") - {"may", "march"}
_NEGATIONS = _listed("not no never none nothing nobody cannot can't won't don't "
                     "doesn't didn't isn't aren't wasn't weren't hasn't haven't hadn't "
                     "shouldn't wouldn't couldn't mustn't without")
_STOP = _listed("a an the i me my we our you your it its is are was were be been am do "
                "does did to of in on at for with and or but so if this that these those "
                "there here what how can could would should will please hi hello thanks "
                "thank just any some")


@dataclass(frozen=True, slots=True)
class Details:
    """What verification compares of one input: its words and the details that matter.

    ``words``: content words (casefolded, stop words out, numbers as digits, crudely
    stemmed: :func:`stem`); ``marks``: details that make
    two requests different when they differ — numbers (digits or number words),
    weekday and month words, and capitalised words inside a sentence (names, places,
    products); ``negated``: whether the text negates (odd number of negations).
    """

    words: frozenset[str]
    marks: frozenset[str]
    negated: bool


@functools.lru_cache(maxsize=1 << 16)
def details(text: str) -> Details:
    """The :class:`Details` of ``text`` (written as is: case tells names apart)."""
    words: set[str] = set()
    marks: set[str] = set()
    negations = 0
    previous_end = -1
    for match in _WORD.finditer(text):
        raw = match.group()
        word = raw.casefold().replace("’", "'")
        sentence_start = previous_end < 0 or bool(
            _SENTENCE_END.search(text, previous_end, match.start()))
        previous_end = match.end()
        if word in _NEGATIONS or word.endswith("n't"):
            negations += 1
        number = word if word.isdigit() else _NUMBER_WORDS.get(word)
        if number is not None:
            word = number.lstrip("0") or "0"
            marks.add(word)
        elif stem(word) in _WEEKDAYS or word in _MONTHS or (
                raw[:1].isupper() and not sentence_start and word not in _STOP
                and not raw.isupper()):
            marks.add(word)
        if word not in _STOP and word not in _NEGATIONS:
            words.add(stem(word))
    return Details(frozenset(words), frozenset(marks), negations % 2 == 1)


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude English stem, so that inflections count as the same word in overlaps:
    "runs", "running" -> "run"; "spiders" -> "spider"; "colours" -> "color"; "prices",
    "price" -> "pric". Only suffixes; words of three letters or fewer stay as they are."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)]
            if word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if word.endswith("our") and len(word) > 4:
        word = word[:-3] + "or"
    return word


def detail_spans(text: str, marks: Collection[str]) -> list[tuple[int, int]]:
    """Where ``text`` (as written) has one of ``marks``, the details :func:`differing`
    names ("sunday", "30" for "thirty" too, "not" for any negation): (start, end)."""
    wanted = set(marks)
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        word = match.group().casefold().replace("’", "'")
        number = word if word.isdigit() else _NUMBER_WORDS.get(word)
        as_mark = (number.lstrip("0") or "0") if number is not None else word
        negation = word in _NEGATIONS or word.endswith("n't")
        if as_mark in wanted or (negation and "not" in wanted):
            spans.append((match.start(), match.end()))
    return spans


def differing(a: Details, b: Details) -> tuple[list[str], list[str]] | None:
    """The details only one side has, when they make the requests differ; else None.

    Numbers, day and month words and names differ when *each* side has one the other
    lacks (a substitution: "Sunday" / "Monday"; an added "please" or a name given on
    one side only is not one); a negation on one side only differs too when the two
    share most of all their words (Jaccard >= 0.75: "is it working" / "is it not
    working"; "I can't remember my password" / "How do I reset my password" is left to
    the model, and so is a clause one side adds: "covers 50 users" / "covers 50 users,
    no need to call").
    """
    only_a = sorted(m for m in a.marks - b.marks if stem(m) not in b.words)
    only_b = sorted(m for m in b.marks - a.marks if stem(m) not in a.words)
    if only_a and only_b:
        return only_a, only_b
    if a.negated != b.negated and overlap(a, b)[0] >= 0.75:
        return (["not"], []) if a.negated else ([], ["not"])
    return None


def overlap(a: Details, b: Details) -> tuple[float, float]:
    """Token Jaccard and containment (shared over the smaller) of the content words."""
    if not a.words or not b.words:
        return (1.0, 1.0) if a.words == b.words else (0.0, 0.0)
    shared = len(a.words & b.words)
    return (shared / len(a.words | b.words), shared / min(len(a.words), len(b.words)))


#: The same-request model: a logistic regression over (input cosine, content-word
#: Jaccard of the stemmed words, one-word swap, log(1 + words only one side has)), fit on
#: STS benchmark pairs (score >= 4: same, <= 2.5: not; tests/data/stsb_test_ccbysa_subset.csv)
#: and the input pairs of tests/data/paraphrase_pairs.jsonl with the cosines of the
#: default embedder (all-MiniLM-L6-v2 as int8 ONNX), C=10:
#: ``python bench/bench_similarity_quality.py --fit`` prints these figures (and the
#: decision's in-sample and cross-validated precision and recall).
SAME_REQUEST_COEF = (9.5377, -1.6935, -0.5421, -0.6507)
SAME_REQUEST_INTERCEPT = -4.518


def verdict(a: Details, b: Details, in_sim: float) -> float:
    """The probability that two inputs are the same request; 0.0 when a detail differs.

    A differing number, day, month, name or negation (:func:`differing`) makes them
    different requests whatever the cosine; otherwise the calibrated model decides.
    Identical content words with a cosine of 0.98 or more are the same request.
    """
    if differing(a, b) is not None:
        return 0.0
    if in_sim >= 0.98 and a.words == b.words:
        return 1.0
    return same_request_probability(pair_features(a, b, in_sim))


def pair_features(a: Details, b: Details, in_sim: float) -> tuple[float, float, float, float]:
    """The model's inputs: cosine, Jaccard, one-word swap (0/1), log(1 + unshared words)."""
    jaccard, _ = overlap(a, b)
    only_a, only_b = len(a.words - b.words), len(b.words - a.words)
    swap = 1.0 if min(only_a, only_b) == 1 and max(only_a, only_b) <= 2 else 0.0
    return in_sim, jaccard, swap, math.log1p(only_a + only_b)


def same_request_probability(features: Sequence[float]) -> float:
    """The logistic model of :data:`SAME_REQUEST_COEF` at ``features``."""
    z = SAME_REQUEST_INTERCEPT + sum(c * f for c, f in zip(SAME_REQUEST_COEF, features,
                                                            strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def group_differences(group: Sequence[Details]) -> tuple[list[str], list[str]] | None:
    """The details in which members differ from the group's first, when any do."""
    left: set[str] = set()
    right: set[str] = set()
    for other in group[1:]:
        found = differing(group[0], other)
        if found is not None:
            left.update(found[0])
            right.update(found[1])
    return (sorted(left), sorted(right)) if left or right else None
