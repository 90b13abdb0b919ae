"""The similarity check's names and thresholds: the project's ``similarity`` setting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from curator.core.checks.similarity_search import EXACT_LIMIT, NPROBE
from curator.core.errors import CuratorError
from curator.core.store.store import Store

DETECTOR = "curator.similarity"
VERSION = "1"
#: Scan kinds this check runs (names for ``scan --only``).
SCAN_KINDS = ("duplicates", "contradictions")
#: Finding kinds it writes, per scan kind.
FINDING_KINDS = {"duplicates": ("duplicate", "near_duplicate"),
                 "contradictions": ("contradiction",)}
#: Cluster kinds it writes, per scan kind.
CLUSTER_KINDS = {"duplicates": ("exact", "near"), "contradictions": ("contradiction",)}
#: The ``store.setting`` key holding :data:`DEFAULTS` overrides.
SETTINGS_KEY = "similarity"

#: Thresholds calibrated with all-MiniLM-L6-v2 on STS benchmark pairs and
#: tests/data/paraphrase_pairs.jsonl (figures in docs/benchmarks.md): candidates are
#: retrieved at a low input cosine and each pair is then verified (decisions.verdict).
DEFAULTS: dict[str, Any] = {
    "near_duplicate": 0.65,          # input cosine of near-duplicate candidates
    "near_duplicate_output": 0.75,   # output cosine for near duplicates
    "contradiction_input": 0.65,     # input cosine of "the same question" candidates
    "verify_pairs": True,            # verify candidates (details, overlap, model)
    "same_request": 0.5,             # verified probability for "the same request"
    "detail_variant_output": 0.95,   # one-detail variants with answers this close: near
    "contradiction_output": 0.75,    # outputs below this cosine disagree
    "short_answer_words": 3,         # outputs of at most this many words are labels
    "same_system_prompt": True,      # contradictions only under the same system prompt
    "include_rejected": False,       # rejected records take no part
    "exact_search_limit": EXACT_LIMIT,
    "nprobe": NPROBE,
    "related_limit": 50,             # record keys listed in a finding's "related"
}


def settings(store: Store) -> dict[str, Any]:
    """The similarity settings of ``store``: :data:`DEFAULTS` with its overrides."""
    value = store.setting(SETTINGS_KEY, {}) or {}
    if not isinstance(value, dict):
        raise CuratorError('The "similarity" setting must be an object of thresholds.')
    unknown = sorted(set(value) - set(DEFAULTS))
    if unknown:
        raise CuratorError(f"Unknown similarity setting {', '.join(unknown)}; known: "
                           f"{', '.join(DEFAULTS)}.")
    return {**DEFAULTS, **value}


def search_threshold(config: Mapping[str, Any]) -> float:
    """The input cosine the neighbour search looks for: the lower of the two thresholds."""
    return float(min(config["near_duplicate"], config["contradiction_input"]))
