"""Import: every item becomes one record, valid or not, with a precise message."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from curator.core.errors import InputFileError
from curator.core.ingest.source import sniff
from curator.core.store import Store

GOOD = json.dumps({"messages": [{"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "Hello!"}]})


def rows(store: Store) -> list[tuple]:
    return store.db.execute(
        "SELECT key, line, item, raw, format, valid, error_code, error "
        "FROM records ORDER BY id").fetchall()


# -- the public files ---------------------------------------------------------------

@pytest.mark.parametrize("name, records, fmt", [
    ("pirate_training_set.jsonl", 10, "openai"),
    ("anthropic_bedrock_claude_json_mode_dataset.jsonl", 500, "bedrock"),
    ("fastchat_dummy_conversation_sharegpt.json", None, "sharegpt"),
    ("llamafactory_alpaca_en_demo.json", None, "alpaca"),
    ("llamafactory_glaive_toolcall_en_demo_sharegpt.json", None, "sharegpt"),
])
def test_public_file_imports_every_item(public: Path, store: Store, do_import, name, records,
                                        fmt) -> None:
    path = public / name
    if records is None:
        records = len(json.loads(path.read_text()))
    report = do_import(path)
    source = report.sources[0]
    assert (source.records, source.valid, source.invalid) == (records, records, 0)
    assert source.formats == {fmt: records}
    assert store.record_count() == records


def test_array_items_keep_their_exact_text(public: Path, store: Store, do_import) -> None:
    path = public / "llamafactory_alpaca_en_demo.json"
    do_import(path)
    items = json.loads(path.read_text())
    raws = [r[3] for r in rows(store)]
    assert [json.loads(raw) for raw in raws] == items
    text = path.read_bytes()
    assert all(raw in text for raw in raws[:50])


def test_jsonl_lines_are_kept_byte_for_byte(public: Path, store: Store, do_import) -> None:
    path = public / "anthropic_bedrock_claude_json_mode_dataset.jsonl"
    do_import(path)
    assert b"".join(r[3] for r in rows(store)) == path.read_bytes()


def test_presidio_file_is_one_invalid_record_per_item(public: Path, store: Store,
                                                      do_import) -> None:
    report = do_import(public / "presidio_generated_small.json")
    assert (report.records, report.invalid) == (100, 100)
    assert {r[6] for r in rows(store)} == {"missing_messages_list"}


def test_bedrock_system_becomes_first_message(public: Path, store: Store, do_import) -> None:
    do_import(public / "anthropic_bedrock_claude_json_mode_dataset.jsonl")
    conv = json.loads(store.db.execute("SELECT conversation FROM records LIMIT 1").fetchone()[0])
    assert conv["messages"][0] == {"role": "system", "content": "JSON Mode: Enabled"}
    assert "system" not in conv


def test_sharegpt_function_call_becomes_tool_call(public: Path, store: Store,
                                                  do_import) -> None:
    do_import(public / "llamafactory_glaive_toolcall_en_demo_sharegpt.json")
    conv = json.loads(store.db.execute("SELECT conversation FROM records LIMIT 1").fetchone()[0])
    roles = [m["role"] for m in conv["messages"]]
    assert roles[:5] == ["user", "assistant", "user", "assistant", "tool"]
    call = conv["messages"][3]["tool_calls"][0]
    assert call["function"]["name"] == "search_recipes"
    assert json.loads(call["function"]["arguments"]) == {
        "ingredients": ["chicken", "bell peppers", "rice"]}
    assert conv["messages"][4]["tool_call_id"] == call["id"]
    assert conv["tools"][0]["type"] == "function"


def test_sharegpt_ids_become_keys(public: Path, store: Store, do_import) -> None:
    do_import(public / "fastchat_dummy_conversation_sharegpt.json")
    keys = [r[0] for r in rows(store)]
    assert keys[0] == "identity_0"
    assert len(set(keys)) == len(keys)


def test_reimporting_the_same_file_is_skipped(public: Path, store: Store, do_import) -> None:
    do_import(public / "pirate_training_set.jsonl")
    again = do_import(public / "pirate_training_set.jsonl")
    assert again.sources[0].skipped
    assert store.record_count() == 10


def test_import_keeps_track_of_sources(public: Path, store: Store, do_import) -> None:
    do_import(public / "pirate_training_set.jsonl")
    (source,) = store.sources()
    assert source["sha256"] == (
        "aca932159d12936f1fd52de740cfdca9a1cd06aaa91b39ed2df036b3728a05e3")
    assert source["records"] == 10


# -- shapes -------------------------------------------------------------------------

def test_alpaca_with_system_and_history(write, store: Store, do_import) -> None:
    path = write("a.jsonl", json.dumps({
        "instruction": "Add", "input": "2+2", "output": "4", "system": "Be terse.",
        "history": [["Hi", "Hello"]]}))
    do_import(path)
    conv = json.loads(store.record("a.jsonl:1")["canonical"])
    assert conv["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Add\n2+2"}, {"role": "assistant", "content": "4"}]


def test_preference_pair_is_read(write, store: Store, do_import) -> None:
    path = write("p.jsonl", json.dumps({
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "What?"}]}))
    report = do_import(path)
    assert report.sources[0].formats == {"preference": 1}
    conv = json.loads(store.record("p.jsonl:1")["canonical"])
    assert conv["preferred_output"][0]["content"] == "Hello!"


def test_openai_tools_and_extra_keys_are_kept(write, store: Store, do_import) -> None:
    line = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]},
                         {"role": "assistant", "content": "Yo", "weight": 1}],
            "tools": [], "parallel_tool_calls": False, "metadata": {"a": 1}}
    do_import(write("o.jsonl", json.dumps(line)))
    assert json.loads(store.record("o.jsonl:1")["canonical"]) == line


def test_forced_format_that_does_not_fit_is_invalid(write, store: Store, do_import) -> None:
    do_import(write("f.jsonl", GOOD), fmt="alpaca")
    assert rows(store)[0][6] == "wrong_format"


# -- bad input, line by line ------------------------------------------------------------

BAD_LINES = [
    ('{"messages": [}', "invalid_json", "column 15"),
    ("{'messages': [{'role': 'user', 'content': 'x'}]}", "python_literal", "Python"),
    ('{"messages": [{"role": "user", "content": "cut', "truncated_json", "cut off"),
    ('{"a": 1} {"b": 2}', "extra_data", "more than one"),
    ('[1, 2]', "not_an_object", "a list"),
    ('"just text"', "not_an_object", "a string"),
    ('{"text": "pretraining"}', "missing_messages_list", "text"),
    ('{"messages": "hi"}', "messages_not_a_list", "a string"),
    ('{"messages": [], "x": NaN}', "invalid_json", "NaN"),
    ("[" * 100_000, "invalid_json", "nested too deeply"),
]


@pytest.mark.parametrize("line, code, words", BAD_LINES)
def test_bad_line_is_kept_with_code_and_message(write, store: Store, do_import, line, code,
                                                words) -> None:
    path = write("bad.jsonl", GOOD + "\n" + line + "\n" + GOOD + "\n")
    report = do_import(path)
    assert (report.records, report.valid, report.invalid) == (3, 2, 1)
    key, number, _, raw, _, valid, error_code, error = rows(store)[1]
    assert (key, number, valid, error_code) == ("bad.jsonl:2", 2, False, code)
    assert raw == line.encode() + b"\n"
    assert error.startswith("Line 2")
    assert words in error


def test_undecodable_bytes_are_kept(write, store: Store, do_import) -> None:
    line = '{"messages": [{"role": "user", "content": "caf\xe9"}]}'.encode("latin-1")
    report = do_import(write("latin.jsonl", GOOD.encode() + b"\n" + line + b"\n"))
    assert report.invalid == 1
    (_, _, _, raw, _, _, code, error) = rows(store)[1]
    assert raw == line + b"\n"
    assert code == "invalid_encoding"
    assert "0xE9" in error and "column 47" in error


@pytest.mark.parametrize("bom, codec", [
    (b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
])
def test_encodings_with_and_without_bom(write, store: Store, do_import, bom, codec) -> None:
    text = GOOD + "\r\n" + GOOD.replace("Hi", "Grüß dich") + "\r\n"
    path = write("enc.jsonl", bom + text.encode(codec))
    report = do_import(path)
    assert (report.records, report.valid) == (2, 2)
    assert b"".join(r[3] for r in rows(store)) == path.read_bytes()
    conv = json.loads(store.record("enc.jsonl:2")["canonical"])
    assert conv["messages"][0]["content"] == "Grüß dich"


def test_utf16_array(write, store: Store, do_import) -> None:
    path = write("enc.json", codecs.BOM_UTF16_LE + f"[{GOOD}, {GOOD}]".encode("utf-16-le"))
    assert do_import(path).valid == 2


def test_blank_lines_are_counted_not_records(write, store: Store, do_import) -> None:
    report = do_import(write("b.jsonl", f"\n{GOOD}\n   \n\t\n{GOOD}\n\n"))
    source = report.sources[0]
    assert (source.records, source.blank_lines) == (2, 4)
    assert [r[1] for r in rows(store)] == [2, 5]


def test_truncated_last_line_without_newline(write, store: Store, do_import) -> None:
    report = do_import(write("t.jsonl", GOOD + "\n" + GOOD[:25]))
    assert (report.records, report.invalid) == (2, 1)
    assert rows(store)[1][6] == "truncated_json"
    assert rows(store)[1][3] == GOOD[:25].encode()


def test_huge_line_imports(write, store: Store, do_import) -> None:
    big = json.dumps({"messages": [{"role": "user", "content": "x" * 50_000_000},
                                   {"role": "assistant", "content": "ok"}]})
    report = do_import(write("big.jsonl", GOOD + "\n" + big + "\n"))
    assert (report.records, report.valid) == (2, 2)
    assert store.db.execute("SELECT length(raw) FROM records WHERE line = 2").fetchone()[0] \
        == len(big) + 1


def test_duplicated_ids_fall_back_to_positions(write, store: Store, do_import) -> None:
    def line(i: str) -> str:
        return json.dumps({"id": i, "messages": [{"role": "user", "content": i}]})
    path = write("d.jsonl", "\n".join([line("a"), line("b"), line("a"), line("c")]) + "\n")
    do_import(path)
    assert [r[0] for r in rows(store)] == ["d.jsonl:1", "b", "d.jsonl:3", "c"]


def test_ids_taken_by_another_file_fall_back(write, store: Store, do_import) -> None:
    line = json.dumps({"id": "x", "messages": [{"role": "user", "content": "hi"}]})
    do_import(write("one.jsonl", line + "\n"))
    do_import(write("two.jsonl", line + "\n\n"))
    assert [r[0] for r in rows(store)] == ["x", "two.jsonl:1"]


def test_same_name_different_content_gets_a_new_source_name(tmp_path: Path, store: Store,
                                                            do_import) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "train.jsonl").write_text(GOOD + "\n")
    (tmp_path / "b" / "train.jsonl").write_text(GOOD + "\n\n")
    do_import(tmp_path / "a" / "train.jsonl", tmp_path / "b" / "train.jsonl")
    assert [r[0] for r in rows(store)] == ["train.jsonl:1", "train.jsonl (2):1"]


# -- JSON arrays and documents ----------------------------------------------------------

def test_array_items_get_index_keys_and_lines(write, store: Store, do_import) -> None:
    do_import(write("arr.json", f"[\n  {GOOD},\n\n  {GOOD}\n]\n"))
    assert [(r[0], r[1], r[2]) for r in rows(store)] == [("arr.json:0", 2, 0),
                                                         ("arr.json:1", 4, 1)]


def test_broken_array_keeps_items_before_and_after_the_error(write, store: Store,
                                                             do_import) -> None:
    path = write("broken.json", f"[{GOOD},\n {GOOD},\n {{\"messages\": [}}, {GOOD}]")
    report = do_import(path)
    assert (report.records, report.valid, report.invalid) == (4, 3, 1)
    bad = rows(store)[2]
    assert bad[6] == "invalid_json"
    assert "Item 2 (line 3)" in bad[7]
    assert bad[3] == b'{"messages": [}'


def test_array_not_closed(write, store: Store, do_import) -> None:
    report = do_import(write("open.json", f"[{GOOD}, {GOOD}"))
    assert (report.valid, report.invalid) == (2, 1)
    assert rows(store)[-1][6] == "truncated_json"


def test_array_with_trailing_comma(write, store: Store, do_import) -> None:
    report = do_import(write("comma.json", f"[{GOOD},]"))
    assert (report.valid, report.invalid) == (1, 1)


def test_text_after_the_array_is_kept(write, store: Store, do_import) -> None:
    report = do_import(write("after.json", f"[{GOOD}]\ntrailing words"))
    assert (report.valid, report.invalid) == (1, 1)
    assert rows(store)[-1][3] == b"trailing words"


def test_single_pretty_printed_object(write, store: Store, do_import) -> None:
    text = json.dumps(json.loads(GOOD), indent=2)
    report = do_import(write("one.json", text + "\n" + text))
    assert (report.records, report.valid) == (2, 2)
    assert sniff(Path(report.sources[0].path)).kind == "values"


def test_array_large_enough_to_span_chunks(write, store: Store, do_import,
                                           monkeypatch) -> None:
    from curator.core.ingest import source
    monkeypatch.setattr(source, "CHUNK_CHARS", 64)
    items = [{"id": f"n{i}", "messages": [{"role": "user", "content": "é" * i}]}
             for i in range(200)]
    report = do_import(write("many.json", json.dumps(items, ensure_ascii=False)))
    assert report.valid == 200
    assert [json.loads(r[3]) for r in rows(store)] == items


# -- whole files that cannot be imported -------------------------------------------------

@pytest.mark.parametrize("name, content, words", [
    ("empty.jsonl", b"", "is empty"),
    ("blank.jsonl", b"\n  \n\n", "only blank lines"),
    ("data.csv", b"prompt,response\nhi,hello\nbye,ciao\n", "looks like a CSV"),
    ("data.tsv", b"prompt\tresponse\nhi\thello\n", "looks like a TSV"),
    ("notes.txt", b"Dear diary\n", "is not JSON"),
    ("blob.bin", bytes(range(256)) * 4, "binary file"),
    ("data.jsonl.gz", b"\x1f\x8b\x08\x00rest", "gzip"),
    ("book.xlsx", b"PK\x03\x04rest", "zip archive"),
])
def test_file_that_is_not_json_lines_is_refused(write, store: Store, do_import, name, content,
                                                words) -> None:
    path = write(name, content)
    with pytest.raises(InputFileError, match=words):
        sniff(path)
    report = do_import(path, write("ok.jsonl", GOOD + "\n"))
    assert report.failed and words in report.failed[0]["error"]
    assert report.records == 1
    assert store.record_count() == 1


def test_missing_file_and_folder_are_refused(tmp_path: Path, store: Store, do_import) -> None:
    report = do_import(tmp_path / "nope.jsonl", tmp_path)
    assert "no such file" in report.failed[0]["error"]
    assert "is a folder" in report.failed[1]["error"]
    assert store.record_count() == 0


def test_openai_line_is_stored_once_as_its_raw_bytes(write, store: Store, do_import) -> None:
    do_import(write("o.jsonl", GOOD + "\n"))
    row = store.db.execute("SELECT conversation, valid FROM records").fetchone()
    assert row == (None, 1)
    assert json.loads(store.record("o.jsonl:1")["canonical"]) == json.loads(GOOD)


def test_hashes_ignore_spacing_and_key_order(write, store: Store, do_import) -> None:
    spaced = '{"messages":[{"content":"Hi","role":"user"},{"role":"assistant","content":"Hello!"}]}'
    do_import(write("h.jsonl", GOOD + "\n" + spaced + "\n"))
    hashes = store.db.execute("SELECT conv_hash, input_hash, output_hash FROM records").fetchall()
    assert hashes[0] == hashes[1]
    assert len(set(hashes[0])) == 3


def test_nan_in_an_array_item_spoils_only_that_item(write, store: Store, do_import) -> None:
    report = do_import(write("nan.json", f'[{GOOD}, {{"messages": [], "x": Infinity}}, {GOOD}]'))
    assert (report.records, report.valid, report.invalid) == (3, 2, 1)
    bad = rows(store)[1]
    assert bad[3] == b'{"messages": [], "x": Infinity}'
    assert "Infinity is not allowed" in bad[7]
