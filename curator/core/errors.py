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


def explain_os_error(exc: OSError) -> str:
    """What an operating-system error means for the user, and what to do about it.

    ``str(OSError)`` reads "[Errno 16] Device or resource busy: 'out'": true, but it
    says neither which of Curator's steps failed nor what the user can do.
    """
    import errno

    where = f" {exc.filename}" if exc.filename else ""
    if exc.filename2:
        where += f" -> {exc.filename2}"
    advice = {
        errno.EBUSY: "it is in use: a mount point, or open in another program. Choose "
                     "another folder (for an export, a new folder inside the mount point), "
                     "or close the program that uses it.",
        errno.EACCES: "permission denied. Choose a place you can write to, or ask for "
                      "access.",
        errno.EPERM: "the operating system does not allow this. Choose another place, or "
                     "ask for access.",
        errno.EROFS: "the file system is read-only. Choose a place you can write to.",
        errno.ENOSPC: "the disk is full. Free some space and try again; nothing was "
                      "half-written.",
        errno.EDQUOT: "your disk quota is used up. Free some space and try again.",
        errno.ENOENT: "it does not exist. Check the path.",
        errno.EISDIR: "it is a folder, not a file. Name a file.",
        errno.ENOTDIR: "a part of the path is a file, not a folder. Check the path.",
        errno.ENAMETOOLONG: "the name is too long. Choose a shorter name.",
        errno.EMFILE: "too many files are open. Close some programs and try again.",
        errno.EXDEV: "it is on another disk than its destination. Choose a folder on the "
                     "same disk.",
        errno.ENOTEMPTY: "the folder is not empty.",
        errno.EEXIST: "it already exists.",
    }.get(exc.errno or 0)
    if advice is None:
        advice = f"{exc.strerror or exc}."
    return f"Cannot use{where}: {advice}"
