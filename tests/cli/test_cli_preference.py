"""curator import / scan / export on preference pairs (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import cli

DATA = Path(__file__).resolve().parents[1] / "data"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.mark.parametrize("fmt, keys", [
    ("openai", {"input", "preferred_output", "non_preferred_output"}),
    ("trl", {"prompt", "chosen", "rejected"}),
    ("sharegpt", {"id", "conversations", "chosen", "rejected"}),
])
def test_import_scan_export_pairs(tmp_path: Path, fmt: str, keys: set[str]) -> None:
    project = str(tmp_path / "p.curator")
    code, out = run("import", project, str(DATA / "openai_dpo_example.jsonl"), "--json")
    assert code == 0
    source = json.loads(out)["sources"][0]
    assert source["formats"] == {"preference": 50}
    assert source["preference_shapes"] == {"openai": 50}
    code, out = run("scan", project, "--only", "schema", "--json")
    assert code == 0 and json.loads(out)["codes"] == {"few_examples": 1}
    code, out = run("export", project, str(tmp_path / "out"), "--format", fmt,
                    "--pii", "keep", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert sum(report["counts"].values()) == 50 and report["format"] == fmt
    lines = [json.loads(line) for name in ("train", "validation")
             for line in (tmp_path / "out" / f"{name}.jsonl").read_text().splitlines()]
    assert len(lines) == 50 and all(set(line) == keys for line in lines)
    assert "preference pairs" in (tmp_path / "out" / "README.md").read_text()


def test_import_forced_preference_format(tmp_path: Path) -> None:
    project = str(tmp_path / "p.curator")
    code, out = run("import", project, str(DATA / "anthropic_hh_rlhf_harmless_test_300.jsonl"),
                    "--format", "preference", "--json")
    assert code == 0
    assert json.loads(out)["sources"][0]["preference_shapes"] == {"hh": 300}
