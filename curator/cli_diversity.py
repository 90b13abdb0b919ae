"""``curator diversity``: how varied a project's data is (the window's diversity chart).

Prints :func:`curator.core.checks.similarity.diversity_report`: duplicate groups by size,
the shares of records in duplicate groups, distinct questions, lengths, declining
answers. It reads what the duplicates scan stored and never loads the embedding model.
"""

from __future__ import annotations

from typing import Any

import click

from curator.core.text import plural


def register(cli: click.Group, open_store: Any, reports_errors: Any, emit: Any) -> None:
    """Add ``diversity`` to ``cli`` (the helpers are cli.py's, passed in)."""

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.option("--json", "as_json", is_flag=True,
                  help="Print the whole report as JSON (with the 2-D map's points).")
    @reports_errors
    def diversity(project: str, as_json: bool) -> None:
        """How varied PROJECT's examples are: duplicate groups by size, distinct questions.

        Run `curator scan --only duplicates,contradictions` first: the groups and the
        map come from that scan (nothing is embedded here).
        """
        from curator.core.checks.similarity import diversity_report

        with open_store(project) as store:
            report = diversity_report(store)
        if as_json:
            emit(report)
            return
        for line in summary_lines(report):
            click.echo(line)


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The report in words: headline numbers, then duplicate groups by size."""
    clusters = report.get("clusters", {})
    declines = report.get("declines", {})
    lengths = report.get("lengths", {})
    lines = [
        f"{plural(report.get('records', 0), 'example')}, "
        f"{plural(report.get('distinct_inputs', 0), 'distinct question')}; "
        f"{100 * report.get('duplicate_share', 0):.1f}% in duplicate groups "
        f"({clusters.get('exact', 0):,} exact, {clusters.get('near', 0):,} near), "
        f"{plural(clusters.get('contradiction', 0), 'contradiction')}; "
        f"{100 * declines.get('share', 0):.1f}% of answers decline or say they do not know.",
        f"Median length: questions {lengths.get('input_median', 0):g} words, "
        f"answers {lengths.get('output_median', 0):g} words.",
    ]
    sizes = clusters.get("sizes", {})
    if not sizes:
        lines.append("No duplicate groups (run `curator scan --only duplicates` first).")
        return lines
    lines.append("Duplicate groups by size (examples in the group: groups):")
    lines.extend(f"  {size:>6}: {count:,}" for size, count in
                 sorted(sizes.items(), key=lambda kv: int(kv[0])))
    return lines
