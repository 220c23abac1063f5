"""Export customers as CSV, JSON, NDJSON or vCard 4.0, streaming with flat memory.

CSV comes straight from one SQL query whose correlated subqueries join and escape the
multi-valued cells (`custinfo.tabular` format) inside SQLite, so Python only moves rows to
`csv.writer`. JSON, NDJSON and vCard load customers in batches with `Store.get_many`, so
their records are exactly those of `show --format json`.

`ids` selects customers (in the order given, repeats dropped); None exports everyone in id
order. The CLI (and later the find filters) decide the ids; this module only writes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any, TextIO

from custinfo.models import CUSTOMER_FIELDS, Customer
from custinfo.tabular import neutralize

BATCH = 2000
_CHUNK = 500


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"


def _escaped(expr: str) -> str:
    return f"replace(replace({expr}, '\\', '\\\\'), ';', '\\;')"


#: One row per customer, cells already joined and escaped as in `tabular.flat_row`.
_CSV_SELECT = f"""
SELECT c.id, c.name,
  coalesce((SELECT group_concat(p.e164 || CASE WHEN p.ext != '' THEN ' ext. ' || p.ext ELSE ''
            END, ';' ORDER BY p.id) FROM phones p WHERE p.customer_id = c.id), ''),
  coalesce((SELECT group_concat(e.address, ';' ORDER BY e.id)
            FROM emails e WHERE e.customer_id = c.id), ''),
  coalesce(c.company, ''), coalesce(c.address, ''), coalesce(c.city, ''),
  coalesce(c.birthday, ''),
  coalesce((SELECT group_concat({_escaped("t.name")}, ';' ORDER BY t.key)
            FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id
            WHERE ct.customer_id = c.id), ''),
  coalesce((SELECT group_concat(n.at || ' ' || {_escaped("n.text")}, ';' ORDER BY n.at, n.id)
            FROM notes n WHERE n.customer_id = c.id), ''),
  c.source, c.created_at, c.updated_at
FROM customers c
"""


def csv_rows(conn: Any, ids: Iterable[int] | None = None) -> Iterator[tuple]:
    """Flat rows in CUSTOMER_FIELDS order (the id is an int, every other cell a str)."""
    if ids is None:
        yield from conn.execute(_CSV_SELECT + " ORDER BY c.id")
        return
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = {r[0]: r for r in conn.execute(_CSV_SELECT + f" WHERE c.id IN ({marks})", chunk)}
        yield from (rows[i] for i in chunk if i in rows)


def customers(store: Any, ids: Iterable[int] | None = None) -> Iterator[Customer]:
    """Full customer records in batches (memory stays flat)."""
    if ids is None:
        yield from store.iter_all(batch=BATCH)
        return
    for chunk in _chunks(ids, BATCH):
        yield from store.get_many(chunk)


def export(
    store: Any,
    out: TextIO,
    fmt: ExportFormat | str = ExportFormat.csv,
    *,
    ids: Iterable[int] | None = None,
    excel: bool = False,
) -> int:
    """Write customers to `out` in `fmt`; returns how many were written."""
    fmt = ExportFormat(fmt)
    if fmt is ExportFormat.csv:
        return write_csv(store.conn, out, ids, excel=excel)
    records = customers(store, ids)
    if fmt is ExportFormat.vcard:
        from custinfo.vcard import write_vcards

        return write_vcards(out, records)
    return write_json(out, records, lines=fmt is ExportFormat.ndjson)


def write_csv(conn: Any, out: TextIO, ids: Iterable[int] | None, *, excel: bool = False) -> int:
    """CSV with the CUSTOMER_FIELDS header; `excel` adds a BOM, CRLF and formula guards."""
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n" if excel else "\n")
    writer.writerow(CUSTOMER_FIELDS)
    count = 0
    rows: Iterable[tuple] = csv_rows(conn, ids)
    if excel:
        rows = ((r[0], *(neutralize(cell) for cell in r[1:])) for r in rows)
    for batch in _batched(rows, BATCH):
        writer.writerows(batch)
        count += len(batch)
    return count


def write_json(out: TextIO, records: Iterable[Customer], *, lines: bool) -> int:
    """NDJSON (one object a line) or a JSON array with one object a line."""
    count = 0
    if not lines:
        out.write("[")
    for customer in records:
        text = json.dumps(customer.to_dict(), ensure_ascii=False, separators=(",", ":"))
        if lines:
            out.write(text + "\n")
        else:
            out.write(("," if count else "") + "\n  " + text)
        count += 1
    if not lines:
        out.write("\n]\n" if count else "]\n")
    return count


def _chunks(ids: Iterable[int], size: int = _CHUNK) -> Iterator[list[int]]:
    seen: set[int] = set()
    chunk: list[int] = []
    for i in ids:
        if i in seen:
            continue
        seen.add(i)
        chunk.append(i)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _batched(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
