"""What the similarity check says: finding descriptions and report summaries."""

from __future__ import annotations

from collections.abc import Mapping


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
