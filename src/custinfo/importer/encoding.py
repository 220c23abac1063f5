"""Which encoding import input is in: detection, `--encoding ENC[:ERRORS]`, mixed files.

A BOM wins (UTF-8, UTF-16, UTF-32); else the first 64 KiB are tried as UTF-8; else
charset-normalizer guesses (GB2312/GBK guesses become GB18030, their superset). Input read
in a legacy encoding is also watched for UTF-8 runs (`MixedCheck`): GB18030 decodes most
UTF-8 without an error, into the wrong characters.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from custinfo.errors import UsageError
from custinfo.i18n import _

SAMPLE = 64 * 1024
_CHINESE = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "cp936": "gb18030"}
_KOREAN_JAPANESE = {
    "cp949", "euc_kr", "johab", "iso2022_kr", "shift_jis", "cp932", "euc_jp", "iso2022_jp",
    "shift_jis_2004", "shift_jisx0213", "euc_jis_2004", "euc_jisx0213",
}  # fmt: skip
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


#: Decoding error handlers `--encoding ENC:ERRORS` accepts (`surrogateescape` would store
#: lone surrogates, which are not text).
ERROR_HANDLERS = ("strict", "replace", "ignore", "backslashreplace")
#: Codecs that are not character sets of text files, though Python calls them text encodings.
_NOT_CHARSETS = {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"}
_UNICODE = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
            "utf-32-be", "utf-7")  # fmt: skip
#: Multi-byte legacy codecs: their text has runs of high bytes that can look like UTF-8's
#: 2-byte sequences, so only 3- and 4-byte sequences count as UTF-8 there.
_WIDE = {
    "gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950", "shift_jis", "cp932",
    "euc_jp", "euc_kr", "cp949", "johab", "shift_jis_2004", "shift_jisx0213", "euc_jis_2004",
    "euc_jisx0213",
}  # fmt: skip


def parse_encoding(spec: str) -> tuple[str, str | None]:
    """`--encoding ENC[:ERRORS]` as (Python codec name, error handler or None)."""
    name, colon, errors = spec.strip().partition(":")
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        raise UsageError(
            _("unknown encoding {value!r} in --encoding {spec!r}").format(
                value=name.strip(), spec=spec
            )
        ) from None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        raise UsageError(
            _(
                "--encoding {spec!r}: {name!r} is not a text encoding (use "
                "one such as utf-8, gbk, gb18030, big5, shift_jis, utf-16 or "
                "latin-1)"
            ).format(spec=spec, name=info.name)
        )
    handler = errors.strip() if colon else None
    if handler is not None and handler not in ERROR_HANDLERS:
        raise UsageError(
            _("--encoding {spec!r}: unknown error handler {handler!r} (use one of {value})").format(
                spec=spec, handler=handler, value=", ".join(ERROR_HANDLERS)
            )
        )
    return info.name, handler


class MixedCheck:
    """Refuses UTF-8 lines inside input read in a legacy encoding (a file mixing encodings,
    e.g. rows appended by another program): GB18030 decodes the UTF-8 bytes of 李四 without
    an error, as 鏉庡洓. A line with non-ASCII bytes that is valid UTF-8 as a whole, with a
    multi-byte sequence (3 or 4 bytes for CJK codecs, whose own text often contains UTF-8's
    2-byte patterns) and only assigned, non-control characters, is taken for UTF-8. Real
    GBK lines practically never are: none of 50k synthetic rows, and a single field alone
    only when it is one or two rare characters. Lines longer than `_MAX_LINE` are looked at
    in pieces of that size."""

    _LONG = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
    _SHORT = re.compile(rb"[\xc2-\xdf][\x80-\xbf]")
    _MAX_LINE = 1 << 20

    def __init__(self, codec: str) -> None:
        self.codec = codec
        self.sequence = self._LONG if codec in _WIDE else self._SHORT
        self.line = 1
        self.tail = b""

    @staticmethod
    def applies(codec: str, errors: str | None) -> bool:
        return errors is None and codec not in _UNICODE and codec != "ascii"

    def feed(self, data: bytes, final: bool = False) -> None:
        lines = (self.tail + data if self.tail else data).split(b"\n")
        rest = lines.pop()
        if final or len(rest) > self._MAX_LINE:
            lines.append(rest)
            rest = b""
        for number, line in enumerate(lines, start=self.line):
            if not line.isascii() and self._looks_utf8(line):
                raise UsageError(
                    _(
                        "line {number} looks like UTF-8, but the input is read as "
                        "{codec} (does the file mix encodings?): convert it to one "
                        "encoding, or give --encoding {codec}:strict to read it as "
                        "{codec} anyway"
                    ).format(number=number, codec=self.codec)
                )
        self.line += len(lines)
        self.tail = rest

    def _looks_utf8(self, line: bytes) -> bool:
        try:
            text = line.decode("utf-8")  # fails at once on nearly every legacy line
        except UnicodeDecodeError:
            return False
        if self.sequence.search(line) is None:
            return False
        category = unicodedata.category
        return all(category(ch) not in ("Cn", "Co", "Cs", "Cc") for ch in text if ch > "\x7f")


def detect_encoding(sample: bytes, at_eof: bool) -> tuple[str, bool]:
    """(Python codec name, has a BOM) for a sample of the input."""
    for bom, name in BOMS:
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
        raise UsageError(_("cannot tell the input's encoding; name it with --encoding"))
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
