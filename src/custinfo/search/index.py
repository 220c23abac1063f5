"""The search index: derived tables kept in step with customers by the write gate
(`store.derived`; `SearchIndex` below).

- `search_docs`: per customer, the case-folded text of name, company, city and "other"
  (address, notes and messenger handles: WeChat ids, QQ numbers). Used to verify candidate
  matches and to rank them.
- `search_fts`: a contentless FTS5 table (detail=none, no column sizes, secure-delete on)
  over tokens we cut ourselves from each run of letters and digits: every 3-character
  substring (trigram), the last 2 characters and the last character of the run. Any
  substring of 3+ characters is found through its trigrams; a 1- or 2-character one
  (王, 张伟, 上海) with a prefix query `"x"*` / `"xy"*`, which matches the trigrams starting
  with it and the run-final bigram/character, so every occurrence is found. Candidates
  are then verified with `instr` on `search_docs`.
- `search_phones` / `search_emails`: reversed phone digits and reversed email keys, so a
  phone suffix or an email domain becomes an indexed prefix range.

Deleting from the FTS table uses the FTS5 'delete' command with the tokens regenerated
from `search_docs`; with secure-delete on, a removed customer's tokens leave the index
segments at once (nothing is left for forensic recovery). The token function must
therefore never change without a migration that rebuilds the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from custinfo.text import fold

if TYPE_CHECKING:
    from custinfo.store.bulk import KeyOrdered

_CHUNK = 500
# Runs of letters and digits (str.isalnum) are what FTS5's unicode61 tokenizer keeps too.
_RUN = re.compile(r"[^\W_]+")

#: Everything the migration creates (also used by `rebuild`).
TABLES = ("search_docs", "search_phones", "search_emails")


def runs(text: str) -> list[str]:
    """Maximal runs of letters/digits in already-folded text."""
    return _RUN.findall(text)


def tokens_of(*fields: str) -> str:
    """The FTS document for folded fields: trigrams and run-final bigrams, space-separated."""
    seen: dict[str, None] = {}
    for value in fields:
        for run in _RUN.findall(value):
            n = len(run)
            for i in range(n - 2):
                seen[run[i : i + 3]] = None
            if n >= 2:
                seen[run[n - 2 :]] = None
            seen[run[n - 1]] = None
    return " ".join(seen)


def phone_rev(e164: str) -> str:
    """Reversed digits of an E.164 number (a suffix becomes a prefix)."""
    return "".join(ch for ch in reversed(e164) if ch.isdigit())


def email_rev(key: str) -> str:
    return key[::-1]


Derived = tuple[tuple[str, str, str, str], str, tuple[str, ...], tuple[str, ...]]


def derive(
    name: str, company: str | None, address: str | None, city: str | None,
    notes: Iterable[str], e164s: Iterable[str], email_keys: Iterable[str],
    handles: Iterable[str] = (),
) -> Derived:  # fmt: skip
    """One customer's index entries from its stored values (notes and messenger handles in
    id order): the folded document, its FTS tokens, reversed phone digits and reversed email
    keys. Pure, so the import computes it in its validating workers."""
    other = "\n".join([address or "", *notes, *handles])
    doc = (fold(name), fold(company or ""), fold(city or ""), _fold_lines(other))
    return (doc, tokens_of(*doc), tuple(dict.fromkeys(map(phone_rev, e164s))),
            tuple(dict.fromkeys(map(email_rev, email_keys))))  # fmt: skip


def derive_row(row: Any) -> Derived:
    """`derive` for a validated import row (`importer.rows.Valid`)."""
    return derive(row.name, row.company, row.address, row.city,
                  [text for _, text in row.notes], [e164 for e164, _ in row.phones],
                  [key for _, key in row.emails],
                  [handle for _, handle in getattr(row, "handles", ())])  # fmt: skip


def store_derived(
    conn: Any, items: list[tuple[int, Derived]], later: KeyOrdered | None = None
) -> None:
    """Insert the entries of freshly inserted customers (none indexed yet); with `later`
    (a `store.bulk.KeyOrdered`), the documents, reversed phones and emails are held there
    and written in key order."""
    write = conn.executemany if later is None else partial(later.add, conn)
    write(  # in name order when held: the rows' order is their `search_docs_name` order
        "INSERT INTO search_docs(name, company, city, other, customer_id) VALUES (?, ?, ?, ?, ?)",
        [(*d[0], cid) for cid, d in items],
    )
    conn.executemany(
        "INSERT INTO search_fts(rowid, doc) VALUES (?, ?)", [(cid, d[1]) for cid, d in items]
    )
    write(
        "INSERT OR IGNORE INTO search_phones(rev, customer_id) VALUES (?, ?)",
        [(rev, cid) for cid, d in items for rev in d[2]],
    )
    write(
        "INSERT OR IGNORE INTO search_emails(rev, customer_id) VALUES (?, ?)",
        [(rev, cid) for cid, d in items for rev in d[3]],
    )


# -- derived-data events ----------------------------------------------------------------
def changed(conn: Any, ids: Sequence[int]) -> None:
    """Customers were added or changed: re-index them (inside the caller's transaction)."""
    for chunk in _chunks(ids):
        _drop(conn, chunk)
        _index(conn, chunk)


#: From this many removed customers on (a purge sweep), per-document secure-delete is slower
#: than deleting plainly and then merging the whole index ('optimize'), which rewrites it
#: without the deleted entries; the old segments' pages are freed, and zeroed because
#: PRAGMA secure_delete is on. 20k of 200k: 64 s per document, 4 s in bulk.
BULK_REMOVE = 1000


def removed(conn: Any, ids: Sequence[int]) -> None:
    """Customers are about to be deleted: erase their index entries (secure-delete)."""
    bulk = len(ids) >= BULK_REMOVE
    if bulk:
        conn.execute("INSERT INTO search_fts(search_fts, rank) VALUES('secure-delete', 0)")
    for chunk in _chunks(ids):
        _drop(conn, chunk)
    if bulk:
        conn.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
        conn.execute("INSERT INTO search_fts(search_fts, rank) VALUES('secure-delete', 1)")


def bulk_end(conn: Any, ids: Sequence[int]) -> None:
    """A bulk load inserted `ids`: index them in batches."""
    changed(conn, ids)


def rebuild(conn: Any) -> int:
    """Index every customer from scratch (migration, repair); returns how many."""
    conn.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    count = 0
    last = 0
    while True:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT 5000", (last,)
            )
        ]
        if not ids:
            return count
        for chunk in _chunks(ids):
            _index(conn, chunk)
        count += len(ids)
        last = ids[-1]


# -- internals ----------------------------------------------------------------------------
def _drop(conn: Any, ids: list[int]) -> None:
    marks = ",".join("?" * len(ids))
    old = conn.execute(
        f"SELECT customer_id, name, company, city, other FROM search_docs "
        f"WHERE customer_id IN ({marks})",
        ids,
    ).fetchall()
    conn.executemany(
        "INSERT INTO search_fts(search_fts, rowid, doc) VALUES('delete', ?, ?)",
        ((r[0], tokens_of(r[1], r[2], r[3], r[4])) for r in old),
    )
    for table in TABLES:
        conn.execute(f"DELETE FROM {table} WHERE customer_id IN ({marks})", ids)


def _index(conn: Any, ids: list[int]) -> None:
    marks = ",".join("?" * len(ids))
    notes: dict[int, list[str]] = {}
    for cid, text in conn.execute(
        f"SELECT customer_id, text FROM notes WHERE customer_id IN ({marks}) ORDER BY id", ids
    ):
        notes.setdefault(cid, []).append(text)
    phones: dict[int, list[str]] = {}
    for cid, e164 in conn.execute(
        f"SELECT customer_id, e164 FROM phones WHERE customer_id IN ({marks})", ids
    ).fetchall():
        phones.setdefault(cid, []).append(e164)
    emails: dict[int, list[str]] = {}
    for cid, key in conn.execute(
        f"SELECT customer_id, key FROM emails WHERE customer_id IN ({marks})", ids
    ).fetchall():
        emails.setdefault(cid, []).append(key)
    handles: dict[int, list[str]] = {}
    if _has_handles(conn):  # not yet while migrations before "contacts" rebuild the index
        for cid, handle in conn.execute(
            f"SELECT customer_id, handle FROM im_handles WHERE customer_id IN ({marks}) "
            "ORDER BY id",
            ids,
        ).fetchall():
            handles.setdefault(cid, []).append(handle)
    rows = conn.execute(
        f"SELECT id, name, company, address, city FROM customers WHERE id IN ({marks})", ids
    ).fetchall()
    items = []
    for cid, name, company, address, city in rows:
        values = (notes.get(cid, ()), phones.get(cid, ()), emails.get(cid, ()),
                  handles.get(cid, ()))  # fmt: skip
        items.append((cid, derive(name, company, address, city, *values)))
    store_derived(conn, items)


def _has_handles(conn: Any) -> bool:
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'im_handles'")
        .fetchone() is not None
    )  # fmt: skip


def _fold_lines(text: str) -> str:
    return "\n".join(fold(line) for line in text.split("\n") if line.strip())


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = list(dict.fromkeys(ids))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SearchIndex:
    """The search index as derived data of the write gate (`store.derived`)."""

    name = "search index"
    depends = frozenset({"customer", "phones", "emails", "notes", "im_handles"})
    writes = (*TABLES, "search_fts")

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


SEARCH_INDEX = SearchIndex()
