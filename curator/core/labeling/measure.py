"""Agreement of a project's labels, field by field (for the CLI, the window and export)."""

from __future__ import annotations

from typing import Any

from curator.core.labeling.agreement import AgreementReport, field_agreement
from curator.core.labeling.labels import ratings
from curator.core.labeling.schema import fields
from curator.core.store import Store

#: Bootstrap resamples behind the confidence intervals every report carries by default
#: (about 0.1 s a field, whatever the number of items: the draws are of patterns).
BOOTSTRAP_SAMPLES = 1000
#: The seed of those resamples: the same labels always give the same interval.
BOOTSTRAP_SEED = 0


def field_reports(store: Store, batch: str | None = None,
                  bootstrap: int = BOOTSTRAP_SAMPLES) -> dict[str, AgreementReport]:
    """Each labelled non-text field's agreement (with ``batch``, that batch's labels).

    Each report carries 95% bootstrap intervals (``ci``) from ``bootstrap`` seeded
    resamples of the items; 0 leaves them out.
    """
    out: dict[str, AgreementReport] = {}
    for fld in fields(store):
        if fld.kind == "text":
            continue
        found = ratings(store, fld, batch)
        if found:
            out[fld.name] = field_agreement(fld.name, fld.kind, found,
                                            options=fld.choices() or None,
                                            bootstrap=bootstrap, seed=BOOTSTRAP_SEED)
    return out


def agreement_by_field(store: Store, batch: str | None = None,
                       bootstrap: int = BOOTSTRAP_SAMPLES) -> dict[str, dict[str, Any]]:
    """Each labelled non-text field's agreement document (the ``agreement --json`` keys).

    Empty when nothing is labelled. With ``batch``, only that batch's labels.
    """
    return {name: report.to_json()
            for name, report in field_reports(store, batch, bootstrap).items()}


def agreement_trend(store: Store) -> dict[str, dict[str, float | None]]:
    """Krippendorff's alpha of each field, batch by batch in the order they were made."""
    from curator.core.labeling.assignment import batches

    trend: dict[str, dict[str, float | None]] = {}
    for batch in batches(store):
        # The trend shows alpha alone: no intervals to resample for.
        for name, report in field_reports(store, batch.name, bootstrap=0).items():
            trend.setdefault(batch.name, {})[name] = report.krippendorff_alpha
    return trend
