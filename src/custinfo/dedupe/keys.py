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
    conn.executemany(
        "INSERT OR IGNORE INTO dedupe_keys(key, customer_id) VALUES (?, ?)",
        [(key, cid) for cid, keys in items for key in keys],
    )


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


DEDUPE_KEYS = DedupeKeys()
