"""Which kind of file an import is given, told by its content (or `--format`).

Text input (CSV, TSV, JSON, NDJSON, vCard) is recognised after decoding
(`importer.source`); a vCard starts with BEGIN:VCARD. Binary input is recognised by its
first bytes: a zip package is an .xlsx workbook (or an Apple Numbers, OpenDocument or
Word file, which get a message saying how to save them as .xlsx or CSV), and an OLE2
compound file is an old Excel .xls (or WPS .et) workbook, which openpyxl cannot read.
"""

from __future__ import annotations

import codecs
import io
from typing import Any, BinaryIO

from custinfo.errors import UsageError
from custinfo.i18n import N_, _

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAVE_AS = N_(
    "open it in Excel, WPS or LibreOffice and save it as .xlsx (Excel workbook) or "
    "CSV UTF-8, then import that file"
)


class Prefixed(io.RawIOBase):
    """The bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer)) or b""
        buffer[: len(data)] = data
        return len(data)


def sniff(stream: BinaryIO, fmt: str | None, name: str) -> tuple[str | None, BinaryIO]:
    """(kind, stream): "xlsx", "vcard" or None (text: CSV/TSV/JSON/NDJSON, told later),
    with the stream as it was (nothing consumed). Raises for formats it cannot read."""
    head = stream.read(512) or b""
    kind = None
    lower = name.lower()
    if head.startswith(_ZIP):
        kind = _zip_kind(head, stream, lower)
        stream = _rewound(stream, head)
        if kind == "xlsx":
            return "xlsx", stream
    elif head.startswith(_OLE):
        raise UsageError(
            _(
                "{name} is an Excel 97-2003 workbook (.xls), which custinfo cannot read: {SAVE_AS}"
            ).format(name=name, SAVE_AS=_(SAVE_AS))
        )
    elif lower.endswith((".xls", ".et")) and head.lstrip().startswith(b"<"):
        raise UsageError(
            _("{name} is a web page saved as a workbook, not one: {SAVE_AS}").format(
                name=name, SAVE_AS=_(SAVE_AS)
            )
        )
    elif lower.endswith(".numbers"):
        raise UsageError(_numbers(name))
    elif _looks_vcard(head):
        kind = "vcard"
    if fmt == "xlsx":
        raise UsageError(
            _("{name} is not an .xlsx workbook (it is not a zip package)").format(name=name)
        )
    wrapped = io.BufferedReader(Prefixed(head, stream)) if head else stream
    return (fmt if fmt == "vcard" else kind), wrapped  # type: ignore[return-value]


def _rewound(stream: BinaryIO, head: bytes) -> BinaryIO:
    if stream.seekable():
        stream.seek(0)
        return stream
    return io.BytesIO(head + stream.read())  # stdin: openpyxl must seek; held in memory


def _zip_kind(head: bytes, stream: BinaryIO, name: str) -> str:
    import zipfile

    data = _rewound(stream, head)
    try:
        with zipfile.ZipFile(data) as package:
            names = set(package.namelist())
            mimetype = package.read("mimetype").decode("ascii", "replace") if (
                "mimetype" in names
            ) else ""  # fmt: skip
    except zipfile.BadZipFile:
        raise UsageError(
            _("{name}: a damaged zip package (not a readable workbook)").format(name=name)
        ) from None
    finally:
        if isinstance(data, io.BytesIO) or data.seekable():
            data.seek(0)
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("Index/") for n in names) or name.endswith(".numbers"):
        raise UsageError(_numbers(name))
    if "opendocument" in mimetype:
        raise UsageError(
            _("{name} is an OpenDocument file (.ods), not an .xlsx: {SAVE_AS}").format(
                name=name, SAVE_AS=_(SAVE_AS)
            )
        )
    if "word/document.xml" in names:
        raise UsageError(
            _("{name} is a Word document, not a workbook or CSV file").format(name=name)
        )
    raise UsageError(
        _("{name} is a zip archive, not a workbook or CSV file: unpack it first").format(name=name)
    )


def _numbers(name: str) -> str:
    return _(
        "{name} is an Apple Numbers file, which custinfo cannot read: in Numbers choose "
        "File > Export To > Excel (or CSV), then import that file"
    ).format(name=name)


def _looks_vcard(head: bytes) -> bool:
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):  # fmt: skip
        if head.startswith(bom):
            text = head[len(bom) :].decode(codec, "ignore")
            break
    else:
        text = head.decode("latin-1")
    return text.lstrip().upper().startswith("BEGIN:VCARD")


# -- opening ---------------------------------------------------------------------------------
class Tabular:
    """A vCard or .xlsx input, with what `run_import` reads from a text `Source`."""

    def __init__(self, fmt: str, encoding: str, raw: Any) -> None:
        self.fmt, self.encoding, self.raw = fmt, encoding, raw
        self.delimiter = ""
        self.bom = False
        self.header: list[str] = []
        self.sheet: Any = None
        self.cards: Any = None


class _Consumed:
    """Progress through a worksheet, in bytes of the file (rows read / rows in the sheet)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sheet: Any = None

    @property
    def consumed(self) -> int:
        sheet = self.sheet
        if sheet is None or not sheet.total:
            return 0
        return min(self.size, self.size * sheet.row // sheet.total)


def open_input(
    kind: str | None, stream: BinaryIO, fmt: str | None, encoding: str | None, sheet: str | None
) -> Any:
    """The opened input: a text `Source` (CSV/TSV/JSON/NDJSON), or a `Tabular` for
    vCard (decoded like text) and .xlsx (read by openpyxl)."""
    from custinfo.importer.source import open_source

    if kind == "xlsx":
        from custinfo.importer.xlsx import Sheet

        progress = _Consumed(_size(stream))
        tabular = Tabular("xlsx", "xlsx", progress)
        tabular.sheet = progress.sheet = Sheet(stream, sheet)
        return tabular
    if sheet is not None:
        raise UsageError(_("--sheet applies to .xlsx workbooks only"))
    if kind == "vcard":
        from custinfo.importer.vcard import Cards

        text = open_source(stream, "vcard", encoding)
        tabular = Tabular("vcard", text.encoding, text.raw)
        tabular.cards = Cards(text.text)
        return tabular
    return open_source(stream, fmt, encoding)


def _size(stream: BinaryIO) -> int:
    try:
        return stream.seek(0, 2) if stream.seekable() else 0
    finally:
        if stream.seekable():
            stream.seek(0)
