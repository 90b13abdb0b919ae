"""Export: filters, splits, redaction, formats, manifest, atomic output."""

from __future__ import annotations

import errno
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from curator.core.checks.scan import scan
from curator.core.checks.schema import PROFILES, check_conversation
from curator.core.errors import CuratorError
from curator.core.export import (
    ExportOptions,
    export,
    export_from_manifest,
    final_labels,
    history,
    plan_export,
    preview,
    readiness,
    writers,
)
from curator.core.export.writers import file_sha256
from curator.core.jobs import run_job
from curator.core.model import FindingDraft
from curator.core.store import Store
from curator.core.store.review import save_revision, set_review
from curator.core.store.store import now


def conv(i: int, question: str | None = None) -> dict[str, Any]:
    return {"id": f"r{i:03d}", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": question or f"Question number {i}?"},
        {"role": "assistant", "content": f"Answer number {i}."}]}


@pytest.fixture
def project(store: Store, write, do_import):  # type: ignore[no-untyped-def]
    """A project of 60 distinct, valid records, scanned."""
    lines = [json.dumps(conv(i)) for i in range(60)]
    do_import(write("data.jsonl", "\n".join(lines) + "\n"))
    run_job(scan(store))
    return store


def rid(store: Store, key: str) -> int:
    return int(store.db.execute("SELECT id FROM records WHERE key = ?", (key,)).fetchone()[0])


def do_export(store: Store, outdir: Path, **options: Any):  # type: ignore[no-untyped-def]
    return run_job(export(store, outdir, ExportOptions(**options), actor="tester"))


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def add_pii(store: Store, key: str, message: int, start: int, end: int, entity: str,
            text: str, status: str = "open", part: int | None = None) -> None:
    draft = FindingDraft(kind="pii", code=entity, severity="warning", description="pii",
                         message_index=message, start=start, end=end, text=text,
                         detail={"part": part} if part is not None else {})
    with store.atomic():
        store.add_findings([(rid(store, key), draft)], "curator.pii", "1")
        if status != "open":
            store.db.execute("UPDATE findings SET status = ? WHERE text = ?", (status, text))


def add_labels(store: Store, field: str, values: dict[int, list[str]],
               adjudicated: dict[int, str] | None = None) -> None:
    with store.atomic():
        store.db.execute("INSERT OR IGNORE INTO label_fields(name, kind, created_at) "
                         "VALUES (?, 'single', ?)", (field, now()))
        field_id = store.db.execute("SELECT id FROM label_fields WHERE name = ?",
                                    (field,)).fetchone()[0]
        for name in ("ann", "bob"):
            store.db.execute("INSERT OR IGNORE INTO annotators(name, created_at) "
                             "VALUES (?, ?)", (name, now()))
        ids = dict(store.db.execute("SELECT name, id FROM annotators"))
        for record_id, given in values.items():
            for name, value in zip(("ann", "bob"), given, strict=False):
                store.db.execute(
                    "INSERT INTO labels(record_id, field_id, annotator_id, value, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (record_id, field_id, ids[name], json.dumps(value), now()))
        for record_id, value in (adjudicated or {}).items():
            store.db.execute("INSERT INTO adjudications(record_id, field_id, value, "
                             "adjudicator, decided_at) VALUES (?, ?, ?, 'adj', ?)",
                             (record_id, field_id, json.dumps(value), now()))


def add_cluster(store: Store, kind: str, keys: list[str]) -> None:
    with store.atomic():
        cursor = store.db.execute("INSERT INTO clusters(kind, size, created_at) "
                                  "VALUES (?, ?, ?)", (kind, len(keys), now()))
        store.db.executemany("INSERT INTO cluster_members(cluster_id, record_id, similarity)"
                             " VALUES (?, ?, 0.95)",
                             [(cursor.lastrowid, rid(store, k)) for k in keys])


# -- determinism, manifest -------------------------------------------------------------------

def test_reexport_is_byte_identical(project: Store, tmp_path: Path) -> None:
    first = do_export(project, tmp_path / "a", eval_fraction=0.1, seed=7)
    second = do_export(project, tmp_path / "b", eval_fraction=0.1, seed=7)
    assert first.files == second.files
    assert first.dataset_hash == second.dataset_hash
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    a = json.loads((tmp_path / "a" / "manifest.json").read_text())
    b = json.loads((tmp_path / "b" / "manifest.json").read_text())
    differ = {k for k in a if a[k] != b[k]}
    assert differ <= {"created_at", "export_id", "readiness", "warnings_accepted"}


def test_another_seed_gives_other_splits(project: Store, tmp_path: Path) -> None:
    a = plan_export(project, ExportOptions(seed=1)).assignment
    b = plan_export(project, ExportOptions(seed=2)).assignment
    assert a != b


def test_manifest_hashes_match_files(project: Store, tmp_path: Path) -> None:
    report = do_export(project, tmp_path / "out", eval_fraction=0.2)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert set(manifest["files"]) == {"train.jsonl", "validation.jsonl", "eval.jsonl",
                                      "README.md"}
    for name, sha in manifest["files"].items():
        assert file_sha256(tmp_path / "out" / name) == sha
    assert manifest["dataset_hash"] == report.dataset_hash
    assert manifest["counts"] == report.counts == {"train": 42, "validation": 6, "eval": 12}
    assert manifest["sources"][0]["sha256"]
    assert manifest["options"]["seed"] == 0
    assert manifest["detectors"][0]["detector"] == "curator.schema"
    card = (tmp_path / "out" / "README.md").read_text()
    assert card.startswith("---\nconfigs:\n")
    assert "split: test" in card


def test_rerun_from_manifest_gives_identical_files(project: Store, tmp_path: Path) -> None:
    first = do_export(project, tmp_path / "a", eval_fraction=0.1, seed=3, pii="keep",
                      format="sharegpt")
    again = run_job(export_from_manifest(project, tmp_path / "a" / "manifest.json",
                                         tmp_path / "b"))
    assert again.matches_manifest
    assert again.files == first.files
    assert (tmp_path / "b" / "train.jsonl").read_bytes() == \
        (tmp_path / "a" / "train.jsonl").read_bytes()


def test_exports_are_recorded(project: Store, tmp_path: Path) -> None:
    report = do_export(project, tmp_path / "out")
    past = history(project)
    assert [p["id"] for p in past] == [report.export_id]
    assert past[0]["dataset_hash"] == report.dataset_hash
    stored = json.loads(project.db.execute("SELECT manifest FROM exports").fetchone()[0])
    assert stored["files"] == report.files


# -- splits ----------------------------------------------------------------------------------

def test_no_cluster_spans_two_splits(store: Store, write, do_import,  # type: ignore[no-untyped-def]
                                     tmp_path: Path) -> None:
    lines = [json.dumps(conv(i)) for i in range(100)]
    # Records 100..119 repeat the question of 0..19 with another answer: same input.
    lines += [json.dumps({"id": f"r{100 + i:03d}", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": f"Question number {i}?"},
        {"role": "assistant", "content": f"Another answer {i}."}]}) for i in range(20)]
    do_import(write("data.jsonl", "\n".join(lines) + "\n"))
    clusters = [[f"r{i:03d}" for i in range(s, s + 5)] for s in range(20, 80, 5)]
    for keys in clusters:
        add_cluster(store, "near_duplicate", keys)
    report = do_export(store, tmp_path / "out", val_fraction=0.2, eval_fraction=0.2,
                       include_contradictions=True)
    where = {}
    for split in ("train", "validation", "eval"):
        for line in read_lines(tmp_path / "out" / f"{split}.jsonl"):
            where[line["messages"][2]["content"]] = split
    assert sum(report.counts.values()) == 120
    for keys in clusters:
        assert len({where[f"Answer number {int(k[1:])}."] for k in keys}) == 1
    for i in range(20):
        assert where[f"Answer number {i}."] == where[f"Another answer {i}."]
    assert report.counts["eval"] in range(20, 29) and report.counts["validation"] in \
        range(20, 29)


def test_stratified_proportions_within_one_record(project: Store) -> None:
    ids = [rid(project, f"r{i:03d}") for i in range(60)]
    values = {r: ["pos"] * 2 if n % 3 == 0 else ["neg"] * 2 for n, r in enumerate(ids[:57])}
    values[ids[57]] = ["pos", "neg"]                     # disagreement: no final label
    add_labels(project, "sentiment", values, adjudicated={ids[58]: "pos"})
    finals = final_labels(project, "sentiment")
    assert finals[ids[58]] == "pos" and ids[57] not in finals and ids[59] not in finals
    plan = plan_export(project, ExportOptions(stratify="sentiment", val_fraction=0.15,
                                              eval_fraction=0.25))
    sizes = Counter(finals.get(r, "") for r in ids)
    for stratum, counts in plan.strata.items():
        n = sizes[stratum]
        assert sum(counts.values()) == n
        assert abs(counts["validation"] - 0.15 * n) <= 1
        assert abs(counts["eval"] - 0.25 * n) <= 1
    assert plan.counts == {"train": 36, "validation": 9, "eval": 15}


def test_splits_stable_when_unrelated_records_are_added(project: Store, write,  # type: ignore[no-untyped-def]
                                                        do_import) -> None:
    before = plan_export(project, ExportOptions(eval_fraction=0.1)).assignment
    do_import(write("more.jsonl", "\n".join(json.dumps(conv(i)) for i in range(60, 80))))
    after = plan_export(project, ExportOptions(eval_fraction=0.1)).assignment
    moved = [r for r in before if before[r] != after[r]]
    assert len(moved) <= 4


def test_small_dataset_warns_and_refuses_below_minimum(store: Store, write, do_import,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    do_import(write("tiny.jsonl", "\n".join(json.dumps(conv(i)) for i in range(2))))
    plan = plan_export(store, ExportOptions())
    assert plan.counts["validation"] == 0
    assert any("validation split is empty" in w for w in plan.warnings)
    with pytest.raises(CuratorError, match="at least 10"):
        do_export(store, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    report = do_export(store, tmp_path / "out", accept=["size"])
    assert report.counts["train"] == 2 and "size" in report.warnings_accepted


# -- filters ---------------------------------------------------------------------------------

def test_exclusion_counts_first_reason_wins(store: Store, write, do_import,  # type: ignore[no-untyped-def]
                                            tmp_path: Path) -> None:
    lines = [json.dumps(conv(i)) for i in range(30)]
    lines.append("{not json")                                          # invalid
    lines.append(json.dumps({"id": "bad", "messages": [{"role": "user", "content": "x"}]}))
    lines.append(json.dumps({**conv(5), "id": "copy5"}))              # exact duplicate of r005
    lines.append(json.dumps({**conv(6), "id": "copy6"}))              # duplicate of rejected
    do_import(write("data.jsonl", "\n".join(lines) + "\n"))
    run_job(scan(store))
    set_review(store, [rid(store, "r001"), rid(store, "r006"), rid(store, "bad")],
               "rejected", "t")
    set_review(store, [rid(store, "r002")], "needs-edit", "t")
    set_review(store, [rid(store, k) for k in ("r010", "r011")], "accepted", "t")
    add_pii(store, "r003", 1, 0, 8, "PERSON", "Question")
    add_pii(store, "r001", 1, 0, 8, "PERSON", "Question")             # rejected wins
    with store.atomic():
        store.add_findings([(rid(store, "r004"), FindingDraft(
            kind="contradiction", code="different_output", severity="warning",
            description="c"))], "curator.duplicates", "1")
    plan = plan_export(store, ExportOptions(pii="exclude"))
    assert {k: v for k, v in plan.excluded.items() if v} == {
        "invalid": 1, "schema_error": 1, "rejected": 2, "needs_edit": 1, "pii": 1,
        "contradiction": 1, "exact_duplicate": 1}
    # copy6 duplicates a rejected record, so it is the first copy kept.
    assert plan.exported == 34 - 8
    only_reviewed = plan_export(store, ExportOptions(include_unreviewed=False))
    assert only_reviewed.exported == 2
    assert only_reviewed.excluded["unreviewed"] > 0
    report = do_export(store, tmp_path / "out", pii="exclude")
    assert report.excluded == plan.excluded
    assert sum(report.counts.values()) == plan.exported


def test_label_filters(project: Store) -> None:
    ids = [rid(project, f"r{i:03d}") for i in range(60)]
    add_labels(project, "topic", {r: ["a", "a"] if n < 20 else ["b", "b"]
                                  for n, r in enumerate(ids[:40])})
    plan = plan_export(project, ExportOptions(require_label="topic"))
    assert plan.exported == 40 and plan.excluded["no_label"] == 20
    plan = plan_export(project, ExportOptions(label_values={"topic": ["a"]}))
    assert plan.exported == 20 and plan.excluded["label_filter"] == 40
    with pytest.raises(CuratorError, match="no label field"):
        plan_export(project, ExportOptions(stratify="nope"))


def test_multi_choice_labels_in_any_order_are_one_final_label(project: Store) -> None:
    """Export agrees with labelling: a multi-choice selection is a set."""
    from curator.core.labeling.labels import final_labels as labelling_finals

    ids = [rid(project, f"r{i:03d}") for i in range(4)]
    add_labels(project, "tags", {r: [["x", "y"], ["y", "x"]] for r in ids})
    assert len(labelling_finals(project, "tags")) == 4
    plan = plan_export(project, ExportOptions(require_label="tags"))
    assert plan.exported == 4 and plan.excluded["no_label"] == 56
    assert set(final_labels(project, "tags").values()) == {'["x","y"]'}


def test_source_filter(project: Store, write, do_import) -> None:  # type: ignore[no-untyped-def]
    do_import(write("more.jsonl", "\n".join(json.dumps(conv(i)) for i in range(60, 70))))
    plan = plan_export(project, ExportOptions(sources=["more.jsonl"]))
    assert plan.exported == 10 and plan.excluded["source"] == 60


# -- content ---------------------------------------------------------------------------------

def test_every_exported_line_passes_openai_checks(store: Store, write, do_import,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path) -> None:
    lines = [json.dumps(conv(i)) for i in range(20)]
    lines.append(json.dumps({"id": "pref", "input": {"messages": [
        {"role": "user", "content": "Pick one"}]},
        "preferred_output": [{"role": "assistant", "content": "Good"}],
        "non_preferred_output": [{"role": "assistant", "content": "Bad"}]}))
    lines.append(json.dumps({"conversations": [{"from": "human", "value": "hi"},
                                               {"from": "gpt", "value": "hello"}]}))
    do_import(write("data.jsonl", "\n".join(lines) + "\n"))
    run_job(scan(store))
    # An edit after the scan breaks a record: the export catches it.
    save_revision(store, rid(store, "r007"), {"messages": [
        {"role": "user", "content": "only a question"}]}, "t")
    report = do_export(store, tmp_path / "out", eval_fraction=0.1)
    assert report.excluded["export_check"] == 1
    assert any("fail OpenAI" in w for w in report.warnings)
    out = [line for split in ("train", "validation", "eval")
           for line in read_lines(tmp_path / "out" / f"{split}.jsonl")]
    assert len(out) == 21
    for line in out:
        if "input" in line:
            # A preference pair is written as OpenAI's preference line (issue 17).
            assert set(line) == {"input", "preferred_output", "non_preferred_output"}
            problems = check_conversation({**line["input"], **line}, "preference",
                                          PROFILES["openai"])
            problems = [p for p in problems if p.code != "unknown_top_level_key"]
        else:
            assert set(line) <= {"messages", "tools", "parallel_tool_calls"}
            problems = check_conversation(line, "openai", PROFILES["openai"])
        assert not [p for p in problems if p.severity == "error"], problems
    assert [line["preferred_output"] for line in out if "input" in line] == [
        [{"role": "assistant", "content": "Good"}]]


def test_edited_record_exports_latest_revision(project: Store, tmp_path: Path) -> None:
    edited = conv(3)
    edited["messages"][2]["content"] = "A better answer."
    save_revision(project, rid(project, "r003"), edited, "t")
    do_export(project, tmp_path / "out", val_fraction=0)
    answers = [line["messages"][2]["content"]
               for line in read_lines(tmp_path / "out" / "train.jsonl")]
    assert "A better answer." in answers and "Answer number 3." not in answers


@pytest.mark.parametrize("fmt", ["openai", "sharegpt", "hf"])
def test_files_load_with_datasets(project: Store, tmp_path: Path, fmt: str) -> None:
    import datasets
    ids = [rid(project, f"r{i:03d}") for i in range(60)]
    add_labels(project, "topic", {r: ["a", "a"] for r in ids[:10]})
    out = tmp_path / fmt
    report = do_export(project, out, eval_fraction=0.1, format=fmt, labels="metadata")
    files = {"train": str(out / "train.jsonl"), "validation": str(out / "validation.jsonl"),
             "test": str(out / "eval.jsonl")}
    loaded = datasets.load_dataset("json", data_files=files,
                                   cache_dir=str(tmp_path / "hf-cache"))
    assert loaded["train"].num_rows == report.counts["train"]
    assert loaded["test"].num_rows == report.counts["eval"]
    # The dataset card's configs make the folder itself loadable.
    by_card = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf-cache2"))
    assert by_card["validation"].num_rows == report.counts["validation"]


def test_hf_format_loads_mixed_shapes(store: Store, write, do_import,  # type: ignore[no-untyped-def]
                                      tmp_path: Path) -> None:
    import datasets
    lines = [json.dumps(conv(i)) for i in range(12)]
    lines.append(json.dumps({"messages": [
        {"role": "user", "content": [{"type": "text", "text": "parts"}]},
        {"role": "assistant", "content": "ok", "weight": 1}]}))
    lines.append(json.dumps({"messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {
            "name": "w", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": "Sunny."}],
        "tools": [{"type": "function", "function": {"name": "w", "parameters": {}}}]}))
    do_import(write("mixed.jsonl", "\n".join(lines) + "\n"))
    do_export(store, tmp_path / "out", val_fraction=0, format="hf")
    loaded = datasets.load_dataset("json", data_files=str(tmp_path / "out" / "train.jsonl"),
                                   cache_dir=str(tmp_path / "hf-cache"))["train"]
    assert loaded.num_rows == 14


def test_sharegpt_lines(project: Store, tmp_path: Path) -> None:
    do_export(project, tmp_path / "out", format="sharegpt", val_fraction=0)
    first = read_lines(tmp_path / "out" / "train.jsonl")[0]
    assert first["id"] == "r000"
    assert [t["from"] for t in first["conversations"]] == ["system", "human", "gpt"]


# -- PII -------------------------------------------------------------------------------------

def test_redaction_replaces_open_spans_only(project: Store, tmp_path: Path) -> None:
    # "Question number 3?": "number" at 9..15
    add_pii(project, "r003", 1, 9, 15, "PERSON", "number")
    add_pii(project, "r004", 1, 0, 8, "LOCATION", "Question", status="dismissed")
    add_pii(project, "r005", 2, 7, 13, "US_SSN", "number")
    # Stale: the text moved (record edited after the scan); redacted where it now is.
    add_pii(project, "r006", 1, 0, 6, "PERSON", "number")
    report = do_export(project, tmp_path / "out", val_fraction=0)
    texts = {line["messages"][2]["content"]: line["messages"][1]["content"]
             for line in read_lines(tmp_path / "out" / "train.jsonl")}
    assert texts["Answer number 3."] == "Question <PERSON> 3?"
    assert texts["Answer number 4."] == "Question number 4?"
    assert "Answer <US_SSN> 5." in texts
    assert texts["Answer number 6."] == "Question <PERSON> 6?"
    assert report.redaction == {"mode": "redact", "spans": 3, "records": 3, "stale_spans": 1}
    kept = do_export(project, tmp_path / "keep", val_fraction=0, pii="keep")
    assert kept.redaction["spans"] == 0


def test_pseudonyms_are_consistent_per_value(store: Store, write, do_import,  # type: ignore[no-untyped-def]
                                             tmp_path: Path) -> None:
    lines = [json.dumps(conv(i, question="Ann met Bob, then Ann left.")) for i in range(12)]
    do_import(write("data.jsonl", "\n".join(lines) + "\n"))
    for i in range(12):
        add_pii(store, f"r{i:03d}", 1, 0, 3, "PERSON", "Ann")
        add_pii(store, f"r{i:03d}", 1, 8, 11, "PERSON", "Bob")
        add_pii(store, f"r{i:03d}", 1, 18, 21, "PERSON", "Ann")
    do_export(store, tmp_path / "out", val_fraction=0, pseudonyms=True)
    questions = {line["messages"][1]["content"]
                 for line in read_lines(tmp_path / "out" / "train.jsonl")}
    assert questions == {"<PERSON_1> met <PERSON_2>, then <PERSON_1> left."}


def test_redaction_in_content_parts(store: Store, write, do_import,  # type: ignore[no-untyped-def]
                                    tmp_path: Path) -> None:
    lines = [json.dumps(conv(i)) for i in range(11)]
    lines.append(json.dumps({"id": "parts", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "hi"},
                                     {"type": "text", "text": "mail a@b.org now"}]},
        {"role": "assistant", "content": "ok"}]}))
    do_import(write("data.jsonl", "\n".join(lines) + "\n"))
    add_pii(store, "parts", 0, 5, 12, "EMAIL_ADDRESS", "a@b.org", part=1)
    preview_lines = preview(store, ExportOptions(), limit=20)
    line = next(p["line"] for p in preview_lines if p["key"] == "parts")
    assert line["messages"][0]["content"][1]["text"] == "mail <EMAIL_ADDRESS> now"


# -- output folder ---------------------------------------------------------------------------

def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.endswith((".partial", ".old"))]


def test_disk_full_leaves_no_partial_output(project: Store, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    class Full:
        def __init__(self, path: Path) -> None:
            self.handle = open(path, "wb")  # noqa: SIM115

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

    monkeypatch.setattr(writers, "_open", Full)
    with pytest.raises(CuratorError, match="disk is full"):
        do_export(project, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []
    assert history(project) == []


def test_permission_error_when_publishing_leaves_nothing(project: Store, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    def refuse(src: Any, dst: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(writers.os, "rename", refuse)
    with pytest.raises(CuratorError, match="may not write"):
        do_export(project, tmp_path / "out")
    monkeypatch.undo()
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []
    assert history(project) == []           # the exports row was rolled back


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a POSIX user that file permissions apply to")
def test_read_only_folder_gives_clear_message(project: Store, tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(CuratorError, match="may not write"):
            do_export(project, parent / "out")
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_read_only_staging_gives_clear_message(project: Store, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(CuratorError, match="may not write"):
        do_export(project, tmp_path / "out")
    monkeypatch.undo()
    assert not (tmp_path / "out").exists()


def test_refuses_non_empty_outdir_unless_overwrite(project: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(CuratorError, match="not empty"):
        do_export(project, out)
    assert (out / "keep.txt").read_text() == "mine"
    # Overwriting replaces a previous export only, never files Curator did not write.
    with pytest.raises(CuratorError, match="keep.txt"):
        run_job(export(project, out, ExportOptions(), overwrite=True))
    (out / "keep.txt").unlink()
    do_export(project, out)
    run_job(export(project, out, ExportOptions(seed=3), overwrite=True))
    assert (out / "train.jsonl").exists()
    assert _leftovers(tmp_path) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    do_export(project, empty)
    assert (empty / "manifest.json").exists()


def test_cancel_leaves_nothing(project: Store, tmp_path: Path) -> None:
    job = export(project, tmp_path / "out", ExportOptions())
    next(job)
    next(job)
    job.close()
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []
    assert history(project) == []


# -- readiness -------------------------------------------------------------------------------

def checklist(store: Store, options: ExportOptions, **agreement: Any) -> dict[str, Any]:
    """The readiness items by id, for a plan of ``options``."""
    counts = plan_export(store, options).counts
    return {i["id"]: i for i in readiness(store, options, counts, agreement or None)}


def test_readiness_items(project: Store, tmp_path: Path) -> None:
    items = checklist(project, ExportOptions())
    assert list(items) == ["eval_holdout", "schema_errors", "pii", "agreement",
                           "contradictions", "label_errors", "size", "versioned"]
    assert not items["eval_holdout"]["ok"] and items["schema_errors"]["ok"]
    assert items["agreement"]["ok"]                                   # no labels at all
    assert not items["size"]["ok"] and items["size"]["severity"] == "warning"
    assert not items["versioned"]["ok"]
    add_labels(project, "topic", {rid(project, "r000"): ["a", "a"]})
    assert not checklist(project, ExportOptions())["agreement"]["ok"]
    good = checklist(project, ExportOptions(), topic={"krippendorff_alpha": 0.81})
    assert good["agreement"]["ok"]
    report = do_export(project, tmp_path / "out", eval_fraction=0.1,
                       accept=["size", "versioned"])
    assert report.warnings_accepted == ["size", "versioned"]
    items = checklist(project, ExportOptions(eval_fraction=0.1))
    assert items["versioned"]["ok"] and items["eval_holdout"]["ok"]


def test_options_errors_are_one_line() -> None:
    with pytest.raises(CuratorError, match="training data"):
        ExportOptions.make(val_fraction=0.5, eval_fraction=0.5)
    with pytest.raises(CuratorError, match="pii"):
        ExportOptions.make(pii="maybe")


def test_presidio_and_plain_replacement_agree() -> None:
    from curator.core.export.redact import Redactor, Span

    conv_in = {"messages": [{"role": "user", "content": "Ann Lee (ann@x.org) met Bob."}]}
    spans = [Span(0, None, 0, 7, "PERSON", "Ann Lee"), Span(0, None, 4, 7, "PERSON", "Lee"),
             Span(0, None, 9, 18, "EMAIL_ADDRESS", "ann@x.org"),
             Span(0, None, 24, 27, "PERSON", "Bob")]
    with_presidio = Redactor(pseudonyms=True)
    plain = Redactor(pseudonyms=True, use_presidio=False)
    a = with_presidio.redact(conv_in, spans)["messages"][0]["content"]
    b = plain.redact(conv_in, spans)["messages"][0]["content"]
    assert a == b == "<PERSON_1> (<EMAIL_ADDRESS_1>) met <PERSON_2>."
    assert with_presidio.anonymizer() is not None and plain.anonymizer() is None


def test_public_tier_findings_neither_exclude_nor_count(project: Store) -> None:
    """A country in a general question is shown for review, not acted on by export."""
    for key, tier in (("r000", "public"), ("r001", "identifier")):
        draft = FindingDraft(kind="pii", code="LOCATION", severity="info", description="p",
                             message_index=1, start=0, end=8, text="Question",
                             detail={"tier": tier})
        with project.atomic():
            project.add_findings([(rid(project, key), draft)], "curator.pii", "1")
    plan = plan_export(project, ExportOptions(pii="exclude"))
    assert plan.excluded["pii"] == 1                 # the identifier's record only
    items = checklist(project, ExportOptions(pii="exclude"))
    assert "1 open PII spans in 1 records" in items["pii"]["detail"]
    with project.atomic():                           # once confirmed, it counts
        project.db.execute("UPDATE findings SET detail = json_set(detail, '$.confirmed', "
                           "json('true')) WHERE json_extract(detail, '$.tier') = 'public'")
    assert plan_export(project, ExportOptions(pii="exclude")).excluded["pii"] == 2
