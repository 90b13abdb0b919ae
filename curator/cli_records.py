"""Commands for what the window does record by record: list, review, decide, adjudicate.

``curator records``, ``review``, ``swap``, ``finding``, ``adjudicate`` and ``batch`` call
the same core functions as the window, so a script can do whatever a reviewer does, and every
decision lands in the audit trail under the same identity rule (``actor_name``).
"""

from __future__ import annotations

import json
from typing import Any

import click

from curator.core.errors import CuratorError
from curator.core.text import plural

#: The states ``curator review --state`` takes, and what the project stores for each.
REVIEW_CHOICES = {"accept": "accepted", "reject": "rejected", "needs_edit": "needs-edit",
                  "unreviewed": "unreviewed"}
FINDING_ACTIONS = ("dismiss", "confirm", "reopen", "resolve", "allow", "redact", "accept",
                   "send")


def record_ids(store: Any, keys: tuple[str, ...]) -> dict[str, int]:
    """The ids of records named by key; a CuratorError naming those that do not exist."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = list(dict.fromkeys(keys[start:start + 500]))
        marks = ",".join("?" * len(chunk))
        found.update(store.db.execute(
            f"SELECT key, id FROM records WHERE key IN ({marks})", chunk).fetchall())
    missing = [k for k in keys if k not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise CuratorError(f"No record called {shown} ({plural(len(missing), 'key')} not "
                           "found; `curator records PROJECT` lists them). Nothing was changed.")
    return found


def collect_keys(keys: tuple[str, ...], keys_file: str | None) -> tuple[str, ...]:
    """Record keys from the arguments and, with ``--keys-from``, a file (one per line)."""
    more: list[str] = []
    if keys_file:
        text = click.open_file(keys_file, encoding="utf-8").read()
        more = [line.strip() for line in text.splitlines() if line.strip()]
    every = tuple(keys) + tuple(more)
    if not every:
        raise click.UsageError("Name at least one record (or use --keys-from FILE).")
    return every


def register(cli: click.Group, open_store: Any, reports_errors: Any, emit: Any,
             actor_name: Any) -> None:
    """Add the record commands to ``cli`` (the helpers are cli.py's, passed in)."""

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.option("--review", type=click.Choice(list(REVIEW_CHOICES)),
                  help="Only records with this review state.")
    @click.option("--kind", help="Only records with an open finding of this kind.")
    @click.option("--code", help="Only records with an open finding with this code.")
    @click.option("--source", metavar="NAME", help="Only records from this source file.")
    @click.option("--invalid/--valid", "invalid", default=None,
                  help="Only invalid (or only valid) records.")
    @click.option("--search", metavar="WORDS", help="Full-text search over every message.")
    @click.option("--sort", type=click.Choice(["file", "key", "review", "tokens", "findings"]),
                  default="file", show_default=True, help="Order of the records.")
    @click.option("--limit", type=click.IntRange(min=0), help="At most this many records.")
    @click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
    @reports_errors
    def records(project: str, review: str | None, kind: str | None, code: str | None,
                source: str | None, invalid: bool | None, search: str | None, sort: str,
                limit: int | None, as_json: bool) -> None:
        """List PROJECT's records as the window's table shows them, filtered."""
        from curator.core.labeling.labels import table_labels
        from curator.core.store.browse import RecordFilter, query_ids, table_rows

        viewer = actor_name()
        with open_store(project) as store:
            source_id = None
            if source is not None:
                row = store.db.execute("SELECT id FROM sources WHERE name = ?",
                                       (source,)).fetchone()
                if row is None:
                    names = ", ".join(s["name"] for s in store.sources()) or "none"
                    raise CuratorError(f'No source file called "{source}" (sources: {names}).')
                source_id = row[0]
            flt = RecordFilter(review=REVIEW_CHOICES[review] if review else None, kind=kind,
                               code=code, source_id=source_id, invalid=invalid,
                               search=search, sort=sort)
            ids = list(query_ids(store, flt))
            if limit is not None:
                ids = ids[:limit]
            items: list[dict[str, Any]] = []
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                rows = table_rows(store, chunk, lambda ids: table_labels(store, ids, viewer))
                items.extend(_record_item(rows[i]) for i in chunk if i in rows)
        if as_json:
            emit(items)
            return
        for item in items:
            found = ", ".join(f"{k} {n}" for k, n in item["findings"].items())
            preview = (item["preview"] or "").replace("\n", " ")[:60]
            click.echo(f"{item['record']}\t{item['review']}\t{found or '-'}\t{preview}")
        click.echo(plural(len(items), "record"), err=True)

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.argument("keys", nargs=-1, metavar="RECORD...")
    @click.option("--state", type=click.Choice(list(REVIEW_CHOICES)), required=True,
                  help="The review decision.")
    @click.option("--keys-from", type=click.Path(dir_okay=False, allow_dash=True),
                  help="Also the record keys in this file, one per line (- for stdin).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @reports_errors
    def review(project: str, keys: tuple[str, ...], state: str, keys_from: str | None,
               as_json: bool) -> None:
        """Set the review state of records (by key), as the window's A/R/E/U keys do."""
        from curator.core.store.review import set_review

        every = collect_keys(keys, keys_from)
        stored = REVIEW_CHOICES[state]
        with open_store(project) as store:
            ids = record_ids(store, every)
            before = set_review(store, list(ids.values()), stored, actor_name())
        changed = sum(1 for s in before.values() if s != stored)
        report = {"state": stored, "records": len(ids), "changed": changed,
                  "before": {key: before[i] for key, i in ids.items() if i in before}}
        if as_json:
            emit(report)
            return
        same = len(ids) - changed
        click.echo(f"{plural(changed, 'record')} now {stored}"
                   + (f" ({same:,} already {'was' if same == 1 else 'were'})." if same else "."))

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.argument("keys", nargs=-1, metavar="RECORD...")
    @click.option("--keys-from", type=click.Path(dir_okay=False, allow_dash=True),
                  help="Also the record keys in this file, one per line (- for stdin).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @reports_errors
    def swap(project: str, keys: tuple[str, ...], keys_from: str | None,
             as_json: bool) -> None:
        """Swap the chosen and rejected answers of preference pairs (by key), as the
        window's Review → Swap does: a new revision each (the imported line stays);
        swapping again puts them back. Refused, changing nothing, if a record is not a
        preference pair."""
        from curator.core.store.review import swap_answers

        every = collect_keys(keys, keys_from)
        with open_store(project) as store:
            ids = record_ids(store, every)
            done = swap_answers(store, list(ids.values()), actor_name())
        report = {"swapped": len(ids),
                  "revisions": {key: done[i] for key, i in ids.items()}}
        if as_json:
            emit(report)
            return
        click.echo(f"Chosen and rejected swapped in {plural(len(ids), 'record')}.")

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.argument("action", type=click.Choice(FINDING_ACTIONS))
    @click.argument("finding_ids", nargs=-1, required=True, type=int, metavar="FINDING_ID...")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @reports_errors
    def finding(project: str, action: str, finding_ids: tuple[int, ...],
                as_json: bool) -> None:
        """Decide on findings by id (`curator findings --json` lists the ids).

        dismiss: not a problem. confirm: a real problem (export redacts or excludes it).
        reopen: undecided again. resolve: fixed. allow: this PII text is fine everywhere
        (the project's allow-list). redact: replace the span in its record (a revision).
        Likely label errors: accept the suggestion (a final label, which needs the
        adjudicator role, or a new answer), or send the record to adjudication.
        """
        from curator.core.checks import pii_review
        from curator.core.store import findings as finding_store

        actor = actor_name()
        with open_store(project) as store:
            chosen = [finding_store.finding(store, fid) for fid in finding_ids]
            if action in ("allow", "redact"):
                wrong = [f["id"] for f in chosen if f["kind"] != "pii"]
                if wrong:
                    raise CuratorError(f"Only personal-data findings can be {action}ed; "
                                       f"not {', '.join(map(str, wrong))}. Nothing was changed.")
            if action in ("accept", "send"):
                detail = _label_error_action(store, action, chosen, actor)
            elif action == "allow":
                texts = sorted({str(f["text"] or "") for f in chosen} - {""})
                for text in texts:
                    pii_review.allow(store, text, actor)
                detail: dict[str, Any] = {"allowed": texts}
            elif action == "redact":
                by_record: dict[int, list[int]] = {}
                for f in chosen:                     # redact() works one record at a time
                    by_record.setdefault(int(f["record_id"]), []).append(int(f["id"]))
                for ids in by_record.values():
                    pii_review.redact(store, ids, actor)
                detail = {"records": len(by_record)}
            else:
                status, confirmed = {"dismiss": ("dismissed", False),
                                     "confirm": ("open", True),
                                     "reopen": ("open", False),
                                     "resolve": ("resolved", None)}[action]
                before = finding_store.set_status(store, list(finding_ids), status, actor,
                                                  confirmed)
                detail = {"status": status, "changed": sum(
                    1 for fid, old in before.items()
                    if (old[0], old[3]) != (status, old[3] if confirmed is None
                                            else confirmed))}
        report = {"action": action, "findings": list(finding_ids), **detail}
        if as_json:
            emit(report)
            return
        click.echo(f"{action.capitalize()}: {plural(len(finding_ids), 'finding')}.")

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.argument("key", metavar="RECORD")
    @click.option("--field", required=True, help="The label field to decide.")
    @click.option("--value", help="The final value (JSON for lists and numbers, else text).")
    @click.option("--clear", is_flag=True, help="Withdraw the decision instead.")
    @click.option("--note", default="", help="Why (kept in the audit trail).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @reports_errors
    def adjudicate(project: str, key: str, field: str, value: str | None, clear: bool,
                   note: str, as_json: bool) -> None:
        """Decide RECORD's final label for FIELD (you must be an adjudicator).

        On a pairwise field, deciding that the record's rejected answer is better swaps
        chosen and rejected (a new revision).
        """
        from curator.core import operations
        from curator.core.labeling import labels

        if clear == (value is not None):
            raise click.UsageError("Give either --value or --clear.")
        actor = actor_name()
        swapped = None
        with open_store(project) as store:
            record_id = record_ids(store, (key,))[key]
            if clear:
                changed = labels.clear_adjudication(store, record_id, field, actor)
            else:
                decision = operations.decide_label(store, record_id, field,
                                                   _parse_value(value), actor, note)
                changed, swapped = decision.changed, decision.swapped
            final = labels.final_label(store, record_id, field)
        report = {"record": key, "field": field, "changed": changed, "final": final,
                  "adjudicator": actor, "swapped": swapped is not None}
        if as_json:
            emit(report)
            return
        click.echo(f"{key}: {field} = {json.dumps(final, ensure_ascii=False)}"
                   + ("" if changed else " (unchanged)")
                   + ("; chosen and rejected swapped" if swapped is not None else ""))

    @cli.group()
    def batch() -> None:
        """Batches of records assigned to annotators."""

    @batch.command("create")
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.argument("name")
    @click.option("--annotator", "people", multiple=True, required=True,
                  help="Who labels it (repeatable).")
    @click.option("--overlap", type=click.IntRange(min=1), default=1, show_default=True,
                  help="How many annotators label each record.")
    @click.option("--pilot", is_flag=True, help="Everyone labels every record.")
    @click.option("--open", "not_blind", is_flag=True,
                  help="Annotators see each other's labels (batches are blind by default).")
    @click.option("--seed", type=int, default=0, show_default=True,
                  help="Seed of the assignment.")
    @click.option("--record", "keys", multiple=True, metavar="KEY",
                  help="Only these records (repeatable); default: the filter below.")
    @click.option("--review", type=click.Choice(list(REVIEW_CHOICES)),
                  help="Records with this review state.")
    @click.option("--kind", help="Records with an open finding of this kind.")
    @click.option("--limit", type=click.IntRange(min=1), help="At most this many records.")
    @click.option("--json", "as_json", is_flag=True, help="Print the batch as JSON.")
    @reports_errors
    def batch_create(project: str, name: str, people: tuple[str, ...], overlap: int,
                     pilot: bool, not_blind: bool, seed: int, keys: tuple[str, ...],
                     review: str | None, kind: str | None, limit: int | None,
                     as_json: bool) -> None:
        """Assign records to annotators as batch NAME (as Labels → Batches does)."""
        from curator.core.labeling.assignment import create_batch
        from curator.core.store.browse import RecordFilter, query_ids

        with open_store(project) as store:
            if keys:
                ids = list(record_ids(store, keys).values())
            else:
                flt = RecordFilter(review=REVIEW_CHOICES[review] if review else None,
                                   kind=kind, invalid=False)
                ids = list(query_ids(store, flt))
            if limit is not None:
                ids = ids[:limit]
            made = create_batch(store, name, ids, list(people), overlap=overlap, pilot=pilot,
                                blind=not not_blind, seed=seed, actor=actor_name())
        report = {"name": made.name, "records": made.records, "annotators": list(people),
                  "overlap": made.overlap, "pilot": made.pilot, "blind": made.blind}
        if as_json:
            emit(report)
            return
        click.echo(f'Batch "{made.name}": {plural(made.records, "record")} for '
                   f"{', '.join(people)}, each labelled by {made.overlap}"
                   + (" (pilot)" if made.pilot else "") + (", blind." if made.blind else "."))

    @batch.command("list")
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help="Print the batches as JSON.")
    @reports_errors
    def batch_list(project: str, as_json: bool) -> None:
        """The batches of PROJECT."""
        from curator.core.labeling.assignment import batches

        with open_store(project) as store:
            found = [{"name": b.name, "records": b.records, "overlap": b.overlap,
                      "pilot": b.pilot, "blind": b.blind} for b in batches(store)]
        if as_json:
            emit(found)
            return
        for b in found:
            click.echo(f"{b['name']}\t{plural(b['records'], 'record')}\toverlap {b['overlap']}"
                       + ("\tpilot" if b["pilot"] else "") + ("\tblind" if b["blind"] else ""))


def _label_error_action(store: Any, action: str, chosen: list[dict[str, Any]],
                        actor: str) -> dict[str, Any]:
    """``curator finding accept|send``: the label-error queue's actions, all or nothing."""
    from curator.core.checks import label_review

    wrong = [f["id"] for f in chosen if f["kind"] != "label_error"]
    if wrong:
        raise CuratorError(f"Only likely label errors can be {action}ed; not "
                           f"{', '.join(map(str, wrong))}. Nothing was changed.")
    with store.atomic():
        if action == "accept":
            done = [label_review.accept_suggestion(store, int(f["id"]), actor) for f in chosen]
            return {"accepted": [{"record": f["record"], "field": a.field, "value": a.value}
                                 for f, a in zip(chosen, done, strict=True)]}
        for f in chosen:
            label_review.send_to_adjudication(store, int(f["id"]), actor)
        return {"sent": [{"record": f["record"], "field": f["detail"].get("field")}
                         for f in chosen]}


def register_similar(cli: click.Group, open_store: Any, reports_errors: Any, emit: Any,
                     drive: Any) -> None:
    """Add ``curator similar`` (find similar) to ``cli``."""

    @cli.command()
    @click.argument("project", type=click.Path(exists=True, dir_okay=False))
    @click.argument("key", metavar="RECORD")
    @click.option("--by", type=click.Choice(["input", "answer"]), default="input",
                  show_default=True, help="Compare the records' inputs or their answers.")
    @click.option("-k", "--top", "k", type=click.IntRange(min=1), default=10,
                  show_default=True, help="How many similar records.")
    @click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
    @reports_errors
    def similar(project: str, key: str, by: str, k: int, as_json: bool) -> None:
        """RECORD's nearest records by input (or answer), most similar first.

        Uses the sentence vectors the project caches (a scan for duplicates or label
        errors fills the cache; texts not cached yet are embedded now).
        """
        from curator.core.checks.similar import similar_records_job

        with open_store(project) as store:
            record_id = record_ids(store, (key,))[key]
            found = drive(similar_records_job(store, record_id, by, k))
        report = {"record": key, "by": by, "similar": [n.as_json() for n in found]}
        if as_json:
            emit(report)
            return
        for n in found:
            text = n.input if by == "input" else n.answer
            click.echo(f"{n.similarity:6.3f}  {n.key}\t{text}")
        if not found:
            click.echo("No other records to compare.")


def _record_item(row: dict[str, Any]) -> dict[str, Any]:
    """A table row in the ``records --json`` shape."""
    return {"record": row["key"], "id": row["id"], "source": row["source"],
            "review": row["review"], "valid": row["valid"], "tokens": row["tokens"],
            "preview": row["first_user"], "findings": row["findings"],
            "labels": row.get("labels")}


def _parse_value(text: str | None) -> Any:
    """A label value typed on the command line: JSON when it parses, else the text."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text

