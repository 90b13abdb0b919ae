"""PII recall (issue 15, goal 1): postal addresses, and names and places said in a
personal context that the small spaCy model misses. The rules alone, then through the
real analyzer (Presidio + the installed model), with the cases that must stay silent:
code, JSON keys, greetings of a group, famous people in general questions."""

from __future__ import annotations

import pytest

from curator.core.checks import pii
from curator.core.checks.pii_address import addressee, find_addresses
from curator.core.checks.pii_names import person_spans, place_spans


def addresses(text: str) -> list[str]:
    return [text[a:b] for a, b in find_addresses(text)]


def spans(analyzer: pii.Analyzer, text: str) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start:s.end]) for s in analyzer.analyze(text)]


# -- addresses: the rules ------------------------------------------------------------------


@pytest.mark.parametrize("text, address", [
    # a house number and a street word
    ("The restaurant is at 19 1755 Nelson Mandela Drive", "19 1755 Nelson Mandela Drive"),
    ("Send it to 12 Oak Road, Leeds, UK please", "12 Oak Road, Leeds, UK"),
    ("How do I change my address to 16 48 rue Descartes, Monte Gil, Canada for post mail?",
     "16 48 rue Descartes, Monte Gil, Canada"),
    # the street word joined to the name, the number after
    ("Filip lives on Nassaustraat 123 street.", "Nassaustraat 123"),
    ("The bus station is on Ziegelgasse 26", "Ziegelgasse 26"),
    ("We met at Via Roma 12 in the evening.", "Via Roma 12"),
    # after an address cue, with a second sign (a number, a town after a comma)
    ("Shelby Araujo lives at 87 Jakobi 69, Laane", "87 Jakobi 69, Laane"),
    ("What is your address? it is 05 Weblinger Gürtel 92 Apt. 584 HEILIGENBRUNN France",
     "05 Weblinger Gürtel 92 Apt. 584 HEILIGENBRUNN France"),
    # a block: the street line, then address lines down to the postcode
    ("Please return to 39 79 Argyll Road\nNoorderwijk\n, VAN\n Portugal 76970 in case of "
     "an issue.", "39 79 Argyll Road\nNoorderwijk\n, VAN\n Portugal 76970"),
    ("Michael Urner\n\n11 Školní 939\n Apt. 827\n Kaplice 1\n\n Iceland 80392",
     "11 Školní 939\n Apt. 827\n Kaplice 1\n\n Iceland 80392"),
    ("The office is at 01 Korte Noordsstraat 307\nÖVERTURINGEN, nan 80815. It serves food.",
     "01 Korte Noordsstraat 307\nÖVERTURINGEN, nan 80815"),
    # a labelled postcode
    ("ZIP: 11164", "11164"),
])
def test_street_addresses_and_address_blocks_are_found(text: str, address: str) -> None:
    assert addresses(text) == [address]


def test_an_address_block_stops_before_a_phone_line_and_a_sentence() -> None:
    text = ("Taylor Barabás\nAreavibes Inc\n27 2279 President St\nGleniti\n Canada 32586\n"
            "Mobile: 041-412-293\n")
    assert addresses(text) == ["27 2279 President St\nGleniti\n Canada 32586"]
    text = "I live at 4 Elm Street\nThanks for your help with the order"
    assert addresses(text) == ["4 Elm Street"]


@pytest.mark.parametrize("text", [
    "I ran 5 miles down the road.",
    "Wall Street is in New York, and Abbey Road is an album.",
    "There are 3 lanes on the highway",
    "I live in 3 different cities",
    "Take 2 cups of flour\n1 tsp salt\n2020",
    "In 1990 Main Street was rebuilt",
    "Step 4 Place the tray in the oven",
    "Use `10 Downing Street` as the sample value.",
    "```\naddress = '12 Oak Road, Leeds'\n```",
    "I sent 3 via email",
])
def test_numbers_and_street_words_that_are_not_addresses(text: str) -> None:
    assert addresses(text) == []


def test_the_name_above_an_address_block_is_the_addressee() -> None:
    text = "??? Ronald Pesälä\n??? Tableau Software\n??? 48 107 Rue Abdelaziz Thâalbi\n"
    start = text.index("48 107")
    a, b = addressee(text, start)  # type: ignore[misc]
    assert text[a:b] == "Ronald Pesälä"
    text = "Dear sir, see below\n12 Oak Road\nLeeds LS1 4AP"
    assert addressee(text, text.index("12 Oak")) is None


# -- names and places in context: the rules ------------------------------------------------


@pytest.mark.parametrize("text, name", [
    ("I'd like to join accounts with ms. Wijtze", "Wijtze"),
    ("Sometimes people call me Roland", "Roland"),
    ("My name is Ana Lopez and I need help", "Ana Lopez"),
    ("Dear Ana,\nthanks for the quick reply", "Ana"),
    ("Hi Marek! The parcel arrived.", "Marek"),
    ("See you soon.\n\nBest regards,\nJohn Smith", "John Smith"),
    ("Filip lives on Nassaustraat 123 street.", "Filip"),
    ("It was a done thing between him and Sumaya's kid", "Sumaya"),
    ("Marisca, can I please speak to your boss?", "Marisca"),
])
def test_names_in_a_personal_context_are_found(text: str, name: str) -> None:
    assert [text[a:b] for a, b in person_spans(text)] == [name]


@pytest.mark.parametrize("text", [
    "Hello World program in C",
    "Hi Team, please review",
    "Dear Sir or Madam,",
    "Sure, can you tell me more?",
    'print("Dear Ana,")\n`Hi Marek!`',
    '{"name": "Carbone", "rating": 4.5}',
    "Best,\nJohn and I went to the store",
    "He grew up on a farm.",
])
def test_greetings_code_and_json_are_not_names(text: str) -> None:
    assert person_spans(text) == []


def test_places_someone_lives_in_or_comes_from() -> None:
    text = "Dr. Nielsen is a man who grew up in Ústí nad Labem 2."
    assert [text[a:b] for a, b in place_spans(text)] == ["Ústí nad Labem"]
    # the model calls it an organisation: after "from" that wins, after "grew up in" not
    text = "I'm from Acme support."
    assert place_spans(text, [("ORGANIZATION", 9, 13)]) == []
    assert place_spans("born in March 1990") == []


def test_a_name_the_model_tagged_as_an_organisation_is_taken_whole() -> None:
    text = "My name is Megan Payne."
    assert [text[a:b] for a, b in person_spans(text, [("ORGANIZATION", 11, 22)])] == \
        ["Megan Payne"]


# -- through the analyzer ----------------------------------------------------------------------


def test_an_address_is_an_identifier_redacted_by_default(pii_analyzer: pii.Analyzer) -> None:
    text = "Please ship it to 39 79 Argyll Road\nNoorderwijk\n Portugal 76970 today."
    found = pii_analyzer.analyze(text)
    address = [s for s in found if s.entity_type == "ADDRESS"]
    assert [text[s.start:s.end] for s in address] == [
        "39 79 Argyll Road\nNoorderwijk\n Portugal 76970"]
    assert pii.span_tiers(text, address) == ["identifier"]
    assert address[0] in pii.redacted_by_default(text, found)


def test_a_street_named_after_a_person_is_not_a_person(pii_analyzer: pii.Analyzer) -> None:
    text = "The restaurant is at 19 1755 Nelson Mandela Drive"
    assert spans(pii_analyzer, text) == [("ADDRESS", "19 1755 Nelson Mandela Drive")]


def test_a_name_in_context_is_found_and_redacted(pii_analyzer: pii.Analyzer) -> None:
    text = "I'd like to join accounts with ms. Wijtze, account 4411."
    found = pii_analyzer.analyze(text)
    assert [(s.entity_type, text[s.start:s.end]) for s in found] == [("PERSON", "Wijtze")]
    assert pii.span_tiers(text, found) == ["contextual"]


def test_the_models_place_is_a_person_when_the_context_says_so(
        pii_analyzer: pii.Analyzer) -> None:
    text = "Filip lives on Nassaustraat 123 street."
    found = spans(pii_analyzer, text)
    assert ("PERSON", "Filip") in found and ("ADDRESS", "Nassaustraat 123") in found
    assert not [s for s in found if s[1] == "Filip" and s[0] != "PERSON"]


def test_famous_people_in_general_questions_stay_public(pii_analyzer: pii.Analyzer) -> None:
    text = "Why did Gatsby throw so many parties, and what did Albert Einstein discover?"
    found = pii_analyzer.analyze(text)
    assert found and pii.redacted_by_default(text, found) == []


def test_names_are_not_looked_for_in_text_that_is_not_english(
        pii_analyzer: pii.Analyzer) -> None:
    text = "Merhaba Ayşe, bu akşam ne yapıyorsun? Ben de gelmek için çok istiyorum."
    assert not [s for s in pii_analyzer.analyze(text) if s.entity_type == "PERSON"]


@pytest.mark.parametrize("text", [
    "Explain how Virtual Reality works.",
    "Specifically, Pigeon is from the family of Columbidae.",
    "Using that information, can you tell me the speed?",
])
def test_things_that_work_or_come_from_somewhere_are_not_people(text: str) -> None:
    assert person_spans(text) == []


def test_a_possessive_is_not_part_of_the_name() -> None:
    text = "Atticus is Scout and Grayson's father."
    assert [text[a:b] for a, b in person_spans(text)] == ["Grayson"]
