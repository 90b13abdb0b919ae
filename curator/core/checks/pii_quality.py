"""What makes a PII span worth reporting: per-type thresholds, code and JSON awareness,
absolute dates, a light language check, and risk tiers.

Pure functions over a text and its spans (no Presidio import), used by
:mod:`curator.core.checks.pii` after the analyzer ran. The choices and the figures behind
them are in docs/benchmarks.md (PII part).

* **Per-type thresholds** (:data:`CALIBRATED_OFFSETS`): Presidio's context enhancement
  acts first (the analyzer runs with the lowest threshold), then each type is kept at its
  own threshold. Pattern recognizers give phone numbers 0.4 and driver's licences 0.3-0.4
  before context; one global 0.5 dropped most phone numbers.
* **Code and JSON**: a name, place, organisation or date inside a code block or inline
  code, a code identifier (``WriteLine``, ``user_name``, ``f.name``) or a JSON key is not
  reported. A web address needs a scheme, ``www.`` or a common domain ending, and its span
  never includes quotes or brackets around it.
* **Dates**: only absolute dates (a day, a month and a year) are reported; "tomorrow",
  "next week", "2 months" and a bare year are not personal data.
* **Language**: with an English model, names are not looked for in text that is not
  English (the small model tags common Turkish words as names); patterns still run.
* **Tiers** (:func:`tier`): ``identifier`` (e-mail, phone, card, IBAN, national ids, IP,
  a date of birth: flagged and redacted by default), ``contextual`` (a name or place
  next to an identifier or a personal cue, a web address someone calls their own:
  redacted by default), ``public`` (a name or place with no personal cue, a nationality,
  an organisation, a public date, a web address (example.com or any other not
  said to be someone's own), an assistant's own name: shown at info severity for review, never
  redacted by default).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

#: Per-type thresholds used when the settings give none (``thresholds: null``), as
#: offsets from the settings' single ``threshold`` (so raising it raises them all).
#: Lower only where the recognizer's base score is under 0.5 and the pattern is
#: specific: Presidio's phone recognizer gives 0.4 before context, the driver's licence
#: one 0.3-0.4 (with the length rule in :func:`keep`).
CALIBRATED_OFFSETS: dict[str, float] = {
    "PHONE_NUMBER": -0.1,
    "US_DRIVER_LICENSE": -0.1,
}


#: Types from the NER model (names, places, groups, organisations, dates).
NER_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION", "DATE_TIME"})

#: Identifier types: personal data wherever they appear.
IDENTIFIER_TYPES = frozenset({
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN",
    "US_BANK_NUMBER", "US_DRIVER_LICENSE", "US_ITIN", "US_PASSPORT", "UK_NHS",
    "MEDICAL_LICENSE", "CRYPTO", "ADDRESS",
})

#: Reserved example domains (RFC 2606/6761) and obvious placeholders in web addresses.
#: (E-mail addresses stay identifiers whatever their domain: redacting one costs little.)
_EXAMPLE_DOMAIN = re.compile(
    r"(?:^|[@./])(?:example\.(?:com|net|org)|[\w-]+\.(?:test|example|invalid|localhost)|"
    r"(?:your|my)?(?:domain|website|site|company|email)\.com)(?:$|[/:?#])", re.I)

TIERS = ("identifier", "contextual", "public")

NOT_ENGLISH_NOTE = "names not checked: this text is not English"


# -- code and JSON -------------------------------------------------------------------------

_FENCE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
_INLINE = re.compile(r"`[^`\n]+`")


def code_regions(text: str) -> list[tuple[int, int]]:
    """Fenced code blocks and inline code spans, as (start, end)."""
    if "`" not in text and "~~~" not in text:
        return []
    regions = [(m.start(), m.end()) for m in _FENCE.finditer(text)]
    for m in _INLINE.finditer(text):
        if not any(a <= m.start() < b for a, b in regions):
            regions.append((m.start(), m.end()))
    return regions


_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}[a-z]")


def is_code_identifier(value: str, text: str, start: int, end: int) -> bool:
    """A span that is (or sits in) a code identifier: CamelCase inside a word, snake_case,
    dotted names (``f.name``), call syntax, or a JSON key."""
    word_start, word_end = start, end
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] in "_."):
        word_start -= 1
    while word_end < len(text) and (text[word_end].isalnum() or text[word_end] in "_"):
        word_end += 1
    word = text[word_start:word_end].strip(".")
    if "_" in word or (" " not in value and _CAMEL.search(word)):
        return True
    if " " not in word and "." in word and not word.endswith(".") and \
            re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", word):
        return True
    if end < len(text) and text[end] == "(" and " " not in value:
        return True
    return is_json_key(text, start, end)


def is_json_key(text: str, start: int, end: int) -> bool:
    """The span is (inside) a quoted string followed by a colon: a JSON/dict key."""
    open_quote = text.rfind('"', 0, start + 1)
    if open_quote < 0 or "\n" in text[open_quote:start]:
        return False
    close_quote = text.find('"', end)
    if close_quote < 0 or "\n" in text[end:close_quote]:
        return False
    after = text[close_quote + 1:close_quote + 4].lstrip()
    return after.startswith(":")


#: Domain endings a web address without a scheme or "www." must have.
COMMON_TLDS = frozenset({
    "com", "org", "net", "edu", "gov", "mil", "int", "io", "co", "uk", "de", "fr", "es",
    "it", "nl", "se", "pl", "ru", "cn", "jp", "in", "br", "au", "ca", "ch", "eu", "info",
    "biz", "us", "me", "ai", "app", "dev", "tv", "ly",
})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.I)


def url_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The web-address span trimmed of quotes and brackets, or None when it is not one
    (no scheme, no "www." and no common domain ending, or a code attribute)."""
    while start < end and text[start] in "\"'`([{<":
        start += 1
    while end > start and text[end - 1] in "\"'`)]}>,.;:!?":
        end -= 1
    value = text[start:end]
    if not value:
        return None
    if _SCHEME.match(value) or value.lower().startswith("www."):
        return start, end
    host = re.split(r"[/?#:]", value, maxsplit=1)[0]
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].lower() not in COMMON_TLDS:
        return None
    if any(c.isupper() for c in host[1:]) and not host.isupper():
        return None            # document.getElementById, someObj.Name
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.$@"):
        return None
    return start, end


def plausible_phone(value: str) -> bool:
    """Seven to 15 digits (plus an extension), not a decimal number or a range."""
    main = re.split(r"\s?(?:x|ext\.?)\s?\d", value, maxsplit=1)[0]
    digits = sum(c.isdigit() for c in main)
    if not 7 <= digits <= 15:
        return False
    if re.fullmatch(r"[(\-]*\d*\.\d{4,}\)?", value.strip()):
        return False                    # 0.3571428571
    return not re.fullmatch(r"\d{1,5}\s?[-–]\s?\d{1,5}", value.strip())   # 4000-6000


# -- dates ---------------------------------------------------------------------------------

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
           r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_ABSOLUTE_DATE = re.compile(
    r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b"                      # 12/1/1977, 1998-06-28
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{2,4}}\b"  # 3 May 1990
    rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b",           # May 3, 1990
    re.I)


def is_absolute_date(value: str) -> bool:
    """A date with a day, a month and a year (not "tomorrow", "2 months", "1990")."""
    return bool(_ABSOLUTE_DATE.search(value))


# -- language ------------------------------------------------------------------------------

def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _word_set(
    "the a an and or but of to in on at for with is are was were be been it this that "
    "i you he she we they my your his her our their me him us them what which who how "
    "do does did not no yes can could will would should have has had from by as if so "
    "there here please thanks hi hello about just all any some one")
_WORD = re.compile(r"[^\W\d_]+")


#: Frequent function words of other languages written in Latin letters (Turkish,
#: Spanish, Portuguese, French, Italian, German, Dutch, Indonesian), none an English word.
_FOREIGN = _word_set(
    "ve bir bu da için ile mi mı ne çok gibi değil ama kim var yok ben sen olarak daha "
    "ki şey nasıl neden evet hayır tabii "
    "el los las que y en un una es por con para se su del al lo como más pero muy está "
    "não uma os em com é são mas você isso "
    "le les et est une des du je vous il elle pas qui pour dans sur avec ce cette sont "
    "di che è per non sono della gli anche "
    "der die das und ist nicht ich sie es ein eine zu mit auf für von den dem auch sich "
    "het een niet zijn ik je dat wat "
    "yang dan ini itu dengan untuk tidak ada saya")


def is_english(text: str) -> bool:
    """A light heuristic for "this text is English" (names are looked for only then).

    Not English: mostly letters outside the Latin script, or more function words of
    another language than of English. Everything else counts as English, including
    short texts, address blocks and lists of names, so the default is to analyse.
    """
    words = _WORD.findall(text)
    if len(words) < 3:
        return True
    letters = sum(len(w) for w in words)
    latin = sum(1 for w in words for c in w if ord(c) < 0x250)
    lowered = [w.lower() for w in words]
    english = sum(1 for w in lowered if w in _STOPWORDS)
    if latin / letters < 0.5 and english < 2:
        return False
    foreign = sum(1 for w in lowered if w in _FOREIGN)
    return not (foreign >= 2 and foreign > 2 * english)


# -- filtering and tiers -------------------------------------------------------------------


class Kept(NamedTuple):
    start: int
    end: int


def keep(entity: str, recognizer: str, text: str, start: int, end: int,
         code: Sequence[tuple[int, int]]) -> Kept | None:
    """The span to report for a raw analyzer span, or None to drop it."""
    value = text[start:end]
    if entity == "URL":
        if any(a <= start and end <= b for a, b in code):
            return None
        trimmed = url_span(text, start, end)
        return Kept(*trimmed) if trimmed else None
    if entity == "PHONE_NUMBER" and not plausible_phone(value):
        return None
    if entity == "US_DRIVER_LICENSE":
        # Presidio's weak pattern takes "o1", "d3", model names: require a real length.
        compact = re.sub(r"[\s\-]", "", value)
        if len(compact) < 6 or not any(c.isdigit() for c in compact):
            return None
        return Kept(start, end)
    if entity in NER_TYPES:
        if any(a < end and start < b for a, b in code):
            return None
        if is_code_identifier(value, text, start, end):
            return None
        stripped = value.strip()
        if not stripped or (entity != "DATE_TIME" and not any(c.isalpha() for c in stripped)):
            return None
        if entity == "DATE_TIME" and not is_absolute_date(value):
            return None
        lead = len(value) - len(value.lstrip())
        trail = len(value) - len(value.rstrip())
        return Kept(start + lead, end - trail)
    return Kept(start, end)


_PERSONAL_CUE = re.compile(
    r"\b(?:my|our|his|her|their|your)\s+(?:name|full name|maiden name|surname|address|"
    r"wife|husband|son|daughter|mother|father|mom|dad|brother|sister|partner|friend|"
    r"colleague|boss|manager|neighbou?r|doctor|teacher|child|kid|account)\b"
    r"|\b(?:i am|i'm|i live|lives|lived|living|moved|moving|born|call me|calls me|"
    r"named|address|resides?|residing|works? at|contact)\b",
    re.I)
#: A web address is someone's own when the sentence says so.
_OWN_URL = re.compile(r"\b(?:my|our|his|her|their)\s+(?:own\s+)?(?:website|site|blog|"
                      r"profile|page|account|channel|portfolio|linkedin|github|twitter|"
                      r"instagram|facebook)\b", re.I)
#: An assistant introducing itself: its name is a product name.
_ASSISTANT = re.compile(r"\b(?:language model|AI|assistant|chatbot|bot|LLM)\b")
#: A place is personal when someone lives, was born, moves or is there.
_PLACE_CUE = re.compile(
    r"\b(?:i live|i'm from|i am from|lives|lived|living|moved|moving|move to|born|"
    r"address|resides?|residing|grew up|my (?:home|house|flat|apartment|office|hotel)|"
    r"i'm in|i am in|i'm at|i am at|works? at|staying)\b", re.I)
#: Right before a name: a greeting or a title ("Dear Ana", "ms. Kuyra").
_ADDRESS_CUE = re.compile(
    r"\b(?:dear|hi|hello|hey|thanks|thank you|mr|mrs|ms|miss|dr)\.?,?\s*$", re.I)
_BIRTH = re.compile(r"\b(?:born|birth|dob|d\.o\.b|birthday)\b", re.I)


def tier(entity: str, text: str, start: int, end: int,
         identifiers: Sequence[tuple[int, int]]) -> str:
    """``identifier``, ``contextual`` or ``public`` for a kept span (see module doc)."""
    value = text[start:end]
    if entity == "URL" and _EXAMPLE_DOMAIN.search(value):
        return "public"
    if entity in IDENTIFIER_TYPES:
        return "identifier"
    window = _sentence(text, start, end)
    if entity == "URL":
        return "contextual" if _OWN_URL.search(window) else "public"
    if entity == "DATE_TIME":
        return "identifier" if _BIRTH.search(window) else "public"
    if entity in ("NRP", "ORGANIZATION"):
        return "public"
    near_identifier = any(_near(text, start, end, a, b) for a, b in identifiers)
    cue = _PERSONAL_CUE if entity == "PERSON" else _PLACE_CUE
    if entity == "PERSON" and _ASSISTANT.search(window):
        return "public"                 # "I am Vicuna, a language model ..."
    if near_identifier or cue.search(window):
        return "contextual"
    if entity == "PERSON" and (_addressed(text, start, end)
                               or _ADDRESS_CUE.search(text[max(0, start - 12):start])):
        return "contextual"
    return "public"


_BOUNDARY = re.compile(r'[.!?]\s|"\s*[,:}\]]')


def _near(text: str, start: int, end: int, a: int, b: int) -> bool:
    """An identifier at a..b is next to the span: under 120 characters away, in the same
    sentence or block (no sentence end and no JSON string boundary between)."""
    lo, hi = (end, a) if a >= end else (b, start)
    if hi <= lo:
        return True                     # overlapping
    gap = text[lo:hi]
    return len(gap) < 120 and not _BOUNDARY.search(gap)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence (or line) around a span, at most 160 characters each side."""
    lo = max(0, start - 160)
    cut = max(text.rfind(c, lo, start) for c in ".!?\n")
    hi = min(len(text), end + 160)
    after = [k for k in (text.find(c, end, hi) for c in ".!?\n") if k >= 0]
    return text[(cut + 1 if cut >= 0 else lo):(min(after) if after else hi)]


_CONTEXT = {
    # "call" is a spaCy stop word, so Presidio's own context step never sees it
    "PHONE_NUMBER": re.compile(
        r"\b(?:call|calls|calling|phone|tel|telephone|mobile|cell|cellphone|ring|"
        r"reach|text me|whatsapp|fax|contact)\b", re.I),
}
#: What a context word adds (Presidio's own default).
CONTEXT_BOOST = 0.35


def context_score(entity: str, score: float, text: str, start: int, end: int) -> float:
    """``score`` raised when a context word for ``entity`` is in the 60 characters
    before the span (or 30 after); Presidio's lemma step misses stop words like "call".
    """
    pattern = _CONTEXT.get(entity)
    if pattern is None:
        return score
    near = text[max(0, start - 60):start] + " " + text[end:end + 30]
    return min(1.0, score + CONTEXT_BOOST) if pattern.search(near) else score


def _addressed(text: str, start: int, end: int) -> bool:
    """A name said to someone: "Marisca, can I ..." or "..., Marisca."."""
    before = text[:start].rstrip()
    after = text[end:end + 2]
    return (not before or before[-1] in ".!?\n") and after.startswith(",")


#: Severity of a finding by tier.
SEVERITY = {"identifier": "warning", "contextual": "warning", "public": "info"}
#: Tiers a default export redacts.
REDACTED_TIERS = frozenset({"identifier", "contextual"})
