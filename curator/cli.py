"""The ``curator`` command: a thin shell over ``curator.core``.

Exit codes: 0 success, 1 a problem explained in one line (no traceback), 2 wrong usage.
``--json`` prints one JSON document on stdout; progress goes to stderr on a terminal.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from curator import __version__
from curator.core.errors import Cancelled, CuratorError
from curator.core.jobs import Job, Progress, run_job

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
    from curator.core.store import Store
    return Store.open(Path(project), create=create)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="curator")
def cli() -> None:
    """Curator: vet chat fine-tuning data (import, flag, label, export).

    PROJECT is a .curator file. Run `curator COMMAND --help` for each command.
    """


@cli.command("import")
@click.argument("project", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", "openai", "bedrock", "sharegpt", "alpaca",
                                 "preference", "prompt_completion"]),
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
            click.echo(f"{source.name}: {source.records:,} records ({source.valid:,} valid, "
                       f"{source.invalid:,} invalid, {source.blank_lines:,} blank lines)")
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
              help="Comma-separated checks to run: schema, pii (or all).")
@click.option("--profile", type=click.Choice(["auto", "openai", "bedrock", "mistral", "trl"]),
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
        if profile:
            store.set_setting("profile", profile, actor_name())
        if max_tokens:
            store.set_setting("max_tokens", max_tokens, actor_name())
        report = drive(run_scan(store, checks, actor=actor_name()))
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        emit(report.model_dump())
        return
    if "schema" in checks:
        click.echo(f"Checked {report.records:,} records (profile: {report.profile}).")
        for code, count in report.codes.items():
            click.echo(f"  {count:>7,}  {code}")
        if not report.codes:
            click.echo("  No problems found.")
    if report.pii is not None:
        pii = report.pii
        click.echo(f"Personal data: {pii['findings']:,} suspected spans in "
                   f"{pii['distinct_texts']:,} distinct texts (model: {pii['model']}).")
        for code, count in pii["codes"].items():
            click.echo(f"  {count:>7,}  {code}")
    billing = report.tokens.get("billing", {})
    if billing.get("examples"):
        click.echo(f"Tokens: ~{billing['billing_tokens']:,} billed per epoch, "
                   f"{billing['epochs']} epochs by default, ~{billing['charged_tokens']:,} "
                   "charged (OpenAI cookbook estimate).")


@cli.command()
@click.argument("project", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", help="Only findings of this kind (schema, pii, duplicate ...).")
@click.option("--status", type=click.Choice(["open", "dismissed", "resolved"]),
              help="Only findings with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@reports_errors
def findings(project: str, kind: str | None, status: str | None, as_json: bool) -> None:
    """List the problems found in PROJECT."""
    with open_store(project) as store:
        items = store.findings(kind=kind, status=status)
    if as_json:
        emit(items)
        return
    for item in items:
        where = item["record"] or "(dataset)"
        click.echo(f"{where}\t{item['severity']}\t{item['code']}\t{item['description']}")
    click.echo(f"{len(items):,} findings", err=True)


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
    click.echo(f"{numbers['records']:,} records: {numbers['valid']:,} valid, "
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
    return run_gui(project, Path(screenshot) if screenshot else None, find_pii=find_pii)


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
    click.echo(f"{numbers['records']} records ({numbers['invalid']} could not be read); "
               f"{sum(numbers['findings'].values())} open findings:")
    for item in items:
        where = item["record"] or "(dataset)"
        click.echo(f"  {where}: {item['description']}")
    click.echo(f"Open it: curator gui {path}")


def actor_name() -> str:
    """Who is acting, for the audit trail."""
    return os.environ.get("CURATOR_USER") or os.environ.get("USER") or "unknown"


def main() -> None:
    cli(prog_name="curator")


if __name__ == "__main__":
    main()
