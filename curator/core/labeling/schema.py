"""The label schema: fields with options, rating scales and free text.

A field is one question asked of every record: ``single`` (one option), ``multi`` (any
number of options), ``rating`` (a whole number 1..scale), ``text`` (free text) or
``pairwise`` (which of a preference record's two answers is better, asked blind:
:mod:`curator.core.labeling.pairwise`).

Editing the schema never touches a label. An option can be *archived*: it leaves the
buttons but stays a valid value, so the labels that use it keep their meaning. An option
that is removed (or renamed, which is a removal plus an addition) is gone from the
schema; the labels that hold it are kept as they were and listed by :func:`stale_labels`
for someone to relabel. A field can be archived the same way (its labels stay).

Values are stored as JSON text: a string for ``single`` and ``text``, an int for
``rating``, a list of strings in option order for ``multi``, and an object
``{"better": "A" | "B" | "tie", "shown": [...]}`` for ``pairwise``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from curator.core.errors import CuratorError
from curator.core.jsontext import compact
from curator.core.labeling import pairwise
from curator.core.store.store import Store, now

KINDS = ("single", "multi", "rating", "text", "pairwise")
#: Largest rating scale: each point gets one key (1..9, then 0 for 10).
MAX_SCALE = 10
#: Keys the labelling panel keeps for itself (Enter, Backspace ... are not characters).
RESERVED_KEYS = frozenset(" ")


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a ``single`` or ``multi`` field."""

    value: str
    description: str = ""
    key: str | None = None
    archived: bool = False


@dataclass(frozen=True, slots=True)
class LabelField:
    """One question of the label schema."""

    id: int
    name: str
    kind: str
    options: tuple[Option, ...] = ()
    scale: int | None = None
    description: str = ""
    position: int = 0
    archived: bool = False

    @property
    def active_options(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if not o.archived)

    @property
    def values(self) -> tuple[str, ...]:
        """Every valid option value, archived ones included."""
        return tuple(o.value for o in self.options)

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def choices(self) -> list[Any]:
        """What the buttons offer: active option values, 1..scale, or a pair's outcomes."""
        if self.kind == "rating":
            return list(range(1, (self.scale or 0) + 1))
        if self.kind == "pairwise":
            return list(pairwise.OUTCOMES)
        return [o.value for o in self.active_options]

    def keys(self) -> dict[str, Any]:
        """Keyboard key -> the choice it picks (lowercase keys).

        An option's own ``key`` wins; the other active options take the digits 1..9 not
        taken, in order. Ratings use 1..9 and 0 for 10.
        """
        if self.kind == "rating":
            return {str(n % 10): n for n in self.choices()}
        if self.kind not in ("single", "multi"):
            return {}
        taken = {o.key.lower(): o.value for o in self.active_options if o.key}
        digits = (d for d in "123456789" if d not in taken)
        keys = dict(taken)
        for option in self.active_options:
            if not option.key:
                digit = next(digits, None)
                if digit is None:
                    break
                keys[digit] = option.value
        return keys

    def to_dict(self) -> dict[str, Any]:
        """The field as plain JSON (for packs, exports and ``--json``)."""
        out = asdict(self)
        out["options"] = [asdict(o) for o in self.options]
        return out


@dataclass(slots=True)
class StaleLabel:
    """Labels of one field holding a value the schema no longer offers."""

    field: str
    value: Any
    count: int
    # dataclasses.field by its full name: the attribute above shadows it in the class body
    records: list[int] = dataclasses.field(default_factory=list)


# -- values --------------------------------------------------------------------------




def load_value(text: str) -> Any:
    return json.loads(text)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else compact(value)


def normalise_value(fld: LabelField, value: Any) -> Any:
    """``value`` in its stored form for ``fld``, or a :class:`CuratorError` saying why not.

    ``None`` (and an empty text or selection) means "no label" and comes back as None.
    """
    if value is None:
        return None
    if fld.kind == "pairwise":
        return pairwise.normalise(fld.name, value)
    if fld.kind == "text":
        if not isinstance(value, str):
            raise CuratorError(f'The field "{fld.name}" takes text, not {_show(value)}.')
        return value if value.strip() else None
    if fld.kind == "rating":
        number: Any = value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value.strip())
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int):
            raise CuratorError(f'The field "{fld.name}" takes a rating from 1 to '
                               f"{fld.scale}, not {_show(value)}.")
        if not 1 <= number <= (fld.scale or 0):
            raise CuratorError(f'{number} is outside the rating scale of "{fld.name}" '
                               f"(1 to {fld.scale}).")
        return number
    if fld.kind == "single":
        text = _option_text(value)
        _check_option(fld, text)
        return text
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set | frozenset):
        raise CuratorError(f'The field "{fld.name}" takes a list of options, not '
                           f"{_show(value)}.")
    chosen = {_option_text(item) for item in items}
    for item in chosen:
        _check_option(fld, item)
    ordered = [v for v in fld.values if v in chosen]
    return ordered or None


def _option_text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return _show(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_option(fld: LabelField, value: str) -> None:
    if value not in fld.values:
        offered = ", ".join(fld.choices()) or "none yet"
        raise CuratorError(f'"{value}" is not an option of the field "{fld.name}". '
                           f"Its options are: {offered}.")


def parse_value(fld: LabelField, text: str) -> Any:
    """A value typed by a person or read from a CSV cell, normalised for ``fld``.

    ``multi`` takes a JSON list (``["a", "b"]``) or options separated by commas;
    ``pairwise`` takes A, B, tie or a JSON object.
    """
    text = text.strip() if fld.kind != "text" else text
    if fld.kind == "multi":
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                raise CuratorError(f'"{text}" is not a valid list for "{fld.name}": write '
                                   'it as ["a", "b"] or a, b.') from None
        else:
            items = [part.strip() for part in text.split(",") if part.strip()]
        return normalise_value(fld, items)
    return normalise_value(fld, text)


def values_equal(a: Any, b: Any) -> bool:
    """Whether two values say the same (pairwise ones: the same outcome)."""
    return compact(pairwise.outcome(a)) == compact(pairwise.outcome(b))


# -- reading -------------------------------------------------------------------------

_COLUMNS = "id, name, kind, options, scale, description, position, archived"


def _from_row(row: Sequence[Any]) -> LabelField:
    options = tuple(Option(value=o["value"], description=o.get("description", ""),
                           key=o.get("key"), archived=bool(o.get("archived", False)))
                    for o in json.loads(row[3]))
    return LabelField(id=row[0], name=row[1], kind=row[2], options=options, scale=row[4],
                      description=row[5], position=row[6], archived=bool(row[7]))


def fields(store: Store, include_archived: bool = False) -> list[LabelField]:
    """The schema's fields in their order (archived ones only when asked)."""
    sql = f"SELECT {_COLUMNS} FROM label_fields"
    if not include_archived:
        sql += " WHERE NOT archived"
    return [_from_row(r) for r in store.db.execute(sql + " ORDER BY position, id")]


def get_field(store: Store, name: str | LabelField) -> LabelField:
    """The field called ``name`` (archived or not); a :class:`CuratorError` if none."""
    if isinstance(name, LabelField):
        name = name.name
    row = store.db.execute(f"SELECT {_COLUMNS} FROM label_fields WHERE name = ?",
                           (name,)).fetchone()
    if row is None:
        known = ", ".join(f.name for f in fields(store)) or "none yet"
        raise CuratorError(f'There is no label field "{name}". Fields: {known}.')
    return _from_row(row)


def field_by_id(store: Store, field_id: int) -> LabelField:
    row = store.db.execute(f"SELECT {_COLUMNS} FROM label_fields WHERE id = ?",
                           (field_id,)).fetchone()
    if row is None:
        raise CuratorError("That label field no longer exists.")
    return _from_row(row)


def schema_version(store: Store) -> str:
    """A hash of the active schema: names, kinds, active options, scales, descriptions.

    Equal schemas give equal versions in any project; option keys and archived parts do
    not count (they change how a person labels, not what a label means).
    """
    doc = [{"name": f.name, "kind": f.kind, "scale": f.scale, "description": f.description,
            "options": [[o.value, o.description] for o in f.active_options]}
           for f in fields(store)]
    return hashlib.sha256(compact(doc).encode()).hexdigest()[:16]


def guidelines(store: Store) -> str:
    """The labelling guidelines (Markdown)."""
    return str(store.setting("guidelines", "") or "")


def set_guidelines(store: Store, text: str, actor: str = "system") -> None:
    store.set_setting("guidelines", text, actor)


# -- writing -------------------------------------------------------------------------


def _options(kind: str, options: Iterable[Option | str | dict[str, Any]] | None,
             name: str) -> tuple[Option, ...]:
    items: list[Option] = []
    for raw in options or ():
        if isinstance(raw, Option):
            option = raw
        elif isinstance(raw, str):
            option = Option(raw)
        else:
            option = Option(value=str(raw["value"]), description=raw.get("description", ""),
                            key=raw.get("key"), archived=bool(raw.get("archived", False)))
        option = replace(option, value=option.value.strip(),
                         key=option.key.lower() if option.key else None)
        items.append(option)
    if kind not in ("single", "multi"):
        if items:
            raise CuratorError(f'The field "{name}" is a {kind} field: it has no options.')
        return ()
    values = [o.value for o in items]
    if "" in values:
        raise CuratorError(f'An option of "{name}" has no value.')
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise CuratorError(f'The field "{name}" lists the option "{repeated[0]}" twice.')
    keys = [o.key for o in items if o.key and not o.archived]
    for key in keys:
        if len(key) != 1 or key in RESERVED_KEYS or not key.isprintable():
            raise CuratorError(f'The key "{key}" of a "{name}" option must be one letter '
                               "or digit.")
    if len(set(keys)) != len(keys):
        raise CuratorError(f'Two options of "{name}" use the same key.')
    return tuple(items)


def _check_scale(kind: str, scale: int | None, name: str) -> int | None:
    if kind != "rating":
        if scale is not None:
            raise CuratorError(f'Only rating fields have a scale; "{name}" is {kind}.')
        return None
    if scale is None or isinstance(scale, bool) or not 2 <= int(scale) <= MAX_SCALE:
        raise CuratorError(f'The rating field "{name}" needs a scale from 2 to {MAX_SCALE}.')
    return int(scale)


def _check_name(store: Store, name: str, field_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise CuratorError("A label field needs a name.")
    row = store.db.execute("SELECT id FROM label_fields WHERE name = ?", (name,)).fetchone()
    if row is not None and row[0] != field_id:
        raise CuratorError(f'There is already a label field called "{name}".')
    return name


def _write(store: Store, fld: LabelField) -> None:
    store.db.execute(
        "UPDATE label_fields SET name = ?, kind = ?, options = ?, scale = ?, "
        "description = ?, position = ?, archived = ? WHERE id = ?",
        (fld.name, fld.kind, compact([asdict(o) for o in fld.options]), fld.scale,
         fld.description, fld.position, int(fld.archived), fld.id))


def add_field(store: Store, name: str, kind: str,
              options: Iterable[Option | str | dict[str, Any]] | None = None,
              scale: int | None = None, description: str = "",
              actor: str = "system") -> LabelField:
    """Add a field at the end of the schema and return it."""
    if kind not in KINDS:
        raise CuratorError(f'Unknown field kind "{kind}": use one of {", ".join(KINDS)}.')
    with store.atomic():
        name = _check_name(store, name)
        opts = _options(kind, options, name)
        scale = _check_scale(kind, scale, name)
        position = store.db.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM label_fields").fetchone()[0]
        cursor = store.db.execute(
            "INSERT INTO label_fields(name, kind, options, scale, description, position, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, kind, compact([asdict(o) for o in opts]), scale, description,
             position, now()))
        fld = field_by_id(store, int(cursor.lastrowid or 0))
        store.log_event(actor, "label_field", None,
                        {"field": name, "before": None, "after": fld.to_dict()})
    return fld


def edit_field(store: Store, name: str, *, new_name: str | None = None,
               options: Iterable[Option | str | dict[str, Any]] | None = None,
               scale: int | None = None, description: str | None = None,
               kind: str | None = None, position: int | None = None,
               actor: str = "system") -> LabelField:
    """Change a field; labels are never rewritten (see :func:`stale_labels`).

    ``options`` replaces the option list (archive an option to keep it valid). The kind
    can change only while the field has no labels.
    """
    with store.atomic():
        before = get_field(store, name)
        after = before
        if kind is not None and kind != before.kind:
            if kind not in KINDS:
                raise CuratorError(f'Unknown field kind "{kind}".')
            if label_count(store, before.id):
                raise CuratorError(f'"{before.name}" already has labels, so its kind cannot '
                                   "change. Add a new field instead.")
            after = replace(after, kind=kind, options=(), scale=None)
        if new_name is not None:
            after = replace(after, name=_check_name(store, new_name, before.id))
        if options is not None or (kind is not None and kind != before.kind):
            after = replace(after, options=_options(after.kind, options, after.name))
        if scale is not None or after.kind != before.kind:
            after = replace(after, scale=_check_scale(after.kind, scale, after.name))
        if description is not None:
            after = replace(after, description=description)
        if position is not None:
            after = replace(after, position=position)
        if after != before:
            _write(store, after)
            store.log_event(actor, "label_field", None, {
                "field": after.name, "before": before.to_dict(), "after": after.to_dict()})
    return after


def archive_field(store: Store, name: str, archived: bool = True,
                  actor: str = "system") -> LabelField:
    """Archive (or restore) a field: it leaves the panel, its labels stay."""
    with store.atomic():
        before = get_field(store, name)
        after = replace(before, archived=archived)
        if after != before:
            _write(store, after)
            store.log_event(actor, "label_field", None, {
                "field": after.name, "before": before.to_dict(), "after": after.to_dict()})
    return after


def archive_option(store: Store, name: str, value: str, archived: bool = True,
                   actor: str = "system") -> LabelField:
    """Archive (or restore) one option: it leaves the buttons and stays a valid value."""
    with store.atomic():
        fld = get_field(store, name)
        if fld.option(value) is None:
            _check_option(fld, value)
        options = [replace(o, archived=archived) if o.value == value else o
                   for o in fld.options]
        return edit_field(store, name, options=options, actor=actor)


def label_count(store: Store, field_id: int) -> int:
    """How many labels a field holds (all annotators, all records)."""
    return int(store.db.execute("SELECT COUNT(*) FROM labels WHERE field_id = ?",
                                (field_id,)).fetchone()[0])


def stale_labels(store: Store) -> list[StaleLabel]:
    """Labels (and adjudications) whose value the schema no longer offers."""
    found: dict[tuple[str, str], StaleLabel] = {}
    for fld in fields(store, include_archived=True):
        rows = store.db.execute(
            "SELECT record_id, value FROM labels WHERE field_id = ? UNION ALL "
            "SELECT record_id, value FROM adjudications WHERE field_id = ? ORDER BY 1",
            (fld.id, fld.id))
        for record_id, text in rows:
            value = load_value(text)
            try:
                if normalise_value(fld, value) is not None:
                    continue
            except CuratorError:
                pass
            stale = found.setdefault((fld.name, text), StaleLabel(fld.name, value, 0))
            stale.count += 1
            if record_id not in stale.records:
                stale.records.append(record_id)
    return list(found.values())
