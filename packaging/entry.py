"""Entry point of the desktop bundle: one program under two names.

``curator-gui`` opens the window (on a project, if one is named). ``curator`` with no
arguments does the same on a desktop; with arguments it is the command line
(``curator --help``). Only the bundle uses this file; a pip install gets the same two
commands from pyproject.toml's entry points.
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def main() -> None:
    # The personal-data scan runs Presidio in "spawn" worker processes: in a frozen
    # program those start this executable again, and freeze_support() runs the worker.
    multiprocessing.freeze_support()
    # The models are inside the bundle: never ask a model hub for anything.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    name = os.path.splitext(os.path.basename(sys.executable))[0].lower()
    if name == "curator-gui" or (len(sys.argv) == 1 and _has_display()):
        from curator.app.launch import main as gui_main

        gui_main()
    else:
        from curator.cli import main as cli_main

        cli_main()


def _has_display() -> bool:
    from curator.app.launch import has_display

    return has_display()


if __name__ == "__main__":
    main()
