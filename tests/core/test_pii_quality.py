"""PII quality (issue 15): per-type thresholds, dates, tiers, code and JSON, language,
recurring texts, and redaction that keeps JSON valid. Real Presidio, real spaCy model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from curator.core.checks import pii
from curator.core.checks import pii_quality as quality
from curator.core.export.redact import Redactor, Span, json_value_ranges


def conv(*contents: Any) -> dict[str, Any]:
    roles = ["system", "user", "assistant", "user", "assistant"]
    return {"messages": [{"role": roles[i], "content": c} for i, c in enumerate(contents)]}


def findings(analyzer: pii.Analyzer, *contents: Any) -> list[Any]:
    return pii.findings_for_conversations([conv(*contents)], analyzer)[0]


def spans(analyzer: pii.Analyzer, text: str) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start:s.end]) for s in analyzer.analyze(text)]


# -- recall: per-type thresholds after context -------------------------------------------


@pytest.mark.parametrize("text, phone", [
    ("Please have the manager call me at 027 896 92 86 about my account.", "027 896 92 86"),
    ("Can someone call me on 21 212 133 2727? I have questions.", "21 212 133 2727"),
    ("Mobile: 001-420-335-7509x38548", "001-420-335-7509x38548"),
])
def test_phone_numbers_scoring_under_half_are_found(pii_analyzer: pii.Analyzer, text: str,
                                                    phone: str) -> None:
    assert ("PHONE_NUMBER", phone) in spans(pii_analyzer, text)


def test_loose_digit_groups_need_a_phone_word(pii_analyzer: pii.Analyzer) -> None:
    assert not [s for s in spans(pii_analyzer, "Invoice 21 212 133 2727 is paid.")
                if s[0] == "PHONE_NUMBER"]
    assert quality.context_score("PHONE_NUMBER", 0.3, "call me on 1", 11, 12) == pytest.approx(0.65)
    assert quality.context_score("PHONE_NUMBER", 0.3, "invoice 1", 8, 9) == 0.3


def test_thresholds_are_per_type_and_follow_the_single_threshold() -> None:
    s = pii.PiiSettings()
    assert s.threshold_for("PHONE_NUMBER") == 0.4 and s.threshold_for("PERSON") == 0.5
    assert pii.PiiSettings(threshold=0.9).threshold_for("PHONE_NUMBER") == 0.8
    assert pii.PiiSettings(thresholds={}).threshold_for("PHONE_NUMBER") == 0.5
    assert s.cache_key("m") != pii.PiiSettings(thresholds={}).cache_key("m")


# -- dates -------------------------------------------------------------------------------


def test_absolute_dates_are_reported_relative_words_are_not(pii_analyzer: pii.Analyzer
                                                            ) -> None:
    assert "DATE_TIME" in pii_analyzer.entities          # on by default now
    found = spans(pii_analyzer, "She was born on 12/27/1986 and moved here last month.")
    dates = [v for t, v in found if t == "DATE_TIME"]
    assert dates == ["12/27/1986"]
    for text in ("Can we meet tomorrow or next week?", "It took 2 months in 1990."):
        assert not [v for t, v in spans(pii_analyzer, text) if t == "DATE_TIME"]


def test_a_date_of_birth_is_an_identifier(pii_analyzer: pii.Analyzer) -> None:
    found = findings(pii_analyzer, "My date of birth is 03/04/1981.")
    (date,) = [f for f in found if f.code == "DATE_TIME"]
    assert date.detail["tier"] == "identifier" and date.severity == "warning"


@pytest.mark.parametrize("value, absolute", [
    ("12/1/1977", True), ("1998-06-28", True), ("3 May 1990", True),
    ("May 3, 1990", True), ("tomorrow", False), ("next week", False), ("1990", False),
    ("the 1990s", False), ("2 months", False),
])
def test_absolute_date_rule(value: str, absolute: bool) -> None:
    assert quality.is_absolute_date(value) is absolute


# -- tiers -------------------------------------------------------------------------------


def test_tiers_identifier_contextual_public(pii_analyzer: pii.Analyzer) -> None:
    found = findings(
        pii_analyzer,
        "Hi, my name is Maria Lopez, write to maria.lopez@example.com please.",
        "Who wrote Romeo and Juliet, and is India bigger than France?")
    by_text = {f.text: f for f in found}
    assert by_text["maria.lopez@example.com"].detail["tier"] == "identifier"
    assert by_text["Maria Lopez"].detail["tier"] == "contextual"
    assert by_text["Maria Lopez"].severity == "warning"
    public = [f for f in found if f.message_index == 1]
    assert public and all(f.detail["tier"] == "public" and f.severity == "info"
                          for f in public)
    # the CLI contract holds
    f = by_text["Maria Lopez"]
    assert (f.code, f.start, f.end, f.text) == ("PERSON", 15, 26, "Maria Lopez")


def test_default_redaction_keeps_public_names(pii_analyzer: pii.Analyzer) -> None:
    text = "Is India bigger than France? My name is Ana Silva."
    kept = pii.redacted_by_default(text, pii_analyzer.analyze(text))
    assert [text[s.start:s.end] for s in kept] == ["Ana Silva"]


@pytest.mark.parametrize("text, name", [
    ("Marisca, can I please speak to your boss?", "Marisca"),
    ("Please ask ms. Kuyra to join the call.", "Kuyra"),
    ("Her maiden name is Vestergaard.", "Vestergaard"),
])
def test_names_in_a_personal_context_are_contextual(text: str, name: str) -> None:
    start = text.index(name)
    assert quality.tier("PERSON", text, start, start + len(name), []) == "contextual"


def test_a_name_in_a_general_question_is_public() -> None:
    text = "Why did Gatsby throw so many parties?"
    start = text.index("Gatsby")
    assert quality.tier("PERSON", text, start, start + 6, []) == "public"


# -- code and JSON -----------------------------------------------------------------------


def test_names_in_code_identifiers_and_json_keys_are_not_reported(
        pii_analyzer: pii.Analyzer) -> None:
    text = ('Use `Console.WriteLine(userName)` and then:\n```python\nprint(f.name)\n'
            'Jessica = "Kendra Vida"\n```\nThe key "Maria Lopez": 3 is in the JSON, and '
            'document.getElementById works.')
    found = spans(pii_analyzer, text)
    assert not [v for t, v in found if t in ("PERSON", "LOCATION", "URL")
                and ("Kendra" in v or "Jessica" in v or "WriteLine" in v or "f.name" in v
                     or "Maria" in v or "document" in v)], found


def test_urls_need_a_scheme_or_a_known_domain_and_never_take_quotes(
        pii_analyzer: pii.Analyzer) -> None:
    text = '{"videoTutorial": "https://example.org/watch?v=1", "file": "f.name"}'
    urls = [v for t, v in spans(pii_analyzer, text) if t == "URL"]
    assert urls == ["https://example.org/watch?v=1"]
    assert quality.url_span('see "www.example.com"', 4, 21) == (5, 20)
    assert quality.url_span("call f.name now", 5, 11) is None
    assert quality.url_span("visit example.com today", 6, 17) == (6, 17)


@pytest.mark.parametrize("text", ["Compare o1 and d3 results.", "The o1 model is new."])
def test_short_codes_are_not_driver_licences(pii_analyzer: pii.Analyzer, text: str) -> None:
    analyzer = pii.Analyzer(pii_analyzer.engine, pii_analyzer.settings,
                            pii_analyzer.model_id, pii_analyzer.has_ner,
                            [*pii_analyzer.entities])
    assert not [v for t, v in spans(analyzer, text) if t == "US_DRIVER_LICENSE"]


# -- language ----------------------------------------------------------------------------


def test_names_are_not_checked_in_text_that_is_not_english(pii_analyzer: pii.Analyzer
                                                           ) -> None:
    turkish = ("Merhaba, bu kim? Değil mi, tabii ki gibi bir şey var. "
               "E-posta: ali.veli@example.com")
    found = findings(pii_analyzer, turkish)
    assert [f.code for f in found] == ["EMAIL_ADDRESS"]       # patterns still run
    assert found[0].detail["note"] == "names not checked: this text is not English"


@pytest.mark.parametrize("text, english", [
    ("Hi, my name is John and I live in Boston.", True),
    ("billing address: tracy sukhorukova\n 23 8 wressle road suite 771", True),
    ("Frank had given Tyler his address: 03 Πλατεία Μαβίλη 170, ΑΓΛΑΝΤΖΙΑ", True),
    ("Merhaba, ben kim değil mi? Tabii ki gibi bir şey var.", False),
    ("Hola, me llamo Juan y vivo en Madrid con mi familia.", False),
    ("Der Hund ist nicht mit dem Mann in die Stadt gegangen.", False),
    ("Привет, меня зовут Иван, я живу в Москве", False),
])
def test_language_heuristic(text: str, english: bool) -> None:
    assert quality.is_english(text) is english


# -- recurring texts -----------------------------------------------------------------------


def test_a_recurring_text_is_analysed_once_and_counted(pii_analyzer: pii.Analyzer) -> None:
    system = "You are the assistant of Maria Lopez; call her on +44 20 7946 0958."
    texts = [system] * 500 + ["Hello there."]
    calls: list[str] = []
    real = pii_analyzer.engine.analyze

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("text", ""))
        return real(*args, **kwargs)

    pii_analyzer.engine.analyze = counted
    try:
        found = pii.detect(texts, pii_analyzer)
    finally:
        del pii_analyzer.engine.analyze
    assert calls.count(system) == 1
    (row,) = pii.recurring_texts(texts, found)
    assert row["occurrences"] == 500 and row["findings_per_text"] == len(found[0]) >= 2
    assert row["findings"] == 500 * row["findings_per_text"]


# -- redaction keeps JSON valid ----------------------------------------------------------


def redact(text: str, found: list[tuple[int, int, str]]) -> str:
    return Redactor(use_presidio=False).text(
        text, [Span(0, None, a, b, t, text[a:b]) for a, b, t in found])


def test_a_span_with_quotes_is_clipped_to_the_string_value() -> None:
    text = '{"videoTutorial": "https://example.org/v", "n": 1}'
    a = text.index('"https')
    out = redact(text, [(a, text.index('",', a) + 1, "URL")])
    assert out == '{"videoTutorial": "<URL>", "n": 1}'
    assert json.loads(out) == {"videoTutorial": "<URL>", "n": 1}


def test_a_span_over_a_key_and_a_value_leaves_the_key() -> None:
    text = '{"Maria Lopez": "Maria Lopez lives here"}'
    out = redact(text, [(2, 13, "PERSON"), (17, 28, "PERSON")])
    assert json.loads(out) == {"Maria Lopez": "<PERSON> lives here"}


@pytest.mark.parametrize("value", ["Ann\\nLee", "Jos\\u00e9 Lee", 'say \\"Ann\\"'])
def test_escapes_are_never_cut_in_half(value: str) -> None:
    text = '{"a": "' + value + '"}'
    inside = json_value_ranges(text)
    assert inside == [(7, 7 + len(value))]
    for a in range(7, 7 + len(value)):
        for b in range(a + 1, 7 + len(value) + 1):
            out = redact(text, [(a, b, "PERSON")])
            json.loads(out)          # always parses
            assert out.startswith('{"a": "') and out.endswith('"}')


def test_text_that_is_not_json_is_redacted_as_before() -> None:
    text = 'He said "Ann Lee" twice.'
    assert redact(text, [(8, 17, "PERSON")]) == "He said <PERSON> twice."


def test_nothing_outside_a_span_changes() -> None:
    text = '{\n  "user":   "Ann Lee",\n  "note": "call +1 415 555 0100"\n}'
    a, b = text.index("Ann"), text.index("Lee") + 3
    c = text.index("+1")
    out = redact(text, [(a, b, "PERSON"), (c, c + 15, "PHONE_NUMBER")])
    assert out == '{\n  "user":   "<PERSON>",\n  "note": "call <PHONE_NUMBER>"\n}'


@pytest.mark.parametrize("value, phone", [
    ("(415) 555-0132", True), ("+44 20 7946 0958", True), ("001-420-335-7509x38548", True),
    ("0.3571428571", False), ("(-0.3571428571", False), ("4000-6000", False),
    ("333333", False), ("1687", False),
])
def test_phone_plausibility(value: str, phone: bool) -> None:
    assert quality.plausible_phone(value) is phone


def test_web_addresses_are_public_unless_someone_calls_them_their_own() -> None:
    general = "Read the docs at https://docs.python.org/3/ first."
    own = "Please visit my website https://ana-silva.pt for the photos."
    example = "Post it to https://www.example.com/form please, my website is down."
    for text, want in ((general, "public"), (own, "contextual"), (example, "public")):
        start = text.index("http")
        end = text.index(" ", start)
        assert quality.tier("URL", text, start, end, []) == want, text


def test_an_assistant_introducing_itself_is_not_a_person_in_context() -> None:
    text = "I am Vicuna, a language model trained by researchers."
    assert quality.tier("PERSON", text, 5, 11, []) == "public"
    text = "I am Ana Silva and I need help with my order."
    assert quality.tier("PERSON", text, 5, 14, []) == "contextual"


# -- a default export, end to end --------------------------------------------------------


def test_a_default_export_keeps_json_answers_valid_and_public_names(
        store: Any, write: Any, do_import: Any, pii_analyzer: pii.Analyzer,
        tmp_path: Any) -> None:
    from curator.core.checks.scan import scan
    from curator.core.export import ExportOptions, export
    from curator.core.jobs import run_job

    answer = json.dumps({"videoTutorial": "https://my-own-site.com/watch?v=1",
                         "contact": "Write to ann.lee@mailbox.org or call +1 415 555 0100",
                         "capital": "Paris is the capital of France"})
    target = {"id": "target", "messages": [
        {"role": "system", "content": "Answer in JSON. Respond with a JSON object."},
        {"role": "user", "content": "Hi, my name is Ana Silva. Who wrote Hamlet?"},
        {"role": "assistant", "content": answer}]}
    lines = [json.dumps({"id": f"r{i}", "messages": [
        {"role": "user", "content": f"Question {i}?"},
        {"role": "assistant", "content": f"Answer {i}."}]}) for i in range(12)]
    do_import(write("data.jsonl", "\n".join([*lines, json.dumps(target)]) + "\n"))
    run_job(scan(store, only=("schema", "pii"), pii_analyzer=pii_analyzer))
    out = tmp_path / "out"
    run_job(export(store, out, ExportOptions(val_fraction=0.0, accept=["size"]),
                   actor="tester", pii_analyzer=pii_analyzer))
    rows = [json.loads(line) for p in sorted(out.glob("*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines()]
    (row,) = [r for r in rows if "Hamlet" in json.dumps(r)]
    user, written_answer = row["messages"][1]["content"], row["messages"][2]["content"]
    assert user == "Hi, my name is <PERSON>. Who wrote Hamlet?"
    decoded = json.loads(written_answer)                 # still valid JSON
    assert decoded["contact"] == "Write to <EMAIL_ADDRESS> or call <PHONE_NUMBER>"
    assert decoded["capital"] == "Paris is the capital of France"    # public: kept
    assert set(decoded) == {"videoTutorial", "contact", "capital"}


def test_a_name_next_to_an_identifier_is_contextual_but_not_across_json_fields() -> None:
    block = "Taylor Barabás\nAreavibes Inc\nMobile: 041-412-293"
    phone = block.index("041")
    assert quality.tier("PERSON", block, 0, 14, [(phone, len(block))]) == "contextual"
    text = '{"contact": "call +1 415 555 0100", "capital": "Paris is the capital"}'
    a = text.index("+1")
    p = text.index("Paris")
    assert quality.tier("LOCATION", text, p, p + 5, [(a, a + 15)]) == "public"


@pytest.mark.parametrize("text", [
    "You are a helpful assistant designed to output JSON. JSON Mode is on.",
    "Use Console.WriteLine to print, and declare it as Integer or Varchar in SQL.",
    "Neuschwanstein Castle is in Bavaria. Is AI going to change life on Earth?",
    "Why did Juliet love Romeo? Is Gatsby a tragic hero? What does Snoopy eat?",
    "What is the capital of India?",
    "with open(p) as f: print(f.name); x = document.getElementById('a')",
    "Compare o1 and d3 on the benchmark.",
    "Merhaba, bu kim? Değil mi, tabii ki gibi bir şey var.",
    '{"videoTutorial": "https://youtu.be/abc", "name": "Chocolate cake"}',
])
def test_issue_15_false_alarms_are_not_redacted_by_default(pii_analyzer: pii.Analyzer,
                                                           text: str) -> None:
    found = pii_analyzer.analyze(text)
    assert pii.redacted_by_default(text, found) == []
    assert all(t == "public" for t in pii.span_tiers(text, found))
