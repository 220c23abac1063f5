"""Excel workbooks (.xlsx, from Excel, WPS or LibreOffice): the first sheet or `--sheet`.

Read with openpyxl in read-only mode, row by row (memory stays flat however long the
sheet). The first non-empty row is the header; every cell becomes the text a spreadsheet
shows for it: whole numbers without ".0" (13800138000, not 1.38e10), dates as YYYY-MM-DD
and times as ISO 8601, booleans as TRUE/FALSE. Rows are then validated exactly like CSV
rows. A workbook read from stdin is held in memory (openpyxl needs to seek); nothing is
written to disk.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from custinfo.errors import UsageError
from custinfo.i18n import _


class Sheet:
    """The rows of one worksheet as (row number, cells), after `header`."""

    def __init__(self, stream: BinaryIO, sheet: str | None) -> None:
        import zipfile

        from openpyxl import load_workbook

        if not stream.seekable():
            stream = io.BytesIO(stream.read())
        try:
            self.book = load_workbook(stream, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise UsageError(_("not a readable .xlsx workbook ({exc})").format(exc=exc)) from None
        names = self.book.sheetnames
        if sheet is None:
            self.name = names[0]
        elif sheet in names:
            self.name = sheet
        else:
            raise UsageError(
                _("no sheet {sheet!r} in the workbook; its sheets: {value}").format(
                    sheet=sheet, value=", ".join(map(repr, names))
                )
            )
        self.sheets = names
        self.header: list[str] = []
        self._rows = self.book[self.name].iter_rows(values_only=True)
        self.total = self.book[self.name].max_row or 0
        self.row = 0

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of the rows after the header; empty rows are skipped."""
        try:
            for number, values in enumerate(self._rows, start=1):
                self.row = number
                cells = [cell_text(v) for v in values]
                while cells and cells[-1] == "":
                    cells.pop()
                if not any(c.strip() for c in cells):
                    continue
                if not self.header:
                    self.header = cells
                    continue
                width = len(self.header)
                if len(cells) > width and not any(c.strip() for c in cells[width:]):
                    cells = cells[:width]
                yield number, cells + [""] * (width - len(cells))
        finally:
            self.book.close()


def cell_text(value: Any) -> str:
    """The text of a cell value as a spreadsheet shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e17 else repr(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return str(value)
