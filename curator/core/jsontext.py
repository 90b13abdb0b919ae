"""JSON as Curator stores, hashes and writes it: one compact, exact form.

``ensure_ascii=False`` keeps text readable (and UTF-8 smaller); the separators leave no
spaces, so equal values give equal bytes; ``allow_nan=False`` because ``NaN`` and
``Infinity`` are not JSON: a line holding them would not load elsewhere (import refuses
them, so nothing inside Curator should ever carry one).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def compact(value: Any) -> str:
    """``value`` as compact JSON text (see the module's notes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def file_digest(path: Path) -> tuple[str, int]:
    """The sha256 (hex) and size of a file's bytes, read in 1 MiB pieces.

    Raises ``OSError`` as it comes: callers put it in their own words.
    """
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
