"""A project open in one process stays safe while the same process opens it again.

Closing any descriptor of a database file drops every POSIX lock the process holds on
it. If Curator read the project's header with ``open()``, a second ``Store.open`` in the
window (each background job opens one) would silently release the window's locks, and
a ``curator`` command in a terminal would take itself for the last user and delete the
``-wal`` and ``-shm`` files still in use: committed writes vanish, the window reports
"database disk image is malformed".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from curator.core.store import Store

ROOT = Path(__file__).resolve().parents[2]


def curator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "curator", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_second_open_in_the_process_keeps_the_first_ones_wal(tmp_path: Path) -> None:
    project = tmp_path / "p.curator"
    first = Store.open(project, create=True)
    try:
        first.set_setting("probe", 1, actor="window")
        Store.open(project).close()                 # a background job comes and goes
        assert curator("stats", str(project)).returncode == 0
        assert Path(f"{project}-wal").exists()
        assert Path(f"{project}-shm").exists()
        first.set_setting("probe", 2, actor="window")   # the window goes on writing
    finally:
        first.close()
    with Store.open(project) as again:
        assert again.setting("probe") == 2
        assert again.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_writes_on_both_sides_are_all_found_afterwards(tmp_path: Path) -> None:
    """The window's connection, its jobs and command-line writers, interleaved."""
    project = tmp_path / "p.curator"
    window = Store.open(project, create=True)
    try:
        for n in range(5):
            with Store.open(project) as job:            # a job of the window
                job.set_setting(f"job{n}", n, actor="job")
            data = tmp_path / f"f{n}.jsonl"
            data.write_text(
                f'{{"messages": [{{"role": "user", "content": "q{n}"}}, '
                f'{{"role": "assistant", "content": "a{n}"}}]}}\n')
            result = curator("import", str(project), str(data))
            assert result.returncode == 0, result.stderr
            assert curator("stats", str(project)).returncode == 0
            window.set_setting(f"window{n}", n, actor="window")
        assert window.record_count() == 5
    finally:
        window.close()
    with Store.open(project) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.record_count() == 5
        for n in range(5):
            assert store.setting(f"job{n}") == n
            assert store.setting(f"window{n}") == n


def as_unprivileged_user() -> list[str]:
    """A command prefix that drops root, whose file permissions would not apply."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to test permissions as root"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_a_project_in_a_read_only_folder_is_explained_not_called_damaged() -> None:
    """A WAL project whose folder cannot take its -shm file: say so, not "damaged"."""
    folder = Path(tempfile.mkdtemp(prefix="curator-ro-", dir="/tmp"))
    try:
        folder.chmod(0o777)
        writer = Store.open(folder / "src.curator", create=True)
        writer.set_setting("profile", "openai")            # committed to the -wal only
        shutil.copy(folder / "src.curator", folder / "p.curator")
        shutil.copy(folder / "src.curator-wal", folder / "p.curator-wal")
        writer.close()
        for name in ("p.curator", "p.curator-wal"):
            (folder / name).chmod(0o644)
        folder.chmod(0o555)
        result = subprocess.run(
            [*as_unprivileged_user(), sys.executable, "-m", "curator", "stats",
             str(folder / "p.curator")],
            cwd=ROOT, text=True, capture_output=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 1
        assert "damaged" not in result.stderr
        assert "read-only" in result.stderr and "Copy the project" in result.stderr
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)
