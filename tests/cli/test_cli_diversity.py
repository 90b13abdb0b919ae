"""``curator diversity``: the diversity report with its duplicate groups by size."""

from __future__ import annotations

import json
from pathlib import Path

from curator.core.checks import similarity as sim
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from tests.cli.test_cli import run
from tests.fakes import TableEmbedder


def conv(key: str, user: str, answer: str) -> str:
    return json.dumps({"id": key, "messages": [{"role": "user", "content": user},
                                               {"role": "assistant", "content": answer}]})


def test_diversity_prints_the_group_size_distribution(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    lines = [conv(f"pw{i}", "How do I reset my password?", "Use the reset link.")
             for i in range(3)]
    lines += [conv("r1", "Can I get a refund?", "Yes, within 30 days."),
              conv("r2", "Can I get my refund?", "Yes, within 30 days of delivery."),
              conv("x", "Where is my parcel?", "It left yesterday.")]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = tmp_path / "p.curator"
    with Store.open(project, create=True) as store:
        run_job(import_files(store, [data]))
        run_job(sim.similarity_scan(store, TableEmbedder({"refund": 0, "within 30": 1})))

    code, out, _ = run("diversity", str(project), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["records"] == 6
    assert report["clusters"]["sizes"] == {"2": 1, "3": 1}
    assert (report["clusters"]["exact"], report["clusters"]["near"]) == (1, 1)
    assert report["duplicate_share"] == round(5 / 6, 4)

    code, out, _ = run("diversity", str(project))
    assert code == 0
    assert "6 examples, 4 distinct questions; 83.3% in duplicate groups (1 exact, 1 near)" \
        in out
    assert "Duplicate groups by size (examples in the group: groups):\n" \
           "       2: 1\n       3: 1\n" in out


def test_diversity_before_a_scan_says_what_to_run(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(conv("a", "Hi", "Hello") + "\n", encoding="utf-8")
    project = tmp_path / "p.curator"
    with Store.open(project, create=True) as store:
        run_job(import_files(store, [data]))
    code, out, _ = run("diversity", str(project))
    assert code == 0 and "No duplicate groups (run `curator scan --only duplicates`" in out
