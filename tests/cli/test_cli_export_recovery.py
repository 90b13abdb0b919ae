"""The command line cleans up after a killed export when it opens the project."""

from __future__ import annotations

import json
from pathlib import Path

from curator.core.export import history
from curator.core.export.job import pending_exports
from curator.core.store import Store
from tests.cli.test_cli import run
from tests.core.test_export_recovery import conv, killed_export


def test_any_command_records_an_export_killed_after_publishing(store: Store, write,  # type: ignore[no-untyped-def]
                                                               do_import,
                                                               tmp_path: Path) -> None:
    do_import(write("data.jsonl", "\n".join(json.dumps(conv(i)) for i in range(20)) + "\n"))
    out = tmp_path / "out"
    killed_export(store, out, "after")
    assert history(store) == []
    code, stdout, stderr = run("stats", str(store.path), "--json")
    assert code == 0
    assert json.loads(stdout)["records"] == 20            # stdout stays one JSON document
    assert "Recorded the export to" in stderr and str(out) in stderr
    assert [h["outdir"] for h in history(store)] == [str(out)]
    assert pending_exports(store) == {}
    code, _, stderr = run("stats", str(store.path), "--json")
    assert code == 0 and "Note:" not in stderr            # said once
