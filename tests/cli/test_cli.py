"""The command line contract: names, --json keys, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import cli

GOOD = '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}'


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text(GOOD + "\n" + "{not json\n" + GOOD.replace("Hi", "Hello") + "\n")
    return path


def test_every_command_has_help() -> None:
    for name, command in cli.commands.items():
        assert command.help, name
        code, out, _ = run(name, "--help")
        assert code == 0 and "Usage" in out


def test_version() -> None:
    from curator import __version__
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_import_json_has_the_contract_keys(tmp_path: Path, data: Path) -> None:
    code, out, _ = run("import", str(tmp_path / "p.curator"), str(data), "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["records"], doc["valid"], doc["invalid"]) == (3, 2, 1)
    (source,) = doc["sources"]
    assert {"name", "sha256", "records", "invalid"} <= set(source)
    assert (source["name"], source["records"], source["invalid"]) == ("data.jsonl", 3, 1)


def test_import_text_names_the_bad_line(tmp_path: Path, data: Path) -> None:
    code, out, _ = run("import", str(tmp_path / "p.curator"), str(data))
    assert code == 0
    assert "3 records (2 valid, 1 invalid" in out
    assert "Line 2" in out


def test_stats_json_has_the_contract_keys(tmp_path: Path, data: Path) -> None:
    project = str(tmp_path / "p.curator")
    run("import", project, str(data))
    code, out, _ = run("stats", project, "--json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["records"], doc["valid"], doc["invalid"], doc["reviewed"]) == (3, 2, 1, 0)
    assert isinstance(doc["findings"], dict)


def test_scan_then_findings_json(tmp_path: Path, data: Path) -> None:
    project = str(tmp_path / "p.curator")
    run("import", project, str(data))
    code, out, _ = run("scan", project, "--only", "schema", "--json")
    assert code == 0
    assert json.loads(out)["records"] == 3
    code, out, _ = run("findings", project, "--kind", "schema", "--json")
    items = json.loads(out)
    assert code == 0
    keys = {"record", "kind", "code", "severity", "message", "start", "end", "text", "status"}
    assert all(keys <= set(item) for item in items)
    invalid = [i for i in items if i["record"] == "data.jsonl:2"]
    assert invalid[0]["code"] == "invalid_json"
    code, out, _ = run("stats", project, "--json")
    assert json.loads(out)["findings"]["schema"] == len(items)


def test_not_a_project_is_one_line_and_exit_1(tmp_path: Path, data: Path) -> None:
    code, out, err = run("stats", str(data))
    assert code == 1
    assert err.count("\n") == 1 and "not a Curator project" in err
    assert "Traceback" not in err


def test_file_that_cannot_be_imported_exits_1(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    code, _, err = run("import", str(tmp_path / "p.curator"), str(empty))
    assert code == 1 and "is empty" in err


def test_usage_error_exits_2(tmp_path: Path) -> None:
    code, _, _ = run("import", str(tmp_path / "p.curator"))
    assert code == 2
    code, _, _ = run("scan", str(tmp_path / "missing.curator"))
    assert code == 2


def test_unknown_check_is_a_user_error(tmp_path: Path, data: Path) -> None:
    project = str(tmp_path / "p.curator")
    run("import", project, str(data))
    code, _, err = run("scan", project, "--only", "telepathy")
    assert code == 1 and "Unknown check telepathy" in err


def test_demo_builds_and_checks_the_sample_project(tmp_path: Path) -> None:
    project = tmp_path / "demo.curator"
    code, out, _ = run("demo", "--project", str(project), "--no-gui")
    assert code == 0
    assert project.exists()
    assert "Demo project" in out and "open findings" in out
    code, out, _ = run("stats", str(project), "--json")
    doc = json.loads(out)
    assert doc["invalid"] == 2 and doc["findings"]["schema"] > 5


def test_gui_without_a_display_says_so(monkeypatch, tmp_path: Path) -> None:
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run("gui")
    assert code == 1 and "No display was found" in err


def test_demo_without_a_display_prints_its_findings(monkeypatch, tmp_path: Path) -> None:
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run("demo", "--project", str(tmp_path / "d.curator"))
    assert code == 0
    assert "No display was found" in err and "acme-bad-3" in out
