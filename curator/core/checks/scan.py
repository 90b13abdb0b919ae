"""Run checks over a project and store what they find as findings.

Each kind of check replaces its own findings; a finding a person dismissed stays
dismissed when the same problem is found again.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from curator.core import preference
from curator.core.checks import schema
from curator.core.checks.tokens import TokenCounter, billing_estimate, distribution
from curator.core.errors import CuratorError
from curator.core.jobs import Job, Progress
from curator.core.model import FindingDraft
from curator.core.store import Store

SCHEMA_DETECTOR = "curator.schema"
SCHEMA_VERSION = "2"  # 2: unfilled_placeholder, content_part_not_accepted (issue 20)
KINDS = ("schema", "pii", "duplicates", "contradictions", "label_errors")
#: What ``scan`` runs when not told: the checks that need no model (``label_errors``
#: embeds inputs and fits classifiers: it runs when named).
DEFAULT_KINDS = ("schema",)


class ScanReport(BaseModel):
    """What a scan did (the ``scan --json`` document)."""

    checks: list[str]
    records: int = 0
    profile: str = "auto"
    findings: dict[str, int] = Field(default_factory=dict)
    codes: dict[str, int] = Field(default_factory=dict)
    tokens: dict[str, Any] = Field(default_factory=dict)
    missing_system: int = 0
    missing_user: int = 0
    pii: dict[str, Any] | None = None
    similarity: dict[str, Any] | None = None
    label_errors: dict[str, Any] | None = None
    warnings: list[str] = Field(default_factory=list)


def scan(store: Store, only: Sequence[str] = DEFAULT_KINDS, actor: str = "system",
         pii_analyzer: Any = None, embedder: Any = None) -> Job[ScanReport]:
    """Run the checks named in ``only`` as one transaction.

    ``pii_analyzer``: a :class:`curator.core.checks.pii.Analyzer` built beforehand (the
    window keeps one, it takes seconds to load); built from the project settings if None.
    ``embedder``: the sentence-embedding model for duplicates, contradictions and label
    errors (the bundled all-MiniLM-L6-v2 if None).
    """
    unknown = [name for name in only if name not in KINDS]
    if unknown:
        raise CuratorError(
            f"Unknown check {', '.join(unknown)}; available: {', '.join(KINDS)}.")
    report = ScanReport(checks=list(only))
    with store.atomic():
        if "schema" in only:
            yield from _schema_scan(store, report)
        if "pii" in only:
            from curator.core.checks.pii import pii_scan
            from curator.core.store.cache import StorePiiCache

            result = yield from pii_scan(store, StorePiiCache(store), pii_analyzer)
            report.pii = result
            report.warnings.extend(result["warnings"])
            report.findings["pii"] = result["findings"]
        similar = [k for k in ("duplicates", "contradictions") if k in only]
        if similar:
            from curator.core.checks.similarity import similarity_scan

            result = yield from similarity_scan(store, embedder, similar,
                                                _final_labels(store), actor, log=False)
            report.similarity = result
            report.findings.update(result["findings"])
        if "label_errors" in only:
            from curator.core.checks.label_errors import KIND, label_error_scan

            found = yield from label_error_scan(store, embedder, actor, log=False)
            report.label_errors = found
            report.warnings.extend(found["warnings"])
            report.findings[KIND] = found["findings"]
        store.log_event(actor, "scan", None, {"checks": list(only),
                                              "findings": report.findings})
    return report


def _final_labels(store: Store) -> dict[int, str] | None:
    """Each record's final single-choice labels as one string, for label contradictions
    (same input, different final label); None when nothing is labelled."""
    from curator.core.labeling.labels import final_labels
    from curator.core.labeling.schema import fields

    combined: dict[int, list[str]] = {}
    for fld in fields(store):
        if fld.kind != "single":
            continue
        for record_id, value in final_labels(store, fld).items():
            combined.setdefault(record_id, []).append(f"{fld.name}={value}")
    return {rid: "; ".join(parts) for rid, parts in combined.items()} or None


def _invalid_finding(code: str | None, error: str | None) -> FindingDraft:
    return FindingDraft(kind="schema", code=code or "invalid_record", severity="error",
                        description=error or "This line could not be read.")


def _schema_scan(store: Store, report: ScanReport) -> Job[None]:
    setting = str(store.setting("profile", "auto"))
    limit = store.setting("max_tokens")
    report.profile = setting
    closed = store.dismissed_findings("schema")
    store.clear_findings("schema")
    counter = TokenCounter()
    total = store.record_count()
    codes: Counter[str] = Counter()
    totals: list[int] = []
    limits: list[int] = []
    pair_keys: list[tuple[int, tuple[str, str, str]]] = []
    for batch in store.records_for_check():
        found: list[tuple[int | None, FindingDraft]] = []
        valid = [row for row in batch if row.conversation is not None]
        convs = [json.loads(row.conversation) for row in valid if row.conversation]
        counts, sides = _counts(counter, valid, convs)
        tokens: list[tuple[int | None, int]] = []
        for row in batch:
            if row.conversation is None:
                found.append((row.id, _invalid_finding(row.error_code, row.error)))
        for row, conv, (n_total, _n_assistant) in zip(valid, convs, counts, strict=True):
            profile = schema.profile_for(setting, row.format or "openai")
            if limit:
                profile = _with_limit(profile, int(limit))
            drafts = schema.check_conversation(conv, row.format or "openai", profile)
            if n_total > profile.max_tokens:
                drafts.append(_too_many_tokens(n_total, profile.max_tokens, profile.name))
                if row.format == "preference":
                    drafts[-1].detail["per_side"] = dict(zip(
                        ("preferred", "non_preferred"), sides.get(row.id, ()), strict=False))
            if row.notes:
                drafts.extend(schema.notes_to_findings(json.loads(row.notes)))
            found.extend((row.id, d) for d in drafts)
            tokens.append((n_total, row.id))
            totals.append(n_total)
            limits.append(profile.max_tokens)
            _count_roles(conv, report)
            if row.format == "preference" and (pkey := preference.pair_key(conv)):
                pair_keys.append((row.id, pkey))
        store.set_tokens(tokens)
        store.add_findings(found, SCHEMA_DETECTOR, SCHEMA_VERSION, closed)
        codes.update(d.code for _, d in found)
        report.records += len(batch)
        yield Progress(report.records, total, f"schema: {report.records:,} records checked")
    extra: list[tuple[int | None, FindingDraft]] = [
        (None, d) for d in schema.dataset_findings(len(totals))]
    for own_id, members in store.duplicate_own_ids():
        keys = [key for _, key in members]
        for record_id, key in members:
            extra.append((record_id, FindingDraft(
                kind="schema", code="duplicate_id", severity="warning",
                description=f'The id "{own_id}" is used by {len(members)} examples in the '
                            "same file; each was given a key from its position instead.",
                detail={"id": own_id, "related": [k for k in keys if k != key]})))
    extra += _opposite_preferences(store, pair_keys)
    store.add_findings(extra, SCHEMA_DETECTOR, SCHEMA_VERSION, closed)
    codes.update(d.code for _, d in extra)
    report.codes = dict(codes.most_common())
    report.findings["schema"] = sum(codes.values())
    limit_for_billing = max(limits) if limits else 65536
    report.tokens = {"total": distribution(totals),
                     "billing": billing_estimate(totals, limit_for_billing)}


def _opposite_preferences(store: Store, pair_keys: list[tuple[int, tuple[str, str, str]]]
                          ) -> list[tuple[int | None, FindingDraft]]:
    """``preference_contradiction``: the same prompt with opposite preferences (an
    error on both records, so the export leaves both out until a person decides)."""
    pairs = preference.opposite_pairs(pair_keys)
    if not pairs:
        return []
    related: dict[int, set[int]] = {}
    for a, b in pairs:
        related.setdefault(a, set()).add(b)
        related.setdefault(b, set()).add(a)
    ids = sorted(related)
    keys = dict(store.db.execute(
        f"SELECT id, key FROM records WHERE id IN ({','.join('?' * len(ids))})", ids))
    out: list[tuple[int | None, FindingDraft]] = []
    for rid in ids:
        others = sorted(keys.get(o, str(o)) for o in related[rid])
        out.append((rid, FindingDraft(
            kind="schema", code="preference_contradiction", severity="error",
            description=f"Another pair ({', '.join(others[:3])}) has the same prompt and the "
                        "same two answers, but prefers the other one. Decide which answer "
                        "is better, swap or remove the wrong pair (or dismiss this).",
            detail={"related": others})))
    return out


def _counts(counter: TokenCounter, rows: list[Any], convs: list[dict[str, Any]]
            ) -> tuple[list[tuple[int, int]], dict[int, list[int]]]:
    """Token counts per record; a preference pair counts as its longer side (prompt and
    one answer: what a trainer sees), and its sides' totals are returned by record id."""
    texts: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    for row, conv in zip(rows, convs, strict=True):
        parts = (preference.training_sides(conv) if row.format == "preference"
                 and isinstance(conv, dict) else [conv])
        spans.append((len(texts), len(parts)))
        texts.extend(parts)
    every = counter.count_many(texts)
    counts: list[tuple[int, int]] = []
    sides: dict[int, list[int]] = {}
    for row, (start, n) in zip(rows, spans, strict=True):
        mine = every[start:start + n]
        counts.append(max(mine))
        if n > 1:
            sides[row.id] = [total for total, _ in mine]
    return counts, sides


def _with_limit(profile: schema.Profile, limit: int) -> schema.Profile:
    from dataclasses import replace
    return replace(profile, max_tokens=limit)


def _too_many_tokens(count: int, limit: int, profile: str) -> FindingDraft:
    return FindingDraft(
        kind="schema", code="too_many_tokens", severity="warning",
        description=f"This example has about {count:,} tokens, more than the {limit:,} "
                    f"that the {profile} profile allows; it would be cut off in training. "
                    "Shorten it or split it.",
        detail={"tokens": count, "limit": limit})


def _count_roles(conv: dict[str, Any], report: ScanReport) -> None:
    roles = {m.get("role") for m in conv.get("messages", []) if isinstance(m, dict)}
    if "system" not in roles:
        report.missing_system += 1
    if "user" not in roles:
        report.missing_user += 1
