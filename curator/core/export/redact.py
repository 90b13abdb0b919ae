"""Replace personal data with ``<ENTITY_TYPE>`` placeholders.

Two sources of spans: the stored open ``pii`` findings (each names its message, its part
(``detail.part`` when the content is a list of parts), the character span and the text
it covered; dismissed and resolved findings are left alone), and what the PII analyzer
finds at export in every other string written (``coverage.py``).

A span whose text no longer sits at its offsets (the record was edited after the scan)
is redacted wherever its text occurs in that message instead, and counted as *stale*.
Overlapping spans are merged before replacement, so the result does not depend on the
anonymizer's conflict rules. Replacement itself uses presidio-anonymizer's
``AnonymizerEngine`` (``replace``, or a ``custom`` operator for pseudonyms) when it is
installed; a few lines of plain Python give the same output otherwise.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from curator.core.checks.presidio_loader import anonymizer_engine_class
from curator.core.conversation import part_text_key
from curator.core.store import Store


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


def open_spans(store: Store) -> dict[int, list[Span]]:
    """Every open PII span, by record id."""
    out: dict[int, list[Span]] = {}
    for rid, index, start, end, code, text, detail in store.db.execute(
            'SELECT record_id, message_index, start, "end", code, text, detail FROM findings '
            "WHERE kind = 'pii' AND status = 'open' AND record_id IS NOT NULL "
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

