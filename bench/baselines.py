"""Naive reference implementations the benchmarks (and tests) compare Curator with."""

from __future__ import annotations

from collections.abc import Sequence

from curator.core.checks.pii import Analyzer, conversation_texts, to_findings
from curator.core.model import Conversation, FindingDraft


def naive_findings(convs: Sequence[Conversation], analyzer: Analyzer
                   ) -> list[list[FindingDraft]]:
    """Reference: ``analyze()`` on every message, no batching, no dedup, no cache."""
    out = []
    for conv in convs:
        refs = conversation_texts(conv)
        out.append(to_findings(refs, [analyzer.analyze(r.text) for r in refs]))
    return out
