"""The checklist shown before an export: is this data ready to train on?

Each item is ``{id, ok, title, detail, severity, accepted}``. A failing ``warning`` may
be accepted by the user (its id in ``options.accept``); accepted items are named in the
manifest. A failing ``error`` (fewer than 10 training examples, OpenAI's minimum) stops
the export unless it too is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from curator.core.export.coverage import EXCLUDE_SCOPE, NOT_SCANNED
from curator.core.export.options import ExportOptions
from curator.core.store import Store
from curator.core.store.findings import PII_IN_FORCE

#: What redaction does to duplicates and splits (said whenever redact is chosen).
AS_EXPORTED = (
    "Copies and splits are judged as written: records alike but for a redacted name are "
    "exported once (the rest left out as duplicate_as_exported) and in one split.")

MIN_EXAMPLES = 10
FEW_EXAMPLES = 100
#: Krippendorff's alpha below 0.667 supports only tentative conclusions.
AGREEMENT_THRESHOLD = 0.667
AGREEMENT_KEYS = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa")

ITEM_TITLES = {
    "eval_holdout": "Held-out evaluation data",
    "schema_errors": "No open schema errors",
    "pii": "Personal data resolved",
    "agreement": "Label agreement measured and good enough",
    "contradictions": "No open contradictions",
    "label_errors": "No open likely label errors",
    "size": "Enough examples",
    "versioned": "Data versioned (an earlier export exists)",
}


def _count(store: Store, sql: str, args: tuple[Any, ...] = ()) -> int:
    return int(store.db.execute(sql, args).fetchone()[0] or 0)


def _figures(agreement: Mapping[str, Any]) -> dict[str, float]:
    """The agreement numbers in a hook dict: flat, or one dict per field."""
    found: dict[str, float] = {}
    for name, value in agreement.items():
        if isinstance(value, Mapping):
            for key in AGREEMENT_KEYS:
                if isinstance(value.get(key), int | float):
                    found[f"{name}.{key}"] = float(value[key])
                    break
        elif name in AGREEMENT_KEYS and isinstance(value, int | float):
            found[name] = float(value)
    return found


def _agreement(store: Store, agreement: Mapping[str, Any] | None,
               threshold: float) -> tuple[bool, str]:
    labelled = _count(store, "SELECT COUNT(*) FROM labels")
    if not labelled:
        return True, "No labels in this project, so there is no agreement to measure."
    pilot = _count(store, "SELECT COUNT(*) FROM batches WHERE pilot")
    if agreement is None:  # not given: measure it now
        from curator.core.labeling.measure import agreement_by_field

        agreement = agreement_by_field(store)
    if not agreement:
        return False, ("Labels exist but agreement was not measured"
                       + ("" if pilot else " (and no pilot batch was labelled by everyone)")
                       + ". Measure it before trusting the labels.")
    figures = _figures(agreement)
    if not figures:
        return False, "Agreement figures were given but none could be read."
    low = {k: v for k, v in figures.items() if v < threshold}
    shown = ", ".join(f"{k} {v:.2f}" for k, v in sorted(figures.items()))
    if low:
        return False, f"Below {threshold:.2f}: {shown}. Revise the guidelines and re-label."
    return True, f"{shown} (threshold {threshold:.2f})" + ("" if pilot else "; no pilot batch")


def readiness(store: Store, options: ExportOptions, counts: Mapping[str, int],
              agreement: Mapping[str, Any] | None = None,
              threshold: float = AGREEMENT_THRESHOLD) -> list[dict[str, Any]]:
    """The checklist for exporting with ``options`` (``counts`` per split, from a plan)."""
    items: list[dict[str, Any]] = []

    def add(id_: str, ok: bool, detail: str, severity: str = "warning") -> None:
        items.append({"id": id_, "ok": ok, "title": ITEM_TITLES[id_], "detail": detail,
                      "severity": severity, "accepted": (not ok) and id_ in options.accept})

    held = counts.get("eval", 0)
    add("eval_holdout", held > 0,
        f"{held} records held out for evaluation." if held else
        "No eval hold-out: set an eval fraction so the model can be judged on data it "
        "never saw.")
    errors = _count(store, "SELECT COUNT(DISTINCT record_id) FROM findings WHERE kind = "
                    "'schema' AND severity = 'error' AND status = 'open' "
                    "AND record_id IS NOT NULL")
    add("schema_errors", errors == 0,
        "None." if not errors else
        f"{errors} records have open schema errors; they are left out of the export.")
    pii = _count(store, f"SELECT COUNT(*) FROM findings WHERE {PII_IN_FORCE}")
    pii_records = _count(store, "SELECT COUNT(DISTINCT record_id) FROM findings WHERE "
                         f"{PII_IN_FORCE}")
    handling = {"redact": "will be redacted", "exclude": "records will be left out",
                "keep": "will be exported AS IS"}[options.pii]
    scope = {"redact": " " + NOT_SCANNED + " " + AS_EXPORTED, "exclude": " " + EXCLUDE_SCOPE,
             "keep": ""}[options.pii]
    public = _count(store, "SELECT COUNT(*) FROM findings WHERE kind = 'pii' AND status = "
                    "'open' AND json_extract(detail, '$.tier') = 'public' AND NOT "
                    "COALESCE(json_extract(detail, '$.confirmed'), 0)")
    left = (f" {public} public spans are left for review (exported as written unless "
            "confirmed)." if public and options.pii != "keep" else "")
    add("pii", pii == 0,
        ("No open PII findings." if not pii and not public else
         "No personal data to redact or exclude." if not pii else
         f"{pii} open PII spans in {pii_records} records ({handling}); review and dismiss "
         "false positives first. Redact replaces identifiers (e-mail, phone, card, IBAN, "
         "ids, IP, addresses, dates of birth) and names and places in a personal context; "
         "public ones (info: no personal cue) are shown for review and redacted only when "
         "confirmed.") + left + scope)
    ok, detail = _agreement(store, agreement, threshold)
    add("agreement", ok, detail)
    contradictions = _count(store, "SELECT COUNT(DISTINCT record_id) FROM findings WHERE "
                            "kind = 'contradiction' AND status = 'open'")
    add("contradictions", contradictions == 0,
        "None." if not contradictions else
        f"{contradictions} records contradict others"
        + (" (exported anyway)." if options.include_contradictions else
           " (left out of the export)."))
    suspects = _count(store, "SELECT COUNT(DISTINCT record_id) FROM findings WHERE "
                      "kind = 'label_error' AND status = 'open'")
    add("label_errors", suspects == 0,
        "None open (scan --only label_errors finds them)." if not suspects else
        f"{suspects} records have a label that similar records disagree with; accept "
        "the suggestion, keep the label (dismiss) or adjudicate.")
    train = counts.get("train", 0)
    if train < MIN_EXAMPLES:
        add("size", False, f"{train} training examples; OpenAI needs at least "
            f"{MIN_EXAMPLES}.", severity="error")
    else:
        add("size", train >= FEW_EXAMPLES,
            f"{train} training examples"
            + ("." if train >= FEW_EXAMPLES else
               f"; fewer than {FEW_EXAMPLES} rarely improve a model."))
    earlier = _count(store, "SELECT COUNT(*) FROM exports")
    add("versioned", earlier > 0,
        f"{earlier} earlier export(s) recorded." if earlier else
        "This is the project's first export; keep its manifest to compare later ones.")
    return items


def blocking(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failing errors the user did not accept: the export must stop."""
    return [item for item in items
            if not item["ok"] and item["severity"] == "error" and not item["accepted"]]
