"""``manifest.json`` and the dataset card ``README.md`` of an export.

The manifest is the export's provenance: what went in, with which options, and the
sha256 of every file that came out. Only ``created_at``, ``actor`` and ``export_id``
differ between two exports of the same state; the data files and the card are identical.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import curator
from curator.core.export.options import (
    FORMATS,
    HF_SPLIT,
    PREFERENCE_FORMATS,
    REASONS,
    ExportOptions,
)
from curator.core.store import Store

MANIFEST_VERSION = 1


def dataset_hash(files: dict[str, str]) -> str:
    """sha256 over the data files' names and hashes (name order): the data's identity."""
    text = "".join(f"{name}\x00{files[name]}\n" for name in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


def detectors(store: Store) -> list[dict[str, Any]]:
    """Which checks (and versions) produced the project's findings."""
    return [
        {"kind": kind, "detector": detector, "version": version, "findings": n,
         "open": open_}
        for kind, detector, version, n, open_ in store.db.execute(
            "SELECT kind, detector, detector_version, COUNT(*), "
            "SUM(status = 'open') FROM findings GROUP BY kind, detector, detector_version "
            "ORDER BY kind, detector, detector_version")
    ]


def settings(store: Store) -> dict[str, Any]:
    """The project's settings (profile, token limit, detector thresholds ...)."""
    out = {}
    for key, value in store.db.execute(
            "SELECT key, value FROM meta WHERE key LIKE 'setting:%' ORDER BY key"):
        try:
            out[key.removeprefix("setting:")] = json.loads(value)
        except ValueError:
            out[key.removeprefix("setting:")] = value
    return out


def build(store: Store, *, options: ExportOptions, files: dict[str, str],
          data_files: dict[str, str], counts: dict[str, int], excluded: dict[str, int],
          total: int, warnings: list[str], readiness: list[dict[str, Any]],
          agreement: dict[str, Any] | None, redaction: dict[str, Any],
          created_at: str, actor: str, split_files: dict[str, str],
          strata: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "app": "curator",
        "app_version": curator.__version__,
        "created_at": created_at,
        "actor": actor,
        "project_id": store.project_id,
        "project": store.path.name,
        "dataset_hash": dataset_hash(data_files),
        "format": options.format,
        "files": files,
        "split_files": split_files,
        "counts": counts,
        "records": {"total": total, "exported": sum(counts.values()),
                    "excluded": sum(excluded.values())},
        "excluded": excluded,
        "exclusion_order": list(REASONS),
        "seed": options.seed,
        "options": options.key(),
        "strata": strata,
        "sources": [
            {"name": s["name"], "sha256": s["sha256"], "size": s["size"],
             "records": s["records"], "imported_at": s["imported_at"]}
            for s in store.sources()
        ],
        "schema_profile": {"project": store.setting("profile", "auto"),
                           "export_check": "openai"},
        "detectors": detectors(store),
        "settings": settings(store),
        "redaction": redaction,
        "agreement": agreement,
        "readiness": readiness,
        "warnings_accepted": [item["id"] for item in readiness
                              if not item["ok"] and item.get("accepted")],
        "warnings": warnings,
    }


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def dataset_card(manifest: dict[str, Any]) -> str:
    """A Hugging Face dataset card: YAML header (configs/data_files), then a summary.

    Built only from fields that are the same for the same data (no dates), so the card
    is byte-identical across re-exports.
    """
    split_files: dict[str, str] = manifest["split_files"]
    lines = ["---", "configs:", "- config_name: default", "  data_files:"]
    for split, name in split_files.items():
        lines += [f"  - split: {HF_SPLIT[split]}", f"    path: {_yaml_str(name)}"]
    pairs = int(manifest.get("preference_pairs") or 0)
    fmt = manifest["format"]
    named = PREFERENCE_FORMATS[fmt] if pairs and fmt in PREFERENCE_FORMATS else FORMATS[fmt]
    lines += ["tags:", "- curator", "- chat", "- fine-tuning"]
    if pairs:
        lines += ["- preference", "- dpo"]
    counts = manifest["counts"]
    n = sum(counts.values())
    bucket = ("n<1K" if n < 1_000 else "1K<n<10K" if n < 10_000 else
              "10K<n<100K" if n < 100_000 else "100K<n<1M" if n < 1_000_000 else "n>1M")
    lines += ["size_categories:", f"- {bucket}", "---", ""]
    options = manifest["options"]
    lines += [
        f"# {manifest['project'].removesuffix('.curator')}: "
        + ("preference data" if pairs else "chat fine-tuning data"),
        "",
        f"Exported by Curator {manifest['app_version']} in "
        f"{named} format"
        + (f" ({pairs} preference pairs)" if pairs else "") + ". Dataset hash: "
        f"`{manifest['dataset_hash']}`.",
        "",
        "## Splits",
        "",
        "| split | file | examples |",
        "|---|---|---|",
    ]
    for split, name in split_files.items():
        lines.append(f"| {HF_SPLIT[split]} | `{name}` | {counts[split]} |")
    lines += [
        "",
        f"Seed {options['seed']}; validation fraction {options['val_fraction']}, eval "
        f"fraction {options['eval_fraction']}"
        + (f", stratified by `{options['stratify']}`" if options["stratify"] else "")
        + ". Records that share an input or a duplicate cluster are in the same split, "
        "judged on the text as written (after redaction) as well as on the text as "
        "stored; no example is written twice: a record identical to an earlier one as "
        "written is left out.",
        "",
        "## What was left out",
        "",
        f"{manifest['records']['excluded']} of {manifest['records']['total']} records "
        "(each counted once, under the first reason that applies):",
        "",
        "| reason | records |",
        "|---|---|",
    ]
    for reason, count in manifest["excluded"].items():
        if count:
            lines.append(f"| {REASONS[reason]} | {count} |")
    redaction = manifest["redaction"]
    pii = {"redact": "open PII spans, and what the PII detector found in every other "
                     "string written (tool calls, tools, names, labels, ids), were replaced "
                     "by `<ENTITY_TYPE>` placeholders"
                     + (" (numbered per distinct value)" if options["pseudonyms"] else ""),
           "exclude": "records with open PII findings were left out",
           "keep": "PII was kept as it is (no redaction)"}[options["pii"]]
    lines += [
        "",
        "## Personal data",
        "",
        f"PII mode `{options['pii']}`: {pii}. Spans redacted: {redaction['spans']} in "
        f"{redaction['records']} records.",
        "",
        "## Sources",
        "",
    ]
    for source in manifest["sources"]:
        lines.append(f"- `{source['name']}` ({source['records']} records, sha256 "
                     f"`{source['sha256']}`)")
    # Not "versioned": whether an earlier export exists must not change the card.
    accepted = [item for item in manifest["readiness"]
                if not item["ok"] and item["id"] != "versioned"]
    if accepted:
        lines += ["", "## Known limitations", ""]
        for item in accepted:
            lines.append(f"- {item['title']}: {item['detail']}")
    lines += [
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("json", data_files={'
        + ", ".join(f'"{HF_SPLIT[s]}": "{name}"' for s, name in split_files.items()) + "})",
        "```",
        "",
        "Provenance (options, source hashes, detector versions, file hashes) is in "
        "`manifest.json`.",
        "",
    ]
    return "\n".join(lines)
