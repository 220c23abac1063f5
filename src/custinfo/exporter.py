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
from itertools import groupby
from operator import itemgetter
from typing import Any, TextIO

from custinfo.models import CUSTOMER_FIELDS, Customer
from custinfo.tabular import neutralize

BATCH = 2000
EXPORT_CACHE_KIB = 4096
_CHUNK = 500


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"


def _escaped(expr: str) -> str:
    return f"replace(replace({expr}, '\\', '\\\\'), ';', '\\;')"


#: Customers, then their multi-valued cells per batch of ids: one ordered pass per table,
#: grouped in Python (a group_concat(... ORDER BY) costs a sorter per customer). Cells are
#: joined and escaped as in `tabular.flat_row`; E.164 numbers, extensions and normalised
#: emails contain no ";" or "\\", tag names and note texts are escaped here.
_CUSTOMERS = """SELECT id, name, coalesce(company, ''), coalesce(address, ''),
  coalesce(city, ''), coalesce(birthday, ''), source, created_at, updated_at
  FROM customers"""
_CELLS = (
    """SELECT customer_id, e164 || CASE WHEN ext != '' THEN ' ext. ' || ext ELSE '' END
       FROM phones WHERE customer_id {where} ORDER BY customer_id, id""",
    """SELECT customer_id, address FROM emails WHERE customer_id {where}
       ORDER BY customer_id, id""",
    f"""SELECT ct.customer_id, {_escaped("t.name")} FROM customer_tags ct
        JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id {{where}}
        ORDER BY ct.customer_id, t.key""",
    f"""SELECT customer_id, at || ' ' || {_escaped("text")} FROM notes
        WHERE customer_id {{where}} ORDER BY customer_id, at, id""",
)
_FIRST = itemgetter(0)


def _cells(conn: Any, sql: str, params: list[int]) -> dict[int, str]:
    rows = conn.execute(sql, params).fetchall()
    return {key: ";".join(v for _, v in group) for key, group in groupby(rows, _FIRST)}


def _assemble(conn: Any, rows: list[tuple], where: str, params: list[int]) -> list[tuple]:
    phones, emails, tags, notes = (_cells(conn, q.format(where=where), params) for q in _CELLS)
    return [
        (i, name, phones.get(i, ""), emails.get(i, ""), company, address, city, birthday,
         tags.get(i, ""), notes.get(i, ""), source, created, updated)
        for i, name, company, address, city, birthday, source, created, updated in rows
    ]  # fmt: skip


def csv_rows(conn: Any, ids: Iterable[int] | None = None) -> Iterator[tuple]:
    """Flat rows in CUSTOMER_FIELDS order (the id is an int, every other cell a str), read
    in batches of consecutive ids so memory stays flat."""
    if ids is None:
        last = 0
        while True:
            rows = conn.execute(
                _CUSTOMERS + " WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)
            ).fetchall()
            if not rows:
                return
            span = [rows[0][0], rows[-1][0]]
            yield from _assemble(conn, rows, "BETWEEN ? AND ?", span)
            last = rows[-1][0]
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        found = conn.execute(_CUSTOMERS + f" WHERE id IN ({marks})", chunk).fetchall()
        by_id = {r[0]: r for r in _assemble(conn, found, f"IN ({marks})", chunk)}
        yield from (by_id[i] for i in chunk if i in by_id)


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
    conn = store.conn
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    # A streaming read gains nothing from the big write cache: keep memory flat.
    conn.execute(f"PRAGMA cache_size = -{EXPORT_CACHE_KIB}")
    try:
        if fmt is ExportFormat.csv:
            return write_csv(conn, out, ids, excel=excel)
        records = customers(store, ids)
        if fmt is ExportFormat.vcard:
            from custinfo.vcard import write_vcards

            return write_vcards(out, records)
        return write_json(out, records, lines=fmt is ExportFormat.ndjson)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


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
