"""Open a data file: refuse what is not JSON, find its encoding and layout, yield items.

An *item* is one example's worth of input: a line of a JSONL file, or an element of a
JSON array. Every item keeps its exact bytes. Whole-file problems (missing, a folder,
empty, binary, CSV ...) raise :class:`InputFileError` before anything is written. A
problem inside the file spoils only the items it touches: a line or element that does not
read is one invalid record, and reading goes on after it.
"""

from __future__ import annotations

import ast
import codecs
import json
import math
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from curator.core.errors import InputFileError

SNIFF_BYTES = 1 << 16
CHUNK_CHARS = 1 << 20
UNPARSED = object()
#: Suffixes of JSON Lines files: read line by line unless the file is one JSON document.
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
#: What a blank line may hold: what an editor shows as empty. Any other character (a
#: control character, a no-break space) makes the line a record, so that it is not lost.
BLANK = " \t\r\n\x0b\x0c"
#: Control bytes text does not hold (tab, line breaks, form feed and escape it may).
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
#: A file's start is binary data, not text with a stray byte, from this share of controls.
BINARY_SHARE = 0.05
#: Items that must read after a place where reading goes on after a broken item.
RESYNC_CHECK = 8
#: How far (characters) from a broken item the careful looks for the next item go.
RESYNC_WINDOW = 1 << 24
#: Text longer than this is not tried as a Python literal (ast is slow and hungry).
LITERAL_LIMIT = 1 << 20
#: Keys of a message or turn: an object with only these is part of an example, not one.
MESSAGE_KEYS = frozenset({
    "role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight",
    "refusal", "from", "value", "type", "text", "image_url", "id", "function", "arguments"})

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
MAGIC = (
    (b"\x1f\x8b", "a gzip-compressed file: decompress it first (gunzip)"),
    (b"PK\x03\x04", "a zip archive (or an Excel/Word file): unpack or convert it to JSONL first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: unpack it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file: decompress it first (unxz)"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file: decompress it first (unzstd)"),
    (b"PAR1", "a Parquet file: convert it to JSONL first"),
    (b"ARROW1", "an Arrow file: convert it to JSONL first"),
    (b"\x93NUMPY", "a NumPy array file"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file: convert it to JSONL first"),
    (b"SQLite format 3\x00", "an SQLite database (a Curator project is opened, not imported)"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


@dataclass(slots=True)
class Item:
    """One example's input: where it was, its bytes, and its value or what went wrong."""

    line: int
    index: int | None
    raw: bytes
    value: Any = UNPARSED
    error_code: str | None = None
    error: str | None = None
    #: The raw bytes are exactly the value's UTF-8 JSON text (no BOM, no other codec).
    plain: bool = False
    #: The file's structure breaks here: this record is not one whole element.
    broken: bool = False


@dataclass(frozen=True, slots=True)
class Layout:
    """How a file is laid out: ``jsonl``, ``array`` or ``values`` (concatenated JSON)."""

    kind: str
    encoding: str
    bom: bytes


@dataclass(frozen=True, slots=True)
class Place:
    """Where a piece of text starts in its file, to name lines and columns in messages."""

    line: int
    column: int = 1
    #: The array element, or None for a line of a JSON Lines file.
    index: int | None = None

    def __str__(self) -> str:
        if self.index is None:
            return f"Line {self.line}"
        return f"Item {self.index} (line {self.line})"

    @property
    def noun(self) -> str:
        return "line" if self.index is None else "item"

    def position(self, text: str, pos: int) -> tuple[int, int]:
        """The file line and column of ``text[pos]``."""
        before = text.count("\n", 0, pos)
        if not before:
            return self.line, self.column + pos
        return self.line + before, pos - text.rfind("\n", 0, pos)

    def at(self, text: str, pos: int) -> str:
        """``Line 2, column 5`` or ``Item 3 (line 4, column 5)`` for ``text[pos]``."""
        line, column = self.position(text, pos)
        if self.index is None:
            return f"Line {line}, column {column}"
        return f"Item {self.index} (line {line}, column {column})"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(literal: str) -> float:
    """A JSON number as a float, refusing one too large for a float (it would be inf)."""
    value = float(literal)
    if math.isinf(value):
        raise ValueError(f"the number {literal} is too large")
    return value


#: Reads JSON as the standard says: no NaN/Infinity, no number that overflows a float.
DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
#: Finds where a value ends whatever its numbers, without turning them into numbers.
LOOSE = json.JSONDecoder(parse_constant=str, parse_float=str, parse_int=str)

_NOT_SPACE = re.compile(r"[^ \t\r\n]")
_NUMBER_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|(?P<const>-?Infinity|NaN)'
    r"|(?P<num>-?(?:0|[1-9][0-9]*)(?P<frac>\.[0-9]+)?(?P<exp>[eE][-+]?[0-9]+)?)", re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_STRUCTURE = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{},"\n]')
#: Where an array item may start after a broken one: after a ',' (or a closing bracket).
_ARRAY_NEXT = re.compile(r"(?:,|(?<=[\]}]))[ \t\r\n]*(?=[\[{])")
_VALUES_NEXT = re.compile(r"\n[ \t\r]*(?=[\[{])")


def sniff(path: Path) -> Layout:
    """Check ``path`` can be imported at all and tell its layout and encoding.

    A file is binary only when many of its first bytes are control bytes (or it starts
    with a known binary signature): one stray NUL is an invalid line, not a lost file.
    A ``.jsonl`` file is read line by line unless it is one JSON document as a whole.
    """
    if not path.exists():
        raise InputFileError(f"{path}: there is no such file.")
    if path.is_dir():
        raise InputFileError(
            f"{path} is a folder, not a data file. Choose the .jsonl or .json files in it.")
    if not stat.S_ISREG(path.stat().st_mode):
        # A pipe would block until a writer came and might never end; a device could be
        # endless (/dev/zero) or consumed by reading it.
        raise InputFileError(
            f"{path} is not a regular file (a pipe, a socket or a device), so Curator does "
            "not read it: save the data to a .jsonl or .json file and import that.")
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputFileError(f"{path}: Curator may not read this file ({exc.strerror}).") from None
    if not head:
        raise InputFileError(f"{path} is empty (0 bytes): there is nothing to import.")
    for magic, what in MAGIC:
        if head.startswith(magic):
            raise InputFileError(f"{path} is {what}, not JSON.")
    encoding, bom = "utf-8", b""
    for mark, name in BOMS:
        if head.startswith(mark):
            encoding, bom = name, mark
            break
    else:
        if b"\x00" in head:
            encoding = _utf16_without_bom(head) or "utf-8"
        if encoding == "utf-8" and _looks_binary(head):
            raise InputFileError(
                f"{path} is a binary file, not text: Curator imports JSON Lines (.jsonl) "
                "or JSON arrays (.json) of chat examples.")
    text = _decode_head(head[len(bom):], encoding)
    stripped = text.lstrip()
    if not stripped:
        raise InputFileError(f"{path} holds only blank lines: there is nothing to import.")
    suffix = path.suffix.lower()
    first_line = stripped.split("\n", 1)[0].strip()
    if stripped[0] in "[{":
        if _is_json(first_line):
            if stripped[0] == "{":
                return Layout("jsonl", encoding, bom)
            following = [ln.strip() for ln in stripped.split("\n")[1:] if ln.strip()]
            looks_jsonl = bool(following) and (suffix in JSONL_SUFFIXES
                                               or following[0][:1] in ("{", "["))
            return Layout("jsonl" if looks_jsonl else "array", encoding, bom)
        # The first line is not JSON by itself: a pretty-printed document, or a first
        # line that is cut off or broken in front of good lines.
        kind = "array" if stripped[0] == "[" else "values"
        if _looks_like_json_lines(stripped, whole=len(head) < SNIFF_BYTES):
            return Layout("jsonl", encoding, bom)
        if suffix in JSONL_SUFFIXES:
            layout = Layout(kind, encoding, bom)
            return layout if _one_document(path, layout, many=first_line == "{") else (
                Layout("jsonl", encoding, bom))
        if kind == "values" and first_line != "{" and suffix != ".json":
            return Layout("jsonl", encoding, bom)
        return Layout(kind, encoding, bom)
    if any(line.lstrip()[:1] in ("{", "[") for line in text.splitlines()[1:]):
        return Layout("jsonl", encoding, bom)
    raise InputFileError(_not_json_message(path, text))


def _looks_binary(head: bytes) -> bool:
    """Whether ``head`` is binary data: many control bytes, not text with a stray one."""
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    return controls >= 8 and controls > BINARY_SHARE * len(head)


def _looks_like_json_lines(text: str, whole: bool) -> bool:
    """Whether most lines after the first are JSON objects or arrays on their own.

    A pretty-printed document never looks so (its lines end in commas or are brackets);
    JSON Lines whose first line is cut off or broken do.
    """
    lines = text.split("\n")[1:]
    if not whole:
        lines = lines[:-1]  # the sniff may have cut the last one
    sample = [line.strip() for line in lines if line.strip()][:50]
    good = sum(1 for line in sample if line[:1] in ("{", "[") and _is_json(line))
    return good > 0 and 2 * good > len(sample)


def _one_document(path: Path, layout: Layout, many: bool) -> bool:
    """Whether the whole file reads as one JSON array or object (``many``: or values)."""
    try:
        with path.open("rb") as handle:
            items = iter_values(handle, layout, path.name, stop_at_break=True)
            for count, item in enumerate(items, start=1):
                if isinstance(item, Item) and item.broken:
                    return False
                if count > 1 and layout.kind == "values" and not many:
                    return False
    except OSError as exc:
        raise InputFileError(f"{path}: Curator may not read this file ({exc.strerror}).") from None
    return True


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    even, odd = sample[0::2], sample[1::2]
    if odd and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even and even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decode_head(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding.replace("-sig", ""))(errors="replace")
    return decoder.decode(head, final=False)


def _is_json(text: str) -> bool:
    try:
        DECODER.decode(text)
    except (ValueError, RecursionError):
        return False
    return True


def _not_json_message(path: Path, text: str) -> str:
    first = text.splitlines()[0][:60] if text.splitlines() else ""
    seps = [sep for sep in (",", "\t", ";") if sep in first]
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if seps and len(lines) > 1 and all(line.count(seps[0]) >= 1 for line in lines[:5]):
        kind = "TSV" if seps[0] == "\t" else "CSV"
        return (f"{path} looks like a {kind} file (first line: {first!r}), not JSON. "
                "Curator imports JSON Lines (.jsonl) or JSON arrays (.json) of chat "
                f"examples: convert the {kind} to JSONL first.")
    return (f"{path} is not JSON: it starts with {first!r}. Curator imports JSON Lines "
            "(.jsonl) or JSON arrays (.json) of chat examples.")


# -- what is wrong with one item --------------------------------------------------------


def parse_error(text: str, exc: BaseException, place: Place) -> tuple[str, str]:
    """A code and a plain-words message for a line or element that is not valid JSON."""
    fix = f"Fix or delete this {place.noun}; the other {place.noun}s were imported."
    if isinstance(exc, RecursionError):
        return "invalid_json", f"{place}: the JSON is nested too deeply to read. {fix}"
    if not isinstance(exc, json.JSONDecodeError):
        return number_error(text, place, exc)
    line, col = place.position(text, exc.pos)
    column = f"column {col}" if place.index is None else f"line {line}, column {col}"
    near = text[max(0, exc.pos - 20):exc.pos + 20].replace("\n", " ")
    stripped = text.rstrip()
    if ((exc.msg.startswith("Expecting property name") or exc.msg.startswith("Expecting value"))
            and len(stripped) < LITERAL_LIMIT):
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            value = None
        if isinstance(value, dict | list):
            return ("python_literal",
                    (f"{place}: this looks like a Python dictionary, not JSON (single quotes, "
                    "True/False/None). Let Curator read it (curator repair PROJECT "
                    "--python-literals), or write the file with json.dumps(), not str() or "
                    "print(), and import it again."))
    if exc.pos >= len(stripped) or exc.msg.startswith("Unterminated string"):
        return ("truncated_json",
                (f"{place}: the JSON stops before it is complete (at {column}). "
                f"The {place.noun} was probably cut off; restore it from the original data."))
    if exc.msg.startswith("Extra data"):
        return ("extra_data",
                (f"{place}: more than one JSON value at {column} (near {near!r}). "
                "Put each example on its own line."))
    return ("invalid_json",
            f"{place}: not valid JSON at {column}: {exc.msg} (near {near!r}). {fix}")


def _short(literal: str) -> str:
    return literal if len(literal) <= 40 else f"{literal[:20]}…{literal[-8:]}"


def number_error(text: str, place: Place, exc: BaseException | None = None) -> tuple[str, str]:
    """The message for a number JSON allows but a program cannot hold, or NaN/Infinity.

    Such a value would come back out as ``Infinity`` (not JSON) or not at all, so the
    item is invalid; the message names the number, where it is and what to write instead.
    """
    fix = f"the other {place.noun}s were imported."
    limit = sys.get_int_max_str_digits()
    for found in _NUMBER_TOKEN.finditer(text):
        if found["const"]:
            return ("invalid_json",
                    (f"{place.at(text, found.start())}: {found['const']} is not allowed in JSON "
                    "(Python writes it for a float that is not a finite number). Write null, "
                    f"a number or a string instead; {fix}"))
        number = found["num"]
        if not number:
            continue
        if found["frac"] or found["exp"]:
            if math.isinf(float(number)):
                return ("invalid_json",
                        (f"{place.at(text, found.start())}: the number {_short(number)} is too "
                        "large to be read as a number: it would become Infinity, which is not "
                        f"JSON. Write it as a string or as a smaller number; {fix}"))
        elif limit and len(number.lstrip("-")) > limit:
            return ("invalid_json",
                    (f"{place.at(text, found.start())}: the number {_short(number)} has "
                    f"{len(number.lstrip('-')):,} digits, more than the {limit:,} Python reads. "
                    f"Write it as a string; {fix}"))
    return "invalid_json", f"{place}: not valid JSON ({exc}). Fix or delete this {place.noun}."


def _holds_surrogate(value: Any) -> bool:
    """Whether any string in ``value`` (keys too) holds a lone UTF-16 surrogate."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if _SURROGATE.search(current):
                return True
        elif isinstance(current, dict):
            for key, inner in current.items():
                if _SURROGATE.search(key):
                    return True
                stack.append(inner)
        elif isinstance(current, list):
            stack.extend(current)
    return False


def _lone_escape(text: str) -> tuple[int, str]:
    """Where the first ``\\uD800``-style escape without its other half is, and the escape."""
    high: re.Match[str] | None = None
    for found in _ESCAPE.finditer(text):
        unit = int(found[1], 16) if found[1] else None
        if high is not None:
            if unit is not None and 0xDC00 <= unit <= 0xDFFF and found.start() == high.end():
                high = None
                continue
            return high.start(), high.group()
        if unit is None:
            continue
        if 0xD800 <= unit <= 0xDBFF:
            high = found
        elif 0xDC00 <= unit <= 0xDFFF:
            return found.start(), found.group()
    if high is not None:
        return high.start(), high.group()
    return -1, "\\u…"


def surrogate_error(text: str, value: Any, place: Place) -> tuple[str, str] | None:
    """The message for a value holding half a surrogate pair (``"\\ud800"``), if it does.

    Such a string is no text at all: it cannot be stored or written as UTF-8, so the item
    is invalid rather than a crash later.
    """
    if not _SURROGATE_ESCAPE.search(text) or not _holds_surrogate(value):
        return None
    pos, escape = _lone_escape(text)
    where = place.at(text, pos) if pos >= 0 else str(place)
    return ("invalid_unicode",
            (f"{where}: the escape {escape} is half of a UTF-16 surrogate pair without its "
            "other half: it stands for no character and cannot be saved as UTF-8 text. Fix "
            f"or delete it; the other {place.noun}s were imported."))


# -- JSON Lines ----------------------------------------------------------------------------


def _decode_line(raw: bytes, number: int) -> tuple[str | None, tuple[str, str] | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1].hex().upper()
        column = len(raw[:exc.start].decode("utf-8", errors="replace")) + 1
        return None, ("invalid_encoding",
                      (f"Line {number}: byte 0x{bad} at column {column} is not valid UTF-8. "
                      "The file was probably saved as Windows-1252 or Latin-1; save it as "
                      "UTF-8 and import it again."))


def _decode_utf16_line(raw: bytes, number: int, codec: str
                       ) -> tuple[str | None, tuple[str, str] | None]:
    try:
        return raw.decode(codec), None
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.end].hex().upper()
        column = len(raw[:exc.start].decode(codec)) + 1
        what = ("a character cut off" if exc.reason == "truncated data"
                else "half of a surrogate pair without its other half")
        return None, ("invalid_encoding",
                      (f"Line {number}, column {column}: the bytes 0x{bad} are not valid UTF-16 "
                      f"({what}). Fix the line or delete it; the other lines were imported."))


def iter_jsonl(handle: BinaryIO, layout: Layout) -> Iterator[Item | int]:
    """Items of a JSON Lines file; a blank line yields its line number instead.

    ``handle`` is at the start of the file; it is read to its end.
    """
    utf16 = layout.encoding.startswith("utf-16")
    lines = _utf16_lines(handle, layout) if utf16 else iter(handle)
    for number, raw in enumerate(lines, start=1):
        body = raw[len(layout.bom):] if number == 1 and layout.bom else raw
        if utf16:
            text, problem = _decode_utf16_line(body, number, layout.encoding)
        else:
            text, problem = _decode_line(body, number)
        if text is not None and not text.strip(BLANK):
            yield number
            continue
        item = Item(number, None, raw, plain=body is raw and layout.encoding == "utf-8")
        if problem is not None:
            item.error_code, item.error = problem
            yield item
            continue
        assert text is not None
        place = Place(number)
        try:
            item.value = DECODER.decode(text)
        except (ValueError, RecursionError) as exc:
            item.error_code, item.error = parse_error(text, exc, place)
        else:
            lone = surrogate_error(text, item.value, place)
            if lone is not None:
                item.value = UNPARSED
                item.error_code, item.error = lone
        yield item


def _utf16_lines(handle: BinaryIO, layout: Layout) -> Iterator[bytes]:
    """Lines of a UTF-16 file, each as its exact original bytes (the first with the BOM).

    Split on the bytes of a line feed at code unit boundaries, not decoded, so that a
    line that is not valid UTF-16 is still one line with its bytes kept.
    """
    newline = "\n".encode(layout.encoding)
    head = handle.read(len(layout.bom))
    pieces: list[bytes] = []
    carry = b""  # an odd byte left over, to keep code units aligned
    while chunk := handle.read(1 << 16):
        data = carry + chunk
        even = len(data) - len(data) % 2
        data, carry = data[:even], data[even:]
        start = 0
        at = data.find(newline)
        while at >= 0:
            if at % 2:
                at = data.find(newline, at + 1)
                continue
            pieces.append(data[start:at + 2])
            yield head + b"".join(pieces)
            head, pieces = b"", []
            start = at + 2
            at = data.find(newline, start)
        pieces.append(data[start:])
    rest = b"".join(pieces) + carry
    if rest or head:
        yield head + rest


# -- JSON arrays and concatenated values ------------------------------------------------------


class _Buffer:
    """Decoded text of a file, read on demand, with the line number at each position."""

    def __init__(self, handle: BinaryIO, encoding: str) -> None:
        self.codec = "utf-8" if encoding == "utf-8-sig" else encoding
        # Bytes that do not decode stay in the text as surrogates and encode back to the
        # same bytes, so every item keeps its exact bytes; the item is then invalid.
        self.errors = "surrogateescape" if self.codec == "utf-8" else "surrogatepass"
        self.decoder = codecs.getincrementaldecoder(self.codec)(errors=self.errors)
        self.handle = handle
        self.text = ""
        self.pos = 0
        self.line = 1
        #: Characters of the current line that were dropped from ``text`` before it.
        self.carry = 0
        self.eof = False
        self.chunk = CHUNK_CHARS
        #: A last odd byte of a UTF-16 file: no character, kept with the last record.
        self.tail = b""

    def fill(self, grow: bool = False) -> bool:
        """Read more text after ``text[pos:]``; False at the end of the file."""
        if self.eof:
            return False
        if grow:
            self.chunk *= 2
        data = self.handle.read(self.chunk)
        self.eof = not data
        decoded = self.decoder.decode(data) if data else self._finish()
        cut = self.text.rfind("\n", 0, self.pos)
        self.carry = self.pos - cut - 1 if cut >= 0 else self.carry + self.pos
        self.text = self.text[self.pos:] + decoded
        self.pos = 0
        return bool(data or decoded)

    def _finish(self) -> str:
        pending = self.decoder.getstate()[0]
        whole = len(pending) - len(pending) % 2 if self.codec != "utf-8" else len(pending)
        self.tail = pending[whole:]
        self.decoder.reset()
        return self.decoder.decode(pending[:whole], final=True)

    def column(self) -> int:
        """The column (from 1) of ``pos`` on its line."""
        cut = self.text.rfind("\n", 0, self.pos)
        return self.pos - cut if cut >= 0 else self.carry + self.pos + 1

    def skip_space(self) -> str:
        """Skip white space; return the next character, or '' at the end."""
        while True:
            text, pos = self.text, self.pos
            while pos < len(text) and text[pos] in " \t\r\n":
                if text[pos] == "\n":
                    self.line += 1
                pos += 1
            self.pos = pos
            if pos < len(text):
                return text[pos]
            if not self.fill():
                return ""

    def advance(self, end: int) -> str:
        chunk = self.text[self.pos:end]
        self.line += chunk.count("\n")
        self.pos = end
        return chunk

    def rest(self) -> str:
        while self.fill(grow=True):
            pass
        return self.advance(len(self.text))

    def encode(self, text: str, last: bool = False) -> bytes:
        """The exact bytes of ``text``; ``last``: it ends the file, so add the odd byte."""
        raw = text.encode(self.codec, self.errors)
        return raw + self.tail if last else raw


def _maybe_cut(exc: ValueError, text: str) -> bool:
    """Whether a decoding error may only mean that the text read so far ends too soon."""
    return isinstance(exc, json.JSONDecodeError) and (
        exc.pos >= len(text) - 16 or exc.msg.startswith("Unterminated string"))


def _read_value(buf: _Buffer) -> tuple[Any, int, BaseException | None]:
    """Decode the value at ``buf.pos``, reading more text while it may go on.

    Returns ``(value, end, None)``; ``(UNPARSED, end, error)`` for a value that ends at
    ``end`` but holds a number JSON cannot keep; ``(UNPARSED, -1, error)`` when no value
    reads there.
    """
    while True:
        text, pos = buf.text, buf.pos
        try:
            value, end = DECODER.raw_decode(text, pos)
        except RecursionError as exc:
            return UNPARSED, -1, exc
        except json.JSONDecodeError as exc:
            if _maybe_cut(exc, text) and buf.fill(grow=True):
                continue
            return UNPARSED, -1, exc
        except ValueError as exc:  # a number or NaN: not JSON, but the item's end is known
            try:
                _, end = LOOSE.raw_decode(text, pos)
            except RecursionError as loose:
                return UNPARSED, -1, loose
            except ValueError as loose:
                if _maybe_cut(loose, text) and buf.fill(grow=True):
                    continue
                return UNPARSED, -1, loose
            if end == len(text) and buf.fill():
                continue  # a number may go on in the next chunk
            return UNPARSED, end, exc
        if end == len(text) and buf.fill():
            continue  # a number may go on in the next chunk
        return value, end, None


def _value_at(buf: _Buffer, rel: int) -> tuple[Any, int] | None:
    """The JSON value at ``rel`` and its end (from ``buf.pos``), or None if none reads."""
    while True:
        text = buf.text
        try:
            value, end = LOOSE.raw_decode(text, buf.pos + rel)
        except RecursionError:
            return None
        except ValueError as exc:
            if _maybe_cut(exc, text) and buf.fill(grow=True):
                continue
            return None
        if end == len(text) and buf.fill():
            continue
        return value, end - buf.pos


def _next_char(buf: _Buffer, rel: int) -> tuple[str, int]:
    """The first character after white space from ``rel`` and its offset ('' at the end)."""
    while True:
        found = _NOT_SPACE.search(buf.text, buf.pos + rel)
        if found:
            return found.group(), found.start() - buf.pos
        rel = len(buf.text) - buf.pos
        if not buf.fill(grow=True):
            return "", rel


def _alike(value: Any, model: Any) -> bool:
    """Whether ``value`` looks like an item of the file rather than a part of one.

    It is an object with a key a message does not have (a message inside a broken
    example is not an item), shared with ``model`` (the last example that read), if any.
    """
    if not isinstance(value, dict) or value.keys() <= MESSAGE_KEYS:
        return False
    return not isinstance(model, dict) or bool(model.keys() & value.keys())


def _reads_on(buf: _Buffer, rel: int, in_array: bool, past: int,
              like: Callable[[Any], bool] | None) -> bool:
    """Whether items read from ``rel`` on, over ``past`` and a few more (or to the end).

    ``past`` is where reading the broken item failed: a place inside the broken item
    runs into its fault before it gets there. In an array a ']' must end the file: an
    object inside a broken item is followed by the rest of that item, not by the end.
    ``like``, if given, must hold for the first item.
    """
    count = 0
    while count < RESYNC_CHECK:
        found = _value_at(buf, rel)
        if found is None:
            return False
        value, end = found
        if like is not None and not like(value):
            return False
        like = None
        if end > past:
            count += 1
        char, rel = _next_char(buf, end)
        if char == "":
            return True
        if in_array:
            if char == "]":
                return _next_char(buf, rel + 1)[0] == ""
            if char != ",":
                return False
            char, rel = _next_char(buf, rel + 1)
        if char not in ("{", "["):
            return False
    return True


def _balanced_candidates(buf: _Buffer, in_array: bool, limit: int) -> Iterator[int]:
    """Offsets (from ``buf.pos``) of '{' or '[' where the brackets since ``buf.pos`` balance.

    Strings are skipped (a string not closed on its line ends there: it was cut off), so
    an item whose only fault is inside it (a missing comma, a bare word, single quotes)
    ends where its brackets close, and the next item starts after the ',' (in an array)
    or the line break (between values). Only the first ``limit`` characters are searched.
    """
    depth, rel, last = 0, 0, ""
    while rel < limit:
        found = _STRUCTURE.search(buf.text, buf.pos + rel)
        if found is None:
            rel = len(buf.text) - buf.pos
            if buf.fill(grow=True):
                continue
            return
        token, start = found.group(), found.start() - buf.pos
        if token == '"':  # not closed before a line break, or the text read so far ends
            newline = buf.text.find("\n", found.start())
            if newline < 0:
                rel = start
                if buf.fill(grow=True):
                    continue
                return
            rel = newline - buf.pos
            continue
        rel = found.end() - buf.pos
        if token in "{[":
            if depth <= 0 and start > 0 and last == ("," if in_array else "\n"):
                yield start
            depth += 1
        elif token in "}]":
            depth -= 1
        if token != "\n" or not in_array:
            last = token if token in ",\n" else "x"


def _next_places(buf: _Buffer, in_array: bool, limit: int | None) -> Iterator[tuple[int, int]]:
    """Places (from ``buf.pos``) where an item may start after a broken one.

    Each is ``(end of the broken text, start of the next item)``: after a ',' or a
    closing bracket in an array, after a line break between values, before '{' or '['.
    Only the first ``limit`` characters are searched (None: to the end of the file).
    """
    pattern = _ARRAY_NEXT if in_array else _VALUES_NEXT
    leads = ",]}" if in_array else "\n"
    rel = 1
    while limit is None or rel < limit:
        found = pattern.search(buf.text, buf.pos + rel)
        if found is None:  # go on from the last separator: its match may go on
            last = max(buf.text.rfind(char, buf.pos + rel) for char in leads)
            rel = (last if last >= 0 else len(buf.text)) - buf.pos
            if buf.fill(grow=True):
                continue
            return
        start = found.start() - buf.pos
        yield start, found.end() - buf.pos
        rel = start + 1


def _resync(buf: _Buffer, after: int, in_array: bool, model: Any) -> int | None:
    """Where the text of an item that does not read ends (from ``buf.pos``), or None.

    A place (:func:`_next_places`) is taken when the items from there read over
    ``after``, where reading the broken item failed (:func:`_reads_on`). Tried in turn,
    near the broken item: the first place whose item looks like ``model``, the last
    example that read (:func:`_alike`); the first where the brackets balance again. Then
    the first place at all. None: nothing after the broken item reads.
    """
    def alike(value: Any) -> bool:
        return _alike(value, model)

    for start, value in _next_places(buf, in_array, RESYNC_WINDOW):
        if _reads_on(buf, value, in_array, after, alike):
            return start
    lead = "," if in_array else "\n"
    for start in _balanced_candidates(buf, in_array, RESYNC_WINDOW):
        # Offsets from buf.pos: reading on (below) may move the text in the buffer.
        cut = buf.text.rfind(lead, buf.pos, buf.pos + start) - buf.pos
        between = buf.text[buf.pos + cut + 1:buf.pos + start]
        if (cut >= 0 and not between.strip(" \t\r\n")
                and _reads_on(buf, start, in_array, after, None)):
            return cut
    for start, value in _next_places(buf, in_array, None):
        if _reads_on(buf, value, in_array, after, None):
            return start
    return None


def iter_values(handle: BinaryIO, layout: Layout, name: str, stop_at_break: bool = False
                ) -> Iterator[Item | int]:
    """Elements of a JSON array (``array``) or of concatenated JSON values (``values``).

    ``handle`` is at the start of the file; it is read to its end. An element that does
    not read is one invalid record up to the next element that does, and the elements
    after it are read on. ``stop_at_break`` stops at the first such break instead (with
    an empty record marked ``broken``), to test whether a file is one JSON document.
    """
    handle.read(len(layout.bom))
    buf = _Buffer(handle, layout.encoding)
    in_array = layout.kind == "array"
    if in_array:
        buf.skip_space()
        buf.advance(buf.pos + 1)
    index = 0
    model: Any = UNPARSED  # the last example that read: what the next item looks like
    resumed = False  # reading went on after a broken item: no ',' is due before the next
    while True:
        buf.chunk = CHUNK_CHARS  # an item or a broken span that needed more is behind
        char = buf.skip_space()
        place = Place(buf.line, buf.column(), index)
        broken: tuple[str, str] | None = None
        if in_array and char == "]":
            buf.advance(buf.pos + 1)
            if not (buf.skip_space() or buf.tail):
                return
            place = Place(buf.line, buf.column(), index)
            broken = ("extra_data", (f"Line {place.line}: there is more text after the end of "
                                    "the JSON array."))
        elif char == "":
            if in_array:
                yield Item(buf.line, index, buf.tail, error_code="truncated_json",
                           error=f"{name} ends before its JSON array is closed with ']'. "
                                 "The file was probably cut off; the items before the end "
                                 "were imported.", broken=True)
            elif buf.tail:
                yield Item(buf.line, index, buf.tail, error_code="invalid_encoding",
                           error=f"{name} ends in the middle of a UTF-16 character (an odd "
                                 "number of bytes); the file was probably cut off.",
                           broken=True)
            return
        elif in_array and index == 0 and char == ",":
            if stop_at_break:
                yield Item(place.line, index, b"", error_code="invalid_json", broken=True)
                return
            yield _stray_comma(buf, place)
            index += 1
            resumed = True
            continue
        elif in_array and index > 0 and char != ",":
            if not resumed:
                broken = ("invalid_json", (f"{place.at('', 0)}: expected a ',' between two "
                                          "items."))
        elif in_array and index > 0:
            buf.advance(buf.pos + 1)
            char = buf.skip_space()
            place = Place(buf.line, buf.column(), index)
            if char == "]" and _next_char(buf, 1)[0] == "":
                yield (Item(place.line, index, b"", error_code="invalid_json", broken=True)
                       if stop_at_break else
                       _bad_rest(buf, index, "another item after the last ','"))
                return
            if char == ",":
                if stop_at_break:
                    yield Item(place.line, index, b"", error_code="invalid_json", broken=True)
                    return
                yield _stray_comma(buf, place)
                index += 1
                resumed = True
                continue
        resumed = False
        value, end, problem = UNPARSED, -1, None
        if broken is None:
            value, end, problem = _read_value(buf)
        if end < 0:
            if stop_at_break:
                yield Item(place.line, index, b"", error_code=broken[0] if broken else
                           "invalid_json", broken=True)
                return
            error_at = getattr(problem, "pos", buf.pos + 1) - buf.pos
            item = _unreadable(buf, place, max(1, error_at), in_array, model, problem, broken)
            yield item
            if buf.eof and buf.pos >= len(buf.text):
                return
            index += 1
            resumed = True
            continue
        text = buf.advance(end)
        item = Item(place.line, index, buf.encode(text), value=value)
        if isinstance(value, dict) and not value.keys() <= MESSAGE_KEYS:
            model = value
        found: tuple[str, str] | None = None
        if _SURROGATE.search(text):
            found = ("invalid_encoding",
                     (f"{place} holds bytes that are not valid {buf.codec.upper()}. Save the "
                     "file as UTF-8 and import it again."))
        elif problem is not None:
            found = number_error(text, place, problem)
        else:
            found = surrogate_error(text, value, place)
        if found is not None:
            item.value = UNPARSED
            item.error_code, item.error = found
        yield item
        index += 1


def _unreadable(buf: _Buffer, place: Place, after: int, in_array: bool, model: Any,
                problem: BaseException | None, broken: tuple[str, str] | None) -> Item:
    """The invalid record of an item that does not read (``broken``: why, if known).

    It reaches to the next item that reads (:func:`_resync`), or to the end of the file.
    """
    end = _resync(buf, after, in_array, model)
    if end is None:
        text = buf.rest()
        raw = buf.encode(text, last=True)
        after_text = ("Everything from here to the end of the file was kept as this one "
                      "invalid record.")
    else:
        text = buf.advance(buf.pos + len(buf.text[buf.pos:buf.pos + end].rstrip(" \t\r\n")))
        raw = buf.encode(text)
        after_text = "It was kept as this invalid record; the items after it were read on."
    if broken is not None:
        code, message = broken
    elif isinstance(problem, RecursionError):
        code, message = parse_error(text, problem, place)
    else:
        try:
            DECODER.decode(text)
        except (ValueError, RecursionError) as exc:
            code, message = parse_error(text, exc, place)
        else:  # a value that reads alone but not where it is
            code, message = ("invalid_json", (f"{place}: not valid JSON here. Fix or delete this "
                             "item; the other items were imported."))
    return Item(place.line, place.index, raw, error_code=code, error=f"{message} {after_text}",
                broken=True)


def _stray_comma(buf: _Buffer, place: Place) -> Item:
    """A ',' with no item before it: kept as an invalid record, so the gap is seen."""
    return Item(place.line, place.index, buf.encode(buf.advance(buf.pos + 1)),
                error_code="invalid_json", broken=True,
                error=f"{place.at('', 0)}: a ',' with no item before it: an item is missing "
                      "here (it may have been cut out); check the original data. The items "
                      "after it were read on.")


def _bad_rest(buf: _Buffer, index: int, wanted: str) -> Item:
    line = buf.line
    column = buf.column()
    text = buf.rest()
    return Item(line, index, buf.encode(text, last=True), error_code="invalid_json",
                error=f"Item {index} (line {line}, column {column}): expected {wanted}. "
                      "Everything from here to the end of the file was kept as this one "
                      "invalid record.", broken=True)
