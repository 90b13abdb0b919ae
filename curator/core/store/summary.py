"""Everything the dashboard draws, in one call made of a few aggregate queries.

Nothing here loops over records in Python: counts, groupings and the token histogram
are all computed by SQLite, so a million-record project summarises in well under a
second or two. The result is plain data (ints, strings, lists, dicts) that a GUI
thread can take from a worker thread without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from curator.core.store.store import Store

REVIEW_STATES = ("unreviewed", "accepted", "rejected", "needs-edit")
SEVERITIES = ("error", "warning", "info")  # most to least severe
TOP_CODES = 15
HISTOGRAM_BUCKETS = 20

# Severity rank for MIN() in SQL: the most severe severity of a code wins.
_SEVERITY_RANK = (
    "CASE severity " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SEVERITIES))
    + f" ELSE {len(SEVERITIES)} END"
)


def nice_widths() -> Iterator[int]:
    """Round bucket widths, ascending: 1, 2, 3, 4, 5, 6, 8, 10, 20, 25, 30, 40, ..."""
    scale = 1
    while True:
        for step in (1, 2, 2.5, 3, 4, 5, 6, 8):
            width = step * scale
            if width == int(width):
                yield int(width)
        scale *= 10


def histogram_edges(lo: int, hi: int, buckets: int = HISTOGRAM_BUCKETS) -> list[int]:
    """Rounded, equal-width bucket edges covering ``lo..hi`` (inclusive).

    The narrowest round width that needs at most ``buckets + 2`` buckets, starting at
    a multiple of the width: about ``buckets`` buckets (16 to 22 once the range is
    wide enough). Bucket ``i`` holds counts ``edges[i] <= n < edges[i + 1]``.
    """
    if hi < lo:
        lo, hi = hi, lo
    for width in nice_widths():
        start = (lo // width) * width
        n = hi // width - start // width + 1
        if n <= buckets + 2:
            return [start + i * width for i in range(n + 1)]
    raise AssertionError("unreachable")


def _token_histogram(store: Store, counted: int, lo: int | None,
                     hi: int | None) -> dict[str, Any]:
    """Equal-width buckets from the minimum; a long tail goes in one last open bucket.

    Token lengths are skewed: a handful of huge records would squash everything else
    into the first bar. When the maximum is more than twice the 99th percentile the
    regular buckets stop at the percentile and a final ``edges[-2]..max`` bucket
    (``open_ended``) holds the rest.
    """
    if not counted or lo is None or hi is None:
        return {"edges": [], "counts": [], "min": lo, "max": hi, "counted": counted,
                "open_ended": False}
    lo, hi = int(lo), int(hi)
    top = hi
    tail = counted // 100  # records above the 99th percentile
    if tail:
        # ORDER BY ... LIMIT keeps a heap of tail + 1 values: no full sort.
        p99 = store.db.execute(
            "SELECT tokens FROM records WHERE tokens IS NOT NULL "
            "ORDER BY tokens DESC LIMIT 1 OFFSET ?", (tail,)).fetchone()[0]
        if hi > 2 * p99:
            top = int(p99)
    edges = histogram_edges(lo, top)
    open_ended = top < hi
    if open_ended:
        edges.append(hi + 1)
    start, width, n = edges[0], edges[1] - edges[0], len(edges) - 1
    counts = [0] * n
    rows = store.db.execute(
        "SELECT MIN((tokens - ?) / ?, ?) AS bucket, COUNT(*) FROM records "
        "WHERE tokens IS NOT NULL GROUP BY bucket",
        (start, width, n - 1),
    )
    for bucket, count in rows:
        counts[max(0, int(bucket))] += count
    return {"edges": edges, "counts": counts, "min": lo, "max": hi, "counted": counted,
            "open_ended": open_ended}


def dashboard_data(store: Store) -> dict[str, Any]:
    """One summary of a project for the dashboard.

    Keys:

    - ``records``, ``valid``, ``invalid``: record counts.
    - ``review``: count per review state (all four states, zeros included);
      ``reviewed``: records not ``unreviewed``.
    - ``open_findings``: open findings of every kind, including project-wide ones;
      ``findings_by_kind``: ``{kind: open count}``, largest first.
    - ``top_codes``: up to 15 ``{"kind", "code", "severity", "count"}`` dicts, the
      most frequent open (kind, code) pairs first; ``severity`` is the most severe one
      seen for that code. ``codes``: how many distinct open (kind, code) pairs exist.
    - ``tokens``: ``{"edges", "counts", "min", "max", "counted", "open_ended"}``: a
      histogram of ``records.tokens``, bucket ``i`` counting
      ``edges[i] <= tokens < edges[i+1]``; equal widths except, when ``open_ended``,
      the last bucket, which runs to the maximum (a long tail). ``edges`` and
      ``counts`` are empty until a scan has counted tokens.
    - ``sources``: ``[{"id", "name", "records", "valid", "invalid"}]`` in import order.
    """
    db = store.db
    total, valid, counted, lo, hi = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(valid), 0), COUNT(tokens), MIN(tokens), MAX(tokens) "
        "FROM records"
    ).fetchone()
    # Grouped on indexed columns: read in index order, no sort.
    by_state = dict(db.execute("SELECT review, COUNT(*) FROM records GROUP BY review"))
    review = {state: by_state.get(state, 0) for state in REVIEW_STATES}
    by_source = {sid: (n, v or 0) for sid, n, v in db.execute(
        "SELECT source_id, COUNT(*), SUM(valid) FROM records GROUP BY source_id")}

    pairs = db.execute(
        f"SELECT kind, code, MIN({_SEVERITY_RANK}) AS rank, COUNT(*) AS n FROM findings "
        "WHERE status = 'open' GROUP BY kind, code ORDER BY n DESC, kind, code"
    ).fetchall()
    by_kind: dict[str, int] = {}
    for kind, _code, _rank, n in pairs:  # one row per distinct code, not per finding
        by_kind[kind] = by_kind.get(kind, 0) + n
    by_kind = dict(sorted(by_kind.items(), key=lambda item: (-item[1], item[0])))
    top_codes = [
        {"kind": kind, "code": code,
         "severity": SEVERITIES[rank] if rank < len(SEVERITIES) else "unknown",
         "count": n}
        for kind, code, rank, n in pairs[:TOP_CODES]
    ]

    tokens = _token_histogram(store, counted, lo, hi)

    sources = [
        {"id": sid, "name": name, "records": by_source.get(sid, (0, 0))[0],
         "valid": by_source.get(sid, (0, 0))[1],
         "invalid": by_source.get(sid, (0, 0))[0] - by_source.get(sid, (0, 0))[1]}
        for sid, name in db.execute("SELECT id, name FROM sources ORDER BY id")
    ]

    return {
        "records": total,
        "valid": valid,
        "invalid": total - valid,
        "review": review,
        "reviewed": total - review["unreviewed"],
        "open_findings": sum(by_kind.values()),
        "findings_by_kind": by_kind,
        "top_codes": top_codes,
        "codes": len(pairs),
        "tokens": tokens,
        "sources": sources,
    }
