"""Shared fixtures: a fresh project, a file writer, the public sample data."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator.core.jobs import run_job
from curator.core.store import Store

# Tests must pass with no network: make any accidental hub access fail fast.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "data" / "public"


@pytest.fixture
def public() -> Path:
    """The public sample files beside the repo (skips when absent)."""
    if not PUBLIC.is_dir():
        pytest.skip("../shared/data/public is not here")
    return PUBLIC


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "test.curator", create=True) as opened:
        yield opened


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write bytes or text to a file in tmp_path and return its path."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


@pytest.fixture
def do_import(store: Store):  # type: ignore[no-untyped-def]
    """Import paths into the test project and return the report."""
    from curator.core.ingest import import_files

    def _import(*paths: Path, fmt: str = "auto"):  # type: ignore[no-untyped-def]
        return run_job(import_files(store, list(paths), fmt))

    return _import


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without interpreter finalisation once Qt has been used.

    PySide6 6.12 drops references to ``True`` when some widgets are destroyed (seen as
    the refcount of True falling by a few dozen per GUI test); at shutdown the garbage
    collector then frees ``True`` itself and aborts ("bool_dealloc"). Every result has
    been reported by now, so exit with pytest's own status and skip the finalisation.
    """
    if "PySide6.QtWidgets" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)
