"""Benchmark: `export` of 100,000 records against plain `json.dumps` lines.

    python bench/bench_export.py [--count 100000] [--repeat 3] [--pii redact|keep]

Both read the same records from the same project. The baseline reads each valid
record's conversation, parses it and writes it back with ``json.dumps``, one file:
the least any export must do. Curator's export also selects (filters, exact dedup),
groups and splits, runs the OpenAI chat checks on every line, hashes and fsyncs the
files, writes the manifest and dataset card, and records the export. Also times
``plan_export`` (the dialog's live counts). Best of ``--repeat``; prints one JSON document.

With ``--pii redact`` (the default, as an export's) the first run analyses every
distinct string written and fills the project's PII cache, so the best run is an export
whose texts were checked before (as after a scan); ``--pii keep`` times the export
without the PII analyzer.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from generate import write  # noqa: E402

from curator.core.export import ExportOptions, export, plan_export  # noqa: E402
from curator.core.ingest.importer import import_files  # noqa: E402
from curator.core.jobs import run_job  # noqa: E402
from curator.core.store import Store  # noqa: E402
from curator.core.store.store import CONVERSATION  # noqa: E402


def baseline(store: Store, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for (text,) in store.db.execute(
                f"SELECT {CONVERSATION} FROM records WHERE valid ORDER BY id"):
            out.write(json.dumps(json.loads(text), ensure_ascii=False) + "\n")


def best(times: list[float]) -> float:
    return round(min(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pii", choices=("redact", "keep"), default="redact")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = write(root / "chats.jsonl", args.count)
        with Store.open(root / "bench.curator", create=True) as store:
            run_job(import_files(store, [data]))
            options = ExportOptions(eval_fraction=0.05, pii=args.pii)
            export_times, baseline_times, plan_times = [], [], []
            for run in range(args.repeat):
                start = time.perf_counter()
                baseline(store, root / f"baseline{run}.jsonl")
                baseline_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                report = run_job(export(store, root / f"export{run}", options))
                export_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                plan = plan_export(store, options)
                plan_times.append(time.perf_counter() - start)
                shutil.rmtree(root / f"export{run}")
            result = {
                "records": args.count,
                "pii": args.pii,
                "export_s": best(export_times),
                "json_dumps_baseline_s": best(baseline_times),
                "ratio": round(min(export_times) / min(baseline_times), 2),
                "plan_export_s": best(plan_times),
                "counts": report.counts,
                "plan_counts": plan.counts,
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
