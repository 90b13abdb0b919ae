"""Every string an export writes, analysed for personal data and redacted.

The PII scan reads message texts only. An export also writes tool-call arguments, tool
results in any shape, ``tools`` and ``functions`` descriptions, message ``name``\\ s, a
preference pair's preferred output, record ids (ShareGPT and HF formats), final labels
(``labels: metadata``) and the agreement figures in ``manifest.json`` (whose confusion
tables name label values). With ``pii: redact`` each of those strings goes through the
scan's analyzer, with the project's PII settings and its ``pii_cache``, so a text scanned
before is not analysed again; as for findings, only the ``identifier`` and ``contextual``
tiers are redacted (``pii.redacted_by_default``). JSON held in a string (tool-call
arguments, list labels) is redacted inside its string values and stays valid JSON.

What is deliberately not read is said in :data:`NOT_SCANNED`, which the readiness
checklist shows: identifiers and schema words, object keys, media payloads, and the
export's own provenance.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from curator.core.checks.models import shared_models
from curator.core.checks.pii import (
    Analyzer,
    allowed,
    detect_job,
    redacted_by_default,
    settings_from_store,
)
from curator.core.checks.pii import (
    Span as DetectedSpan,
)
from curator.core.conversation import part_text_key, text_hash
from curator.core.errors import CuratorError
from curator.core.export.redact import Redactor, Span
from curator.core.jobs import Job
from curator.core.store import Store
from curator.core.store.cache import StorePiiCache

#: Where a text sits among the texts the PII scan reads: (message, part or None).
Place = tuple[int, int | None]
#: Called with each string written and its place (None: a string the scan never reads);
#: returns the string to write.
Visit = Callable[[str, Place | None], str]

#: What redaction leaves as written, in the words of the readiness checklist.
NOT_SCANNED = (
    "Every string written is checked except these, which are not scanned: message "
    "roles, tool-call ids and types, tool and function names, JSON-schema type words and "
    "required-property lists in tools, object keys inside tool arguments and tool "
    "schemas, images, audio and files in message content, and in manifest.json and "
    "README.md the names of the project, its source files and label fields, the "
    "exporter's name and the project settings.")
EXCLUDE_SCOPE = (
    "Only records with open PII findings are left out; strings the PII scan does not read "
    "(tool-call arguments, tools, message names, preference outputs, labels, record ids) "
    "are not checked. Use redact to check them too.")

#: Content parts whose payload is media (base64 or a link), not text to analyse.
MEDIA_KEYS = frozenset({"image_url", "input_audio", "file", "image", "document", "video",
                        "audio"})
#: Identifier values in tool definitions (a string, or a list of them, under these keys).
SCHEMA_WORDS = frozenset({"type", "name", "required", "$ref"})
#: Message keys whose values are identifiers, never personal data.
MESSAGE_IDS = frozenset({"role", "tool_call_id"})


# -- walking what is written -----------------------------------------------------------------

def _any(value: Any, visit: Visit, skip: frozenset[str] = frozenset()) -> Any:
    """``value`` with every string value visited (dict keys are kept as they are)."""
    if isinstance(value, str):
        return visit(value, None)
    if isinstance(value, list):
        return [_any(item, visit, skip) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            identifier = isinstance(item, str) or (
                isinstance(item, list) and all(isinstance(i, str) for i in item))
            out[key] = item if key in skip and identifier else _any(item, visit, skip)
        return out
    return value


def _tree(value: Any, visit: Visit) -> Any:
    """Like :func:`_any`, keys included (agreement figures are keyed by label values)."""
    if isinstance(value, str):
        return visit(value, None)
    if isinstance(value, list):
        return [_tree(item, visit) for item in value]
    if isinstance(value, dict):
        return {visit(k, None) if isinstance(k, str) else k: _tree(v, visit)
                for k, v in value.items()}
    return value


def _json_text(text: str, visit: Visit) -> str:
    """A string that may hold JSON: its string values visited, the JSON kept valid."""
    try:
        decoded = json.loads(text)
    except ValueError:
        return visit(text, None)
    if not isinstance(decoded, dict | list):
        return visit(text, None)
    changed = _any(decoded, visit)
    if changed == decoded:
        return text                    # untouched: the original bytes, spacing and all
    # Keep the writer's style: compact if the original was.
    compact = '": ' not in text
    return json.dumps(changed, ensure_ascii=False,
                      separators=(",", ":") if compact else (", ", ": "))


def _function(function: dict[str, Any], visit: Visit) -> dict[str, Any]:
    out = {}
    for key, value in function.items():
        if key == "name":
            out[key] = value
        elif key == "arguments" and isinstance(value, str):
            out[key] = _json_text(value, visit)
        else:
            out[key] = _any(value, visit)
    return out


def _call(call: Any, visit: Visit) -> Any:
    if not isinstance(call, dict):
        return _any(call, visit)
    out = {}
    for key, value in call.items():
        if key in ("id", "type"):
            out[key] = value
        elif key == "function" and isinstance(value, dict):
            out[key] = _function(value, visit)
        else:
            out[key] = _any(value, visit)
    return out


def _part(index: int, number: int, part: Any, visit: Visit) -> Any:
    if isinstance(part, str):
        return visit(part, (index, number))
    if not isinstance(part, dict):
        return _any(part, visit)
    # The scan reads text parts (type "text" or none; the text in "text", or in "value"
    # as LLaMA-Factory writes it); other text is analysed too.
    scanned = part.get("type", "text") == "text"
    text_key = part_text_key(part)
    out = {}
    for key, value in part.items():
        if key == "type" or key in MEDIA_KEYS:
            out[key] = value
        elif key == text_key and isinstance(value, str):
            out[key] = visit(value, (index, number) if scanned else None)
        else:
            out[key] = _any(value, visit)
    return out


def _message(index: int, message: Any, visit: Visit) -> Any:
    if not isinstance(message, dict):
        return _any(message, visit)
    out = {}
    for key, value in message.items():
        if key in MESSAGE_IDS:
            out[key] = value
        elif key == "content" and isinstance(value, str):
            out[key] = visit(value, (index, None))
        elif key == "content" and isinstance(value, list):
            out[key] = [_part(index, k, part, visit) for k, part in enumerate(value)]
        elif key == "tool_calls" and isinstance(value, list):
            out[key] = [_call(call, visit) for call in value]
        elif key == "function_call" and isinstance(value, dict):
            out[key] = _function(value, visit)
        else:
            out[key] = _any(value, visit)
    return out


def map_strings(conv: dict[str, Any], visit: Visit, key: str | None = None,
                labels: dict[str, str] | None = None
                ) -> tuple[dict[str, Any], str | None, dict[str, str] | None]:
    """The training conversation, record key and labels with each written string visited.

    ``key`` and ``labels`` are None when the format does not write them.
    """
    out: dict[str, Any] = {}
    for name, value in conv.items():
        if name == "messages" and isinstance(value, list):
            out[name] = [_message(i, m, visit) for i, m in enumerate(value)]
        elif name in ("tools", "functions"):
            out[name] = _any(value, visit, SCHEMA_WORDS)
        else:
            out[name] = _any(value, visit)
    new_key = visit(key, None) if key is not None else None
    new_labels = None
    if labels is not None:
        new_labels = {visit(field, None): _json_text(value, visit)
                      for field, value in labels.items()}
    return out, new_key, new_labels


def map_agreement(agreement: dict[str, Any], visit: Visit) -> dict[str, Any]:
    """The agreement figures with every string visited, keys too (label values)."""
    return dict(_tree(agreement, visit))


# -- the analyzer ----------------------------------------------------------------------------

#: spaCy pipelines are not safe to share between threads (an export job and the export
#: dialog's preview may run at once): one analysis at a time.
_LOCK = threading.RLock()


def shared_analyzer(store: Store) -> tuple[Analyzer, list[str]]:
    """The analyzer for the project's PII settings, from the process's model cache (the
    one the window's scans use: loaded once)."""
    try:
        return shared_models().pii_analyzer(settings_from_store(store))
    except ImportError as exc:
        raise CuratorError(
            f"Personal data cannot be checked ({exc.name or exc} is missing), so "
            "nothing was exported with redaction. Reinstall Curator, or export with "
            "PII mode keep or exclude.") from None


class PiiFinder:
    """Personal data in the strings an export writes: the scan's analyzer and cache.

    Strings are gathered with :meth:`add` (cache lookups, in batches), the rest analysed
    by :meth:`analyse` (a job), then :meth:`redact` rewrites a record. New analyses are
    kept in memory and written to the cache by :meth:`save`, inside the export's final
    transaction (the reads before it are one snapshot that must not write).
    """

    def __init__(self, store: Store, analyzer: Analyzer | None = None) -> None:
        settings = settings_from_store(store)
        if analyzer is None:
            analyzer, self.warnings = shared_analyzer(store)
        else:
            self.warnings = []
        self.analyzer = analyzer
        self.is_allowed = allowed(settings.allow_list)
        #: (record, code, message, start) of findings a person dismissed or resolved.
        self.closed = store.dismissed_findings("pii")
        self._cache = StorePiiCache(store)
        self._known: dict[str, list[DetectedSpan]] = {}
        self._todo: dict[str, str] = {}
        self._new: list[tuple[str, list[DetectedSpan]]] = []

    def add(self, texts: Iterable[str]) -> None:
        """Look texts up in the cache; those not found are analysed by :meth:`analyse`."""
        fresh: dict[str, str] = {}
        for text in texts:
            h = text_hash(text)
            if h not in self._known and h not in self._todo:
                fresh[h] = text
        if not fresh:
            return
        found = self._cache.get_many(self.analyzer.cache_key, list(fresh))
        self._known.update(found)
        self._todo.update((h, t) for h, t in fresh.items() if h not in found)

    def analyse(self) -> Job[None]:
        """Analyse the texts :meth:`add` did not find in the cache (yields progress)."""
        if not self._todo:
            return
        hashes, texts = list(self._todo), list(self._todo.values())
        with _LOCK:
            found = yield from detect_job(texts, self.analyzer)
        for h, spans in zip(hashes, found, strict=True):
            self._known[h] = spans
            self._new.append((h, spans))
        self._todo.clear()

    def spans(self, text: str) -> list[DetectedSpan]:
        h = text_hash(text)
        found = self._known.get(h)
        if found is None:               # not gathered beforehand: analyse it now
            with _LOCK:
                found = self.analyzer.analyze(text) if text.strip() else []
            self._known[h] = found
            self._new.append((h, found))
        return found

    def save(self) -> None:
        """Remember the new analyses in the project's cache (call inside a transaction)."""
        if self._new:
            self._cache.put_many(self.analyzer.cache_key, self._new)
            self._new = []

    def redact(self, record_id: int, conv: dict[str, Any], key: str | None,
               labels: dict[str, str] | None, stored: list[Span], redactor: Redactor
               ) -> tuple[dict[str, Any], str | None, dict[str, str] | None]:
        """A record with its stored open spans and everything detected replaced.

        A detected span a person dismissed (same record, type, message and start) is left
        alone, as are texts on the allow-list.
        """
        by_place: dict[Place, list[Span]] = {}
        for span in stored:
            by_place.setdefault((span.message, span.part), []).append(span)
        before = redactor.spans

        def visit(text: str, place: Place | None) -> str:
            spans = by_place.pop(place, []) if place is not None else []
            for found in redacted_by_default(text, self.spans(text)):
                value = text[found.start:found.end]
                if self.is_allowed(value):
                    continue
                if place is not None and (record_id, found.entity_type, place[0],
                                          found.start) in self.closed:
                    continue
                spans.append(Span(place[0] if place else -1, place[1] if place else None,
                                  found.start, found.end, found.entity_type, value))
            return redactor.text(text, spans) if spans else text

        out = map_strings(conv, visit, key, labels)
        # Stored spans whose place is gone (the record was edited after the scan).
        redactor.stale += sum(len(spans) for spans in by_place.values())
        if redactor.spans > before:
            redactor.records += 1
        return out

    def redact_agreement(self, agreement: dict[str, Any], redactor: Redactor
                         ) -> dict[str, Any]:
        """The agreement figures for the manifest, label values and names redacted."""

        def visit(text: str, place: Place | None) -> str:
            spans = [Span(-1, None, s.start, s.end, s.entity_type, text[s.start:s.end])
                     for s in redacted_by_default(text, self.spans(text))
                     if not self.is_allowed(text[s.start:s.end])]
            return redactor.text(text, spans) if spans else text

        return map_agreement(agreement, visit)


def strings_of(conv: dict[str, Any], key: str | None = None,
               labels: dict[str, str] | None = None) -> list[str]:
    """Every string :func:`map_strings` visits: what a record's line would carry."""
    texts: list[str] = []

    def visit(text: str, place: Place | None) -> str:
        texts.append(text)
        return text

    map_strings(conv, visit, key, labels)
    return texts


def agreement_strings(agreement: dict[str, Any]) -> list[str]:
    texts: list[str] = []

    def visit(text: str, place: Place | None) -> str:
        texts.append(text)
        return text

    map_agreement(agreement, visit)
    return texts
