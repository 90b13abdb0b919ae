"""The heavy models a session loads once: the sentence embedder and the PII analyzer.

Loading all-MiniLM-L6-v2 or a spaCy pipeline takes seconds, so a process keeps one
:class:`ModelCache` (:func:`shared_models`): the window's scans and every export that
redacts ask it, and each model is loaded once. Tests hand in small fakes through the
constructor.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from curator.core.checks.embed import Embedder
    from curator.core.checks.pii import PiiSettings


class ModelCache:
    """Loads each model on first use and keeps it; safe to share between threads."""

    def __init__(self, embedder: Embedder | None = None, pii_analyzer: Any = None,
                 pii_settings: PiiSettings | None = None,
                 pii_warnings: list[str] | None = None) -> None:
        """``pii_analyzer`` is kept for ``pii_settings`` (the defaults when not given)."""
        self._lock = threading.Lock()
        self._embedder = embedder
        #: (settings without the allow-list, analyzer, warnings) of the loaded analyzer.
        self._pii: tuple[Any, Any, list[str]] | None = None
        if pii_analyzer is not None:
            self._pii = (_pii_key(pii_settings), pii_analyzer, list(pii_warnings or []))

    def has_embedder(self) -> bool:
        """Whether the embedder is loaded (no wait for :meth:`embedder`)."""
        return self._embedder is not None

    def embedder(self) -> Embedder:
        """The sentence-embedding model, loaded the first time."""
        with self._lock:
            if self._embedder is None:
                from curator.core.checks.embed import default_embedder

                self._embedder = default_embedder()
            return self._embedder

    def has_pii_analyzer(self, settings: PiiSettings) -> bool:
        """Whether an analyzer for ``settings`` is loaded."""
        return self._pii is not None and self._pii[0] == _pii_key(settings)

    def pii_analyzer(self, settings: PiiSettings) -> tuple[Any, list[str]]:
        """The analyzer for ``settings`` and its warnings; rebuilt when they change.

        The allow-list is applied after analysis, so changing it keeps the analyzer.
        """
        from curator.core.checks.pii import build_analyzer

        key = _pii_key(settings)
        with self._lock:
            if self._pii is None or self._pii[0] != key:
                analyzer, warnings = build_analyzer(settings)
                self._pii = (key, analyzer, list(warnings))
            return self._pii[1], list(self._pii[2])


def _pii_key(settings: PiiSettings | None) -> Any:
    from curator.core.checks.pii import PiiSettings

    return (settings or PiiSettings()).model_copy(update={"allow_list": []})


_SHARED: ModelCache | None = None
_SHARED_LOCK = threading.Lock()


def shared_models() -> ModelCache:
    """The process's model cache (created on first use)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ModelCache()
        return _SHARED
