"""The demo project: Curator's bundled sample data, imported and checked."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from curator.core.checks.scan import KINDS, ScanReport, scan
from curator.core.ingest import import_files
from curator.core.resources import sample_files
from curator.core.store import Store


def data_dir() -> Path:
    """Curator's per-user data folder (XDG on Linux, the usual places elsewhere)."""
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "curator"


def build_demo(path: Path | None, drive: Callable[[Any], Any],
               kinds: Sequence[str] | None = None) -> tuple[Path, ScanReport]:
    """Create (afresh) the demo project at ``path`` and run the checks on it.

    ``kinds``: the checks to run (default: all of them).
    """
    if path is None:
        path = data_dir() / "demo.curator"
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Store.open(path, create=True) as store:
        drive(import_files(store, sample_files(), actor="demo"))
        report = drive(scan(store, kinds or KINDS, actor="demo"))
    return path, report
