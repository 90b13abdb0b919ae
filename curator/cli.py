"""The ``curator`` command: a thin shell over ``curator.core``.

Exit codes: 0 success, 1 a problem explained in one line (no traceback), 2 wrong usage.
``--json`` prints one JSON document on stdout; progress goes to stderr on a terminal.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from curator import __version__
from curator.core.errors import Cancelled, CuratorError, explain_os_error
from curator.core.jobs import Job, Progress, run_job
from curator.core.text import plural
from curator.core.vocabulary import FORMATS, PROFILE_CHOICES

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


class ProgressLine:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        if not self.enabled or time.monotonic() - self.last < 0.1:
            return
        self.last = time.monotonic()
        fraction = progress.fraction
        if fraction is None:
            bar = f"{progress.done:,}"
        else:
            filled = int(fraction * 30)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%}"
        sys.stderr.write(f"\r{bar} {progress.message[:60]:<60}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()


def drive(job: Job[R]) -> R:
    """Run a job with a progress line; Ctrl-C cancels it (and rolls it back)."""
    line = ProgressLine()
    try:
        return run_job(job, on_progress=line)
    finally:
        line.close()


def reports_errors(command: F) -> F:
    """Turn Curator's errors into a one-line message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Cancelled as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        except CuratorError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except OSError as exc:
            click.echo(f"Error: {explain_os_error(exc)}", err=True)
            sys.exit(1)
        except sqlite3.Error as exc:
            from curator.core.store.store import translate_sqlite_error
            click.echo(f"Error: {translate_sqlite_error(exc)}", err=True)
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the user gets words, not a traceback
            if os.environ.get("CURATOR_DEBUG"):
                raise
            click.echo(f"Error: Curator hit an unexpected problem ({type(exc).__name__}: "
                       f"{exc}). Run again with CURATOR_DEBUG=1 for details.", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def emit(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def open_store(project: str, create: bool = False) -> Any:
    """Open a project; the leftovers of an export that was killed are cleaned up first
    (said on stderr)."""
    from curator.core.store import Store
    store = Store.open(Path(project), create=create)
    if store.db.execute("SELECT EXISTS (SELECT 1 FROM exports)").fetchone()[0]:
        from curator.core.export import recover_all
        for note in recover_all(store):
            click.echo(f"Note: {note}", err=True)
    return store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--as", "as_user", metavar="NAME",
              help="Who is acting, for the audit trail (default: $CURATOR_USER, else your "
                   "login name).")
@click.version_option(__version__, prog_name="curator")
def cli(as_user: str | None) -> None:
    """Curator: vet chat fine-tuning data (import, flag, label, export).

    PROJECT is a .curator file. Run `curator COMMAND --help` for each command.
    """


@cli.command("import")
@click.argument("project", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", *FORMATS]),
              help="The shape of the examples; auto detects it for each line.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def import_command(project: str, files: tuple[str, ...], fmt: str, as_json: bool) -> None:
    """Import JSONL or JSON files into PROJECT (created when absent).

    Every line becomes a record, valid or not; a file imported before is skipped.
    """
    from curator.core.ingest import import_files

    with open_store(project, create=True) as store:
        report = drive(import_files(store, files, fmt, actor=actor_name()))
    if as_json:
        emit(report.model_dump())
    else:
        for source in report.sources:
            if source.skipped:
                click.echo(f"{source.name}: skipped, {source.skipped_reason}")
                continue
            click.echo(f"{source.name}: {plural(source.records, 'record')} ({source.valid:,} "
                       f"valid, {source.invalid:,} invalid, "
                       f"{plural(source.blank_lines, 'blank line')})")
            for error in source.errors[:10]:
                click.echo(f"  {error['message']}")
            if source.invalid > 10:
                click.echo(f"  ... and {source.invalid - 10:,} more: "
                           f"curator findings {project} --kind schema")
        for failure in report.failed:
            click.echo(f"Error: {failure['error']}", err=True)
        if report.sources:
            click.echo(f"Next: curator scan {project}")
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.option("--only", default="all", show_default=True,
              help="Comma-separated checks to run: schema, pii, duplicates, "
                   "contradictions (or all).")
@click.option("--profile", type=click.Choice(PROFILE_CHOICES),
              help="Vendor rules to check against; remembered by the project.")
@click.option("--max-tokens", type=click.IntRange(min=1),
              help="Token limit per example; remembered by the project.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def scan(project: str, only: str, profile: str | None, max_tokens: int | None,
         as_json: bool) -> None:
    """Check PROJECT's records and store what is wrong as findings."""
    from curator.core.checks.scan import scan as run_scan

    from curator.core.checks.scan import KINDS

    checks = [c.strip() for c in only.split(",") if c.strip()]
    if "all" in checks:
        checks = list(KINDS)
    with open_store(project) as store:
        from curator.core.settings import set_project_setting

        if profile:
            set_project_setting(store, "profile", profile, actor_name())
        if max_tokens:
            set_project_setting(store, "max_tokens", max_tokens, actor_name())
        report = drive(run_scan(store, checks, actor=actor_name()))
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        emit(report.model_dump())
        return
    if "schema" in checks:
        click.echo(f"Checked {plural(report.records, 'record')} (profile: {report.profile}).")
        for code, count in report.codes.items():
            click.echo(f"  {count:>7,}  {code}")
        if not report.codes:
            click.echo("  No problems found.")
    if report.pii is not None:
        pii = report.pii
        click.echo(f"Personal data: {plural(pii['findings'], 'suspected span')} in "
                   f"{plural(pii['distinct_texts'], 'distinct text')} (model: {pii['model']}).")
        for code, count in pii["codes"].items():
            click.echo(f"  {count:>7,}  {code}")
    if report.similarity is not None:
        from curator.core.checks.similarity import count_of, groups_summary

        sim = report.similarity
        groups = sim.get("clusters", {})
        click.echo(f"Similar examples ({sim.get('model')}, "
                   f"{count_of(sim.get('embedded', 0), 'text')} embedded, the rest from "
                   "the project's cache): "
                   f"{groups_summary(groups)}.")
    for part in (report.label_errors or {}).get("fields", []):
        click.echo(f"Likely label errors in {part['field']}: " + (
            part["skipped"] if part["skipped"] else
            f"{plural(part['suspects'], 'record')} of {part['judged']:,} judged "
            f"({part['classes']} values)."))
    billing = report.tokens.get("billing", {})
    if billing.get("examples"):
        click.echo(f"Tokens: ~{billing['billing_tokens']:,} billed per epoch, "
                   f"{plural(billing['epochs'], 'epoch')} by default, "
                   f"~{billing['charged_tokens']:,} charged (OpenAI cookbook estimate).")


@cli.command()
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", help="Only findings of this kind (schema, pii, duplicate ...).")
@click.option("--status", type=click.Choice(["open", "dismissed", "resolved"]),
              help="Only findings with this status.")
@click.option("--group", is_flag=True,
              help="Personal data only: one entry per distinct text and type, with its "
                   "counts and finding ids, riskiest first.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@reports_errors
def findings(project: str, kind: str | None, status: str | None, group: bool,
             as_json: bool) -> None:
    """List the problems found in PROJECT."""
    if group:
        if kind not in (None, "pii"):
            raise click.UsageError("--group groups personal data: use it with --kind pii.")
        _pii_groups(project, status, as_json)
        return
    with open_store(project) as store:
        items = store.findings(kind=kind, status=status)
    if as_json:
        emit(items)
        return
    for item in items:
        where = item["record"] or "(dataset)"
        click.echo(f"{where}\t{item['severity']}\t{item['code']}\t{item['description']}")
    click.echo(plural(len(items), "finding"), err=True)


def _pii_groups(project: str, status: str | None, as_json: bool) -> None:
    """``findings --group``: the personal-data queue as the window shows it."""
    from curator.core.store.findings import pii_groups

    with open_store(project) as store:
        groups = pii_groups(store, "all", status=status)
    if as_json:
        emit(groups)
        return
    for g in groups:
        click.echo(f"{g['tier'] or '-'}\t{g['code']}\t{g['spans']:,} in "
                   f"{plural(g['records'], 'record')}\t{g['text']}")
    click.echo(f"{plural(len(groups), 'group')} of "
               f"{plural(sum(g['spans'] for g in groups), 'span')}", err=True)


@cli.command()
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@reports_errors
def stats(project: str, as_json: bool) -> None:
    """Counts of records, reviews and open findings in PROJECT."""
    with open_store(project) as store:
        numbers = store.stats()
    if as_json:
        emit(numbers)
        return
    click.echo(f"{plural(numbers['records'], 'record')}: {numbers['valid']:,} valid, "
               f"{numbers['invalid']:,} invalid; {numbers['reviewed']:,} reviewed")
    for key, count in numbers["findings_by_code"].items():
        click.echo(f"  {count:>7,}  {key}")


@cli.command()
@click.argument("project", required=False, type=click.Path(dir_okay=False))
@click.option("--screenshot", type=click.Path(dir_okay=False),
              help="Render the main window to this PNG file and exit.")
@reports_errors
def gui(project: str | None, screenshot: str | None) -> None:
    """Open the Curator window (on PROJECT, if given)."""
    sys.exit(_gui(Path(project) if project else None, screenshot))


def _gui(project: Path | None, screenshot: str | None, find_pii: bool = False) -> int:
    from curator.app.launch import has_display

    if screenshot and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not has_display():
        raise CuratorError("No display was found to open the window on. Run Curator on a "
                           "desktop, or use the command-line commands (curator --help).")
    from curator.app.launch import run_gui
    return run_gui(project, Path(screenshot) if screenshot else None,
                   annotator=explicit_actor(), find_pii=find_pii)


@cli.command()
@click.option("--project", type=click.Path(dir_okay=False),
              help="Where to build the demo project (default: a fresh one in your "
                   "Curator data folder).")
@click.option("--no-gui", is_flag=True, help="Print what was found instead of opening "
              "the window.")
@click.option("--screenshot", type=click.Path(dir_okay=False),
              help="Render the main window to this PNG file and exit.")
@reports_errors
def demo(project: str | None, no_gui: bool, screenshot: str | None) -> None:
    """Build a sample project from bundled data, check it and open it."""
    from curator.app.launch import has_display
    from curator.core.demo import build_demo

    gui = not no_gui and (has_display() or bool(screenshot))
    # With a window, the scan for personal data (a language model to load) runs there,
    # with its progress bar, instead of before the window appears.
    path, _report = build_demo(Path(project) if project else None, drive,
                               kinds=("schema",) if gui else None)
    if gui:
        sys.exit(_gui(path, screenshot, find_pii=True))
    if not no_gui:
        click.echo("No display was found, so here is what the demo found:", err=True)
    click.echo(f"Demo project: {path}")
    with open_store(str(path)) as store:
        numbers = store.stats()
        items = store.findings()
    click.echo(f"{plural(numbers['records'], 'record')} ({numbers['invalid']:,} could not be "
               f"read); {plural(sum(numbers['findings'].values()), 'open finding')}:")
    for item in items:
        where = item["record"] or "(dataset)"
        click.echo(f"  {where}: {item['description']}")
    click.echo(f"Open it: curator gui {path}")


@cli.command("settings")
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.argument("key", required=False)
@click.argument("value", required=False)
@reports_errors
def settings_command(project: str, key: str | None, value: str | None) -> None:
    """Show or change PROJECT's settings (VALUE is JSON).

    \b
    curator settings p.curator                     # all settings
    curator settings p.curator pii                 # one
    curator settings p.curator pii '{"model": "en_core_web_lg", "threshold": 0.6}'
    curator settings p.curator similarity '{"near_duplicate": 0.92}'
    """
    from curator.core.settings import KNOWN, set_project_setting, show_settings

    with open_store(project) as store:
        if key is None:
            emit(show_settings(store))
            return
        if key not in KNOWN:
            raise CuratorError(f'Unknown setting "{key}"; known: {", ".join(sorted(KNOWN))}.')
        if value is None:
            emit(show_settings(store)[key])
            return
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise CuratorError(f"The value is not JSON ({exc.msg}); quote strings, e.g. "
                               "'\"openai\"'.") from None
        emit(set_project_setting(store, key, parsed, actor_name()))


@cli.command("export")
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--val-fraction", type=float, default=0.1, show_default=True,
              help="Share of examples for validation.")
@click.option("--eval-fraction", type=float, default=0.0, show_default=True,
              help="Share of examples held out for evaluation.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@click.option("--stratify", metavar="FIELD", help="Keep each label's share in every split.")
@click.option("--pii", type=click.Choice(["redact", "exclude", "keep"]), default="redact",
              show_default=True, help="What to do with open personal-data spans.")
@click.option("--pseudonyms", is_flag=True,
              help="Redact with numbered stand-ins (<PERSON_1>) instead of types.")
@click.option("--format", "fmt", type=click.Choice(["openai", "sharegpt", "hf", "trl"]),
              default="openai", show_default=True,
              help="Line format of the data files. Preference pairs are written whole by "
                   "openai (input/preferred_output/non_preferred_output), trl (prompt/"
                   "chosen/rejected message lists) and sharegpt (LLaMA-Factory's "
                   "conversations/chosen/rejected); hf writes their preferred answer.")
@click.option("--labels", type=click.Choice(["none", "metadata"]), default="none",
              show_default=True, help="Write final labels into each line.")
@click.option("--only-reviewed", is_flag=True, help="Leave out unreviewed records.")
@click.option("--include-needs-edit", is_flag=True, help="Keep records marked needs-edit.")
@click.option("--include-contradictions", is_flag=True,
              help="Keep records with open contradictions.")
@click.option("--require-label", metavar="FIELD",
              help="Leave out records without a final label for FIELD.")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Only records from this source file (repeatable).")
@click.option("--accept", multiple=True, metavar="ID",
              help="Accept a failing readiness item (repeatable; see --json readiness).")
@click.option("--overwrite", is_flag=True,
              help="Replace the previous export in OUTDIR (only the files its manifest "
                   "lists; refused if OUTDIR holds anything else).")
@click.option("--from-manifest", type=click.Path(exists=True),
              help="Repeat a past export from its manifest.json (other options ignored).")
@click.option("--check", is_flag=True,
              help="Write nothing: show the counts and the readiness checklist.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def export_command(project: str, outdir: str, val_fraction: float, eval_fraction: float,
                   seed: int, stratify: str | None, pii: str, pseudonyms: bool, fmt: str,
                   labels: str, only_reviewed: bool, include_needs_edit: bool,
                   include_contradictions: bool, require_label: str | None,
                   sources: tuple[str, ...], accept: tuple[str, ...], overwrite: bool,
                   from_manifest: str | None, check: bool, as_json: bool) -> None:
    """Write train/validation(/eval) files, manifest.json and a dataset card to OUTDIR."""
    from curator.core.export import ExportOptions, export, export_from_manifest
    from curator.core.export.job import plan_export
    from curator.core.export.readiness import readiness

    with open_store(project) as store:
        if from_manifest:
            report = drive(export_from_manifest(store, Path(from_manifest), Path(outdir),
                                                actor=actor_name(), overwrite=overwrite))
        else:
            options = ExportOptions.make(
                val_fraction=val_fraction, eval_fraction=eval_fraction, seed=seed,
                stratify=stratify, pii=pii, pseudonyms=pseudonyms, format=fmt,
                labels=labels, include_unreviewed=not only_reviewed,
                include_needs_edit=include_needs_edit,
                include_contradictions=include_contradictions, require_label=require_label,
                sources=list(sources) or None, accept=list(accept))
            if check:
                plan = plan_export(store, options)
                items = readiness(store, options, plan.counts)
                doc = {"counts": plan.counts, "excluded": plan.excluded,
                       "warnings": plan.warnings, "readiness": items}
                if as_json:
                    emit(doc)
                    return
                click.echo("Would export: " + ", ".join(
                    f"{k} {v:,}" for k, v in plan.counts.items()))
                left_out = {k: v for k, v in plan.excluded.items() if v}
                if left_out:
                    click.echo("Left out: " + ", ".join(f"{k} {v:,}"
                                                        for k, v in left_out.items()))
                for item in items:
                    mark = "ok " if item["ok"] else ("ACCEPTED" if item.get("accepted")
                                                     else "WARN")
                    click.echo(f"  [{mark}] {item['title']}: {item['detail']} "
                               f"({item['id']})")
                return
            report = drive(export(store, Path(outdir), options, actor=actor_name(),
                                  overwrite=overwrite))
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        emit(report.model_dump(mode="json"))
        return
    counts = ", ".join(f"{name} {n:,}" for name, n in report.counts.items() if n)
    click.echo(f"Exported {plural(sum(report.counts.values()), 'example')} ({counts}) to "
               f"{outdir}")
    left_out = {k: v for k, v in report.excluded.items() if v}
    if left_out:
        click.echo("Left out: " + ", ".join(f"{k} {v:,}" for k, v in left_out.items()))
    click.echo(f"Dataset hash {report.dataset_hash}")


@cli.group()
def labels() -> None:
    """Move labels in and out as CSV or JSONL (record, annotator, field, value)."""


@labels.command("import")
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def labels_import(project: str, file: str, as_json: bool) -> None:
    """Add labels from FILE; unknown fields and annotators are created."""
    from curator.core.labeling.transfer import import_labels

    with open_store(project) as store:
        report = drive(import_labels(store, Path(file), actor=actor_name()))
    if as_json:
        emit(report.model_dump(mode="json"))
    else:
        click.echo(f"Read {plural(report.rows, 'row')}: {plural(report.labels_set, 'label')} "
                   f"set, {report.labels_unchanged:,} unchanged.")
        if report.created_fields:
            click.echo("New fields: " + ", ".join(
                f"{f['name']} ({f['kind']})" for f in report.created_fields))
        if report.created_annotators:
            click.echo("New annotators: " + ", ".join(report.created_annotators))
        if report.rejected:
            _explain_rejected(report)
    if report.rejected:
        sys.exit(1)


def _explain_rejected(report: Any, examples: int = 3) -> None:
    """The rejected rows of a labels import on stderr: how many, why, the first lines."""
    from curator.core.labeling.transfer import REJECT_REASONS
    from curator.core.text import printable

    kept = report.rows - len(report.rejected)
    click.echo(f"Error: {len(report.rejected):,} of {plural(report.rows, 'row')} "
               f"{'was' if len(report.rejected) == 1 else 'were'} rejected"
               + (f"; the other {plural(kept, 'row')} {'was' if kept == 1 else 'were'} "
                  "imported" if kept else "") + ". Fix them and import the file again "
               "(rows already imported are counted as unchanged):", err=True)
    by_code: dict[str, list[Any]] = {}
    for row in report.rejected:
        by_code.setdefault(row.code, []).append(row)
    for code, rows in sorted(by_code.items(), key=lambda item: (-len(item[1]), item[0])):
        shown = "; ".join(f"line {r.line}: {printable(r.reason)}" for r in rows[:examples])
        more = f"; and {len(rows) - examples:,} more" if len(rows) > examples else ""
        click.echo(f"  {REJECT_REASONS.get(code, code)}: {plural(len(rows), 'row')} "
                   f"({shown}{more})", err=True)


@labels.command("export")
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace FILE if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def labels_export(project: str, file: str, overwrite: bool, as_json: bool) -> None:
    """Write every label to FILE (.csv or .jsonl); never the project file itself."""
    from curator.core.labeling.transfer import export_labels

    with open_store(project) as store:
        report = export_labels(store, Path(file), overwrite=overwrite)
    if as_json:
        emit(report.model_dump(mode="json"))
        return
    click.echo(f"Wrote {plural(report.rows, 'label')} to {file}")


@cli.command()
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.option("--field", required=True, help="The label field.")
@click.option("--level", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]),
              help="Measurement level (default: ordinal for ratings, else nominal).")
@click.option("--batch", help="Only labels of this batch (e.g. the pilot).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap samples for the 95% confidence intervals (0: none).")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@reports_errors
def agreement(project: str, field: str, level: str | None, batch: str | None,
              bootstrap: int, as_json: bool) -> None:
    """How much annotators agree on FIELD (percent, Cohen, Fleiss, Krippendorff)."""
    from curator.core.labeling.agreement import field_agreement
    from curator.core.labeling.labels import ratings
    from curator.core.labeling.measure import BOOTSTRAP_SEED
    from curator.core.labeling.schema import get_field

    with open_store(project) as store:
        fld = get_field(store, field)
        report = field_agreement(fld.name, fld.kind, ratings(store, fld, batch),
                                 options=fld.choices() or None, level=level,
                                 bootstrap=bootstrap, seed=BOOTSTRAP_SEED)
    doc = report.to_json()
    if as_json:
        emit(doc)
        return
    intervals = doc["ci"] or {}

    def fmt(key: str) -> str:
        value = doc[key]
        if value is None:
            return "n/a"
        interval = intervals.get(key)
        return f"{value:.3f}" + (f"  [{interval[0]:.3f}, {interval[1]:.3f}] 95% CI"
                                 if interval else "")
    click.echo(f"{doc['field']} ({doc['level']}): {plural(doc['items'], 'item')}, "
               f"{plural(doc['annotators'], 'annotator')}")
    click.echo(f"  percent agreement   {fmt('percent_agreement')}")
    click.echo(f"  Cohen's kappa (mean) {fmt('cohen_kappa')}")
    click.echo(f"  Fleiss' kappa       {fmt('fleiss_kappa')}")
    click.echo(f"  Krippendorff alpha  {fmt('krippendorff_alpha')}")


@cli.group()
def pack() -> None:
    """Annotation packs: hand out labelling work as files and merge it back."""


@pack.command("export")
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.argument("pack_file", metavar="PACK", type=click.Path(dir_okay=False))
@click.option("--annotator", required=True, help="Who the pack is for.")
@click.option("--batch", help="Only this batch's records (default: all assigned to them).")
@click.option("--overwrite", is_flag=True, help="Replace PACK if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def pack_export(project: str, pack_file: str, annotator: str, batch: str | None,
                overwrite: bool, as_json: bool) -> None:
    """Write PACK with NAME's assigned records, the label schema and guidelines."""
    from curator.core.labeling.packs import export_pack
    from curator.core.text import printable

    with open_store(project) as store:
        report = drive(export_pack(store, Path(pack_file), annotator, batch,
                                   actor=actor_name(), overwrite=overwrite))
    if as_json:
        emit(report.model_dump(mode="json"))
        return
    who = printable(annotator)
    click.echo(f"Wrote {printable(pack_file, 300)}: {plural(report.records, 'record')} for "
               f"{who}" + (f" (batch {printable(batch)})" if batch else "")
               + (f", with their {plural(report.labels, 'label')} so far" if report.labels
                  else "")
               + f". Send it to {who}; they open it in Curator, label, and send it back.")


@pack.command("import")
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.argument("pack_file", metavar="PACK", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def pack_import(project: str, pack_file: str, as_json: bool) -> None:
    """Merge the labels of a returned PACK into PROJECT (safe to repeat)."""
    from curator.core.labeling.packs import import_pack
    from curator.core.text import printable

    with open_store(project) as store:
        report = drive(import_pack(store, Path(pack_file), actor=actor_name()))
    if as_json:
        emit(report.model_dump(mode="json"))
        return
    # Names and reasons come from someone else's file: printed escaped, never raw.
    click.echo(f"{printable(report.annotator)}: {report.labelled_records:,} of "
               f"{plural(report.records, 'record')} labelled; "
               f"{plural(report.merged, 'label')} merged, "
               f"{report.unchanged:,} already here"
               + (f", {report.kept_newer:,} kept (changed here since this pack was last "
                  "seen)" if report.kept_newer else "") + ".")
    if report.schema_changed:
        click.echo("The label schema changed since the pack was handed out.", err=True)
    for reason, count in sorted(report.skipped.items()):
        click.echo(f"  not merged, {plural(count, 'label')}: {printable(reason, 300)}",
                   err=True)
    if report.changed_records:
        edited = len(report.changed_records)
        click.echo(f"  {plural(edited, 'record')} {'was' if edited == 1 else 'were'} edited "
                   "in the project after the pack was handed out; their labels were merged.",
                   err=True)


@pack.command("status")
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the packs as JSON.")
@reports_errors
def pack_status_command(project: str, as_json: bool) -> None:
    """Every pack handed out: handed out, returned or merged, with counts."""
    from curator.core.labeling.packs import pack_status
    from curator.core.text import printable

    with open_store(project) as store:
        packs = pack_status(store)
    if as_json:
        emit({"packs": [p.model_dump(mode="json") for p in packs]})
        return
    if not packs:
        click.echo("No packs handed out yet (curator pack export).")
    for p in packs:
        click.echo(f"{printable(p.annotator, 40):<16} "
                   f"{printable(p.batch or 'all batches', 40):<16} {p.status:<11} "
                   f"{plural(p.records, 'record'):>14}  {p.labelled_in_project:>6,} labelled  "
                   f"{plural(p.merged, 'label'):>13} merged  {printable(Path(p.path).name)}")


def explicit_actor() -> str | None:
    """The name given with ``curator --as NAME``, if any."""
    context = click.get_current_context(silent=True)
    return context.find_root().params.get("as_user") if context is not None else None


def actor_name() -> str:
    """Who is acting, for the audit trail: --as, $CURATOR_USER, then the login name."""
    from curator.core.identity import current_actor

    return current_actor(explicit_actor())


def _register_record_commands() -> None:
    from curator import cli_records
    cli_records.register(cli, open_store, reports_errors, emit, actor_name)


def _register_repair_commands() -> None:
    from curator import cli_repair
    cli_repair.register(cli, open_store, reports_errors, emit, drive, actor_name)


def _register_similar_command() -> None:
    from curator import cli_records
    cli_records.register_similar(cli, open_store, reports_errors, emit, drive)


def _register_diversity_command() -> None:
    from curator import cli_diversity
    cli_diversity.register(cli, open_store, reports_errors, emit)


def _register_models_commands() -> None:
    from curator import cli_models
    cli_models.register(cli, reports_errors, emit)


_register_record_commands()
_register_repair_commands()
_register_models_commands()
_register_similar_command()
_register_diversity_command()


def main() -> None:
    cli(prog_name="curator")


if __name__ == "__main__":
    main()
