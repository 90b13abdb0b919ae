"""Presidio is loaded without transformers and torch (seconds saved on every scan)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from curator.core.checks import pii
from curator.core.checks.pii_review import redact_text
analyzer, _ = pii.build_analyzer()
spans = pii.detect(["Write to jane.doe@example.com today."], analyzer)
print(sorted(s.entity_type for s in spans[0]))
print(redact_text("Write to jane.doe@example.com today.", [("EMAIL_ADDRESS", 9, 29)])[0])
print("torch" in sys.modules, "transformers" in sys.modules)
import torch, sentence_transformers            # still importable afterwards
print(torch.__name__, sentence_transformers.__name__)
"""


def test_presidio_loads_without_torch_and_torch_still_loads_after() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, text=True,
                         capture_output=True, timeout=300, check=True,
                         env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
                              "PATH": "/usr/bin:/bin"}).stdout.splitlines()
    assert "EMAIL_ADDRESS" in out[0]
    assert out[1] == "Write to <EMAIL_ADDRESS> today."
    assert out[2] == "False False"
    assert out[3] == "torch sentence_transformers"
