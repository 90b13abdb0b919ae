"""Benchmark: `curator import` against `sqlite-utils insert --nl` on the same file.

    python bench/bench_import.py [--count 100000] [--repeat 3]

Both run as fresh processes on a fresh database, in the same run, alternating; the best
time of each is kept. Curator validates, normalises, hashes and keeps the raw bytes;
sqlite-utils only parses and inserts. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write  # noqa: E402


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    sqlite_utils = shutil.which("sqlite-utils", path=str(bindir)) or "sqlite-utils"
    with tempfile.TemporaryDirectory() as tmp:
        data = write(Path(tmp) / "chats.jsonl", args.count)
        curator_times, baseline_times = [], []
        for run in range(args.repeat):
            db = Path(tmp) / f"baseline{run}.db"
            baseline_times.append(timed([sqlite_utils, "insert", str(db), "records",
                                         str(data), "--nl"]))
            project = Path(tmp) / f"run{run}.curator"
            curator_times.append(timed([sys.executable, "-m", "curator", "import",
                                        str(project), str(data)]))
        size = data.stat().st_size
        result = {
            "records": args.count,
            "file_mb": round(size / 1e6, 1),
            "curator_import_s": round(min(curator_times), 2),
            "sqlite_utils_insert_s": round(min(baseline_times), 2),
            "ratio": round(min(curator_times) / min(baseline_times), 2),
            "curator_mb_per_s": round(size / 1e6 / min(curator_times), 1),
            "project_mb": round((Path(tmp) / "run0.curator").stat().st_size / 1e6, 1),
            "baseline_db_mb": round((Path(tmp) / "baseline0.db").stat().st_size / 1e6, 1),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
