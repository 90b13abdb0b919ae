"""A killed personal-data scan takes its worker processes with it (issue 14, item 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import multiprocessing, sys, time
from curator.core.checks import pii
analyzer, _ = pii.build_analyzer(pii.PiiSettings(parallel_min=1, workers=2))
texts = [f"Write to Jane Doe {n} at jane{n}@example.com or call 212-555-{n:04d}. " * 6
         for n in range(1500)]
job = pii.detect_job(texts, analyzer, chunk=375)
next(job)                    # planned
next(job)                    # the first chunk is back: both workers are busy
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the workers")
def test_workers_end_when_the_scan_is_killed() -> None:
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"})
    try:
        assert child.stdout is not None
        pids = [int(p) for p in child.stdout.readline().split()]
        assert len(pids) == 2, "the scan should run on two worker processes"
        assert all(alive(pid) for pid in pids)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        deadline = time.monotonic() + 2
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in pids if alive(pid)]
    finally:
        child.kill()
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "worker processes outlived the killed scan"
