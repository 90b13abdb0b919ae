"""Who is acting: one rule for the command line and the window.

The name that goes into the audit trail (and labels as the annotator) is, first found:

1. the name given explicitly (``curator --as NAME``, ``curator gui --as NAME``, or File →
   Change user… in the window),
2. the ``CURATOR_USER`` environment variable,
3. the name saved in the window's settings (asked once at the first start),
4. the operating system's login name,

and ``unknown`` only when none of these gives a name.
"""

from __future__ import annotations

import getpass
import os

#: The environment variable that names who is acting.
ENV_VAR = "CURATOR_USER"
UNKNOWN = "unknown"


def login_name() -> str | None:
    """The operating system's name for the person logged in, if it has one."""
    try:
        return getpass.getuser() or None
    except Exception:  # noqa: BLE001 - no user database entry (a container): no name
        return None


def _clean(name: str | None) -> str:
    return " ".join(str(name or "").split())


def chosen_actor(explicit: str | None = None, settings_value: str | None = None) -> str | None:
    """The name someone chose (flag, environment or saved setting), or None if nobody did."""
    for candidate in (explicit, os.environ.get(ENV_VAR), settings_value):
        name = _clean(candidate)
        if name:
            return name
    return None


def current_actor(explicit: str | None = None, settings_value: str | None = None) -> str:
    """Who is acting: the explicit name, ``CURATOR_USER``, the saved name, the login name."""
    return chosen_actor(explicit, settings_value) or _clean(login_name()) or UNKNOWN
