"""Export: filters, splits, redaction, writers, manifest and dataset card.

Public API::

    plan_export(store, options) -> Plan                      # live counts, no writing
    readiness(store, options, counts, agreement=None) -> list[dict]   # counts: a plan's
    export(store, outdir, options, actor, overwrite=False, agreement=None)
        -> Job[ExportReport]
    export_from_manifest(store, manifest_path, outdir, actor, overwrite=False)
        -> Job[ExportReport]
    preview(store, options, limit=3) -> list[{key, split, line}]
    history(store) -> list[dict]                             # past exports, newest first
    recover(outdir) -> list[str]       # leftovers of a killed export: removed or restored
    recover_all(store) -> list[str]    # the same for every export's folder, and exports
                                       # killed between their row and their folder
                                       # settled (the CLI and the window, at open)
"""

from curator.core.export.job import (
    ExportReport,
    Plan,
    export,
    export_from_manifest,
    history,
    plan_export,
    preview,
    read_manifest,
    recover_all,
)
from curator.core.export.options import FORMATS, REASONS, SPLITS, ExportOptions
from curator.core.export.readiness import readiness
from curator.core.export.selection import final_labels, label_fields
from curator.core.export.writers import recover

__all__ = [
    "FORMATS", "REASONS", "SPLITS", "ExportOptions", "ExportReport", "Plan", "export",
    "export_from_manifest", "final_labels", "history", "label_fields", "plan_export",
    "preview", "read_manifest", "readiness", "recover", "recover_all",
]
