"""Derived data hook: keeps the `dedupe_keys` table in step with customer writes.

Kept in step by the write gate (`store.derived`; `DedupeKeys` below) inside the writing
transaction. Keys are the stable
64-bit hashes of `custinfo.dedupe.normalize.blocking_keys` (phones and emails are matched
through their own indexed tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

_CHUNK = 2000
#: Keys of bulk-inserted customers held back and then written in key order (`KeyBuffer`):
#: about 12 MB, some 70,000 imported customers' worth.
BUFFER = 250_000
_NAME_KIND = 1  # `normalize.KEY_KINDS["n"]`, the low 3 bits of a name key's hash
_OFFSET = 1 << 63  # signed 64-bit hash -> non-negative, order kept
_INSERT = "INSERT OR IGNORE INTO dedupe_keys(key, customer_id) VALUES (?, ?)"


def derive(
    name: str, birthday: str | None, email_keys: Iterable[str], address: str | None,
    city: str | None,
) -> tuple[int, ...]:  # fmt: skip
    """One customer's key hashes from its stored values (pure: import workers run it)."""
    from custinfo.dedupe.normalize import blocking_keys, stable_hash

    keys = blocking_keys(name, birthday, list(email_keys), address, city)
    return tuple(sorted({stable_hash(key) for key in keys}))


def derive_row(row: Any) -> tuple[int, ...]:
    """`derive` for a validated import row (`importer.rows.Valid`)."""
    return derive(row.name, row.birthday, [key for _, key in row.emails], row.address, row.city)


def store_derived(conn: Any, items: list[tuple[int, tuple[int, ...]]]) -> None:
    """Insert the keys of freshly inserted customers."""
    conn.executemany(_INSERT, [(key, cid) for cid, keys in items for key in keys])


class KeyBuffer:
    """`store_derived` for a whole import: the keys land on random pages of the
    `(key, customer_id)` tree, which outgrows the page cache near 1M customers, so all but
    the name keys are held back (packed into one int each) and written sorted, in batches
    of `BUFFER`: each batch then walks the tree once in order. Name keys are written at
    once, because the import reads them back (`importer.same`: customers without phone or
    email). The write gate flushes the buffer before the write ends, inside its transaction,
    so the table ends up exactly as `store_derived` leaves it."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.packed: list[int] = []

    def store(self, items: list[tuple[int, tuple[int, ...]]]) -> None:
        now: list[tuple[int, int]] = []
        packed = self.packed
        for cid, keys in items:
            for key in keys:
                if key & 7 == _NAME_KIND or cid >> 32:
                    now.append((key, cid))
                else:
                    packed.append(((key + _OFFSET) << 32) | cid)
        self.conn.executemany(_INSERT, now)
        if len(packed) >= BUFFER:
            self.flush()

    def flush(self) -> None:
        packed = self.packed
        packed.sort()
        mask = (1 << 32) - 1
        self.conn.executemany(_INSERT, (((p >> 32) - _OFFSET, p & mask) for p in packed))
        packed.clear()


def key_rows(conn: Any, ids: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(key hash, customer id) rows for these customers."""
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        emails: dict[int, list[str]] = {}
        for cid, key in conn.execute(
            f"SELECT customer_id, key FROM emails WHERE customer_id IN ({marks})", chunk
        ):
            emails.setdefault(cid, []).append(key)
        for cid, name, birthday, address, city in conn.execute(
            f"SELECT id, name, birthday, address, city FROM customers WHERE id IN ({marks})",
            chunk,
        ).fetchall():
            for key in derive(name, birthday, emails.get(cid, ()), address, city):
                yield key, cid


def changed(conn: Any, ids: Sequence[int]) -> None:
    removed(conn, ids)
    conn.executemany(
        "INSERT OR IGNORE INTO dedupe_keys(key, customer_id) VALUES (?, ?)", key_rows(conn, ids)
    )


def removed(conn: Any, ids: Sequence[int]) -> None:
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM dedupe_keys WHERE customer_id IN ({marks})", chunk)


def bulk_end(conn: Any, ids: Sequence[int]) -> None:
    """Keys for freshly inserted customers (no old rows to delete)."""
    conn.executemany(
        "INSERT OR IGNORE INTO dedupe_keys(key, customer_id) VALUES (?, ?)", key_rows(conn, ids)
    )


def rebuild(conn: Any) -> None:
    """Recompute every customer's keys (migration of an older database)."""
    conn.execute("DELETE FROM dedupe_keys")
    ids = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    bulk_end(conn, ids)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    items = list(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class DedupeKeys:
    """The dedupe blocking keys as derived data of the write gate (`store.derived`)."""

    name = "dedupe keys"
    depends = frozenset({"customer", "emails"})
    writes = ("dedupe_keys",)

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        changed(conn, ids)

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        removed(conn, ids)

    def rebuild(self, conn: Any) -> None:
        rebuild(conn)

    def derive_row(self, row: Any) -> tuple[int, ...]:
        return derive_row(row)

    def store_derived(self, conn: Any, items: list[tuple[int, tuple[int, ...]]]) -> None:
        store_derived(conn, items)

    def buffer(self, conn: Any) -> KeyBuffer:
        """`store_derived` across one write's bulk inserts (see `KeyBuffer`)."""
        return KeyBuffer(conn)


DEDUPE_KEYS = DedupeKeys()
