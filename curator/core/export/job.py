"""Plan and run an export: selection, redaction, checks, splits, files, manifest.

``plan_export`` counts without reading a single conversation (for live counts in the
dialog); ``export`` is the job that writes. The export reads each kept conversation at
its latest revision, turns it into its supervised example (a preference pair becomes its
input plus the preferred output), redacts open PII spans, checks it with the OpenAI
profile (an example that would fail is left out, reason ``export_check``, and one
identical to an earlier one as written, ``duplicate_as_exported``), splits (grouping
inputs as stored and as written) and writes. Every file is written into a hidden folder
beside OUTDIR that is renamed to OUTDIR at the end, so OUTDIR appears complete or not at
all; the ``exports`` row is committed as pending before the rename and marked done
after, so a kill in between is settled by :func:`recover_all`.

With ``pii: redact`` every string written, not only the message texts the PII scan
reads, is analysed (``coverage.py``). All reads of one export happen in one read
transaction, so an import committed meanwhile by another connection is either wholly in
the export (records, counts, sources) or not at all.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from curator.core import preference
from curator.core.checks.schema import PROFILES, check_conversation
from curator.core.conversation import conversation_hashes
from curator.core.errors import CuratorError
from curator.core.export import manifest as manifest_mod
from curator.core.export.coverage import PiiFinder, agreement_strings, strings_of
from curator.core.export.options import SPLITS, ExportOptions
from curator.core.export.readiness import blocking, readiness
from curator.core.export.redact import Redactor, open_spans
from curator.core.export.selection import Selection, groups_of, labels_of, select
from curator.core.export.splits import Group, Splits, assign
from curator.core.export.writers import (
    LINES,
    PAIR_FORMATS,
    check_outdir,
    discard,
    encode,
    export_conversation,
    export_manifest,
    make_staging,
    os_error,
    publish,
    real,
    recover,
    running,
    write_file,
)
from curator.core.jobs import Job, Progress, run_job
from curator.core.store import Store
from curator.core.store.store import CONVERSATION, now

BATCH = 2000
#: ``meta`` key of an export whose row is committed but whose folder may not be published.
PENDING = "export_pending:"


@contextmanager
def snapshot(store: Store) -> Iterator[None]:
    """One read transaction: in WAL mode every read inside sees the same committed state.

    Inside a transaction already (the caller's), that one is the snapshot.
    """
    if store.db.in_transaction:
        yield
        return
    store.db.execute("BEGIN")
    try:
        # A deferred transaction takes its snapshot at its first read, not at BEGIN.
        store.db.execute("SELECT COUNT(*) FROM meta").fetchone()
        yield
    finally:
        if store.db.in_transaction:
            store.db.execute("COMMIT")


@dataclass(slots=True)
class Plan:
    """What an export with given options would contain (no file written)."""

    counts: dict[str, int]
    excluded: dict[str, int]
    total: int
    warnings: list[str]
    strata: dict[str, dict[str, int]] = field(default_factory=dict)
    #: record id -> split.
    assignment: dict[int, str] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)
    #: the exported records' ids, in record order.
    kept: list[int] = field(default_factory=list)

    @property
    def exported(self) -> int:
        return sum(self.counts.values())


class ExportReport(BaseModel):
    """What an export wrote (the ``export --json`` document)."""

    dataset_hash: str
    counts: dict[str, int]
    files: dict[str, str]
    excluded: dict[str, int]
    outdir: str
    manifest: str
    format: str
    records: int
    export_id: int
    warnings: list[str] = Field(default_factory=list)
    warnings_accepted: list[str] = Field(default_factory=list)
    readiness: list[dict[str, Any]] = Field(default_factory=list)
    redaction: dict[str, Any] = Field(default_factory=dict)
    #: For a re-run from a manifest: whether the data came out the same.
    matches_manifest: bool | None = None


def _split(store: Store, sel: Selection, options: ExportOptions) -> Splits:
    groups = []
    keys = sel.keys
    for members in groups_of(store, sel):
        stratum = ""
        if options.stratify:
            votes = Counter(sel.strata.get(rid, "") for rid in members)
            stratum = min(votes, key=lambda s: (-votes[s], s))
        key = keys[members[0]] if len(members) == 1 else min(keys[rid] for rid in members)
        groups.append(Group(key, members, stratum))
    return assign(groups, options)


def plan_export(store: Store, options: ExportOptions) -> Plan:
    """Counts per split and per exclusion reason for ``options``, fast enough to redo live.

    Examples that fail the OpenAI checks only as exported (``export_check``) are found
    when writing, so the export may hold a few fewer records than planned; a scan
    before exporting turns them into schema errors the plan sees.
    """
    with snapshot(store):
        sel = select(store, options)
        splits = _split(store, sel, options)
    return Plan(splits.counts, sel.excluded_dict(), sel.total, splits.warnings,
                splits.strata, splits.of, sel.keys, sel.kept)


def _conversations(store: Store, ids: list[int]) -> list[tuple[int, str]]:
    marks = ",".join("?" * len(ids))
    rows = store.db.execute(
        f"SELECT id, {CONVERSATION} FROM records WHERE id IN ({marks})", ids).fetchall()
    rows.sort()
    return rows


def _finder(store: Store, options: ExportOptions, analyzer: Any) -> PiiFinder | None:
    return PiiFinder(store, analyzer) if options.pii == "redact" else None


class Row(NamedTuple):
    """One record as it will be written."""

    id: int
    conv: dict[str, Any]
    line: dict[str, Any]
    #: spans redacted in it.
    spans: int
    #: a preference pair written as its supervised example (hashes unlike the stored).
    reshaped: bool


def _lines(store: Store, ids: list[int], keys: dict[int, str], options: ExportOptions,
           redactor: Redactor, finder: PiiFinder | None, labels: dict[int, dict[str, str]]
           ) -> Job[Iterator[Row]]:
    """Each record's training conversation and line, redacted; a job that first gathers
    and analyses every string to be written (with redaction), then returns the lines."""
    writes_key = options.format in ("sharegpt", "hf")
    metadata = options.labels == "metadata"
    total = len(ids)
    if finder is not None:
        for start in range(0, total, BATCH):
            texts: list[str] = []
            for rid, text in _conversations(store, ids[start:start + BATCH]):
                texts += strings_of(export_conversation(json.loads(text), options.format),
                                    keys[rid] if writes_key else None,
                                    labels.get(rid, {}) if metadata else None)
            finder.add(texts)
            yield Progress(min(start + BATCH, total), total, "Gathering texts to check")
        yield from finder.analyse()
    spans = open_spans(store) if finder is not None else {}
    to_line = LINES[options.format]
    reshapes = options.format not in PAIR_FORMATS

    def lines() -> Iterator[Row]:
        for start in range(0, total, BATCH):
            for rid, text in _conversations(store, ids[start:start + BATCH]):
                source = json.loads(text)
                conv = export_conversation(source, options.format)
                reshaped = reshapes and preference.is_preference(source)
                key: str | None = keys[rid]
                record_labels = labels.get(rid, {}) if metadata else None
                redacted = 0
                if finder is not None:
                    before = redactor.spans
                    conv, new_key, record_labels = finder.redact(
                        rid, conv, key if writes_key else None, record_labels,
                        spans.get(rid, []), redactor)
                    key = new_key if writes_key else key
                    redacted = redactor.spans - before
                yield Row(rid, conv, to_line(conv, key or "", record_labels), redacted,
                          reshaped)

    return lines()


def preview(store: Store, options: ExportOptions, limit: int = 3,
            pii_analyzer: Any = None) -> list[dict[str, Any]]:
    """The first few records as they would be written: ``{key, split, line}``."""
    with snapshot(store):
        plan = plan_export(store, options)
        ids = plan.kept[:limit]
        if not ids:
            return []
        labels = labels_of(store, set(ids)) if options.labels == "metadata" else {}
        finder = _finder(store, options, pii_analyzer)
        rows = run_job(_lines(store, ids, plan.keys, options, Redactor(options.pseudonyms),
                              finder, labels))
        return [{"key": plan.keys[rid], "split": plan.assignment[rid], "line": line}
                for rid, _, line, _, _ in rows]


def _prepare(store: Store, sel: Selection, options: ExportOptions, redactor: Redactor,
             finder: PiiFinder | None, pairs: set[int] | None = None
             ) -> Job[dict[int, bytes]]:
    """Each kept record's output line; records failing the OpenAI checks are dropped (a
    preference pair written whole: the pair checks, of TRL's profile outside the OpenAI
    format), and so is a record identical to an earlier one as exported (see
    :func:`_as_exported`). ``pairs`` collects the ids of the pairs written whole."""
    labels = labels_of(store, set(sel.kept)) if options.labels == "metadata" else {}
    profile = PROFILES["openai"]
    pair_profile = PROFILES["openai" if options.format == "openai" else "trl"]
    pairs = set() if pairs is None else pairs
    lines: dict[int, bytes] = {}
    failed: set[int] = set()
    #: the exported conversation's hash, where it may differ from the stored conv_hash.
    rehashed: dict[int, str] = {}
    redacted: dict[int, int] = {}
    total = len(sel.kept)
    rows = yield from _lines(store, sel.kept, sel.keys, options, redactor, finder, labels)
    for done, (rid, conv, line, spans, reshaped) in enumerate(rows, start=1):
        is_pair = preference.is_preference(conv)
        found = (check_conversation(conv, "preference", pair_profile) if is_pair
                 else check_conversation(conv, "openai", profile))
        if is_pair:
            pairs.add(rid)
        if spans:
            redacted[rid] = spans
        if any(f.severity == "error" for f in found):
            failed.add(rid)
        else:
            lines[rid] = encode(line)
            # Unchanged, the exported conversation hashes as stored (the hashes cover
            # roles, contents, tool calls and tools: what export_conversation keeps),
            # except a pair written as its supervised example (hf).
            if spans or reshaped or sel.conv_hash.get(rid) is None:
                whole, given, _, _ = conversation_hashes(conv)
                rehashed[rid] = whole
                sel.exported_input[rid] = given
        if done % BATCH == 0:
            yield Progress(done, total, "Preparing records")
    yield Progress(total, total, "Preparing records")
    sel.drop(failed, "export_check")
    copies = _as_exported(sel, rehashed)
    sel.drop(set(copies), "duplicate_as_exported")
    for rid in failed | set(copies):
        lines.pop(rid, None)
        redactor.forget(redacted.get(rid, 0))
    return lines


def _as_exported(sel: Selection, rehashed: dict[int, str]) -> dict[int, int]:
    """Records identical to an earlier kept one as exported -> that one.

    The selection already left out copies by their stored hash; only a record whose
    exported conversation hashes differently (redacted, or a pair written as its
    supervised example) can be a new copy, of any record.
    """
    if not rehashed:
        return {}
    first: dict[str | None, int] = {}
    wanted = set(rehashed.values())
    copies: dict[int, int] = {}
    for rid in sel.kept:
        h = rehashed.get(rid) or sel.conv_hash.get(rid)
        if h not in wanted:
            continue
        other = first.setdefault(h, rid)
        if other != rid:
            copies[rid] = other
    sel.same_as.update(copies)
    return copies


def export(store: Store, outdir: str | Path, options: ExportOptions | None = None,
           actor: str = "system", overwrite: bool = False,
           agreement: dict[str, Any] | None = None,
           pii_analyzer: Any = None) -> Job[ExportReport]:
    """Write an export of the project to ``outdir`` and record it in ``exports``.

    Refuses the project's folder or one above it, and a non-empty ``outdir`` unless
    ``overwrite`` and it holds a previous export and nothing else. Leftovers of a killed
    export to ``outdir`` are cleaned up first (:func:`recover`; said in the warnings).
    ``agreement`` (figures from the labelling module) goes into the readiness check and
    the manifest. ``pii_analyzer``: a built PII analyzer to reuse (else one is built).
    """
    options = options or ExportOptions()
    outdir = real(Path(outdir))
    notes = recover(outdir)
    try:
        check_outdir(outdir, overwrite, store.path)
    except CuratorError as exc:
        raise CuratorError(" ".join([*notes, str(exc)])) from None
    with snapshot(store):
        if options.pii == "redact" and pii_analyzer is None:
            yield Progress(0, None, "PII: loading the language model")
        finder = _finder(store, options, pii_analyzer)
        yield Progress(0, None, "Selecting records")
        sel = select(store, options)
        redactor = Redactor(options.pseudonyms)
        pairs: set[int] = set()
        lines = yield from _prepare(store, sel, options, redactor, finder, pairs)
        pairs &= set(lines)
        splits = _split(store, sel, options)
        if agreement is None:
            from curator.core.labeling.measure import agreement_by_field

            agreement = agreement_by_field(store) or None
        checklist = readiness(store, options, splits.counts, agreement)
        stop = blocking(checklist)
        if stop:
            item = stop[0]
            raise CuratorError(f"Not exported: {item['detail']} Accept this "
                               f"({item['id']!r}) to export anyway.")
        # Into the manifest: what is true of the data. Recovery notes go to the report only.
        warnings = (finder.warnings if finder is not None else []) + splits.warnings
        if options.labels == "metadata" and options.format == "openai":
            warnings.append('Labels are written as a top-level "labels" key, which '
                            "OpenAI's chat format does not define; remove it before "
                            "uploading.")
        if pairs and len(pairs) < len(lines):
            warnings.append(f"{len(pairs)} preference pair(s) and {len(lines) - len(pairs)} "
                            "chat example(s) are exported together; a trainer takes one "
                            "kind per file. Export them separately (choose their sources).")
        failed = sel.excluded.get("export_check", 0)
        if failed:
            warnings.append(f"{failed} record(s) fail OpenAI's chat checks as exported and "
                            "were left out; run a scan to see why.")
        redaction = {"mode": options.pii, "spans": redactor.spans,
                     "records": redactor.records, "stale_spans": redactor.stale}
        written_agreement = agreement
        if finder is not None and agreement:
            # Label values (confusion tables) and annotators' names go into the manifest.
            finder.add(agreement_strings(agreement))
            yield from finder.analyse()
            written_agreement = finder.redact_agreement(agreement, redactor)
        staging: Path | None = None
        try:
            staging = make_staging(outdir)
            data_files: dict[str, str] = {}
            split_files: dict[str, str] = {}
            for split in SPLITS:
                ids = [rid for rid in sel.kept if splits.of[rid] == split]
                if not ids:
                    continue
                name = f"{split}.jsonl"
                data_files[name] = write_file(staging / name, [lines[rid] for rid in ids])
                split_files[split] = name
                yield Progress(len(sel.kept), len(sel.kept), f"Wrote {name}")
            created = now()
            manifest = manifest_mod.build(
                store, options=options, files=dict(data_files), data_files=data_files,
                counts=splits.counts, excluded=sel.excluded_dict(), total=sel.total,
                warnings=warnings, readiness=checklist, agreement=written_agreement,
                redaction=redaction, created_at=created, actor=actor,
                split_files=split_files, strata=splits.strata)
            manifest["preference_pairs"] = len(pairs)
            card = manifest_mod.dataset_card(manifest).encode("utf-8")
            manifest["files"]["README.md"] = write_file(staging / "README.md", [card])
        except OSError as exc:
            discard(staging)
            raise os_error(exc, outdir) from None
        except BaseException:
            discard(staging)
            raise
    # Every read is done (the snapshot ends). The row is committed first, marked pending;
    # then the folder is published and the mark removed. A kill in between leaves a
    # pending row that recover_all() settles by what is on disk (pending_exports).
    try:
        with store.atomic():
            if finder is not None:
                finder.save()
            cursor = store.db.execute(
                "INSERT INTO exports(created_at, actor, outdir, dataset_hash, manifest) "
                "VALUES (?, ?, ?, ?, '')", (created, actor, str(outdir),
                                            manifest["dataset_hash"]))
            export_id = int(cursor.lastrowid or 0)
            manifest["export_id"] = export_id
            text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
            write_file(staging / "manifest.json", [text.encode("utf-8")])
            store.db.execute("UPDATE exports SET manifest = ? WHERE id = ?",
                             (text, export_id))
            _mark_pending(store, export_id, outdir, staging)
    except OSError as exc:
        discard(staging)
        raise os_error(exc, outdir) from None
    except BaseException:
        discard(staging)
        raise
    try:
        notes += publish(staging, outdir, overwrite)
    except BaseException:
        discard(staging)
        _settle_quietly(store, export_id)
        raise
    try:
        with store.atomic():
            _done(store, export_id, actor, {
                "export_id": export_id, "outdir": str(outdir),
                "dataset_hash": manifest["dataset_hash"], "counts": splits.counts})
    except (CuratorError, sqlite3.Error) as exc:
        notes.append(f"The export is written, but the project could not record it yet "
                     f"({exc}); it is recorded when the project is next opened.")
    return ExportReport(
        dataset_hash=manifest["dataset_hash"], counts=splits.counts,
        files=manifest["files"], excluded=manifest["excluded"], outdir=str(outdir),
        manifest=str(outdir / "manifest.json"), format=options.format,
        records=sel.total, export_id=export_id, warnings=notes + warnings,
        warnings_accepted=manifest["warnings_accepted"], readiness=checklist,
        redaction=redaction)


def read_manifest(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CuratorError(f"Cannot read the manifest {path}: {exc.strerror}.") from None
    except ValueError:
        raise CuratorError(f"{path} is not a Curator export manifest (not JSON).") from None
    if not isinstance(data, dict) or data.get("app") != "curator" or "options" not in data:
        raise CuratorError(f"{path} is not a Curator export manifest.")
    return data


def export_from_manifest(store: Store, manifest_path: str | Path, outdir: str | Path,
                         actor: str = "system", overwrite: bool = False,
                         pii_analyzer: Any = None) -> Job[ExportReport]:
    """Export again with the options (and agreement figures) of a past export.

    ``matches_manifest`` in the report says whether the data files came out identical
    (they do unless the project changed since).
    """
    past = read_manifest(manifest_path)
    options = ExportOptions.make(**past["options"])
    report = yield from export(store, outdir, options, actor, overwrite,
                               past.get("agreement"), pii_analyzer)
    report.matches_manifest = report.dataset_hash == past.get("dataset_hash")
    if not report.matches_manifest:
        report.warnings.append("The project changed since that export: the data differs "
                               f"(dataset hash {report.dataset_hash[:12]} instead of "
                               f"{str(past.get('dataset_hash'))[:12]}).")
    return report


def history(store: Store) -> list[dict[str, Any]]:
    """Past exports, newest first: ``{id, created_at, actor, outdir, dataset_hash, counts,
    format, exists}`` (not one still being published, or left so by a kill)."""
    out = []
    for id_, created, actor, outdir, dataset_hash, text in store.db.execute(
            "SELECT id, created_at, actor, outdir, dataset_hash, manifest FROM exports "
            f"WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = '{PENDING}' || exports.id) "
            "ORDER BY id DESC"):
        try:
            manifest = json.loads(text) if text else {}
        except ValueError:
            manifest = {}
        out.append({"id": id_, "created_at": created, "actor": actor, "outdir": outdir,
                    "dataset_hash": dataset_hash, "counts": manifest.get("counts", {}),
                    "format": manifest.get("format"), "options": manifest.get("options", {}),
                    "exists": os.path.isdir(outdir)})
    return out


# -- an export killed between its row and its folder ----------------------------------------

def _mark_pending(store: Store, export_id: int, outdir: Path, staging: Path) -> None:
    info = {"outdir": str(outdir), "staging": str(staging), "pid": os.getpid(),
            "host": socket.gethostname(), "app": "curator"}
    store.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                     (f"{PENDING}{export_id}", json.dumps(info)))


def pending_exports(store: Store) -> dict[int, dict[str, Any]]:
    """Exports whose row is committed but whose publishing was not seen to end."""
    out: dict[int, dict[str, Any]] = {}
    for key, value in store.db.execute(
            "SELECT key, value FROM meta WHERE key LIKE ?", (f"{PENDING}%",)):
        number = key.removeprefix(PENDING)
        if not number.isdigit():
            continue
        try:
            info = json.loads(value)
        except ValueError:
            info = {}
        out[int(number)] = info if isinstance(info, dict) else {}
    return out


def _done(store: Store, export_id: int, actor: str, detail: dict[str, Any]) -> None:
    """The export is published: drop its pending mark and log it, once (in a
    transaction)."""
    if store.db.execute("DELETE FROM meta WHERE key = ?",
                        (f"{PENDING}{export_id}",)).rowcount:
        store.log_event(actor, "export", None, detail)


def _settle(store: Store, export_id: int) -> str | None:
    """Finish or undo a pending export by what is on disk: its row stays (and the export
    is logged) when its folder holds its manifest, else the row goes. Returns a note."""
    row = store.db.execute("SELECT actor, outdir, dataset_hash, manifest FROM exports "
                           "WHERE id = ?", (export_id,)).fetchone()
    with store.atomic():
        if row is None:
            store.db.execute("DELETE FROM meta WHERE key = ?", (f"{PENDING}{export_id}",))
            return None
        actor, outdir, dataset_hash, text = row
        found = export_manifest(Path(outdir))
        if (found is not None and found.get("export_id") == export_id
                and found.get("project_id") == store.project_id
                and found.get("dataset_hash") == dataset_hash):
            try:
                counts = json.loads(text).get("counts", {})
            except (ValueError, AttributeError):
                counts = {}
            _done(store, export_id, actor, {
                "export_id": export_id, "outdir": outdir, "dataset_hash": dataset_hash,
                "counts": counts, "recovered": True})
            return (f"Recorded the export to {outdir}: it was written, but Curator was "
                    "stopped before it could record it.")
        store.db.execute("DELETE FROM meta WHERE key = ?", (f"{PENDING}{export_id}",))
        store.db.execute("DELETE FROM exports WHERE id = ?", (export_id,))
        return (f"The export to {outdir} was interrupted before it was written; its "
                "record was removed.")


def _settle_quietly(store: Store, export_id: int) -> None:
    """:func:`_settle` after a failed publish (the error being raised says what failed)."""
    try:
        _settle(store, export_id)
    except (CuratorError, sqlite3.Error, OSError):
        pass                               # still pending: recover_all() settles it


def recover_all(store: Store) -> list[str]:
    """Clean up after exports that were killed, e.g. when a project opens; what was done.

    Settles every pending export (:func:`pending_exports`) whose export is not running
    (its row kept and logged when its folder holds its manifest, else removed), then
    runs :func:`recover` for the folder of every export, past and pending. Never raises:
    what could not be done is said in the notes.
    """
    notes: list[str] = []
    try:
        pending = pending_exports(store)
        outdirs = {row[0] for row in store.db.execute("SELECT outdir FROM exports")}
    except sqlite3.Error as exc:
        return [f"Could not look for interrupted exports: {exc}."]
    for export_id, info in sorted(pending.items()):
        if isinstance(info.get("outdir"), str):
            outdirs.add(info["outdir"])
        staging = info.get("staging")
        if isinstance(staging, str) and running(info, staging):
            continue                      # an export in progress (here or elsewhere)
        try:
            note = _settle(store, export_id)
        except (CuratorError, sqlite3.Error, OSError) as exc:
            note = f"Could not settle the interrupted export {export_id}: {exc}."
        if note:
            notes.append(note)
    for outdir in sorted(outdirs):
        try:
            notes += recover(outdir)
        except OSError as exc:
            notes.append(f"Could not clean up after an export to {outdir}: "
                         f"{exc.strerror or exc}.")
    return notes
