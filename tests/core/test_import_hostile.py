"""Hostile input: files that change while read, numbers JSON cannot hold, bad starts.

Issue #14: no write lost, no project destroyed. Each test names one behaviour.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from curator.core.export import writers
from curator.core.ingest import import_files, importer
from curator.core.jobs import run_job
from curator.core.model import ImportReport
from curator.core.store import Store

GOOD = json.dumps({"messages": [{"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "Hello!"}]})
LINES = 20_000


def rows(store: Store) -> list[tuple]:
    return store.db.execute(
        "SELECT key, line, item, raw, format, valid, error_code, error "
        "FROM records ORDER BY id").fetchall()


def numbered(count: int) -> bytes:
    """``count`` distinct valid lines of about 120 bytes each."""
    return b"".join(
        json.dumps({"id": f"n{i}", "messages": [{"role": "user", "content": f"question {i}"},
                                                {"role": "assistant", "content": "answer"}]}
                   ).encode() + b"\n"
        for i in range(count))


def import_changing(store: Store, paths: list[Path], change: Callable[[], None],
                    monkeypatch: pytest.MonkeyPatch) -> ImportReport:
    """Import ``paths``, calling ``change`` after the first batch of the first file."""
    monkeypatch.setattr(importer, "BATCH", 100)
    job = import_files(store, paths)
    next(job)  # the first 100 records of the first file are in
    change()
    return run_job(job)


# -- item 4: a file that changes while it is imported -------------------------------------

def test_file_cut_short_during_import_is_refused_and_leaves_nothing(
        write, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    data = numbered(LINES)
    path = write("big.jsonl", data)
    report = import_changing(store, [path], lambda: os.truncate(path, len(data) // 4),
                             monkeypatch)
    assert report.records == 0
    (failure,) = report.failed
    assert "changed while it was read" in failure["error"]
    assert "import it again when it is complete" in failure["error"]
    assert store.record_count() == 0
    assert store.sources() == []


def test_restored_file_imports_in_full_after_a_cut_import(
        write, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    data = numbered(LINES)
    path = write("big.jsonl", data)
    import_changing(store, [path], lambda: os.truncate(path, len(data) // 4), monkeypatch)
    path.write_bytes(data)
    report = run_job(import_files(store, [path]))
    assert not report.sources[0].skipped
    assert report.records == LINES
    assert store.record_count() == LINES
    assert store.sources()[0]["sha256"] == hashlib.sha256(data).hexdigest()


def test_file_grown_during_import_is_refused_and_leaves_nothing(
        write, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("big.jsonl", numbered(LINES))

    def append() -> None:
        with path.open("ab") as out:
            out.write(numbered(LINES))

    report = import_changing(store, [path], append, monkeypatch)
    assert "changed while it was read" in report.failed[0]["error"]
    assert store.record_count() == 0


def test_file_replaced_during_import_is_refused(
        write, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("big.jsonl", numbered(LINES))
    other = write("new.jsonl", numbered(10))
    report = import_changing(store, [path], lambda: os.replace(other, path), monkeypatch)
    assert "changed while it was read" in report.failed[0]["error"]
    assert store.record_count() == 0


def test_other_files_import_when_one_changes_during_the_import(
        write, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    data = numbered(LINES)
    path = write("big.jsonl", data)
    ok = write("ok.jsonl", GOOD + "\n" + GOOD + "\n")
    report = import_changing(store, [path, ok], lambda: os.truncate(path, len(data) // 4),
                             monkeypatch)
    assert [s.name for s in report.sources] == ["ok.jsonl"]
    assert report.failed[0]["path"] == str(path)
    assert store.record_count() == 2
    assert [s["name"] for s in store.sources()] == ["ok.jsonl"]


# -- item 9: numbers JSON cannot hold -----------------------------------------------------

def test_overflowing_number_is_an_invalid_line_naming_it(write, store: Store,
                                                         do_import) -> None:
    line = '{"messages": [], "x": 1e999}'
    report = do_import(write("n.jsonl", GOOD + "\n" + line + "\n" + GOOD + "\n"))
    assert (report.records, report.valid, report.invalid) == (3, 2, 1)
    _, _, _, raw, _, valid, code, error = rows(store)[1]
    assert (raw, valid, code) == (line.encode() + b"\n", False, "invalid_json")
    assert error.startswith("Line 2, column 23")
    assert "1e999" in error


def test_overflowing_negative_number_in_an_array_item_spoils_only_that_item(
        write, store: Store, do_import) -> None:
    bad = '{"messages": [], "x": -2.5E+400}'
    report = do_import(write("n.json", f"[{GOOD},\n {bad},\n {GOOD}]"))
    assert (report.records, report.valid, report.invalid) == (3, 2, 1)
    _, line, item, raw, _, _, code, error = rows(store)[1]
    assert (line, item, raw, code) == (2, 1, bad.encode(), "invalid_json")
    assert "-2.5E+400" in error and "line 2, column 24" in error


def test_nan_message_names_line_and_column(write, store: Store, do_import) -> None:
    do_import(write("nan.jsonl", GOOD + '\n{"messages": [], "x": NaN}\n'))
    error = rows(store)[1][7]
    assert error.startswith("Line 2, column 23")
    assert "NaN is not allowed in JSON" in error and "null" in error


def test_overlong_integer_is_an_invalid_line_naming_its_length(write, store: Store,
                                                               do_import) -> None:
    line = '{"messages": [], "x": ' + "7" * 5000 + "}"
    report = do_import(write("big.jsonl", GOOD + "\n" + line + "\n"))
    assert (report.valid, report.invalid) == (1, 1)
    error = rows(store)[1][7]
    assert error.startswith("Line 2, column 23")
    assert "5,000 digits" in error


def test_no_valid_record_holds_an_infinite_number(write, store: Store, do_import) -> None:
    lines = ['{"conversations": [{"from": "human", "value": "x"}], "w": 1e400}',
             '{"instruction": "a", "output": "b", "w": [1.5e308, 1e309]}']
    report = do_import(write("inf.jsonl", "\n".join(lines) + "\n"))
    assert report.invalid == 2
    assert all(r[6] == "invalid_json" for r in rows(store))


def test_export_writer_refuses_to_write_infinity_or_nan() -> None:
    for value in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(ValueError):
            writers.encode({"messages": [], "x": value})


# -- item 10: one bad start must not hide a whole file -------------------------------------

def test_jsonl_whose_cut_first_line_starts_with_a_bracket_keeps_every_line(
        write, store: Store, do_import) -> None:
    cut = '[{"messages": [{"role": "user", "content": "cu'
    report = do_import(write("cut.jsonl", cut + "\n" + (GOOD + "\n") * 5))
    assert (report.records, report.valid, report.invalid) == (6, 5, 1)
    assert report.sources[0].layout == "jsonl"
    first = rows(store)[0]
    assert (first[1], first[3], first[6]) == (1, cut.encode() + b"\n", "truncated_json")
    assert first[7].startswith("Line 1")


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_jsonl_with_deep_nesting_on_line_one_keeps_every_line(
        write, store: Store, do_import, depth: int) -> None:
    report = do_import(write("deep.jsonl", "[" * depth + "\n" + (GOOD + "\n") * 5))
    assert (report.records, report.valid, report.invalid) == (6, 5, 1)
    assert "nested too deeply" in rows(store)[0][7]


def test_jsonl_holding_one_pretty_printed_array_is_read_as_an_array(
        write, store: Store, do_import) -> None:
    text = json.dumps([json.loads(GOOD)] * 3, indent=2)
    report = do_import(write("pretty.jsonl", text))
    assert (report.records, report.valid) == (3, 3)
    assert report.sources[0].layout == "array"


def test_pretty_json_array_keeps_the_good_items_after_a_malformed_one(
        write, store: Store, do_import) -> None:
    items = [json.dumps(json.loads(GOOD), indent=2) for _ in range(5)]
    items[1] = '{\n  "messages": [\n    {"role": "user" "content": "no comma"}\n  ]\n}'
    text = "[\n" + ",\n".join(items) + "\n]\n"
    report = do_import(write("pretty.json", text))
    assert (report.records, report.valid, report.invalid) == (5, 4, 1)
    bad = rows(store)[1]
    assert (bad[2], bad[3], bad[6]) == (1, items[1].encode(), "invalid_json")
    assert "line 16, column 21" in bad[7]
    assert [json.loads(r[3]) for r in rows(store) if r[5]] == [json.loads(GOOD)] * 4


def test_compact_json_array_keeps_the_good_items_after_a_malformed_one(
        write, store: Store, do_import) -> None:
    turns = [{"role": "user", "content": f"turn {i}"} for i in range(12)]
    good = json.dumps({"messages": turns})
    broken = good.replace('"content": "turn 1"', '"content": turn 1', 1)
    text = f"[{good}, {broken}, {good}, {good}]"
    report = do_import(write("compact.json", text))
    assert (report.records, report.valid, report.invalid) == (4, 3, 1)
    assert rows(store)[1][3] == broken.encode()


def test_json_array_whose_first_item_is_malformed_keeps_the_rest(
        write, store: Store, do_import) -> None:
    text = "[{'messages': []},\n " + ",\n ".join([GOOD] * 3) + "\n]"
    report = do_import(write("first.json", text))
    assert (report.records, report.valid, report.invalid) == (4, 3, 1)
    assert rows(store)[0][3] == b"{'messages': []}"
    assert rows(store)[0][6] == "python_literal"


def test_json_array_with_two_commas_in_a_row_keeps_the_items_on_both_sides(
        write, store: Store, do_import) -> None:
    report = do_import(write("commas.json", f"[{GOOD},\n ,\n {GOOD}]"))
    assert (report.records, report.valid, report.invalid) == (3, 2, 1)
    assert rows(store)[1][3] == b","
    assert "line 2, column 2" in rows(store)[1][7]


def test_odd_last_byte_of_a_utf16_array_is_kept_as_an_invalid_record(
        write, store: Store, do_import) -> None:
    data = codecs.BOM_UTF16_LE + f"[{GOOD}]".encode("utf-16-le") + b"\x00"
    report = do_import(write("odd.json", data))
    assert not report.failed
    assert (report.records, report.valid, report.invalid) == (2, 1, 1)
    assert rows(store)[1][3] == b"\x00"


def test_nul_byte_on_the_first_line_is_one_invalid_line(write, store: Store,
                                                        do_import) -> None:
    line = b'{"messages": [], "x": "a\x00b"}'
    report = do_import(write("nul.jsonl", line + b"\n" + (GOOD.encode() + b"\n") * 5))
    assert not report.failed
    assert (report.records, report.valid, report.invalid) == (6, 5, 1)
    first = rows(store)[0]
    assert first[3] == line + b"\n"
    assert first[7].startswith("Line 1") and "column" in first[7]


def test_random_bytes_are_still_refused_as_binary(write, store: Store, do_import) -> None:
    noise = random.Random(14).randbytes(1 << 16)
    report = do_import(write("noise.jsonl", b"{" + noise))
    assert "binary file" in report.failed[0]["error"]
    assert store.record_count() == 0


def test_lone_surrogate_escape_is_one_invalid_line_and_other_files_import(
        write, store: Store, do_import) -> None:
    line = '{"messages": [{"role": "user", "content": "a\\ud800b"}]}'
    bad = write("lone.jsonl", GOOD + "\n" + line + "\n" + GOOD + "\n")
    ok = write("ok.jsonl", GOOD + "\n")
    report = do_import(bad, ok)
    assert (report.records, report.valid, report.invalid) == (4, 3, 1)
    _, number, _, raw, _, valid, code, error = rows(store)[1]
    assert (number, raw, valid) == (2, line.encode() + b"\n", False)
    assert code == "invalid_unicode"
    assert error.startswith("Line 2, column 45") and "\\ud800" in error


def test_surrogate_pair_escape_is_a_valid_line(write, store: Store, do_import) -> None:
    line = '{"messages": [{"role": "user", "content": "\\ud83d\\ude00"}]}'
    assert do_import(write("pair.jsonl", line + "\n")).valid == 1


def test_lone_surrogate_escape_in_an_array_item_spoils_only_that_item(
        write, store: Store, do_import) -> None:
    bad = '{"messages": [{"role": "user", "content": "\\udc00"}]}'
    report = do_import(write("lone.json", f"[{GOOD}, {bad}, {GOOD}]"))
    assert (report.records, report.valid, report.invalid) == (3, 2, 1)
    assert rows(store)[1][6] == "invalid_unicode"


def test_raw_lone_surrogate_in_a_utf16_file_is_one_invalid_line(
        write, store: Store, do_import) -> None:
    lines = [GOOD.encode("utf-16-le"), b'"\x00\x00\xd8"\x00', GOOD.encode("utf-16-le")]
    data = codecs.BOM_UTF16_LE + b"\n\x00".join(lines) + b"\n\x00"
    ok = write("ok.jsonl", GOOD + "\n")
    report = do_import(write("u16.jsonl", data), ok)
    assert not report.failed
    assert (report.records, report.valid, report.invalid) == (4, 3, 1)
    assert b"".join(r[3] for r in rows(store)[:3]) == data
    assert rows(store)[1][6] == "invalid_encoding"


def test_raw_lone_surrogate_in_a_utf16_array_spoils_only_that_item(
        write, store: Store, do_import) -> None:
    text = f"[{GOOD}, ".encode("utf-16-le") + b'"\x00\x00\xd8"\x00' \
        + f", {GOOD}]".encode("utf-16-le")
    report = do_import(write("u16.json", codecs.BOM_UTF16_LE + text))
    assert not report.failed
    assert (report.records, report.valid, report.invalid) == (3, 2, 1)
    assert rows(store)[1][3] == b'"\x00\x00\xd8"\x00'


def test_project_with_a_lone_surrogate_line_exports(write, store: Store, do_import,
                                                    tmp_path: Path) -> None:
    from curator.core.export.job import export
    from curator.core.export.options import ExportOptions

    line = b'{"messages": [{"role": "user", "content": "\\udfff"}]}\n'
    do_import(write("lone.jsonl", numbered(12) + line))
    run_job(export(store, tmp_path / "out", ExportOptions(), actor="tester"))
    out = [json.loads(raw) for name in ("train.jsonl", "validation.jsonl")
           for raw in (tmp_path / "out" / name).read_bytes().decode("utf-8").splitlines()]
    assert len(out) == 12


def test_line_of_control_characters_is_a_record_not_a_blank_line(
        write, store: Store, do_import) -> None:
    report = do_import(write("c.jsonl", GOOD + "\n\x1c\x1d\n" + GOOD + "\n"))
    assert (report.records, report.invalid, report.sources[0].blank_lines) == (3, 1, 0)
    assert rows(store)[1][3] == b"\x1c\x1d\n"


# -- files that are not data -----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(store: Store, tmp_path: Path,
                                                              write) -> None:  # type: ignore[no-untyped-def]
    """A pipe would block the import until a writer came (and might never end)."""
    pipe = tmp_path / "feed.jsonl"
    os.mkfifo(pipe)
    good = write("good.jsonl", GOOD + "\n")
    outcome: dict[str, Any] = {}

    def run() -> None:
        outcome["report"] = run_job(import_files(store, [pipe, good]))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():                       # unblock the reader before failing
        with open(pipe, "wb"):
            pass
        worker.join(timeout=20)
        pytest.fail("the import waited on the pipe")
    report = outcome["report"]
    assert report.records == 1
    (failed,) = report.failed
    assert "not a regular file" in failed["error"]


def test_the_project_file_itself_is_refused_as_data(store: Store) -> None:
    report = run_job(import_files(store, [store.path]))
    (failed,) = report.failed
    assert "this project's own file" in failed["error"]
    assert store.record_count() == 0
