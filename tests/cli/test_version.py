"""The version comes from one place: curator.__version__ (pyproject.toml reads it too)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from click.testing import CliRunner

import curator
from curator.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_a_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?(a|b|rc|dev|post)\d*)?", curator.__version__)


def test_cli_version_is_the_package_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"curator, version {curator.__version__}"


def test_about_dialog_shows_the_package_version() -> None:
    from curator.app.main_window import about_text

    text = about_text()
    assert f"Curator {curator.__version__}<" in text
    # and no other release number of Curator's own
    assert re.findall(r"Curator (\d[\w.]*)", text) == [curator.__version__]


def test_pyproject_takes_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "curator.__version__"
