"""Open a data file: refuse what is not JSON, find its encoding and layout, yield items.

An *item* is one example's worth of input: a line of a JSONL file, or an element of a
JSON array. Every item keeps its exact bytes. Whole-file problems (missing, a folder,
empty, binary, CSV ...) raise :class:`InputFileError` before anything is written.
"""

from __future__ import annotations

import ast
import codecs
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from curator.core.errors import InputFileError

SNIFF_BYTES = 1 << 16
CHUNK_CHARS = 1 << 20
UNPARSED = object()

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
MAGIC = (
    (b"\x1f\x8b", "a gzip-compressed file: decompress it first (gunzip)"),
    (b"PK\x03\x04", "a zip archive (or an Excel/Word file): unpack or convert it to JSONL first"),
    (b"PAR1", "a Parquet file: convert it to JSONL first"),
    (b"SQLite format 3\x00", "an SQLite database (a Curator project is opened, not imported)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
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


@dataclass(frozen=True, slots=True)
class Layout:
    """How a file is laid out: ``jsonl``, ``array`` or ``values`` (concatenated JSON)."""

    kind: str
    encoding: str
    bom: bytes


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


DECODER = json.JSONDecoder(parse_constant=_reject_constant)
#: Finds where a value with NaN/Infinity ends, so the next array item can still be read.
LENIENT = json.JSONDecoder()


def sniff(path: Path) -> Layout:
    """Check ``path`` can be imported at all and tell its layout and encoding."""
    if not path.exists():
        raise InputFileError(f"{path}: there is no such file.")
    if path.is_dir():
        raise InputFileError(
            f"{path} is a folder, not a data file. Choose the .jsonl or .json files in it.")
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
            encoding = _utf16_without_bom(head)
            if encoding is None:
                raise InputFileError(
                    f"{path} is a binary file, not text: Curator imports JSON Lines (.jsonl) "
                    "or JSON arrays (.json) of chat examples.")
    text = _decode_head(head[len(bom):], encoding)
    stripped = text.lstrip()
    if not stripped:
        raise InputFileError(f"{path} holds only blank lines: there is nothing to import.")
    first_line = stripped.split("\n", 1)[0].strip()
    if stripped[0] == "[":
        following = [ln.strip() for ln in stripped.split("\n")[1:] if ln.strip()]
        looks_jsonl = bool(following) and following[0][:1] in ("{", "[")
        return Layout("jsonl" if _is_json(first_line) and looks_jsonl else "array",
                      encoding, bom)
    if stripped[0] == "{":
        if first_line == "{" or (not _is_json(first_line) and path.suffix.lower() == ".json"):
            return Layout("values", encoding, bom)
        return Layout("jsonl", encoding, bom)
    if any(line.lstrip()[:1] in ("{", "[") for line in text.splitlines()[1:]):
        return Layout("jsonl", encoding, bom)
    raise InputFileError(_not_json_message(path, text))


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


# -- items ---------------------------------------------------------------------------


def parse_error(text: str, exc: Exception, where: str, first_line: int | None = None
                ) -> tuple[str, str]:
    """A code and a plain-words message for a line or element that is not valid JSON.

    ``first_line`` is the file line ``text`` starts on, to name file lines in the message.
    """
    if isinstance(exc, RecursionError):
        return "invalid_json", f"{where}: the JSON is nested too deeply to read."
    if not isinstance(exc, json.JSONDecodeError):
        return "invalid_json", f"{where}: not valid JSON ({exc})."
    if first_line is not None:
        column = f"line {first_line + exc.lineno - 1}, column {exc.colno}"
    elif exc.lineno == 1:
        column = f"column {exc.colno}"
    else:
        column = f"line {exc.lineno} column {exc.colno}"
    near = text[max(0, exc.pos - 20):exc.pos + 20].replace("\n", " ")
    stripped = text.rstrip()
    if exc.msg.startswith("Expecting property name") or exc.msg.startswith("Expecting value"):
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            value = None
        if isinstance(value, dict | list):
            return ("python_literal",
                    f"{where}: this looks like a Python dictionary, not JSON (single quotes, "
                    "True/False/None). Write the file with json.dumps(), not str() or print().")
    if exc.pos >= len(stripped) or exc.msg.startswith("Unterminated string"):
        return ("truncated_json",
                f"{where}: the JSON stops before it is complete (at {column}). "
                "The line was probably cut off; restore it from the original data.")
    if exc.msg.startswith("Extra data"):
        return ("extra_data",
                f"{where}: more than one JSON value at {column} (near {near!r}). "
                "Put each example on its own line.")
    return ("invalid_json",
            f"{where}: not valid JSON at {column}: {exc.msg} (near {near!r}). "
            "Fix or delete this line; the other lines were imported.")


def _decode_line(raw: bytes, number: int) -> tuple[str | None, tuple[str, str] | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1].hex().upper()
        column = len(raw[:exc.start].decode("utf-8", errors="replace")) + 1
        return None, ("invalid_encoding",
                      f"Line {number}: byte 0x{bad} at column {column} is not valid UTF-8. "
                      "The file was probably saved as Windows-1252 or Latin-1; save it as "
                      "UTF-8 and import it again.")


def iter_jsonl(handle: BinaryIO, layout: Layout) -> Iterator[Item | int]:
    """Items of a JSON Lines file; a blank line yields its line number instead."""
    lines: Iterator[bytes]
    if layout.encoding.startswith("utf-16"):
        lines = _utf16_lines(handle, layout)
    else:
        lines = iter(handle)
    for number, raw in enumerate(lines, start=1):
        body = raw[len(layout.bom):] if number == 1 and layout.bom else raw
        if layout.encoding.startswith("utf-16"):
            text: str | None = body.decode(layout.encoding)
            problem = None
        else:
            text, problem = _decode_line(body, number)
        if text is not None and not text.strip():
            yield number
            continue
        item = Item(number, None, raw, plain=body is raw and layout.encoding == "utf-8")
        if problem is not None:
            item.error_code, item.error = problem
        else:
            assert text is not None
            try:
                item.value = DECODER.decode(text)
            except (ValueError, RecursionError) as exc:
                item.error_code, item.error = parse_error(text, exc, f"Line {number}")
        yield item


def _utf16_lines(handle: BinaryIO, layout: Layout) -> Iterator[bytes]:
    """Lines of a UTF-16 file, each as its exact original bytes."""
    handle.seek(len(layout.bom))
    text = io.TextIOWrapper(handle, encoding=layout.encoding, newline="")
    first = True
    for line in text:
        raw = line.encode(layout.encoding)
        yield (layout.bom + raw) if first else raw
        first = False
    text.detach()


class _Buffer:
    """Decoded text of a file, read on demand, with the line number at each position."""

    def __init__(self, handle: BinaryIO, encoding: str) -> None:
        name = "utf-8" if encoding == "utf-8-sig" else encoding
        self.decoder = codecs.getincrementaldecoder(name)(errors="surrogateescape"
                                                          if name == "utf-8" else "strict")
        self.handle = handle
        self.text = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.chunk = CHUNK_CHARS

    def fill(self, grow: bool = False) -> bool:
        if self.eof:
            return False
        if grow:
            self.chunk *= 2
        data = self.handle.read(self.chunk)
        self.eof = not data
        self.text = self.text[self.pos:] + self.decoder.decode(data, final=self.eof)
        self.pos = 0
        return bool(data)

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


def iter_values(handle: BinaryIO, layout: Layout, name: str) -> Iterator[Item | int]:
    """Elements of a JSON array (``array``) or of concatenated JSON values (``values``)."""
    handle.seek(len(layout.bom))
    buf = _Buffer(handle, layout.encoding)
    codec = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding
    errors = "surrogateescape" if codec == "utf-8" else "strict"
    in_array = layout.kind == "array"
    if in_array:
        buf.skip_space()
        buf.advance(buf.pos + 1)
    index = 0
    while True:
        char = buf.skip_space()
        if in_array and char == "]":
            buf.advance(buf.pos + 1)
            if buf.skip_space():
                line = buf.line
                text = buf.rest()
                yield Item(line, index, text.encode(codec, errors), error_code="extra_data",
                           error=f"Line {line}: there is more text after the end of the "
                                 "JSON array; it was kept as this invalid record.")
            return
        if char == "":
            if in_array:
                yield Item(buf.line, index, b"", error_code="truncated_json",
                           error=f"{name} ends before its JSON array is closed with ']'. "
                                 "The file was probably cut off; the items before the end "
                                 "were imported.")
            return
        if in_array and index > 0:
            if char != ",":
                yield _bad_rest(buf, index, codec, errors, "a ',' between two items")
                return
            buf.advance(buf.pos + 1)
            if buf.skip_space() == "]":
                yield _bad_rest(buf, index, codec, errors, "another item after the last ','")
                return
        line = buf.line
        constant_error = None
        while True:
            try:
                value, end = DECODER.raw_decode(buf.text, buf.pos)
            except (ValueError, RecursionError) as exc:
                if not isinstance(exc, json.JSONDecodeError | RecursionError):
                    try:  # NaN or Infinity: not JSON, but the item's end is known
                        _, end = LENIENT.raw_decode(buf.text, buf.pos)
                    except ValueError:
                        pass
                    else:
                        if end < len(buf.text) or buf.eof:
                            constant_error = (f"Item {index} (line {line}): {exc}; write "
                                              "null or a number instead.")
                            break
                if buf.fill(grow=True):
                    continue
                where = f"Item {index} (line {line})"
                rest = buf.text[buf.pos:]
                try:
                    DECODER.raw_decode(rest)
                except (ValueError, RecursionError) as relative:
                    exc = relative
                code, message = parse_error(rest, exc, where, first_line=line)
                text = buf.rest()
                yield Item(line, index, text.encode(codec, errors), error_code=code,
                           error=message + " Everything from here to the end of the file "
                           "was kept as this one invalid record.")
                return
            if end == len(buf.text) and not buf.eof and buf.fill(grow=False):
                continue  # a number may go on in the next chunk
            break
        text = buf.advance(end)
        raw = text.encode(codec, errors)
        if constant_error:
            yield Item(line, index, raw, error_code="invalid_json", error=constant_error)
            index += 1
            continue
        item = Item(line, index, raw, value=value)
        if codec == "utf-8" and any("\udc80" <= ch <= "\udcff" for ch in text):
            item.value = UNPARSED
            item.error_code = "invalid_encoding"
            item.error = (f"Item {index} (line {line}) holds bytes that are not valid UTF-8. "
                          "Save the file as UTF-8 and import it again.")
        yield item
        index += 1


def _bad_rest(buf: _Buffer, index: int, codec: str, errors: str, wanted: str) -> Item:
    line = buf.line
    col = buf.text.rfind("\n", 0, buf.pos)
    column = buf.pos - col
    text = buf.rest()
    return Item(line, index, text.encode(codec, errors), error_code="invalid_json",
                error=f"Item {index} (line {line}, column {column}): expected {wanted}. "
                      "Everything from here to the end of the file was kept as this one "
                      "invalid record.")
