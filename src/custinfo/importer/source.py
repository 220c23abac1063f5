"""Reading import input: encoding detection, delimiter sniffing, records with line numbers.

Input is read as a byte stream (a file or stdin) and decoded incrementally, so memory stays
flat. Encoding: a BOM wins (UTF-8, UTF-16, UTF-32); else the first 64 KiB are tried as
UTF-8; else charset-normalizer guesses (GB2312/GBK guesses become GB18030, their superset).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from custinfo.errors import UsageError

SAMPLE = 64 * 1024
_CHINESE = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "cp936": "gb18030"}
_KOREAN_JAPANESE = {
    "cp949", "euc_kr", "johab", "iso2022_kr", "shift_jis", "cp932", "euc_jp", "iso2022_jp",
    "shift_jis_2004", "shift_jisx0213", "euc_jis_2004", "euc_jisx0213",
}  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CountingReader(io.RawIOBase):
    """A sample already read, then the rest of the stream; counts bytes handed out."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest
        self.consumed = 0

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


def detect_encoding(sample: bytes, at_eof: bool) -> tuple[str, bool]:
    """(Python codec name, has a BOM) for a sample of the input."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name, True
    if not sample:
        return "utf-8", False
    try:
        sample.decode("utf-8")
        return "utf-8", False
    except UnicodeDecodeError as exc:
        if not at_eof and exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8", False  # the sample cut a character in two
    if _looks_utf16(sample):
        little = sample[1::2].count(0) > sample[0::2].count(0)
        return ("utf-16-le" if little else "utf-16-be"), False
    if _chinese_header(sample):
        return "gb18030", False
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    name = codecs.lookup(best.encoding).name.replace("-", "_") if best is not None else ""
    unlikely = not name or name.startswith(("utf_16", "utf_32")) or name in _KOREAN_JAPANESE
    if unlikely and _decodes(sample, "gb18030", at_eof):
        # Short Chinese samples often look Korean, Japanese or even BOM-less UTF-16 to the
        # statistics; GBK from Excel/WPS in China is far more likely here.
        return "gb18030", False
    if not name or name.startswith(("utf_16", "utf_32")):
        raise UsageError("cannot tell the input's encoding; name it with --encoding")
    return _CHINESE.get(name, name), False


def _decodes(sample: bytes, codec: str, at_eof: bool) -> bool:
    try:
        codecs.getincrementaldecoder(codec)().decode(sample, final=at_eof)
    except UnicodeDecodeError:
        return False
    return True


def _chinese_header(sample: bytes) -> bool:
    """True if the first line, read as GB18030, has a Chinese header custinfo knows (short
    Excel/WPS files are too small for statistical detection to tell GBK from Big5 or EUC)."""
    from custinfo.importer.mapping import known_chinese_header

    try:
        line = sample.split(b"\n", 1)[0].decode("gb18030")
    except UnicodeDecodeError:
        return False
    cells = line.replace("\t", ",").replace(";", ",").split(",")
    return any(known_chinese_header(cell.strip().strip('"')) for cell in cells)


def _looks_utf16(sample: bytes) -> bool:
    head = sample[:4096]
    return len(head) >= 4 and head.count(0) >= len(head) // 4


def open_source(stream: BinaryIO, fmt: str | None, encoding: str | None) -> Source:
    """Detect encoding (unless given), format (csv/tsv/json/ndjson) and the CSV header."""
    sample = stream.read(SAMPLE) or b""
    at_eof = len(sample) < SAMPLE
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
        bom = any(sample.startswith(b) for b, _ in _BOMS)
        if codec == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
    else:
        codec, bom = detect_encoding(sample, at_eof)
    raw = CountingReader(sample, stream)
    text = io.TextIOWrapper(io.BufferedReader(raw, SAMPLE), encoding=codec, newline="")
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
        f"input is not valid {source.encoding} (after line {line}): "
        "convert it or name the encoding with --encoding"
    )


# -- records ------------------------------------------------------------------------------
def csv_records(source: Source) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells), after reading the header."""
    reader = csv.reader(source.text, delimiter=source.delimiter, strict=False)
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise UsageError("the input is empty: expected a header line")
        source.header = [h.lstrip("\ufeff") if i == 0 else h for i, h in enumerate(header)]
        line = reader.line_num + 1
        for row in reader:
            if row and any(cell.strip() for cell in row):
                yield line, row
            line = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise decode_error(source, exc, line) from None
    except csv.Error as exc:
        raise UsageError(f"line {line}: malformed CSV ({exc})") from None


def ndjson_records(source: Source) -> Iterator[tuple[int, Any]]:
    line = 0
    try:
        for line, text in enumerate(source.text, start=1):
            text = text.strip().lstrip("\ufeff")
            if text:
                yield line, _loads(text)
    except UnicodeDecodeError as exc:
        raise decode_error(source, exc, line) from None


def json_records(source: Source) -> Iterator[tuple[int, Any]]:
    """Items of a top-level JSON array, decoded incrementally; numbered from 1."""
    decoder = json.JSONDecoder()
    buf, pos, index, started = "", 0, 0, False
    try:
        while True:
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n\ufeff,":
                    pos += 1
                if not started and pos < len(buf):
                    if buf[pos] != "[":
                        raise UsageError("JSON input must be an array of objects")
                    started, pos = True, pos + 1
                    continue
                if pos < len(buf) and buf[pos] == "]":
                    return
                try:
                    item, end = decoder.raw_decode(buf, pos)
                except json.JSONDecodeError:
                    break  # need more text
                index += 1
                yield index, item
                pos = end
            chunk = source.text.read(SAMPLE)
            if not chunk:
                if buf[pos:].strip():
                    raise UsageError(f"malformed JSON after item {index}")
                return
            buf, pos = buf[pos:] + chunk, 0
    except UnicodeDecodeError as exc:
        raise decode_error(source, exc, index) from None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        bad = BadJson(f"not valid JSON ({exc.msg})")
        bad.raw = text
        return bad


class BadJson(str):
    """Marks an NDJSON line that did not parse (reported as a rejected row); `raw` is it."""

    raw: str = ""
