"""What the similarity check says: finding descriptions and report summaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """``"1 contradiction"``, ``"2 contradictions"``, ``"1,000 groups"``."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def groups_summary(clusters: Mapping[str, int]) -> str:
    """A scan report's ``clusters`` in words, for the CLI and the status bar."""
    return (f"{count_of(clusters.get('exact', 0), 'exact-duplicate group')}, "
            f"{count_of(clusters.get('near', 0), 'near-duplicate group')}, "
            f"{count_of(clusters.get('contradiction', 0), 'contradiction')}")


def exact_words(others: int) -> str:
    """An exact duplicate's finding description; ``others`` copies besides this one."""
    return (f"This example appears {others + 1} times (the same conversation after "
            "ignoring case and spacing). Keep one copy and reject the others.")


def near_words(others: int, similarity: float) -> str:
    """A near duplicate's finding description."""
    plural = "example says" if others == 1 else "examples say"
    return (f"{others} other {plural} nearly the same thing (similarity {similarity:.2f}). "
            "Keep one unless the variation is intended.")


def contradiction_words(others: int, similarity: float, reason: str) -> str:
    """A contradiction's finding description."""
    what = {"label": "a different final label", "answer": "a different short answer"}.get(
        reason, "a different answer")
    plural = "example asks" if others == 1 else "examples ask"
    return (f"{others} other {plural} the same thing (similarity {similarity:.2f}) but "
            f"{'has' if others == 1 else 'have'} {what}. Decide which answer is right.")


#: ``detail.reason`` of exact duplicates.
IDENTICAL = "identical"
#: ``detail.reason`` of near duplicates whose inputs are rewordings of one request.
REWORDED = "the same request in other words"
#: ... and of those with the very same input and a reworded answer.
SAME_INPUT = "the same request, the answer in other words"


def differs_words(left: list[str], right: list[str]) -> str:
    """``differs in: sunday / monday`` (several details joined by commas)."""
    return f"differs in: {', '.join(left) or '—'} / {', '.join(right) or '—'}"


def conflict_words(reason: str, answers: Sequence[str] | None,
                   output_similarity: float | None) -> str:
    """Why answers to the same request conflict, for ``detail.why`` (of a finding: two
    answers; of a contradiction group: its distinct short answers)."""
    if reason == "label":
        return "the same request, different final labels"
    if reason == "answer" and answers and len(answers) > 1:
        listed = " / ".join(f'"{answer}"' for answer in answers)
        return f"the same request, different answers: {listed}"
    if output_similarity is not None:
        return ("the same request, answers that disagree (answer similarity "
                f"{output_similarity:.2f})")
    return "the same request, answers that disagree"


#: A group's reason in words when its kind is ``exact``.
EXACT_GROUP = "exact copies"


def group_reason(kind: str, detail: Mapping[str, Any]) -> str:
    """Why a stored group is one, in words, from its cluster ``detail``.

    Near duplicates: their ``reason`` ("the same request in other words", "differs in:
    sunday / monday"); contradictions: their ``why`` (or, for groups stored before it
    was kept, words for their ``reasons`` codes); exact duplicates: :data:`EXACT_GROUP`.
    """
    if kind == "exact":
        return EXACT_GROUP
    if kind == "contradiction":
        if detail.get("why"):
            return str(detail["why"])
        codes = detail.get("reasons") or []
        reason = next((r for r in ("answer", "output", "label") if r in codes), "output")
        return conflict_words(reason, None, detail.get("output_similarity"))
    return str(detail.get("reason") or "nearly the same request and answer")
