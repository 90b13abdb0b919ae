"""Postal addresses in free text: a street with a house number, or an address block.

Pure functions over a text (regular expressions, no model), wrapped as a Presidio
recognizer by :mod:`curator.core.checks.pii` (entity ``ADDRESS``, identifier tier: a
street address says where a person can be found). What counts as an address:

* **A street with its number**: a house number then a name ending in a street word
  (``12 Oak Road``, ``230 Wit Rd``, ``106 Kate Edger Place``), a house number then a
  street word that comes first (``48 rue Descartes``), or a street name of a language
  that joins the word to the name, then the number (``Nassaustraat 123``, ``Ziegelgasse
  26``, ``aðalgata 37``, ``Via Roma 12``). A street word alone (``Wall Street``, ``Abbey
  Road``) is not an address: without a house number it names a place, not a door.
* **After an address cue** ("address:", "my address is", "lives at", "located at",
  "ship to", "return to"): a house number then words, when something else says it is an
  address (a second number, a street word, a town after a comma, a postcode line).
* **An address block**: a line starting with a house number followed by short lines
  that end with a postcode line (``Iceland 80392``, ``Saarjärve, JN 91851``).
* **A labelled postcode**: ``ZIP: 11164``, ``Postcode: SW1A 1AA``.

An address runs on over the same line (a flat or suite number, towns and a country after
commas or in capitals, a postcode) and over following short lines that look like address
lines (no sentence, no ``:``, no phone number), ending at a sentence. Nothing inside
code (fenced or inline) is an address. :func:`addressee` finds the name line above an
address block (the person the letter goes to).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from curator.core.checks.pii_quality import code_regions

_L = r"[^\W\d_]"                                   # a letter, any script


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())



_WORD = rf"{_L}[\w'’\-]*\.?"                       # Jakobi, N., rkp., kędzierzyn-koźle
_HOUSE = r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,4}[A-Za-z]?)?"
_SP = r"[ \t]+"
_POSTCODE = r"(?:\d{4,6}(?:-\d{3,4})?|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2})"

#: Street words after the name; the ambiguous ones (Way, Place, Court ...) only with a
#: capital letter.
_STREET_AFTER = (r"(?:(?i:street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd|"
                 r"highway|hwy|parkway|pkwy|strasse|straße|straat)|"
                 r"Way|Place|Pl|Court|Ct|Close|Crescent|Cres|Terrace|Tce|Square|Sq|Row|"
                 r"Walk|Grove|Gardens|Hill|Circle|Cir|Plaza|Alley|Dr|Trail|Mews|Quay|"
                 r"Parade|Esplanade|Promenade)\b\.?")
#: Street words before the name (French, Spanish, Portuguese, Italian, ...).
_STREET_BEFORE = (r"(?:(?i:rue|rua|calle|avenida|avda|carrer|chemin|ulica|ul\.|strada|"
                  r"piazza|largo|travessa)|Via|Viale|Plaza|Avenue|Boulevard)\b")
#: Languages that join the street word to the name (Nassaustraat, Ziegelgasse, aðalgata).
_STREET_JOINED = (r"(?i:straat|strasse|straße|gasse|weg|laan|gracht|plein|kade|allee|"
                  r"platz|vej|gatan|gata|vägen|veien|gaten|katu|utca|útja|ulica|caddesi|"
                  r"sokak)")
_UNIT = (r"(?:[ \t]*[,.]?[ \t]*(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|"
         r"bldg|building|#)\.?[ \t]*#?[ \t]*[\w\-]{1,6})")

_WITH_NUMBER_FIRST = re.compile(
    rf"(?<![\w.,/\-]){_HOUSE}(?:{_SP}{_HOUSE})?{_SP}"
    rf"(?:(?:{_WORD}{_SP}){{1,4}}{_STREET_AFTER}|{_STREET_BEFORE}(?:{_SP}{_WORD}){{1,4}})")
_WITH_NUMBER_AFTER = re.compile(
    rf"(?<![\w.,/\-])(?:{_HOUSE}{_SP})?{_STREET_BEFORE}(?:{_SP}{_WORD}){{1,3}}{_SP}{_HOUSE}\b")
#: A joined street word then a number; the name is found by looking back from it (a
#: pattern starting at every letter of the text is ten times slower).
_JOINED_WORDS = tuple(_STREET_JOINED[4:-1].split("|"))
_CUE_WORDS = ("address", "liv", "resid", "locat", "ship", "send", "sent", "deliver", "mail",
              "post", "return", "forward")
_JOINED_NUMBER = re.compile(rf"{_STREET_JOINED}{_SP}{_HOUSE}\b")
_JOINED_NAME = re.compile(rf"(?:{_HOUSE}{_SP})?(?:{_WORD}{_SP}){{0,2}}{_L}*$")
_CUE = re.compile(
    r"\b(?:address(?:es)?|(?:i|he|she|we|they|who)\s+(?:now\s+)?(?:live|lives|lived)|"
    r"lives|lived|living|resides?|residing|located|"
    r"(?:ship|send|sent|deliver|mail|post|return|forward)(?:ed|ing|s)?(?:\s+(?:it|them|this))?"
    r"\s+to)\b"
    r"(?:[ \t]*(?:[:?,\-]|(?:is|was|at|to|in|on|with|it|it's|here|they|are|of)\b)){0,6}"
    r"[ \t]*(?:\n[ \t]*){0,2}", re.I)
_CUE_BODY = re.compile(
    rf"{_HOUSE}(?:{_SP}{_HOUSE})?{_SP}{_WORD}(?:{_SP}(?:{_WORD}|{_HOUSE}\b)){{0,5}}")
_BLOCK_START = re.compile(
    rf"^[ \t?*•>\-]*({_HOUSE}(?:{_SP}{_HOUSE})?{_SP}{_WORD}(?:{_SP}(?:{_WORD}|{_HOUSE}\b)){{0,4}})"
    r"[ \t.,]*$", re.M)
_LABELLED_POSTCODE = re.compile(
    rf"\b(?i:zip(?:[ \t]?code)?|post[ \t]?code|postal[ \t]code|plz)[ \t]*[:#][ \t]*({_POSTCODE})\b")

_UNIT_AT = re.compile(_UNIT)
#: "In 1990 Main Street was ...": a year, not a house number.
_YEAR = re.compile(r"\b(?i:in|since|by|until|from|of|before|after)[ \t]+(?:1[89]|20)\d\d\b")
_POSTCODE_RE = re.compile(rf"(?<![\w\-]){_POSTCODE}(?![\w\-])")
_SEGMENT = re.compile(rf"[ \t]*(?:{_WORD}|{_POSTCODE}\b|{_HOUSE}\b|\([^()\n]{{1,40}}\))")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")

#: Words that are never part of a street or town name here (a sentence goes on).
STOP = _word_set(
    "the a an of to in on at for from with by and or but is are was were be been it its "
    "this that these those i you he she we they my your his her our their me him us them "
    "not no yes do does did have has had will would can could should may might must "
    "please thanks thank regards best cheers sincerely hi hello dear if so as than then "
    "there here when where what which who how why all any some many much more most few "
    "each every per about into over under after before up down out off again also just "
    "only very way one two three miles mile km kilometers kilometres meters metres feet "
    "ft minutes minute hours hour days day weeks week months month years year times "
    "time people items steps ways today tomorrow now asap soon")


def _words_ok(value: str) -> bool:
    """No word of ``value`` is one that ends a name (``5 miles down the road``)."""
    return not any(w.lower().strip(".,") in STOP for w in re.findall(rf"{_L}[\w'’\-]*", value))


def _extend_line(text: str, end: int) -> int:
    """Where an address that reaches ``end`` stops on its line: units, ``, Town``
    segments, words in capitals or with a capital, a postcode."""
    m = re.compile(rf"(?:{_SP}{_HOUSE}\b)?{_UNIT}*").match(text, end)
    if m:
        end = m.end()
    while True:
        m = re.compile(rf"[ \t]*,[ \t]*|[ \t]+(?=[A-Z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF(]"
                       rf"|{_POSTCODE}\b)").match(text, end)
        if not m:
            break
        seg_end = _segment_end(text, m.end(), capitals_only=not m.group().strip())
        if seg_end is None:
            break
        end = seg_end
        unit = re.compile(rf"{_UNIT}+").match(text, end)
        if unit:
            end = unit.end()
    return end


def _segment_end(text: str, at: int, capitals_only: bool) -> int | None:
    """The end of a town/country segment at ``at`` (1-4 words, a postcode), or None."""
    end, words = at, 0
    while words < 5:
        m = _SEGMENT.match(text, end)
        if not m:
            break
        token = m.group().strip()
        is_word = bool(re.match(_L, token))
        if is_word and token.lower().strip(".") in STOP:
            break
        if is_word and capitals_only and not token[0].isupper():
            break
        if capitals_only and token.upper() == token and len(token) == 1:
            break                        # "I"
        end = m.end()
        words += 1
        if not is_word and _POSTCODE_RE.fullmatch(token):
            capitals_only = True         # "80815 Berlin", not "76970 today"
        if token.endswith(".") and _SENTENCE_END.match(text, end - 1):
            end -= 1                     # the sentence ends here
            break
    return end if words else None


def _line_prefix(line: str) -> tuple[int, bool] | None:
    """How much of a following line is an address line, and whether it has a postcode.
    None when it is not one (a sentence, a phone line, a key: value)."""
    start = len(line) - len(line.lstrip(" \t,?*•>-"))
    unit = _UNIT_AT.match(line, start)
    if unit:
        end: int | None = unit.end()
    else:
        end = _segment_end(line, start, capitals_only=False)
    if end is None:
        return None
    end = _extend_line(line, end)
    value, rest = line[start:end], line[end:]
    if len(value) > 48 or sum(c.isdigit() for c in value) >= 7:
        return None
    # a postcode with its town or country ("Iceland 80392"), or five digits or more
    # alone (a bare "2020" is a year)
    codes = _POSTCODE_RE.findall(value)
    postcode = bool(codes) and (bool(re.search(rf"{_L}{{2}}", value.replace(codes[0], "")))
                                or sum(c.isdigit() for c in codes[0]) >= 5
                                or not codes[0].isdigit())
    if rest.strip(" \t,.") and not (postcode or _SENTENCE_END.match(rest)):
        return None                     # a sentence goes on: "Thanks for your help"
    if not postcode and rest.lstrip().startswith(":"):
        return None                     # "Mobile: ...", a key and its value
    return end, postcode


def _extend_lines(text: str, end: int) -> tuple[int, bool]:
    """Following short address lines (one blank line allowed between): the new end and
    whether a postcode line was among them."""
    if text[end:].split("\n", 1)[0].strip(" \t,."):
        return end, False               # the line goes on with something else
    pos, lines, blanks, postcode = end, 0, 0, False
    while lines < 5:
        nl = text.find("\n", pos)
        if nl < 0:
            break
        line_end = text.find("\n", nl + 1)
        line = text[nl + 1:line_end if line_end >= 0 else len(text)]
        if not line.strip():
            blanks += 1
            if blanks > 1:
                break
            pos = nl + 1
            continue
        found = _line_prefix(line)
        if found is None:
            break
        cut, has_postcode = found
        end = nl + 1 + cut
        postcode = postcode or has_postcode
        lines += 1
        pos = end
        if cut < len(line.rstrip()):
            break                       # the address ended inside this line
    return end, postcode


def find_addresses(text: str) -> list[tuple[int, int]]:
    """The postal addresses in ``text`` as (start, end), overlapping ones merged."""
    if not any(c.isdigit() for c in text):
        return []
    found: list[tuple[int, int]] = []

    def grow(start: int, end: int) -> None:
        end = _extend_line(text, end)
        end, _ = _extend_lines(text, end)
        found.append((start, end))

    low = text.lower()
    joined = any(w in low for w in _JOINED_WORDS)      # str search: fast
    for j in _JOINED_NUMBER.finditer(text) if joined else ():
        if j.start() > 0 and text[j.start() - 1] in "'’-":
            continue
        for back in _candidates(text, max(0, j.start() - 80), j.start()):
            if _words_ok(text[back:j.start()]):
                grow(back, j.end())
                break
    for rx in (_WITH_NUMBER_FIRST, _WITH_NUMBER_AFTER):
        pos = 0
        while (m := rx.search(text, pos)) is not None:
            if _words_ok(m.group()) and not _YEAR.search(text, max(0, m.start() - 12),
                                                         m.start() + 5):
                grow(m.start(), m.end())
                pos = m.end()
            else:                        # "live in the corner of Kapelaniestraat 88"
                pos = m.start() + 1
    for cue in _CUE.finditer(text) if any(w in low for w in _CUE_WORDS) else ():
        body = _CUE_BODY.match(text, cue.end())
        if not body:
            continue
        end = body.start() + _trim_words(body.group())
        line_end = _extend_line(text, end)
        block_end, postcode = _extend_lines(text, line_end)
        value = text[body.start():block_end]
        numbers = len(re.findall(r"\d+", value))
        if numbers >= 2 or postcode or line_end > end or block_end > line_end:
            found.append((body.start(), block_end))
    for m in _BLOCK_START.finditer(text):
        start = m.start(1)
        block_end, postcode = _extend_lines(text, m.end(1))
        if postcode and _words_ok(m.group(1)):
            found.append((start, block_end))
    for m in _LABELLED_POSTCODE.finditer(text):
        found.append((m.start(1), m.end(1)))
    return _merge(_outside_code(text, [_trim(text, a, b) for a, b in found]))


def _candidates(text: str, lo: int, at: int) -> list[int]:
    """Where a street name ending at ``at`` may start, longest first: the word there,
    up to two words before it, a house number before those."""
    starts = []
    m = _JOINED_NAME.search(text, lo, at)
    while m is not None and m.start() < at:
        if m.start() == 0 or not (text[m.start() - 1].isalnum()
                                  or text[m.start() - 1] in ".,/-"):
            starts.append(m.start())
        m = _JOINED_NAME.search(text, m.start() + 1, at)
    return starts


def _trim_words(body: str) -> int:
    """Length of ``body`` up to its first stop word (``87 Jakobi 69`` of ``87 Jakobi 69
    is ...``)."""
    for m in re.finditer(rf"{_L}[\w'’\-]*", body):
        if m.group().lower() in STOP:
            return len(body[:m.start()].rstrip())
    return len(body)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " \t\n,;:.":
        end -= 1
    return start, end


def _outside_code(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    code = code_regions(text)
    return [(a, b) for a, b in spans if b > a and not any(c < b and a < d for c, d in code)]


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


_COMPANY = re.compile(r"\b(?:inc|ltd|llc|gmbh|corp|co|company|software|consulting|group|"
                      r"bank|services|solutions|university|hotel|s\.?a|b\.?v|plc)\b\.?", re.I)
_NAME_LINE = re.compile(rf"^[ \t?*•>\-]*({_L}[\w'’\-]*(?:[ \t]+{_L}[\w'’\-]*){{1,2}})[ \t,]*$")


def addressee(text: str, start: int) -> tuple[int, int] | None:
    """The name line right above an address block starting at ``start`` (one company
    line or one blank line may come between), as (start, end), or None."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t?*•>-"):
        return None                      # the address does not start its line
    pos = line_start
    for _ in range(3):
        if pos == 0:
            return None
        above_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[above_start:pos - 1]
        m = _NAME_LINE.match(line)
        pos = above_start
        if not line.strip():
            continue
        if m is None or any(w.lower() in STOP for w in m.group(1).split()):
            return None
        if _COMPANY.search(line):
            continue
        return above_start + m.start(1), above_start + m.end(1)
    return None
