"""Asking who is at the keyboard (the rule itself is curator.core.identity)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from curator.core.identity import login_name

WELCOME = "Your name, as it should appear in the audit trail of every review and label:"
CHANGE = ("Work as (the name that goes into the audit trail of every review and label "
          "from now on):")


def ask_user_name(parent: QWidget | None, current: str = "", first: bool = True
                  ) -> str | None:
    """Ask for a name (the login name offered at first); None when none was given."""
    name, ok = QInputDialog.getText(
        parent, "Welcome to Curator" if first else "Change user", WELCOME if first else CHANGE,
        text=current or login_name() or "")
    name = " ".join(name.split()) if ok else ""
    return name or None
