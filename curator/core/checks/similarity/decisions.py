"""Pair decisions: are two records near duplicates, do they contradict each other, how badly.

Everything here looks at one pair of records at a time, given their cosines; which pairs
are compared and how decided pairs become groups live elsewhere (``analysis``,
``grouping``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    return None


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

    @classmethod
    def of(cls, config: Mapping[str, Any], kinds: Sequence[str]) -> PairRules:
        """The rules of ``config`` for the scan kinds in ``kinds``."""
        return cls(config, "duplicates" in kinds, "contradictions" in kinds,
                   config["near_duplicate"], config["near_duplicate_output"],
                   config["contradiction_input"], bool(config["same_system_prompt"]),
                   int(config["short_answer_words"]))

    def near(self, in_sim: float, out_sim: float | None, has_a: bool, has_b: bool) -> bool:
        """Near duplicates: close inputs, and close outputs or neither has an output."""
        return (self.find_near and in_sim >= self.near_input
                and (out_sim is None or out_sim >= self.near_output)
                and ((has_a and has_b) or not (has_a or has_b)))

    def may_contradict(self, a: Sides, b: Sides, in_sim: float) -> bool:
        """The same question under the same system prompt (when that is asked for)."""
        return (self.find_contradictions and in_sim >= self.contradiction_input
                and not (self.same_system and a.system != b.system))

    def conflict(self, a: Sides, b: Sides, out_sim: float | None) -> str | None:
        """Why the outputs of two records that may contradict disagree, or None."""
        return conflict_reason(a.output, b.output, out_sim, self.config, self.max_words)
