"""The import's insert path: many validated customers in a few `executemany` calls.

Only the write gate calls it (`Write.insert_bulk`). It writes exactly the rows
`Write.add_customer` would write for each customer, plus their export cells, computed from
the row values (no read-back; see `custinfo.export.cells`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any, NamedTuple

from custinfo.store import records
from custinfo.store.db import Connection


class BulkCustomer(NamedTuple):
    """One validated customer for the bulk insert (plain tuples: cheap to pickle)."""

    name: str
    company: str | None
    address: str | None
    city: str | None
    birthday: str | None
    created_at: str
    updated_at: str
    phones: tuple[tuple[str, str], ...]  # (e164, ext or "")
    emails: tuple[tuple[str, str], ...]  # (address, key)
    tags: tuple[str, ...]
    notes: tuple[tuple[str, str], ...]  # (at, text)
    handles: tuple[tuple[str, str], ...] = ()  # (kind, handle): `records.IM_HANDLES`
    labels: tuple[tuple[str, str, str], ...] = ()  # (kind, value, label): CONTACT_LABELS


def insert_rows(
    conn: Connection, rows: Sequence[Any], *, source: str, tag_ids: dict[str, int]
) -> range:
    """Insert `rows` (`BulkCustomer`s or records with the same attribute names) inside the
    caller's transaction. Ids are assigned consecutively after the highest id ever used;
    returns them. `tag_ids` caches tag ids per spelling across calls."""
    from custinfo.export.cells import bulk_cells

    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'customers'").fetchone()
    top = conn.execute("SELECT max(id) FROM customers").fetchone()[0] or 0
    first = max(top, row[0] if row else 0) + 1
    ids = range(first, first + len(rows))

    def tag(name: str) -> int:
        if name not in tag_ids:  # cached per spelling; tag_id matches case-insensitively
            tag_ids[name] = records.tag_id(conn, name)  # type: ignore[assignment]
        return tag_ids[name]

    row_tags = [[tag(t) for t in r.tags] for r in rows]
    cells = bulk_cells(conn, rows, row_tags)
    conn.executemany(
        "INSERT INTO customers(id, name, company, address, city, birthday, source, created_at,"
        " updated_at, phones_cell, emails_cell, notes_cell)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((i, r.name, r.company, r.address, r.city, r.birthday, source, r.created_at,
          r.updated_at, c[0], c[1], c[3]) for i, r, c in zip(ids, rows, cells, strict=True)),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO tag_cells(customer_id, cell) VALUES (?, ?)",
        ((i, c[2]) for i, c in zip(ids, cells, strict=True) if c[2]),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO phones(customer_id, e164, ext) VALUES (?, ?, ?)",
        ((i, e164, ext) for i, r in zip(ids, rows, strict=True) for e164, ext in r.phones),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO emails(customer_id, address, key) VALUES (?, ?, ?)",
        ((i, a, k) for i, r in zip(ids, rows, strict=True) for a, k in r.emails),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) VALUES (?, ?)",
        [(i, t) for i, tags in zip(ids, row_tags, strict=True) for t in tags],
    )
    conn.executemany(
        "INSERT INTO notes(customer_id, at, text) VALUES (?, ?, ?)",
        ((i, at, text) for i, r in zip(ids, rows, strict=True) for at, text in r.notes),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO im_handles(customer_id, kind, handle) VALUES (?, ?, ?)",
        ((i, *h) for i, r in zip(ids, rows, strict=True) for h in getattr(r, "handles", ())),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO contact_labels(customer_id, kind, value, label) VALUES (?, ?, ?, ?)",
        ((i, *x) for i, r in zip(ids, rows, strict=True) for x in getattr(r, "labels", ())),
    )
    from custinfo.store import fields

    fields.insert_bulk(conn, ids, rows)  # custom field values, for rows that have them
    return ids


class IdRanges:
    """The ids an import inserted, as ascending runs: `insert_rows` assigns consecutive ids,
    so 1M ids take a few runs instead of 8 MB."""

    def __init__(self) -> None:
        self.runs: list[range] = []
        self.starts: list[int] = []
        self.total = 0

    def add(self, ids: range) -> None:
        if not ids:
            return
        if self.runs and self.runs[-1].stop == ids.start:
            self.runs[-1] = range(self.runs[-1].start, ids.stop)
        else:
            self.runs.append(ids)
            self.starts.append(ids.start)
        self.total += len(ids)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[int]:
        return chain.from_iterable(self.runs)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        index = bisect.bisect_right(self.starts, value) - 1
        return index >= 0 and value in self.runs[index]


class KeyOrdered:
    """Rows for derived tables whose keys are random (hashes, reversed phone digits, folded
    names), held back during a bulk insert and written in key order once enough are held.

    Row by row, each insert into such a tree lands on a random page, and once the tree
    outgrows the page cache nearly every insert reads and writes a page of its own. Sorted,
    a batch walks the tree from one end to the other, and its new entries in the
    customer-id index all fall at that index's end. Readers that need the rows before
    they are written call `flush` (the write gate does before derived data is updated).
    Integer pairs (dedupe keys) are held as two machine-integer arrays, 16 bytes a row.
    A small database needs none of it (its trees fit the cache): the write gate holds rows
    only once the customers' ids pass `FROM_CUSTOMERS`.
    """

    #: Rows are held for bulk inserts of customers with ids above this.
    FROM_CUSTOMERS = 200_000

    #: Integer pairs held per table before they are written (4 MiB; at 4.4 dedupe keys a
    #: customer, about 60k customers). Larger batches walk the key tree less often, but
    #: their entries in the customer-id index then spread over more pages than the cache
    #: holds: at 1M customers, batches of 1M keys were slower (140 s in all) than these.
    PAIRS_LIMIT = 1 << 18
    #: Other rows held per table (Python tuples, a few hundred bytes each).
    ROWS_LIMIT = 1 << 15

    def __init__(self) -> None:
        self.pairs: dict[str, tuple[Any, Any]] = {}  # sql -> (first column, second column)
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self._batches: dict[str, int] = {}  # table -> batches written

    def batches(self, table: str) -> int:
        """How many batches of `table`'s rows were written; -1 while none of its rows is
        held (readers' caches of held rows check it)."""
        held = any(
            len(rows[0] if sql in self.pairs else rows) and _table(sql) == table
            for sql, rows in (*self.pairs.items(), *self.rows.items())
        )
        return self._batches.get(table, 0) if held else -1

    def add_pairs(self, conn: Connection, sql: str, pairs: Sequence[tuple[int, int]]) -> None:
        """Hold integer (key, customer id) rows of `sql`, an INSERT of two values."""
        from array import array

        if sql not in self.pairs:
            self.pairs[sql] = (array("q"), array("q"))
        first, second = self.pairs[sql]
        for a, b in pairs:
            first.append(a)
            second.append(b)
        if len(first) >= self.PAIRS_LIMIT:
            self._write(conn, sql)

    def add(self, conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Hold rows of `sql`; they are written sorted as tuples (text in code-point
        order, which is SQLite's BINARY order of their UTF-8)."""
        held = self.rows.setdefault(sql, [])
        held.extend(rows)
        if len(held) >= self.ROWS_LIMIT:
            self._write(conn, sql)

    def flush(self, conn: Connection) -> None:
        """Write every held row, each table in key order."""
        for sql in [*self.pairs, *self.rows]:
            self._write(conn, sql)

    def _write(self, conn: Connection, sql: str) -> None:
        if sql in self.pairs:
            first, second = self.pairs[sql]
            if not first:
                return
            _write_pairs(conn, sql, first, second)
            del first[:], second[:]
        else:
            rows = self.rows[sql]
            if not rows:
                return
            rows.sort()
            conn.executemany(sql, rows)
            rows.clear()
        table = _table(sql)
        self._batches[table] = self._batches.get(table, 0) + 1


def _table(sql: str) -> str:
    """The table of an `INSERT [OR …] INTO table(…)` statement."""
    return sql.split(" INTO ", 1)[1].split("(", 1)[0].strip()


def _write_pairs(conn: Connection, sql: str, first: Any, second: Any) -> None:
    """Integer rows in (first, second) order, sorted as one integer per row (the first
    value offset to be non-negative, then shifted past any customer id)."""
    offset, shift = 1 << 63, 40
    order = sorted(((a + offset) << shift) | b for a, b in zip(first, second, strict=True))
    mask = (1 << shift) - 1
    step = 1 << 14
    for start in range(0, len(order), step):
        part = order[start : start + step]
        conn.executemany(sql, [((v >> shift) - offset, v & mask) for v in part])
