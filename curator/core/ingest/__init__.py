"""Reading data files: detect the layout and shape, keep every line, normalise to chat."""

from curator.core.ingest.importer import import_files

__all__ = ["import_files"]
