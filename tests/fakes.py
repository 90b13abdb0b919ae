"""Fakes the tests pass to core functions in place of the real collaborators."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from curator.core.checks.pii import Span, spans_from_json, spans_to_json


class MemoryPiiCache:
    """A :class:`curator.core.checks.pii.PiiCache` in a dict, instead of the project file."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}

    def get_many(self, settings_hash: str, text_hashes: Sequence[str]
                 ) -> dict[str, list[Span]]:
        out = {}
        for h in text_hashes:
            raw = self.rows.get((h, settings_hash))
            if raw is not None:
                out[h] = spans_from_json(raw)
        return out

    def put_many(self, settings_hash: str, items: Iterable[tuple[str, list[Span]]]) -> None:
        for h, spans in items:
            self.rows[(h, settings_hash)] = spans_to_json(spans)
