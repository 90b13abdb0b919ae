"""Shared fixtures: a fresh project, a file writer, the public sample data."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from curator.core.jobs import run_job
from curator.core.store import Store

# Tests must pass with no network: make any accidental hub access fail fast.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def public() -> Path:
    """The folder of public sample files (tests/data; see its PROVENANCE.md)."""
    return DATA


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "test.curator", create=True) as opened:
        yield opened


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write bytes or text to a file in tmp_path and return its path."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


@pytest.fixture
def do_import(store: Store):  # type: ignore[no-untyped-def]
    """Import paths into the test project and return the report."""
    from curator.core.ingest import import_files

    def _import(*paths: Path, fmt: str = "auto"):  # type: ignore[no-untyped-def]
        return run_job(import_files(store, list(paths), fmt))

    return _import


@pytest.fixture
def load(write, do_import):  # type: ignore[no-untyped-def]
    """Import conversations (dicts) as a new JSONL file each call."""
    counter = iter(range(1000))

    def _load(*convs: dict[str, Any]) -> None:
        name = f"part{next(counter)}.jsonl"
        do_import(write(name, "".join(json.dumps(c) + "\n" for c in convs)))

    return _load



@pytest.fixture(scope="session")
def pii_analyzer():  # type: ignore[no-untyped-def]
    """The real PII analyzer (Presidio + the installed spaCy model), built once.

    Built with the network refused: any connection attempt fails the session.
    """
    import socket

    from curator.core.checks import pii

    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args[:2])
        raise OSError("tests must not use the network")

    with pytest.MonkeyPatch.context() as mp:
        for name in ("connect", "connect_ex"):
            mp.setattr(socket.socket, name, refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        mp.setattr(socket, "create_connection", refuse)
        built, warnings = pii.build_analyzer(pii.PiiSettings())
    assert warnings == [] and attempts == []
    return built


@pytest.fixture
def pack_project(tmp_path: Path) -> Path:
    """The demo project plus a batch "round1" of its other records for alice and bob
    (overlap 2: both get every record), to hand out as annotation packs."""
    from curator.core.demo import build_demo
    from curator.core.labeling.assignment import create_batch

    path, _ = build_demo(tmp_path / "coord.curator", run_job, kinds=("schema",))
    with Store.open(path) as store:
        ids = [r for (r,) in store.db.execute(
            "SELECT id FROM records WHERE valid AND id NOT IN "
            "(SELECT record_id FROM assignments) ORDER BY id")]
        create_batch(store, "round1", ids, ["alice", "bob"], overlap=2)
    return path
