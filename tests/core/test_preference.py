"""Preference data (issue 17): every shape is read as one pair, checked as a pair,
exported in the vendor's preference format, and never swapped on the way."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from curator.core import preference
from curator.core.checks import schema
from curator.core.checks.scan import scan
from curator.core.ingest.shapes import normalise
from curator.core.jobs import run_job
from curator.core.store import Store

U = {"role": "user", "content": "What is 2+2?"}
SYS = {"role": "system", "content": "Be brief."}


def ans(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def pair(prompt: list[Any], chosen: str, rejected: str) -> dict[str, Any]:
    return {"messages": prompt, "preferred_output": [ans(chosen)],
            "non_preferred_output": [ans(rejected)]}


_HH_TURN = re.compile(r"\n\n(Human|Assistant):[ ]?")


def llamafactory_from_hh(path: Path) -> list[dict[str, Any]]:
    """The HH sample rewritten in LLaMA-Factory's DPO shape (as its dpo_en_demo.json:
    ``conversations`` + ``chosen`` and ``rejected`` turns)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        sides = []
        for key in ("chosen", "rejected"):
            parts = _HH_TURN.split(obj[key])
            sides.append([("human" if s == "Human" else "gpt", t)
                          for s, t in zip(parts[1::2], parts[2::2], strict=True)])
        a, b = sides
        n = 0
        while n < min(len(a), len(b)) - 1 and a[n] == b[n]:
            n += 1
        out.append({"conversations": [{"from": f, "value": v} for f, v in a[:n]],
                    "chosen": {"from": a[n][0], "value": a[n][1]},
                    "rejected": {"from": b[n][0], "value": b[n][1]}})
    return out


# -- import: every shape is one canonical pair ------------------------------------------------

SHAPES = [
    ("openai", {"input": {"messages": [SYS, U]}, "preferred_output": [ans("4")],
                "non_preferred_output": [ans("5")]}),
    ("trl", {"prompt": "What is 2+2?", "chosen": "4", "rejected": "5"}),
    ("trl", {"prompt": [SYS, U], "chosen": [ans("4")], "rejected": [ans("5")]}),
    ("trl_implicit", {"chosen": [SYS, U, ans("4")], "rejected": [SYS, U, ans("5")]}),
    ("sharegpt", {"conversations": [{"from": "system", "value": "Be brief."},
                                    {"from": "human", "value": "What is 2+2?"}],
                  "chosen": {"from": "gpt", "value": "4"},
                  "rejected": {"from": "gpt", "value": "5"}}),
    ("alpaca", {"instruction": "What is", "input": "2+2?", "chosen": "4", "rejected": "5"}),
    ("hh", {"chosen": "\n\nHuman: What is 2+2?\n\nAssistant: 4",
            "rejected": "\n\nHuman: What is 2+2?\n\nAssistant: 5"}),
]


@pytest.mark.parametrize("shape, obj", SHAPES)
def test_every_shape_reads_as_one_pair(shape: str, obj: dict[str, Any]) -> None:
    assert preference.source_shape(obj) == shape
    fmt, conv, notes = normalise(obj)
    assert fmt == "preference" and notes == []
    assert preference.outputs(conv) == [[ans("4")], [ans("5")]]
    assert preference.prompt(conv)[-1]["role"] == "user"
    assert set(conv) == {"messages", "preferred_output", "non_preferred_output"}
    assert schema.check_conversation(conv, fmt, schema.PROFILES["openai"]) == []


def test_implicit_prompt_splits_at_the_longest_common_prefix() -> None:
    long = [U, ans("4"), {"role": "user", "content": "And 3+3?"}]
    conv = normalise({"chosen": [*long, ans("6")], "rejected": [*long, ans("7")]})[1]
    assert conv["messages"] == long
    # Identical sides still leave each its own last message (the check then says so).
    same = normalise({"chosen": [U, ans("4")], "rejected": [U, ans("4")]})[1]
    assert same["messages"] == [U] and same["preferred_output"] == [ans("4")]
    # Plain strings: TRL's character prefix, the space going to the answers.
    text = normalise({"chosen": "The sky is blue.", "rejected": "The sky is green."})[1]
    assert text["messages"] == [{"role": "user", "content": "The sky is"}]
    assert text["preferred_output"] == [ans(" blue.")]


def test_hh_transcripts_become_turns() -> None:
    conv = normalise({
        "chosen": "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: how are you?\n\nAssistant: fine",
        "rejected": "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: how are you?\n\nAssistant: go"
    })[1]
    assert [m["role"] for m in conv["messages"]] == ["user", "assistant", "user"]
    assert conv["messages"][2]["content"] == "how are you?"
    assert preference.hh_text(conv["messages"] + conv["preferred_output"]).startswith(
        "\n\nHuman: hi\n\nAssistant: hello")


def test_forced_formats_read_llamafactory_pairs() -> None:
    lf = dict(SHAPES[4][1])
    assert normalise(lf, "sharegpt")[0] == "preference"
    assert normalise(dict(SHAPES[5][1]), "alpaca")[0] == "preference"
    assert normalise(dict(SHAPES[1][1]), "preference")[0] == "preference"
    with pytest.raises(Exception, match="not a preference pair"):
        normalise({"messages": [U]}, "preference")


def test_public_samples_import_as_pairs(public: Path, store: Store, do_import,
                                        tmp_path: Path) -> None:
    lf = tmp_path / "lf_dpo.json"
    lf.write_text(json.dumps(llamafactory_from_hh(
        public / "anthropic_hh_rlhf_harmless_test_300.jsonl")), encoding="utf-8")
    report = do_import(public / "openai_dpo_example.jsonl",
                       public / "anthropic_hh_rlhf_harmless_test_300.jsonl", lf)
    assert [s.preference_shapes for s in report.sources] == [
        {"openai": 50}, {"hh": 300}, {"sharegpt": 300}]
    assert all(s.formats == {"preference": s.records} for s in report.sources)
    # The raw line is kept as it was.
    raw = store.db.execute("SELECT raw FROM records WHERE key LIKE 'anthropic%' "
                           "ORDER BY id LIMIT 1").fetchone()[0]
    assert raw == (public / "anthropic_hh_rlhf_harmless_test_300.jsonl").read_bytes(
        ).splitlines(keepends=True)[0]


# -- checks -----------------------------------------------------------------------------------

def codes(conv: dict[str, Any], profile: str = "openai") -> list[str]:
    return [f.code for f in schema.check_conversation(conv, "preference",
                                                      schema.PROFILES[profile])]


def test_pair_checks() -> None:
    assert codes(pair([U], "4", "5")) == []
    assert codes(pair([U], "4", " 4\n")) == ["preference_outputs_identical"]
    assert codes(pair([U, ans("x")], "4", "5")) == ["preference_prompt_not_user"]
    empty = pair([U], "", "5")
    assert codes(empty) == ["invalid_preference_output"]
    wrong_role = pair([U], "4", "5")
    wrong_role["non_preferred_output"] = [{"role": "user", "content": "5"}]
    assert codes(wrong_role) == ["invalid_preference_output"]
    two = pair([U], "4", "5")
    two["preferred_output"].append(ans("four"))
    assert codes(two) == ["preference_output_messages"]
    assert codes(two, "trl") == []
    image = pair([{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}], "4", "5")
    assert "preference_not_text" in codes(image)
    assert "preference_not_text" not in codes(image, "trl")
    assert "preference_not_supported" in codes(pair([U], "4", "5"), "bedrock")


def test_no_chat_only_false_errors(public: Path, store: Store, do_import,
                                   tmp_path: Path) -> None:
    lf = tmp_path / "lf_dpo.json"
    lf.write_text(json.dumps(llamafactory_from_hh(
        public / "anthropic_hh_rlhf_harmless_test_300.jsonl")), encoding="utf-8")
    do_import(public / "openai_dpo_example.jsonl", lf)
    report = run_job(scan(store, ["schema"]))
    for code in ("unknown_top_level_key", "last_message_not_assistant",
                 "example_missing_assistant_message", "missing_messages_list"):
        assert code not in report.codes
    # The one finding left is real: an HH pair whose preferred answer is empty.
    assert report.codes.get("invalid_preference_output") == 1


def test_tokens_count_the_longer_side(store: Store, write, do_import) -> None:
    long = "word " * 3000
    do_import(write("p.jsonl", json.dumps({"prompt": "hi", "chosen": "ok",
                                           "rejected": long})))
    store.set_setting("max_tokens", 1000)
    run_job(scan(store, ["schema"]))
    tokens = store.db.execute("SELECT tokens FROM records").fetchone()[0]
    assert tokens > 3000
    detail = json.loads(store.db.execute(
        "SELECT detail FROM findings WHERE code = 'too_many_tokens'").fetchone()[0])
    assert detail["per_side"]["preferred"] < 100 < detail["per_side"]["non_preferred"]


def test_duplicates_and_opposite_preferences(store: Store, write, do_import) -> None:
    lines = [
        {"prompt": "Q", "chosen": "A", "rejected": "B"},
        {"prompt": "Q", "chosen": "A", "rejected": "C"},      # another pair, same prompt
        {"prompt": "Q", "chosen": "A", "rejected": " B "},    # a duplicate of the first
        {"prompt": "Q", "chosen": "B", "rejected": "A"},      # the first, reversed
    ]
    do_import(write("p.jsonl", "\n".join(json.dumps(x) for x in lines)))
    hashes = [r[0] for r in store.db.execute("SELECT conv_hash FROM records ORDER BY id")]
    assert hashes[0] != hashes[1]                     # the other answer counts
    inputs = {r[0] for r in store.db.execute("SELECT input_hash FROM records")}
    assert len(inputs) == 1                           # one prompt: one split group
    keys = [preference.pair_key(normalise(x)[1]) for x in lines]
    assert keys[0] == keys[2] and keys[0] != keys[1]
    assert preference.opposite_pairs(
        [(i, k) for i, k in enumerate(keys) if k is not None]) == [(0, 3), (2, 3)]
    run_job(scan(store, ["schema"]))
    found = Counter(r[0] for r in store.db.execute(
        "SELECT r.line FROM findings f JOIN records r ON r.id = f.record_id "
        "WHERE f.code = 'preference_contradiction'"))
    assert found == {1: 1, 3: 1, 4: 1}
    # The similarity check sees the prompt and both answers for exact duplicates.
    run_job(scan(store, ["duplicates"]))
    exact = [sorted(r[0] for r in store.db.execute(
        "SELECT r.line FROM cluster_members m JOIN records r ON r.id = m.record_id "
        "WHERE m.cluster_id = ?", (cid,)))
        for (cid,) in store.db.execute("SELECT id FROM clusters WHERE kind = 'exact'")]
    assert exact == [[1, 3]]


def test_swap_exchanges_the_answers() -> None:
    conv = pair([U], "4", "5")
    swapped = preference.swap(conv)
    assert preference.outputs(swapped) == [[ans("5")], [ans("4")]]
    assert preference.swap(swapped) == conv and conv["preferred_output"] == [ans("4")]


# -- export and round trips ----------------------------------------------------------------------

def do_export(store: Store, outdir: Path, fmt: str, **options: Any) -> Any:
    from curator.core.export import ExportOptions, export
    return run_job(export(store, outdir, ExportOptions(format=fmt, pii="keep", **options)))


def exported_lines(outdir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for name in ("train", "validation", "eval")
            if (outdir / f"{name}.jsonl").exists()
            for line in (outdir / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def pairs_of(objs: list[Any]) -> Counter[tuple[str, str, str]]:
    """Each line read back as (prompt, chosen, rejected) texts, white space normalised."""
    out: Counter[tuple[str, str, str]] = Counter()
    for obj in objs:
        conv = normalise(obj)[1]
        out[(" ".join(preference.side_text(preference.prompt(conv)).split()),
             *(" ".join(preference.side_text(s).split()) for s in preference.outputs(conv)))
            ] += 1
    return out


def trl_file(public: Path, path: Path) -> Path:
    """The OpenAI sample rewritten in TRL's conversational form."""
    lines = []
    for line in (public / "openai_dpo_example.jsonl").read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        lines.append(json.dumps({"prompt": obj["input"]["messages"],
                                 "chosen": obj["preferred_output"],
                                 "rejected": obj["non_preferred_output"]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sample(public: Path, tmp_path: Path, shape: str) -> tuple[Path, list[Any]]:
    """A public sample in ``shape`` and its items."""
    hh = public / "anthropic_hh_rlhf_harmless_test_300.jsonl"
    if shape == "openai":
        path = public / "openai_dpo_example.jsonl"
    elif shape == "trl":
        path = trl_file(public, tmp_path / "trl.jsonl")
    elif shape == "sharegpt":
        path = tmp_path / "lf_dpo.json"
        path.write_text(json.dumps(llamafactory_from_hh(hh)), encoding="utf-8")
    elif shape == "alpaca":
        path = tmp_path / "alpaca_dpo.json"
        items = []
        for line in (public / "openai_dpo_example.jsonl").read_text().splitlines():
            obj = json.loads(line)
            system, user = obj["input"]["messages"]
            items.append({"system": system["content"], "instruction": user["content"],
                          "input": "", "chosen": obj["preferred_output"][0]["content"],
                          "rejected": obj["non_preferred_output"][0]["content"]})
        path.write_text(json.dumps(items), encoding="utf-8")
    else:
        path = hh
    text = path.read_text(encoding="utf-8")
    items = (json.loads(text) if path.suffix == ".json"
             else [json.loads(line) for line in text.splitlines()])
    return path, items


@pytest.mark.parametrize("shape, fmt", [
    ("openai", "openai"), ("trl", "trl"), ("sharegpt", "sharegpt"),
    ("hh", "trl"), ("hh", "openai"), ("alpaca", "sharegpt"), ("openai", "trl"),
])
def test_round_trip_keeps_every_pair_unswapped(public: Path, tmp_path: Path, store: Store,
                                               do_import, shape: str, fmt: str) -> None:
    path, items = sample(public, tmp_path, shape)
    do_import(path)
    report = do_export(store, tmp_path / "out", fmt, accept=["size"])
    lines = exported_lines(tmp_path / "out")
    before, after = pairs_of(items), pairs_of(lines)
    # Every pair but those with an empty answer (HH line 87, left out by the checks).
    dropped = sum(report.excluded.values())
    assert dropped == (1 if shape in ("hh", "sharegpt") else 0)
    assert sum(report.counts.values()) == len(lines) == len(items) - dropped
    assert after <= before and sum((before - after).values()) == dropped
    # Never swapped: no exported pair is an original pair reversed.
    reversed_pairs = {(p, b, a) for p, a, b in before}
    assert not [p for p in after if p in reversed_pairs and p not in before]
    # The export reads back as the same shape.
    assert {preference.source_shape(line) for line in lines} == {
        {"openai": "openai", "trl": "trl", "sharegpt": "sharegpt"}[fmt]}


def test_openai_lines_follow_the_preference_rules(public: Path, tmp_path: Path,
                                                  store: Store, do_import) -> None:
    path, _ = sample(public, tmp_path, "hh")
    do_import(path)
    do_export(store, tmp_path / "out", "openai")
    for line in exported_lines(tmp_path / "out"):
        assert set(line) == {"input", "preferred_output", "non_preferred_output"}
        assert set(line["input"]) == {"messages"}
        for key in ("preferred_output", "non_preferred_output"):
            assert len(line[key]) == 1 and line[key][0]["role"] == "assistant"
            assert line[key][0]["content"].strip()
        assert line["input"]["messages"][-1]["role"] == "user"
        conv = normalise(line)[1]
        assert schema.check_conversation(conv, "preference", schema.PROFILES["openai"]) == []
    card = (tmp_path / "out" / "README.md").read_text()
    assert "OpenAI preference fine-tuning JSONL" in card and "299 preference pairs" in card


def test_pairs_of_one_prompt_share_a_split(store: Store, write, do_import,
                                           tmp_path: Path) -> None:
    lines = [{"prompt": f"Question {q}?", "chosen": f"Good {q}.{k}", "rejected": f"Bad {q}.{k}"}
             for q in range(30) for k in range(3)]
    do_import(write("p.jsonl", "\n".join(json.dumps(x) for x in lines)))
    do_export(store, tmp_path / "out", "trl", val_fraction=0.3)
    splits: dict[str, set[str]] = {}
    for name in ("train", "validation"):
        for line in (tmp_path / "out" / f"{name}.jsonl").read_text().splitlines():
            splits.setdefault(json.loads(line)["prompt"][0]["content"], set()).add(name)
    assert len(splits) == 30 and all(len(s) == 1 for s in splits.values())
    assert {s for v in splits.values() for s in v} == {"train", "validation"}


@pytest.mark.parametrize("fmt", ["openai", "trl", "sharegpt"])
def test_datasets_loads_every_file(public: Path, tmp_path: Path, store: Store, do_import,
                                   fmt: str) -> None:
    datasets = pytest.importorskip("datasets")
    do_import(sample(public, tmp_path, "hh")[0], public / "openai_dpo_example.jsonl")
    do_export(store, tmp_path / "out", fmt)
    files = {name: str(tmp_path / "out" / f"{name}.jsonl") for name in ("train", "validation")}
    loaded = datasets.load_dataset("json", data_files=files,
                                   cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].num_rows + loaded["validation"].num_rows == 349
    columns = {"openai": {"input", "preferred_output", "non_preferred_output"},
               "trl": {"prompt", "chosen", "rejected"},
               "sharegpt": {"id", "conversations", "chosen", "rejected"}}[fmt]
    assert set(loaded["train"].column_names) == columns


def test_pairs_of_one_prompt_are_not_contradictions(store: Store, write, do_import,
                                                    tmp_path: Path) -> None:
    bread = "Mix flour, water, salt and yeast, knead, let it rise, then bake for 30 minutes."
    lines = [{"prompt": "How do I bake bread at home?", "chosen": c, "rejected": r}
             for c, r in [(bread, "Buy it at the shop."), (bread, "Bread is made of flour."),
                          ("Use a sourdough starter, proof overnight, bake in a dutch oven.",
                           "I don't know.")]]
    lines += [{"prompt": "What is the capital of France?", "chosen": "Paris.",
               "rejected": "Lyon."},
              {"prompt": "What is the capital of France?", "chosen": "Lyon.",
               "rejected": "Paris."}]
    do_import(write("p.jsonl", "\n".join(json.dumps(x) for x in lines)))
    run_job(scan(store, ["schema", "duplicates", "contradictions"]))
    kinds = Counter((k, c) for k, c in store.db.execute(
        "SELECT kind, code FROM findings WHERE record_id IS NOT NULL"))
    assert not [k for k in kinds if k[0] in ("contradiction", "duplicate")]
    assert kinds[("schema", "preference_contradiction")] == 2
    report = do_export(store, tmp_path / "out", "trl", accept=["size"])
    # The three pairs about bread are kept; the two opposite ones wait for a decision.
    assert sum(report.counts.values()) == 3 and report.excluded["schema_error"] == 2
