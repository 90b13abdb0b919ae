"""Project settings users may change, checked before they are stored."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from curator.core.errors import CuratorError
from curator.core.store import Store
from curator.core.vocabulary import PROFILE_CHOICES

#: Setting name -> what it is.
KNOWN = {
    "profile": f"vendor rules for the schema check ({', '.join(PROFILE_CHOICES)})",
    "max_tokens": "token limit per example",
    "pii": "personal-data check: entities, threshold, language, model, allow_list",
    "similarity": "duplicate and contradiction thresholds",
    "guidelines": "labelling guidelines (Markdown)",
}


def show_settings(store: Store) -> dict[str, Any]:
    """Every known setting with its current value (defaults filled in)."""
    from curator.core.checks import similarity
    from curator.core.checks.pii import settings_from_store

    return {
        "profile": store.setting("profile", "auto"),
        "max_tokens": store.setting("max_tokens"),
        "pii": settings_from_store(store).model_dump(),
        "similarity": similarity.settings(store),
        "guidelines": store.setting("guidelines", ""),
    }


def set_project_setting(store: Store, key: str, value: Any, actor: str) -> Any:
    """Check ``value`` and store it; returns the setting as now in force.

    For ``pii`` and ``similarity`` a partial dict changes only the keys it names.
    """
    if key == "pii":
        from curator.core.checks.pii import PiiSettings, settings_from_store

        if not isinstance(value, dict):
            raise CuratorError("The pii setting is an object, e.g. {\"threshold\": 0.6}.")
        try:
            merged = PiiSettings.model_validate(
                {**settings_from_store(store).model_dump(), **value})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CuratorError(f"pii.{'.'.join(map(str, first['loc']))}: {first['msg']}."
                               ) from None
        store.set_setting("pii", merged.model_dump(), actor)
        return merged.model_dump()
    if key == "similarity":
        from curator.core.checks import similarity

        if not isinstance(value, dict):
            raise CuratorError("The similarity setting is an object, e.g. "
                               "{\"near_duplicate\": 0.92}.")
        current = store.setting("similarity", {}) or {}
        store.set_setting("similarity", {**current, **value}, actor)
        try:
            return similarity.settings(store)
        except CuratorError:
            store.set_setting("similarity", current, actor)
            raise
    if key == "profile":
        if value not in PROFILE_CHOICES:
            raise CuratorError(f"profile is one of {', '.join(PROFILE_CHOICES)}.")
    elif key == "max_tokens":
        if value is not None and (not isinstance(value, int) or value < 1):
            raise CuratorError("max_tokens is a whole number of tokens (or null).")
    elif key == "guidelines" and not isinstance(value, str):
        raise CuratorError("guidelines is a Markdown text (a JSON string).")
    store.set_setting(key, value, actor)
    return value
