"""The command line contract: names, --json keys, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    assert doc["findings"]["pii"] > 5  # without a window the demo scans for PII too


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


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs `unshare -rn` (a new network namespace)")
def test_pii_scan_with_the_network_removed(tmp_path: Path) -> None:
    """The whole PII path in a process that has no network at all (no hub flags set)."""
    data = tmp_path / "pii.jsonl"
    data.write_text(json.dumps({"messages": [
        {"role": "user", "content": "I am Maria Lopez, mail me at maria.lopez@example.com"},
        {"role": "assistant", "content": "Thanks Maria, noted."}]}) + "\n")
    project = tmp_path / "p.curator"
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])

    def curator(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["unshare", "-rn", sys.executable, "-c",
             "import sys; from curator.cli import main; sys.exit(main())", *args],
            capture_output=True, text=True, env=env, timeout=600)

    assert curator("import", str(project), str(data)).returncode == 0
    scanned = curator("scan", str(project), "--only", "pii", "--json")
    assert scanned.returncode == 0, scanned.stderr
    assert json.loads(scanned.stdout)["pii"]["model"].startswith("en_core_web_sm")
    found = curator("findings", str(project), "--kind", "pii", "--json")
    spans = {(f["code"], f["text"]) for f in json.loads(found.stdout)}
    assert ("EMAIL_ADDRESS", "maria.lopez@example.com") in spans
    assert ("PERSON", "Maria Lopez") in spans


def test_labels_agreement_and_export_commands(tmp_path: Path) -> None:
    """labels import/export, agreement --json and export --check/--json per the contract."""
    data = tmp_path / "chats.jsonl"
    lines = [json.dumps({"id": f"r{i}", "messages": [
        {"role": "user", "content": f"Question number {i}?"},
        {"role": "assistant", "content": f"Answer number {i}."}]}) for i in range(30)]
    data.write_text("\n".join(lines) + "\n")
    project = str(tmp_path / "p.curator")
    assert run("import", project, str(data))[0] == 0
    labels = tmp_path / "labels.csv"
    rows = ["record,annotator,field,value"]
    for i in range(10):
        rows.append(f"r{i},ann,topic,{'a' if i % 2 else 'b'}")
        rows.append(f"r{i},bob,topic,{'a' if i % 2 or i == 4 else 'b'}")
    rows.append("r99,ann,topic,a")
    labels.write_text("\n".join(rows) + "\n")
    code, out, err = run("labels", "import", project, str(labels), "--json")
    report = json.loads(out)
    # The row naming r99 is rejected, so the command exits 1; the other rows are in.
    assert code == 1 and report["labels_set"] == 20 and report["unknown_records"] == ["r99"]
    code, out, _ = run("agreement", project, "--field", "topic", "--json")
    doc = json.loads(out)
    keys = {"field", "level", "items", "annotators", "percent_agreement", "cohen_kappa",
            "cohen_pairs", "fleiss_kappa", "krippendorff_alpha"}
    assert code == 0 and keys <= set(doc)
    assert doc["items"] == 10 and doc["annotators"] == 2 and doc["percent_agreement"] == 0.9
    assert doc["cohen_pairs"][0]["a"] == "ann" and doc["cohen_pairs"][0]["b"] == "bob"
    code, out, _ = run("agreement", project, "--field", "nope")
    assert code == 1
    back = tmp_path / "back.jsonl"
    assert run("labels", "export", project, str(back))[0] == 0
    assert len(back.read_text().splitlines()) == 20
    code, out, _ = run("export", project, str(tmp_path / "out"), "--check", "--json")
    check = json.loads(out)
    assert code == 0 and not (tmp_path / "out").exists()
    assert {item["id"] for item in check["readiness"]} >= {"eval_holdout", "pii", "size"}
    agreement_item = next(i for i in check["readiness"] if i["id"] == "agreement")
    assert "topic.krippendorff_alpha" in agreement_item["detail"]
    code, out, _ = run("export", project, str(tmp_path / "out"), "--eval-fraction", "0.1",
                       "--json")
    assert code == 0
    exported = json.loads(out)
    assert {"dataset_hash", "counts", "files", "excluded"} <= set(exported)
    assert sum(exported["counts"].values()) == 30 and exported["counts"]["eval"] == 3
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["dataset_hash"] == exported["dataset_hash"]
    code, out, _ = run("export", project, str(tmp_path / "again"), "--from-manifest",
                       str(tmp_path / "out" / "manifest.json"), "--json")
    assert code == 0 and json.loads(out)["dataset_hash"] == exported["dataset_hash"]


def test_scan_duplicates_and_contradictions_json_has_related(tmp_path: Path) -> None:
    """The real embedding model, offline: related keys on duplicate and contradiction."""
    def line(key: str, user: str, answer: str) -> str:
        return json.dumps({"id": key, "messages": [
            {"role": "user", "content": user}, {"role": "assistant", "content": answer}]})

    data = tmp_path / "d.jsonl"
    data.write_text("\n".join([
        line("a", "How do I reset my password?", "Use the reset link on the sign-in page."),
        line("b", "How do I reset my password?", "Use the reset link on the sign-in page."),
        line("c", "I can't log in to my account.", "Reset your password from the sign-in page."),
        line("d", "I can't log in to my account.", "Your invoice is under Billing, Invoices."),
        line("e", "What are your opening hours?", "We are open 9 to 5 on weekdays."),
    ]) + "\n")
    project = str(tmp_path / "p.curator")
    assert run("import", project, str(data))[0] == 0
    code, out, _ = run("scan", project, "--only", "duplicates,contradictions", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["findings"]["duplicate"] == 2 and doc["findings"]["contradiction"] == 2
    code, out, _ = run("findings", project, "--kind", "contradiction", "--json")
    related = {item["record"]: item["related"] for item in json.loads(out)}
    assert related == {"c": ["d"], "d": ["c"]}
    code, out, _ = run("findings", project, "--kind", "duplicate", "--json")
    assert {item["record"]: item["related"] for item in json.loads(out)} == {
        "a": ["b"], "b": ["a"]}


def test_settings_command_checks_and_stores(tmp_path: Path, data: Path) -> None:
    project = str(tmp_path / "p.curator")
    run("import", project, str(data))
    code, out, _ = run("settings", project, "pii", '{"threshold": 0.6, "model": null}')
    assert code == 0 and json.loads(out)["threshold"] == 0.6
    assert json.loads(run("settings", project)[1])["pii"]["model"] is None
    code, _, err = run("settings", project, "pii", '{"threshold": 2}')
    assert code == 1 and "threshold" in err
    code, _, err = run("settings", project, "colour", '"red"')
    assert code == 1 and "Unknown setting" in err
    code, out, _ = run("settings", project, "profile", '"bedrock"')
    assert code == 0 and json.loads(out) == "bedrock"


def test_pack_export_import_status(tmp_path: Path) -> None:
    from curator.core.demo import build_demo
    from curator.core.jobs import run_job
    from curator.core.labeling.labels import set_label
    from curator.core.store import Store

    project, _ = build_demo(tmp_path / "demo.curator", run_job, kinds=("schema",))
    pack = tmp_path / "alice.curatorpack"
    code, out, _ = run("pack", "export", str(project), str(pack), "--annotator", "alice",
                       "--batch", "pilot", "--json")
    assert code == 0
    doc = json.loads(out)
    assert {"pack", "annotator", "batch", "records", "labels", "digest"} <= set(doc)
    assert (doc["annotator"], doc["batch"]) == ("alice", "pilot") and doc["records"] > 0
    code, _, err = run("pack", "export", str(project), str(pack), "--annotator", "alice")
    assert code == 1 and "already exists" in err and "Traceback" not in err
    with Store.open(pack) as store:
        record = store.db.execute("SELECT MIN(id) FROM records").fetchone()[0]
        set_label(store, record, "helpfulness", "alice", 1)
    code, out, _ = run("pack", "import", str(project), str(pack), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["merged"] >= 1 and doc["annotator"] == "alice"
    code, out, _ = run("pack", "import", str(project), str(pack), "--json")
    assert json.loads(out)["merged"] == 0
    code, out, _ = run("pack", "status", str(project), "--json")
    [status] = json.loads(out)["packs"]
    assert (status["annotator"], status["status"]) == ("alice", "merged")
    before = project.read_bytes()
    code, _, err = run("pack", "import", str(project), str(project))
    assert code == 1 and err.startswith("Error: ") and "not an annotation pack" in err
    assert project.read_bytes() == before
