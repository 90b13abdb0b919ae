"""Replace personal data with ``<ENTITY_TYPE>`` placeholders.

Two sources of spans: the stored open ``pii`` findings (each names its message, its part
(``detail.part`` when the content is a list of parts), the character span and the text
it covered; dismissed and resolved findings are left alone), and what the PII analyzer
finds at export in every other string written (``coverage.py``).

A span whose text no longer sits at its offsets (the record was edited after the scan)
is redacted wherever its text occurs in that message instead, and counted as *stale*.
Overlapping spans are merged before replacement, so the result does not depend on the
anonymizer's conflict rules. A text that is JSON (a JSON-mode answer, tool-call arguments
held in a message) is redacted inside its string values only: a span is clipped to the
inside of the string values it covers (never a quote, a key or an escape cut in half),
so the result still parses and nothing outside a span changes.

By default only findings of the ``identifier`` and ``contextual`` tiers are redacted;
``public`` ones (a name or place with no personal cue, a nationality) are left for
review and redacted only once a person confirms them. Replacement itself uses presidio-anonymizer's
``AnonymizerEngine`` (``replace``, or a ``custom`` operator for pseudonyms) when it is
installed; a few lines of plain Python give the same output otherwise.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from curator.core.checks.presidio_loader import anonymizer_engine_class
from curator.core.conversation import part_text_key
from curator.core.store import Store
from curator.core.store.findings import PII_IN_FORCE


@dataclass(frozen=True, slots=True)
class Span:
    message: int
    part: int | None
    start: int
    end: int
    entity: str
    text: str | None


@dataclass(slots=True)
class Redactor:
    """Redacts records; with ``pseudonyms`` each distinct value gets its own number."""

    pseudonyms: bool = False
    #: Replace through presidio-anonymizer (False: the same replacement in plain Python).
    use_presidio: bool = True
    spans: int = 0
    stale: int = 0
    records: int = 0
    _names: dict[tuple[str, str], str] = field(default_factory=dict)
    _per_type: dict[str, int] = field(default_factory=dict)
    _engine: Any = None
    _engine_loaded: bool = False

    def placeholder(self, entity: str, value: str) -> str:
        if not self.pseudonyms:
            return f"<{entity}>"
        name = self._names.get((entity, value))
        if name is None:
            number = self._per_type.get(entity, 0) + 1
            self._per_type[entity] = number
            name = self._names[(entity, value)] = f"<{entity}_{number}>"
        return name

    def forget(self, spans: int) -> None:
        """Take back the count of a redacted record that is not written after all."""
        if spans:
            self.spans -= spans
            self.records -= 1

    def redact(self, conv: dict[str, Any], spans: list[Span]) -> dict[str, Any]:
        """A copy of ``conv`` with ``spans`` replaced."""
        out = copy.deepcopy(conv)
        messages = out.get("messages")
        if not isinstance(messages, list):
            return out
        by_place: dict[tuple[int, int | None], list[Span]] = {}
        for span in spans:
            by_place.setdefault((span.message, span.part), []).append(span)
        changed = False
        for (index, part), found in sorted(by_place.items(), key=lambda kv: (
                kv[0][0], -1 if kv[0][1] is None else kv[0][1])):
            if not (0 <= index < len(messages)) or not isinstance(messages[index], dict):
                self.stale += len(found)
                continue
            message = messages[index]
            content = message.get("content")
            if part is None and isinstance(content, str):
                message["content"] = self._text(content, found)
                changed = True
            elif part is not None and isinstance(content, list) and 0 <= part < len(content) \
                    and (key := part_text_key(content[part])) is not None:
                content[part][key] = self._text(content[part][key], found)
                changed = True
            else:
                self.stale += len(found)
        if changed:
            self.records += 1
        return out

    # -- one text ---------------------------------------------------------------------------

    def text(self, text: str, spans: list[Span]) -> str:
        """``text`` with ``spans`` replaced (overlaps merged; stale spans found by text)."""
        return self._text(text, spans)

    def _text(self, text: str, spans: list[Span]) -> str:
        located: list[tuple[int, int, str]] = []
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            if (span.text is None or text[span.start:span.end] == span.text) and (
                    0 <= span.start < span.end <= len(text)):
                located.append((span.start, span.end, span.entity))
                continue
            self.stale += 1
            if span.text:
                at = text.find(span.text)
                while at >= 0:
                    located.append((at, at + len(span.text), span.entity))
                    at = text.find(span.text, at + len(span.text))
        located = _json_safe(text, located)
        merged: list[tuple[int, int, str]] = []
        for start, end, entity in sorted(located):
            if merged and start < merged[-1][1]:
                last = merged[-1]
                merged[-1] = (last[0], max(last[1], end), last[2])
            else:
                merged.append((start, end, entity))
        if not merged:
            return text
        self.spans += len(merged)
        replacements = [(s, e, self.placeholder(t, text[s:e])) for s, e, t in merged]
        return self._replace(text, replacements)

    def _replace(self, text: str, replacements: list[tuple[int, int, str]]) -> str:
        engine = self.anonymizer()
        if engine is None:
            pieces, at = [], 0
            for start, end, new in replacements:
                pieces.append(text[at:start])
                pieces.append(new)
                at = end
            pieces.append(text[at:])
            return "".join(pieces)
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        # Each span gets its own entity name, so one "replace" operator per span says
        # exactly what goes there (pseudonyms included), whatever presidio's ordering.
        results, operators = [], {}
        for number, (start, end, new) in enumerate(replacements):
            name = f"S{number}"
            results.append(RecognizerResult(name, start, end, 1.0))
            operators[name] = OperatorConfig("replace", {"new_value": new})
        result = engine.anonymize(text, results, operators,
                                  merge_entities_with_spaces=False)
        return str(result.text)

    def anonymizer(self) -> Any:
        """presidio-anonymizer's engine, loaded once (None: plain Python replaces)."""
        if not self._engine_loaded:
            self._engine_loaded = True
            engine_class = anonymizer_engine_class() if self.use_presidio else None
            self._engine = engine_class() if engine_class is not None else None
        return self._engine


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def json_value_ranges(text: str) -> list[tuple[int, int]] | None:
    """The insides of the string values (not keys) of ``text`` when it is a JSON object
    or array, else None."""
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return None
    try:
        json.loads(text)
    except ValueError:
        return None
    ranges = []
    for m in _JSON_STRING.finditer(text):
        if text[m.end():m.end() + 40].lstrip().startswith(":"):
            continue                    # a key
        ranges.append((m.start() + 1, m.end() - 1))
    return ranges


def _json_safe(text: str, located: list[tuple[int, int, str]]
               ) -> list[tuple[int, int, str]]:
    """Spans clipped to string values when ``text`` is JSON (unchanged otherwise)."""
    ranges = json_value_ranges(text) if located else None
    if ranges is None:
        return located
    out = []
    for start, end, entity in located:
        for a, b in ranges:
            s, e = max(start, a), min(end, b)
            if s >= e:
                continue
            # never cut an escape sequence (\n, \", \u00e9) in half
            s = _escape_start(text, a, s)
            e = _escape_end(text, b, e)
            if s < e:
                out.append((s, e, entity))
    return out


def _escape_start(text: str, lo: int, at: int) -> int:
    """``at`` moved back to the start of the escape sequence it falls inside, if any."""
    k = at - 1
    while k >= lo and text[k] != "\\" and at - k <= 5 and text[k] in "0123456789abcdefABCDEFu":
        k -= 1
    if k >= lo and text[k] == "\\" and _escaping(text, lo, k) and at - k <= 5 and (
            text[k + 1] == "u" or at - k == 1):
        return k
    return at


def _escape_end(text: str, hi: int, at: int) -> int:
    """``at`` moved forward past the escape sequence it cuts, if any."""
    k = at - 1
    while k >= 0 and at - k <= 6:
        if text[k] == "\\" and _escaping(text, 0, k):
            length = 6 if text[k + 1:k + 2] == "u" else 2
            return min(max(at, k + length), hi)
        if text[k] not in "0123456789abcdefABCDEFu":
            break
        k -= 1
    return at


def _escaping(text: str, lo: int, k: int) -> bool:
    """The backslash at ``k`` starts an escape (an even number of backslashes before)."""
    n = 0
    while k - 1 - n >= lo and text[k - 1 - n] == "\\":
        n += 1
    return n % 2 == 0


def open_spans(store: Store, every_tier: bool = False) -> dict[int, list[Span]]:
    """Every open PII span to redact, by record id.

    Findings of the ``public`` tier are left out unless a person confirmed them (or
    ``every_tier``): a famous person or a country in a general question is not personal
    data.
    """
    out: dict[int, list[Span]] = {}
    which = "kind = 'pii' AND status = 'open'" if every_tier else PII_IN_FORCE
    for rid, index, start, end, code, text, detail in store.db.execute(
            'SELECT record_id, message_index, start, "end", code, text, detail FROM findings '
            f"WHERE {which} AND record_id IS NOT NULL "
            "AND message_index IS NOT NULL AND start IS NOT NULL AND \"end\" IS NOT NULL "
            "ORDER BY record_id, message_index, start, id"):
        part = None
        if detail:
            try:
                part = json.loads(detail).get("part")
            except (ValueError, AttributeError):
                part = None
        out.setdefault(rid, []).append(Span(index, part, start, end, code, text))
    return out

