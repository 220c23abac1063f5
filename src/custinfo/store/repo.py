"""The customer repository: the core API over an open `Database`.

All writes run in one transaction each, validate before touching the database, and record
an audit entry. Reads batch their queries so that loading many customers costs a handful of
statements, not one per customer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from custinfo import validation
from custinfo.errors import DuplicateError, NotFoundError, ValidationError
from custinfo.export import cells as export_cells
from custinfo.models import SCALAR_FIELDS, Customer, CustomerInput, Email, Note, Phone
from custinfo.store import audit, hooks
from custinfo.store.db import Database, create_database, open_database, utc_now

_CHUNK = 500  # ids per IN (...) query


@dataclass(slots=True)
class CustomerEdit:
    """Validated changes for `Store.edit`. A scalar set to None clears the field."""

    name: str | None = None
    add_phones: list[Phone] = field(default_factory=list)
    remove_phones: list[Phone] = field(default_factory=list)
    add_emails: list[Email] = field(default_factory=list)
    remove_emails: list[Email] = field(default_factory=list)
    scalars: dict[str, str | None] = field(default_factory=dict)

    def changed_fields(self) -> list[str]:
        names = ["name"] if self.name is not None else []
        if self.add_phones or self.remove_phones:
            names.append("phones")
        if self.add_emails or self.remove_emails:
            names.append("emails")
        return names + sorted(self.scalars)


class Store:
    """Customers in one encrypted database file."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn
        #: Called with (old id, kept id) when an id of a merged customer is resolved.
        self.on_redirect: Callable[[int, int], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, key: bytes) -> Store:
        return cls(open_database(path, key))

    @classmethod
    def create(cls, path: Path, key: bytes, *, region: str) -> Store:
        region = validation.check_region(region)
        return cls(create_database(path, key, region=region))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def region(self) -> str:
        return self.db.meta("region", "CN") or "CN"

    # -- reads -----------------------------------------------------------------------------
    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM customers").fetchone()[0]

    def resolve_id(self, customer_id: int) -> int:
        """The live id for `customer_id` (a merged id gives the customer it was merged
        into, reported through `on_redirect`); raises NotFoundError if there is none."""
        row = self.conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            from custinfo.dedupe.merge import merged_into

            keep = merged_into(self.conn, customer_id)
            if keep is None:
                raise NotFoundError(f"no customer with id {customer_id}")
            if self.on_redirect is not None:
                self.on_redirect(customer_id, keep)
            return keep
        return customer_id

    def missing_ids(self, ids: Iterable[int]) -> list[int]:
        """Ids among `ids` that are not live customers (sorted)."""
        wanted = sorted(set(ids))
        found: set[int] = set()
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.conn.execute(f"SELECT id FROM customers WHERE id IN ({marks})", chunk)
            )
        return [i for i in wanted if i not in found]

    def get(self, customer_id: int) -> Customer:
        customers = self.get_many([self.resolve_id(customer_id)])
        return customers[0]

    def get_many(self, ids: Sequence[int]) -> list[Customer]:
        """Load customers in the order of `ids` (unknown ids are skipped)."""
        loaded: dict[int, Customer] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            loaded.update(self._load_chunk(chunk))
        return [loaded[i] for i in ids if i in loaded]

    def iter_all(self, batch: int = 2000) -> Iterator[Customer]:
        """Every customer in id order, loaded in batches (memory stays flat)."""
        last = 0
        while True:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                )
            ]
            if not ids:
                return
            yield from self.get_many(ids)
            last = ids[-1]

    def _load_chunk(self, ids: list[int]) -> dict[int, Customer]:
        marks = ",".join("?" * len(ids))
        out: dict[int, Customer] = {}
        for row in self.conn.execute(
            "SELECT id, name, company, address, city, birthday, source, created_at, updated_at "
            f"FROM customers WHERE id IN ({marks})",
            ids,
        ):
            out[row[0]] = Customer(
                id=row[0], name=row[1], company=row[2], address=row[3], city=row[4],
                birthday=row[5], source=row[6], created_at=row[7], updated_at=row[8],
            )  # fmt: skip
        for cid, e164, ext in self.conn.execute(
            f"SELECT customer_id, e164, ext FROM phones WHERE customer_id IN ({marks}) ORDER BY id",
            ids,
        ):
            out[cid].phones.append(str(Phone(e164, ext or None)))
        for cid, address in self.conn.execute(
            f"SELECT customer_id, address FROM emails WHERE customer_id IN ({marks}) ORDER BY id",
            ids,
        ):
            out[cid].emails.append(address)
        for cid, name in self.conn.execute(
            "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
            f"WHERE ct.customer_id IN ({marks}) ORDER BY t.key",
            ids,
        ):
            out[cid].tags.append(name)
        for cid, at, text in self.conn.execute(
            f"SELECT customer_id, at, text FROM notes WHERE customer_id IN ({marks}) "
            "ORDER BY at, id",
            ids,
        ):
            out[cid].notes.append(Note(at, text))
        return out

    def ids_by_phone(self, e164: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT DISTINCT customer_id FROM phones WHERE e164 = ? ORDER BY customer_id", (e164,)
        )
        return [r[0] for r in rows]

    def ids_by_email(self, key: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT DISTINCT customer_id FROM emails WHERE key = ? ORDER BY customer_id", (key,)
        )
        return [r[0] for r in rows]

    def find_conflict(
        self, phones: Iterable[Phone], emails: Iterable[Email], exclude_id: int | None = None
    ) -> DuplicateError | None:
        """The first phone or email of these that belongs to another customer, as an error."""
        for phone in phones:
            row = self.conn.execute(
                "SELECT customer_id FROM phones WHERE e164 = ? AND ext = ? AND customer_id IS NOT ?"
                " LIMIT 1",
                (phone.e164, phone.ext or "", exclude_id),
            ).fetchone()
            if row:
                return DuplicateError(
                    f"phone {phone} already belongs to customer {row[0]} "
                    "(use --allow-duplicate to add it anyway)",
                    row[0],
                    "phone",
                )
        for email in emails:
            row = self.conn.execute(
                "SELECT customer_id FROM emails WHERE key = ? AND customer_id IS NOT ? LIMIT 1",
                (email.key, exclude_id),
            ).fetchone()
            if row:
                return DuplicateError(
                    f"email {email} already belongs to customer {row[0]} "
                    "(use --allow-duplicate to add it anyway)",
                    row[0],
                    "email",
                )
        return None

    # -- writes ----------------------------------------------------------------------------
    def add(
        self,
        customer: CustomerInput,
        *,
        source: str = "manual",
        allow_duplicate: bool = False,
        allow_suppressed: bool = False,
        command: str = "add",
    ) -> int:
        """Insert one validated customer; returns its new id."""
        with self.db.transaction() as conn:
            if not allow_suppressed:  # contacts of erased people (see custinfo.privacy.suppression)
                from custinfo.privacy import suppression

                suppression.check(conn, customer.phones, customer.emails)
            if not allow_duplicate and (
                conflict := self.find_conflict(customer.phones, customer.emails)
            ):
                raise conflict
            new_id = self.insert(conn, customer, source=source)
            hooks.changed(conn, [new_id])
            audit.record(conn, command, [new_id], _filled_fields(customer))
        return new_id

    def insert(
        self, conn: Any, customer: CustomerInput, *, source: str, at: str | None = None
    ) -> int:
        """Insert inside the caller's transaction, without checks or audit (bulk paths)."""
        now = at or utc_now()
        cur = conn.execute(
            "INSERT INTO customers(name, company, address, city, birthday, source, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (customer.name, customer.company, customer.address, customer.city,
             customer.birthday, source, now, now),
        )  # fmt: skip
        new_id = cur.lastrowid
        self._add_phones(conn, new_id, customer.phones)
        self._add_emails(conn, new_id, customer.emails)
        self.add_tags(conn, new_id, customer.tags)
        conn.executemany(
            "INSERT INTO notes(customer_id, at, text) VALUES (?, ?, ?)",
            ((new_id, now, text) for text in customer.notes),
        )
        export_cells.refresh(conn, [new_id])
        return new_id

    def edit(
        self,
        customer_id: int,
        change: CustomerEdit,
        *,
        allow_duplicate: bool = False,
        allow_suppressed: bool = False,
    ) -> None:
        """Apply validated changes to one customer in one transaction."""
        fields = change.changed_fields()
        if not fields:
            raise ValidationError("nothing to change: give at least one option")
        for name in change.scalars:
            if name not in SCALAR_FIELDS:
                raise ValidationError(f"unknown field {name!r}", name)
        with self.db.transaction() as conn:
            customer_id = self.resolve_id(customer_id)
            if not allow_duplicate and (
                conflict := self.find_conflict(change.add_phones, change.add_emails, customer_id)
            ):
                raise conflict
            if not allow_suppressed and (change.add_phones or change.add_emails):
                from custinfo.privacy import suppression

                suppression.check(conn, change.add_phones, change.add_emails)
            for phone in change.remove_phones:
                cur = conn.execute(
                    "DELETE FROM phones WHERE customer_id = ? AND e164 = ? AND ext = ?",
                    (customer_id, phone.e164, phone.ext or ""),
                )
                if cur.rowcount == 0:
                    raise ValidationError(f"customer {customer_id} has no phone {phone}", "phone")
            for email in change.remove_emails:
                cur = conn.execute(
                    "DELETE FROM emails WHERE customer_id = ? AND key = ?", (customer_id, email.key)
                )
                if cur.rowcount == 0:
                    raise ValidationError(f"customer {customer_id} has no email {email}", "email")
            self._add_phones(conn, customer_id, change.add_phones)
            self._add_emails(conn, customer_id, change.add_emails)
            assignments = dict(change.scalars)
            if change.name is not None:
                assignments["name"] = change.name
            assignments["updated_at"] = utc_now()
            columns = ", ".join(f"{name} = ?" for name in assignments)
            conn.execute(
                f"UPDATE customers SET {columns} WHERE id = ?", [*assignments.values(), customer_id]
            )
            hooks.changed(conn, [customer_id])
            audit.record(conn, "edit", [customer_id], fields)

    def add_note(self, customer_id: int, text: str, *, at: str | None = None) -> None:
        """Append to the interaction log (a note counts as activity: updated_at moves)."""
        note = validation.normalize_note(text)
        with self.db.transaction() as conn:
            customer_id = self.resolve_id(customer_id)
            now = at or utc_now()
            conn.execute(
                "INSERT INTO notes(customer_id, at, text) VALUES (?, ?, ?)",
                (customer_id, now, note),
            )
            conn.execute(
                "UPDATE customers SET updated_at = ? WHERE id = ?", (utc_now(), customer_id)
            )
            hooks.changed(conn, [customer_id])
            audit.record(conn, "note", [customer_id], ["notes"])

    # -- helpers shared by writers ----------------------------------------------------------
    @staticmethod
    def _add_phones(conn: Any, customer_id: int, phones: Iterable[Phone]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO phones(customer_id, e164, ext) VALUES (?, ?, ?)",
            ((customer_id, p.e164, p.ext or "") for p in phones),
        )

    @staticmethod
    def _add_emails(conn: Any, customer_id: int, emails: Iterable[Email]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO emails(customer_id, address, key) VALUES (?, ?, ?)",
            ((customer_id, e.address, e.key) for e in emails),
        )

    @staticmethod
    def tag_id(conn: Any, tag: str, *, create: bool = True) -> int | None:
        """The id of a tag (matched case-insensitively), created with this spelling if new."""
        key = validation.tag_key(tag)
        row = conn.execute("SELECT id FROM tags WHERE key = ?", (key,)).fetchone()
        if row:
            return row[0]
        if not create:
            return None
        return conn.execute("INSERT INTO tags(name, key) VALUES (?, ?)", (tag, key)).lastrowid

    def add_tags(self, conn: Any, customer_id: int, tags: Iterable[str]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) VALUES (?, ?)",
            ((customer_id, self.tag_id(conn, tag)) for tag in tags),
        )


def _filled_fields(customer: CustomerInput) -> list[str]:
    names = ["name"]
    for name in ("phones", "emails", "tags", "notes"):
        if getattr(customer, name):
            names.append(name)
    names += [name for name in SCALAR_FIELDS if getattr(customer, name)]
    return names


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class BulkCustomer(NamedTuple):
    """One validated customer for `Store.insert_bulk` (plain tuples: cheap to pickle)."""

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


def insert_bulk(
    store: Store, conn: Any, rows: Sequence[Any], *, source: str,
    tag_ids: dict[str, int] | None = None,
) -> range:  # fmt: skip
    """Insert many validated customers inside the caller's write transaction (the import's
    one insert path; the same rows as `Store.insert` would write, in a few `executemany`
    calls). `rows` are `BulkCustomer`s or records with the same attribute names. Ids are
    assigned consecutively after the highest id ever used; returns them."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'customers'").fetchone()
    top = conn.execute("SELECT max(id) FROM customers").fetchone()[0] or 0
    first = max(top, row[0] if row else 0) + 1
    ids = range(first, first + len(rows))
    cache = tag_ids if tag_ids is not None else {}

    def tag(name: str) -> int:
        if name not in cache:  # cached per spelling; tag_id matches case-insensitively
            cache[name] = store.tag_id(conn, name)  # type: ignore[assignment]
        return cache[name]

    row_tags = [[tag(t) for t in r.tags] for r in rows]
    cells = export_cells.bulk_cells(conn, rows, row_tags)  # from the values: no read-back
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
    return ids
