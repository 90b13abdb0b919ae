"""The demo project: Curator's bundled sample data, imported and checked."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from curator.core.checks.scan import KINDS, ScanReport, scan
from curator.core.ingest import import_files
from curator.core.resources import resources_dir, sample_files
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
               kinds: Sequence[str] | None = None, labels: bool = True
               ) -> tuple[Path, ScanReport]:
    """Create (afresh) the demo project at ``path`` and run the checks on it.

    ``kinds``: the checks to run (default: all of them). ``labels``: add the sample label
    schema, guidelines, pilot batch and labels.
    """
    if path is None:
        path = data_dir() / "demo.curator"
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Store.open(path, create=True) as store:
        drive(import_files(store, sample_files(), actor="demo"))
        report = drive(scan(store, kinds or KINDS, actor="demo"))
        label_file = resources_dir() / "sample" / "acme_labels.csv"
        if labels and label_file.exists():
            add_demo_labels(store, label_file, drive)
    return path, report


GUIDELINES = """# Labelling guidelines (demo)

Label what the **customer wants**, from their first message, and how helpful the
assistant's answer is.

## intent
- **account**: signing in, passwords, users, deleting or changing the account.
- **billing**: prices, plans, charges, invoices, refunds, discounts.
- **product**: what the product does, integrations, exports, security features.
- **technical**: something is broken or slow, limits, errors.
- **other**: anything else (opening hours, small talk).

## helpfulness
1 = wrong or harmful, 3 = right but incomplete, 5 = complete and kind.
"""


def add_demo_labels(store: Store, path: Path, drive: Callable[[Any], Any]) -> None:
    """The demo's label schema, guidelines, a pilot batch and its labels."""
    from curator.core.labeling.assignment import add_annotator, create_batch
    from curator.core.labeling.schema import add_field, set_guidelines
    from curator.core.labeling.transfer import import_labels

    add_field(store, "intent", "single", options=[
        {"value": "account", "description": "Sign-in, users, the account itself", "key": "1"},
        {"value": "billing", "description": "Prices, plans, charges, invoices", "key": "2"},
        {"value": "product", "description": "Features, integrations, security", "key": "3"},
        {"value": "technical", "description": "Errors, slowness, limits", "key": "4"},
        {"value": "other", "description": "Anything else", "key": "5"}],
        description="What the customer wants.", actor="demo")
    add_field(store, "helpfulness", "rating", scale=5,
              description="How helpful the assistant's answer is (1-5).", actor="demo")
    set_guidelines(store, GUIDELINES, actor="demo")
    for name in ("alice", "bob", "chen"):
        add_annotator(store, name, actor="demo")
    pilot = [rid for (rid,) in store.db.execute(
        "SELECT id FROM records WHERE key GLOB 'acme-0[0-2][0-9]' ORDER BY id")]
    create_batch(store, "pilot", pilot, ["alice", "bob", "chen"], pilot=True, actor="demo")
    drive(import_labels(store, path, actor="demo"))
