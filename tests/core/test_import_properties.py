"""Property: whatever the bytes, import never crashes and keeps every non-blank line."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.core.errors import InputFileError
from curator.core.ingest import import_files
from curator.core.ingest.source import sniff
from curator.core.jobs import run_job
from curator.core.store import Store

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["messages", "role", "content", "conversations", "from",
                                       "value", "id", "tools", "tool_calls", "weight",
                                       "instruction", "output", "system", "x"]),
                      inner, max_size=4),
    max_leaves=12,
)


def import_bytes(tmp_path: Path, name: str, data: bytes) -> tuple[Store, object]:
    path = tmp_path / name
    path.write_bytes(data)
    project = tmp_path / f"{name}.curator"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{project}{suffix}").unlink(missing_ok=True)
    store = Store.open(project, create=True)
    return store, run_job(import_files(store, [path]))


def non_blank_lines(data: bytes) -> int:
    return sum(1 for line in data.split(b"\n") if line.strip(b" \t\r\n\x0b\x0c"))


@SETTINGS
@given(lines=st.lists(st.binary(max_size=60).filter(lambda b: b"\n" not in b), max_size=12))
def test_arbitrary_bytes_never_crash_and_keep_every_line(tmp_path: Path, lines: list[bytes]
                                                         ) -> None:
    data = b"\n".join([b'{"messages": []}', *lines]) + b"\n"
    store, report = import_bytes(tmp_path, "bytes.jsonl", data)
    with store:
        try:
            layout = sniff(tmp_path / "bytes.jsonl")
        except InputFileError:
            assert report.failed and store.record_count() == 0  # type: ignore[attr-defined]
            return
        if layout.kind == "jsonl" and layout.encoding == "utf-8":
            assert store.record_count() == non_blank_lines(data)
            raws = [r[0] for r in store.db.execute("SELECT raw FROM records ORDER BY id")]
            assert all(raw.rstrip(b"\n") in data for raw in raws)
        else:
            assert store.record_count() >= 1


@SETTINGS
@given(values=st.lists(json_values, min_size=1, max_size=10))
def test_arbitrary_json_values_become_one_record_each(tmp_path: Path, values: list[object]
                                                      ) -> None:
    lines = [json.dumps(v) for v in values]
    data = ("\n".join(['{"messages": []}', *lines]) + "\n").encode()
    store, report = import_bytes(tmp_path, "values.jsonl", data)
    with store:
        assert store.record_count() == non_blank_lines(data)
        assert report.records == len(values) + 1  # type: ignore[attr-defined]


@SETTINGS
@given(values=st.lists(json_values, max_size=10))
def test_arbitrary_json_arrays_become_one_record_per_item(tmp_path: Path, values: list[object]
                                                          ) -> None:
    data = json.dumps(values, indent=1).encode()
    store, report = import_bytes(tmp_path, "array.json", data)
    with store:
        assert store.record_count() == len(values)
        assert [json.loads(r[0]) for r in store.db.execute(
            "SELECT raw FROM records ORDER BY id")] == values
