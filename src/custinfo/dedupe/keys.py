"""Derived data hook: keeps `dedupe_keys` and `dedupe_forms` in step with customer writes.

Kept in step by the write gate (`store.derived`; `DedupeKeys` below) inside the writing
transaction. Keys are the stable 64-bit hashes of `custinfo.dedupe.normalize.blocking_keys`
(phones and emails are matched through their own indexed tables), one indexed row per key
(`likely_duplicates`, the import's duplicate check). `dedupe_forms` holds one row per
customer for the full dedupe run (`custinfo.dedupe.forms` reads it): the matching forms
(`customer_forms`) and the same key hashes, packed so that a run reads 100,000 customers
as a few strings (no SQL function call per value).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from custinfo.dedupe import normalize as nz

if TYPE_CHECKING:
    from custinfo.store.bulk import KeyOrdered

_CHUNK = 2000

#: `dedupe_forms.texts`: these forms joined by U+001F (validation keeps control characters
#: out of stored text, and the forms are folded text), then the name, city and birthday as
#: stored (the words of the reasons).
FORM_TEXTS = ("name", "first", "last", "family", "surname", "address", "company", "city",
              "typed_name", "typed_city", "typed_birthday")  # fmt: skip
#: `dedupe_forms.codes`: script (1: Chinese characters), number of name tokens, number of
#: key hashes in `dedupe_forms.keys` (little-endian int64 each), birthday as YYYYMMDD, and
#: the `form_hash` of: name key, name as stored, address key, house number, company key,
#: city key, city as stored, birthday (little-endian, packed: `forms.CODES` reads it).
FORM_HASHES = ("h_name", "h_raw", "h_address", "h_house", "h_company", "h_city", "h_typed_city",
               "h_birthday")  # fmt: skip
_CODES = struct.Struct(f"<BHIi{len(FORM_HASHES)}q")
_INSERT_KEY = "INSERT OR IGNORE INTO dedupe_keys(key, customer_id) VALUES (?, ?)"
_DELETE_KEY = "DELETE FROM dedupe_keys WHERE key = ? AND customer_id = ?"
_INSERT_FORMS = (
    "INSERT OR REPLACE INTO dedupe_forms(customer_id, texts, codes, keys) VALUES (?, ?, ?, ?)"
)
Forms = tuple[str, bytes, bytes]  # (texts, codes, keys) of one customer
Derived = tuple[tuple[int, ...], Forms]  # (key hashes, forms)


def derive(
    name: str, birthday: str | None, email_keys: Iterable[str], address: str | None,
    city: str | None,
) -> tuple[int, ...]:  # fmt: skip
    """One customer's key hashes from its stored values (pure: import workers run it)."""
    from custinfo.dedupe.normalize import blocking_keys, stable_hash

    keys = blocking_keys(name, birthday, list(email_keys), address, city)
    return tuple(sorted({stable_hash(key) for key in keys}))


@lru_cache(maxsize=1 << 12)  # cities, birthdays, companies repeat (addresses do not: kept small)
def form_hash(text: str | None) -> int:
    """A stable 63-bit hash of a form, 0 for none (the same in every process)."""
    if not text:
        return 0
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "little") >> 1) or 1


def day_number(birthday: str | None) -> int:
    """A birthday as the number YYYYMMDD (as `Table.prepare` reads it), 0 for none."""
    try:
        return int(birthday.replace("-", "")) if birthday else 0
    except ValueError:
        return 0


def customer_forms(
    name: str, address: str | None, city: str | None, company: str | None,
    birthday: str | None, keys: tuple[int, ...],
) -> Forms:  # fmt: skip
    """One customer's stored matching forms (FORM_TEXTS, codes; the name's forms as
    `forms.name_forms` computes them, the others as `forms.place_forms`) and key hashes.
    Pure: import workers run it."""
    typed = nz.name_tokens(name) if name else ()
    key = nz.name_key(name) if name else ""
    tokens = key.split() or [""]
    place = nz.address_key(address, city) if address else ""
    company_key, city_key = nz.company_key(company), nz.city_key(city)
    family = typed[0] if typed else ""
    surname = nz.surname_token(name, typed or ("",)) if name else ""
    texts = "\x1f".join((key, tokens[0], tokens[-1], family, surname, place, company_key,
                         city_key, name, city or "", birthday or ""))  # fmt: skip
    codes = _CODES.pack(
        int(bool(name) and nz.has_cjk(name)), min(len(tokens), 0xFFFF), len(keys),
        day_number(birthday), form_hash(key), form_hash(name), form_hash(place),
        form_hash(nz.house_number(address)), form_hash(company_key), form_hash(city_key),
        form_hash(city), form_hash(birthday),
    )  # fmt: skip
    return texts, codes, struct.pack(f"<{len(keys)}q", *keys)


def derive_row(row: Any) -> Derived:
    """Keys and forms of a validated import row (`importer.rows.Valid`)."""
    keys = derive(row.name, row.birthday, [key for _, key in row.emails], row.address, row.city)
    forms = customer_forms(row.name, row.address, row.city, row.company, row.birthday, keys)
    return keys, forms


def store_derived(
    conn: Any, items: list[tuple[int, Derived]], later: KeyOrdered | None = None
) -> None:
    """Insert the keys and forms of freshly inserted customers; with `later` (a
    `store.bulk.KeyOrdered`), the keys are held there and written in key order."""
    pairs = [(key, cid) for cid, (keys, _) in items for key in keys]
    if later is None:
        conn.executemany(_INSERT_KEY, pairs)
    else:
        later.add_pairs(conn, _INSERT_KEY, pairs)
    conn.executemany(_INSERT_FORMS, [(cid, *forms) for cid, (_, forms) in items])


def rows(conn: Any, ids: Sequence[int]) -> Iterator[tuple[int, Derived]]:
    """(customer id, (key hashes, forms)) for these customers."""
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        emails: dict[int, list[str]] = {}
        for cid, key in conn.execute(
            f"SELECT customer_id, key FROM emails WHERE customer_id IN ({marks})", chunk
        ):
            emails.setdefault(cid, []).append(key)
        for cid, name, birthday, address, city, company in conn.execute(
            "SELECT id, name, birthday, address, city, company FROM customers "
            f"WHERE id IN ({marks})",
            chunk,
        ).fetchall():
            keys = derive(name, birthday, emails.get(cid, ()), address, city)
            yield cid, (keys, customer_forms(name, address, city, company, birthday, keys))


def changed(conn: Any, ids: Sequence[int]) -> None:
    removed(conn, ids)
    bulk_end(conn, ids)


def removed(conn: Any, ids: Sequence[int]) -> None:
    """Delete these customers' keys and forms. `dedupe_keys` has no customer-id index
    (v18): each customer's keys are read from its forms and deleted by primary key."""
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        forms = conn.execute(
            f"SELECT customer_id, keys FROM dedupe_forms WHERE customer_id IN ({marks})", chunk
        ).fetchall()
        conn.executemany(
            _DELETE_KEY, [(key, cid) for cid, packed in forms for key in unpack_keys(packed)]
        )
        conn.execute(f"DELETE FROM dedupe_forms WHERE customer_id IN ({marks})", chunk)


def orphans(conn: Any) -> int:
    """How many customers that do not exist have keys (0 in a healthy database)."""
    return conn.execute(
        "SELECT count(DISTINCT customer_id) FROM dedupe_keys "
        "WHERE NOT EXISTS (SELECT 1 FROM customers WHERE id = customer_id)"
    ).fetchone()[0]


def unpack_keys(packed: bytes) -> tuple[int, ...]:
    """The key hashes of a `dedupe_forms.keys` value."""
    return struct.unpack(f"<{len(packed) // 8}q", packed)


def fill_from_forms(conn: Any, table: str) -> None:
    """Write every customer's key hashes, read from its forms, into `table` (a
    `dedupe_keys` table, empty) in key order (migration v18)."""
    if conn.execute("SELECT 1 FROM dedupe_forms LIMIT 1").fetchone() is None:
        return  # a new database: numpy stays unimported
    import numpy as np

    key_parts, id_parts = [], []
    last = 0
    while rows := conn.execute(
        "SELECT customer_id, keys FROM dedupe_forms WHERE customer_id > ? "
        "ORDER BY customer_id LIMIT 100000",
        (last,),
    ).fetchall():
        last = rows[-1][0]
        key_parts.append(np.frombuffer(b"".join(p for _, p in rows), dtype="<i8"))
        counts = [len(p) // 8 for _, p in rows]
        id_parts.append(np.repeat(np.array([c for c, _ in rows], dtype=np.int64), counts))
    if not key_parts:
        return
    keys, ids = np.concatenate(key_parts), np.concatenate(id_parts)
    order = np.lexsort((ids, keys))
    keys, ids = keys[order], ids[order]
    sql = f"INSERT OR IGNORE INTO {table}(key, customer_id) VALUES (?, ?)"
    step = 1 << 16
    for start in range(0, len(keys), step):
        part = slice(start, start + step)
        conn.executemany(sql, zip(keys[part].tolist(), ids[part].tolist(), strict=True))


def bulk_end(conn: Any, ids: Sequence[int]) -> None:
    """Keys and forms for freshly inserted customers (no old rows to delete)."""
    for chunk in _chunks(ids):
        store_derived(conn, list(rows(conn, chunk)))


def rebuild(conn: Any) -> None:
    """Recompute every customer's keys, and forms once their table exists (the migrations
    before v16 rebuild keys only)."""
    has_forms = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'dedupe_forms'"
    ).fetchone()[0]
    conn.execute("DELETE FROM dedupe_keys")
    if has_forms:
        conn.execute("DELETE FROM dedupe_forms")
    ids = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    for chunk in _chunks(ids):
        items = list(rows(conn, chunk))
        conn.executemany(_INSERT_KEY, [(key, cid) for cid, (keys, _) in items for key in keys])
        if has_forms:
            conn.executemany(_INSERT_FORMS, [(cid, *forms) for cid, (_, forms) in items])


def rebuild_forms(conn: Any) -> None:
    """Recompute every customer's forms (the keys stay as they are)."""
    conn.execute("DELETE FROM dedupe_forms")
    ids = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    for chunk in _chunks(ids):
        conn.executemany(_INSERT_FORMS, [(cid, *forms) for cid, (_, forms) in rows(conn, chunk)])


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    items = list(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class DedupeKeys:
    """The dedupe blocking keys and matching forms as derived data of the write gate
    (`store.derived`)."""

    name = "dedupe keys"
    depends = frozenset({"customer", "emails"})
    writes = ("dedupe_keys", "dedupe_forms")

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        changed(conn, ids)

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        removed(conn, ids)

    def rebuild(self, conn: Any) -> None:
        rebuild(conn)

    def derive_row(self, row: Any) -> Derived:
        return derive_row(row)

    def store_derived(
        self, conn: Any, items: list[tuple[int, Derived]], later: KeyOrdered | None = None
    ) -> None:
        store_derived(conn, items, later)


DEDUPE_KEYS = DedupeKeys()
