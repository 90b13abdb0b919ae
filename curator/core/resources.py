"""Where Curator's bundled files (sample data, icons, stylesheets) are."""

from __future__ import annotations

from pathlib import Path

import curator


def resources_dir() -> Path:
    """The ``resources`` folder: beside the package in a checkout, inside it when installed."""
    package = Path(curator.__file__).resolve().parent
    for candidate in (package.parent / "resources", package / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("Curator's resources folder is missing from this installation.")


def sample_files() -> list[Path]:
    """The bundled sample data files the demo imports."""
    folder = resources_dir() / "sample"
    return sorted(p for p in folder.iterdir() if p.suffix in (".jsonl", ".json"))
