"""Failures reach the user as one line that says what to do, never "unexpected problem"."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from curator.cli import reports_errors

ROOT = Path(__file__).resolve().parents[2]


def run_failing(exc: BaseException) -> tuple[int, str]:
    @click.command()
    @reports_errors
    def failing() -> None:
        raise exc

    result = CliRunner().invoke(failing, [])
    return result.exit_code, result.output


def test_a_busy_folder_says_it_is_in_use_and_what_to_do() -> None:
    code, output = run_failing(OSError(errno.EBUSY, "Device or resource busy", "out"))
    assert code == 1
    assert "unexpected" not in output
    assert "out" in output and "in use" in output and "Choose another folder" in output


def test_a_full_disk_says_so() -> None:
    code, output = run_failing(OSError(errno.ENOSPC, "No space left on device", "x.csv"))
    assert code == 1
    assert "disk is full" in output and "unexpected" not in output


def test_an_sqlite_error_is_put_in_words() -> None:
    code, output = run_failing(sqlite3.OperationalError("attempt to write a readonly database"))
    assert code == 1
    assert "read-only" in output and "unexpected" not in output


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_creating_a_project_in_a_read_only_folder_names_the_folder() -> None:
    folder = Path(tempfile.mkdtemp(prefix="curator-ro-", dir="/tmp"))
    try:
        folder.chmod(0o555)
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] \
            if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "curator", "import", str(folder / "p.curator"),
             str(ROOT / "resources" / "sample" / "acme_support.jsonl")],
            cwd=ROOT, text=True, capture_output=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 1
        assert "is read-only" in result.stderr and str(folder) in result.stderr
    finally:
        folder.chmod(0o755)
        folder.rmdir()
