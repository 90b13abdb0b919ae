"""curator swap: a preference pair's chosen and rejected answers exchanged (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from curator.cli import cli
from curator.core.store import Store
from curator.core.store.review import revisions

DATA = Path(__file__).resolve().parents[1] / "data"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False,
                                env={"CURATOR_USER": "dana"})
    return result.exit_code, result.stdout, result.stderr


def exported(out: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    """The exported OpenAI preference lines, by their first user message."""
    lines = [json.loads(line) for name in ("train", "validation")
             for line in (out / f"{name}.jsonl").read_text().splitlines()]
    return {line["input"]["messages"][-1]["content"]: line for line in lines}


def test_swap_exports_the_pair_the_other_way_round(tmp_path: Path) -> None:
    project = str(tmp_path / "p.curator")
    assert run("import", project, str(DATA / "openai_dpo_example.jsonl"))[0] == 0
    with Store.open(Path(project)) as store:
        key = store.db.execute("SELECT key FROM records ORDER BY id LIMIT 1").fetchone()[0]
    code, out, _ = run("export", project, str(tmp_path / "before"), "--pii", "keep")
    assert code == 0, out
    code, out, _ = run("swap", project, key, "--json")
    assert code == 0, out
    assert json.loads(out) == {"swapped": 1, "revisions": {key: 1}}
    code, out, _ = run("export", project, str(tmp_path / "after"), "--pii", "keep")
    assert code == 0, out
    before, after = exported(tmp_path / "before"), exported(tmp_path / "after")
    changed = [p for p in before if before[p] != after[p]]
    assert len(changed) == 1
    was, now = before[changed[0]], after[changed[0]]
    assert now["preferred_output"] == was["non_preferred_output"]
    assert now["non_preferred_output"] == was["preferred_output"]
    with Store.open(Path(project)) as store:
        (rev,) = revisions(store, store.record(key)["id"])  # type: ignore[index]
        assert (rev["author"], rev["note"]) == ("dana", "swap")


def test_swap_refuses_a_chat_and_changes_nothing(tmp_path: Path) -> None:
    project = str(tmp_path / "p.curator")
    chat = tmp_path / "chat.jsonl"
    chat.write_text(json.dumps({"id": "c1", "messages": [
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}) + "\n")
    assert run("import", project, str(DATA / "openai_dpo_example.jsonl"), str(chat))[0] == 0
    with Store.open(Path(project)) as store:
        pair = store.db.execute("SELECT key FROM records ORDER BY id LIMIT 1").fetchone()[0]
    code, _, err = run("swap", project, pair, "c1")
    assert code == 1 and "c1 is not a preference pair" in err
    assert "Traceback" not in err
    with Store.open(Path(project)) as store:
        assert store.db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 0
    code, _, err = run("swap", project, "nope")
    assert code == 1 and "No record called nope" in err
