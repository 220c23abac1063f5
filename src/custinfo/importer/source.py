"""Reading import input: a regular file or stdin, decoded, delimiter sniffed, records with
line numbers.

Input is read as a byte stream and decoded incrementally, so memory stays flat. The
encoding (`importer.encoding`) is detected or given; bytes that do not decode are an error
naming the line, and so are UTF-8 runs inside input read in a legacy encoding, unless
`--encoding ENC:ERRORS` names an error handler. JSON must be well-formed to its last byte.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from custinfo.errors import UsageError
from custinfo.i18n import _
from custinfo.importer.encoding import (
    BOMS,
    SAMPLE,
    MixedCheck,
    detect_encoding,
    parse_encoding,
)


def open_input(path: Path) -> BinaryIO:
    """A regular file opened for reading; a directory, FIFO or device is refused (exit 2)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO without a writer: no wait
    except FileNotFoundError:
        raise UsageError(_("no such file: {path}").format(path=path)) from None
    except OSError as exc:
        if exc.errno == 21:  # EISDIR on some systems
            raise UsageError(
                _("not a regular file: {path} is a directory").format(path=path)
            ) from None
        raise UsageError(
            _("cannot read {path}: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            kind = _("a directory")
        else:
            kind = (
                _("a pipe (FIFO)") if stat.S_ISFIFO(mode)
                else _("a socket") if stat.S_ISSOCK(mode)
                else _("a device")
            )  # fmt: skip
            kind += _("; to read it anyway: custinfo import - < {path}").format(path=path)
        raise UsageError(_("not a regular file: {path} is {kind}").format(path=path, kind=kind))
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


class CountingReader(io.RawIOBase):
    """A sample already read, then the rest of the stream; counts bytes handed out (and
    shows them to a `MixedCheck`, if any)."""

    def __init__(self, prefix: bytes, rest: BinaryIO, check: MixedCheck | None = None) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest
        self.consumed = 0
        self._check = check

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
        else:
            data = self._rest.read(len(buffer))
            n = len(data or b"")
            buffer[:n] = data or b""
        if self._check is not None:
            self._check.feed(bytes(buffer[:n]), final=n == 0)
        self.consumed += n
        return n


@dataclass
class Source:
    """An opened input: decoded text plus what was detected about it."""

    text: io.TextIOWrapper
    raw: CountingReader
    encoding: str
    bom: bool
    fmt: str = "csv"
    delimiter: str = ","
    header: list[str] = field(default_factory=list)


def open_source(stream: BinaryIO, fmt: str | None, encoding: str | None) -> Source:
    """Detect encoding (unless given), format (csv/tsv/json/ndjson) and the CSV header."""
    sample = stream.read(SAMPLE) or b""
    at_eof = len(sample) < SAMPLE
    errors = None
    if encoding:
        codec, errors = parse_encoding(encoding)
        bom = any(sample.startswith(b) for b, _ in BOMS)
        if codec == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
    else:
        codec, bom = detect_encoding(sample, at_eof)
    check = MixedCheck(codec) if MixedCheck.applies(codec, errors) else None
    raw = CountingReader(sample, stream, check)
    text = io.TextIOWrapper(
        io.BufferedReader(raw, SAMPLE), encoding=codec, errors=errors or "strict", newline=""
    )
    source = Source(text=text, raw=raw, encoding=codec, bom=bom)
    head = _peek_text(sample, codec)
    source.fmt = fmt or _guess_format(head)
    if source.fmt in ("csv", "tsv"):
        source.delimiter = "\t" if source.fmt == "tsv" else sniff_delimiter(head)
    return source


def _peek_text(sample: bytes, codec: str) -> str:
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    return decoder.decode(sample, final=False)


def _guess_format(head: str) -> str:
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "ndjson"
    return "csv"


def sniff_delimiter(head: str) -> str:
    """Comma, semicolon or tab: whichever occurs most in the header line outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in head.lstrip("\ufeff"):
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            if ch in "\r\n":
                break
            if ch in counts:
                counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def decode_error(source: Source, exc: UnicodeDecodeError, line: int) -> UsageError:
    return UsageError(
        _(
            "input is not valid {encoding} (after line {line}): convert "
            "it or name the encoding with --encoding"
        ).format(encoding=source.encoding, line=line)
    )


# -- records ------------------------------------------------------------------------------
def csv_reader(source: Source) -> Any:
    """The csv reader of `source` (its sniffed delimiter; quotes read leniently)."""
    return csv.reader(source.text, delimiter=source.delimiter, strict=False)


def csv_records(source: Source, reader: Any = None) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells), after reading the header; `reader`
    (default: a new `csv_reader`) stays at the last record handed out, so a caller that
    keeps it can read on from there."""
    reader = csv_reader(source) if reader is None else reader
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise UsageError(_("the input is empty: expected a header line"))
        source.header = [h.lstrip("\ufeff") if i == 0 else h for i, h in enumerate(header)]
        line = reader.line_num + 1
        for row in reader:
            if row and "".join(row).strip():  # (any cell not blank, in one call)
                yield line, row
            line = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise decode_error(source, exc, line) from None
    except csv.Error as exc:
        raise malformed(line, exc) from None


def malformed(line: int, exc: Exception) -> UsageError:
    return UsageError(_("line {line}: malformed CSV ({exc})").format(line=line, exc=exc))


def ndjson_records(source: Source) -> Iterator[tuple[int, Any]]:
    line = 0
    try:
        for line, text in enumerate(source.text, start=1):
            text = text.strip().lstrip("\ufeff")
            if text:
                yield line, _loads(text)
    except UnicodeDecodeError as exc:
        raise decode_error(source, exc, line) from None


class LongNumber(str):
    """A JSON integer too long to be a number custinfo stores (its digits): reported as a
    bad value by the row, instead of Python's int-conversion limit failing the whole file."""


def _parse_int(text: str) -> int | str:
    return int(text) if len(text) <= 40 else LongNumber(text)


_DECODER = json.JSONDecoder(parse_int=_parse_int)
_SPACE = " \t\r\n\ufeff"


def json_records(source: Source) -> Iterator[tuple[int, Any]]:
    """Items of a top-level JSON array, decoded incrementally; numbered from 1. Commas must
    separate the items, and nothing but white space may follow the closing bracket."""
    buf, pos, index, eof = "", 0, 0, False
    state = "start"  # start -> first -> item -> (comma -> item)* -> done
    try:
        while True:
            while pos < len(buf) and buf[pos] in _SPACE:
                pos += 1
            if pos >= len(buf):
                if eof:
                    break
                chunk = source.text.read(SAMPLE)
                eof = not chunk
                buf, pos = buf[pos:] + chunk, 0
                continue
            ch = buf[pos]
            if state == "start":
                if ch != "[":
                    raise UsageError(_("JSON input must be an array of objects"))
                state, pos = "first", pos + 1
            elif state in ("first", "comma"):
                if ch == "]" and state == "first":
                    state, pos = "done", pos + 1
                    continue
                try:
                    item, end = _DECODER.raw_decode(buf, pos)
                    complete = eof or end < len(buf)  # `12` may be the start of `123`
                except json.JSONDecodeError as exc:
                    if eof:
                        raise UsageError(
                            _("malformed JSON in item {value}: {msg}").format(
                                value=index + 1, msg=exc.msg
                            )
                        ) from None
                    complete = False
                except RecursionError:
                    raise UsageError(
                        _("JSON item {value} is nested too deeply").format(value=index + 1)
                    ) from None
                if not complete:  # the item goes on in the next chunk
                    chunk = source.text.read(SAMPLE)
                    eof = not chunk
                    buf, pos = buf[pos:] + chunk, 0
                    continue
                index += 1
                yield index, item
                state, pos = "item", end
            elif state == "item":
                if ch not in ",]":
                    raise UsageError(
                        _("malformed JSON after item {index}: expected ',' or ']'").format(
                            index=index
                        )
                    )
                state, pos = ("comma" if ch == "," else "done"), pos + 1
            else:
                raise UsageError(
                    _("unexpected data after the JSON array (after item {index})").format(
                        index=index
                    )
                )
    except UnicodeDecodeError as exc:
        raise decode_error(source, exc, index) from None
    if state == "start":
        raise UsageError(_("the input is empty: expected a JSON array"))
    if state != "done":
        raise UsageError(
            _("malformed JSON after item {index}: the array is not closed").format(index=index)
        )


def _loads(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        reason = _("not valid JSON ({reason})").format(reason=exc.msg)
    except RecursionError:
        reason = _("not valid JSON (nested too deeply)")
    bad = BadJson(reason)
    bad.raw = text
    return bad


class BadJson(str):
    """Marks an NDJSON line that did not parse (reported as a rejected row); `raw` is it."""

    raw: str = ""
