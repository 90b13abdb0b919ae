"""The desktop packaging files and the wheel's package data (not the bundle build itself:
that is packaging/build, with packaging/smoke_test, run by hand; see docs/packaging.md)."""

from __future__ import annotations

import configparser
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import curator

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.curator.Curator"


def load_build_script():  # type: ignore[no-untyped-def]
    loader = importlib.machinery.SourceFileLoader("curator_build", str(PACKAGING / "build"))
    spec = importlib.util.spec_from_loader("curator_build", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_build_script_names_the_archive_after_the_package_version() -> None:
    build = load_build_script()
    assert build.version() == curator.__version__
    assert build.platform_tag().count("-") == 1


def test_scripts_are_executable() -> None:
    if os.name == "nt":
        pytest.skip("no executable bit on Windows")
    for name in ("build", "smoke_test", "linux/install.sh"):
        assert os.access(PACKAGING / name, os.X_OK), name


def test_desktop_entry() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(PACKAGING / "linux" / f"{APP_ID}.desktop")
    group = entry["Desktop Entry"]
    assert group["Type"] == "Application"
    assert group["Exec"].split()[0] == "curator-gui"
    assert group["Icon"] == APP_ID
    assert group["Categories"].endswith(";")


def test_metainfo_template() -> None:
    text = (PACKAGING / "linux" / f"{APP_ID}.metainfo.xml.in").read_text()
    root = ET.fromstring(text.replace("@VERSION@", "1.2.3").replace("@DATE@", "2026-01-01"))
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"  # type: ignore[union-attr]
    assert root.find("releases/release").get("version") == "1.2.3"  # type: ignore[union-attr]


def test_nothing_in_the_package_imports_packaging() -> None:
    for path in (ROOT / "curator").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import packaging" not in text and "from packaging" not in text, path


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject lists the packages (resources/ is mapped in from outside curator/): a
    new subpackage left off the list would be missing from the wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "curator").rglob("__init__.py")}
    assert found | {"curator.resources"} == listed


def test_wheel_puts_resources_inside_the_package(tmp_path: Path) -> None:
    """The wheel carries resources/ as curator/resources/, where resources_dir() finds
    them in an installed (non-editable) package."""
    import zipfile

    out = tmp_path / "wheel"
    subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                    "build_meta.build_wheel(sys.argv[1])", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    [wheel] = out.glob("*.whl")
    lib = tmp_path / "lib"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(lib)
    bundled = lib / "curator" / "resources"
    assert (bundled / "style.qss").is_file()
    assert (bundled / "icons" / "curator.svg").is_file()
    assert sorted(p.name for p in (bundled / "sample").iterdir()) == sorted(
        p.name for p in (ROOT / "resources" / "sample").iterdir())
    found = subprocess.run(
        [sys.executable, "-c", "from curator.core.resources import resources_dir, "
         "sample_files; print(resources_dir()); print(len(sample_files()))"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(lib)}, check=True,
        capture_output=True, text=True).stdout.split()
    assert Path(found[0]) == bundled
    assert int(found[1]) >= 2
