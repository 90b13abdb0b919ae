"""An edit keeps the record's token count true: the window's header and the CLI's
`records --json` read records.tokens (issue 20: the header kept the old count)."""

from __future__ import annotations

import json
from pathlib import Path

from curator.core.checks.scan import scan
from curator.core.checks.tokens import TokenCounter
from curator.core.ingest import import_files
from curator.core.jobs import run_job
from curator.core.store import Store
from curator.core.store.review import save_revision

CONVERSATION = {"messages": [{"role": "user", "content": "Where is my parcel?"},
                             {"role": "assistant", "content": "It ships tomorrow."}]}


def tokens_of(store: Store, key: str) -> int | None:
    row = store.db.execute("SELECT tokens FROM records WHERE key = ?", (key,)).fetchone()
    return None if row[0] is None else int(row[0])


def project_with_one_record(tmp_path: Path) -> Store:
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps({**CONVERSATION, "id": "r1"}) + "\n")
    store = Store.open(tmp_path / "p.curator", create=True)
    run_job(import_files(store, [data], actor="t"))
    return store


def test_an_edit_recounts_the_tokens_a_scan_counted(tmp_path: Path) -> None:
    with project_with_one_record(tmp_path) as store:
        run_job(scan(store, ["schema"], actor="t"))
        before = tokens_of(store, "r1")
        longer = {"messages": [CONVERSATION["messages"][0],
                               {"role": "assistant",
                                "content": "It ships tomorrow, and you will get an e-mail "
                                           "with the tracking number as soon as it does."}]}
        save_revision(store, store.record("r1")["id"], longer, "t")
        after = tokens_of(store, "r1")
        assert before is not None and after is not None and after > before
        assert after == TokenCounter().count(longer)[0]
        run_job(scan(store, ["schema"], actor="t"))
        assert tokens_of(store, "r1") == after          # what a scan says too


def test_an_edit_before_any_scan_counts_nothing(tmp_path: Path) -> None:
    with project_with_one_record(tmp_path) as store:
        save_revision(store, store.record("r1")["id"], CONVERSATION, "t")
        assert tokens_of(store, "r1") is None
