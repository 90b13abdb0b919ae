"""The project file: every SQL statement Curator runs lives in this package."""

from curator.core.store.store import RecordRow, Store

__all__ = ["RecordRow", "Store"]
