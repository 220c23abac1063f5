"""Export customers as CSV, JSON, NDJSON or vCard (3.0, or 4.0), streaming with flat memory.

CSV comes from one streaming SELECT over `customers`, whose stored export cells
(`custinfo.export.cells`) hold the multi-valued fields already joined and escaped in the
`custinfo.export.tabular` format; SQLite renders each customer's CSV line
(`custinfo.export.csv_sql`), so Python moves one text per customer to the output (the
Excel form goes cell by cell through `csv.writer`, for its formula guards). JSON, NDJSON and
vCard load customers in batches with `Store.get_many`, so their records are exactly those of
`show --format json`; JSON adds `records`, the other record kinds as `subject` lists them.

`ids` selects customers (in the order given, repeats dropped); None exports everyone in id
order. The CLI (and later the find filters) decide the ids; this module only writes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any, TextIO

from custinfo.export.csv_sql import line_sql, quote, row_sql
from custinfo.export.tabular import neutralize
from custinfo.models import CUSTOMER_FIELDS, Customer

BATCH = 2000
EXPORT_CACHE_KIB = 4096
_CHUNK = 500
_IDS = "(SELECT value FROM json_each(:ids))"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"


def csv_batches(conn: Any, ids: Iterable[int] | None = None) -> Iterator[list[tuple]]:
    """Flat rows in CUSTOMER_FIELDS order (the id and order count are ints, every other
    cell a str), in batches: everyone in id order from one streaming SELECT, or `ids` in
    the order given."""
    return _batches(conn, ids, row_sql)


def csv_lines(conn: Any, ids: Iterable[int] | None = None) -> Iterator[list[tuple[int, str]]]:
    """(id, CSV line without its end) of the same rows, rendered by SQLite."""
    return _batches(conn, ids, line_sql)


def _batches(conn: Any, ids: Iterable[int] | None, sql_of: Any) -> Iterator[list[tuple]]:
    if ids is None:
        cursor = conn.execute(sql_of(conn) + " ORDER BY customers.id")
        while batch := cursor.fetchmany(BATCH):
            yield batch
        return
    sql = sql_of(conn, f"WHERE customer_id IN {_IDS}") + f" WHERE customers.id IN {_IDS}"
    for chunk in _chunks(ids):
        by_id = {r[0]: r for r in conn.execute(sql, {"ids": json.dumps(chunk)})}
        yield [by_id[i] for i in chunk if i in by_id]


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
    vcard_version: str = "3.0",
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
            from custinfo.export.vcard import batches, write_vcards

            return write_vcards(out, batches(records), vcard_version, labels=store.labels)
        return write_json(out, with_records(conn, records), lines=fmt is ExportFormat.ndjson)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


def write_csv(conn: Any, out: TextIO, ids: Iterable[int] | None, *, excel: bool = False) -> int:
    """CSV with the CUSTOMER_FIELDS header, then a `field:KEY` column per custom field;
    `excel` adds a BOM, CRLF and formula guards (cell by cell; otherwise SQLite renders
    each line, `csv_lines`)."""
    from custinfo.export import fields

    custom = fields.csv_catalog(conn)  # custom fields: one column each, after the fixed ones
    header = [*CUSTOMER_FIELDS, *fields.csv_header(custom)]
    count = 0
    if excel:
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for batch in csv_batches(conn, ids):
            if len(custom):
                batch = fields.csv_extend(conn, custom, batch)
            writer.writerows([(r[0], *map(neutralize, r[1:13]), *r[13:]) for r in batch])
            count += len(batch)
        return count
    out.write(",".join(map(quote, header)) + "\n")
    for batch in csv_lines(conn, ids):
        lines = [line for _, line in batch]
        if len(custom):
            lines = fields.lines_extend(conn, custom, [r[0] for r in batch], lines)
        out.write("\n".join(lines) + "\n")
        count += len(lines)
    return count


def with_records(conn: Any, customers: Iterable[Customer]) -> Iterator[dict[str, Any]]:
    """Each customer's JSON (that of `show --format json`), then `records`: the rows of
    every record kind the customer JSON does not show (orders, follow-ups, consents, ...),
    as `subject` lists them. Loaded a batch at a time."""
    from itertools import islice

    from custinfo.store.records import public_records

    it = iter(customers)
    while shown := [c.to_dict() for c in islice(it, BATCH)]:
        extra = public_records(conn, [c["id"] for c in shown], shown[0].keys())
        for obj in shown:
            obj["records"] = extra[obj["id"]]
            yield obj


def write_json(out: TextIO, records: Iterable[dict[str, Any]], *, lines: bool) -> int:
    """NDJSON (one object a line) or a JSON array with one object a line."""
    count = 0
    if not lines:
        out.write("[")
    for obj in records:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
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
