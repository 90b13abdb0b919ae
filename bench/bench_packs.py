"""Annotation-pack benchmark: hand out and merge back a pack of 10,000 records (< 5 s each).

    python bench/bench_packs.py [--records 10000] [--repeat 3] [--json PATH]

A project of ``--records`` generated conversations (bench/generate.py) with the demo's
two label fields gets one batch assigning every record to "alice". Timed, best of
``--repeat``:

* ``export``: :func:`export_pack` (copy records, schema, guidelines, assignment into a
  new pack file, digest, fsync, record the pack), against a **baseline** measured in the
  same run: the same records copied with one ``INSERT ... SELECT`` into an empty SQLite
  file (the least any pack writer does).
* ``import``: :func:`import_pack` of the pack with every record labelled on both fields
  (copy, every check, merge with provenance events), against a **baseline**: the same
  label rows written with one ``executemany`` into the labels table.
* ``reimport``: importing the same pack again (nothing changes: the idempotent path).

Prints one JSON document; ``--json`` also writes it to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402
from curator.core.ingest import import_files  # noqa: E402
from curator.core.jobs import run_job  # noqa: E402
from curator.core.labeling.assignment import add_annotator, create_batch  # noqa: E402
from curator.core.labeling.packs import export_pack, import_pack  # noqa: E402
from curator.core.labeling.schema import add_field, set_guidelines  # noqa: E402
from curator.core.store import Store  # noqa: E402
from curator.core.store.store import now  # noqa: E402

INTENTS = ["account", "billing", "product", "technical", "other"]


def build(folder: Path, records: int) -> Path:
    data = generate.write(folder / "data.jsonl", records, seed=7)
    path = folder / "coord.curator"
    with Store.open(path, create=True) as store:
        run_job(import_files(store, [data]))
        add_field(store, "intent", "single", options=INTENTS)
        add_field(store, "helpfulness", "rating", scale=5)
        set_guidelines(store, "# Guidelines\n\nLabel what the customer wants.")
        add_annotator(store, "alice")
        ids = [r for (r,) in store.db.execute("SELECT id FROM records WHERE valid")]
        create_batch(store, "all", ids, ["alice"])
    return path


def label_everything(pack: Path) -> int:
    """Alice's work, written straight into the pack (not what is timed)."""
    db = sqlite3.connect(pack)
    with db:
        alice = db.execute("SELECT id FROM annotators WHERE name = 'alice'").fetchone()[0]
        ids = [r for (r,) in db.execute("SELECT id FROM records ORDER BY id")]
        stamp = now()
        db.executemany(
            "INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at, origin) "
            "VALUES (?, ?, ?, ?, ?, 'gui')",
            [row for i, r in enumerate(ids) for row in (
                (r, 1, alice, json.dumps(INTENTS[i % 5]), stamp),
                (r, 2, alice, str(1 + i % 5), stamp))])
    db.close()
    return 2 * len(ids)


def baseline_copy(project: Path, target: Path) -> float:
    start = time.perf_counter()
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("ATTACH DATABASE ? AS src", (str(project),))
    db.execute("CREATE TABLE records AS SELECT * FROM src.records")
    db.execute("DETACH DATABASE src")
    db.close()
    return time.perf_counter() - start


def baseline_labels(project: Path, pack: Path) -> float:
    rows = sqlite3.connect(pack).execute(
        "SELECT record_id, field_id, annotator_id, value, updated_at FROM labels").fetchall()
    copy = project.with_name("baseline.curator")
    shutil.copyfile(project, copy)
    db = sqlite3.connect(copy, isolation_level=None)
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at) "
                   "VALUES (?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    copy.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {"records": args.records, "cpus": os.cpu_count(),
                              "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        project = build(folder, args.records)
        result["setup_s"] = round(time.perf_counter() - start, 2)
        exports, baselines = [], []
        pack = folder / "alice.curatorpack"
        for n in range(args.repeat):
            baselines.append(baseline_copy(project, folder / f"baseline{n}.sqlite"))
            with Store.open(project) as store:
                start = time.perf_counter()
                report = run_job(export_pack(store, pack, "alice", overwrite=True))
                exports.append(time.perf_counter() - start)
        result["export"] = {"seconds": round(min(exports), 3),
                            "baseline_s": round(min(baselines), 3),
                            "ratio": round(min(exports) / min(baselines), 2),
                            "runs": [round(x, 3) for x in exports],
                            "pack_bytes": pack.stat().st_size, "records": report.records}
        labels = label_everything(pack)
        imports, again, base = [], [], []
        for _ in range(args.repeat):
            base.append(baseline_labels(project, pack))
            copy = folder / "coord-copy.curator"
            shutil.copyfile(project, copy)
            with Store.open(copy) as store:
                start = time.perf_counter()
                merged = run_job(import_pack(store, pack))
                imports.append(time.perf_counter() - start)
                start = time.perf_counter()
                repeat = run_job(import_pack(store, pack))
                again.append(time.perf_counter() - start)
            assert merged.merged == labels and repeat.merged == 0, (merged, repeat)
            copy.unlink()
        result["import"] = {"seconds": round(min(imports), 3),
                            "baseline_s": round(min(base), 3),
                            "ratio": round(min(imports) / min(base), 2),
                            "runs": [round(x, 3) for x in imports], "labels": labels}
        result["reimport"] = {"seconds": round(min(again), 3), "merged": 0}
    result["load_average_end"] = os.getloadavg()
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
