"""``curator repair``: make records of unreadable lines that can be read another way.

Only lines written with Python's ``str()`` so far (``--python-literals``); the window's
File → Repair lines calls the same core job (``core/ingest/repair.py``).
"""

from __future__ import annotations

from typing import Any

import click

from curator.core.text import plural, printable


def register(cli: click.Group, open_store: Any, reports_errors: Any, emit: Any,
             drive: Any, actor_name: Any) -> None:
    """Add ``repair`` to ``cli`` (the helpers are cli.py's, passed in)."""

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.option("--python-literals", is_flag=True,
                  help="Read lines written with Python's str() (single quotes, True, None) "
                       "as data, never running them.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @reports_errors
    def repair(project: str, python_literals: bool, as_json: bool) -> None:
        """Turn PROJECT's unreadable lines into records where they can be read.

        Each repaired line becomes a new revision of its record (the line itself is kept
        byte for byte) and a `repair` event under your name. Run `curator scan` after.
        """
        if not python_literals:
            raise click.UsageError("Say what to repair: --python-literals (lines written "
                                   "with Python's str() instead of JSON).")
        from curator.core.ingest.repair import REASONS, repair_python_literals

        with open_store(project) as store:
            report = drive(repair_python_literals(store, actor=actor_name()))
        if as_json:
            emit(report.model_dump(mode="json"))
            return
        seen = report.repaired + report.failed
        click.echo(f"Repaired {report.repaired:,} of {plural(seen, 'unreadable line')} "
                   "(written as Python literals; each line is kept as it was)"
                   + (": " + ", ".join(f"{fmt} {n:,}" for fmt, n in report.formats.items())
                      if report.formats else "") + ".")
        if report.failed:
            click.echo(f"{plural(report.failed, 'line')} could not be repaired:")
            for code, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
                examples = [f for f in report.failures if f.code == code][:3]
                shown = "; ".join(printable(f.message) for f in examples)
                why = REASONS.get(code) or f"read, but not a chat example ({code})"
                click.echo(f"  {why}: "
                           f"{plural(count, 'line')}" + (f" ({shown})" if shown else ""))
        if report.repaired:
            click.echo(f"Next: curator scan {project}")
