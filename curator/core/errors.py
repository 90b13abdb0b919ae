"""Errors written for the person using Curator, not for a programmer.

Every message says what happened, where (file, line) when that is known, and what to
do next. Front ends print ``str(error)`` as it is: no traceback.
"""

from __future__ import annotations


class CuratorError(Exception):
    """Base of every error Curator reports to its user."""


class NotAProjectError(CuratorError):
    """The file is not a Curator project (or is damaged)."""


class NewerProjectError(CuratorError):
    """The project was written by a newer Curator than this one."""


class InputFileError(CuratorError):
    """A data file cannot be imported at all (missing, empty, binary, CSV ...)."""


class DiskFullError(CuratorError):
    """The disk filled up; the operation was rolled back."""


class Cancelled(CuratorError):
    """The user cancelled a job; everything it did was rolled back.

    Not an error to show: front ends report it quietly.
    """
