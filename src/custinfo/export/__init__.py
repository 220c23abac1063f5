"""Export customers as CSV, JSON, NDJSON or vCard (3.0, or 4.0), streaming with flat memory.

CSV comes from one streaming SELECT over `customers`, whose stored export cells
(`custinfo.export.cells`) hold the multi-valued fields already joined and escaped in the
`custinfo.export.tabular` format, so Python only moves rows to `csv.writer`. JSON, NDJSON and
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

from custinfo.export.tabular import neutralize
from custinfo.models import CUSTOMER_FIELDS, Customer

BATCH = 2000
EXPORT_CACHE_KIB = 4096
_CHUNK = 500


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"


#: The CSV row of a customer, straight from `customers`: the multi-valued cells are stored
#: there already joined and escaped (`custinfo.export.cells`), so a CSV export is one
#: sequential scan with no join, grouping or sorting.
#: The activity columns come from the narrow derived `customer_activity` (a rowid lookup).
_HANDLES = """coalesce((SELECT group_concat(handle, ';' ORDER BY id) FROM im_handles
  WHERE customer_id = customers.id AND kind = '{kind}'), '')"""
_CSV = f"""SELECT id, name, phones_cell, emails_cell, coalesce(company, ''),
  coalesce(address, ''), coalesce(city, ''), coalesce(birthday, ''), coalesce(cell, ''),
  notes_cell, source, created_at, updated_at, {_HANDLES.format(kind="wechat")},
  {_HANDLES.format(kind="qq")}, coalesce(a.order_count, 0), {{total}},
  coalesce(a.last_order_at, ''), coalesce(a.last_contact_at, '')
  FROM customers LEFT JOIN tag_cells ON tag_cells.customer_id = customers.id
  LEFT JOIN customer_activity a ON a.customer_id = customers.id"""


def _csv_sql(conn: Any) -> str:
    from custinfo.activity.aggregates import currency
    from custinfo.money import sql_text

    return _CSV.format(total=sql_text("coalesce(a.spent, 0)", currency(conn)))


def csv_batches(conn: Any, ids: Iterable[int] | None = None) -> Iterator[list[tuple]]:
    """Flat rows in CUSTOMER_FIELDS order (the id and order count are ints, every other
    cell a str), in batches: everyone in id order from one streaming SELECT, or `ids` in
    the order given."""
    sql = _csv_sql(conn)
    if ids is None:
        cursor = conn.execute(sql + " ORDER BY id")
        while batch := cursor.fetchmany(BATCH):
            yield batch
        return
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        by_id = {r[0]: r for r in conn.execute(sql + f" WHERE id IN ({marks})", chunk)}
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
    `excel` adds a BOM, CRLF and formula guards."""
    if excel:
        out.write("\ufeff")
    from custinfo.export import fields

    writer = csv.writer(out, lineterminator="\r\n" if excel else "\n")
    custom = fields.csv_catalog(conn)  # custom fields: one column each, after the fixed ones
    writer.writerow([*CUSTOMER_FIELDS, *fields.csv_header(custom)])
    count = 0
    for batch in csv_batches(conn, ids):
        if len(custom):
            batch = fields.csv_extend(conn, custom, batch)
        if excel:
            batch = [(r[0], *(neutralize(cell) for cell in r[1:13]), *r[13:]) for r in batch]
        writer.writerows(batch)
        count += len(batch)
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
