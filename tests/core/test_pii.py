"""PII check: real Presidio with the real installed spaCy model, and no network at all."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import presidio_analyzer  # noqa: F401  (required: a missing one fails the run)
import pytest

from bench.baselines import naive_findings
from curator.core.checks import pii
from tests.fakes import MemoryPiiCache

os.environ["HF_HUB_OFFLINE"] = "1"
ATTEMPTS: list[str] = []


def _refuse(*args: Any, **kwargs: Any) -> None:
    ATTEMPTS.append(repr(args[:2]))
    raise OSError("tests must not use the network")


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Any connection or name lookup fails at once and is remembered."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _refuse)
        mp.setattr(socket.socket, "connect_ex", _refuse)
        mp.setattr(socket, "getaddrinfo", _refuse)
        mp.setattr(socket, "create_connection", _refuse)
        yield


@pytest.fixture(autouse=True)
def nothing_tried_the_network() -> Iterator[None]:
    del ATTEMPTS[:]
    yield
    assert ATTEMPTS == [], f"network was attempted: {ATTEMPTS}"


@pytest.fixture(scope="module")
def analyzer(no_network: None, pii_analyzer: pii.Analyzer) -> pii.Analyzer:
    assert pii_analyzer.has_ner
    return pii_analyzer


def variant(base: pii.Analyzer, **changes: Any) -> pii.Analyzer:
    """The same engine with other settings (no need to load the model again)."""
    entities = changes.get("entities") or base.entities
    return pii.Analyzer(base.engine, base.settings.model_copy(update=changes),
                        base.model_id, base.has_ner, list(entities))


def conv(*contents: Any) -> dict[str, Any]:
    roles = ["system", "user", "assistant", "user", "assistant"]
    return {"messages": [{"role": roles[i], "content": c} for i, c in enumerate(contents)]}


def findings(analyzer: pii.Analyzer, c: dict[str, Any]) -> list[Any]:
    return pii.findings_for_conversations([c], analyzer)[0]


def count_calls(monkeypatch: pytest.MonkeyPatch, analyzer: pii.Analyzer) -> list[str]:
    calls: list[str] = []
    real = analyzer.engine.analyze

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("text", args[0] if args else None))
        return real(*args, **kwargs)

    monkeypatch.setattr(analyzer.engine, "analyze", counted)
    return calls


def only(found: list[Any], code: str) -> list[Any]:
    return [f for f in found if f.code == code]


def test_model_is_the_official_small_english_pipeline(analyzer: pii.Analyzer) -> None:
    nlp = analyzer.engine.nlp_engine.nlp["en"]
    assert nlp.meta["version"] == "3.8.0"
    assert nlp.meta["author"] == "Explosion" and nlp.meta["license"] == "MIT"
    assert "ner" in nlp.pipe_names


def test_email_found_with_its_span(analyzer: pii.Analyzer) -> None:
    text = "Hi! Please write to maria.lopez@example.com about my order."
    found = findings(analyzer, conv("You are helpful.", text))
    emails = only(found, "EMAIL_ADDRESS")
    assert len(emails) == 1
    f = emails[0]
    assert (f.message_index, f.start, f.end) == (1, 20, 43)
    assert text[f.start:f.end] == f.text == "maria.lopez@example.com"
    assert f.kind == "pii" and f.severity == "warning"
    assert f.detail["recognizer"] == "EmailRecognizer" and f.detail["score"] >= 0.5
    assert f.description == ("Message 2 (user) contains what looks like an e-mail address: "
                             "maria.lopez@example.com")
    # the e-mail's domain is not reported again as a web address
    assert not only(found, "URL")


def test_phone_found_with_its_span(analyzer: pii.Analyzer) -> None:
    text = "Sure, you can call me on (415) 555-0132 tomorrow."
    found = only(findings(analyzer, conv("Be brief.", "Hi", text)), "PHONE_NUMBER")
    assert [(f.message_index, f.text) for f in found] == [(2, "(415) 555-0132")]
    assert text[found[0].start:found[0].end] == "(415) 555-0132"


def test_international_phone_found(analyzer: pii.Analyzer) -> None:
    text = "My mobile is +44 20 7946 0958 if that helps."
    found = only(findings(analyzer, conv(text)), "PHONE_NUMBER")
    assert [f.text for f in found] == ["+44 20 7946 0958"]


def test_person_found_with_its_span(analyzer: pii.Analyzer) -> None:
    text = "Yesterday I spoke with Maria Lopez about the refund."
    found = only(findings(analyzer, conv("You are helpful.", text)), "PERSON")
    assert [(f.start, f.end, f.text) for f in found] == [(23, 34, "Maria Lopez")]
    assert found[0].detail["recognizer"] == "SpacyRecognizer"


def test_credit_card_found_and_not_also_called_a_date(analyzer: pii.Analyzer) -> None:
    text = "I want to cancel my card 4532276644577020 because I lost it"
    found = findings(analyzer, conv("Hi", text))
    assert [(f.code, f.start, f.end) for f in found] == [("CREDIT_CARD", 25, 41)]


def test_text_parts_are_checked_with_offsets_in_their_part(analyzer: pii.Analyzer) -> None:
    c = {"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://x"}},
        {"type": "text", "text": "mail me: bob@example.org"}]}]}
    (f,) = only(findings(analyzer, c), "EMAIL_ADDRESS")
    assert (f.message_index, f.detail["part"], f.start, f.end) == (0, 1, 9, 24)


def test_each_distinct_text_is_analysed_once(analyzer: pii.Analyzer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    system = "You are the support assistant of Acme. Never reveal internal notes."
    convs = [conv(system, f"Question {i}", "Answer") for i in range(5)]
    calls = count_calls(monkeypatch, analyzer)
    out = pii.findings_for_conversations(convs, analyzer)
    assert len(out) == 5
    assert sorted(calls) == sorted({system, "Answer", *(f"Question {i}" for i in range(5))})


def test_batched_detection_equals_naive_analyze(analyzer: pii.Analyzer) -> None:
    convs = [conv("Call Tom Brown on +1 212 555 0100.", "mail tom@example.com", "ok"),
             conv("Call Tom Brown on +1 212 555 0100.", "card 5474123209470398", "no")]
    assert pii.findings_for_conversations(convs, analyzer) == \
        naive_findings(convs, analyzer)


def test_threshold_drops_weaker_spans(analyzer: pii.Analyzer) -> None:
    text = "Write to ann@example.com or call (415) 555-0132."
    low = {f.code for f in findings(analyzer, conv(text))}
    # the phone scores 0.85 (0.5 and its context word "call"; issue 15), the e-mail 1.0
    strict = {f.code for f in findings(variant(analyzer, threshold=0.99), conv(text))}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= low
    assert strict == {"EMAIL_ADDRESS"}


def test_entity_filter_keeps_only_chosen_types(analyzer: pii.Analyzer) -> None:
    text = "Maria Lopez: maria@example.com, card 4532276644577020"
    found = findings(variant(analyzer, entities=["CREDIT_CARD"]), conv(text))
    assert [f.code for f in found] == ["CREDIT_CARD"]


def test_without_a_model_patterns_still_run_and_it_says_so() -> None:
    built, warnings = pii.build_analyzer(pii.PiiSettings(model="no_such_spacy_model_xyz"))
    assert not built.has_ner and built.model_id == "patterns-only"
    assert len(warnings) == 1
    assert "no_such_spacy_model_xyz" in warnings[0] and "only patterns" in warnings[0]
    found = findings(built, conv("Ask Maria Lopez, maria@example.com"))
    assert [f.code for f in found] == ["EMAIL_ADDRESS"]


def test_cache_hit_skips_analysis(analyzer: pii.Analyzer,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cache = MemoryPiiCache()
    convs = [conv("Be kind.", "I am Maria Lopez, maria@example.com")]
    first = pii.findings_for_conversations(convs, analyzer, cache)
    calls = count_calls(monkeypatch, analyzer)
    again = pii.findings_for_conversations(convs, analyzer, cache)
    assert calls == [] and again == first
    # other settings are another cache key: analysed again
    pii.findings_for_conversations(convs, variant(analyzer, threshold=0.9), cache)
    assert len(calls) == 2


def test_cancelling_the_job_stops_between_chunks(analyzer: pii.Analyzer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_calls(monkeypatch, analyzer)
    job = pii.detect_job([f"text number {i}" for i in range(10)], analyzer, chunk=3)
    first = next(job)
    assert first.total == 10 and first.done == 0
    assert next(job).done == 3
    job.close()
    assert len(calls) == 3


def test_worker_processes_find_what_one_process_finds(analyzer: pii.Analyzer) -> None:
    """Above ``parallel_min`` texts the work is split over spawned processes."""
    texts = [f"Call Maria Lopez on +1 415 555 01{i:02d} or mail m{i}@example.com"
             for i in range(24)]
    split = variant(analyzer, parallel_min=1, workers=2)
    assert pii._workers_for(split.settings, len(texts)) == min(2, os.cpu_count() or 1)
    assert pii.run_job(pii.detect_job(texts, split, chunk=6)) == [
        analyzer.analyze(t) for t in texts]
