"""Import Presidio without the transformers and torch it never uses here.

``import presidio_analyzer`` pulls in Hugging Face transformers and torch (its optional
transformers NLP engine and its GPU probe import them at module level, and spaCy's thinc
imports torch when it finds it): 6-9 s on two cores before the first text is analysed,
paid by every scan, every redacting export and the export dialog's preview.
``presidio_anonymizer`` imports the analyzer too, through an Azure operator Curator
never uses. Curator runs Presidio with spaCy only.

While Presidio is imported, ``sys.modules[name] = None`` makes those optional imports
fail at once (the import system's documented way to block a module), and Presidio takes
its own fallbacks: no transformers engine, device "cpu", no Azure operator. The names
are released right after, so the embedding model imports torch normally later. One lock
serialises this with the other heavy import (embed.py), so no other thread ever finds
torch blocked.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: Held while a module is blocked for Presidio's import, and while torch is imported.
HEAVY_IMPORTS = threading.RLock()


@contextmanager
def _blocked(names: Sequence[str]) -> Iterator[None]:
    with HEAVY_IMPORTS:
        blocked = [name for name in names if name not in sys.modules]
        for name in blocked:
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            yield
        finally:
            for name in blocked:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]


def load_analyzer() -> None:
    """Import spaCy and presidio_analyzer without transformers and torch.

    spaCy's thinc imports torch when it can (3 s), though spaCy's small English pipeline
    never uses it: spaCy is imported here first, under the same block.
    """
    if "presidio_analyzer" in sys.modules:
        return
    with _blocked(("transformers", "torch")):
        import presidio_analyzer  # noqa: F401
        import spacy  # noqa: F401


def anonymizer_engine_class() -> Any:
    """presidio-anonymizer's ``AnonymizerEngine`` (None when it is not installed).

    Imported without its Azure Health Data Services operator, which would import the
    whole analyzer (and, unblocked, transformers and torch): half a second, not a minute.
    """
    with _blocked(("presidio_anonymizer.operators.ahds_surrogate",)):
        try:
            from presidio_anonymizer import AnonymizerEngine
        except ImportError:
            return None
    return AnonymizerEngine
