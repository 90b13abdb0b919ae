"""Caches kept in the project file, so rescans only do new work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from curator.core.store.store import Store, now

if TYPE_CHECKING:
    from curator.core.checks.pii import Span

_CHUNK = 500


class StorePiiCache:
    """PII spans per distinct text and detector settings (the ``pii_cache`` table)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_many(self, settings_hash: str, text_hashes: Sequence[str]
                 ) -> dict[str, list[Span]]:
        from curator.core.checks.pii import spans_from_json

        out: dict[str, list[Span]] = {}
        hashes = list(text_hashes)
        for i in range(0, len(hashes), _CHUNK):
            part = hashes[i:i + _CHUNK]
            marks = ",".join("?" * len(part))
            for h, spans in self.store.db.execute(
                    f"SELECT text_hash, spans FROM pii_cache WHERE settings_hash = ? "
                    f"AND text_hash IN ({marks})", [settings_hash, *part]):
                out[h] = spans_from_json(spans)
        return out

    def put_many(self, settings_hash: str, items: Iterable[tuple[str, list[Span]]]) -> None:
        from curator.core.checks.pii import spans_to_json

        at = now()
        self.store.db.executemany(
            "INSERT OR REPLACE INTO pii_cache(text_hash, settings_hash, spans, created_at) "
            "VALUES (?, ?, ?, ?)",
            ((h, settings_hash, spans_to_json(spans), at) for h, spans in items))

    def count(self, settings_hash: str | None = None) -> int:
        if settings_hash is None:
            return int(self.store.db.execute("SELECT COUNT(*) FROM pii_cache").fetchone()[0])
        return int(self.store.db.execute(
            "SELECT COUNT(*) FROM pii_cache WHERE settings_hash = ?",
            (settings_hash,)).fetchone()[0])
