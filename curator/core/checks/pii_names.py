"""Names and places said in a personal context, which the small spaCy model misses.

Pure functions over a text and the model's entities (regular expressions, no model of
their own), wrapped as a Presidio recognizer by :mod:`curator.core.checks.pii`. The small
English model misses a given name after "ms.", "call me" or "Dear", a name before "lives
on", and tags many first names as organisations or places ("Filip", "Sumaya"). A person
is named here when the words around say so:

* after a title (``ms. Wijtze``, ``Dr Okafor``), "my name is", "call me", "I'm called";
* greeted at the start of a line (``Dear Ana,``, ``Hi Marek!``) or signing a message
  (``Best regards,\\nJohn``);
* before "lives", "works at", "was born", "grew up", "moved", or with a relative
  (``Sumaya's kid``); addressed at the start of a line (``Marisca, can I ...``);
* on the line above an address block (the person the letter goes to; see
  :func:`curator.core.checks.pii_address.addressee`).

The name is the run of capitalised words there (up to three), never a word that greets
a group or a role (``Dear Sir``, ``Hi Team``, ``Hello World``), and never inside code.
When the model tagged those words as an organisation or a place, they are the person's
name instead (:func:`person_spans` reports them; ``pii`` drops the model's place).

A place is named in a personal context after "born in", "grew up in", "lives in",
"moved to", "I'm from" (:func:`place_spans`), unless the model calls it a person, an
organisation, a product or a nationality. These spans only *find* names and places;
whether they are redacted by default is still decided by the tiers in
:mod:`curator.core.checks.pii_quality` (all these contexts are personal cues there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from curator.core.checks.pii_address import addressee, find_addresses
from curator.core.checks.pii_quality import code_regions

_L = r"[^\W\d_]"


def _lower_set(words: str) -> frozenset[str]:
    return frozenset(w.lower() for w in words.split())


_TOKEN = re.compile(rf"{_L}[\w'’\-]*")

#: Capitalised words that follow a greeting or a title but are not a person's name.
NOT_NAMES = _lower_set(
    "Sir Sirs Madam Madame Ma'am Team All Everyone Everybody There World Guys Folks Friend "
    "Friends Customer Customers User Users Assistant Support Admin Manager Managers Doctor "
    "The A An I Thanks Thank Please Hello Hi Hey Dear Mr Mrs Ms Dr Your My Our Name Here "
    "Below Above Guest Guests Client Clients Colleague Colleagues Hiring Recipient Reader "
    "Readers Students Student Class Boss Mom Mum Dad Mother Father Grandma Grandpa Honey "
    "Babe Love Darling Sweetie Buddy Mate Bro Dude Ladies Gentlemen Gents Members Member "
    "Partner Partners Parents Kids Children Community Committee Board Staff Sales HR IT "
    "AI ChatGPT GPT Claude Bard Gemini Alexa Siri Cortana Copilot Google Bing Bot Chatbot "
    "Python Java JavaScript Again Back Good Morning Afternoon Evening Night Day Everyone's "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December Christmas Santa God Lord "
    "Jesus Allah He She They We It This That These Those His Her Their Its You "
    "Yes No Well Okay Ok So Now Sorry Excuse Sure Also However Actually Honestly Listen "
    "Look Oh Hmm Wait Alright Right Great Then First Second Third Next Finally Anyway "
    "Otherwise Meanwhile Still Besides Thus Therefore Instead Plus Fine Cool Nice Perfect "
    "Excellent Certainly Absolutely Indeed Additionally Furthermore Moreover Lastly Note "
    "Remember Today Tomorrow Yesterday Tonight Maybe Perhaps Seriously Guys Kindly I'm I’m "
    "I'd I’d I'll I’ll I've I’ve")

_NAME = rf"(?P<name>{_L}[\w'’\-]*(?:[ \t]+{_L}[\w'’\-]*){{0,2}})"
_TITLE = r"(?:mr|mrs|ms|mx|miss|dr|prof|mme|mlle|herr|frau|sr|sra|srta)"
_CUE = (
    rf"\b(?i:{_TITLE})\.?[ \t]+"
    r"|\b(?i:my|his|her|their|your)[ \t]+(?i:full[ \t]+|first[ \t]+|last[ \t]+|maiden[ \t]+"
    r"|given[ \t]+|sur)?(?i:name)(?:[ \t]+(?i:is|was)|'s|[ \t]*:)[ \t]+"
    r"|(?<![\"'])\b(?i:name)[ \t]*:[ \t]*(?![\"'])"
    r"|\b(?i:call[ \t]+me|calls[ \t]+me|called[ \t]+me|i[ \t]+am[ \t]+called|i'm[ \t]+called"
    r"|they[ \t]+call[ \t]+me|people[ \t]+call[ \t]+me)[ \t]+")
#: A greeting at the start of a line or sentence; the name must end the greeting.
_GREETING = (r"(?:^|(?<=\n)|(?<=[.!?][ \t]))[ \t]*(?i:dear|hi|hello|hey|good[ \t]+morning"
             r"|good[ \t]+afternoon|good[ \t]+evening)[ \t]+")
#: A sign-off; the name must be alone on the next line.
_SIGN_OFF = (r"\b(?i:regards|best|thanks|thank[ \t]+you|cheers|sincerely|yours[ \t]+truly"
             r"|yours[ \t]+sincerely|yours[ \t]+faithfully|best[ \t]+wishes|warm[ \t]+wishes"
             r"|love|xoxo)[ \t]*,?[ \t]*\n+[ \t]*")
#: (pattern, what must follow the name: None, "punct" or "eol").
_BEFORE = [(re.compile(f"(?:{_CUE}){_NAME}"), None), (re.compile(_GREETING + _NAME), "punct"),
           (re.compile(_SIGN_OFF + _NAME), "eol")]
#: A person addressed at the start of a line: "Marisca, can I please speak to ...".
_VOCATIVE = re.compile(
    rf"(?:^|(?<=\n))[ \t]*{_NAME}(?=,[ \t]+(?i:(?:can|could)[ \t]+(?:i|you|we)|would[ \t]+you"
    r"|will[ \t]+you|please|(?:do|did|are|have)[ \t]+you|let[ \t]+me|let's)\b)")
#: Right after a name: a verb of living or working, or a relative ("Sumaya's kid"). The
#: name is taken from the words before (a pattern starting at every letter is slow).
_AFTER = re.compile(
    r"[ \t]+(?:lives|lived|(?:works|worked)[ \t]+(?:at|for|as)|was[ \t]+born|grew[ \t]+up|"
    r"moved|resides)\b"
    r"|'s[ \t]+(?:wife|husband|son|daughter|kid|kids|child|children|mother|father|mom|"
    r"mum|dad|brother|sister|boyfriend|girlfriend|partner|fiancée?|baby|family|house|"
    r"home|address|phone|number|email)\b")
_WORDS_BEFORE = re.compile(rf"(?P<name>{_L}[\w'’\-]*(?:[ \t]+{_L}[\w'’\-]*){{0,2}})$")

_PLACE = rf"(?P<place>{_L}[\w'’\-]*(?:[ \t]+(?:(?:nad|de|del|la|le|da|do|di|von|van|am|upon|" \
         rf"on|sur|of)[ \t]+)?{_L}[\w'’\-]*){{0,3}})"
_PLACE_BEFORE = re.compile(
    r"\b(?i:grew[ \t]+up[ \t]+in|born[ \t]+in|raised[ \t]+in|(?:live|lives|lived|living)"
    r"[ \t]+in|resides?[ \t]+in|resided[ \t]+in|residing[ \t]+in|moved[ \t]+to"
    r"|relocated[ \t]+to|(?P<from>(?:i|i'm|i[ \t]+am|he|she|we|they|he's|she's|we're|they're)"
    r"[ \t]+(?:am[ \t]+|is[ \t]+|are[ \t]+|was[ \t]+|were[ \t]+|come[ \t]+|came[ \t]+)?"
    r"(?:originally[ \t]+)?from))[ \t]+" + _PLACE)

#: Model labels a name in a personal context may wrongly carry (it is a person).
#: (spaCy's labels, and Presidio's names for them: its NLP engine renames them.)
RELABELLED = frozenset({"ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART",
                        "ORGANIZATION", "LOCATION"})
#: Model labels that say a word after "born in" is not a place (the small model tags
#: many places as organisations, so those are not among them) ...
NOT_PLACE = frozenset({"PERSON", "PRODUCT", "NORP", "WORK_OF_ART", "DATE", "TIME",
                       "LANGUAGE", "EVENT", "DATE_TIME"})
#: ... but after "I'm from" an organisation is one ("I'm from Acme support").
NOT_PLACE_AFTER_FROM = NOT_PLACE | {"ORG", "ORGANIZATION"}


def _capitalised(text: str, start: int, end: int, stop: frozenset[str] = NOT_NAMES
                 ) -> tuple[int, int] | None:
    """The leading run of capitalised words of ``text[start:end]`` (not role words)."""
    last = None
    for m in _TOKEN.finditer(text, start, end):
        word = m.group()
        if not word[0].isupper() or word.lower().strip("'’") in stop:
            break
        last = m.end()
        if word[-2:] in ("'s", "’s"):
            last -= 2                    # "Grayson's father": the name is Grayson
            break
    if last is None:
        return None
    while text[last - 1] in "'’-":
        last -= 1
    return (start, last) if last > start else None


def _capitalised_tail(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The trailing run of capitalised words of ``text[start:end]`` ("and Sumaya")."""
    first = None
    for m in _TOKEN.finditer(text, start, end):
        if m.group()[0].isupper() and m.group().lower() not in NOT_NAMES:
            first = m.start() if first is None else first
        else:
            first = None
    return _capitalised(text, first, end) if first is not None else None


def person_spans(text: str, ents: Sequence[tuple[str, int, int]] = ()
                 ) -> list[tuple[int, int]]:
    """Names of people said in a personal context (see the module doc), as
    (start, end). ``ents`` are the model's entities (label, start, end), used to take a
    whole name the model found under another label."""
    if not any(c.isupper() for c in text):
        return []
    found: list[tuple[int, int]] = []
    for m in _AFTER.finditer(text):
        before = _WORDS_BEFORE.search(text, max(0, m.start() - 60), m.start())
        if before is not None:
            span = _capitalised_tail(text, before.start(), before.end())
            if span is not None:
                found.append(span)
    for rx, then in [*_BEFORE, (_VOCATIVE, None)]:
        for m in rx.finditer(text):
            span = _capitalised(text, m.start("name"), m.end("name"))
            if span is None:
                continue
            if rx is _VOCATIVE and span[1] != m.end("name"):
                continue                 # "Using that information, can you ..."
            rest = text[span[1]:].split("\n", 1)[0]
            if then == "eol" and rest.strip():
                continue                 # "Best,\nJohn and I ..." is a sentence
            if then == "punct" and rest.strip() and rest.lstrip()[0] not in ",!:;.":
                continue                 # "Hello World program"
            found.append(span)
    for a, _ in find_addresses(text) if "\n" in text else ():   # blocks only
        above = addressee(text, a)
        if above is not None:
            found.append(above)
    out = []
    for a, b in found:
        for label, ea, eb in ents:
            if label in RELABELLED and ea <= a < eb and eb - b < 40 and \
                    "\n" not in text[a:eb]:
                b = max(b, eb)           # the model's whole name ("Megan Payne")
        out.append((a, b))
    return _outside_code(text, out)


def place_spans(text: str, ents: Sequence[tuple[str, int, int]] = ()
                ) -> list[tuple[int, int]]:
    """Places someone lives in, comes from or was born in (see the module doc)."""
    out = []
    for m in _PLACE_BEFORE.finditer(text):
        span = _capitalised_place(text, m.start("place"), m.end("place"))
        if span is None:
            continue
        a, b = span
        labels = NOT_PLACE_AFTER_FROM if m.group("from") else NOT_PLACE
        if any(label in labels and ea < b and a < eb for label, ea, eb in ents):
            continue
        out.append(span)
    return _outside_code(text, out)


_CONNECTORS = _lower_set("nad de del la le da do di von van am upon on sur of")


def _capitalised_place(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Capitalised words, with lower-case connectors between them (Ústí nad Labem)."""
    last = None
    pending = False
    for m in _TOKEN.finditer(text, start, end):
        word = m.group()
        if word[0].isupper() and word.lower() not in NOT_NAMES:
            last, pending = m.end(), False
        elif word in _CONNECTORS and last is not None and not pending:
            pending = True
        else:
            break
    return (start, last) if last is not None else None


def _outside_code(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    code = code_regions(text)
    return sorted({(a, b) for a, b in spans
                   if b > a and not any(c < b and a < d for c, d in code)})
