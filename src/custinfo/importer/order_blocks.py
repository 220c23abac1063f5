"""Large CSV order imports: the text travels to the conversion worker in blocks of whole
lines, and comes back as rows ready to insert.

The importing process then only reads lines (no CSV parsing), maps buyer phones to
customer ids with one dict look-up per row (`map`), and inserts; the worker parses the
CSV, converts each row (`importer.orders.Converter`) and normalises its buyer's phone.

Block boundaries: a block ends after a line where the count of `"` in the block is even,
which is where the CSV reader is outside a quoted field unless a stray quote sits inside an
unquoted field. The worker proves each boundary: it parses the block followed by a
sentinel line, and the sentinel comes back as a record of its own only when the block ended
outside a quoted field. Blocks are checked in input order, the first block starting right
after the records read one by one (`CsvInput.records`), so every checked block starts at a
true record boundary; at the first block that fails (or a CSV error), the rest of the input
is read record by record in this process (`CsvInput.rest`), exactly as a small input is.

A worker's result, per block: `(0, keys, rows, rest, without_ref)` where `keys[i]` is the
buyer's E.164 phone of record i when the record is a valid order to be matched by phone
("" otherwise), `rows[i]` its order fields (`ROW_FIELDS`, None otherwise), and `rest` the
`(i, outcome)` of every other record (`order_parallel` outcome tuples); or `(1,)` when the
block must be read again record by record.
"""

from __future__ import annotations

import csv
import io
import marshal
from collections.abc import Iterator
from dataclasses import dataclass, fields
from itertools import chain, islice
from typing import Any

from custinfo.errors import ValidationError
from custinfo.importer.orders import Cancelled, Candidate, Converter
from custinfo.importer.source import Source, csv_reader, csv_records, decode_error, malformed

#: Lines per block (about 90 bytes each in shop exports).
BLOCK_LINES = 5000
#: A block whose quotes do not pair up grows by this many lines at a time, up to
#: `MAX_GROWTH` times its size; then the worker's check decides.
GROW_LINES = 64
MAX_GROWTH = 4
#: The order fields of a row as the worker returns them (the customer id is added here).
ROW_FIELDS = ("at", "amount", "currency", "items", "channel", "ref", "note")
_SENTINEL = "\ue000"  # a private-use character: the sentinel line's only cell
_SENTINEL_ROW = [_SENTINEL]
_CANDIDATE = tuple(f.name for f in fields(Candidate))


@dataclass
class Job:
    """What each conversion worker is set up with."""

    converter: Converter
    delimiter: str = ","
    #: Rows without a customer id are matched by phone first (`--match auto|phone`).
    phone_first: bool = True


class CsvInput:
    """A CSV/TSV source: its header and first records read one by one (`records`), then
    the remaining lines in blocks (`blocks`), or record by record again (`rest`)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.reader = csv_reader(source)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(line where the record starts, cells) after reading the header; the reader
        stays at the last record handed out, where `blocks` and `rest` go on."""
        return csv_records(self.source, self.reader)

    def blocks(self, size: int | None = None) -> Iterator[tuple[str, int, str]]:
        """("block", lines before it, its text) for the lines after the records read so far."""
        size = size or BLOCK_LINES
        text, line = self.source.text, self.reader.line_num
        while True:
            lines: list[str] = []
            try:
                lines.extend(islice(text, size))
                body = "".join(lines)
                odd = body.count('"') % 2
                grown = False
                while odd and len(lines) < MAX_GROWTH * size:
                    more: list[str] = []
                    more.extend(islice(text, GROW_LINES))
                    if not more:
                        break
                    lines += more
                    odd ^= "".join(more).count('"') % 2
                    grown = True
                if grown:
                    body = "".join(lines)
            except UnicodeDecodeError as exc:
                raise decode_error(self.source, exc, line + len(lines) + 1) from None
            if not lines:
                return
            yield "block", line, body
            line += len(lines)

    def rest(self, start: int, texts: list[str]) -> Iterator[tuple[int, list[str]]]:
        """Records from line `start` + 1 on, read one by one: the text of blocks already
        read (`texts`), then the rest of the source."""
        lines = chain(chain.from_iterable(io.StringIO(t, newline="") for t in texts),
                      self.source.text)  # fmt: skip
        reader = csv.reader(lines, delimiter=self.source.delimiter, strict=False)
        line = start + 1
        try:
            for row in reader:
                if row and "".join(row).strip():
                    yield line, row
                line = start + reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise decode_error(self.source, exc, line) from None
        except csv.Error as exc:
            raise malformed(line, exc) from None


def parse_block(start: int, body: str, delimiter: str) -> list[tuple[int, list[str]]] | None:
    """The records of a block (line, cells), or None if it did not end outside a quoted
    field or does not parse (see the module docstring)."""
    tail = "" if body.endswith(("\n", "\r")) else "\n"
    text = io.StringIO(f"{body}{tail}{_SENTINEL}\n", newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    try:
        rows = list(reader)
    except csv.Error:
        return None
    if not rows or rows[-1] != _SENTINEL_ROW:
        return None
    rows.pop()
    lines = body.count("\n") + (body.count("\r") - body.count("\r\n")) + (tail != "")
    if len(rows) == lines:  # one line per record (the usual block): line numbers follow
        return [(start + i, row) for i, row in enumerate(rows, 1) if row and "".join(row).strip()]
    text.seek(0)  # records spanning lines: ask the reader where each starts
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    records = []
    line = start + 1
    for row in reader:
        if row and "".join(row).strip():
            records.append((line, row))
        line = start + reader.line_num + 1
    records.pop()
    return records


def convert_block(job: Job, start: int, body: str, e164: Any) -> bytes:
    """Worker side: a block's result (see the module docstring); `e164(raw, region)`
    normalises a buyer phone ("" if invalid)."""
    records = parse_block(start, body, job.delimiter)
    if records is None:
        return marshal.dumps((1,))
    converter, phone_first = job.converter, job.phone_first
    region = converter.region
    keys: list[str] = []
    rows: list[tuple[Any, ...] | None] = []
    rest: list[tuple[int, tuple[Any, ...]]] = []
    without_ref = 0
    for index, (line, cells) in enumerate(records):
        try:
            c = converter.convert(line, cells)
        except Cancelled:
            outcome: tuple[Any, ...] = (1,)
        except ValidationError as exc:
            outcome = (2, exc.field, str(exc))
        else:
            c.e164 = e164(c.phone, region) if c.phone else ""
            if phone_first and c.e164 and not c.customer_id:
                keys.append(c.e164)
                rows.append((c.at, c.amount, c.currency, c.items, c.channel, c.ref, c.note))
                without_ref += c.ref is None
                continue
            outcome = (0, *(getattr(c, name) for name in _CANDIDATE))
        keys.append("")
        rows.append(None)
        rest.append((index, outcome))
    return marshal.dumps((0, keys, rows, rest, without_ref))
